"""People in the loop: the review queue and the editors' actions on machine claims.

Every action is a new version of the claim (``store.update_claim`` with the version
the editor saw, so a stale edit raises :class:`~geo.errors.Conflict`), recorded with
the editor's name and a ``review`` state: ``reviewed`` (accepted as read by the
machine), ``edited`` (corrected: place, type, time, claimant, counts, status) or
``rejected`` (retracted by an editor). Nothing is deleted. The desk pages
(``/desk``) and any script call these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geo.errors import InvalidInput, NotFound
from geo.model import EVENT_TYPES, TIME_PRECISIONS, CountEstimate, Placement, Uncertainty
from layers.model import ClaimRecord, Layer
from layers.store.base import ClaimQuery, Store

#: What a reader is told about a claim's review state (popups, exports, the desk).
REVIEW_WORDS: dict[str, str] = {
    "machine": "machine reading, not yet checked",
    "reviewed": "checked by an editor",
    "edited": "checked by an editor",
    "rejected": "checked by an editor",
}

#: Reasons to look at a claim first, with their weight in the queue order.
REASON_WEIGHTS: dict[str, float] = {
    "unplaced": 5.0,
    "near-tie between places": 4.0,
    "disputed": 3.5,
    "high fatality count": 3.0,
    "low confidence": 2.5,
    "inferred claimant": 2.0,
    "wide radius": 1.5,
}
#: A radius above this (m) is "wide": the claim is placed at town level or vaguer.
WIDE_RADIUS_M = 5_000.0
#: Fatality counts from this number up are checked before others.
HIGH_FATALITIES = 10
#: Claims the queue reads at most to rank (the oldest unreviewed first beyond this).
QUEUE_SCAN = 2_000


def review_note(layer: Layer) -> str | None:
    """What a map legend says about a layer that publishes only checked claims (``None`` otherwise)."""
    reviews = set(layer.filter.reviews)
    if layer.kind == "zones" or not reviews or "machine" in reviews:
        return None
    return f"{layer.title}: only claims checked by an editor"


def review_words(review: str | None) -> str:
    """The reader-facing sentence for a ``review`` value ("checked by an editor", ...)."""
    return REVIEW_WORDS.get(review or "machine", REVIEW_WORDS["machine"])


@dataclass(frozen=True)
class QueueItem:
    """One claim waiting for an editor, with why it should be looked at and how urgently."""

    claim: ClaimRecord
    reasons: tuple[str, ...]
    score: float


def reasons_to_look(claim: ClaimRecord) -> tuple[str, ...]:
    """Why an editor should check this claim first (empty when nothing stands out)."""
    found: list[str] = []
    if claim.geometry is None:
        found.append("unplaced")
    rejected = claim.placement.rejected if claim.placement else ()
    if rejected and claim.confidence < 0.75 and (rejected[0].score >= 0.6 * max(claim.confidence, 1e-6)):
        found.append("near-tie between places")
    if claim.status == "disputed":
        found.append("disputed")
    best = claim.fatalities.best if claim.fatalities else None
    high = claim.fatalities.high if claim.fatalities else None
    if max(best or 0, high or 0) >= HIGH_FATALITIES:
        found.append("high fatality count")
    if claim.confidence < 0.5:
        found.append("low confidence")
    notes = claim.notes or ""
    if "claimant is the source" in notes or "claimant as given" in notes or "inferred" in notes:
        found.append("inferred claimant")
    if claim.uncertainty is not None and claim.uncertainty.radius_m > WIDE_RADIUS_M:
        found.append("wide radius")
    return tuple(found)


def review_queue(store: Store, *, limit: int = 50, report_id: str | None = None) -> list[QueueItem]:
    """Machine claims not yet reviewed (nor retracted), the most worth a look first.

    Ranked by the summed weight of :func:`reasons_to_look`, then by lower confidence,
    then by id. The candidates are the claims of the newest reports with unchecked
    claims (what just came in, from the desk or a feed) and the first
    :data:`QUEUE_SCAN` unchecked claims in event order (imports without a report).
    """
    from layers.store.base import ReportQuery

    statuses = ("reported", "corroborated", "disputed")
    if report_id:
        report_ids: tuple[str, ...] = (report_id,)
    else:
        report_ids = tuple(r.id for r in store.query_reports(ReportQuery(unreviewed=True, limit=200)).items)
    found: dict[str, ClaimRecord] = {}
    if report_ids:
        recent = ClaimQuery(reviews=("machine",), statuses=statuses, report_ids=report_ids, limit=QUEUE_SCAN)
        found.update((c.id, c) for c in store.query_claims(recent).items)
    if not report_id:
        oldest = ClaimQuery(reviews=("machine",), statuses=statuses, limit=QUEUE_SCAN)
        found.update((c.id, c) for c in store.query_claims(oldest).items)
    items = []
    for claim in found.values():
        reasons = reasons_to_look(claim)
        items.append(QueueItem(claim, reasons, sum(REASON_WEIGHTS[r] for r in reasons)))
    items.sort(key=lambda it: (-it.score, it.claim.confidence, it.claim.id))
    return items[:limit]


def count_unreviewed(store: Store) -> int:
    """How many current claims still wait for an editor."""
    query = ClaimQuery(reviews=("machine",), statuses=("reported", "corroborated", "disputed"), limit=1)
    return store.query_claims(query).total


# --------------------------------------------------------------------------------------
# Actions: each writes one new version (Conflict when ``version`` is no longer current)
# --------------------------------------------------------------------------------------


def _write(store: Store, claim_id: str, version: int, changes: dict[str, Any], editor: str) -> ClaimRecord:
    return store.update_claim(claim_id, changes, expected_version=version, recorded_by=editor)


def _with_note(claim: ClaimRecord, note: str | None) -> str | None:
    if not note:
        return claim.notes
    text = f"{claim.notes}\n{note}" if claim.notes else note
    return text[-5000:]


def accept(store: Store, claim_id: str, version: int, editor: str) -> ClaimRecord:
    """The editor checked the claim and it stands as read: ``review = reviewed``."""
    return _write(store, claim_id, version, {"review": "reviewed"}, editor)


def place_at_candidate(store: Store, claim_id: str, version: int, gazetteer_id: str, editor: str) -> ClaimRecord:
    """Move the claim to a gazetteer place (one of its ``alternatives`` or a searched name).

    The new uncertainty is that place's own (its extent, or its admin polygon), the
    placement is ``manual`` and names the entry; the place the machine chose goes back
    into the alternatives, so nothing the machine proposed is lost.
    """
    from geo.gazetteer import Gazetteer
    from geo.model import Candidate
    from geo.uncertainty import uncertainty_for

    gaz = Gazetteer.load()
    if gazetteer_id not in gaz:
        raise InvalidInput(f"no gazetteer place {gazetteer_id!r}")
    entry = gaz.get(gazetteer_id)
    claim = store.get_claim(claim_id)
    point, unc = uncertainty_for(
        entry.kind, entry.radius_m, point=entry.point, region=gaz.region(entry), note=f"{entry.kind}: {entry.name}"
    )
    old = claim.placement
    others = [c for c in (old.rejected if old else ()) if c.gazetteer_id != gazetteer_id]
    if claim.geometry is not None and claim.gazetteer_id and claim.gazetteer_id != gazetteer_id:
        centre = claim.geometry.centroid
        others.insert(
            0,
            Candidate(
                gazetteer_id=claim.gazetteer_id,
                name=claim.place_name or claim.gazetteer_id,
                kind="machine choice",
                lon=centre.x,
                lat=centre.y,
                score=claim.confidence,
            ),
        )
    placement = Placement(
        place_text=claim.place_text,
        gazetteer_id=entry.id,
        place_name=entry.name,
        method="manual",
        rejected=tuple(others),
    )
    unc = unc.model_copy(update={"method": "manual"})
    changes: dict[str, Any] = {
        "geometry": point,
        "uncertainty": unc,
        "gazetteer_id": entry.id,
        "place_name": entry.name,
        "placement": placement,
        "review": "edited",
        "notes": _with_note(claim, f"place set by an editor to {entry.name} ({entry.id})"),
    }
    return _write(store, claim_id, version, changes, editor)


def place_at_point(
    store: Store, claim_id: str, version: int, lon: float, lat: float, radius_m: float, editor: str
) -> ClaimRecord:
    """Place the claim where the editor clicked, within ``radius_m`` metres (~95%)."""
    from shapely.geometry import Point

    from geo.model import check_geometry
    from geo.uncertainty import precision_codes

    if not (radius_m > 0 and radius_m <= 1_000_000):
        raise InvalidInput("the radius must be more than 0 and at most 1,000,000 m")
    point = check_geometry(Point(lon, lat), what="the point")
    claim = store.get_claim(claim_id)
    gp, wp = precision_codes(radius_m, "manual")
    unc = Uncertainty(radius_m=radius_m, geo_precision=gp, where_prec=wp, method="manual")
    placement = Placement(
        place_text=claim.place_text,
        place_name=claim.place_name,
        method="manual",
        rejected=claim.placement.rejected if claim.placement else (),
    )
    changes: dict[str, Any] = {
        "geometry": point,
        "uncertainty": unc,
        "gazetteer_id": None,
        "placement": placement,
        "review": "edited",
        "notes": _with_note(claim, f"placed by an editor at {lat:.5f}, {lon:.5f} \u00b1 {radius_m:g} m"),
    }
    return _write(store, claim_id, version, changes, editor)


def _count(value: Any, name: str) -> CountEstimate | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number") from None
    if n < 0:
        raise InvalidInput(f"{name} cannot be negative")
    return CountEstimate(best=n)


def edit_fields(
    store: Store,
    claim_id: str,
    version: int,
    editor: str,
    *,
    event_type: str | None = None,
    claimant: str | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    time_precision: str | None = None,
    fatalities: Any = None,
    injured: Any = None,
    note: str | None = None,
) -> ClaimRecord:
    """Correct a claim's type, claimant, event interval or counts (``review = edited``).

    Only what differs from the current version is written; a count given as an empty
    value is left as it is. The result is validated as a whole claim.
    """
    claim = store.get_claim(claim_id)
    changes: dict[str, Any] = {}
    if event_type is not None and event_type != claim.event_type:
        if event_type not in EVENT_TYPES:
            raise InvalidInput(f"event type {event_type!r} is not one of: {', '.join(EVENT_TYPES)}")
        changes["event_type"] = event_type
    if claimant is not None and claimant.strip() and claimant.strip() != claim.claimant:
        changes["claimant"] = claimant.strip()
    if time_precision is not None and time_precision != claim.time_precision:
        if time_precision not in TIME_PRECISIONS:
            raise InvalidInput(f"time precision {time_precision!r} is not one of: {', '.join(TIME_PRECISIONS)}")
        changes["time_precision"] = time_precision
    if valid_from is not None and valid_from != claim.valid_from:
        changes["valid_from"] = valid_from
    if valid_to is not None and valid_to != claim.valid_to:
        changes["valid_to"] = valid_to
    for name, value in (("fatalities", fatalities), ("injured", injured)):
        new = _count(value, name)
        old = getattr(claim, name)
        if new is not None and (old is None or old.best != new.best):
            changes[name] = new
    if not changes:
        raise InvalidInput("nothing was changed; use Accept if the claim stands as read")
    changes["review"] = "edited"
    said = f"edited by an editor: {', '.join(sorted(changes))}" + (f"; {note.strip()}" if note and note.strip() else "")
    changes["notes"] = _with_note(claim, said)
    # Validate the whole claim before writing, so a bad interval is a clear message.
    try:
        ClaimRecord(**{**dict(claim), **changes})
    except ValueError as exc:
        from geo.model import format_validation_error

        raise InvalidInput(format_validation_error(exc)) from None
    return _write(store, claim_id, version, changes, editor)


def set_status(store: Store, claim_id: str, version: int, status: str, reason: str, editor: str) -> ClaimRecord:
    """Mark a claim disputed (``review = edited``) or retract it (``review = rejected``) with a reason."""
    if status not in ("disputed", "retracted"):
        raise InvalidInput("an editor can mark a claim 'disputed' or 'retracted' here")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"say why the claim is {status} (the reason is kept in its history)")
    if len(reason) > 2000:
        raise InvalidInput("the reason is longer than 2,000 characters")
    claim = store.get_claim(claim_id)
    changes: dict[str, Any] = {
        "status": status,
        "review": "rejected" if status == "retracted" else "edited",
        "notes": _with_note(claim, f"{status} by an editor: {reason}"),
    }
    return _write(store, claim_id, version, changes, editor)


def split(store: Store, claim_id: str, version: int, editor: str) -> tuple[ClaimRecord, ClaimRecord]:
    """Split a claim that tells two events: a copy becomes a new claim, both ``edited``, to be corrected apart.

    The original gets a new version noting the split (a stale ``version`` raises
    ``Conflict`` before anything is written); the copy is version 1 of a new id
    ``<id>-s<n>`` from the same report, with the same evidence.
    """
    claim = store.get_claim(claim_id)
    n = 1
    while True:
        new_id = f"{claim_id}-s{n}"[:128]
        try:
            store.get_claim(new_id)
        except NotFound:
            break
        n += 1
    first = _write(
        store, claim_id, version,
        {"review": "edited", "notes": _with_note(claim, f"split by an editor: the other part is {new_id}")},
        editor,
    )  # fmt: skip
    copy = first.model_copy(
        update={
            "id": new_id,
            "version": 1,
            "recorded_at": None,
            "superseded_at": None,
            "notes": _with_note(claim, f"split by an editor from {claim_id}"),
        }
    )
    store.add_claims([copy], recorded_by=editor)
    return first, store.get_claim(new_id)


def merge(store: Store, claim_id: str, version: int, into_id: str, editor: str) -> ClaimRecord:
    """Merge a duplicate claim into another: it is retracted (``rejected``) naming the claim it joins.

    ``into_id`` keeps its content and gets a note; nothing is deleted, so the history of
    both shows the merge.
    """
    if into_id == claim_id:
        raise InvalidInput("a claim cannot be merged into itself")
    target = store.get_claim(into_id)  # NotFound before anything is written
    if target.status == "retracted":
        raise InvalidInput(f"claim {into_id!r} is retracted; merge into a current claim")
    claim = store.get_claim(claim_id)
    merged = _write(
        store, claim_id, version,
        {"status": "retracted", "review": "rejected",
         "notes": _with_note(claim, f"merged by an editor into {into_id}: the same event")},
        editor,
    )  # fmt: skip
    store.update_claim(
        into_id,
        {"review": "edited", "notes": _with_note(target, f"merged by an editor with {claim_id} (now retracted)")},
        recorded_by=editor,
    )
    return merged


@dataclass(frozen=True)
class Segment:
    """A run of a report's text: plain, or a place mention with the claims that rest on it."""

    text: str
    place: str | None = None
    claim_ids: tuple[str, ...] = ()


def mark_mentions(text: str, claims: list[ClaimRecord], *, published: datetime | None = None) -> list[Segment]:
    """Split ``text`` into runs, marking every place mention and linking it to its claim(s).

    A mention links to the claims whose ``place_text`` is that mention's text, or whose
    place is the mention's gazetteer entry; a mention no claim rests on is still marked.
    """
    from geo import mentions

    found = sorted(mentions(text, published=published), key=lambda m: m.start)
    out: list[Segment] = []
    pos = 0
    for m in found:
        if m.start < pos or m.end > len(text):
            continue
        if m.start > pos:
            out.append(Segment(text[pos : m.start]))
        said = m.place_text.casefold()
        ids = tuple(
            c.id
            for c in claims
            if (c.place_text and c.place_text.casefold() == said)
            or (m.gazetteer_id is not None and c.gazetteer_id == m.gazetteer_id)
        )
        out.append(Segment(text[m.start : m.end], place=m.place_name or m.place_text, claim_ids=ids))
        pos = m.end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out
