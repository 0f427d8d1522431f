"""A map view: what a map URL (or ``sitmap map``) asks for, and the data each of its layers draws.

A :class:`MapView` is parsed once from the URL (collections, time, ``as_of``, bbox,
filters) and turned back into URLs for links. :func:`layer_payload` asks the
collection (:class:`layers.collection.LayerView`) for the records this reader may
see and packs them in the compact map form; the map routes, the PNG and the
standalone map file all draw from it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from api.errors import BadParameter
from api.params import (
    format_instant,
    parse_bbox,
    parse_datetime,
    parse_event_types,
    parse_geo_precision,
    parse_instant,
    parse_list,
    parse_order_types,
    parse_statuses,
)
from layers.collection import LayerView, Narrowing
from layers.model import Layer
from layers.store import ClaimQuery, ZoneQuery

#: Most collections one map may combine.
MAX_LAYERS = 8


@dataclass(frozen=True)
class MapView:
    """A map view as given by its URL: collections, time, as-of, bbox and filters."""

    layer_ids: tuple[str, ...]
    datetime_text: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    day: date | None = None
    as_of: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    event_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    min_geo_precision: int | None = None
    #: Zone order types shown (``order_type``; empty: all); claims layers ignore it.
    order_types: tuple[str, ...] = ()

    @property
    def is_interval(self) -> bool:
        """True when ``datetime`` names an interval (not a single day or instant)."""
        return self.datetime_text is not None and self.day is None

    def params(self, *, primary: bool = True, as_of: bool = True, datetime_: bool = True) -> list[tuple[str, str]]:
        """The view back as query parameters (canonical order), for links and data URLs."""
        out: list[tuple[str, str]] = []
        if datetime_ and self.datetime_text:
            out.append(("datetime", self.datetime_text))
        if as_of and self.as_of is not None:
            out.append(("as_of", format_instant(self.as_of)))
        if self.bbox is not None:
            out.append(("bbox", ",".join(f"{v:g}" for v in self.bbox)))
        for name, values in (
            ("event_type", self.event_types),
            ("source", self.sources),
            ("claimant", self.claimants),
            ("status", self.statuses),
            ("order_type", self.order_types),
        ):
            out.extend((name, v) for v in values)
        if self.min_geo_precision is not None:
            out.append(("min_geo_precision", str(self.min_geo_precision)))
        if primary and len(self.layer_ids) > 1:
            out.append(("layers", ",".join(self.layer_ids[1:])))
        return out

    def query(self, **kw: bool) -> str:
        """:meth:`params` as an encoded query string (empty, or starting with '?')."""
        p = self.params(**kw)
        return "?" + urlencode(p) if p else ""


def parse_view(collection: str, request: Request) -> MapView:
    """Read a map view from the path's collection and the query string (400 for bad values)."""
    q = request.query_params
    extra = parse_list(q.getlist("layers"), "layers")
    ids = tuple(dict.fromkeys((collection, *extra)))
    if len(ids) > MAX_LAYERS:
        raise BadParameter("layers", f"at most {MAX_LAYERS} collections on one map (got {len(ids)})")
    interval = parse_datetime(q.get("datetime"))
    day = None
    if (
        interval is not None
        and interval.start is not None
        and interval.end is not None
        and interval.start.date() == interval.end.date()
        and "/" not in interval.text
    ):
        day = interval.start.date()
    return MapView(
        layer_ids=ids,
        datetime_text=interval.text if interval else None,
        start=interval.start if interval else None,
        end=interval.end if interval else None,
        day=day,
        as_of=parse_instant(q.get("as_of")),
        bbox=parse_bbox(q.get("bbox")),
        event_types=parse_event_types(q.getlist("event_type")),
        sources=parse_list(q.getlist("source"), "source"),
        claimants=parse_list(q.getlist("claimant"), "claimant"),
        statuses=parse_statuses(q.getlist("status")),
        min_geo_precision=parse_geo_precision(q.get("min_geo_precision")),
        order_types=parse_order_types(q.getlist("order_type")),
    )


def map_query(collection: LayerView, view: MapView, *, time_filter: bool) -> ClaimQuery | ZoneQuery:
    """The store query of the collection narrowed by the view; a single day is filtered in the browser."""
    zones = collection.layer.kind == "zones"
    use_time = time_filter or view.is_interval
    narrowing = Narrowing(
        bbox=view.bbox,
        start=view.start if use_time else None,
        end=view.end if use_time else None,
        filters={
            "event_types": view.event_types if not zones else (),
            "sources": view.sources if not zones else (),
            "claimants": view.claimants if not zones else (),
            "issuers": view.claimants if zones else (),
            "statuses": view.statuses if not zones else (),
            "min_geo_precision": view.min_geo_precision if not zones else None,
            "order_types": view.order_types if zones else (),
        },
    )
    return collection.query(narrowing, as_of=view.as_of)


