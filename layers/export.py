"""Features and downloads: one serialisation of claims, zones and incidents for every output.

:func:`claim_feature`, :func:`zone_feature` and :func:`incident_feature` turn records
into GeoJSON features whose properties are sitmap's public contract, taken from the one
table in :mod:`geo.contract` (names, order, derivations): every export, API response
and map popup uses them. Writers take an iterable of records or of such
features and either yield bytes (:func:`iter_geojson`, :func:`iter_csv`,
:func:`iter_kml`: the service streams them) or write a file (:func:`write_gpkg`,
:func:`write_parquet`, :func:`write_kml`; :func:`write_export` for any format), always
to a temporary name first, so a failed export never leaves a partial file under the
final name.

GeoJSON follows RFC 7946: lon/lat, coordinates rounded to 7 decimals (about 1 cm),
polygons with counter-clockwise exteriors (right-hand rule), no ``crs`` member. CSV
uses ACLED's column names first (``event_id_cnty``, ``event_date``, ``time_precision``
as ACLED codes 1/2/3 ...) then sitmap's own; a text cell starting with ``= + - @``,
tab or carriage return gets a leading apostrophe so spreadsheets never run it as a
formula.
"""

from __future__ import annotations

import csv
import errno
import html
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geo.contract import (
    CLAIM_CONTRACT,
    CLAIM_CSV_COLUMNS,
    CLAIM_PROPERTIES,
    ZONE_CONTRACT,
    ZONE_PROPERTIES,
    claim_properties,
    iso,
    zone_area,
    zone_properties,
)
from geo.errors import InvalidInput, StoreError, Unsupported
from layers.model import ClaimRecord, Incident, Zone

#: Property names of an incident feature, in output order.
INCIDENT_PROPERTIES: tuple[str, ...] = (
    "id",
    "event_type",
    "status",
    "independent_sources",
    "claim_ids",
    "sources",
    "claimants",
    "place_name",
    "placement_method",
    "uncertainty_m",
    "geo_precision",
    "where_prec",
    "valid_from",
    "valid_to",
    "time_precision",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "conflicts",
    "coarsened_to",
)

#: Output formats: file suffix and media type.
FORMATS: dict[str, tuple[str, str]] = {
    "geojson": (".geojson", "application/geo+json"),
    "csv": (".csv", "text/csv; charset=utf-8"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3"),
    "parquet": (".parquet", "application/vnd.apache.parquet"),
    "kml": (".kml", "application/vnd.google-earth.kml+xml"),
}

COORD_DECIMALS = 7

Item = ClaimRecord | Zone | Incident | dict[str, Any]


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def _round_coords(coords: Any, nd: int) -> Any:
    if isinstance(coords, list | tuple):
        if coords and isinstance(coords[0], int | float):
            return [round(float(c), nd) for c in coords[:2]]
        return [_round_coords(c, nd) for c in coords]
    return coords


def _oriented(geom: BaseGeometry) -> BaseGeometry:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 right-hand rule)."""
    kind = geom.geom_type
    if kind == "Polygon":
        return orient(geom, sign=1.0)
    if kind == "MultiPolygon":
        return shapely.MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    if kind == "GeometryCollection":
        return shapely.GeometryCollection([_oriented(g) for g in geom.geoms])
    return geom


def geometry_json(geom: BaseGeometry | None, *, decimals: int = COORD_DECIMALS) -> dict[str, Any] | None:
    """An RFC 7946 geometry mapping: 2D lon/lat, rounded, right-hand polygons; ``None`` stays ``None``."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "Point":  # the common case, without the generic mapping
        return {"type": "Point", "coordinates": [round(float(geom.x), decimals), round(float(geom.y), decimals)]}
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    return _geometry_mapping(_oriented(geom), decimals)


def _geometry_mapping(geom: BaseGeometry, decimals: int) -> dict[str, Any]:
    if geom.geom_type == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [_geometry_mapping(g, decimals) for g in geom.geoms]}
    m = mapping(geom)
    return {"type": m["type"], "coordinates": _round_coords(m["coordinates"], decimals)}


# --------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------


def claim_feature(
    record: ClaimRecord, *, include_region: bool = False, coarsened_to: str | None = None
) -> dict[str, Any]:
    """A claim as a GeoJSON Feature with exactly the contract properties.

    ``include_region`` adds the uncertainty region polygon as the ``uncertainty_region``
    property (a GeoJSON geometry, or ``None`` when the claim has only a radius).
    ``coarsened_to`` records a publication policy's transformation ("grid:1000m").
    """
    props = claim_properties(record, coarsened_to=coarsened_to)
    if include_region:
        unc = record.uncertainty
        props["uncertainty_region"] = geometry_json(unc.region if unc is not None else None)
    return {"type": "Feature", "id": record.id, "geometry": geometry_json(record.geometry), "properties": props}


