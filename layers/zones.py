"""Evacuation orders and humanitarian zones: building Zone records and measuring them.

Zones come from drawn polygons (:func:`zone_from_polygon`) or from block ids of a
numbered grid (:func:`zone_from_blocks`; the shipped 620-block IDF grid by default).
:func:`load_real_orders` turns the shipped real orders (GazaMaps, 2023-10..2025-06;
optionally GazaNowPop 2025) into zones.

**When is an order in force?** The orders data has no lift dates. sitmap's rule, kept
explicit: *an evacuation order stays in force from its date until it is lifted*
(``Zone.lifted_at``; ``None`` means not known to be lifted). Callers may bound that
assumption: ``load_real_orders(until=T)`` lifts every order at ``T`` (e.g. a ceasefire),
and ``max_age`` in :func:`active_at` and the area functions lets an order lapse after
a given time. A humanitarian-zone declaration lists the whole zone, so each one replaces
the previous declaration from the same data source (its ``lifted_at`` is the next
declaration's date).

**Areas** are measured in an equal-area CRS (EPSG:6933) after a union, so overlapping
orders count once. The share is of a reference area, by default the Gaza Strip polygon of
OCHA COD-AB (365.0 km²): ``share = area(union ∩ reference) / area(reference)``; the
reported ``area_km2`` is the whole union (the published grid runs a little past the
COD-AB coastline and border). Series and repeated queries use a planar overlay of all
zones computed once (:class:`ZoneOverlay`), so each instant costs a sum, not a union.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from geo.blocks import BlockGrid, BlockSelection
from geo.boundaries import area_km2, gaza_strip, to_equal_area
from geo.errors import InvalidInput
from geo.model import check_geometry, repair_geometry, to_geometry
from layers.model import ORDER_TYPES, OrderType, Uncertainty, Zone
from layers.store.base import Store, ZoneQuery

ORDERS_DIR = Path(__file__).parent / "data" / "orders"
GAZAMAPS_FILE = ORDERS_DIR / "gazamaps_displacement_orders.json"
GAZANOWPOP_FILE = ORDERS_DIR / "gazanowpop_evacuation_orders_2025.csv"
#: Orders GazaMaps records without blocks, drawn by sitmap from shipped boundaries (with provenance).
SUPPLEMENT_FILE = ORDERS_DIR / "supplement.json"

#: Issuer of the real orders, as the data records it.
IDF_ISSUER = "Israeli military"
GAZAMAPS_SOURCE = "GazaMaps (gazamaps.com)"
GAZANOWPOP_SOURCE = "GazaNowPop (Real Good Research), from the OCHA evacuation-orders dashboard"
GAZANOWPOP_URL = "https://github.com/realgoodresearch/GazaNowPop"

#: A block list and a drawn area whose intersection-over-union is below this disagree.
MISMATCH_IOU = 0.9
#: An exact block list whose measured area differs from the stated area by more than this disagrees.
STATED_AREA_TOLERANCE = 0.05

OrderSource = Literal["gazamaps", "gazanowpop"]


# --------------------------------------------------------------------------------------
# Building zones
# --------------------------------------------------------------------------------------


def _day(d: date | datetime | str) -> datetime:
    if isinstance(d, str):
        try:
            d = date.fromisoformat(d.strip()[:10])
        except ValueError:
            raise InvalidInput(f"order date {d!r} is not an ISO date (YYYY-MM-DD)") from None
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return datetime.combine(d, time(0), tzinfo=UTC)


def _polygonal(geom: BaseGeometry, *, what: str, repair: bool) -> Polygon | MultiPolygon:
    if repair and not geom.is_valid:
        geom = repair_geometry(geom)
    geom = check_geometry(geom, what=what)
    if not isinstance(geom, Polygon | MultiPolygon):
        raise InvalidInput(f"{what} must be a Polygon or MultiPolygon, got {geom.geom_type}")
    return geom


def _block_uncertainty(sel: BlockSelection, grid: BlockGrid) -> Uncertainty:
    """How sure a block-list zone is: exact up to the grid, or widened by parent blocks.

    Exact blocks: radius 0, ACLED 1 / UCDP 1. A sub-block drawn as its parent: the
    true area is a part of the parent, so the zone is an upper bound and its edge may
    be off by up to the parent's equivalent radius sqrt(A / pi); ACLED 2 / UCDP 2.
    """
    if not sel.approx_block_ids:
        return Uncertainty(radius_m=0.0, geo_precision=1, where_prec=1, method="block_list", note="exact grid blocks")
    parents = sorted(set(sel.parents.values()))
    radius = max(math.sqrt(area_km2(grid.block(p).geometry) * 1e6 / math.pi) for p in parents)
    note = "sub-blocks drawn as their parent blocks (upper bound): " + ", ".join(
        f"{b}->{sel.parents[b]}" for b in sel.approx_block_ids
    )
    return Uncertainty(radius_m=round(radius, 1), geo_precision=2, where_prec=2, method="block_list", note=note[:300])


def iou(a: BaseGeometry, b: BaseGeometry) -> float:
    """Intersection over union of two lon/lat areas, measured in the equal-area CRS."""
    union = area_km2(shapely.union(a, b))
    return area_km2(shapely.intersection(a, b)) / union if union > 0 else 1.0


def zone_from_blocks(
    block_ids: Iterable[object],
    *,
    issuer: str,
    order_type: OrderType,
    issued_at: date | datetime | str,
    effective_from: date | datetime | str | None = None,
    lifted_at: datetime | None = None,
    grid: BlockGrid | None = None,
    drawn_geometry: BaseGeometry | dict[str, Any] | None = None,
    stated_area_km2: float | None = None,
    strict: bool = False,
    **fields: Any,
) -> Zone:
    """A zone from the block ids an order names (default: the shipped 620-block grid).

    Sub-blocks missing from the grid are drawn as their parent (``approx_block_ids``,
    flag ``approx_blocks``); ids with no block at all are flagged ``unknown_blocks:...``
    (or raise ``InvalidInput`` with ``strict=True``; with none placed at all, always).
    A ``drawn_geometry`` that disagrees with the blocks (IoU < ``MISMATCH_IOU``) is kept
    and flagged ``block_drawn_mismatch``; a ``stated_area_km2`` that differs from an
    exact block list's area by more than 5 % (or exceeds an approximate one's upper
    bound) is flagged ``stated_area_mismatch``; an approximate zone more than 5 % larger
    than stated is flagged ``area_upper_bound`` with both figures. Other Zone fields go
    in ``fields``.
    """
    grid = grid or BlockGrid.load()
    sel = grid.resolve(block_ids, strict=strict)
    if sel.geometry is None:
        listed = ", ".join(sel.unknown_ids) or "(none)"
        raise InvalidInput(f"no block of the order is in grid {grid.name!r}: {listed}")
    flags: list[str] = list(fields.pop("flags", ()))
    if sel.approx_block_ids:
        flags.append("approx_blocks")
    if sel.unknown_ids:
        flags.append("unknown_blocks:" + ",".join(sel.unknown_ids))
    drawn = None
    if drawn_geometry is not None:
        drawn = _polygonal(to_geometry(drawn_geometry), what="drawn geometry", repair=False)
        overlap = iou(sel.geometry, drawn)
        if overlap < MISMATCH_IOU:
            flags.append(f"block_drawn_mismatch:iou={overlap:.2f}")
    if stated_area_km2 is not None and stated_area_km2 > 0:
        measured = area_km2(sel.geometry)
        ratio = measured / stated_area_km2
        figures = f"stated={stated_area_km2:.2f},measured={measured:.2f}"
        if ratio < 1 - STATED_AREA_TOLERANCE or (ratio > 1 + STATED_AREA_TOLERANCE and not sel.approx_block_ids):
            flags.append(f"stated_area_mismatch:{figures}")
        elif ratio > 1 + STATED_AREA_TOLERANCE:
            # Parent blocks stand in for sub-blocks: the drawn area is an upper bound of the order's.
            flags.append(f"area_upper_bound:{figures}")
    issued = _day(issued_at)
    return Zone(
        geometry=sel.geometry,
        drawn_geometry=drawn,
        issuer=issuer,
        order_type=order_type,
        block_ids=sel.block_ids,
        approx_block_ids=sel.approx_block_ids,
        grid=grid.name,
        issued_at=issued,
        effective_from=_day(effective_from) if effective_from is not None else issued,
        lifted_at=lifted_at,
        uncertainty=_block_uncertainty(sel, grid),
        stated_area_km2=stated_area_km2,
        flags=tuple(dict.fromkeys(flags)),
        **fields,
    )


def zone_from_polygon(
    geometry: BaseGeometry | dict[str, Any] | str,
    *,
    issuer: str,
    order_type: OrderType,
    issued_at: date | datetime | str,
    effective_from: date | datetime | str | None = None,
    lifted_at: datetime | None = None,
    repair: bool = False,
    **fields: Any,
) -> Zone:
    """A zone from a drawn polygon (shapely, GeoJSON mapping or WKT, lon/lat).

    An invalid polygon is rejected with shapely's reason; with ``repair=True`` it is
    repaired (``make_valid``) and flagged ``repaired``.
    """
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    try:
        raw = shapely.geometry.shape(geometry) if isinstance(geometry, dict) else geometry
        if isinstance(raw, str):
            raw = shapely.from_wkt(raw)
    except (shapely.errors.ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidInput(f"zone polygon is not a GeoJSON or WKT geometry: {exc}") from exc
    flags = list(fields.pop("flags", ()))
    if repair and not raw.is_valid:
        flags.append("repaired")
    geom = _polygonal(raw, what="zone polygon", repair=repair)
    issued = _day(issued_at)
    return Zone(
        geometry=geom,
        issuer=issuer,
        order_type=order_type,
        issued_at=issued,
        effective_from=_day(effective_from) if effective_from is not None else issued,
        lifted_at=lifted_at,
        uncertainty=Uncertainty(radius_m=0.0, geo_precision=1, where_prec=1, method="drawn"),
        flags=tuple(flags),
        **fields,
    )


def zones_from_geojson(
    path: str | Path,
    *,
    issuer: str,
    order_type: OrderType,
    issued_at: date | datetime | str,
    repair: bool = False,
    **fields: Any,
) -> list[Zone]:
    """One zone per polygon feature of a GeoJSON file; an invalid feature is named by index."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    feats = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    out = []
    for n, feat in enumerate(feats or []):
        geom = feat.get("geometry") if feat.get("type") == "Feature" else feat
        try:
            out.append(
                zone_from_polygon(
                    geom, issuer=issuer, order_type=order_type, issued_at=issued_at, repair=repair, **fields
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(f"feature {n} of {Path(path).name}: {exc.message}") from exc
    return out


# --------------------------------------------------------------------------------------
# The shipped real orders
# --------------------------------------------------------------------------------------


def _split_ids(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


@dataclass(frozen=True)
class OrdersLoad:
    """Real orders as zones, with what could not be drawn (never silently dropped)."""

    zones: list[Zone]
    #: Orders the data lists without any block (e.g. the 13 Oct 2023 order to move south of
    #: Wadi Gaza): (source, order id, date, reason). They are not mapped.
    unmapped: list[tuple[str, str, str, str]] = field(default_factory=list)


@cache
def _gazamaps_records() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(GAZAMAPS_FILE.read_text(encoding="utf-8")))


def _gazamaps(grid: BlockGrid, until: datetime | None) -> OrdersLoad:
    zones: list[Zone] = []
    unmapped: list[tuple[str, str, str, str]] = []
    records = sorted(_gazamaps_records(), key=lambda r: (r["date"], int(r["id"])))
    safe: list[Zone] = []
    for rec in records:
        oid = str(rec["id"])
        common: dict[str, Any] = {
            "issuer": IDF_ISSUER,
            "source": GAZAMAPS_SOURCE,
            "url": rec.get("source") or rec.get("link"),
            "issued_at": rec["date"],
            "grid": grid,
        }
        note = f"GazaMaps record {rec.get('link')}; IDF map image {rec.get('map_idf') or 'n/a'}"
        disp = _split_ids(rec.get("displacement_blocks", ""))
        if disp:
            zones.append(
                zone_from_blocks(
                    disp,
                    order_type="evacuate",
                    id=f"gazamaps-{oid}",
                    title=f"Evacuation order of {rec['date']} (GazaMaps #{oid}, {len(disp)} blocks)",
                    stated_area_km2=float(rec.get("area_sq_km_displacement") or 0) or None,
                    lifted_at=until,
                    notes=note,
                    **common,
                )
            )
        sblocks = _split_ids(rec.get("labeled_safe_blocks", ""))
        if sblocks:
            safe.append(
                zone_from_blocks(
                    sblocks,
                    order_type="humanitarian_zone",
                    id=f"gazamaps-{oid}-safe",
                    title=f"Humanitarian zone as declared on {rec['date']} (GazaMaps #{oid}, {len(sblocks)} blocks)",
                    stated_area_km2=float(rec.get("area_sq_km_labeled_safe") or 0) or None,
                    notes=note + "; replaced by the next declaration",
                    **common,
                )
            )
        if not disp and not sblocks:
            extra = _supplement().get(oid)
            if extra is not None:
                zones.append(_supplement_zone(extra, until))
            else:
                unmapped.append(("gazamaps", oid, rec["date"], "the data lists no block numbers for this order"))
    zones.extend(_chain(safe, until))
    return OrdersLoad(zones=zones, unmapped=unmapped)


@cache
def _supplement() -> dict[str, dict[str, Any]]:
    """sitmap's drawings of orders GazaMaps lists without blocks, by GazaMaps id."""
    doc = json.loads(SUPPLEMENT_FILE.read_text(encoding="utf-8"))
    return {str(o["gazamaps_id"]): o for o in doc["orders"]}


def _supplement_zone(rec: dict[str, Any], until: datetime | None) -> Zone:
    """A zone for an order that named an area, not blocks: governorates cut by Wadi Gaza.

    The area is derived from shipped data only (OCHA governorates, sitmap's Wadi Gaza
    line), so its uncertainty is the line's (``radius_m``) and its method says so.
    """
    from geo.boundaries import find_admin, north_of_wadi_gaza

    spec = rec["area"]
    area: BaseGeometry = shapely.union_all([find_admin(p).geometry for p in spec["governorates"]])
    if spec.get("north_of") == "wadi_gaza":
        area = north_of_wadi_gaza(area)
    lifted = _day(rec["lifted_at"]) if rec.get("lifted_at") else None
    ends = [t for t in (lifted, until) if t is not None]
    zone = zone_from_polygon(
        area,
        issuer=IDF_ISSUER,
        order_type=rec["order_type"],
        issued_at=rec["issued_at"],
        lifted_at=min(ends) if ends else None,
        id=rec["id"],
        title=rec["title"],
        source=rec["source"],
        url=rec["url"],
        notes=rec["notes"],
    )
    how = Uncertainty(
        radius_m=float(rec.get("radius_m", 500)),
        geo_precision=2,
        where_prec=2,
        method="manual",
        note="drawn by sitmap: OCHA governorates cut by its Wadi Gaza line",
    )
    return zone.model_copy(update={"uncertainty": how})


def known_gaps(until: date | None = None) -> list[dict[str, str]]:
    """Orders the shipped data knows of but cannot draw (no blocks, no area), oldest first.

    Each is ``{"date", "order", "source", "url", "reason"}``; with ``until``, only those
    issued on or before that day. An order stays in force until lifted, so a day's
    record is known to be incomplete when any of these was issued on or before it.
    """
    out = []
    for rec in sorted(_gazamaps_records(), key=lambda r: (r["date"], int(r["id"]))):
        oid = str(rec["id"])
        if _split_ids(rec.get("displacement_blocks", "")) or _split_ids(rec.get("labeled_safe_blocks", "")):
            continue
        if oid in _supplement() or (until is not None and date.fromisoformat(rec["date"]) > until):
            continue
        out.append(
            {
                "date": rec["date"],
                "order": f"GazaMaps #{oid}",
                "source": GAZAMAPS_SOURCE,
                "url": rec.get("link") or rec.get("source") or "",
                "reason": "the data lists no block numbers for this order, so it is not drawn",
            }
        )
    return out


def _chain(declarations: list[Zone], until: datetime | None) -> list[Zone]:
    """Each humanitarian-zone declaration lasts until the next one (or ``until``)."""
    out = []
    for n, z in enumerate(declarations):
        nxt = declarations[n + 1].effective_from if n + 1 < len(declarations) else None
        ends = [t for t in (nxt, until) if t is not None and t >= z.effective_from]
        out.append(z.model_copy(update={"lifted_at": min(ends) if ends else None}))
    return out


def _gazanowpop(grid: BlockGrid, until: datetime | None) -> OrdersLoad:
    by_date: dict[str, list[str]] = defaultdict(list)
    with GAZANOWPOP_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_date[row["date"].strip()].append(row["COD_mod"].strip())
    zones = []
    for day, ids in sorted(by_date.items()):
        zones.append(
            zone_from_blocks(
                ids,
                issuer=IDF_ISSUER,
                order_type="evacuate",
                issued_at=day,
                grid=grid,
                lifted_at=until,
                id=f"gazanowpop-{day}",
                source=GAZANOWPOP_SOURCE,
                url=GAZANOWPOP_URL,
                title=f"Evacuation order(s) of {day} (GazaNowPop, {len(ids)} blocks)",
                notes="Block numbers typed from the OCHA evacuation-orders dashboard by GazaNowPop.",
            )
        )
    return OrdersLoad(zones=zones)


def load_real_orders(
    sources: Sequence[OrderSource] = ("gazamaps",),
    *,
    until: datetime | None = None,
    grid: BlockGrid | None = None,
) -> list[Zone]:
    """The shipped real evacuation orders and humanitarian zones as Zone records.

    ``sources``: "gazamaps" (109 orders, 2023-10..2025-06; default) and/or "gazanowpop"
    (64 order dates in 2025; the two overlap in 2025, so their order counts should not
    be added). ``until`` lifts every order at that instant; by default orders stay in
    force (see the module docstring). Orders without blocks are left out: see
    :func:`load_real_orders_report` for the list.
    """
    return load_real_orders_report(sources, until=until, grid=grid).zones


def load_real_orders_report(
    sources: Sequence[OrderSource] = ("gazamaps",),
    *,
    until: datetime | None = None,
    grid: BlockGrid | None = None,
) -> OrdersLoad:
    """Like :func:`load_real_orders`, also listing the orders that could not be drawn."""
    grid = grid or BlockGrid.load()
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    zones: list[Zone] = []
    unmapped: list[tuple[str, str, str, str]] = []
    for src in dict.fromkeys(sources):
        if src == "gazamaps":
            part = _gazamaps(grid, until)
        elif src == "gazanowpop":
            part = _gazanowpop(grid, until)
        else:
            raise InvalidInput(f"unknown orders source {src!r}: expected gazamaps or gazanowpop")
        zones.extend(part.zones)
        unmapped.extend(part.unmapped)
    zones.sort(key=lambda z: (z.effective_from, z.id))
    return OrdersLoad(zones=zones, unmapped=unmapped)


def zones_from_store(
    store: Store,
    *,
    order_types: Sequence[str] = (),
    as_of: datetime | None = None,
    issuers: Sequence[str] = (),
) -> list[Zone]:
    """All zones of a store (as known at ``as_of``), for the functions of this module."""
    for ot in order_types:
        if ot not in ORDER_TYPES:
            raise InvalidInput(f"unknown order type {ot!r}; expected one of: {', '.join(ORDER_TYPES)}")
    page = store.query_zones(ZoneQuery(order_types=tuple(order_types), issuers=tuple(issuers), as_of=as_of))
    return list(page.items)


# --------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------


ZonesOrStore = Iterable[Zone] | Store


def _zones(source: ZonesOrStore) -> list[Zone]:
    """A list of zones from a list, or all current zones of a store (``query_zones``)."""
    if isinstance(source, Store):  # runtime_checkable protocol: anything with the store's methods
        return zones_from_store(source)
    return list(source)


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def is_active(zone: Zone, t: datetime, *, max_age: timedelta | None = None) -> bool:
    """True if ``zone`` is in force at ``t``; with ``max_age``, orders lapse after that long."""
    t = _utc(t)
    if not zone.active_at(t):
        return False
    return max_age is None or t < zone.effective_from + max_age


def active_at(
    zones: ZonesOrStore,
    t: datetime,
    *,
    order_types: Sequence[str] = (),
    max_age: timedelta | None = None,
) -> list[Zone]:
    """The zones in force at ``t`` (effective, not lifted, not retracted), in input order.

    ``zones`` is a list of zones or a store (its current zones), like every function below.
    """
    return [
        z
        for z in _zones(zones)
        if (not order_types or z.order_type in order_types) and is_active(z, t, max_age=max_age)
    ]


# --------------------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------------------


class ZoneOverlay:
    """A planar overlay of zones: faces with their equal-area size and the zones covering them.

    Computed once; then the area of any union of zones is a sum over faces, which makes
    daily series over hundreds of orders cheap and exact (overlaps count once).
    """

    def __init__(self, zones: Sequence[Zone], reference: BaseGeometry | None = None) -> None:
        self.zones = list(zones)
        self.reference = reference if reference is not None else gaza_strip()
        self.reference_km2 = area_km2(self.reference)
        n = len(self.zones)
        if n == 0:
            self.face_km2 = np.zeros(0)
            self.face_ref_km2 = np.zeros(0)
            self.cover = np.zeros((0, 0), dtype=bool)
            self.faces = np.zeros(0, dtype=object)
            return
        geoms = [z.geometry for z in self.zones]
        edges = shapely.union_all([shapely.boundary(g) for g in geoms])
        faces = np.array(list(shapely.polygonize(list(getattr(edges, "geoms", [edges]))).geoms), dtype=object)
        if len(faces) == 0:  # pragma: no cover - zones always have area
            faces = np.array(geoms, dtype=object)
        points = shapely.point_on_surface(faces)
        tree = STRtree(geoms)
        face_idx, zone_idx = tree.query(points, predicate="within")
        cover = np.zeros((len(faces), n), dtype=bool)
        cover[face_idx, zone_idx] = True
        keep = cover.any(axis=1)  # faces inside no zone are holes of the arrangement
        faces, cover = faces[keep], cover[keep]
        self.faces = faces
        self.cover = cover
        metric = np.array([to_equal_area(f) for f in faces], dtype=object)
        self.face_km2 = shapely.area(metric) / 1e6
        ref_metric = to_equal_area(self.reference)
        shapely.prepare(ref_metric)
        inside = shapely.contains_properly(ref_metric, metric)
        clipped = np.where(inside, self.face_km2, 0.0)
        partial = ~inside & shapely.intersects(ref_metric, metric)
        if partial.any():
            clipped[partial] = shapely.area(shapely.intersection(metric[partial], ref_metric)) / 1e6
        self.face_ref_km2 = clipped

    def face_sums(self, raster_path: str | Path) -> np.ndarray:
        """The sum of a raster (e.g. population) inside each face; faces partition the zones,
        so summing faces never counts a cell twice."""
        from layers.raster import zonal_stats

        if len(self.faces) == 0:
            return np.zeros(0)
        stats = zonal_stats(raster_path, list(self.faces))
        return np.array([float(st["sum"] or 0.0) for st in stats])

    def area(self, mask: np.ndarray | Sequence[bool]) -> tuple[float, float]:
        """(area of the union of the selected zones, the part inside the reference), km²."""
        m = np.asarray(mask, dtype=bool)
        if not m.any() or len(self.face_km2) == 0:
            return 0.0, 0.0
        covered = self.cover[:, m].any(axis=1)
        return float(self.face_km2[covered].sum()), float(self.face_ref_km2[covered].sum())


@dataclass(frozen=True)
class AreaSummary:
    """The area under a set of zones at an instant, and its share of the reference area."""

    at: datetime | None
    area_km2: float
    share: float
    reference_km2: float
    n_zones: int
    zone_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (ISO time, rounded figures)."""
        return {
            "at": self.at.isoformat() if self.at else None,
            "area_km2": round(self.area_km2, 3),
            "share": round(self.share, 5),
            "reference_km2": round(self.reference_km2, 3),
            "n_zones": self.n_zones,
            "zone_ids": list(self.zone_ids),
        }


def _of_type(zones: ZonesOrStore, order_type: str | None) -> list[Zone]:
    if order_type is not None and order_type not in ORDER_TYPES:
        raise InvalidInput(f"unknown order type {order_type!r}; expected one of: {', '.join(ORDER_TYPES)}")
    return [z for z in _zones(zones) if z.status != "retracted" and (order_type is None or z.order_type == order_type)]


def union_area(zones: Sequence[Zone], *, reference: BaseGeometry | None = None) -> tuple[float, float]:
    """(km² of the union of ``zones``, share of the reference area it covers)."""
    if not zones:
        return 0.0, 0.0
    ref = reference if reference is not None else gaza_strip()
    merged = shapely.union_all([z.geometry for z in zones])
    return area_km2(merged), area_km2(shapely.intersection(merged, ref)) / area_km2(ref)


def area_at(
    zones: ZonesOrStore,
    t: datetime,
    *,
    order_type: str | None = "evacuate",
    reference: BaseGeometry | None = None,
    max_age: timedelta | None = None,
) -> AreaSummary:
    """Area under the orders of ``order_type`` in force at ``t`` (union, equal-area CRS)."""
    t = _utc(t)
    live = active_at(_of_type(zones, order_type), t, max_age=max_age)
    ref = reference if reference is not None else gaza_strip()
    km2, share = union_area(live, reference=ref)
    return AreaSummary(t, km2, share, area_km2(ref), len(live), tuple(z.id for z in live))


def raster_sum_under(
    zones: ZonesOrStore,
    raster_path: str | Path,
    t: datetime,
    *,
    order_type: str | None = "evacuate",
    max_age: timedelta | None = None,
) -> float:
    """Sum of a user-supplied raster (e.g. population) under the orders in force at ``t``.

    Summed over the union of the zones, so a cell under two overlapping orders counts
    once; a cell counts when its centre is inside (see :func:`layers.raster.zonal_stats`).
    """
    from layers.raster import zonal_stats

    live = active_at(_of_type(zones, order_type), _utc(t), max_age=max_age)
    if not live:
        return 0.0
    merged = shapely.union_all([z.geometry for z in live])
    return float(zonal_stats(raster_path, [merged])[0]["sum"] or 0.0)


def cumulative_area(
    zones: ZonesOrStore,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    order_type: str | None = "evacuate",
    reference: BaseGeometry | None = None,
) -> AreaSummary:
    """Area ever placed under orders issued in [since, until], lifted or not (union)."""
    chosen = [
        z
        for z in _of_type(zones, order_type)
        if (since is None or z.effective_from >= _utc(since)) and (until is None or z.effective_from <= _utc(until))
    ]
    ref = reference if reference is not None else gaza_strip()
    km2, share = union_area(chosen, reference=ref)
    return AreaSummary(until, km2, share, area_km2(ref), len(chosen), tuple(z.id for z in chosen))


def order_areas(zones: ZonesOrStore, *, reference: BaseGeometry | None = None) -> pd.DataFrame:
    """One row per zone: its own area, its share of the reference, and the stated area.

    Columns: id, order_type, issued_at, effective_from, lifted_at, n_blocks, n_approx,
    area_km2, share, stated_area_km2, ratio (measured / stated), flags.
    """
    ref = reference if reference is not None else gaza_strip()
    ref_km2 = area_km2(ref)
    rows = []
    for z in _zones(zones):
        km2 = area_km2(z.geometry)
        rows.append(
            {
                "id": z.id,
                "order_type": z.order_type,
                "issued_at": z.issued_at,
                "effective_from": z.effective_from,
                "lifted_at": z.lifted_at,
                "n_blocks": len(z.block_ids),
                "n_approx": len(z.approx_block_ids),
                "area_km2": km2,
                "share": area_km2(shapely.intersection(z.geometry, ref)) / ref_km2,
                "stated_area_km2": z.stated_area_km2,
                "ratio": km2 / z.stated_area_km2 if z.stated_area_km2 else None,
                "flags": ";".join(z.flags),
            }
        )
    columns = [
        "id",
        "order_type",
        "issued_at",
        "effective_from",
        "lifted_at",
        "n_blocks",
        "n_approx",
        "area_km2",
        "share",
        "stated_area_km2",
        "ratio",
        "flags",
    ]
    return pd.DataFrame(rows, columns=columns)


def area_series(
    zones: ZonesOrStore,
    *,
    start: datetime | date | None = None,
    end: datetime | date | None = None,
    since: datetime | date | None = None,
    order_type: str | None = "evacuate",
    reference: BaseGeometry | None = None,
    max_age: timedelta | None = None,
    raster: str | Path | None = None,
) -> pd.DataFrame:
    """Daily table of the area under orders: date, area_km2, share, n_orders, cumulative_km2.

    Each day is evaluated at its end (23:59:59.999999 UTC), so an order of that day
    counts. ``start``/``end`` default to the first order's day and the last change
    (an order or a lift). ``cumulative_km2`` is the union of every order issued from
    ``since`` (default: the first) up to that day, lifted or not;
    ``cumulative_share`` its share of the reference. With ``raster`` (a user-supplied
    GeoTIFF, e.g. population), a ``raster_sum`` column gives its sum under the orders in
    force that day (each cell once).
    """
    chosen = _of_type(zones, order_type)
    columns = ["date", "area_km2", "share", "n_orders", "cumulative_km2", "cumulative_share"]
    if not chosen:
        return pd.DataFrame(columns=columns)
    overlay = ZoneOverlay(chosen, reference)
    sums = overlay.face_sums(raster) if raster is not None else None
    if sums is not None:
        columns = [*columns, "raster_sum"]
    first = min(z.effective_from for z in chosen).date()
    changes = [z.effective_from for z in chosen] + [z.lifted_at for z in chosen if z.lifted_at is not None]
    d0 = _as_date(start) or first
    d1 = _as_date(end) or max(changes).date()
    if d1 < d0:
        raise InvalidInput(f"series end {d1.isoformat()} is before its start {d0.isoformat()}")
    if (d1 - d0).days > 20_000:
        raise InvalidInput(f"series from {d0.isoformat()} to {d1.isoformat()} is longer than 20,000 days")
    since_t = datetime.combine(_as_date(since), time(0), tzinfo=UTC) if since is not None else None  # type: ignore[arg-type]
    eff = np.array([z.effective_from.timestamp() for z in chosen])
    rows = []
    cache_key: dict[tuple[bytes, bytes], tuple[float, float, float, float, float]] = {}
    day = d0
    while day <= d1:
        t = datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)
        live = np.array([is_active(z, t, max_age=max_age) for z in chosen])
        issued = (eff <= t.timestamp()) & (eff >= since_t.timestamp() if since_t else True)
        key = (np.packbits(live).tobytes(), np.packbits(issued).tobytes())
        if key not in cache_key:
            km2, in_ref = overlay.area(live)
            cum, cum_ref = overlay.area(issued)
            total = float(sums[overlay.cover[:, live].any(axis=1)].sum()) if sums is not None and live.any() else 0.0
            cache_key[key] = (km2, in_ref, cum, cum_ref, total)
        km2, in_ref, cum, cum_ref, total = cache_key[key]
        row: dict[str, Any] = {
            "date": day,
            "area_km2": km2,
            "share": in_ref / overlay.reference_km2,
            "n_orders": int(live.sum()),
            "cumulative_km2": cum,
            "cumulative_share": cum_ref / overlay.reference_km2,
        }
        if sums is not None:
            row["raster_sum"] = total
        rows.append(row)
        day += timedelta(days=1)
    return pd.DataFrame(rows, columns=columns)


def _as_date(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value).astimezone(UTC).date()
    return value


__all__ = [
    "MISMATCH_IOU",
    "AreaSummary",
    "OrdersLoad",
    "ZoneOverlay",
    "active_at",
    "area_at",
    "area_series",
    "cumulative_area",
    "iou",
    "is_active",
    "load_real_orders",
    "load_real_orders_report",
    "order_areas",
    "raster_sum_under",
    "union_area",
    "zone_from_blocks",
    "zone_from_polygon",
    "zones_from_geojson",
    "zones_from_store",
]
