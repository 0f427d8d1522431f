"""The shared / scale-out store: PostGIS through psycopg 3 and a connection pool.

Same tables and semantics as the GeoPackage store (the versioning logic is shared,
in :mod:`layers.store.rows`): ``claim_versions`` and ``zone_versions`` hold every
version with ``geometry(Geometry, 4326)`` and a GiST index; the ``claims`` and
``zones`` views show the current state to QGIS and SQL users. Tables go into the
connection's current schema (the first of its ``search_path``), never a hard-coded
one, so several stores can share a database.

Many stateless API workers may write at once: each write transaction first takes a
transaction-scoped advisory lock for the schema, so version numbers and
``recorded_at`` stay strictly ordered. A dropped connection is replaced by the pool
(every connection is checked before use) and the operation retried once; retrying
is safe because upserts are idempotent by content.

Reads cost one round trip per statement: they run in autocommit (a READ COMMITTED
transaction gives each statement its own snapshot anyway, so BEGIN/COMMIT bought
nothing), and a pooled connection is not pinged before a first attempt. A connection
found broken by the first attempt (the server restarted) is discarded and the retry
takes only connections that answer a check.

A database that is down (restarted, crashed, unreachable) never hangs a caller: a
connection is waited for at most ``connect_timeout`` seconds, and only one second
while the last attempt already found the database unreachable, then
:class:`~geo.errors.StoreError` (the service's 503) is raised. The pool keeps
reconnecting in the background with a short give-up time, so once the database is
back the next request is served, without restarting anything.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import NotFound, StoreError
from layers.model import Layer
from layers.store import digests as D
from layers.store import rows as R
from layers.store.base import (
    SCHEMA_VERSION,
    ClaimQuery,
    LayerVersion,
    StoreStats,
    WriteResult,
    check_schema_version,
)
from layers.store.rows import encoded as E
from layers.store.rows import feature_sql as F
from layers.store.sqlreads import COUNT_BUDGET, FeatureTexts, SqlReads, fetch_page, last_page_total, sorted_query
from layers.store.sqlwrites import SqlWrites

T = TypeVar("T")

log = logging.getLogger("sitmap.store")

#: Connections per store (API workers share them); small, PostgreSQL connections are heavy.
POOL_MAX = 8
#: Seconds to wait for a connection before giving up with StoreError (also libpq's connect_timeout).
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait for a connection while the previous attempt found the database unreachable.
DOWN_WAIT_S = 1.0
#: Seconds the pool retries a lost connection (with backoff) before starting afresh on demand;
#: short, so the wait between attempts, hence the delay before a restarted database is used
#: again, stays within a couple of seconds.
RECONNECT_TIMEOUT_S = 3.0
#: Batches at least this large are loaded with COPY instead of INSERT.
COPY_ROWS = 256
#: Versions written per transaction of a bulk session (:meth:`PostgisStore.bulk_writes`).
BULK_TX_ROWS = 100_000
#: A bulk session re-ANALYZEs a table once it has written this many versions, and again each
#: time it has doubled what it wrote since: an import into a young table otherwise runs its id
#: look-ups on the plan of an empty table (a sequential scan per batch, quadratic overall).
ANALYZE_ROWS = 5_000


def _ewkb_hex(geoms: Sequence[BaseGeometry | None]) -> list[str | None]:
    """Hex EWKB with SRID 4326: accepted by ``::geometry`` in an INSERT and by COPY alike."""
    present = [i for i, g in enumerate(geoms) if g is not None]
    out: list[str | None] = [None] * len(geoms)
    if present:
        arr = shapely.set_srid([geoms[i] for i in present], 4326)
        for i, h in zip(present, shapely.to_wkb(arr, hex=True, include_srid=True), strict=True):
            out[i] = h
    return out


def _from_wkb(values: Sequence[Any]) -> list[BaseGeometry | None]:
    present = [i for i, v in enumerate(values) if v is not None]
    out: list[BaseGeometry | None] = [None] * len(values)
    if present:
        for i, g in zip(present, shapely.from_wkb([bytes(values[i]) for i in present]), strict=True):
            out[i] = g
    return out


def _aware(value: datetime | None) -> datetime | None:
    """Bind datetimes as aware UTC (naive input is read as UTC, as everywhere in sitmap)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


PG_DIALECT = R.Dialect(
    name="postgis",
    ts=_aware,
    parse_ts=R.parse_iso,
    geom_param="?::geometry",
    geom_select=lambda col: f"ST_AsBinary({col})",
    geom_encode=_ewkb_hex,
    geom_decode=_from_wkb,
    span_bound=(
        "{vf} >= ?::timestamptz - coalesce((SELECT value::bigint FROM sitmap_meta WHERE key = 'max_claim_span_us'), "
        "3000000000000000) * interval '1 microsecond'"
    ),
    span_max="max((extract(epoch FROM valid_to - valid_from) * 1000000)::bigint)",
    nulls_last=True,
    # the expression of the (interval, place) index (WINDOW_INDEX); greatest() so no stored row can make it fail
    window_overlap="tstzrange({vf}, greatest({vf}, {vt}), '[]') && tstzrange(?::timestamptz, ?::timestamptz, '[]')",
)


#: What a keyed page's transaction sets (see :meth:`PostgisStore._page`): no parallel workers, no JIT, and a
#: plan for the values at hand (psycopg prepares a statement run five times, and PostgreSQL's generic plan of
#: the bbox page, blind to the box, read every match: 242 ms p50 at 1M claims where the custom plan takes 16 ms).
_PAGE_SETTINGS = (
    "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), "
    "set_config('plan_cache_mode', 'force_custom_plan', true)"
)
#: A placeholder sort key for a claim with no valid_from (those sort last anyway).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _pg(sql: str) -> str:
    """The shared SQL is written with ``?`` placeholders; psycopg wants ``%s``."""
    return sql.replace("?", "%s")


def _pg_type(name: str, pg_type: str) -> str:
    # ids sort by code point, as in SQLite, whatever the database collation is
    return pg_type.replace("text", 'text COLLATE "C"', 1) if name in ("id", "report_id") else pg_type


