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
from typing import Any

from geo.errors import InvalidInput
from layers.model import Source, SourceKind
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


def demo_zones() -> list[Any]:
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


def _install_layers(store: Store) -> int:
    from layers.catalog import install_default_layers

    install_default_layers(store)
    return len(store.list_layers())
