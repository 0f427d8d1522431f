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
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import NotFound, StoreError
from layers.errors import StoreBusy
from layers.model import Layer
from layers.store import digests as D
from layers.store import rows as R
from layers.store.base import SCHEMA_VERSION, LayerVersion, StoreStats, WriteResult, check_schema_version
from layers.store.sqlreads import SqlReads, last_page_total
from layers.store.sqlwrites import SqlWrites

T = TypeVar("T")

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300  # GeoPackage 1.3.0
SRS_ID = 4326

#: Seconds SQLite itself waits for a lock before one attempt gives up (when a store is
#: opened without its own ``busy_timeout_s``; that one is the total over all attempts).
BUSY_TIMEOUT_S = 10.0
#: Batches at least this large fill the R-tree directly (see ``_Tx.insert_versions``).
BULK_ROWS = 256
#: Attempts (each waiting up to BUSY_TIMEOUT_S) at a write, or at one read statement, before StoreBusy.
WRITE_ATTEMPTS = 3
#: SQLite's primary result codes for "another connection holds the lock".
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_FULL_CODE = 13  # SQLITE_FULL: the disk (or a size limit) is full
_IOERR_CODE = 10  # SQLITE_IOERR: a read or write of the file (or a temporary file) failed

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

# --------------------------------------------------------------------------------------
# GeoPackage binary geometry
# --------------------------------------------------------------------------------------

#: Envelope byte length by the header's envelope-contents indicator (bits 1-3 of flags).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = struct.Struct("<2sBBi4d")  # magic, version, flags, srs_id, minx, maxx, miny, maxy
_FLAGS_XY_LE = 0b0000_0011  # little-endian, envelope [minx, maxx, miny, maxy]


def gpkg_encode(geoms: Sequence[BaseGeometry | None]) -> list[bytes | None]:
    """GeoPackage binary blobs (header with XY envelope + ISO WKB) for many geometries at once."""
    present = [i for i, g in enumerate(geoms) if g is not None]
    out: list[bytes | None] = [None] * len(geoms)
    if not present:
        return out
    arr = [geoms[i] for i in present]
    wkbs = shapely.to_wkb(arr, byte_order=1, flavor="iso")
    bounds = shapely.bounds(arr)
    pack = _HEADER.pack
    for j, i in enumerate(present):
        minx, miny, maxx, maxy = bounds[j]
        out[i] = pack(b"GP", 0, _FLAGS_XY_LE, SRS_ID, minx, maxx, miny, maxy) + wkbs[j]
    return out


def _wkb_offset(blob: bytes) -> int:
    return 8 + _ENVELOPE_BYTES.get((blob[3] >> 1) & 0b111, 0)


def gpkg_decode(blobs: Sequence[bytes | None]) -> list[BaseGeometry | None]:
    """Shapely geometries from GeoPackage binary blobs (``None`` for NULL)."""
    present = [i for i, b in enumerate(blobs) if b is not None]
    out: list[BaseGeometry | None] = [None] * len(blobs)
    if not present:
        return out
    wkbs = []
    for i in present:
        b = blobs[i]
        assert b is not None
        wkbs.append(bytes(b[_wkb_offset(b) :]))
    for i, g in zip(present, shapely.from_wkb(wkbs), strict=True):
        out[i] = g
    return out


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry: from its header, else from its WKB."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b1_0000:  # empty geometry flag
        return None
    if (flags >> 1) & 0b111:
        order = "<" if flags & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    geom = shapely.from_wkb(bytes(blob[_wkb_offset(blob) :]))
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def _st(index: int) -> Callable[[bytes | None], float | None]:
    def fn(blob: bytes | None) -> float | None:
        env = _envelope(blob)
        return None if env is None else env[index]

    return fn


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return 1 if _envelope(blob) is None else 0


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions the GeoPackage R-tree triggers call."""
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _st(i), deterministic=True)


GPKG_DIALECT = R.Dialect(
    name="gpkg",
    ts=R.epoch_us,
    parse_ts=R.from_epoch_us,
    geom_param="?",
    geom_select=lambda col: col,
    geom_encode=gpkg_encode,
    geom_decode=gpkg_decode,
    shadow_times=True,
    display_ts=R.iso_ms,
    span_bound=(
        "{vf} >= ? - coalesce((SELECT CAST(value AS INTEGER) FROM sitmap_meta WHERE key = 'max_claim_span_us'), "
        "4000000000000000000)"
    ),
    span_max="max(valid_to_us - valid_from_us)",
)

# --------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------

_GPKG_CORE = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE sitmap_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  kind TEXT NOT NULL, url TEXT);
CREATE TABLE reports (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, source_id TEXT NOT NULL REFERENCES sources(id),
  url TEXT, title TEXT, published_at DATETIME, language TEXT, content_sha256 TEXT NOT NULL, excerpt TEXT,
  published_at_us INTEGER);
CREATE TABLE layers (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL,
  definition TEXT NOT NULL);
"""

