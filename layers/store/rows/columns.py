"""The version tables' columns, in INSERT order, with their SQLite and PostgreSQL types.

Both backends create their tables from these lists; the GeoPackage adds a shadow
``<name>_us`` integer beside each column of :data:`TIME_COLUMNS` (see
:class:`~layers.store.rows.dialect.Dialect`).
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------
# Columns (order matters: it is the INSERT order)
# --------------------------------------------------------------------------------------

#: Claim version columns after the integer key and the geometry, with SQLite and PostgreSQL types.
CLAIM_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", "text NOT NULL"),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("event_type", "TEXT NOT NULL", "text NOT NULL"),
    ("status", "TEXT NOT NULL", "text NOT NULL"),
    ("review", "TEXT NOT NULL", "text NOT NULL"),
    ("claimant", "TEXT", "text"),
    ("source", "TEXT", "text"),
    ("url", "TEXT", "text"),
    ("quote", "TEXT", "text"),
    ("place_text", "TEXT", "text"),
    ("place_name", "TEXT", "text"),
    ("gazetteer_id", "TEXT", "text"),
    ("placement_method", "TEXT", "text"),
    ("uncertainty_m", "REAL", "double precision"),
    ("geo_precision", "INTEGER", "integer"),
    ("where_prec", "INTEGER", "integer"),
    ("valid_from", "DATETIME", "timestamptz"),
    ("valid_to", "DATETIME", "timestamptz"),
    ("time_precision", "TEXT NOT NULL", "text NOT NULL"),
    ("fatalities", "INTEGER", "integer"),
    ("fatalities_low", "INTEGER", "integer"),
    ("fatalities_high", "INTEGER", "integer"),
    ("injured", "INTEGER", "integer"),
    ("injured_low", "INTEGER", "integer"),
    ("injured_high", "INTEGER", "integer"),
    ("targets", "INTEGER", "integer"),
    ("confidence", "REAL NOT NULL", "double precision NOT NULL"),
    ("block_ids", "TEXT", "text"),
    ("report_id", "TEXT", "text"),
    ("notes", "TEXT", "text"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
    ("uncertainty_json", "TEXT", "text"),
    ("region", "BLOB", "bytea"),
    ("placement_json", "TEXT", "text"),
    ("counts_json", "TEXT", "text"),
)
CLAIM_NAMES: tuple[str, ...] = tuple(c[0] for c in CLAIM_COLUMNS)

#: Zone version columns after the integer key and the geometry.
ZONE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", "text NOT NULL"),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("order_type", "TEXT NOT NULL", "text NOT NULL"),
    ("status", "TEXT NOT NULL", "text NOT NULL"),
    ("issuer", "TEXT NOT NULL", "text NOT NULL"),
    ("source", "TEXT", "text"),
    ("url", "TEXT", "text"),
    ("report_id", "TEXT", "text"),
    ("title", "TEXT", "text"),
    ("block_ids", "TEXT", "text"),
    ("approx_block_ids", "TEXT", "text"),
    ("grid", "TEXT", "text"),
    ("issued_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("effective_from", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("lifted_at", "DATETIME", "timestamptz"),
    ("time_precision", "TEXT NOT NULL", "text NOT NULL"),
    ("placement_method", "TEXT", "text"),
    ("uncertainty_m", "REAL", "double precision"),
    ("geo_precision", "INTEGER", "integer"),
    ("where_prec", "INTEGER", "integer"),
    ("stated_area_km2", "REAL", "double precision"),
    ("flags", "TEXT", "text"),
    ("notes", "TEXT", "text"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
    ("uncertainty_json", "TEXT", "text"),
    ("region", "BLOB", "bytea"),
    ("drawn_geom", "BLOB", "bytea"),
)
ZONE_NAMES: tuple[str, ...] = tuple(c[0] for c in ZONE_COLUMNS)

CLAIM_TABLE = "claim_versions"
ZONE_TABLE = "zone_versions"
LAYER_TABLE = "layer_versions"

#: Layer definition version columns (an attribute table: no geometry), SQLite and PostgreSQL types.
#: ``kind`` and ``title`` repeat the definition's for SQL and GDAL readers.
LAYER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", 'text COLLATE "C" NOT NULL'),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("kind", "TEXT NOT NULL", "text NOT NULL"),
    ("title", "TEXT NOT NULL", "text NOT NULL"),
    ("definition", "TEXT NOT NULL", "text NOT NULL"),
    ("deleted", "INTEGER NOT NULL DEFAULT 0", "boolean NOT NULL DEFAULT false"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
)
LAYER_NAMES: tuple[str, ...] = tuple(c[0] for c in LAYER_COLUMNS)

#: Fields a caller may not set through ``update_claim``: the store owns them.
BOOKKEEPING = frozenset({"id", "version", "recorded_at", "superseded_at", "recorded_by"})


#: Columns holding instants; comparisons and ordering go through :meth:`Dialect.tc`.
TIME_COLUMNS = frozenset(
    {
        "valid_from",
        "valid_to",
        "recorded_at",
        "superseded_at",
        "issued_at",
        "effective_from",
        "lifted_at",
        "published_at",
    }
)
