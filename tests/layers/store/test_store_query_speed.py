"""Store query fast paths: order indexes, cached totals, features built straight from rows.

Each fast path must give exactly what the plain path gives; these tests compare the
two on varied claims (points, polygons, unplaced, counts, placements, regions, block
lists, claims without a time) and check that the order index is really used.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon, box

from geo.model import CountEstimate, Placement
from layers.export import claim_feature
from layers.store import ClaimQuery, open_store
from layers.store import rows as R
from layers.store.gpkg import GPKG_DIALECT, GpkgStore
from tests.layers.store.conftest import T0, claim, unc


def varied_claims() -> list[Any]:
    """Claims exercising every branch of the feature builder."""
    ring = [(34.40, 31.50), (34.42, 31.50), (34.42, 31.52), (34.40, 31.52)]
    return [
        claim("a-point", day=3),
        claim("b-poly", geometry=Polygon(list(reversed(ring))), day=1, block_ids=("101", "7")),
        claim(
            "c-counts",
            day=1,
            fatalities=CountEstimate(low=3, best=5, high=9, text="several"),
            injured=CountEstimate(best=12),
            targets=CountEstimate(best=2),
        ),
        claim(
            "d-placed",
            day=2,
            placement=Placement(place_text="near the port", method="qualifier", qualifier="near"),
            uncertainty=unc(radius_m=1234.5, region=box(34.3, 31.4, 34.5, 31.6), method="gazetteer"),
        ),
        claim("e-unplaced", geometry=None, uncertainty=None, day=0, place_text="somewhere in the north"),
        claim("f-timeless", valid_from=None, valid_to=None, time_precision="unknown"),
        claim("g-precise", x=34.4567891234, y=31.5012345678, day=2, valid_from=T0 + timedelta(hours=2, microseconds=7)),
        claim("h-retracted", day=4, status="retracted"),
    ]


def test_features_from_rows_equal_claim_feature(store: Any) -> None:
    store.add_claims(varied_claims())
    for include_region in (False, True):
        for q in (ClaimQuery(), ClaimQuery(statuses=("reported", "retracted")), ClaimQuery(limit=3, offset=2)):
            plain = store.query_claims(q)
            fast = store.query_claim_features(q, include_region=include_region)
            assert fast.total == plain.total
            expected = [claim_feature(r, include_region=include_region) for r in plain.items]
            assert json.dumps(fast.items) == json.dumps(expected)
    # unplaced and timeless claims kept, timeless last
    ids = [f["id"] for f in store.query_claim_features(ClaimQuery()).items]
    assert ids[-1] == "f-timeless" and "e-unplaced" in ids and "h-retracted" not in ids


def test_paged_totals_stay_exact_across_writes(store: Any) -> None:
    store.add_claims([claim(f"p-{i:02d}", day=i % 5) for i in range(12)])
    q = ClaimQuery(limit=5, offset=5)
    assert store.query_claims(q).total == 12
    assert store.query_claims(q).total == 12  # from the count cache
    store.add_claims([claim("p-new", day=1)])
    assert store.query_claims(q).total == 13
    store.retract_claim("p-00")
    assert store.query_claims(q).total == 12
    assert store.query_claims(ClaimQuery(limit=5, offset=5, statuses=("retracted",))).total == 1
    store.update_claim("p-01", {"event_type": "shelling"})
    assert store.query_claims(ClaimQuery(limit=1, offset=1, event_types=("shelling",))).total == 1


def test_count_cache_skips_a_count_raced_by_a_write() -> None:
    cache = R.CountCache(size=2)
    ticks = iter([1, 2, 2, 2])  # the clock moves while the first count runs
    assert R.cached_total(cache, lambda: next(ticks), ("q",), lambda: 10) == 10
    assert cache.get(("q",), 1) is None and cache.get(("q",), 2) is None
    assert R.cached_total(cache, lambda: next(ticks), ("q",), lambda: 11) == 11
    assert cache.get(("q",), 2) == 11
    cache.put(("r",), 2, 1)
    cache.put(("s",), 2, 1)  # size 2: the oldest entry goes
    assert cache.get(("q",), 2) is None and cache.get(("s",), 2) == 1


def _plan(path: Path, sql: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    finally:
        conn.close()


def test_gpkg_first_page_reads_the_order_index(gpkg_path: Path) -> None:
    with GpkgStore(gpkg_path) as s:
        s.add_claims([claim(f"o-{i}", day=i) for i in range(5)])
    where, params = R.claim_where(GPKG_DIALECT, ClaimQuery())
    order = R.claim_order(GPKG_DIALECT)
    plan = _plan(gpkg_path, f"SELECT id FROM {R.CLAIM_TABLE} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT 100")
    assert "claim_versions_current_order" in plan and "TEMP B-TREE" not in plan
    assert not params


def test_gpkg_file_without_order_indexes_gets_them(gpkg_path: Path) -> None:
    with GpkgStore(gpkg_path) as s:
        s.add_claims([claim(f"m-{i}", day=5 - i) for i in range(5)] + [claim("m-none", valid_from=None, valid_to=None)])
        before = [c.id for c in s.query_claims(ClaimQuery()).items]
    conn = sqlite3.connect(gpkg_path)
    conn.execute("DROP INDEX claim_versions_current_order")
    conn.execute("DROP INDEX zone_versions_current_order")
    conn.commit()
    conn.close()
    with open_store(str(gpkg_path)) as s:
        assert [c.id for c in s.query_claims(ClaimQuery()).items] == before
    names = {r[0] for r in sqlite3.connect(gpkg_path).execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"claim_versions_current_order", "zone_versions_current_order"} <= names
    assert before[-1] == "m-none" and before[0] == "m-4"


def test_read_only_file_without_order_indexes_still_answers(gpkg_path: Path) -> None:
    with GpkgStore(gpkg_path) as s:
        s.add_claims([claim(f"r-{i}", day=i) for i in range(3)])
    conn = sqlite3.connect(gpkg_path)
    conn.execute("DROP INDEX claim_versions_current_order")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.commit()
    conn.close()
    gpkg_path.chmod(0o444)
    try:
        with GpkgStore(gpkg_path, create=False) as s:
            assert [c.id for c in s.query_claims(ClaimQuery(limit=2, offset=1)).items] == ["r-1", "r-2"]
    finally:
        gpkg_path.chmod(0o644)


def test_feature_texts_parse_to_claim_feature(store: Any) -> None:
    """The database-written feature texts are the contract features, property order included, selections too."""
    from datetime import UTC, datetime

    from layers.export import property_selection, select_properties

    odd = [
        claim("i-text", day=5, quote='He said "run"\n\ttab\\ \u0001 ñ شارع ✓', claimant="=cmd", confidence=0.1 + 0.2),
        claim("j-early", valid_from=datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=UTC)),
        claim("k-whole", day=6, confidence=1.0, uncertainty=unc(radius_m=2345.678901234567)),
    ]
    store.add_claims(varied_claims() + odd)
    keep = property_selection(["place_name,-quote"], "claim")
    now = datetime.now(UTC)
    queries = (ClaimQuery(), ClaimQuery(statuses=("reported", "retracted")), ClaimQuery(limit=3, offset=2))
    for q in (*queries, ClaimQuery(limit=3, offset=2, as_of=now), ClaimQuery(limit=4, as_of=now)):
        expected = [claim_feature(r) for r in store.query_claims(q).items]
        page = store.claim_feature_page(q)
        got = [json.loads(t) for t in page.texts]
        assert got == expected
        assert [list(f["properties"]) for f in got] == [list(f["properties"]) for f in expected]
        assert [json.dumps(f["properties"]["confidence"]) for f in got] == [
            json.dumps(f["properties"]["confidence"]) for f in expected
        ]  # 0.30000000000000004 and 1.0 written as Python writes them
        chosen = [json.loads(t) for t in store.claim_feature_page(q, properties=keep).texts]
        assert chosen == [select_properties(f, keep) for f in expected]
        assert [list(f["properties"]) for f in chosen] == [
            list(select_properties(f, keep)["properties"]) for f in expected
        ]


def test_feature_pages_count_within_a_budget(store: Any) -> None:
    """numberMatched is exact when cheap (last page, or at most the budget) and left out (None) otherwise."""
    store.add_claims([claim(f"n-{i:02d}", day=i % 7, x=34.40 + i * 0.001) for i in range(30)])
    bbox = (34.39, 31.4, 34.4145, 31.6)  # the first 15 claims
    for q, matched in ((ClaimQuery(limit=10), 30), (ClaimQuery(bbox=bbox, limit=4), 15)):
        plain = store.query_claims(q)
        assert plain.total == matched
        store.after_restore()  # forget the total it counted (an exact one in the cache is used whatever its size)
        over = store.claim_feature_page(q, count_budget=matched - 1)
        assert over.total is None and over.more
        assert [json.loads(t)["id"] for t in over.texts] == [r.id for r in plain.items]
        store.after_restore()  # forget cached totals
        assert store.claim_feature_page(q, count_budget=matched).total == matched
        store.after_restore()
        last = store.claim_feature_page(ClaimQuery(limit=10, offset=matched - 3, bbox=q.bbox), count_budget=0)
        assert last.total == matched and not last.more and len(last.texts) == 3
        walker = [ClaimQuery(limit=4, offset=o, bbox=q.bbox) for o in range(0, matched, 4)]
        pages = [store.claim_feature_page(w, count_budget=0) for w in walker]
        walk = [json.loads(t)["id"] for page in pages for t in page.texts]
        assert walk == [r.id for r in store.query_claims(ClaimQuery(bbox=q.bbox)).items]


def test_csv_rows_write_the_csv_of_claim_feature(store: Any) -> None:
    """The database-written CSV rows give byte for byte the CSV of the features, whole or selected."""
    from layers.export import csv_columns, iter_csv, iter_csv_rows, property_selection

    store.add_claims(
        [
            *varied_claims(),
            claim("i-text", day=5, quote='He said "run", then\r\nleft', claimant="=cmd", place_text="-x"),
            claim("j-blocks", day=6, block_ids=("=1", "2"), confidence=0.1 + 0.2),
        ]
    )
    for properties in (None, property_selection(["place_name,-quote"], "claim")):
        for q in (ClaimQuery(), ClaimQuery(statuses=("reported", "retracted"), limit=4, offset=1)):
            expected = b"".join(iter_csv(store.query_claims(q).items, properties=properties))
            columns = csv_columns(properties)
            rows, more = store.claim_csv_page(q, columns)
            assert b"".join(iter_csv_rows(rows, columns)) == expected
            assert more == (q.limit is not None)


def test_gpkg_bbox_and_day_use_the_time_index_and_the_rtree(gpkg_path: Path) -> None:
    """A narrow time window drives from the time index and probes the R-tree in the same statement; same answer."""
    from layers.store import gpkg

    with GpkgStore(gpkg_path) as s:
        s.add_claims([claim(f"t-{i:03d}", day=i % 60, x=34.40 + (i // 60) * 0.01) for i in range(300)])
        box, day = (34.395, 31.4, 34.435, 31.6), T0 + timedelta(days=7)
        q = ClaimQuery(bbox=box, start=day, end=day + timedelta(hours=23), limit=3)
        seen: list[str] = []
        real = gpkg._ReadTx.fetch

        def spy(self: Any, sql: str, params: Any = ()) -> Any:
            seen.append(sql)
            return real(self, sql, params)

        gpkg._ReadTx.fetch = spy  # type: ignore[method-assign]
        try:
            page = s.claim_feature_page(q)
        finally:
            gpkg._ReadTx.fetch = real  # type: ignore[method-assign]
        [statement] = [sql for sql in seen if sql.startswith("SELECT c.fid, c.geom FROM") and "rtree" in sql]
        plan = _plan(gpkg_path, statement.replace("?", "0"))
        assert "claim_versions_time" in plan and "SCAN r VIRTUAL TABLE INDEX 1" in plan  # the R-tree, by id
        expected = s.query_claims(q)
        assert [json.loads(t)["id"] for t in page.texts] == [r.id for r in expected.items]
        assert page.total == expected.total and expected.total > 3 and page.more


def test_download_walks_write_what_pages_write(store: Any) -> None:
    """The download walks (keys first, rows by key) give the pages' texts and CSV rows, in order, bbox and as-of too."""
    from datetime import UTC, datetime

    from layers.export import csv_columns

    store.add_claims([claim(f"w-{i:02d}", day=i % 5, x=34.40 + i * 0.001) for i in range(23)] + varied_claims())
    now = datetime.now(UTC)
    columns = csv_columns(None)
    for q in (
        ClaimQuery(as_of=now),
        ClaimQuery(bbox=(34.39, 31.4, 34.4105, 31.6), as_of=now),
        ClaimQuery(limit=7, offset=3),
    ):
        assert list(store.iter_claim_texts(q)) == store.claim_feature_page(q, count_budget=0).texts
        assert list(store.iter_claim_csv_rows(q, columns)) == store.claim_csv_page(q, columns)[0]
