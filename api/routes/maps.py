"""Map pages, embeds, oEmbed, static map images, the orders list and the map assets.

- ``/maps/{collection}``: full page (title, legend, day stepper, downloads, iframe snippet).
- ``/embed/{collection}``: the map alone for iframes; framing allowed by ``frame_ancestors``.
- ``/maps/{collection}/data.json``: the compact layer data the pages fetch.
- ``/maps/{collection}.png``: the same view drawn server-side (no basemap).
- ``/oembed``: oEmbed 1.0 (JSON; ``rich`` type) for CMSs.
- ``/orders?date=``: a plain HTML list of the evacuation orders in force on a day.
- ``/static/...``: Leaflet, markercluster and sitmap's own JS/CSS (no CDN, ever).

Every page takes the items parameters (``datetime``, ``as_of``, ``bbox``,
``event_type``, ``source``, ``claimant``, ``status``) plus ``layers=`` and opens in
exactly that state, so a URL reproduces a view.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import BadParameter, problem_response
from api.params import (
    format_instant,
    parse_bbox,
    parse_datetime,
    parse_event_types,
    parse_geo_precision,
    parse_instant,
    parse_list,
    parse_statuses,
)
from api.render.assets import resolve_asset
from api.render.mapbuilder import (
    LayerRef,
    MapConfig,
    PageInfo,
    boundaries_geojson,
    no_basemap,
    render_embed_page,
    render_map_page,
)
from api.settings import Settings
from geo.errors import NotFound, Unauthorized
from layers.model import Layer
from layers.store import ClaimQuery, Store, ZoneQuery

router = APIRouter(tags=["maps"])

#: Query parameters every map view understands (others, such as tracking tags, are ignored).
VIEW_PARAMS = (
    "datetime",
    "as_of",
    "bbox",
    "event_type",
    "source",
    "claimant",
    "status",
    "min_geo_precision",
    "layers",
)
#: Most collections one map may combine.
MAX_LAYERS = 8
#: Default and largest oEmbed frame sizes (px).
OEMBED_SIZE = (800, 600)
DOWNLOAD_FORMATS = (
    ("GeoJSON", "geojson"),
    ("CSV", "csv"),
    ("GeoPackage", "gpkg"),
    ("GeoParquet", "parquet"),
    ("KML", "kml"),
)


# --------------------------------------------------------------------------------------
# The view: parsed once, turned back into URLs
# --------------------------------------------------------------------------------------


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
    )


def _layer(store: Store, layer_id: str, principal: Any) -> Layer:
    from layers.catalog import get_layer

    layer = get_layer(store, layer_id)
    if layer.private and principal is None:
        raise Unauthorized(f"layer {layer_id!r} is private: it needs 'Authorization: Bearer <token>'")
    return layer


def _base_url(request: Request, settings: Settings) -> str:
    return settings.base_url or str(request.base_url).rstrip("/")


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _claim_query(layer: Layer, view: MapView, *, time_filter: bool) -> ClaimQuery | ZoneQuery:
    """The store query of ``layer`` narrowed by the view; a single day is filtered in the browser."""
    from layers.catalog import layer_query

    use_time = time_filter or view.is_interval
    return layer_query(
        layer,
        bbox=view.bbox,
        start=view.start if use_time else None,
        end=view.end if use_time else None,
        as_of=view.as_of,
        event_types=view.event_types if layer.kind != "zones" else (),
        sources=view.sources if layer.kind != "zones" else (),
        claimants=view.claimants if layer.kind != "zones" else (),
        issuers=view.claimants if layer.kind == "zones" else (),
        statuses=view.statuses if layer.kind != "zones" else (),
        min_geo_precision=view.min_geo_precision if layer.kind != "zones" else None,
    )


def _public_claims(layer: Layer, records: list[Any], principal: Any, as_of: datetime | None) -> list[Any]:
    """Apply the layer's publication policy (coarsening, delay) for anonymous readers."""
    if layer.policy is None:
        return records
    from layers.policy import apply_policy

    return apply_policy(records, layer.policy, authenticated=principal is not None, as_of=as_of)


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


