"""The plain list of evacuation orders in force on a day, for readers on a weak connection.

No script, no map, a few kilobytes: each order with its block numbers, the areas
(governorates) it covers, since when it is in force, who issued it and the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from api.render.mapbuilder import _templates
from layers.model import Zone

_ORDER_TITLES = {
    "evacuate": "Evacuation orders",
    "return_allowed": "Return allowed",
    "humanitarian_zone": "Declared humanitarian zones",
}


@dataclass(frozen=True)
class OrderLine:
    """One order as listed: what, where (blocks and area names), since when, who says so."""

    zone_id: str
    order_type: str
    title: str | None
    issuer: str
    source: str | None
    url: str | None
    issued_at: datetime
    effective_from: datetime
    lifted_at: datetime | None
    block_ids: tuple[str, ...]
    approx_block_ids: tuple[str, ...]
    areas: tuple[str, ...]
    area_km2: float


def _block_key(block: str) -> tuple[int, str]:
    digits = "".join(ch for ch in block if ch.isdigit())
    return (int(digits) if digits else 1_000_000, block)


def area_names(zone: Zone) -> tuple[str, ...]:
    """Governorates a zone covers (at least 2% of its area or 0.2 km²), largest share first."""
    from geo.boundaries import admin_areas, area_km2

    total = max(area_km2(zone.geometry), 1e-9)
    shares = []
    for area in admin_areas("adm2"):
        if not area.geometry.intersects(zone.geometry):
            continue
        part = area_km2(area.geometry.intersection(zone.geometry))
        if part / total >= 0.02 or part >= 0.2:
            shares.append((part, area.name))
    return tuple(name for _part, name in sorted(shares, reverse=True))


def in_force_on(zone: Zone, day: date) -> bool:
    """True if the order is in force at some moment of ``day`` (UTC) and not retracted."""
    if zone.status == "retracted":
        return False
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1)
    return zone.effective_from < end and (zone.lifted_at is None or zone.lifted_at > start)


def last_order_day(zones: Iterable[Zone], today: date) -> date | None:
    """The last day up to ``today`` on which an order of ``zones`` was issued, took effect or was lifted."""
    days = [
        t.date()
        for z in zones
        if z.status != "retracted"
        for t in (z.issued_at, z.effective_from, z.lifted_at)
        if t is not None and t.date() <= today
    ]
    return max(days, default=None)


def orders_on(zones: Iterable[Zone], day: date) -> list[OrderLine]:
    """The orders among ``zones`` in force on ``day``, by type then start, with their areas."""
    from geo.boundaries import area_km2

    lines = []
    for z in zones:
        if not in_force_on(z, day):
            continue
        lines.append(
            OrderLine(
                zone_id=z.id,
                order_type=z.order_type,
                title=z.title,
                issuer=z.issuer,
                source=z.source,
                url=z.url if z.url and z.url.startswith(("http://", "https://")) else None,
                issued_at=z.issued_at,
                effective_from=z.effective_from,
                lifted_at=z.lifted_at,
                block_ids=tuple(sorted(z.block_ids, key=_block_key)),
                approx_block_ids=tuple(sorted(z.approx_block_ids, key=_block_key)),
                areas=area_names(z),
                area_km2=round(area_km2(z.geometry), 2),
            )
        )
    order = list(_ORDER_TITLES)
    lines.sort(key=lambda o: (order.index(o.order_type) if o.order_type in order else 99, o.effective_from, o.zone_id))
    return lines


def render_orders(
    lines: Sequence[OrderLine],
    *,
    day: date,
    as_of: datetime | None = None,
    gaps: Sequence[dict[str, str]] | None = None,
    lang: str = "en",
    order_types: Sequence[str] = (),
    latest_day: bool = False,
) -> str:
    """The ``/orders`` page (escaped HTML, inline CSS only).

    ``latest_day`` says that ``day`` was chosen as the last day of the record (no date asked
    for, and no order issued, in force from or lifted on any later day).

    ``gaps`` are orders known to exist but not listed (default: when the list holds the
    shipped orders, those of the shipped data issued on or before ``day``,
    :func:`layers.zones.known_gaps`); the page says
    plainly that the day's record is incomplete when there are any. ``order_types`` (none: all)
    narrows the list, and the links keep it; the known gaps are evacuation orders.
    """
    from urllib.parse import urlencode

    from api.render.i18n import words

    wanted = tuple(order_types) or tuple(_ORDER_TITLES)
    lines = [o for o in lines if o.order_type in wanted]
    if gaps is None:
        from layers.zones import known_gaps

        shipped = any(o.zone_id.startswith(("gazamaps-", "sitmap-order-")) for o in lines)
        gaps = known_gaps(day) if shipped and "evacuate" in wanted else []
    w = words(lang)
    groups = []
    for key, heading in _ORDER_TITLES.items():
        members = [o for o in lines if o.order_type == key]
        if members or key in order_types or (key == "evacuate" and not order_types):
            groups.append((w.t(heading), members))
    keep = [("order_type", t) for t in order_types]
    if as_of is not None:
        keep.append(("as_of", as_of.isoformat()))
    if lang != "en":
        keep.append(("lang", lang))

    def link(path: str, **first: str) -> str:
        return path + "?" + urlencode([*first.items(), *keep])

    evac_blocks = sorted({b for o in lines if o.order_type == "evacuate" for b in o.block_ids}, key=_block_key)
    return (
        _templates()
        .get_template("orders.html")
        .render(
            day=day,
            day_label=w.day(day),
            w=w,
            prev_url=link("", date=(day - timedelta(days=1)).isoformat()),
            next_url=link("", date=(day + timedelta(days=1)).isoformat()),
            map_url=link("/maps/evacuation-orders", datetime=day.isoformat()),
            order_types=[(t, w.t(_ORDER_TITLES[t]), t in order_types) for t in _ORDER_TITLES],
            filtered=bool(order_types),
            latest_day=latest_day,
            groups=groups,
            evac_blocks=evac_blocks,
            as_of=as_of,
            gaps=[{**g, "day": w.day(date.fromisoformat(g["date"][:10]))} for g in gaps],
            fmt=lambda t: w.day(t.date()) if t else "",
        )
    )
