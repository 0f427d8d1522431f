"""GeoJSON import: FeatureCollections of claims or zones, sitmap's own exports first.

A feature is a claim when its properties have ``event_type`` and a zone when they
have ``order_type`` (the property names of :mod:`layers.export`). sitmap's exports
round-trip: reading an export gives records that export to the very same bytes
(:func:`records_from_geojson`), and importing an export into the store it came from
changes nothing. Importing merges onto the stored version: what a GeoJSON export does
not carry (reviewer notes, the placement audit trail, a count's wording) is kept, and
coordinates equal to the stored ones within the export's rounding (7 decimals) count as
unchanged. A changed feature becomes a new version.

A bad feature is reported with its index (0-based, as in ``features[i]``) and the
reason, and the good ones are stored; with ``strict=True`` nothing is stored unless
every feature is good. Features without an id get a stable one derived from their
content, so importing the same file twice never duplicates them. A ``report_id``
naming a report the store does not have is dropped, with a notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import shapely
from pydantic import ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput, NotFound, SitmapError, TooLarge
from geo.model import (
    PLACEMENT_METHODS,
    CountEstimate,
    Uncertainty,
    count_vertices,
    format_validation_error,
    repair_geometry,
    to_geometry,
)
from layers.importers.common import BadRow, ImportFailed, ImportResult
from layers.model import ClaimRecord, Zone
from layers.store.base import ClaimQuery, Store, ZoneQuery

#: Largest GeoJSON file read (it is parsed whole); bigger files should be split or imported as CSV.
MAX_BYTES = 512 * 1024 * 1024
#: Most vertices one feature's geometries may hold; larger ones are refused before shapely builds them.
MAX_VERTICES = 250_000
#: Records per store write.
BATCH_SIZE = 2000
#: Coordinates closer than this (degrees) to the stored ones are the same (exports round to 1e-7).
COORD_TOLERANCE = 1.5e-7


@dataclass(frozen=True)
class BadFeature(BadRow):
    """A rejected feature: its index in ``features`` (kept in ``line``), its id, and why."""

    def __str__(self) -> str:
        where = f"feature {self.line}"
        if self.row_id:
            where += f" ({self.row_id})"
        return f"{where}: {self.reason}"


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def load_geojson(source: str | Path | IO[bytes] | IO[str] | dict[str, Any]) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (or of a single Feature), unvalidated.

    ``source`` is a path, an open file or an already-parsed mapping. Raises
    :class:`InvalidInput` for text that is not JSON or not a FeatureCollection.
    """
    if isinstance(source, dict):
        doc: Any = source
        name = "input"
    else:
        if isinstance(source, str | Path):
            path = Path(source)
            name = path.name
            if not path.is_file():
                raise InvalidInput(f"no such file: {source}")
            if path.stat().st_size > MAX_BYTES:
                raise TooLarge(f"{name} is larger than {MAX_BYTES // 2**20} MB; split it into smaller files")
            raw: bytes | str = path.read_bytes()
        else:
            name = getattr(source, "name", "input")
            raw = source.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise TooLarge(f"{name} is larger than {MAX_BYTES // 2**20} MB; split it into smaller files")
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{name} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{name} is not a GeoJSON object")
    kind = doc.get("type")
    if kind == "Feature":
        return [doc]
    if kind != "FeatureCollection":
        raise InvalidInput(f"{name} is a GeoJSON {kind!r}, expected a FeatureCollection of claims or zones")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput(f"{name}: 'features' must be a list")
    return features


