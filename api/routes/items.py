"""OGC API - Features: the items of a collection, a page at a time or (``f=``) as one download.

Items are filtered by ``bbox`` (exact intersection), ``datetime`` (overlap with the
event interval), ``as_of`` and the layer's own fields, paged with ``limit``/``offset``
and ``next``/``prev`` links, and carry ``numberMatched`` when it is exact and cheap (claim
pages leave it out past ``layers.store.sqlreads.COUNT_BUDGET`` matches; OGC allows it).
``f=geojson|csv|gpkg|parquet|kml`` downloads every match (streamed where the format
allows). Unknown query parameters are a 400, as the standard requires; a ``limit``
above the maximum is served as the maximum. The route parses, asks the collection
(:class:`layers.collection.LayerView`) and renders.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import html as H
from api import ogc
from api.auth import Principal
from api.caching import CachePolicy, cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.downloads import download
from api.errors import problem_responses
from api.items_request import ItemsRequest, parse_items_request
from api.layer_cache import layer_at, layer_cache
from api.params import DOWNLOAD_FORMATS
from api.settings import Settings
from geo.errors import SitmapError
from layers.collection import LayerView
from layers.model import Layer
from layers.store import ClaimQuery, Store
from layers.store.sqlreads import FeatureTexts

router = APIRouter(tags=["OGC API - Features"])

_ITEMS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of features (GeoJSON), or a download of every match in the format f asks for",
        "content": {
            ogc.GEOJSON: {"schema": {"type": "object"}},
            ogc.HTML: {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/geopackage+sqlite3": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.google-earth.kml+xml": {"schema": {"type": "string"}},
        },
    },
    304: {"description": "Not modified"},
    **problem_responses(400, 401, 404),
}

CsvParam = Annotated[list[str] | None, Query(description="one or more values, comma-separated or repeated")]


@router.get("/collections/{collection_id}/items", summary="Features of a collection", responses=_ITEMS_RESPONSES)
def items(
    collection_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    f: Annotated[
        str | None, Query(description="json (default), html, or a download: geojson, csv, gpkg, parquet, kml")
    ] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (CRS84); exact intersection")] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="CRS of bbox: CRS84 (default) or EPSG 4326")
    ] = None,
    crs: Annotated[str | None, Query(description="output CRS: only CRS84 is offered")] = None,
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="Instant or interval (RFC 3339; date-only allowed; '..' for an open end), "
            "matched against each claim's event interval",
        ),
    ] = None,
    limit: Annotated[int | None, Query(description="items per page")] = None,
    offset: Annotated[int | None, Query(ge=0, description="items to skip")] = None,
    as_of: Annotated[str | None, Query(description="show what was known at this instant (bitemporal)")] = None,
    include_region: Annotated[bool | None, Query(description="add each uncertainty region as a property")] = None,
    properties: Annotated[
        list[str] | None,
        Query(
            description="only these properties (comma-separated; json, html, geojson, csv), plus id and what "
            "makes a claim (claimant, source, time, uncertainty) unless named away with a leading '-'"
        ),
    ] = None,
    event_type: CsvParam = None,
    source: CsvParam = None,
    claimant: CsvParam = None,
    status: CsvParam = None,
    min_geo_precision: Annotated[
        int | None, Query(ge=1, le=3, description="ACLED code: keep claims at least this precise")
    ] = None,
    order_type: CsvParam = None,
    issuer: CsvParam = None,
    active_at: Annotated[str | None, Query(description="zones: in force at this instant")] = None,
    include_retracted: Annotated[bool | None, Query(description="zones: include retracted orders")] = None,
) -> Response:
    """A page of a collection's features, or (``f=geojson|csv|gpkg|parquet|kml``) a download of all of them."""
    fast = _items_one_read(request, settings, store, principal, collection_id)
    if fast is not None:
        return fast
    # the store clock first: it validates the cached layer definition and goes into the ETag
    clock = store.last_recorded_at()
    layer, layer_json = layer_at(request, store, collection_id, principal, clock)
    view = LayerView(store, layer, ogc.reader_of(principal), ogc.collection_caches(request), clock=clock)
    req = parse_items_request(request, layer, settings)
    policy = _items_policy(request, settings, view, layer_json, principal, req)
    headers = policy.headers()
    if not_modified(request, policy.etag):
        return Response(status_code=304, headers=headers)
    if req.fmt in DOWNLOAD_FORMATS:
        return download(view, req, headers)
    hit = ogc.cached_response(request, policy.etag, headers)
    if hit is not None:
        return hit
    with ogc.single_flight(request, policy.etag):
        # Concurrent identical requests wait for the first one, then take its cached body.
        hit = ogc.cached_response(request, policy.etag, headers)
        if hit is not None:
            return hit
        return _render_items(request, settings, view, req, policy.etag, headers)


