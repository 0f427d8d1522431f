"""The embedded store: one GeoPackage 1.3 file, written with the standard library only.

No SpatiaLite, no GDAL at write time: ``sqlite3`` plus shapely's WKB. The file is a
valid GeoPackage (application id ``GPKG``, user_version 10300, the required metadata
tables, SRS 4326/-1/0, GeoPackage binary geometries with an envelope) with the spec's
R-tree spatial index. The spec's R-tree triggers call ``ST_IsEmpty`` and
``ST_MinX`` .. ``ST_MaxY``; this module registers those as Python functions on every
connection (they read the envelope from the GeoPackage header), so the very same
triggers work in sitmap, GDAL and QGIS.

All versions of every claim and zone live in ``claim_versions`` / ``zone_versions``;
the ``claims`` and ``zones`` views (registered GeoPackage feature layers) show the
current state, which is what ``ogrinfo sitmap.gpkg`` and QGIS list first.

Concurrency: WAL mode, a busy timeout, and ``BEGIN IMMEDIATE`` per write batch with
a bounded number of retries before :class:`~layers.errors.StoreBusy`. One connection
per thread, so the API's worker threads read in parallel. Readers are not blocked by
writers (WAL). Another process can lock readers out too (``PRAGMA locking_mode =
EXCLUSIVE``), though SQLite grants that only while no connection has the file open,
since each open WAL connection keeps a shared lock: so it meets a store that opens
while it is held. Opening and reading then wait and retry within the same budget and
raise ``StoreBusy``, never a bare ``sqlite3`` error. The budget is per store
(``busy_timeout_s``): long for the CLI and importers, a few seconds for the service.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import shapely

from geo.errors import NotFound, StoreError
from layers.errors import StoreBusy
from layers.model import Layer
from layers.store import digests as D
from layers.store import rows as R
from layers.store.base import ClaimQuery, LayerVersion, StoreStats, WriteResult, check_schema_version
from layers.store.gpkg_binary import (
    GPKG_DIALECT,
    SRS_ID,
    envelope,
    geometry_blob,
    gpkg_decode,
    gpkg_encode,
    register_functions,
)
from layers.store.gpkg_schema import (
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    ORDER_INDEXES,
    add_encoded_tables,
    add_layer_versions,
    add_order_indexes,
    create_schema,
    exact_extent,
    now_text,
)
from layers.store.rows import encoded as E
from layers.store.rtree_load import fill_empty_rtree
from layers.store.sqlreads import SqlReads, fetch_page, last_page_total
from layers.store.sqlwrites import SqlWrites

T = TypeVar("T")

#: Seconds SQLite itself waits for a lock before one attempt gives up (when a store is
#: opened without its own ``busy_timeout_s``; that one is the total over all attempts).
BUSY_TIMEOUT_S = 10.0
#: Batches at least this large fill the R-tree directly (see ``_Tx.insert_versions``).
BULK_ROWS = 256
#: Versions written per transaction of a bulk session (:meth:`GpkgStore.bulk_writes`).
BULK_TX_ROWS = 100_000
#: A bulk transaction that starts with fewer versions in a table than this drops the table's
#: indexes that its own writes never read, and builds them once before it commits.
REBUILD_BELOW = 100_000
#: Attempts (each waiting up to BUSY_TIMEOUT_S) at a write, or at one read statement, before StoreBusy.
WRITE_ATTEMPTS = 3
#: Bytes of the file a connection maps while it reads kept download texts (then unmapped again).
MMAP_BYTES = 1 << 30
#: SQLite's primary result codes for "another connection holds the lock".
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_FULL_CODE = 13  # SQLITE_FULL: the disk (or a size limit) is full
_IOERR_CODE = 10  # SQLITE_IOERR: a read or write of the file (or a temporary file) failed


# --------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------


def _changed(result: object) -> bool:
    """Whether a write's result says it may have changed a table (a WriteResult of nothing new did not)."""
    return not (isinstance(result, WriteResult) and not result.inserted and not result.updated)


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error means "locked by another connection" (worth waiting for)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _BUSY_CODES
    text = str(exc)
    return "locked" in text or "busy" in text


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and (code & 0xFF) == _FULL_CODE) or "disk is full" in str(exc)


