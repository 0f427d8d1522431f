"""The items request of a collection: every query parameter checked and parsed once.

``/collections/{id}/items`` (pages and downloads) and the item by id read their
query through :func:`parse_items_request`; a wrong value is a 400 naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request

from api import ogc
from api.errors import BadParameter
from api.params import (
    ITEM_FORMATS,
    Interval,
    parse_bbox,
    parse_bool,
    parse_datetime,
    parse_event_types,
    parse_geo_precision,
    parse_instant,
    parse_int,
    parse_limit,
    parse_list,
    parse_order_types,
    parse_statuses,
)
from api.settings import Settings
from geo.errors import InvalidInput
from layers.collection import Narrowing
from layers.model import Layer

#: Query parameters each kind of collection takes (anything else is a 400).
COMMON_ITEM_PARAMS = (
    "f",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "limit",
    "offset",
    "as_of",
    "include_region",
    "properties",
)
#: Formats a ``properties=`` selection applies to.
SELECTABLE_FORMATS = ("json", "html", "geojson", "csv")
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
CRS84_NAMES = (ogc.CRS84, "OGC:CRS84", "CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84")
EPSG4326_NAMES = (EPSG4326, "EPSG:4326", "urn:ogc:def:crs:EPSG::4326")
CLAIM_ITEM_PARAMS = (*COMMON_ITEM_PARAMS, "event_type", "source", "claimant", "status", "min_geo_precision")
ZONE_ITEM_PARAMS = (*COMMON_ITEM_PARAMS, "order_type", "issuer", "active_at", "include_retracted")


@dataclass
class ItemsRequest:
    """The parsed query of an items request."""

    fmt: str
    bbox: tuple[float, float, float, float] | None
    interval: Interval | None
    limit: int
    limit_given: bool
    offset: int
    as_of: datetime | None
    include_region: bool
    filters: dict[str, Any] = field(default_factory=dict)
    #: ``properties=``: the properties kept (see ``layers.export.property_selection``), or all.
    properties: frozenset[str] | None = None

    @property
    def start(self) -> datetime | None:
        """Start of the requested interval (``None`` when open or absent)."""
        return self.interval.start if self.interval else None

    @property
    def end(self) -> datetime | None:
        """End of the requested interval (``None`` when open or absent)."""
        return self.interval.end if self.interval else None

    @property
    def narrowing(self) -> Narrowing:
        """What the request narrows its collection by, for :class:`layers.collection.LayerView`."""
        return Narrowing(bbox=self.bbox, start=self.start, end=self.end, filters=self.filters)


def check_crs(value: str | None) -> None:
    """``crs``: features are served in CRS84 only; another value is a 400 naming it."""
    if value is not None and value.strip() not in CRS84_NAMES:
        raise BadParameter("crs", f"{value!r} is not offered; features are served in {ogc.CRS84}")


def _bbox_in_crs84(value: str | None, bbox_crs: str | None) -> tuple[float, float, float, float] | None:
    """``bbox`` read in ``bbox-crs`` (CRS84 by default; EPSG:4326 is lat/lon and is swapped)."""
    if bbox_crs is None or bbox_crs.strip() in CRS84_NAMES:
        return parse_bbox(value)
    if bbox_crs.strip() in EPSG4326_NAMES:
        if value is None:
            return None
        parts = value.split(",")
        if len(parts) == 4:
            value = ",".join([parts[1], parts[0], parts[3], parts[2]])
        return parse_bbox(value)
    raise BadParameter("bbox-crs", f"{bbox_crs!r} is not offered; use {ogc.CRS84} or {EPSG4326}")


def parse_items_request(request: Request, layer: Layer, settings: Settings) -> ItemsRequest:
    """Check and parse every query parameter of an items request (400 naming the first bad one)."""
    zones = layer.kind == "zones"
    ogc.check_params(request, ZONE_ITEM_PARAMS if zones else CLAIM_ITEM_PARAMS)
    q = request.query_params
    fmt = q.get("f")
    if fmt is None:
        fmt = "html" if ogc.wants_html(request, None) else "json"
    else:
        fmt = fmt.strip().lower()
        fmt = {"application/geo+json": "json", "application/json": "json", "text/html": "html"}.get(fmt, fmt)
        if fmt not in ITEM_FORMATS:
            raise BadParameter("f", f"unknown format {q.get('f')!r}; one of: {', '.join(ITEM_FORMATS)}")
    filters: dict[str, Any] = {}
    if zones:
        filters["order_types"] = parse_order_types(q.getlist("order_type"))
        filters["issuers"] = parse_list(q.getlist("issuer"), "issuer")
        filters["active_at"] = parse_instant(q.get("active_at"), "active_at")
        filters["include_retracted"] = parse_bool(q.get("include_retracted"), "include_retracted")
    else:
        filters["event_types"] = parse_event_types(q.getlist("event_type"))
        filters["sources"] = parse_list(q.getlist("source"), "source")
        filters["claimants"] = parse_list(q.getlist("claimant"), "claimant")
        filters["statuses"] = parse_statuses(q.getlist("status"))
        filters["min_geo_precision"] = parse_geo_precision(q.get("min_geo_precision"))
    check_crs(q.get("crs"))
    return ItemsRequest(
        properties=_selection(q.getlist("properties"), fmt, layer) if "properties" in q else None,
        fmt=fmt,
        bbox=_bbox_in_crs84(q.get("bbox"), q.get("bbox-crs")),
        interval=parse_datetime(q.get("datetime")),
        limit=parse_limit(q.get("limit"), default=settings.default_limit, maximum=settings.max_limit),
        limit_given="limit" in q,
        offset=parse_int(q.get("offset"), "offset", minimum=0, default=0),
        as_of=parse_instant(q.get("as_of"), "as_of"),
        include_region=parse_bool(q.get("include_region"), "include_region"),
        filters=filters,
    )


def _selection(values: list[str], fmt: str, layer: Layer) -> frozenset[str]:
    """``properties=``: what the features keep (a 400 naming an unknown property or another format)."""
    from layers.export import property_selection

    if fmt not in SELECTABLE_FORMATS:
        raise BadParameter("properties", f"selects properties of f={', '.join(SELECTABLE_FORMATS)} only")
    kind = "zone" if layer.kind == "zones" else "incident" if layer.kind == "incidents" else "claim"
    try:
        return property_selection(values, kind)
    except InvalidInput as exc:
        raise BadParameter("properties", exc.message) from None
