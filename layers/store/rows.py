"""Record <-> row mapping and query semantics shared by the GeoPackage and PostGIS stores.

Both backends keep claims and zones in one table each, every version a row, with
bitemporal ``recorded_at``/``superseded_at`` columns. The common scalar fields are
real columns (so GDAL, QGIS and SQL users see them); nested values (uncertainty,
placement, counts) travel as JSON text and the uncertainty region and a zone's drawn
area as plain WKB. What differs between backends (placeholders, how a timestamp or a
geometry is bound and read back, the spatial filter) is a :class:`Dialect`; the
versioning logic that must behave identically lives here once, written against a
tiny :class:`Tx` interface each backend implements over its own transaction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

import shapely
from pydantic import BaseModel, ValidationError
from shapely.geometry.base import BaseGeometry

from geo.contract import CLAIM_CONTRACT, CLAIM_PROPERTIES, iso, placement_method
from geo.errors import Conflict, InvalidInput, NotFound, StoreError
from geo.model import (
    CLAIM_STATUSES,
    EVENT_TYPES,
    REVIEWS,
    TIME_PRECISIONS,
    CountEstimate,
    Placement,
    Uncertainty,
    format_validation_error,
)
from layers.model import ORDER_TYPES, ClaimRecord, Layer, Report, Source, Zone
from layers.store.base import ClaimQuery, LayerVersion, WriteResult, ZoneQuery, new_claim_id, new_zone_id

#: Rows fetched per ``IN (...)`` lookup; well under SQLite's and libpq's parameter limits.
CHUNK = 500

# --------------------------------------------------------------------------------------
# Columns (order matters: it is the INSERT order)
# --------------------------------------------------------------------------------------

#: Claim version columns after the integer key and the geometry, with SQLite and PostgreSQL types.
CLAIM_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", "text NOT NULL"),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("event_type", "TEXT NOT NULL", "text NOT NULL"),
    ("status", "TEXT NOT NULL", "text NOT NULL"),
    ("review", "TEXT NOT NULL", "text NOT NULL"),
    ("claimant", "TEXT", "text"),
    ("source", "TEXT", "text"),
    ("url", "TEXT", "text"),
    ("quote", "TEXT", "text"),
    ("place_text", "TEXT", "text"),
    ("place_name", "TEXT", "text"),
    ("gazetteer_id", "TEXT", "text"),
    ("placement_method", "TEXT", "text"),
    ("uncertainty_m", "REAL", "double precision"),
    ("geo_precision", "INTEGER", "integer"),
    ("where_prec", "INTEGER", "integer"),
    ("valid_from", "DATETIME", "timestamptz"),
    ("valid_to", "DATETIME", "timestamptz"),
    ("time_precision", "TEXT NOT NULL", "text NOT NULL"),
    ("fatalities", "INTEGER", "integer"),
    ("fatalities_low", "INTEGER", "integer"),
    ("fatalities_high", "INTEGER", "integer"),
    ("injured", "INTEGER", "integer"),
    ("injured_low", "INTEGER", "integer"),
    ("injured_high", "INTEGER", "integer"),
    ("targets", "INTEGER", "integer"),
    ("confidence", "REAL NOT NULL", "double precision NOT NULL"),
    ("block_ids", "TEXT", "text"),
    ("report_id", "TEXT", "text"),
    ("notes", "TEXT", "text"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
    ("uncertainty_json", "TEXT", "text"),
    ("region", "BLOB", "bytea"),
    ("placement_json", "TEXT", "text"),
    ("counts_json", "TEXT", "text"),
)
CLAIM_NAMES: tuple[str, ...] = tuple(c[0] for c in CLAIM_COLUMNS)

#: Zone version columns after the integer key and the geometry.
ZONE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", "text NOT NULL"),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("order_type", "TEXT NOT NULL", "text NOT NULL"),
    ("status", "TEXT NOT NULL", "text NOT NULL"),
    ("issuer", "TEXT NOT NULL", "text NOT NULL"),
    ("source", "TEXT", "text"),
    ("url", "TEXT", "text"),
    ("report_id", "TEXT", "text"),
    ("title", "TEXT", "text"),
    ("block_ids", "TEXT", "text"),
    ("approx_block_ids", "TEXT", "text"),
    ("grid", "TEXT", "text"),
    ("issued_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("effective_from", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("lifted_at", "DATETIME", "timestamptz"),
    ("time_precision", "TEXT NOT NULL", "text NOT NULL"),
    ("placement_method", "TEXT", "text"),
    ("uncertainty_m", "REAL", "double precision"),
    ("geo_precision", "INTEGER", "integer"),
    ("where_prec", "INTEGER", "integer"),
    ("stated_area_km2", "REAL", "double precision"),
    ("flags", "TEXT", "text"),
    ("notes", "TEXT", "text"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
    ("uncertainty_json", "TEXT", "text"),
    ("region", "BLOB", "bytea"),
    ("drawn_geom", "BLOB", "bytea"),
)
ZONE_NAMES: tuple[str, ...] = tuple(c[0] for c in ZONE_COLUMNS)

CLAIM_TABLE = "claim_versions"
ZONE_TABLE = "zone_versions"
LAYER_TABLE = "layer_versions"

#: Layer definition version columns (an attribute table: no geometry), SQLite and PostgreSQL types.
#: ``kind`` and ``title`` repeat the definition's for SQL and GDAL readers.
LAYER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", 'text COLLATE "C" NOT NULL'),
    ("version", "INTEGER NOT NULL", "integer NOT NULL"),
    ("kind", "TEXT NOT NULL", "text NOT NULL"),
    ("title", "TEXT NOT NULL", "text NOT NULL"),
    ("definition", "TEXT NOT NULL", "text NOT NULL"),
    ("deleted", "INTEGER NOT NULL DEFAULT 0", "boolean NOT NULL DEFAULT false"),
    ("recorded_at", "DATETIME NOT NULL", "timestamptz NOT NULL"),
    ("superseded_at", "DATETIME", "timestamptz"),
    ("recorded_by", "TEXT", "text"),
)
LAYER_NAMES: tuple[str, ...] = tuple(c[0] for c in LAYER_COLUMNS)

#: Fields a caller may not set through ``update_claim``: the store owns them.
BOOKKEEPING = frozenset({"id", "version", "recorded_at", "superseded_at", "recorded_by"})


# --------------------------------------------------------------------------------------
# Dialect
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How one backend binds and reads values; SQL here is written with ``?`` placeholders.

    ``geom_param`` is the SQL that binds one geometry parameter, ``geom_select`` wraps a
    geometry column so it comes back as bytes ``geom_decode`` understands, and
    ``geom_encode`` turns a list of shapely geometries (or ``None``) into parameters.
    """

    name: str
    ts: Callable[[datetime | None], Any]
    parse_ts: Callable[[Any], datetime | None]
    geom_param: str
    geom_select: Callable[[str], str]
    geom_encode: Callable[[Sequence[BaseGeometry | None]], list[Any]]
    geom_decode: Callable[[Sequence[Any]], list[BaseGeometry | None]]
    #: GeoPackage only: each time column ``t`` is shown to GDAL as millisecond DATETIME text
    #: (the spec's format) and kept exact, for filtering and reading back, in ``t_us``.
    shadow_times: bool = False
    display_ts: Callable[[datetime | None], Any] = lambda v: v
    #: SQL for ``valid_from >= start - (the longest claim interval ever stored)``, one ``?`` for start.
    span_bound: str = ""
    #: SQL aggregate of the longest stored claim interval, in microseconds.
    span_max: str = ""
    #: True when ``ORDER BY col`` already puts NULLs last (PostgreSQL), so the claim order
    #: needs no ``col IS NULL`` term and a plain (valid_from, id) index serves it.
    nulls_last: bool = False

    def tc(self, name: str, alias: str = "") -> str:
        """The column that holds the exact, comparable value of time column ``name``."""
        p = f"{alias}." if alias else ""
        return f"{p}{name}_us" if self.shadow_times else f"{p}{name}"


