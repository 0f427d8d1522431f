"""Evacuation zones: block-list zones, real orders vs stated areas, active-at, areas and series."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from geo.blocks import BlockGrid
from geo.boundaries import area_km2, gaza_strip
from geo.errors import InvalidInput
from layers import zones as zm

DATA = Path(__file__).parents[1] / "data" / "zones"


def t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def orders() -> zm.OrdersLoad:
    return zm.load_real_orders_report()


@pytest.fixture(scope="module")
def gm(orders: zm.OrdersLoad) -> list:
    return [z for z in orders.zones if z.order_type == "evacuate"]


def raw_orders() -> list[dict]:
    return json.loads(zm.GAZAMAPS_FILE.read_text(encoding="utf-8"))


# -- building zones -------------------------------------------------------------------


def test_zone_from_exact_blocks() -> None:
    z = zm.zone_from_blocks(
        ["606", "607", 719, 720],
        issuer="Israeli military",
        order_type="evacuate",
        issued_at="2025-06-20",
        id="o1",
        stated_area_km2=0.80,
    )
    assert z.block_ids == ("606", "607", "719", "720") and z.approx_block_ids == ()
    assert z.uncertainty.method == "block_list" and z.uncertainty.radius_m == 0
    assert z.uncertainty.geo_precision == 1
    assert z.effective_from == z.issued_at == t("2025-06-20")
    assert z.grid == "idf-blocks-2023-12" and z.flags == ()
    assert area_km2(z.geometry) == pytest.approx(0.80, rel=0.01)


def test_sub_blocks_become_parents_flagged_approximate() -> None:
    grid = BlockGrid.load()
    z = zm.zone_from_blocks(["36", "89.3"], issuer="Israeli military", order_type="evacuate", issued_at="2025-06-17")
    assert z.block_ids == ("36", "89.3") and z.approx_block_ids == ("89.3",)
    assert "approx_blocks" in z.flags
    assert z.geometry.equals(shapely.union_all([grid.block("36").geometry, grid.block("89").geometry]))
    # The parent block is an upper bound: radius = its equivalent radius sqrt(A/pi).
    parent_r = (area_km2(grid.block("89").geometry) * 1e6 / 3.141592653589793) ** 0.5
    assert z.uncertainty.radius_m == pytest.approx(parent_r, rel=1e-3)
    assert z.uncertainty.geo_precision == 2 and "89.3->89" in (z.uncertainty.note or "")


def test_unknown_blocks_flagged_or_rejected() -> None:
    z = zm.zone_from_blocks(["55", "930"], issuer="x", order_type="evacuate", issued_at="2025-01-01")
    assert "unknown_blocks:930" in z.flags and z.block_ids == ("55",)
    with pytest.raises(InvalidInput, match="930"):
        zm.zone_from_blocks(["55", "930"], issuer="x", order_type="evacuate", issued_at="2025-01-01", strict=True)
    with pytest.raises(InvalidInput, match=r"no block of the order.*930"):
        zm.zone_from_blocks(["930"], issuer="x", order_type="evacuate", issued_at="2025-01-01")


def test_block_list_and_drawn_area_disagreeing_keeps_both_and_flags() -> None:
    grid = BlockGrid.load()
    blocks = grid.geometry(["55", "56"])
    agreeing = zm.zone_from_blocks(
        ["55", "56"], issuer="x", order_type="evacuate", issued_at="2024-01-01", drawn_geometry=blocks.buffer(0.00001)
    )
    assert not any(f.startswith("block_drawn_mismatch") for f in agreeing.flags)
    drawn = box(*blocks.bounds).buffer(0.01)
    z = zm.zone_from_blocks(
        ["55", "56"], issuer="x", order_type="evacuate", issued_at="2024-01-01", drawn_geometry=drawn
    )
    assert z.drawn_geometry is not None and z.drawn_geometry.equals(drawn)
    assert z.geometry.equals(blocks)
    flag = next(f for f in z.flags if f.startswith("block_drawn_mismatch"))
    assert float(flag.split("=")[1]) < zm.MISMATCH_IOU


def test_stated_area_disagreeing_is_flagged() -> None:
    z = zm.zone_from_blocks(
        ["606", "607"], issuer="x", order_type="evacuate", issued_at="2024-01-01", stated_area_km2=5.0
    )
    assert any(f.startswith("stated_area_mismatch:stated=5.00") for f in z.flags)


def test_zone_from_polygon_rejects_invalid_or_repairs_on_request() -> None:
    feats = json.loads((DATA / "drawn_orders.geojson").read_text())["features"]
    z = zm.zone_from_polygon(feats[0]["geometry"], issuer="x", order_type="evacuate", issued_at="2024-01-01")
    assert z.uncertainty.method == "drawn" and z.geometry.geom_type == "Polygon"
    with pytest.raises(InvalidInput, match="Self-intersection"):
        zm.zone_from_polygon(feats[1], issuer="x", order_type="evacuate", issued_at="2024-01-01")
    fixed = zm.zone_from_polygon(feats[1], issuer="x", order_type="evacuate", issued_at="2024-01-01", repair=True)
    assert fixed.geometry.is_valid and "repaired" in fixed.flags
    with pytest.raises(InvalidInput, match=r"feature 1 of drawn_orders\.geojson: .*Self-intersection"):
        zm.zones_from_geojson(DATA / "drawn_orders.geojson", issuer="x", order_type="evacuate", issued_at="2024-01-01")
    assert (
        len(
            zm.zones_from_geojson(
                DATA / "drawn_orders.geojson", issuer="x", order_type="evacuate", issued_at="2024-01-01", repair=True
            )
        )
        == 2
    )
    with pytest.raises(InvalidInput, match="Polygon or MultiPolygon"):
        zm.zone_from_polygon(
            {"type": "Point", "coordinates": [34.4, 31.5]}, issuer="x", order_type="evacuate", issued_at="2024-01-01"
        )
    with pytest.raises(InvalidInput, match="not an ISO date"):
        zm.zone_from_polygon(feats[0]["geometry"], issuer="x", order_type="evacuate", issued_at="yesterday")


# -- the real orders ------------------------------------------------------------------


def test_real_orders_load_with_nothing_dropped(orders: zm.OrdersLoad) -> None:
    raw = raw_orders()
    with_blocks = [r for r in raw if r["displacement_blocks"].strip()]
    with_safe = [r for r in raw if r["labeled_safe_blocks"].strip()]
    no_blocks = [r for r in raw if not r["displacement_blocks"].strip() and not r["labeled_safe_blocks"].strip()]
    assert len(raw) == 109
    evac = [z for z in orders.zones if z.order_type == "evacuate" and z.id.startswith("gazamaps-")]
    safe = [z for z in orders.zones if z.order_type == "humanitarian_zone"]
    assert len(evac) == len(with_blocks) and len(safe) == len(with_safe)
    # an order without blocks is drawn from sitmap's supplement (13 Oct 2023) or listed as not mapped
    drawn = {"102"}
    assert {u[1] for u in orders.unmapped} == {str(r["id"]) for r in no_blocks} - drawn
    z = next(z for z in evac if z.id == "gazamaps-16")
    assert z.issuer == "Israeli military" and z.url.startswith("https://x.com/")
    assert z.issued_at == t("2023-10-07") and z.lifted_at is None
    assert z.approx_block_ids == ("2231.1", "2231.2") and z.stated_area_km2 == 27.0
    # Every distinct block reference of the data is kept, as written, in block_ids.
    refs = sum(len({b.strip() for b in r["displacement_blocks"].split(",") if b.strip()}) for r in with_blocks)
    assert sum(len(z.block_ids) for z in evac) == refs


def test_computed_areas_match_stated_areas(gm: list) -> None:
    """Orders fully inside the grid: measured area vs GazaMaps' stated area.

    Tolerance 3.5 %: GazaMaps measures on its own copy of the IDF polygons (redrawn in
    later maps) and rounds to 0.01 km², which alone is up to 3 % on the smallest
    (0.34 km²) order; in practice the median difference is under 0.2 %.
    """
    table = zm.order_areas(gm)
    exact = table[(table.n_approx == 0) & table.stated_area_km2.notna()]
    assert len(exact) >= 55
    dev = (exact.ratio - 1).abs()
    assert dev.median() < 0.002
    assert dev.max() < 0.035, exact.loc[dev.idxmax(), ["id", "area_km2", "stated_area_km2"]].to_dict()
    # With sub-blocks drawn as parents the zone is an upper bound of the stated area.
    approx = table[(table.n_approx > 0) & table.stated_area_km2.notna()]
    assert len(approx) >= 20
    assert (approx.ratio >= 0.99).all()


def test_humanitarian_zone_declarations_replace_each_other(orders: zm.OrdersLoad) -> None:
    safe = [z for z in orders.zones if z.order_type == "humanitarian_zone"]
    for a, b in itertools.pairwise(safe):
        assert a.lifted_at == b.effective_from
    assert safe[-1].lifted_at is None
    first = safe[0]
    assert first.issued_at == t("2024-05-06")
    assert area_km2(first.geometry) == pytest.approx(60.90, rel=0.01)  # upper bound of the stated 60.90
    live = zm.active_at(orders.zones, t("2024-09-01"), order_types=("humanitarian_zone",))
    assert len(live) == 1


def test_gazanowpop_orders_and_until() -> None:
    zs = zm.load_real_orders(("gazanowpop",), until=t("2025-10-10"))
    assert len(zs) == 64
    assert all(z.lifted_at == t("2025-10-10") for z in zs)
    assert sum("unknown_blocks" in ",".join(z.flags) for z in zs) >= 1
    with pytest.raises(InvalidInput, match="'acled'"):
        zm.load_real_orders(("acled",))  # type: ignore[arg-type]


# -- time ------------------------------------------------------------------------------


def test_active_at_rule(gm: list) -> None:
    z = gm[0]
    assert zm.active_at([z], z.effective_from - timedelta(seconds=1)) == []
    assert zm.active_at([z], z.effective_from) == [z]
    assert zm.active_at([z], t("2030-01-01")) == [z]  # in force until lifted
    lifted = z.model_copy(update={"lifted_at": t("2023-11-01")})
    assert zm.active_at([lifted], t("2023-10-31")) == [lifted]
    assert zm.active_at([lifted], t("2023-11-01")) == []
    assert zm.active_at([z], t("2023-12-01"), max_age=timedelta(days=30)) == []
    retracted = z.model_copy(update={"status": "retracted"})
    assert zm.active_at([retracted], t("2024-01-01")) == []


# -- areas ----------------------------------------------------------------------------


def test_area_at_is_union_in_equal_area_and_share_of_365(gm: list) -> None:
    reference = area_km2(gaza_strip())
    assert reference == pytest.approx(365.0, abs=0.1)
    at = t("2023-12-05")
    s = zm.area_at(gm, at)
    live = zm.active_at(gm, at)
    assert s.n_zones == len(live) == 5  # four block orders and the 13 Oct order north of Wadi Gaza
    merged = shapely.union_all([z.geometry for z in live])
    assert s.area_km2 == pytest.approx(area_km2(merged))
    assert s.area_km2 < sum(area_km2(z.geometry) for z in live)  # overlaps count once
    assert s.share == pytest.approx(area_km2(merged.intersection(gaza_strip())) / reference)
    assert 0 < s.share < 1 and s.reference_km2 == pytest.approx(reference)
    assert zm.area_at(gm, t("2023-01-01")).area_km2 == 0


def test_cumulative_area_since(gm: list) -> None:
    everything = zm.cumulative_area(gm)
    later = zm.cumulative_area(gm, since=t("2025-01-01"))
    assert later.area_km2 < everything.area_km2
    assert everything.share <= 1
    assert later.n_zones == sum(1 for z in gm if z.effective_from >= t("2025-01-01"))


def test_series_matches_point_queries(gm: list) -> None:
    lifted = [z.model_copy(update={"lifted_at": z.effective_from + timedelta(days=90)}) for z in gm]
    series = zm.area_series(lifted, start=date(2023, 12, 1), end=date(2024, 9, 1), since=date(2024, 1, 1))
    assert list(series.columns) == ["date", "area_km2", "share", "n_orders", "cumulative_km2", "cumulative_share"]
    assert len(series) == 276
    for day in (date(2023, 12, 2), date(2024, 3, 1), date(2024, 8, 20)):
        row = series[series.date == day].iloc[0]
        end_of_day = datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)
        point = zm.area_at(lifted, end_of_day)
        assert row.area_km2 == pytest.approx(point.area_km2, rel=1e-6)
        assert row.share == pytest.approx(point.share, rel=1e-6)
        assert row.n_orders == point.n_zones
        cum = zm.cumulative_area(lifted, since=t("2024-01-01"), until=end_of_day)
        assert row.cumulative_km2 == pytest.approx(cum.area_km2, rel=1e-6)
    assert (series.cumulative_km2.diff().dropna() >= -1e-9).all()
    with pytest.raises(InvalidInput, match="before its start"):
        zm.area_series(gm, start=date(2024, 2, 1), end=date(2024, 1, 1))


def test_series_for_humanitarian_zones(orders: zm.OrdersLoad) -> None:
    s = zm.area_series(orders.zones, order_type="humanitarian_zone")
    assert s.n_orders.max() == 1 and s.date.iloc[0] == date(2024, 5, 6)
    with pytest.raises(InvalidInput, match="'shelter'"):
        zm.area_series(orders.zones, order_type="shelter")
    assert zm.area_series([], order_type="evacuate").empty


def test_approximate_orders_larger_than_stated_say_so(gm: list) -> None:
    z = next(z for z in gm if z.id == "gazamaps-35")  # 2 sub-blocks: stated 0.65 km², parents 1.87 km²
    flag = next(f for f in z.flags if f.startswith("area_upper_bound:"))
    assert "stated=0.65" in flag and "measured=1.8" in flag
    assert not any(f.startswith("stated_area_mismatch") for f in z.flags)


@pytest.fixture(scope="module")
def population_tif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A made-up population raster over the south of the Strip: 100 m cells in UTM 36N, 7 people each."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path_factory.mktemp("pop") / "pop.tif"
    # UTM 36N around Khan Younis and Rafah: x 610..640 km, y 3455..3480 km.
    profile = {
        "driver": "GTiff",
        "width": 300,
        "height": 250,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32636",
        "transform": from_origin(610_000, 3_480_000, 100, 100),
        "nodata": -1,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.full((250, 300), 7.0, dtype=np.float32), 1)
    return path


def test_people_under_orders_from_a_user_raster(gm: list, population_tif: Path) -> None:
    from layers.raster import zonal_stats

    at = t("2023-12-10")  # orders of 2 and 9 December name the same 85 blocks
    total = zm.raster_sum_under(gm, population_tif, at)
    live = zm.active_at(gm, at)
    merged = shapely.union_all([z.geometry for z in live])
    direct = zonal_stats(population_tif, [merged])[0]
    assert total == pytest.approx(direct["sum"]) and total > 0
    assert total % 7 == 0
    # Overlapping orders count each cell once: less than the per-order sums added up.
    per_order = sum(s["sum"] for s in zonal_stats(population_tif, live))
    assert total < per_order
    series = zm.area_series(gm, start=date(2023, 12, 1), end=date(2023, 12, 10), raster=population_tif)
    row = series[series.date == date(2023, 12, 10)].iloc[0]
    assert row.raster_sum == pytest.approx(zm.raster_sum_under(gm, population_tif, t("2023-12-10T23:59:59")), rel=1e-3)
    assert zm.raster_sum_under(gm, population_tif, t("2020-01-01")) == 0.0


def test_the_order_of_13_october_2023_is_drawn_north_of_wadi_gaza_with_its_provenance(orders: zm.OrdersLoad) -> None:
    from shapely.geometry import Point

    from geo.boundaries import find_admin

    z = next(z for z in orders.zones if z.id == "sitmap-order-2023-10-13-north-of-wadi-gaza")
    assert z.order_type == "evacuate" and z.issuer == "Israeli military" and z.issued_at == t("2023-10-13")
    assert z.url == "https://x.com/AvichayAdraee/status/1712846493747495223"
    assert "gazamaps.com/displacement/102" in (z.notes or "") and "Wadi Gaza" in (z.title or "")
    assert z.uncertainty.radius_m == 500 and z.uncertainty.method == "manual"
    # Gaza City and Jabalia are north of the wadi, Nuseirat and Deir al-Balah south of it
    assert z.geometry.contains(Point(34.45, 31.52)) and z.geometry.contains(Point(34.49, 31.53))
    assert not z.geometry.contains(Point(34.39, 31.45)) and not z.geometry.contains(Point(34.35, 31.42))
    north = shapely.union_all([find_admin("PS0255").geometry, find_admin("PS0260").geometry])
    assert 115 < area_km2(z.geometry) < area_km2(north)
    assert z.lifted_at == t("2025-01-27")  # people were let back to the north
    bounded = zm._supplement_zone(zm._supplement()["102"], t("2024-01-01"))
    assert bounded.lifted_at == t("2024-01-01")  # ``until`` (e.g. a ceasefire) still bounds it


def test_known_gaps_are_the_orders_left_undrawn_up_to_a_day() -> None:
    gaps = zm.known_gaps()
    assert [g["order"] for g in gaps][:2] == ["GazaMaps #105", "GazaMaps #11"]
    assert all(g["url"].startswith("https://") and g["reason"] for g in gaps)
    assert zm.known_gaps(date(2023, 11, 1)) == []  # 13 Oct is drawn; nothing else was missing yet
    assert [g["date"] for g in zm.known_gaps(date(2023, 11, 20))] == ["2023-11-15"]
