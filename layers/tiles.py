"""Vector tiles of a layer: Mapbox Vector Tiles in the WebMercatorQuad tile matrix set.

One tile answers "what does this layer hold in this square" with what a map needs to
draw it and open a popup: for claims the point, ``id``, ``event_type``, the event time
(``valid_from``, ``valid_to``, ``time_precision``), the ~95% radius
(``uncertainty_m``), ``claimant``, ``source`` and ``status`` (plus ``coarsened_to``
when a publication policy moved it): the four things every claim keeps (who says it,
where it was said, when, how sure) are never dropped from a tile. The rest of a claim
comes from the item route. Zones carry their polygon clipped to the tile with their
issuer, source and uncertainty, incidents their location and grouping.

Each claim belongs to exactly one tile per zoom (its point lies in the half-open
square ``[west, east) x [south, north)`` in web-mercator metres), so clients can count
and cluster tiles without seeing a claim twice. A tile holding more than
:data:`TILE_MAX_FEATURES` claims carries grid clusters instead (one point per
:data:`CLUSTER_CELLS` x :data:`CLUSTER_CELLS` cell: ``count``, the commonest
``event_type``, earliest ``valid_from``, latest ``valid_to``), in a layer named
``<layer>-clusters``, so a tile stays small however many claims a view covers. An
incident tile over that limit carries the same clusters of its claims (``count`` is
claims, not incidents): grouping tens of thousands of claims into incidents is seconds of
work per tile and nothing a reader could see at that zoom.

Everything between the request and the records goes through the layer's view (its
query, ``as_of`` and publication policy): a tile shows exactly what the items route
shows for the same filters. A store may offer ``claim_tile`` (PostGIS builds the tile
in SQL with ``ST_AsMVT``; the GeoPackage reads only the tile's rows through its R-tree,
:mod:`layers.store.gpkgtiles`) and ``tile_clusters`` (the clusters of a crowded tile, or
``None``); both are used only when the reader gets records as stored.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from shapely import clip_by_rect
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.errors import NotFound
from layers.model import Incident, Layer, PublicationPolicy, Zone
from layers.store.base import ClaimQuery, Store, ZoneQuery

#: The one tile matrix set offered (OGC 2D TMS 2.0 well-known set).
TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
#: Tile coordinate space and the margin (in those units) kept around clipped polygons.
EXTENT = 4096
BUFFER = 64
#: Zoom levels served; 0..22 covers a world view down to a building.
MIN_ZOOM, MAX_ZOOM = 0, 22
#: Above this many claims in one tile, the tile carries grid clusters instead.
TILE_MAX_FEATURES = 2000
#: Cluster cells per tile side (64 x 64: cells of 64 tile units, 16 px on a 256 px tile).
CLUSTER_CELLS = 64
#: Half the web-mercator world width, in metres, the sphere's radius and the square world's latitude.
_HALF_WORLD = 20037508.342789244
_EARTH_RADIUS_M = 6378137.0
_MAX_LAT = 85.0511287798066


class TileView(Protocol):
    """What a tile needs of a layer as one reader sees it (a :class:`layers.collection.LayerView`)."""

    store: Store
    layer: Layer

    @property
    def public_form(self) -> bool: ...

    @property
    def strictest_policy(self) -> PublicationPolicy | None: ...

    def query(self, narrowing: Any = ..., *, as_of: datetime | None = None) -> ClaimQuery | ZoneQuery: ...

    def features(self, records: list[Any], *, include_region: bool, as_of: datetime | None = None) -> list[Any]: ...

    def zones(self, query: ZoneQuery) -> list[Zone]: ...

    def incidents(self, narrowing: Any, as_of: datetime | None) -> list[Incident]: ...


@dataclass(frozen=True)
class TileAddress:
    """One tile of WebMercatorQuad: its indices and bounds in metres (EPSG:3857) and degrees."""

    z: int
    x: int
    y: int

    @property
    def size_m(self) -> float:
        """Width (= height) of the tile in web-mercator metres."""
        return 2 * _HALF_WORLD / (1 << self.z)

    @property
    def mercator_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in EPSG:3857 metres; rows count from the north."""
        s = self.size_m
        west = -_HALF_WORLD + self.x * s
        north = _HALF_WORLD - self.y * s
        return west, north - s, west + s, north

    def lonlat_bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, grown by ``margin`` tile widths on each side."""
        w, s, e, n = self.mercator_bounds
        pad = margin * self.size_m
        lon0, lat0 = _to_lonlat(max(-_HALF_WORLD, w - pad), max(-_HALF_WORLD, s - pad))
        lon1, lat1 = _to_lonlat(min(_HALF_WORLD, e + pad), min(_HALF_WORLD, n + pad))
        return lon0, lat0, lon1, lat1


def tile_address(tms: str, z: int, x: int, y: int) -> TileAddress:
    """The tile ``z/x/y`` of ``tms`` (``NotFound`` for another set or indices outside it)."""
    if tms != TMS_ID:
        raise NotFound(f"tile matrix set {tms!r} is not offered; use {TMS_ID}")
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise NotFound(f"tile matrix {z} is outside {TMS_ID} as served here ({MIN_ZOOM}..{MAX_ZOOM})")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise NotFound(f"tile {z}/{x}/{y} is outside tile matrix {z} (columns and rows 0..{n - 1})")
    return TileAddress(z, x, y)


def _to_lonlat(mx: float, my: float) -> tuple[float, float]:
    lon = mx / _HALF_WORLD * 180.0
    lat = math.degrees(2 * math.atan(math.exp(my / _HALF_WORLD * math.pi)) - math.pi / 2)
    return lon, lat


def to_mercator(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in web-mercator metres (spherical formula, latitudes clamped to the square world).

    The same arithmetic as the PostGIS tiles (:mod:`layers.store.pgtiles`), so both
    stores put a point in the same tile.
    """
    import numpy as np
    import shapely

    def project(coords: Any) -> Any:
        return np.column_stack(to_mercator_xy(coords[:, 0], coords[:, 1]))

    return shapely.transform(geom, project)


