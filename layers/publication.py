"""A claim's public form, decided once for the claim: the strictest rule of every layer that holds it.

A layer protects its claims in two ways: ``private`` (only readers with a token see
it) and a publication ``policy`` (coarsen to a grid or an admin area, delay recent
events; see :mod:`layers.policy`). A claim is usually held by several layers at once
(``all``, ``strikes``, a newsroom's private desk layer), so the protection belongs to
the claim, not to the layer it is read through:

- a claim held by any **private** layer is **withheld** from anonymous readers
  everywhere (items of every collection, by id, downloads, maps, rasters, incidents);
- otherwise the **strictest policy** of the layers holding it applies everywhere: the
  largest grid, the coarsest admin level ("strip" over "governorate"), the longest
  delay; the served feature says so in ``coarsened_to``.

Readers with the exact form (tokens with ``read-private``) get the stored record.
Zones are public orders and are never coarsened, but a zone held by a private zone
layer is withheld from anonymous readers like a claim.

Which layers hold a claim is asked of the store, with each guarding layer's own query
(:func:`layers.catalog.layer_query` restricted to the claims at hand), so membership
means exactly what the layer's items mean.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from layers.model import Incident, Layer, LayerFilter, PublicationPolicy, Zone
from layers.store.base import Store, ZoneQuery

#: Ids asked of the store in one membership query.
MEMBERSHIP_CHUNK = 1000
_ADMIN_RANK = {None: 0, "governorate": 1, "strip": 2}


@dataclass(frozen=True)
class Rule:
    """What an anonymous reader may get of one record: nothing (``withheld``), or its form under ``policy``."""

    withheld: bool = False
    policy: PublicationPolicy | None = None


#: A record no guarding layer holds: served as stored.
OPEN = Rule()


def strictest(policies: Iterable[PublicationPolicy | None]) -> PublicationPolicy | None:
    """The one policy at least as strict as each of ``policies`` (``None`` when none is given).

    Field by field: the largest grid, the coarsest admin level, the longest delay.
    """
    given = [p for p in policies if p is not None]
    if not given:
        return None
    if len(given) == 1:
        return given[0]
    snaps = [p.snap_m for p in given if p.snap_m is not None]
    delays = [p.delay_hours for p in given if p.delay_hours is not None]
    admin = max((p.admin_level for p in given), key=lambda a: _ADMIN_RANK[a])
    return PublicationPolicy(
        snap_m=max(snaps) if snaps else None,
        admin_level=admin,
        delay_hours=max(delays) if delays else None,
    )


def combine(rules: Iterable[Rule]) -> Rule:
    """The strictest of ``rules``: withheld if any is, else the strictest of their policies."""
    rules = list(rules)
    if any(r.withheld for r in rules):
        return Rule(withheld=True)
    return Rule(policy=strictest(r.policy for r in rules))


def _disjoint(a: Sequence[str], b: Sequence[str]) -> bool:
    """True when two 'any of' filters (empty: any) can match nothing in common."""
    return bool(a) and bool(b) and not set(a) & set(b)


def may_share(a: LayerFilter, b: LayerFilter) -> bool:
    """False only when no record can match both filters (a cheap, safe test: ``True`` when unsure)."""
    if any(
        _disjoint(x, y)
        for x, y in (
            (a.event_types, b.event_types),
            (a.sources, b.sources),
            (a.claimants, b.claimants),
            (a.statuses, b.statuses),
            (a.order_types, b.order_types),
        )
    ):
        return False
    lo = max((t for t in (a.window_start, b.window_start) if t is not None), default=None)
    hi = min((t for t in (a.window_end, b.window_end) if t is not None), default=None)
    return lo is None or hi is None or lo <= hi


def _own_rule(layer: Layer) -> Rule:
    return Rule(withheld=layer.private, policy=layer.policy)


class Publication:
    """The guarding layers of a catalogue, and the rule each record gets from them.

    Built from every layer definition of the store (:func:`layers.catalog.list_layers`);
    a guarding layer is a private layer or one with a publication policy.
    """

    def __init__(self, layers: Sequence[Layer]) -> None:
        self.claim_guards = tuple(
            layer for layer in layers if layer.kind != "zones" and (layer.private or layer.policy is not None)
        )
        self.zone_guards = tuple(layer for layer in layers if layer.kind == "zones" and layer.private)
        guards = sorted((*self.claim_guards, *self.zone_guards), key=lambda layer: layer.id)
        text = "\n".join(layer.model_dump_json() for layer in guards)
        #: A fingerprint of the guards ("" when there are none), for validators of immutable responses.
        self.key = hashlib.sha256(text.encode()).hexdigest()[:16] if guards else ""

    def guards_over(self, layer: Layer) -> tuple[Layer, ...]:
        """The guarding layers that may hold records of ``layer`` (``layer`` itself included if it guards)."""
        pool = self.zone_guards if layer.kind == "zones" else self.claim_guards
        return tuple(g for g in pool if g.id == layer.id or may_share(g.filter, layer.filter))

    def guards_anything(self, layer: Layer) -> bool:
        """True when some record of ``layer`` may need a public form other than the stored one."""
        return bool(self.guards_over(layer))

    def withholds(self, layer: Layer) -> bool:
        """True when some record of ``layer`` may be withheld (a private guard may hold it)."""
        return any(g.private for g in self.guards_over(layer))

    def longest_delay(self, layer: Layer) -> timedelta | None:
        """The longest publication delay any guard of ``layer`` may impose (``None``: none)."""
        hours = [g.policy.delay_hours for g in self.guards_over(layer) if g.policy and g.policy.delay_hours]
        return timedelta(hours=max(hours)) if hours else None

    def rules(self, store: Store, layer: Layer, ids: Sequence[str], as_of: datetime | None) -> dict[str, Rule]:
        """The rule of each of ``ids`` (records of ``layer`` known at ``as_of``); ids no guard holds are left out.

        ``layer``'s own protection applies to all of them without asking; every other
        guard that may share records with it is asked which of ``ids`` it holds.
        """
        from layers.catalog import layer_query

        unique = tuple(dict.fromkeys(i for i in ids if i))
        held: dict[str, list[Rule]] = {}
        own = _own_rule(layer)
        if own != OPEN:
            for i in unique:
                held[i] = [own]
        for guard in self.guards_over(layer):
            if guard.id == layer.id:
                continue
            rule = _own_rule(guard)
            for start in range(0, len(unique), MEMBERSHIP_CHUNK):
                chunk = unique[start : start + MEMBERSHIP_CHUNK]
                query = layer_query(guard, ids=chunk, as_of=as_of, include_retracted=True)
                found = (
                    store.query_zones(query).items if isinstance(query, ZoneQuery) else store.query_claims(query).items
                )
                for record in found:
                    held.setdefault(record.id, []).append(rule)
        return {i: combine(rs) for i, rs in held.items()}


def published_forms(
    records: Iterable[Any], rules: Mapping[str, Rule], *, now: datetime | None = None, as_of: datetime | None = None
) -> list[tuple[Any, str | None]]:
    """Each record an anonymous reader may see under its rule, with its ``coarsened_to`` label.

    Withheld records are left out, delayed ones too (the delay measured from ``now``,
    else ``as_of``, else the current time); the rest are coarsened under their policy.
    A record without a rule is served as stored; zones are never coarsened.
    """
    from layers.policy import published

    clock = now or as_of or datetime.now(UTC)
    out: list[tuple[Any, str | None]] = []
    for rec in records:
        rule = rules.get(rec.id, OPEN)
        if rule.withheld:
            continue
        if rule.policy is None or isinstance(rec, Zone):
            out.append((rec, None))
        else:
            out.extend(published([rec], rule.policy, now=clock))
    return out


def published_features(
    records: Iterable[Any], rules: Mapping[str, Rule], *, as_of: datetime | None = None, include_region: bool = False
) -> list[dict[str, Any]]:
    """:func:`published_forms` as contract features; claims and incidents carry ``coarsened_to``."""
    from layers.export import claim_feature, incident_feature, zone_feature

    out: list[dict[str, Any]] = []
    for rec, label in published_forms(records, rules, as_of=as_of):
        if isinstance(rec, Zone):
            out.append(zone_feature(rec, include_region=include_region))
        elif isinstance(rec, Incident):
            out.append(incident_feature(rec, include_region=include_region, coarsened_to=label))
        else:
            out.append(claim_feature(rec, include_region=include_region, coarsened_to=label))
    return out


__all__ = ["OPEN", "Publication", "Rule", "combine", "may_share", "published_features", "published_forms", "strictest"]