def _schema_sql() -> list[str]:
    out = [
        "CREATE TABLE sitmap_meta (key text PRIMARY KEY, value text NOT NULL)",
        'CREATE TABLE sources (id text COLLATE "C" PRIMARY KEY, name text NOT NULL, kind text NOT NULL, url text)',
        'CREATE TABLE reports (id text COLLATE "C" PRIMARY KEY, source_id text COLLATE "C" NOT NULL '
        "REFERENCES sources(id), url text, title text, published_at timestamptz, language text, "
        "content_sha256 text NOT NULL, excerpt text)",
        'CREATE TABLE layers (id text COLLATE "C" PRIMARY KEY, kind text NOT NULL, title text NOT NULL, '
        "definition text NOT NULL)",
    ]
    hidden = {"uncertainty_json", "region", "placement_json", "counts_json", "drawn_geom"}
    for table, columns, view in ((R.CLAIM_TABLE, R.CLAIM_COLUMNS, "claims"), (R.ZONE_TABLE, R.ZONE_COLUMNS, "zones")):
        cols = ", ".join(f"{n} {_pg_type(n, t)}" for n, _, t in columns)
        out.append(f"CREATE TABLE {table} (fid bigserial PRIMARY KEY, geom geometry(Geometry, 4326), {cols})")
        out.append(f"CREATE INDEX {table}_geom ON {table} USING gist (geom)")
        out.append(f"CREATE UNIQUE INDEX {table}_id_version ON {table} (id, version)")
        out.append(f"CREATE UNIQUE INDEX {table}_current_id ON {table} (id) WHERE superseded_at IS NULL")
        out.append(f"CREATE INDEX {table}_recorded ON {table} (recorded_at)")
        shown = ", ".join(["fid", "geom"] + [n for n, _, _ in columns if n not in hidden])
        out.append(f"CREATE VIEW {view} AS SELECT {shown} FROM {table} WHERE superseded_at IS NULL")
    out += [
        f"CREATE INDEX {R.CLAIM_TABLE}_current_time ON {R.CLAIM_TABLE} (valid_from, valid_to) "
        "WHERE superseded_at IS NULL",
        f"CREATE INDEX {R.CLAIM_TABLE}_time ON {R.CLAIM_TABLE} (valid_from, valid_to)",
        f"CREATE INDEX {R.CLAIM_TABLE}_report ON {R.CLAIM_TABLE} (report_id)",
        f"CREATE INDEX {R.ZONE_TABLE}_time ON {R.ZONE_TABLE} (effective_from, lifted_at)",
        *ORDER_INDEXES,
        WINDOW_INDEX,
        CURRENT_GEOM_INDEX,
        *layer_versions_sql(),
    ]
    return out


def layer_versions_sql() -> list[str]:
    """DDL of the layer definition history; idempotent, so :meth:`PostgisStore.init` adds it to older schemas."""
    t = R.LAYER_TABLE
    cols = ", ".join(f"{n} {pg_type}" for n, _, pg_type in R.LAYER_COLUMNS)
    return [
        f"CREATE TABLE IF NOT EXISTS {t} (fid bigserial PRIMARY KEY, {cols})",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {t}_id_version ON {t} (id, version)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {t}_current_id ON {t} (id) WHERE superseded_at IS NULL",
        f"CREATE INDEX IF NOT EXISTS {t}_recorded ON {t} (recorded_at)",
    ]


#: Indexes in the exact stable order of current versions (``rows.claim_order``: ASC puts
#: NULLs last in PostgreSQL), so ``LIMIT n`` stops after n entries; ``status`` is included
#: for index-only counts, and the claims' ``fid`` for the keys of a download (an index-only
#: scan in order: 100k current claims in 35-45 ms, where the heap scan and external sort the
#: planner chose without it took 250-370 ms, a quarter of a CSV download). Added after schema
#: version 1: :meth:`PostgisStore.init` creates them in older schemas, and gives an older
#: claims' index without ``fid`` its column (see :data:`ORDER_INDEX_FID`).
ORDER_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS {R.CLAIM_TABLE}_current_order ON {R.CLAIM_TABLE} (valid_from, id) "
    "INCLUDE (status, fid) WHERE superseded_at IS NULL",
    f"CREATE INDEX IF NOT EXISTS {R.ZONE_TABLE}_current_order ON {R.ZONE_TABLE} (effective_from, id) "
    "INCLUDE (status) WHERE superseded_at IS NULL",
]
#: The current claims by event interval and place, one GiST of both (the interval first, as a window
#: is the narrower of the two): a bbox and a time window find their claims in it at once (the
#: ``window_overlap`` term of :data:`PG_DIALECT`). The time and place indexes apart each read every
#: claim of their own half (at 1M claims, Khan Younis and three days: 24,987 and 6,579 entries for
#: 171 claims, 16.7 ms; this index 171 entries, 1.6 ms). Added after schema version 1:
#: :meth:`PostgisStore.init` creates it in older schemas (idempotent).
WINDOW_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {R.CLAIM_TABLE}_current_window ON {R.CLAIM_TABLE} USING gist "
    "(tstzrange(valid_from, greatest(valid_from, valid_to), '[]'), geom) WHERE superseded_at IS NULL"
)
#: An index of the page order with the claims' places in it (``(valid_from, id) INCLUDE (status, geom,
#: fid)``), made by a store between de2d1ff and its removal in session 6, could not hold a claim whose
#: geometry passes a B-tree entry's limit (2,704 bytes: a polygon of about 170 vertices), so such a claim
#: could not be stored at all. :meth:`PostgisStore.init` drops it where it exists; a bbox page walks the
#: order index (:data:`ORDER_INDEXES`) and reads each place from the table where the planner finds that
#: cheaper than reading every match of the box.
DROPPED_WALK_INDEX = f"DROP INDEX IF EXISTS {R.CLAIM_TABLE}_current_walk"
#: ``geom #&&# box``: ST_Intersects under a name the planner costs at one operator unit a row and
#: estimates as nearly always true. Beside an explicit ``geom && box`` (the index condition, whose
#: estimate from the column's statistics then counts once) it is the exact test. ST_Intersects is
#: costed at 10,000 units a row by PostGIS: a walk of the page order filtering 40,000 entries
#: then looked 25 times dearer than reading and sorting every match of the box.
BOX_SQL = [
    "CREATE OR REPLACE FUNCTION sitmap_intersects(g geometry, b geometry) RETURNS boolean LANGUAGE plpgsql "
    "IMMUTABLE STRICT PARALLEL SAFE COST 1 AS $f$ BEGIN RETURN ST_Intersects(g, b); END $f$",
    "DO $d$ BEGIN IF NOT EXISTS (SELECT FROM pg_operator WHERE oprname = '#&&#' "
    "AND oprnamespace = current_schema()::regnamespace) THEN "
    "CREATE OPERATOR #&&# (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = sitmap_intersects, "
    "RESTRICT = neqsel); END IF; END $d$",
]
#: The current claims by place alone. Without it a bbox alone took :data:`WINDOW_INDEX` (partial, so
#: costed below the GiST of every version) and searched it by its second column: at 1M claims a box
#: of six claims read 580 buffers (37 ms) where this index reads 34 (0.4 ms).
CURRENT_GEOM_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {R.CLAIM_TABLE}_current_geom ON {R.CLAIM_TABLE} USING gist (geom) "
    "WHERE superseded_at IS NULL"
)


