"""geo.uncertainty: radii, regions, qualifier widening, ACLED and UCDP precision codes."""

from __future__ import annotations

import pyproj
import pytest
from shapely.geometry import LineString, Point, box

from geo.errors import InvalidInput
from geo.metric import buffer_m, max_distance_m, offset_point
from geo.uncertainty import (
    bearing_of,
    from_acled,
    from_ucdp,
    precision_codes,
    qualifier_class,
    uncertainty_for,
    widen,
)

KHAN_YOUNIS = Point(34.30627, 31.34018)


@pytest.mark.parametrize(
    ("radius", "method", "kind", "codes"),
    [
        (300, "gazetteer", "hospital", (1, 1)),
        (6800, "gazetteer", "city", (1, 1)),  # a named town is ACLED 1 / UCDP 1 whatever its size
        (2000, "gazetteer", None, (1, 1)),
        (12_000, "gazetteer", None, (2, 2)),
        (9000, "qualifier", None, (2, 2)),
        (2000, "qualifier", None, (2, 2)),  # "near" is never "exact"
        (8000, "admin_fallback", "admin2", (3, 3)),
        (25_000, "admin_fallback", "admin1", (3, 4)),
        (11_000, "admin_fallback", "region", (3, 5)),
        (8_700, "gazetteer", "corridor", (2, 5)),
        (250_000, "admin_fallback", "country", (3, 6)),
        (90_000, "coordinates", None, (3, 4)),
        (3_000_000, "coordinates", None, (3, 7)),
        (0, "unresolved", None, (3, 7)),
    ],
)
def test_precision_codes(radius: float, method: str, kind: str | None, codes: tuple[int, int]) -> None:
    assert precision_codes(radius, method, kind=kind) == codes  # type: ignore[arg-type]


def test_precision_codes_reject_bad_radius() -> None:
    with pytest.raises(InvalidInput, match="radius_m"):
        precision_codes(-1, "gazetteer")
    with pytest.raises(InvalidInput, match="radius_m"):
        uncertainty_for("city", float("nan"))


@pytest.mark.parametrize("lon, lat", [(34.3, 31.3), (51.53, 25.29), (-100.0, 40.0), (139.7, 35.7)])
def test_a_buffer_is_true_anywhere_on_earth(lon: float, lat: float) -> None:
    """One geodesic buffer for every shape and place: no projection that only fits Gaza."""
    line = LineString([(lon, lat), (lon + 0.0001, lat)])
    widened = buffer_m(line, 1000)
    assert max_distance_m(Point(lon + 0.00005, lat), widened) == pytest.approx(1000, abs=10)
    assert max_distance_m(Point(lon, lat), buffer_m(Point(lon, lat), 1000)) == pytest.approx(1000, abs=1)


def test_buffers_are_metric_not_degrees() -> None:
    ring = buffer_m(KHAN_YOUNIS, 1000)
    area, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(ring)
    assert abs(area) == pytest.approx(3.1416e6, rel=0.01)
    # a 1 km buffer is ~0.0105 degrees of longitude at 31°N, ~0.009 of latitude
    minx, miny, maxx, maxy = ring.bounds
    assert (maxx - minx) > (maxy - miny)


def test_offset_and_bearing() -> None:
    north = offset_point(KHAN_YOUNIS, 5000, bearing_of("north"))
    assert north.y - KHAN_YOUNIS.y == pytest.approx(0.0451, abs=0.001)
    assert bearing_of("south-east") == 135 and bearing_of("NE") == 45 and bearing_of("western") == 270
    with pytest.raises(InvalidInput, match="upward"):
        bearing_of("upward")


@pytest.mark.parametrize(
    ("q", "cls"),
    [
        ("near", "near"),
        ("in the vicinity of", "near"),
        ("on the outskirts of", "outskirts"),
        ("across", "across"),
        ("north of", "direction"),
        ("south-east of", "direction"),
        ("5 km north of", "distance"),
        ("along the border", "border"),
        ("eastern", "part"),
        (None, None),
    ],
)
def test_qualifier_classes(q: str | None, cls: str | None) -> None:
    assert qualifier_class(q) == cls