#: Columns holding instants; comparisons and ordering go through :meth:`Dialect.tc`.
TIME_COLUMNS = frozenset(
    {
        "valid_from",
        "valid_to",
        "recorded_at",
        "superseded_at",
        "issued_at",
        "effective_from",
        "lifted_at",
        "published_at",
    }
)


def insert_columns(d: Dialect, names: Sequence[str]) -> list[str]:
    """INSERT column names for ``names``, plus the shadow time columns when the dialect has them."""
    extra = [f"{n}_us" for n in names if n in TIME_COLUMNS] if d.shadow_times else []
    return [*names, *extra]


def bind_times(d: Dialect, names: Sequence[str], rows: Iterable[Sequence[Any]], skip: int = 0) -> list[tuple[Any, ...]]:
    """Turn the raw datetimes of ``rows`` (at the time columns of ``names``) into parameters.

    ``skip`` leading values (the geometry) are passed through untouched.
    """
    pos = [skip + i for i, n in enumerate(names) if n in TIME_COLUMNS]
    out = []
    cache: dict[datetime | None, tuple[Any, Any]] = {}  # claims share day boundaries: convert each once
    for row in rows:
        vals = list(row)
        extra = []
        for i in pos:
            v = vals[i]
            conv = cache.get(v)
            if conv is None:
                conv = cache[v] = (d.display_ts(v), d.ts(v)) if d.shadow_times else (d.ts(v), None)
            vals[i] = conv[0]
            if d.shadow_times:
                extra.append(conv[1])
        out.append((*vals, *extra))
    return out


def parse_iso(value: Any) -> datetime | None:
    """Read a stored timestamp (ISO text or a driver datetime) as an aware UTC datetime."""
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(value: datetime | None) -> int | None:
    """Exact microseconds since 1970-01-01T00:00Z (naive input is read as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: Any) -> datetime | None:
    """The UTC datetime of a microsecond epoch count (``None`` stays ``None``)."""
    return None if value is None else _EPOCH + timedelta(microseconds=int(value))


def iso_ms(value: datetime | None) -> str | None:
    """GeoPackage DATETIME text (``YYYY-MM-DDTHH:MM:SS.SSSZ``), truncated to the millisecond."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def wkb_or_none(geom: BaseGeometry | None) -> bytes | None:
    """Plain little-endian WKB of a geometry (for the region and drawn-area columns)."""
    return None if geom is None else bytes(shapely.to_wkb(geom))


def from_wkb_or_none(value: Any) -> BaseGeometry | None:
    """Shapely geometry from plain WKB bytes (``None`` stays ``None``)."""
    return None if value is None else shapely.from_wkb(bytes(value))


