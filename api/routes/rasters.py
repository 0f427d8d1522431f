"""Likelihood rasters of a claim layer: a Cloud-Optimized GeoTIFF and XYZ PNG tiles.

Both come from ``layers.raster``: each claim spread over its own uncertainty, coarse
claims left out and counted in the tags. The surface for a (collection, query,
store clock, reader) is computed once and kept in a small LRU, so a map's tiles cost
a resampling each, not a new surface. Anonymous readers of a layer with a
publication policy get the surface of the coarsened, delay-filtered claims. No
endpoint reads a URL given by the caller.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api import ogc
from api.auth import Principal
from api.caching import cache_policy, is_frozen, not_modified
from api.deps import PrincipalDep, SettingsDep, StoreDep
from api.errors import BadParameter, problem_responses
from api.params import check_known, parse_bbox, parse_datetime, parse_event_types, parse_instant
from api.settings import Settings
from geo.errors import InvalidInput, NotFound
from layers.collection import LayerView, Narrowing
from layers.model import Layer
from layers.store import ClaimQuery, Store

router = APIRouter(tags=["Rasters"])

COG = "image/tiff; application=geotiff; profile=cloud-optimized"
RAMPS = ("inferno", "reds", "viridis")
RASTER_PARAMS = ("datetime", "as_of", "event_type", "bbox", "resolution_m")
TILE_PARAMS = ("datetime", "as_of", "event_type", "ramp")
MIN_RESOLUTION_M = 50.0


class SurfaceCache:
    """A small thread-safe LRU of likelihood surfaces keyed by what determines them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> tuple[Any, float] | None:
        """The cached (surface, vmax) for ``key``, or ``None``."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return value

    def put(self, key: tuple[Any, ...], value: tuple[Any, float]) -> None:
        """Keep ``value``, dropping the least recently used entry when full."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _cache(request: Request, settings: Settings) -> SurfaceCache:
    cache: SurfaceCache | None = getattr(request.app.state, "raster_cache", None)
    if cache is None:
        cache = SurfaceCache(settings.raster_cache_size)
        request.app.state.raster_cache = cache
    return cache


def _claims_for(
    collection: LayerView,
    *,
    start: datetime | None,
    end: datetime | None,
    as_of: datetime | None,
    event_types: tuple[str, ...],
) -> list[Any]:
    """The layer's claims for the surface, as the reader may see them (coarsened, delayed)."""
    layer = collection.layer
    if layer.kind == "zones":
        raise InvalidInput(f"collection {layer.id!r} holds zones: a likelihood surface needs claims")
    query = collection.query(Narrowing(start=start, end=end, filters={"event_types": event_types}), as_of=as_of)
    if not isinstance(query, ClaimQuery):  # pragma: no cover - zones are refused above
        raise NotFound(f"collection {layer.id!r} has no claims")
    return collection.records(query, as_of=as_of)


def _day(t: datetime | None) -> str:
    return "open" if t is None else t.astimezone(UTC).strftime("%Y-%m-%d")


def _tags(layer: Layer, text: str | None, as_of: datetime | None) -> dict[str, str]:
    return {"layer": layer.id, "interval": text or "../..", "as_of": as_of.isoformat() if as_of else "latest"}


def _read_headers(
    request: Request,
    store: Store,
    settings: Settings,
    collection: LayerView,
    principal: Principal | None,
    as_of: datetime | None,
) -> tuple[dict[str, str], tuple[Any, ...], bool]:
    layer = collection.layer
    frozen = is_frozen(as_of, delay=collection.delay)
    last = None if frozen else collection.clock
    guards = ogc.publication_parts(collection)
    policy = cache_policy(
        request,
        parts=(layer.model_dump_json(), "auth" if principal else "anon", *guards),
        last_recorded_at=last,
        frozen=frozen,
        public=principal is None and not layer.private,
        max_age=settings.cache_max_age,
    )
    return (
        policy.headers(),
        (layer.model_dump_json(), "auth" if principal else "anon", last, *guards),
        not_modified(request, policy.etag),
    )