def test_widen_rules() -> None:
    region = buffer_m(KHAN_YOUNIS, 3000)
    p, r, reg = widen(KHAN_YOUNIS, 3000, "near", region=region)
    assert p == KHAN_YOUNIS and r == 6000 and reg is not None and reg.contains(region)
    p, r, reg = widen(KHAN_YOUNIS, 3000, "across", region=region)
    assert r == 3000 and reg is region
    # issue 12: "north of X" is the northern half of X's extent, not X widened by 6 km
    p, r, reg = widen(KHAN_YOUNIS, 3000, "north of", region=region)
    assert p.y > KHAN_YOUNIS.y and abs(p.x - KHAN_YOUNIS.x) < 1e-4 and r < 3300  # was 9000
    assert reg is not None and reg.area < region.area * 0.55 and reg.centroid.y > KHAN_YOUNIS.y
    p, r, _ = widen(KHAN_YOUNIS, 3000, "2 miles west of")  # 3.2 km: 25% is under the 1 km floor
    assert p.x < KHAN_YOUNIS.x - 0.03 and r == 4000
    p, r, _ = widen(KHAN_YOUNIS, 3000, "10 km west of")
    assert r == 3000 + 2500
    p, r, reg = widen(KHAN_YOUNIS, 3000, "eastern", region=region)
    assert p.x > KHAN_YOUNIS.x and r < 3300 and reg is not None and reg.centroid.x > KHAN_YOUNIS.x
    p, r, reg = widen(KHAN_YOUNIS, 3000, "west of")  # no region: the western half-disc of the circle
    assert p.x < KHAN_YOUNIS.x and 3000 < r < 3300 and reg is not None


def test_uncertainty_for_kinds_and_methods() -> None:
    _, city = uncertainty_for("city", 4000, point=KHAN_YOUNIS)
    assert (city.method, city.geo_precision, city.where_prec, city.region) == ("gazetteer", 1, 1, None)
    strip = box(34.2, 31.2, 34.6, 31.6)
    _, gov = uncertainty_for("admin2", 9000, point=KHAN_YOUNIS, region=strip)
    assert gov.method == "admin_fallback" and gov.region is not None and gov.where_prec == 3
    _, near = uncertainty_for("admin1", 25_000, point=KHAN_YOUNIS, region=strip, qualifier="near")
    assert near.method == "qualifier" and near.geo_precision == 3 and near.radius_m == 28_000
    assert near.note == "qualifier: near"
    moved, dist = uncertainty_for("city", 4000, point=KHAN_YOUNIS, qualifier="3 km south of", note="Khan Younis")
    assert moved is not None and moved.y < KHAN_YOUNIS.y and dist.method == "qualifier"
    assert dist.note == "Khan Younis; qualifier: 3 km south of"


def test_from_acled() -> None:
    u1 = from_acled(1, KHAN_YOUNIS)
    assert (u1.radius_m, u1.geo_precision, u1.where_prec, u1.method) == (5000, 1, 1, "coordinates")
    gov = box(34.22, 31.25, 34.40, 31.40)
    u3 = from_acled(3, KHAN_YOUNIS, gov)
    assert u3.region is not None and u3.radius_m == pytest.approx(max_distance_m(KHAN_YOUNIS, gov), abs=0.1)
    assert u3.geo_precision == 3
    assert from_acled(2, KHAN_YOUNIS).radius_m == 25_000
    with pytest.raises(InvalidInput, match="geo_precision"):
        from_acled(4, KHAN_YOUNIS)


def test_from_ucdp() -> None:
    assert from_ucdp(1, KHAN_YOUNIS).geo_precision == 1
    assert from_ucdp(2, KHAN_YOUNIS).radius_m == 25_000
    strip = box(34.2, 31.2, 34.6, 31.6)
    u4 = from_ucdp(4, KHAN_YOUNIS, strip)
    assert u4.region is not None and u4.where_prec == 4 and u4.geo_precision == 3
    assert from_ucdp(6, KHAN_YOUNIS).radius_m == 500_000
    with pytest.raises(InvalidInput, match="where_prec"):
        from_ucdp(0, KHAN_YOUNIS)


def test_radius_is_a_true_bound_for_admin_regions() -> None:
    from geo.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    for eid in ("sitmap:gaza-strip", "sitmap:northern-gaza", "sitmap:gov-rafah", "sitmap:philadelphi-corridor"):
        e = gaz.get(eid)
        region = gaz.region(e)
        assert region is not None
        assert max_distance_m(e.point, region) <= e.radius_m + 1, eid
        assert region.buffer(1e-6).contains(e.point), eid