def _iso(value: Any, key: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be an ISO 8601 string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{key} {value[:40]!r} is not an ISO 8601 datetime") from None


def _count(props: dict[str, Any], key: str) -> CountEstimate | None:
    best, low, high = props.get(key), props.get(f"{key}_low"), props.get(f"{key}_high")
    if best is None and low is None and high is None:
        return None
    return CountEstimate(best=best, low=low, high=high)


def _geometry(value: Any, *, what: str, repair: bool) -> BaseGeometry | None:
    if value is None:
        return None
    try:
        return to_geometry(value)
    except InvalidInput:
        if not repair:
            raise
        try:
            geom = shape(value)
        except Exception as exc:  # shapely raises several types for bad mappings
            raise InvalidInput(f"{what} is not a GeoJSON geometry: {exc}") from None
        return to_geometry(repair_geometry(geom))


def _method(props: dict[str, Any], default: str) -> str:
    method = props.get("placement_method") or default
    if method not in PLACEMENT_METHODS:
        raise InvalidInput(f"placement_method {method!r} is not one of {', '.join(PLACEMENT_METHODS)}")
    return str(method)


def _uncertainty(props: dict[str, Any], geom: BaseGeometry, *, repair: bool) -> Uncertainty:
    from geo.uncertainty import from_acled, max_distance_m, precision_codes

    region = _geometry(props.get("uncertainty_region"), what="uncertainty_region", repair=repair)
    method = _method(props, "coordinates")
    radius = props.get("uncertainty_m")
    if radius is None:
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            centre = geom.representative_point()
            radius = max_distance_m(centre, geom)
            region = region or geom
        elif props.get("geo_precision") in (1, 2, 3):
            return from_acled(int(props["geo_precision"]), geom.representative_point())
        else:
            raise InvalidInput("a located claim needs uncertainty_m (metres) or geo_precision (1-3)")
    if not isinstance(radius, int | float) or isinstance(radius, bool):
        raise InvalidInput(f"uncertainty_m must be a number of metres, got {radius!r}")
    gp, wp = props.get("geo_precision"), props.get("where_prec")
    if gp is None or wp is None:
        gp, wp = precision_codes(float(radius), method)  # type: ignore[arg-type]
    return Uncertainty(radius_m=float(radius), region=region, geo_precision=gp, where_prec=wp, method=method)


def _content_id(prefix: str, feature: dict[str, Any]) -> str:
    text = json.dumps(feature, sort_keys=True, ensure_ascii=False, default=str)
    return f"{prefix}-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _props(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput("not a GeoJSON Feature")
    props = feature.get("properties")
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise InvalidInput("'properties' must be an object")
    return props


def _feature_id(feature: dict[str, Any], props: dict[str, Any]) -> str | None:
    fid = props.get("id", feature.get("id"))
    return None if fid in (None, "") else str(fid)


def feature_to_claim(feature: dict[str, Any], *, repair: bool = False) -> ClaimRecord:
    """A ClaimRecord from a claim feature (the inverse of :func:`layers.export.claim_feature`).

    Bookkeeping (``version``, ``recorded_at``, ``superseded_at``) is read too, so an
    export read back exports to the same bytes; a store assigns its own on write.
    """
    props = _props(feature)
    geom = _geometry(feature.get("geometry"), what="geometry", repair=repair)
    unc = _uncertainty(props, geom, repair=repair) if geom is not None else None
    targets = props.get("targets")
    fields: dict[str, Any] = {
        "id": _feature_id(feature, props) or _content_id("gj", feature),
        "event_type": props.get("event_type"),
        "claimant": props.get("claimant"),
        "source": props.get("source"),
        "url": props.get("url"),
        "quote": props.get("quote"),
        "place_text": props.get("place_text"),
        "place_name": props.get("place_name"),
        "gazetteer_id": props.get("gazetteer_id"),
        "geometry": geom,
        "uncertainty": unc,
        "valid_from": _iso(props.get("valid_from"), "valid_from"),
        "valid_to": _iso(props.get("valid_to"), "valid_to"),
        "time_precision": props.get("time_precision") or "unknown",
        "fatalities": _count(props, "fatalities"),
        "injured": _count(props, "injured"),
        "targets": CountEstimate(best=targets) if targets is not None else None,
        "block_ids": tuple(str(b) for b in props.get("block_ids") or ()),
        "report_id": props.get("report_id"),
        "status": props.get("status") or "reported",
        "review": props.get("review") or "machine",
        "version": props.get("version") or 1,
        "recorded_at": _iso(props.get("recorded_at"), "recorded_at"),
        "superseded_at": _iso(props.get("superseded_at"), "superseded_at"),
    }
    if props.get("confidence") is not None:
        fields["confidence"] = props["confidence"]
    if geom is None:
        fields["uncertainty"] = None
    return ClaimRecord(**fields)


def feature_to_zone(feature: dict[str, Any], *, repair: bool = False) -> Zone:
    """A Zone from a zone feature (the inverse of :func:`layers.export.zone_feature`)."""
    from geo.uncertainty import precision_codes

    props = _props(feature)
    geom = _geometry(feature.get("geometry"), what="geometry", repair=repair)
    if geom is None:
        raise InvalidInput("a zone needs a polygon geometry")
    drawn = _geometry(props.get("drawn_geometry"), what="drawn_geometry", repair=repair)
    method = _method(props, "drawn")
    radius = float(props.get("uncertainty_m") or 0.0)
    gp, wp = precision_codes(radius, method)  # type: ignore[arg-type]
    effective = _iso(props.get("effective_from"), "effective_from")
    issued = _iso(props.get("issued_at"), "issued_at") or effective
    fields: dict[str, Any] = {
        "id": _feature_id(feature, props) or _content_id("gjz", feature),
        "version": props.get("version") or 1,
        "geometry": geom,
        "drawn_geometry": drawn,
        "issuer": props.get("issuer"),
        "source": props.get("source"),
        "url": props.get("url"),
        "title": props.get("title"),
        "order_type": props.get("order_type"),
        "block_ids": tuple(str(b) for b in props.get("block_ids") or ()),
        "approx_block_ids": tuple(str(b) for b in props.get("approx_block_ids") or ()),
        "issued_at": issued,
        "effective_from": effective,
        "lifted_at": _iso(props.get("lifted_at"), "lifted_at"),
        "time_precision": props.get("time_precision") or "day",
        "uncertainty": Uncertainty(radius_m=radius, geo_precision=gp, where_prec=wp, method=method),
        "stated_area_km2": props.get("stated_area_km2"),
        "flags": tuple(str(f) for f in props.get("flags") or ()),
        "status": props.get("status") or "active",
        "recorded_at": _iso(props.get("recorded_at"), "recorded_at"),
        "superseded_at": _iso(props.get("superseded_at"), "superseded_at"),
    }
    return Zone(**fields)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return format_validation_error(exc, what="feature")
    return str(exc)


def _read(
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any], *, repair: bool
) -> tuple[list[ClaimRecord], list[Zone], list[BadFeature], dict[str, int]]:
    claims: list[ClaimRecord] = []
    zones: list[Zone] = []
    errors: list[BadFeature] = []
    index: dict[str, int] = {}
    for i, feature in enumerate(load_geojson(source)):
        fid = None
        try:
            props = _props(feature)
            fid = _feature_id(feature, props)
            vertices = count_vertices([feature.get("geometry"), props.get("uncertainty_region")])
            if vertices > MAX_VERTICES:
                raise InvalidInput(f"{vertices} vertices; at most {MAX_VERTICES} per feature (simplify it first)")
            if "claim_ids" in props:
                raise InvalidInput("an incident is derived from claims; import its member claims instead")
            if "order_type" in props:
                zone = feature_to_zone(feature, repair=repair)
                if f"zones:{zone.id}" in index:
                    raise InvalidInput(
                        f"zone id {zone.id!r} appears twice (first at feature {index['zones:' + zone.id]})"
                    )
                zones.append(zone)
                index[f"zones:{zone.id}"] = i
            elif "event_type" in props:
                claim = feature_to_claim(feature, repair=repair)
                if f"claims:{claim.id}" in index:
                    raise InvalidInput(
                        f"claim id {claim.id!r} appears twice (first at feature {index['claims:' + claim.id]})"
                    )
                claims.append(claim)
                index[f"claims:{claim.id}"] = i
            else:
                raise InvalidInput("neither a claim (no event_type) nor a zone (no order_type)")
        except (SitmapError, ValidationError, ValueError, TypeError) as exc:
            errors.append(BadFeature(line=i, reason=_reason(exc), row_id=fid))
    return claims, zones, errors, index