def zone_area_km2(geom: BaseGeometry) -> float:
    """A zone's area in km², measured in sitmap's equal-area CRS, rounded to 0.001 km²."""
    return zone_area(geom)


def zone_feature(zone: Zone, *, include_region: bool = False) -> dict[str, Any]:
    """A zone as a GeoJSON Feature with exactly the contract properties.

    ``include_region`` adds the issuer's drawn area, when it was kept beside the block
    list, as the ``drawn_geometry`` property.
    """
    props = zone_properties(zone)
    if include_region:
        props["drawn_geometry"] = geometry_json(zone.drawn_geometry)
    return {"type": "Feature", "id": zone.id, "geometry": geometry_json(zone.geometry), "properties": props}


def incident_feature(
    incident: Incident, *, include_region: bool = False, coarsened_to: str | None = None
) -> dict[str, Any]:
    """An incident as a GeoJSON Feature: its members, voices, status and tightest location and time."""
    unc = incident.uncertainty
    fat = incident.fatalities or {}
    props: dict[str, Any] = {
        "id": incident.id,
        "event_type": incident.event_type,
        "status": incident.status,
        "independent_sources": incident.independent_sources,
        "claim_ids": list(incident.claim_ids),
        "sources": list(incident.sources),
        "claimants": list(incident.claimants),
        "place_name": incident.place_name,
        "placement_method": None if unc is None else unc.method,
        "uncertainty_m": None if unc is None else unc.radius_m,
        "geo_precision": None if unc is None else unc.geo_precision,
        "where_prec": None if unc is None else unc.where_prec,
        "valid_from": iso(incident.valid_from),
        "valid_to": iso(incident.valid_to),
        "time_precision": incident.time_precision,
        "fatalities": fat.get("best"),
        "fatalities_low": fat.get("low"),
        "fatalities_high": fat.get("high"),
        "conflicts": list(incident.conflicts),
        "coarsened_to": coarsened_to,
    }
    if include_region:
        props["uncertainty_region"] = geometry_json(unc.region if unc is not None else None)
    return {"type": "Feature", "id": incident.id, "geometry": geometry_json(incident.geometry), "properties": props}


#: What makes a claim (who claims it, who carried it, when, how sure): a property selection
#: keeps these unless it names them away (``-claimant``). Likewise for zones and incidents.
CORE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "claim": (
        "claimant",
        "source",
        "valid_from",
        "valid_to",
        "time_precision",
        "uncertainty_m",
        "geo_precision",
        "where_prec",
    ),
    "zone": ("issuer", "source", "issued_at", "effective_from", "lifted_at", "time_precision", "uncertainty_m"),
    "incident": ("claimants", "sources", "valid_from", "valid_to", "time_precision", "uncertainty_m"),
}
_KIND_PROPERTIES = {"claim": CLAIM_PROPERTIES, "zone": ZONE_PROPERTIES, "incident": INCIDENT_PROPERTIES}
_REGION_PROPERTY = {"claim": "uncertainty_region", "zone": "drawn_geometry", "incident": "uncertainty_region"}


def property_selection(names: Iterable[str], kind: str) -> frozenset[str]:
    """The properties a ``properties=a,b,-c`` selection keeps for features of ``kind``.

    Named properties are added to ``id`` and the kind's :data:`CORE_PROPERTIES`; a
    name with a leading ``-`` removes it, which is the only way a core property goes.
    Unknown names are an :class:`InvalidInput` naming them.
    """
    known = set(_KIND_PROPERTIES[kind]) | {_REGION_PROPERTY[kind]}
    keep = {"id", *CORE_PROPERTIES[kind]}
    drop: set[str] = set()
    for item in names:
        for raw in item.split(","):
            name = raw.strip()
            if not name:
                continue
            target = drop if name.startswith("-") else keep
            name = name.removeprefix("-").strip()
            if name not in known or (name == "id" and target is drop):
                raise InvalidInput(
                    f"{name!r} is not a selectable property of these {kind}s; one of: {', '.join(sorted(known))}"
                )
            target.add(name)
    return frozenset(keep - drop)


