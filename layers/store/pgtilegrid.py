"""Low-zoom claim cluster tiles of PostGIS from a grid that every write keeps current.

A cluster tile (:func:`layers.store.pgtiles.clusters_sql`) at a low zoom groups every
claim under it: at 1,000,000 claims one zoom-11 tile of the synthetic area reads about
160,000 rows spread over the whole table (2.6-3.7 s each, and a map's opening view
wants twelve). Every figure of a cluster adds up over smaller cells (count, the count
per type, the sums of the points, the earliest start and the latest end), and a
cluster cell of zoom z is 2^k cells of zoom z + k, so one table of cells at
:data:`GRID_LEVEL` answers the cluster tiles of every zoom up to :data:`MAX_ZOOM`.

The table, ``claim_tile_grid``, holds the current claims that are not retracted, per
cell and event type, and the claims' write clock it is current at (in ``sitmap_meta``).
It serves only the queries it holds: current (no ``as_of``), no time window and no
filter but the event types (which it keeps per row), and only readers who see claims
as stored (a publication policy's public form is built from the claims); any other
query, and any zoom past :data:`MAX_ZOOM`, takes the direct statement, so ``as_of``
views never read it. The first low-zoom tile of a store builds the grid in one pass
(6-10 s at 1M claims on the loaded 2-core machine), under an advisory lock so that
workers and threads build it once, and installs statement triggers on the claim table
(:func:`upkeep_sql`): from then on each write statement updates the cells of the
versions it inserts, supersedes, changes or deletes, and moves the grid's clock, in the
write's own transaction, so the first view after a write costs what any view costs. A
grid whose clock lags the claims' (its triggers disabled, or left out of a restore) is
never served: the next low-zoom tile rebuilds it. A database role that may not create
the table or lock the claims leaves every tile to the direct statement.

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


def ddl(dialect: R.Dialect, schema: str) -> list[str]:
    """The grid table, its key and the triggers that keep it in ``schema`` (idempotent; under the claims' lock)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (cx integer NOT NULL, cy integer NOT NULL, event_type text, "
        "k integer NOT NULL, sx double precision NOT NULL, sy double precision NOT NULL, "
        "vf timestamptz, vt timestamptz)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (cx, cy, event_type)",
        f"DROP INDEX IF EXISTS {TABLE}_cell",  # (cx, cy), before the grid was kept per write: the key serves
        *upkeep_sql(dialect, schema),
    ]


#: The claims' write clock as text: epoch seconds rather than a time zone's rendering, so every session
#: spells it alike (``{s}``: nothing for a reader, the table's schema and a dot in a trigger).
_CLOCK = (
    f"coalesce((SELECT extract(epoch FROM max(recorded_at)) FROM {{s}}{R.CLAIM_TABLE})::text, '') || ' ' || "
    f"coalesce((SELECT max(fid) FROM {{s}}{R.CLAIM_TABLE}), 0)::text"
)
#: The transaction setting in which the trigger before each write statement notes whether the grid was current.
_KEPT = "sitmap.claim_tile_grid"
#: The grid's statement triggers on the claim table, by event (``check`` runs before each write statement).
TRIGGERS = {
    "check": f"{TABLE}_check",
    "INSERT": f"{TABLE}_insert",
    "UPDATE": f"{TABLE}_update",
    "DELETE": f"{TABLE}_delete",
}


def clock_sql() -> str:
    """The claims' write clock (newest version time and key) beside the clock the grid was built at."""
    return f"SELECT {_CLOCK.format(s='')}, (SELECT value FROM sitmap_meta WHERE key = '{META_KEY}')"


def lock_sql(unlock: bool = False) -> str:
    """Try to take (true if taken), or release, the session lock under which one connection rebuilds the grid."""
    return f"SELECT pg_{'advisory_unlock' if unlock else 'try_advisory_lock'}({_LOCK})"


def cells_sql(dialect: R.Dialect, source: str) -> str:
    """Grid rows (cx, cy, event_type, k, sx, sy, vf, vt) of the current, unretracted claims in ``source``.

    ``source`` is read as ``c``: the claim table, a trigger's transition table of its
    rows, or a subquery of either. A claim's point is
    :func:`layers.store.pgtiles.mercator_sql`'s; its cell counts from the projected
    world's west and south edges.
    """
    cell = 2 * HALF / (1 << GRID_LEVEL)
    cols = "c.event_type, c.valid_from, c.valid_to"
    inner, params = pgtiles.mercator_sql(dialect, ClaimQuery(), cols, source=source)
    if params:  # pragma: no cover - the current query binds nothing
        raise ValueError("the grid's claims take no parameters")
    return (
        f"SELECT floor((p.mx + {HALF!r}) / {cell!r})::integer AS cx, "
        f"floor((p.my + {HALF!r}) / {cell!r})::integer AS cy, p.event_type, count(*)::integer AS k, "
        "sum(p.mx) AS sx, sum(p.my) AS sy, min(p.valid_from) AS vf, max(p.valid_to) AS vt "
        f"FROM ({inner}) p WHERE p.mx IS NOT NULL AND p.my IS NOT NULL GROUP BY 1, 2, 3"
    )


