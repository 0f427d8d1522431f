"""CSV, GeoPackage and (Geo)Parquet import: each row of a table becomes the feature the GeoJSON import reads.

A row's columns are a feature's properties and its geometry comes from a WKB column
(GeoPackage, GeoParquet), a WKT column (``geometry_wkt``, ``wkt``, ``geometry``,
``geom``, ``the_geom``) or longitude and latitude columns (``longitude``/``latitude``,
``lon``/``lat``, ``lng``/``lat``, ``x``/``y``); ``--map geometry=COLUMN`` or
``--map longitude=A,latitude=B`` names others. Cells are typed by the property they
become (the contract's kinds: a CSV's ``"3"`` is the integer 3 for ``fatalities``, a
Parquet double 3.0 too; ``"a; b"`` is a list for ``block_ids``; a WKT cell is a
geometry for ``uncertainty_region``). A number cell that is no number is a bad row
naming its column; other values are passed on as they are, for the GeoJSON conversion
to refuse naming the field. Every rule of
:func:`layers.importers.geojson.import_geojson` then applies unchanged: ``--map``,
``--dry-run``, ``--allow-undated``, unmapped columns in the summary, kept precision
codes with counted disagreements, stable ids, re-import skipped by digest.

sitmap's own exports round-trip: a claim CSV's ACLED columns repeat sitmap's own and
are not read (``sitmap_event_type`` is ``event_type``, ``notes`` is ``quote``,
``sitmap_notes`` is ``notes``), the spreadsheet-formula guard of the export is undone,
``<name>_wkt`` columns are the geometry properties, and a GeoPackage time stored to the
millisecond at ``.999`` is the inclusive end of its second (``.999999``), as exported.

Files are read in batches (pyogrio ``open_arrow``, pyarrow ``iter_batches``, the CSV
module's reader): memory is bounded by the batch, not the file. Bad rows are named by
the format's own position: ``line N`` of a CSV (1 is the header), ``feature N`` by
GeoPackage FID, ``row N`` of a Parquet file (from 0).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeAlias

import shapely
from shapely.geometry.base import BaseGeometry

from geo.contract import ACLED_CSV_COLUMNS, CLAIM_CONTRACT, ZONE_CONTRACT, iso
from geo.errors import InvalidInput
from layers.importers.common import ImportResult, RowError, open_csv, parse_lonlat
from layers.importers.geojson import (
    BATCH_SIZE,
    GEOMETRY_TARGETS,
    MAX_FEATURE_BYTES,
    MAX_VERTICES,
    NUL_REASON,
    FeatureStream,
    ImportOptions,
    RowFailure,
    RowProgress,
    StreamOpener,
    import_features,
)
from layers.store.base import Store

#: Column names read as a WKT geometry, in order of preference.
WKT_COLUMNS: tuple[str, ...] = ("geometry_wkt", "wkt", "geometry", "geom", "the_geom")
#: Column pairs read as a point, in order of preference.
LONLAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("longitude", "latitude"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x", "y"),
)
#: Parquet binary columns read as WKB when the file has no GeoParquet metadata.
WKB_COLUMNS: tuple[str, ...] = ("geometry", "wkb", "geom", "wkb_geometry")

#: Each property's kind, as the contract gives it, plus the extra inputs (geometries as WKT/WKB).
_KINDS: dict[str, str] = {p.name: p.kind for p in (*CLAIM_CONTRACT, *ZONE_CONTRACT)}
_KINDS.update(
    recorded_by="text", report_id="text", notes="text", uncertainty_region="geometry", drawn_geometry="geometry"
)
#: Geometry properties an export writes as ``<name>_wkt`` text columns.
_GEOMETRY_PROPERTIES = ("uncertainty_region", "drawn_geometry")
#: The ACLED columns of a sitmap claim CSV that carry a claim property, by property.
_ACLED_CARRIES = {"source": "source", "quote": "notes", "geo_precision": "geo_precision", "fatalities": "fatalities"}
#: The ACLED columns of a sitmap claim CSV derived from sitmap's own: not read.
_ACLED_DERIVED = tuple(c for c in ACLED_CSV_COLUMNS if c not in _ACLED_CARRIES.values())
#: The first characters :func:`layers.export.escape_cell` guards with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------------------
# Cells, typed by the property they become
# --------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A finite number from a number or numeric text; ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _blank(value: Any) -> bool:
    """An empty cell: nothing, empty text, or a float NaN (how a data frame writes a missing number)."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _as_int(value: Any, column: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    number = _number(value)
    if number is not None and number.is_integer():
        return int(number)
    if isinstance(value, str | float):
        return RowFailure(f"{column} {value!r} is not an integer")
    return value


