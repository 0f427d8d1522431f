"""Value types that a text yields: what happened, where, when, who says so, how sure.

This is the lower floor of sitmap's domain model. ``geo`` produces these values and
knows nothing of storage or HTTP; ``layers.model`` builds the stored records on top
of them. Every :class:`Claim` keeps its four pillars: a claimant, a source, a time
interval and a location uncertainty; none of them is ever silently dropped.

Geometries are shapely objects in EPSG:4326 (lon/lat, OGC:CRS84). They validate on
the way in (coordinate range, OGC validity with shapely's reason) and serialise to
RFC 7946 GeoJSON mappings on the way out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

import shapely
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo.errors import InvalidInput

# --------------------------------------------------------------------------------------
# Controlled vocabularies
# --------------------------------------------------------------------------------------

EventType = Literal[
    "airstrike",
    "shelling",
    "ground_operation",
    "rocket_launch",
    "shooting",
    "evacuation_order",
    "humanitarian_zone",
    "negotiation",
    "other",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

ClaimStatus = Literal["reported", "corroborated", "disputed", "retracted"]
CLAIM_STATUSES: tuple[str, ...] = get_args(ClaimStatus)

Review = Literal["machine", "reviewed", "edited", "rejected"]
REVIEWS: tuple[str, ...] = get_args(Review)

TimePrecision = Literal["hour", "day", "week", "month", "year", "unknown"]
TIME_PRECISIONS: tuple[str, ...] = get_args(TimePrecision)

#: How a location was obtained; the audit trail of every placement.
PlacementMethod = Literal[
    "gazetteer",  # a gazetteer entry (point, city extent, neighbourhood)
    "qualifier",  # a gazetteer entry widened by a text qualifier ("near", "outskirts")
    "admin_fallback",  # only an admin area (governorate, Strip, country) was known
    "block_list",  # a numbered evacuation-grid block list
    "coordinates",  # coordinates given by the source (ACLED, UCDP, GeoJSON)
    "drawn",  # a polygon drawn by the issuer or a user
    "manual",  # placed by a reviewer
    "unresolved",  # no place could be determined: geometry is null
]
PLACEMENT_METHODS: tuple[str, ...] = get_args(PlacementMethod)

#: Bounded lengths for free-text fields, so a hostile input cannot bloat the store.
MAX_NAME = 300
MAX_TEXT = 5000
MAX_URL = 2048


# --------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------


def check_geometry(geom: BaseGeometry, *, what: str = "geometry") -> BaseGeometry:
    """Return ``geom`` if it is a usable lon/lat geometry, else raise :class:`InvalidInput`.

    Checks: not empty, 2D coordinates in range (lon -180..180, lat -90..90), finite,
    and OGC-valid (the reason comes from shapely's ``explain_validity``). 3D input is
    flattened to 2D: sitmap maps the ground, and GeoJSON readers disagree on Z.
    """
    if type(geom) is Point and not geom.is_empty and not geom.has_z:
        # The common case, checked without numpy round trips: a finite 2D point in range is valid.
        x, y = geom.x, geom.y
        if -180 <= x <= 180 and -90 <= y <= 90:
            return geom
    if geom.is_empty:
        raise InvalidInput(f"{what} is empty")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    if not bool((coords == coords).all()) or not bool(abs(coords).max() < float("inf")):
        raise InvalidInput(f"{what} has non-finite coordinates")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180:
        raise InvalidInput(f"{what} longitude out of range -180..180 (got {minx:g}..{maxx:g})")
    if miny < -90 or maxy > 90:
        raise InvalidInput(f"{what} latitude out of range -90..90 (got {miny:g}..{maxy:g})")
    if not geom.is_valid:
        raise InvalidInput(f"{what} is not valid: {explain_validity(geom)}")
    return geom


def repair_geometry(geom: BaseGeometry) -> BaseGeometry:
    """Repair an invalid geometry with ``shapely.make_valid``; callers opt in explicitly.

    Polygonal input keeps only its polygonal parts, so a bow-tie stays an area and
    does not turn into a GeometryCollection of lines.
    """
    fixed = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon") and fixed.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else fixed
    return fixed


def count_vertices(value: Any) -> int:
    """How many coordinate positions a GeoJSON geometry (or any nesting of arrays) holds.

    Counted on the parsed JSON before shapely sees it, so a huge geometry is refused
    without building it. A position is an array whose first item is a number.
    """
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list) and item:
            if isinstance(item[0], (int, float)) and not isinstance(item[0], bool):
                count += 1
            else:
                stack.extend(item)
    return count


def _fast_point(value: dict[str, Any]) -> Point | None:
    """A GeoJSON Point with two or three plain numbers in range, built directly; else ``None`` (the full path)."""
    if value.get("type") != "Point":
        return None
    coords = value.get("coordinates")
    if type(coords) is not list or len(coords) not in (2, 3):
        return None
    if not all(type(c) in (int, float) for c in coords):
        return None
    x, y = float(coords[0]), float(coords[1])
    if -180 <= x <= 180 and -90 <= y <= 90:  # NaN fails both comparisons; a third (Z) value is dropped
        return Point(x, y)
    return None


def to_geometry(value: Any) -> BaseGeometry:
    """Coerce a shapely geometry, GeoJSON mapping or WKT string into a shapely geometry."""
    if isinstance(value, BaseGeometry):
        geom = value
    elif isinstance(value, dict):
        point = _fast_point(value)
        if point is not None:
            return point
        if value.get("type") in ("Feature", "FeatureCollection"):
            raise InvalidInput("expected a GeoJSON geometry, got a " + str(value.get("type")))
        try:
            geom = shape(value)
        except Exception as exc:  # shapely raises several types for bad mappings
            raise InvalidInput(f"not a GeoJSON geometry: {exc}") from exc
    elif isinstance(value, str):
        try:
            geom = shapely.from_wkt(value)
        except Exception as exc:
            raise InvalidInput(f"not a WKT geometry: {exc}") from exc
    else:
        raise InvalidInput(f"cannot read a geometry from {type(value).__name__}")
    return check_geometry(geom)


def _geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))


_GEOMETRY_SCHEMA = {"type": "object", "description": "GeoJSON geometry (RFC 7946), lon/lat"}

#: A validated lon/lat shapely geometry that serialises as a GeoJSON mapping.
Geometry = Annotated[
    BaseGeometry,
    BeforeValidator(to_geometry),
    PlainSerializer(_geometry_json, return_type=dict),
    WithJsonSchema(_GEOMETRY_SCHEMA),
]


#: The instants sitmap stores and serves. Both stores (and Python) hold years 1-9999;
#: a year is left at each end so that interval arithmetic (the week or month around a
#: date, the day after) never leaves the calendar.
MIN_INSTANT = datetime(2, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
SUPPORTED_RANGE = "0002-01-01T00:00:00Z to 9998-12-31T23:59:59.999999Z"


def to_utc_instant(value: datetime, what: str = "") -> datetime:
    """``value`` as an aware UTC datetime inside the supported range (a naive value is read as UTC).

    The one step every time value takes on its way in (query parameters, request
    bodies, the CLI, importers), so that an instant near the ends of the calendar
    (``9999-12-31T23:59:59-14:00`` is in year 10000 in UTC) is refused with
    :class:`InvalidInput` naming ``what`` and the range, instead of overflowing later.
    """
    try:
        t: datetime | None = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        t = None
    if t is None or not MIN_INSTANT <= t <= MAX_INSTANT:
        name = f"{what} " if what else ""
        raise InvalidInput(f"{name}{value.isoformat()} is outside the supported range {SUPPORTED_RANGE}")
    return t


def _utc(value: datetime) -> datetime:
    return to_utc_instant(value)


#: A timezone-aware UTC datetime (naive input is read as UTC) inside the supported range.
UTCDateTime = Annotated[datetime, AfterValidator(_utc)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


# --------------------------------------------------------------------------------------
# Uncertainty and time
# --------------------------------------------------------------------------------------


class Uncertainty(_Frozen):
    """How far from its best-estimate geometry a claim may really lie.

    ``radius_m`` is a ~95% bound: the true location lies within that distance of the
    claim's geometry. ``region`` is the area it may lie in (admin polygon, zone,
    buffered point) when one is known. ``geo_precision`` follows ACLED (1 = the named
    town or finer, 2 = near it / a small part of a region, 3 = a larger region) and
    ``where_prec`` follows UCDP GED (1 exact .. 7 country or wider); both are derived
    from the radius and method, and both are exported.
    """

    radius_m: float = Field(ge=0, le=25_000_000)
    region: Geometry | None = None
    geo_precision: int = Field(ge=1, le=3)
    where_prec: int = Field(ge=1, le=7)
    method: PlacementMethod
    note: str | None = Field(default=None, max_length=MAX_NAME)


class TimeInterval(_Frozen):
    """When an event happened, as an interval with the precision it is known to.

    ``start`` and ``end`` are inclusive UTC instants; a day-precision event on
    2023-12-01 is ``2023-12-01T00:00Z .. 2023-12-01T23:59:59.999999Z``.
    """

    start: UTCDateTime
    end: UTCDateTime
    precision: TimePrecision

    @model_validator(mode="after")
    def _ordered(self) -> TimeInterval:
        if self.start > self.end:
            raise ValueError(f"start {self.start.isoformat()} is after end {self.end.isoformat()}")
        return self

    def overlaps(self, start: datetime | None, end: datetime | None) -> bool:
        """True if this interval meets [start, end]; ``None`` is an open end."""
        return (end is None or self.start <= end) and (start is None or self.end >= start)


class CountEstimate(_Frozen):
    """A claimed number with its spread: "dozens" -> low 24, best 36, high 99."""

    low: int | None = Field(default=None, ge=0)
    best: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)
    text: str | None = Field(default=None, max_length=MAX_NAME)

    @model_validator(mode="after")
    def _ordered(self) -> CountEstimate:
        vals = [v for v in (self.low, self.best, self.high) if v is not None]
        if vals != sorted(vals):
            raise ValueError("count must satisfy low <= best <= high")
        if not vals:
            raise ValueError("count needs at least one of low, best, high")
        return self


# --------------------------------------------------------------------------------------
# Places and placements
# --------------------------------------------------------------------------------------


class Candidate(_Frozen):
    """One gazetteer entry that a toponym might mean, with the resolver's score."""

    gazetteer_id: str = Field(max_length=100)
    name: str = Field(max_length=MAX_NAME)
    kind: str = Field(max_length=50, description="populated_place, neighbourhood, camp, admin1, ...")
    country: str | None = Field(default=None, max_length=3)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    score: float
    population: int | None = None


