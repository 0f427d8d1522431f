"""Reference geography: shipped COD-AB levels nest, areas match the official figures, lookups."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Point, box

from geo import boundaries as b
from geo.errors import InvalidInput, NotFound


def test_levels_and_counts() -> None:
    assert [a.pcode for a in b.admin_areas("adm0")] == ["PS"]
    assert [a.pcode for a in b.admin_areas("adm1")] == ["PS01", "PS02"]
    adm2 = b.admin_areas("adm2")
    assert len(adm2) == 16
    assert {a.parent_pcode for a in adm2} == {"PS01", "PS02"}
    gaza_govs = [a.name for a in adm2 if a.parent_pcode == "PS02"]
    assert gaza_govs == ["North Gaza", "Gaza", "Deir Al-Balah", "Khan Younis", "Rafah"]


def test_unknown_level_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidInput, match="'adm3'"):
        b.admin_areas("adm3")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["adm0", "adm1", "adm2"])
def test_simplified_geometry_keeps_official_area(level: str) -> None:
    for area in b.admin_areas(level):  # type: ignore[arg-type]
        assert area.geometry.is_valid
        measured = b.area_km2(area.geometry)
        # 20 m coverage simplification: every unit stays within 0.05 % of AREA_SQKM.
        assert measured == pytest.approx(area.area_km2, rel=5e-4), area.pcode


def test_gaza_strip_is_365_km2_and_levels_nest() -> None:
    strip = b.gaza_strip()
    assert b.area_km2(strip) == pytest.approx(365.0, abs=0.5)
    govs = shapely.union_all([a.geometry for a in b.admin_areas("adm2") if a.parent_pcode == "PS02"])
    # adm1 is the union of its adm2 units: no gaps, no slivers.
    assert b.area_km2(shapely.symmetric_difference(govs, strip)) < 0.01
    assert b.west_bank().intersection(strip).area == 0
    adm0 = b.admin_areas("adm0")[0].geometry
    assert adm0.contains(b.west_bank().representative_point())


def test_area_is_measured_in_equal_area_crs() -> None:
    # A 0.01 x 0.01 degree box at Gaza's latitude: ~0.95 x 1.11 km, about 1.056 km².
    cell = box(34.40, 31.50, 34.41, 31.51)
    assert b.area_km2(cell) == pytest.approx(1.11 * 0.949, rel=0.01)
    assert b.area_km2(shapely.Polygon()) == 0.0


@pytest.mark.parametrize(
    ("query", "pcode"),
    [
        ("PS0270", "PS0270"),
        ("ps0270", "PS0270"),
        ("Khan Younis", "PS0270"),
        ("Khan Yunis", "PS0270"),
        ("khan-yunis", "PS0270"),
        ("Deir el-Balah", "PS0265"),
        ("Deir Al-Balah", "PS0265"),
        ("Gaza", "PS0260"),
        ("Gaza Strip", "PS02"),
        ("West Bank", "PS01"),
        ("Palestine", "PS"),
        ("Israel", "ISR"),
        ("EGY", "EGY"),
        ("Hebron", "PS0150"),
    ],
)
def test_find_admin(query: str, pcode: str) -> None:
    assert b.find_admin(query).pcode == pcode


def test_find_admin_unknown_names_value() -> None:
    with pytest.raises(NotFound, match="Atlantis"):
        b.find_admin("Atlantis")
    with pytest.raises(InvalidInput):
        b.find_admin("  ")


def test_containing_places_real_towns() -> None:
    assert b.containing((34.3063, 31.3462)).name == "Khan Younis"  # Khan Yunis (GeoNames)
    assert b.containing(Point(34.4667, 31.5), "adm2").name == "Gaza"  # Gaza City
    assert b.containing((35.2544, 32.2211), "adm2").name == "Nablus"
    assert b.containing((34.3063, 31.3462), "adm1").pcode == "PS02"
    assert b.containing((34.78, 32.08), "adm2") is None  # Tel Aviv
    assert b.containing((34.78, 32.08), "country").pcode == "ISR"
    assert b.containing((34.2461, 31.2803), "country").pcode in ("PSE", "EGY")  # Rafah, on the border


def test_containing_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput, match="adm9"):
        b.containing((34.3, 31.3), "adm9")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        b.containing((340.0, 31.3))


def test_countries_are_natural_earth_context() -> None:
    codes = {c.pcode for c in b.countries()}
    assert codes == {"ISR", "PSE", "LBN", "SYR", "JOR", "EGY"}


def test_shipped_files_are_small_rfc7946_with_licence() -> None:
    total = 0
    for path in b.DATA_DIR.glob("*.geojson"):
        total += path.stat().st_size
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert "crs" not in doc
        for feat in doc["features"]:
            geom = shapely.geometry.shape(feat["geometry"])
            # RFC 7946 right-hand rule: exterior rings counter-clockwise.
            polys = getattr(geom, "geoms", [geom])
            assert all(p.exterior.is_ccw for p in polys), feat["properties"]["pcode"]
    assert total < 1_500_000
    notice = (b.DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY-IGO" in notice and "public domain" in notice
