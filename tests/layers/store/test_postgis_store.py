"""PostGIS store specifics: schema placement, reconnects, refusing bad databases, concurrent writers."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from geo.errors import StoreError
from layers.store import ClaimQuery, open_store
from layers.store.postgis import PostgisStore
from tests.conftest import postgis_url, require

pytestmark = pytest.mark.postgis


@pytest.fixture
def pg_url() -> str:
    url = postgis_url()
    require(url is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    assert url is not None
    return url


@pytest.fixture
def schema_url(pg_url: str) -> Iterator[tuple[str, str]]:
    """A fresh schema and a URL whose search_path points at it."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_url else "?"
    try:
        yield schema, f"{pg_url}{sep}options=-csearch_path%3D{schema},public"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_tables_go_into_the_current_schema_with_gist_and_views(pg_url: str, schema_url: tuple[str, str]) -> None:
    import psycopg

    schema, url = schema_url
    open_store(url).close()
    with psycopg.connect(pg_url) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
        }
        assert {"claim_versions", "zone_versions", "claims", "zones", "sources", "reports", "layers"} <= tables
        idx = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = 'claim_versions_geom'", (schema,)
        ).fetchone()
        assert idx is not None and "gist" in idx[0]
        gtype = conn.execute(
            "SELECT type, srid FROM geometry_columns WHERE f_table_schema = %s AND f_table_name = 'claim_versions'",
            (schema,),
        ).fetchone()
        assert gtype == ("GEOMETRY", 4326)


def test_two_schemas_are_two_stores(schema_url: tuple[str, str], pg_url: str, make_claim) -> None:
    import psycopg

    _, url_a = schema_url
    other = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{other}"')
    try:
        url_b = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{other},public"
        a, b = open_store(url_a), open_store(url_b)
        try:
            a.add_claims([make_claim("only-in-a")])
            assert a.query_claims(ClaimQuery()).total == 1
            assert b.query_claims(ClaimQuery()).total == 0
        finally:
            a.close()
            b.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{other}" CASCADE')


def test_reconnects_after_the_connection_is_killed(schema_url: tuple[str, str], pg_url: str, make_claim) -> None:
    import psycopg

    _, url = schema_url
    store = PostgisStore(url)
    store.init()
    try:
        store.add_claims([make_claim("before")])
        pids = {store._run(lambda tx: tx.fetch("SELECT pg_backend_pid()")[0][0], write=False) for _ in range(3)}
        with psycopg.connect(pg_url, autocommit=True) as conn:
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert store.get_claim("before").id == "before"
        store.add_claims([make_claim("after")])
        assert store.query_claims(ClaimQuery()).total == 2
    finally:
        store.close()


def test_newer_schema_is_refused(schema_url: tuple[str, str], pg_url: str) -> None:
    import psycopg

    schema, url = schema_url
    open_store(url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"UPDATE \"{schema}\".sitmap_meta SET value = '42' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 42, newer than this sitmap"):
        open_store(url)


def test_missing_schema_and_unreachable_server_are_clear_errors(pg_url: str) -> None:
    sep = "&" if "?" in pg_url else "?"
    with pytest.raises(StoreError, match="no schema of the search_path exists"):
        open_store(f"{pg_url}{sep}options=-csearch_path%3Ddoes_not_exist_{uuid.uuid4().hex[:6]}")
    missing = f"nope_{uuid.uuid4().hex[:6]}"
    with pytest.raises(StoreError, match=f"schema '{missing}' of the search_path does not exist"):
        open_store(f"{pg_url}{sep}options=-csearch_path%3D{missing},public")  # not silently public
    bad = PostgisStore("postgresql://someone:hunter2@127.0.0.1:1/nowhere", connect_timeout=1.0)
    with pytest.raises(StoreError, match="cannot connect to PostGIS") as err:
        bad.init()
    assert "hunter2" not in str(err.value)


@pytest.mark.parametrize(
    ("search_path", "first"),
    [('"$user", public', "public"), ("T_1, public", "t_1"), ('"My ""x""", public', 'My "x"'), ('"$user"', None)],
)
def test_first_named_schema_of_a_search_path(search_path: str, first: str | None) -> None:
    from layers.store.postgis import _first_named_schema

    assert _first_named_schema(search_path) == first


