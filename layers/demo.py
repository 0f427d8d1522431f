"""The demo dataset: real reporting of October 2023 - 2024, loaded the way users load theirs.

``layers/data/demo/reports.json`` holds about fifty short report texts written for
sitmap in its own words about widely reported events in the Gaza Strip, Israel and
the West Bank and the talks around them, each with its publication date, outlet and
the claimant as reported. :func:`load_demo` sends every text through the same path
as a user's report (:func:`layers.ingest.ingest_report`: the geocoder, then the
store) and adds the real evacuation orders and declared humanitarian zones of the
same period from the shipped orders data (:func:`layers.zones.load_real_orders`).
It is a demonstration, not a complete record. Loading twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from geo.errors import InvalidInput
from geo.metric import distance_m
from layers.model import Source, SourceKind, Zone
from layers.store.base import Store

#: The demo window: reports and orders inside it are loaded.
DEMO_START = datetime(2023, 10, 1, tzinfo=UTC)
DEMO_END = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)

#: Who the demo writes as (``recorded_by`` of every version it stores).
RECORDED_BY = "sitmap-demo"


@dataclass(frozen=True)
class DemoReport:
    """One demo text with its publication date, outlet and the claimant as reported."""

    id: str
    published: datetime
    outlet: Source
    claimant: str
    title: str
    url: str | None
    text: str
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoResult:
    """What :func:`load_demo` stored: counts of new and unchanged records, and oddities."""

    reports: int = 0
    reports_new: int = 0
    claims: int = 0
    claims_new: int = 0
    claims_updated: int = 0
    zones: int = 0
    zones_new: int = 0
    zones_updated: int = 0
    layers: int = 0
    unplaced: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when this load wrote anything (False on a second load of the same data)."""
        return bool(self.reports_new or self.claims_new or self.claims_updated or self.zones_new or self.zones_updated)

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"demo: {self.reports} reports ({self.reports_new} new), {self.claims} claims ({self.claims_new} new, "
            f"{self.claims_updated} new versions), {self.zones} zones ({self.zones_new} new), {self.layers} layers"
        )


def _parse_report(raw: dict[str, Any]) -> DemoReport:
    outlet = raw["outlet"]
    kind: SourceKind = outlet.get("kind", "news")
    published = datetime.fromisoformat(str(raw["published"]).replace("Z", "+00:00"))
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return DemoReport(
        id=str(raw["id"]),
        published=published,
        outlet=Source(name=outlet["name"], kind=kind),
        claimant=str(raw["claimant"]),
        title=str(raw["title"]),
        url=str(raw.get("url") or "") or None,
        text=str(raw["text"]),
        expect=dict(raw.get("expect") or {}),
    )


