"""Building what a layer shows: dated overlays, daily series, incidents, all as of any moment.

:func:`overlay` is a layer for an interval: the claims whose event interval overlaps
it (zones in force during it; incidents grouped from those claims). :func:`daily_series`
cuts an interval into UTC days; a claim whose interval spans several days (week
precision, "overnight into Saturday") appears in every day it may belong to, flagged
``day_certain=False`` with its ``time_spread_days``, so a daily map never pretends to
know the day. Every function takes ``as_of`` and then shows exactly what the store
knew at that moment (the store is append-only and bitemporal).

The pure functions (:func:`daily_slices`, :func:`corroborate`) work on lists of
records; the store-backed ones fetch through :func:`layers.catalog.layer_query`, so a
request can narrow a layer but never widen it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from geo.errors import InvalidInput
from layers.catalog import layer_query
from layers.corroborate import corroborate
from layers.model import ClaimRecord, Incident, Layer, Zone
from layers.params import day_range
from layers.store.base import ClaimQuery, Store, ZoneQuery

_PAGE = 5000
_EPOCH = date(1970, 1, 1)


def known_at(record: Any, as_of: datetime | None) -> Any:
    """``record`` as it was known at ``as_of``: a supersession after that moment is not shown.

    A version current at ``as_of`` that was replaced later carries the later
    ``superseded_at``; shown as of ``as_of`` it must read as current, so that an as-of
    view (and its cached download) never changes when the store moves on.
    """
    if as_of is None or record.superseded_at is None or record.superseded_at <= as_of:
        return record
    return record.model_copy(update={"superseded_at": None})


def iter_query(store: Store, query: ClaimQuery | ZoneQuery, *, page_size: int = _PAGE) -> Iterator[Any]:
    """Every record matching ``query``, fetched page by page (bounded memory per page).

    Honours the query's own ``offset`` and ``limit``; with ``as_of`` the records are
    shown as known then (:func:`known_at`).
    """
    offset = query.offset
    remaining = query.limit
    while remaining is None or remaining > 0:
        size = page_size if remaining is None else min(page_size, remaining)
        q = _replace(query, limit=size, offset=offset)
        page = store.query_zones(q) if isinstance(q, ZoneQuery) else store.query_claims(q)
        for item in page.items:
            yield known_at(item, query.as_of)
        got = len(page.items)
        if got < size:
            return
        offset += got
        if remaining is not None:
            remaining -= got


def _replace(query: ClaimQuery | ZoneQuery, **changes: Any) -> ClaimQuery | ZoneQuery:
    from dataclasses import replace

    return replace(query, **changes)


def _check_interval(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"interval ends ({end.isoformat()}) before it starts ({start.isoformat()})")


def overlay(
    store: Store,
    layer: Layer,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    **filters: Any,
) -> list[ClaimRecord] | list[Zone] | list[Incident]:
    """``layer`` over [start, end] as known at ``as_of`` (default: now).

    Claim layers give the claims whose event interval overlaps the interval (undated
    claims only when no interval is given); zone layers the zones in force at some
    point of it; incident layers the incidents grouped from the matching claims.
    ``filters`` narrow the layer (event_types, sources, claimants, statuses, ...).
    """
    _check_interval(start, end)
    query = layer_query(layer, start=start, end=end, as_of=as_of, bbox=bbox, **filters)
    records = list(iter_query(store, query))
    if layer.kind == "incidents":
        return corroborate(records)
    return records


def incidents(
    store: Store,
    layer: Layer | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    **options: Any,
) -> list[Incident]:
    """Incidents grouped from the claims of ``layer`` (default: every claim) as known at ``as_of``.

    ``options`` go to :func:`~layers.corroborate.corroborate` (``max_radius_m``, ``time_slack``...).
    """
    from layers.catalog import default_layer

    base = layer if layer is not None else default_layer("incidents")
    if base is None:  # pragma: no cover - the built-in catalogue always has it
        raise InvalidInput("no layer given and no built-in 'incidents' layer")
    if base.kind == "zones":
        raise InvalidInput(f"layer {base.id!r} holds zones, which are not corroborated into incidents")
    _check_interval(start, end)
    query = layer_query(base, start=start, end=end, as_of=as_of, bbox=bbox)
    return corroborate(list(iter_query(store, query)), **options)


# --------------------------------------------------------------------------------------
# Daily series
# --------------------------------------------------------------------------------------


class DayEntry(NamedTuple):
    """A record on one day of a series, and how sure it is to belong to that day.

    ``day_certain`` is True when the record's interval lies within this one UTC day;
    ``time_spread_days`` is the number of days its interval touches (1 for a day-precise
    claim, 7 or 8 for a week, 2 for "overnight into Saturday"). A named tuple: a year
    of a busy layer has hundreds of thousands of entries.
    """

    record: ClaimRecord | Zone
    day: date
    day_certain: bool
    time_spread_days: int


@dataclass(frozen=True, eq=False)
class DaySlice:
    """One UTC day of a daily series: its bounds and the records that may belong to it.

    ``records`` are in the series' stable order; ``day_certain`` and ``time_spread_days``
    run parallel to them. ``entries`` gives the same as :class:`DayEntry` tuples.
    """

    day: date
    start: datetime
    end: datetime
    records: list[ClaimRecord | Zone]
    day_certain: tuple[bool, ...]
    time_spread_days: tuple[int, ...]

    @cached_property
    def entries(self) -> tuple[DayEntry, ...]:
        """The records of the day with their per-day flags."""
        return tuple(
            DayEntry(r, self.day, c, n)
            for r, c, n in zip(self.records, self.day_certain, self.time_spread_days, strict=True)
        )

    @property
    def certain(self) -> int:
        """How many records surely belong to this day."""
        return sum(self.day_certain)

    @property
    def uncertain(self) -> int:
        """How many records may belong to this day but are not known to the day."""
        return len(self.records) - self.certain


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(0), tzinfo=UTC),
        datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC),
    )


def _ordinal(t: datetime) -> int:
    return (t.astimezone(UTC).date() - _EPOCH).days


def _span(record: ClaimRecord | Zone) -> tuple[datetime, datetime | None, bool] | None:
    """(first instant, last instant or None if open, day-precise?) of a record, or None if undated."""
    if isinstance(record, Zone):
        end = record.lifted_at - timedelta(microseconds=1) if record.lifted_at is not None else None
        return record.effective_from, end, record.time_precision in ("hour", "day")
    if record.valid_from is None or record.valid_to is None:
        return None
    return record.valid_from, record.valid_to, True


def daily_slices(records: Sequence[ClaimRecord | Zone], start: datetime, end: datetime) -> list[DaySlice]:
    """Cut ``records`` into the UTC days of [start, end] (pure; no store).

    Each record goes into every day its interval touches within the range, in one pass
    over the records (not one filter per day). Undated records are left out: a daily
    map cannot place them. Zones count as day-certain when their dates are day-precise.
    """
    days = day_range(start, end)
    first, last = _ordinal(start), _ordinal(end)
    n = len(records)
    lo = np.zeros(n, dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)  # hi < lo: not in any day
    certain = np.zeros(n, dtype=bool)
    spread = np.ones(n, dtype=np.int64)
    claim_ix = [i for i, r in enumerate(records) if isinstance(r, ClaimRecord) and r.valid_from is not None]
    if claim_ix:  # claims: vectorised from their interval ends
        ix = np.array(claim_ix)
        t0 = np.array([records[i].valid_from.timestamp() for i in claim_ix])  # type: ignore[union-attr]
        t1 = np.array([records[i].valid_to.timestamp() for i in claim_ix])  # type: ignore[union-attr]
        good = t1 >= t0
        lo[ix[good]] = t0[good] // 86_400
        hi[ix[good]] = t1[good] // 86_400
        spread[ix] = np.maximum(hi[ix] - lo[ix] + 1, 1)
        certain[ix] = spread[ix] == 1
    for i, record in enumerate(records):  # zones: in force on each of their days
        if not isinstance(record, Zone):
            continue
        span = _span(record)
        if span is None:
            continue
        s, e, precise = span
        if e is not None and e < s:
            continue
        lo[i] = s.timestamp() // 86_400
        hi[i] = e.timestamp() // 86_400 if e is not None else last
        certain[i] = precise
    # one (record, day) pair per day a record touches within the range, grouped by day
    lo_c, hi_c = np.maximum(lo, first), np.minimum(hi, last)
    counts = np.maximum(hi_c - lo_c + 1, 0)
    owner = np.repeat(np.arange(n), counts)
    step = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    day_of = np.repeat(lo_c, counts) + step
    order = np.argsort(day_of, kind="stable")  # stable: records keep their order within a day
    owner, day_of = owner[order], day_of[order]
    # a plain list, not a numpy object array: numpy would probe every pydantic record for __array__
    recs = list(records)
    owners = owner.tolist()
    cert_days, spread_days = certain[owner], spread[owner]
    out = []
    for d in days:
        o = (d - _EPOCH).days
        a, b = np.searchsorted(day_of, o, side="left"), np.searchsorted(day_of, o, side="right")
        lo_t, hi_t = _day_bounds(d)
        out.append(
            DaySlice(
                day=d,
                start=lo_t,
                end=hi_t,
                records=list(map(recs.__getitem__, owners[a:b])),
                day_certain=tuple(cert_days[a:b].tolist()),
                time_spread_days=tuple(spread_days[a:b].tolist()),
            )
        )
    return out


def daily_series(
    store: Store,
    layer: Layer,
    start: datetime,
    end: datetime,
    *,
    as_of: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    max_days: int = 3660,
    **filters: Any,
) -> list[DaySlice]:
    """``layer`` as one slice per UTC day from ``start`` to ``end``, as known at ``as_of``.

    Fetches the whole interval once and buckets it (:func:`daily_slices`). Incident
    layers are series of their claims; group a day with
    :func:`~layers.corroborate.corroborate` when needed.
    """
    _check_interval(start, end)
    ndays = _ordinal(end) - _ordinal(start) + 1
    if ndays > max_days:
        raise InvalidInput(f"daily series of {ndays} days is longer than the limit of {max_days} days")
    query = layer_query(layer, start=start, end=end, as_of=as_of, bbox=bbox, **filters)
    return daily_slices(list(iter_query(store, query)), start, end)


def daily_feature(entry: DayEntry, *, include_region: bool = False) -> dict[str, Any]:
    """The feature of a record on a day, with ``day``, ``day_certain`` and ``time_spread_days`` added."""
    from layers.export import as_feature

    feat = as_feature(entry.record, include_region=include_region)
    props = dict(feat["properties"])
    props.update(day=entry.day.isoformat(), day_certain=entry.day_certain, time_spread_days=entry.time_spread_days)
    return {**feat, "properties": props}


__all__ = [
    "DayEntry",
    "DaySlice",
    "corroborate",
    "daily_feature",
    "daily_series",
    "daily_slices",
    "incidents",
    "iter_query",
    "known_at",
    "overlay",
]
