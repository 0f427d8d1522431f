"""Self-hosted map assets: Leaflet, sitmap's map JS/CSS and the context boundaries (never a CDN)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from api.render.assets import resolve_asset
from api.render.mapbuilder import boundaries_geojson
from geo.errors import NotFound

router = APIRouter(tags=["maps"])


@router.get("/static/boundaries.geojson", summary="Context boundaries drawn on every map")
async def boundaries() -> Response:
    """Gaza Strip, West Bank and governorate outlines (OCHA COD-AB), neighbours (Natural Earth)."""
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
