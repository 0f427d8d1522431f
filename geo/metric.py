"""Metric helpers for claim geometry: geodesic distances and circles on the WGS84
ellipsoid, never distances or buffers in degrees.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

_GEOD = pyproj.Geod(ellps="WGS84")


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    return float(_GEOD.inv(a.x, a.y, b.x, b.y)[2])


def buffer_m(point: Point, radius_m: float, *, segments: int = 64) -> Polygon:
    """A geodesic circle of ``radius_m`` metres around a lon/lat point (vertices on the WGS84
    ellipsoid, so it is a true distance, never a buffer in degrees)."""
    azimuths = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = _GEOD.fwd(
        np.full(segments, point.x), np.full(segments, point.y), azimuths, np.full(segments, max(radius_m, 1.0))
    )
    ring = list(zip(lons.tolist(), lats.tolist(), strict=True))
    return Polygon([*ring, ring[0]])


def anchor_point(geom: BaseGeometry) -> Point:
    """The best-estimate point of an area: its centroid if inside it, else a point on it."""
    if isinstance(geom, Point):
        return geom
    c = geom.centroid
    return c if geom.covers(c) else geom.representative_point()


def covering_radius_m(point: Point, geom: BaseGeometry) -> float:
    """Metres from ``point`` to the farthest vertex of ``geom``'s convex hull."""
    hull = geom.convex_hull
    coords = shapely.get_coordinates(hull)
    if len(coords) == 0:
        return 0.0
    _, _, dists = _GEOD.inv([point.x] * len(coords), [point.y] * len(coords), coords[:, 0], coords[:, 1])
    return float(max(dists))
