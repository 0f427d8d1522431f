"""Query semantics shared by both backends: which versions a query sees, its filters, its order, cached totals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from layers.store.base import ClaimQuery, ZoneQuery
from layers.store.rows.checks import check_claim_query, check_zone_query
from layers.store.rows.dialect import Dialect, marks

# --------------------------------------------------------------------------------------
# Query semantics
# --------------------------------------------------------------------------------------


def _in(col: str, values: Sequence[Any], where: list[str], params: list[Any]) -> None:
    if values:
        where.append(f"{col} IN ({marks(len(values))})")
        params.extend(values)


def version_filter(d: Dialect, as_of: datetime | None, alias: str = "") -> tuple[str, list[Any]]:
    """Which versions a query sees: the current ones, or those valid at ``as_of``."""
    p = f"{alias}." if alias else ""
    if as_of is None:
        return f"{p}superseded_at IS NULL", []
    ts = d.ts(as_of)
    rec, sup = d.tc("recorded_at", alias), d.tc("superseded_at", alias)
    return f"{rec} <= ? AND ({sup} IS NULL OR {sup} > ?)", [ts, ts]


def claim_where(d: Dialect, q: ClaimQuery, alias: str = "") -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for every :class:`ClaimQuery` filter except ``bbox``."""
    p = f"{alias}." if alias else ""
    check_claim_query(q)
    term, params = version_filter(d, q.as_of, alias)
    where = [term]
    if q.start is not None:
        where.append(f"{d.tc('valid_to', alias)} >= ?")
        params.append(d.ts(q.start))
        if d.span_bound:
            # valid_to >= start alone cannot use the valid_from index; since no stored claim
            # lasts longer than the recorded maximum, valid_from >= start - maximum can.
            where.append(d.span_bound.format(vf=d.tc("valid_from", alias)))
            params.append(d.ts(q.start))
    if q.end is not None:
        where.append(f"{d.tc('valid_from', alias)} <= ?")
        params.append(d.ts(q.end))
    if d.window_overlap and q.bbox is not None and (q.start is not None or q.end is not None):
        # implied by the terms above; the form a (interval, place) index of current versions reads
        vf, vt = d.tc("valid_from", alias), d.tc("valid_to", alias)
        where.append(d.window_overlap.format(vf=vf, vt=vt))
        params += [d.ts(q.start), d.ts(q.end)]
    _in(f"{p}id", q.ids, where, params)
    _in(f"{p}event_type", q.event_types, where, params)
    _in(f"{p}source", q.sources, where, params)
    _in(f"{p}claimant", q.claimants, where, params)
    _in(f"{p}report_id", q.report_ids, where, params)
    _in(f"{p}review", q.reviews, where, params)
    if q.statuses:
        _in(f"{p}status", q.statuses, where, params)
    else:
        where.append(f"{p}status <> 'retracted'")
    if q.min_geo_precision is not None:
        where.append(f"{p}geo_precision <= ?")
        params.append(q.min_geo_precision)
    return where, params


def zone_where(d: Dialect, q: ZoneQuery, alias: str = "") -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for every :class:`ZoneQuery` filter except ``bbox``."""
    p = f"{alias}." if alias else ""
    check_zone_query(q)
    term, params = version_filter(d, q.as_of, alias)
    where = [term]
    eff, lifted = d.tc("effective_from", alias), d.tc("lifted_at", alias)
    if q.active_at is not None:
        t = d.ts(q.active_at)
        where.append(f"{eff} <= ? AND ({lifted} IS NULL OR {lifted} > ?)")
        params += [t, t]
        where.append(f"{p}status <> 'retracted'")
    if q.start is not None:
        where.append(f"({lifted} IS NULL OR {lifted} > ?)")
        params.append(d.ts(q.start))
    if q.end is not None:
        where.append(f"{eff} <= ?")
        params.append(d.ts(q.end))
    _in(f"{p}id", q.ids, where, params)
    _in(f"{p}order_type", q.order_types, where, params)
    _in(f"{p}issuer", q.issuers, where, params)
    if not q.include_retracted:
        where.append(f"{p}status <> 'retracted'")
    return where, params


def claim_order(d: Dialect, alias: str = "") -> str:
    """The stable claim order: (valid_from, id), claims without a time last.

    The terms match the backends' current-order indexes exactly (an expression index
    in SQLite, a plain one in PostgreSQL), so ``LIMIT n`` reads n index entries, not
    every current row.
    """
    p = f"{alias}." if alias else ""
    vf = d.tc("valid_from", alias)
    if d.nulls_last:
        return f"{vf}, {p}id"
    return f"{vf} IS NULL, {vf}, {p}id"


class CountCache:
    """Totals of recent queries, each valid while the store's write clock has not moved.

    ``numberMatched`` on every page used to cost a ``count(*)`` over every matching
    row. A query's total depends only on its filters and the stored versions, and
    every write moves :meth:`Store.last_recorded_at`, so a total read under the same
    clock value is still exact. The clock is read before and after counting and the
    total kept only if it did not move, so a write racing the count is never cached.
    Thread-safe; holds at most ``size`` entries (oldest dropped first).
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: dict[tuple[Any, ...], tuple[Any, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], clock: Any) -> int | None:
        """The cached total for ``key`` if it was counted at write clock ``clock``."""
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] == clock else None

    def put(self, key: tuple[Any, ...], clock: Any, total: int) -> None:
        """Remember ``total`` for ``key`` at write clock ``clock``."""
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (clock, total)
            while len(self._items) > self.size:
                del self._items[next(iter(self._items))]

    def clear(self) -> None:
        """Forget every total (after a restore, which may rewind the clock)."""
        with self._lock:
            self._items.clear()


def cached_total(cache: CountCache, clock: Callable[[], Any], key: tuple[Any, ...], count: Callable[[], int]) -> int:
    """``count()``, or the total cached for ``key`` at the current write ``clock()`` (see :class:`CountCache`)."""
    before = clock()
    hit = cache.get(key, before)
    if hit is not None:
        return hit
    total = count()
    if clock() == before:
        cache.put(key, before, total)
    return total


def zone_order(d: Dialect, alias: str = "") -> str:
    """The stable zone order: (effective_from, id)."""
    p = f"{alias}." if alias else ""
    return f"{d.tc('effective_from', alias)}, {p}id"