class Placement(_Frozen):
    """The audit trail of how a claim got its location: why a point is where it is."""

    place_text: str | None = Field(default=None, max_length=MAX_NAME)
    gazetteer_id: str | None = Field(default=None, max_length=100)
    place_name: str | None = Field(default=None, max_length=MAX_NAME)
    method: PlacementMethod
    qualifier: str | None = Field(default=None, max_length=100)
    rejected: tuple[Candidate, ...] = ()


class Mention(_Frozen):
    """A place named in a text, with what it was resolved to (or not) and how sure."""

    place_text: str = Field(max_length=MAX_NAME)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    gazetteer_id: str | None = None
    place_name: str | None = None
    kind: str | None = None
    geometry: Geometry | None = None
    uncertainty: Uncertainty | None = None
    confidence: float = Field(ge=0, le=1)
    qualifier: str | None = None
    alternatives: tuple[Candidate, ...] = ()

    @model_validator(mode="after")
    def _span(self) -> Mention:
        if self.end < self.start:
            raise ValueError("mention end is before its start")
        if (self.geometry is None) != (self.uncertainty is None):
            raise ValueError("a resolved mention needs both a geometry and an uncertainty")
        return self


# --------------------------------------------------------------------------------------
# Claim
# --------------------------------------------------------------------------------------