def _items_policy(
    request: Request,
    settings: Settings,
    view: LayerView,
    layer_json: str,
    principal: Principal | None,
    req: ItemsRequest,
) -> CachePolicy:
    """The ETag and caching headers of an items answer (both items paths use this, so they validate alike)."""
    frozen = is_frozen(req.as_of, delay=view.delay)
    return cache_policy(
        request,
        parts=(
            layer_json,
            "auth" if principal else "anon",
            req.fmt,
            ogc.base_url(request, settings),
            *ogc.publication_parts(view),
        ),
        last_recorded_at=None if frozen else view.clock,
        frozen=frozen,
        public=principal is None and not view.layer.private,
        max_age=settings.cache_max_age,
    )


def _items_one_read(
    request: Request,
    settings: Settings,
    store: Store,
    principal: Principal | None,
    layer_id: str,
) -> Response | None:
    """A GeoJSON page from one store read (the page and the clock together), or ``None`` to take the full path.

    The full path reads the store clock, then the page: two round trips. A store with
    ``claim_feature_page_and_clock`` (PostGIS) reads both in one. Applies to a claim
    layer already in the layer cache, served without a publication policy, to a GeoJSON
    page (no ``include_region``) whose parameters all parse, when neither a validator
    (``If-None-Match``) nor the response cache could answer without the page. The clock
    read with the page must equal the one the cached definition was read under: then
    no write happened since, and the answer is the full path's (same ETag, headers and
    body). Anything else returns ``None``, and the full path answers, with its errors
    in their order.
    """
    read = getattr(store, "claim_feature_page_and_clock", None)
    cache = getattr(request.app.state, "response_cache", None)
    if read is None or (cache is not None and cache.max_bytes > 0) or "if-none-match" in request.headers:
        return None
    hit = layer_cache(request).get((id(store), layer_id))
    if hit is None:
        return None
    cached_clock, layer, layer_json = hit
    reader = ogc.reader_of(principal)
    if layer.kind != "claims" or (layer.private and (principal is None or not reader.private)):
        return None
    view = LayerView(store, layer, reader, ogc.collection_caches(request), clock=cached_clock)
    if view.public_form:
        return None
    try:
        req = parse_items_request(request, layer, settings)
        if req.fmt != "json" or req.include_region:
            return None
        query = view.query(req.narrowing, as_of=req.as_of, limit=req.limit, offset=req.offset)
    except SitmapError:
        return None
    if not isinstance(query, ClaimQuery):
        return None
    texts, clock = read(query, properties=req.properties)
    if clock != cached_clock:
        return None
    policy = _items_policy(request, settings, view, layer_json, principal, req)
    base = ogc.base_url(request, settings)
    return _texts_response(request, base, layer, req, texts, policy.etag, policy.headers())


def _texts_response(
    request: Request,
    base: str,
    layer: Layer,
    req: ItemsRequest,
    texts: FeatureTexts,
    etag: str,
    headers: dict[str, str],
) -> Response:
    """A GeoJSON page from the feature texts the store wrote: their concatenation, kept in the response cache."""
    links = _page_links(request, base, layer, req, texts.more)
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if texts.total is not None:  # left out when counting it would cost more than the page (see COUNT_BUDGET)
        head["numberMatched"] = texts.total
    head.update(numberReturned=len(texts.texts), timeStamp=ogc.time_stamp(req.as_of), links=links)
    body = b"".join(
        (ogc.json_bytes(head)[:-1], b',"features":[', ",".join(texts.texts).encode(), b"]}")
    )  # fmt: skip
    response = Response(body, media_type=ogc.GEOJSON, headers={**headers, "Content-Crs": f"<{ogc.CRS84}>"})
    return ogc.remember(request, etag, response)