# The R-tree triggers of GeoPackage 1.3, Annex "Spatial Indexes" (t = table, c = column, i = key).
_RTREE = """
CREATE VIRTUAL TABLE rtree_{t}_{c} USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_{t}_{c}_insert AFTER INSERT ON {t}
  WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))
BEGIN
  INSERT OR REPLACE INTO rtree_{t}_{c} VALUES (
    NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
END;
CREATE TRIGGER rtree_{t}_{c}_update1 AFTER UPDATE OF {c} ON {t}
  WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
BEGIN
  INSERT OR REPLACE INTO rtree_{t}_{c} VALUES (
    NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
END;
CREATE TRIGGER rtree_{t}_{c}_update2 AFTER UPDATE OF {c} ON {t}
  WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
BEGIN
  DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i};
END;
CREATE TRIGGER rtree_{t}_{c}_update3 AFTER UPDATE ON {t}
  WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
BEGIN
  DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i};
  INSERT OR REPLACE INTO rtree_{t}_{c} VALUES (
    NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
END;
CREATE TRIGGER rtree_{t}_{c}_update4 AFTER UPDATE ON {t}
  WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
BEGIN
  DELETE FROM rtree_{t}_{c} WHERE id IN (OLD.{i}, NEW.{i});
END;
CREATE TRIGGER rtree_{t}_{c}_delete AFTER DELETE ON {t}
  WHEN old.{c} NOT NULL
BEGIN
  DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i};
END;
"""

#: Columns shown by the GDAL-visible current-state views (the JSON/WKB internals stay in the tables).
_VIEW_HIDDEN = {"uncertainty_json", "region", "placement_json", "counts_json", "drawn_geom"}

_LAYERS = (
    # (table or view, data_type, identifier, description)
    (R.CLAIM_TABLE, "features", "claim_versions", "Every version of every claim (bitemporal history)."),
    (R.ZONE_TABLE, "features", "zone_versions", "Every version of every zone (bitemporal history)."),
    ("claims", "features", "claims", "Current claims: one row per claim, its latest version."),
    ("zones", "features", "zones", "Current zones (evacuation orders, humanitarian zones): latest versions."),
    ("sources", "attributes", "sources", "Outlets and issuers."),
    ("reports", "attributes", "reports", "Documents the claims were taken from."),
    ("layers", "attributes", "layers", "Layer definitions (OGC collections)."),
)

#: The layer definition history (added after schema version 1: ``GpkgStore.init`` adds it to older files).
_LAYER_VERSIONS_CONTENT = (
    R.LAYER_TABLE,
    "attributes",
    R.LAYER_TABLE,
    "Every version of every layer definition, with who recorded it and deletions.",
)


def layer_versions_sql() -> list[str]:
    """DDL of the layer definition history (an attribute table, with the exact ``_us`` time columns)."""
    cols = [f"{name} {sqlite_type}" for name, sqlite_type, _ in R.LAYER_COLUMNS]
    cols += [f"{name}_us INTEGER" for name, _, _ in R.LAYER_COLUMNS if name in R.TIME_COLUMNS]
    body = ",\n  ".join(cols)
    t = R.LAYER_TABLE
    return [
        f"CREATE TABLE IF NOT EXISTS {t} (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT,\n  {body});",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {t}_id_version ON {t}(id, version);",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {t}_current_id ON {t}(id) WHERE superseded_at IS NULL;",
        f"CREATE INDEX IF NOT EXISTS {t}_recorded ON {t}(recorded_at_us);",
    ]


