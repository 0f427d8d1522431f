"""The cold path in SQL: each claim version's GeoJSON Feature text built by the database.

A page or a download of claims used to fetch some forty columns per row into Python
tuples, build a dict per feature and encode it again; at 10,000 features that was
most of the answer's time. Here the database writes each feature's text around its
geometry (``head`` is ``{"type":"Feature","id":…,"geometry":`` and ``tail`` is
``,"properties":{…}}``), from an SQL expression compiled once per dialect and
property selection from :data:`geo.contract.CLAIM_CONTRACT`, so it cannot drift from
:func:`layers.export.claim_feature`. Python only writes the geometry (one vectorised
decode per page: both stores then round coordinates the way every other output does)
and joins the pieces.

The text parses to exactly the feature :func:`~layers.export.claim_feature` builds
(a test compares them on varied claims in both stores): same properties, same order,
same values. Floats keep their stored value (written with enough digits to round-trip;
an integral float keeps its ``.0`` as Python writes it), times are ISO 8601 UTC with
``Z`` and microseconds only when present, nested values (uncertainty, counts) are the
stored JSON's own tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import shapely

from geo.contract import CLAIM_CONTRACT, Prop
from layers.store.rows.columns import CLAIM_NAMES
from layers.store.rows.dialect import Dialect

#: Where the nested properties are stored: the JSON column of each contract ``part``.
_PART_COLUMN = {"uncertainty": "uncertainty_json", "fatalities": "counts_json", "injured": "counts_json",
                "targets": "counts_json"}  # fmt: skip


#: Why ``superseded_at`` is written as null in every text and row here: a claim query
#: returns versions current now, or current at its ``as_of``, and an as-of view shows a
#: version as it was known then (``layers.build.known_at``), before any later supersession.
#: Written from the column, an as-of download or page (served as immutable) changed when
#: a later edit superseded one of its versions, and disagreed with ``sitmap export --as-of``.
AS_KNOWN = "superseded_at"


def _sqlite_time(col: str, display: str, quote: str = '"') -> str:
    """ISO 8601 UTC text (``Z``; microseconds only when present) of an exact microsecond epoch column.

    A whole second is cut from the GeoPackage's own DATETIME text (``display``, written
    from the same instant), the rest formatted from the epoch count. ``quote``: ``"``
    for a JSON string (NULL as ``null``), "" for a bare value (NULL stays NULL).
    """
    micros = f"(({col} % 1000000) + 1000000) % 1000000"
    null = "'null'" if quote else "NULL"
    return (
        f"CASE WHEN {col} IS NULL THEN {null} WHEN {micros} = 0 AND length({display}) = 24 "
        f"THEN '{quote}' || substr({display}, 1, 19) || 'Z{quote}' ELSE '{quote}' || strftime('%Y-%m-%dT%H:%M:%S', "
        f"({col} - {micros}) / 1000000, 'unixepoch') || CASE {micros} WHEN 0 THEN '' "
        f"ELSE printf('.%06d', {micros}) END || 'Z{quote}' END"
    )


def _pg_time(col: str, quote: str = '"') -> str:
    utc = f"({col} AT TIME ZONE 'UTC')"
    null = "'null'" if quote else "NULL"
    return (
        f"CASE WHEN {col} IS NULL THEN {null} ELSE '{quote}' || to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {col}) = {col} THEN '' ELSE to_char({utc}, '.US') END || 'Z{quote}' END"
    )


def _sqlite_float(col: str) -> str:
    """A REAL as JSON: 15 significant digits when they round-trip, else 17 (``1.0`` keeps its point)."""
    short = f"printf('%!.15g', {col})"
    return (
        f"CASE WHEN {col} IS NULL THEN 'null' WHEN CAST({short} AS REAL) = {col} THEN {short} "
        f"ELSE printf('%!.17g', {col}) END"
    )


def _pg_float(col: str) -> str:
    # float8 text is the shortest round-trip form, as Python's repr, but without ".0" on integral values
    text = f"({col})::text"
    return (
        f"CASE WHEN {col} IS NULL THEN 'null' WHEN strpos({text}, '.') = 0 AND strpos({text}, 'e') = 0 "
        f"THEN {text} || '.0' ELSE {text} END"
    )


def _value_sql(d: Dialect, p: Prop, alias: str) -> str:
    """The SQL expression giving property ``p``'s JSON text (never NULL) for one claim version row."""
    a = f"{alias}." if alias else ""
    pg = d.name == "postgis"
    if p.role == "output":  # coarsened_to: a publication policy sets it, never the store
        return "'null'"
    if p.name == "superseded_at":  # shown as known at the query's instant (see AS_KNOWN)
        return "'null'"
    if p.name == "placement_method":
        if pg:
            return (
                f"to_json(coalesce(({a}placement_json)::json ->> 'method', "
                f"({a}uncertainty_json)::json ->> 'method', 'unresolved'))::text"
            )
        return (
            f"json_quote(coalesce({a}placement_json ->> '$.method', {a}uncertainty_json ->> '$.method', 'unresolved'))"
        )
    if p.part is not None and p.kind != "text" and p.name in CLAIM_NAMES:
        # numeric parts are also stored in a column of their own (the same value, written together)
        col = f"{a}{p.name}"
        if p.kind == "float":
            return _pg_float(col) if pg else _sqlite_float(col)
        return f"coalesce(({col})::text, 'null')" if pg else f"coalesce(CAST({col} AS TEXT), 'null')"
    if p.part is not None:
        column = f"{a}{_PART_COLUMN[p.part]}"
        if pg:
            path = f"-> '{p.key}'" if p.part == "uncertainty" else f"-> '{p.part}' -> '{p.key}'"
            return f"coalesce((({column})::json {path})::text, 'null')"
        path = f"$.{p.key}" if p.part == "uncertainty" else f"$.{p.part}.{p.key}"
        return f"coalesce({column} -> '{path}', 'null')"
    col = d.tc(p.attr or p.name, alias) if p.kind == "time" else f"{a}{p.attr or p.name}"
    if p.kind == "time":
        return _pg_time(col) if pg else _sqlite_time(col, f"{a}{p.attr or p.name}")
    if p.kind == "float":
        return _pg_float(col) if pg else _sqlite_float(col)
    if p.kind == "int":
        return f"coalesce(({col})::text, 'null')" if pg else f"coalesce(CAST({col} AS TEXT), 'null')"
    if p.kind == "list":  # stored as JSON text, NULL or "" for none
        if pg:
            return f"CASE WHEN coalesce({col}, '') = '' THEN '[]' ELSE (({col})::jsonb)::text END"
        return f"CASE WHEN coalesce({col}, '') = '' THEN '[]' ELSE json({col}) END"
    return f"coalesce(to_json({col})::text, 'null')" if pg else f"json_quote({col})"


