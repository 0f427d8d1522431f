"""Overlays, daily series, incidents and exports over a real store, and as of past moments."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from geo.errors import InvalidInput, NotFound
from layers.build import daily_feature, daily_series, daily_slices, incidents, overlay
from layers.catalog import get_layer, install_default_layers
from layers.export import iter_csv, iter_geojson
from layers.params import parse_interval
from layers.testing import assert_layer_equal, make_claim, make_zone

DEC1_3 = parse_interval("2023-12-01/2023-12-03")


def _ids(records) -> list[str]:
    return [r.id for r in records]


@pytest.fixture
def filled(store):
    install_default_layers(store)
    store.add_claims(
        [
            make_claim("c-strike", day="2023-12-01", claimant="Gaza civil defence"),
            make_claim("c-shell", event_type="shelling", day="2023-12-02", lon=34.30, lat=31.35),
            make_claim("c-week", day="2023-11-28", days=7, lon=34.25, lat=31.28, radius_m=3000),
            make_claim("c-shoot", event_type="shooting", day="2023-11-30", lon=35.20, lat=31.78),
            make_claim("c-talks", event_type="negotiation", day="2023-12-02", lon=51.53, lat=25.29),
            make_claim("c-old", day="2023-10-15"),
            make_claim("c-undated", day=None, claimant="Y"),
        ]
    )
    store.add_zones(
        [
            make_zone("z-1", effective_from="2023-12-01"),
            make_zone("z-old", effective_from="2023-10-13", lifted_at="2023-11-01"),
        ]
    )
    return store


def test_overlay_filters_by_layer_and_interval(filled) -> None:
    start, end = DEC1_3
    strikes = overlay(filled, get_layer(filled, "strikes"), start=start, end=end)
    assert _ids(strikes) == ["c-week", "c-strike", "c-shell"]  # stable order: valid_from, id
    assert _ids(overlay(filled, get_layer(filled, "diplomacy"), start=start, end=end)) == ["c-talks"]
    everything = overlay(filled, get_layer(filled, "all"))
    assert "c-undated" in _ids(everything) and "c-old" in _ids(everything)
    zones = overlay(filled, get_layer(filled, "evacuation-orders"), start=start, end=end)
    assert _ids(zones) == ["z-1"]


def test_request_filters_narrow_never_widen(filled) -> None:
    layer = get_layer(filled, "strikes")
    start, end = DEC1_3
    assert overlay(filled, layer, start=start, end=end, event_types=("shooting",)) == []
    assert _ids(overlay(filled, layer, start=start, end=end, event_types=("shelling",))) == ["c-shell"]
    assert _ids(overlay(filled, layer, bbox=(34.4, 31.45, 34.5, 31.55))) == ["c-old", "c-strike", "c-undated"]
    with pytest.raises(InvalidInput, match="'bombing'"):
        overlay(filled, layer, event_types=("bombing",))
    with pytest.raises(InvalidInput, match="before it starts"):
        overlay(filled, layer, start=end, end=start)


def test_unknown_layer_lists_known_ones(filled) -> None:
    with pytest.raises(NotFound) as err:
        get_layer(filled, "strikez")
    assert "'strikez'" in str(err.value) and "strikes" in str(err.value) and "all" in str(err.value)


def test_daily_series_flags_week_claims(filled) -> None:
    start, end = DEC1_3
    series = daily_series(filled, get_layer(filled, "strikes"), start, end)
    assert [s.day.isoformat() for s in series] == ["2023-12-01", "2023-12-02", "2023-12-03"]
    day1 = {e.record.id: e for e in series[0].entries}
    assert day1["c-strike"].day_certain and day1["c-strike"].time_spread_days == 1
    assert not day1["c-week"].day_certain and day1["c-week"].time_spread_days == 7
    assert _ids(series[1].records) == ["c-week", "c-shell"]
    assert _ids(series[2].records) == ["c-week"]
    assert series[0].certain == 1 and series[0].uncertain == 1
    feat = daily_feature(series[0].entries[0])
    assert feat["properties"]["day"] == "2023-12-01" and feat["properties"]["day_certain"] is False


def test_daily_slices_pure_zones_and_overnight() -> None:
    overnight = make_claim("c-n", day=datetime(2023, 12, 1, 22, tzinfo=UTC), days=0.4, precision="hour")
    zone = make_zone("z", effective_from="2023-12-02", lifted_at="2023-12-03")
    slices = daily_slices([overnight, zone, make_claim("c-u", day=None)], *DEC1_3)
    assert [(e.record.id, e.day_certain, e.time_spread_days) for e in slices[0].entries] == [("c-n", False, 2)]
    assert [(e.record.id, e.day_certain) for e in slices[1].entries] == [("c-n", False), ("z", True)]
    assert slices[2].entries == ()  # lifted at the start of 3 December


def test_incidents_layer(filled) -> None:
    filled.add_claims([make_claim("c-strike-2", day="2023-12-01", claimant="Israeli military", source="Other Wire")])
    result = overlay(filled, get_layer(filled, "incidents"), start=DEC1_3[0], end=DEC1_3[1])
    grouped = [i for i in result if len(i.claim_ids) > 1]
    assert len(grouped) == 1
    assert grouped[0].claim_ids == ("c-strike", "c-strike-2") and grouped[0].status == "corroborated"
    assert incidents(filled, start=DEC1_3[0], end=DEC1_3[1]) == result
    with pytest.raises(InvalidInput, match="zones"):
        incidents(filled, get_layer(filled, "evacuation-orders"))


def _tick(store) -> datetime:
    """The store's latest recorded time, then a short pause so the next write is strictly later."""
    t = store.last_recorded_at()
    time.sleep(0.01)
    return t


