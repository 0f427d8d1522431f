"""The Store protocol: the one seam between sitmap and its storage backends.

Two backends implement it, selected by URL (see :func:`layers.store.open_store`):
an embedded GeoPackage file (default) and PostGIS. One contract test suite
(``tests/layers/store``) runs against both; a backend is done when it passes.

Semantics every backend keeps:

- **Append-only, bitemporal.** Writing a claim or zone whose id exists and whose
  content differs closes the current version (``superseded_at = now``) and inserts
  version n+1 with ``recorded_at = now``. Same content: nothing is written.
  Retraction writes a new version with ``status='retracted'``. Nothing is deleted.
- **As-of.** Any query with ``as_of=T`` sees the versions with
  ``recorded_at <= T < superseded_at`` (or no ``superseded_at``): exactly what was
  known at T.
- **Batches are atomic.** One call of an ``add_*`` method is one transaction: a bad
  record stores nothing, and the error names which record and why.
- **Stable order.** Queries return claims ordered by (valid_from, id) with nulls
  last, zones by (effective_from, id), so paging is deterministic.
- Retracted claims are left out of queries unless ``statuses`` asks for them.
- **References hold.** A claim or zone with a ``report_id`` needs that report stored
  first, and a report its source: a batch that breaks this stores nothing.
- **Layer definitions are versioned too.** ``put_layer`` writes version n+1 of a layer
  (same definition: nothing), ``delete_layer`` writes a version flagged ``deleted``;
  ``layer_history`` keeps every version with who recorded it and when. The ``layers``
  table holds only the current, non-deleted definitions (what GDAL/QGIS users read).
- **Bad input is** ``InvalidInput`` (naming the record: ``claims[3] (id 'x'): ...``),
  a stale ``expected_version`` is ``Conflict``, an unknown id ``NotFound``, an
  unusable store ``StoreError`` and a lock held too long ``StoreBusy``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

from geo.errors import StoreError
from layers.model import ClaimRecord, Layer, Report, Source, Zone

T = TypeVar("T")


#: Schema version written by this code; a store with a higher one is refused.
SCHEMA_VERSION = 1


def check_schema_version(stored: object, where: str) -> None:
    """Refuse a store (or backup) whose recorded schema version is newer than this code, or missing.

    ``stored`` is the ``schema_version`` value of ``sitmap_meta`` (``None`` when absent);
    ``where`` names the file or schema in the message.
    """
    version = int(str(stored)) if stored is not None and str(stored).isdigit() else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has sitmap schema version {version}, newer than this sitmap "
            f"(version {SCHEMA_VERSION}); upgrade sitmap to open it"
        )
    if version < 1:
        raise StoreError(f"{where} has no valid sitmap schema version")


def new_claim_id(seed: str | None = None) -> str:
    """A claim id for a record that has none: stable when derived from ``seed``, else random.

    Importers pass a seed made of what identifies the claim in its source (for example
    ``f"acled:{event_id_cnty}"``) so that importing the same file twice updates rather
    than duplicates. Stores call it without a seed for records given with an empty id.
    """
    return _new_id("c", seed)


def new_zone_id(seed: str | None = None) -> str:
    """A zone id: stable when derived from ``seed`` (e.g. the order's source and number), else random."""
    return _new_id("z", seed)


def _new_id(prefix: str, seed: str | None) -> str:
    if seed is not None:
        return f"{prefix}-" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20]
    return f"{prefix}-" + uuid.uuid4().hex[:20]