def layer_payload(
    store: Store, layer: Layer, view: MapView, *, time_filter: bool = False, principal: Any = None
) -> dict[str, Any]:
    """The compact data of one collection for a view (claims columns or zones GeoJSON)."""
    from api.render.mapdata import claims_payload, zones_payload

    query = _claim_query(layer, view, time_filter=time_filter)
    if isinstance(query, ZoneQuery):
        return zones_payload(store.query_zones(query).items, layer_id=layer.id, title=layer.title)
    records = _public_claims(layer, store.query_claims(query).items, principal, view.as_of)
    incidents = _inline_incidents(records)
    payload = claims_payload(records, incidents=incidents or (), layer_id=layer.id, title=layer.title)
    payload["incidents_inline"] = incidents is not None
    return payload


def claim_incident(store: Store, layer: Layer, claim_id: str, view: MapView, principal: Any = None) -> dict[str, Any]:
    """The incident one claim belongs to, from corroborating it with its neighbours only.

    Neighbours are the layer's claims within ``NEIGHBOUR_RADIUS_M`` and ``NEIGHBOUR_DAYS``
    (the nearest ``MAX_NEIGHBOURS``), so the cost does not grow with the layer.
    """
    import math

    from layers.corroborate import corroborate

    claim = store.get_claim(claim_id, as_of=view.as_of)
    if claim.geometry is None:
        raise NotFound(f"claim {claim_id!r} has no location, so it has no neighbours to corroborate with")
    pt = claim.geometry.representative_point()
    dlat = NEIGHBOUR_RADIUS_M / 111_320
    dlon = dlat / max(math.cos(math.radians(pt.y)), 0.01)
    start = claim.valid_from - timedelta(days=NEIGHBOUR_DAYS) if claim.valid_from else None
    end = claim.valid_to + timedelta(days=NEIGHBOUR_DAYS) if claim.valid_to else None
    near = replace(view, bbox=(pt.x - dlon, pt.y - dlat, pt.x + dlon, pt.y + dlat), start=start, end=end)
    query = _claim_query(layer, near, time_filter=True)
    if not isinstance(query, ClaimQuery):
        raise NotFound(f"layer {layer.id!r} holds zones, which are not corroborated into incidents")
    records = [r for r in store.query_claims(query).items if r.geometry is not None]
    if not any(r.id == claim_id for r in records):
        raise NotFound(f"claim {claim_id!r} is not in layer {layer.id!r} for this view")
    records.sort(key=lambda r: pt.distance(r.geometry.representative_point()) if r.geometry is not None else 1e9)
    records = _public_claims(layer, records[:MAX_NEIGHBOURS], principal, view.as_of)
    from api.render.mapdata import claims_payload

    for inc in corroborate(records):
        if claim_id in inc.claim_ids:
            members = [r for r in records if r.id in inc.claim_ids]
            payload = claims_payload(members, layer_id=layer.id)
            payload["incident"] = {
                "id": inc.id,
                "status": inc.status,
                "independent_sources": inc.independent_sources,
                "conflicts": list(inc.conflicts),
            }
            return payload
    return {"incident": None}


def _cached(
    request: Request, store: Store, settings: Settings, view: MapView, layers: list[Layer], parts: tuple[str, ...] = ()
) -> tuple[dict[str, str], bool]:
    """Cache headers for a view and whether the client's copy is still good (304)."""
    last = store.last_recorded_at()
    policy = cache_policy(
        request,
        parts=(*parts, *(lay.model_dump_json() for lay in layers)),
        last_recorded_at=last,
        frozen=is_frozen(view.as_of),
        public=not any(lay.private for lay in layers),
        max_age=settings.cache_max_age,
    )
    return policy.headers(), not_modified(request, policy.etag)


# --------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------


def _tile_origin(tiles: str | None) -> str:
    if no_basemap(tiles):
        return ""
    parts = urlsplit((tiles or "").replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in (tiles or ""):
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else ""


def page_csp(settings: Settings, *, embed: bool) -> str:
    """The Content-Security-Policy of map pages: only sitmap's own scripts, data and tiles.

    ``frame-ancestors`` is ``settings.frame_ancestors`` for ``/embed`` (any origin by
    default) and ``'self'`` for every other page.
    """
    tiles = _tile_origin(settings.tiles)
    ancestors = (settings.frame_ancestors or "*") if embed else "'self'"
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}; connect-src 'self'; "
        f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


