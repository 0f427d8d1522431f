"""Writes shared by the SQL backends: one implementation of every Store write over a transaction.

GpkgStore and PostgisStore differ in how a write transaction is opened, locked,
retried and committed (and in the bookkeeping the GeoPackage keeps for GDAL after
one); what a write does inside it is the same, and lives here once, over
:mod:`layers.store.rows`. A backend implements :meth:`SqlWrites._in_write`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TypeVar

from layers.model import ClaimRecord, Layer, Report, Source, Zone
from layers.store import digests as D
from layers.store import rows as R
from layers.store.base import WriteResult
from layers.store.sqlreads import write_meta

T = TypeVar("T")


class SqlWrites:
    """Mixin: the Store protocol's writes for a backend that can run a function in a write transaction."""

    def _in_write(self, fn: Callable[[R.Tx], T], tables: Sequence[str]) -> T:
        """Run ``fn`` in one write transaction; ``tables`` are the version tables it may change."""
        raise NotImplementedError

    def put_meta(self, values: dict[str, str | None]) -> None:
        """Store (or, for ``None``, remove) ``app:`` values in one transaction."""
        self._in_write(lambda tx: write_meta(tx, values), ())

    def add_sources(self, sources: Sequence[Source]) -> WriteResult:
        """Insert or update sources (they are not versioned)."""
        return self._in_write(lambda tx: R.upsert_sources(tx, sources), ())

    def add_reports(self, reports: Sequence[Report]) -> WriteResult:
        """Insert reports; an existing id is ``unchanged`` (reports are immutable)."""
        return self._in_write(lambda tx: R.insert_reports(tx, reports), ())

    def add_claims(self, claims: Sequence[ClaimRecord], *, recorded_by: str | None = None) -> WriteResult:
        """Upsert claim records by id in one transaction (see :class:`~layers.store.base.Store`)."""
        claims = list(claims)
        return self._in_write(lambda tx: R.upsert_claims(tx, claims, recorded_by), (R.CLAIM_TABLE,))

    def add_zones(self, zones: Sequence[Zone], *, recorded_by: str | None = None) -> WriteResult:
        """Upsert zones by id in one transaction, versioned like claims."""
        zones = list(zones)
        return self._in_write(lambda tx: R.upsert_zones(tx, zones, recorded_by), (R.ZONE_TABLE,))

    def remember_import_digests(
        self,
        kind: str,
        pairs: Sequence[tuple[str, str]],
        new: Collection[str] = (),
        keys: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Record ``(digest, record_id)`` pairs against each record's current version (:mod:`layers.store.digests`).

        ``new``: ids just written as version 1, recorded without a look-up; ``keys``: each
        digest's property names.
        """
        self._in_write(lambda tx: D.remember(tx, kind, pairs, new, keys), ())

    def update_claim(
        self,
        claim_id: str,
        changes: dict[str, object],
        *,
        expected_version: int | None = None,
        recorded_by: str | None = None,
    ) -> ClaimRecord:
        """Write a new version of a claim with ``changes`` applied (``Conflict`` on a stale version)."""
        return self._in_write(
            lambda tx: R.revise_claim(
                tx, claim_id, dict(changes), expected_version=expected_version, recorded_by=recorded_by
            ),
            (R.CLAIM_TABLE,),
        )

    def retract_claim(
        self,
        claim_id: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        recorded_by: str | None = None,
    ) -> ClaimRecord:
        """Write a new version with status ``retracted``; retracting twice changes nothing."""

        def run(tx: R.Tx) -> ClaimRecord:
            old = R.current_claim(tx, claim_id)
            if old.status == "retracted" and expected_version in (None, old.version):
                return old
            changes = R.retract_changes(old, reason)
            return R.revise_claim(tx, claim_id, changes, expected_version=expected_version, recorded_by=recorded_by)

        return self._in_write(run, (R.CLAIM_TABLE,))

    def put_layer(self, layer: Layer, *, expected_version: int | None = None, recorded_by: str | None = None) -> int:
        """Create or replace a layer definition as a new version (see :class:`~layers.store.base.Store`)."""
        return self._in_write(
            lambda tx: R.put_layer(tx, layer, expected_version=expected_version, recorded_by=recorded_by),
            (R.LAYER_TABLE,),
        )

    def delete_layer(
        self, layer_id: str, *, expected_version: int | None = None, recorded_by: str | None = None
    ) -> int:
        """Delete a layer as a new version flagged ``deleted``; the history keeps the definition."""
        return self._in_write(
            lambda tx: R.delete_layer(tx, layer_id, expected_version=expected_version, recorded_by=recorded_by),
            (R.LAYER_TABLE,),
        )