@cache
def _demo_reports() -> tuple[DemoReport, ...]:
    path = resources.files("layers").joinpath("data", "demo", "reports.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    reports = tuple(_parse_report(r) for r in data["reports"])
    ids = [r.id for r in reports]
    if len(set(ids)) != len(ids):
        raise InvalidInput("demo reports.json has duplicate report ids")
    return reports


def demo_reports() -> list[DemoReport]:
    """The shipped demo texts, oldest first."""
    return sorted(_demo_reports(), key=lambda r: (r.published, r.id))


def demo_zones() -> list[Zone]:
    """The real evacuation orders and humanitarian zones issued inside the demo window."""
    from layers.zones import load_real_orders

    return [z for z in load_real_orders(("gazamaps",)) if DEMO_START <= z.issued_at <= DEMO_END]


def load_demo(store: Store, *, zones: bool = True) -> DemoResult:
    """Load the demo reports (through the geocoder) and the real orders into ``store``.

    Idempotent: report and claim ids derive from the content, zone ids from the order
    ids, so a second load writes nothing and reports every record as unchanged.
    """
    from layers.ingest import ingest_report

    result = DemoResult()
    result.layers = _install_layers(store)
    for rep in demo_reports():
        done = ingest_report(
            store,
            rep.text,
            published=rep.published,
            source=rep.outlet,
            url=rep.url,
            title=rep.title,
            claimant=rep.claimant,
            keep_text=True,
            recorded_by=RECORDED_BY,
        )
        result.reports += 1
        result.reports_new += 0 if done.report_existed else 1
        result.claims += len(done.claims)
        result.claims_new += len(done.written.inserted)
        result.claims_updated += len(done.written.updated)
        if not any(c.geometry is not None for c in done.claims):
            result.unplaced.append(rep.id)
    if zones:
        zone_list = demo_zones()
        written = store.add_zones(zone_list, recorded_by=RECORDED_BY)
        result.zones = len(zone_list)
        result.zones_new = len(written.inserted)
        result.zones_updated = len(written.updated)
    return result


def create_demo_gpkg(path: str | Path) -> DemoResult:
    """Build a new GeoPackage with the demo at ``path``, atomically.

    The demo is loaded into a temporary file next to ``path`` that is renamed into place
    only when complete, so an interrupted first start (``make serve``) never leaves a
    half-loaded store behind that would be taken for a finished one.
    """
    import contextlib
    import os
    import sqlite3

    from layers.store import open_store

    target = Path(path)
    if target.exists():
        raise InvalidInput(f"{target} already exists: load the demo into it with load_demo(open_store(...))")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.gpkg")
    try:
        store = open_store(tmp)
        try:
            result = load_demo(store)
        finally:
            store.close()
        # fold any write-ahead log into the file itself before it is renamed
        with contextlib.closing(sqlite3.connect(tmp)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
    return result


@dataclass(frozen=True)
class DemoCheck:
    """How the geocoder's claims for one demo text compare with where and when it should be."""

    report: DemoReport
    claims: int
    placed: bool
    type_ok: bool
    place_ok: bool
    time_ok: bool
    claimant_ok: bool
    distance_km: float | None
    best: str | None

    @property
    def ok(self) -> bool:
        """True when one claim has the right type, place (within tolerance plus its radius) and day."""
        return self.type_ok and self.place_ok and self.time_ok


def check_demo(store: Store) -> list[DemoCheck]:
    """Compare the stored claims of every demo text with its ``expect`` annotation.

    A text passes when one of its claims has the expected event type (one of them,
    when several are acceptable), lies within the expected tolerance plus the claim's
    own uncertainty radius (counted up to the tolerance again) of the expected place,
    and its interval contains the expected day. The claimant check is reported
    separately.
    """
    from datetime import date

    from layers.model import Report, content_sha256
    from layers.store.base import ClaimQuery

    out = []
    for rep in demo_reports():
        rid = Report(source_id=rep.outlet.id, content_sha256=content_sha256(rep.text)).id
        claims = store.query_claims(ClaimQuery(report_ids=(rid,))).items
        exp = rep.expect
        types = exp.get("event_type", [])
        types = [types] if isinstance(types, str) else list(types)
        day = date.fromisoformat(exp["date"]) if exp.get("date") else None
        best: tuple[int, DemoCheck] | None = None
        for c in claims:
            placed = c.geometry is not None and c.uncertainty is not None
            dist = None
            place_ok = False
            if c.geometry is not None and c.uncertainty is not None and "lon" in exp:
                centre = c.geometry.centroid
                dist = distance_m(centre, Point(float(exp["lon"]), float(exp["lat"]))) / 1000.0
                tolerance = float(exp.get("tolerance_km", 5))
                # the claim's own radius widens the tolerance, but at most doubles it: a claim
                # placed in the wrong country with a continental radius is not "right".
                place_ok = dist <= tolerance + min(c.uncertainty.radius_m / 1000.0, tolerance)
            time_ok = bool(day and c.valid_from and c.valid_to and c.valid_from.date() <= day <= c.valid_to.date())
            want = rep.claimant.lower()
            got = (c.claimant or "").lower()
            check = DemoCheck(
                report=rep,
                claims=len(claims),
                placed=placed,
                type_ok=c.event_type in types,
                place_ok=place_ok,
                time_ok=time_ok,
                claimant_ok=bool(got) and (want in got or got in want),
                distance_km=round(dist, 1) if dist is not None else None,
                best=c.id,
            )
            score = 4 * check.ok + check.type_ok + check.place_ok + check.time_ok + check.claimant_ok
            if best is None or score > best[0]:
                best = (score, check)
        if best is None:
            out.append(DemoCheck(rep, 0, False, False, False, False, False, None, None))
        else:
            out.append(best[1])
    return out


def _install_layers(store: Store) -> int:
    from layers.catalog import install_default_layers

    install_default_layers(store)
    return len(store.list_layers())