def _render_items(
    request: Request,
    settings: Settings,
    view: LayerView,
    req: ItemsRequest,
    etag: str,
    headers: dict[str, str],
) -> Response:
    """Run an items query and render its page (GeoJSON or HTML), keeping it in the response cache."""
    layer = view.layer
    base = ogc.base_url(request, settings)
    texts = None
    if req.fmt != "html" and not req.include_region:
        texts = view.page_texts(
            req.narrowing, as_of=req.as_of, limit=req.limit, offset=req.offset, properties=req.properties
        )
    if texts is not None:
        # the cold path: the store wrote each feature's text; the page is their concatenation
        return _texts_response(request, base, layer, req, texts, etag, headers)
    feats, total = view.page(
        req.narrowing,
        as_of=req.as_of,
        limit=req.limit,
        offset=req.offset,
        include_region=req.include_region,
        properties=req.properties,
    )
    links = _page_links(request, base, layer, req, req.offset + len(feats) < total)
    if req.fmt == "html":
        return ogc.remember(request, etag, _items_html(layer, feats, total, req, links, headers))
    data = {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(feats),
        "timeStamp": ogc.time_stamp(req.as_of),
        "links": links,
        "features": feats,
    }
    return ogc.remember(request, etag, ogc.respond(data, ogc.GEOJSON, {**headers, "Content-Crs": f"<{ogc.CRS84}>"}))


def _page_links(request: Request, base: str, layer: Layer, req: ItemsRequest, more: bool) -> list[dict[str, str]]:
    """self/alternate/next/prev/collection links (``next`` when ``more`` matches follow this page).

    Each link carries every query parameter of the request.
    """
    path = f"/collections/{layer.id}/items"
    items = request.query_params.multi_items()
    params = [(k, v) for k, v in items if k not in ("offset", "limit", "f")]
    given_f = [(k, v) for k, v in items if k == "f"]
    page_type = ogc.HTML if req.fmt == "html" else ogc.GEOJSON

    def href(offset: int, f_items: list[tuple[str, str]]) -> str:
        p = [*params, *f_items, ("limit", str(req.limit))]
        if offset:
            p.append(("offset", str(offset)))
        return ogc.url(base, path, p)

    links = [ogc.link(href(req.offset, given_f), "self", page_type, "This page")]
    if req.fmt == "html":
        links.append(ogc.link(href(req.offset, [("f", "json")]), "alternate", ogc.GEOJSON, "This page as GeoJSON"))
    else:
        links.append(ogc.link(href(req.offset, [("f", "html")]), "alternate", ogc.HTML, "This page as HTML"))
    from layers.export import FORMATS

    for fmt in DOWNLOAD_FORMATS:
        links.append(
            ogc.link(
                ogc.url(base, path, [*params, ("f", fmt)]),
                "enclosure",
                FORMATS[fmt][1],
                f"Download every match ({fmt})",
            )
        )
    if more:
        links.append(ogc.link(href(req.offset + req.limit, given_f), "next", page_type, "Next page"))
    if req.offset > 0:
        links.append(ogc.link(href(max(0, req.offset - req.limit), given_f), "prev", page_type, "Previous page"))
    links.append(ogc.link(base + f"/collections/{layer.id}", "collection", ogc.JSON, layer.title))
    return links


def _items_html(
    layer: Layer,
    feats: list[dict[str, Any]],
    total: int,
    req: ItemsRequest,
    links: list[dict[str, str]],
    headers: dict[str, str],
) -> Response:
    if layer.kind == "zones":
        cols = [
            "id",
            "order_type",
            "issuer",
            "source",
            "effective_from",
            "lifted_at",
            "status",
            "area_km2",
            "block_ids",
        ]
    elif layer.kind == "incidents":
        cols = [
            "id",
            "event_type",
            "status",
            "independent_sources",
            "claimants",
            "sources",
            "valid_from",
            "valid_to",
            "uncertainty_m",
        ]
    else:
        cols = [
            "id",
            "event_type",
            "claimant",
            "source",
            "place_name",
            "valid_from",
            "valid_to",
            "time_precision",
            "uncertainty_m",
            "status",
        ]
    rows = [f["properties"] for f in feats]
    nav = [item for item in links if item["rel"] in ("next", "prev", "collection")]
    body = (
        f"<h1>{H.esc(layer.title)}</h1><p>{len(feats)} of {total} matching features "
        f"(offset {req.offset}).</p>" + H.table(rows, cols) + H.link_list(nav)
    )
    return ogc.html_page(layer.title, body, headers)
