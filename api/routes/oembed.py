"""oEmbed 1.0 (JSON, ``rich``) for sitmap's map pages, so a CMS turns a map link into an embed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api import ogc
from api.deps import SettingsDep, StoreDep
from api.errors import BadParameter, problem_response
from api.mapview import iframe_html, parse_view
from api.render.i18n import LANGS
from geo.errors import NotFound
from layers.collection import LayerView

router = APIRouter(tags=["maps"])

#: Default and largest oEmbed frame sizes (px).
OEMBED_SIZE = (800, 600)


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
    base = ogc.base_url(request, settings)
    parts = urlsplit(url)
    ours = urlsplit(base)
    path = parts.path
    if parts.netloc != ours.netloc or not path.startswith(("/maps/", "/embed/")) or path.endswith(".png"):
        raise NotFound(f"{url[:200]!r} is not a sitmap map URL on {base}")
    collection = path.split("/", 2)[2].strip("/")
    if not collection or "/" in collection:
        raise NotFound(f"{url[:200]!r} is not a sitmap map URL on {base}")
    layer = LayerView.open(store, collection, noun="layer").layer
    scope = {"type": "http", "query_string": parts.query.encode(), "headers": [], "path": path}
    view = parse_view(collection, Request(scope))
    pinned = view if view.as_of else replace(view, as_of=datetime.now(UTC).replace(microsecond=0))
    width = min(OEMBED_SIZE[0], maxwidth or OEMBED_SIZE[0])
    height = min(OEMBED_SIZE[1], maxheight or OEMBED_SIZE[1])
    src = f"{base}/embed/{collection}{pinned.query()}"
    lang = parse_qs(parts.query).get("lang", [""])[0]
    if lang in LANGS:  # the embed keeps the language of the page it was asked for
        src += f"{'&' if '?' in src else '?'}lang={lang}"
    title = layer.title if len(view.layer_ids) == 1 else " + ".join(view.layer_ids)
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "provider_name": settings.title or "sitmap",
        "provider_url": base + "/",
        "title": title,
        "html": iframe_html(src, title, width, height),
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
