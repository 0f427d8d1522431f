"""Where a claim is drawn: one place, a region over several, the whole Strip, or a block list,
with its uncertainty and the audit trail of how it was placed.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.events import ACROSS, Event
from geo.metric import anchor_point, circle_m, distance_m, max_distance_m
from geo.model import Candidate, Mention, Placement, Uncertainty
from geo.places import is_country, most_specific
from geo.uncertainty import precision_codes


def place_event(
    ev: Event, focus: Mention | None, notes: list[str]
) -> tuple[BaseGeometry | None, Uncertainty | None, Placement, Mention | None]:
    """Geometry, uncertainty and audit trail of an event's location."""
    if ev.block_ids:
        placed = _place_blocks(ev, notes)
        if placed is not None:
            return placed
    places = ev.places
    if (
        ev.event_type == "negotiation"
        and ev.claimant_location
        and all(is_country(p) or p.geometry is None for p in places)
    ):
        places = ev.claimant_location
        notes.append("place of the talks taken from where the claimant spoke")
    if ev.across:
        return _place_strip(ev, notes)
    leaves, dropped = consistent_places(most_specific(places))
    if dropped:
        notes.append(
            f"places more than {MAX_REGION_RADIUS_M / 1000:g} km apart are not merged into one region: kept "
            + ", ".join(repr(m.place_text) for m in leaves)
            + "; the others are alternatives: "
            + ", ".join(repr(m.place_text) for m in dropped)
        )
    if not leaves and not places and focus is not None:
        leaves = [focus]
        notes.append(f"place not named for this event: the report's first place ({focus.place_text!r})")
    if len(leaves) == 1:
        m = leaves[0]
        assert m.geometry is not None and m.uncertainty is not None  # most_specific keeps resolved ones
        unknown = [p.place_text for p in places if p.geometry is None]
        if unknown:
            notes.append("also named, not in the gazetteer: " + ", ".join(repr(u) for u in unknown))
        others = [p for p in places if p is not m and p.geometry is not None]
        if others:
            notes.append("most specific of: " + ", ".join(p.place_text for p in [m, *others]))
        placement = Placement(
            place_text=m.place_text,
            gazetteer_id=m.gazetteer_id,
            place_name=m.place_name,
            method=m.uncertainty.method,
            qualifier=m.qualifier,
            rejected=(
                *(_as_candidate(d) for d in dropped),
                *(a for a in m.alternatives if a.gazetteer_id != m.gazetteer_id),
            )[:10],
        )
        return m.geometry, m.uncertainty, placement, m
    if len(leaves) > 1:
        point, unc, placement, best = _place_region(leaves, notes)
        if dropped:
            placement = placement.model_copy(update={"rejected": tuple(_as_candidate(d) for d in dropped)[:10]})
        return point, unc, placement, best
    unresolved = [p for p in places if p.geometry is None]
    place_text = unresolved[0].place_text if unresolved else None
    notes.append(f"place {place_text!r} not found in the gazetteer" if place_text else "no place named")
    placement = Placement(
        place_text=place_text,
        method="unresolved",
        rejected=tuple(unresolved[0].alternatives)[:10] if unresolved else (),
    )
    return None, None, placement, None


#: One event at several places is drawn as the region over them only while that region's radius
#: stays within this (m): "two places far apart never merge into one region" (issue 12).
MAX_REGION_RADIUS_M = 100_000.0


