"""Parsing of the query values every entry point shares: instants, ``A/B`` intervals, bboxes.

The CLI (``sitmap export --datetime ... --bbox ...``) and the service (``?datetime=``,
``?bbox=``, ``?as_of=``) call these same functions, so a value means the same thing
everywhere and a bad value gives the same one-line :class:`~geo.errors.InvalidInput`
naming it. Intervals follow OGC API - Features: ``A/B`` with ``..`` (or an empty side)
for an open end; a single instant or date means just that instant or day. A date-only
end includes that whole day, so ``2023-12-01/2023-12-02`` covers two full days.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta

from geo.errors import InvalidInput
from geo.model import to_utc_instant

#: The last representable instant of a day (inclusive ends, as in ``TimeInterval``).
_END_OF_DAY = time(23, 59, 59, 999999)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_TEXT = 200


def _clip(text: str) -> str:
    """A value shortened for an error message, so a hostile input cannot flood a log."""
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_point(text: str, *, end: bool, what: str) -> datetime:
    """One side of an interval: a date (start or end of that day) or a datetime (UTC)."""
    value = text.strip()
    if _DATE_RE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"{what} {_clip(value)!r} is not a valid date: {exc}") from None
        return to_utc_instant(datetime.combine(day, _END_OF_DAY if end else time(0), tzinfo=UTC), what)
    norm = value.replace("z", "Z")
    if norm.endswith("Z"):
        norm = norm[:-1] + "+00:00"
    if "T" not in norm and " " not in norm:
        raise InvalidInput(f"{what} {_clip(value)!r} is not an ISO 8601 date or datetime (e.g. 2023-12-01T08:00:00Z)")
    try:
        parsed = datetime.fromisoformat(norm)
    except ValueError:
        raise InvalidInput(
            f"{what} {_clip(value)!r} is not an ISO 8601 date or datetime (e.g. 2023-12-01T08:00:00Z)"
        ) from None
    return to_utc_instant(parsed, what)


def parse_instant(text: str, *, what: str = "instant") -> datetime:
    """Parse one ISO 8601 instant (``2023-12-01``, ``2023-12-01T08:00Z``, offsets) into UTC.

    A bare date means the start of that day in UTC; a naive datetime is taken as UTC.
    Raises :class:`InvalidInput` naming the value when it cannot be read.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{what} is empty: expected an ISO 8601 date or datetime")
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{what} is too long ({len(text)} characters)")
    return _parse_point(text, end=False, what=what)


def parse_interval(text: str, *, what: str = "datetime") -> tuple[datetime | None, datetime | None]:
    """Parse an OGC ``datetime`` value into inclusive UTC bounds ``(start, end)``.

    ``A/B`` with ``..`` or an empty side for an open end; a lone date is that whole day;
    a lone datetime is that instant (start == end). A date-only end includes the whole
    day. An end before its start, ``../..``, or an unreadable side raise
    :class:`InvalidInput` naming the value.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{what} is empty: expected an instant or an interval A/B (use '..' for an open end)")
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{what} is too long ({len(text)} characters)")
    value = text.strip()
    parts = value.split("/")
    if len(parts) == 1:
        if _DATE_RE.match(value):
            return _parse_point(value, end=False, what=what), _parse_point(value, end=True, what=what)
        if value == "..":
            raise InvalidInput(f"{what} '..' is not an interval: give at least one end")
        instant = _parse_point(value, end=False, what=what)
        return instant, instant
    if len(parts) != 2:
        raise InvalidInput(f"{what} {_clip(value)!r} has more than one '/': expected A/B")
    raw_start, raw_end = (p.strip() for p in parts)
    start = None if raw_start in ("", "..") else _parse_point(raw_start, end=False, what=f"{what} start")
    end = None if raw_end in ("", "..") else _parse_point(raw_end, end=True, what=f"{what} end")
    if start is None and end is None:
        raise InvalidInput(f"{what} {_clip(value)!r} has two open ends: give at least one end")
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{what} {_clip(value)!r} ends before it starts")
    return start, end


def format_interval(start: datetime | None, end: datetime | None) -> str:
    """The inverse of :func:`parse_interval` for display and links (``..`` for open ends)."""

    def one(t: datetime | None) -> str:
        return ".." if t is None else t.astimezone(UTC).isoformat().replace("+00:00", "Z")

    return f"{one(start)}/{one(end)}"


def parse_bbox(text: str, *, what: str = "bbox") -> tuple[float, float, float, float]:
    """Parse ``minx,miny,maxx,maxy`` in lon/lat (OGC:CRS84) into four floats.

    Accepts the 6-number 3D form by dropping the heights. Longitudes must lie in
    -180..180 and latitudes in -90..90, with min <= max. A box crossing the
    antimeridian (``minx > maxx``) is refused with a clear message rather than read
    wrongly: sitmap's stores do not split such boxes.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{what} is empty: expected minx,miny,maxx,maxy")
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{what} is too long ({len(text)} characters)")
    parts = [p.strip() for p in text.strip().split(",")]
    if len(parts) not in (4, 6):
        raise InvalidInput(f"{what} {_clip(text)!r} must have 4 numbers minx,miny,maxx,maxy (got {len(parts)})")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(f"{what} {_clip(text)!r} must be numbers: minx,miny,maxx,maxy") from None
    if not all(math.isfinite(n) for n in nums):
        raise InvalidInput(f"{what} {_clip(text)!r} must be finite numbers")
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    minx, miny, maxx, maxy = nums
    for lon in (minx, maxx):
        if not -180 <= lon <= 180:
            raise InvalidInput(f"{what} {_clip(text)!r}: longitude {lon:g} is out of range -180..180")
    for lat in (miny, maxy):
        if not -90 <= lat <= 90:
            raise InvalidInput(f"{what} {_clip(text)!r}: latitude {lat:g} is out of range -90..90")
    if minx > maxx:
        raise InvalidInput(
            f"{what} {_clip(text)!r}: minx {minx:g} is greater than maxx {maxx:g} "
            "(boxes crossing the antimeridian are not supported)"
        )
    if miny > maxy:
        raise InvalidInput(f"{what} {_clip(text)!r}: miny {miny:g} is greater than maxy {maxy:g}")
    return minx, miny, maxx, maxy


def day_range(start: datetime, end: datetime) -> list[date]:
    """The UTC calendar days from ``start`` to ``end`` inclusive (for daily series)."""
    if end < start:
        raise InvalidInput(f"interval ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    first = start.astimezone(UTC).date()
    last = end.astimezone(UTC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def format_instant(t: datetime) -> str:
    """An instant as ISO 8601 UTC with a 'Z' suffix (what every response uses)."""
    t = t.astimezone(UTC)
    text = t.isoformat(timespec="microseconds" if t.microsecond else "seconds")
    return text.replace("+00:00", "Z")


__all__ = ["day_range", "format_instant", "format_interval", "parse_bbox", "parse_instant", "parse_interval"]
