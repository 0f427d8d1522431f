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

import shapely
from shapely.geometry import mapping

from layers.model import ClaimRecord, Incident, Zone

#: Placement methods whose uncertainty region is worth drawing instead of a circle.
_REGION_METHODS = frozenset({"admin_fallback", "block_list", "drawn"})
#: Above this many claims, regions are not shipped (circles only): they dominate weight.
MAX_REGIONS = 5000
#: Region outlines are simplified to about this many degrees (≈30 m) for drawing.
REGION_TOLERANCE = 0.0003


class _Dict:
    """Dictionary encoder: each distinct value gets a small integer, in first-seen order."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[Any, int] = {}

    def code(self, value: Any) -> int:
        idx = self._index.get(value)
        if idx is None:
            idx = self._index[value] = len(self.values)
            self.values.append(value)
        return idx


def _epoch(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


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
    types, precs, stats, places, claimants, sources, methods = (_Dict() for _ in range(7))
    cols: dict[str, list[Any]] = {
        k: [] for k in ("ids", "x", "y", "r", "t0", "t1", "p", "e", "s", "pl", "c", "src", "m", "f", "inc")
    }
    regions: dict[str, Any] = {}
    unlocated = 0
    t_min: datetime | None = None
    t_max: datetime | None = None
    minx = miny = float("inf")
    maxx = maxy = float("-inf")
    ship_regions = len(records) <= MAX_REGIONS
    for rec in records:
        if rec.geometry is None or rec.uncertainty is None:
            unlocated += 1
            continue
        geom = rec.geometry
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        x, y = round(pt.x, 5), round(pt.y, 5)
        minx, miny, maxx, maxy = min(minx, x), min(miny, y), max(maxx, x), max(maxy, y)
        cols["ids"].append(rec.id)
        cols["x"].append(x)
        cols["y"].append(y)
        cols["r"].append(round(rec.uncertainty.radius_m))
        cols["t0"].append(_epoch(rec.valid_from))
        cols["t1"].append(_epoch(rec.valid_to))
        cols["p"].append(precs.code(rec.time_precision))
        cols["e"].append(types.code(rec.event_type))
        cols["s"].append(stats.code(rec.status))
        cols["pl"].append(places.code(rec.place_name or rec.place_text))
        cols["c"].append(claimants.code(rec.claimant))
        cols["src"].append(sources.code(rec.source))
        cols["m"].append(methods.code(rec.uncertainty.method))
        cols["f"].append(_best(rec.fatalities))
        cols["inc"].append(-1)
        if rec.valid_from is not None and (t_min is None or rec.valid_from < t_min):
            t_min = rec.valid_from
        if rec.valid_to is not None and (t_max is None or rec.valid_to > t_max):
            t_max = rec.valid_to
        region = rec.uncertainty.region
        wanted = rec.uncertainty.method in _REGION_METHODS or geom.geom_type != "Point"
        if ship_regions and region is not None and wanted:
            simple = shapely.simplify(region, REGION_TOLERANCE, preserve_topology=True)
            if simple.geom_type in ("Polygon", "MultiPolygon") and not simple.is_empty:
                regions[rec.id] = _rounded(mapping(simple))
    inc_list: list[dict[str, Any]] = []
    pos = {cid: i for i, cid in enumerate(cols["ids"])}
    for inc in incidents:
        members = [pos[c] for c in inc.claim_ids if c in pos]
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
        for m in members:
            cols["inc"][m] = k
    n = len(cols["ids"])
    return {
        "kind": "claims",
        "layer": layer_id,
        "title": title,
        "count": n,
        "unlocated": unlocated,
        "bbox": [minx, miny, maxx, maxy] if n else None,
        "time_span": [t_min.date().isoformat(), t_max.date().isoformat()] if t_min and t_max else None,
        **cols,
        "event_types": types.values,
        "precisions": precs.values,
        "statuses": stats.values,
        "places": places.values,
        "claimants": claimants.values,
        "sources": sources.values,
        "methods": methods.values,
        "incidents": inc_list,
        "regions": regions,
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
        "features": features,
    }


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
