"""Sources and reports: name cards and documents, written once (not versioned)."""

from __future__ import annotations

from collections.abc import Sequence

from geo.errors import InvalidInput
from layers.model import Report, Source
from layers.store.base import WriteResult
from layers.store.rows.dialect import Tx, bind_times, chunks, insert_columns, marks
from layers.store.rows.records import REPORT_NAMES

# --------------------------------------------------------------------------------------
# Sources, reports, layers
# --------------------------------------------------------------------------------------


def upsert_sources(tx: Tx, sources: Sequence[Source]) -> WriteResult:
    """Insert or update sources (not versioned: a source is a name card, not a claim)."""
    result = WriteResult()
    seen: set[str] = set()
    for i, s in enumerate(sources):
        if not isinstance(s, Source):
            raise InvalidInput(f"sources[{i}]: expected a Source, got {type(s).__name__}")
        if s.id in seen:
            raise InvalidInput(f"sources[{i}] (id {s.id!r}): duplicate id in the batch")
        seen.add(s.id)
    for s in sources:
        row = tx.fetch("SELECT name, kind, url FROM sources WHERE id = ?", [s.id])
        if not row:
            tx.run("INSERT INTO sources (id, name, kind, url) VALUES (?, ?, ?, ?)", [s.id, s.name, s.kind, s.url])
            result.inserted.append(s.id)
        elif tuple(row[0]) == (s.name, s.kind, s.url):
            result.unchanged.append(s.id)
        else:
            tx.run("UPDATE sources SET name = ?, kind = ?, url = ? WHERE id = ?", [s.name, s.kind, s.url, s.id])
            result.updated.append(s.id)
    return result


def insert_reports(tx: Tx, reports: Sequence[Report]) -> WriteResult:
    """Insert reports; a known id is unchanged (same source and content: same report)."""
    result = WriteResult()
    seen: set[str] = set()
    for i, r in enumerate(reports):
        if not isinstance(r, Report):
            raise InvalidInput(f"reports[{i}]: expected a Report, got {type(r).__name__}")
        if r.id in seen:
            raise InvalidInput(f"reports[{i}] (id {r.id!r}): duplicate id in the batch")
        seen.add(r.id)
    source_ids = sorted({r.source_id for r in reports})
    known: set[str] = set()
    for chunk in chunks(source_ids):
        known.update(x[0] for x in tx.fetch(f"SELECT id FROM sources WHERE id IN ({marks(len(chunk))})", chunk))
    for i, r in enumerate(reports):
        if r.source_id not in known:
            raise InvalidInput(
                f"reports[{i}] (id {r.id!r}): source_id {r.source_id!r} is not in the store; add the source first"
            )
    existing: set[str] = set()
    ids = [r.id for r in reports]
    for chunk in chunks(ids):
        existing.update(x[0] for x in tx.fetch(f"SELECT id FROM reports WHERE id IN ({marks(len(chunk))})", chunk))
    rows = []
    for r in reports:
        if r.id in existing:
            result.unchanged.append(r.id)
            continue
        result.inserted.append(r.id)
        rows.append((r.id, r.source_id, r.url, r.title, r.published_at, r.language, r.content_sha256, r.excerpt))
    if rows:
        names = insert_columns(tx.dialect, REPORT_NAMES)
        tx.run_many(
            f"INSERT INTO reports ({', '.join(names)}) VALUES ({marks(len(names))})",
            bind_times(tx.dialect, REPORT_NAMES, rows),
        )
    return result
