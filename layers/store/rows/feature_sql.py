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


def _sqlite_time(col: str, display: str) -> str:
    """ISO 8601 UTC text (``Z``; microseconds only when present) of an exact microsecond epoch column.

    A whole second is cut from the GeoPackage's own DATETIME text (``display``, written
    from the same instant), the rest formatted from the epoch count.
    """
    micros = f"(({col} % 1000000) + 1000000) % 1000000"
    return (
        f"CASE WHEN {col} IS NULL THEN 'null' WHEN {micros} = 0 AND length({display}) = 24 "
        f"THEN '\"' || substr({display}, 1, 19) || 'Z\"' ELSE '\"' || strftime('%Y-%m-%dT%H:%M:%S', "
        f"({col} - {micros}) / 1000000, 'unixepoch') || CASE {micros} WHEN 0 THEN '' "
        f"ELSE printf('.%06d', {micros}) END || 'Z\"' END"
    )


def _pg_time(col: str) -> str:
    utc = f"({col} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {col} IS NULL THEN 'null' ELSE '\"' || to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {col}) = {col} THEN '' ELSE to_char({utc}, '.US') END || 'Z\"' END"
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


def _concat(d: Dialect, parts: Sequence[str]) -> str:
    return " || ".join(parts)


@lru_cache(maxsize=64)
def _feature_sql(d: Dialect, alias: str, keep: frozenset[str] | None) -> tuple[str, str]:
    props = [p for p in CLAIM_CONTRACT if keep is None or p.name in keep]
    a = f"{alias}." if alias else ""
    quote = f"coalesce(to_json({a}id)::text, 'null')" if d.name == "postgis" else f"json_quote({a}id)"
    head = _concat(d, ['\'{"type":"Feature","id":\'', quote, "',\"geometry\":'"])
    parts = ["',\"properties\":{'"]
    for i, p in enumerate(props):
        parts.append(f"'{',' if i else ''}\"{p.name}\":'")
        parts.append(_value_sql(d, p, alias))
    parts.append("'}}'")
    return head, _concat(d, parts)


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