class _Tx:
    """The :class:`~layers.store.rows.Tx` view of one psycopg connection."""

    dialect = PG_DIALECT

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(_pg(sql), tuple(params)).fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(_pg(sql), tuple(params))

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(sql), list(rows))

    def insert_versions(self, table: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """INSERT small batches; COPY large ones (the geometry travels as hex EWKB either way)."""
        if len(rows) < COPY_ROWS:
            self.run_many(sql, rows)
            return
        names = R.CLAIM_NAMES if table == R.CLAIM_TABLE else R.ZONE_NAMES
        columns = ["geom", *R.insert_columns(PG_DIALECT, names)]
        if table == R.CLAIM_TABLE:
            rows = _in_page_order(rows, columns.index("valid_from"), columns.index("id"))
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _in_page_order(rows: list[tuple[Any, ...]], valid_from: int, claim_id: int) -> list[tuple[Any, ...]]:
    """A large batch of claim versions in the items' order (valid_from, id; no time last), stored so.

    Pages walk the (valid_from, id) index and read each entry's row until the page is
    full; rows written in that order share heap blocks, so a page reads a few blocks
    instead of one per entry. A batch of random times written as it came put every
    entry on its own block: a bbox page of 100 at 1M claims read about 4,200 blocks.
    The sort is stable (versions of one id keep their order); fids follow it.
    """
    return sorted(rows, key=lambda r: (r[valid_from] is None, r[valid_from] or _EPOCH, r[claim_id]))


class _KeyedTx(_Tx):
    """A :class:`_Tx` whose reads each run after :data:`_PAGE_SETTINGS`, in one round trip.

    Both statements go as one query string, bound on the client (psycopg's
    ``ClientCursor``): a multi-statement query runs in one implicit transaction, so the
    settings are local to it, planned before the read is, and gone for the pooled
    connection's next statement.

    ``settings=False`` sends no settings; ``clock=True`` puts the store clock
    (:meth:`PostgisStore.last_recorded_at`) in front of the first read only, kept in
    :attr:`clock`: the items route reads it with the page, one round trip where there
    were two. It is read before the page, as the route read it before (each statement
    of the string sees what committed before it starts).
    """

    def __init__(self, conn: Any, *, settings: bool = True, clock: bool = False) -> None:
        super().__init__(conn)
        self._settings = settings
        self._want_clock = clock
        self.clock: datetime | None = None

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        want_clock, self._want_clock = self._want_clock, False
        try:
            return self._fetch(sql, params, want_clock)
        except psycopg.errors.InvalidSqlStatementName:  # the session lost its prepared clock: prepare it again
            _CLOCK_PREPARED.discard(self.conn)
            return self._fetch(sql, params, want_clock)

    def _fetch(self, sql: str, params: Sequence[Any], want_clock: bool) -> list[tuple[Any, ...]]:
        from psycopg import ClientCursor

        first = [_PAGE_SETTINGS] if self._settings else []
        if want_clock:
            first.append(self._clock_statement())
        with ClientCursor(self.conn) as cur:
            cur.execute("; ".join([*first, _pg(sql)]), tuple(params))
            if self._settings:
                cur.nextset()  # past the settings' row
            if want_clock:
                row = cur.fetchone()
                self.clock = R.parse_iso(row[0] if row else None)
                cur.nextset()
            return list(cur.fetchall())

    def _clock_statement(self) -> str:
        """The clock's statement: ``EXECUTE`` of the session's prepared one (read connections), else its text.

        Planning the clock (three index-only max() reads) costs more than the round trip
        it saves (0.2-0.3 ms against 0.1 ms on a quiet localhost), as a statement in a
        client-bound query string is planned every time; the separate read it replaces
        ran prepared (psycopg prepares a repeated statement). A read connection
        (autocommit) prepares it once per session; a transaction's connection (a bulk
        session) runs the text, so a rollback never takes a prepared statement along.
        """
        if not self.conn.autocommit:
            return _LAST_SQL
        if self.conn not in _CLOCK_PREPARED:
            self.conn.execute(f"PREPARE {_CLOCK_NAME} AS {_LAST_SQL}")
            _CLOCK_PREPARED.add(self.conn)
        return f"EXECUTE {_CLOCK_NAME}"


#: The session-level name of the prepared clock statement (see :meth:`_KeyedTx._clock_statement`).
_CLOCK_NAME = "sitmap_store_clock"
#: Connections whose session has :data:`_CLOCK_NAME` prepared (a new connection is a new session).
_CLOCK_PREPARED: weakref.WeakSet[Any] = weakref.WeakSet()


#: What a bulk session ANALYZEs: the version tables, and the import digests once they exist.
_ANALYZE = f"""DO $$ BEGIN
    ANALYZE {R.CLAIM_TABLE}, {R.ZONE_TABLE};
    IF to_regclass('{D.TABLE}') IS NOT NULL THEN ANALYZE {D.TABLE}; END IF;
END $$"""


def _defer_indexes(conn: Any) -> list[str]:
    """Drop the indexes an import into an *empty* versions table never reads; their CREATE statements.

    Filling a table through its GiST and time indexes costs about twice the COPY itself
    (100k claims: 6.8 s against 2.1 s of COPY and 1.7 s of building them afterwards). The
    unique indexes, the primary key and the recorded-time index stay: the writes read
    them. Only an empty table is treated so: DROP INDEX locks readers out until the
    transaction commits, and a reader of an empty table waits for its first rows rather
    than a reader of a populated one for the import.
    """
    restore: list[str] = []
    for table in (R.CLAIM_TABLE, R.ZONE_TABLE):
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            continue
        rows = conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND i.indexrelid::regclass::text NOT LIKE %s ORDER BY 1",
            (table, f"%{table}_recorded"),
        ).fetchall()
        for name, ddl in rows:
            conn.execute(f"DROP INDEX {name}")
            restore.append(ddl)
    return restore


def _commit(bulk: _Bulk) -> None:
    """Build the indexes the open transaction dropped, then commit it."""
    restore, bulk.restore = bulk.restore, []
    for ddl in restore:
        bulk.conn.execute(ddl)
    bulk.conn.commit()


@dataclass
class _Bulk:
    """A bulk session of one thread: its connection and where its open transaction stands."""

    conn: Any
    rows_per_transaction: int
    rows: int = 0
    locked: bool = False
    broken: bool = False
    #: Versions written since the tables were last ANALYZEd, and before that.
    since_analyze: int = 0
    analyzed: int = 0
    #: CREATE INDEX statements of the indexes the open transaction dropped, run before its commit.
    restore: list[str] = field(default_factory=list)


def _add_fid_to_order_index(conn: Any) -> None:
    """Rebuild the claims' order index of an older schema (``INCLUDE (status)``) with ``fid`` included.

    The new index is built beside the old one (readers keep the old meanwhile), then takes
    its name; the caller's transaction holds the writers' lock.
    """
    name = f"{R.CLAIM_TABLE}_current_order"
    row = conn.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
        (name,),
    ).fetchone()
    if row is None or "fid)" in row[0]:
        return
    conn.execute(ORDER_INDEXES[0].replace(f"EXISTS {name} ", f"EXISTS {name}_fid ", 1))
    conn.execute(f"DROP INDEX {name}")
    conn.execute(f"ALTER INDEX {name}_fid RENAME TO {name}")


def _first_named_schema(search_path: str) -> str | None:
    """The first schema a ``search_path`` names, skipping ``"$user"`` (absent per-user schemas are normal)."""
    for part in search_path.split(","):
        name = part.strip()
        if name.startswith('"') and name.endswith('"') and len(name) >= 2:
            name = name[1:-1].replace('""', '"')
        elif name != "$user":
            name = name.lower()  # PostgreSQL folds unquoted identifiers
        if name and name != "$user":
            return name
    return None


