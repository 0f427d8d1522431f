"""The cold path: GeoJSON Features straight from claim version rows, no model in between.

The properties are picked in the order of :data:`geo.contract.CLAIM_CONTRACT` by an
index plan compiled once from that table, so this fast path can never drift from
:func:`layers.export.claim_feature`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from typing import Any

import shapely

from geo.contract import CLAIM_CONTRACT, CLAIM_PROPERTIES, iso
from geo.model import (
    Placement,
)
from layers.store.rows.dialect import Dialect, from_wkb_or_none
from layers.store.rows.records import select_list

#: column each), then the nested values its other properties come from.
FEATURE_NAMES: tuple[str, ...] = (
    *(p.name for p in CLAIM_CONTRACT if p.attr is not None and p.role != "output"),
    *("uncertainty_json", "placement_json", "counts_json"),
)
_FEATURE_IDX = {n: i + 1 for i, n in enumerate(FEATURE_NAMES)}
#: Where each nested part of the contract is found per row: 0 the uncertainty, then the counts.
_PARTS = ("uncertainty", "fatalities", "injured", "targets")


def _feature_plan() -> tuple[tuple[int, ...], tuple[int, ...], int, tuple[tuple[int, str], ...], Any]:
    """How a row of :func:`claim_feature_select` becomes the contract's property values.

    Compiled once from :data:`geo.contract.CLAIM_CONTRACT`: the row positions of time and
    list columns (converted in place), the block of nested fields appended after the
    row (part index, key), and one ``itemgetter`` that picks every property's value, in
    the contract's order, from the row extended by [nested fields..., method, None].
    """

    width = len(FEATURE_NAMES) + 1  # the geometry comes first
    times = tuple(_FEATURE_IDX[p.name] for p in CLAIM_CONTRACT if p.attr is not None and p.kind == "time")
    lists = tuple(_FEATURE_IDX[p.name] for p in CLAIM_CONTRACT if p.attr is not None and p.kind == "list")
    nested = tuple((_PARTS.index(p.part), p.key or "") for p in CLAIM_CONTRACT if p.part is not None)
    picks: list[int] = []
    n_nested = 0
    for p in CLAIM_CONTRACT:
        if p.attr is not None and p.role != "output":
            picks.append(_FEATURE_IDX[p.name])
        elif p.part is not None:
            picks.append(width + n_nested)
            n_nested += 1
        elif p.name == "placement_method":
            picks.append(width + len(nested))
        else:  # coarsened_to: a policy sets it, never the store
            picks.append(width + len(nested) + 1)
    return times, lists, width, nested, operator.itemgetter(*picks)


_TIMES, _LISTS, _WIDTH, _NESTED, _PICK = _feature_plan()


def claim_feature_select(d: Dialect, alias: str = "", *, include_region: bool = False) -> str:
    """The SELECT list that :func:`claim_features_from_rows` reads (fewer columns than :func:`claim_select`)."""
    return select_list(d, (*FEATURE_NAMES, "region") if include_region else FEATURE_NAMES, alias)


def _point_geometries(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any] | None]:
    """The GeoJSON geometry of each row; point coordinates come from one vectorised call."""
    from layers.export import COORD_DECIMALS, geometry_json

    geoms = d.geom_decode([r[0] for r in rows])
    present = [i for i, g in enumerate(geoms) if g is not None]
    geom_json: list[dict[str, Any] | None] = [None] * len(rows)
    if present:
        arr = [geoms[i] for i in present]
        is_point = shapely.get_type_id(arr) == 0
        empty = shapely.is_empty(arr)
        xs, ys = shapely.get_x(arr), shapely.get_y(arr)
        for j, i in enumerate(present):
            if is_point[j] and not empty[j]:
                geom_json[i] = {
                    "type": "Point",
                    "coordinates": [round(float(xs[j]), COORD_DECIMALS), round(float(ys[j]), COORD_DECIMALS)],
                }
            else:
                geom_json[i] = geometry_json(arr[j])
    return geom_json


def claim_features_from_rows(
    d: Dialect, rows: Sequence[Sequence[Any]], *, include_region: bool = False
) -> list[dict[str, Any]]:
    """GeoJSON Features straight from rows of :func:`claim_feature_select`, no :class:`ClaimRecord` in between.

    Exactly ``[layers.export.claim_feature(r, include_region=...) for r in claims_from_rows(d, rows)]``
    (a test compares them on varied claims), at a fraction of the cost for big pages:
    point coordinates come from one vectorised call, each distinct stored time,
    uncertainty and placement is converted once per page, and the properties are
    picked in the contract's order by the plan of :func:`_feature_plan`.
    """
    from layers.export import geometry_json

    geom_json = _point_geometries(d, rows)
    i_id, i_u, i_place, i_counts = (
        _FEATURE_IDX[n] for n in ("id", "uncertainty_json", "placement_json", "counts_json")
    )
    i_region = len(FEATURE_NAMES) + 1
    names, times_at, lists_at, nested, pick = CLAIM_PROPERTIES, _TIMES, _LISTS, _NESTED, _PICK
    uncs: dict[Any, dict[str, Any]] = {}
    places: dict[Any, str] = {}
    regions: dict[Any, dict[str, Any] | None] = {}
    # claims share day boundaries and write times: format each distinct stored instant once
    times: dict[Any, str | None] = {None: None}
    for row in rows:
        for i in times_at:
            if row[i] not in times:
                times[row[i]] = iso(d.parse_ts(row[i]))
    out = []
    for row, geometry in zip(rows, geom_json, strict=True):
        u_json = row[i_u]
        unc = None
        if u_json is not None:
            unc = uncs.get(u_json)
            if unc is None:
                unc = uncs[u_json] = json.loads(u_json)
        p_json = row[i_place]
        if p_json is not None:
            method = places.get(p_json)
            if method is None:
                method = places[p_json] = Placement.model_validate_json(p_json).method
        elif unc is not None:
            method = unc["method"]
        else:
            method = "unresolved"
        counts = json.loads(row[i_counts]) if row[i_counts] is not None else {}
        parts = (unc, counts.get("fatalities"), counts.get("injured"), counts.get("targets"))
        values = list(row)
        for i in times_at:
            values[i] = times[values[i]]
        for i in lists_at:
            values[i] = json.loads(values[i]) if values[i] else []
        del values[_WIDTH:]  # the region column, when selected, is not a property
        values += [None if (part := parts[k]) is None else part.get(key) for k, key in nested]
        values += (method, None)
        props: dict[str, Any] = dict(zip(names, pick(values), strict=True))
        props["superseded_at"] = None  # as known at the query's instant (see feature_sql.AS_KNOWN)
        if include_region:
            region = None
            if unc is not None and row[i_region] is not None:
                key = bytes(row[i_region])
                if key not in regions:
                    regions[key] = geometry_json(from_wkb_or_none(key))
                region = regions[key]
            props["uncertainty_region"] = region
        out.append({"type": "Feature", "id": row[i_id], "geometry": geometry, "properties": props})
    return out