def _table_sql(table: str, columns: Sequence[tuple[str, str, str]]) -> str:
    cols = [f"{name} {sqlite_type}" for name, sqlite_type, _ in columns]
    # exact instants (microseconds since the epoch) behind the millisecond DATETIME text GDAL shows
    cols += [f"{name}_us INTEGER" for name, _, _ in columns if name in R.TIME_COLUMNS]
    body = ",\n  ".join(cols)
    return f"CREATE TABLE {table} (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT,\n  geom GEOMETRY,\n  {body});"


def _schema_sql() -> str:
    parts = [_GPKG_CORE]
    for table, columns, view in ((R.CLAIM_TABLE, R.CLAIM_COLUMNS, "claims"), (R.ZONE_TABLE, R.ZONE_COLUMNS, "zones")):
        parts.append(_table_sql(table, columns))
        parts.append(_RTREE.format(t=table, c="geom", i="fid"))
        shown = ", ".join(["fid", "geom"] + [n for n, _, _ in columns if n not in _VIEW_HIDDEN])
        parts.append(f"CREATE VIEW {view} AS SELECT {shown} FROM {table} WHERE superseded_at IS NULL;")
        parts.append(f"CREATE UNIQUE INDEX {table}_id_version ON {table}(id, version);")
        parts.append(f"CREATE UNIQUE INDEX {table}_current_id ON {table}(id) WHERE superseded_at IS NULL;")
        parts.append(f"CREATE INDEX {table}_recorded ON {table}(recorded_at_us);")
    # one time index serves current and as-of queries alike (embedded maps always ask as-of)
    parts.append(f"CREATE INDEX {R.CLAIM_TABLE}_time ON {R.CLAIM_TABLE}(valid_from_us, valid_to_us);")
    parts.append(f"CREATE INDEX {R.CLAIM_TABLE}_report ON {R.CLAIM_TABLE}(report_id);")
    parts.append(f"CREATE INDEX {R.ZONE_TABLE}_time ON {R.ZONE_TABLE}(effective_from_us, lifted_at_us);")
    parts += ORDER_INDEXES
    parts += layer_versions_sql()
    return "\n".join(parts)