def _as_float(value: Any, column: str) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str | float):
        return RowFailure(f"{column} {value!r} is not a number")
    return value


def _as_time(value: Any, *, millis: bool = False) -> Any:
    """ISO 8601 text; a time without a zone is UTC; ``millis``: a ``.999`` ms end is the second's last µs."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if millis and value.microsecond == 999_000:
            value = value.replace(microsecond=999_999)
        return iso(value)
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00Z"
    return value


def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


#: A 2D point in WKT as exports write it: parsed without a call into GEOS (most rows are points).
_WKT_POINT = re.compile(r"POINT ?\((-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)\)")


#: A row's geometry: a GeoJSON point (the import's bulk path reads those), any shapely geometry, or none.
Geometry: TypeAlias = dict[str, Any] | BaseGeometry | None


def _point_json(x: float, y: float) -> dict[str, Any]:
    """A point as GeoJSON: the shape :mod:`layers.importers.fastclaim` builds a claim from without pydantic."""
    return {"type": "Point", "coordinates": [x, y]}


def _as_geometry(value: Any, column: str) -> Geometry | RowFailure:
    """A geometry cell (WKT text or WKB bytes) as a geometry (points as GeoJSON), or why it is not one."""
    if isinstance(value, str):
        point = _WKT_POINT.fullmatch(value)
        if point is not None:
            return _point_json(float(point[1]), float(point[2]))
    try:
        geom = shapely.from_wkb(value) if isinstance(value, bytes) else shapely.from_wkt(value)
    except Exception as exc:  # shapely raises GEOSException and others for bad text
        return RowFailure(f"{column} is not a {'WKB' if isinstance(value, bytes) else 'WKT'} geometry: {exc}")
    if geom is None:
        return RowFailure(f"{column} is not a geometry")
    vertices = shapely.get_num_coordinates(geom)
    if vertices > MAX_VERTICES:
        return RowFailure(f"{column}: {vertices} vertices; at most {MAX_VERTICES} per feature (simplify it first)")
    return geom


def _typed(value: Any, kind: str | None, column: str, *, millis: bool = False) -> Any:
    """``value`` as the property's kind wants it, or a :class:`RowFailure` naming ``column`` when text or a
    number does not fit; text, and values of other types, are passed on for the model to judge."""
    if value is None or kind is None or kind == "text":
        return value
    if kind == "int":
        return _as_int(value, column)
    if kind == "float":
        return _as_float(value, column)
    if kind == "time":
        return _as_time(value, millis=millis)
    if kind == "list":
        return _as_list(value)
    if kind == "geometry":
        return _as_geometry(value, column) if isinstance(value, str | bytes) else value
    return value


# --------------------------------------------------------------------------------------
# A table's plan: which columns are the geometry, which are renamed, how each is typed
# --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """How one table's columns become features; built once from its header."""

    columns: list[str]
    wkb: str | None = None
    wkt: str | None = None
    lonlat: tuple[str, str] | None = None
    #: Columns that are not properties (geometry, FID, an export's derived ACLED columns).
    skip: set[str] = field(default_factory=set)
    implied: dict[str, str] = field(default_factory=dict)
    #: Column -> kind of the property it becomes (absent: passed on as it is).
    kinds: dict[str, str] = field(default_factory=dict)
    id_column: str = "id"
    #: A sitmap CSV export: undo its spreadsheet-formula guard.
    unescape: bool = False
    #: Time columns stored to the millisecond.
    millis: set[str] = field(default_factory=set)
    #: What the row digests are salted with: the columns and how they are read.
    signature: str = ""

    @property
    def properties(self) -> list[str]:
        """The columns that are a feature's properties."""
        return [c for c in self.columns if c not in self.skip]