def select_properties(feature: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    """``feature`` with only the properties in ``keep``, in their contract order."""
    props = feature["properties"]
    return {**feature, "properties": {k: v for k, v in props.items() if k in keep}}


#: CSV columns of a claim computed from other properties: kept when one of those is selected.
_CSV_SOURCES: dict[str, tuple[str, ...]] = {
    "event_id_cnty": ("id",),
    "event_date": ("valid_from",),
    "year": ("valid_from",),
    "event_type": ("event_type",),
    "sub_event_type": ("event_type",),
    "sitmap_event_type": ("event_type",),
    "actor1": ("event_type",),
    "location": ("place_name", "place_text"),
    "notes": ("quote",),
    "timestamp": ("recorded_at",),
    "sitmap_time_precision": ("time_precision",),
    "uncertainty_region_wkt": ("uncertainty_region",),
}
#: Columns every CSV row keeps: where the feature is.
_CSV_PLACE = frozenset({"latitude", "longitude", "geometry_wkt"})


def _csv_keeps(column: str, keep: frozenset[str]) -> bool:
    return column in _CSV_PLACE or any(src in keep for src in _CSV_SOURCES.get(column, (column,)))


def as_feature(item: Item, *, include_region: bool = False) -> dict[str, Any]:
    """Any record (claim, zone, incident) or an already-built feature, as a feature."""
    if isinstance(item, dict):
        if item.get("type") != "Feature":
            raise InvalidInput("expected a GeoJSON Feature mapping")
        return item
    if isinstance(item, ClaimRecord):
        return claim_feature(item, include_region=include_region)
    if isinstance(item, Zone):
        return zone_feature(item, include_region=include_region)
    if isinstance(item, Incident):
        return incident_feature(item, include_region=include_region)
    raise InvalidInput(f"cannot export a {type(item).__name__}")


def feature_collection(features: Iterable[Item], **members: Any) -> dict[str, Any]:
    """A FeatureCollection dict of ``features`` with extra top-level ``members`` (links, numberMatched...)."""
    return {"type": "FeatureCollection", **members, "features": [as_feature(f) for f in features]}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def iter_geojson(
    items: Iterable[Item],
    *,
    include_region: bool = False,
    chunk_features: int = 500,
    properties: frozenset[str] | None = None,
    **members: Any,
) -> Iterator[bytes]:
    """Stream a FeatureCollection as UTF-8 bytes: one feature per line, bounded memory.

    ``members`` become top-level members written before ``features`` (e.g.
    ``numberMatched``, ``links``, ``timeStamp``). ``properties`` keeps only those
    properties (see :func:`property_selection`). Output for the same input is
    byte-for-byte identical.
    """
    head = {"type": "FeatureCollection", **members}
    yield (_dumps(head)[:-1] + ',"features":[\n').encode()
    buf: list[str] = []
    first = True
    for item in items:
        feature = as_feature(item, include_region=include_region)
        if properties is not None:
            feature = select_properties(feature, properties)
        text = _dumps(feature)
        buf.append(text if first else ",\n" + text)
        first = False
        if len(buf) >= chunk_features:
            yield "".join(buf).encode()
            buf = []
    buf.append("\n]}\n")
    yield "".join(buf).encode()


def iter_geojson_texts(texts: Iterable[str], *, chunk_features: int = 1000, **members: Any) -> Iterator[bytes]:
    """Stream a FeatureCollection of features already written as JSON texts (one per line), as :func:`iter_geojson`.

    The texts come from the store (``layers.store.rows.feature_sql``); ``members`` are
    written before ``features``.
    """
    head = {"type": "FeatureCollection", **members}
    yield (_dumps(head)[:-1] + ',"features":[\n').encode()
    buf: list[str] = []
    sep = ""
    for text in texts:
        buf.append(sep)
        buf.append(text)
        sep = ",\n"
        if len(buf) >= 2 * chunk_features:
            yield "".join(buf).encode()
            buf = []
    buf.append("\n]}\n")
    yield "".join(buf).encode()


#: Most bytes in one body chunk of a streamed download: a compressing middleware works a chunk
#: at a time on the server's event loop, so a block of several MB would hold every other
#: request for as long as it takes (gzip on a loaded machine: about 20-40 MB/s).
BODY_CHUNK_BYTES = 1 << 20


def _pieces(data: bytes) -> Iterator[bytes]:
    """``data`` in slices of at most :data:`BODY_CHUNK_BYTES`."""
    if len(data) <= BODY_CHUNK_BYTES:
        yield data
        return
    for i in range(0, len(data), BODY_CHUNK_BYTES):
        yield data[i : i + BODY_CHUNK_BYTES]


def iter_geojson_blocks(blocks: Iterable[Sequence[bytes]], **members: Any) -> Iterator[bytes]:
    """Stream a FeatureCollection of feature texts (UTF-8) that come a block at a time.

    The same bytes as :func:`iter_geojson_texts` of the texts in order; a block (a few
    MB, see ``layers.store.sqlreads.ENCODED_CHUNK``) is joined in one step, so a
    download costs no Python per feature, and sent in chunks of about 1 MB.
    """
    head = {"type": "FeatureCollection", **members}
    lead = (_dumps(head)[:-1] + ',"features":[\n').encode()
    sep = b""
    for block in blocks:
        if not block:
            continue
        yield from _pieces(lead + sep + b",\n".join(block))
        lead, sep = b"", b",\n"
    yield lead + b"\n]}\n"


def iter_csv_blocks(blocks: Iterable[Sequence[bytes]], columns: Sequence[str]) -> Iterator[bytes]:
    """Stream a CSV of lines already written (UTF-8, ``csv.writer``'s, ``\\r\\n``-terminated) under a header.

    The same bytes as :func:`iter_csv_rows` of the rows those lines were written from,
    with ``columns`` as the header; sent in chunks of about 1 MB.
    """
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    lead = out.getvalue().encode()
    for block in blocks:
        if block:
            yield from _pieces(lead + b"".join(block))
            lead = b""
    if lead:
        yield lead


# --------------------------------------------------------------------------------------
# Flat rows (CSV, GeoPackage, GeoParquet)
# --------------------------------------------------------------------------------------

#: sitmap event type -> ACLED (event_type, sub_event_type). Types ACLED has no exact
#: counterpart for map onto its nearest category; sitmap's own type is kept in
#: ``sitmap_event_type``.
ACLED_EVENT_TYPE: dict[str, tuple[str, str]] = {
    "airstrike": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "rocket_launch": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "ground_operation": ("Battles", "Armed clash"),
    "shooting": ("Violence against civilians", "Attack"),
    "evacuation_order": ("Strategic developments", "Other"),
    "humanitarian_zone": ("Strategic developments", "Other"),
    "negotiation": ("Strategic developments", "Agreement"),
    "other": ("Strategic developments", "Other"),
}

#: sitmap time precision -> ACLED time_precision code (1 day, 2 week, 3 month or coarser).
ACLED_TIME_PRECISION: dict[str, int] = {"hour": 1, "day": 1, "week": 2, "month": 3, "year": 3, "unknown": 3}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _kind(props: dict[str, Any]) -> str:
    if "claim_ids" in props:
        return "incident"
    if "order_type" in props:
        return "zone"
    return "claim"


def _wkt(geom_json: dict[str, Any] | None) -> str | None:
    if geom_json is None:
        return None
    return str(shapely.to_wkt(shape(geom_json), rounding_precision=COORD_DECIMALS, trim=True))


def _joined(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):  # a geometry property (uncertainty_region, drawn_geometry)
        return _wkt(value)
    return value


def _lonlat(geom_json: dict[str, Any] | None) -> tuple[float | None, float | None]:
    if geom_json is None:
        return None, None
    if geom_json["type"] == "Point":
        lon, lat = geom_json["coordinates"][:2]
        return float(lon), float(lat)
    pt = shape(geom_json).representative_point()
    return round(pt.x, COORD_DECIMALS), round(pt.y, COORD_DECIMALS)


def _parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def claim_csv_row(feature: dict[str, Any]) -> dict[str, Any]:
    """The CSV row of a claim feature: ACLED-compatible columns, then sitmap's own.

    ``actor1`` stays empty on purpose: ACLED's actor1 is the perpetrator, and sitmap
    records who *claims* an event (``claimant``), not who did it.
    """
    p = feature["properties"]
    geom = feature.get("geometry")
    lon, lat = _lonlat(geom)
    acled_type, acled_sub = ACLED_EVENT_TYPE.get(p["event_type"], ACLED_EVENT_TYPE["other"])
    start = _parse_iso(p.get("valid_from"))
    recorded = _parse_iso(p.get("recorded_at"))
    row: dict[str, Any] = {
        "event_id_cnty": p["id"],
        "event_date": start.date().isoformat() if start else None,
        "year": start.year if start else None,
        "time_precision": ACLED_TIME_PRECISION.get(p.get("time_precision") or "unknown", 3),
        "event_type": acled_type,
        "sub_event_type": acled_sub,
        "actor1": None,
        "location": p.get("place_name") or p.get("place_text"),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": p.get("geo_precision"),
        "source": p.get("source"),
        "notes": p.get("quote"),
        "fatalities": p.get("fatalities"),
        "timestamp": int(recorded.timestamp()) if recorded else None,
        "geometry_wkt": _wkt(geom),
    }
    for prop in CLAIM_CONTRACT:  # sitmap's own columns: the contract's, renamed where ACLED has the name
        if prop.csv_name is not None:
            row[prop.csv_name] = _joined(p.get(prop.name))
    ordered = {key: row[key] for key in CLAIM_CSV_COLUMNS}
    if "uncertainty_region" in p:
        ordered["uncertainty_region_wkt"] = _joined(p["uncertainty_region"])
    return ordered


def flat_row(feature: dict[str, Any]) -> dict[str, Any]:
    """A zone or incident feature as a flat row: its properties (lists joined by '; ') plus WKT geometry."""
    p = feature["properties"]
    row = {k: _joined(v) for k, v in p.items()}
    lon, lat = _lonlat(feature.get("geometry"))
    row["latitude"], row["longitude"] = lat, lon
    row["geometry_wkt"] = _wkt(feature.get("geometry"))
    return row


def _row(feature: dict[str, Any]) -> dict[str, Any]:
    return claim_csv_row(feature) if _kind(feature["properties"]) == "claim" else flat_row(feature)


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_cell(value)


def iter_csv(
    items: Iterable[Item],
    *,
    include_region: bool = False,
    chunk_rows: int = 1000,
    bom: bool = False,
    properties: frozenset[str] | None = None,
) -> Iterator[bytes]:
    """Stream records or features as UTF-8 CSV (header first), in chunks of ``chunk_rows`` rows.

    Claims use ACLED-compatible columns (see :data:`CLAIM_CSV_COLUMNS`); zones and
    incidents their feature properties. The header comes from the first row, so one
    call writes one kind. Empty input gives the claim header alone. ``bom`` prefixes a
    UTF-8 byte-order mark for spreadsheet programs that need one to read Arabic or Hebrew.
    ``properties`` keeps the columns of those properties (and of the place: latitude,
    longitude, WKT); an ACLED column derived from a property goes with it.
    """
    out = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    if bom:
        out.write("\ufeff")
    for n, item in enumerate(items, start=1):
        row = _row(as_feature(item, include_region=include_region))
        if writer is None:
            columns = [c for c in row if properties is None or _csv_keeps(c, properties)]
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
        writer.writerow({k: _csv_text(v) for k, v in row.items()})
        if n % chunk_rows == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if writer is None:
        header = [c for c in CLAIM_CSV_COLUMNS if properties is None or _csv_keeps(c, properties)]
        csv.writer(out, lineterminator="\r\n").writerow(header)
    yield out.getvalue().encode()


def csv_columns(properties: frozenset[str] | None) -> tuple[str, ...]:
    """The CSV columns of claims for a ``properties`` selection (all of them for ``None``)."""
    return tuple(c for c in CLAIM_CSV_COLUMNS if properties is None or _csv_keeps(c, properties))


def iter_csv_rows(rows: Iterable[Sequence[Any]], columns: Sequence[str], *, chunk_rows: int = 2000) -> Iterator[bytes]:
    """Stream rows whose values are CSV-ready (text escaped, as :func:`iter_csv` escapes) under a ``columns`` header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk_rows:
            writer.writerows(batch)
            batch = []
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    writer.writerows(batch)
    yield out.getvalue().encode()


_TIME_COLUMNS = (
    "valid_from",
    "valid_to",
    "recorded_at",
    "superseded_at",
    "issued_at",
    "effective_from",
    "lifted_at",
)


#: Columns of whole numbers in the contract (counts, precision codes, versions) and incidents.
_INT_COLUMNS = frozenset(
    {p.name for p in (*CLAIM_CONTRACT, *ZONE_CONTRACT) if p.kind == "int"} | {"independent_sources"}
)
#: Columns of real numbers in the contract (radius, confidence): typed even where every row has none.
_FLOAT_COLUMNS = frozenset({p.name for p in (*CLAIM_CONTRACT, *ZONE_CONTRACT) if p.kind == "float"})


#: JSON Schema of each contract kind (incident properties are not in the contract table).
_SCHEMA_KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "time": {"type": "string", "format": "date-time"},
    "list": {"type": "array", "items": {"type": "string"}},
}
_INCIDENT_SCHEMA: dict[str, dict[str, Any]] = {
    "independent_sources": {"type": "integer"},
    "claim_ids": {"type": "array", "items": {"type": "string"}},
    "sources": {"type": "array", "items": {"type": "string"}},
    "claimants": {"type": "array", "items": {"type": "string"}},
    "conflicts": {"type": "array", "items": {"type": "object"}},
}


def feature_schema(kind: str, *, title: str = "") -> dict[str, Any]:
    """The JSON Schema of one feature of a ``claims``, ``zones`` or ``incidents`` layer.

    Derived from the contract table, so a client that types its columns from a schema
    (GDAL's OAPIF driver, hence QGIS, follows a collection's ``describedby`` link) gets
    counts as integers and times as date-times even where the first page holds no value.
    Every property may be null (unknown); each is given one type, as GDAL reads one.
    """
    by_name = {p.name: p for p in (*CLAIM_CONTRACT, *ZONE_CONTRACT)}
    contract = {"claims": CLAIM_CONTRACT, "zones": ZONE_CONTRACT}.get(kind)
    if contract is not None:
        props = {p.name: dict(_SCHEMA_KINDS[p.kind]) for p in contract}
    else:
        props = {}
        for name in INCIDENT_PROPERTIES:
            known = _INCIDENT_SCHEMA.get(name) or _SCHEMA_KINDS[by_name[name].kind if name in by_name else "text"]
            props[name] = dict(known)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": "A sitmap feature: every property may be null where it is unknown.",
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {
                "type": "object",
                "description": "GeoJSON geometry in CRS84, or null (a claim without a place)",
            },
            # "id" is the feature's (above): GDAL 3.6 adds it as a column from the items and
            # would add a second "id" from here
            "properties": {"type": "object", "properties": {k: v for k, v in props.items() if k != "id"}},
        },
    }


def features_frame(items: Iterable[Item], *, include_region: bool = False) -> Any:
    """A GeoDataFrame (EPSG:4326) of the features: flat columns, real datetimes, one geometry column."""
    import geopandas as gpd
    import pandas as pd

    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    kind = "claim"
    for item in items:
        feat = as_feature(item, include_region=include_region)
        kind = _kind(feat["properties"])
        row = {k: _joined(v) for k, v in feat["properties"].items()}
        rows.append(row)
        g = feat.get("geometry")
        geoms.append(shape(g) if g is not None else None)
    columns = {"claim": CLAIM_PROPERTIES, "zone": ZONE_PROPERTIES, "incident": INCIDENT_PROPERTIES}[kind]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(columns))  # rows: union of their keys
    for col in _TIME_COLUMNS:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    for col in _INT_COLUMNS:
        # whole numbers stay whole where some rows have none (pandas would make them float:
        # GDAL then types a GeoPackage's counts and precision codes as Real, Parquet as double)
        if col in df.columns:
            df[col] = df[col].astype("Int64")
    for col in _FLOAT_COLUMNS:
        # a column no row fills is of object dtype: GDAL would type it String in a GeoPackage
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in ("uncertainty_region", "drawn_geometry"):
        if col in df.columns:
            df = df.rename(columns={col: col + "_wkt"})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


#: The errno values that mean "no room for this file", and how the error line says it.
_NO_SPACE = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "no space left: disk quota exceeded",
    errno.EFBIG: "no space left: the file size limit was reached",
}


def _no_space(exc: BaseException) -> str | None:
    """Why ``exc`` is a lack of space (the phrase for the error line), or ``None``.

    An ``OSError`` says so by its errno or, from pyarrow, only by its text.
    """
    if not isinstance(exc, OSError):
        return None
    if exc.errno in _NO_SPACE:
        return _NO_SPACE[exc.errno]
    text = str(exc)
    for code, phrase in _NO_SPACE.items():
        if os.strerror(code) in text:
            return phrase
    return None


def _from_gdal(exc: BaseException) -> bool:
    """Whether ``exc`` is pyogrio's report of a GDAL failure."""
    return type(exc).__module__.startswith("pyogrio")


def _remove_temp(tmp: Path) -> None:
    """Remove a temporary export and any side files its writer left (SQLite journals of a GeoPackage)."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(OSError):
            Path(f"{tmp}{suffix}").unlink()


def _atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Run ``write`` on a temporary file next to ``path`` and move it into place only on success.

    Whatever fails, no partial file is left under the final name (a file already there
    is untouched) and the temporary file is removed. A full disk, quota or file size
    limit is a :class:`~geo.errors.StoreError` naming the path and saying "no space
    left"; other I/O and GDAL write failures are one-line ``StoreError`` too.
    """
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".sitmap-", suffix=final.suffix, dir=final.parent)
    except OSError as exc:
        reason = _NO_SPACE.get(exc.errno or 0) or exc.strerror or str(exc)
        raise StoreError(f"could not write {final}: {reason}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # writers such as GDAL want to create the file themselves
        write(tmp)
        os.replace(tmp, final)
    except BaseException as exc:
        full = _no_space(exc)
        _remove_temp(tmp)
        if full is not None:
            raise StoreError(f"could not write {final}: {full}", detail=str(exc)) from exc
        if isinstance(exc, OSError):
            raise StoreError(f"could not write {final}: {exc.strerror or exc}") from exc
        if _from_gdal(exc):
            raise StoreError(f"could not write {final}: {exc}") from exc
        raise
    return final


def write_gpkg(items: Iterable[Item], path: str | Path, *, layer: str = "claims", include_region: bool = False) -> Path:
    """Write a GeoPackage (via pyogrio/GDAL) with one table ``layer``; atomic."""
    import pyogrio

    gdf = features_frame(items, include_region=include_region)
    types = set(gdf.geometry.geom_type.dropna().unique())
    geometry_type = types.pop() if len(types) == 1 else "Unknown"

    def write(tmp: Path) -> None:
        try:
            pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG", geometry_type=geometry_type)
        except Exception as exc:
            if not _from_gdal(exc):
                raise
            # GDAL gives no reason for a failed write (a full disk is just "Failed to commit
            # transaction"): build the file in memory and copy it, so that a lack of space
            # surfaces as an OSError with its errno; a real GDAL error fails here again.
            _remove_temp(tmp)
            buf = io.BytesIO()
            pyogrio.write_dataframe(gdf, buf, layer=layer, driver="GPKG", geometry_type=geometry_type)
            with tmp.open("wb") as fh:
                fh.write(buf.getbuffer())

    return _atomic(path, write)


def write_parquet(items: Iterable[Item], path: str | Path, *, include_region: bool = False) -> Path:
    """Write GeoParquet (geometry as WKB, CRS in the metadata); atomic."""
    gdf = features_frame(items, include_region=include_region)
    return _atomic(path, lambda tmp: gdf.to_parquet(tmp, index=False))


# --------------------------------------------------------------------------------------
# KML
# --------------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: Any) -> str:
    """Text safe inside an XML element or attribute: escaped, with characters XML forbids removed."""
    text = _XML_BAD.sub("", "" if value is None else str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def kml_plain_text(value: Any) -> str:
    """Text for a KML ``<description>`` that viewers show as text, never as markup.

    Google Earth and other viewers render a description as HTML after the XML is
    parsed, so XML escaping alone lets ``<img onerror=...>`` through. The text is
    HTML-escaped and then put in a CDATA section: the parsed value is
    ``&lt;img ...&gt;``, which a viewer's HTML rendering turns back into the literal
    characters. (HTML escaping also removes every ``>``, so ``]]>`` cannot end the
    section early.)
    """
    text = _XML_BAD.sub("", "" if value is None else str(value))
    return "<![CDATA[" + html.escape(text, quote=True) + "]]>"


def _kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha}{b}{g}{r}".lower()


def _kml_coords(coords: Any) -> str:
    return " ".join(f"{c[0]!r},{c[1]!r}" for c in coords)


def _kml_geometry(g: dict[str, Any] | None) -> str:
    if g is None:
        return ""
    t = g["type"]
    if t == "Point":
        return f"<Point><coordinates>{_kml_coords([g['coordinates']])}</coordinates></Point>"
    if t == "LineString":
        return f"<LineString><coordinates>{_kml_coords(g['coordinates'])}</coordinates></LineString>"
    if t == "Polygon":
        rings = g["coordinates"]
        out = f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(rings[0])}"
        out += "</coordinates></LinearRing></outerBoundaryIs>"
        for hole in rings[1:]:
            out += f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(hole)}</coordinates></LinearRing>"
            out += "</innerBoundaryIs>"
        return out + "</Polygon>"
    if t.startswith("Multi"):
        single = t.removeprefix("Multi")
        parts = [{"type": single, "coordinates": c} for c in g["coordinates"]]
        return "<MultiGeometry>" + "".join(_kml_geometry(p) for p in parts) + "</MultiGeometry>"
    if t == "GeometryCollection":
        return "<MultiGeometry>" + "".join(_kml_geometry(p) for p in g["geometries"]) + "</MultiGeometry>"
    raise Unsupported(f"cannot write a {t} to KML")