def records_from_geojson(
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any], *, repair: bool = False
) -> tuple[list[ClaimRecord], list[Zone], list[BadFeature]]:
    """Read claims and zones from GeoJSON without a store; bad features come back as errors.

    Incident features (``claim_ids``) are refused: incidents are derived from claims,
    so import the member claims instead.
    """
    claims, zones, errors, _ = _read(source, repair=repair)
    return claims, zones, errors


# --------------------------------------------------------------------------------------
# Merging onto stored versions
# --------------------------------------------------------------------------------------


def _same_geom(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    """Equal up to the export's rounding and ring orientation (exports orient polygons)."""
    if a is None or b is None:
        return a is b
    if a.geom_type != b.geom_type:
        return False
    return bool(shapely.normalize(a).equals_exact(shapely.normalize(b), COORD_TOLERANCE))


def _same_count(a: CountEstimate | None, b: CountEstimate | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.low, a.best, a.high) == (b.low, b.best, b.high)


_BOOKKEEPING = {"version": 1, "recorded_at": None, "superseded_at": None}


def merge_claim(stored: ClaimRecord, incoming: ClaimRecord, *, has_region: bool) -> ClaimRecord:
    """``incoming`` completed with what an export does not carry, taken from ``stored``.

    Keeps the stored geometry when equal within the export's rounding, the stored
    uncertainty (region, note) when radius, codes and method agree, the placement audit
    trail when its method agrees, and count wordings when the numbers agree.
    """
    upd: dict[str, Any] = {
        "notes": stored.notes,
        "recorded_by": stored.recorded_by,
        **_BOOKKEEPING,
    }
    if _same_geom(stored.geometry, incoming.geometry):
        upd["geometry"] = stored.geometry
    su, iu = stored.uncertainty, incoming.uncertainty
    if su is not None and iu is not None:
        same = (su.radius_m, su.geo_precision, su.where_prec) == (iu.radius_m, iu.geo_precision, iu.where_prec)
        stored_method = stored.placement.method if stored.placement is not None else su.method
        if same and stored_method == iu.method and (not has_region or _same_geom(su.region, iu.region)):
            upd["uncertainty"] = su
            upd["placement"] = stored.placement
    for key in ("fatalities", "injured"):
        if _same_count(getattr(stored, key), getattr(incoming, key)):
            upd[key] = getattr(stored, key)
    if stored.targets is not None and incoming.targets is not None and stored.targets.best == incoming.targets.best:
        upd["targets"] = stored.targets
    return incoming.model_copy(update=upd)


def merge_zone(stored: Zone, incoming: Zone, *, has_drawn: bool) -> Zone:
    """``incoming`` completed with what a zone export does not carry, taken from ``stored``."""
    upd: dict[str, Any] = {
        "grid": stored.grid,
        "notes": stored.notes,
        "report_id": stored.report_id,
        "recorded_by": stored.recorded_by,
        **_BOOKKEEPING,
    }
    if _same_geom(stored.geometry, incoming.geometry):
        upd["geometry"] = stored.geometry
    if not has_drawn or _same_geom(stored.drawn_geometry, incoming.drawn_geometry):
        upd["drawn_geometry"] = stored.drawn_geometry
    su, iu = stored.uncertainty, incoming.uncertainty
    if (su.radius_m, su.method) == (iu.radius_m, iu.method):
        upd["uncertainty"] = su
    return incoming.model_copy(update=upd)


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _drop_unknown_reports(store: Store, claims: list[ClaimRecord], result: ImportResult) -> list[ClaimRecord]:
    known: dict[str, bool] = {}
    dropped = 0
    out = []
    for c in claims:
        rid = c.report_id
        if rid is not None:
            if rid not in known:
                try:
                    store.get_report(rid)
                    known[rid] = True
                except NotFound:
                    known[rid] = False
            if not known[rid]:
                c = c.model_copy(update={"report_id": None})
                dropped += 1
        out.append(c)
    if dropped:
        result.notices.append(
            f"{dropped} claims named reports this store does not have; their report_id was left empty"
        )
    return out


def _write(
    store: Store,
    kind: str,
    records: Sequence[Any],
    result: ImportResult,
    recorded_by: str | None,
    index: dict[str, int],
) -> None:
    """Write in batches; a batch the store refuses is retried record by record to name the bad one."""
    add = store.add_zones if kind == "zones" else store.add_claims

    def tally(wr: Any) -> None:
        result.inserted += len(wr.inserted)
        result.updated += len(wr.updated)
        result.unchanged += len(wr.unchanged)

    for batch in _batches(records, BATCH_SIZE):
        try:
            tally(add(batch, recorded_by=recorded_by))
            continue
        except InvalidInput:
            if result.strict:
                raise
        for rec in batch:
            try:
                tally(add([rec], recorded_by=recorded_by))
            except InvalidInput as exc:
                result.add_error(BadFeature(line=index.get(f"{kind}:{rec.id}", -1), reason=str(exc), row_id=rec.id))


def import_geojson(
    store: Store,
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any],
    *,
    strict: bool = False,
    repair: bool = False,
    recorded_by: str | None = None,
) -> ImportResult:
    """Import a GeoJSON FeatureCollection of claims and/or zones into ``store``.

    Re-importing a file changes nothing; a changed feature becomes a new version. Bad
    features are listed (index and reason) and skipped; ``strict`` stores nothing if
    any feature is bad (raising :class:`ImportFailed`). ``repair`` repairs invalid
    geometries with ``make_valid`` instead of rejecting them.
    """
    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "input")
    result = ImportResult(format="geojson", path=name, strict=strict)
    claims, zones, errors, index = _read(source, repair=repair)
    result.rows = len(claims) + len(zones) + len(errors)
    for bad in errors:
        result.add_error(bad)
    if strict and errors:
        raise ImportFailed(
            f"{name}: {len(errors)} bad features, nothing stored; first: {errors[0]}", errors, result=result
        )
    claims = _drop_unknown_reports(store, claims, result)
    claims = _merge_claims(store, claims)
    zones = _merge_zones(store, zones)
    _write(store, "claims", claims, result, recorded_by, index)
    _write(store, "zones", zones, result, recorded_by, index)
    return result