def _shown(columns: list[str]) -> str:
    return ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "") if columns else "nothing"


def _pick_geometry(plan: _Plan, name: str, geo_map: Mapping[str, str]) -> None:
    """Choose where a row's geometry comes from: ``--map`` first, then a WKB, WKT or lon/lat column."""
    columns = plan.columns
    for target, column in geo_map.items():
        if column not in columns:
            raise InvalidInput(f"--map {target}={column}: {name} has no column {column!r} (it has: {_shown(columns)})")
    if ("longitude" in geo_map) != ("latitude" in geo_map):
        raise InvalidInput("--map longitude=COLUMN and latitude=COLUMN go together")
    if geo_map:
        plan.wkb = None  # the file's own geometry column gives way to the one --map names
    if "geometry" in geo_map:
        plan.wkt = geo_map["geometry"]
    elif plan.wkb is None:
        plan.wkt = next((c for c in WKT_COLUMNS if c in columns and c not in plan.skip), None)
    if "longitude" in geo_map:
        plan.lonlat = (geo_map["longitude"], geo_map["latitude"])
    elif plan.wkb is None and "geometry" not in geo_map:
        plan.lonlat = next(((x, y) for x, y in LONLAT_COLUMNS if x in columns and y in columns), None)
        if plan.lonlat is not None and set(plan.lonlat) & plan.skip:
            plan.lonlat = None  # an export's derived point: its WKT is the geometry
    if plan.wkb is None and plan.wkt is None and plan.lonlat is None:
        raise InvalidInput(
            f"{name}: no geometry column: expected WKT in one of {', '.join(WKT_COLUMNS)}, or longitude and "
            f"latitude columns, or name them with --map geometry=COLUMN or --map longitude=COLUMN,latitude=COLUMN "
            f"(it has: {_shown(columns)})"
        )


def _make_plan(
    columns: list[str],
    *,
    name: str,
    result: ImportResult,
    mapping: Mapping[str, str],
    geo_map: Mapping[str, str],
    wkb: str | None = None,
    is_csv: bool = False,
) -> _Plan:
    """The plan of a table with these ``columns``; raises :class:`InvalidInput` when no geometry can be found."""
    plan = _Plan(columns=columns, wkb=wkb, skip={c for c in columns if not c})
    if wkb is not None:
        plan.skip.add(wkb)
    if is_csv and "sitmap_event_type" in columns:  # sitmap's own claim CSV
        plan.unescape = True
        derived = [c for c in _ACLED_DERIVED if c in columns]
        plan.skip.update(derived)
        plan.implied.update({p.name: p.csv_name for p in CLAIM_CONTRACT if p.csv_name not in (None, p.name)})
        plan.implied["quote"] = _ACLED_CARRIES["quote"]
        if derived:
            result.notices.append(
                f"{name} is a sitmap CSV export: its ACLED columns {', '.join(derived)} repeat sitmap's own "
                "and are not read"
            )
    elif is_csv and {"order_type", "issuer", "geometry_wkt"} <= set(columns):  # sitmap's own zone CSV
        plan.unescape = True
        plan.skip.update(c for c in ("latitude", "longitude") if c in columns)  # a point inside the zone
    elif is_csv and {"event_id_cnty", "sub_event_type"} <= set(columns) and not mapping:
        raise InvalidInput(f"{name} looks like an ACLED export: import it with `sitmap import acled`")
    for prop in _GEOMETRY_PROPERTIES:
        if f"{prop}_wkt" in columns and prop not in columns:
            plan.implied[prop] = f"{prop}_wkt"
    _pick_geometry(plan, name, geo_map)
    used = [c for c in (plan.wkb, plan.wkt, *(plan.lonlat or ())) if c is not None]
    plan.skip.update(used)
    for column in used:
        fallback = plan.wkt is not None and plan.lonlat is not None and column in plan.lonlat
        result.columns.setdefault(column, f"geometry (where {plan.wkt} is empty)" if fallback else "geometry")
    renames = ImportOptions(mapping=mapping, implied=plan.implied).renames
    target_of = {column: target for target, column in renames.items()}
    for column in columns:
        target = target_of.get(column, column)
        if column not in plan.skip and target in _KINDS:
            plan.kinds[column] = _KINDS[target]
        if target == "id" and column not in plan.skip:
            plan.id_column = column
    plan.signature = json.dumps(
        [columns, plan.wkb, plan.wkt, plan.lonlat, sorted(plan.skip), plan.unescape], separators=(",", ":")
    )
    return plan


