"""OGC API - Features Part 1: landing page, conformance, OpenAPI, collections, items, item.

Each layer of the store is one collection. Items are filtered by ``bbox`` (exact
intersection), ``datetime`` (overlap with the event interval), ``as_of`` and the
layer's own fields, paged with ``limit``/``offset`` and ``next``/``prev`` links, and
always carry ``numberMatched``. ``f=geojson|csv|gpkg|parquet|kml`` downloads every
match (streamed where the format allows). Unknown query parameters are a 400, as
the standard requires; a ``limit`` above the maximum is served as the maximum.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api import html as H
from api.auth import Principal
from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep, get_principal, get_settings, get_store
from api.errors import BadParameter, problem_responses
from api.params import (
    DOWNLOAD_FORMATS,
    ITEM_FORMATS,
    Interval,
    check_known,
    format_instant,
    parse_bbox,
    parse_bool,
    parse_datetime,
    parse_event_types,
    parse_geo_precision,
    parse_instant,
    parse_int,
    parse_limit,
    parse_list,
    parse_order_types,
    parse_statuses,
)
from api.settings import Settings
from geo.errors import NotFound, SitmapError, Unauthorized
from layers.model import Layer, Zone
from layers.store import ClaimQuery, Store, ZoneQuery

router = APIRouter(tags=["OGC API - Features"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]

#: Query parameters each kind of collection takes (anything else is a 400).
COMMON_ITEM_PARAMS = ("f", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "as_of", "include_region")
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
CRS84_NAMES = (CRS84, "OGC:CRS84", "CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84")
EPSG4326_NAMES = (EPSG4326, "EPSG:4326", "urn:ogc:def:crs:EPSG::4326")
CLAIM_ITEM_PARAMS = (*COMMON_ITEM_PARAMS, "event_type", "source", "claimant", "status", "min_geo_precision")
ZONE_ITEM_PARAMS = (*COMMON_ITEM_PARAMS, "order_type", "issuer", "active_at", "include_retracted")

#: Rows fetched per store call while streaming a download.
DOWNLOAD_PAGE = 2000

_JSON_HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}}},
    **problem_responses(400),
}


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def base_url(request: Request, settings: Settings) -> str:
    """The public base URL for links: the configured one, else the request's own."""
    return settings.base_url or str(request.base_url).rstrip("/")


def wants_html(request: Request, f: str | None) -> bool:
    """True if the client asked for HTML (``f=html``, or a browser's Accept without JSON first)."""
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


#: One encoder for every JSON body: compact, UTF-8, no NaN (invalid JSON), no cycle check (plain dicts).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)