def _merge_claims(store: Store, claims: list[ClaimRecord]) -> list[ClaimRecord]:
    out = []
    for batch in _batches(claims, 500):
        page = store.query_claims(
            ClaimQuery(ids=tuple(c.id for c in batch), statuses=("reported", "corroborated", "disputed", "retracted"))
        )
        stored = {c.id: c for c in page.items}
        for c in batch:
            old = stored.get(c.id)
            region = c.uncertainty is not None and c.uncertainty.region is not None
            out.append(merge_claim(old, c, has_region=region) if old is not None else c.model_copy(update=_BOOKKEEPING))
    return out


def _merge_zones(store: Store, zones: list[Zone]) -> list[Zone]:
    out = []
    for batch in _batches(zones, 500):
        page = store.query_zones(ZoneQuery(ids=tuple(z.id for z in batch), include_retracted=True))
        stored = {z.id: z for z in page.items}
        for z in batch:
            old = stored.get(z.id)
            has_drawn = z.drawn_geometry is not None
            out.append(
                merge_zone(old, z, has_drawn=has_drawn) if old is not None else z.model_copy(update=_BOOKKEEPING)
            )
    return out


__all__ = [
    "BadFeature",
    "feature_to_claim",
    "feature_to_zone",
    "import_geojson",
    "load_geojson",
    "merge_claim",
    "merge_zone",
    "records_from_geojson",
]
