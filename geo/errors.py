"""Domain errors shared by every floor of sitmap.

Each error carries a stable machine ``code``, a message meant for the user, and,
separately, an internal ``detail`` that is logged but never shown. Only ``api/``
maps these to HTTP statuses (one table there); the CLI prints ``message`` on one
line. ``geo`` is the bottom floor, so the hierarchy lives here and the other
floors import it; an error only a higher floor raises lives on that floor
(``StoreBusy`` and ``Unauthorized`` in :mod:`layers.errors`, ``Forbidden`` in
:mod:`api.errors`).
"""

from __future__ import annotations


class SitmapError(Exception):
    """Base of every error sitmap raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, detail: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidInput(SitmapError, ValueError):
    """The caller gave a value sitmap cannot accept (bad bbox, geometry, date...).

    Also a ``ValueError`` so that pydantic validators raising it produce a normal
    ``ValidationError`` with the field's location.
    """

    code = "invalid_input"


class NotFound(SitmapError):
    """A requested object (claim, layer, report, zone, block) does not exist."""

    code = "not_found"


class Conflict(SitmapError):
    """A write was based on a stale version, or contradicts stored state."""

    code = "conflict"


class TooLarge(SitmapError):
    """An input exceeds a configured size limit."""

    code = "too_large"


class Unsupported(SitmapError):
    """A format, media type or operation that sitmap does not offer."""

    code = "unsupported"


class StoreError(SitmapError):
    """The store is unusable: not a GeoPackage, a newer schema, a broken file."""

    code = "store_error"