#: Indexes that serve the stable query order of current versions directly (their terms are
#: exactly those of ``rows.claim_order`` / ``rows.zone_order``), so a first page reads as many
#: index entries as it returns; ``status`` rides along so the unfiltered count reads the index
#: only. Added after schema version 1 shipped: :meth:`GpkgStore.init` creates them in older files.
ORDER_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS {R.CLAIM_TABLE}_current_order ON {R.CLAIM_TABLE}"
    "(valid_from_us IS NULL, valid_from_us, id, status) WHERE superseded_at IS NULL;",
    f"CREATE INDEX IF NOT EXISTS {R.ZONE_TABLE}_current_order ON {R.ZONE_TABLE}"
    "(effective_from_us, id, status) WHERE superseded_at IS NULL;",
]


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------


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
    """The :class:`~layers.store.rows.Tx` view of one SQLite connection."""

    dialect = GPKG_DIALECT

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

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
        """
        if len(rows) < BULK_ROWS:
            self.conn.executemany(sql, rows)
            return
        trigger = f"rtree_{table}_geom_insert"
        (ddl,) = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).fetchone()
        (last_fid,) = self.conn.execute(f"SELECT coalesce(max(fid), 0) FROM {table}").fetchone()
        self.conn.execute(f"DROP TRIGGER {trigger}")
        self.conn.executemany(sql, rows)
        fids = [r[0] for r in self.conn.execute(f"SELECT fid FROM {table} WHERE fid > ? ORDER BY fid", (last_fid,))]
        entries = []
        for fid, row in zip(fids, rows, strict=True):
            env = _envelope(row[0])
            if env is not None:
                entries.append((fid, *env))
        self.conn.executemany(f"INSERT INTO rtree_{table}_geom VALUES (?, ?, ?, ?, ?)", entries)
        self.conn.execute(ddl)


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
            self._create_schema(conn)
        elif app_id != GPKG_APPLICATION_ID:
            raise StoreError(f"{self.path} is not a GeoPackage (SQLite application_id {app_id:#x}, not 'GPKG')")
        elif "sitmap_meta" not in tables:
            raise StoreError(
                f"{self.path} is a GeoPackage but not a sitmap store (no sitmap_meta table); use a new file"
            )
        row = conn.execute("SELECT value FROM sitmap_meta WHERE key = 'schema_version'").fetchone()
        check_schema_version(row[0] if row else None, str(self.path))
        self._add_order_indexes(conn)
        self._add_layer_versions(conn)

    def _add_layer_versions(self, conn: sqlite3.Connection) -> None:
        """Add the layer definition history to a file written before it existed (additive, idempotent).

        Existing definitions get their version 1 in the same transaction. The schema
        version stays 1: older sitmaps ignore the table (they do not version layers).
        A read-only or busy file is left as it is and read without the history.
        """
        self._has_layer_versions = self._table_exists(conn, R.LAYER_TABLE)
        if self._has_layer_versions:
            return
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not self._table_exists(conn, R.LAYER_TABLE):  # another process may have just added it
                    for stmt in layer_versions_sql():
                        conn.execute(stmt)
                    name, data_type, identifier, description = _LAYER_VERSIONS_CONTENT
                    conn.execute(
                        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                        "last_change) VALUES (?, ?, ?, ?, ?)",
                        (name, data_type, identifier, description, _now_text()),
                    )
                    R.seed_layer_versions(_Tx(conn))
                conn.execute("COMMIT")
                self._has_layer_versions = True
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        return row is not None

    def _add_order_indexes(self, conn: sqlite3.Connection) -> None:
        """Create the current-order indexes in a file written before they existed.

        Only indexes, so the file stays readable by any sitmap and GDAL, and the schema
        version stays 1. A read-only or busy file is left as it is: queries give the
        same answers without the indexes, only slower.
        """
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        if all(f"{t}_current_order" in names for t in (R.CLAIM_TABLE, R.ZONE_TABLE)):
            return
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for stmt in ORDER_INDEXES:
                    conn.execute(stmt)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                conn.execute("ROLLBACK")  # another process created it meanwhile
                return
            conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
            for stmt in _split_sql(_schema_sql()):
                conn.execute(stmt)
            conn.executemany(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        "Undefined cartesian SRS",
                        -1,
                        "NONE",
                        -1,
                        "undefined",
                        "undefined cartesian coordinate reference system",
                    ),
                    (
                        "Undefined geographic SRS",
                        0,
                        "NONE",
                        0,
                        "undefined",
                        "undefined geographic coordinate reference system",
                    ),
                    (
                        "WGS 84 geodetic",
                        SRS_ID,
                        "EPSG",
                        4326,
                        _WGS84_WKT,
                        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
                    ),
                ],
            )
            now = _now_text()
            for table, data_type, identifier, description in (*_LAYERS, _LAYER_VERSIONS_CONTENT):
                conn.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (table, data_type, identifier, description, now, SRS_ID if data_type == "features" else None),
                )
                if data_type == "features":
                    # zones are Polygon or MultiPolygon, claims any type: both are GEOMETRY, as declared in SQL
                    conn.execute(
                        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (table, SRS_ID)
                    )
            for table in (R.CLAIM_TABLE, R.ZONE_TABLE):
                conn.execute(
                    "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
                    "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                    (table,),
                )
            conn.execute("INSERT INTO sitmap_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("INSERT INTO sitmap_meta VALUES ('created_at', ?)", (now,))
            conn.execute("INSERT INTO sitmap_meta VALUES (?, '0')", (R.SPAN_KEY,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- transactions -----------------------------------------------------------------

    def _write(self, fn: Callable[[_Tx], T], *, touch: Sequence[str] = ()) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction, retrying a busy lock a few times.

        ``touch`` names the feature tables whose extent and last_change in
        ``gpkg_contents`` this write may have changed.
        """
        conn = self._conn()
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise StoreError(f"cannot write to {self.path}: {exc}") from exc
                if attempt == WRITE_ATTEMPTS:
                    raise self.busy_error("write", exc) from exc
                time.sleep(0.05 * attempt)
        try:
            result = fn(_Tx(conn))
            if not (isinstance(result, WriteResult) and not result.inserted and not result.updated):
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

    def _touch(self, conn: sqlite3.Connection, table: str) -> None:
        """Refresh the extent and last_change of a versions table and its current-state view."""
        view = "claims" if table == R.CLAIM_TABLE else "zones"
        ext = exact_extent(conn, table, current_only=False) or (None, None, None, None)
        conn.execute(
            "UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? "
            "WHERE table_name IN (?, ?)",
            (_now_text(), *ext, table, view),
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
        # R-tree prefilter (as a set the planner may probe or drive from, whichever index is
        # more selective), then an exact test: rows whose envelope lies inside the bbox are
        # hits without one, the others get shapely's intersects.
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        cand = tx.fetch(
            f"SELECT c.fid, c.geom FROM {table} c WHERE c.fid IN (SELECT id FROM rtree_{table}_geom "
            f"WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?) AND {cond} ORDER BY {order}",
            [maxx, minx, maxy, miny, *params],
        )
        keep = [False] * len(cand)
        edge = []
        for i, (_, blob) in enumerate(cand):
            env = _envelope(blob)
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
        fids = [c[0] for c, k in zip(cand, keep, strict=True) if k]
        total = len(fids)
        page_fids = fids[offset:] if limit is None else fids[offset : offset + limit]
        by_fid: dict[int, tuple[Any, ...]] = {}
        for chunk in R.chunks(page_fids):
            marks = ",".join("?" * len(chunk))
            for row in tx.fetch(f"SELECT c.fid, {select} FROM {table} c WHERE c.fid IN ({marks})", chunk):
                by_fid[row[0]] = row[1:]
        return [by_fid[f] for f in page_fids], total

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
            (_now_text(), "layers", R.LAYER_TABLE),
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
            self._add_layer_versions(conn)
        finally:
            conn.close()


def exact_extent(
    conn: sqlite3.Connection, table: str, *, current_only: bool
) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of a feature table, exact to the stored coordinates.

    The R-tree keeps 32-bit boxes rounded outwards, so it finds the extreme rows fast;
    the exact value comes from the GeoPackage headers of just those rows.
    """
    join = f"JOIN {table} c ON c.fid = r.id WHERE c.superseded_at IS NULL" if current_only else ""
    rtree = f"rtree_{table}_geom"
    out = []
    for col, agg, pick in (("minx", "min", 0), ("miny", "min", 2), ("maxx", "max", 1), ("maxy", "max", 3)):
        (edge,) = conn.execute(f"SELECT {agg}(r.{col}) FROM {rtree} r {join}").fetchone()
        if edge is None:
            return None
        where = "WHERE c.superseded_at IS NULL AND" if current_only else "WHERE"
        blobs = conn.execute(
            f"SELECT c.geom FROM {rtree} r JOIN {table} c ON c.fid = r.id {where} r.{col} = ?", (edge,)
        ).fetchall()
        values = [env[pick] for env in (_envelope(b[0]) for b in blobs) if env is not None]
        out.append((min if agg == "min" else max)(values) if values else edge)
    return out[0], out[1], out[2], out[3]


def _split_sql(script: str) -> list[str]:
    """Split a DDL script into statements, keeping trigger bodies (``BEGIN ... END;``) whole."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def geometry_blob(geom: BaseGeometry) -> bytes:
    """One geometry as a GeoPackage binary blob (for tests and tools)."""
    blob = gpkg_encode([geom])[0]
    assert blob is not None
    return blob


__all__ = ["GpkgStore", "geometry_blob", "gpkg_decode", "gpkg_encode", "register_functions"]