def _kml_placemark(feature: dict[str, Any]) -> str:
    p = feature["properties"]
    kind = _kind(p)
    if kind == "zone":
        name = p.get("title") or f"{p['order_type']} ({p['issuer']})"
        style = f"#order-{p['order_type']}"
        begin, end = p.get("effective_from"), p.get("lifted_at")
        desc = f"Order by {p['issuer']}" + (f", reported by {p['source']}" if p.get("source") else "")
    else:
        place = p.get("place_name") or p.get("place_text") or "unlocated"
        name = f"{p['event_type']}: {place}"
        style = f"#event-{p['event_type']}"
        begin, end = p.get("valid_from"), p.get("valid_to")
        who = p.get("claimant") or ", ".join(p.get("claimants") or []) or "unknown claimant"
        desc = f"Claimed by {who}" + (f", reported by {p['source']}" if p.get("source") else "")
        if p.get("uncertainty_m") is not None:
            desc += f"; location within {p['uncertainty_m']:g} m"
        if p.get("review"):
            from layers.review import review_words

            desc += f"; {review_words(p['review'])}"
    parts = ["<Placemark>", f"<name>{xml_text(name)}</name>"]
    parts.append(f"<description>{kml_plain_text(desc)}</description>")
    if begin or end:
        parts.append("<TimeSpan>")
        if begin:
            parts.append(f"<begin>{xml_text(begin)}</begin>")
        if end:
            parts.append(f"<end>{xml_text(end)}</end>")
        parts.append("</TimeSpan>")
    parts.append(f"<styleUrl>{xml_text(style)}</styleUrl><ExtendedData>")
    for key, value in p.items():
        if isinstance(value, dict):
            continue
        parts.append(f'<Data name="{xml_text(key)}"><value>{xml_text(_joined(value))}</value></Data>')
    parts.append("</ExtendedData>")
    parts.append(_kml_geometry(feature.get("geometry")))
    parts.append("</Placemark>\n")
    return "".join(parts)


