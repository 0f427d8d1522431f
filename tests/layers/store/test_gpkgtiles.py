"""GeoPackage tiles read claim anchors straight from point blobs, and fall back to shapely for anything else."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point, Polygon

from layers import tiles as T
from layers.store.gpkg_binary import gpkg_encode
from layers.store.gpkgtiles import _anchors, _point_coordinates


def test_point_blobs_are_read_in_numpy() -> None:
    blobs = gpkg_encode([Point(34.45, 31.5), Point(-0.5, 51.25), Point(180.0, -85.0)])
    got = _point_coordinates(blobs)
    assert got is not None
    assert got.tolist() == [[34.45, 31.5], [-0.5, 51.25], [180.0, -85.0]]


def test_anything_but_points_of_one_layout_is_decoded() -> None:
    square = Polygon([(34.4, 31.4), (34.5, 31.4), (34.5, 31.5), (34.4, 31.5)])
    assert _point_coordinates(gpkg_encode([Point(34.45, 31.5), square])) is None
    assert _point_coordinates([*gpkg_encode([Point(34.45, 31.5)]), None]) is None
    tile = T.TileAddress(10, 610, 417)
    xs, ys, inside = _anchors(tile, [*gpkg_encode([Point(34.4667, 31.5017), square, Point(0.0, 0.0)]), None])
    # the square's surface point (34.45, 31.45) is in the tile to the west
    assert inside.tolist() == [True, False, False, False]
    assert np.isnan(xs[3]) and np.isnan(ys[3])
    x, y = T.to_mercator(square.representative_point()).coords[0]
    assert (xs[1], ys[1]) == (x, y)