@router.get(
    "/collections/{collection_id}/likelihood.tif",
    summary="Likelihood surface of a claim layer as a Cloud-Optimized GeoTIFF",
    responses={
        200: {"content": {COG: {"schema": {"type": "string", "format": "binary"}}}},
        304: {"description": "Not modified"},
        **problem_responses(400, 401, 404, 413),
    },
)
def likelihood_tif(
    collection_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    datetime_: Annotated[str | None, Query(alias="datetime", description="interval of the events")] = None,
    as_of: Annotated[str | None, Query(description="as known at this instant")] = None,
    event_type: Annotated[list[str] | None, Query(description="narrow the layer's event types")] = None,
    bbox: Annotated[str | None, Query(description="grid extent, lon/lat (default: the Gaza Strip + 2 km)")] = None,
    resolution_m: Annotated[float | None, Query(description="cell size in metres (default from settings)")] = None,
) -> Response:
    """A COG of expected events per cell, tagged with the layer, interval, as_of and claim counts."""
    from layers.raster import likelihood, write_cog

    check_known(request.query_params.keys(), RASTER_PARAMS)
    collection = ogc.open_view(request, store, collection_id, principal)
    layer = collection.layer
    q = request.query_params
    interval = parse_datetime(q.get("datetime"))
    when = parse_instant(q.get("as_of"), "as_of")
    types = parse_event_types(q.getlist("event_type"))
    grid_bbox = parse_bbox(q.get("bbox"))
    res = settings.raster_resolution_m
    if q.get("resolution_m") is not None:
        try:
            res = float(q["resolution_m"])
        except ValueError:
            raise BadParameter("resolution_m", f"{q['resolution_m']!r} is not a number") from None
        if not (MIN_RESOLUTION_M <= res <= 100_000):
            raise BadParameter("resolution_m", f"{res:g} is outside {MIN_RESOLUTION_M:g}..100000 metres")
    headers, _key, fresh = _read_headers(request, store, settings, collection, principal, when)
    if fresh:
        return Response(status_code=304, headers=headers)
    claims = _claims_for(
        collection,
        start=interval.start if interval else None,
        end=interval.end if interval else None,
        as_of=when,
        event_types=types,
    )
    surface = likelihood(
        claims, bbox=grid_bbox, resolution_m=res, tags=_tags(layer, interval.text if interval else None, when)
    )
    buf = io.BytesIO()
    write_cog(surface, buf)
    parts = ["sitmap", layer.id, "likelihood"]
    if interval is not None:
        parts += [_day(interval.start), _day(interval.end)]
    headers["Content-Disposition"] = f'attachment; filename="{"_".join(parts)}.tif"'
    return Response(buf.getvalue(), media_type=COG, headers=headers)


@router.get(
    "/collections/{collection_id}/tiles/{z}/{x}/{y}.png",
    summary="XYZ tile (WebMercatorQuad) of a claim layer's likelihood surface",
    responses={
        200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
        304: {"description": "Not modified"},
        **problem_responses(400, 401, 404),
    },
)
def tile(
    collection_id: str,
    z: Annotated[int, Path(ge=0, le=22)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    principal: PrincipalDep,
    datetime_: Annotated[str | None, Query(alias="datetime", description="interval of the events")] = None,
    as_of: Annotated[str | None, Query(description="as known at this instant")] = None,
    event_type: Annotated[list[str] | None, Query(description="narrow the layer's event types")] = None,
    ramp: Annotated[str | None, Query(description="colour ramp: inferno, reds or viridis")] = None,
) -> Response:
    """A 256x256 PNG, transparent where nothing is likely; one colour scale for all tiles of a surface."""
    from layers.raster import likelihood, max_density, render_tile

    check_known(request.query_params.keys(), TILE_PARAMS)
    if x >= 2**z or y >= 2**z:
        raise NotFound(f"tile {z}/{x}/{y} does not exist (x and y must be 0..{2**z - 1} at zoom {z})")
    collection = ogc.open_view(request, store, collection_id, principal)
    layer = collection.layer
    q = request.query_params
    interval = parse_datetime(q.get("datetime"))
    when = parse_instant(q.get("as_of"), "as_of")
    types = parse_event_types(q.getlist("event_type"))
    colour = (q.get("ramp") or "inferno").strip().lower()
    if colour not in RAMPS:
        raise BadParameter("ramp", f"unknown colour ramp {q.get('ramp')!r}; one of: {', '.join(RAMPS)}")
    headers, key_parts, fresh = _read_headers(request, store, settings, collection, principal, when)
    if fresh:
        return Response(status_code=304, headers=headers)
    key = (*key_parts, interval.text if interval else None, when, types, settings.raster_resolution_m)
    cache = _cache(request, settings)
    cached = cache.get(key)
    if cached is None:
        claims = _claims_for(
            collection,
            start=interval.start if interval else None,
            end=interval.end if interval else None,
            as_of=when,
            event_types=types,
        )
        surface = likelihood(
            claims,
            resolution_m=settings.raster_resolution_m,
            tags=_tags(layer, interval.text if interval else None, when),
        )
        cached = (surface, max_density(surface))
        cache.put(key, cached)
    surface, vmax = cached
    png = render_tile(surface, z, x, y, ramp=colour, vmax=vmax if vmax > 0 else 1.0)
    return Response(png, media_type="image/png", headers=headers)
