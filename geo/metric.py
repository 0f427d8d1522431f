"""Metric helpers, the one place sitmap measures on the Earth: geodesic distances, the farthest
point of a shape, moves along a bearing, circles and buffers on the WGS84 ellipsoid — never
distances or buffers in degrees, and never a projection that only fits one region.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyproj
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

_GEOD = pyproj.Geod(ellps="WGS84")


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    return float(_GEOD.inv(a.x, a.y, b.x, b.y)[2])


def offset_point(point: Point, distance_m: float, bearing_deg: float) -> Point:
    """The point ``distance_m`` from ``point`` along a compass bearing (geodesic), to 6 decimals."""
    lon, lat, _ = _GEOD.fwd(point.x, point.y, bearing_deg, distance_m)
    return Point(round(lon, 6), round(lat, 6))


def destinations(point: Point, bearings_deg: list[float], distance_m: float) -> list[tuple[float, float]]:
    """The (lon, lat) reached from ``point`` along each compass bearing after ``distance_m`` metres."""
    n = len(bearings_deg)
    lons, lats, _ = _GEOD.fwd([point.x] * n, [point.y] * n, bearings_deg, [distance_m] * n)
    return list(zip(np.asarray(lons).tolist(), np.asarray(lats).tolist(), strict=True))


def max_distance_m(point: Point, geom: BaseGeometry) -> float:
    """Largest geodesic distance in metres from ``point`` to ``geom``: a true bound for any shape.

    The farthest point of a shape from a point is a vertex of its convex hull, so only
    the hull's vertices are measured.
    """
    coords = shapely.get_coordinates(geom.convex_hull)
    if len(coords) == 0:
        return 0.0
    _, _, dists = _GEOD.inv([point.x] * len(coords), [point.y] * len(coords), coords[:, 0], coords[:, 1])
    return float(max(dists))


def circle_m(point: Point, radius_m: float, *, segments: int = 64) -> Polygon:
    """A geodesic circle of ``radius_m`` metres (at least 1) around a lon/lat point: vertices on the
    WGS84 ellipsoid at true distance, never a buffer in degrees."""
    azimuths = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = _GEOD.fwd(
        np.full(segments, point.x), np.full(segments, point.y), azimuths, np.full(segments, max(radius_m, 1.0))
    )
    ring = list(zip(lons.tolist(), lats.tolist(), strict=True))
    return Polygon([*ring, ring[0]])


def _aeqd(lon: float, lat: float) -> str:
    return f"proj=aeqd lat_0={lat} lon_0={lon} x_0=0 y_0=0 ellps=WGS84"


@cache
def _local(lon: float, lat: float) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    """To and from an azimuthal equidistant projection centred on (lon, lat), in metres.

    Built from the PROJ pipelines themselves: the ones ``Transformer.from_crs("EPSG:4326",
    aeqd CRS, always_xy=True)`` and back resolve to (a test checks it), without the CRS
    database look-ups that made each pair cost about 25 ms, paid for every new centre (a
    first parse of a report naming 20 places spent half its time there).
    """
    aeqd = _aeqd(lon, lat)
    return (
        pyproj.Transformer.from_pipeline(f"proj=pipeline step proj=unitconvert xy_in=deg xy_out=rad step {aeqd}"),
        pyproj.Transformer.from_pipeline(f"proj=pipeline step inv {aeqd} step proj=unitconvert xy_in=rad xy_out=deg"),
    )


def _through(transformer: pyproj.Transformer, geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def buffer_m(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    """``geom`` widened by ``distance_m`` metres, geodesically; ``distance_m <= 0`` returns it unchanged.

    A point becomes its :func:`circle_m`. Any other shape is buffered in an azimuthal
    equidistant projection centred on it (distances from the centre are true on the
    ellipsoid, wherever on Earth the shape lies), then brought back to lon/lat.
    """
    if distance_m <= 0:
        return geom
    if geom.geom_type == "Point":
        return circle_m(geom, distance_m)
    centre = geom.centroid
    forward, backward = _local(round(centre.x, 4), round(centre.y, 4))
    metric = _through(forward, geom)
    if distance_m >= 500:
        # Simplifying by 10% of the distance (<= 100 m) first keeps the result a cover of the input
        # (the buffer is far wider than the shift) and makes buffering large admin outlines cheap.
        metric = metric.simplify(min(distance_m * 0.1, 100.0))
    return _through(backward, metric.buffer(distance_m, quad_segs=8))


def anchor_point(geom: BaseGeometry) -> Point:
    """The best-estimate point of an area: its centroid if inside it, else a point on it."""
    if isinstance(geom, Point):
        return geom
    c = geom.centroid
    return c if geom.covers(c) else geom.representative_point()