class Claim(BaseModel):
    """One located, dated, attributed assertion taken from a report.

    The unit a map draws. ``claimant`` is who asserts it ("Israeli military", "Gaza
    health ministry", "witnesses"), ``source`` the outlet or document that carried it.
    ``geometry`` is the best-estimate location (``None`` when unresolved: never a guess
    at 0,0); ``uncertainty`` says how far off it may be. ``valid_from``/``valid_to`` is
    the event interval with ``time_precision`` (both ``None`` only when the text gives
    no time and no publication date is known; precision is then ``unknown``).
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, validate_assignment=True)

    event_type: EventType
    claimant: str | None = Field(default=None, max_length=MAX_NAME)
    source: str | None = Field(default=None, max_length=MAX_NAME)
    url: str | None = Field(default=None, max_length=MAX_URL)
    quote: str | None = Field(default=None, max_length=MAX_TEXT)
    place_text: str | None = Field(default=None, max_length=MAX_NAME)
    place_name: str | None = Field(default=None, max_length=MAX_NAME)
    gazetteer_id: str | None = Field(default=None, max_length=100)
    geometry: Geometry | None = None
    uncertainty: Uncertainty | None = None
    valid_from: UTCDateTime | None = None
    valid_to: UTCDateTime | None = None
    time_precision: TimePrecision = "unknown"
    fatalities: CountEstimate | None = None
    injured: CountEstimate | None = None
    targets: CountEstimate | None = None
    block_ids: tuple[str, ...] = ()
    placement: Placement | None = None
    confidence: float = Field(default=0.5, ge=0, le=1)
    notes: str | None = Field(default=None, max_length=MAX_TEXT)
    #: ``disputed`` when the same report carries a contradicting account of this event
    #: (a counter-claim, a denial, a toll far from another teller's); stores keep it as
    #: the claim's editorial status.
    status: ClaimStatus = "reported"

    @field_validator("claimant", "source", "place_text", "place_name", "quote", "notes", "url")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        return v or None

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if (self.valid_from is None) != (self.valid_to is None):
            raise ValueError("valid_from and valid_to must both be set or both be empty")
        if self.valid_from is not None and self.valid_to is not None:
            if self.valid_from > self.valid_to:
                raise ValueError(
                    f"valid_from {self.valid_from.isoformat()} is after valid_to {self.valid_to.isoformat()}"
                )
            if self.time_precision == "unknown":
                raise ValueError("a claim with a time interval needs a time_precision other than 'unknown'")
        if self.geometry is not None and self.uncertainty is None:
            raise ValueError("a located claim needs an uncertainty (radius, precision codes, method)")
        return self

    @property
    def interval(self) -> TimeInterval | None:
        """The event interval as a :class:`TimeInterval`, or ``None`` when unknown."""
        if self.valid_from is None or self.valid_to is None:
            return None
        return TimeInterval(start=self.valid_from, end=self.valid_to, precision=self.time_precision)


def format_validation_error(exc: Exception, *, what: str = "input") -> str:
    """One readable line from a pydantic ``ValidationError`` (field path: reason; ...)."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return f"{what}: {exc}"
    parts = []
    for err in errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or what
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    more = len(errors()) - 5
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)
