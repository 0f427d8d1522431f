"""FastAPI dependencies as ``Annotated`` aliases: the store, the settings, the caller.

The app's lifespan puts one opened store, the settings and the token registry on
``app.state``; routes receive them through these aliases, never through globals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, TokenRegistry
from api.settings import Settings
from geo.errors import SitmapError
from layers.store import Store


class _Unavailable(SitmapError):
    code = "unavailable"


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The store opened by the app's lifespan (503 while it is not open).

    When the store file was locked by another process at start-up, the lifespan left
    an opener instead: each request tries it (``StoreBusy``, a 503, while the lock lasts).
    """
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        opener: Callable[[], Store] | None = getattr(request.app.state, "store_opener", None)
        if opener is not None:
            return opener()
        raise _Unavailable("the store is not open (the service is starting or stopping)")
    return store


def get_tokens(request: Request) -> TokenRegistry:
    """The registry of configured bearer tokens."""
    tokens: TokenRegistry = request.app.state.tokens
    return tokens


def get_principal(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal | None:
    """The caller identified by a bearer token, or ``None`` for an anonymous reader.

    A malformed or unknown token is a 401 even on public reads: a client that tried
    to authenticate must learn that it failed.
    """
    return get_tokens(request).identify(authorization)


#: Documents the bearer scheme in the OpenAPI document; the header itself is checked below.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A token from SITMAP_TOKENS or the token file (sitmap tokens add NAME --scope write)",
)


def require_writer(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Principal:
    """The caller of a write: a valid token with the ``write`` scope (401/403 otherwise)."""
    return get_tokens(request).require(request.headers.get("authorization"), "write")


def require_admin(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Principal:
    """The caller of an administrative operation: a valid token with the ``admin`` scope."""
    return get_tokens(request).require(request.headers.get("authorization"), "admin")


# The aliases below resolve as coroutines: FastAPI runs a plain ``def`` dependency in
# the thread pool, one hand-off per dependency per request, which on a loaded machine
# costs more than a small page (issue 16's cold path). They return what the functions
# above return and raise what they raise; anything that may block (opening a store
# late, checking a token against the token file) still runs in the thread pool.


async def settings_inline(request: Request) -> Settings:
    """:func:`get_settings`, without a thread hand-off (it only reads app state)."""
    return get_settings(request)


async def store_inline(request: Request) -> Store:
    """:func:`get_store`: the open store at once; the late opener (which may wait) in the thread pool."""
    store: Store | None = getattr(request.app.state, "store", None)
    if store is not None:
        return store
    return await run_in_threadpool(get_store, request)


async def principal_inline(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal | None:
    """:func:`get_principal`: anonymous at once; a presented token is checked in the thread pool."""
    if not authorization:
        return None
    return await run_in_threadpool(get_principal, request, authorization)


SettingsDep = Annotated[Settings, Depends(settings_inline)]
StoreDep = Annotated[Store, Depends(store_inline)]
PrincipalDep = Annotated[Principal | None, Depends(principal_inline)]
WriterDep = Annotated[Principal, Depends(require_writer)]
AdminDep = Annotated[Principal, Depends(require_admin)]
