"""The bulk import path stores exactly what the full path stores, and reports bad rows the same way."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from geo.model import CountEstimate, Placement
from layers.export import iter_geojson
from layers.importers import fastclaim
from layers.importers.geojson import _BOOKKEEPING, feature_to_claim, import_geojson, load_geojson
from layers.store import open_store
from layers.store import rows as R
from layers.store.base import ClaimQuery
from layers.store.gpkg_binary import GPKG_DIALECT
from layers.testing import make_claim

ALL = ("reported", "corroborated", "disputed", "retracted")


def _base_features() -> list[dict[str, Any]]:
    claims = [
        make_claim("b-1", fatalities=12, place_name="Khan Younis", notes="checked"),
        make_claim(
            "b-2",
            event_type="shelling",
            days=7,
            radius_m=3000,
            injured=CountEstimate(low=24, best=36, high=99, text="dozens"),
            placement=Placement(method="gazetteer", place_text="Khan Younis"),
        ),
        make_claim("b-3", event_type="negotiation", lon=51.53, lat=25.29, status="disputed", block_ids=("5", "37.1")),
        make_claim("b-4", lon=None, day=None, source="Agency"),
    ]
    return json.loads(b"".join(iter_geojson(claims)))["features"]  # type: ignore[no-any-return]


def _variant(base: dict[str, Any], fid: str, geometry: Any = None, **props: Any) -> dict[str, Any]:
    f = copy.deepcopy(base)
    f["id"] = fid
    f["properties"]["id"] = fid
    if geometry is not None:
        f["geometry"] = geometry
    for key, value in props.items():
        if value is _DROP:
            f["properties"].pop(key, None)
        else:
            f["properties"][key] = value
    return f


_DROP = object()


def _variants() -> list[dict[str, Any]]:
    """Good features of many shapes, and bad ones: the bulk path must agree with the full path on each."""
    base = _base_features()
    one = base[0]
    out = list(base)
    good: list[dict[str, Any]] = [
        {"claimant": "  padded  ", "source": " Outlet "},
        {"claimant": "   "},
        {"geo_precision": _DROP, "where_prec": _DROP},
        {"geo_precision": 3, "where_prec": 7},
        {"uncertainty_m": 1000},
        {"placement_method": "qualifier"},
        {"placement_method": None},
        {"valid_from": "2024-01-02T03:04:05+02:00", "valid_to": "2024-01-03T00:00:00"},
        {"valid_from": None, "valid_to": None, "time_precision": "unknown"},
        {"fatalities": 3, "fatalities_low": 1, "fatalities_high": 9, "fatalities_text": "several"},
        {"targets": 2, "targets_text": "two houses"},
        {"targets_text": None, "injured": 0},
        {"block_ids": ["1", "2"]},
        {"status": None, "review": "reviewed", "confidence": 0.9},
        {"place_text": "  Rafah ", "place_name": "Rafah", "gazetteer_id": "g:1"},
        {"version": 4, "recorded_at": "2024-02-02T00:00:00Z"},
        {"notes": "", "quote": "it said so", "url": "https://example.invalid/a"},
    ]
    bad: list[dict[str, Any]] = [
        {"event_type": "party"},
        {"status": "gone"},
        {"claimant": "x" * 400},
        {"fatalities": -1},
        {"fatalities_low": 5, "fatalities": 2},
        {"targets": None, "targets_text": "some"},
        {"valid_from": "2024-05-02T00:00:00Z", "valid_to": "2024-05-01T00:00:00Z"},
        {"valid_from": "not a date"},
        {"valid_to": None},
        {"valid_from": "2024-05-02T00:00:00Z", "valid_to": "2024-05-02T01:00:00Z", "time_precision": "unknown"},
        {"uncertainty_m": True},
        {"uncertainty_m": -5.0},
        {"uncertainty_m": _DROP},
        {"uncertainty_m": _DROP, "geo_precision": 2},
        {"geo_precision": 9},
        {"geo_precision": 2.0},
        {"where_prec": "1"},
        {"placement_method": "guess"},
        {"placement_method": ["gazetteer"]},
        {"confidence": 2.0},
        {"confidence": 1},
        {"block_ids": [1, 2]},
        {"version": 0},
        {"recorded_at": "yesterday"},
        {"report_id": 7},
        {"gazetteer_id": "g" * 101},
        {"event_type": ["airstrike"]},
        {"uncertainty_region": {"type": "Point", "coordinates": [34.4, 31.4]}},
    ]
    geometries: list[Any] = [
        {"type": "Point", "coordinates": [34, 31]},
        {"type": "Point", "coordinates": [34.4, 31.4, 12.0]},
        {"type": "Point", "coordinates": [190.0, 31.4]},
        {"type": "Point", "coordinates": [True, 31.4]},
        {"type": "Point", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[34.4, 31.4], [34.5, 31.4], [34.5, 31.5], [34.4, 31.4]]]},
    ]
    for n, props in enumerate(good + bad):
        out.append(_variant(one, f"v-{n}", **props))
    for n, geom in enumerate(geometries):
        out.append(_variant(one, f"g-{n}", geometry=geom))
    no_id = copy.deepcopy(one)
    no_id.pop("id")
    no_id["properties"].pop("id")
    out.append(no_id)
    out.append(_variant(one, "bad id!"))
    return out


def test_bulk_path_builds_the_records_the_full_path_builds() -> None:
    fast = fastclaim.FastClaims()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    taken = 0
    for feature in _variants():
        w_fast: dict[str, int] = {}
        got = fast.claim(feature, w_fast)
        try:
            w_full: dict[str, int] = {}
            want = feature_to_claim(feature, warnings=w_full).model_copy(update=_BOOKKEEPING)
        except Exception:
            assert got is None, f"the bulk path accepted a feature the full path refuses: {feature}"
            continue
        if got is None:
            continue
        taken += 1
        assert got == want, feature
        assert w_fast == w_full, feature
        assert got.content_hash() == want.content_hash()
        d = GPKG_DIALECT
        assert R.claim_rows(d, [got], [1], now, [None]) == R.claim_rows(d, [want], [1], now, [None])
    assert taken >= 20  # the common shapes do take the bulk path


def _stored(store: Any) -> list[Any]:
    items = store.query_claims(ClaimQuery(statuses=ALL)).items
    return sorted((c.model_copy(update={"recorded_at": None}) for c in items), key=lambda c: c.id)


def test_import_through_the_bulk_path_equals_the_full_path(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same stored claims, same report (counts, warnings, bad rows named alike), on both stores."""
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": _variants()}))
    slow_url = str(tmp_path / "slow.gpkg")
    with open_store(store_url) as fast_store:
        fast_result = import_geojson(fast_store, path, batch_size=7)
        fast_claims = _stored(fast_store)
    monkeypatch.setattr(fastclaim.FastClaims, "claim", lambda self, feature, warnings: None)
    with open_store(slow_url) as slow_store:
        slow_result = import_geojson(slow_store, path, batch_size=7)
        slow_claims = _stored(slow_store)
    assert fast_result.as_dict() | {"path": ""} == slow_result.as_dict() | {"path": ""}
    assert fast_result.error_count > 20 and fast_result.inserted > 20
    assert fast_claims == slow_claims
    assert len(load_geojson(path)) == fast_result.rows