def consistent_places(leaves: Sequence[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Split an event's separate places into those drawn together and those left as alternatives.

    Places whose region would reach a radius above ``MAX_REGION_RADIUS_M`` are not merged
    ("Khan Younis and Beirut" is not a 200 km region over Israel): the kept group is the largest
    set of places within that radius of one of them (the most places agree; ties go to the more
    specific group, then to the more confident), shrunk from its farthest place until its
    region fits. The others are returned second, to be kept as alternatives. Resolved
    places only; the order of ``leaves`` is kept.
    """
    resolved = [m for m in leaves if m.geometry is not None and m.uncertainty is not None]
    if len(resolved) < 2 or _region_radius(resolved) <= MAX_REGION_RADIUS_M:
        return list(leaves), []

    def spread(seed: Mention) -> list[Mention]:
        c = _centre(seed)
        return [m for m in resolved if distance_m(c, _centre(m)) <= MAX_REGION_RADIUS_M]

    def rank(group: list[Mention]) -> tuple[int, float, float]:
        radius = sum(_radius(m) for m in group) / len(group)
        return (len(group), -radius, sum(m.confidence for m in group))

    group = max((spread(m) for m in resolved), key=rank)
    while len(group) > 1 and _region_radius(group) > MAX_REGION_RADIUS_M:
        core = _centre(min(group, key=lambda m: (_radius(m), -m.confidence)))
        group.remove(max(group, key=lambda m: distance_m(core, _centre(m))))
    kept = [m for m in leaves if any(m is g for g in group)]
    return kept, [m for m in leaves if not any(m is g for g in group)]


def _centre(m: Mention) -> Point:
    assert m.geometry is not None
    return anchor_point(m.geometry)


def _radius(m: Mention) -> float:
    assert m.uncertainty is not None
    return m.uncertainty.radius_m


def _region_radius(leaves: Sequence[Mention]) -> float:
    """The radius of the region :func:`_place_region` would draw over ``leaves``."""
    parts = []
    for m in leaves:
        assert m.geometry is not None and m.uncertainty is not None
        region = m.uncertainty.region
        parts.append(region if region is not None else circle_m(anchor_point(m.geometry), m.uncertainty.radius_m))
    region = shapely.union_all(parts)
    return max_distance_m(anchor_point(region), region)


def _as_candidate(m: Mention) -> Candidate:
    """A place left out of an event's region, as an alternative of its placement."""
    assert m.geometry is not None
    p = anchor_point(m.geometry)
    return Candidate(
        gazetteer_id=m.gazetteer_id or m.place_text[:100],
        name=m.place_name or m.place_text,
        kind=m.kind or "place",
        lon=round(p.x, 6),
        lat=round(p.y, 6),
        score=round(m.confidence, 4),
    )


def _place_region(leaves: Sequence[Mention], notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention]:
    """One event told at several separate places: the union of their extents."""
    parts = []
    for m in leaves:
        assert m.geometry is not None and m.uncertainty is not None
        region = m.uncertainty.region
        parts.append(region if region is not None else circle_m(anchor_point(m.geometry), m.uncertainty.radius_m))
    region = shapely.union_all(parts)
    if not isinstance(region, Polygon | MultiPolygon):
        region = region.convex_hull
    point = anchor_point(region)
    radius = max_distance_m(point, region)
    geo_p, where_p = precision_codes(radius, "gazetteer")
    names = ", ".join(m.place_text for m in leaves)
    notes.append(f"event reported at several places ({names}): the region covers them all")
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=region,
        geo_precision=geo_p,
        where_prec=where_p,
        method="gazetteer",
        note=f"union of {names}"[:300],
    )
    placement = Placement(
        place_text="; ".join(m.place_text for m in leaves)[:300],
        place_name="; ".join(m.place_name or m.place_text for m in leaves)[:300],
        method="gazetteer",
    )
    best = max(leaves, key=lambda m: m.confidence)
    return point, unc, placement, best


def _place_strip(ev: Event, notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention | None]:
    """An event "across the Strip": the Gaza Strip polygon (admin fallback)."""
    from geo.boundaries import GAZA_STRIP_PCODE, gaza_strip

    strip = gaza_strip()
    point = anchor_point(strip)
    radius = max_distance_m(point, strip)
    geo_p, where_p = precision_codes(radius, "admin_fallback")
    notes.append("event reported across the Gaza Strip: the region is the whole Strip")
    match = ACROSS.search(" ".join(s.text for s in ev.sentences))
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=strip,
        geo_precision=geo_p,
        where_prec=where_p,
        method="admin_fallback",
        note="Gaza Strip (OCHA COD-AB adm1)",
    )
    placement = Placement(
        place_text=match.group(0) if match else "Gaza Strip",
        gazetteer_id=f"ocha:{GAZA_STRIP_PCODE}",
        place_name="Gaza Strip",
        method="admin_fallback",
        qualifier="across",
    )
    conf = Mention(place_text="Gaza Strip", start=0, end=0, confidence=0.7)
    return point, unc, placement, conf


def _place_blocks(ev: Event, notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention | None] | None:
    """An evacuation order over numbered blocks: the union of the blocks."""
    from geo.blocks import BlockGrid

    sel = BlockGrid.load().resolve(ev.block_ids)
    if sel.unknown_ids:
        notes.append("block ids not in the grid (not placed): " + ", ".join(sel.unknown_ids))
    if sel.geometry is None:
        return None
    if sel.approx_block_ids:
        approx = ", ".join(f"{b} (drawn as block {sel.parents[b]})" for b in sel.approx_block_ids)
        notes.append(f"sub-blocks approximated by their parent block: {approx}")
    geom = sel.geometry
    point = anchor_point(geom)
    radius = max_distance_m(point, geom)
    geo_p, where_p = precision_codes(radius, "block_list")
    ev.block_ids = list(sel.block_ids) + [b for b in ev.block_ids if b in sel.unknown_ids]
    names = [p.place_name or p.place_text for p in ev.places if p.geometry is not None]
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=geom,
        geo_precision=geo_p,
        where_prec=where_p,
        method="block_list",
        note=(
            f"{len(sel.grid_block_ids)} blocks of grid {sel.grid}"
            + (" (some approximate)" if sel.approx_block_ids else "")
        )[:300],
    )
    placement = Placement(
        place_text=(ev.block_text or "blocks " + ", ".join(ev.block_ids))[:300],
        place_name=("; ".join(dict.fromkeys(names)) if names else None),
        method="block_list",
    )
    return geom, unc, placement, Mention(place_text="blocks", start=0, end=0, confidence=0.9 if sel.is_exact else 0.75)
