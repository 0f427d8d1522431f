"""Versioned writes shared by both backends, run inside the backend's transaction.

A changed record becomes version n+1 and supersedes version n at the same instant;
an unchanged one writes nothing. The write time is the store's clock: strictly after
every recorded time, so as-of queries never see two versions of one id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from pydantic import ValidationError

from geo.errors import Conflict, InvalidInput, NotFound
from geo.model import (
    format_validation_error,
)
from layers.model import ClaimRecord, Zone
from layers.store.base import WriteResult, new_claim_id, new_zone_id
from layers.store.rows.checks import Versioned, check_claims, check_reports, check_zones
from layers.store.rows.columns import BOOKKEEPING, CLAIM_NAMES, CLAIM_TABLE, LAYER_TABLE, ZONE_NAMES, ZONE_TABLE
from layers.store.rows.dialect import Dialect, Tx, bind_times, chunks, insert_columns, marks
from layers.store.rows.records import (
    claim_rows,
    claim_select,
    claims_from_rows,
    zone_rows,
    zone_select,
    zones_from_rows,
)

# --------------------------------------------------------------------------------------
# Versioned upserts (shared by both backends; runs inside the backend's transaction)
# --------------------------------------------------------------------------------------


#: Tables whose ``recorded_at`` is the store's clock (writes order after all of them).
VERSIONED_TABLES = (CLAIM_TABLE, ZONE_TABLE, LAYER_TABLE)


def next_timestamp(tx: Tx) -> datetime:
    """The write time of this transaction: now, but strictly after every recorded time.

    Versions must never share a ``recorded_at`` with the one they supersede, or an
    as-of query at that instant would see two; a clock step backwards must not
    reorder history either. The caller holds the write lock, so this is race-free.
    """
    d = tx.dialect
    rec = d.tc("recorded_at")
    last = [d.parse_ts(tx.fetch(f"SELECT max({rec}) FROM {t}")[0][0]) for t in VERSIONED_TABLES]
    now = datetime.now(UTC)
    newest = max((t for t in last if t is not None), default=None)
    if newest is not None and now <= newest:
        now = newest + timedelta(microseconds=1)
    return now


#: sitmap_meta key: the longest (valid_to - valid_from) of any claim version ever stored, in microseconds.
SPAN_KEY = "max_claim_span_us"


def widen_claim_span(tx: Tx, records: Sequence[ClaimRecord]) -> None:
    """Keep :data:`SPAN_KEY` at least as long as every stored claim interval (it never shrinks)."""
    spans = [
        (r.valid_to - r.valid_from) // timedelta(microseconds=1)
        for r in records
        if r.valid_from is not None and r.valid_to is not None
    ]
    if not spans:
        return
    row = tx.fetch("SELECT value FROM sitmap_meta WHERE key = ?", [SPAN_KEY])
    if not row:  # a store from before the key existed: measure what is there once
        stored = tx.fetch(f"SELECT {tx.dialect.span_max} FROM {CLAIM_TABLE}")[0][0]
        tx.run("INSERT INTO sitmap_meta (key, value) VALUES (?, ?)", [SPAN_KEY, str(max([int(stored or 0), *spans]))])
    elif max(spans) > int(row[0][0]):
        tx.run("UPDATE sitmap_meta SET value = ? WHERE key = ?", [str(max(spans)), SPAN_KEY])


@dataclass(frozen=True)
class _VersionedKind(Generic[Versioned]):
    """Where and how one versioned record type is stored: what the shared upsert needs to know."""

    label: str  # the batch name in error messages: "claims[3] (id ...)"
    table: str
    names: tuple[str, ...]
    new_id: Callable[[], str]
    check: Callable[[Sequence[Versioned], Sequence[str]], None]
    select: Callable[[Dialect], str]
    from_rows: Callable[[Dialect, Sequence[Sequence[Any]]], list[Versioned]]
    to_rows: Callable[
        [Dialect, Sequence[Versioned], Sequence[int], datetime, Sequence[str | None]], list[tuple[Any, ...]]
    ]
    #: Bookkeeping a write of these records needs besides the rows (claims: the longest interval).
    before_write: Callable[[Tx, Sequence[Versioned]], None] | None = None


# fmt: off
_CLAIMS: _VersionedKind[ClaimRecord] = _VersionedKind(
    label="claims", table=CLAIM_TABLE, names=CLAIM_NAMES, new_id=new_claim_id, check=check_claims,
    select=claim_select, from_rows=claims_from_rows, to_rows=claim_rows, before_write=widen_claim_span,
)
_ZONES: _VersionedKind[Zone] = _VersionedKind(
    label="zones", table=ZONE_TABLE, names=ZONE_NAMES, new_id=new_zone_id, check=check_zones,
    select=zone_select, from_rows=zones_from_rows, to_rows=zone_rows,
)
# fmt: on


def _current_by_id(tx: Tx, kind: _VersionedKind[Versioned], ids: Sequence[str]) -> dict[str, Versioned]:
    """The current stored version of each of ``ids`` that exists."""
    rows: list[tuple[Any, ...]] = []
    for chunk in chunks(ids):
        rows += tx.fetch(
            f"SELECT {kind.select(tx.dialect)} FROM {kind.table} "
            f"WHERE superseded_at IS NULL AND id IN ({marks(len(chunk))})",
            chunk,
        )
    # keyed by the stored id column (row[1]: the geometry comes first), one entry per id
    by_id = {row[1]: tuple(row) for row in rows}
    return dict(zip(by_id, kind.from_rows(tx.dialect, list(by_id.values())), strict=True))


def _insert_sql(d: Dialect, table: str, names: Sequence[str]) -> str:
    all_names = insert_columns(d, names)
    cols = ", ".join(["geom", *all_names])
    marks = ", ".join([d.geom_param] + ["?"] * len(all_names))
    return f"INSERT INTO {table} ({cols}) VALUES ({marks})"


def supersede_current(tx: Tx, table: str, ids: Sequence[str], now: datetime) -> None:
    d = tx.dialect
    names = insert_columns(d, ["superseded_at"])
    values = list(bind_times(d, ["superseded_at"], [(now,)])[0])
    sets = ", ".join(f"{n} = ?" for n in names)
    for chunk in chunks(ids):
        tx.run(
            f"UPDATE {table} SET {sets} WHERE superseded_at IS NULL AND id IN ({marks(len(chunk))})",
            [*values, *chunk],
        )


def _plan_versions(
    records: Sequence[Versioned], ids: Sequence[str], stored: dict[str, Versioned]
) -> tuple[WriteResult, list[Versioned], list[int]]:
    """Sort a batch into new ids (version 1), changed content (next version) and unchanged."""
    result = WriteResult()
    to_write: list[Versioned] = []
    versions: list[int] = []
    for rec, rid in zip(records, ids, strict=True):
        if rec.id != rid:
            rec = rec.model_copy(update={"id": rid})
        old = stored.get(rid)
        if old is None:
            result.inserted.append(rid)
            versions.append(1)
        elif old.content_hash() == rec.content_hash():
            result.unchanged.append(rid)
            continue
        else:
            result.updated.append(rid)
            versions.append(old.version + 1)
        to_write.append(rec)
    return result, to_write, versions


def _write_versions(
    tx: Tx,
    kind: _VersionedKind[Versioned],
    records: Sequence[Versioned],
    versions: Sequence[int],
    replaced: Sequence[str],
    recorded_by: Sequence[str | None],
) -> None:
    """Insert new versions of ``records``, superseding the current versions of ``replaced`` at the same instant."""
    now = next_timestamp(tx)
    if kind.before_write is not None:
        kind.before_write(tx, records)
    supersede_current(tx, kind.table, replaced, now)
    d = tx.dialect
    tx.insert_versions(
        kind.table, _insert_sql(d, kind.table, kind.names), kind.to_rows(d, records, versions, now, recorded_by)
    )


def _upsert(
    tx: Tx, kind: _VersionedKind[Versioned], records: Sequence[Versioned], recorded_by: str | None
) -> WriteResult:
    """Insert new records, version changed ones, skip unchanged ones; inside one transaction."""
    ids = [getattr(r, "id", "") or kind.new_id() for r in records]
    kind.check(records, ids)
    check_reports(tx, kind.label, records, ids)
    result, to_write, versions = _plan_versions(records, ids, _current_by_id(tx, kind, ids))
    if to_write:
        by = [recorded_by or r.recorded_by for r in to_write]
        _write_versions(tx, kind, to_write, versions, result.updated, by)
    return result


def upsert_claims(tx: Tx, claims: Sequence[ClaimRecord], recorded_by: str | None) -> WriteResult:
    """Insert new claims, version changed ones, skip unchanged ones; inside one transaction."""
    return _upsert(tx, _CLAIMS, claims, recorded_by)


def upsert_zones(tx: Tx, zones: Sequence[Zone], recorded_by: str | None) -> WriteResult:
    """Insert new zones, version changed ones, skip unchanged ones; inside one transaction."""
    return _upsert(tx, _ZONES, zones, recorded_by)


def current_claim(tx: Tx, claim_id: str) -> ClaimRecord:
    """The current version of a claim (any status), or ``NotFound``."""
    rows = tx.fetch(
        f"SELECT {claim_select(tx.dialect)} FROM {CLAIM_TABLE} WHERE id = ? AND superseded_at IS NULL", [claim_id]
    )
    if not rows:
        raise NotFound(f"claim {claim_id!r} not found")
    return claims_from_rows(tx.dialect, rows)[0]


def revise_claim(
    tx: Tx,
    claim_id: str,
    changes: dict[str, object],
    *,
    expected_version: int | None,
    recorded_by: str | None,
) -> ClaimRecord:
    """Write version n+1 of a claim with ``changes`` applied (the logic of ``update_claim``)."""
    bad = sorted(set(changes) & BOOKKEEPING)
    if bad:
        raise InvalidInput(f"cannot change {', '.join(bad)}: the store sets them")
    unknown = sorted(set(changes) - set(ClaimRecord.model_fields))
    if unknown:
        raise InvalidInput(f"unknown claim field(s): {', '.join(unknown)}")
    old = current_claim(tx, claim_id)
    if expected_version is not None and old.version != expected_version:
        raise Conflict(
            f"claim {claim_id!r} is at version {old.version}, not {expected_version}: reload it and try again"
        )
    data = {k: getattr(old, k) for k in ClaimRecord.model_fields if k not in BOOKKEEPING}
    data.update(changes)
    data["id"] = claim_id
    try:
        new = ClaimRecord.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"claim {claim_id!r}: {format_validation_error(exc)}") from exc
    if new.content_hash() == old.content_hash():
        return old
    _write_versions(tx, _CLAIMS, [new], [old.version + 1], [claim_id], [recorded_by])
    return current_claim(tx, claim_id)


def retract_changes(old: ClaimRecord, reason: str | None) -> dict[str, object]:
    """The changes a retraction makes: status, and the reason appended to the notes."""
    changes: dict[str, object] = {"status": "retracted"}
    if reason:
        note = f"retracted: {reason.strip()}"
        changes["notes"] = f"{old.notes}\n{note}" if old.notes else note
    return changes
