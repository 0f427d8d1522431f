"""The FastAPI application factory: ``create_app(settings)`` is the only way to build the service.

Nothing happens at import time. The lifespan opens the store once per app (the
GeoPackage or PostGIS backend named by ``settings.db``), installs the default layers
and closes the store on shutdown. Run with ``uvicorn --factory api.app:create_app``
or ``sitmap serve``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from api.auth import TokenRegistry
from api.caching import ResponseCache
from api.compression import ZstdMiddleware
from api.errors import install_error_handlers
from api.layer_cache import LayerCache
from api.middleware import (
    BodyLimitMiddleware,
    GzipETagMiddleware,
    HeadMiddleware,
    NulGuardMiddleware,
    SecurityHeadersMiddleware,
)
from api.openapi import downgrade_to_30
from api.settings import Settings
from layers.collection import CollectionCaches
from layers.errors import StoreBusy
from layers.store import Store

log = logging.getLogger("sitmap.api")

API_VERSION = "0.1.0"


def _install_default_layers(store: Store) -> None:
    from layers.catalog import install_default_layers

    install_default_layers(store)


def _open_store(settings: Settings) -> Store:
    """Open ``settings.db`` with the service's lock budget and install the default layers."""
    from layers.store import open_store

    opened = open_store(settings.db, busy_timeout_s=settings.store_busy_timeout_s)
    try:
        _install_default_layers(opened)
    except BaseException:
        opened.close()
        raise
    return opened


class _LateOpener:
    """Opens the store on a request, for an app that started while the store file was locked.

    One request at a time tries (others wait at most the lock budget, then get the same
    ``StoreBusy``); the first success puts the store on ``app.state`` for every later request.
    """

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.lock = threading.Lock()

    def __call__(self) -> Store:
        if not self.lock.acquire(timeout=self.settings.store_busy_timeout_s):
            raise StoreBusy(f"{self.settings.db} is still locked by another process; try again")
        try:
            current: Store | None = self.app.state.store
            if current is None:
                current = _open_store(self.settings)  # StoreBusy again while the lock lasts
                self.app.state.store = current
                self.app.state.store_opener = None
                log.warning("store %s opened after its start-up lock was released", self.settings.db)
            return current
        finally:
            self.lock.release()


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the sitmap service.

    ``settings`` defaults to ``Settings()`` (read from ``SITMAP_*``). ``store`` lets a
    caller hand in an already opened store (tests, benchmarks); it is then not
    closed by the app. Otherwise the lifespan opens ``settings.db``.
    """
    settings = settings or Settings()
    tokens = TokenRegistry.from_config(settings.tokens, settings.token_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        opened: Store | None = store
        if store is None:
            try:
                opened = _open_store(settings)
            except StoreBusy as exc:
                # Another process holds the file (an exclusive lock blocks even readers): start
                # anyway, answer 503 with Retry-After, and open the store once it is free.
                log.warning("store %s is locked at start-up (%s); opening it on a later request", settings.db, exc)
                app.state.store_opener = _LateOpener(app, settings)
        try:
            if store is not None:
                _install_default_layers(store)
            app.state.store = opened
            _warm_maps()
            yield
        finally:
            current = app.state.store
            app.state.store = None
            app.state.store_opener = None
            if own and current is not None:
                current.close()

    app = FastAPI(
        title=settings.title,
        description=settings.description,
        version=API_VERSION,
        openapi_url=None,  # served by routes/landing.py at /api, as OpenAPI 3.0 (OGC API - Features)
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = tokens
    app.state.store = None
    app.state.store_opener = None
    app.state.raster_cache = None
    app.state.collection_caches = CollectionCaches()
    app.state.response_cache = ResponseCache(int(settings.response_cache_mb * 1_000_000))

    install_error_handlers(app)

    from api.desk.session import new_session_key
    from api.routes import (
        collections,
        desk,
        health,
        ingest,
        item,
        items,
        landing,
        layers_admin,
        rasters,
        reports,
        tiles,
    )

    app.state.session_key = new_session_key(settings.session_secret)

    app.include_router(health.router)
    for room in (landing, collections, items, item):  # OGC API - Features, in the order of its document
        app.include_router(room.router)
    app.state.item_layer_cache = LayerCache()
    app.include_router(rasters.router)
    app.include_router(tiles.router)
    app.include_router(ingest.router)
    app.include_router(layers_admin.router)
    app.include_router(reports.router)
    app.include_router(desk.router)
    # Map pages, embeds, oEmbed and static assets (the maps part) are included here:
    _include_maps(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                servers=[{"url": settings.base_url}] if settings.base_url else None,
            )
            app.openapi_schema = downgrade_to_30(schema, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    # Middlewares, innermost first: body limit, gzip (only when asked), gzip-aware ETags, zstd
    # (when preferred to gzip; outside gzip, so a body is compressed once),
    # CORS (reads only), security headers + last-resort 500, HEAD as a bodiless GET.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)
    app.add_middleware(NulGuardMiddleware)
    if settings.rate_limit:
        from api.ratelimit import RateLimiter, RateLimitMiddleware

        app.add_middleware(RateLimitMiddleware, limiter=RateLimiter.from_settings(settings), tokens=tokens)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes, compresslevel=5)
    app.add_middleware(GzipETagMiddleware)
    app.add_middleware(ZstdMiddleware, minimum_size=settings.gzip_min_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list(),
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "Accept", "Accept-Language"],
        expose_headers=["ETag", "Link", "Content-Disposition", "Location"],
        allow_credentials=False,
        max_age=3600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadMiddleware)
    return app


def _warm_maps() -> None:
    """Compress the map assets in the background (once per process), when the maps part is installed."""
    try:
        from api.routes.static import warm_static
    except ImportError:
        return
    import threading

    threading.Thread(target=warm_static, name="sitmap-warm-static", daemon=True).start()


def _include_maps(app: FastAPI) -> None:
    """Include the map pages (``api/routes/maps.py``) when that part is installed."""
    try:
        from api.routes import maps, oembed, orders, static
    except ImportError as exc:
        if exc.name != "api.routes.maps":
            raise
        return
    for room in (maps, oembed, orders, static):
        app.include_router(room.router)
