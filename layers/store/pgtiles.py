"""Claim tiles built inside PostGIS (``ST_AsMVT``): one statement per tile, no rows to Python.

The same tile as :func:`layers.tiles.layer_tile` builds in Python from contract
features: each claim's point (a point-on-surface for an area) in the tile's half-open
square, the properties of :data:`layers.tiles.CLAIM_TILE_PROPERTIES` with the
contract's values (times in RFC 3339 UTC, microseconds only when present), and grid
clusters instead once a tile holds more than :data:`layers.tiles.TILE_MAX_FEATURES`
claims. The filters are the store's own (:func:`layers.store.rows.claim_where`), so a
tile matches the items route for the same query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from layers.store import rows as R
from layers.store.base import ClaimQuery

#: Spherical (web) mercator: EPSG:3857's sphere and the latitude its square world reaches.
EARTH_RADIUS_M = 6378137.0
MAX_LAT = 85.0511287798066

if TYPE_CHECKING:
    from layers.tiles import TileAddress


def instant_sql(col: str) -> str:
    """SQL turning a timestamptz column into the contract's RFC 3339 text."""
    utc = f"({col} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN mod(extract(microseconds FROM {utc})::bigint, 1000000) = 0 "
        f"""THEN to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') """
        f"""ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END"""
    )


def mercator_sql(
    dialect: R.Dialect, query: ClaimQuery, columns: str, *, source: str = R.CLAIM_TABLE
) -> tuple[str, list[Any]]:
    """SQL of the query's claims with ``columns`` and their point in spherical mercator metres (``mx``, ``my``).

    ``source`` is the relation read as ``c`` (the claim table, or a trigger's transition table of its rows).
    """
    where, params = R.claim_where(dialect, query, "c")
    if query.bbox is not None:
        where.append("c.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)")
        params += [float(v) for v in query.bbox]
    anchor = "CASE WHEN GeometryType(c.geom) = 'POINT' THEN c.geom ELSE ST_PointOnSurface(c.geom) END"
    # spherical mercator by arithmetic (as layers.tiles.to_mercator), far cheaper than ST_Transform per row
    lat = f"radians(least({MAX_LAT!r}, greatest(-{MAX_LAT!r}, ST_Y(a.pt))))"
    sql = (
        f"SELECT a.*, {EARTH_RADIUS_M!r} * radians(ST_X(a.pt)) AS mx, "
        f"{EARTH_RADIUS_M!r} * ln(tan(pi() / 4 + {lat} / 2)) AS my FROM "
        f"(SELECT {columns}, {anchor} AS pt FROM {source} c WHERE {' AND '.join(where)}) a"
    )
    return sql, params


def _points(dialect: R.Dialect, query: ClaimQuery, tile: TileAddress, columns: str) -> tuple[str, list[Any]]:
    """SQL of the query's claims whose point lies in the tile's half-open square: ``columns``, ``mx``, ``my``."""
    inner, params = mercator_sql(dialect, query, columns)
    sql = f"SELECT * FROM ({inner}) p WHERE p.mx >= ? AND p.mx < ? AND p.my >= ? AND p.my < ?"
    w, s, e, n = tile.mercator_bounds
    return sql, [*params, w, e, s, n]


def count_sql(dialect: R.Dialect, query: ClaimQuery, tile: TileAddress, *, cap: int) -> tuple[str, list[Any]]:
    """How many claims the tile holds, counted no further than ``cap`` (the statement stops there)."""
    inner, params = _points(dialect, query, tile, "c.id")
    return f"SELECT count(*) FROM ({inner} LIMIT ?) k", [*params, cap]


def features_sql(
    dialect: R.Dialect, query: ClaimQuery, tile: TileAddress, *, name: str, extent: int
) -> tuple[str, list[Any]]:
    """The tile with one point feature per claim (``bytea``)."""
    cols = (
        "c.id, c.event_type, c.valid_from, c.valid_to, c.time_precision, c.uncertainty_m, c.claimant, c.source, "
        "c.status"
    )
    inner, params = _points(dialect, query, tile, cols)
    w, s, e, n = tile.mercator_bounds
    sql = (
        f"SELECT ST_AsMVT(f, ?, ?, 'geom') FROM (SELECT p.id, p.event_type, "
        f"{instant_sql('p.valid_from')} AS valid_from, {instant_sql('p.valid_to')} AS valid_to, p.time_precision, "
        f"p.uncertainty_m, p.claimant, p.source, p.status, "
        f"ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(p.mx, p.my), 3857), ST_MakeEnvelope(?, ?, ?, ?, 3857), ?, 0, false) "
        f"AS geom FROM ({inner}) p ORDER BY p.valid_from NULLS LAST, p.id) f"
    )
    return sql, [name, extent, w, s, e, n, extent, *params]


def clusters_sql(
    dialect: R.Dialect, query: ClaimQuery, tile: TileAddress, *, name: str, extent: int, cells: int
) -> tuple[str, list[Any]]:
    """The tile with one cluster per occupied grid cell (``bytea``): count, commonest type, time span, mean point."""
    inner, params = _points(dialect, query, tile, "c.event_type, c.valid_from, c.valid_to")
    w, s, e, n = tile.mercator_bounds
    cell = tile.size_m / cells
    # per cell and type first (a hash aggregate, no sort of every claim), then per cell
    by_type = (
        f"SELECT floor((p.mx - ?) / ?) AS cx, floor((p.my - ?) / ?) AS cy, p.event_type, count(*) AS k, "
        f"sum(p.mx) AS sx, sum(p.my) AS sy, min(p.valid_from) AS vf, max(p.valid_to) AS vt "
        f"FROM ({inner}) p GROUP BY 1, 2, 3"
    )
    sql = (
        f"SELECT ST_AsMVT(f, ?, ?, 'geom') FROM (SELECT sum(g.k)::integer AS count, "
        f"(array_agg(g.event_type ORDER BY g.k DESC, g.event_type))[1] AS event_type, "
        f"{instant_sql('min(g.vf)')} AS valid_from, {instant_sql('max(g.vt)')} AS valid_to, "
        f"ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(sum(g.sx) / sum(g.k), sum(g.sy) / sum(g.k)), 3857), "
        f"ST_MakeEnvelope(?, ?, ?, ?, 3857), ?, 0, false) AS geom "
        f"FROM ({by_type}) g GROUP BY g.cx, g.cy ORDER BY g.cx, g.cy) f"
    )
    return sql, [name, extent, w, s, e, n, extent, w, cell, s, cell, *params]
