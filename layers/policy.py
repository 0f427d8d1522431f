"""Responsible publication: coarsen or delay what anonymous readers see, and say so.

A layer may carry a :class:`~layers.model.PublicationPolicy`. For anonymous readers
its claims are then

- **snapped to a grid** of ``snap_m`` metres (in the local UTM zone, a metric CRS): the
  point moves to the centre of its cell, the radius grows by the cell's half-diagonal,
  and the precise region is dropped; ``coarsened_to = "grid:1000m"``;
- or **replaced by the containing admin area** (``admin_level``: "governorate" is COD-AB
  adm2, "strip" adm1, via :mod:`geo.boundaries`; outside those, the country): the point
  becomes the area's representative point, the region the area itself, and the radius
  covers the whole area; ``coarsened_to = "adm2:PS0270"``;
- and **delayed**: a claim whose event may have happened within the last
  ``delay_hours`` (its ``valid_to``, or ``recorded_at`` when undated) is held back.

Nothing is silent: every served feature says how it was coarsened, and the precision
codes are recomputed from the grown radius. A claim already vaguer than the grid is
left as it is. Authenticated readers get the unmodified data. With ``as_of``, the
delay is measured from that moment, so an as-of view never changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pyproj
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.model import Uncertainty
from layers.model import ClaimRecord, Incident, Layer, PublicationPolicy, Zone

#: PublicationPolicy.admin_level -> geo.boundaries level.
ADMIN_LEVELS: dict[str, str] = {"governorate": "adm2", "strip": "adm1"}


@cache
def _utm(epsg: int) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    fwd = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    back = pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return fwd, back


def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone containing a lon/lat point."""
    zone = min(60, max(1, math.floor((lon + 180) / 6) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def _codes(radius_m: float, method: str) -> tuple[int, int]:
    from geo.uncertainty import precision_codes

    return precision_codes(radius_m, method)  # type: ignore[arg-type]


def _anchor(geom: BaseGeometry) -> Point:
    return geom if isinstance(geom, Point) else geom.representative_point()


def snap_to_grid(point: Point, cell_m: float) -> Point:
    """The centre of the ``cell_m`` metre grid cell (local UTM zone) that contains ``point``."""
    epsg = utm_epsg(point.x, point.y)
    fwd, back = _utm(epsg)
    x, y = fwd.transform(point.x, point.y)
    cx = (math.floor(x / cell_m) + 0.5) * cell_m
    cy = (math.floor(y / cell_m) + 0.5) * cell_m
    lon, lat = back.transform(cx, cy)
    return Point(round(lon, 7), round(lat, 7))


def _coarsen_grid(geom: BaseGeometry, unc: Uncertainty, cell_m: float) -> tuple[BaseGeometry, Uncertainty, str] | None:
    if unc.radius_m >= cell_m:
        return None  # already vaguer than the grid: nothing to hide
    centre = snap_to_grid(_anchor(geom), cell_m)
    radius = math.ceil(unc.radius_m + cell_m * math.sqrt(2) / 2)
    gp, wp = _codes(radius, unc.method)
    note = f"coarsened to a {cell_m:g} m grid for publication"
    new = Uncertainty(radius_m=radius, region=None, geo_precision=gp, where_prec=wp, method=unc.method, note=note)
    return centre, new, f"grid:{cell_m:g}m"


def _coarsen_admin(geom: BaseGeometry, unc: Uncertainty, level: str) -> tuple[BaseGeometry, Uncertainty, str] | None:
    from geo.boundaries import containing
    from geo.metric import max_distance_m

    point = _anchor(geom)
    area = containing(point, ADMIN_LEVELS[level])  # type: ignore[arg-type]
    tag_level = ADMIN_LEVELS[level]
    if area is None:
        area = containing(point, "country")
        tag_level = "country"
    if area is None:
        return None
    centre = area.geometry.representative_point()
    radius = math.ceil(max(max_distance_m(centre, area.geometry), max_distance_m(centre, point) + unc.radius_m))
    kind = {"adm1": "admin1", "adm2": "admin2", "country": "country"}[tag_level]
    from geo.uncertainty import precision_codes

    gp, wp = precision_codes(radius, "admin_fallback", kind=kind)
    note = f"coarsened to {area.name} ({area.pcode}) for publication"
    new = Uncertainty(
        radius_m=radius, region=area.geometry, geo_precision=gp, where_prec=wp, method="admin_fallback", note=note
    )
    return Point(round(centre.x, 7), round(centre.y, 7)), new, f"{tag_level}:{area.pcode}"


def coarsen_location(
    geom: BaseGeometry | None, unc: Uncertainty | None, policy: PublicationPolicy
) -> tuple[BaseGeometry | None, Uncertainty | None, str | None]:
    """Apply ``policy``'s coarsening to a location; returns (geometry, uncertainty, coarsened_to).

    ``coarsened_to`` is ``None`` when nothing was changed (no rule, no location, or a
    location already coarser than the rule). A location that no admin area contains
    and no grid applies to is withheld: (None, None, "withheld").
    """
    if geom is None or unc is None:
        return geom, unc, None
    if policy.admin_level is not None:
        done = _coarsen_admin(geom, unc, policy.admin_level)
        if done is not None:
            return done
        if policy.snap_m is None:
            return None, None, "withheld"
    if policy.snap_m is not None:
        done = _coarsen_grid(geom, unc, policy.snap_m)
        if done is not None:
            return done
    return geom, unc, None


def coarsen(record: ClaimRecord, policy: PublicationPolicy) -> tuple[ClaimRecord, str | None]:
    """A copy of ``record`` with its public location (see :func:`coarsen_location`) and the label."""
    geom, unc, label = coarsen_location(record.geometry, record.uncertainty, policy)
    if label is None:
        return record, None
    changes: dict[str, Any] = {"geometry": geom, "uncertainty": unc}
    if label == "withheld":
        changes["placement"] = None
    return record.model_copy(update=changes), label


def coarsen_incident(incident: Incident, policy: PublicationPolicy) -> tuple[Incident, str | None]:
    """A copy of ``incident`` with its public location and the label (as :func:`coarsen`)."""
    geom, unc, label = coarsen_location(incident.geometry, incident.uncertainty, policy)
    if label is None:
        return incident, None
    return incident.model_copy(update={"geometry": geom, "uncertainty": unc}), label


def _event_time(record: ClaimRecord | Incident) -> datetime | None:
    if record.valid_to is not None:
        return record.valid_to
    return getattr(record, "recorded_at", None)


def is_delayed(record: ClaimRecord | Incident, policy: PublicationPolicy, now: datetime) -> bool:
    """True if ``policy`` holds ``record`` back from anonymous readers at ``now``."""
    if not policy.delay_hours:
        return False
    t = _event_time(record)
    if t is None:
        return False
    return t > now - timedelta(hours=policy.delay_hours)


def _policy_of(layer_or_policy: Layer | PublicationPolicy | None) -> PublicationPolicy | None:
    if isinstance(layer_or_policy, Layer):
        return layer_or_policy.policy
    return layer_or_policy


def published(
    records: Iterable[ClaimRecord | Incident],
    policy: PublicationPolicy | None,
    *,
    authenticated: bool = False,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> list[tuple[ClaimRecord | Incident, str | None]]:
    """The records an anonymous reader may see under ``policy``, each with its ``coarsened_to`` label.

    Delayed records are left out; the rest are coarsened. Authenticated readers, or
    no policy, get every record unchanged (label ``None``).
    """
    if policy is None or authenticated:
        return [(r, None) for r in records]
    clock = now or as_of or datetime.now(UTC)
    out: list[tuple[ClaimRecord | Incident, str | None]] = []
    for rec in records:
        if is_delayed(rec, policy, clock):
            continue
        out.append(coarsen_incident(rec, policy) if isinstance(rec, Incident) else coarsen(rec, policy))
    return out


def apply_policy(
    records: Iterable[ClaimRecord],
    policy: PublicationPolicy | None,
    *,
    authenticated: bool = False,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> list[ClaimRecord]:
    """The public versions of ``records`` (see :func:`published`), without the labels.

    A coarsened record says so in ``uncertainty.note``; use :func:`published` or
    :func:`public_features` where the ``coarsened_to`` property is needed.
    """
    pairs = published(records, policy, authenticated=authenticated, now=now, as_of=as_of)
    return [rec for rec, _ in pairs if isinstance(rec, ClaimRecord)]


def public_features(
    records: Iterable[ClaimRecord | Zone | Incident],
    layer_or_policy: Layer | PublicationPolicy | None,
    *,
    authenticated: bool,
    now: datetime | None = None,
    as_of: datetime | None = None,
    include_region: bool = False,
) -> list[dict[str, Any]]:
    """The features a reader may see: coarsened and delayed per the policy, unless authenticated.

    Claims and incidents carry ``coarsened_to``; zones (public orders) are never
    coarsened. ``now`` defaults to ``as_of`` if given, else the current time.
    """
    from layers.export import claim_feature, incident_feature, zone_feature

    policy = _policy_of(layer_or_policy)
    active = policy is not None and not authenticated
    clock = now or as_of or datetime.now(UTC)
    out: list[dict[str, Any]] = []
    for rec in records:
        if isinstance(rec, Zone):
            out.append(zone_feature(rec, include_region=include_region))
            continue
        label = None
        if active and policy is not None:
            if is_delayed(rec, policy, clock):
                continue
            if isinstance(rec, Incident):
                rec, label = coarsen_incident(rec, policy)
            else:
                rec, label = coarsen(rec, policy)
        if isinstance(rec, Incident):
            feat = incident_feature(rec, include_region=include_region, coarsened_to=label)
        else:
            feat = claim_feature(rec, include_region=include_region, coarsened_to=label)
        out.append(feat)
    return out


__all__ = [
    "ADMIN_LEVELS",
    "apply_policy",
    "coarsen",
    "coarsen_incident",
    "coarsen_location",
    "is_delayed",
    "public_features",
    "published",
    "snap_to_grid",
    "utm_epsg",
]