class Tx(Protocol):
    """One open write transaction (or read connection) of a backend, ``?`` placeholders."""

    dialect: Dialect

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement."""

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per row of parameters."""

    def insert_versions(self, table: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert version rows (geometry parameter first); a backend may bulk-load large batches."""


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``size`` (for IN lists under the parameter limit)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


# --------------------------------------------------------------------------------------
# Claims: record -> row
# --------------------------------------------------------------------------------------


def _count_parts(c: CountEstimate | None) -> tuple[int | None, int | None, int | None]:
    if c is None:
        return None, None, None
    return c.best, c.low, c.high


def _counts_json(rec: ClaimRecord) -> str | None:
    counts = {
        k: v.model_dump(mode="json", exclude_none=True)
        for k, v in (("fatalities", rec.fatalities), ("injured", rec.injured), ("targets", rec.targets))
        if v is not None
    }
    return json.dumps(counts, ensure_ascii=False) if counts else None


def _uncertainty_json(u: Uncertainty | None) -> str | None:
    if u is None:
        return None
    return json.dumps(u.model_dump(mode="json", exclude={"region"}), ensure_ascii=False)


def claim_rows(
    d: Dialect,
    records: Sequence[ClaimRecord],
    versions: Sequence[int],
    now: datetime,
    recorded_by: Sequence[str | None],
) -> list[tuple[Any, ...]]:
    """INSERT parameters (geometry first, then :data:`CLAIM_NAMES`) for claim versions."""
    geoms = d.geom_encode([r.geometry for r in records])
    out: list[tuple[Any, ...]] = []
    # Importers share one Uncertainty object among many claims, and claims share day
    # boundaries: serialise each distinct one once.
    u_cache: dict[int, tuple[str | None, bytes | None]] = {}
    t_cache: dict[datetime | None, tuple[Any, Any]] = {}
    shadow = d.shadow_times

    def conv(v: datetime | None) -> tuple[Any, Any]:
        c = t_cache.get(v)
        if c is None:
            c = t_cache[v] = (d.display_ts(v), d.ts(v)) if shadow else (d.ts(v), None)
        return c

    rec_t, sup_t = conv(now), conv(None)
    for rec, geom, version, by in zip(records, geoms, versions, recorded_by, strict=True):
        u = rec.uncertainty
        u_parts = u_cache.get(id(u))
        if u_parts is None:
            u_parts = u_cache[id(u)] = (_uncertainty_json(u), wkb_or_none(None if u is None else u.region))
        f_best, f_low, f_high = _count_parts(rec.fatalities)
        i_best, i_low, i_high = _count_parts(rec.injured)
        vf_t, vt_t = conv(rec.valid_from), conv(rec.valid_to)
        row = (
            geom,
            rec.id,
            version,
            rec.event_type,
            rec.status,
            rec.review,
            rec.claimant,
            rec.source,
            rec.url,
            rec.quote,
            rec.place_text,
            rec.place_name,
            rec.gazetteer_id,
            placement_method(rec),  # the contract's value, as every feature shows it
            None if u is None else u.radius_m,
            None if u is None else u.geo_precision,
            None if u is None else u.where_prec,
            vf_t[0],
            vt_t[0],
            rec.time_precision,
            f_best,
            f_low,
            f_high,
            i_best,
            i_low,
            i_high,
            None if rec.targets is None else rec.targets.best,
            rec.confidence,
            json.dumps(list(rec.block_ids)) if rec.block_ids else None,
            rec.report_id,
            rec.notes,
            rec_t[0],
            sup_t[0],
            by,
            *u_parts,
            None if rec.placement is None else rec.placement.model_dump_json(),
            _counts_json(rec),
        )
        # the shadow time columns, in insert_columns() order: valid_from, valid_to, recorded_at, superseded_at
        out.append((*row, vf_t[1], vt_t[1], rec_t[1], sup_t[1]) if shadow else row)
    return out


def _select(d: Dialect, names: Sequence[str], alias: str) -> str:
    p = f"{alias}." if alias else ""
    cols = [d.tc(n, alias) if n in TIME_COLUMNS else f"{p}{n}" for n in names]
    return ", ".join([d.geom_select(f"{p}geom"), *cols])


def claim_select(d: Dialect, alias: str = "") -> str:
    """The SELECT list that :func:`claims_from_rows` reads."""
    return _select(d, CLAIM_NAMES, alias)


_CLAIM_IDX = {n: i + 1 for i, n in enumerate(CLAIM_NAMES)}


def claims_from_rows(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[ClaimRecord]:
    """Rebuild :class:`ClaimRecord` values from rows of :func:`claim_select`.

    The rows were validated on the way in, so the models are constructed without a
    second validation pass: reading 10,000 claims must not cost a second.
    """
    geoms = d.geom_decode([r[0] for r in rows])
    ix = _CLAIM_IDX
    out = []
    # Many claims share an uncertainty and day boundaries: build each distinct one once.
    u_cache: dict[tuple[Any, Any], Uncertainty] = {}
    t_cache: dict[Any, datetime | None] = {}

    def ts(value: Any) -> datetime | None:
        if value not in t_cache:
            t_cache[value] = d.parse_ts(value)
        return t_cache[value]

    for row, geom in zip(rows, geoms, strict=True):
        u_json = row[ix["uncertainty_json"]]
        uncertainty = None
        if u_json is not None:
            key = (u_json, row[ix["region"]])
            uncertainty = u_cache.get(key)
            if uncertainty is None:
                uncertainty = u_cache[key] = build_model(
                    Uncertainty, {"region": from_wkb_or_none(row[ix["region"]]), **json.loads(u_json)}
                )
        placement = None
        if row[ix["placement_json"]] is not None:
            placement = Placement.model_validate_json(row[ix["placement_json"]])
        counts: dict[str, CountEstimate] = {}
        if row[ix["counts_json"]] is not None:
            for k, v in json.loads(row[ix["counts_json"]]).items():
                counts[k] = CountEstimate.model_construct(
                    low=v.get("low"), best=v.get("best"), high=v.get("high"), text=v.get("text")
                )
        blocks = row[ix["block_ids"]]
        out.append(
            build_model(
                ClaimRecord,
                {
                    "event_type": row[ix["event_type"]],
                    "claimant": row[ix["claimant"]],
                    "source": row[ix["source"]],
                    "url": row[ix["url"]],
                    "quote": row[ix["quote"]],
                    "place_text": row[ix["place_text"]],
                    "place_name": row[ix["place_name"]],
                    "gazetteer_id": row[ix["gazetteer_id"]],
                    "geometry": geom,
                    "uncertainty": uncertainty,
                    "valid_from": ts(row[ix["valid_from"]]),
                    "valid_to": ts(row[ix["valid_to"]]),
                    "time_precision": row[ix["time_precision"]],
                    "fatalities": counts.get("fatalities"),
                    "injured": counts.get("injured"),
                    "targets": counts.get("targets"),
                    "block_ids": tuple(json.loads(blocks)) if blocks else (),
                    "placement": placement,
                    "confidence": row[ix["confidence"]],
                    "notes": row[ix["notes"]],
                    "id": row[ix["id"]],
                    "report_id": row[ix["report_id"]],
                    "version": row[ix["version"]],
                    "status": row[ix["status"]],
                    "review": row[ix["review"]],
                    "recorded_at": d.parse_ts(row[ix["recorded_at"]]),
                    "superseded_at": d.parse_ts(row[ix["superseded_at"]]),
                    "recorded_by": row[ix["recorded_by"]],
                },
            )
        )
    return out


#: Columns a claim feature is built from: the contract's attribute properties (a stored
#: column each), then the nested values its other properties come from.
FEATURE_NAMES: tuple[str, ...] = (
    *(p.name for p in CLAIM_CONTRACT if p.attr is not None and p.role != "output"),
    *("uncertainty_json", "placement_json", "counts_json"),
)
_FEATURE_IDX = {n: i + 1 for i, n in enumerate(FEATURE_NAMES)}
#: Where each nested part of the contract is found per row: 0 the uncertainty, then the counts.
_PARTS = ("uncertainty", "fatalities", "injured", "targets")


def _feature_plan() -> tuple[tuple[int, ...], tuple[int, ...], int, tuple[tuple[int, str], ...], Any]:
    """How a row of :func:`claim_feature_select` becomes the contract's property values.

    Compiled once from :data:`geo.contract.CLAIM_CONTRACT`: the row positions of time and
    list columns (converted in place), the block of nested fields appended after the
    row (part index, key), and one ``itemgetter`` that picks every property's value, in
    the contract's order, from the row extended by [nested fields..., method, None].
    """
    import operator

    width = len(FEATURE_NAMES) + 1  # the geometry comes first
    times = tuple(_FEATURE_IDX[p.name] for p in CLAIM_CONTRACT if p.attr is not None and p.kind == "time")
    lists = tuple(_FEATURE_IDX[p.name] for p in CLAIM_CONTRACT if p.attr is not None and p.kind == "list")
    nested = tuple((_PARTS.index(p.part), p.key or "") for p in CLAIM_CONTRACT if p.part is not None)
    picks: list[int] = []
    n_nested = 0
    for p in CLAIM_CONTRACT:
        if p.attr is not None and p.role != "output":
            picks.append(_FEATURE_IDX[p.name])
        elif p.part is not None:
            picks.append(width + n_nested)
            n_nested += 1
        elif p.name == "placement_method":
            picks.append(width + len(nested))
        else:  # coarsened_to: a policy sets it, never the store
            picks.append(width + len(nested) + 1)
    return times, lists, width, nested, operator.itemgetter(*picks)


_TIMES, _LISTS, _WIDTH, _NESTED, _PICK = _feature_plan()


def claim_feature_select(d: Dialect, alias: str = "", *, include_region: bool = False) -> str:
    """The SELECT list that :func:`claim_features_from_rows` reads (fewer columns than :func:`claim_select`)."""
    return _select(d, (*FEATURE_NAMES, "region") if include_region else FEATURE_NAMES, alias)


def _point_geometries(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any] | None]:
    """The GeoJSON geometry of each row; point coordinates come from one vectorised call."""
    from layers.export import COORD_DECIMALS, geometry_json

    geoms = d.geom_decode([r[0] for r in rows])
    present = [i for i, g in enumerate(geoms) if g is not None]
    geom_json: list[dict[str, Any] | None] = [None] * len(rows)
    if present:
        arr = [geoms[i] for i in present]
        is_point = shapely.get_type_id(arr) == 0
        empty = shapely.is_empty(arr)
        xs, ys = shapely.get_x(arr), shapely.get_y(arr)
        for j, i in enumerate(present):
            if is_point[j] and not empty[j]:
                geom_json[i] = {
                    "type": "Point",
                    "coordinates": [round(float(xs[j]), COORD_DECIMALS), round(float(ys[j]), COORD_DECIMALS)],
                }
            else:
                geom_json[i] = geometry_json(arr[j])
    return geom_json


def claim_features_from_rows(
    d: Dialect, rows: Sequence[Sequence[Any]], *, include_region: bool = False
) -> list[dict[str, Any]]:
    """GeoJSON Features straight from rows of :func:`claim_feature_select`, no :class:`ClaimRecord` in between.

    Exactly ``[layers.export.claim_feature(r, include_region=...) for r in claims_from_rows(d, rows)]``
    (a test compares them on varied claims), at a fraction of the cost for big pages:
    point coordinates come from one vectorised call, each distinct stored time,
    uncertainty and placement is converted once per page, and the properties are
    picked in the contract's order by the plan of :func:`_feature_plan`.
    """
    from layers.export import geometry_json

    geom_json = _point_geometries(d, rows)
    i_id, i_u, i_place, i_counts = (
        _FEATURE_IDX[n] for n in ("id", "uncertainty_json", "placement_json", "counts_json")
    )
    i_region = len(FEATURE_NAMES) + 1
    names, times_at, lists_at, nested, pick = CLAIM_PROPERTIES, _TIMES, _LISTS, _NESTED, _PICK
    uncs: dict[Any, dict[str, Any]] = {}
    places: dict[Any, str] = {}
    regions: dict[Any, dict[str, Any] | None] = {}
    # claims share day boundaries and write times: format each distinct stored instant once
    times: dict[Any, str | None] = {None: None}
    for row in rows:
        for i in times_at:
            if row[i] not in times:
                times[row[i]] = iso(d.parse_ts(row[i]))
    out = []
    for row, geometry in zip(rows, geom_json, strict=True):
        u_json = row[i_u]
        unc = None
        if u_json is not None:
            unc = uncs.get(u_json)
            if unc is None:
                unc = uncs[u_json] = json.loads(u_json)
        p_json = row[i_place]
        if p_json is not None:
            method = places.get(p_json)
            if method is None:
                method = places[p_json] = Placement.model_validate_json(p_json).method
        elif unc is not None:
            method = unc["method"]
        else:
            method = "unresolved"
        counts = json.loads(row[i_counts]) if row[i_counts] is not None else {}
        parts = (unc, counts.get("fatalities"), counts.get("injured"), counts.get("targets"))
        values = list(row)
        for i in times_at:
            values[i] = times[values[i]]
        for i in lists_at:
            values[i] = json.loads(values[i]) if values[i] else []
        del values[_WIDTH:]  # the region column, when selected, is not a property
        values += [None if (part := parts[k]) is None else part.get(key) for k, key in nested]
        values += (method, None)
        props: dict[str, Any] = dict(zip(names, pick(values), strict=True))
        if include_region:
            region = None
            if unc is not None and row[i_region] is not None:
                key = bytes(row[i_region])
                if key not in regions:
                    regions[key] = geometry_json(from_wkb_or_none(key))
                region = regions[key]
            props["uncertainty_region"] = region
        out.append({"type": "Feature", "id": row[i_id], "geometry": geometry, "properties": props})
    return out


_object_setattr = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def build_model(cls: type[M], values: dict[str, Any]) -> M:
    """A model from a complete set of already-valid field values, without validation.

    What ``model_construct`` does, minus its per-field bookkeeping, which dominates
    reading thousands of stored rows. Anything but a complete set of fields falls
    back to ``model_construct``.
    """
    if len(values) != len(cls.model_fields) or cls.__pydantic_post_init__:
        return cls.model_construct(**values)
    m = cls.__new__(cls)
    _object_setattr(m, "__dict__", values)
    _object_setattr(m, "__pydantic_fields_set__", set(values))
    _object_setattr(m, "__pydantic_extra__", None)
    _object_setattr(m, "__pydantic_private__", None)
    return m


# --------------------------------------------------------------------------------------
# Zones: record -> row
# --------------------------------------------------------------------------------------


def zone_rows(
    d: Dialect, zones: Sequence[Zone], versions: Sequence[int], now: datetime, recorded_by: Sequence[str | None]
) -> list[tuple[Any, ...]]:
    """INSERT parameters (geometry first, then :data:`ZONE_NAMES`) for zone versions."""
    geoms = d.geom_encode([z.geometry for z in zones])
    out = []
    for z, geom, version, by in zip(zones, geoms, versions, recorded_by, strict=True):
        u = z.uncertainty
        out.append(
            (
                geom,
                z.id,
                version,
                z.order_type,
                z.status,
                z.issuer,
                z.source,
                z.url,
                z.report_id,
                z.title,
                json.dumps(list(z.block_ids)) if z.block_ids else None,
                json.dumps(list(z.approx_block_ids)) if z.approx_block_ids else None,
                z.grid,
                z.issued_at,
                z.effective_from,
                z.lifted_at,
                z.time_precision,
                u.method,
                u.radius_m,
                u.geo_precision,
                u.where_prec,
                z.stated_area_km2,
                json.dumps(list(z.flags)) if z.flags else None,
                z.notes,
                now,
                None,
                by,
                _uncertainty_json(u),
                wkb_or_none(u.region),
                wkb_or_none(z.drawn_geometry),
            )
        )
    return bind_times(d, ZONE_NAMES, out, skip=1)


def zone_select(d: Dialect, alias: str = "") -> str:
    """The SELECT list that :func:`zones_from_rows` reads."""
    return _select(d, ZONE_NAMES, alias)


_ZONE_IDX = {n: i + 1 for i, n in enumerate(ZONE_NAMES)}


def _required(value: datetime | None) -> datetime:
    if value is None:  # NOT NULL columns: only a hand-edited file gets here
        raise StoreError("a zone row lacks a required time (issued_at or effective_from)")
    return value


def _tuple(text: Any) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def zones_from_rows(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[Zone]:
    """Rebuild :class:`Zone` values from rows of :func:`zone_select` (no second validation)."""
    geoms = d.geom_decode([r[0] for r in rows])
    ix = _ZONE_IDX
    out = []
    for row, geom in zip(rows, geoms, strict=True):
        uncertainty = Uncertainty.model_construct(
            region=from_wkb_or_none(row[ix["region"]]), **json.loads(row[ix["uncertainty_json"]])
        )
        out.append(
            Zone.model_construct(
                id=row[ix["id"]],
                version=row[ix["version"]],
                geometry=geom,
                drawn_geometry=from_wkb_or_none(row[ix["drawn_geom"]]),
                issuer=row[ix["issuer"]],
                source=row[ix["source"]],
                url=row[ix["url"]],
                report_id=row[ix["report_id"]],
                title=row[ix["title"]],
                order_type=row[ix["order_type"]],
                block_ids=_tuple(row[ix["block_ids"]]),
                approx_block_ids=_tuple(row[ix["approx_block_ids"]]),
                grid=row[ix["grid"]],
                issued_at=_required(d.parse_ts(row[ix["issued_at"]])),
                effective_from=_required(d.parse_ts(row[ix["effective_from"]])),
                lifted_at=d.parse_ts(row[ix["lifted_at"]]),
                time_precision=row[ix["time_precision"]],
                uncertainty=uncertainty,
                stated_area_km2=row[ix["stated_area_km2"]],
                flags=_tuple(row[ix["flags"]]),
                notes=row[ix["notes"]],
                status=row[ix["status"]],
                recorded_at=d.parse_ts(row[ix["recorded_at"]]),
                superseded_at=d.parse_ts(row[ix["superseded_at"]]),
                recorded_by=row[ix["recorded_by"]],
            )
        )
    return out


# --------------------------------------------------------------------------------------
# Batch checks
# --------------------------------------------------------------------------------------


#: The two versioned record types, whose batches are checked, planned and written alike.
_Versioned = TypeVar("_Versioned", ClaimRecord, Zone)


def _where(kind: str, i: int, rec_id: str) -> str:
    return f"{kind}[{i}] (id {rec_id!r})" if rec_id else f"{kind}[{i}]"


def _check_geometries(kind: str, records: Sequence[Any], ids: Sequence[str], attr: str = "geometry") -> None:
    """Vectorised validity and range check, so a record built without validation cannot slip in."""
    idx = [i for i, r in enumerate(records) if getattr(r, attr) is not None]
    if not idx:
        return
    arr = [getattr(records[i], attr) for i in idx]
    for i, g in zip(idx, arr, strict=True):
        if not isinstance(g, BaseGeometry):
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is not a geometry")
    bounds = shapely.bounds(arr)
    valid = shapely.is_valid(arr)
    empty = shapely.is_empty(arr)
    for j, i in enumerate(idx):
        minx, miny, maxx, maxy = bounds[j]
        if empty[j]:
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is empty")
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            box = f"{minx:g}, {miny:g}, {maxx:g}, {maxy:g}"
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} coordinates out of range (bounds {box})")
        if not valid[j]:
            raise InvalidInput(f"{_where(kind, i, ids[i])}: {attr} is not valid: {shapely.is_valid_reason(arr[j])}")


def _walk_batch(
    kind: str, cls: type[_Versioned], records: Sequence[Any], ids: Sequence[str]
) -> Iterator[tuple[str, _Versioned]]:
    """Yield each record of a batch with its ``_where`` label, once it is a ``cls`` with an id unseen so far.

    A generator, so the caller's own checks on record ``i`` still run before record
    ``i + 1`` is looked at: the error raised is always the first bad record's.
    """
    seen: dict[str, int] = {}
    for i, (rec, rid) in enumerate(zip(records, ids, strict=True)):
        where = _where(kind, i, rid)
        if not isinstance(rec, cls):
            raise InvalidInput(f"{where}: expected a {cls.__name__}, got {type(rec).__name__}")
        if rid in seen:
            raise InvalidInput(f"{where}: duplicate id in the batch (also {kind}[{seen[rid]}])")
        seen[rid] = i
        yield where, rec


def check_claims(claims: Sequence[ClaimRecord], ids: Sequence[str]) -> None:
    """Raise ``InvalidInput`` naming the first bad record (index, id, reason) of a batch.

    Records normally arrive validated by pydantic; these checks catch the ones built
    with ``model_construct`` or edited in place, and the rules that span a batch.
    """
    for where, rec in _walk_batch("claims", ClaimRecord, claims, ids):
        if rec.event_type not in EVENT_TYPES:
            raise InvalidInput(f"{where}: unknown event_type {rec.event_type!r}")
        if rec.status not in CLAIM_STATUSES:
            raise InvalidInput(f"{where}: unknown status {rec.status!r}")
        if rec.review not in REVIEWS:
            raise InvalidInput(f"{where}: unknown review {rec.review!r}")
        if rec.time_precision not in TIME_PRECISIONS:
            raise InvalidInput(f"{where}: unknown time_precision {rec.time_precision!r}")
        vf, vt = rec.valid_from, rec.valid_to
        if (vf is None) != (vt is None):
            raise InvalidInput(f"{where}: valid_from and valid_to must both be set or both be empty")
        if vf is not None and vt is not None and vf > vt:
            raise InvalidInput(f"{where}: valid_from {vf.isoformat()} is after valid_to {vt.isoformat()}")
        if rec.geometry is not None and rec.uncertainty is None:
            raise InvalidInput(f"{where}: a located claim needs an uncertainty")
    _check_geometries("claims", claims, ids)


def check_zones(zones: Sequence[Zone], ids: Sequence[str]) -> None:
    """Like :func:`check_claims`, for a batch of zones."""
    for where, z in _walk_batch("zones", Zone, zones, ids):
        if z.order_type not in ORDER_TYPES:
            raise InvalidInput(f"{where}: unknown order_type {z.order_type!r}")
        if z.status not in ("active", "lifted", "retracted"):
            raise InvalidInput(f"{where}: unknown status {z.status!r}")
        if z.geometry is None or z.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(f"{where}: zone geometry must be a Polygon or MultiPolygon")
        if z.lifted_at is not None and z.lifted_at < z.effective_from:
            raise InvalidInput(f"{where}: lifted_at is before effective_from")
    _check_geometries("zones", zones, ids)
    _check_geometries("zones", zones, ids, "drawn_geometry")


def _check_reports(tx: Tx, kind: str, records: Sequence[Any], ids: Sequence[str]) -> None:
    """Every referenced report must be stored already: claims never point at nothing."""
    wanted = sorted({r.report_id for r in records if r.report_id})
    known: set[str] = set()
    for chunk in chunks(wanted):
        known.update(row[0] for row in tx.fetch(f"SELECT id FROM reports WHERE id IN ({_marks(len(chunk))})", chunk))
    if len(known) == len(wanted):
        return
    for i, r in enumerate(records):
        if r.report_id and r.report_id not in known:
            raise InvalidInput(
                f"{_where(kind, i, ids[i])}: report_id {r.report_id!r} is not in the store; add the report first"
            )


# --------------------------------------------------------------------------------------
# Versioned upserts (shared by both backends; runs inside the backend's transaction)
# --------------------------------------------------------------------------------------


#: Tables whose ``recorded_at`` is the store's clock (writes order after all of them).
VERSIONED_TABLES = (CLAIM_TABLE, ZONE_TABLE, LAYER_TABLE)


def next_timestamp(tx: Tx) -> datetime:
    """The write time of this transaction: now, but strictly after every recorded time.

    Versions must never share a ``recorded_at`` with the one they supersede, or an
    as-of query at that instant would see two; a clock step backwards must not
    reorder history either. The caller holds the write lock, so this is race-free.
    """
    d = tx.dialect
    rec = d.tc("recorded_at")
    last = [d.parse_ts(tx.fetch(f"SELECT max({rec}) FROM {t}")[0][0]) for t in VERSIONED_TABLES]
    now = datetime.now(UTC)
    newest = max((t for t in last if t is not None), default=None)
    if newest is not None and now <= newest:
        now = newest + timedelta(microseconds=1)
    return now


#: sitmap_meta key: the longest (valid_to - valid_from) of any claim version ever stored, in microseconds.
SPAN_KEY = "max_claim_span_us"


def widen_claim_span(tx: Tx, records: Sequence[ClaimRecord]) -> None:
    """Keep :data:`SPAN_KEY` at least as long as every stored claim interval (it never shrinks)."""
    spans = [
        (r.valid_to - r.valid_from) // timedelta(microseconds=1)
        for r in records
        if r.valid_from is not None and r.valid_to is not None
    ]
    if not spans:
        return
    row = tx.fetch("SELECT value FROM sitmap_meta WHERE key = ?", [SPAN_KEY])
    if not row:  # a store from before the key existed: measure what is there once
        stored = tx.fetch(f"SELECT {tx.dialect.span_max} FROM {CLAIM_TABLE}")[0][0]
        tx.run("INSERT INTO sitmap_meta (key, value) VALUES (?, ?)", [SPAN_KEY, str(max([int(stored or 0), *spans]))])
    elif max(spans) > int(row[0][0]):
        tx.run("UPDATE sitmap_meta SET value = ? WHERE key = ?", [str(max(spans)), SPAN_KEY])


@dataclass(frozen=True)
class _VersionedKind(Generic[_Versioned]):
    """Where and how one versioned record type is stored: what the shared upsert needs to know."""

    label: str  # the batch name in error messages: "claims[3] (id ...)"
    table: str
    names: tuple[str, ...]
    new_id: Callable[[], str]
    check: Callable[[Sequence[_Versioned], Sequence[str]], None]
    select: Callable[[Dialect], str]
    from_rows: Callable[[Dialect, Sequence[Sequence[Any]]], list[_Versioned]]
    to_rows: Callable[
        [Dialect, Sequence[_Versioned], Sequence[int], datetime, Sequence[str | None]], list[tuple[Any, ...]]
    ]
    #: Bookkeeping a write of these records needs besides the rows (claims: the longest interval).
    before_write: Callable[[Tx, Sequence[_Versioned]], None] | None = None


# fmt: off
_CLAIMS: _VersionedKind[ClaimRecord] = _VersionedKind(
    label="claims", table=CLAIM_TABLE, names=CLAIM_NAMES, new_id=new_claim_id, check=check_claims,
    select=claim_select, from_rows=claims_from_rows, to_rows=claim_rows, before_write=widen_claim_span,
)
_ZONES: _VersionedKind[Zone] = _VersionedKind(
    label="zones", table=ZONE_TABLE, names=ZONE_NAMES, new_id=new_zone_id, check=check_zones,
    select=zone_select, from_rows=zones_from_rows, to_rows=zone_rows,
)
# fmt: on


def _current_by_id(tx: Tx, kind: _VersionedKind[_Versioned], ids: Sequence[str]) -> dict[str, _Versioned]:
    """The current stored version of each of ``ids`` that exists."""
    rows: list[tuple[Any, ...]] = []
    for chunk in chunks(ids):
        rows += tx.fetch(
            f"SELECT {kind.select(tx.dialect)} FROM {kind.table} "
            f"WHERE superseded_at IS NULL AND id IN ({_marks(len(chunk))})",
            chunk,
        )
    # keyed by the stored id column (row[1]: the geometry comes first), one entry per id
    by_id = {row[1]: tuple(row) for row in rows}
    return dict(zip(by_id, kind.from_rows(tx.dialect, list(by_id.values())), strict=True))


def _insert_sql(d: Dialect, table: str, names: Sequence[str]) -> str:
    all_names = insert_columns(d, names)
    cols = ", ".join(["geom", *all_names])
    marks = ", ".join([d.geom_param] + ["?"] * len(all_names))
    return f"INSERT INTO {table} ({cols}) VALUES ({marks})"


def _supersede(tx: Tx, table: str, ids: Sequence[str], now: datetime) -> None:
    d = tx.dialect
    names = insert_columns(d, ["superseded_at"])
    values = list(bind_times(d, ["superseded_at"], [(now,)])[0])
    sets = ", ".join(f"{n} = ?" for n in names)
    for chunk in chunks(ids):
        tx.run(
            f"UPDATE {table} SET {sets} WHERE superseded_at IS NULL AND id IN ({_marks(len(chunk))})",
            [*values, *chunk],
        )


def _plan_versions(
    records: Sequence[_Versioned], ids: Sequence[str], stored: dict[str, _Versioned]
) -> tuple[WriteResult, list[_Versioned], list[int]]:
    """Sort a batch into new ids (version 1), changed content (next version) and unchanged."""
    result = WriteResult()
    to_write: list[_Versioned] = []
    versions: list[int] = []
    for rec, rid in zip(records, ids, strict=True):
        if rec.id != rid:
            rec = rec.model_copy(update={"id": rid})
        old = stored.get(rid)
        if old is None:
            result.inserted.append(rid)
            versions.append(1)
        elif old.content_hash() == rec.content_hash():
            result.unchanged.append(rid)
            continue
        else:
            result.updated.append(rid)
            versions.append(old.version + 1)
        to_write.append(rec)
    return result, to_write, versions


def _write_versions(
    tx: Tx,
    kind: _VersionedKind[_Versioned],
    records: Sequence[_Versioned],
    versions: Sequence[int],
    replaced: Sequence[str],
    recorded_by: Sequence[str | None],
) -> None:
    """Insert new versions of ``records``, superseding the current versions of ``replaced`` at the same instant."""
    now = next_timestamp(tx)
    if kind.before_write is not None:
        kind.before_write(tx, records)
    _supersede(tx, kind.table, replaced, now)
    d = tx.dialect
    tx.insert_versions(
        kind.table, _insert_sql(d, kind.table, kind.names), kind.to_rows(d, records, versions, now, recorded_by)
    )


def _upsert(
    tx: Tx, kind: _VersionedKind[_Versioned], records: Sequence[_Versioned], recorded_by: str | None
) -> WriteResult:
    """Insert new records, version changed ones, skip unchanged ones; inside one transaction."""
    ids = [getattr(r, "id", "") or kind.new_id() for r in records]
    kind.check(records, ids)
    _check_reports(tx, kind.label, records, ids)
    result, to_write, versions = _plan_versions(records, ids, _current_by_id(tx, kind, ids))
    if to_write:
        by = [recorded_by or r.recorded_by for r in to_write]
        _write_versions(tx, kind, to_write, versions, result.updated, by)
    return result


def upsert_claims(tx: Tx, claims: Sequence[ClaimRecord], recorded_by: str | None) -> WriteResult:
    """Insert new claims, version changed ones, skip unchanged ones; inside one transaction."""
    return _upsert(tx, _CLAIMS, claims, recorded_by)


def upsert_zones(tx: Tx, zones: Sequence[Zone], recorded_by: str | None) -> WriteResult:
    """Insert new zones, version changed ones, skip unchanged ones; inside one transaction."""
    return _upsert(tx, _ZONES, zones, recorded_by)


def current_claim(tx: Tx, claim_id: str) -> ClaimRecord:
    """The current version of a claim (any status), or ``NotFound``."""
    rows = tx.fetch(
        f"SELECT {claim_select(tx.dialect)} FROM {CLAIM_TABLE} WHERE id = ? AND superseded_at IS NULL", [claim_id]
    )
    if not rows:
        raise NotFound(f"claim {claim_id!r} not found")
    return claims_from_rows(tx.dialect, rows)[0]


def revise_claim(
    tx: Tx,
    claim_id: str,
    changes: dict[str, object],
    *,
    expected_version: int | None,
    recorded_by: str | None,
) -> ClaimRecord:
    """Write version n+1 of a claim with ``changes`` applied (the logic of ``update_claim``)."""
    bad = sorted(set(changes) & BOOKKEEPING)
    if bad:
        raise InvalidInput(f"cannot change {', '.join(bad)}: the store sets them")
    unknown = sorted(set(changes) - set(ClaimRecord.model_fields))
    if unknown:
        raise InvalidInput(f"unknown claim field(s): {', '.join(unknown)}")
    old = current_claim(tx, claim_id)
    if expected_version is not None and old.version != expected_version:
        raise Conflict(
            f"claim {claim_id!r} is at version {old.version}, not {expected_version}: reload it and try again"
        )
    data = {k: getattr(old, k) for k in ClaimRecord.model_fields if k not in BOOKKEEPING}
    data.update(changes)
    data["id"] = claim_id
    try:
        new = ClaimRecord.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"claim {claim_id!r}: {format_validation_error(exc)}") from exc
    if new.content_hash() == old.content_hash():
        return old
    _write_versions(tx, _CLAIMS, [new], [old.version + 1], [claim_id], [recorded_by])
    return current_claim(tx, claim_id)


def retract_changes(old: ClaimRecord, reason: str | None) -> dict[str, object]:
    """The changes a retraction makes: status, and the reason appended to the notes."""
    changes: dict[str, object] = {"status": "retracted"}
    if reason:
        note = f"retracted: {reason.strip()}"
        changes["notes"] = f"{old.notes}\n{note}" if old.notes else note
    return changes


# --------------------------------------------------------------------------------------
# Sources, reports, layers
# --------------------------------------------------------------------------------------


def upsert_sources(tx: Tx, sources: Sequence[Source]) -> WriteResult:
    """Insert or update sources (not versioned: a source is a name card, not a claim)."""
    result = WriteResult()
    seen: set[str] = set()
    for i, s in enumerate(sources):
        if not isinstance(s, Source):
            raise InvalidInput(f"sources[{i}]: expected a Source, got {type(s).__name__}")
        if s.id in seen:
            raise InvalidInput(f"sources[{i}] (id {s.id!r}): duplicate id in the batch")
        seen.add(s.id)
    for s in sources:
        row = tx.fetch("SELECT name, kind, url FROM sources WHERE id = ?", [s.id])
        if not row:
            tx.run("INSERT INTO sources (id, name, kind, url) VALUES (?, ?, ?, ?)", [s.id, s.name, s.kind, s.url])
            result.inserted.append(s.id)
        elif tuple(row[0]) == (s.name, s.kind, s.url):
            result.unchanged.append(s.id)
        else:
            tx.run("UPDATE sources SET name = ?, kind = ?, url = ? WHERE id = ?", [s.name, s.kind, s.url, s.id])
            result.updated.append(s.id)
    return result


REPORT_NAMES = ("id", "source_id", "url", "title", "published_at", "language", "content_sha256", "excerpt")


def insert_reports(tx: Tx, reports: Sequence[Report]) -> WriteResult:
    """Insert reports; a known id is unchanged (same source and content: same report)."""
    result = WriteResult()
    seen: set[str] = set()
    for i, r in enumerate(reports):
        if not isinstance(r, Report):
            raise InvalidInput(f"reports[{i}]: expected a Report, got {type(r).__name__}")
        if r.id in seen:
            raise InvalidInput(f"reports[{i}] (id {r.id!r}): duplicate id in the batch")
        seen.add(r.id)
    source_ids = sorted({r.source_id for r in reports})
    known: set[str] = set()
    for chunk in chunks(source_ids):
        known.update(x[0] for x in tx.fetch(f"SELECT id FROM sources WHERE id IN ({_marks(len(chunk))})", chunk))
    for i, r in enumerate(reports):
        if r.source_id not in known:
            raise InvalidInput(
                f"reports[{i}] (id {r.id!r}): source_id {r.source_id!r} is not in the store; add the source first"
            )
    existing: set[str] = set()
    ids = [r.id for r in reports]
    for chunk in chunks(ids):
        existing.update(x[0] for x in tx.fetch(f"SELECT id FROM reports WHERE id IN ({_marks(len(chunk))})", chunk))
    rows = []
    for r in reports:
        if r.id in existing:
            result.unchanged.append(r.id)
            continue
        result.inserted.append(r.id)
        rows.append((r.id, r.source_id, r.url, r.title, r.published_at, r.language, r.content_sha256, r.excerpt))
    if rows:
        names = insert_columns(tx.dialect, REPORT_NAMES)
        tx.run_many(
            f"INSERT INTO reports ({', '.join(names)}) VALUES ({_marks(len(names))})",
            bind_times(tx.dialect, REPORT_NAMES, rows),
        )
    return result


def report_select(d: Dialect) -> str:
    """The SELECT list that :func:`report_from_row` reads."""
    return ", ".join(d.tc(n) if n in TIME_COLUMNS else n for n in REPORT_NAMES)


def report_from_row(d: Dialect, row: Sequence[Any]) -> Report:
    """A :class:`Report` from a row of ``SELECT`` :func:`report_select`."""
    data = dict(zip(REPORT_NAMES, row, strict=True))
    data["published_at"] = d.parse_ts(data["published_at"])
    return Report.model_construct(**data)


def _layer_select(d: Dialect) -> str:
    return ", ".join(
        d.tc(n) if n in TIME_COLUMNS else n
        for n in ("id", "version", "definition", "deleted", "recorded_at", "superseded_at", "recorded_by")
    )


def _layer_versions(tx: Tx, rows: Sequence[Sequence[Any]]) -> list[LayerVersion]:
    d = tx.dialect
    out = []
    for layer_id, version, definition, deleted, recorded_at, superseded_at, recorded_by in rows:
        try:
            layer = Layer.model_validate_json(definition)
        except ValidationError as exc:  # written by another sitmap whose model differs
            raise StoreError(f"layer {layer_id!r} version {version}: stored definition is unreadable ({exc})") from exc
        at = d.parse_ts(recorded_at)
        if at is None:  # NOT NULL column
            raise StoreError(f"layer {layer_id!r} version {version} has no recorded_at")
        out.append(
            LayerVersion(
                layer=layer,
                version=int(version),
                recorded_at=at,
                superseded_at=d.parse_ts(superseded_at),
                recorded_by=recorded_by,
                deleted=bool(deleted),
            )
        )
    return out


def current_layer_version(tx: Tx, layer_id: str) -> LayerVersion | None:
    """The newest version of a layer (possibly a deletion), or ``None`` for an id never stored."""
    rows = tx.fetch(
        f"SELECT {_layer_select(tx.dialect)} FROM {LAYER_TABLE} WHERE id = ? AND superseded_at IS NULL", [layer_id]
    )
    return _layer_versions(tx, rows)[0] if rows else None


def layer_history(tx: Tx, layer_id: str) -> list[LayerVersion]:
    """Every version of a layer definition, oldest first, or ``NotFound``."""
    rows = tx.fetch(f"SELECT {_layer_select(tx.dialect)} FROM {LAYER_TABLE} WHERE id = ? ORDER BY version", [layer_id])
    if not rows:
        raise NotFound(f"layer {layer_id!r} has no recorded versions")
    return _layer_versions(tx, rows)


def deleted_layer_ids(tx: Tx) -> list[str]:
    """Ids whose current version is a deletion, sorted."""
    rows = tx.fetch(f"SELECT id FROM {LAYER_TABLE} WHERE superseded_at IS NULL AND deleted = ? ORDER BY id", [True])
    return [str(r[0]) for r in rows]


def _check_expected(layer_id: str, current: LayerVersion | None, expected: int | None) -> None:
    if expected is None:
        return
    if current is None:
        raise Conflict(f"layer {layer_id!r} has no version yet, not {expected}: create it without a version")
    if current.version != expected:
        raise Conflict(f"layer {layer_id!r} is at version {current.version}, not {expected}: reload it and try again")


def _insert_layer_version(
    tx: Tx, layer: Layer, version: int, *, deleted: bool, recorded_by: str | None, supersede: bool
) -> None:
    d = tx.dialect
    now = next_timestamp(tx)
    if supersede:
        _supersede(tx, LAYER_TABLE, [layer.id], now)
    names = insert_columns(d, LAYER_NAMES)
    row = (layer.id, version, layer.kind, layer.title, layer.model_dump_json(), deleted, now, None, recorded_by)
    tx.run(
        f"INSERT INTO {LAYER_TABLE} ({', '.join(names)}) VALUES ({_marks(len(names))})",
        bind_times(d, LAYER_NAMES, [row])[0],
    )


def put_layer(tx: Tx, layer: Layer, *, expected_version: int | None, recorded_by: str | None) -> int:
    """Create or replace a layer definition: a new version, and the current row of ``layers``.

    Returns the current version; an unchanged definition writes nothing. A stale
    ``expected_version`` is ``Conflict`` naming the current version.
    """
    if not isinstance(layer, Layer):
        raise InvalidInput(f"expected a Layer, got {type(layer).__name__}")
    current = current_layer_version(tx, layer.id)
    _check_expected(layer.id, current, expected_version)
    if current is not None and not current.deleted and current.layer == layer:
        return current.version
    version = 1 if current is None else current.version + 1
    _insert_layer_version(tx, layer, version, deleted=False, recorded_by=recorded_by, supersede=current is not None)
    body = layer.model_dump_json()
    if tx.fetch("SELECT 1 FROM layers WHERE id = ?", [layer.id]):
        tx.run(
            "UPDATE layers SET kind = ?, title = ?, definition = ? WHERE id = ?",
            [layer.kind, layer.title, body, layer.id],
        )
    else:
        tx.run(
            "INSERT INTO layers (id, kind, title, definition) VALUES (?, ?, ?, ?)",
            [layer.id, layer.kind, layer.title, body],
        )
    return version


def delete_layer(tx: Tx, layer_id: str, *, expected_version: int | None, recorded_by: str | None) -> int:
    """Delete a layer: version n+1 flagged ``deleted`` (keeping the definition), its ``layers`` row removed."""
    current = current_layer_version(tx, layer_id)
    if current is None or current.deleted:
        state = "is already deleted" if current is not None else "not found"
        raise NotFound(f"layer {layer_id!r} {state}")
    _check_expected(layer_id, current, expected_version)
    version = current.version + 1
    _insert_layer_version(tx, current.layer, version, deleted=True, recorded_by=recorded_by, supersede=True)
    tx.run("DELETE FROM layers WHERE id = ?", [layer_id])
    return version


def seed_layer_versions(tx: Tx) -> int:
    """Give every layer of an older store (``layers`` rows, no versions yet) its version 1.

    Run once when :data:`LAYER_TABLE` is added to an existing store: who defined those
    layers was never recorded, so ``recorded_by`` stays empty. Returns how many were seeded.
    """
    have = {str(r[0]) for r in tx.fetch(f"SELECT DISTINCT id FROM {LAYER_TABLE}")}
    seeded = 0
    for (definition,) in tx.fetch("SELECT definition FROM layers ORDER BY id"):
        try:
            layer = Layer.model_validate_json(definition)
        except ValidationError as exc:
            raise StoreError(f"a stored layer definition is unreadable: {exc}") from exc
        if layer.id not in have:
            _insert_layer_version(tx, layer, 1, deleted=False, recorded_by=None, supersede=False)
            seeded += 1
    return seeded


# --------------------------------------------------------------------------------------
# Query semantics
# --------------------------------------------------------------------------------------


def _in(col: str, values: Sequence[Any], where: list[str], params: list[Any]) -> None:
    if values:
        where.append(f"{col} IN ({_marks(len(values))})")
        params.extend(values)


def version_filter(d: Dialect, as_of: datetime | None, alias: str = "") -> tuple[str, list[Any]]:
    """Which versions a query sees: the current ones, or those valid at ``as_of``."""
    p = f"{alias}." if alias else ""
    if as_of is None:
        return f"{p}superseded_at IS NULL", []
    ts = d.ts(as_of)
    rec, sup = d.tc("recorded_at", alias), d.tc("superseded_at", alias)
    return f"{rec} <= ? AND ({sup} IS NULL OR {sup} > ?)", [ts, ts]


def claim_where(d: Dialect, q: ClaimQuery, alias: str = "") -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for every :class:`ClaimQuery` filter except ``bbox``."""
    p = f"{alias}." if alias else ""
    check_claim_query(q)
    term, params = version_filter(d, q.as_of, alias)
    where = [term]
    if q.start is not None:
        where.append(f"{d.tc('valid_to', alias)} >= ?")
        params.append(d.ts(q.start))
        if d.span_bound:
            # valid_to >= start alone cannot use the valid_from index; since no stored claim
            # lasts longer than the recorded maximum, valid_from >= start - maximum can.
            where.append(d.span_bound.format(vf=d.tc("valid_from", alias)))
            params.append(d.ts(q.start))
    if q.end is not None:
        where.append(f"{d.tc('valid_from', alias)} <= ?")
        params.append(d.ts(q.end))
    _in(f"{p}id", q.ids, where, params)
    _in(f"{p}event_type", q.event_types, where, params)
    _in(f"{p}source", q.sources, where, params)
    _in(f"{p}claimant", q.claimants, where, params)
    _in(f"{p}report_id", q.report_ids, where, params)
    _in(f"{p}review", q.reviews, where, params)
    if q.statuses:
        _in(f"{p}status", q.statuses, where, params)
    else:
        where.append(f"{p}status <> 'retracted'")
    if q.min_geo_precision is not None:
        where.append(f"{p}geo_precision <= ?")
        params.append(q.min_geo_precision)
    return where, params


def zone_where(d: Dialect, q: ZoneQuery, alias: str = "") -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for every :class:`ZoneQuery` filter except ``bbox``."""
    p = f"{alias}." if alias else ""
    check_zone_query(q)
    term, params = version_filter(d, q.as_of, alias)
    where = [term]
    eff, lifted = d.tc("effective_from", alias), d.tc("lifted_at", alias)
    if q.active_at is not None:
        t = d.ts(q.active_at)
        where.append(f"{eff} <= ? AND ({lifted} IS NULL OR {lifted} > ?)")
        params += [t, t]
        where.append(f"{p}status <> 'retracted'")
    if q.start is not None:
        where.append(f"({lifted} IS NULL OR {lifted} > ?)")
        params.append(d.ts(q.start))
    if q.end is not None:
        where.append(f"{eff} <= ?")
        params.append(d.ts(q.end))
    _in(f"{p}id", q.ids, where, params)
    _in(f"{p}order_type", q.order_types, where, params)
    _in(f"{p}issuer", q.issuers, where, params)
    if not q.include_retracted:
        where.append(f"{p}status <> 'retracted'")
    return where, params


def claim_order(d: Dialect, alias: str = "") -> str:
    """The stable claim order: (valid_from, id), claims without a time last.

    The terms match the backends' current-order indexes exactly (an expression index
    in SQLite, a plain one in PostgreSQL), so ``LIMIT n`` reads n index entries, not
    every current row.
    """
    p = f"{alias}." if alias else ""
    vf = d.tc("valid_from", alias)
    if d.nulls_last:
        return f"{vf}, {p}id"
    return f"{vf} IS NULL, {vf}, {p}id"


class CountCache:
    """Totals of recent queries, each valid while the store's write clock has not moved.

    ``numberMatched`` on every page used to cost a ``count(*)`` over every matching
    row. A query's total depends only on its filters and the stored versions, and
    every write moves :meth:`Store.last_recorded_at`, so a total read under the same
    clock value is still exact. The clock is read before and after counting and the
    total kept only if it did not move, so a write racing the count is never cached.
    Thread-safe; holds at most ``size`` entries (oldest dropped first).
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: dict[tuple[Any, ...], tuple[Any, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], clock: Any) -> int | None:
        """The cached total for ``key`` if it was counted at write clock ``clock``."""
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] == clock else None

    def put(self, key: tuple[Any, ...], clock: Any, total: int) -> None:
        """Remember ``total`` for ``key`` at write clock ``clock``."""
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (clock, total)
            while len(self._items) > self.size:
                del self._items[next(iter(self._items))]

    def clear(self) -> None:
        """Forget every total (after a restore, which may rewind the clock)."""
        with self._lock:
            self._items.clear()