def envelope_sql(cx: str, cy: str) -> str:
    """The lon/lat box (EPSG:4326, a hair wider) of grid cell (``cx``, ``cy``); the edge rows reach the poles."""
    cell = 2 * HALF / (1 << GRID_LEVEL)
    r = pgtiles.EARTH_RADIUS_M
    top = (1 << GRID_LEVEL) - 1
    pad = 1e-7  # degrees, about a centimetre: the box holds its cell's points whatever the rounding

    def lon(i: str) -> str:
        return f"degrees(({i}::double precision * {cell!r} - {HALF!r}) / {r!r})"

    def lat(i: str) -> str:
        return f"degrees(2 * atan(exp(({i}::double precision * {cell!r} - {HALF!r}) / {r!r})) - pi() / 2)"

    south = f"CASE WHEN {cy} <= 0 THEN -90 ELSE {lat(cy)} - {pad!r} END"
    north = f"CASE WHEN {cy} >= {top} THEN 90 ELSE {lat(f'({cy} + 1)')} + {pad!r} END"
    return f"ST_MakeEnvelope({lon(cx)} - {pad!r}, {south}, {lon(f'({cx} + 1)')} + {pad!r}, {north}, 4326)"


def _q(sql: str) -> str:
    """``sql`` as a SQL string literal."""
    return "'" + sql.replace("'", "''") + "'"


