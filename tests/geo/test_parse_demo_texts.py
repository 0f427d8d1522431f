"""geo.parse on an independent set: the demo report texts written by another hand for sitmap.

Each demo report (``layers/data/demo/reports.json``) carries what a reader expects: event
type, place with a tolerance, and day. A text passes when one of its claims has an
expected type, lies within the tolerance (plus the claim's own radius, at most the
tolerance again) of the place, and its interval holds the day: the rule of
``layers.demo.check_demo``. Guards the extractor against tuning to its own gold set.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyproj
import pytest

import geo
from geo.parser import anchor_point

DEMO = Path(__file__).resolve().parents[2] / "layers" / "data" / "demo" / "reports.json"
_GEOD = pyproj.Geod(ellps="WGS84")


def _passes(report: dict) -> bool:
    exp = report.get("expect") or {}
    types = exp.get("event_type", [])
    types = [types] if isinstance(types, str) else list(types)
    day = date.fromisoformat(exp["date"]) if exp.get("date") else None
    tol = float(exp.get("tolerance_km", 5))
    claims = geo.parse(report["text"], published=report["published"], source=report["outlet"]["name"])
    for c in claims:
        if types and c.event_type not in types:
            continue
        if day is not None and not (c.valid_from and c.valid_to and c.valid_from.date() <= day <= c.valid_to.date()):
            continue
        if "lon" in exp:
            if c.geometry is None or c.uncertainty is None:
                continue
            p = anchor_point(c.geometry)
            km = _GEOD.inv(p.x, p.y, float(exp["lon"]), float(exp["lat"]))[2] / 1000
            if km > tol + min(c.uncertainty.radius_m / 1000, tol):
                continue
        return True
    return False


def test_demo_texts_give_the_expected_claims() -> None:
    if not DEMO.exists():
        pytest.fail(f"demo texts missing: {DEMO}")
    reports = json.loads(DEMO.read_text(encoding="utf-8"))["reports"]
    assert len(reports) >= 40
    failed = [r["id"] for r in reports if not _passes(r)]
    assert len(failed) <= len(reports) // 10, failed