class _RowBuilder:
    """Rows of one table as features: geometry from the plan's columns, cells typed by the plan."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        #: Each property column with the function that types its cells (None: taken as it is).
        self._cells = [(column, self._typer(column)) for column in plan.properties]

    def _typer(self, column: str) -> Callable[[Any], Any] | None:
        plan = self.plan
        kind = plan.kinds.get(column)
        millis = column in plan.millis
        typed = None if kind in (None, "text") else lambda value: _typed(value, kind, column, millis=millis)
        if not plan.unescape:
            return typed

        def unescaped(value: Any) -> Any:
            if type(value) is str and value[:1] == "'" and value[1:2] in _FORMULA_START:
                value = value[1:]
            return value if typed is None else typed(value)

        return unescaped

    def _point(self, row: Mapping[str, Any]) -> Geometry | RowFailure:
        assert self.plan.lonlat is not None
        xcol, ycol = self.plan.lonlat
        x, y = row.get(xcol), row.get(ycol)
        if _blank(x) and _blank(y):
            return None
        try:
            lon, lat = parse_lonlat(str(x) if x is not None else "", str(y) if y is not None else "")
        except RowError as exc:
            return RowFailure(f"{xcol}/{ycol}: {exc}")
        return _point_json(lon, lat)

    def geometry(self, row: Mapping[str, Any]) -> Geometry | RowFailure:
        """The row's geometry from its WKT cell (else its lon/lat cells); ``None`` when it has none."""
        plan = self.plan
        if plan.wkt is not None:
            text = row.get(plan.wkt)
            if text is not None and text != "":
                if isinstance(text, bytes):
                    return _as_geometry(text, plan.wkt)
                if not isinstance(text, str):
                    return RowFailure(f"{plan.wkt} must be WKT text, got {type(text).__name__}")
                return _as_geometry(text, plan.wkt)
        if plan.lonlat is not None:
            return self._point(row)
        return None

    def csv_feature(self, row: Mapping[str, str]) -> dict[str, Any] | RowFailure:
        """The feature of a CSV row (an empty cell is no value)."""
        cells = {k: (None if v == "" else v) for k, v in row.items()}
        return self.feature(cells, self.geometry(cells))

    def feature(self, row: Mapping[str, Any], geometry: Geometry | RowFailure) -> dict[str, Any] | RowFailure:
        """The GeoJSON-shaped feature of ``row`` (its geometry already read), or why it cannot be one."""
        raw_id = row.get(self.plan.id_column)
        row_id = None if raw_id is None or raw_id == "" else str(raw_id)
        if isinstance(geometry, RowFailure):
            return RowFailure(geometry.reason, row_id)
        props: dict[str, Any] = {}
        for column, typed in self._cells:
            value = row.get(column)
            if type(value) is str and "\x00" in value:
                return RowFailure(f"{column} {NUL_REASON}", row_id)
            if value is not None and typed is not None:
                value = typed(value)
                if type(value) is RowFailure:
                    return RowFailure(value.reason, row_id)
            props[column] = value
        return {"type": "Feature", "geometry": geometry, "properties": props}


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


