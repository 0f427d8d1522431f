"""Errors the layers floor raises and the service maps to HTTP (one table in :mod:`api.errors`).

``geo/errors.py`` holds the errors every floor raises; these only arise once
there is a store, published layers and tokens. They live here, not in
:mod:`api.errors`, so the command line (``api.auth`` for tokens) raises them
without importing FastAPI: an import run starts half a second sooner.
"""

from __future__ import annotations

from geo.errors import SitmapError, StoreError


class StoreBusy(StoreError):
    """The store is locked by someone else and did not free up within the retry budget."""

    code = "store_busy"


class Unauthorized(SitmapError):
    """A write, or a read of a private layer, came without a valid token."""

    code = "unauthorized"


class Forbidden(SitmapError):
    """The token is valid but lacks the scope for this operation."""

    code = "forbidden"


__all__ = ["Forbidden", "StoreBusy", "Unauthorized"]