def test_database_without_postgis_is_refused(pg_url: str) -> None:
    import psycopg

    name = "sitmap_nogis_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = pg_url.rsplit("/", 1)[0] + "/" + name
        with pytest.raises(StoreError, match="lacks the PostGIS extension"):
            open_store(url)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_concurrent_writers_get_consecutive_versions(schema_url: tuple[str, str], make_claim) -> None:
    _, url = schema_url
    store = PostgisStore(url, pool_max=4)
    store.init()
    try:
        store.add_claims([make_claim("shared")])

        def edit(i: int) -> int:
            store.add_claims([make_claim(f"w-{i}", day=i % 7)])
            return store.update_claim("shared", {"notes": f"edit {i}"}).version

        with ThreadPoolExecutor(max_workers=4) as pool:
            versions = sorted(pool.map(edit, range(24)))
        assert versions == list(range(2, 26))
        hist = store.claim_history("shared")
        assert [h.version for h in hist] == list(range(1, 26))
        assert all(a.superseded_at == b.recorded_at for a, b in itertools.pairwise(hist))
        assert store.query_claims(ClaimQuery(limit=0)).total == 25
    finally:
        store.close()


def test_bulk_copy_path_round_trips(schema_url: tuple[str, str], make_claim) -> None:
    store = open_store(schema_url[1])
    try:
        batch = [make_claim(f"bulk-{i:04d}", x=34.2 + i * 0.0005, y=31.3, day=i % 30) for i in range(400)]
        batch.append(make_claim("bulk-nowhere", geometry=None, uncertainty=None))
        assert len(store.add_claims(batch).inserted) == 401
        got = store.get_claim("bulk-0123")
        assert got.content_hash() == batch[123].content_hash()
        assert store.query_claims(ClaimQuery(bbox=(34.2, 31.2, 34.25, 31.4), limit=0)).total == 101
    finally:
        store.close()


def test_bbox_filter_row_estimate_is_not_squared(schema_url: tuple[str, str], make_claim) -> None:
    """PostgreSQL's estimate of a bbox's matches comes from the statistics once (issue 18).

    With an explicit ``&&`` beside ST_Intersects (which adds ``&&`` itself) the
    selectivity was counted twice: at 1M claims 592 estimated for 24,830 matches, and a
    plan that read and sorted every match instead of walking the page's order.
    """
    import json

    import psycopg

    from layers.store import rows as R
    from layers.store.postgis import PG_DIALECT, _pg, _with_bbox

    store = open_store(schema_url[1])
    try:
        grid = [(i % 50, i // 50) for i in range(2000)]  # 50 x 40 points, 0.01 degrees apart
        store.add_claims(
            [make_claim(f"g-{i:04d}", x=34.0 + gx * 0.01, y=31.0 + gy * 0.01) for i, (gx, gy) in enumerate(grid)]
        )
    finally:
        store.close()
    bbox = (34.095, 31.095, 34.295, 31.195)  # 20 x 10 of the points: 10 %
    where, params = R.claim_where(PG_DIALECT, ClaimQuery(), "c")
    where, params = _with_bbox(where, params, bbox)
    sql = _pg(f"SELECT 1 FROM {R.CLAIM_TABLE} c WHERE {' AND '.join(where)}")
    with psycopg.connect(schema_url[1], autocommit=True) as conn:
        conn.execute(f"ANALYZE {R.CLAIM_TABLE}")
        actual = len(conn.execute(sql, params).fetchall())
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]  # type: ignore[index]
    estimate = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]
    assert actual == 200
    assert actual / 2 <= estimate <= actual * 2, estimate


def test_a_copied_batch_is_stored_in_the_items_order(schema_url: tuple[str, str], make_claim) -> None:
    """Rows of a large batch follow (valid_from, id), so a page's index walk reads few heap blocks (issue 18)."""
    import psycopg

    store = open_store(schema_url[1])
    try:
        days = [(i * 37) % 300 for i in range(300)]  # every day once, out of order
        batch = [make_claim(f"o-{i:03d}", day=d) for i, d in enumerate(days)]
        batch.append(make_claim("o-timeless", valid_from=None, valid_to=None, time_precision="unknown"))
        batch.insert(0, make_claim("o-same-day", day=days[5]))
        assert len(store.add_claims(batch).inserted) == 302
        page = store.query_claims(ClaimQuery(limit=5)).items
    finally:
        store.close()
    with psycopg.connect(schema_url[1]) as conn:
        stored = [r[0] for r in conn.execute("SELECT id FROM claim_versions ORDER BY fid")]
    never = datetime(1970, 1, 1, tzinfo=UTC)
    expected = sorted(batch, key=lambda c: (c.valid_from is None, c.valid_from or never, c.id))
    assert stored == [c.id for c in expected]
    assert stored[-1] == "o-timeless"
    assert [c.id for c in page] == stored[:5]