def cached_total(cache: CountCache, clock: Callable[[], Any], key: tuple[Any, ...], count: Callable[[], int]) -> int:
    """``count()``, or the total cached for ``key`` at the current write ``clock()`` (see :class:`CountCache`)."""
    before = clock()
    hit = cache.get(key, before)
    if hit is not None:
        return hit
    total = count()
    if clock() == before:
        cache.put(key, before, total)
    return total


def zone_order(d: Dialect, alias: str = "") -> str:
    """The stable zone order: (effective_from, id)."""
    p = f"{alias}." if alias else ""
    return f"{d.tc('effective_from', alias)}, {p}id"


def _check_paging(limit: int | None, offset: int) -> None:
    if limit is not None and limit < 0:
        raise InvalidInput(f"limit must be >= 0 (got {limit})")
    if offset < 0:
        raise InvalidInput(f"offset must be >= 0 (got {offset})")


def check_bbox(bbox: tuple[float, float, float, float] | None) -> None:
    """A bbox must be four finite numbers with min <= max, lon/lat in range."""
    if bbox is None:
        return
    if len(bbox) != 4:
        raise InvalidInput(f"bbox needs 4 numbers (minx, miny, maxx, maxy), got {len(bbox)}")
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not all(v == v and abs(v) != float("inf") for v in (minx, miny, maxx, maxy)):
        raise InvalidInput(f"bbox has a non-finite number: {bbox}")
    if minx > maxx or miny > maxy:
        raise InvalidInput(f"bbox min must not exceed max: {bbox}")
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InvalidInput(f"bbox out of lon/lat range: {bbox}")


