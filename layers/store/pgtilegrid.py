"""Low-zoom claim cluster tiles of PostGIS from a kept grid, rebuilt when the claims change.

A cluster tile (:func:`layers.store.pgtiles.clusters_sql`) at a low zoom groups every
claim under it: at 1,000,000 claims one zoom-11 tile of the synthetic area reads about
160,000 rows spread over the whole table (2.6-3.7 s each, and a map's opening view
wants twelve). Every figure of a cluster adds up over smaller cells (count, the count
per type, the sums of the points, the earliest start and the latest end), and a
cluster cell of zoom z is 2^k cells of zoom z + k, so one table of cells at
:data:`GRID_LEVEL` answers the cluster tiles of every zoom up to :data:`MAX_ZOOM`.

The table, ``claim_tile_grid``, holds the current claims that are not retracted, per
cell and event type, and the claims' write clock it was built at (in ``sitmap_meta``).
It serves only the queries it holds: current (no ``as_of``), no time window and no
filter but the event types (which it keeps per row); any other query, and any zoom past
:data:`MAX_ZOOM`, takes the direct statement. A write moves the clock (every write is a
new version), and the next low-zoom tile rebuilds the table in one pass, under an
advisory lock so that workers and threads build it once (the tiles asked for meanwhile
are built directly); a database role that may not create the table leaves every tile to
the direct statement. The rebuild reads every claim (6-10 s at 1M claims on the loaded
2-core machine): a store written to more often than that gains little.

Cells are counted from the projected world's west and south edges (``floor((m +
HALF) / cell)``), where the direct statement counts from the tile's edges: the two
differ only for a point within floating-point rounding of a cell edge.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from layers.store import pgtiles
from layers.store import rows as R
from layers.store.base import ClaimQuery

if TYPE_CHECKING:
    from layers.tiles import TileAddress

TABLE = "claim_tile_grid"
#: The ``sitmap_meta`` key holding the claims' write clock the grid was built at.
META_KEY = "claim_tile_grid_clock"
#: The zoom whose tiles the grid's cells are: tiles of zoom z cluster into 64 x 64 cells, tiles of zoom z + 6.
GRID_LEVEL = 17
#: Cells per tile side in a cluster tile, as a power of two (``layers.tiles.CLUSTER_CELLS`` = 64).
CELL_BITS = 6
#: The deepest tile zoom the grid answers (its cells are the cluster cells of this zoom).
MAX_ZOOM = GRID_LEVEL - CELL_BITS
#: Half the side of the projected (spherical mercator) world, in metres.
HALF = math.pi * pgtiles.EARTH_RADIUS_M
_LOCK = "hashtext(current_schema() || '.sitmap.tilegrid')"


def serves(query: ClaimQuery, tile: TileAddress) -> bool:
    """Whether the grid holds ``query``'s claims in ``tile``: a current query, no window, no filter but types."""
    if tile.z > MAX_ZOOM:
        return False
    return replace(query, bbox=None, event_types=()) == ClaimQuery()


def ddl() -> list[str]:
    """The grid table and its index (idempotent)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (cx integer NOT NULL, cy integer NOT NULL, event_type text, "
        "k integer NOT NULL, sx double precision NOT NULL, sy double precision NOT NULL, "
        "vf timestamptz, vt timestamptz)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_cell ON {TABLE} (cx, cy)",
    ]


def clock_sql() -> str:
    """The claims' write clock (newest version time and key) beside the clock the grid was built at."""
    return (
        f"SELECT (SELECT max(recorded_at) FROM {R.CLAIM_TABLE})::text || ' ' || "
        f"coalesce((SELECT max(fid) FROM {R.CLAIM_TABLE}), 0)::text, "
        f"(SELECT value FROM sitmap_meta WHERE key = '{META_KEY}')"
    )


def lock_sql(unlock: bool = False) -> str:
    """Try to take (true if taken), or release, the session lock under which one connection rebuilds the grid."""
    return f"SELECT pg_{'advisory_unlock' if unlock else 'try_advisory_lock'}({_LOCK})"


