"""Checks before a write or a query: the first bad record of a batch, a malformed query.

Records normally arrive validated by pydantic; the batch checks catch the ones
built with ``model_construct`` or edited in place, and the rules that span a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput
from geo.model import (
    CLAIM_STATUSES,
    EVENT_TYPES,
    REVIEWS,
    TIME_PRECISIONS,
)
from layers.model import ORDER_TYPES, ClaimRecord, Zone
from layers.store.base import ClaimQuery, ZoneQuery
from layers.store.rows.dialect import Tx, chunks, marks

# --------------------------------------------------------------------------------------
# Batch checks
# --------------------------------------------------------------------------------------


#: The two versioned record types, whose batches are checked, planned and written alike.
Versioned = TypeVar("Versioned", ClaimRecord, Zone)


def _where(kind: str, i: int, rec_id: str) -> str:
    return f"{kind}[{i}] (id {rec_id!r})" if rec_id else f"{kind}[{i}]"


def _check_geometries(kind: str, records: Sequence[Any], ids: Sequence[str], attr: str = "geometry") -> None:
    """Vectorised validity and range check, so a record built without validation cannot slip in."""
    idx = [i for i, r in enumerate(records) if getattr(r, attr) is not None]
    if not idx:
        return
    arr = [getattr(records[i], attr) for i in idx]
    for i, g in zip(idx, arr, strict=True):
        if not isinstance(g, BaseGeometry):
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is not a geometry")
    bounds = shapely.bounds(arr)
    valid = shapely.is_valid(arr)
    empty = shapely.is_empty(arr)
    for j, i in enumerate(idx):
        minx, miny, maxx, maxy = bounds[j]
        if empty[j]:
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is empty")
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            box = f"{minx:g}, {miny:g}, {maxx:g}, {maxy:g}"
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} coordinates out of range (bounds {box})")
        if not valid[j]:
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is not valid: {shapely.is_valid_reason(arr[j])}")


def _walk_batch(
    kind: str, cls: type[Versioned], records: Sequence[Any], ids: Sequence[str]
) -> Iterator[tuple[int, Versioned]]:
    """Yield each record of a batch with its index, once it is a ``cls`` with an id unseen so far.

    A generator, so the caller's own checks on record ``i`` still run before record
    ``i + 1`` is looked at: the error raised is always the first bad record's. The
    caller names a record by ``_where(kind, i, ids[i])``, made only for a bad one.
    """
    seen: dict[str, int] = {}
    for i, (rec, rid) in enumerate(zip(records, ids, strict=True)):
        if type(rec) is not cls and not isinstance(rec, cls):
            raise InvalidInput(f"{_where(kind, i, rid)}: expected a {cls.__name__}, got {type(rec).__name__}")
        if rid in seen:
            raise InvalidInput(f"{_where(kind, i, rid)}: duplicate id in the batch (also {kind}[{seen[rid]}])")
        seen[rid] = i
        yield i, rec


_EVENT_TYPES = frozenset(EVENT_TYPES)
_STATUSES = frozenset(CLAIM_STATUSES)
_REVIEWS = frozenset(REVIEWS)
_PRECISIONS = frozenset(TIME_PRECISIONS)


def check_claims(claims: Sequence[ClaimRecord], ids: Sequence[str]) -> None:
    """Raise ``InvalidInput`` naming the first bad record (index, id, reason) of a batch.

    Records normally arrive validated by pydantic; these checks catch the ones built
    with ``model_construct`` or edited in place, and the rules that span a batch.
    """
    for i, rec in _walk_batch("claims", ClaimRecord, claims, ids):
        vf, vt = rec.valid_from, rec.valid_to
        try:
            good = (
                rec.event_type in _EVENT_TYPES
                and rec.status in _STATUSES
                and rec.review in _REVIEWS
                and rec.time_precision in _PRECISIONS
                and (vf is None) == (vt is None)
                and (vf is None or vf <= vt)  # type: ignore[operator]
                and (rec.geometry is None or rec.uncertainty is not None)
            )
        except TypeError:  # an unhashable value set without validation: the checks below name it
            good = False
        if good:
            continue  # the common, good record: named only when it is not
        where = _where("claims", i, ids[i])
        if rec.event_type not in EVENT_TYPES:
            raise InvalidInput(f"{where}: unknown event_type {rec.event_type!r}")
        if rec.status not in CLAIM_STATUSES:
            raise InvalidInput(f"{where}: unknown status {rec.status!r}")
        if rec.review not in REVIEWS:
            raise InvalidInput(f"{where}: unknown review {rec.review!r}")
        if rec.time_precision not in TIME_PRECISIONS:
            raise InvalidInput(f"{where}: unknown time_precision {rec.time_precision!r}")
        if (vf is None) != (vt is None):
            raise InvalidInput(f"{where}: valid_from and valid_to must both be set or both be empty")
        if vf is not None and vt is not None and vf > vt:
            raise InvalidInput(f"{where}: valid_from {vf.isoformat()} is after valid_to {vt.isoformat()}")
        if rec.geometry is not None and rec.uncertainty is None:
            raise InvalidInput(f"{where}: a located claim needs an uncertainty")
    _check_geometries("claims", claims, ids)


def check_zones(zones: Sequence[Zone], ids: Sequence[str]) -> None:
    """Like :func:`check_claims`, for a batch of zones."""
    for i, z in _walk_batch("zones", Zone, zones, ids):
        where = _where("zones", i, ids[i])
        if z.order_type not in ORDER_TYPES:
            raise InvalidInput(f"{where}: unknown order_type {z.order_type!r}")
        if z.status not in ("active", "lifted", "retracted"):
            raise InvalidInput(f"{where}: unknown status {z.status!r}")
        if z.geometry is None or z.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(f"{where}: zone geometry must be a Polygon or MultiPolygon")
        if z.lifted_at is not None and z.lifted_at < z.effective_from:
            raise InvalidInput(f"{where}: lifted_at is before effective_from")
    _check_geometries("zones", zones, ids)
    _check_geometries("zones", zones, ids, "drawn_geometry")


def check_reports(tx: Tx, kind: str, records: Sequence[Any], ids: Sequence[str]) -> None:
    """Every referenced report must be stored already: claims never point at nothing."""
    wanted = sorted({r.report_id for r in records if r.report_id})
    known: set[str] = set()
    for chunk in chunks(wanted):
        known.update(row[0] for row in tx.fetch(f"SELECT id FROM reports WHERE id IN ({marks(len(chunk))})", chunk))
    if len(known) == len(wanted):
        return
    for i, r in enumerate(records):
        if r.report_id and r.report_id not in known:
            raise InvalidInput(
                f"{_where(kind, i, ids[i])}: report_id {r.report_id!r} is not in the store; add the report first"
            )


def _check_paging(limit: int | None, offset: int) -> None:
    if limit is not None and limit < 0:
        raise InvalidInput(f"limit must be >= 0 (got {limit})")
    if offset < 0:
        raise InvalidInput(f"offset must be >= 0 (got {offset})")


def check_bbox(bbox: tuple[float, float, float, float] | None) -> None:
    """A bbox must be four finite numbers with min <= max, lon/lat in range."""
    if bbox is None:
        return
    if len(bbox) != 4:
        raise InvalidInput(f"bbox needs 4 numbers (minx, miny, maxx, maxy), got {len(bbox)}")
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not all(v == v and abs(v) != float("inf") for v in (minx, miny, maxx, maxy)):
        raise InvalidInput(f"bbox has a non-finite number: {bbox}")
    if minx > maxx or miny > maxy:
        raise InvalidInput(f"bbox min must not exceed max: {bbox}")
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InvalidInput(f"bbox out of lon/lat range: {bbox}")


def bbox_geometry(bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """The area a bbox filter means; a zero-width or zero-height bbox is a line or a point, not an empty box."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if minx == maxx and miny == maxy:
        return shapely.Point(minx, miny)
    if minx == maxx or miny == maxy:
        return shapely.LineString([(minx, miny), (maxx, maxy)])
    return shapely.box(minx, miny, maxx, maxy)