class PostgisStore(SqlReads, SqlWrites):
    """A sitmap store in a PostGIS database (see the module docstring).

    ``url`` is a libpq URL (``postgresql://user@host:5432/db?options=...``). The
    pool opens lazily on first use; ``close()`` releases it.
    """

    _dialect = PG_DIALECT

    backend = "postgis"

    def __init__(self, url: str, *, pool_max: int = POOL_MAX, connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.url = url
        self._timeout = connect_timeout
        self._conninfo = "postgresql://" + url.split("://", 1)[1] if "://" in url else url
        self._pool_max = pool_max
        self._pool: Any = None
        self._lock = threading.Lock()
        self._checked = False
        self._unreachable = False
        self._counts = R.CountCache()
        self._verify = threading.local()
        self._bulk = threading.local()
        #: Whether low-zoom cluster tiles may come from the kept grid (see :meth:`_grid_tile`).
        self._grid_ok = True
        self._grid_lock = threading.Lock()
        self._has_encoded = False  # set by init()
        self._box_op = False  # set by init(): whether the schema has the bbox test of BOX_SQL

    # -- connections ------------------------------------------------------------------

    def _check_connection(self, conn: Any) -> None:
        """The pool's check: a ping only on a retry (``_verify.on``), where a broken connection is likely.

        Pinging every checkout cost a round trip per store call; a first attempt on a
        connection the server dropped fails at its first statement instead, before
        anything is written, and :meth:`_run` retries with checked connections.
        """
        if getattr(self._verify, "on", False):
            from psycopg_pool import ConnectionPool

            ConnectionPool.check_connection(conn)

    def _get_pool(self) -> Any:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    try:
                        from psycopg_pool import ConnectionPool
                    except ImportError as exc:  # pragma: no cover - the postgis extra is missing
                        raise StoreError(
                            "PostGIS needs psycopg and psycopg_pool: pip install 'sitmap[postgis]'"
                        ) from exc
                    pool = ConnectionPool(
                        self._conninfo,
                        kwargs={"connect_timeout": max(1, round(self._timeout))},
                        min_size=1,
                        max_size=self._pool_max,
                        open=False,
                        check=self._check_connection,
                        timeout=self._timeout,
                        reconnect_timeout=RECONNECT_TIMEOUT_S,
                        reconnect_failed=_reconnect_failed,
                        name="sitmap",
                    )
                    try:
                        pool.open(wait=True, timeout=self._timeout)
                    except Exception as exc:
                        pool.close()
                        raise StoreError(f"cannot connect to PostGIS at {_redact(self.url)}: {exc}") from exc
                    self._pool = pool
        return self._pool

    @contextmanager
    def _connection(self, deadline: float, *, autocommit: bool = False, verify: bool = True) -> Iterator[Any]:
        """A pooled connection in a transaction, waited for until ``deadline`` (monotonic) at most.

        ``autocommit`` runs each statement on its own instead (reads); ``verify`` pings
        the connection before handing it out (replacing it if broken). No connection in
        time means the database is down or overloaded: ``StoreError`` (503 in the
        service), and the next callers wait only ``DOWN_WAIT_S`` until one of them gets
        a connection again.
        """
        from psycopg_pool import PoolTimeout

        wait = deadline - time.monotonic()
        if self._unreachable:
            wait = min(wait, DOWN_WAIT_S)
        pool = self._get_pool()
        wait = max(wait, 0.05)
        self._verify.on = verify
        try:
            conn = pool.getconn(timeout=wait)
        except PoolTimeout as exc:
            self._unreachable = True
            raise StoreError(
                "the PostGIS database cannot be reached at the moment; try again shortly",
                detail=f"{_redact(self.url)}: no connection within {wait:.1f} s ({exc})",
            ) from exc
        finally:
            self._verify.on = False
        self._unreachable = False
        try:
            if conn.autocommit != autocommit:
                conn.autocommit = autocommit  # a client-side setting: no round trip
            with conn:  # commit, or roll back on an error; a pooled connection stays open
                yield conn
        finally:
            pool.putconn(conn)

    def _run(self, fn: Callable[[_Tx], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction (writes under the schema's advisory lock); retry once if the link drops.

        Both attempts together wait at most ``connect_timeout`` seconds for a connection.
        """
        import psycopg

        if not self._checked:
            self.init()
        bulk: _Bulk | None = getattr(self._bulk, "session", None)
        if bulk is not None:
            return self._bulk_run(bulk, fn, write=write)
        deadline = time.monotonic() + self._timeout
        for attempt in (1, 2):
            try:
                with self._connection(deadline, autocommit=not write, verify=attempt == 2) as conn:
                    tx = _Tx(conn)
                    if write:
                        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.sitmap.write'))")
                    return fn(tx)
            except psycopg.OperationalError as exc:
                # the connection broke under the transaction (server restarted, backend killed ...)
                if attempt == 2:
                    raise StoreError(
                        "the PostGIS connection failed; try again shortly",
                        detail=f"{_redact(self.url)}: {type(exc).__name__}: {exc}",
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- bulk sessions --------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_writes(self, rows_per_transaction: int | None = None) -> Iterator[None]:
        """Run this thread's reads and writes inside on one connection, in a few large transactions.

        An import's bulk path: each transaction (up to ``rows_per_transaction`` new
        versions, default :data:`BULK_TX_ROWS`, under the schema's write lock) loads its batches with COPY, the GiST
        and B-tree indexes maintained by PostgreSQL as usual; reads see the session's own
        writes. Each call runs under a savepoint, so a write the store refuses (an
        importer then retries its batch row by row) undoes only itself. The tables are
        ANALYZEd as they grow (see :data:`ANALYZE_ROWS`). An exception leaving the block
        commits the calls made so far (each whole, as batch-sized transactions would have
        left them); a crash loses at most the open transaction, never part of a write.
        """
        if getattr(self._bulk, "session", None) is not None:  # nested: the outer session decides
            yield
            return
        if not self._checked:
            self.init()
        with contextlib.ExitStack() as stack:
            conn = stack.enter_context(self._connection(time.monotonic() + self._timeout))
            bulk = _Bulk(conn, max(1, rows_per_transaction or BULK_TX_ROWS))
            self._bulk.session = bulk
            try:
                yield
            except BaseException:
                # every call made is whole (each ran under its own savepoint): keep them, as
                # batch-sized transactions would have; a commit that fails rolls back instead
                self._bulk.session = None
                if not conn.closed and not bulk.broken:
                    with contextlib.suppress(Exception):
                        _commit(bulk)
                raise
            self._bulk.session = None
            if not bulk.broken:
                self._bulk_call(lambda: _commit(bulk))

    def _bulk_call(self, fn: Callable[[], T]) -> T:
        """``fn()``, a lost connection reported as the store's own error."""
        import psycopg

        try:
            return fn()
        except psycopg.OperationalError as exc:
            raise StoreError(
                "the PostGIS connection failed; try again shortly",
                detail=f"{_redact(self.url)}: {type(exc).__name__}: {exc}",
            ) from exc

    def _bulk_run(self, bulk: _Bulk, fn: Callable[[_Tx], T], *, write: bool) -> T:
        """One call of a bulk session: under a savepoint of the session's transaction."""
        conn = bulk.conn
        if bulk.broken:
            raise StoreError("the PostGIS connection failed during a bulk write; nothing more is written")
        if write and not bulk.locked:
            self._bulk_call(
                lambda: conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.sitmap.write'))")
            )
            bulk.locked = True
            bulk.restore = self._bulk_call(lambda: _defer_indexes(conn))

        def run() -> T:
            with conn.transaction():  # a savepoint: the transaction is already open
                return fn(_Tx(conn))

        try:
            result = self._bulk_call(run)
        except StoreError:
            bulk.broken = True
            raise
        if isinstance(result, WriteResult):
            written = len(result.inserted) + len(result.updated)
            bulk.rows += written
            bulk.since_analyze += written
        if bulk.since_analyze >= max(ANALYZE_ROWS, bulk.analyzed):
            self._bulk_call(lambda: conn.execute(_ANALYZE))
            bulk.analyzed += bulk.since_analyze
            bulk.since_analyze = 0
        if bulk.rows >= bulk.rows_per_transaction:
            self._bulk_call(lambda: _commit(bulk))  # the next write takes the lock again
            bulk.rows, bulk.locked = 0, False
        return result

    def close(self) -> None:
        """Close the pool and every connection in it."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> PostgisStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------

    def init(self) -> None:
        """Create the schema in the current schema when missing; refuse a newer one."""
        import psycopg

        try:
            with self._connection(time.monotonic() + self._timeout) as conn:
                self._init(conn)
        except psycopg.OperationalError as exc:
            raise StoreError(
                "the PostGIS connection failed; try again shortly",
                detail=f"{_redact(self.url)}: {type(exc).__name__}: {exc}",
            ) from exc
        self._checked = True

    def _init(self, conn: Any) -> None:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        if schema is None:
            raise StoreError(f"{_redact(self.url)}: no schema of the search_path exists; create it first")
        wanted = _first_named_schema(conn.execute("SHOW search_path").fetchone()[0])
        if wanted is not None and wanted != schema:  # PostgreSQL would silently fall through to the next one
            where = _redact(self.url)
            raise StoreError(f"{where}: schema {wanted!r} of the search_path does not exist; create it first")
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.sitmap.write'))")
        has_postgis = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        if not has_postgis:
            raise StoreError(
                f"database at {_redact(self.url)} lacks the PostGIS extension: run CREATE EXTENSION postgis"
            )
        exists = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = 'sitmap_meta'"
        ).fetchone()
        if not exists:
            for stmt in _schema_sql():
                conn.execute(stmt)
            conn.execute(
                "INSERT INTO sitmap_meta VALUES ('schema_version', %s), ('created_at', now()::text), (%s, '0')",
                (str(SCHEMA_VERSION), R.SPAN_KEY),
            )
        row = conn.execute("SELECT value FROM sitmap_meta WHERE key = 'schema_version'").fetchone()
        check_schema_version(row[0] if row else None, f"schema {schema!r}")
        have = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE %s",
                ("%_current_%",),
            )
        }
        for stmt, table in zip(ORDER_INDEXES, (R.CLAIM_TABLE, R.ZONE_TABLE), strict=True):
            if f"{table}_current_order" not in have:
                conn.execute(stmt)  # a schema created before these indexes existed
        _add_fid_to_order_index(conn)
        for name, stmt in (("window", WINDOW_INDEX), ("geom", CURRENT_GEOM_INDEX)):
            if f"{R.CLAIM_TABLE}_current_{name}" not in have:
                conn.execute(stmt)
        if f"{R.CLAIM_TABLE}_current_walk" in have:
            conn.execute(DROPPED_WALK_INDEX)
        self._box_op = bool(
            conn.execute(
                "SELECT EXISTS (SELECT FROM pg_operator WHERE oprname = '#&&#' "
                "AND oprnamespace = current_schema()::regnamespace)"
            ).fetchone()[0]
        )
        if not self._box_op:  # a schema from before the operator, or restored (functions are not in backups)
            import psycopg

            try:
                with conn.transaction():  # a savepoint: a role that may not create functions still reads
                    for stmt in BOX_SQL:
                        conn.execute(stmt)
                self._box_op = True
            except psycopg.errors.InsufficientPrivilege:
                log.warning("no cheap bbox test in schema %s: this role may not create functions", schema)
        has_history = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s",
            (R.LAYER_TABLE,),
        ).fetchone()
        if not has_history:  # a schema from before layer definitions were versioned: add, then seed v1
            for stmt in layer_versions_sql():
                conn.execute(stmt)
            R.seed_layer_versions(_Tx(conn))
        has_encoded = conn.execute(
            "SELECT (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = ANY(%s)) = %s AND EXISTS (SELECT 1 FROM pg_trigger t "
            "JOIN pg_class r ON r.oid = t.tgrelid WHERE r.relnamespace = current_schema()::regnamespace "
            "AND r.relname = %s AND t.tgname = ANY(%s) HAVING count(*) = %s)",
            (list(E.TABLES.values()), len(E.TABLES), R.CLAIM_TABLE, list(E.PG_TRIGGERS.values()), len(E.PG_TRIGGERS)),
        ).fetchone()[0]
        self._has_encoded = bool(has_encoded)
        if not self._has_encoded:  # a schema from before the kept texts, or restored (its trigger is not in backups)
            import psycopg

            try:
                with conn.transaction():  # a savepoint: a role that may not create tables still reads
                    for stmt in E.pg_sql():
                        conn.execute(stmt)
                self._has_encoded = True
            except psycopg.errors.InsufficientPrivilege:
                log.warning("no kept download texts in schema %s: this role may not create tables", schema)

    # -- writes -------------------------------------------------------------------------

    def _in_write(self, fn: Callable[[R.Tx], T], tables: Sequence[str]) -> T:
        """One write transaction under the schema's advisory lock (see :mod:`layers.store.sqlwrites`)."""
        return self._run(fn, write=True)

    def known_import_digests(self, kind: str, digests: Sequence[str]) -> set[str]:
        """Of ``digests``, those recorded for a current record (see :mod:`layers.store.digests`)."""
        return self._run(lambda tx: D.known(tx, kind, digests), write=False)

    def known_import_keys(self, kind: str, digests: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
        """Of ``digests``, those recorded for a current record, and their property names (see ``digests``)."""
        return self._run(lambda tx: D.known_keys(tx, kind, digests), write=False)

    # -- reads --------------------------------------------------------------------------

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._run(lambda tx: tx.fetch(sql, params), write=False)

    def _query(
        self,
        table: str,
        select: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
    ) -> tuple[list[tuple[Any, ...]], int]:
        where, params = _with_bbox(where, params, bbox, cheap=self._box_op)
        cond = " AND ".join(where)

        def run(tx: _Tx) -> tuple[list[tuple[Any, ...]], int]:
            # one row beyond the page tells whether it is the last one, whose total needs no count
            page = tx.fetch(
                f"SELECT {select} FROM {table} c WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, None if limit is None else limit + 1, offset],
            )
            last = last_page_total(page, limit, offset)
            if last is not None:
                return page, last
            if limit is not None:
                del page[limit:]
            total = R.cached_total(
                self._counts,
                lambda: _clock(tx),
                (table, cond, *params),
                lambda: int(tx.fetch(f"SELECT count(*) FROM {table} c WHERE {cond}", params)[0][0]),
            )
            return page, total

        return self._run(run, write=False)

    def _page(
        self,
        table: str,
        select: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
        budget: int,
        *,
        sorted_rows: bool = False,
        clock: list[datetime | None] | None = None,
    ) -> tuple[list[tuple[Any, ...]], int | None, bool]:
        """See :meth:`SqlReads._page`; ``clock``, if given, receives the store clock read with the page (same trip)."""
        where, params = _with_bbox(where, params, bbox, cheap=self._box_op)
        cond = " AND ".join(where)

        def run(tx: _Tx) -> tuple[list[tuple[Any, ...]], int | None, bool]:
            query = (table, select, cond, params, order)
            keys_first = sorted_rows or offset > 0
            if clock is not None:  # the clock's statement in front of the page's, one query string
                clocked = _KeyedTx(tx.conn, settings=keys_first, clock=True)
                out = fetch_page(
                    clocked, self._counts, lambda: _clock(tx), query, limit, offset, budget, no_limit=None,
                    keys_first=keys_first,
                )  # fmt: skip
                clock.append(clocked.clock)
                return out
            if not keys_first:  # a walk of the order index to the page's end: nothing to plan
                return fetch_page(
                    tx, self._counts, lambda: _clock(tx), query, limit, offset, budget, no_limit=None
                )  # fmt: skip
            # A page stops after limit + 1 rows: the workers of a parallel plan cost more to
            # start than they save, and take cores other requests need (at 100k claims a
            # parallel bitmap scan made the bbox page 3x slower); JIT compiles for longer
            # than such a page runs (a bbox walk at 1M claims, costed past jit_above_cost:
            # 6.5 ms of execution after 81 ms of JIT). The settings travel in front of each
            # statement of the page, local to it (see _KeyedTx): one round trip a statement,
            # where BEGIN, SET, page, COMMIT were four.
            return fetch_page(
                _KeyedTx(tx.conn), self._counts, lambda: _clock(tx), query, limit, offset, budget, no_limit=None,
                keys_first=keys_first,
            )  # fmt: skip

        return self._run(run, write=False)

    def _keys(
        self,
        table: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
    ) -> list[int]:
        where, params = _with_bbox(where, params, bbox, cheap=self._box_op)
        rows = self._fetch(
            f"SELECT c.fid FROM {table} c WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [int(r[0]) for r in rows]

    def _encoded_fingerprint(self, kind: str) -> str | None:
        if not self._checked:
            self.init()
        if not self._has_encoded:
            return None
        rows = self._fetch("SELECT value FROM sitmap_meta WHERE key = ?", [E.meta_key(kind)])
        return str(rows[0][0]) if rows else ""

    def _encoded_bodies(self, table: str, fids: Sequence[int]) -> dict[int, bytes]:
        def run(tx: _Tx) -> dict[int, bytes]:
            with tx.conn.cursor(binary=True) as cur:  # bytea as it is stored, no hex text
                cur.execute(f"SELECT fid, body FROM {table} WHERE fid = ANY(%s)", (list(fids),))
                return {int(f): b for f, b in cur.fetchall()}

        return self._run(run, write=False)

    def _keep_encoded(self, kind: str, fp: str, items: Sequence[tuple[int, bytes, Any]], *, reset: bool) -> bool:
        """See :meth:`SqlReads._keep_encoded`: one transaction under the writers' lock, only if it is free at once.

        The check of ``superseded_at`` and the insert see every supersession committed
        before; a later one waits for the lock and its trigger drops what was kept.
        """
        import psycopg

        if getattr(self._bulk, "session", None) is not None:
            return False  # inside an import's open transaction: keep nothing
        table, key = E.TABLES[kind], E.meta_key(kind)
        try:
            with self._connection(time.monotonic() + self._timeout, verify=False) as conn:
                # the writers' lock, if free: a supersession then waits for this transaction (its
                # trigger drops what was kept) or has committed before the check below sees it
                lock = "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.sitmap.write'))"
                if not conn.execute(lock).fetchone()[0]:
                    return False  # a writer (an import) is at work: keep nothing now
                if reset:
                    conn.execute(f"DELETE FROM {table}")
                    conn.execute(
                        "INSERT INTO sitmap_meta (key, value) VALUES (%s, %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, fp),
                    )
                elif conn.execute("SELECT value FROM sitmap_meta WHERE key = %s", (key,)).fetchone() != (fp,):
                    return False  # another program's texts meanwhile (the block commits nothing)
                # in the download's order: the heap then holds them as the next download reads them
                conn.execute(
                    f"INSERT INTO {table} (fid, body) SELECT c.fid, v.body FROM {R.CLAIM_TABLE} c "
                    "JOIN unnest(%b::bigint[], %b::bytea[], %b::timestamptz[]) AS v(fid, body, sup) ON c.fid = v.fid "
                    "WHERE c.superseded_at IS NOT DISTINCT FROM v.sup ON CONFLICT (fid) DO NOTHING",
                    ([f for f, _, _ in items], [b for _, b, _ in items], [s for _, _, s in items]),
                )
        except (psycopg.Error, StoreError):
            return False  # the texts were served anyway
        return True

    def _rows_by_key(self, table: str, select: str, fids: Sequence[int]) -> list[tuple[Any, ...]]:
        rows = self._fetch(f"SELECT c.fid, {select} FROM {table} c WHERE c.fid = ANY(?)", [list(fids)])
        by_fid = {int(r[0]): r[1:] for r in rows}
        return [by_fid[f] for f in fids]

    def claim_feature_page_and_clock(
        self, query: ClaimQuery, *, properties: frozenset[str] | None = None, count_budget: int | None = None
    ) -> tuple[FeatureTexts, datetime | None]:
        """:meth:`claim_feature_page` and :meth:`last_recorded_at`, read in one round trip.

        The clock's statement goes in front of the page's, in one query string (see
        :class:`_KeyedTx`), so it is read before the page, as the items route read it
        before; a count past the page (not the last one, total not cached) still costs
        its own statements. The route checks with the clock that its cached layer
        definition is current and puts it in the ETag.
        """
        d = self._dialect
        budget = COUNT_BUDGET if count_budget is None else count_budget
        where, params = R.claim_where(d, query, "c")
        box: list[datetime | None] = []
        rows, total, more = self._page(
            R.CLAIM_TABLE, F.claim_feature_text_select(d, "c", properties), where, params, query.bbox,
            R.claim_order(d, "c"), query.limit, query.offset, budget, sorted_rows=sorted_query(query), clock=box,
        )  # fmt: skip
        return FeatureTexts(F.claim_feature_texts(d, rows), total, more), box[0]

    def claim_features_and_clock(
        self, query: ClaimQuery, *, include_region: bool = False
    ) -> tuple[list[dict[str, Any]], datetime | None]:
        """Features and store clock in one statement (one round trip; see :class:`SqlReads`)."""
        if query.bbox is not None:
            return super().claim_features_and_clock(query, include_region=include_region)
        where, params = R.claim_where(PG_DIALECT, query, "c")
        select = R.claim_feature_select(PG_DIALECT, "c", include_region=include_region)
        order = R.claim_order(PG_DIALECT, "c")
        latest = " UNION ALL ".join(f"SELECT max(recorded_at) AS t FROM {t}" for t in R.VERSIONED_TABLES)
        rows = self._fetch(
            f"SELECT k.t, p.* FROM (SELECT max(t) AS t FROM ({latest}) s) k LEFT JOIN LATERAL "
            f"(SELECT true AS hit, {select} FROM {R.CLAIM_TABLE} c WHERE {' AND '.join(where)} "
            f"ORDER BY {order} LIMIT ? OFFSET ?) p ON true",
            [*params, query.limit, query.offset],
        )
        page = [r[2:] for r in rows if r[1]]
        feats = R.claim_features_from_rows(PG_DIALECT, page, include_region=include_region)
        return feats, R.parse_iso(rows[0][0])

    def claim_tile(self, query: ClaimQuery, tile: Any, *, name: str) -> bytes:
        """One claim vector tile (``layers.tiles.TileAddress``) built by ``ST_AsMVT``; b"" when empty.

        A count that stops at the feature limit decides between one point per claim and
        grid clusters (see :mod:`layers.store.pgtiles`).
        """
        from layers import tiles as T
        from layers.store import pgtiles

        _, kept = self._grid_tile(query, tile, name=name + "-clusters")
        if kept is not None:  # a crowded low-zoom tile of the grid's query: its clusters from the grid
            return kept
        cap = T.TILE_MAX_FEATURES
        count, count_params = pgtiles.count_sql(PG_DIALECT, query, tile, cap=cap + 1)
        feats = pgtiles.features_sql(PG_DIALECT, query, tile, name=name, extent=T.EXTENT)
        clusters = pgtiles.clusters_sql(
            PG_DIALECT, query, tile, name=name + "-clusters", extent=T.EXTENT, cells=T.CLUSTER_CELLS
        )

        def run(tx: _Tx) -> bytes:
            with tx.conn.transaction():
                # JIT compilation costs seconds on these statements and saves nothing; a cell
                # aggregate over a crowded tile wants its hash table in memory
                tx.run("SET LOCAL jit = off")
                tx.run("SET LOCAL work_mem = '64MB'")
                n = int(tx.fetch(count, count_params)[0][0])
                sql, params = feats if n <= cap else clusters
                return bytes(tx.fetch(sql, params)[0][0] or b"")

        return self._run(run, write=False)

    def tile_clusters(self, query: ClaimQuery, tile: Any, *, name: str) -> bytes | None:
        """The grid-cluster tile of ``query``'s claims if ``tile`` holds more than the feature limit, else ``None``."""
        from layers import tiles as T
        from layers.store import pgtiles

        fresh, kept = self._grid_tile(query, tile, name=name + "-clusters")
        if fresh:
            return kept
        cap = T.TILE_MAX_FEATURES
        count, count_params = pgtiles.count_sql(PG_DIALECT, query, tile, cap=cap + 1)
        clusters = pgtiles.clusters_sql(
            PG_DIALECT, query, tile, name=name + "-clusters", extent=T.EXTENT, cells=T.CLUSTER_CELLS
        )

        def run(tx: _Tx) -> bytes | None:
            with tx.conn.transaction():
                tx.run("SET LOCAL jit = off")
                tx.run("SET LOCAL work_mem = '64MB'")
                if int(tx.fetch(count, count_params)[0][0]) <= cap:
                    return None
                return bytes(tx.fetch(*clusters)[0][0] or b"")

        return self._run(run, write=False)

    def _grid_tile(self, query: ClaimQuery, tile: Any, *, name: str) -> tuple[bool, bytes | None]:
        """(True, the cluster tile or None when the tile holds no more than the feature limit) from the kept grid.

        (False, None) when the grid does not serve the query or zoom, or cannot be kept
        (see :mod:`layers.store.pgtilegrid`): the caller builds the tile directly. Writes
        keep the grid current (its triggers); a grid missing or behind the claims (the
        first low-zoom tile of a store, or after a restore) is rebuilt first (a pass over
        every claim: 6-10 s at 1M claims on the loaded 2-core machine, writes waiting) by
        one thread of the process that takes the advisory lock; this process's other
        threads wait for it, other processes build their tiles directly meanwhile.
        """
        import psycopg

        from layers import tiles as T
        from layers.store import pgtilegrid as G

        if not self._grid_ok or T.CLUSTER_CELLS != 1 << G.CELL_BITS or not G.serves(query, tile):
            return False, None
        count, count_params = G.count_sql(query, tile)
        clusters = G.clusters_sql(query, tile, name=name, extent=T.EXTENT)

        def read(tx: _Tx) -> tuple[bool, bytes | None]:
            with tx.conn.transaction():
                tx.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # the clock and the cells of one snapshot
                clock, built = tx.fetch(G.clock_sql())[0]
                if built != clock:
                    return False, None
                if int(tx.fetch(count, count_params)[0][0]) <= T.TILE_MAX_FEATURES:
                    return True, None
                return True, bytes(tx.fetch(*clusters)[0][0] or b"")

        def rebuild(tx: _Tx) -> None:
            if not tx.fetch(G.lock_sql())[0][0]:
                return  # another connection is rebuilding it: this tile is built directly meanwhile
            try:
                with tx.conn.transaction():
                    # writes wait from here to the commit (readers do not): the clock and the cells
                    # read below are then of one state, which the triggers keep from the commit on
                    tx.conn.execute(f"LOCK TABLE {R.CLAIM_TABLE} IN SHARE ROW EXCLUSIVE MODE")
                    tx.run("SET LOCAL jit = off")
                    tx.run("SET LOCAL work_mem = '64MB'")
                    clock, built = tx.fetch(G.clock_sql())[0]
                    if built == clock:
                        return  # another worker built it while this one waited
                    schema = tx.fetch("SELECT current_schema()")[0][0]
                    for stmt in G.ddl(PG_DIALECT, schema):
                        tx.conn.execute(stmt)  # no parameters: the functions' format() strings hold '%'
                    for sql, params in G.rebuild_sql(PG_DIALECT, clock):
                        tx.run(sql, params)
            finally:
                tx.run(G.lock_sql(unlock=True))

        try:
            fresh, body = self._run(read, write=False)
            if not fresh:
                # the threads of this process wait for one rebuild (holding no connection)
                # rather than each building its tile from the claims beside it: at 1M claims
                # twelve direct tiles next to the rebuild made a cold map draw 19 s
                with self._grid_lock:
                    fresh, body = self._run(read, write=False)
                    if not fresh:
                        self._run(rebuild, write=False)
                        fresh, body = self._run(read, write=False)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction) as exc:
            log.warning("no tile grid in this schema (%s): low-zoom tiles are built from the claims", exc)
            self._grid_ok = False
            return False, None
        return fresh, body

    # -- layers -------------------------------------------------------------------------

    def layer_history(self, layer_id: str) -> list[LayerVersion]:
        """Every version of a layer definition, oldest first, or ``NotFound``."""
        return self._run(lambda tx: R.layer_history(tx, layer_id), write=False)

    def deleted_layer_ids(self) -> list[str]:
        """Ids whose current version is a deletion, sorted."""
        return self._run(R.deleted_layer_ids, write=False)

    def get_layer(self, layer_id: str) -> Layer:
        """A layer definition, or ``NotFound``."""
        rows = self._fetch("SELECT definition FROM layers WHERE id = ?", [layer_id])
        if not rows:
            raise NotFound(f"layer {layer_id!r} not found")
        return Layer.model_validate_json(rows[0][0])

    def list_layers(self) -> list[Layer]:
        """All layer definitions, by id."""
        return [Layer.model_validate_json(r[0]) for r in self._fetch("SELECT definition FROM layers ORDER BY id")]

    # -- housekeeping -------------------------------------------------------------------

    def stats(self) -> StoreStats:
        """Counts, extent (claims and zones) and time span of the current state."""

        def run(tx: _Tx) -> StoreStats:
            cur = "WHERE superseded_at IS NULL"
            by_type = dict(tx.fetch(f"SELECT event_type, count(*) FROM {R.CLAIM_TABLE} {cur} GROUP BY 1"))
            by_status = dict(tx.fetch(f"SELECT status, count(*) FROM {R.CLAIM_TABLE} {cur} GROUP BY 1"))
            ext = tx.fetch(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM ("
                f"SELECT geom FROM {R.CLAIM_TABLE} {cur} UNION ALL SELECT geom FROM {R.ZONE_TABLE} {cur}) g) s"
            )[0]
            span = tx.fetch(f"SELECT min(valid_from), max(valid_to) FROM {R.CLAIM_TABLE} {cur}")[0]
            counts = tx.fetch(
                f"SELECT (SELECT count(*) FROM {R.CLAIM_TABLE}), (SELECT count(*) FROM {R.ZONE_TABLE} {cur}), "
                "(SELECT count(*) FROM reports), (SELECT count(*) FROM sources)"
            )[0]
            lo, hi = R.parse_iso(span[0]), R.parse_iso(span[1])
            return StoreStats(
                backend=self.backend,
                claims=sum(by_type.values()),
                claim_versions=int(counts[0]),
                zones=int(counts[1]),
                reports=int(counts[2]),
                sources=int(counts[3]),
                claims_by_event_type=by_type,
                claims_by_status=by_status,
                bbox=None if ext[0] is None else (ext[0], ext[1], ext[2], ext[3]),
                time_span=None if lo is None or hi is None else (lo, hi),
                last_recorded_at=_last(tx),
            )

        return self._run(run, write=False)

    def last_recorded_at(self) -> datetime | None:
        """The newest ``recorded_at`` (hence also ``superseded_at``) of any claim, zone or layer version."""
        return self._run(_last, write=False)

    # -- backup (layers/store/backup.py) -------------------------------------------------

    @property
    def conninfo(self) -> str:
        """The libpq connection string of this store (for pg_dump, pg_restore and psql)."""
        return self._conninfo

    def backup(self, dest: str | Path) -> Path:
        """Dump this store's relations with ``pg_dump`` (custom format) to ``dest``, while it stays in use."""
        from layers.store.backup import backup_postgis

        return backup_postgis(self, dest)

    def restore(self, src: str | Path) -> None:
        """Replace this store's relations with those of a backup (of any schema), in one transaction."""
        from layers.store.backup import restore_postgis

        restore_postgis(self, src)

    def after_restore(self) -> None:
        """Forget cached totals and re-check the schema (a restored one may predate the order indexes)."""
        self._counts.clear()
        self._checked = False


def _with_bbox(
    where: list[str], params: list[Any], bbox: tuple[float, float, float, float] | None, *, cheap: bool = False
) -> tuple[list[str], list[Any]]:
    """``where`` and ``params`` with the bbox filter, exact and through the GiST index.

    ``cheap`` (the schema has :data:`BOX_SQL`): ``geom && area`` for the index and its
    estimate, and ``geom #&&# area``, ST_Intersects costed as cheap and estimated as
    nearly always true, for exactness. Otherwise ST_Intersects alone: PostGIS adds the
    index condition ``geom && area`` itself and estimates the rows from the column's
    statistics once. Written beside it, an explicit ``&&`` was counted twice: at 1M
    claims the Khan Younis bbox was estimated at 592 rows for 24,830 (the square of its
    2.5 %), so PostgreSQL read every match and sorted it (18,844 heap blocks) instead of
    walking the (valid_from, id) index to the page's end.
    """
    if bbox is None:
        return where, params
    box = [float(v) for v in bbox]
    area = _ewkb_hex([R.bbox_geometry((box[0], box[1], box[2], box[3]))])[0]
    if cheap:
        return [*where, "c.geom && ?::geometry", "c.geom #&&# ?::geometry"], [*params, area, area]
    return [*where, "ST_Intersects(c.geom, ?::geometry)"], [*params, area]


#: The store clock: the newest ``recorded_at`` of any claim, zone or layer version.
_LAST_SQL = "SELECT max(t) FROM ({}) s".format(
    " UNION ALL ".join(f"SELECT max(recorded_at) AS t FROM {t}" for t in R.VERSIONED_TABLES)
)


def _last(tx: _Tx) -> datetime | None:
    row = tx.fetch(_LAST_SQL)
    return R.parse_iso(row[0][0])


def _clock(tx: _Tx) -> tuple[Any, ...]:
    """The write clock of :class:`~layers.store.rows.CountCache`: newest version time and key per table."""
    return tx.fetch(
        f"SELECT (SELECT max(recorded_at) FROM {R.CLAIM_TABLE}), (SELECT max(fid) FROM {R.CLAIM_TABLE}), "
        f"(SELECT max(recorded_at) FROM {R.ZONE_TABLE}), (SELECT max(fid) FROM {R.ZONE_TABLE})"
    )[0]


def _reconnect_failed(pool: Any) -> None:
    """psycopg_pool gave up re-opening a connection; the next request that needs one starts afresh."""
    log.warning(
        "PostGIS pool %s: reconnecting failed for %g s; retrying on the next request", pool.name, RECONNECT_TIMEOUT_S
    )


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "://" not in url or "@" not in url.split("://", 1)[1]:
        return url
    scheme, rest = url.split("://", 1)
    cred, host = rest.rsplit("@", 1)
    user = cred.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


__all__ = ["PostgisStore"]
