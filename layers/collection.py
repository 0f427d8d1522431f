"""The collection seam: one layer as a reader may see it (in the spirit of TiPg's ``Collection``).

A :class:`LayerView` is a layer of the store seen by one reader. It owns everything
between a parsed request and the store: the layer's query narrowed by the request
(:class:`Narrowing`), ``as_of``, the publication policy (coarsening and delay, for
readers without the exact form), pages and downloads of contract features, records
for maps and rasters, incidents, and the layer's extent. The API routes, the CLI
export and the standalone map all come through here, so a layer is published one way
whoever asks, and the walk is always caller -> ``LayerView`` -> store -> contract.

Per-process memory (extents and incidents, each keyed by the store clock) lives in a
:class:`CollectionCaches` object owned by whoever serves (the API keeps one on its app
state); a view without one computes everything afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from geo.errors import NotFound
from layers.errors import Unauthorized
from layers.model import ClaimRecord, Incident, Layer, PublicationPolicy, Zone
from layers.params import format_instant
from layers.publication import (
    OPEN,
    Publication,
    Rule,
    combine,
    published_features,
    published_forms,
    strictest,
)
from layers.store.base import ClaimQuery, Store, ZoneQuery

#: Records fetched per store call while walking every match (downloads, extents).
WALK_PAGE = 2000
#: Above this many records a claim layer's extent comes from the store's aggregates (a superset).
EXTENT_SCAN_LIMIT = 20_000
#: Distinct incident groupings kept per process (each keyed by its query and the store clock).
INCIDENT_CACHE_SIZE = 8
#: Distinct extents kept per process before the memory is cleared.
EXTENT_CACHE_SIZE = 256
#: Catalogues of guarding layers kept per process (one per store clock).
PUBLICATION_CACHE_SIZE = 4
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Reader:
    """Who reads, and so what they get.

    ``exact``: records as stored (a token with ``read-private``); otherwise their
    public form, under the publication policy. ``private``: may open private layers.
    """

    exact: bool = False
    private: bool = False


#: The anonymous reader: public layers only, publication policy applied.
ANONYMOUS = Reader(exact=False, private=False)
#: A reader with ``read-private``: every layer, records as stored.
EXACT = Reader(exact=True, private=True)
#: Someone holding the store who makes a file for the public (``sitmap map``, ``sitmap export --public``):
#: every layer may be opened, every record comes out in its public form.
PUBLISHER = Reader(exact=False, private=True)


@dataclass(frozen=True)
class Narrowing:
    """What a request narrows a layer by: bbox, event interval and :func:`~layers.catalog.layer_query` filters."""

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


class CollectionCaches:
    """Extents, incident groupings and guarding layers kept between requests, each under its store clock.

    One per serving process (the API keeps it on its app object), never module state,
    so two apps in one process share nothing.
    """

    def __init__(self) -> None:
        self.extents: dict[Any, dict[str, Any]] = {}
        self.incidents: OrderedDict[Any, list[Incident]] = OrderedDict()
        self.publications: OrderedDict[Any, Publication] = OrderedDict()
        self.extent_lock = threading.Lock()
        self.incident_lock = threading.Lock()
        self.publication_lock = threading.Lock()


#: Marks a clock the caller has not read.
_UNREAD = object()


def _publication_of(view: LayerView) -> Publication:
    """The store's guarding layers, from the caches under the store clock when they are kept."""
    from layers.catalog import list_layers

    store, caches = view.store, view.caches
    # a store whose clock does not move with layer definitions (a read-only file from before
    # layer history) is read every time
    if caches is None or not getattr(store, "_has_layer_versions", True):
        return Publication(list_layers(store))
    key = (id(store), view.clock)
    hit = caches.publications.get(key)
    if hit is not None:
        return hit
    publication = Publication(list_layers(store))
    with caches.publication_lock:
        caches.publications[key] = publication
        while len(caches.publications) > PUBLICATION_CACHE_SIZE:
            caches.publications.popitem(last=False)
    return publication