def _json_bytes(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


def _respond(data: Any, media_type: str, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    return Response(_json_bytes(data), status_code=status, media_type=media_type, headers=headers)


def _cached(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    """The response rendered before for this ETag, if the response cache still holds it."""
    cache = getattr(request.app.state, "response_cache", None)
    hit = cache.get(etag) if cache is not None else None
    if hit is None:
        return None
    body, media_type = hit
    extra = {"Content-Crs": f"<{CRS84}>"} if media_type == GEOJSON else {}
    return Response(body, media_type=media_type, headers={**headers, **extra})


def _single_flight(request: Request, etag: str) -> Any:
    """A lock per ETag, so a burst of identical requests runs the query once (see ResponseCache)."""
    cache = getattr(request.app.state, "response_cache", None)
    if cache is None or cache.max_bytes <= 0:
        return contextlib.nullcontext()
    return cache.flight(etag)


def _remember(request: Request, etag: str, response: Response) -> Response:
    """Keep a rendered 200 response in the response cache, under its ETag."""
    cache = getattr(request.app.state, "response_cache", None)
    if cache is not None and response.status_code == 200 and response.media_type:
        cache.put(etag, bytes(response.body), response.media_type)
    return response


def _html(title: str, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(H.page(title, body), media_type="text/html; charset=utf-8", headers=headers)


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _url(base: str, path: str, params: list[tuple[str, str]] | None = None) -> str:
    return base + path + ("?" + urlencode(params) if params else "")


def _check_params(request: Request, allowed: tuple[str, ...]) -> None:
    check_known(request.query_params.keys(), allowed)
    for key in ("f", "bbox", "datetime", "limit", "offset", "as_of", "min_geo_precision", "active_at"):
        if len(request.query_params.getlist(key)) > 1:
            raise BadParameter(key, "is given more than once")


def visible_layer(store: Store, layer_id: str, principal: Principal | None) -> Layer:
    """The layer behind a collection id; a private layer needs a token (401 otherwise)."""
    from layers.catalog import get_layer

    layer = get_layer(store, layer_id)
    if layer.private and principal is None:
        raise Unauthorized(f"collection {layer_id!r} is private: it needs 'Authorization: Bearer <token>'")
    return layer


# --------------------------------------------------------------------------------------
# Publication policy (coarsening, delay) for anonymous readers
# --------------------------------------------------------------------------------------


def _policy_applies(layer: Layer, principal: Principal | None) -> bool:
    return layer.policy is not None and principal is None


def _delay(layer: Layer, principal: Principal | None) -> timedelta | None:
    if _policy_applies(layer, principal) and layer.policy and layer.policy.delay_hours:
        return timedelta(hours=layer.policy.delay_hours)
    return None


def public(
    records: list[Any],
    layer: Layer,
    principal: Principal | None,
    *,
    include_region: bool,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Records as contract features; anonymous readers of a layer with a policy get them coarsened/delayed."""
    if _policy_applies(layer, principal):
        from layers.policy import public_features

        return public_features(records, layer, authenticated=False, as_of=as_of, include_region=include_region)
    from layers.export import as_feature

    return [as_feature(r, include_region=include_region) for r in records]


# --------------------------------------------------------------------------------------
# Parsed items request
# --------------------------------------------------------------------------------------


@dataclass
class ItemsRequest:
    """The parsed query of an items request."""

    fmt: str
    bbox: tuple[float, float, float, float] | None
    interval: Interval | None
    limit: int
    limit_given: bool
    offset: int
    as_of: datetime | None
    include_region: bool
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> datetime | None:
        """Start of the requested interval (``None`` when open or absent)."""
        return self.interval.start if self.interval else None

    @property
    def end(self) -> datetime | None:
        """End of the requested interval (``None`` when open or absent)."""
        return self.interval.end if self.interval else None


def check_crs(value: str | None) -> None:
    """``crs``: features are served in CRS84 only; another value is a 400 naming it."""
    if value is not None and value.strip() not in CRS84_NAMES:
        raise BadParameter("crs", f"{value!r} is not offered; features are served in {CRS84}")


def _bbox_in_crs84(value: str | None, bbox_crs: str | None) -> tuple[float, float, float, float] | None:
    """``bbox`` read in ``bbox-crs`` (CRS84 by default; EPSG:4326 is lat/lon and is swapped)."""
    if bbox_crs is None or bbox_crs.strip() in CRS84_NAMES:
        return parse_bbox(value)
    if bbox_crs.strip() in EPSG4326_NAMES:
        if value is None:
            return None
        parts = value.split(",")
        if len(parts) == 4:
            value = ",".join([parts[1], parts[0], parts[3], parts[2]])
        return parse_bbox(value)
    raise BadParameter("bbox-crs", f"{bbox_crs!r} is not offered; use {CRS84} or {EPSG4326}")


def parse_items_request(request: Request, layer: Layer, settings: Settings) -> ItemsRequest:
    """Check and parse every query parameter of an items request (400 naming the first bad one)."""
    zones = layer.kind == "zones"
    _check_params(request, ZONE_ITEM_PARAMS if zones else CLAIM_ITEM_PARAMS)
    q = request.query_params
    fmt = q.get("f")
    if fmt is None:
        fmt = "html" if wants_html(request, None) else "json"
    else:
        fmt = fmt.strip().lower()
        fmt = {"application/geo+json": "json", "application/json": "json", "text/html": "html"}.get(fmt, fmt)
        if fmt not in ITEM_FORMATS:
            raise BadParameter("f", f"unknown format {q.get('f')!r}; one of: {', '.join(ITEM_FORMATS)}")
    filters: dict[str, Any] = {}
    if zones:
        filters["order_types"] = parse_order_types(q.getlist("order_type"))
        filters["issuers"] = parse_list(q.getlist("issuer"), "issuer")
        filters["active_at"] = parse_instant(q.get("active_at"), "active_at")
        filters["include_retracted"] = parse_bool(q.get("include_retracted"), "include_retracted")
    else:
        filters["event_types"] = parse_event_types(q.getlist("event_type"))
        filters["sources"] = parse_list(q.getlist("source"), "source")
        filters["claimants"] = parse_list(q.getlist("claimant"), "claimant")
        filters["statuses"] = parse_statuses(q.getlist("status"))
        filters["min_geo_precision"] = parse_geo_precision(q.get("min_geo_precision"))
    check_crs(q.get("crs"))
    return ItemsRequest(
        fmt=fmt,
        bbox=_bbox_in_crs84(q.get("bbox"), q.get("bbox-crs")),
        interval=parse_datetime(q.get("datetime")),
        limit=parse_limit(q.get("limit"), default=settings.default_limit, maximum=settings.max_limit),
        limit_given="limit" in q,
        offset=parse_int(q.get("offset"), "offset", minimum=0, default=0),
        as_of=parse_instant(q.get("as_of"), "as_of"),
        include_region=parse_bool(q.get("include_region"), "include_region"),
        filters=filters,
    )


def store_query(
    layer: Layer,
    req: ItemsRequest,
    *,
    as_of: datetime | None,
    limit: int | None,
    offset: int,
    ids: tuple[str, ...] = (),
    include_retracted: bool | None = None,
) -> ClaimQuery | ZoneQuery:
    """The store query for a layer narrowed by the request (see ``layers.catalog.layer_query``)."""
    from layers.catalog import layer_query

    f = dict(req.filters)
    if include_retracted is not None:
        f["include_retracted"] = include_retracted
    return layer_query(
        layer,
        bbox=req.bbox,
        start=req.start,
        end=req.end,
        as_of=as_of,
        ids=ids,
        limit=limit,
        offset=offset,
        **f,
    )


# --------------------------------------------------------------------------------------
# Extents (cached per layer and store clock)
# --------------------------------------------------------------------------------------

_extent_lock = threading.Lock()


def layer_extent(store: Store, layer: Layer, app_state: Any) -> dict[str, Any]:
    """The collection's spatial (CRS84) and temporal extent, recomputed only after writes."""
    last = store.last_recorded_at()
    key = (layer.id, layer.model_dump_json(), last)
    cache: dict[Any, dict[str, Any]] = getattr(app_state, "extent_cache", None) or {}
    if key in cache:
        return cache[key]
    with _extent_lock:
        extent = _compute_extent(store, layer)
        if len(cache) > 256:
            cache.clear()
        cache[key] = extent
        app_state.extent_cache = cache
    return extent


#: Above this many records a claim layer's extent comes from the store's aggregates (a superset).
EXTENT_SCAN_LIMIT = 20_000


def _extent_doc(bbox: list[float], temporal: list[str | None]) -> dict[str, Any]:
    return {
        "spatial": {"bbox": [bbox], "crs": CRS84},
        "temporal": {"interval": [temporal], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
    }


def _compute_extent(store: Store, layer: Layer) -> dict[str, Any]:
    """The exact extent of a layer's records; for very large claim layers, the store-wide one.

    The exact extent needs every record of the layer; past :data:`EXTENT_SCAN_LIMIT`
    claims the store's own aggregates (all claims and zones) are used instead, which
    still contain every feature of the layer.
    """
    from layers.catalog import layer_query

    if layer.kind != "zones":
        probe = layer_query(layer, limit=1)
        if isinstance(probe, ClaimQuery) and store.query_claims(probe).total > EXTENT_SCAN_LIMIT:
            stats = store.stats()
            world = [-180.0, -90.0, 180.0, 90.0]
            span = stats.time_span
            return _extent_doc(
                list(stats.bbox) if stats.bbox else world,
                [format_instant(span[0]), format_instant(span[1])] if span else [None, None],
            )
    minx = miny = float("inf")
    maxx = maxy = float("-inf")
    t0: datetime | None = None
    t1: datetime | None = None
    open_end = False
    offset = 0
    while True:
        query = layer_query(layer, limit=DOWNLOAD_PAGE, offset=offset)
        page: Any = store.query_zones(query) if isinstance(query, ZoneQuery) else store.query_claims(query)
        for item in page.items:
            if item.geometry is not None:
                b = item.geometry.bounds
                minx, miny = min(minx, b[0]), min(miny, b[1])
                maxx, maxy = max(maxx, b[2]), max(maxy, b[3])
            if isinstance(item, Zone):
                start, end = item.effective_from, item.lifted_at
                open_end = open_end or end is None
            else:
                start, end = item.valid_from, item.valid_to
            if start is not None:
                t0 = start if t0 is None else min(t0, start)
            if end is not None:
                t1 = end if t1 is None else max(t1, end)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    spatial = [minx, miny, maxx, maxy] if minx <= maxx else [-180.0, -90.0, 180.0, 90.0]
    temporal = [format_instant(t0) if t0 else None, None if open_end or t1 is None else format_instant(t1)]
    return _extent_doc(spatial, temporal)


# --------------------------------------------------------------------------------------
# Landing page, conformance, API
# --------------------------------------------------------------------------------------


@router.get("/", summary="Landing page", responses=_JSON_HTML_RESPONSES)
def landing(
    request: Request,
    settings: SettingsDep,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """The landing page: links to the API definition, conformance and collections."""
    check_known(request.query_params.keys(), ("f",))
    base = base_url(request, settings)
    links = [
        _link(
            _url(base, "/", [("f", "json")]),
            "self" if not wants_html(request, f) else "alternate",
            JSON,
            "This document",
        ),
        _link(
            _url(base, "/", [("f", "html")]),
            "alternate" if not wants_html(request, f) else "self",
            HTML,
            "This document as HTML",
        ),
        _link(base + "/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
        _link(_url(base, "/api", [("f", "html")]), "service-doc", HTML, "The API documentation"),
        _link(base + "/conformance", "conformance", JSON, "Conformance classes"),
        _link(base + "/collections", "data", JSON, "Collections (layers)"),
    ]
    data = {"title": settings.title, "description": settings.description, "links": links}
    if wants_html(request, f):
        body = f"<h1>{H.esc(settings.title)}</h1><p>{H.esc(settings.description)}</p>" + H.link_list(links[2:])
        return _html(settings.title, body)
    return _respond(data, JSON)


@router.get("/conformance", summary="Conformance classes", responses=_JSON_HTML_RESPONSES)
def conformance(
    request: Request,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """The OGC conformance classes this service implements."""
    check_known(request.query_params.keys(), ("f",))
    if wants_html(request, f):
        items = "".join(f"<li><code>{H.esc(c)}</code></li>" for c in CONFORMANCE)
        return _html("Conformance", f"<h1>Conformance</h1><ul>{items}</ul>")
    return _respond({"conformsTo": CONFORMANCE}, JSON)


@router.get(
    "/api",
    summary="The API definition (OpenAPI 3.0)",
    responses={
        200: {"content": {OPENAPI_JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}}},
        **problem_responses(400),
    },
)
def api_definition(
    request: Request,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """This service's OpenAPI 3.0 document (``f=html``: a readable list of operations)."""
    check_known(request.query_params.keys(), ("f",))
    doc = request.app.openapi()
    if wants_html(request, f):
        rows = []
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict):
                    params = ", ".join(p["name"] for p in op.get("parameters", []))
                    rows.append(
                        {"method": method.upper(), "path": path, "summary": op.get("summary"), "parameters": params}
                    )
        body = f"<h1>{H.esc(doc['info']['title'])} API</h1>" + H.table(
            rows, ["method", "path", "summary", "parameters"]
        )
        return _html("API", body)
    return _respond(doc, OPENAPI_JSON)


# --------------------------------------------------------------------------------------
# Collections
# --------------------------------------------------------------------------------------


def collection_doc(request: Request, settings: Settings, store: Store, layer: Layer) -> dict[str, Any]:
    """The OGC collection description of one layer, with extent and links."""
    base = base_url(request, settings)
    cpath = f"/collections/{layer.id}"
    links = [
        _link(base + cpath, "self", JSON, layer.title),
        _link(_url(base, cpath, [("f", "html")]), "alternate", HTML, f"{layer.title} as HTML"),
        _link(base + cpath + "/items", "items", GEOJSON, f"{layer.title}: items"),
        _link(_url(base, cpath + "/items", [("f", "html")]), "items", HTML, f"{layer.title}: items as HTML"),
    ]
    for fmt in DOWNLOAD_FORMATS:
        from layers.export import FORMATS

        links.append(
            _link(_url(base, cpath + "/items", [("f", fmt)]), "enclosure", FORMATS[fmt][1], f"Download all ({fmt})")
        )
    if layer.kind != "zones":
        links.append(
            _link(
                base + cpath + "/likelihood.tif",
                "related",
                "image/tiff; application=geotiff; profile=cloud-optimized",
                "Likelihood surface (COG)",
            )
        )
        links.append(_link(base + cpath + "/tiles/{z}/{x}/{y}.png", "related", "image/png", "Likelihood tiles (XYZ)"))
    links.append(_link(base + "/maps/" + layer.id, "related", HTML, "Interactive map"))
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "kind": layer.kind,
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": layer_extent(store, layer, request.app.state),
        "links": links,
    }


def _collections_headers(
    request: Request, store: Store, settings: Settings, principal: Principal | None
) -> dict[str, str]:
    policy = cache_policy(
        request,
        parts=("collections", "auth" if principal else "anon", base_url(request, settings)),
        last_recorded_at=store.last_recorded_at(),
        frozen=False,
        public=principal is None,
        max_age=settings.cache_max_age,
    )
    return policy.headers()


@router.get(
    "/collections",
    summary="The collections (layers)",
    responses={**_JSON_HTML_RESPONSES, 304: {"description": "Not modified"}},
)
def collections(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """Every layer the caller may read, as OGC collections."""
    from layers.catalog import list_layers

    check_known(request.query_params.keys(), ("f",))
    headers = _collections_headers(request, store, settings, principal)
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    layers = [layer for layer in list_layers(store) if principal is not None or not layer.private]
    docs = [collection_doc(request, settings, store, layer) for layer in layers]
    base = base_url(request, settings)
    links = [
        _link(base + "/collections", "self", JSON, "Collections"),
        _link(_url(base, "/collections", [("f", "html")]), "alternate", HTML, "Collections as HTML"),
    ]
    if wants_html(request, f):
        rows = [{"id": d["id"], "title": d["title"], "kind": d["kind"], "description": d["description"]} for d in docs]
        body = "<h1>Collections</h1>" + H.table(rows, ["id", "title", "kind", "description"])
        body += (
            "<ul>"
            + "".join(
                f'<li><a href="{H.esc(base)}/collections/{H.esc(d["id"])}/items?f=html">{H.esc(d["title"])}</a></li>'
                for d in docs
            )
            + "</ul>"
        )
        return _html("Collections", body, headers)
    return _respond({"links": links, "collections": docs}, JSON, headers)


@router.get(
    "/collections/{collection_id}",
    summary="One collection",
    responses={**_JSON_HTML_RESPONSES, **problem_responses(401, 404), 304: {"description": "Not modified"}},
)
def collection(
    collection_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """One layer as an OGC collection, with its spatial and temporal extent."""
    check_known(request.query_params.keys(), ("f",))
    layer = visible_layer(store, collection_id, principal)
    headers = _collections_headers(request, store, settings, principal)
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    doc = collection_doc(request, settings, store, layer)
    if wants_html(request, f):
        ext = doc["extent"]
        body = (
            f"<h1>{H.esc(layer.title)}</h1><p>{H.esc(layer.description)}</p>"
            f"<p>Extent: <code>{H.esc(ext['spatial']['bbox'][0])}</code>, "
            f"<code>{H.esc(ext['temporal']['interval'][0])}</code></p>" + H.link_list(doc["links"])
        )
        return _html(layer.title, body, headers)
    return _respond(doc, JSON, headers)


# --------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------

_ITEMS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of features (GeoJSON), or a download of every match in the format f asks for",
        "content": {
            GEOJSON: {"schema": {"type": "object"}},
            HTML: {"schema": {"type": "string"}},
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
    layer = visible_layer(store, collection_id, principal)
    req = parse_items_request(request, layer, settings)
    frozen = is_frozen(req.as_of, delay=_delay(layer, principal))
    policy = cache_policy(
        request,
        parts=(layer.model_dump_json(), "auth" if principal else "anon", req.fmt, base_url(request, settings)),
        last_recorded_at=None if frozen else store.last_recorded_at(),
        frozen=frozen,
        public=principal is None and not layer.private,
        max_age=settings.cache_max_age,
    )
    headers = policy.headers()
    if not_modified(request, policy.etag):
        return Response(status_code=304, headers=headers)
    if req.fmt in DOWNLOAD_FORMATS:
        return _download(request, store, layer, req, principal, req.as_of, headers)
    hit = _cached(request, policy.etag, headers)
    if hit is not None:
        return hit
    with _single_flight(request, policy.etag):
        # Concurrent identical requests wait for the first one, then take its cached body.
        hit = _cached(request, policy.etag, headers)
        if hit is not None:
            return hit
        return _render_items(request, settings, store, layer, req, principal, policy.etag, headers)


def _render_items(
    request: Request,
    settings: Settings,
    store: Store,
    layer: Layer,
    req: ItemsRequest,
    principal: Principal | None,
    etag: str,
    headers: dict[str, str],
) -> Response:
    """Run an items query and render its page (GeoJSON or HTML), keeping it in the response cache."""
    feats, total = _page_of_features(request, store, layer, req, principal)
    base = base_url(request, settings)
    links = _page_links(request, base, layer, req, total, len(feats))
    if req.fmt == "html":
        return _remember(request, etag, _items_html(layer, feats, total, req, links, headers))
    data = {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(feats),
        "timeStamp": format_instant(datetime.now(UTC)),
        "links": links,
        "features": feats,
    }
    return _remember(request, etag, _respond(data, GEOJSON, {**headers, "Content-Crs": f"<{CRS84}>"}))


def _page_links(
    request: Request, base: str, layer: Layer, req: ItemsRequest, total: int, returned: int
) -> list[dict[str, str]]:
    """self/alternate/next/prev/collection links; each carries every query parameter of the request."""
    path = f"/collections/{layer.id}/items"
    items = request.query_params.multi_items()
    params = [(k, v) for k, v in items if k not in ("offset", "limit", "f")]
    given_f = [(k, v) for k, v in items if k == "f"]
    page_type = HTML if req.fmt == "html" else GEOJSON

    def href(offset: int, f_items: list[tuple[str, str]]) -> str:
        p = [*params, *f_items, ("limit", str(req.limit))]
        if offset:
            p.append(("offset", str(offset)))
        return _url(base, path, p)

    links = [_link(href(req.offset, given_f), "self", page_type, "This page")]
    if req.fmt == "html":
        links.append(_link(href(req.offset, [("f", "json")]), "alternate", GEOJSON, "This page as GeoJSON"))
    else:
        links.append(_link(href(req.offset, [("f", "html")]), "alternate", HTML, "This page as HTML"))
    from layers.export import FORMATS

    for fmt in DOWNLOAD_FORMATS:
        links.append(
            _link(
                _url(base, path, [*params, ("f", fmt)]), "enclosure", FORMATS[fmt][1], f"Download every match ({fmt})"
            )
        )
    if req.offset + returned < total:
        links.append(_link(href(req.offset + req.limit, given_f), "next", page_type, "Next page"))
    if req.offset > 0:
        links.append(_link(href(max(0, req.offset - req.limit), given_f), "prev", page_type, "Previous page"))
    links.append(_link(base + f"/collections/{layer.id}", "collection", JSON, layer.title))
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
    nav = [link for link in links if link["rel"] in ("next", "prev", "collection")]
    body = (
        f"<h1>{H.esc(layer.title)}</h1><p>{len(feats)} of {total} matching features "
        f"(offset {req.offset}).</p>" + H.table(rows, cols) + H.link_list(nav)
    )
    return _html(layer.title, body, headers)


def _page_of_features(
    request: Request, store: Store, layer: Layer, req: ItemsRequest, principal: Principal | None
) -> tuple[list[dict[str, Any]], int]:
    """One page of features and the number matched.

    Paging happens in the store, except for incidents (grouped after the query) and for
    anonymous reads of a layer with a publication delay (records held back after the
    query): those are computed whole, then sliced, so ``numberMatched`` stays exact.
    """
    delayed = _delay(layer, principal) is not None
    if layer.kind == "incidents" or delayed:
        if layer.kind == "incidents":
            everything: list[Any] = _all_incidents(request, store, layer, req, req.as_of)
        else:
            query = store_query(layer, req, as_of=req.as_of, limit=None, offset=0)
            everything = _query(store, query).items
        feats = public(everything, layer, principal, include_region=req.include_region, as_of=req.as_of)
        return feats[req.offset : req.offset + req.limit], len(feats)
    query = store_query(layer, req, as_of=req.as_of, limit=req.limit, offset=req.offset)
    fast = getattr(store, "query_claim_features", None)
    if fast is not None and isinstance(query, ClaimQuery) and not _policy_applies(layer, principal):
        # the sitmap stores build contract features straight from their rows (same features, no models)
        fast_page = fast(query, include_region=req.include_region)
        return fast_page.items, fast_page.total
    page = _query(store, query)
    feats = public(page.items, layer, principal, include_region=req.include_region, as_of=req.as_of)
    return feats, page.total


def _query(store: Store, query: ClaimQuery | ZoneQuery) -> Any:
    return store.query_zones(query) if isinstance(query, ZoneQuery) else store.query_claims(query)


_incident_lock = threading.Lock()


def _all_incidents(
    request: Request | None, store: Store, layer: Layer, req: ItemsRequest, as_of: datetime | None
) -> list[Any]:
    """Every incident of the layer for the request's filters (cached per query and store clock)."""
    try:
        from layers.build import corroborate
    except ImportError:
        from layers.corroborate import corroborate

    query = store_query(layer, req, as_of=as_of, limit=None, offset=0)
    if not isinstance(query, ClaimQuery):  # pragma: no cover - incident layers are claim layers
        return []
    key = (repr(query), store.last_recorded_at())
    cache: OrderedDict[Any, list[Any]] | None = None
    if request is not None:
        cache = getattr(request.app.state, "incident_cache", None)
        if cache is None:
            cache = OrderedDict()
            request.app.state.incident_cache = cache
        with _incident_lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
    result = list(corroborate(store.query_claims(query).items))
    if cache is not None:
        with _incident_lock:
            cache[key] = result
            while len(cache) > 8:
                cache.popitem(last=False)
    return result


# --------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------


def _iter_records(store: Store, layer: Layer, req: ItemsRequest, as_of: datetime | None) -> Iterator[Any]:
    """Every matching record, fetched page by page from one pinned as-of instant."""
    remaining = req.limit if req.limit_given else None
    offset = req.offset
    while remaining is None or remaining > 0:
        n = DOWNLOAD_PAGE if remaining is None else min(DOWNLOAD_PAGE, remaining)
        query = store_query(layer, req, as_of=as_of, limit=n, offset=offset)
        page: Any = store.query_zones(query) if isinstance(query, ZoneQuery) else store.query_claims(query)
        yield from page.items
        offset += len(page.items)
        if remaining is not None:
            remaining -= len(page.items)
        if len(page.items) < n:
            return


def _download(
    request: Request,
    store: Store,
    layer: Layer,
    req: ItemsRequest,
    principal: Principal | None,
    as_of: datetime | None,
    headers: dict[str, str],
) -> Response:
    from layers.export import FORMATS, export_filename, iter_csv, iter_geojson, iter_kml, write_gpkg, write_parquet

    # Pin the view so pages fetched one after another are consistent under concurrent writes.
    pinned = as_of or datetime.now(UTC)
    filename = export_filename(layer.id, req.start, req.end, req.as_of, req.fmt)
    media = FORMATS[req.fmt][1]
    headers = {**headers, "Content-Disposition": f'attachment; filename="{filename}"'}

    def items_iter() -> Iterator[Any]:
        if layer.kind == "incidents":
            incidents = _all_incidents(request, store, layer, req, pinned)
            end = req.offset + req.limit if req.limit_given else None
            yield from public(incidents[req.offset : end], layer, principal, include_region=req.include_region)
            return
        records = _iter_records(store, layer, req, pinned)
        if not _policy_applies(layer, principal):
            yield from records
            return
        batch: list[Any] = []
        for record in records:
            batch.append(record)
            if len(batch) >= DOWNLOAD_PAGE:
                yield from public(batch, layer, principal, include_region=req.include_region, as_of=req.as_of)
                batch = []
        yield from public(batch, layer, principal, include_region=req.include_region, as_of=req.as_of)

    if req.fmt == "geojson":
        members: dict[str, Any] = {"timeStamp": format_instant(datetime.now(UTC))}
        body: Iterator[bytes] = iter_geojson(items_iter(), include_region=req.include_region, **members)
        return StreamingResponse(body, media_type=media, headers=headers)
    if req.fmt == "csv":
        return StreamingResponse(
            iter_csv(items_iter(), include_region=req.include_region), media_type=media, headers=headers
        )
    if req.fmt == "kml":
        return StreamingResponse(
            iter_kml(items_iter(), name=layer.title, include_region=req.include_region),
            media_type=media,
            headers=headers,
        )
    fd, tmp_name = tempfile.mkstemp(prefix="sitmap-", suffix=FORMATS[req.fmt][0])
    os.close(fd)
    os.unlink(tmp_name)  # the writers create the file atomically themselves
    try:
        if req.fmt == "gpkg":
            write_gpkg(items_iter(), tmp_name, layer=layer.id.replace("-", "_"), include_region=req.include_region)
        else:
            write_parquet(items_iter(), tmp_name, include_region=req.include_region)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise

    def chunks() -> Iterator[bytes]:
        with open(tmp_name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    headers["Content-Length"] = str(os.path.getsize(tmp_name))
    return StreamingResponse(chunks(), media_type=media, headers=headers, background=BackgroundTask(_unlink, tmp_name))


def _unlink(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)


# --------------------------------------------------------------------------------------
# One item
# --------------------------------------------------------------------------------------

ITEM_PARAMS = ("f", "crs", "as_of", "include_region")


# The by-id route's dependencies, as coroutines: FastAPI runs a plain ``def`` dependency
# in the thread pool, one hand-off per dependency per request, which cost more than the
# whole item lookup. These return what :mod:`api.deps` returns (and raise what it
# raises); anything that may block (opening a store late, checking a token against the
# token file) still runs in the thread pool.


async def _settings_inline(request: Request) -> Settings:
    """:func:`api.deps.get_settings`, without a thread hand-off (it only reads app state)."""
    return get_settings(request)


async def _store_inline(request: Request) -> Store:
    """:func:`api.deps.get_store`: the open store at once; the late opener (which may wait) in the thread pool."""
    store: Store | None = getattr(request.app.state, "store", None)
    if store is not None:
        return store
    return await run_in_threadpool(get_store, request)


async def _principal_inline(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal | None:
    """:func:`api.deps.get_principal`: anonymous at once; a presented token is checked in the thread pool."""
    if not authorization:
        return None
    return await run_in_threadpool(get_principal, request, authorization)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    responses={
        200: {"content": {GEOJSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}}},
        304: {"description": "Not modified"},
        **problem_responses(400, 401, 404),
    },
)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    settings: Annotated[Settings, Depends(_settings_inline)],
    store: Annotated[Store, Depends(_store_inline)],
    principal: Annotated[Principal | None, Depends(_principal_inline)],
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
    crs: Annotated[str | None, Query(description="output CRS: only CRS84 is offered")] = None,
    as_of: Annotated[str | None, Query(description="the version known at this instant")] = None,
    include_region: Annotated[bool | None, Query(description="add the uncertainty region as a property")] = None,
) -> Response:
    """One feature of a collection by id (retracted claims stay addressable, with their status)."""
    check_known(request.query_params.keys(), ITEM_PARAMS)
    fast = _item_one_read(request, settings, store, principal, collection_id, feature_id)
    if fast is not None:
        return fast
    # the store clock first: it validates the cached layer definition and goes into the ETag
    clock = store.last_recorded_at()
    layer, layer_json = _layer_at(request, store, collection_id, principal, clock)
    q = request.query_params
    check_crs(q.get("crs"))
    fmt = "html" if wants_html(request, q.get("f")) else "json"
    when = parse_instant(q.get("as_of"), "as_of")
    region = parse_bool(q.get("include_region"), "include_region")
    etag, headers, early = _item_validators(request, settings, layer, layer_json, principal, fmt, when, clock)
    if early is not None:
        return early
    req = ItemsRequest(fmt, None, None, 1, True, 0, when, region, {})
    feature = _find_feature(request, store, layer, feature_id, req, when, principal)
    return _item_response(request, settings, layer, feature_id, feature, fmt, etag, headers)


def _item_validators(
    request: Request,
    settings: Settings,
    layer: Layer,
    layer_json: str,
    principal: Principal | None,
    fmt: str,
    when: datetime | None,
    clock: datetime | None,
) -> tuple[str, dict[str, str], Response | None]:
    """The ETag and caching headers of one feature, and the answer when no body is needed.

    The answer is a 304 when the client's copy is current, or the cached response of
    the same ETag; both by-id paths use this, so they validate alike.
    """
    frozen = is_frozen(when, delay=_delay(layer, principal))
    policy = cache_policy(
        request,
        parts=(layer_json, "auth" if principal else "anon", fmt, base_url(request, settings)),
        last_recorded_at=None if frozen else clock,
        frozen=frozen,
        public=principal is None and not layer.private,
        max_age=settings.cache_max_age,
    )
    headers = policy.headers()
    if not_modified(request, policy.etag):
        return policy.etag, headers, Response(status_code=304, headers=headers)
    return policy.etag, headers, _cached(request, policy.etag, headers)


def _item_response(
    request: Request,
    settings: Settings,
    layer: Layer,
    feature_id: str,
    feature: dict[str, Any],
    fmt: str,
    etag: str,
    headers: dict[str, str],
) -> Response:
    """The found feature with its links, as GeoJSON or HTML, kept in the response cache."""
    base = base_url(request, settings)
    path = f"/collections/{layer.id}/items/{feature_id}"
    feature["links"] = [
        _link(base + path, "self", GEOJSON, "This feature"),
        _link(_url(base, path, [("f", "html")]), "alternate", HTML, "This feature as HTML"),
        _link(base + f"/collections/{layer.id}", "collection", JSON, layer.title),
    ]
    if layer.kind == "claims":
        feature["links"].append(_link(base + f"/claims/{feature_id}/history", "version-history", JSON, "Every version"))
    if fmt == "html":
        props = feature["properties"]
        rows = [{"property": k, "value": v} for k, v in props.items()]
        body = f"<h1>{H.esc(layer.title)}: {H.esc(feature_id)}</h1>" + H.table(rows, ["property", "value"])
        return _remember(request, etag, _html(feature_id, body, headers))
    return _remember(request, etag, _respond(feature, GEOJSON, {**headers, "Content-Crs": f"<{CRS84}>"}))


def _item_one_read(
    request: Request,
    settings: Settings,
    store: Store,
    principal: Principal | None,
    layer_id: str,
    feature_id: str,
) -> Response | None:
    """The by-id answer from one store read (the row and the clock together), or ``None`` to take the full path.

    Applies to a claim layer already in the layer cache, served without a publication
    policy, to a request whose parameters all parse. The clock read with the row must
    equal the one the cached definition was read under: then no write happened since,
    the definition is current and the answer is the full path's (same ETag, headers and
    body). Anything else (a write since, an unknown or private layer, a bad parameter,
    a store without the combined read) returns ``None``, and the full path answers,
    with its errors in their order.
    """
    cache = getattr(request.app.state, "item_layer_cache", None)
    read = getattr(store, "claim_features_and_clock", None)
    hit = cache.get((id(store), layer_id)) if cache is not None else None
    if hit is None or read is None or len(feature_id) > 128:
        return None
    cached_clock, layer, layer_json = hit
    if layer.kind != "claims" or (layer.private and principal is None) or _policy_applies(layer, principal):
        return None
    q = request.query_params
    try:
        check_crs(q.get("crs"))
        fmt = "html" if wants_html(request, q.get("f")) else "json"
        when = parse_instant(q.get("as_of"), "as_of")
        region = parse_bool(q.get("include_region"), "include_region")
        req = ItemsRequest(fmt, None, None, 1, True, 0, when, region, {})
        query = store_query(layer, req, as_of=when, limit=1, offset=0, ids=(feature_id,), include_retracted=True)
    except SitmapError:
        return None
    if not isinstance(query, ClaimQuery):
        return None
    feats, clock = read(query, include_region=region)
    if clock != cached_clock:
        return None
    etag, headers, early = _item_validators(request, settings, layer, layer_json, principal, fmt, when, clock)
    if early is not None:
        return early
    if not feats:
        raise NotFound(f"no feature {feature_id!r} in collection {layer.id!r}")
    return _item_response(request, settings, layer, feature_id, feats[0], fmt, etag, headers)


#: Layer definitions kept per app by :func:`_layer_at` (distinct collection ids; oldest dropped first).
LAYER_CACHE_SIZE = 256
_layer_cache_lock = threading.Lock()


def _layer_at(
    request: Request, store: Store, layer_id: str, principal: Principal | None, clock: datetime | None
) -> tuple[Layer, str]:
    """The layer behind a collection id (as :func:`visible_layer`) and its JSON, cached while ``clock`` stands.

    Every layer write (define, replace, delete) records a version, which moves the
    store clock, so a definition read at or after clock value ``clock`` is current for
    as long as the clock reads ``clock``: the next request after a change misses the
    cache. The clock must be read before calling this (a definition newer than its
    key only makes the entry miss sooner). A store whose clock does not cover layer
    versions (a read-only file from before layer history) is never cached.
    """
    state = request.app.state
    cache: OrderedDict[tuple[int, str], tuple[datetime | None, Layer, str]] | None = getattr(
        state, "item_layer_cache", None
    )
    if cache is None:
        with _layer_cache_lock:
            cache = getattr(state, "item_layer_cache", None)
            if cache is None:
                cache = state.item_layer_cache = OrderedDict()
    key = (id(store), layer_id)
    hit = cache.get(key)
    if hit is not None and hit[0] == clock:
        layer, layer_json = hit[1], hit[2]
    else:
        from layers.catalog import get_layer

        layer = get_layer(store, layer_id)
        layer_json = layer.model_dump_json()
        if getattr(store, "_has_layer_versions", True):
            with _layer_cache_lock:
                cache[key] = (clock, layer, layer_json)
                cache.move_to_end(key)
                while len(cache) > LAYER_CACHE_SIZE:
                    cache.popitem(last=False)
    if layer.private and principal is None:
        raise Unauthorized(f"collection {layer_id!r} is private: it needs 'Authorization: Bearer <token>'")
    return layer, layer_json


def _find_feature(
    request: Request,
    store: Store,
    layer: Layer,
    feature_id: str,
    req: ItemsRequest,
    as_of: datetime | None,
    principal: Principal | None,
) -> dict[str, Any]:
    if len(feature_id) > 128:
        raise NotFound(f"no feature {feature_id[:60]!r}... in collection {layer.id!r}")
    if layer.kind == "incidents":
        for incident in _all_incidents(request, store, layer, req, as_of):
            if incident.id == feature_id:
                found = public([incident], layer, principal, include_region=req.include_region, as_of=as_of)
                if found:
                    return found[0]
    else:
        query = store_query(layer, req, as_of=as_of, limit=1, offset=0, ids=(feature_id,), include_retracted=True)
        if isinstance(query, ZoneQuery):
            from layers.export import zone_feature

            zones = store.query_zones(query).items
            if zones:
                return zone_feature(zones[0], include_region=req.include_region)
        elif not _policy_applies(layer, principal) and hasattr(store, "query_claim_features"):
            # the sitmap stores build the contract feature straight from the row, as on items pages
            feats: list[dict[str, Any]] = store.query_claim_features(query, include_region=req.include_region).items
            if feats:
                return feats[0]
        else:
            claims = store.query_claims(query).items
            found = public(claims, layer, principal, include_region=req.include_region, as_of=as_of)
            if found:
                return found[0]
    raise NotFound(f"no feature {feature_id!r} in collection {layer.id!r}")
