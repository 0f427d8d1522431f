"""The claim and zone contract: every public property, its order, type, default and derivation, in one table.

sitmap publishes a claim (and a zone) under the same property names everywhere: the
GeoJSON of the API and of downloads, CSV (after ACLED's own columns), GeoPackage,
GeoParquet, KML, the map popups, ``sitmap geocode``. :data:`CLAIM_CONTRACT` and
:data:`ZONE_CONTRACT` say, once, for each property in output order:

* ``kind``: its JSON type (``text``, ``int``, ``float``, ``time`` — ISO 8601 UTC with
  ``Z`` —, ``list`` of text);
* where its value comes from on a record: an attribute of the same name, a field of a
  nested value (``uncertainty_m`` is ``uncertainty.radius_m``, ``fatalities_low`` is
  ``fatalities.low``), or a derivation (``placement_method``, a zone's ``area_km2``);
* how a reader treats it (``role``): ``field`` is read back into the record,
  ``bookkeeping`` (id's version and times) only when an export is read back as it was
  (:func:`claim_fields` with ``bookkeeping=True``, the GeoJSON importer; the API and a
  store assign their own), ``computed`` is recomputed from other inputs (a zone's
  area, a zone's blocks) and ``output`` is never read (``coarsened_to``);
* ``default``: the value a reader uses when the property is absent or null (the
  models' own defaults; a test holds them equal);
* ``csv``: the column name in sitmap's part of the CSV, or ``None`` where an ACLED
  column already carries it (``source``, ``quote`` as ``notes``, ``geo_precision``,
  ``fatalities``).

:func:`record_to_properties` (record -> property values, in order) and
:func:`claim_fields` / :func:`zone_fields` (feature -> record fields) are derived from
the tables; ``layers.export`` builds features and flat rows with them, the stores'
row -> feature fast path compiles them into an index plan, the API and the GeoJSON
importer read features with them, and ``geo.parser`` reports its claims with them.

Two readers used to disagree; settled here once:

* ``placement_method`` of a located claim posted or imported without one is
  ``"coordinates"`` ("coordinates given by the source"), not ``"manual"``: the
  coordinates came with the feature, and nothing says a reviewer placed them. An
  unlocated claim's is ``"unresolved"``. On output the placement's own method wins
  over the uncertainty's, everywhere (the store's ``placement_method`` column too).
* ``uncertainty_m`` of a located claim is derived when the feature lets it be: from a
  polygon geometry (its farthest vertex from an inner point, the polygon kept as the
  region) or from an ACLED ``geo_precision`` (1..3); otherwise it is required. Missing
  ``geo_precision`` / ``where_prec`` codes are derived from the radius and method, each
  on its own; a given code is never overwritten (a disagreement can be counted).
* A feature's ``id`` member names it, else its ``id`` property.

Only the API refuses properties outside the contract (a typo must not drop a field);
the importer reads foreign GeoJSON and ignores what it does not know.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from geo.errors import InvalidInput
from geo.model import PLACEMENT_METHODS, CountEstimate, Placement, Uncertainty, to_geometry

Kind = Literal["text", "int", "float", "time", "list"]
Role = Literal["field", "bookkeeping", "computed", "output"]


@dataclass(frozen=True)
class Prop:
    """One public property: name, JSON type, where its value comes from, how readers treat it.

    Exactly one source: ``attr`` (an attribute of the record; also the stored column of
    that name), ``part``/``key`` (attribute ``key`` of the nested value ``part``, ``None``
    when the part is) or ``derive`` (a function of the whole record).
    """

    name: str
    kind: Kind
    role: Role = "field"
    attr: str | None = None
    part: str | None = None
    key: str | None = None
    derive: Callable[[Any], Any] | None = None
    default: Any = None
    csv: str | None = ""  # "" = the property's own name
    #: Only on a stored version (ClaimRecord), not on a claim parsed from a text.
    stored_only: bool = False

    @property
    def csv_name(self) -> str | None:
        """The CSV column (sitmap's part), or ``None`` where an ACLED column carries the value."""
        return self.name if self.csv == "" else self.csv


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 UTC string ending in ``Z`` (microseconds only when present), or ``None``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def placement_method(record: Any) -> str:
    """How a claim was placed: its placement's method, else its uncertainty's, else ``"unresolved"``."""
    if record.placement is not None:
        return str(record.placement.method)
    if record.uncertainty is not None:
        return str(record.uncertainty.method)
    return "unresolved"


def _attr(name: str, kind: Kind, **kw: Any) -> Prop:
    return Prop(name, kind, attr=name, **kw)


def _part(name: str, kind: Kind, part: str, key: str, **kw: Any) -> Prop:
    return Prop(name, kind, part=part, key=key, **kw)


def zone_area(geometry: Any) -> float:
    """A zone's area in km², measured in sitmap's equal-area CRS, rounded to 0.001 km²."""
    from geo.boundaries import area_km2

    return round(area_km2(geometry), 3)


#: The claim properties, in output order.
# fmt: off
CLAIM_CONTRACT: tuple[Prop, ...] = (
    _attr("id", "text", stored_only=True),
    _attr("version", "int", role="bookkeeping", default=1, stored_only=True),
    _attr("event_type", "text", csv="sitmap_event_type"),
    _attr("status", "text", default="reported"),
    _attr("review", "text", default="machine", stored_only=True),
    _attr("claimant", "text"),
    _attr("source", "text", csv=None),
    _attr("url", "text"),
    _attr("quote", "text", csv=None),
    _attr("place_text", "text"),
    _attr("place_name", "text"),
    _attr("gazetteer_id", "text"),
    Prop("placement_method", "text", derive=placement_method, default="coordinates"),
    _part("uncertainty_m", "float", "uncertainty", "radius_m"),
    _part("geo_precision", "int", "uncertainty", "geo_precision", csv=None),
    _part("where_prec", "int", "uncertainty", "where_prec"),
    _attr("valid_from", "time"),
    _attr("valid_to", "time"),
    _attr("time_precision", "text", default="unknown", csv="sitmap_time_precision"),
    _part("fatalities", "int", "fatalities", "best", csv=None),
    _part("fatalities_low", "int", "fatalities", "low"),
    _part("fatalities_high", "int", "fatalities", "high"),
    _part("injured", "int", "injured", "best"),
    _part("injured_low", "int", "injured", "low"),
    _part("injured_high", "int", "injured", "high"),
    _part("targets", "int", "targets", "best"),
    _part("fatalities_text", "text", "fatalities", "text"),
    _part("injured_text", "text", "injured", "text"),
    _part("targets_text", "text", "targets", "text"),
    _attr("confidence", "float", default=0.5),
    _attr("block_ids", "list", default=()),
    _attr("notes", "text", csv="sitmap_notes"),
    _attr("report_id", "text", stored_only=True),
    _attr("recorded_at", "time", role="bookkeeping", stored_only=True),
    _attr("superseded_at", "time", role="bookkeeping", stored_only=True),
    Prop("coarsened_to", "text", role="output", stored_only=True),
)

#: The zone properties, in output order.
ZONE_CONTRACT: tuple[Prop, ...] = (
    _attr("id", "text"),
    _attr("version", "int", role="bookkeeping", default=1),
    _attr("order_type", "text"),
    _attr("issuer", "text"),
    _attr("source", "text"),
    _attr("url", "text"),
    _attr("title", "text"),
    _attr("block_ids", "list", default=()),
    _attr("approx_block_ids", "list", role="computed", default=()),
    _attr("issued_at", "time"),
    _attr("effective_from", "time"),
    _attr("lifted_at", "time"),
    _attr("time_precision", "text", default="day"),
    _attr("status", "text", default="active"),
    Prop("area_km2", "float", role="computed", derive=lambda zone: zone_area(zone.geometry)),
    _attr("stated_area_km2", "float"),
    _part("uncertainty_m", "float", "uncertainty", "radius_m", role="computed", default=0.0),
    _part("placement_method", "text", "uncertainty", "method", role="computed", default="drawn"),
    _attr("flags", "list", default=()),
    _attr("recorded_at", "time", role="bookkeeping"),
    _attr("superseded_at", "time", role="bookkeeping"),
)
# fmt: on

#: Property names of a claim feature, in output order.
CLAIM_PROPERTIES: tuple[str, ...] = tuple(p.name for p in CLAIM_CONTRACT)
#: Property names of a zone feature, in output order.
ZONE_PROPERTIES: tuple[str, ...] = tuple(p.name for p in ZONE_CONTRACT)
#: The claim properties a claim parsed from a text has (no store bookkeeping, no policy).
PARSED_CLAIM_PROPERTIES: tuple[str, ...] = tuple(p.name for p in CLAIM_CONTRACT if not p.stored_only)

#: Inputs that are not output properties: the history's ``recorded_by`` (ignored), the
#: region geometry of ``include_region``. A claim's ``notes`` (how it was read and placed,
#: e.g. "claimant inferred from the paragraph") are an output property: issue 12.
CLAIM_INPUT_EXTRAS: tuple[str, ...] = ("recorded_by", "uncertainty_region")
#: Zones' extra inputs: the report, reviewer notes, the drawn area of ``include_region``.
ZONE_INPUT_EXTRAS: tuple[str, ...] = ("report_id", "notes", "drawn_geometry")
#: Every property a claim feature may carry on its way in.
CLAIM_INPUT_PROPERTIES: frozenset[str] = frozenset((*CLAIM_PROPERTIES, *CLAIM_INPUT_EXTRAS))
#: Every property a zone feature may carry on its way in.
ZONE_INPUT_PROPERTIES: frozenset[str] = frozenset((*ZONE_PROPERTIES, *ZONE_INPUT_EXTRAS))

#: ACLED's columns, which open a claim CSV (see ``layers.export.claim_csv_row``).
ACLED_CSV_COLUMNS: tuple[str, ...] = (
    *("event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1"),
    *("location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities", "timestamp"),
)
#: CSV columns for claims: ACLED's, then sitmap's own (the contract's, renamed where ACLED
#: uses the name), then the geometry as WKT.
CLAIM_CSV_COLUMNS: tuple[str, ...] = (
    *ACLED_CSV_COLUMNS,
    *(p.csv_name for p in CLAIM_CONTRACT if p.csv_name is not None),
    "geometry_wkt",
)


# --------------------------------------------------------------------------------------
# Record -> properties
# --------------------------------------------------------------------------------------


def _getter(p: Prop) -> Callable[[Any], Any]:
    """The function giving ``p``'s JSON value from a record (attribute access only, no validation)."""
    if p.derive is not None:
        return p.derive
    if p.part is not None:
        part, key = p.part, p.key or ""

        def nested(record: Any) -> Any:
            value = getattr(record, part)
            return None if value is None else getattr(value, key)

        return nested
    attr = p.attr or p.name
    if p.kind == "time":
        return lambda record: iso(getattr(record, attr))
    if p.kind == "list":
        return lambda record: list(getattr(record, attr))
    return operator.attrgetter(attr)


_CLAIM_GETTERS = tuple((p.name, _getter(p)) for p in CLAIM_CONTRACT if p.role != "output")
_PARSED_GETTERS = tuple((p.name, _getter(p)) for p in CLAIM_CONTRACT if not p.stored_only)
_ZONE_GETTERS = tuple((p.name, _getter(p)) for p in ZONE_CONTRACT)


def claim_properties(record: Any, *, coarsened_to: str | None = None) -> dict[str, Any]:
    """A stored claim version's contract properties, in order (``coarsened_to``: a policy's mark)."""
    props = {name: get(record) for name, get in _CLAIM_GETTERS}
    props["coarsened_to"] = coarsened_to
    return props


def parsed_claim_properties(claim: Any) -> dict[str, Any]:
    """A parsed claim's contract properties, in order (those of :data:`PARSED_CLAIM_PROPERTIES`)."""
    return {name: get(claim) for name, get in _PARSED_GETTERS}


def zone_properties(zone: Any) -> dict[str, Any]:
    """A zone version's contract properties, in order."""
    return {name: get(zone) for name, get in _ZONE_GETTERS}


# --------------------------------------------------------------------------------------
# Feature -> record fields
# --------------------------------------------------------------------------------------


def parse_time(value: Any, name: str) -> datetime | None:
    """A time property as an aware datetime (``None`` for null or ""); ISO 8601 text only."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} {value[:40]!r} is not an ISO 8601 datetime") from None


def _text_list(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{name} must be an array of strings")
    return tuple(str(v) for v in value)


def _count_estimate(name: str, **parts: Any) -> CountEstimate:
    """A CountEstimate read from ``name``'s properties; a bad part is an error naming the property
    (``fatalities_low``), not the model's field (``low``)."""
    from pydantic import ValidationError

    try:
        return CountEstimate(**parts)
    except ValidationError as exc:
        reasons = []
        for err in exc.errors()[:3]:
            loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
            prop = name if not loc or loc[0] == "best" else f"{name}_{loc[0]}"
            reasons.append(f"{prop}: {str(err.get('msg', 'invalid')).removeprefix('Value error, ')}")
        raise InvalidInput("; ".join(reasons)) from None


def _count(props: Mapping[str, Any], name: str) -> CountEstimate | None:
    best, low, high = props.get(name), props.get(f"{name}_low"), props.get(f"{name}_high")
    text = props.get(f"{name}_text")
    if best is None and low is None and high is None and text is None:
        return None
    return _count_estimate(name, best=best, low=low, high=high, text=text)


def feature_id(feature: Mapping[str, Any], props: Mapping[str, Any]) -> str | None:
    """A feature's id: its ``id`` member, else its ``id`` property; ``None`` when neither is set."""
    fid = feature.get("id")
    if fid is None or fid == "":
        fid = props.get("id")
    return None if fid is None or fid == "" else str(fid)


def _method(props: Mapping[str, Any], default: str) -> str:
    method = props.get("placement_method") or default
    if method not in PLACEMENT_METHODS:
        raise InvalidInput(f"placement_method {method!r} is not one of: {', '.join(PLACEMENT_METHODS)}")
    return str(method)


GeometryReader = Callable[[Any, str], Any]


def _read_geometry(value: Any, what: str) -> Any:
    return None if value is None else to_geometry(value)


def claim_uncertainty(
    props: Mapping[str, Any],
    geometry: Any,
    *,
    read_geometry: GeometryReader = _read_geometry,
    warnings: dict[str, int] | None = None,
) -> Uncertainty:
    """The uncertainty of a located claim feature (see the module notes for what is derived).

    Codes the feature gives are kept as given; each that differs from sitmap's own
    derivation is counted in ``warnings`` (by property name), when a dict is passed.
    """
    from geo.metric import max_distance_m
    from geo.uncertainty import from_acled, precision_codes

    region = read_geometry(props.get("uncertainty_region"), "uncertainty_region")
    method = _method(props, "coordinates")
    radius = props.get("uncertainty_m")
    if radius is None:
        if geometry.geom_type in ("Polygon", "MultiPolygon"):
            radius = max_distance_m(geometry.representative_point(), geometry)
            region = region or geometry
        elif props.get("geo_precision") in (1, 2, 3) and not isinstance(props.get("geo_precision"), bool):
            derived = from_acled(int(props["geo_precision"]), geometry.representative_point())
            update: dict[str, Any] = {"method": method}
            wp = props.get("where_prec")
            if wp is not None and wp != derived.where_prec:
                _warn(warnings, "where_prec")
                update["where_prec"] = wp
            return Uncertainty(**{**dict(derived), **update})
        else:
            raise InvalidInput(
                "uncertainty_m is required for a located claim (how far off the point may be, in metres),"
                " unless geo_precision (1-3) or a polygon says it"
            )
    if isinstance(radius, bool) or not isinstance(radius, int | float):
        raise InvalidInput(f"uncertainty_m must be a number of metres, got {radius!r}")
    derived_gp, derived_wp = precision_codes(float(radius), method)  # type: ignore[arg-type]
    gp, wp = props.get("geo_precision"), props.get("where_prec")
    if gp is None:
        gp = derived_gp
    elif gp != derived_gp:
        _warn(warnings, "geo_precision")
    if wp is None:
        wp = derived_wp
    elif wp != derived_wp:
        _warn(warnings, "where_prec")
    return Uncertainty(radius_m=float(radius), region=region, geo_precision=gp, where_prec=wp, method=method)


def _warn(warnings: dict[str, int] | None, key: str) -> None:
    if warnings is not None:
        warnings[key] = warnings.get(key, 0) + 1


_SIMPLE_CLAIM = tuple(
    p for p in CLAIM_CONTRACT if p.role == "field" and p.attr is not None and p.kind in ("text", "float", "int")
)
_CLAIM_TIMES = tuple(p for p in CLAIM_CONTRACT if p.role == "field" and p.kind == "time")
_CLAIM_BOOKKEEPING = tuple(p for p in CLAIM_CONTRACT if p.role == "bookkeeping")


def claim_fields(
    feature: Mapping[str, Any],
    *,
    bookkeeping: bool = False,
    read_geometry: GeometryReader = _read_geometry,
    warnings: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The ClaimRecord fields of a claim feature (the inverse of :func:`claim_properties`).

    Absent or null properties take the table's defaults. ``bookkeeping`` also reads
    ``version``, ``recorded_at`` and ``superseded_at`` (to read an export back as it
    was). ``read_geometry(value, name)`` turns a GeoJSON geometry into shapely (the
    importer's repairs invalid ones on request); ``warnings`` counts the feature's codes
    that differ from sitmap's derivation (see :func:`claim_uncertainty`). Raises :class:`InvalidInput` or
    pydantic's ``ValidationError`` for bad values; the caller names the feature.
    """
    props = feature.get("properties") or {}
    geometry = read_geometry(feature.get("geometry"), "geometry")
    fields: dict[str, Any] = {}
    for p in _SIMPLE_CLAIM:
        value = props.get(p.name, p.default)
        if value is not None:  # a required property left out is the model's "field required"
            fields[p.name] = value
    for p in _CLAIM_TIMES:
        fields[p.name] = parse_time(props.get(p.name), p.name)
    if bookkeeping:
        for p in _CLAIM_BOOKKEEPING:
            value = props.get(p.name)
            fields[p.name] = parse_time(value, p.name) if p.kind == "time" else (p.default if value is None else value)
    fid = feature_id(feature, props)
    if fid is not None:
        fields["id"] = fid
    else:
        fields.pop("id", None)
    if props.get("notes") is not None:
        fields["notes"] = props["notes"]
    fields["block_ids"] = _text_list(props.get("block_ids"), "block_ids")
    fields["geometry"] = geometry
    unc = None
    if geometry is not None:
        unc = claim_uncertainty(props, geometry, read_geometry=read_geometry, warnings=warnings)
    fields["uncertainty"] = unc
    for name in ("fatalities", "injured"):
        fields[name] = _count(props, name)
    targets = props.get("targets")
    fields["targets"] = (
        None
        if targets is None and props.get("targets_text") is None
        else _count_estimate("targets", best=targets, text=props.get("targets_text"))
    )
    fields["placement"] = Placement(
        place_text=props.get("place_text"),
        gazetteer_id=props.get("gazetteer_id"),
        place_name=props.get("place_name"),
        method=unc.method if unc is not None else _method(props, "unresolved"),
    )
    return fields


_ZONE_SIMPLE = tuple(
    p for p in ZONE_CONTRACT if p.role == "field" and p.attr is not None and p.kind in ("text", "float")
)
_ZONE_TIMES = tuple(p for p in ZONE_CONTRACT if p.role in ("field", "bookkeeping") and p.kind == "time")


def zone_fields(
    feature: Mapping[str, Any],
    *,
    bookkeeping: bool = True,
    read_geometry: GeometryReader = _read_geometry,
) -> dict[str, Any]:
    """The Zone fields of a zone feature as exported (the inverse of :func:`zone_properties`).

    Everything the feature carries is read, computed properties included (a zone's
    blocks and uncertainty as they were); the area is recomputed from the geometry.
    ``issued_at`` defaults to ``effective_from``.
    """
    from geo.uncertainty import precision_codes

    props = feature.get("properties") or {}
    geometry = read_geometry(feature.get("geometry"), "geometry")
    if geometry is None:
        raise InvalidInput("a zone needs a polygon geometry")
    fields: dict[str, Any] = {}
    for p in _ZONE_SIMPLE:
        value = props.get(p.name)
        fields[p.name] = p.default if value is None else value
    for p in _ZONE_TIMES:
        if p.role == "field" or bookkeeping:
            fields[p.name] = parse_time(props.get(p.name), p.name)
    fields["issued_at"] = fields["issued_at"] or fields["effective_from"]
    if bookkeeping:
        fields["version"] = props.get("version") or 1
    fid = feature_id(feature, props)
    if fid is not None:
        fields["id"] = fid
    else:
        fields.pop("id", None)
    for name in ("block_ids", "approx_block_ids", "flags"):
        fields[name] = _text_list(props.get(name), name)
    fields["geometry"] = geometry
    fields["drawn_geometry"] = read_geometry(props.get("drawn_geometry"), "drawn_geometry")
    method = _method(props, "drawn")
    radius = float(props.get("uncertainty_m") or 0.0)
    gp, wp = precision_codes(radius, method)  # type: ignore[arg-type]
    fields["uncertainty"] = Uncertainty(radius_m=radius, geo_precision=gp, where_prec=wp, method=method)
    return fields


def unknown_properties(props: Iterable[str], allowed: frozenset[str]) -> list[str]:
    """The names in ``props`` that are not in ``allowed``, sorted (for a reader that refuses them)."""
    return sorted(set(props) - allowed)


__all__ = [
    "ACLED_CSV_COLUMNS",
    "CLAIM_CONTRACT",
    "CLAIM_CSV_COLUMNS",
    "CLAIM_INPUT_PROPERTIES",
    "CLAIM_PROPERTIES",
    "PARSED_CLAIM_PROPERTIES",
    "ZONE_CONTRACT",
    "ZONE_INPUT_PROPERTIES",
    "ZONE_PROPERTIES",
    "Prop",
    "claim_fields",
    "claim_properties",
    "claim_uncertainty",
    "feature_id",
    "iso",
    "parse_time",
    "parsed_claim_properties",
    "placement_method",
    "zone_area",
    "zone_fields",
    "zone_properties",
]
