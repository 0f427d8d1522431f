"""Self-hosted map assets: Leaflet, sitmap's map JS/CSS and the context boundaries (never a CDN).

Text assets are compressed once per process at the strongest levels and a URL carrying
their content version (``?v=``, as the pages write them) is cached immutable
(``api.precompressed``).
"""

from __future__ import annotations

import asyncio
import logging
import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from api.deps import SettingsDep
from api.precompressed import (
    CACHE_DIR,
    SHORT_CACHE,
    boundaries_body,
    client_accept_encoding,
    precompressed_file,
    precompressed_response,
)
from api.render.assets import TEXT_SUFFIXES, map_css, map_js, resolve_asset
from geo.errors import NotFound

router = APIRouter(tags=["maps"])
log = logging.getLogger(__name__)


_warmed = threading.Event()


def warm_static() -> None:
    """Compress the map pages' assets and boundaries now, so the first reader does not wait for it.

    ``make install`` runs it (``python -m api.routes.static``) to fill the cache of
    compressed bodies; the app runs it once per process in a background thread when it
    starts, where it then only reads that cache. Any failure is left for the request
    that meets it.
    """
    if _warmed.is_set():
        return
    _warmed.set()
    try:
        boundaries_body()
        for _name, url in [*map_js(""), *map_css("")]:
            path = url.lstrip("/").removeprefix("static/")
            precompressed_file(resolve_asset(path).path, minify=path.startswith("sitmap/") and path.endswith(".js"))
        for path in ("sitmap/sitmap-boot.js", "sitmap/sitmap-page.js"):
            precompressed_file(resolve_asset(path).path, minify=True)
        precompressed_file(resolve_asset("sitmap/basemap.geojson").path)
    except Exception:  # pragma: no cover - the request path reports it
        log.debug("warming the static bodies failed", exc_info=True)


@router.get("/static/boundaries.geojson", summary="Context boundaries drawn on every map")
async def boundaries(request: Request) -> Response:
    """Gaza Strip, West Bank and governorate outlines (OCHA COD-AB), neighbours (Natural Earth)."""
    body = await asyncio.to_thread(boundaries_body)
    return precompressed_response(request, body, "application/geo+json")


@router.get("/basemap/tiles/{z}/{x}/{y}", summary="Basemap tiles from the local PMTiles archive SITMAP_TILES names")
def basemap_tile(z: int, x: int, y: int, request: Request, settings: SettingsDep) -> Response:
    """One tile of the ``.pmtiles`` archive ``SITMAP_TILES`` names (404 when it names none).

    A tile the archive does not hold is ``204 No Content`` (the map leaves that square
    empty); a gzipped vector tile is sent gzipped to clients that accept it.
    """
    from api.render.pmtiles_basemap import open_archive, pmtiles_path, tile_body

    path = pmtiles_path(settings.tiles)
    if path is None:
        raise NotFound("no PMTiles basemap is configured (SITMAP_TILES names no .pmtiles file)")
    try:
        archive = open_archive(path)
    except (OSError, ValueError) as exc:
        raise NotFound(f"the PMTiles basemap cannot be read: {type(exc).__name__}") from exc
    if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"no tile {z}/{x}/{y}")
    data = archive.tile(z, x, y)
    headers = {"Cache-Control": SHORT_CACHE, "Vary": "Accept-Encoding"}
    if data is None:
        return Response(status_code=204, headers=headers)
    body, extra = tile_body(archive, data, client_accept_encoding(request))
    return Response(body, media_type=archive.media_type, headers={**headers, **extra})


@router.get("/static/{path:path}", summary="Self-hosted map scripts and styles", include_in_schema=False)
def static(path: str, request: Request) -> Response:
    """Leaflet and sitmap's map JS/CSS, served from installed packages (never a CDN)."""
    try:
        asset = resolve_asset(path)
    except NotFound:
        raise
    except Exception as exc:  # a bad path is a 404, never a 500
        raise NotFound(f"no static file {path[:100]!r}") from exc
    if asset.path.suffix in TEXT_SUFFIXES:
        # sitmap's own scripts are commented for readers of the source; Leaflet's come minified
        own_js = path.startswith("sitmap/") and asset.path.suffix == ".js"
        return precompressed_response(request, precompressed_file(asset.path, minify=own_js), asset.media_type)
    return FileResponse(asset.path, media_type=asset.media_type, headers={"Cache-Control": SHORT_CACHE})


if __name__ == "__main__":  # pragma: no cover - run by make install
    warm_static()
    print(f"static bodies compressed into {CACHE_DIR}")
