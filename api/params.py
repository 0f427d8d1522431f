"""Query-parameter parsers for the service: bbox, datetime, limit, offset, filters, formats.

Each parser takes the raw string, returns a typed value, and raises
:class:`api.errors.BadParameter` (a 400 problem naming the parameter) for a wrong
value; nothing here ever returns a 500 or silently ignores a value.

``datetime`` follows OGC API - Features Part 1 (RFC 3339): an instant, a closed
interval ``a/b``, or a half-open one ``../b`` / ``a/..`` (an empty side counts as
open). Date-only forms are accepted too: a date-only instant means that whole day,
a date-only start starts at 00:00Z and a date-only end includes that whole day.
The parsing itself is :mod:`layers.params`, shared with the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from api.errors import BadParameter, UnknownParameter
from geo.errors import InvalidInput
from geo.model import CLAIM_STATUSES, EVENT_TYPES
from layers import params as layer_params
from layers.model import ORDER_TYPES
from layers.params import format_instant as format_instant  # re-exported: one formatter for every response

#: Output formats of the items endpoint; json is one page, the others are downloads of every match.
ITEM_FORMATS = ("json", "geojson", "csv", "gpkg", "parquet", "kml", "html")
DOWNLOAD_FORMATS = ("geojson", "csv", "gpkg", "parquet", "kml")


@dataclass(frozen=True)
class Interval:
    """A parsed ``datetime`` parameter: inclusive UTC bounds, ``None`` where open."""

    start: datetime | None
    end: datetime | None
    text: str


def _named(name: str, exc: InvalidInput) -> BadParameter:
    message = exc.message
    for prefix in (f"{name} start ", f"{name} end ", f"{name} "):
        if message.startswith(prefix):
            message = message[len(name) + 1 :]
            break
    return BadParameter(name, message)


def parse_datetime(value: str | None, name: str = "datetime") -> Interval | None:
    """Parse an OGC ``datetime`` value into an :class:`Interval` (``None`` when absent).

    Delegates to :func:`layers.params.parse_interval` so the CLI and the service read
    a value the same way; errors become a 400 naming the parameter.
    """
    if value is None:
        return None
    try:
        start, end = layer_params.parse_interval(value, what=name)
    except InvalidInput as exc:
        raise _named(name, exc) from None
    return Interval(start, end, value.strip())


def parse_instant(value: str | None, name: str = "as_of") -> datetime | None:
    """Parse a single instant (a bare date is the start of that day, UTC), as the CLI does."""
    if value is None:
        return None
    try:
        return layer_params.parse_instant(value, what=name)
    except InvalidInput as exc:
        raise _named(name, exc) from None


def parse_bbox(value: str | None, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """Parse ``minx,miny,maxx,maxy`` (or the 6-number 3D form) in CRS84 lon/lat."""
    if value is None:
        return None
    try:
        return layer_params.parse_bbox(value, what=name)
    except InvalidInput as exc:
        raise _named(name, exc) from None


def parse_int(value: str | None, name: str, *, minimum: int, default: int) -> int:
    """Parse a non-negative integer parameter (``default`` when absent)."""
    if value is None:
        return default
    text = value.strip()
    if not re.fullmatch(r"[+]?\d{1,12}", text):
        raise BadParameter(name, f"{value!r} is not an integer")
    n = int(text)
    if n < minimum:
        raise BadParameter(name, f"{n} is below the minimum {minimum}")
    return n


def parse_limit(value: str | None, *, default: int, maximum: int) -> int:
    """Parse ``limit``: 1..maximum; a larger value is clamped to the maximum.

    OGC API - Features lets a server return fewer items than asked for (the
    ``next`` link then carries on), so a large ``limit`` is served, not refused.
    """
    n = parse_int(value, "limit", minimum=1, default=default)
    return min(n, maximum)


def parse_list(values: Sequence[str], name: str, *, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    """Merge repeated and comma-separated values; check them against ``allowed``."""
    out: list[str] = []
    for raw in values:
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            if len(item) > 300:
                raise BadParameter(name, "a value is longer than 300 characters")
            if item not in out:
                out.append(item)
    if values and not out:
        raise BadParameter(name, "is empty")
    if allowed is not None:
        allowed_set = tuple(allowed)
        for item in out:
            if item not in allowed_set:
                raise BadParameter(name, f"unknown value {item!r}; one of: {', '.join(allowed_set)}")
    return tuple(out)


def parse_event_types(values: Sequence[str]) -> tuple[str, ...]:
    """``event_type`` values, checked against the controlled vocabulary."""
    return parse_list(values, "event_type", allowed=EVENT_TYPES)


def parse_statuses(values: Sequence[str]) -> tuple[str, ...]:
    """``status`` values, checked against the claim statuses."""
    return parse_list(values, "status", allowed=CLAIM_STATUSES)


def parse_order_types(values: Sequence[str]) -> tuple[str, ...]:
    """``order_type`` values, checked against the zone order types."""
    return parse_list(values, "order_type", allowed=ORDER_TYPES)


def parse_geo_precision(value: str | None) -> int | None:
    """``min_geo_precision``: 1, 2 or 3 (ACLED codes; 1 is the most precise)."""
    if value is None:
        return None
    n = parse_int(value, "min_geo_precision", minimum=1, default=3)
    if n > 3:
        raise BadParameter("min_geo_precision", f"{n} is not an ACLED geo_precision code (1, 2 or 3)")
    return n


def parse_bool(value: str | None, name: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no); absent is false."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise BadParameter(name, f"{value!r} is not true or false")


def parse_format(value: str | None, allowed: Sequence[str], default: str = "json") -> str:
    """The ``f`` parameter, lower-cased and checked (``application/geo+json`` is read as geojson)."""
    if value is None:
        return default
    text = value.strip().lower()
    aliases = {"application/geo+json": "json", "application/json": "json", "text/html": "html", "jsonld": "json"}
    text = aliases.get(text, text)
    if text not in allowed:
        raise BadParameter("f", f"unknown format {value!r}; one of: {', '.join(allowed)}")
    return text


def check_known(params: Mapping[str, object] | Iterable[str], allowed: Iterable[str]) -> None:
    """Raise a 400 for a query parameter the endpoint does not define (OGC /req/core/query-param-unknown)."""
    allowed_list = list(allowed)
    for key in params:
        if key not in allowed_list:
            raise UnknownParameter(str(key), allowed_list)
