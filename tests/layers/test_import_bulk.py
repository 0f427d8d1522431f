"""The bulk import path stores exactly what the full path stores, and reports bad rows the same way."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point

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
        Point(34.41, 31.42),  # a table's WKB geometry arrives as shapely
        Point(34.41, 31.42, 5.0),
        Point(200.0, 31.42),
        Point(),
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
        fast.place_points()
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
    features = [f for f in _variants() if not isinstance(f["geometry"], Point)]  # JSON can't hold those
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
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


# --------------------------------------------------------------------------------------
# Bulk sessions: large transactions, the R-tree and indexes restored, failures undone whole
# --------------------------------------------------------------------------------------


def _points(n: int, *, start: int = 0, shift: float = 0.0) -> list[dict[str, Any]]:
    """``n`` claim features spread over a small grid (some with a count), ids from ``start``."""
    one = _base_features()[0]
    out = []
    for i in range(start, start + n):
        lon, lat = 34.2 + (i % 17) * 0.02 + shift, 31.2 + (i % 13) * 0.03
        extra: dict[str, Any] = {"fatalities": i % 4} if i % 5 == 0 else {}
        out.append(_variant(one, f"p-{i}", geometry={"type": "Point", "coordinates": [lon, lat]}, **extra))
    return out


def _write(path: Path, features: list[dict[str, Any]], *, broken_after: int | None = None) -> Path:
    text = ",\n".join(json.dumps(f) for f in features)
    if broken_after is not None:  # malformed JSON after that many features: the reader fails there
        head = ",\n".join(json.dumps(f) for f in features[:broken_after])
        text = head + ',\n{"type": "Feature", "properties": {,\n' + text
    path.write_text('{"type": "FeatureCollection", "features": [\n' + text + "\n]}\n")
    return path


def _small_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    from layers.store import gpkg, postgis

    monkeypatch.setattr(gpkg, "BULK_TX_ROWS", 20)
    monkeypatch.setattr(postgis, "BULK_TX_ROWS", 20)
    monkeypatch.setattr(postgis, "ANALYZE_ROWS", 10)


BOXES = [(34.2, 31.2, 34.3, 31.35), (34.25, 31.3, 34.45, 31.5), (34.5, 31.45, 34.6, 31.6), (0.0, 0.0, 1.0, 1.0)]


def _answers(store: Any) -> dict[str, Any]:
    """What the store says: current claims, every version, and which ids each bbox finds."""
    every = store.query_claims(ClaimQuery(statuses=ALL, as_of=datetime(9998, 1, 1, tzinfo=UTC))).items
    versions = sorted((c.id, c.version, c.superseded_at is None) for c in _history(store))
    boxes = [sorted(c.id for c in store.query_claims(ClaimQuery(bbox=b, statuses=ALL)).items) for b in BOXES]
    return {"current": sorted(c.id for c in every), "claims": _stored(store), "versions": versions, "boxes": boxes}


def _history(store: Any) -> list[Any]:
    rows = store._fetch(f"SELECT id, version, superseded_at FROM {R.CLAIM_TABLE}")
    return [type("V", (), {"id": r[0], "version": r[1], "superseded_at": r[2]}) for r in rows]


def _brute_boxes(store: Any) -> list[list[str]]:
    import shapely

    items = store.query_claims(ClaimQuery(statuses=ALL)).items
    return [
        sorted(c.id for c in items if c.geometry is not None and c.geometry.intersects(shapely.box(*b))) for b in BOXES
    ]


def _schema_objects(store: Any) -> list[tuple[str, str]]:
    """Each index (and, in a GeoPackage, trigger) of the store's tables with its definition."""
    if store.backend == "gpkg":
        sql = "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name"
    else:
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
    return [(str(name), str(ddl)) for name, ddl in store._fetch(sql) if "import_digests" not in name]  # made by use