def to_mercator_xy(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Web-mercator metres of lon/lat arrays (the arithmetic of :func:`to_mercator`)."""
    import numpy as np

    x = _EARTH_RADIUS_M * np.radians(lon)
    phi = np.radians(np.clip(lat, -_MAX_LAT, _MAX_LAT))
    return x, _EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + phi / 2))


def stamp(t: datetime | None) -> str | None:
    """An instant as the contract writes it: RFC 3339 UTC, microseconds only when there are any."""
    if t is None:
        return None
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if t.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _anchor(geom: BaseGeometry) -> Point:
    return geom if isinstance(geom, Point) else geom.representative_point()


def _inside(tile: TileAddress, p: Point) -> bool:
    w, s, e, n = tile.mercator_bounds
    return bool(w <= p.x < e and s <= p.y < n)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None and v != ""}


#: The contract properties a claim (or incident) carries in a tile, in this order.
CLAIM_TILE_PROPERTIES = (
    "id",
    "event_type",
    "valid_from",
    "valid_to",
    "time_precision",
    "uncertainty_m",
    "claimant",
    "source",
    "status",
    "coarsened_to",
)


def claim_properties(feature: dict[str, Any]) -> dict[str, Any]:
    """What a tile carries of a claim or incident feature: enough to draw it and start its popup.

    Taken from the contract feature the items route serves (same names, same values);
    an incident's ``claimants`` become one ``claimant`` text.
    """
    props = feature["properties"]
    out = {k: props.get(k) for k in CLAIM_TILE_PROPERTIES}
    out["id"] = feature.get("id", props.get("id"))
    if out["claimant"] is None and props.get("claimants"):
        out["claimant"] = "; ".join(props["claimants"])
    if out["source"] is None and props.get("sources"):
        out["source"] = "; ".join(props["sources"])
    if props.get("independent_sources") is not None:
        out["independent_sources"] = props["independent_sources"]
    if out["uncertainty_m"] is not None:
        out["uncertainty_m"] = float(out["uncertainty_m"])
    return _clean(out)


def zone_properties(zone: Zone) -> dict[str, Any]:
    """What a tile carries of a zone (order)."""
    return _clean(
        {
            "id": zone.id,
            "order_type": zone.order_type,
            "issuer": zone.issuer,
            "source": zone.source,
            "uncertainty_m": zone.uncertainty.radius_m,
            "title": zone.title,
            "effective_from": stamp(zone.effective_from),
            "lifted_at": stamp(zone.lifted_at),
            "status": zone.status,
        }
    )


@dataclass(frozen=True)
class PointFeature:
    """A point (web-mercator metres) and its tile properties."""

    point: Point
    props: dict[str, Any]


def cluster(tile: TileAddress, feats: Sequence[PointFeature]) -> list[dict[str, Any]]:
    """Grid clusters of ``feats`` (all inside ``tile``): one feature per occupied cell.

    Each cluster sits at the mean position of its claims and carries ``count``, the
    commonest ``event_type`` (ties: alphabetical first), the earliest ``valid_from``
    and the latest ``valid_to``.
    """
    w, s, _e, _n = tile.mercator_bounds
    cell = tile.size_m / CLUSTER_CELLS
    cells: dict[tuple[int, int], list[PointFeature]] = {}
    for f in feats:
        key = (int((f.point.x - w) // cell), int((f.point.y - s) // cell))
        cells.setdefault(key, []).append(f)
    out = []
    for key in sorted(cells):
        members = cells[key]
        types = Counter(str(m.props.get("event_type", "")) for m in members)
        top = max(types.values())
        starts = [m.props["valid_from"] for m in members if "valid_from" in m.props]
        ends = [m.props["valid_to"] for m in members if "valid_to" in m.props]
        props = _clean(
            {
                "count": len(members),
                "event_type": min(t for t, n in types.items() if n == top),
                "valid_from": min(starts) if starts else None,
                "valid_to": max(ends) if ends else None,
            }
        )
        x = sum(m.point.x for m in members) / len(members)
        y = sum(m.point.y for m in members) / len(members)
        out.append({"geometry": Point(x, y), "properties": props})
    return out


def encode(tile: TileAddress, layers: Iterable[tuple[str, list[dict[str, Any]]]]) -> bytes:
    """The MVT bytes of ``layers`` (name, features with web-mercator geometries); b"" if all are empty."""
    import mapbox_vector_tile
    import shapely

    w, s, _e, _n = tile.mercator_bounds
    scale = EXTENT / tile.size_m

    def to_tile(coords: Any) -> Any:
        return (coords - (w, s)) * scale

    kept = [
        {
            "name": name,
            "features": [
                {"geometry": shapely.transform(f["geometry"], to_tile), "properties": f["properties"]} for f in feats
            ],
        }
        for name, feats in layers
        if feats
    ]
    if not kept:
        return b""
    options = {"extents": EXTENT, "y_coord_down": False}
    return bytes(mapbox_vector_tile.encode(kept, default_options=options))


def point_layers(name: str, tile: TileAddress, feats: list[PointFeature]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The claim layer of a tile, or its clusters layer when it holds more than :data:`TILE_MAX_FEATURES`."""
    if len(feats) > TILE_MAX_FEATURES:
        return [(f"{name}-clusters", cluster(tile, feats))]
    return [(name, [{"geometry": f.point, "properties": f.props} for f in feats])]


def _point_features(tile: TileAddress, features: Iterable[dict[str, Any]]) -> list[PointFeature]:
    """The contract features whose point lies in ``tile``, as web-mercator points with tile properties."""
    from shapely.geometry import shape

    out = []
    for feat in features:
        if not feat.get("geometry"):
            continue
        p = to_mercator(_anchor(shape(feat["geometry"])))
        assert isinstance(p, Point)
        if _inside(tile, p):
            out.append(PointFeature(p, claim_properties(feat)))
    return out


def selection_margin(view: TileView, tile: TileAddress) -> tuple[float, float, float, float] | None:
    """The lon/lat box whose stored records can land in ``tile`` once the reader's policy moved them.

    Records as stored: the tile itself. Snapped to a grid: grown by one cell. Replaced
    by an admin area: anywhere (``None``), since an area's point can be far from a claim.
    """
    if not view.public_form:
        return tile.lonlat_bounds()
    policy = view.strictest_policy
    if policy is None:  # only withheld, never moved: the tile itself
        return tile.lonlat_bounds()
    if policy.admin_level is not None:
        return None
    if policy.snap_m is not None:
        w, s, e, n = tile.lonlat_bounds()
        pad = policy.snap_m / 111_000.0 / max(0.1, math.cos(math.radians(max(abs(s), abs(n))))) * 1.5
        return max(-180.0, w - pad), max(-90.0, s - pad), min(180.0, e + pad), min(90.0, n + pad)
    return tile.lonlat_bounds()


def layer_tile(view: TileView, tile: TileAddress, narrowing: Any, *, as_of: datetime | None) -> bytes:
    """The MVT bytes of ``view``'s layer in ``tile`` for the request's narrowing (b"" when empty).

    ``narrowing`` is the items route's (event interval and filters); its bbox is
    replaced by the tile's. Claims and incidents come in their public form when the
    reader's policy applies; zones are public orders and come as stored.
    """
    layer = view.layer
    name = layer.id
    if layer.kind == "zones":
        zq = view.query(replace(narrowing, bbox=tile.lonlat_bounds(BUFFER / EXTENT)), as_of=as_of)
        assert isinstance(zq, ZoneQuery)
        return encode(tile, [(name, _zone_features(tile, view.zones(zq)))])
    box = selection_margin(view, tile)
    fast = getattr(view.store, "claim_tile", None) if not view.public_form else None
    if layer.kind == "incidents":
        crowded = getattr(view.store, "tile_clusters", None) if fast is not None else None
        if crowded is not None:
            # grouping every claim of a crowded tile costs seconds and draws as a blur:
            # above the feature limit the tile carries claim clusters, incidents from one zoom on
            cq = view.query(replace(narrowing, bbox=box), as_of=as_of)
            assert isinstance(cq, ClaimQuery)
            clustered = crowded(cq, tile, name=name)
            if clustered is not None:
                return bytes(clustered)
        incidents = view.incidents(replace(narrowing, bbox=box), as_of)
        feats = view.features(list(incidents), include_region=False, as_of=as_of)
        return encode(tile, point_layers(name, tile, _point_features(tile, feats)))
    query = view.query(replace(narrowing, bbox=box), as_of=as_of)
    assert isinstance(query, ClaimQuery)
    if fast is not None:
        return bytes(fast(query, tile, name=name))
    records = list(view.store.query_claims(query).items)
    feats = view.features(records, include_region=False, as_of=as_of)
    return encode(tile, point_layers(name, tile, _point_features(tile, feats)))


def _zone_features(tile: TileAddress, zones: Iterable[Zone]) -> list[dict[str, Any]]:
    w, s, e, n = tile.mercator_bounds
    pad = tile.size_m * BUFFER / EXTENT
    out = []
    for zone in zones:
        geom = clip_by_rect(to_mercator(zone.geometry), w - pad, s - pad, e + pad, n + pad)
        if not geom.is_empty:
            out.append({"geometry": geom, "properties": zone_properties(zone)})
    return out


def tileset_layers(layer: Layer, zooms: tuple[int, int] = (MIN_ZOOM, MAX_ZOOM)) -> list[dict[str, Any]]:
    """The ``layers`` member of a tileset description: what each MVT layer holds (TMS 2.0 ``layers``)."""
    lo, hi = zooms
    if layer.kind == "zones":
        props = {
            "id": "string",
            "order_type": "string",
            "issuer": "string",
            "source": "string",
            "uncertainty_m": "number",
            "title": "string",
            "effective_from": "string",
            "lifted_at": "string",
            "status": "string",
        }
        whole = "One polygon per order, clipped to the tile (with a margin)."
        return [_layer_doc(layer.id, layer.title, "polygons", 2, props, lo, hi, whole)]
    props = {
        "id": "string",
        "event_type": "string",
        "valid_from": "string",
        "valid_to": "string",
        "time_precision": "string",
        "uncertainty_m": "number",
        "claimant": "string",
        "source": "string",
        "status": "string",
        "coarsened_to": "string",
    }
    if layer.kind == "incidents":
        props["independent_sources"] = "integer"
    clusters = {"count": "integer", "event_type": "string", "valid_from": "string", "valid_to": "string"}
    unit = "incident" if layer.kind == "incidents" else "claim"
    whole = (
        f"One point per {unit}, in a tile holding at most {TILE_MAX_FEATURES} claims; a tile holding more "
        f"carries the layer {layer.id}-clusters instead (zoom in to see every {unit})."
    )
    crowded = (
        f"Present only in a tile holding more than {TILE_MAX_FEATURES} claims, instead of {layer.id}: one point "
        f"per occupied cell of a {CLUSTER_CELLS} x {CLUSTER_CELLS} grid over the tile, at the mean position of "
        "its claims, with count (claims, not incidents), the commonest event_type, the earliest valid_from and "
        f"the latest valid_to; the {unit}s themselves are in the tiles of higher zooms."
    )
    return [
        _layer_doc(layer.id, layer.title, "points", 0, props, lo, hi, whole),
        _layer_doc(f"{layer.id}-clusters", f"{layer.title} (clusters)", "points", 0, clusters, lo, hi, crowded),
    ]


def _layer_doc(
    lid: str, title: str, data_type: str, dim: int, props: dict[str, str], lo: int, hi: int, description: str
) -> dict[str, Any]:
    return {
        "id": lid,
        "title": title,
        "description": description,
        "dataType": data_type,
        "geometryDimension": dim,
        "minTileMatrix": str(lo),
        "maxTileMatrix": str(hi),
        "propertiesSchema": {
            "type": "object",
            "properties": {k: {"type": v} for k, v in props.items()},
        },
    }
