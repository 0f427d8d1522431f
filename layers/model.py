"""What sitmap stores and publishes: sources, reports, claim versions, zones, layers.

The upper floor of the domain model (``geo.model`` is the lower one). Records are
bitemporal and append-only: every claim and zone version carries ``recorded_at``
(when sitmap learned it) and ``superseded_at`` (when a newer version replaced it;
``None`` for the current one). An edit writes a new version; a retraction is a
status, never a delete.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo.model import (
    MAX_NAME,
    MAX_TEXT,
    MAX_URL,
    Claim,
    ClaimStatus,
    EventType,
    Geometry,
    Review,
    TimePrecision,
    Uncertainty,
    UTCDateTime,
)

SourceKind = Literal["news", "official", "ngo", "un", "social", "other"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)

OrderType = Literal["evacuate", "return_allowed", "humanitarian_zone"]
ORDER_TYPES: tuple[str, ...] = get_args(OrderType)

LayerKind = Literal["claims", "zones", "incidents"]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def slugify(text: str) -> str:
    """A stable ASCII id for a name: 'Al Jazeera English' -> 'al-jazeera-english'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if not slug:  # a name in a non-Latin script only: fall back to a hash of it
        slug = "s-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return slug[:100]


def check_id(value: str, what: str = "id") -> str:
    """Validate an identifier: 1-128 chars of letters, digits and ``._:-``."""
    if not _ID_RE.match(value):
        raise ValueError(f"{what} {value!r} must be 1-128 characters of letters, digits, '.', '_', ':' or '-'")
    return value


class Source(BaseModel):
    """An outlet or issuer: a newspaper, a ministry, a UN agency, a social account."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    name: str = Field(min_length=1, max_length=MAX_NAME)
    kind: SourceKind = "other"
    url: str | None = Field(default=None, max_length=MAX_URL)

    @model_validator(mode="after")
    def _default_id(self) -> Source:
        if not self.id:
            self.id = slugify(self.name)
        check_id(self.id, "source id")
        return self


def content_sha256(text: str) -> str:
    """The hash that identifies a report's content (NFC-normalised, whitespace-folded)."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def report_id(source_id: str, sha256: str) -> str:
    """A report's stable id: the same content from the same source is one report."""
    return "r-" + hashlib.sha256(f"{source_id}\n{sha256}".encode()).hexdigest()[:20]