class _Tx:
    """The :class:`~layers.store.rows.Tx` view of one SQLite connection.

    ``bulk``: the bulk session whose transaction this is; its start dropped the R-tree
    insert triggers (every version insert then fills the R-tree itself, or, for a tree
    empty at the start, leaves the boxes to the session's commit).
    """

    dialect = GPKG_DIALECT

    def __init__(self, conn: sqlite3.Connection, *, bulk: _Bulk | None = None) -> None:
        self.conn = conn
        self.bulk = bulk

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, tuple(params))

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert_versions(self, table: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows; a large batch fills the R-tree in one pass instead of through the trigger.

        The spec's insert trigger calls five Python functions per row. For a big batch
        the trigger is dropped, the rows and their R-tree entries (from the envelopes
        already in the GeoPackage headers) inserted with ``executemany``, and the
        trigger re-created from its stored text, all inside the same transaction: any
        reader or a crash sees either the old file or the new one, triggers included.
        In a bulk transaction the trigger is already gone (until its commit).
        """
        if self.bulk is not None:
            self._insert_with_rtree(table, sql, rows)
            return
        if len(rows) < BULK_ROWS:
            self.conn.executemany(sql, rows)
            return
        trigger = f"rtree_{table}_geom_insert"
        (ddl,) = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).fetchone()
        self.conn.execute(f"DROP TRIGGER {trigger}")
        self._insert_with_rtree(table, sql, rows)
        self.conn.execute(ddl)

    def _insert_with_rtree(self, table: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows and their R-tree entries (the insert trigger must be absent)."""
        (last_fid,) = self.conn.execute(f"SELECT coalesce(max(fid), 0) FROM {table}").fetchone()
        self.conn.executemany(sql, rows)
        fids = [r[0] for r in self.conn.execute(f"SELECT fid FROM {table} WHERE fid > ? ORDER BY fid", (last_fid,))]
        entries = []
        for fid, row in zip(fids, rows, strict=True):
            env = envelope(row[0])
            if env is not None:
                entries.append((fid, *env))
        pending = None if self.bulk is None else self.bulk.rtree.get(table)
        if pending is not None:  # the tree was empty: the session's commit loads it whole
            if entries:
                pending.append(np.array(entries, dtype=np.float64))
            return
        self.conn.executemany(f"INSERT INTO rtree_{table}_geom VALUES (?, ?, ?, ?, ?)", entries)


@dataclass
class _Bulk:
    """A bulk session of one thread: its open transaction and what its commit must restore."""

    rows_per_transaction: int
    open: bool = False
    rows: int = 0
    touched: set[str] = field(default_factory=set)
    #: DDL of the triggers and indexes dropped at the transaction's start, re-run before its commit.
    restore: list[str] = field(default_factory=list)
    #: Tables whose R-tree was empty at the transaction's start: the (fid, minx, maxx, miny, maxy)
    #: rows written since, one array per write, loaded in one pass before the commit
    #: (:func:`~layers.store.rtree_load.fill_empty_rtree`).
    rtree: dict[str, list[npt.NDArray[np.float64]]] = field(default_factory=dict)


class _ReadTx(_Tx):
    """A :class:`_Tx` for reads outside a write transaction: a locked file is waited for.

    Each statement gets ``attempts`` tries (SQLite's busy handler waits within each);
    when the lock outlasts them all, :class:`~layers.errors.StoreBusy`. Reads run in
    autocommit mode, so a failed statement leaves no transaction behind to undo.
    """

    def __init__(self, conn: sqlite3.Connection, store: GpkgStore) -> None:
        super().__init__(conn)
        self.store = store

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self.conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    mapped = self.store._sqlite_error(exc, "read")  # a full disk or an I/O error: 503, not 500
                    if mapped is None:
                        raise
                    raise mapped from exc
                if attempt == WRITE_ATTEMPTS:
                    raise self.store.busy_error("read", exc) from exc
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover


#: Bound of the R-tree count that picks a bbox query's driving index (see ``GpkgStore._bbox_hits``).
PLAN_COUNT_CAP = 50_000
_TIME_INDEXED = ("c.valid_from_us", "c.valid_to_us")


def _time_terms(where: list[str], params: list[Any]) -> tuple[list[str], list[Any]]:
    """The terms of ``where`` (and their parameters) on the claim time index's columns only.

    Counted alone they read the index, no row: how many rows a time window may match.
    """
    terms: list[str] = []
    values: list[Any] = []
    at = 0
    for term in where:
        n = term.count("?")
        if any(col in term for col in _TIME_INDEXED) and not any(
            word in term for word in ("superseded", "status", "recorded", "c.id", "event_type", "source", "claimant")
        ):
            terms.append(term)
            values += params[at : at + n]
        at += n
    return terms, values


class GpkgStore(SqlReads, SqlWrites):
    """A sitmap store in one GeoPackage file (see the module docstring).

    ``create=True`` creates the file and schema when missing; ``create=False`` raises
    ``StoreError`` for a missing file. A file that is not a GeoPackage, a GeoPackage
    that is not a sitmap store, or a newer sitmap schema, raises ``StoreError``.
    ``busy_timeout_s`` bounds how long one write, or one read statement, waits for a
    file locked by another process before ``StoreBusy`` (``None``: ``WRITE_ATTEMPTS``
    times ``BUSY_TIMEOUT_S``, which suits batch jobs but not an HTTP request).
    """

    _dialect = GPKG_DIALECT

    backend = "gpkg"

    def __init__(self, path: str | Path, create: bool = True, *, busy_timeout_s: float | None = None) -> None:
        if busy_timeout_s is not None and not busy_timeout_s > 0:
            raise StoreError(f"busy_timeout_s must be positive, got {busy_timeout_s!r}")
        self.path = Path(path)
        self.url = str(self.path)
        self.create = create
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._checked = False
        self._counts = R.CountCache()
        self._has_layer_versions = True  # set by init(): False for a read-only file from before the table
        self._has_encoded = True  # set by init(): False for a read-only file from before the kept-text tables

    # -- connections ------------------------------------------------------------------

    def _attempt_timeout(self) -> float:
        """Seconds SQLite's busy handler waits in one attempt (read at connect time)."""
        if self.busy_timeout_s is None:
            return BUSY_TIMEOUT_S
        return self.busy_timeout_s / WRITE_ATTEMPTS

    def busy_error(self, doing: str, exc: sqlite3.Error | None = None, *, attempts: int = WRITE_ATTEMPTS) -> StoreBusy:
        """The ``StoreBusy`` for a lock that outlasted ``attempts`` tries at ``doing`` (open, read or write)."""
        waited = self._attempt_timeout() * attempts
        who = "another writer" if doing == "write" else "another process"
        return StoreBusy(
            f"{self.path} stayed locked by {who} for {waited:g} s ({doing}); try again",
            detail=str(exc) if exc is not None else None,
        )

    def _sqlite_error(self, exc: sqlite3.Error, doing: str) -> StoreError | None:
        """The domain error for an SQLite failure that is about the file, not the code (else ``None``)."""
        if is_busy(exc):
            return self.busy_error(doing, exc, attempts=1)
        if _is_full(exc):
            return StoreError(f"cannot {doing} {self.path}: no space left on the disk holding it", detail=str(exc))
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) == _IOERR_CODE:
            return StoreError(
                f"cannot {doing} {self.path}: disk I/O error (a failing or full disk, or no room for temporary files)",
                detail=str(exc),
            )
        return None

    def _connect(self) -> sqlite3.Connection:
        timeout = self._attempt_timeout()
        try:
            # each thread uses its own connection; check_same_thread=False only lets close() run from any thread
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open GeoPackage {self.path}: {exc}") from exc
        register_functions(conn)
        try:
            conn.execute(f"PRAGMA busy_timeout = {max(1, int(timeout * 1000))}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -32000")  # 32 MB of page cache per connection
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):  # the schema is read under a lock
                raise self.busy_error("open", exc, attempts=1) from exc
            raise StoreError(f"{self.path} is not a GeoPackage (not an SQLite database: {exc})") from exc
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (opened, with the GeoPackage functions, on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if not self._checked:
                self.init()
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):  # a connection busy in another thread is dropped anyway
                conn.close()
        self._local = threading.local()

    def __enter__(self) -> GpkgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------

    def init(self) -> None:
        """Create the GeoPackage and sitmap schema when missing; refuse foreign or newer files."""
        if not self.path.exists() and not self.create:
            raise StoreError(f"no store at {self.path} (run 'sitmap db init' first)")
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a GeoPackage")
        conn = self._connect()
        try:
            self._check(conn)
        except sqlite3.OperationalError as exc:  # locked (or full) while checking or upgrading the schema
            mapped = self._sqlite_error(exc, "open")
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            conn.close()
        self._checked = True

    def _check(self, conn: sqlite3.Connection) -> None:
        """Create the schema in a new file; refuse a foreign, broken or newer one (see :meth:`init`)."""
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
                raise
            raise StoreError(f"{self.path} is not a GeoPackage (not an SQLite database: {exc})") from exc
        if not tables and app_id == 0:
            if not self.create:
                raise StoreError(f"{self.path} is an empty database, not a sitmap store")
            create_schema(conn)
        elif app_id != GPKG_APPLICATION_ID:
            raise StoreError(f"{self.path} is not a GeoPackage (SQLite application_id {app_id:#x}, not 'GPKG')")
        elif "sitmap_meta" not in tables:
            raise StoreError(
                f"{self.path} is a GeoPackage but not a sitmap store (no sitmap_meta table); use a new file"
            )
        row = conn.execute("SELECT value FROM sitmap_meta WHERE key = 'schema_version'").fetchone()
        check_schema_version(row[0] if row else None, str(self.path))
        add_order_indexes(conn)
        self._has_layer_versions = add_layer_versions(conn, lambda c: R.seed_layer_versions(_Tx(c)))
        self._has_encoded = add_encoded_tables(conn)

    # -- transactions -----------------------------------------------------------------

    def _begin(self, conn: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE``, retrying a busy lock a few times before :class:`StoreBusy`."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise StoreError(f"cannot write to {self.path}: {exc}") from exc
                if attempt == WRITE_ATTEMPTS:
                    raise self.busy_error("write", exc) from exc
                time.sleep(0.05 * attempt)

    def _write(self, fn: Callable[[_Tx], T], *, touch: Sequence[str] = ()) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction, retrying a busy lock a few times.

        ``touch`` names the feature tables whose extent and last_change in
        ``gpkg_contents`` this write may have changed. Inside :meth:`bulk_writes` the
        write joins the session's open transaction instead.
        """
        bulk: _Bulk | None = getattr(self._local, "bulk", None)
        if bulk is not None:
            return self._bulk_write(bulk, fn, touch)
        conn = self._conn()
        self._begin(conn)
        try:
            result = fn(_Tx(conn))
            if _changed(result):
                for table in touch:  # a batch that changed nothing leaves last_change alone
                    self._touch(conn, table)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            mapped = self._sqlite_error(exc, "write") if isinstance(exc, sqlite3.OperationalError) else None
            if mapped is not None:
                raise mapped from exc
            raise
        return result

    # -- bulk sessions --------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_writes(self, rows_per_transaction: int | None = None) -> Iterator[None]:
        """Run this thread's writes inside as a few large transactions: an import's bulk path.

        Each transaction holds up to ``rows_per_transaction`` (default :data:`BULK_TX_ROWS`) new versions. At its start
        the R-tree insert triggers are dropped (every insert fills the R-tree itself; an R-tree
        empty at the start is loaded whole, in one pass, before the commit, so a bbox read
        inside the session does not see that transaction's rows) and,
        in a table holding fewer than :data:`REBUILD_BELOW` versions, the indexes the
        writes never read; before its commit they are all re-created from their stored
        text, so no reader and no crash ever sees the file without them (SQLite's DDL
        is transactional). Each write runs under a savepoint, so a write the store
        refuses (an importer then retries its batch row by row) undoes only itself. An
        exception leaving the block commits the writes made so far (each whole, as
        batch-sized transactions would have left them); a crash loses at most the open
        transaction, never part of a write. Writes of other threads are not affected.
        """
        if getattr(self._local, "bulk", None) is not None:  # nested: the outer session decides
            yield
            return
        bulk = _Bulk(max(1, rows_per_transaction or BULK_TX_ROWS))
        self._local.bulk = bulk
        try:
            yield
        except BaseException:
            # every write made is whole (each ran under its own savepoint): keep them, as
            # batch-sized transactions would have; a commit that fails rolls back instead
            self._local.bulk = None
            with contextlib.suppress(StoreError, sqlite3.Error):
                self._bulk_end(bulk, commit=True)
            raise
        self._local.bulk = None
        self._bulk_end(bulk, commit=True)

    def _bulk_begin(self, conn: sqlite3.Connection, bulk: _Bulk) -> None:
        self._begin(conn)
        bulk.open, bulk.rows, bulk.restore, bulk.rtree = True, 0, [], {}
        bulk.touched.clear()
        try:
            for table in (R.CLAIM_TABLE, R.ZONE_TABLE):
                trigger = f"rtree_{table}_geom_insert"
                rows = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
                ).fetchall()
                if rows:
                    conn.execute(f"DROP TRIGGER {trigger}")
                    bulk.restore.append(rows[0][0])
                    if conn.execute(f"SELECT 1 FROM rtree_{table}_geom_rowid LIMIT 1").fetchone() is None:
                        bulk.rtree[table] = []
                if (
                    conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", (REBUILD_BELOW,)).fetchone()[
                        0
                    ]
                    >= REBUILD_BELOW
                ):
                    continue
                # not the unique id indexes, nor the recorded-time one: the writes themselves read those
                for name, ddl in conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
                    "AND sql NOT LIKE 'CREATE UNIQUE%' AND name != ?",
                    (table, f"{table}_recorded"),
                ).fetchall():
                    conn.execute(f'DROP INDEX "{name}"')
                    bulk.restore.append(ddl)
        except BaseException:
            conn.execute("ROLLBACK")
            bulk.open = False
            raise

    def _bulk_end(self, bulk: _Bulk, *, commit: bool) -> None:
        """Re-create what the transaction dropped, refresh the contents rows and commit (or roll back)."""
        if not bulk.open:
            return
        bulk.open = False
        conn = self._conn()
        if not conn.in_transaction:  # SQLite already rolled it back (a full disk, an I/O error)
            return
        if not commit:
            conn.execute("ROLLBACK")
            return
        try:
            for table, chunks in bulk.rtree.items():
                if chunks:
                    entries = np.concatenate(chunks)
                    fill_empty_rtree(conn, f"rtree_{table}_geom", entries[:, 0].astype(np.int64), entries[:, 1:])
            bulk.rtree = {}
            for ddl in bulk.restore:
                conn.execute(ddl)
            for table in sorted(bulk.touched):
                self._touch(conn, table)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            mapped = self._sqlite_error(exc, "write") if isinstance(exc, sqlite3.OperationalError) else None
            if mapped is not None:
                raise mapped from exc
            raise

    def _bulk_write(self, bulk: _Bulk, fn: Callable[[_Tx], T], touch: Sequence[str]) -> T:
        """One write of a bulk session, under a savepoint of its open transaction."""
        conn = self._conn()
        if not bulk.open:
            self._bulk_begin(conn, bulk)
        pending = {table: len(chunks) for table, chunks in bulk.rtree.items()}
        try:
            conn.execute("SAVEPOINT sitmap_write")
            result = fn(_Tx(conn, bulk=bulk))
            conn.execute("RELEASE sitmap_write")
        except BaseException as exc:
            for table, n in pending.items():  # the boxes of the rows undone go too
                del bulk.rtree[table][n:]
            if conn.in_transaction:
                conn.execute("ROLLBACK TO sitmap_write")
                conn.execute("RELEASE sitmap_write")
            else:
                bulk.open = False  # SQLite rolled the whole transaction back
            mapped = self._sqlite_error(exc, "write") if isinstance(exc, sqlite3.OperationalError) else None
            if mapped is not None:
                raise mapped from exc
            raise
        if _changed(result):
            bulk.touched.update(touch)
        if isinstance(result, WriteResult):
            bulk.rows += len(result.inserted) + len(result.updated)
        if bulk.rows >= bulk.rows_per_transaction:
            self._bulk_end(bulk, commit=True)  # the next write opens the next transaction
        return result

    def _touch(self, conn: sqlite3.Connection, table: str) -> None:
        """Refresh the extent and last_change of a versions table and its current-state view."""
        view = "claims" if table == R.CLAIM_TABLE else "zones"
        ext = exact_extent(conn, table, current_only=False) or (None, None, None, None)
        conn.execute(
            "UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? "
            "WHERE table_name IN (?, ?)",
            (now_text(), *ext, table, view),
        )

    def _read(self) -> _Tx:
        return _ReadTx(self._conn(), self)

    # -- writes (layers/store/sqlwrites.py) ---------------------------------------------

    def _in_write(self, fn: Callable[[R.Tx], T], tables: Sequence[str]) -> T:
        """One write transaction; then refresh ``gpkg_contents`` for the tables it changed."""
        touch = tuple(t for t in tables if t != R.LAYER_TABLE)
        if R.LAYER_TABLE not in tables:
            return self._write(fn, touch=touch)

        def run(tx: _Tx) -> T:
            result = fn(tx)
            self._touch_layers(tx.conn)
            return result

        return self._write(run, touch=touch)

    def known_import_digests(self, kind: str, digests: Sequence[str]) -> set[str]:
        """Of ``digests``, those recorded for a current record (see :mod:`layers.store.digests`)."""
        return D.known(self._read(), kind, digests)

    def known_import_keys(self, kind: str, digests: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
        """Of ``digests``, those recorded for a current record, and their property names (see ``digests``)."""
        return D.known_keys(self._read(), kind, digests)

    # -- reads --------------------------------------------------------------------------

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._read().fetch(sql, params)

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
        tx = self._read()
        cond = " AND ".join(where)
        if bbox is None:
            # one row beyond the page tells whether it is the last one, whose total needs no count
            page = tx.fetch(
                f"SELECT {select} FROM {table} c WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, -1 if limit is None else limit + 1, offset],
            )
            last = last_page_total(page, limit, offset)
            if last is not None:
                return page, last
            if limit is not None:
                del page[limit:]
            total = R.cached_total(
                self._counts,
                lambda: self._clock(tx),
                (table, cond, *params),
                lambda: int(tx.fetch(f"SELECT count(*) FROM {table} c WHERE {cond}", params)[0][0]),
            )
            return page, total
        fids, _ = self._bbox_hits(tx, table, where, params, bbox, order, None)
        total = len(fids)
        page_fids = fids[offset:] if limit is None else fids[offset : offset + limit]
        return self._rows_of(tx, table, select, page_fids), total

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
        tx = self._read()
        end = None if limit is None else offset + limit
        if bbox is not None:
            return self._bbox_hits(tx, table, where, params, bbox, order, None)[0][offset:end]
        rows = tx.fetch(
            f"SELECT c.fid FROM {table} c WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, -1 if limit is None else limit, offset],
        )
        return [r[0] for r in rows]

    def _rows_by_key(self, table: str, select: str, fids: Sequence[int]) -> list[tuple[Any, ...]]:
        return self._rows_of(self._read(), table, select, fids)

    def _encoded_fingerprint(self, kind: str) -> str | None:
        if not self._has_encoded:
            return None
        rows = self._read().fetch("SELECT value FROM sitmap_meta WHERE key = ?", [E.meta_key(kind)])
        return str(rows[0][0]) if rows else ""

    def _encoded_bodies(self, table: str, fids: Sequence[int]) -> dict[int, bytes]:
        # one statement: the keys as one JSON array, looked up in their order (the order texts are
        # kept in); the pages read through a memory map (about a third less time than copied
        # into the page cache)
        tx = self._read()
        tx.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        try:
            rows = tx.fetch(
                f"SELECT t.fid, t.body FROM json_each(?) k JOIN {table} t ON t.fid = k.value",
                [json.dumps(list(fids))],
            )
        finally:
            tx.conn.execute("PRAGMA mmap_size = 0")
        return {int(f): bytes(b) for f, b in rows}

    def _keep_encoded(self, kind: str, fp: str, items: Sequence[tuple[int, bytes, Any]], *, reset: bool) -> bool:
        """See :meth:`SqlReads._keep_encoded`: one short write transaction, never waiting for a busy file."""
        if getattr(self._local, "bulk", None) is not None:
            return False  # inside an import's open transaction: keep nothing
        table, key = E.TABLES[kind], E.meta_key(kind)
        conn = self._conn()
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("BEGIN IMMEDIATE")
            try:
                if reset:
                    conn.execute(f"DELETE FROM {table}")
                    conn.execute("INSERT OR REPLACE INTO sitmap_meta (key, value) VALUES (?, ?)", (key, fp))
                elif conn.execute("SELECT value FROM sitmap_meta WHERE key = ?", (key,)).fetchone() != (fp,):
                    conn.execute("ROLLBACK")  # another program's texts meanwhile
                    return False
                # the transaction holds the write lock: superseded_at cannot change under the check
                now = dict(
                    conn.execute(
                        f"SELECT fid, superseded_at_us FROM {R.CLAIM_TABLE} "
                        "WHERE fid IN (SELECT value FROM json_each(?))",
                        (json.dumps([fid for fid, _, _ in items]),),
                    ).fetchall()
                )
                conn.executemany(
                    f"INSERT OR IGNORE INTO {table} (fid, body) VALUES (?, ?)",
                    [(fid, body) for fid, body, sup in items if fid in now and now[fid] == sup],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            return False  # busy, read-only, full: the texts were served anyway
        finally:
            conn.execute(f"PRAGMA busy_timeout = {max(1, int(self._attempt_timeout() * 1000))}")
        return True

    @staticmethod
    def _rows_of(tx: _Tx, table: str, select: str, fids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The ``select`` rows of ``fids``, in their order."""
        by_fid: dict[int, tuple[Any, ...]] = {}
        for chunk in R.chunks(fids):
            marks = ",".join("?" * len(chunk))
            for row in tx.fetch(f"SELECT c.fid, {select} FROM {table} c WHERE c.fid IN ({marks})", chunk):
                by_fid[row[0]] = row[1:]
        return [by_fid[f] for f in fids]

    @staticmethod
    def _bbox_hits(
        tx: _Tx,
        table: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float],
        order: str,
        scan: int | None,
    ) -> tuple[list[int], bool]:
        """The fids, in query order, of rows matching ``cond`` whose geometry intersects ``bbox``.

        The R-tree's candidates are a set in the same statement as the other filters and
        the order. SQLite's planner always drives from the R-tree (it rates it the more
        selective); when the other filters match fewer rows (a time window uses the
        time index), they drive and each of their rows probes the R-tree by id, so both
        indexes serve one plan. Which is fewer is counted, the second count bounded by
        the first and over the terms the time index holds alone (no row read). Rows
        whose envelope lies inside the bbox are hits without a test, the others get
        shapely's intersects. ``scan`` bounds the candidates read; the flag says whether
        every candidate was read.
        """
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        box = [maxx, minx, maxy, miny]
        in_box = f"SELECT id FROM rtree_{table}_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?"
        n_box = int(tx.fetch(f"SELECT count(*) FROM ({in_box} LIMIT ?)", [*box, PLAN_COUNT_CAP])[0][0])
        cond = " AND ".join(where)
        timed, timed_params = _time_terms(where, params)
        if not timed:
            timed, timed_params = where, params
        n_other = int(
            tx.fetch(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} c WHERE {' AND '.join(timed)} LIMIT ?)",
                [*timed_params, n_box + 1],
            )[0][0]
        )
        if n_other <= n_box:  # the other filters drive; each of their rows probes the R-tree by id
            rtree = f"EXISTS (SELECT 1 FROM rtree_{table}_geom r WHERE r.id = c.fid AND {in_box.split(' WHERE ')[1]})"
        else:
            rtree = f"c.fid IN ({in_box})"
        cand = tx.fetch(
            f"SELECT c.fid, c.geom FROM {table} c WHERE {rtree} AND {cond} ORDER BY {order} LIMIT ?",
            [*box, *params, -1 if scan is None else scan],
        )
        keep = [False] * len(cand)
        edge = []
        for i, (_, blob) in enumerate(cand):
            env = envelope(blob)
            if env is None:
                continue
            x0, x1, y0, y1 = env
            if x0 >= minx and x1 <= maxx and y0 >= miny and y1 <= maxy:
                keep[i] = True
            elif x0 <= maxx and x1 >= minx and y0 <= maxy and y1 >= miny:
                edge.append(i)
        if edge:
            geoms = gpkg_decode([cand[i][1] for i in edge])
            hits = shapely.intersects(R.bbox_geometry((minx, miny, maxx, maxy)), geoms)
            for i, hit in zip(edge, hits, strict=True):
                keep[i] = bool(hit)
        return [c[0] for c, k in zip(cand, keep, strict=True) if k], scan is None or len(cand) < scan

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
    ) -> tuple[list[tuple[Any, ...]], int | None, bool]:
        tx = self._read()
        cond = " AND ".join(where)
        if bbox is None:
            query = (table, select, cond, params, order)
            return fetch_page(
                tx,
                self._counts,
                lambda: self._clock(tx),
                query,
                limit,
                offset,
                budget,
                no_limit=-1,
                keys_first=sorted_rows,
            )
        # candidates enough for the page and the count budget (exact when all of them were read),
        # in one statement; all of them only when misses at the bbox's edges left the page short
        want = None if limit is None else offset + limit + 1
        scan = None if want is None else max(want, budget + 1)
        fids, complete = self._bbox_hits(tx, table, where, params, bbox, order, scan)
        if not complete and len(fids) < (want or 0):
            fids, complete = self._bbox_hits(tx, table, where, params, bbox, order, None)
        end = None if limit is None else offset + limit
        page_fids = fids[offset:end]
        more = end is not None and len(fids) > end
        total = len(fids) if complete else None  # every candidate read: exact at no extra cost
        return self._rows_of(tx, table, select, page_fids), total, more

    @staticmethod
    def _clock(tx: _Tx) -> tuple[Any, ...]:
        """The write clock of :class:`~layers.store.rows.CountCache`: newest version time and row key.

        Every write of a claim or zone inserts a version with a new ``recorded_at`` and
        ``fid``; four index look-ups, read in the same snapshot as nothing else needs.
        """
        return tx.fetch(
            f"SELECT (SELECT max(recorded_at_us) FROM {R.CLAIM_TABLE}), (SELECT max(fid) FROM {R.CLAIM_TABLE}), "
            f"(SELECT max(recorded_at_us) FROM {R.ZONE_TABLE}), (SELECT max(fid) FROM {R.ZONE_TABLE})"
        )[0]

    # -- layers -------------------------------------------------------------------------

    @staticmethod
    def _touch_layers(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE gpkg_contents SET last_change = ? WHERE table_name IN (?, ?)",
            (now_text(), "layers", R.LAYER_TABLE),
        )

    def layer_history(self, layer_id: str) -> list[LayerVersion]:
        """Every version of a layer definition, oldest first, or ``NotFound``."""
        if not self._has_layer_versions:
            raise NotFound(f"layer {layer_id!r} has no recorded versions (the store predates layer history)")
        return R.layer_history(self._read(), layer_id)

    def deleted_layer_ids(self) -> list[str]:
        """Ids whose current version is a deletion, sorted."""
        return R.deleted_layer_ids(self._read()) if self._has_layer_versions else []

    def get_layer(self, layer_id: str) -> Layer:
        """A layer definition, or ``NotFound``."""
        rows = self._read().fetch("SELECT definition FROM layers WHERE id = ?", [layer_id])
        if not rows:
            raise NotFound(f"layer {layer_id!r} not found")
        return Layer.model_validate_json(rows[0][0])

    def list_layers(self) -> list[Layer]:
        """All layer definitions, by id."""
        rows = self._read().fetch("SELECT definition FROM layers ORDER BY id")
        return [Layer.model_validate_json(r[0]) for r in rows]

    # -- housekeeping -------------------------------------------------------------------

    def stats(self) -> StoreStats:
        """Counts, extent (claims and zones) and time span of the current state."""
        tx = self._read()

        def one(sql: str) -> tuple[Any, ...]:
            return tx.fetch(sql)[0]

        by_type = dict(
            tx.fetch(f"SELECT event_type, count(*) FROM {R.CLAIM_TABLE} WHERE superseded_at IS NULL GROUP BY 1")
        )
        by_status = dict(
            tx.fetch(f"SELECT status, count(*) FROM {R.CLAIM_TABLE} WHERE superseded_at IS NULL GROUP BY 1")
        )
        try:
            extents = [
                e for e in (exact_extent(tx.conn, t, current_only=True) for t in (R.CLAIM_TABLE, R.ZONE_TABLE)) if e
            ]
        except sqlite3.OperationalError as exc:
            mapped = self._sqlite_error(exc, "read")
            if mapped is None:
                raise
            raise mapped from exc
        bbox = None
        if extents:
            bbox = (
                min(e[0] for e in extents),
                min(e[1] for e in extents),
                max(e[2] for e in extents),
                max(e[3] for e in extents),
            )
        span = one(f"SELECT min(valid_from_us), max(valid_to_us) FROM {R.CLAIM_TABLE} WHERE superseded_at IS NULL")
        time_span = None
        if span[0] is not None:
            lo, hi = R.from_epoch_us(span[0]), R.from_epoch_us(span[1])
            assert lo is not None and hi is not None
            time_span = (lo, hi)
        return StoreStats(
            backend=self.backend,
            claims=sum(by_type.values()),
            claim_versions=int(one(f"SELECT count(*) FROM {R.CLAIM_TABLE}")[0]),
            zones=int(one(f"SELECT count(*) FROM {R.ZONE_TABLE} WHERE superseded_at IS NULL")[0]),
            reports=int(one("SELECT count(*) FROM reports")[0]),
            sources=int(one("SELECT count(*) FROM sources")[0]),
            claims_by_event_type=by_type,
            claims_by_status=by_status,
            bbox=bbox,
            time_span=time_span,
            last_recorded_at=self.last_recorded_at(),
        )

    def last_recorded_at(self) -> datetime | None:
        """The newest ``recorded_at`` (hence also ``superseded_at``) of any claim, zone or layer version."""
        tx = self._read()
        tables = R.VERSIONED_TABLES if self._has_layer_versions else (R.CLAIM_TABLE, R.ZONE_TABLE)
        times = [R.from_epoch_us(tx.fetch(f"SELECT max(recorded_at_us) FROM {t}")[0][0]) for t in tables]
        return max((t for t in times if t is not None), default=None)

    # -- vector tiles (layers/store/gpkgtiles.py) ----------------------------------------

    def claim_tile(self, query: ClaimQuery, tile: Any, *, name: str) -> bytes:
        """One claim vector tile (``layers.tiles.TileAddress``) from the tile's rows only; b"" when empty.

        The R-tree and the query's filters choose the rows; a tile of more than
        ``layers.tiles.TILE_MAX_FEATURES`` claims reads four columns of each and carries
        grid clusters (see :mod:`layers.store.gpkgtiles`).
        """
        from layers import tiles as T
        from layers.store import gpkgtiles

        tx = self._read()
        layers = gpkgtiles.claim_tile_layers(tx.fetch, query, tile, name=name, cap=T.TILE_MAX_FEATURES)
        return T.encode(tile, layers or [])

    def tile_clusters(self, query: ClaimQuery, tile: Any, *, name: str) -> bytes | None:
        """The grid-cluster tile of ``query``'s claims if ``tile`` holds more than the feature limit, else ``None``."""
        from layers import tiles as T
        from layers.store import gpkgtiles

        tx = self._read()
        cap = T.TILE_MAX_FEATURES
        layers = gpkgtiles.claim_tile_layers(tx.fetch, query, tile, name=name, cap=cap, clusters_only=True)
        return None if layers is None else T.encode(tile, layers)

    # -- backup (layers/store/backup.py) -------------------------------------------------

    def backup(self, dest: str | Path) -> Path:
        """Copy the store to the new file ``dest`` with SQLite's online backup API (safe while others write)."""
        from layers.store.backup import backup_gpkg

        return backup_gpkg(self, dest)

    def restore(self, src: str | Path) -> None:
        """Replace this store's content with the backup at ``src`` in one transaction (checked first)."""
        from layers.store.backup import restore_gpkg

        restore_gpkg(self, src)

    def after_restore(self) -> None:
        """Forget what was cached about the content a restore replaced; add the layer history if it lacks it."""
        self._counts.clear()
        conn = self._connect()
        try:
            self._has_layer_versions = add_layer_versions(conn, lambda c: R.seed_layer_versions(_Tx(c)))
            self._has_encoded = add_encoded_tables(conn)
        finally:
            conn.close()


__all__ = [
    "GPKG_APPLICATION_ID",
    "GPKG_DIALECT",
    "GPKG_USER_VERSION",
    "ORDER_INDEXES",
    "SRS_ID",
    "GpkgStore",
    "geometry_blob",
    "gpkg_decode",
    "gpkg_encode",
    "register_functions",
]