def rebuild_sql(dialect: R.Dialect, clock: str) -> list[tuple[str, list[Any]]]:
    """Statements that refill the grid from the current claims and record ``clock`` (one transaction).

    The cells are computed by ``CREATE TEMP TABLE ... AS``, which PostgreSQL may run with
    parallel workers (an ``INSERT ... SELECT`` never is): at 1M claims 5.7 s against 9.7 s
    on the loaded 2-core machine.
    """
    cell = 2 * HALF / (1 << GRID_LEVEL)
    inner, params = pgtiles.mercator_sql(dialect, ClaimQuery(), "c.event_type, c.valid_from, c.valid_to")
    cols = "cx, cy, event_type, k, sx, sy, vf, vt"
    cells = (
        f"CREATE TEMP TABLE {TABLE}_new ON COMMIT DROP AS "
        "SELECT floor((p.mx + ?) / ?)::integer AS cx, floor((p.my + ?) / ?)::integer AS cy, p.event_type, "
        "count(*)::integer AS k, sum(p.mx) AS sx, sum(p.my) AS sy, min(p.valid_from) AS vf, max(p.valid_to) AS vt "
        f"FROM ({inner}) p WHERE p.mx IS NOT NULL AND p.my IS NOT NULL GROUP BY 1, 2, 3"
    )
    return [
        (cells, [HALF, cell, HALF, cell, *params]),
        (f"DELETE FROM {TABLE}", []),
        (f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM {TABLE}_new", []),
        ("DELETE FROM sitmap_meta WHERE key = ?", [META_KEY]),
        ("INSERT INTO sitmap_meta (key, value) VALUES (?, ?)", [META_KEY, clock]),
    ]


def _cells(query: ClaimQuery, tile: TileAddress) -> tuple[str, list[Any], int]:
    """WHERE of the grid rows under ``tile`` (and its parameters), and the shift from grid cells to the tile's cells."""
    shift = GRID_LEVEL - CELL_BITS - tile.z
    side = 1 << (CELL_BITS + shift)  # grid cells per tile side
    south_row = (1 << tile.z) - 1 - tile.y  # tile rows counted from the south, as the cells are
    x0, y0 = tile.x * side, south_row * side
    where = "g.cx BETWEEN ? AND ? AND g.cy BETWEEN ? AND ?"
    params: list[Any] = [x0, x0 + side - 1, y0, y0 + side - 1]
    if query.event_types:
        where += f" AND g.event_type IN ({', '.join('?' * len(query.event_types))})"
        params += list(query.event_types)
    return where, params, shift


def count_sql(query: ClaimQuery, tile: TileAddress) -> tuple[str, list[Any]]:
    """How many claims the grid holds under ``tile``."""
    where, params, _ = _cells(query, tile)
    return f"SELECT coalesce(sum(g.k), 0) FROM {TABLE} g WHERE {where}", params


def clusters_sql(query: ClaimQuery, tile: TileAddress, *, name: str, extent: int) -> tuple[str, list[Any]]:
    """The cluster tile :func:`layers.store.pgtiles.clusters_sql` builds, from the grid's cells (``bytea``)."""
    where, params, shift = _cells(query, tile)
    w, s, e, n = tile.mercator_bounds
    by_type = (
        f"SELECT g.cx >> {shift} AS cx, g.cy >> {shift} AS cy, g.event_type, sum(g.k) AS k, sum(g.sx) AS sx, "
        f"sum(g.sy) AS sy, min(g.vf) AS vf, max(g.vt) AS vt FROM {TABLE} g WHERE {where} GROUP BY 1, 2, 3"
    )
    sql = (
        f"SELECT ST_AsMVT(f, ?, ?, 'geom') FROM (SELECT sum(g.k)::integer AS count, "
        f"(array_agg(g.event_type ORDER BY g.k DESC, g.event_type))[1] AS event_type, "
        f"{pgtiles.instant_sql('min(g.vf)')} AS valid_from, {pgtiles.instant_sql('max(g.vt)')} AS valid_to, "
        f"ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(sum(g.sx) / sum(g.k), sum(g.sy) / sum(g.k)), 3857), "
        f"ST_MakeEnvelope(?, ?, ?, ?, 3857), ?, 0, false) AS geom "
        f"FROM ({by_type}) g GROUP BY g.cx, g.cy ORDER BY g.cx, g.cy) f"
    )
    return sql, [name, extent, w, s, e, n, extent, *params]