def test_bulk_sessions_store_what_batch_transactions_store(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large transactions (here 20 versions each) give the same claims, history and bbox answers."""
    from layers.importers import geojson

    _small_transactions(monkeypatch)
    first = _write(tmp_path / "first.geojson", _points(60))
    second = _write(tmp_path / "second.geojson", _points(30, start=45, shift=0.3))  # 15 changed, 15 new
    with open_store(store_url) as bulk_store:
        bulk_store.init()
        schema = _schema_objects(bulk_store)
        results = [import_geojson(bulk_store, p, batch_size=7).as_dict() for p in (first, second, second)]
        bulk = _answers(bulk_store)
        assert bulk["boxes"] == _brute_boxes(bulk_store)
        assert _schema_objects(bulk_store) == schema  # every index (and trigger) dropped for the load is back
    monkeypatch.setattr(geojson, "bulk_writes", lambda store: contextlib.nullcontext())
    with open_store(str(tmp_path / "plain.gpkg")) as plain_store:
        plain_results = [import_geojson(plain_store, p, batch_size=7).as_dict() for p in (first, second, second)]
        plain = _answers(plain_store)
    assert [r | {"path": ""} for r in results] == [r | {"path": ""} for r in plain_results]
    assert results[1]["inserted"] == 15 and results[1]["updated"] == 15 and results[2]["unchanged"] == 30
    assert bulk == plain
    assert any(bulk["boxes"]) and len(bulk["versions"]) == 90


_SCHEMA_NAMES = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'"


def _gpkg_consistent(path: Path) -> None:
    """The file is whole: integrity, the R-tree in step with the rows, every trigger and index in place."""
    import sqlite3

    from layers.store.gpkg import register_functions

    conn = sqlite3.connect(path)
    register_functions(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in (R.CLAIM_TABLE, R.ZONE_TABLE):
            assert conn.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone()[0] == "ok"
            rows = conn.execute(f"SELECT fid FROM {table} WHERE geom IS NOT NULL ORDER BY fid").fetchall()
            assert conn.execute(f"SELECT id FROM rtree_{table}_geom ORDER BY id").fetchall() == rows
        names = {r[0] for r in conn.execute(_SCHEMA_NAMES)}
    finally:
        conn.close()
    fresh = path.with_name("fresh-" + path.name)
    open_store(str(fresh)).close()
    conn = sqlite3.connect(fresh)
    try:
        assert names == {r[0] for r in conn.execute(_SCHEMA_NAMES)}
    finally:
        conn.close()


def _check_after_failure(store: Any, store_url: str, tmp_path: Path, features: list[dict[str, Any]], kept: int) -> None:
    """The store holds the first ``kept`` features, answers bboxes truly, and a full import then completes it."""
    answers = _answers(store)
    assert answers["current"] == sorted(f"p-{i}" for i in range(kept))
    assert answers["boxes"] == _brute_boxes(store)
    if store_url.endswith(".gpkg"):
        store.close()
        _gpkg_consistent(Path(store_url))
    whole = import_geojson(store, _write(tmp_path / "whole.geojson", features), batch_size=7)
    assert (whole.inserted, whole.unchanged, whole.error_count) == (len(features) - kept, kept, 0)
    after = _answers(store)
    with open_store(str(tmp_path / "clean.gpkg")) as clean:
        import_geojson(clean, tmp_path / "whole.geojson", batch_size=7)
        assert after["claims"] == _answers(clean)["claims"]
        assert after["boxes"] == _answers(clean)["boxes"]
    if store_url.endswith(".gpkg"):
        store.close()
        _gpkg_consistent(Path(store_url))


def test_an_import_whose_file_breaks_half_way_keeps_whole_batches(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader error after 40 features: the 5 batches written stay (as with batch transactions), each whole."""
    from geo.errors import InvalidInput

    _small_transactions(monkeypatch)
    features = _points(80)
    broken = _write(tmp_path / "broken.geojson", features, broken_after=40)
    with open_store(store_url) as store:
        with pytest.raises(InvalidInput):
            import_geojson(store, broken, batch_size=7)
        _check_after_failure(store, store_url, tmp_path, features, kept=35)


def test_a_write_failing_half_way_is_undone_whole(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 6th batch fails after its rows (and R-tree entries) went in: that batch alone is undone."""
    from layers.store import gpkg, postgis

    _small_transactions(monkeypatch)
    calls = {"n": 0}

    def failing(original: Any) -> Any:
        def insert(self: Any, table: str, sql: str, rows: list[Any]) -> None:
            original(self, table, sql, rows)
            calls["n"] += 1
            if calls["n"] == 6:
                raise OSError("the disk went away")

        return insert

    monkeypatch.setattr(gpkg._Tx, "insert_versions", failing(gpkg._Tx.insert_versions))
    monkeypatch.setattr(postgis._Tx, "insert_versions", failing(postgis._Tx.insert_versions))
    features = _points(80)
    with open_store(store_url) as store:
        with pytest.raises(OSError, match="went away"):
            import_geojson(store, _write(tmp_path / "all.geojson", features), batch_size=7)
        monkeypatch.undo()
        _small_transactions(monkeypatch)
        _check_after_failure(store, store_url, tmp_path, features, kept=35)


# --------------------------------------------------------------------------------------
# Progress: rows and rows/s on a terminal, nothing elsewhere
# --------------------------------------------------------------------------------------


def test_the_cli_shows_rows_per_second_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from rich.progress import Progress

    import api.cli as cli

    path = _write(tmp_path / "points.geojson", _points(4500))
    updates: list[dict[str, Any]] = []
    real_update = Progress.update

    def spy(self: Any, task_id: Any, **kwargs: Any) -> None:
        updates.append(kwargs)
        real_update(self, task_id, **kwargs)

    monkeypatch.setattr(Progress, "update", spy)
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)
    assert cli.main(["import", "geojson", str(path), "--db", str(tmp_path / "plain.gpkg")]) == 0
    out = capsys.readouterr()
    assert updates == [] and "rows/s" not in out.err and "4500 new" in out.out  # not a terminal: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli.main(["import", "geojson", str(path), "--db", str(tmp_path / "tty.gpkg")]) == 0
    assert "4500 new" in capsys.readouterr().out
    rows = [u["rows"] for u in updates]
    assert rows == sorted(rows) and rows[0] == 2000 and rows[-1] == 4500
    assert all(u["rate"] > 0 for u in updates) and updates[-1]["completed"] == path.stat().st_size


def test_ids_seen_are_remembered_across_merges(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The compact set of ids seen finds a duplicate in its array part as in its newest part."""
    from layers.importers import geojson

    monkeypatch.setattr(geojson, "SEEN_FRESH", 3)
    seen = geojson._SeenIds()
    values = [hash(f"claims:x-{i}") for i in range(10)]
    for v in values:
        assert v not in seen
        seen.add(v)
    assert all(v in seen for v in values) and hash("claims:other") not in seen
    features = _points(12)
    features.append(features[1])  # merged into the array long before it comes again
    with open_store(str(tmp_path / "s.gpkg")) as store:
        result = import_geojson(store, _write(tmp_path / "d.geojson", features))
    assert (result.inserted, result.error_count) == (12, 1)
    assert "appears twice" in result.errors[0].reason and result.errors[0].line == 12


def test_the_command_line_starts_without_the_web_framework() -> None:
    """``sitmap import`` loads no FastAPI: importing it cost about half a second of every import's start."""
    import subprocess
    import sys

    code = "import sys, api.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette')))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"