class Report(BaseModel):
    """One document (article, statement, order, post) that claims are taken from.

    ``id`` derives from the source id and ``content_sha256``, so ingesting the same
    report twice yields one report. The full text need not be kept (copyright);
    ``excerpt`` may hold a short part of it.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    source_id: str
    url: str | None = Field(default=None, max_length=MAX_URL)
    title: str | None = Field(default=None, max_length=MAX_NAME)
    published_at: UTCDateTime | None = None
    language: str | None = Field(default=None, max_length=20)
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    excerpt: str | None = Field(default=None, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _default_id(self) -> Report:
        check_id(self.source_id, "source id")
        expected = report_id(self.source_id, self.content_sha256)
        if not self.id:
            self.id = expected
        return self


#: Fields of a ClaimRecord that are bookkeeping, not content: equal content means no new version.
RECORD_FIELDS = ("id", "report_id", "version", "recorded_at", "superseded_at", "recorded_by")


class ClaimRecord(Claim):
    """A stored version of a :class:`~geo.model.Claim`.

    ``id`` is stable across versions; ``version`` counts from 1. ``status`` and
    ``review`` are the editorial state of this version.
    """

    id: str = ""
    report_id: str | None = None
    version: int = Field(default=1, ge=1)
    status: ClaimStatus = "reported"
    review: Review = "machine"
    recorded_at: UTCDateTime | None = None
    superseded_at: UTCDateTime | None = None
    recorded_by: str | None = Field(default=None, max_length=100)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        return check_id(v, "claim id") if v else v

    def content_hash(self) -> str:
        """Hash of the claim's content, excluding bookkeeping fields.

        Used by stores to decide whether an upsert of an existing id is a no-op
        (same content) or a new version (changed content).
        """
        data = self.model_dump(mode="json", exclude=set(RECORD_FIELDS))
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @classmethod
    def from_claim(cls, claim: Claim, **record: Any) -> ClaimRecord:
        """Wrap a geo Claim as a record (id, report_id, status... given as keywords)."""
        return cls(**{**dict(claim), **record})

    def to_claim(self) -> Claim:
        """The content part of the record, as a plain :class:`~geo.model.Claim`."""
        return Claim(**{k: getattr(self, k) for k in Claim.model_fields})


ZoneStatus = Literal["active", "lifted", "retracted"]


class Zone(BaseModel):
    """An area under an order: evacuation, return allowed, declared humanitarian zone.

    A zone is a claim like any other: ``issuer`` is its claimant, ``source`` the
    outlet or document that carried it, ``effective_from``..``lifted_at`` its time, and
    ``uncertainty`` says how the area was obtained (a block list: exact up to the
    grid; a parent block standing in for an unknown sub-block: approximate; a drawn
    area). ``block_ids`` are the grid blocks named by the order as written;
    ``approx_block_ids`` those that were not in the grid and were replaced by their
    parent block. When an order gives both a block list and a drawn area that
    disagree, both are kept (``drawn_geometry``) and ``flags`` says so.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str = ""
    version: int = Field(default=1, ge=1)
    geometry: Geometry
    drawn_geometry: Geometry | None = None
    issuer: str = Field(min_length=1, max_length=MAX_NAME)
    source: str | None = Field(default=None, max_length=MAX_NAME)
    url: str | None = Field(default=None, max_length=MAX_URL)
    report_id: str | None = None
    title: str | None = Field(default=None, max_length=MAX_NAME)
    order_type: OrderType
    block_ids: tuple[str, ...] = ()
    approx_block_ids: tuple[str, ...] = ()
    grid: str | None = Field(default=None, max_length=100)
    issued_at: UTCDateTime
    effective_from: UTCDateTime
    lifted_at: UTCDateTime | None = None
    time_precision: TimePrecision = "day"
    uncertainty: Uncertainty
    stated_area_km2: float | None = Field(default=None, ge=0)
    flags: tuple[str, ...] = ()
    notes: str | None = Field(default=None, max_length=MAX_TEXT)
    status: ZoneStatus = "active"
    recorded_at: UTCDateTime | None = None
    superseded_at: UTCDateTime | None = None
    recorded_by: str | None = Field(default=None, max_length=100)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        return check_id(v, "zone id") if v else v

    @model_validator(mode="after")
    def _consistent(self) -> Zone:
        if self.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"zone geometry must be a Polygon or MultiPolygon, got {self.geometry.geom_type}")
        if self.lifted_at is not None and self.lifted_at < self.effective_from:
            raise ValueError("lifted_at is before effective_from")
        return self

    def active_at(self, t: datetime) -> bool:
        """True if the order is in force at ``t`` (effective, not lifted, not retracted)."""
        if self.status == "retracted":
            return False
        return self.effective_from <= t and (self.lifted_at is None or t < self.lifted_at)

    def content_hash(self) -> str:
        """Hash of the zone's content, excluding bookkeeping fields (see ClaimRecord)."""
        data = self.model_dump(
            mode="json", exclude={"id", "version", "recorded_at", "superseded_at", "recorded_by", "report_id"}
        )
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Incident(BaseModel):
    """Claims about the same event from one or more sources, grouped by corroboration.

    ``independent_sources`` counts distinct claimants: two outlets quoting the same
    ministry are one voice, not two. ``geometry``/``uncertainty`` and the interval are
    the tightest that all members honestly support. ``status`` is ``corroborated``
    only with at least two independent sources that agree, ``disputed`` when
    claimants contradict each other.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str
    event_type: EventType
    claim_ids: tuple[str, ...]
    sources: tuple[str, ...]
    claimants: tuple[str, ...]
    independent_sources: int = Field(ge=0)
    geometry: Geometry | None
    uncertainty: Uncertainty | None
    valid_from: UTCDateTime | None
    valid_to: UTCDateTime | None
    time_precision: TimePrecision
    status: ClaimStatus
    place_name: str | None = None
    fatalities: dict[str, int | None] | None = None
    conflicts: tuple[str, ...] = ()


class LayerFilter(BaseModel):
    """Which records a layer shows; empty tuples mean 'any'.

    ``reviews`` limits a claim layer to claims in those review states: a layer with
    ``["reviewed", "edited"]`` publishes only what an editor has checked.
    """

    model_config = ConfigDict(extra="forbid")

    event_types: tuple[EventType, ...] = ()
    sources: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    statuses: tuple[ClaimStatus, ...] = ()
    #: Publish only claims in these review states, e.g. ("reviewed", "edited"): checked by an editor.
    reviews: tuple[Review, ...] = ()
    order_types: tuple[OrderType, ...] = ()
    window_start: UTCDateTime | None = None
    window_end: UTCDateTime | None = None


class PublicationPolicy(BaseModel):
    """Responsible publication: coarsen public geometry and/or delay it.

    ``snap_m`` snaps public points to a grid of that many metres; ``admin_level``
    replaces them by the containing admin area ("governorate" or "strip"); ``delay``
    hides records younger than that many hours from anonymous readers. The
    transformation is recorded in every served feature (``coarsened_to``).
    """

    model_config = ConfigDict(extra="forbid")

    snap_m: float | None = Field(default=None, gt=0, le=100_000)
    admin_level: Literal["governorate", "strip"] | None = None
    delay_hours: float | None = Field(default=None, ge=0)


class Layer(BaseModel):
    """A named, filtered view over claims, zones or incidents: one OGC collection."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field(default="", max_length=MAX_TEXT)
    kind: LayerKind = "claims"
    filter: LayerFilter = LayerFilter()
    style: dict[str, Any] = Field(default_factory=dict)
    private: bool = False
    policy: PublicationPolicy | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9_-]{0,63}$", v):
            raise ValueError(f"layer id {v!r} must be 1-64 lowercase letters, digits, '-' or '_'")
        return v


__all__ = [
    "ORDER_TYPES",
    "SOURCE_KINDS",
    "ClaimRecord",
    "Incident",
    "Layer",
    "LayerFilter",
    "OrderType",
    "PublicationPolicy",
    "Report",
    "Source",
    "Uncertainty",
    "Zone",
    "content_sha256",
    "report_id",
    "slugify",
]