def upkeep_sql(dialect: R.Dialect, schema: str) -> list[str]:
    """The functions and statement triggers that keep the grid of ``schema`` as claims are written (idempotent).

    Before each write statement, ``check`` notes (in a transaction setting) whether the
    grid is current, its recorded clock the claims' own; only then do the triggers after
    the statement keep it and move its clock to the claims' new one, so a grid that fell
    behind (its triggers left out by a restore, or disabled) is never taken for current:
    the next low-zoom tile rebuilds it. New versions add their counts, sums and time
    bounds to their cells (one upsert per statement); the cells of versions superseded,
    changed or deleted are recomputed from the current claims in them (a minimum or a
    maximum cannot be taken back), each through the GiST index. The functions name
    ``schema``'s tables (so a write over another ``search_path``, psql or QGIS, keeps the
    grid too) in static statements, planned once per connection: built with ``format()``
    at each call they cost a plan each, some 20 ms a write on the loaded machine. A
    restore into another schema leaves them out, and the grid's rebuild makes them anew.
    """
    t, c = TABLE, R.CLAIM_TABLE
    s = '"' + schema.replace('"', '""') + '".'
    clock = _CLOCK.format(s=s)
    kept = f"current_setting('{_KEPT}', true) = 'kept'"
    note = f"SELECT coalesce((SELECT value FROM {s}sitmap_meta WHERE key = '{META_KEY}') = ({clock}), false)"
    move = f"UPDATE {s}sitmap_meta SET value = {clock} WHERE key = {_q(META_KEY)};"
    add = (
        f"INSERT INTO {s}{t} AS g (cx, cy, event_type, k, sx, sy, vf, vt) {cells_sql(dialect, 'added')} "
        "ON CONFLICT (cx, cy, event_type) DO UPDATE SET k = g.k + excluded.k, sx = g.sx + excluded.sx, "
        "sy = g.sy + excluded.sy, vf = least(g.vf, excluded.vf), vt = greatest(g.vt, excluded.vt);"
    )

    def remove(gone: str, came: str) -> str:
        """Statements that take the ``gone`` versions out of their cells and put the ``came`` ones in.

        A cell keeps its count and sums less the versions gone, unless it is emptied (then
        deleted) or they held its earliest start or latest end (a minimum cannot be taken
        back): those cells, and every cell of a version that came (rare: sitmap's own
        updates only supersede), are recomputed from the current claims in them.
        """
        cut = (
            f"WITH r AS ({cells_sql(dialect, gone)}), cut AS (UPDATE {s}{t} g SET k = g.k - r.k, sx = g.sx - r.sx, "
            "sy = g.sy - r.sy FROM r WHERE g.cx = r.cx AND g.cy = r.cy AND g.event_type = r.event_type "
            "RETURNING g.cx, g.cy, g.event_type, g.k > 0 AS nonempty, NOT coalesce(r.vf > g.vf AND r.vt < g.vt, false) "
            "AS at_edge) SELECT coalesce(array_agg(cx), '{}'), coalesce(array_agg(cy), '{}'), "
            "coalesce(array_agg(event_type), '{}'), coalesce(array_agg(cx) FILTER (WHERE nonempty AND at_edge), '{}'), "
            "coalesce(array_agg(cy) FILTER (WHERE nonempty AND at_edge), '{}'), "
            "coalesce(array_agg(event_type) FILTER (WHERE nonempty AND at_edge), '{}') INTO dx, dy, dt, fx, fy, ft "
            "FROM cut WHERE NOT nonempty OR at_edge;"
        )
        came_cells = (
            f"SELECT coalesce(array_agg(cx), '{{}}'), coalesce(array_agg(cy), '{{}}'), "
            f"coalesce(array_agg(event_type), '{{}}') INTO cx_, cy_, ct_ FROM ({cells_sql(dialect, came)}) c;"
        )
        near = (
            f"(SELECT * FROM {s}{c} n WHERE n.geom && {envelope_sql('t.cx', 't.cy')} AND n.event_type = t.event_type)"
        )
        return (
            f"{cut} {came_cells} "
            f"DELETE FROM {s}{t} g USING unnest(dx || cx_, dy || cy_, dt || ct_) t(cx, cy, event_type) "
            "WHERE g.cx = t.cx AND g.cy = t.cy AND g.event_type = t.event_type; "
            f"INSERT INTO {s}{t} (cx, cy, event_type, k, sx, sy, vf, vt) SELECT f.* FROM "
            "(SELECT DISTINCT * FROM unnest(fx || cx_, fy || cy_, ft || ct_) u(cx, cy, event_type)) t "
            f"CROSS JOIN LATERAL ({cells_sql(dialect, near)}) f WHERE f.cx = t.cx AND f.cy = t.cy;"
        )

    keys = ("geom", "event_type", "valid_from", "valid_to", "status", "superseded_at")
    olds, news = ", ".join(f"o.{k}" for k in keys), ", ".join(f"n.{k}" for k in keys)
    changed = f"ON n.fid = o.fid WHERE ({olds}) IS DISTINCT FROM ({news})"
    gone = f"(SELECT o.* FROM old_rows o JOIN new_rows n {changed})"
    came = f"(SELECT n.* FROM old_rows o JOIN new_rows n {changed})"
    arrays = "DECLARE dx int[]; dy int[]; dt text[]; fx int[]; fy int[]; ft text[]; cx_ int[]; cy_ int[]; ct_ text[];"
    # a statement that wrote no row (an UPDATE superseding nothing) changes neither the cells nor the clock
    bodies = {
        "check": f"DECLARE is_current boolean; BEGIN {note} INTO is_current; "
        f"PERFORM set_config('{_KEPT}', CASE WHEN is_current THEN 'kept' ELSE 'behind' END, true); RETURN NULL; END",
        "INSERT": f"BEGIN IF {kept} AND EXISTS (SELECT FROM added) THEN {add} {move} END IF; RETURN NULL; END",
        "UPDATE": f"{arrays} BEGIN IF {kept} AND EXISTS (SELECT FROM old_rows) THEN {remove(gone, came)} {move} "
        "END IF; RETURN NULL; END",
        "DELETE": f"{arrays} BEGIN IF {kept} AND EXISTS (SELECT FROM old_rows) THEN "
        f"{remove('old_rows', '(SELECT * FROM old_rows LIMIT 0)')} {move} END IF; RETURN NULL; END",
    }
    out = [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $grid$ {bodies[event]} $grid$"
        for event, name in TRIGGERS.items()
    ]
    out.append(
        f"CREATE OR REPLACE TRIGGER {TRIGGERS['check']} BEFORE INSERT OR UPDATE OR DELETE ON {c} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGERS['check']}()"
    )
    refs = {
        "INSERT": "NEW TABLE AS added",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    for event, ref in refs.items():
        out.append(
            f"CREATE OR REPLACE TRIGGER {TRIGGERS[event]} AFTER {event} ON {c} REFERENCING {ref} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGERS[event]}()"
        )
    return out


def rebuild_sql(dialect: R.Dialect, clock: str) -> list[tuple[str, list[Any]]]:
    """Statements that refill the grid from the current claims and record ``clock`` (one transaction).

    The cells are computed by ``CREATE TEMP TABLE ... AS``, which PostgreSQL may run with
    parallel workers (an ``INSERT ... SELECT`` never is): at 1M claims 5.7 s against 9.7 s
    on the loaded 2-core machine.
    """
    cols = "cx, cy, event_type, k, sx, sy, vf, vt"
    return [
        (f"CREATE TEMP TABLE {TABLE}_new ON COMMIT DROP AS {cells_sql(dialect, R.CLAIM_TABLE)}", []),
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
