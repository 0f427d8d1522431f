"""Factories for store tests: small claims, zones, sources and reports made by code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shapely.geometry import Point, box

from geo.model import Uncertainty
from layers.model import ClaimRecord, Report, Source, Zone, content_sha256

DAY = timedelta(days=1)
T0 = datetime(2023, 12, 1, tzinfo=UTC)


def unc(
    radius_m: float = 500.0, geo_precision: int = 1, where_prec: int = 2, method: str = "gazetteer", **kw: Any
) -> Uncertainty:
    """An uncertainty with sensible defaults."""
    return Uncertainty(radius_m=radius_m, geo_precision=geo_precision, where_prec=where_prec, method=method, **kw)


def claim(
    cid: str = "",
    *,
    x: float = 34.45,
    y: float = 31.5,
    day: int = 0,
    days: int = 1,
    **kw: Any,
) -> ClaimRecord:
    """A day-precision point claim in Gaza City ``day`` days after 2023-12-01."""
    start = T0 + day * DAY
    data: dict[str, Any] = {
        "id": cid,
        "event_type": "airstrike",
        "claimant": "Gaza health ministry",
        "source": "Reuters",
        "geometry": Point(x, y),
        "uncertainty": unc(),
        "valid_from": start,
        "valid_to": start + days * DAY - timedelta(microseconds=1),
        "time_precision": "day",
    }
    data.update(kw)
    return ClaimRecord(**data)


def zone(zid: str = "", *, bounds: tuple[float, float, float, float] = (34.40, 31.45, 34.50, 31.55), **kw: Any) -> Zone:
    """An evacuation zone (a rectangle) effective from 2023-12-01."""
    data: dict[str, Any] = {
        "id": zid,
        "geometry": box(*bounds),
        "issuer": "Israeli military",
        "source": "IDF Arabic spokesperson",
        "order_type": "evacuate",
        "issued_at": T0 - timedelta(hours=6),
        "effective_from": T0,
        "uncertainty": unc(radius_m=0, geo_precision=2, where_prec=3, method="block_list"),
        "block_ids": ("101", "102"),
    }
    data.update(kw)
    return Zone(**data)


def report(source_id: str = "reuters", text: str = "Strike reported in Gaza City.", **kw: Any) -> Report:
    """A report of ``source_id`` whose id derives from ``text``."""
    return Report(source_id=source_id, content_sha256=content_sha256(text), **kw)


@pytest.fixture
def make_claim() -> Callable[..., ClaimRecord]:
    return claim


@pytest.fixture
def make_zone() -> Callable[..., Zone]:
    return zone


@pytest.fixture
def make_report() -> Callable[..., Report]:
    return report


@pytest.fixture
def reuters() -> Source:
    return Source(name="Reuters", kind="news", url="https://www.reuters.com")
