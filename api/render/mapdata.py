"""Compact, columnar map payloads: what a map page fetches to draw a layer fast.

A GeoJSON feature with every contract property weighs about 1 kB; a map needs a
few dozen bytes per claim to draw it (position, radius, time, type, status,
labels). :func:`claims_payload` packs claims into parallel arrays with repeated
strings (event types, places, sources, claimants) dictionary-encoded, so 100,000
claims fit in a few megabytes and parse in milliseconds. Full properties (quote,
URL, counts) are fetched per claim from ``/collections/{id}/items/{fid}`` when a
popup opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from layers.model import ClaimRecord, Incident, Zone

#: Placement methods whose uncertainty region is worth drawing instead of a circle.
_REGION_METHODS = frozenset({"admin_fallback", "block_list", "drawn"})
#: Above this many claims, regions are not shipped (circles only): they dominate weight.
MAX_REGIONS = 5000
#: Region outlines are simplified to about this many degrees (≈30 m) for drawing.
REGION_TOLERANCE = 0.0003


def _best(count: Any) -> int | None:
    if count is None:
        return None
    for v in (count.best, count.low, count.high):
        if v is not None:
            return int(v)
    return None


def claims_payload(
    records: Sequence[ClaimRecord],
    *,
    incidents: Iterable[Incident] = (),
    layer_id: str = "",
    title: str = "",
) -> dict[str, Any]:
    """Pack located claims into sitmap's compact map format (see module docstring).

    Claims without a geometry cannot be drawn and are counted in ``unlocated``
    rather than silently dropped. ``incidents`` (from corroboration) link claims
    about the same event; only incidents with two or more claims are kept.
    """
    located = [r for r in records if r.geometry is not None and r.uncertainty is not None]
    unlocated = len(records) - len(located)
    # Positions, vectorised: points as they are, other shapes by a point inside them.
    geoms = np.empty(len(located), dtype=object)
    geoms[:] = [r.geometry for r in located]
    is_point = shapely.get_type_id(geoms) == 0
    pts = geoms.copy()
    if (~is_point).any():
        pts[~is_point] = shapely.point_on_surface(geoms[~is_point])
    xs = np.round(shapely.get_x(pts), 5) if len(located) else np.empty(0)
    ys = np.round(shapely.get_y(pts), 5) if len(located) else np.empty(0)
    uncs = [r.uncertainty for r in located if r.uncertainty is not None]
    starts = [r.valid_from for r in located]
    ends = [r.valid_to for r in located]

    def encode(values: list[Any]) -> tuple[list[int], list[Any]]:
        index: dict[Any, int] = {}
        codes = [index.setdefault(v, len(index)) for v in values]
        return codes, list(index)

    e, event_types = encode([r.event_type for r in located])
    p, precisions = encode([r.time_precision for r in located])
    st, statuses = encode([r.status for r in located])
    pl, places = encode([r.place_name or r.place_text for r in located])
    c, claimants = encode([r.claimant for r in located])
    src, sources = encode([r.source for r in located])
    m, methods = encode([u.method for u in uncs])
    rv, reviews = encode([r.review for r in located])
    cols: dict[str, list[Any]] = {
        "ids": [r.id for r in located],
        "x": xs.tolist(),
        "y": ys.tolist(),
        "r": [round(u.radius_m) for u in uncs],
        "t0": [None if t is None else int(t.timestamp()) for t in starts],
        "t1": [None if t is None else int(t.timestamp()) for t in ends],
        "p": p,
        "e": e,
        "s": st,
        "pl": pl,
        "c": c,
        "src": src,
        "m": m,
        "f": [_best(r.fatalities) for r in located],
        "inc": [-1] * len(located),
    }
    known_starts = [t for t in starts if t is not None]
    known_ends = [t for t in ends if t is not None]
    t_min = min(known_starts) if known_starts else None
    t_max = max(known_ends) if known_ends else None
    regions: dict[str, Any] = {}
    if len(records) <= MAX_REGIONS:
        for rec, unc, point in zip(located, uncs, is_point.tolist(), strict=True):
            region = unc.region
            if region is None or (point and unc.method not in _REGION_METHODS):
                continue
            simple = shapely.simplify(region, REGION_TOLERANCE, preserve_topology=True)
            if simple.geom_type in ("Polygon", "MultiPolygon") and not simple.is_empty:
                regions[rec.id] = _rounded(mapping(simple))
    inc_list: list[dict[str, Any]] = []
    pos = {cid: i for i, cid in enumerate(cols["ids"])}
    for inc in incidents:
        members = [pos[cid] for cid in inc.claim_ids if cid in pos]
        if len(members) < 2:
            continue
        k = len(inc_list)
        inc_list.append(
            {
                "id": inc.id,
                "status": inc.status,
                "independent_sources": inc.independent_sources,
                "conflicts": list(inc.conflicts),
            }
        )
        for member in members:
            cols["inc"][member] = k
    n = len(cols["ids"])
    bbox = [float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())] if n else None
    return {
        "kind": "claims",
        "layer": layer_id,
        "title": title,
        "count": n,
        "unlocated": unlocated,
        "bbox": bbox,
        "time_span": [t_min.date().isoformat(), t_max.date().isoformat()] if t_min and t_max else None,
        **cols,
        "event_types": event_types,
        "precisions": precisions,
        "statuses": statuses,
        "places": places,
        "claimants": claimants,
        "sources": sources,
        "methods": methods,
        "incidents": inc_list,
        "regions": regions,
        # review state: one value for all unless they differ (then one code per claim)
        "reviews": reviews,
        **({"rv": rv} if len(reviews) > 1 else {}),
        "unplaced": [_unplaced(r) for r in records if r.geometry is None or r.uncertainty is None][:MAX_UNPLACED],
    }


#: Claims without a place listed (by the map's list) per layer; the rest are counted in ``unlocated``.
MAX_UNPLACED = 200


def _unplaced(r: ClaimRecord) -> dict[str, Any]:
    """What the list shows of a claim that cannot be drawn: what, when, who, where as written."""
    return {
        "id": r.id,
        "event_type": r.event_type,
        "claimant": r.claimant,
        "source": r.source,
        "url": r.url,
        "place": r.place_name or r.place_text,
        "t0": None if r.valid_from is None else int(r.valid_from.timestamp()),
        "t1": None if r.valid_to is None else int(r.valid_to.timestamp()),
        "precision": r.time_precision,
        "status": r.status,
        "review": r.review,
    }


def _rounded(geo: Any) -> Any:
    """Round GeoJSON coordinates to 5 decimals (≈1 m), which is all a map can show."""
    if isinstance(geo, dict):
        return {k: _rounded(v) for k, v in geo.items()}
    if isinstance(geo, list | tuple):
        return [_rounded(v) for v in geo]
    if isinstance(geo, float):
        return round(geo, 5)
    return geo


def zones_payload(zones: Sequence[Zone], *, layer_id: str = "", title: str = "") -> dict[str, Any]:
    """Zones as a GeoJSON FeatureCollection with the contract zone properties, for drawing.

    Zones are few (orders, not events), so full properties are shipped; geometries
    are simplified to about 30 m for the map.
    """
    from layers.export import zone_feature

    features = []
    t_min: datetime | None = None
    t_max: datetime | None = None
    for zone in zones:
        feat = zone_feature(zone)
        simple = shapely.simplify(zone.geometry, REGION_TOLERANCE, preserve_topology=True)
        feat["geometry"] = _rounded(mapping(simple))
        features.append(feat)
        for t in (zone.effective_from, zone.lifted_at):
            if t is not None:
                t_min = t if t_min is None or t < t_min else t_min
                t_max = t if t_max is None or t > t_max else t_max
    return {
        "type": "FeatureCollection",
        "kind": "zones",
        "layer": layer_id,
        "title": title,
        "count": len(features),
        "time_span": [t_min.date().isoformat(), t_max.date().isoformat()] if t_min and t_max else None,
        "known_gaps": _known_gaps(zones),
        "features": features,
    }


def _known_gaps(zones: Sequence[Zone]) -> list[dict[str, str]]:
    """Orders of the shipped data that are known but cannot be drawn, when these zones come from it.

    The map says a day's record is incomplete when one of these was issued on or before it.
    """
    if not any(z.id.startswith(("gazamaps-", "sitmap-order-")) for z in zones):
        return []
    from layers.zones import known_gaps

    return known_gaps()


def json_for_script(data: Any) -> str:
    """JSON that is safe inside an HTML ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    This keeps ``</script>`` and ``<!--`` in user text from ending or commenting out
    the script element.
    """
    import json

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