#: Corroboration runs inline (rings and side-by-side for every claim) up to this many claims
#: and this many claims on one day; beyond, a popup asks for its own incident.
INLINE_CORROBORATION = 3000
INLINE_PER_DAY = 300
#: The neighbourhood searched for one claim's incident: the corroboration limits plus slack.
NEIGHBOUR_RADIUS_M = 12_000.0
NEIGHBOUR_DAYS = 9
MAX_NEIGHBOURS = 400


def _inline_incidents(records: list[Any]) -> list[Any] | None:
    """Incidents of all drawn claims when that is cheap, else ``None`` (popups fetch their own)."""
    if len(records) < 2:
        return []
    if len(records) > INLINE_CORROBORATION:
        return None
    per_day: dict[Any, int] = {}
    for r in records:
        if r.valid_from is not None:
            key = r.valid_from.date()
            per_day[key] = per_day.get(key, 0) + 1
    if per_day and max(per_day.values()) > INLINE_PER_DAY:
        return None
    from layers.corroborate import corroborate

    return list(corroborate(records))


def layer_payload(collection: LayerView, view: MapView, *, time_filter: bool = False) -> dict[str, Any]:
    """The compact data of one collection for a view (claims columns or zones GeoJSON)."""
    from api.render.mapdata import claims_payload, zones_payload

    layer = collection.layer
    query = map_query(collection, view, time_filter=time_filter)
    if isinstance(query, ZoneQuery):
        return zones_payload(collection.zones(query), layer_id=layer.id, title=layer.title)
    records = collection.records(query, as_of=view.as_of)
    incidents = _inline_incidents(records)
    payload = claims_payload(records, incidents=incidents or (), layer_id=layer.id, title=layer.title)
    payload["incidents_inline"] = incidents is not None
    return payload


def claim_incident(collection: LayerView, claim_id: str, view: MapView) -> dict[str, Any]:
    """The incident one claim belongs to, from corroborating it with its neighbours only.

    Neighbours are the layer's claims within ``NEIGHBOUR_RADIUS_M`` and ``NEIGHBOUR_DAYS``
    (the nearest ``MAX_NEIGHBOURS``), so the cost does not grow with the layer.
    """
    from api.render.mapdata import claims_payload

    def near(bbox: tuple[float, float, float, float], start: datetime | None, end: datetime | None) -> Any:
        return map_query(collection, replace(view, bbox=bbox, start=start, end=end), time_filter=True)

    found = collection.incident_of(
        claim_id,
        near,
        as_of=view.as_of,
        radius_m=NEIGHBOUR_RADIUS_M,
        days=NEIGHBOUR_DAYS,
        max_neighbours=MAX_NEIGHBOURS,
    )
    if found is None:
        return {"incident": None}
    inc, members = found
    payload = claims_payload(members, layer_id=collection.layer.id)
    payload["incident"] = {
        "id": inc.id,
        "status": inc.status,
        "independent_sources": inc.independent_sources,
        "conflicts": list(inc.conflicts),
    }
    return payload


def map_title(layers: list[Layer]) -> str:
    """The title of a map of ``layers``: the layer's own, or the titles joined by ' + '."""
    if len(layers) == 1:
        return layers[0].title
    return " + ".join(layer.title for layer in layers)


def iframe_html(src: str, title: str, width: int | str = "100%", height: int = 520) -> str:
    """The copyable ``<iframe>`` snippet of an embed (every value escaped)."""
    return (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" style="border:0;max-width:100%" '
        f'loading="lazy" title="{escape(title)}" allowfullscreen></iframe>'
    )


def when_label(view: MapView) -> str:
    """The view's time as a caption: a day, an interval, or 'all dates'."""
    if view.day is not None:
        return f"{view.day.day} {view.day:%b %Y}"
    if view.datetime_text:
        return view.datetime_text.replace("/", " to ")
    return "all dates"


class PayloadCache:
    """A small LRU of encoded public map payloads, keyed by their strong ETag.

    The ETag covers the path, the query, the layer definition and (unless the view
    is pinned in the past) the store's ``last_recorded_at``, so a write makes old
    entries unreachable; a breaking-news spike on one embed builds its data once.
    """

    def __init__(self, max_entries: int = 16, max_bytes: int = 200_000_000) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: str) -> bytes | None:
        """The cached body for ``key``, or ``None``."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        """Remember ``body``; the least recently used entries go when full."""
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries or sum(map(len, self._items.values())) > self.max_bytes:
                self._items.popitem(last=False)


def payload_cache(request: Request) -> PayloadCache:
    """The app's payload cache, created on first use (no import-time state)."""
    cache: PayloadCache | None = getattr(request.app.state, "map_payload_cache", None)
    if cache is None:
        cache = PayloadCache()
        request.app.state.map_payload_cache = cache
    return cache