def _csv_opener(path: Path, geo_map: Mapping[str, str]) -> StreamOpener:
    def open_stream(opts: ImportOptions, result: ImportResult) -> FeatureStream:
        csv_file = open_csv(path, required=(), what="claims or zones", notices=result.notices)
        try:
            plan = _make_plan(
                csv_file.columns,
                name=path.name,
                result=result,
                mapping=opts.mapping,
                geo_map={k: v.lower() for k, v in geo_map.items()},
                is_csv=True,
            )
        except BaseException:
            csv_file.close()
            raise
        builder = _RowBuilder(plan)

        def rows() -> Iterator[tuple[int, Any, str | None]]:
            # A sitmap zone's WKT can be megabytes: the limit is the GeoJSON reader's for one feature.
            limit = csv.field_size_limit()
            csv.field_size_limit(max(limit, MAX_FEATURE_BYTES))
            try:
                for line, row in csv_file.rows():
                    if "__width__" in row:
                        yield line, RowFailure(f"wrong number of fields ({row.pop('__width__')})"), None
                        continue
                    text = plan.signature + "\x1e" + "\x1f".join(row.values())
                    yield line, partial(builder.csv_feature, row), text
            finally:
                csv.field_size_limit(limit)

        return FeatureStream(
            rows(),
            unit="line",
            size=csv_file.size,
            bytes_read=lambda: csv_file.bytes_read,
            close=csv_file.close,
            implied=plan.implied,
            columns=plan.properties,
        )

    return open_stream


# --------------------------------------------------------------------------------------
# Arrow batches: GeoPackage (pyogrio) and Parquet (pyarrow)
# --------------------------------------------------------------------------------------


def _is_wgs84(crs: Any) -> bool:
    """Whether ``crs`` (text, PROJJSON or ``None``: unknown, taken as lon/lat) is WGS 84 lon/lat."""
    if crs is None or crs in ("EPSG:4326", "OGC:CRS84"):
        return True
    if isinstance(crs, dict) and crs.get("id") in (
        {"authority": "EPSG", "code": 4326},
        {"authority": "OGC", "code": "CRS84"},
    ):
        return True
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True))


def _reprojector(crs: Any, name: str) -> Callable[[Any], Any] | None:
    """A function taking an array of geometries to WGS 84 lon/lat, or ``None`` when they already are."""
    try:
        if _is_wgs84(crs):
            return None
        from pyproj import CRS, Transformer

        transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)
    except Exception as exc:  # pyproj's CRSError, or a malformed PROJJSON
        raise InvalidInput(f"{name}: cannot read its coordinate reference system ({exc})") from None
    return lambda geoms: shapely.transform(geoms, transformer.transform, interleaved=False)


