"""Map pages, embeds, their data and static map images.

- ``/maps/{collection}``: full page (title, legend, day stepper, downloads, iframe snippet).
- ``/embed/{collection}``: the map alone for iframes; framing allowed by ``frame_ancestors``.
- ``/maps/{collection}/data.json``: the compact layer data the pages fetch.
- ``/maps/{collection}/incident/{claim_id}.json``: one claim's incident, for popups.
- ``/maps/{collection}/claims/{claim_id}``: one member claim of an incident layer, for popups.
- ``/maps/{collection}.png``: the same view drawn server-side (no basemap).

Every page takes the items parameters (``datetime``, ``as_of``, ``bbox``,
``event_type``, ``source``, ``claimant``, ``status``) plus ``layers=`` and opens in
exactly that state, so a URL reproduces a view (:mod:`api.mapview`). oEmbed, the
orders list and the static assets are rooms of their own (``oembed``, ``orders``,
``static``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import mapview, ogc
from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import BadParameter
from api.params import check_known, format_instant, parse_instant
from api.precompressed import boundaries_url
from api.render.mapbuilder import (
    LayerRef,
    MapConfig,
    PageInfo,
    no_basemap,
    render_embed_page,
    render_map_page,
)
from api.render.words import isolate
from api.settings import Settings
from geo.errors import NotFound
from layers.catalog import layer_count
from layers.collection import LayerView
from layers.model import Layer
from layers.review import review_note
from layers.store import Store

router = APIRouter(tags=["maps"])

DOWNLOAD_FORMATS = (
    ("GeoJSON", "geojson"),
    ("CSV", "csv"),
    ("GeoPackage", "gpkg"),
    ("GeoParquet", "parquet"),
    ("KML", "kml"),
)


def _collection(request: Request, store: Store, layer_id: str, principal: Any) -> LayerView:
    """The collection behind a map layer id, as this reader may see it (401 for a private one)."""
    return ogc.open_view(request, store, layer_id, principal, noun="layer")


def _cached(
    request: Request,
    store: Store,
    settings: Settings,
    view: mapview.MapView,
    collections: list[LayerView],
    parts: tuple[str, ...] = (),
) -> tuple[dict[str, str], bool]:
    """Cache headers for a view and whether the client's copy is still good (304)."""
    layers = [c.layer for c in collections]
    last = collections[0].clock if collections else store.last_recorded_at()
    policy = cache_policy(
        request,
        parts=(*parts, *(lay.model_dump_json() for lay in layers), *ogc.publication_parts(*collections)),
        last_recorded_at=last,
        frozen=is_frozen(view.as_of),
        public=not any(lay.private for lay in layers),
        max_age=settings.cache_max_age,
    )
    return policy.headers(), not_modified(request, policy.etag)


