"""OGC API - Features: the landing page, the conformance classes and the API definition."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import html as H
from api import ogc
from api.deps import SettingsDep
from api.errors import problem_responses
from api.params import check_known

router = APIRouter(tags=["OGC API - Features"])


@router.get("/", summary="Landing page", responses=ogc.JSON_HTML_RESPONSES)
def landing(
    request: Request,
    settings: SettingsDep,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """The landing page: links to the API definition, conformance and collections."""
    check_known(request.query_params.keys(), ("f",))
    base = ogc.base_url(request, settings)
    links = [
        ogc.link(
            ogc.url(base, "/", [("f", "json")]),
            "self" if not ogc.wants_html(request, f) else "alternate",
            ogc.JSON,
            "This document",
        ),
        ogc.link(
            ogc.url(base, "/", [("f", "html")]),
            "alternate" if not ogc.wants_html(request, f) else "self",
            ogc.HTML,
            "This document as HTML",
        ),
        ogc.link(base + "/api", "service-desc", ogc.OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
        ogc.link(ogc.url(base, "/api", [("f", "html")]), "service-doc", ogc.HTML, "The API documentation"),
        ogc.link(base + "/conformance", "conformance", ogc.JSON, "Conformance classes"),
        ogc.link(base + "/collections", "data", ogc.JSON, "Collections (layers)"),
    ]
    data = {"title": settings.title, "description": settings.description, "links": links}
    if ogc.wants_html(request, f):
        body = (
            f"<h1>{H.esc(settings.title)}</h1><p>{H.esc(settings.description)}</p>"
            + "<h2>See the claims</h2>"
            + H.link_list(_reader_links(base))
            + "<h2>For software (OGC API - Features)</h2>"
            + H.link_list(links[2:])
        )
        return ogc.html_page(settings.title, body)
    return ogc.respond(data, ogc.JSON)


def _reader_links(base: str) -> list[dict[str, str]]:
    """The pages a person opens first: the map of every claim, the orders in force, the layers.

    The OGC links alone sent a reader who opened the front page to JSON documents, with no
    way to the map the README points to.
    """
    return [
        ogc.link(base + "/maps/all", "related", ogc.HTML, "Map of all claims"),
        ogc.link(base + "/orders", "related", ogc.HTML, "Evacuation orders in force today"),
        ogc.link(ogc.url(base, "/collections", [("f", "html")]), "related", ogc.HTML, "Layers and downloads"),
    ]


@router.get("/conformance", summary="Conformance classes", responses=ogc.JSON_HTML_RESPONSES)
def conformance(
    request: Request,
    f: Annotated[str | None, Query(description="json or html", pattern="^(json|html)$")] = None,
) -> Response:
    """The OGC conformance classes this service implements."""
    check_known(request.query_params.keys(), ("f",))
    if ogc.wants_html(request, f):
        items = "".join(f"<li><code>{H.esc(c)}</code></li>" for c in ogc.CONFORMANCE)
        return ogc.html_page("Conformance", f"<h1>Conformance</h1><ul>{items}</ul>")
    return ogc.respond({"conformsTo": ogc.CONFORMANCE}, ogc.JSON)


@router.get(
    "/api",
    summary="The API definition (OpenAPI 3.0)",
    responses={
        200: {"content": {ogc.OPENAPI_JSON: {"schema": {"type": "object"}}, ogc.HTML: {"schema": {"type": "string"}}}},
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
    if ogc.wants_html(request, f):
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
        return ogc.html_page("API", body)
    return ogc.respond(doc, ogc.OPENAPI_JSON)


# --------------------------------------------------------------------------------------