def _map_config(
    request: Request, store: Store, settings: Settings, view: MapView, layers: list[Layer], *, embed: bool
) -> MapConfig:
    refs = []
    as_of = format_instant(view.as_of) if view.as_of else None
    for layer in layers:
        sub = replace(view, layer_ids=(layer.id,))
        refs.append(
            LayerRef(
                id=layer.id,
                title=layer.title,
                kind="zones" if layer.kind == "zones" else "claims",
                data_url=f"/maps/{layer.id}/data.json{sub.query(primary=False)}",
                items_url=f"/collections/{layer.id}/items",
                as_of=as_of,
            )
        )
    newer = None
    if view.as_of is not None:
        last = store.last_recorded_at()
        if last is not None and last > view.as_of:
            current = replace(view, as_of=None)
            newer = {
                "url": f"{_base_url(request, settings)}/maps/{view.layer_ids[0]}{current.query()}",
                "text": "Newer reports exist: open the current map",
            }
    span = None
    if view.is_interval and view.start is not None and view.end is not None:
        span = (view.start.date().isoformat(), view.end.date().isoformat())
    return MapConfig(
        title=_title(layers),
        layers=refs,
        boundaries="/static/boundaries.geojson",
        tiles=None if no_basemap(settings.tiles) else settings.tiles,
        tiles_attribution=settings.tiles_attribution,
        date=view.day.isoformat() if view.day else None,
        interval=view.datetime_text if view.is_interval else None,
        span=span,
        bbox=view.bbox,
        as_of_label=f"on {view.as_of:%d %b %Y %H:%M} UTC" if view.as_of else None,
        newer=newer,
        embed=embed,
    )


def _title(layers: list[Layer]) -> str:
    if len(layers) == 1:
        return layers[0].title
    return " + ".join(layer.title for layer in layers)


def _iframe(src: str, title: str, width: int | str = "100%", height: int = 520) -> str:
    from html import escape

    return (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" style="border:0;max-width:100%" '
        f'loading="lazy" title="{escape(title)}" allowfullscreen></iframe>'
    )


def _page_info(request: Request, settings: Settings, view: MapView, layers: list[Layer], collection: str) -> PageInfo:
    base = _base_url(request, settings)
    title = _title(layers)
    q = view.query()
    canonical = f"{base}/maps/{collection}{q}"
    pinned = view if view.as_of else replace(view, as_of=datetime.now(UTC).replace(microsecond=0))
    embed_url = f"{base}/embed/{collection}{pinned.query()}"
    downloads = []
    for layer in layers:
        own = replace(view, layer_ids=(layer.id,))
        if layer.kind == "zones":  # claim filters do not apply to orders
            own = replace(own, event_types=(), sources=(), statuses=(), min_geo_precision=None)
        item_q = own.params(primary=False)
        for label, fmt in DOWNLOAD_FORMATS:
            downloads.append(
                (f"{layer.title}: {label}", f"/collections/{layer.id}/items?{urlencode([*item_q, ('f', fmt)])}")
            )
    notes = [f"{layer.title}: {layer.description}" if layer.description else layer.title for layer in layers]
    as_of_note = f"Shows what was known on {view.as_of:%d %b %Y %H:%M} UTC." if view.as_of else ""
    return PageInfo(
        title=title,
        description=layers[0].description if len(layers) == 1 else "",
        canonical_url=canonical,
        og_image_url=f"{base}/maps/{collection}.png{q}",
        png_url=f"/maps/{collection}.png{q}",
        oembed_url=f"{base}/oembed?{urlencode({'url': canonical, 'format': 'json'})}",
        embed_url=f"/embed/{collection}",
        downloads=downloads,
        snippet=_iframe(embed_url, title),
        orders_url="/orders",
        as_of_note=as_of_note,
        layer_notes=notes,
    )


def _page(
    collection: str, request: Request, store: Store, settings: Settings, principal: Any, *, embed: bool
) -> Response:
    view = parse_view(collection, request)
    layers = [_layer(store, lid, principal) for lid in view.layer_ids]
    headers, fresh = _cached(request, store, settings, view, layers, parts=("embed" if embed else "page",))
    headers["Content-Security-Policy"] = page_csp(settings, embed=embed)
    if fresh:
        return Response(status_code=304, headers=headers)
    config = _map_config(request, store, settings, view, layers, embed=embed)
    info = _page_info(request, settings, view, layers, collection)
    html = render_embed_page(config, info) if embed else render_map_page(config, info)
    return HTMLResponse(html, headers=headers)