def _formatted(d: Dialect, template: str, values: Sequence[str]) -> str:
    """SQL writing ``template`` with each ``%s`` replaced by the next of ``values``.

    SQLite: one ``printf`` call, about a fifth faster over 5,000 rows than a chain of
    ``||`` (each copies the text built so far); PostgreSQL: the ``||`` chain, as fast
    as ``format()`` there. The template holds no quote and no other ``%`` (it is
    property names).
    """
    if d.name != "postgis":
        return f"printf('{template}', {', '.join(values)})"
    pieces = template.split("%s")
    parts = [f"'{pieces[0]}'"]
    for value, piece in zip(values, pieces[1:], strict=True):
        parts += [value, f"'{piece}'"]
    return " || ".join(p for p in parts if p != "''")


@lru_cache(maxsize=64)
def _feature_sql(d: Dialect, alias: str, keep: frozenset[str] | None) -> tuple[str, str]:
    props = [p for p in CLAIM_CONTRACT if keep is None or p.name in keep]
    a = f"{alias}." if alias else ""
    quote = f"coalesce(to_json({a}id)::text, 'null')" if d.name == "postgis" else f"json_quote({a}id)"
    head = _formatted(d, '{"type":"Feature","id":%s,"geometry":', [quote])
    template = ',"properties":{' + ",".join(f'"{p.name}":%s' for p in props) + "}}"
    return head, _formatted(d, template, [_value_sql(d, p, alias) for p in props])


def claim_feature_text_select(d: Dialect, alias: str = "c", keep: frozenset[str] | None = None) -> str:
    """SELECT list of (geometry, head, tail) for :func:`claim_feature_texts`; ``keep`` selects properties."""
    head, tail = _feature_sql(d, alias, keep)
    a = f"{alias}." if alias else ""
    return f"{d.geom_select(f'{a}geom')}, {head}, {tail}"