def test_as_of_reproduces_each_moment(store) -> None:
    install_default_layers(store)
    layer = get_layer(store, "all")
    start, end = DEC1_3
    snapshots: list[tuple[datetime, bytes, bytes, list]] = []

    def snap() -> None:
        t = _tick(store)
        recs = overlay(store, layer, start=start, end=end)
        snapshots.append(
            (t, b"".join(iter_geojson(recs)), b"".join(iter_csv(recs)), incidents(store, start=start, end=end))
        )

    store.add_claims(
        [
            make_claim("c-1", claimant="Gaza civil defence", fatalities=3),
            make_claim("c-2", claimant="Israeli military", lon=34.4670, lat=31.5002, fatalities=3),
        ]
    )
    snap()
    store.update_claim("c-1", {"fatalities": {"best": 30}})
    snap()
    store.retract_claim("c-2", reason="wrong place")
    snap()
    store.add_claims([make_claim("c-3", event_type="shelling", lon=34.30, lat=31.35)])
    snap()

    assert [len(s[3]) for s in snapshots] == [1, 1, 1, 2]
    assert snapshots[0][3][0].status == "corroborated"
    assert snapshots[1][3][0].status == "disputed"  # 3 vs 30 fatalities
    assert snapshots[2][3][0].status == "reported"  # c-2 retracted
    for t, geojson, csv_bytes, incs in snapshots:
        recs = overlay(store, layer, start=start, end=end, as_of=t)
        assert b"".join(iter_geojson(recs)) == geojson
        assert b"".join(iter_csv(recs)) == csv_bytes
        assert incidents(store, start=start, end=end, as_of=t) == incs
    first = overlay(store, layer, as_of=snapshots[0][0])
    assert [(r.id, r.version, r.fatalities.best if r.fatalities else None) for r in first] == [
        ("c-1", 1, 3),
        ("c-2", 1, 3),
    ]
    assert all(r.superseded_at is None for r in first)  # as known then
    before = overlay(store, layer, as_of=datetime(2000, 1, 1, tzinfo=UTC))
    assert before == []
    assert_layer_equal(overlay(store, layer), overlay(store, layer, as_of=snapshots[-1][0]))
