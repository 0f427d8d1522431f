"""Test helpers for layers, in the spirit of ``geopandas.testing``.

:func:`assert_layer_equal` compares two layers (lists of records or features) and
fails with a readable diff naming the feature and the property that differ.
:func:`make_claim` and :func:`make_zone` build valid records in one line, for tests,
notebooks and benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import Point, box

from geo.model import CountEstimate, Uncertainty
from layers.model import ClaimRecord, Zone


def _features(items: Sequence[Any]) -> list[dict[str, Any]]:
    from layers.export import as_feature

    return [as_feature(item, include_region=False) for item in items]


def _geom_equal(a: dict[str, Any] | None, b: dict[str, Any] | None, tol: float) -> bool:
    if a is None or b is None:
        return a is b
    from shapely.geometry import shape

    ga, gb = shape(a), shape(b)
    return bool(ga.geom_type == gb.geom_type and ga.equals_exact(gb, tol))


def _values_equal(a: Any, b: Any, rel: float) -> bool:
    numbers = isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool | str)
    if numbers and (isinstance(a, float) or isinstance(b, float)):
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=rel)
    return bool(a == b)


def _key(feature: dict[str, Any]) -> str:
    return str(feature.get("id") or feature["properties"].get("id"))


def assert_layer_equal(
    left: Sequence[Any],
    right: Sequence[Any],
    *,
    check_order: bool = True,
    ignore: Sequence[str] = (),
    geom_tolerance: float = 1e-7,
    rel_tolerance: float = 1e-9,
) -> None:
    """Assert that two layers hold the same features, with a diff a person can read.

    ``left`` and ``right`` are lists of ClaimRecord, Zone, Incident or GeoJSON features.
    Features are matched by id; ``check_order=False`` ignores their order. ``ignore``
    names properties left out of the comparison (e.g. ``recorded_at`` across stores).
    Geometries compare with ``geom_tolerance`` degrees, floats with ``rel_tolerance``.
    """
    lf, rf = _features(left), _features(right)
    problems: list[str] = []
    lkeys, rkeys = [_key(f) for f in lf], [_key(f) for f in rf]
    only_left = [k for k in lkeys if k not in set(rkeys)]
    only_right = [k for k in rkeys if k not in set(lkeys)]
    if len(lf) != len(rf):
        problems.append(f"length differs: left has {len(lf)} features, right has {len(rf)}")
    if only_left:
        problems.append(f"only in left: {', '.join(only_left[:10])}" + (" ..." if len(only_left) > 10 else ""))
    if only_right:
        problems.append(f"only in right: {', '.join(only_right[:10])}" + (" ..." if len(only_right) > 10 else ""))
    if check_order and not only_left and not only_right and lkeys != rkeys:
        first = next(i for i, (a, b) in enumerate(zip(lkeys, rkeys, strict=False)) if a != b)
        problems.append(f"order differs at position {first}: left {lkeys[first]!r}, right {rkeys[first]!r}")
    rmap = {_key(f): f for f in rf}
    for feat in lf:
        key = _key(feat)
        other = rmap.get(key)
        if other is None:
            continue
        if not _geom_equal(feat.get("geometry"), other.get("geometry"), geom_tolerance):
            problems.append(f"feature {key!r}: geometry differs: {feat.get('geometry')} != {other.get('geometry')}")
        lp, rp = feat["properties"], other["properties"]
        for prop in sorted(set(lp) | set(rp)):
            if prop in ignore:
                continue
            if prop not in lp or prop not in rp:
                side = "right" if prop not in rp else "left"
                problems.append(f"feature {key!r}: property {prop!r} missing on the {side}")
            elif not _values_equal(lp[prop], rp[prop], rel_tolerance):
                problems.append(f"feature {key!r}: {prop}: {lp[prop]!r} != {rp[prop]!r}")
    if problems:
        shown = problems[:25]
        more = f"\n... and {len(problems) - 25} more differences" if len(problems) > 25 else ""
        raise AssertionError("layers differ:\n  " + "\n  ".join(shown) + more)


def _codes(radius_m: float) -> tuple[int, int]:
    """ACLED/UCDP precision codes for a test radius (town or finer / near / region)."""
    if radius_m <= 2_000:
        return 1, 1 if radius_m <= 250 else 2
    if radius_m <= 15_000:
        return 2, 3
    return 3, 4


def make_claim(
    claim_id: str,
    *,
    event_type: str = "airstrike",
    lon: float | None = 34.4667,
    lat: float | None = 31.5,
    radius_m: float = 500.0,
    day: str | datetime | None = "2023-12-01",
    days: float = 1.0,
    precision: str | None = None,
    claimant: str | None = "Gaza health ministry",
    source: str | None = "Example Wire",
    status: str = "reported",
    fatalities: int | None = None,
    report_id: str | None = None,
    place_name: str | None = None,
    region: Any = None,
    **extra: Any,
) -> ClaimRecord:
    """A valid ClaimRecord at (lon, lat) with a radius and a day (or ``days``-long) interval.

    ``lon=None`` makes an unresolved claim; ``day=None`` a claim without a time. The
    precision defaults to ``day`` for one day, ``week`` for up to 7 days, else ``month``.
    """
    geometry = Point(lon, lat) if lon is not None and lat is not None else None
    unc = None
    if geometry is not None:
        gp, wp = _codes(radius_m)
        unc = Uncertainty(radius_m=radius_m, geo_precision=gp, where_prec=wp, method="gazetteer", region=region)
    start = end = None
    prec = "unknown"
    if day is not None:
        start = day if isinstance(day, datetime) else datetime.fromisoformat(day).replace(tzinfo=UTC)
        end = start + timedelta(days=days) - timedelta(microseconds=1)
        prec = precision or ("day" if days <= 1 else "week" if days <= 7 else "month")
    return ClaimRecord(
        id=claim_id,
        event_type=event_type,
        claimant=claimant,
        source=source,
        geometry=geometry,
        uncertainty=unc,
        valid_from=start,
        valid_to=end,
        time_precision=prec,
        status=status,
        fatalities=CountEstimate(best=fatalities) if fatalities is not None else None,
        report_id=report_id,
        place_name=place_name,
        **extra,
    )


def make_zone(
    zone_id: str,
    *,
    bounds: tuple[float, float, float, float] = (34.40, 31.30, 34.45, 31.35),
    order_type: str = "evacuate",
    issuer: str = "Israeli military",
    effective_from: str = "2023-12-01",
    lifted_at: str | None = None,
    **extra: Any,
) -> Zone:
    """A valid rectangular Zone drawn by its issuer, for tests."""
    start = datetime.fromisoformat(effective_from).replace(tzinfo=UTC)
    return Zone(
        id=zone_id,
        geometry=box(*bounds),
        issuer=issuer,
        order_type=order_type,
        issued_at=start,
        effective_from=start,
        lifted_at=datetime.fromisoformat(lifted_at).replace(tzinfo=UTC) if lifted_at else None,
        uncertainty=Uncertainty(radius_m=0.0, geo_precision=1, where_prec=1, method="drawn"),
        **extra,
    )


__all__ = ["assert_layer_equal", "make_claim", "make_zone"]
