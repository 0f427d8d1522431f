"""The GeoPackage schema of a sitmap store: DDL, the spec's metadata rows, additive upgrades.

:func:`create_schema` writes a new file (GeoPackage 1.3 core tables, the R-tree
extension and its triggers, the version tables and their current-state views, the
sitmap tables); :func:`add_order_indexes` and :func:`add_layer_versions` bring a file
written by an older sitmap up to date without changing its schema version.
:func:`exact_extent` is the extent GDAL reads from ``gpkg_contents``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from layers.store import rows as R
from layers.store.base import SCHEMA_VERSION
from layers.store.gpkg_binary import SRS_ID, envelope

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300  # GeoPackage 1.3.0

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

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


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


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
        values = [env[pick] for env in (envelope(b[0]) for b in blobs) if env is not None]
        out.append((min if agg == "min" else max)(values) if values else edge)
    return out[0], out[1], out[2], out[3]


def split_sql(script: str) -> list[str]:
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


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the file has a table ``name``."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def add_order_indexes(conn: sqlite3.Connection) -> None:
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


def add_layer_versions(conn: sqlite3.Connection, seed: Callable[[sqlite3.Connection], object]) -> bool:
    """Add the layer definition history to a file written before it existed (additive, idempotent).

    Existing definitions get their version 1 in the same transaction. The schema
    version stays 1: older sitmaps ignore the table (they do not version layers).
    A read-only or busy file is left as it is and read without the history. ``seed``
    writes the existing definitions' version 1 on the connection. Returns whether the
    file has the history now.
    """
    if table_exists(conn, R.LAYER_TABLE):
        return True
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not table_exists(conn, R.LAYER_TABLE):  # another process may have just added it
                for stmt in layer_versions_sql():
                    conn.execute(stmt)
                name, data_type, identifier, description = _LAYER_VERSIONS_CONTENT
                conn.execute(
                    "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES (?, ?, ?, ?, ?)",
                    (name, data_type, identifier, description, now_text()),
                )
                seed(conn)
            conn.execute("COMMIT")
            return True
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return False


def add_encoded_tables(conn: sqlite3.Connection) -> bool:
    """Add the kept-text tables and their triggers (:mod:`layers.store.rows.encoded`) when missing; whether present.

    Additive and idempotent: older sitmaps and GDAL ignore the tables, and the
    triggers are plain SQL any SQLite runs. A read-only or busy file is left as it
    is: downloads then write every text each time, as before.
    """
    from layers.store.rows import encoded as E

    if all(table_exists(conn, t) for t in E.TABLES.values()):
        return True
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in E.gpkg_sql():
                conn.execute(stmt)
            conn.execute("COMMIT")
            return True
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return False


def create_schema(conn: sqlite3.Connection) -> None:
    """Write a new store's schema in one transaction (nothing, when another process just did)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            conn.execute("ROLLBACK")  # another process created it meanwhile
            return
        conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        for stmt in split_sql(_schema_sql()):
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
        now = now_text()
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
