"""The demo dataset: its texts, loading through the geocoder, idempotence, and what the map gets."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from layers.demo import DEMO_END, DEMO_START, check_demo, demo_reports, demo_zones, load_demo
from layers.model import SOURCE_KINDS
from layers.store import open_store
from layers.store.base import ClaimQuery, ZoneQuery


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    store = open_store(path)
    first = load_demo(store)
    yield store, first
    store.close()


def _report(report_id: str):
    return next(r for r in demo_reports() if r.id == report_id)


def test_texts_are_complete_attributed_and_in_the_window() -> None:
    reports = demo_reports()
    assert len(reports) >= 40
    assert len({r.id for r in reports}) == len(reports)
    for r in reports:
        assert DEMO_START <= r.published <= DEMO_END, r.id
        assert r.outlet.kind in SOURCE_KINDS and r.outlet.name
        assert r.claimant and r.title and r.text
        assert r.url is None or r.url.startswith("https://"), r.id
        assert len(r.text) < 1200, r.id
        # every text attributes what it says to someone
        assert re.search(r"\b(said|says|according to|reported|told)\b", r.text), r.id
        expect = r.expect
        assert {"event_type", "lon", "lat", "tolerance_km", "date"} <= set(expect), r.id
    kinds = {
        r.expect["event_type"] if isinstance(r.expect["event_type"], str) else r.expect["event_type"][0]
        for r in reports
    }
    assert {"airstrike", "shelling", "ground_operation", "rocket_launch", "shooting"} <= kinds
    assert {"evacuation_order", "humanitarian_zone", "negotiation"} <= kinds


def test_the_end_of_the_november_truce_is_covered() -> None:
    bus = _report("d-2023-11-30-jerusalem-bus-stop")
    assert "entrance to Jerusalem" in bus.text and "Hamas" in bus.text and "shot dead" in bus.text
    assert bus.published.date().isoformat() == "2023-11-30"
    rocket = _report("d-2023-12-01-rocket-truce-end")
    assert "rocket" in rocket.text and rocket.claimant == "Israeli military"
    targets = _report("d-2023-12-02-400-targets")
    assert "more than 400 targets" in targets.text and "more than 50 in the Khan Younis area" in targets.text
    assert targets.claimant == "Israeli military" and targets.published.date().isoformat() == "2023-12-02"
    blocks = _report("d-2023-12-01-block-map")
    assert "numbered blocks" in blocks.text and "Khan Younis" in blocks.text
    recall = _report("d-2023-12-02-doha-recall")
    assert "Doha" in recall.text and "Mossad" in recall.text
    assert recall.claimant == "Israeli Prime Minister's Office"
    assert recall.published.date().isoformat() == "2023-12-02"


def test_load_goes_through_the_geocoder_into_the_store(demo_store) -> None:
    store, first = demo_store
    reports = demo_reports()
    assert first.reports == first.reports_new == len(reports)
    assert first.claims >= 40 and first.claims_new == first.claims
    stats = store.stats()
    assert stats.reports == len(reports)
    assert stats.claims == first.claims
    assert {"airstrike", "shooting", "rocket_launch", "ground_operation"} <= set(stats.claims_by_event_type)
    # every stored claim keeps its four pillars: claimant, source, time, and (when placed) uncertainty
    for claim in store.query_claims(ClaimQuery()).items:
        assert claim.claimant and claim.source and claim.report_id
        assert claim.valid_from is not None and claim.time_precision != "unknown"
        assert (claim.geometry is None) == (claim.uncertainty is None)
    report = store.get_report(store.query_claims(ClaimQuery(limit=1)).items[0].report_id)
    assert report.excerpt and report.published_at is not None


def test_zones_are_the_real_orders_of_the_period(demo_store) -> None:
    store, first = demo_store
    zones = store.query_zones(ZoneQuery()).items
    assert first.zones == len(zones) == len(demo_zones())
    ids = {z.id for z in zones}
    # the orders of 2 and 4 December 2023 (block lists) are there
    assert {"gazamaps-18", "gazamaps-42", "gazamaps-41"} <= ids
    late_2023 = [
        z for z in zones if datetime(2023, 10, 1, tzinfo=UTC) <= z.issued_at < datetime(2024, 1, 1, tzinfo=UTC)
    ]
    assert len(late_2023) >= 6
    assert all(z.issuer and z.source and z.url for z in late_2023)
    # every one is drawn from its blocks, except the order of 13 Oct 2023, which named an area
    assert [z.id for z in late_2023 if not z.block_ids] == ["sitmap-order-2023-10-13-north-of-wadi-gaza"]
    assert all(DEMO_START <= z.issued_at <= DEMO_END for z in zones)


def test_loading_twice_changes_nothing(demo_store) -> None:
    store, _ = demo_store
    before = store.stats()
    again = load_demo(store)
    assert not again.changed
    assert (again.reports_new, again.claims_new, again.claims_updated, again.zones_new) == (0, 0, 0, 0)
    after = store.stats()
    assert (after.claims, after.claim_versions, after.zones, after.reports) == (
        before.claims,
        before.claim_versions,
        before.zones,
        before.reports,
    )
    assert after.last_recorded_at == before.last_recorded_at


def test_truce_end_events_are_placed_where_the_texts_say(demo_store) -> None:
    store, _ = demo_store
    checks = {c.report.id: c for c in check_demo(store)}
    for key in (
        "d-2023-11-30-jerusalem-bus-stop",
        "d-2023-12-01-rocket-truce-end",
        "d-2023-12-01-strikes-resume",
        "d-2023-12-02-400-targets",
    ):
        c = checks[key]
        assert c.type_ok and c.place_ok and c.time_ok, (key, c)
    bus = checks["d-2023-11-30-jerusalem-bus-stop"]
    assert bus.claimant_ok and bus.distance_km is not None and bus.distance_km < 10


def test_most_texts_are_placed_right(demo_store) -> None:
    store, _ = demo_store
    checks = check_demo(store)
    good = sum(c.ok for c in checks)
    # a floor, not a target: the geocoder's own evaluation lives in bench/geoparse_eval.py
    assert good >= 0.8 * len(checks), [c.report.id for c in checks if not c.ok]


def test_cli_demo_is_idempotent(tmp_path: Path, capsys) -> None:
    from api.cli import main

    db = str(tmp_path / "cli-demo.gpkg")
    assert main(["demo", "--db", db]) == 0
    assert "52 new" in capsys.readouterr().out
    assert main(["demo", "--db", db, "--check"]) == 0
    out = capsys.readouterr().out
    assert "nothing changed" in out and "texts placed with the right type" in out


def test_create_demo_gpkg_is_atomic(tmp_path: Path) -> None:
    from geo.errors import InvalidInput
    from layers.demo import create_demo_gpkg

    target = tmp_path / "fresh.gpkg"
    result = create_demo_gpkg(target)
    assert result.reports_new == len(demo_reports()) and target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if "tmp" in p.name) == []
    store = open_store(target)
    try:
        assert store.stats().reports == len(demo_reports())
    finally:
        store.close()
    with pytest.raises(InvalidInput, match="already exists"):
        create_demo_gpkg(target)