def geometry_texts(d: Dialect, blobs: Sequence[Any]) -> list[str]:
    """The GeoJSON text of each stored geometry (``null`` for none), as :func:`layers.export.geometry_json` writes.

    Point coordinates come from one vectorised call and are rounded like every other output.
    """
    from layers.export import COORD_DECIMALS, _dumps, geometry_json

    geoms = d.geom_decode(blobs)
    out = ["null"] * len(geoms)
    present = [i for i, g in enumerate(geoms) if g is not None]
    if not present:
        return out
    arr = [geoms[i] for i in present]
    is_point = shapely.get_type_id(arr) == 0
    empty = shapely.is_empty(arr)
    xs, ys = shapely.get_x(arr), shapely.get_y(arr)
    nd = COORD_DECIMALS
    for j, i in enumerate(present):
        if is_point[j] and not empty[j]:
            out[i] = f'{{"type":"Point","coordinates":[{round(float(xs[j]), nd)!r},{round(float(ys[j]), nd)!r}]}}'
        else:
            out[i] = _dumps(geometry_json(arr[j]))
    return out


def claim_feature_texts(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[str]:
    """Feature texts from rows of :func:`claim_feature_text_select` (geometry, head, tail)."""
    geoms = geometry_texts(d, [r[0] for r in rows])
    return [row[1] + g + row[2] for row, g in zip(rows, geoms, strict=True)]


def join_features(texts: Iterable[str]) -> str:
    """Feature texts as the members of a JSON array (comma-separated)."""
    return ",".join(texts)


# --------------------------------------------------------------------------------------
# CSV rows: the values of ``layers.export.claim_csv_row``, typed, from the database
# --------------------------------------------------------------------------------------

#: The CSV columns filled from the geometry in Python (``None`` in the SQL row).
GEOMETRY_COLUMNS = ("latitude", "longitude", "geometry_wkt")


def _escaped(d: Dialect, expr: str) -> str:
    """``layers.export.escape_cell`` in SQL: text starting with = + - @ tab or CR gets a leading apostrophe."""
    chars = "chr(9), chr(13)" if d.name == "postgis" else "char(9), char(13)"
    return f"CASE WHEN substr({expr}, 1, 1) IN ('=', '+', '-', '@', {chars}) THEN '''' || {expr} ELSE {expr} END"


def _csv_value(d: Dialect, p: Prop, alias: str) -> str:
    """The SQL value of property ``p`` in a CSV cell (``layers.export._joined`` of its JSON value, escaped)."""
    a = f"{alias}." if alias else ""
    pg = d.name == "postgis"
    if p.role == "output" or p.name == "superseded_at":  # superseded_at: see AS_KNOWN
        return "NULL"
    if p.name == "placement_method":
        if pg:
            return (
                f"coalesce(({a}placement_json)::json ->> 'method', ({a}uncertainty_json)::json ->> 'method', "
                "'unresolved')"
            )
        return f"coalesce({a}placement_json ->> '$.method', {a}uncertainty_json ->> '$.method', 'unresolved')"
    if p.part is not None and p.kind != "text" and p.name in CLAIM_NAMES:
        return f"{a}{p.name}"
    if p.part is not None:
        column = f"{a}{_PART_COLUMN[p.part]}"
        if pg:
            path = f"->> '{p.key}'" if p.part == "uncertainty" else f"-> '{p.part}' ->> '{p.key}'"
            return _escaped(d, f"(({column})::json {path})")
        path = f"$.{p.key}" if p.part == "uncertainty" else f"$.{p.part}.{p.key}"
        return _escaped(d, f"({column} ->> '{path}')")
    name = p.attr or p.name
    if p.kind == "time":
        col = d.tc(name, alias)
        return _pg_time(col, "") if pg else _sqlite_time(col, f"{a}{name}", "")
    if p.kind == "list":
        if pg:
            joined = (
                f"(SELECT string_agg(v, '; ' ORDER BY k) FROM json_array_elements_text(({a}{name})::json) "
                "WITH ORDINALITY AS e(v, k))"
            )
        else:
            joined = f"(SELECT group_concat(value, '; ') FROM json_each({a}{name}))"
        return f"CASE WHEN coalesce({a}{name}, '') = '' THEN NULL ELSE {_escaped(d, joined)} END"
    if p.kind == "text":
        return _escaped(d, f"{a}{name}")
    return f"{a}{name}"


def _acled_sql(d: Dialect, column: str, alias: str) -> str:
    """The SQL value of one of ACLED's CSV columns (see ``layers.export.claim_csv_row``)."""
    from layers.export import ACLED_EVENT_TYPE, ACLED_TIME_PRECISION

    a = f"{alias}." if alias else ""
    pg = d.name == "postgis"
    if column in GEOMETRY_COLUMNS or column == "actor1":
        return "NULL"
    if column == "event_id_cnty":
        return _escaped(d, f"{a}id")
    if column == "event_date":
        return f"to_char({a}valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if pg else f"substr({a}valid_from, 1, 10)"
    if column == "year":
        if pg:
            return f"extract(year FROM {a}valid_from AT TIME ZONE 'UTC')::integer"
        return f"CAST(substr({a}valid_from, 1, 4) AS INTEGER)"
    if column == "time_precision":
        codes = " ".join(f"WHEN '{k}' THEN {v}" for k, v in ACLED_TIME_PRECISION.items())
        return f"CASE {a}time_precision {codes} ELSE {ACLED_TIME_PRECISION['unknown']} END"
    if column in ("event_type", "sub_event_type"):
        i = 0 if column == "event_type" else 1
        cases = " ".join(f"WHEN '{k}' THEN '{v[i]}'" for k, v in ACLED_EVENT_TYPE.items())
        return f"CASE {a}event_type {cases} ELSE '{ACLED_EVENT_TYPE['other'][i]}' END"
    if column == "location":
        return _escaped(d, f"coalesce(nullif({a}place_name, ''), {a}place_text)")
    if column in ("geo_precision", "fatalities"):
        return f"{a}{column}"
    if column == "source":
        return _escaped(d, f"{a}source")
    if column == "notes":
        return _escaped(d, f"{a}quote")
    if column == "timestamp":
        if pg:
            return f"trunc(extract(epoch FROM {a}recorded_at))::bigint"
        return f"{d.tc('recorded_at', alias)} / 1000000"
    raise ValueError(f"no SQL for CSV column {column!r}")  # pragma: no cover - the columns are a fixed list


@lru_cache(maxsize=64)
def claim_csv_select(d: Dialect, alias: str, columns: tuple[str, ...]) -> str:
    """SELECT list of (geometry, one value per CSV column of ``columns``) for :func:`claim_csv_rows`.

    ``columns`` are of :data:`geo.contract.CLAIM_CSV_COLUMNS` (a selection keeps some);
    those of :data:`GEOMETRY_COLUMNS` come back NULL and are filled from the geometry.
    """
    by_csv = {p.csv_name: p for p in CLAIM_CONTRACT if p.csv_name is not None}
    a = f"{alias}." if alias else ""
    values = [_csv_value(d, by_csv[c], alias) if c in by_csv else _acled_sql(d, c, alias) for c in columns]
    return ", ".join([d.geom_select(f"{a}geom"), *values])


def claim_csv_rows(d: Dialect, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> list[list[Any]]:
    """CSV rows (values in ``columns`` order) from rows of :func:`claim_csv_select`: the geometry columns filled.

    Latitude and longitude are the GeoJSON point's (rounded) coordinates, or an inner
    point of any other shape; the WKT is of the rounded GeoJSON geometry, as
    ``layers.export.claim_csv_row`` writes them.
    """
    from layers.export import COORD_DECIMALS, _lonlat, _wkt, geometry_json

    at = {c: columns.index(c) for c in GEOMETRY_COLUMNS if c in columns}
    geoms = d.geom_decode([r[0] for r in rows])
    present = [i for i, g in enumerate(geoms) if g is not None]
    out = [list(r[1:]) for r in rows]
    if present:
        arr = [geoms[i] for i in present]
        is_point = (shapely.get_type_id(arr) == 0) & ~shapely.is_empty(arr)
        nd = COORD_DECIMALS
        xs = [round(float(x), nd) for x in shapely.get_x(arr)]
        ys = [round(float(y), nd) for y in shapely.get_y(arr)]
        wkts = (
            shapely.to_wkt(shapely.points(xs, ys), rounding_precision=nd, trim=True) if "geometry_wkt" in at else None
        )
        for j, i in enumerate(present):
            row = out[i]
            lon: float | None
            lat: float | None
            if is_point[j]:
                lon, lat, wkt = xs[j], ys[j], None if wkts is None else str(wkts[j])
            else:
                gj = geometry_json(arr[j])
                lon, lat = _lonlat(gj)
                wkt = _wkt(gj) if gj is not None else None
            for name, value in (("latitude", lat), ("longitude", lon), ("geometry_wkt", wkt)):
                if name in at:
                    row[at[name]] = value
    return out