class LayerView:
    """One layer of ``store`` as ``reader`` may see it.

    Raises :class:`~layers.errors.Unauthorized` at construction when the layer is private
    and the reader is not exact: nothing of a private layer reaches anonymous readers.
    """

    def __init__(
        self,
        store: Store,
        layer: Layer,
        reader: Reader = ANONYMOUS,
        caches: CollectionCaches | None = None,
        *,
        noun: str = "collection",
        clock: datetime | object | None = _UNREAD,
    ) -> None:
        if layer.private and not reader.private:
            raise Unauthorized(f"{noun} {layer.id!r} is private: it needs 'Authorization: Bearer <token>'")
        self.store = store
        self.layer = layer
        self.reader = reader
        self.caches = caches
        #: The store clock the caller already read (saves a read when looking up the catalogue).
        self._clock = clock
        self._publication: Publication | None = None

    @classmethod
    def open(
        cls,
        store: Store,
        layer_id: str,
        reader: Reader = ANONYMOUS,
        caches: CollectionCaches | None = None,
        *,
        noun: str = "collection",
    ) -> LayerView:
        """The view of the layer behind ``layer_id`` (``NotFound`` for an unknown id, ``Unauthorized`` if private).

        ``noun`` names the layer in the refusal ("collection" on the OGC routes, "layer" on maps).
        """
        from layers.catalog import get_layer

        return cls(store, get_layer(store, layer_id), reader, caches, noun=noun)

    # ----------------------------------------------------------------------------------
    # Publication: each record's public form, decided for the record (layers.publication)
    # ----------------------------------------------------------------------------------

    @property
    def publication(self) -> Publication:
        """The guarding layers of the store's catalogue (kept per store clock when caching)."""
        if self._publication is None:
            self._publication = _publication_of(self)
        return self._publication

    @property
    def clock(self) -> datetime | None:
        """The store's clock (``last_recorded_at``), read once per view unless the caller gave it."""
        if self._clock is _UNREAD:
            self._clock = self.store.last_recorded_at()
        return self._clock  # type: ignore[return-value]

    @property
    def public_form(self) -> bool:
        """True when some record of this view may reach this reader other than as stored.

        Never for readers of the exact form; for others, when the layer itself or any
        layer that may share records with it is private or has a publication policy.
        """
        if self.reader.exact:
            return False
        if self.layer.private or self.layer.policy is not None:
            return True
        return self.publication.guards_anything(self.layer)

    @property
    def strictest_policy(self) -> PublicationPolicy | None:
        """The strictest policy any record of this view may be published under (``None``: none moves)."""
        if not self.public_form:
            return None
        return strictest([self.layer.policy, *(g.policy for g in self.publication.guards_over(self.layer))])

    @property
    def withholds(self) -> bool:
        """True when some record of this view may be withheld from this reader (a private layer holds it)."""
        return self.public_form and (self.layer.private or self.publication.withholds(self.layer))

    @property
    def delay(self) -> timedelta | None:
        """How long recent events may be held back from this reader (``None``: not at all)."""
        if not self.public_form:
            return None
        return self.publication.longest_delay(self.layer)

    @property
    def publication_key(self) -> str:
        """A fingerprint of the guarding layers that shape this reader's answers ("" when none does).

        Goes into validators of answers that are otherwise immutable (a past ``as_of``),
        so protecting a layer later changes their ETag.
        """
        return self.publication.key if self.public_form else ""

    def _rules(self, records: Sequence[Any], as_of: datetime | None) -> dict[str, Rule]:
        """The rule of each record (claims and zones by id; an incident from its members)."""
        incidents = [r for r in records if isinstance(r, Incident)]
        if not incidents:
            return self.publication.rules(self.store, self.layer, [r.id for r in records], as_of)
        members = [cid for inc in incidents for cid in inc.claim_ids]
        by_claim = self.publication.rules(self.store, self.layer, members, as_of)
        own = Rule(withheld=self.layer.private, policy=self.layer.policy)
        return {inc.id: combine([own, *(by_claim.get(cid, OPEN) for cid in inc.claim_ids)]) for inc in incidents}

    def features(
        self, records: list[Any], *, include_region: bool, as_of: datetime | None = None
    ) -> list[dict[str, Any]]:
        """``records`` as contract features, in the form this reader may see them.

        A coarsened record says how in ``coarsened_to``; a withheld or delayed one is left out.
        """
        from layers.export import as_feature

        records = _known_at(records, as_of)
        if not self.public_form:
            return [as_feature(r, include_region=include_region) for r in records]
        return published_features(records, self._rules(records, as_of), as_of=as_of, include_region=include_region)

    def public_records(self, records: list[ClaimRecord], as_of: datetime | None) -> list[ClaimRecord]:
        """Claim records as this reader may see them (withheld and delayed ones left out, the rest coarsened)."""
        records = _known_at(records, as_of)
        if not self.public_form:
            return records
        pairs = published_forms(records, self._rules(records, as_of), as_of=as_of)
        return [rec for rec, _ in pairs if isinstance(rec, ClaimRecord)]

    # ----------------------------------------------------------------------------------
    # Queries
    # ----------------------------------------------------------------------------------

    def query(
        self,
        narrowing: Narrowing = Narrowing(),
        *,
        as_of: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
        ids: tuple[str, ...] = (),
        include_retracted: bool | None = None,
    ) -> ClaimQuery | ZoneQuery:
        """The store query of the layer narrowed by ``narrowing`` (see :func:`~layers.catalog.layer_query`)."""
        from layers.catalog import layer_query

        f = dict(narrowing.filters)
        if include_retracted is not None:
            f["include_retracted"] = include_retracted
        return layer_query(
            self.layer,
            bbox=narrowing.bbox,
            start=narrowing.start,
            end=narrowing.end,
            as_of=as_of,
            ids=ids,
            limit=limit,
            offset=offset,
            **f,
        )

    def _run(self, query: ClaimQuery | ZoneQuery) -> Any:
        return self.store.query_zones(query) if isinstance(query, ZoneQuery) else self.store.query_claims(query)

    def page(
        self,
        narrowing: Narrowing,
        *,
        as_of: datetime | None,
        limit: int,
        offset: int,
        include_region: bool,
        properties: frozenset[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of features and the number matched.

        Paging happens in the store, except for incidents (grouped after the query) and
        where records may be held back after the query (a publication delay, a private
        layer holding some): those are computed whole, then sliced, so the number
        matched stays exact. ``properties`` keeps only those properties
        (``layers.export.property_selection``).
        """
        feats, total = self._page(narrowing, as_of=as_of, limit=limit, offset=offset, include_region=include_region)
        if properties is not None:
            from layers.export import select_properties

            feats = [select_properties(f, properties) for f in feats]
        return feats, total

    def page_texts(
        self,
        narrowing: Narrowing,
        *,
        as_of: datetime | None,
        limit: int,
        offset: int,
        properties: frozenset[str] | None = None,
    ) -> Any | None:
        """One page as feature texts the store writes (``layers.store.sqlreads.FeatureTexts``), or ``None``.

        The cold path of a claim layer read as stored: no record, no dict per feature;
        each text parses to the feature :meth:`page` gives. ``numberMatched`` (``total``)
        is exact when cheap and ``None`` otherwise (see ``COUNT_BUDGET``). ``None`` where
        records are published in another form, grouped or held back (those take :meth:`page`).
        """
        fast = getattr(self.store, "claim_feature_page", None)
        if fast is None or self.layer.kind in ("incidents", "zones") or self.public_form:
            return None
        query = self.query(narrowing, as_of=as_of, limit=limit, offset=offset)
        if not isinstance(query, ClaimQuery):  # pragma: no cover - claim layers give claim queries
            return None
        return fast(query, properties=properties)

    def iter_csv_blocks(
        self,
        narrowing: Narrowing,
        *,
        as_of: datetime | None,
        limit: int | None,
        offset: int,
        columns: tuple[str, ...],
    ) -> Iterator[list[bytes]] | None:
        """Every match for a CSV download as lines the store writes (or keeps), a block at a time; or ``None``.

        ``None`` where :meth:`page_texts` gives ``None``. The matches are read at
        ``as_of`` (current versions for ``None``): the keys in one statement, hence one
        snapshot, so the blocks read one after another agree.
        """
        walk = getattr(self.store, "iter_claim_csv_blocks", None)
        if walk is None or self.layer.kind in ("incidents", "zones") or self.public_form:
            return None
        blocks: Iterator[list[bytes]] = walk(self.query(narrowing, as_of=as_of, limit=limit, offset=offset), columns)
        return blocks

    def iter_text_blocks(
        self,
        narrowing: Narrowing,
        *,
        as_of: datetime | None,
        limit: int | None,
        offset: int,
        properties: frozenset[str] | None = None,
    ) -> Iterator[list[bytes]] | None:
        """Every match for a GeoJSON download as feature texts (see :meth:`page_texts`), a block at a time; or ``None``.

        Read as :meth:`iter_csv_blocks` reads; each version's full text is kept by the
        store once written (``layers.store.rows.encoded``).
        """
        walk = getattr(self.store, "iter_claim_text_blocks", None)
        if walk is None or self.layer.kind in ("incidents", "zones") or self.public_form:
            return None
        query = self.query(narrowing, as_of=as_of, limit=limit, offset=offset)
        blocks: Iterator[list[bytes]] = walk(query, properties=properties)
        return blocks

    def _page(
        self,
        narrowing: Narrowing,
        *,
        as_of: datetime | None,
        limit: int,
        offset: int,
        include_region: bool,
    ) -> tuple[list[dict[str, Any]], int]:
        if self.layer.kind == "incidents" or self.delay is not None or self.withholds:
            if self.layer.kind == "incidents":
                everything: list[Any] = self.incidents(narrowing, as_of)
            else:
                everything = self._run(self.query(narrowing, as_of=as_of)).items
            feats = self.features(everything, include_region=include_region, as_of=as_of)
            return feats[offset : offset + limit], len(feats)
        query = self.query(narrowing, as_of=as_of, limit=limit, offset=offset)
        fast = getattr(self.store, "query_claim_features", None)
        if fast is not None and isinstance(query, ClaimQuery) and not self.public_form:
            # the sitmap stores build contract features straight from their rows (same features, no models)
            fast_page = fast(query, include_region=include_region)
            return fast_page.items, fast_page.total
        page = self._run(query)
        return self.features(page.items, include_region=include_region, as_of=as_of), page.total

    def _iter_records(
        self, narrowing: Narrowing, *, as_of: datetime | None, limit: int | None, offset: int
    ) -> Iterator[Any]:
        """Every matching record, fetched page by page from one as-of instant."""
        remaining = limit
        while remaining is None or remaining > 0:
            n = WALK_PAGE if remaining is None else min(WALK_PAGE, remaining)
            page: Any = self._run(self.query(narrowing, as_of=as_of, limit=n, offset=offset))
            yield from _known_at(page.items, as_of)
            offset += len(page.items)
            if remaining is not None:
                remaining -= len(page.items)
            if len(page.items) < n:
                return

    def iter_items(
        self,
        narrowing: Narrowing,
        *,
        pinned: datetime,
        as_of: datetime | None,
        limit: int | None,
        offset: int,
        include_region: bool,
    ) -> Iterator[Any]:
        """Every match for a download: records (exact readers) or public features, read at ``pinned``.

        ``pinned`` is the instant the store is read at (the request's ``as_of``, else
        the moment the download started, so pages fetched one after another agree);
        ``as_of`` is the request's own, which the publication delay is measured from.
        """
        if self.layer.kind == "incidents":
            incidents = self.incidents(narrowing, pinned)
            end = offset + limit if limit is not None else None
            yield from self.features(incidents[offset:end], include_region=include_region)
            return
        records = self._iter_records(narrowing, as_of=pinned, limit=limit, offset=offset)
        if not self.public_form:
            yield from records
            return
        batch: list[Any] = []
        for record in records:
            batch.append(record)
            if len(batch) >= WALK_PAGE:
                yield from self.features(batch, include_region=include_region, as_of=as_of)
                batch = []
        yield from self.features(batch, include_region=include_region, as_of=as_of)

    def export_items(self, narrowing: Narrowing, *, as_of: datetime | None, include_region: bool) -> list[Any]:
        """Every match for an export file: records as stored (exact readers), else their public features.

        Incident layers give the incidents grouped from the matching claims (see
        :func:`layers.build.overlay`).
        """
        from layers.build import overlay

        records: list[Any] = list(
            overlay(
                self.store,
                self.layer,
                start=narrowing.start,
                end=narrowing.end,
                as_of=as_of,
                bbox=narrowing.bbox,
                **narrowing.filters,
            )
        )
        if not self.public_form:
            return records
        return self.features(records, include_region=include_region, as_of=as_of)

    def feature(self, feature_id: str, *, as_of: datetime | None, include_region: bool) -> dict[str, Any] | None:
        """One feature by id as known at ``as_of`` (retracted claims included, with their status), or ``None``."""
        if len(feature_id) > 128:
            return None
        if self.layer.kind == "incidents":
            for incident in self.incidents(Narrowing(), as_of):
                if incident.id == feature_id:
                    found = self.features([incident], include_region=include_region, as_of=as_of)
                    return found[0] if found else None
            return None
        return self.claim_feature(feature_id, as_of=as_of, include_region=include_region)

    def claim_feature(self, claim_id: str, *, as_of: datetime | None, include_region: bool) -> dict[str, Any] | None:
        """One claim (or zone) the layer holds, by id, as this reader may see it, or ``None``.

        For claim and zone layers this is :meth:`feature`; an incident layer's items are
        incidents, but its map draws their member claims, whose popups read them here.
        """
        if len(claim_id) > 128:
            return None
        feature_id = claim_id
        query = self.query(as_of=as_of, limit=1, ids=(feature_id,), include_retracted=True)
        if isinstance(query, ZoneQuery):
            from layers.export import zone_feature

            zones = _known_at(self.zones(query), as_of)
            return zone_feature(zones[0], include_region=include_region) if zones else None
        if not self.public_form and hasattr(self.store, "query_claim_features"):
            # the sitmap stores build the contract feature straight from the row, as on items pages
            feats: list[dict[str, Any]] = self.store.query_claim_features(query, include_region=include_region).items
            return feats[0] if feats else None
        claims = self.store.query_claims(query).items
        found = self.features(claims, include_region=include_region, as_of=as_of)
        return found[0] if found else None

    def records(self, query: ClaimQuery, *, as_of: datetime | None) -> list[ClaimRecord]:
        """The claims of ``query`` (one of this view's) in the form this reader may see them."""
        return self.public_records(list(self.store.query_claims(query).items), as_of)

    def zones(self, query: ZoneQuery) -> list[Zone]:
        """The zones of ``query`` (one of this view's): never coarsened; left out if a private layer holds them."""
        zones = list(self.store.query_zones(query).items)
        if not self.public_form:
            return zones
        rules = self._rules(zones, query.as_of)
        return [z for z in zones if not rules.get(z.id, OPEN).withheld]

    # ----------------------------------------------------------------------------------
    # Incidents
    # ----------------------------------------------------------------------------------

    def incidents(self, narrowing: Narrowing, as_of: datetime | None) -> list[Incident]:
        """Every incident of the layer for ``narrowing`` (kept per query and store clock when caching)."""
        from layers.corroborate import corroborate

        query = self.query(narrowing, as_of=as_of)
        if not isinstance(query, ClaimQuery):  # pragma: no cover - incident layers are claim layers
            return []
        caches = self.caches
        key = (repr(query), self.clock, self.publication_key, self.withholds)
        if caches is not None:
            with caches.incident_lock:
                if key in caches.incidents:
                    caches.incidents.move_to_end(key)
                    return caches.incidents[key]
        claims = list(self.store.query_claims(query).items)
        if self.withholds:  # a withheld claim takes no part: the grouping must not point at it
            rules = self.publication.rules(self.store, self.layer, [c.id for c in claims], as_of)
            claims = [c for c in claims if not rules.get(c.id, OPEN).withheld]
        result = list(corroborate(claims))
        if caches is not None:
            with caches.incident_lock:
                caches.incidents[key] = result
                while len(caches.incidents) > INCIDENT_CACHE_SIZE:
                    caches.incidents.popitem(last=False)
        return result

    def incident_of(
        self,
        claim_id: str,
        near: Callable[[tuple[float, float, float, float], datetime | None, datetime | None], ClaimQuery | ZoneQuery],
        *,
        as_of: datetime | None,
        radius_m: float,
        days: int,
        max_neighbours: int,
    ) -> tuple[Incident, list[ClaimRecord]] | None:
        """The incident ``claim_id`` belongs to and its members, from corroborating it with its neighbours only.

        ``near(bbox, start, end)`` gives this view's query around the claim (the caller's
        own narrowing, widened to the neighbourhood): claims within ``radius_m`` and
        ``days`` of it, the nearest ``max_neighbours`` of them, as this reader may see them.
        ``None`` when the claim groups with nothing; ``NotFound`` when it cannot be placed.
        """
        import math

        from layers.corroborate import corroborate

        claim = self.store.get_claim(claim_id, as_of=as_of)
        if claim.geometry is None:
            raise NotFound(f"claim {claim_id!r} has no location, so it has no neighbours to corroborate with")
        pt = claim.geometry.representative_point()
        dlat = radius_m / 111_320
        dlon = dlat / max(math.cos(math.radians(pt.y)), 0.01)
        start = claim.valid_from - timedelta(days=days) if claim.valid_from else None
        end = claim.valid_to + timedelta(days=days) if claim.valid_to else None
        query = near((pt.x - dlon, pt.y - dlat, pt.x + dlon, pt.y + dlat), start, end)
        if not isinstance(query, ClaimQuery):
            raise NotFound(f"layer {self.layer.id!r} holds zones, which are not corroborated into incidents")
        records = [r for r in self.store.query_claims(query).items if r.geometry is not None]
        if not any(r.id == claim_id for r in records):
            raise NotFound(f"claim {claim_id!r} is not in layer {self.layer.id!r} for this view")
        records.sort(key=lambda r: pt.distance(r.geometry.representative_point()) if r.geometry is not None else 1e9)
        records = self.public_records(records[:max_neighbours], as_of)
        for inc in corroborate(records):
            if claim_id in inc.claim_ids:
                return inc, [r for r in records if r.id in inc.claim_ids]
        return None

    # ----------------------------------------------------------------------------------
    # Extent
    # ----------------------------------------------------------------------------------

    def extent(self) -> dict[str, Any]:
        """The layer's spatial (CRS84) and temporal extent, recomputed only after writes."""
        key = (self.layer.id, self.layer.model_dump_json(), self.clock, self.publication_key)
        caches = self.caches
        if caches is None:
            return self._compute_extent()
        hit = caches.extents.get(key)
        if hit is not None:
            return hit
        with caches.extent_lock:
            extent = self._compute_extent()
            if len(caches.extents) > EXTENT_CACHE_SIZE:
                caches.extents.clear()
            caches.extents[key] = extent
        return extent

    def _shown(self, records: list[Any]) -> list[Any]:
        """``records`` as this reader sees them (an extent must not outline what is withheld or coarsened)."""
        if not self.public_form:
            return records
        if self.layer.kind == "zones":
            rules = self._rules(records, None)
            return [z for z in records if not rules.get(z.id, OPEN).withheld]
        return self.public_records(records, None)

    def _compute_extent(self) -> dict[str, Any]:
        """The exact extent of the layer's records; for very large claim layers, the store-wide one.

        The exact extent needs every record of the layer; past :data:`EXTENT_SCAN_LIMIT`
        claims the store's own aggregates (all claims and zones) are used instead, which
        still contain every feature of the layer. Readers of the public form get the
        extent of what they are served, always scanned (the aggregates would outline
        withheld claims and exact places).
        """
        store = self.store
        if self.layer.kind != "zones" and not self.public_form:
            probe = self.query(limit=1)
            if isinstance(probe, ClaimQuery) and store.query_claims(probe).total > EXTENT_SCAN_LIMIT:
                stats = store.stats()
                world = [-180.0, -90.0, 180.0, 90.0]
                span = stats.time_span
                return _extent_doc(
                    list(stats.bbox) if stats.bbox else world,
                    [format_instant(span[0]), format_instant(span[1])] if span else [None, None],
                )
        minx = miny = float("inf")
        maxx = maxy = float("-inf")
        t0: datetime | None = None
        t1: datetime | None = None
        open_end = False
        offset = 0
        while True:
            page: Any = self._run(self.query(limit=WALK_PAGE, offset=offset))
            shown = self._shown(page.items)
            for item in shown:
                if item.geometry is not None:
                    b = item.geometry.bounds
                    minx, miny = min(minx, b[0]), min(miny, b[1])
                    maxx, maxy = max(maxx, b[2]), max(maxy, b[3])
                if isinstance(item, Zone):
                    start, end = item.effective_from, item.lifted_at
                    open_end = open_end or end is None
                else:
                    start, end = item.valid_from, item.valid_to
                if start is not None:
                    t0 = start if t0 is None else min(t0, start)
                if end is not None:
                    t1 = end if t1 is None else max(t1, end)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
        spatial = [minx, miny, maxx, maxy] if minx <= maxx else [-180.0, -90.0, 180.0, 90.0]
        temporal = [format_instant(t0) if t0 else None, None if open_end or t1 is None else format_instant(t1)]
        return _extent_doc(spatial, temporal)


#: The layer behind zone lists that are no collection (the orders list): every zone, unprotected itself.
_EVERY_ZONE = Layer(id="orders", title="Orders", kind="zones")


def zones_in_force(
    store: Store, query: ZoneQuery, reader: Reader = ANONYMOUS, caches: CollectionCaches | None = None
) -> list[Zone]:
    """The zones of ``query`` outside any collection (the orders list), as ``reader`` may see them.

    A zone held by a private zone layer is left out for readers without the exact form.
    """
    return LayerView(store, _EVERY_ZONE, reader, caches).zones(query)


def _extent_doc(bbox: list[float], temporal: list[str | None]) -> dict[str, Any]:
    return {
        "spatial": {"bbox": [bbox], "crs": CRS84},
        "temporal": {"interval": [temporal], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
    }


__all__ = [
    "ANONYMOUS",
    "EXACT",
    "EXTENT_SCAN_LIMIT",
    "PUBLISHER",
    "CollectionCaches",
    "LayerView",
    "Narrowing",
    "Reader",
    "zones_in_force",
]


def _known_at(records: list[Any], as_of: datetime | None) -> list[Any]:
    """Versioned records as known at ``as_of`` (a later supersession not shown: ``layers.build.known_at``).

    An as-of answer is served as immutable; without this, the record paths (publication
    forms, GeoPackage, Parquet and KML downloads) gave a version's later ``superseded_at``.
    """
    if as_of is None:
        return records
    from layers.build import known_at

    return [known_at(r, as_of) if getattr(r, "superseded_at", None) is not None else r for r in records]
