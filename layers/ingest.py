"""Ingest one report text: geocode it and store the report and its machine claims.

This is the one path every report text takes into a store, whether it comes from
``POST /reports``, ``sitmap demo`` or a script: the text goes through
:func:`geo.parse`, and the report, its source and its claims are written in that
order. Ids are derived from the content (the report from its source and text hash,
each claim from the report id and its position), so ingesting the same report twice
writes nothing new, and a re-parse that yields a different claim writes a new
version of it rather than a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from geo.errors import InvalidInput, NotFound
from geo.model import MAX_TEXT, Claim
from geo.timeparse import parse_published
from layers.model import ClaimRecord, Report, Source, SourceKind, content_sha256
from layers.store.base import Store, WriteResult

#: The note :func:`geo.parse` leaves when no attribution was found and the source stands in.
_SOURCE_FALLBACK = "not attributed in the text: claimant is the source"


@dataclass
class IngestResult:
    """What ingesting one report did: the report, its claims, and which were new."""

    report: Report
    source: Source
    claims: list[ClaimRecord]
    written: WriteResult = field(default_factory=WriteResult)
    report_existed: bool = False

    @property
    def unchanged(self) -> bool:
        """True when nothing new was stored (the same report was ingested before)."""
        return self.report_existed and not self.written.inserted and not self.written.updated


def claim_id(report: Report, index: int) -> str:
    """The stable id of the ``index``-th (0-based) claim of a report."""
    return f"c-{report.id.removeprefix('r-')}-{index + 1}"


def _source(source: Source | str, kind: SourceKind, url: str | None) -> Source:
    if isinstance(source, Source):
        return source
    name = source.strip() if isinstance(source, str) else ""
    if not name:
        raise InvalidInput("a report needs a source (the outlet or issuer that published it)")
    return Source(name=name, kind=kind)


def ingest_report(
    store: Store,
    text: str,
    *,
    published: datetime | date | str | None,
    source: Source | str,
    url: str | None = None,
    title: str | None = None,
    claimant: str | None = None,
    source_kind: SourceKind = "other",
    language: str | None = "en",
    keep_text: bool = False,
    recorded_by: str | None = None,
) -> IngestResult:
    """Geocode ``text`` and store it as a report of ``source`` with its machine claims.

    Parameters
    ----------
    published
        When the report was published (datetime, date or ISO string); relative dates in
        the text ("on Friday") are resolved against it.
    source
        The outlet or issuer, as a :class:`Source` or a name (then ``source_kind`` is its kind).
    claimant
        Who the report attributes its content to when a claim names nobody (e.g. the
        army for its own statement); it replaces the geocoder's fallback to the source,
        and a claimant found in the text always wins.
    keep_text
        Keep the full text as the report's excerpt (only for texts one may keep, such as
        sitmap's own demo texts); by default only the claims' quotes are stored.
    """
    from geo.parser import parse

    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("report text is empty")
    when = parse_published(published)  # parsed once here; geo.parse receives the datetime
    src = _source(source, source_kind, None)
    excerpt = text.strip()[:MAX_TEXT] if keep_text else None
    report = Report(
        source_id=src.id,
        url=url or None,
        title=title,
        published_at=when,
        language=language,
        content_sha256=content_sha256(text),
        excerpt=excerpt,
    )
    try:
        store.get_report(report.id)
        existed = True
    except NotFound:
        existed = False
    claims: list[Claim] = parse(text, published=when, source=src.name, url=url or None)
    records = [_record(claim, report, i, claimant, url) for i, claim in enumerate(claims)]
    store.add_sources([src])
    if not existed:
        store.add_reports([report])
    written = store.add_claims(records, recorded_by=recorded_by) if records else WriteResult()
    return IngestResult(report=report, source=src, claims=records, written=written, report_existed=existed)


def _record(claim: Claim, report: Report, index: int, claimant: str | None, url: str | None) -> ClaimRecord:
    changes: dict[str, Any] = {}
    # The geocoder falls back to the source when the text attributes a claim to nobody; a
    # claimant given with the report (who the outlet says is speaking) is better than that.
    fell_back = claim.claimant is None or _SOURCE_FALLBACK in (claim.notes or "")
    if claimant and fell_back:
        changes["claimant"] = claimant
        note = f"claimant as given with the report ({claimant!r})"
        kept = [n for n in (claim.notes or "").split("; ") if n and n != _SOURCE_FALLBACK]
        changes["notes"] = "; ".join([*kept, note])
    if claim.url is None and url:
        changes["url"] = url
    if changes:
        claim = claim.model_copy(update=changes)
    return ClaimRecord.from_claim(claim, id=claim_id(report, index), report_id=report.id)