def test_a_keyed_page_plans_without_jit_or_workers_and_the_settings_stay_local(
    schema_url: tuple[str, str], make_claim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bbox or time page (and its count) reads with JIT and parallel workers off, in one round trip each;
    the pooled connection's next statements run with the server's settings again."""
    import psycopg

    from layers.store import postgis

    store = open_store(schema_url[1])
    probe = "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
    try:
        store.add_claims([make_claim(f"k-{i:03d}", day=i % 20) for i in range(60)])
        before = tuple(store._fetch(probe)[0])  # type: ignore[attr-defined]
        keyed: list[str] = []
        fetch = postgis._KeyedTx.fetch

        def spy(self, sql, params=()):  # type: ignore[no-untyped-def]
            keyed.append(sql)
            return fetch(self, sql, params)

        monkeypatch.setattr(postgis._KeyedTx, "fetch", spy)
        start, end = datetime(2023, 12, 3, tzinfo=UTC), datetime(2023, 12, 8, tzinfo=UTC)
        page = store.claim_feature_page(ClaimQuery(start=start, end=end, limit=5))  # type: ignore[attr-defined]
        assert len(page.texts) == 5 and page.more
        assert len(keyed) == 2 and "count(*)" in keyed[1]  # the page and its count
        assert tuple(store._fetch(probe)[0]) == before  # type: ignore[attr-defined]
    finally:
        store.close()
    with psycopg.connect(schema_url[1], autocommit=True) as conn:
        assert postgis._KeyedTx(conn).fetch(probe) == [("off", "0")]
        assert tuple(conn.execute(probe).fetchone() or ()) == before


def test_a_bbox_and_a_window_read_the_interval_and_place_index(
    pg_url: str, schema_url: tuple[str, str], make_claim
) -> None:
    """bbox + datetime finds its claims in one GiST of (interval, place), even in a schema made before it existed."""
    import psycopg

    from layers.store import postgis as P
    from layers.store import rows as R

    schema, url = schema_url
    store = open_store(url)
    assert isinstance(store, PostgisStore)
    claims = [
        make_claim(f"w-{i:04d}", x=34.2 + (i % 40) / 100, y=31.2 + (i // 40) / 100, day=i % 60) for i in range(1600)
    ]
    store.add_claims(claims)
    store.update_claim("w-0000", {"status": "retracted"})
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as a schema from before the indexes were
        conn.execute(f'DROP INDEX "{schema}".claim_versions_current_window')
        conn.execute(f'DROP INDEX "{schema}".claim_versions_current_geom')
    store = open_store(url)
    assert isinstance(store, PostgisStore)
    t0 = claims[0].valid_from
    assert t0 is not None
    query = ClaimQuery(bbox=(34.25, 31.25, 34.35, 31.4), start=t0 + (claims[3].valid_from - t0), end=claims[5].valid_to)
    got = [c.id for c in store.query_claims(query).items]
    want = [
        c.id
        for c in claims[1:]
        if 34.25 <= c.geometry.x <= 34.35
        and 31.25 <= c.geometry.y <= 31.4
        and c.valid_to >= query.start
        and c.valid_from <= query.end
    ]
    assert got == sorted(want, key=lambda i: (claims[int(i[2:])].valid_from, i)) and got
    where, params = R.claim_where(P.PG_DIALECT, query, "c")
    where, params = P._with_bbox(where, params, query.bbox)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE claim_versions")
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            P._pg(f"EXPLAIN SELECT c.fid FROM claim_versions c WHERE {' AND '.join(where)}"), params
        ).fetchall()
        alone, alone_params = P._with_bbox(
            R.claim_where(P.PG_DIALECT, ClaimQuery(), "c")[0], [], (34.3, 31.3, 34.31, 31.31)
        )
        plain = conn.execute(
            P._pg(f"EXPLAIN SELECT c.fid FROM claim_versions c WHERE {' AND '.join(alone)}"), alone_params
        ).fetchall()
    store.close()
    assert "claim_versions_current_window" in "\n".join(r[0] for r in plan)
    # a bbox alone searches the current claims' place index, not the window index by its second column
    assert "claim_versions_current_geom" in "\n".join(r[0] for r in plain)


def test_download_keys_come_from_the_order_index_alone(pg_url: str, schema_url: tuple[str, str], make_claim) -> None:
    """A download's keys (every current claim's fid, in order) are an index-only scan, in older schemas too."""
    import psycopg

    from layers.store import postgis as P
    from layers.store import rows as R

    schema, url = schema_url
    store = open_store(url)
    store.add_claims([make_claim(f"k-{i:04d}", day=i % 30) for i in range(400)])
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as a schema from before fid was included
        conn.execute(f'DROP INDEX "{schema}".claim_versions_current_order')
        conn.execute(
            f'CREATE INDEX claim_versions_current_order ON "{schema}".claim_versions (valid_from, id) '
            "INCLUDE (status) WHERE superseded_at IS NULL"
        )
    store = open_store(url)
    assert isinstance(store, PostgisStore)
    query = ClaimQuery()
    where, params = R.claim_where(P.PG_DIALECT, query, "c")
    keys = store._keys(R.CLAIM_TABLE, where, params, None, R.claim_order(P.PG_DIALECT, "c"), None, 0)
    assert len(set(keys)) == 400
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE claim_versions")
        conn.execute("SET enable_seqscan = off")  # a 400-row table is cheaper to scan: ask which index serves
        conn.execute("SET enable_bitmapscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                P._pg(
                    f"EXPLAIN SELECT c.fid FROM claim_versions c WHERE {' AND '.join(where)} "
                    f"ORDER BY {R.claim_order(P.PG_DIALECT, 'c')}"
                ),
                params,
            )
        )
        names = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")]
    assert "Index Only Scan using claim_versions_current_order" in plan, plan
    assert "Sort" not in plan
    assert not [n for n in names if n.endswith("_fid")]


def test_a_bbox_page_is_the_page_order_of_the_box_and_any_place_size_is_stored(
    pg_url: str, schema_url: tuple[str, str], make_claim
) -> None:
    """A bbox page is the first claims of the box in page order, through the cheap ``#&&#`` test, and a claim
    with a large polygon is stored: an index that held every current claim's place in a B-tree entry (the
    ``_current_walk`` index of de2d1ff) refused any place past 2,704 bytes, so a 170-vertex polygon could
    not be written; ``init`` drops that index from schemas that have it."""
    import math

    import psycopg
    from shapely.geometry import Polygon

    url = schema_url[1]
    store = open_store(url)
    assert isinstance(store, PostgisStore)
    grid = [(i % 50, i // 50) for i in range(2000)]
    claims = [
        make_claim(f"p-{i:04d}", x=34.0 + gx * 0.01, y=31.0 + gy * 0.01, day=i) for i, (gx, gy) in enumerate(grid)
    ]
    store.add_claims(claims)
    bbox = (34.095, 31.095, 34.295, 31.195)  # 20 x 10 of the points
    query = ClaimQuery(bbox=bbox, limit=70)  # a third of the 200 in the box
    got = [c.id for c in store.query_claims(query).items]
    inside = [c for c in claims if 34.095 <= c.geometry.x <= 34.295 and 31.095 <= c.geometry.y <= 31.195]
    assert got == [c.id for c in sorted(inside, key=lambda c: (c.valid_from, c.id))][:70]
    assert store._box_op  # the cheap exact test is in the schema
    ring = [
        (34.7 + 0.01 * math.cos(k / 400 * 2 * math.pi), 31.7 + 0.01 * math.sin(k / 400 * 2 * math.pi))
        for k in range(400)
    ]
    big = make_claim("p-big", day=5, geometry=Polygon(ring))
    store.add_claims([big])  # 400 vertices, 6.4 kB: past a B-tree entry's limit
    got = [c.id for c in store.query_claims(ClaimQuery(bbox=(34.68, 31.68, 34.72, 31.72), limit=10)).items]
    assert got == ["p-big"]
    store.close()

    with psycopg.connect(url, autocommit=True) as conn:  # a schema made while the walk index existed
        conn.execute(
            "CREATE INDEX claim_versions_current_walk ON claim_versions (valid_from, id) "
            "INCLUDE (status, fid) WHERE superseded_at IS NULL"
        )
    store = open_store(url)
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")]
    assert "claim_versions_current_walk" not in names
