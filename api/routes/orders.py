"""The orders list: evacuation orders in force on a day, as a few kilobytes of plain HTML (no script, no map)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SettingsDep, StoreDep
from api.errors import BadParameter
from api.ogc import collection_caches
from api.params import parse_datetime, parse_instant, parse_order_types
from layers.collection import zones_in_force
from layers.store import ZoneQuery

router = APIRouter(tags=["maps"])


@router.get("/orders", summary="Evacuation orders in force on a date (plain HTML)", response_class=HTMLResponse)
def orders(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    date_: Annotated[
        str | None,
        Query(
            alias="date", description="YYYY-MM-DD (default today, UTC; the last day of the record when it ends earlier)"
        ),
    ] = None,
    as_of: Annotated[str | None, Query(description="Show what was known at this instant")] = None,
    lang: Annotated[str | None, Query(description="en, ar or he (default: Accept-Language)")] = None,
    order_type: Annotated[
        list[str] | None, Query(description="Only these order types (evacuate, return_allowed, humanitarian_zone)")
    ] = None,
) -> Response:
    """A lightweight list by block number and area name, with no script and no map."""
    from api.render.i18n import pick_lang
    from api.render.orders import last_order_day, orders_on, render_orders

    as_of_t = parse_instant(as_of)
    types = parse_order_types(order_type or [])
    latest = False
    if date_ is None:
        # today, unless the record ends earlier: then its last day, said so on the page (a
        # record of 2023-2024 opened "Orders in force on <today>", listing orders of a year
        # before as if reported today, or nothing at all once they lapsed)
        day = datetime.now(UTC).date()
        last = last_order_day(
            zones_in_force(store, ZoneQuery(as_of=as_of_t, order_types=types), caches=collection_caches(request)),
            day,
        )
        if last is not None and last < day:
            day, latest = last, True
    else:
        try:
            day = date.fromisoformat(date_.strip())
        except ValueError:
            raise BadParameter("date", f"{date_[:40]!r} is not a date YYYY-MM-DD") from None
    interval = parse_datetime(day.isoformat(), "date")  # the day, checked against the supported range
    start, end = (interval.start, interval.end) if interval else (None, None)
    query = ZoneQuery(start=start, end=end, as_of=as_of_t, order_types=types)
    zones = zones_in_force(store, query, caches=collection_caches(request))
    lang_ = pick_lang(lang, request.headers.get("accept-language"))
    html = render_orders(
        orders_on(zones, day), day=day, as_of=as_of_t, lang=lang_, order_types=types, latest_day=latest
    )
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'self'",
        "Cache-Control": f"public, max-age={settings.cache_max_age}",
        "Vary": "Accept-Language",
        "Content-Language": lang_,
    }
    return HTMLResponse(html, headers=headers)
