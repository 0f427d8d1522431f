"""Location uncertainty: a ~95% radius, an optional region, and the ACLED/UCDP precision codes.

``radius_m`` is stated as a ~95% bound: the true location lies within that distance
of the best-estimate point. It comes from the kind and size of the place (a city's
built-up extent or, failing that, its population; a neighbourhood's or camp's extent
from the evacuation block grid or the curated radius; an admin area's or region's
farthest vertex from its inner point), widened by text qualifiers ("near", "outskirts
of", "north of", "5 km east of"). Buffers, moves and extents are geodesic
(:mod:`geo.metric`), never in degrees.

The precision codes are derived, never typed in by hand:

* ACLED ``geo_precision``: 1 the named place or finer (a town, quarter, camp or site
  named as such, or any radius <= 5 km, no widening qualifier); 2 near a place or a
  small part of a region (<= 25 km, or any widening qualifier); 3 only a larger region
  or province is known (admin fallback or wider).
* UCDP ``where_prec``: 1 exact place (a named town or finer, or <= 5 km); 2 within ~25 km of a known point;
  3 second-order admin area (a governorate); 4 first-order admin area (the Gaza Strip,
  the West Bank); 5 a part of a country that is not an admin unit (northern Gaza, a
  corridor, a border strip); 6 a country; 7 wider than a country.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput
from geo.metric import anchor_point, buffer_m, destinations, max_distance_m, offset_point
from geo.model import PlacementMethod, Uncertainty

#: Kinds whose extent is an admin polygon or a region: placed by "admin_fallback".
AREA_KINDS: frozenset[str] = frozenset({"country", "admin1", "admin2", "region"})
#: Kinds that are linear or strip-shaped (UCDP 5 when placed as a whole).
STRIP_KINDS: frozenset[str] = frozenset({"corridor", "area"})

#: Kinds that are a named place (town, quarter, camp, site): ACLED 1 / UCDP 1 when named as such.
PLACE_KINDS: frozenset[str] = frozenset({"city", "neighbourhood", "camp", "hospital", "crossing", "facility"})
#: A named place wider than this is not coded as "the place itself" (a megacity's suburbs).
PLACE_MAX_RADIUS_M = 30_000.0

#: Extra distance (m) a qualifier adds to a place's radius; "part" qualifiers shrink instead.
NEAR_EXTRA_M = 3000.0
OUTSKIRTS_EXTRA_M = 3000.0
DIRECTION_OFFSET_M = 3000.0
BORDER_EXTRA_M = 2000.0

QualifierClass = Literal["near", "outskirts", "across", "direction", "distance", "border", "part"]

_BEARINGS = {
    "north": 0.0,
    "northeast": 45.0,
    "east": 90.0,
    "southeast": 135.0,
    "south": 180.0,
    "southwest": 225.0,
    "west": 270.0,
    "northwest": 315.0,
}


def bearing_of(direction: str) -> float:
    """Compass bearing in degrees of "north", "south-east", "NE"...; raises InvalidInput if unknown."""
    key = direction.lower().replace("-", "").replace(" ", "").removesuffix("ern").removesuffix("ward")
    key = {"n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest"}.get(key, key)
    key = {"se": "southeast", "sw": "southwest"}.get(key, key)
    if key not in _BEARINGS:
        raise InvalidInput(f"unknown direction {direction!r}; expected north, north-east, east, ...")
    return _BEARINGS[key]


def qualifier_class(qualifier: str | None) -> QualifierClass | None:
    """Classify a qualifier phrase ("near", "outskirts of", "5 km north of", "eastern")."""
    if not qualifier:
        return None
    q = qualifier.lower().strip()
    if any(ch.isdigit() for ch in q) and ("km" in q or "kilomet" in q or "mile" in q or " m " in f" {q} "):
        return "distance"
    if q.endswith("ern") or q.startswith(("eastern", "western", "northern", "southern")) or q.startswith("part"):
        return "part"
    if "outskirt" in q or "edge" in q or "outside" in q:
        return "outskirts"
    if "border" in q or "fence" in q or "perimeter" in q:
        return "border"
    if q.startswith(("across", "throughout", "all over", "parts of")):
        return "across"
    if any(q.startswith(d) for d in ("north", "south", "east", "west")):
        return "direction"
    return "near"


def precision_codes(radius_m: float, method: PlacementMethod, *, kind: str | None = None) -> tuple[int, int]:
    """Derive (ACLED geo_precision, UCDP where_prec) from a radius, the method and optionally the kind.

    See the module docstring for the scales. ``kind`` lets an admin area be coded as
    such (a governorate is UCDP 3 whatever its size); without it the radius decides.
    """
    if radius_m < 0 or not math.isfinite(radius_m):
        raise InvalidInput(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    if method == "unresolved":
        return 3, 7
    named = method in ("gazetteer", "coordinates", "manual", "block_list") and kind in PLACE_KINDS
    if named and radius_m <= PLACE_MAX_RADIUS_M:
        return 1, 1
    if method == "admin_fallback" or kind in AREA_KINDS:
        geo = 3
    elif method == "qualifier":
        geo = 2 if radius_m <= 25_000 else 3
    else:
        geo = 1 if radius_m <= 5_000 else (2 if radius_m <= 25_000 else 3)
    where = {"country": 6, "admin1": 4, "admin2": 3, "region": 5}.get(kind or "")
    if where is None and kind in STRIP_KINDS and 5_000 < radius_m <= 200_000:
        where = 5
    if where is None:
        if radius_m <= 5_000 and method != "admin_fallback":
            where = 1
        elif radius_m <= 25_000:
            where = 2 if method != "admin_fallback" else 3
        elif radius_m <= 60_000:
            where = 3
        elif radius_m <= 200_000:
            where = 4
        elif radius_m <= 1_500_000:
            where = 6
        else:
            where = 7
    if method == "qualifier" and where == 1:
        where = 2
    return geo, where


def half_of(
    point: Point, radius_m: float, bearing_deg: float, *, region: BaseGeometry | None = None
) -> tuple[Point, float, BaseGeometry]:
    """The half of a place's extent towards a bearing ("west of X" = the western half-disc of X).

    The half-disc is drawn geodesically around ``point`` (vertices on the WGS84 ellipsoid);
    when the place has a region, the half is that region cut by the half-disc. Returns the
    half's inner centre, the radius (metres) from it that covers the half, and the half.
    """
    reach = radius_m * (1.6 if region is not None else 1.0)
    arc = destinations(point, [bearing_deg - 90.0 + 180.0 * k / 24 for k in range(25)], max(reach, 1.0))
    half: BaseGeometry = Polygon([(point.x, point.y), *arc, (point.x, point.y)])
    if region is not None:
        cut = region.intersection(half)
        if not cut.is_empty and cut.area > 0:
            half = cut
    centre = anchor_point(half)
    return Point(round(centre.x, 6), round(centre.y, 6)), round(max_distance_m(centre, half), 1), half


def widen(
    point: Point, radius_m: float, qualifier: str | None, *, region: BaseGeometry | None = None
) -> tuple[Point, float, BaseGeometry | None]:
    """Apply a spatial qualifier to a place: returns the new point, ~95% radius and region.

    "near"/"around"/"area of": radius + 3 km (region buffered by 3 km). "outskirts of":
    radius + 3 km. "across"/"throughout": unchanged (the event spans the place).
    "north of X" and "northern X": the northern half-disc of X's extent (of its region when
    it has one): the point moves to the half's centroid, the radius is the half's covering
    radius and the region is the half (:func:`half_of`).
    "5 km north of X": the only qualifier that moves the point — 5 km north, radius +
    max(25% of 5 km, 1 km). "along the border": radius + 2 km.
    """
    cls = qualifier_class(qualifier)
    if cls is None or cls == "across":
        return point, radius_m, region
    q = (qualifier or "").lower()
    if cls in ("near", "outskirts", "border"):
        extra = {"near": NEAR_EXTRA_M, "outskirts": OUTSKIRTS_EXTRA_M, "border": BORDER_EXTRA_M}[cls]
        new_region = buffer_m(region, extra) if region is not None else None
        return point, radius_m + extra, new_region
    if cls in ("part", "direction"):  # "eastern Rafah", "west of Khan Younis": that half of the place
        word = re.sub(r"\s+(?:parts?\s+)?of$", "", q.removeprefix("parts of").strip()).strip()
        try:
            bearing = bearing_of(word.split()[0] if word else "")
        except InvalidInput:
            return point, radius_m, region
        return half_of(point, radius_m, bearing, region=region)
    # distance: "5 km north of", "3 kilometres east of", "2 miles south of"
    m = re.search(r"(\d+(?:[.,]\d+)?)\s*(km|kilomet\w*|miles?|m)\b\s*(?:to the\s+)?([a-z\- ]+?)\s+of", q)
    if not m:
        return point, radius_m + NEAR_EXTRA_M, buffer_m(region, NEAR_EXTRA_M) if region is not None else None
    value = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    metres = value * (1609.344 if unit.startswith("mile") else 1.0 if unit == "m" else 1000.0)
    bearing = bearing_of(m.group(3).strip())
    moved = offset_point(point, metres, bearing)
    return moved, radius_m + max(0.25 * metres, 1000.0), None


def uncertainty_for(
    kind: str,
    radius_m: float,
    *,
    point: Point | None = None,
    region: BaseGeometry | None = None,
    qualifier: str | None = None,
    note: str | None = None,
) -> tuple[Point | None, Uncertainty]:
    """The Uncertainty of a gazetteer place of ``kind`` and extent ``radius_m``, after ``qualifier``.

    Returns the (possibly moved) best-estimate point and the Uncertainty. Admin areas,
    regions and countries are placed by ``admin_fallback`` with their polygon as region;
    a qualifier makes the method ``qualifier``. The radius is a ~95% bound.
    """
    if radius_m < 0 or not math.isfinite(radius_m):
        raise InvalidInput(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    new_point, new_radius, new_region = point, radius_m, region
    cls = qualifier_class(qualifier)
    if point is not None and cls is not None:
        new_point, new_radius, new_region = widen(point, radius_m, qualifier, region=region)
    elif cls is not None and cls != "across":
        new_radius = radius_m + NEAR_EXTRA_M
    if kind in AREA_KINDS and cls in (None, "across"):
        method: PlacementMethod = "admin_fallback"
    elif cls is not None and cls != "across":
        method = "qualifier"
    else:
        method = "gazetteer"
    geo, where = precision_codes(new_radius, method, kind=kind if cls in (None, "across", "part") else None)
    if cls in ("near", "outskirts", "border", "direction", "distance") and kind in AREA_KINDS:
        geo = 3
    text = note
    if qualifier:
        text = f"{note}; qualifier: {qualifier}" if note else f"qualifier: {qualifier}"
    return new_point, Uncertainty(
        radius_m=round(min(new_radius, 25_000_000.0), 1),
        region=new_region,
        geo_precision=geo,
        where_prec=where,
        method=method,
        note=text[:300] if text else None,
    )


#: ~95% radius (m) of an ACLED coordinate by geo_precision when no region is given.
ACLED_RADIUS_M = {1: 5_000.0, 2: 25_000.0, 3: 50_000.0}
#: ~95% radius (m) of a UCDP coordinate by where_prec when no region is given.
UCDP_RADIUS_M = {1: 5_000.0, 2: 25_000.0, 3: 50_000.0, 4: 150_000.0, 5: 100_000.0, 6: 500_000.0, 7: 1_000_000.0}


def from_acled(geo_precision: int, point: Point, admin_region: BaseGeometry | None = None) -> Uncertainty:
    """Uncertainty of an ACLED event from its ``geo_precision`` (1..3), for the importer.

    With precision 3 (or 2) and the admin polygon at hand, the radius is the farthest
    vertex of that polygon from the point, so the bound is true; otherwise a documented
    default per code (5 km, 25 km, 50 km).
    """
    if geo_precision not in ACLED_RADIUS_M:
        raise InvalidInput(f"ACLED geo_precision must be 1, 2 or 3, got {geo_precision!r}")
    radius = ACLED_RADIUS_M[geo_precision]
    region = None
    if admin_region is not None and geo_precision >= 2:
        region = admin_region
        radius = max(max_distance_m(point, admin_region), 1000.0)
    where = {1: 1, 2: 2, 3: 3}[geo_precision]
    if region is not None and radius > 60_000:
        where = 4
    return Uncertainty(
        radius_m=round(radius, 1),
        region=region,
        geo_precision=geo_precision,
        where_prec=where,
        method="coordinates",
        note=f"ACLED geo_precision {geo_precision}",
    )


def from_ucdp(where_prec: int, point: Point, region: BaseGeometry | None = None) -> Uncertainty:
    """Uncertainty of a UCDP GED event from its ``where_prec`` (1..7), for the importer.

    With the admin or country polygon at hand (codes 3..7), the radius is its farthest
    vertex from the point; otherwise a documented default per code.
    """
    if where_prec not in UCDP_RADIUS_M:
        raise InvalidInput(f"UCDP where_prec must be 1..7, got {where_prec!r}")
    radius = UCDP_RADIUS_M[where_prec]
    used_region = None
    if region is not None and where_prec >= 3:
        used_region = region
        radius = max(max_distance_m(point, region), 1000.0)
    geo = 1 if where_prec == 1 else (2 if where_prec == 2 else 3)
    return Uncertainty(
        radius_m=round(min(radius, 25_000_000.0), 1),
        region=used_region,
        geo_precision=geo,
        where_prec=where_prec,
        method="coordinates",
        note=f"UCDP where_prec {where_prec}",
    )