def iter_kml(
    items: Iterable[Item], *, name: str = "sitmap", include_region: bool = False, chunk_features: int = 500
) -> Iterator[bytes]:
    """Stream KML 2.2: one Placemark per feature with TimeSpan, styles from the sitmap palette.

    Every string is user-controlled, so all text is XML-escaped and characters XML
    forbids are removed; descriptions are plain text, never markup.
    """
    from layers.catalog import EVENT_STYLE, ORDER_STYLE

    head = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>']
    head.append(f"<name>{xml_text(name)}</name>\n")
    for event, style in EVENT_STYLE.items():
        head.append(
            f'<Style id="event-{event}"><IconStyle><color>{_kml_color(style["color"])}</color></IconStyle>'
            f"<LineStyle><color>{_kml_color(style['color'])}</color></LineStyle>"
            f"<PolyStyle><color>{_kml_color(style['color'], '66')}</color></PolyStyle></Style>\n"
        )
    for order, style in ORDER_STYLE.items():
        head.append(
            f'<Style id="order-{order}"><LineStyle><color>{_kml_color(style["color"])}</color></LineStyle>'
            f"<PolyStyle><color>{_kml_color(style['color'], '55')}</color></PolyStyle></Style>\n"
        )
    yield "".join(head).encode()
    buf: list[str] = []
    for item in items:
        buf.append(_kml_placemark(as_feature(item, include_region=include_region)))
        if len(buf) >= chunk_features:
            yield "".join(buf).encode()
            buf = []
    buf.append("</Document></kml>\n")
    yield "".join(buf).encode()


