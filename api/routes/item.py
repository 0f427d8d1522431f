"""OGC API - Features: one feature of a collection by id.

The hot path of a map's popups, so it is lean: its dependencies are coroutines, and a
claim layer whose definition is cached under the current store clock is answered from
one store read (the row and the clock together). Everything else takes the full path
through the collection (:class:`layers.collection.LayerView`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import html as H
from api import ogc
from api.auth import Principal
from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import problem_responses
from api.items_request import check_crs
from api.layer_cache import layer_at, layer_cache
from api.params import check_known, parse_bool, parse_instant
from api.settings import Settings
from geo.errors import NotFound, SitmapError
from layers.collection import LayerView
from layers.model import Layer
from layers.store import ClaimQuery, Store

router = APIRouter(tags=["OGC API - Features"])

ITEM_PARAMS = ("f", "crs", "as_of", "include_region")


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    responses={
        200: {"content": {ogc.GEOJSON: {"schema": {"type": "object"}}, ogc.HTML: {"schema": {"type": "string"}}}},
        304: {"description": "Not modified"},
        **problem_responses(400, 401, 404),
    },
)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    f: Annotated[
        str | None, Query(description="json (GeoJSON; geojson is the same) or html", pattern="^(json|geojson|html)$")
    ] = None,
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
    layer, layer_json = layer_at(request, store, collection_id, principal, clock)
    q = request.query_params
    check_crs(q.get("crs"))
    fmt = "html" if ogc.wants_html(request, q.get("f")) else "json"
    when = parse_instant(q.get("as_of"), "as_of")
    region = parse_bool(q.get("include_region"), "include_region")
    view = LayerView(store, layer, ogc.reader_of(principal), ogc.collection_caches(request), clock=clock)
    etag, headers, early = _item_validators(request, settings, view, layer_json, principal, fmt, when, clock)
    if early is not None:
        return early
    feature = view.feature(feature_id, as_of=when, include_region=region)
    if feature is None and len(feature_id) > 128:
        raise NotFound(f"no feature {feature_id[:60]!r}... in collection {layer.id!r}")
    if feature is None:
        raise NotFound(f"no feature {feature_id!r} in collection {layer.id!r}")
    return _item_response(request, settings, layer, feature_id, feature, fmt, etag, headers)


def _item_validators(
    request: Request,
    settings: Settings,
    view: LayerView,
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
    layer = view.layer
    frozen = is_frozen(when, delay=view.delay)
    policy = cache_policy(
        request,
        parts=(
            layer_json,
            "auth" if principal else "anon",
            fmt,
            ogc.base_url(request, settings),
            *ogc.publication_parts(view),
        ),
        last_recorded_at=None if frozen else clock,
        frozen=frozen,
        public=principal is None and not layer.private,
        max_age=settings.cache_max_age,
    )
    headers = policy.headers()
    if not_modified(request, policy.etag):
        return policy.etag, headers, Response(status_code=304, headers=headers)
    return policy.etag, headers, ogc.cached_response(request, policy.etag, headers)


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
    """The found feature with its links, as GeoJSON or ogc.HTML, kept in the response cache."""
    base = ogc.base_url(request, settings)
    path = f"/collections/{layer.id}/items/{feature_id}"
    feature["links"] = [
        ogc.link(base + path, "self", ogc.GEOJSON, "This feature"),
        ogc.link(ogc.url(base, path, [("f", "html")]), "alternate", ogc.HTML, "This feature as HTML"),
        ogc.link(base + f"/collections/{layer.id}", "collection", ogc.JSON, layer.title),
    ]
    if layer.kind == "claims":
        feature["links"].append(
            ogc.link(base + f"/claims/{feature_id}/history", "version-history", ogc.JSON, "Every version")
        )
    if fmt == "html":
        props = feature["properties"]
        rows = [{"property": k, "value": v} for k, v in props.items()]
        body = f"<h1>{H.esc(layer.title)}: {H.esc(feature_id)}</h1>" + H.table(rows, ["property", "value"])
        return ogc.remember(request, etag, ogc.html_page(feature_id, body, headers))
    return ogc.remember(request, etag, ogc.respond(feature, ogc.GEOJSON, {**headers, "Content-Crs": f"<{ogc.CRS84}>"}))


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
    read = getattr(store, "claim_features_and_clock", None)
    hit = layer_cache(request).get((id(store), layer_id))
    if hit is None or read is None or len(feature_id) > 128:
        return None
    cached_clock, layer, layer_json = hit
    reader = ogc.reader_of(principal)
    if layer.kind != "claims" or (layer.private and not reader.private):
        return None
    view = LayerView(store, layer, reader, ogc.collection_caches(request), clock=cached_clock)
    if view.public_form:
        return None
    q = request.query_params
    try:
        check_crs(q.get("crs"))
        fmt = "html" if ogc.wants_html(request, q.get("f")) else "json"
        when = parse_instant(q.get("as_of"), "as_of")
        region = parse_bool(q.get("include_region"), "include_region")
        query = view.query(as_of=when, limit=1, ids=(feature_id,), include_retracted=True)
    except SitmapError:
        return None
    if not isinstance(query, ClaimQuery):
        return None
    feats, clock = read(query, include_region=region)
    if clock != cached_clock:
        return None
    etag, headers, early = _item_validators(request, settings, view, layer_json, principal, fmt, when, clock)
    if early is not None:
        return early
    if not feats:
        raise NotFound(f"no feature {feature_id!r} in collection {layer.id!r}")
    return _item_response(request, settings, layer, feature_id, feats[0], fmt, etag, headers)
