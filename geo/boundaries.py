"""Reference geography: Palestinian admin areas (OCHA COD-AB) and countries (Natural Earth).

The shipped files live in ``geo/data/boundaries`` (origin, licence and changes in its
ATTRIBUTION.md). OCHA COD-AB gives three nested levels: ``adm0`` (State of Palestine),
``adm1`` (West Bank PS01, Gaza Strip PS02, 365 km²) and ``adm2`` (16 governorates).
Natural Earth gives Israel, Palestine and the neighbouring countries, coarse enough for
context maps only. Everything loads lazily on first use and is cached; nothing is read
at import time.

Areas are measured in an equal-area CRS (EPSG:6933, WGS 84 / NSIDC EASE-Grid 2.0
Global), never in degrees: :func:`area_km2`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from geo.errors import InvalidInput, NotFound

DATA_DIR = Path(__file__).parent / "data" / "boundaries"

AdminLevel = Literal["adm0", "adm1", "adm2"]
ADMIN_LEVELS: tuple[str, ...] = get_args(AdminLevel)
#: Levels :func:`containing` and :func:`find_admin` search: COD-AB levels and Natural Earth countries.
AnyLevel = Literal["adm0", "adm1", "adm2", "country"]

#: P-codes of the two COD-AB adm1 units.
GAZA_STRIP_PCODE = "PS02"
WEST_BANK_PCODE = "PS01"

#: Equal-area CRS used for every area sitmap reports.
EQUAL_AREA_CRS = "EPSG:6933"

_FILES: dict[str, str] = {
    "adm0": "pse_adm0.geojson",
    "adm1": "pse_adm1.geojson",
    "adm2": "pse_adm2.geojson",
    "country": "ne_10m_admin0_countries.geojson",
}

#: Other spellings people use for the shipped names (folded form -> p-code).
_ALIASES: dict[str, str] = {
    "gaza strip": "PS02",
    "the gaza strip": "PS02",
    "gaza city": "PS0260",
    "gaza governorate": "PS0260",
    "north gaza": "PS0255",
    "northern gaza": "PS0255",
    "gaza north": "PS0255",
    "shamal gaza": "PS0255",
    "deir al balah": "PS0265",
    "deir el balah": "PS0265",
    "dayr al balah": "PS0265",
    "deir albalah": "PS0265",
    "middle area": "PS0265",
    "central gaza": "PS0265",
    "khan younis": "PS0270",
    "khan yunis": "PS0270",
    "khan yunes": "PS0270",
    "khan younes": "PS0270",
    "rafah governorate": "PS0275",
    "west bank": "PS01",
    "the west bank": "PS01",
    "palestine": "PS",
    "state of palestine": "PS",
    "occupied palestinian territory": "PS",
    "opt": "PS",
    "jerusalem governorate": "PS0140",
    "al quds": "PS0140",
    "hebron": "PS0150",
    "al khalil": "PS0150",
    "tulkarem": "PS0110",
    "qalqiliya": "PS0120",
    "qalqilia": "PS0120",
    "salfeet": "PS0125",
    "ramallah and al bireh": "PS0130",
    "ramallah al bireh": "PS0130",
    "jericho and al aghwar": "PS0135",
    "tubas": "PS0105",
}


@dataclass(frozen=True)
class AdminArea:
    """One administrative or country polygon with its code, name and official area.

    ``pcode`` is the OCHA p-code (``PS``, ``PS02``, ``PS0260``) or, for Natural Earth
    countries, the ISO 3166-1 alpha-3 code. ``area_km2`` is the area the publisher states
    (COD-AB ``AREA_SQKM``) or, for countries, the area measured in EPSG:6933.
    """

    pcode: str
    name: str
    level: str
    parent_pcode: str | None
    geometry: Polygon | MultiPolygon = field(repr=False, compare=False)
    area_km2: float


@cache
def _equal_area() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def to_equal_area(geom: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry to the equal-area CRS (EPSG:6933, metres)."""
    return shapely.transform(geom, _equal_area().transform, interleaved=False)


def area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat geometry in km², measured in the equal-area CRS EPSG:6933."""
    if geom.is_empty:
        return 0.0
    return float(to_equal_area(geom).area) / 1e6


@cache
def _load(level: str) -> tuple[AdminArea, ...]:
    path = DATA_DIR / _FILES[level]
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feat in doc["features"]:
        p = feat["properties"]
        geom = shape(feat["geometry"])
        if not isinstance(geom, Polygon | MultiPolygon):  # pragma: no cover - shipped data is polygonal
            raise InvalidInput(f"boundary {p.get('pcode')} in {path.name} is not polygonal")
        area = p.get("area_km2")
        out.append(
            AdminArea(
                pcode=p["pcode"],
                name=p["name"],
                level=level,
                parent_pcode=p.get("parent_pcode"),
                geometry=geom,
                area_km2=float(area) if area is not None else round(area_km2(geom), 3),
            )
        )
    return tuple(sorted(out, key=lambda a: a.pcode))


def admin_areas(level: AdminLevel) -> list[AdminArea]:
    """The COD-AB admin areas of one level ("adm0", "adm1" or "adm2"), sorted by p-code."""
    if level not in ADMIN_LEVELS:
        raise InvalidInput(f"unknown admin level {level!r}: expected one of {', '.join(ADMIN_LEVELS)}")
    return list(_load(level))


def countries() -> list[AdminArea]:
    """Natural Earth 1:10m countries: Israel, Palestine and neighbours (context maps only)."""
    return list(_load("country"))


def _by_pcode(pcode: str) -> AdminArea:
    for level in (*ADMIN_LEVELS, "country"):
        for area in _load(level):
            if area.pcode == pcode:
                return area
    raise NotFound(f"no admin area with p-code {pcode!r}")


def gaza_strip() -> Polygon | MultiPolygon:
    """The Gaza Strip polygon (COD-AB adm1 PS02, 365.0 km²): the reference area for zones."""
    return _by_pcode(GAZA_STRIP_PCODE).geometry


def west_bank() -> Polygon | MultiPolygon:
    """The West Bank polygon, including East Jerusalem (COD-AB adm1 PS01)."""
    return _by_pcode(WEST_BANK_PCODE).geometry


def fold_name(text: str) -> str:
    """Fold a place name for matching: no diacritics, case, punctuation, 'al-'/'el-' joins."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[`'’ʿʾ]", "", folded)
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    return " ".join(folded.split())


@cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    # Countries first, then coarse to fine, so "Gaza" ends on the governorate and
    # "Palestine" on the COD-AB adm0 unit rather than Natural Earth's outline.
    for level in ("country", "adm0", "adm1", "adm2"):
        for area in _load(level):
            index[fold_name(area.name)] = area.pcode
    index.update(_ALIASES)
    index["palestine"] = "PS"
    return index


def find_admin(name_or_pcode: str) -> AdminArea:
    """Look up an admin area or country by p-code/ISO code or by name (common spellings too).

    "PS0270", "Khan Younis", "Khan Yunis" and "khan-yunis" all give the Khan Younis
    governorate; "Gaza" is the Gaza governorate, "Gaza Strip" the adm1 unit; "Israel"
    the Natural Earth country. Raises ``NotFound`` naming the value otherwise.
    """
    text = (name_or_pcode or "").strip()
    if not text:
        raise InvalidInput("admin area name or p-code is empty")
    code = text.upper()
    for level in (*ADMIN_LEVELS, "country"):
        for area in _load(level):
            if area.pcode == code:
                return area
    pcode = _name_index().get(fold_name(text))
    if pcode is None:
        raise NotFound(f"no admin area named {name_or_pcode!r}")
    return _by_pcode(pcode)


@cache
def _tree(level: str) -> STRtree:
    return STRtree([a.geometry for a in _load(level)])


def containing(point: Point | tuple[float, float], level: AnyLevel = "adm2") -> AdminArea | None:
    """The area of ``level`` that contains a lon/lat point, or ``None`` outside all of them.

    ``level`` is "adm0", "adm1", "adm2" or "country". A point exactly on a shared border
    gets the area with the lower p-code, so the answer is deterministic.
    """
    if level not in _FILES:
        raise InvalidInput(f"unknown admin level {level!r}: expected one of {', '.join(_FILES)}")
    pt = point if isinstance(point, Point) else Point(float(point[0]), float(point[1]))
    if pt.is_empty or not (-180 <= pt.x <= 180 and -90 <= pt.y <= 90):
        raise InvalidInput(f"point {pt.wkt} is not a lon/lat position")
    hits = _tree(level).query(pt, predicate="intersects")
    if len(hits) == 0:
        return None
    areas = _load(level)
    return min((areas[int(i)] for i in hits), key=lambda a: a.pcode)


#: The course of Wadi Gaza (sitmap's own line, about 500 m; see ``data/basemap/ATTRIBUTION.md``).
WADI_GAZA_FILE = Path(__file__).parent / "data" / "basemap" / "wadi_gaza.geojson"


@cache
def wadi_gaza() -> BaseGeometry:
    """The line of Wadi Gaza across the Strip (lon/lat), which orders use as a boundary."""
    doc = json.loads(WADI_GAZA_FILE.read_text(encoding="utf-8"))
    return shape(doc["features"][0]["geometry"])


def north_of_wadi_gaza(area: BaseGeometry) -> BaseGeometry:
    """The part of ``area`` north of Wadi Gaza ("north of Wadi Gaza" in the orders of Oct 2023).

    The line is carried due west into the sea and due east past the fence, then
    closed far to the north; ``area`` is cut by that polygon.
    """
    coords = list(wadi_gaza().coords)
    (x0, y0), (x1, y1) = coords[0], coords[-1]
    north = Polygon([(x0 - 1.0, y0), *coords, (x1 + 1.0, y1), (x1 + 1.0, y1 + 2.0), (x0 - 1.0, y0 + 2.0)])
    return shapely.intersection(area, north)


__all__ = [
    "ADMIN_LEVELS",
    "EQUAL_AREA_CRS",
    "GAZA_STRIP_PCODE",
    "WEST_BANK_PCODE",
    "AdminArea",
    "AdminLevel",
    "admin_areas",
    "area_km2",
    "containing",
    "countries",
    "find_admin",
    "fold_name",
    "gaza_strip",
    "north_of_wadi_gaza",
    "to_equal_area",
    "wadi_gaza",
    "west_bank",
]