@dataclass(frozen=True)
class ClaimQuery:
    """Filters for :meth:`Store.query_claims`; every field is optional.

    ``bbox`` is (minx, miny, maxx, maxy) in lon/lat and matches claims whose
    geometry truly intersects it (not only the index envelope). ``start``/``end``
    select claims whose event interval overlaps [start, end]; claims without a
    time never match a time filter. String filters match exactly, any of the given
    values (``reviews``: machine, reviewed, edited, rejected). ``min_geo_precision``
    keeps claims at least that precise (ACLED code <= the given value: 1 is the most
    precise). ``limit=None`` returns all.
    """

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None
    ids: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    report_ids: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()
    min_geo_precision: int | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class ZoneQuery:
    """Filters for :meth:`Store.query_zones`.

    ``active_at`` keeps zones in force at that instant; ``start``/``end`` keep zones
    whose [effective_from, lifted_at) overlaps the interval.
    """

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    active_at: datetime | None = None
    as_of: datetime | None = None
    ids: tuple[str, ...] = ()
    order_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    include_retracted: bool = False
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class ReportQuery:
    """Filters for :meth:`Store.query_reports`; every field is optional.

    Reports come newest first by ``published_at`` (reports without a date last), then by
    id. ``start``/``end`` bound ``published_at``; ``unreviewed`` keeps reports that still
    have a current claim no editor has looked at (``review = 'machine'``, not retracted).
    """

    ids: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    unreviewed: bool = False
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the total number that matched the query."""

    items: list[T]
    total: int


@dataclass(frozen=True)
class WriteResult:
    """What an ``add_*`` batch did: ids inserted, given a new version, or unchanged."""

    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LayerVersion:
    """One recorded version of a layer definition (see :meth:`Store.layer_history`).

    ``deleted`` marks the version that deleted the layer; it keeps the definition that
    was deleted, so the history shows what disappeared. ``recorded_by`` is who wrote
    it (a token name, ``cli:<user>``), ``None`` when that was never recorded.
    """

    layer: Layer
    version: int
    recorded_at: datetime
    superseded_at: datetime | None
    recorded_by: str | None
    deleted: bool = False


@dataclass(frozen=True)
class StoreStats:
    """Counts and extents for ``sitmap db stats`` and ``/healthz``."""

    backend: str
    claims: int
    claim_versions: int
    zones: int
    reports: int
    sources: int
    claims_by_event_type: dict[str, int]
    claims_by_status: dict[str, int]
    bbox: tuple[float, float, float, float] | None
    time_span: tuple[datetime, datetime] | None
    last_recorded_at: datetime | None


@runtime_checkable
class Store(Protocol):
    """A sitmap store. All datetimes are timezone-aware UTC."""

    url: str
    backend: str  # "gpkg" or "postgis"

    def init(self) -> None:
        """Create the schema if missing; check the schema version if present."""

    def close(self) -> None:
        """Release connections."""

    # -- writes (each call is one transaction) ---------------------------------------
    def add_sources(self, sources: Sequence[Source]) -> WriteResult:
        """Insert or update sources (they are not versioned)."""

    def add_reports(self, reports: Sequence[Report]) -> WriteResult:
        """Insert reports; an existing id is ``unchanged`` (reports are immutable)."""

    def add_claims(self, claims: Sequence[ClaimRecord], *, recorded_by: str | None = None) -> WriteResult:
        """Upsert claim records by id (empty id: a new id is generated).

        New id: version 1. Existing id with different content: a new version. Same
        content: unchanged. The whole batch is one transaction.
        """

    def add_zones(self, zones: Sequence[Zone], *, recorded_by: str | None = None) -> WriteResult:
        """Upsert zones by id, versioned like claims."""

    def update_claim(
        self,
        claim_id: str,
        changes: dict[str, object],
        *,
        expected_version: int | None = None,
        recorded_by: str | None = None,
    ) -> ClaimRecord:
        """Write a new version of a claim with ``changes`` applied.

        Raises ``NotFound`` for an unknown id and ``Conflict`` when
        ``expected_version`` is given and is not the current version (optimistic
        concurrency). Returns the new version.
        """

    def retract_claim(
        self,
        claim_id: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        recorded_by: str | None = None,
    ) -> ClaimRecord:
        """Write a new version with status ``retracted`` (never a delete)."""

    # -- reads ------------------------------------------------------------------------
    def get_source(self, source_id: str) -> Source:
        """The source, or ``NotFound``."""

    def get_report(self, report_id: str) -> Report:
        """The report, or ``NotFound``."""

    def get_claim(self, claim_id: str, *, as_of: datetime | None = None) -> ClaimRecord:
        """The claim version current at ``as_of`` (default now), or ``NotFound``."""

    def get_zone(self, zone_id: str, *, as_of: datetime | None = None) -> Zone:
        """The zone version current at ``as_of`` (default now), or ``NotFound``."""

    def claim_history(self, claim_id: str) -> list[ClaimRecord]:
        """Every version of a claim, oldest first, or ``NotFound``."""

    def zone_history(self, zone_id: str) -> list[Zone]:
        """Every version of a zone, oldest first, or ``NotFound``."""

    def query_claims(self, query: ClaimQuery) -> Page[ClaimRecord]:
        """Claims matching ``query``, in stable order, with the total count."""

    def query_zones(self, query: ZoneQuery) -> Page[Zone]:
        """Zones matching ``query``, in stable order, with the total count."""

    def list_sources(self) -> list[Source]:
        """All sources, by id."""

    def query_reports(self, query: ReportQuery) -> Page[Report]:
        """Reports matching ``query``, newest first, with the total count."""

    # -- small named values kept with the data (feeds, ended sessions) --------------------
    def get_meta(self, prefix: str) -> dict[str, str]:
        """Every stored value whose key starts with ``prefix`` (``app:`` keys only), by key."""

    def put_meta(self, values: dict[str, str | None]) -> None:
        """Store (or, for ``None``, remove) ``app:`` values in one transaction."""

    # -- layers (stored with the data) ---------------------------------------------------
    def put_layer(self, layer: Layer, *, expected_version: int | None = None, recorded_by: str | None = None) -> int:
        """Create or replace a layer definition; returns its current version number.

        A new (or deleted) id gets the next version, a changed definition version n+1,
        an unchanged one no new version. ``expected_version`` that is not the current
        version (or given for a layer never stored) raises ``Conflict`` naming it.
        """

    def delete_layer(
        self, layer_id: str, *, expected_version: int | None = None, recorded_by: str | None = None
    ) -> int:
        """Delete a layer: a new version flagged ``deleted`` (the history keeps every version).

        Returns the deleting version's number. ``NotFound`` for an unknown or already
        deleted layer, ``Conflict`` for a stale ``expected_version``.
        """

    def get_layer(self, layer_id: str) -> Layer:
        """The current layer definition, or ``NotFound`` (also for a deleted layer)."""

    def list_layers(self) -> list[Layer]:
        """All current, non-deleted layer definitions, by id."""

    def layer_history(self, layer_id: str) -> list[LayerVersion]:
        """Every version of a layer definition, oldest first, or ``NotFound``."""

    def deleted_layer_ids(self) -> list[str]:
        """Ids whose current version is a deletion, sorted (so defaults are not put back)."""

    # -- housekeeping ---------------------------------------------------------------------
    def stats(self) -> StoreStats:
        """Counts, extent and time span."""

    def last_recorded_at(self) -> datetime | None:
        """The newest ``recorded_at``/``superseded_at`` in the store (for ETags).

        Layer definition versions count too: a changed layer changes every response
        built from it.
        """
