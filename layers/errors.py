"""Errors the layers floor raises and the service maps to HTTP (one table in :mod:`api.errors`).

``geo/errors.py`` holds the errors every floor raises; these two only arise once
there is a store and published layers.
"""

from __future__ import annotations

from geo.errors import SitmapError, StoreError


class StoreBusy(StoreError):
    """The store is locked by someone else and did not free up within the retry budget."""

    code = "store_busy"


class Unauthorized(SitmapError):
    """A write, or a read of a private layer, came without a valid token."""

    code = "unauthorized"


__all__ = ["StoreBusy", "Unauthorized"]