def _tile_origin(tiles: str | None) -> str:
    if no_basemap(tiles):
        return ""
    parts = urlsplit((tiles or "").replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in (tiles or ""):
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else ""


def _basemap(settings: Settings) -> dict[str, Any]:
    """The tile source a map draws, and its credit: XYZ, a local PMTiles archive, or none (offline basemap)."""
    from api.render.pmtiles_basemap import TILE_ROUTE, drawable_archive, pmtiles_path

    if pmtiles_path(settings.tiles) is not None:
        archive = drawable_archive(settings.tiles)
        if archive is None:  # unreadable, or vector tiles: the offline basemap and its own credits
            return {"tiles": None, "tiles_attribution": ""}
        return {
            "tiles": TILE_ROUTE,
            "tiles_attribution": archive.attribution(settings.tiles_attribution),
            "tiles_max_native_zoom": archive.max_zoom,
        }
    return {
        "tiles": None if no_basemap(settings.tiles) else settings.tiles,
        "tiles_attribution": settings.tiles_attribution,
    }


def page_csp(settings: Settings, *, embed: bool) -> str:
    """The Content-Security-Policy of map pages: only sitmap's own scripts, data and tiles.

    Scripts come from sitmap's own files only (no ``'unsafe-inline'``): the pages carry
    their configuration as a JSON data block that ``sitmap-boot.js`` reads, so a
    string that reached the page as markup still could not run.

    ``frame-ancestors`` is ``settings.frame_ancestors`` for ``/embed`` (any origin by
    default) and ``'self'`` for every other page.
    """
    tiles = _tile_origin(settings.tiles)
    ancestors = (settings.frame_ancestors or "*") if embed else "'self'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}; connect-src 'self'; "
        f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


def _title(layer: Layer, lang: str) -> str:
    """A layer's title for the reader: a default layer's own title translated, any other as written."""
    from api.render.i18n import default_layer_text, words

    return words(lang).t(layer.title) if default_layer_text(layer.id, layer.title) else layer.title


def _description(layer: Layer, lang: str) -> str:
    """A layer's description for the reader: a default layer's own translated, any other as written."""
    from api.render.i18n import LAYER_DESCRIPTIONS, default_layer_text

    own = LAYER_DESCRIPTIONS.get(layer.id, {}).get(lang)
    if own and default_layer_text(layer.id, layer.description or "", "description"):
        return own
    return layer.description or ""


def _map_config(
    request: Request,
    store: Store,
    settings: Settings,
    view: mapview.MapView,
    layers: list[Layer],
    *,
    embed: bool,
    lang: str = "en",
) -> MapConfig:
    from api.render.i18n import words

    w = words(lang)
    refs = []
    as_of = format_instant(view.as_of) if view.as_of else None
    for layer in layers:
        sub = replace(view, layer_ids=(layer.id,), order_types=view.order_types if layer.kind == "zones" else ())
        data_url: str | None = f"/maps/{layer.id}/data.json{sub.query(primary=False)}"
        tiles = None
        if layer.kind == "claims" and layer_count(store, layer, as_of=view.as_of) > settings.map_tiles_threshold:
            # too many claims for one data file: the page reads the vector tiles of its view
            # (as_of and filters as the data file; the day stepper filters what is loaded)
            kept = [(k, v) for k, v in sub.params(primary=False, datetime_=False) if k != "bbox"]
            template = f"/collections/{layer.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
            tiles, data_url = template + ("?" + urlencode(kept) if kept else ""), None
        refs.append(
            LayerRef(
                id=layer.id,
                title=_title(layer, lang),
                kind="zones" if layer.kind == "zones" else "claims",
                data_url=data_url,
                # an incident layer draws member claims: its items are incidents, so popups read the claims
                items_url=f"/maps/{layer.id}/claims" if layer.kind == "incidents" else f"/collections/{layer.id}/items",
                as_of=as_of,
                note=w.t("{title}: only claims checked by an editor", title=isolate(_title(layer, lang)))
                if review_note(layer)
                else None,
                tiles=tiles,
            )
        )
    newer = None
    if view.as_of is not None:
        last = store.last_recorded_at()
        if last is not None and last > view.as_of:
            current = replace(view, as_of=None)
            newer = {
                "url": f"{ogc.base_url(request, settings)}/maps/{view.layer_ids[0]}{current.query()}",
                "text": "Newer reports exist: open the current map",
            }
    span = None
    if view.is_interval and view.start is not None and view.end is not None:
        span = (view.start.date().isoformat(), view.end.date().isoformat())
    return MapConfig(
        title=" + ".join(_title(layer, lang) for layer in layers),
        layers=refs,
        boundaries=boundaries_url(),
        **_basemap(settings),
        date=view.day.isoformat() if view.day else None,
        interval=view.datetime_text if view.is_interval else None,
        span=span,
        bbox=view.bbox,
        as_of_label=w.t("on {day}", day=w.instant(view.as_of)) if view.as_of else None,
        as_of_time=w.instant(view.as_of) if view.as_of else None,
        newer=newer,
        embed=embed,
        lang=lang,
    )


def _page_info(
    request: Request,
    settings: Settings,
    view: mapview.MapView,
    layers: list[Layer],
    collection: str,
    lang: str = "en",
    *,
    keep_lang: bool = False,
) -> PageInfo:
    """What the page around a map offers; with ``keep_lang`` (``?lang=`` was given) its links keep the language."""
    from api.render.i18n import words

    w = words(lang)
    base = ogc.base_url(request, settings)
    title = " + ".join(_title(layer, lang) for layer in layers)

    def with_lang(query: str) -> str:
        return query if not keep_lang else f"{query}{'&' if query else '?'}lang={lang}"

    q = view.query()
    canonical = f"{base}/maps/{collection}{with_lang(q)}"
    pinned = view if view.as_of else replace(view, as_of=datetime.now(UTC).replace(microsecond=0))
    embed_url = f"{base}/embed/{collection}{with_lang(pinned.query())}"
    downloads = []
    for layer in layers:
        own = replace(view, layer_ids=(layer.id,))
        if layer.kind == "zones":  # claim filters do not apply to orders
            own = replace(own, event_types=(), sources=(), statuses=(), min_geo_precision=None)
        else:  # nor order types to claims
            own = replace(own, order_types=())
        item_q = own.params(primary=False)
        for label, fmt in DOWNLOAD_FORMATS:
            downloads.append(
                (
                    f"{isolate(_title(layer, lang))}: {label}",
                    f"/collections/{layer.id}/items?{urlencode([*item_q, ('f', fmt)])}",
                )
            )
    notes = [
        f"{isolate(_title(layer, lang))}: {isolate(_description(layer, lang))}"
        if layer.description
        else _title(layer, lang)
        for layer in layers
    ]
    as_of_note = w.t("Shows what was known on {when}.", when=w.instant(view.as_of)) if view.as_of else ""
    # the plain list of orders of the same day and order types, in the same language
    orders_q = [("date", view.day.isoformat())] if view.day else []
    orders_q += [("order_type", t) for t in view.order_types]
    orders_url = "/orders" + with_lang("?" + urlencode(orders_q) if orders_q else "")
    return PageInfo(
        title=title,
        description=_description(layers[0], lang) if len(layers) == 1 else "",
        canonical_url=canonical,
        og_image_url=f"{base}/maps/{collection}.png{q}",
        png_url=f"/maps/{collection}.png{q}",
        oembed_url=f"{base}/oembed?{urlencode({'url': canonical, 'format': 'json'})}",
        embed_url=f"/embed/{collection}{with_lang('')}",
        downloads=downloads,
        snippet=mapview.iframe_html(embed_url, title),
        orders_url=orders_url,
        as_of_note=as_of_note,
        layer_notes=notes,
    )


def _page(
    collection: str, request: Request, store: Store, settings: Settings, principal: Any, *, embed: bool
) -> Response:
    from api.render.i18n import pick_lang

    view = mapview.parse_view(collection, request)
    collections = [_collection(request, store, lid, principal) for lid in view.layer_ids]
    layers = [c.layer for c in collections]
    lang = pick_lang(request.query_params.get("lang"), request.headers.get("accept-language"))
    headers, fresh = _cached(request, store, settings, view, collections, parts=("embed" if embed else "page", lang))
    headers["Content-Security-Policy"] = page_csp(settings, embed=embed)
    headers["Vary"] = "Accept-Language"
    headers["Content-Language"] = lang
    if fresh:
        return Response(status_code=304, headers=headers)
    config = _map_config(request, store, settings, view, layers, embed=embed, lang=lang)
    # a language asked for by ?lang= is kept by the embed snippet, the canonical and the oEmbed links
    info = _page_info(request, settings, view, layers, collection, lang, keep_lang="lang" in request.query_params)
    html = render_embed_page(config, info) if embed else render_map_page(config, info)
    return HTMLResponse(html, headers=headers)


@router.get("/maps/{collection}.png", summary="Static PNG of a map view (no basemap)")
def map_png(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """The view drawn server-side: boundaries, zones, claims with uncertainty, legend, title, date."""
    from api.render.png import render_png

    view = mapview.parse_view(collection, request)
    collections = [_collection(request, store, lid, principal) for lid in view.layer_ids]
    layers = [c.layer for c in collections]
    headers, fresh = _cached(request, store, settings, view, collections, parts=("png",))
    if fresh:
        return Response(status_code=304, headers=headers)
    cache = mapview.payload_cache(request)
    key = headers["ETag"] if principal is None else None
    png = cache.get(key) if key else None
    if png is None:
        payloads = [mapview.layer_payload(c, view, time_filter=True) for c in collections]
        png = render_png(
            payloads,
            title=mapview.map_title(layers),
            when=mapview.when_label(view),
            day=view.day,
            as_of=view.as_of,
            bbox=view.bbox,
        )
        if key:
            cache.put(key, png)
    return Response(png, media_type="image/png", headers=headers)


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
    view = mapview.parse_view(collection, request)
    layer_view = _collection(request, store, collection, principal)
    headers, fresh = _cached(request, store, settings, view, [layer_view], parts=("incident",))
    if fresh:
        return Response(status_code=304, headers=headers)
    return JSONResponse(mapview.claim_incident(layer_view, claim_id, view), headers=headers)


@router.get("/maps/{collection}/claims/{claim_id}", summary="One claim drawn on a map of the collection")
def map_claim(
    collection: str,
    claim_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """One claim of the collection as GeoJSON, for popups: an incident layer's map draws its
    member claims, which are not items of the incident collection (those are incidents)."""
    check_known(request.query_params.keys(), ("as_of",))
    as_of = parse_instant(request.query_params.get("as_of"), "as_of")
    view = mapview.MapView(layer_ids=(collection,), as_of=as_of)
    layer_view = _collection(request, store, collection, principal)
    headers, fresh = _cached(request, store, settings, view, [layer_view], parts=("claim", claim_id))
    if fresh:
        return Response(status_code=304, headers=headers)
    feature = layer_view.claim_feature(claim_id, as_of=as_of, include_region=False)
    if feature is None:
        raise NotFound(f"no claim {claim_id[:60]!r} in collection {collection!r}")
    return Response(json.dumps(feature, ensure_ascii=False), media_type=ogc.GEOJSON, headers=headers)


@router.get("/maps/{collection}/data.json", summary="Compact map data of a collection")
def map_data(
    collection: str, request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """Columnar claims (or zone GeoJSON) for drawing; full properties are on the items endpoint."""
    view = mapview.parse_view(collection, request)
    if len(view.layer_ids) > 1:
        raise BadParameter("layers", "data.json serves one collection; fetch each layer separately")
    layer_view = _collection(request, store, collection, principal)
    headers, fresh = _cached(request, store, settings, view, [layer_view], parts=("data",))
    if fresh:
        return Response(status_code=304, headers=headers)
    cache = mapview.payload_cache(request)
    key = headers["ETag"] if principal is None else None
    body = cache.get(key) if key else None
    if body is None:
        payload = mapview.layer_payload(layer_view, view)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if key:
            cache.put(key, body)
    return Response(body, media_type="application/json", headers=headers)


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


__all__ = ["page_csp", "router"]
