"""The layer catalogue: the default named views, their style hints, and how filters combine.

A :class:`~layers.model.Layer` is a declarative, filtered view over claims, zones or
incidents; each becomes one collection of the service and one entry of ``sitmap
layers``. Definitions are stored with the data (``store.put_layer``) so a user can
edit them; :func:`install_default_layers` adds the defaults without overwriting
such edits. :data:`EVENT_STYLE` is the one palette every map, legend and KML export
uses (Okabe-Ito colours, distinguishable with the common colour-vision deficiencies).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from geo.errors import InvalidInput, NotFound
from geo.model import CLAIM_STATUSES, EVENT_TYPES
from layers.model import ORDER_TYPES, Layer, LayerFilter
from layers.store.base import ClaimQuery, Store, ZoneQuery

#: Colour, marker symbol and label per event type: the one palette of sitmap.
EVENT_STYLE: dict[str, dict[str, str]] = {
    "airstrike": {"color": "#D55E00", "symbol": "plane", "label": "Airstrike"},
    "shelling": {"color": "#E69F00", "symbol": "burst", "label": "Shelling"},
    "ground_operation": {"color": "#8B4513", "symbol": "arrows", "label": "Ground operation"},
    "rocket_launch": {"color": "#CC79A7", "symbol": "rocket", "label": "Rocket fire"},
    "shooting": {"color": "#0072B2", "symbol": "crosshairs", "label": "Shooting"},
    "evacuation_order": {"color": "#F0E442", "symbol": "sign-out", "label": "Evacuation order"},
    "humanitarian_zone": {"color": "#009E73", "symbol": "plus-square", "label": "Humanitarian zone"},
    "negotiation": {"color": "#56B4E9", "symbol": "handshake", "label": "Negotiation"},
    "other": {"color": "#777777", "symbol": "circle", "label": "Other"},
}

#: Fill colour and label per zone order type (zones are drawn as polygons).
ORDER_STYLE: dict[str, dict[str, str]] = {
    "evacuate": {"color": "#D55E00", "label": "Evacuation order"},
    "return_allowed": {"color": "#56B4E9", "label": "Return allowed"},
    "humanitarian_zone": {"color": "#009E73", "label": "Declared humanitarian zone"},
}

#: How a claim's status is drawn on top of its event colour.
STATUS_STYLE: dict[str, dict[str, Any]] = {
    "reported": {"dash": None, "weight": 1, "label": "Reported (one source)"},
    "corroborated": {"dash": None, "weight": 3, "label": "Corroborated (2+ independent sources)"},
    "disputed": {"dash": "4 4", "weight": 2, "label": "Disputed (claimants contradict)"},
    "retracted": {"dash": "1 4", "weight": 1, "label": "Retracted"},
}

#: An id no record carries: the ``ids`` filter of a query whose filters have nothing in common.
MATCH_NOTHING = ""


def _style(event_types: Iterable[str]) -> dict[str, Any]:
    return {"palette": {t: EVENT_STYLE[t] for t in event_types}, "status": STATUS_STYLE}


def _claims_layer(layer_id: str, title: str, description: str, types: Sequence[str]) -> Layer:
    return Layer(
        id=layer_id,
        title=title,
        description=description,
        kind="claims",
        filter=LayerFilter(event_types=tuple(types)),
        style=_style(types),
    )


#: The default layers; ids are part of sitmap's public interface (collection ids, URLs).
DEFAULT_LAYERS: tuple[Layer, ...] = (
    _claims_layer(
        "strikes",
        "Strikes",
        "Reported airstrikes and shelling, each as claimed by its claimant, with location and time uncertainty.",
        ("airstrike", "shelling"),
    ),
    _claims_layer(
        "ground-operations",
        "Ground operations",
        "Reported ground operations: incursions, raids, clashes, as claimed.",
        ("ground_operation",),
    ),
    _claims_layer(
        "rocket-fire",
        "Rocket fire",
        "Reported rocket and mortar launches and impacts, as claimed.",
        ("rocket_launch",),
    ),
    _claims_layer(
        "attacks",
        "Attacks",
        "Reported shootings and other attacks on people, as claimed.",
        ("shooting",),
    ),
    Layer(
        id="evacuation-orders",
        title="Evacuation orders",
        description=(
            "Areas under evacuation orders, returns allowed and declared humanitarian zones, with the blocks "
            "each order named and when it took effect or was lifted."
        ),
        kind="zones",
        filter=LayerFilter(),
        style={"palette": ORDER_STYLE},
    ),
    _claims_layer(
        "diplomacy",
        "Diplomacy",
        "Reported negotiations, talks and delegations, as claimed.",
        ("negotiation",),
    ),
    Layer(
        id="all",
        title="All claims",
        description="Every claim of every type, each attributed to its claimant and source.",
        kind="claims",
        filter=LayerFilter(),
        style=_style(EVENT_TYPES),
    ),
    Layer(
        id="incidents",
        title="Incidents",
        description=(
            "Claims about the same event grouped into incidents: every source and claimant listed, independent "
            "sources counted, corroborated only when two independent claimants agree, disputed when they contradict."
        ),
        kind="incidents",
        filter=LayerFilter(),
        style=_style(EVENT_TYPES),
    ),
)

DEFAULT_LAYER_IDS: tuple[str, ...] = tuple(layer.id for layer in DEFAULT_LAYERS)


def default_layer(layer_id: str) -> Layer | None:
    """The built-in definition of ``layer_id``, or ``None``."""
    return next((layer for layer in DEFAULT_LAYERS if layer.id == layer_id), None)


#: ``recorded_by`` of the default definitions sitmap itself installs.
DEFAULTS_RECORDED_BY = "sitmap:defaults"


def install_default_layers(store: Store) -> list[str]:
    """Put the default layers into ``store``; existing definitions (user edits) are kept.

    A default layer that was deleted (its current version is a deletion) stays
    deleted: defining it again is an explicit act (``sitmap layer define`` or
    ``PUT /collections/{id}/definition``). Idempotent: returns the ids it added.
    """
    known = {layer.id for layer in store.list_layers()} | set(store.deleted_layer_ids())
    added = []
    for layer in DEFAULT_LAYERS:
        if layer.id not in known:
            store.put_layer(layer, recorded_by=DEFAULTS_RECORDED_BY)
            added.append(layer.id)
    return added


def list_layers(store: Store) -> list[Layer]:
    """Every layer of ``store``: stored definitions, plus defaults never stored (nor deleted), by id."""
    stored = {layer.id: layer for layer in store.list_layers()}
    if any(layer.id not in stored for layer in DEFAULT_LAYERS):
        deleted = set(store.deleted_layer_ids())
        for layer in DEFAULT_LAYERS:
            if layer.id not in deleted:
                stored.setdefault(layer.id, layer)
    return [stored[k] for k in sorted(stored)]


def _deleted(store: Store, layer_id: str) -> bool:
    try:
        return store.layer_history(layer_id)[-1].deleted
    except NotFound:
        return False


def get_layer(store: Store, layer_id: str) -> Layer:
    """The layer ``layer_id`` (stored definition first, then the built-in default unless it was deleted).

    Raises :class:`NotFound` naming the id and listing the known ones.
    """
    try:
        return store.get_layer(layer_id)
    except NotFound:
        pass
    builtin = default_layer(layer_id)
    if builtin is not None and not _deleted(store, layer_id):
        return builtin
    known = ", ".join(layer.id for layer in list_layers(store))
    shown = layer_id if len(layer_id) <= 64 else layer_id[:61] + "..."
    raise NotFound(f"unknown layer {shown!r}; known layers: {known}")


def delete_layer(
    store: Store, layer_id: str, *, expected_version: int | None = None, recorded_by: str | None = None
) -> int:
    """Delete a layer, built-in defaults included; returns the deleting version.

    A default that was never stored (a store nobody ran ``sitmap db init`` on) is
    recorded first, as sitmap installs it, so its deletion has a version to follow
    and is not undone by a later :func:`install_default_layers`.
    """
    builtin = default_layer(layer_id)
    if builtin is not None and expected_version is None:
        try:
            store.layer_history(layer_id)
        except NotFound:
            store.put_layer(builtin, recorded_by=DEFAULTS_RECORDED_BY)
    return store.delete_layer(layer_id, expected_version=expected_version, recorded_by=recorded_by)


class _Empty(Exception):
    """Raised inside :func:`layer_query` when two filters have no value in common."""


def _intersect(layer_values: Sequence[str], request_values: Sequence[str]) -> tuple[str, ...]:
    """Combine two 'any of' filters: empty means any, so the result is the tighter one."""
    if not layer_values:
        return tuple(request_values)
    if not request_values:
        return tuple(layer_values)
    both = tuple(v for v in request_values if v in set(layer_values))
    if not both:
        raise _Empty
    return both


def _narrow(layer_values: Sequence[str], request_values: Sequence[str], empty: list[bool]) -> tuple[str, ...]:
    try:
        return _intersect(layer_values, request_values)
    except _Empty:
        empty.append(True)
        return tuple(layer_values)


def _check_vocab(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise InvalidInput(f"unknown {what} {v!r}; expected one of: {', '.join(allowed)}")


def claimant_spellings(names: Sequence[str]) -> tuple[str, ...]:
    """Each claimant name with the other spellings of the same voice, for exact-match filters.

    ``claimant=IDF`` finds claims stored as "Israeli military" (the canonical name the
    geocoder writes) and as any spelling ``layers.corroborate.CLAIMANT_ALIASES`` folds to
    the same voice ("Israel Defense Forces", "IDF", ...), as written, in title case and,
    for short acronyms, in capitals. A name with no known alias stays as given.
    """
    if not names:
        return ()
    from geo.claimants import canonical_claimant
    from layers.corroborate import CLAIMANT_ALIASES, voice

    out: dict[str, None] = {}
    for name in names:
        out[name] = None
        canon = canonical_claimant(name)
        target = voice(canon or name)
        if canon:
            out[canon] = None
        for spelling, folded in CLAIMANT_ALIASES.items():
            if folded != target and spelling != target:
                continue
            acronym = spelling.upper() if len(spelling) <= 5 else ""
            for form in (spelling, spelling.capitalize(), spelling.title(), acronym):
                if form:
                    out[form] = None
        if target and (canon or target in CLAIMANT_ALIASES.values()):
            out[target.capitalize()] = None
    return tuple(out)


def layer_query(
    layer: Layer,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    active_at: datetime | None = None,
    ids: Sequence[str] = (),
    event_types: Sequence[str] = (),
    sources: Sequence[str] = (),
    claimants: Sequence[str] = (),
    statuses: Sequence[str] = (),
    order_types: Sequence[str] = (),
    issuers: Sequence[str] = (),
    min_geo_precision: int | None = None,
    include_retracted: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> ClaimQuery | ZoneQuery:
    """The store query for ``layer`` narrowed by request filters (an intersection, never an override).

    A request can only narrow a layer: asking the ``strikes`` layer for shootings
    matches nothing, and a time window outside the layer's window matches nothing.
    Zone layers give a :class:`ZoneQuery`, claim and incident layers a :class:`ClaimQuery`.
    Unknown event types, statuses or order types raise :class:`InvalidInput`.
    """
    _check_vocab(event_types, EVENT_TYPES, "event type")
    _check_vocab(statuses, CLAIM_STATUSES, "status")
    _check_vocab(order_types, ORDER_TYPES, "order type")
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"interval ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    f = layer.filter
    lo = max((t for t in (f.window_start, start) if t is not None), default=None)
    hi = min((t for t in (f.window_end, end) if t is not None), default=None)
    # an empty intersection matches nothing: an id no record has (ids are not a vocabulary)
    empty: list[bool] = [True] if lo is not None and hi is not None and hi < lo else []
    if layer.kind == "zones":
        order_filter = _narrow(f.order_types, order_types, empty)
        issuer_filter = _narrow(f.claimants, issuers, empty)
        return ZoneQuery(
            bbox=bbox,
            start=lo,
            end=hi,
            active_at=active_at,
            as_of=as_of,
            ids=(MATCH_NOTHING,) if empty else tuple(ids),
            order_types=order_filter,
            issuers=issuer_filter,
            include_retracted=include_retracted,
            limit=limit,
            offset=offset,
        )
    type_filter = _narrow(f.event_types, event_types, empty)
    source_filter = _narrow(f.sources, sources, empty)
    claimant_filter = _narrow(f.claimants, claimant_spellings(claimants), empty)
    status_filter = _narrow(f.statuses, statuses, empty)
    if include_retracted and not status_filter:
        status_filter = tuple(CLAIM_STATUSES)
    return ClaimQuery(
        bbox=bbox,
        start=lo,
        end=hi,
        as_of=as_of,
        ids=(MATCH_NOTHING,) if empty else tuple(ids),
        event_types=type_filter,
        sources=source_filter,
        claimants=claimant_filter,
        statuses=status_filter,
        reviews=tuple(f.reviews),
        min_geo_precision=min_geo_precision,
        limit=limit,
        offset=offset,
    )


def layer_count(store: Store, layer: Layer, *, as_of: datetime | None = None) -> int:
    """How many records ``layer`` shows: claims, zones, or incidents (claims grouped by corroboration).

    An incident layer is counted the way the service pages it, after grouping, so
    ``sitmap layers`` and ``numberMatched`` agree.
    """
    if layer.kind == "incidents":
        from layers.corroborate import corroborate  # the grouping needs every claim of the layer

        every = layer_query(layer, as_of=as_of)
        if isinstance(every, ClaimQuery):
            return len(corroborate(store.query_claims(every).items))
    query = layer_query(layer, as_of=as_of, limit=1)
    if isinstance(query, ZoneQuery):
        return store.query_zones(query).total
    return store.query_claims(query).total


__all__ = [
    "DEFAULTS_RECORDED_BY",
    "DEFAULT_LAYERS",
    "DEFAULT_LAYER_IDS",
    "EVENT_STYLE",
    "MATCH_NOTHING",
    "ORDER_STYLE",
    "STATUS_STYLE",
    "default_layer",
    "delete_layer",
    "get_layer",
    "install_default_layers",
    "layer_count",
    "layer_query",
    "list_layers",
]