def _check_window(q: ClaimQuery | ZoneQuery) -> None:
    """The checks claim and zone queries share: paging, bbox, and a start not after the end."""
    _check_paging(q.limit, q.offset)
    check_bbox(q.bbox)
    if q.start is not None and q.end is not None and q.start > q.end:
        raise InvalidInput(f"start {q.start.isoformat()} is after end {q.end.isoformat()}")


def _check_known(what: str, values: Iterable[str], allowed: Sequence[str]) -> None:
    """Every one of ``values`` must be in ``allowed``; the first that is not is named."""
    for v in values:
        if v not in allowed:
            raise InvalidInput(f"unknown {what} {v!r}; expected one of {', '.join(allowed)}")


def check_claim_query(q: ClaimQuery) -> None:
    """Reject a malformed query with a clear ``InvalidInput``."""
    _check_window(q)
    _check_known("status", q.statuses, CLAIM_STATUSES)
    _check_known("event type", q.event_types, EVENT_TYPES)
    _check_known("review", q.reviews, REVIEWS)
    if q.min_geo_precision is not None and q.min_geo_precision not in (1, 2, 3):
        raise InvalidInput(f"min_geo_precision must be 1, 2 or 3 (got {q.min_geo_precision})")


def check_zone_query(q: ZoneQuery) -> None:
    """Reject a malformed zone query with a clear ``InvalidInput``."""
    _check_window(q)
    _check_known("order type", q.order_types, ORDER_TYPES)
