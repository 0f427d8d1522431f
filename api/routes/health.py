"""``/healthz``: is the service up, is the store reachable, and which versions run it."""

from __future__ import annotations

import functools
import platform
from importlib import metadata
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StoreDep
from api.errors import problem_responses

router = APIRouter(tags=["Health"])


@functools.cache
def library_versions() -> dict[str, str | None]:
    """Versions of sitmap and the geospatial libraries it runs on (GDAL, PROJ, GEOS)."""

    def dist(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    versions: dict[str, str | None] = {
        "sitmap": dist("sitmap"),
        "python": platform.python_version(),
        "fastapi": dist("fastapi"),
        "shapely": dist("shapely"),
    }
    try:
        import shapely

        versions["geos"] = shapely.geos_version_string
    except ImportError:  # pragma: no cover - shapely is a hard dependency
        versions["geos"] = None
    try:
        import pyproj

        versions["proj"] = pyproj.proj_version_str
    except ImportError:  # pragma: no cover
        versions["proj"] = None
    try:
        import pyogrio

        versions["gdal"] = pyogrio.__gdal_version_string__
    except ImportError:  # pragma: no cover
        versions["gdal"] = None
    try:
        import rasterio

        versions["gdal_rasterio"] = rasterio.__gdal_version__
    except ImportError:  # pragma: no cover
        versions["gdal_rasterio"] = None
    return versions


@router.get(
    "/healthz",
    summary="Service health and versions",
    responses={
        200: {"description": "The service and its store work", "content": {"application/json": {}}},
        **problem_responses(503),
    },
)
def healthz(store: StoreDep) -> JSONResponse:
    """Check the store with a cheap read and report library versions."""
    last = store.last_recorded_at()
    body: dict[str, Any] = {
        "status": "ok",
        "store": {
            "backend": store.backend,
            "last_recorded_at": last.isoformat().replace("+00:00", "Z") if last else None,
        },
        "versions": library_versions(),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get(
    "/problems/{code}",
    summary="What a problem type means (the 'type' of every error response)",
    responses={200: {"content": {"application/json": {}}}, **problem_responses(404)},
)
def problem_type(code: str) -> JSONResponse:
    """The documentation of one problem type: its HTTP status, title and meaning."""
    from api.errors import PROBLEM_DOCS, STATUS_BY_CODE
    from geo.errors import NotFound

    if code not in STATUS_BY_CODE:
        raise NotFound(f"no problem type {code[:60]!r}; known: {', '.join(sorted(STATUS_BY_CODE))}")
    status, title = STATUS_BY_CODE[code]
    return JSONResponse(
        {"type": f"/problems/{code}", "status": status, "title": title, "description": PROBLEM_DOCS.get(code, title)},
        headers={"Cache-Control": "public, max-age=86400"},
    )