def _arrow_rows(
    batches: Iterator[Any],
    plan: _Plan,
    *,
    fid: str | None,
    reproject: Callable[[Any], Any] | None,
    counter: list[int],
    stored: Callable[[list[int]], set[int]] | None = None,
) -> Iterator[tuple[int, Any, str | None]]:
    """``(where, feature, text)`` for each row of each record batch; geometry decoded a batch at a time.

    ``stored(fids)``: of these rows, whose geometry GDAL gave as null, those whose file
    holds one all the same (a blob GDAL cannot read): bad rows, not claims without a place.
    """
    import numpy as np

    builder = _RowBuilder(plan)
    for batch in batches:
        geoms: Any = None
        if plan.wkb is not None:
            raw = batch.column(plan.wkb).to_numpy(zero_copy_only=False)
            geoms = shapely.from_wkb(raw, on_invalid="ignore")
            if reproject is not None:
                geoms = reproject(geoms)
            vertices = shapely.get_num_coordinates(geoms)
            # plain points (not empty) as GeoJSON, with their x and y read in one call each
            points = (shapely.get_type_id(geoms) == 0) & (vertices > 0)
            xs, ys = shapely.get_x(geoms).tolist(), shapely.get_y(geoms).tolist()
            points = points.tolist()
        else:
            raw = np.empty(batch.num_rows, dtype=object)
        unread: set[int] = set()
        if stored is not None and fid is not None and plan.wkb is not None:
            nulls = [int(f) for f, r in zip(batch.column(fid).to_pylist(), raw, strict=True) if r is None]
            unread = stored(nulls) if nulls else set()
        for i, row in enumerate(batch.to_pylist()):
            where = row.pop(fid) if fid is not None else counter[0]
            counter[0] += 1
            geometry: Geometry | RowFailure
            if plan.wkb is None:
                geometry = builder.geometry(row)
            elif geoms[i] is None and where in unread:
                geometry = RowFailure(f"{plan.wkb} holds a geometry GDAL cannot read (not a GeoPackage geometry blob)")
            elif geoms[i] is None:
                geometry = None if raw[i] is None else RowFailure(f"{plan.wkb} is not a WKB geometry")
            elif vertices[i] > MAX_VERTICES:
                geometry = RowFailure(f"{vertices[i]} vertices; at most {MAX_VERTICES} per feature (simplify it first)")
            elif points[i]:
                geometry = _point_json(xs[i], ys[i])
            else:
                geometry = geoms[i]
            text = plan.signature + "\x1e" + repr(tuple(row.values()))
            yield int(where), partial(builder.feature, row, geometry), text


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise InvalidInput(f"no such file: {path}")
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not a {what} file")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path.name} is empty: expected a {what} file")


def _gpkg_layer(path: Path, layer: str | None) -> str:
    """The layer to read: ``layer`` when the file has it, else the file's only layer."""
    import pyogrio

    _check_file(path, "GeoPackage")
    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        driver = pyogrio.read_info(path, layer=layers[0])["driver"] if layers else None
    except Exception as exc:  # pyogrio's DataSourceError and kin
        raise InvalidInput(f"{path.name} is not a GeoPackage GDAL can read ({str(exc).splitlines()[0]})") from None
    if not layers:
        raise InvalidInput(f"{path.name} has no layers")
    if driver != "GPKG":
        raise InvalidInput(f"{path.name} is a {driver} file, not a GeoPackage")
    if layer is None:
        if len(layers) > 1:
            raise InvalidInput(f"{path.name} has {len(layers)} layers ({_shown(layers)}): choose one with --layer")
        return layers[0]
    if layer not in layers:
        raise InvalidInput(f"{path.name} has no layer {layer!r} (its layers: {_shown(layers)})")
    return layer


