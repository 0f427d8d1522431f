"""OGC API - Tiles: vector tiles (Mapbox Vector Tiles, WebMercatorQuad) of every collection.

``/tileMatrixSets`` and ``/tileMatrixSets/WebMercatorQuad`` describe the one tile grid;
``/collections/{id}/tiles`` lists a collection's tilesets and
``/collections/{id}/tiles/WebMercatorQuad`` is its tileset metadata (TMS 2.0 tileset:
data type, CRS, the grid, a templated ``item`` link, the MVT layers and their
properties); ``/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}`` is one tile (zoom,
column from the west, row from the north: the order issue 18 names and slippy maps use;
the tileset's templated link spells it ``{tileMatrix}/{tileCol}/{tileRow}``, so OGC clients
that fill the template by name ask for the right tile). Tiles take the items route's
``datetime``, ``as_of`` and filters, and are built through the collection's
:class:`~layers.collection.LayerView`, so the publication policy, ``as_of`` and private
layers apply exactly as on the items route;
caching is the items route's (immutable for a past ``as_of``, else short max-age and a
store-clock ETag).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api import ogc
from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import problem_responses
from api.items_request import parse_items_request
from api.params import check_known
from layers import tiles as T

router = APIRouter(tags=["Tiles"])

#: Query parameters a tile takes (the items route's, less paging, bbox and format).
CLAIM_TILE_PARAMS = ("datetime", "as_of", "event_type", "source", "claimant", "status", "min_geo_precision")
ZONE_TILE_PARAMS = ("datetime", "as_of", "order_type", "issuer", "active_at", "include_retracted")
TILESET_DOC_PARAMS = ("f", *CLAIM_TILE_PARAMS, *ZONE_TILE_PARAMS)
#: Link relations of OGC API - Tiles.
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
MERCATOR_CRS = "http://www.opengis.net/def/crs/EPSG/0/3857"

_TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {T.MVT: {"schema": {"type": "string", "format": "binary"}}}},
    204: {"description": "The tile holds nothing"},
    304: {"description": "Not modified"},
    **problem_responses(400, 401, 404),
}
_DOC_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {ogc.JSON: {"schema": {"type": "object"}}}},
    **problem_responses(400, 401, 404),
}


def _tms_doc() -> dict[str, Any]:
    """WebMercatorQuad as OGC 2D TMS 2.0 JSON (morecantile's definition)."""
    import morecantile

    doc: dict[str, Any] = morecantile.tms.get(T.TMS_ID).model_dump(mode="json", exclude_none=True)
    return doc


def _query_suffix(request: Request, allowed: tuple[str, ...]) -> str:
    """The request's tile parameters, to carry into links (so a tileset keeps its filters)."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.query_params.multi_items() if k in allowed and k != "f"]
    return "?" + urlencode(kept) if kept else ""


@router.get("/tileMatrixSets", summary="Tile matrix sets offered", responses=_DOC_RESPONSES)
def tile_matrix_sets(request: Request, settings: SettingsDep) -> Response:
    """The tile matrix sets tiles are offered in (WebMercatorQuad)."""
    ogc.check_params(request, ("f",))
    base = ogc.base_url(request, settings)
    body = {
        "tileMatrixSets": [
            {
                "id": T.TMS_ID,
                "title": "Google Maps Compatible for the World",
                "uri": T.TMS_URI,
                "links": [ogc.link(f"{base}/tileMatrixSets/{T.TMS_ID}", "self", ogc.JSON, T.TMS_ID)],
            }
        ],
        "links": [ogc.link(f"{base}/tileMatrixSets", "self", ogc.JSON, "Tile matrix sets")],
    }
    return ogc.respond(body, ogc.JSON, {"Cache-Control": "public, max-age=86400"})


@router.get("/tileMatrixSets/{tms}", summary="One tile matrix set", responses=_DOC_RESPONSES)
def tile_matrix_set(tms: str, request: Request) -> Response:
    """The definition of a tile matrix set (OGC 2D TMS 2.0 JSON)."""
    ogc.check_params(request, ("f",))
    T.tile_address(tms, 0, 0, 0)  # 404 for another set
    return ogc.respond(_tms_doc(), ogc.JSON, {"Cache-Control": "public, max-age=86400"})


def _tileset_summary(base: str, collection_id: str, title: str, suffix: str) -> dict[str, Any]:
    return {
        "title": f"{title} (vector tiles)",
        "dataType": "vector",
        "crs": MERCATOR_CRS,
        "tileMatrixSetURI": T.TMS_URI,
        "links": [
            ogc.link(f"{base}/collections/{collection_id}/tiles/{T.TMS_ID}{suffix}", "self", ogc.JSON, "Tileset"),
            ogc.link(f"{base}/tileMatrixSets/{T.TMS_ID}", REL_TILING_SCHEME, ogc.JSON, "Tile matrix set"),
        ],
    }


@router.get("/collections/{collection_id}/tiles", summary="Tilesets of a collection", responses=_DOC_RESPONSES)
def tilesets(
    collection_id: str, request: Request, settings: SettingsDep, store: StoreDep, principal: PrincipalDep
) -> Response:
    """The collection's tilesets: vector tiles in WebMercatorQuad."""
    view = ogc.open_view(request, store, collection_id, principal)
    check_known(request.query_params.keys(), TILESET_DOC_PARAMS)
    base = ogc.base_url(request, settings)
    suffix = _query_suffix(request, TILESET_DOC_PARAMS)
    body = {
        "links": [
            ogc.link(f"{base}/collections/{collection_id}/tiles{suffix}", "self", ogc.JSON, "Tilesets"),
            ogc.link(f"{base}/collections/{collection_id}", "collection", ogc.JSON, view.layer.title),
        ],
        "tilesets": [_tileset_summary(base, collection_id, view.layer.title, suffix)],
    }
    return ogc.respond(body, ogc.JSON, _doc_headers(view))


@router.get(
    "/collections/{collection_id}/tiles/{tms}", summary="Tileset metadata of a collection", responses=_DOC_RESPONSES
)
def tileset(
    collection_id: str,
    tms: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
) -> Response:
    """The tileset: grid, the templated tile link and what each MVT layer holds."""
    view = ogc.open_view(request, store, collection_id, principal)
    T.tile_address(tms, 0, 0, 0)
    check_known(request.query_params.keys(), TILESET_DOC_PARAMS)
    base = ogc.base_url(request, settings)
    suffix = _query_suffix(request, TILESET_DOC_PARAMS)
    layer = view.layer
    here = f"{base}/collections/{collection_id}/tiles/{T.TMS_ID}"
    template = here + "/{tileMatrix}/{tileCol}/{tileRow}" + suffix
    doc = _tileset_summary(base, collection_id, layer.title, suffix)
    doc["description"] = layer.description
    doc["links"] = [
        *doc["links"],
        {"href": template, "rel": "item", "type": T.MVT, "templated": True, "title": "Mapbox vector tile"},
        ogc.link(f"{base}/collections/{collection_id}", "collection", ogc.JSON, layer.title),
    ]
    doc["layers"] = T.tileset_layers(layer)
    doc["tileMatrixSetLimits"] = [
        {"tileMatrix": str(z), "minTileRow": 0, "maxTileRow": (1 << z) - 1, "minTileCol": 0, "maxTileCol": (1 << z) - 1}
        for z in range(T.MIN_ZOOM, T.MAX_ZOOM + 1)
    ]
    bbox = view.extent().get("spatial", {}).get("bbox", [None])[0]
    if bbox:
        doc["boundingBox"] = {
            "lowerLeft": [bbox[0], bbox[1]],
            "upperRight": [bbox[2], bbox[3]],
            "crs": ogc.CRS84,
        }
    return ogc.respond(doc, ogc.JSON, _doc_headers(view))


def _doc_headers(view: Any) -> dict[str, str]:
    public = not view.layer.private and not view.reader.exact
    return {"Cache-Control": "public, max-age=300" if public else "private, no-cache"}


@router.get(
    "/collections/{collection_id}/tiles/{tms}/{tile_matrix}/{tile_col}/{tile_row}",
    summary="One vector tile of a collection (Mapbox Vector Tile)",
    responses=_TILE_RESPONSES,
)
def vector_tile(
    collection_id: str,
    tms: str,
    tile_matrix: Annotated[int, Path(description="zoom level (tile matrix id)")],
    tile_col: Annotated[int, Path(description="x: column, counted from the west")],
    tile_row: Annotated[int, Path(description="y: row, counted from the north")],
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
) -> Response:
    """Claims (points with id, type, time, radius, claimant), incidents or zones (polygons) in one tile.

    A tile holding more than a few thousand claims carries grid clusters (``count``)
    in a ``<collection>-clusters`` layer instead. 204 when the tile holds nothing.
    """
    view = ogc.open_view(request, store, collection_id, principal)
    tile = T.tile_address(tms, tile_matrix, tile_col, tile_row)
    layer = view.layer
    check_known(request.query_params.keys(), ZONE_TILE_PARAMS if layer.kind == "zones" else CLAIM_TILE_PARAMS)
    req = parse_items_request(request, layer, settings)
    frozen = is_frozen(req.as_of, delay=view.delay)
    policy = cache_policy(
        request,
        parts=(
            layer.model_dump_json(),
            "exact" if view.reader.exact else "public",
            "mvt",
            *ogc.publication_parts(view),
        ),
        last_recorded_at=None if frozen else view.clock,
        frozen=frozen,
        public=principal is None and not layer.private,
        max_age=settings.cache_max_age,
    )
    headers = policy.headers()
    if not_modified(request, policy.etag):
        return Response(status_code=304, headers=headers)
    hit = ogc.cached_response(request, policy.etag, headers)
    if hit is not None:
        return hit
    with ogc.single_flight(request, policy.etag):
        hit = ogc.cached_response(request, policy.etag, headers)
        if hit is not None:
            return hit
        body = T.layer_tile(view, tile, req.narrowing, as_of=req.as_of)
        if not body:
            return Response(status_code=204, headers=headers)
        return ogc.remember(request, policy.etag, Response(body, media_type=T.MVT, headers=headers))
