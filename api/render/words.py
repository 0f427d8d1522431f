"""Plain-language phrases for a claim's time, place uncertainty and placement method.

The same wording is used by every view (map popups in ``sitmap-map.js`` mirror
these rules, the static PNG, the orders list), so a reader always sees "sometime
in Dec 2023" for a month-precision claim, never a fake exact date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: How each placement method is described to a reader ("placed ...").
METHOD_WORDS: dict[str, str] = {
    "gazetteer": "placed at a named place from the gazetteer",
    "qualifier": "placed near a named place (widened for 'near', 'outskirts', ...)",
    "admin_fallback": "only the wider area (governorate or Strip) is known",
    "block_list": "placed from the numbered evacuation blocks named",
    "coordinates": "coordinates given by the source",
    "drawn": "area drawn by the issuer",
    "manual": "placed by a reviewer",
    "unresolved": "place could not be determined",
}


def _day(d: datetime) -> str:
    return f"{d.day} {d:%b %Y}"


def describe_time(start: datetime | None, end: datetime | None, precision: str | None) -> str:
    """The event time in words, with its precision: 'on 2 Dec 2023', 'sometime in Dec 2023'.

    ``start``/``end`` are the inclusive UTC bounds of the event interval; ``None``
    means the time is unknown.
    """
    if start is None or end is None:
        return "time unknown"
    precision = precision or "day"
    last = end - timedelta(microseconds=1) if end.time() == datetime.min.time() and end > start else end
    if precision == "hour":
        if start.date() == last.date():
            return f"around {start:%H:%M} on {_day(start)} (UTC)"
        return f"between {start:%H:%M} on {_day(start)} and {last:%H:%M} on {_day(last)} (UTC)"
    if precision == "week":
        if (last.date() - start.date()).days <= 7:
            return f"in the week of {_day(start)}"
        return f"sometime between {_day(start)} and {_day(last)}"
    if precision == "month":
        if (start.year, start.month) == (last.year, last.month):
            return f"sometime in {start:%b %Y}"
        return f"sometime between {start:%b %Y} and {last:%b %Y}"
    if precision == "year":
        if start.year == last.year:
            return f"sometime in {start.year}"
        return f"sometime between {start.year} and {last.year}"
    if start.date() == last.date():
        return f"on {_day(start)}"
    if start.year == last.year and start.month == last.month:
        return f"between {start.day} and {_day(last)}"
    return f"between {_day(start)} and {_day(last)}"


def describe_radius(radius_m: float | None) -> str:
    """The location uncertainty as '± 300 m' or '± 2.5 km'; empty when unknown."""
    if radius_m is None:
        return ""
    if radius_m < 1000:
        return f"± {max(10, round(radius_m / 10) * 10):.0f} m"
    km = radius_m / 1000
    return f"± {km:.1f} km" if km < 10 else f"± {km:.0f} km"


def fill_opacity(radius_m: float | None) -> float:
    """Fill opacity for an uncertainty area: falls as the area grows so vague claims do not shout.

    0.35 for a 100 m circle, about 0.06 for 10 km, never below 0.03.
    """
    if not radius_m or radius_m <= 100:
        return 0.35
    import math

    return max(0.03, 0.35 - 0.145 * math.log10(radius_m / 100))


def isolate(text: str) -> str:
    """User text as an isolated bidirectional run (U+2068 ... U+2069), for plain text that meets
    sitmap's own words where no ``<bdi>`` can go (a page title, a label joined with a format name),
    so a name ending in U+202E cannot reorder what follows it."""
    return f"\u2068{text}\u2069"