def _write_chunks(chunks: Iterable[bytes]) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)

    return write


def write_kml(items: Iterable[Item], path: str | Path, *, name: str = "sitmap", include_region: bool = False) -> Path:
    """Write a KML file (see :func:`iter_kml`); atomic."""
    return _atomic(path, _write_chunks(iter_kml(items, name=name, include_region=include_region)))


def write_export(
    items: Iterable[Item],
    path: str | Path,
    fmt: str,
    *,
    layer: str = "sitmap",
    include_region: bool = False,
    members: dict[str, Any] | None = None,
) -> Path:
    """Write ``items`` to ``path`` in ``fmt`` (geojson, csv, gpkg, parquet, kml); atomic.

    ``layer`` names the GeoPackage table and the KML document; ``members`` become
    top-level GeoJSON members (ignored by the other formats).
    """
    if fmt == "geojson":
        chunks = iter_geojson(items, include_region=include_region, **(members or {}))
        return _atomic(path, _write_chunks(chunks))
    if fmt == "csv":
        return _atomic(path, _write_chunks(iter_csv(items, include_region=include_region)))
    if fmt == "gpkg":
        return write_gpkg(items, path, layer=layer.replace("-", "_"), include_region=include_region)
    if fmt == "parquet":
        return write_parquet(items, path, include_region=include_region)
    if fmt == "kml":
        return write_kml(items, path, name=layer, include_region=include_region)
    raise Unsupported(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")


# --------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _stamp(t: datetime, *, end: bool) -> str:
    t = t.astimezone(UTC)
    whole_day = t.time() == (time(23, 59, 59, 999999) if end else time(0))
    return t.strftime("%Y-%m-%d") if whole_day else t.strftime("%Y-%m-%dT%H%M%SZ")


def export_filename(
    layer_id: str, start: datetime | None, end: datetime | None, as_of: datetime | None, fmt: str
) -> str:
    """A download name carrying the layer, interval and as-of time, in safe characters only.

    ``export_filename("strikes", 2023-12-01, 2023-12-02T23:59:59.999999, None, "csv")``
    gives ``sitmap_strikes_2023-12-01_2023-12-02.csv``; open ends read ``open``.
    """
    if fmt not in FORMATS:
        raise Unsupported(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    layer = _UNSAFE.sub("-", layer_id).strip("-")[:64] or "layer"
    parts = ["sitmap", layer]
    if start is not None or end is not None:
        parts.append(_stamp(start, end=False) if start else "open")
        parts.append(_stamp(end, end=True) if end else "open")
    if as_of is not None:
        parts.append("asof-" + as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return "_".join(parts) + FORMATS[fmt][0]


__all__ = [
    "ACLED_EVENT_TYPE",
    "ACLED_TIME_PRECISION",
    "CLAIM_CSV_COLUMNS",
    "CLAIM_PROPERTIES",
    "CORE_PROPERTIES",
    "FORMATS",
    "INCIDENT_PROPERTIES",
    "ZONE_PROPERTIES",
    "as_feature",
    "claim_csv_row",
    "claim_feature",
    "escape_cell",
    "export_filename",
    "feature_collection",
    "feature_schema",
    "features_frame",
    "geometry_json",
    "incident_feature",
    "iso",
    "iter_csv",
    "iter_geojson",
    "iter_kml",
    "property_selection",
    "select_properties",
    "write_export",
    "write_gpkg",
    "write_kml",
    "write_parquet",
    "zone_feature",
]
