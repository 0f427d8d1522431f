"""Building blocks every OGC API - Features route shares: media types, links, JSON bodies, the response cache.

Routes parse, call :class:`layers.collection.LayerView` and render with these; no
route module imports another, so what two rooms both need lives here.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from api import html as H
from api.auth import Principal
from api.errors import BadParameter, problem_responses
from api.params import check_known, format_instant
from api.settings import Settings
from layers.collection import ANONYMOUS, EXACT, CollectionCaches, LayerView, Reader
from layers.store import Store

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
    # OGC API - Tiles (api/routes/tiles.py): vector tiles of every collection
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/datetime",
]

JSON_HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}}},
    **problem_responses(400),
}


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


def json_bytes(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


def time_stamp(as_of: datetime | None) -> str:
    """The ``timeStamp`` of a feature collection: now, or the ``as_of`` instant of a pinned answer.

    A pinned answer (an ``as_of`` in the past) is served immutable under one strong ETag,
    which promises the same bytes every time; with the time of writing in it, each worker
    (or a restart) wrote other bytes under that ETag. It is the state at ``as_of``.
    """
    now = datetime.now(UTC)
    return format_instant(as_of if as_of is not None and as_of <= now else now)


def respond(data: Any, media_type: str, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    return Response(json_bytes(data), status_code=status, media_type=media_type, headers=headers)


def cached_response(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    """The response rendered before for this ETag, if the response cache still holds it."""
    cache = getattr(request.app.state, "response_cache", None)
    hit = cache.get(etag) if cache is not None else None
    if hit is None:
        return None
    body, media_type = hit
    extra = {"Content-Crs": f"<{CRS84}>"} if media_type == GEOJSON else {}
    return Response(body, media_type=media_type, headers={**headers, **extra})


def single_flight(request: Request, etag: str) -> Any:
    """A lock per ETag, so a burst of identical requests runs the query once (see ResponseCache)."""
    cache = getattr(request.app.state, "response_cache", None)
    if cache is None or cache.max_bytes <= 0:
        return contextlib.nullcontext()
    return cache.flight(etag)


def remember(request: Request, etag: str, response: Response) -> Response:
    """Keep a rendered 200 response in the response cache, under its ETag."""
    cache = getattr(request.app.state, "response_cache", None)
    if cache is not None and response.status_code == 200 and response.media_type:
        cache.put(etag, bytes(response.body), response.media_type)
    return response


def html_page(title: str, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(H.page(title, body), media_type="text/html; charset=utf-8", headers=headers)


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def url(base: str, path: str, params: list[tuple[str, str]] | None = None) -> str:
    return base + path + ("?" + urlencode(params) if params else "")


def check_params(request: Request, allowed: tuple[str, ...]) -> None:
    check_known(request.query_params.keys(), allowed)
    for key in ("f", "bbox", "datetime", "limit", "offset", "as_of", "min_geo_precision", "active_at"):
        if len(request.query_params.getlist(key)) > 1:
            raise BadParameter(key, "is given more than once")


def reader_of(principal: Principal | None) -> Reader:
    """The collection reader behind a request: a token with ``read-private`` reads the exact form."""
    return EXACT if principal is not None and principal.allows("read-private") else ANONYMOUS


def collection_caches(request: Request) -> CollectionCaches:
    """The app's extent and incident memory (made with the app; created here for apps built otherwise)."""
    caches: CollectionCaches | None = getattr(request.app.state, "collection_caches", None)
    if caches is None:
        caches = request.app.state.collection_caches = CollectionCaches()
    return caches


def open_view(
    request: Request, store: Store, layer_id: str, principal: Principal | None, *, noun: str = "collection"
) -> LayerView:
    """The collection behind ``layer_id`` as this request's reader may see it (401 for a private one)."""
    return LayerView.open(store, layer_id, reader_of(principal), collection_caches(request), noun=noun)


def publication_parts(*views: LayerView) -> tuple[str, ...]:
    """What the guarding layers add to a response's validator (nothing when no guard shapes it).

    An answer with a past ``as_of`` is immutable and its ETag ignores the store clock;
    making a layer private or coarse later changes what anonymous readers get, so the
    guards' fingerprint goes into the ETag.
    """
    return tuple(key for key in (view.publication_key for view in views) if key)