@router.get("/maps/{collection}.png", summary="Static PNG of a map view (no basemap)")
def map_png(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """The view drawn server-side: boundaries, zones, claims with uncertainty, legend, title, date."""
    from api.render.png import render_png

    view = parse_view(collection, request)
    layers = [_layer(store, lid, principal) for lid in view.layer_ids]
    headers, fresh = _cached(request, store, settings, view, layers, parts=("png",))
    if fresh:
        return Response(status_code=304, headers=headers)
    cache = _payload_cache(request)
    key = headers["ETag"] if principal is None else None
    png = cache.get(key) if key else None
    if png is None:
        payloads = [layer_payload(store, layer, view, time_filter=True, principal=principal) for layer in layers]
        png = render_png(
            payloads,
            title=_title(layers),
            when=_when_label(view),
            day=view.day,
            as_of=view.as_of,
            bbox=view.bbox,
        )
        if key:
            cache.put(key, png)
    return Response(png, media_type="image/png", headers=headers)


def _when_label(view: MapView) -> str:
    if view.day is not None:
        return f"{view.day.day} {view.day:%b %Y}"
    if view.datetime_text:
        return view.datetime_text.replace("/", " to ")
    return "all dates"


@router.get("/maps/{collection}/incident/{claim_id}.json", summary="The incident one claim belongs to")
def map_incident(
    collection: str,
    claim_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Claims about the same event as ``claim_id`` (side by side in popups of large layers)."""
    view = parse_view(collection, request)
    layer = _layer(store, collection, principal)
    headers, fresh = _cached(request, store, settings, view, [layer], parts=("incident",))
    if fresh:
        return Response(status_code=304, headers=headers)
    return JSONResponse(claim_incident(store, layer, claim_id, view, principal), headers=headers)


@router.get("/maps/{collection}/data.json", summary="Compact map data of a collection")
def map_data(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """Columnar claims (or zone GeoJSON) for drawing; full properties are on the items endpoint."""
    view = parse_view(collection, request)
    if len(view.layer_ids) > 1:
        raise BadParameter("layers", "data.json serves one collection; fetch each layer separately")
    layer = _layer(store, collection, principal)
    headers, fresh = _cached(request, store, settings, view, [layer], parts=("data",))
    if fresh:
        return Response(status_code=304, headers=headers)
    cache = _payload_cache(request)
    key = headers["ETag"] if principal is None else None
    body = cache.get(key) if key else None
    if body is None:
        import json

        payload = layer_payload(store, layer, view, principal=principal)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if key:
            cache.put(key, body)
    return Response(body, media_type="application/json", headers=headers)


class PayloadCache:
    """A small LRU of encoded public map payloads, keyed by their strong ETag.

    The ETag covers the path, the query, the layer definition and (unless the view
    is pinned in the past) the store's ``last_recorded_at``, so a write makes old
    entries unreachable; a breaking-news spike on one embed builds its data once.
    """

    def __init__(self, max_entries: int = 16, max_bytes: int = 200_000_000) -> None:
        import threading
        from collections import OrderedDict

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


def _payload_cache(request: Request) -> PayloadCache:
    """The app's payload cache, created on first use (no import-time state)."""
    cache: PayloadCache | None = getattr(request.app.state, "map_payload_cache", None)
    if cache is None:
        cache = PayloadCache()
        request.app.state.map_payload_cache = cache
    return cache


@router.get("/maps/{collection}", summary="Interactive map page", response_class=HTMLResponse)
def map_page(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """Full page: title, map with legend, layer control and day stepper, downloads, iframe snippet."""
    return _page(collection, request, store, settings, principal, embed=False)


@router.get("/embed/{collection}", summary="Embeddable map (for iframes)", response_class=HTMLResponse)
def embed_page(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """The map alone, filling its frame; framing allowed by ``SITMAP_FRAME_ANCESTORS``."""
    return _page(collection, request, store, settings, principal, embed=True)


# --------------------------------------------------------------------------------------
# oEmbed
# --------------------------------------------------------------------------------------


def _positive(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise BadParameter(name, f"{value!r} is not a positive integer")
    return int(value)


@router.get("/oembed", summary="oEmbed 1.0 for sitmap maps")
def oembed(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """oEmbed (``rich``) for a ``/maps/…`` or ``/embed/…`` URL of this sitmap.

    404 for URLs that are not sitmap maps, 501 for ``format=xml`` (only JSON is offered).
    """
    q = request.query_params
    fmt = (q.get("format") or "json").lower()
    if fmt != "json":
        return problem_response(501, f"oEmbed format {fmt[:20]!r} is not offered; use format=json", code="unsupported")
    url = q.get("url")
    if not url:
        raise BadParameter("url", "is required: the URL of a sitmap map page")
    maxwidth = _positive(q.get("maxwidth"), "maxwidth")
    maxheight = _positive(q.get("maxheight"), "maxheight")
    base = _base_url(request, settings)
    parts = urlsplit(url)
    ours = urlsplit(base)
    path = parts.path
    if parts.netloc != ours.netloc or not path.startswith(("/maps/", "/embed/")) or path.endswith(".png"):
        raise NotFound(f"{url[:200]!r} is not a sitmap map URL on {base}")
    collection = path.split("/", 2)[2].strip("/")
    if not collection or "/" in collection:
        raise NotFound(f"{url[:200]!r} is not a sitmap map URL on {base}")
    layer = _layer(store, collection, None)
    scope = {"type": "http", "query_string": parts.query.encode(), "headers": [], "path": path}
    view = parse_view(collection, Request(scope))
    pinned = view if view.as_of else replace(view, as_of=datetime.now(UTC).replace(microsecond=0))
    width = min(OEMBED_SIZE[0], maxwidth or OEMBED_SIZE[0])
    height = min(OEMBED_SIZE[1], maxheight or OEMBED_SIZE[1])
    src = f"{base}/embed/{collection}{pinned.query()}"
    title = layer.title if len(view.layer_ids) == 1 else " + ".join(view.layer_ids)
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "provider_name": settings.title or "sitmap",
        "provider_url": base + "/",
        "title": title,
        "html": _iframe(src, title, width, height),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }
    thumb_w, thumb_h = 1200, 800
    if (maxwidth is None or maxwidth >= thumb_w) and (maxheight is None or maxheight >= thumb_h):
        body.update(
            thumbnail_url=f"{base}/maps/{collection}.png{pinned.query()}",
            thumbnail_width=thumb_w,
            thumbnail_height=thumb_h,
        )
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})


# --------------------------------------------------------------------------------------
# Orders list (low bandwidth)
# --------------------------------------------------------------------------------------


@router.get("/orders", summary="Evacuation orders in force on a date (plain HTML)", response_class=HTMLResponse)
def orders(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    date_: Annotated[str | None, Query(alias="date", description="YYYY-MM-DD (default today, UTC)")] = None,
    as_of: Annotated[str | None, Query(description="Show what was known at this instant")] = None,
    lang: Annotated[str | None, Query(description="en, ar or he (default: Accept-Language)")] = None,
) -> Response:
    """A lightweight list by block number and area name, with no script and no map."""
    from api.render.i18n import pick_lang
    from api.render.orders import orders_on, render_orders

    if date_ is None:
        day = datetime.now(UTC).date()
    else:
        try:
            day = date.fromisoformat(date_.strip())
        except ValueError:
            raise BadParameter("date", f"{date_[:40]!r} is not a date YYYY-MM-DD") from None
    as_of_t = parse_instant(as_of)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    zones = store.query_zones(ZoneQuery(start=start, end=end, as_of=as_of_t)).items
    lang_ = pick_lang(lang, request.headers.get("accept-language"))
    html = render_orders(orders_on(zones, day), day=day, as_of=as_of_t, lang=lang_)
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'self'",
        "Cache-Control": f"public, max-age={settings.cache_max_age}",
        "Vary": "Accept-Language",
        "Content-Language": lang_,
    }
    return HTMLResponse(html, headers=headers)


# --------------------------------------------------------------------------------------
# Static assets
# --------------------------------------------------------------------------------------


@router.get("/static/boundaries.geojson", summary="Context boundaries drawn on every map")
async def boundaries() -> Response:
    """Gaza Strip, West Bank and governorate outlines (OCHA COD-AB), neighbours (Natural Earth)."""
    import json

    data = await asyncio.to_thread(boundaries_geojson)
    return Response(
        json.dumps(data, separators=(",", ":")),
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{path:path}", summary="Self-hosted map scripts and styles", include_in_schema=False)
def static(path: str) -> Response:
    """Leaflet and sitmap's map JS/CSS, served from installed packages (never a CDN)."""
    try:
        asset = resolve_asset(path)
    except NotFound:
        raise
    except Exception as exc:  # a bad path is a 404, never a 500
        raise NotFound(f"no static file {path[:100]!r}") from exc
    return FileResponse(asset.path, media_type=asset.media_type, headers={"Cache-Control": "public, max-age=86400"})


__all__ = ["MapView", "layer_payload", "page_csp", "parse_view", "router"]