def _quoted(name: str) -> str:
    """An SQL identifier read from the file itself, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _stored_geometries(
    path: Path, table: str, fid: str, column: str, stack: contextlib.ExitStack
) -> Callable[[list[int]], set[int]]:
    """``check(fids)``: which of these features' geometry blobs are not NULL in the GeoPackage itself.

    GDAL gives a blob it cannot read as a null geometry, without a word; asked only for
    the rows GDAL gave as null, SQLite tells those apart from features without a place.
    """
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    stack.callback(conn.close)
    sql = f"SELECT {_quoted(fid)} FROM {_quoted(table)} WHERE {_quoted(column)} IS NOT NULL AND {_quoted(fid)} IN "

    def check(fids: list[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(fids), 500):
            part = fids[start : start + 500]
            rows = conn.execute(sql + "(" + ",".join("?" * len(part)) + ")", part).fetchall()
            found.update(int(r[0]) for r in rows)
        return found

    return check


def _gpkg_opener(path: Path, layer: str | None, geo_map: Mapping[str, str], batch_size: int) -> StreamOpener:
    def open_stream(opts: ImportOptions, result: ImportResult) -> FeatureStream:
        import pyarrow as pa
        import pyogrio

        name = _gpkg_layer(path, layer)
        total = int(pyogrio.read_info(path, layer=name).get("features") or 0)
        stack = contextlib.ExitStack()
        try:
            meta, reader = stack.enter_context(
                pyogrio.open_arrow(path, layer=name, batch_size=batch_size, use_pyarrow=True, return_fids=True)
            )
            fid = meta.get("fid_column") or "OGC_FID"
            columns = [c for c in reader.schema.names if c != fid]
            wkb = (meta.get("geometry_name") or "wkb_geometry") if meta.get("geometry_type") else None
            plan = _make_plan(
                columns, name=f"{path.name} layer {name}", result=result, mapping=opts.mapping, geo_map=geo_map, wkb=wkb
            )
            plan.millis = {f.name for f in reader.schema if pa.types.is_timestamp(f.type) and f.type.unit == "ms"}
            reproject = _reprojector(meta.get("crs"), path.name) if plan.wkb else None
            stored = _stored_geometries(path, name, fid, plan.wkb, stack) if plan.wkb else None
        except BaseException:
            stack.close()
            raise
        counter = [0]
        size = path.stat().st_size
        rows = _arrow_rows(iter(reader), plan, fid=fid, reproject=reproject, counter=counter, stored=stored)
        return FeatureStream(
            rows,
            unit="feature",
            size=size,
            bytes_read=lambda: size * counter[0] // max(total, 1),
            close=stack.close,
            implied=plan.implied,
            columns=plan.properties,
        )

    return open_stream


def _parquet_opener(path: Path, geo_map: Mapping[str, str], batch_size: int) -> StreamOpener:
    def open_stream(opts: ImportOptions, result: ImportResult) -> FeatureStream:
        import pyarrow as pa
        import pyarrow.parquet as pq

        _check_file(path, "Parquet")
        try:
            pf = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)  # pages streamed, not whole row groups
        except (pa.ArrowInvalid, OSError) as exc:
            raise InvalidInput(f"{path.name} is not a Parquet file ({exc})") from None
        try:
            schema = pf.schema_arrow
            wkb, crs = _geoparquet_geometry(schema, path.name)
            columns = list(schema.names)
            plan = _make_plan(columns, name=path.name, result=result, mapping=opts.mapping, geo_map=geo_map, wkb=wkb)
            plan.millis = {f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ms"}
            reproject = _reprojector(crs, path.name) if plan.wkb else None
        except BaseException:
            pf.close()
            raise
        counter = [0]
        size, total = path.stat().st_size, pf.metadata.num_rows
        rows = _arrow_rows(pf.iter_batches(batch_size=batch_size), plan, fid=None, reproject=reproject, counter=counter)
        return FeatureStream(
            rows,
            unit="row",
            size=size,
            bytes_read=lambda: size * counter[0] // max(total, 1),
            close=pf.close,
            implied=plan.implied,
            columns=plan.properties,
        )

    return open_stream


def _geoparquet_geometry(schema: Any, name: str) -> tuple[str | None, Any]:
    """The WKB geometry column and CRS of a (Geo)Parquet schema; ``(None, None)`` when it has none."""
    import pyarrow as pa

    meta = schema.metadata or {}
    if b"geo" in meta:
        try:
            geo = json.loads(meta[b"geo"])
            column = geo["primary_column"]
            spec = geo["columns"][column]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"{name}: its GeoParquet metadata cannot be read ({exc})") from None
        encoding = str(spec.get("encoding", "WKB"))
        if encoding.upper() != "WKB":
            raise InvalidInput(f"{name}: geometry encoded as {encoding!r}; write it as WKB (GeoParquet's default)")
        return column, spec.get("crs", "OGC:CRS84")
    for column in WKB_COLUMNS:
        index = schema.get_field_index(column)
        if index >= 0 and (
            pa.types.is_binary(schema.field(index).type) or pa.types.is_large_binary(schema.field(index).type)
        ):
            return column, None
    return None, None


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def _split_mapping(mapping: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """``(property mapping, geometry mapping)``: the ``--map`` targets that place a row go apart."""
    props = {k: v for k, v in (mapping or {}).items() if k not in GEOMETRY_TARGETS}
    geo = {k: v for k, v in (mapping or {}).items() if k in GEOMETRY_TARGETS}
    return props, geo


def _opener(p: Path, fmt: str, layer: str | None, geo: Mapping[str, str], batch_size: int) -> StreamOpener:
    if layer is not None and fmt != "gpkg":
        raise InvalidInput("--layer is for GeoPackage files")
    if fmt == "csv":
        return _csv_opener(p, geo)
    if fmt == "gpkg":
        return _gpkg_opener(p, layer, geo, batch_size)
    if fmt == "parquet":
        return _parquet_opener(p, geo, batch_size)
    raise InvalidInput(f"unknown table format {fmt!r}; expected csv, gpkg or parquet")


def check_table(
    path: str | Path, fmt: str, *, layer: str | None = None, mapping: Mapping[str, str] | None = None
) -> None:
    """Raise :class:`InvalidInput` when ``path`` cannot be imported at all (missing, not ``fmt``, no such
    layer, no geometry); reads the header or schema only. The CLI calls it before it opens the store."""
    props, geo = _split_mapping(mapping)
    opener = _opener(Path(path), fmt, layer, geo, 1)
    opener(ImportOptions(mapping=props), ImportResult(format=fmt, path=str(path))).close()


def import_table(
    store: Store | None,
    path: str | Path,
    fmt: str,
    *,
    layer: str | None = None,
    strict: bool = False,
    repair: bool = False,
    recorded_by: str | None = None,
    mapping: Mapping[str, str] | None = None,
    allow_undated: bool = False,
    dry_run: bool = False,
    progress: RowProgress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import a CSV (``fmt="csv"``), GeoPackage (``"gpkg"``) or Parquet (``"parquet"``) file of claims or zones.

    The options are those of :func:`layers.importers.geojson.import_geojson`; ``mapping``
    may also name the geometry (``geometry``: a WKT column; ``longitude`` and
    ``latitude``). ``layer`` picks a GeoPackage's layer (needed when it has several).
    The file is checked (exists, is of its format, has the layer, has a geometry) before
    anything is stored, and read in batches of ``batch_size`` rows.
    """
    p = Path(path)
    if batch_size < 1:
        raise InvalidInput(f"batch_size must be at least 1, got {batch_size}")
    props, geo = _split_mapping(mapping)
    if fmt == "csv":  # a CSV's column names are read in lower case
        props = {k: v.lower() for k, v in props.items()}
    opener = _opener(p, fmt, layer, geo, batch_size)
    return import_features(
        store,
        opener,
        fmt=fmt,
        name=str(p),
        strict=strict,
        repair=repair,
        recorded_by=recorded_by,
        mapping=props,
        allow_undated=allow_undated,
        dry_run=dry_run,
        progress=progress,
        batch_size=batch_size,
    )


def import_csv(store: Store | None, path: str | Path, **options: Any) -> ImportResult:
    """Import a CSV of claims or zones (see :func:`import_table`); sitmap's CSV exports round-trip."""
    return import_table(store, path, "csv", **options)


def import_gpkg(store: Store | None, path: str | Path, **options: Any) -> ImportResult:
    """Import one GeoPackage layer of claims or zones (see :func:`import_table`); sitmap's exports round-trip."""
    return import_table(store, path, "gpkg", **options)


def import_parquet(store: Store | None, path: str | Path, **options: Any) -> ImportResult:
    """Import a (Geo)Parquet file of claims or zones (see :func:`import_table`); sitmap's exports round-trip."""
    return import_table(store, path, "parquet", **options)


__all__ = [
    "LONLAT_COLUMNS",
    "WKB_COLUMNS",
    "WKT_COLUMNS",
    "check_table",
    "import_csv",
    "import_gpkg",
    "import_parquet",
    "import_table",
]