def bbox_geometry(bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """The area a bbox filter means; a zero-width or zero-height bbox is a line or a point, not an empty box."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if minx == maxx and miny == maxy:
        return shapely.Point(minx, miny)
    if minx == maxx or miny == maxy:
        return shapely.LineString([(minx, miny), (maxx, maxy)])
    return shapely.box(minx, miny, maxx, maxy)


def _check_window(q: ClaimQuery | ZoneQuery) -> None:
    """The checks claim and zone queries share: paging, bbox, and a start not after the end."""
    _check_paging(q.limit, q.offset)
    check_bbox(q.bbox)
    if q.start is not None and q.end is not None and q.start > q.end:
        raise InvalidInput(f"start {q.start.isoformat()} is after end {q.end.isoformat()}")


def _check_known(what: str, values: Iterable[str], allowed: Sequence[str]) -> None:
    """Every one of ``values`` must be in ``allowed``; the first that is not is named."""
    for v in values:
        if v not in allowed:
            raise InvalidInput(f"unknown {what} {v!r}; expected one of {', '.join(allowed)}")


def check_claim_query(q: ClaimQuery) -> None:
    """Reject a malformed query with a clear ``InvalidInput``."""
    _check_window(q)
    _check_known("status", q.statuses, CLAIM_STATUSES)
    _check_known("event type", q.event_types, EVENT_TYPES)
    _check_known("review", q.reviews, REVIEWS)
    if q.min_geo_precision is not None and q.min_geo_precision not in (1, 2, 3):
        raise InvalidInput(f"min_geo_precision must be 1, 2 or 3 (got {q.min_geo_precision})")


def check_zone_query(q: ZoneQuery) -> None:
    """Reject a malformed zone query with a clear ``InvalidInput``."""
    _check_window(q)
    _check_known("order type", q.order_types, ORDER_TYPES)
