"""OGC API - Features: the collections (one per layer) and one collection with its extent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import html as H
from api import ogc
from api.auth import Principal
from api.caching import cache_policy, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import problem_responses
from api.params import DOWNLOAD_FORMATS, check_known
from api.settings import Settings
from layers.collection import LayerView
from layers.store import Store

router = APIRouter(tags=["OGC API - Features"])

SCHEMA_JSON = "application/schema+json"


def collection_doc(request: Request, settings: Settings, view: LayerView) -> dict[str, Any]:
    """The OGC collection description of one layer, with extent and links."""
    layer = view.layer
    base = ogc.base_url(request, settings)
    cpath = f"/collections/{layer.id}"
    links = [
        ogc.link(base + cpath, "self", ogc.JSON, layer.title),
        ogc.link(ogc.url(base, cpath, [("f", "html")]), "alternate", ogc.HTML, f"{layer.title} as HTML"),
        ogc.link(base + cpath + "/items", "items", ogc.GEOJSON, f"{layer.title}: items"),
        ogc.link(ogc.url(base, cpath + "/items", [("f", "html")]), "items", ogc.HTML, f"{layer.title}: items as HTML"),
    ]
    for fmt in DOWNLOAD_FORMATS:
        from layers.export import FORMATS

        links.append(
            ogc.link(
                ogc.url(base, cpath + "/items", [("f", fmt)]), "enclosure", FORMATS[fmt][1], f"Download all ({fmt})"
            )
        )
    if layer.kind != "zones":
        links.append(
            ogc.link(
                base + cpath + "/likelihood.tif",
                "related",
                "image/tiff; application=geotiff; profile=cloud-optimized",
                "Likelihood surface (COG)",
            )
        )
        links.append(
            ogc.link(base + cpath + "/tiles/{z}/{x}/{y}.png", "related", "image/png", "Likelihood tiles (XYZ)")
        )
    links.append(
        ogc.link(
            base + cpath + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", ogc.JSON, "Vector tiles"
        )
    )
    links.append(ogc.link(base + "/maps/" + layer.id, "related", ogc.HTML, "Interactive map"))
    # "describedby" is the registered relation; GDAL 3.6 (Debian 12's) matches only "describedBy"
    for rel in ("describedby", "describedBy"):
        links.append(ogc.link(base + cpath + "/schema", rel, SCHEMA_JSON, f"{layer.title}: feature schema"))
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "kind": layer.kind,
        "crs": [ogc.CRS84],
        "storageCrs": ogc.CRS84,
        "extent": view.extent(),
        "links": links,
    }


def _collections_headers(
    request: Request, store: Store, settings: Settings, principal: Principal | None
) -> dict[str, str]:
    policy = cache_policy(
        request,
        parts=("collections", "auth" if principal else "anon", ogc.base_url(request, settings)),
        last_recorded_at=store.last_recorded_at(),
        frozen=False,
        public=principal is None,
        max_age=settings.cache_max_age,
    )
    return policy.headers()


@router.get(
    "/collections",
    summary="The collections (layers)",
    responses={**ogc.JSON_HTML_RESPONSES, 304: {"description": "Not modified"}},
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
    reader = ogc.reader_of(principal)
    caches = ogc.collection_caches(request)
    views = [
        LayerView(store, layer, reader, caches) for layer in list_layers(store) if reader.private or not layer.private
    ]
    docs = [collection_doc(request, settings, view) for view in views]
    base = ogc.base_url(request, settings)
    links = [
        ogc.link(base + "/collections", "self", ogc.JSON, "Collections"),
        ogc.link(ogc.url(base, "/collections", [("f", "html")]), "alternate", ogc.HTML, "Collections as HTML"),
    ]
    if ogc.wants_html(request, f):
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
        return ogc.html_page("Collections", body, headers)
    return ogc.respond({"links": links, "collections": docs}, ogc.JSON, headers)


@router.get(
    "/collections/{collection_id}",
    summary="One collection",
    responses={**ogc.JSON_HTML_RESPONSES, **problem_responses(401, 404), 304: {"description": "Not modified"}},
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
    view = ogc.open_view(request, store, collection_id, principal)
    layer = view.layer
    headers = _collections_headers(request, store, settings, principal)
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    doc = collection_doc(request, settings, view)
    if ogc.wants_html(request, f):
        ext = doc["extent"]
        body = (
            f"<h1>{H.esc(layer.title)}</h1><p>{H.esc(layer.description)}</p>"
            f"<p>Extent: <code>{H.esc(ext['spatial']['bbox'][0])}</code>, "
            f"<code>{H.esc(ext['temporal']['interval'][0])}</code></p>" + H.link_list(doc["links"])
        )
        return ogc.html_page(layer.title, body, headers)
    return ogc.respond(doc, ogc.JSON, headers)


@router.get(
    "/collections/{collection_id}/schema",
    summary="The JSON Schema of the collection's features (what GDAL and QGIS type the columns from)",
    responses={200: {"content": {SCHEMA_JSON: {"schema": {"type": "object"}}}}, **problem_responses(401, 404)},
)
def collection_schema(
    collection_id: str, request: Request, settings: SettingsDep, store: StoreDep, principal: PrincipalDep
) -> Response:
    """The properties of one feature, with their types, from the contract table."""
    from layers.export import feature_schema

    check_known(request.query_params.keys(), ())
    view = ogc.open_view(request, store, collection_id, principal)
    headers = _collections_headers(request, store, settings, principal)
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return ogc.respond(feature_schema(view.layer.kind, title=view.layer.title), SCHEMA_JSON, headers)
