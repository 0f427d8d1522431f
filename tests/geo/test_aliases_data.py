"""Every curated point in ``aliases.csv`` agrees with the shipped polygons and block grid.

A bad edit (a swapped lon/lat, a point in the sea or in the wrong governorate, a
neighbourhood far from the blocks that name it) fails here. Only data shipped in
``geo/data`` is read: the OCHA governorates, the Natural Earth countries of the region
and the IDF block grid. Distances are measured in UTM zone 36N (metres).
"""

from __future__ import annotations

import csv
from functools import cache

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import boundaries
from geo.blocks import BlockGrid
from geo.gazetteer import DATA_DIR

Row = dict[str, str]

#: OCHA adm1 p-code of the ``admin1`` values PS rows use.
PS_ADMIN1 = {"GZ": "PS02", "WE": "PS01"}
#: Natural Earth (ISO alpha-3) polygon of each country code the rows use, where one is shipped.
COUNTRY_POLYGON = {"IL": "ISR", "PS": "PSE", "LB": "LBN", "SY": "SYR", "JO": "JOR", "EG": "EGY"}
#: A city's quarters may run past the blocks the grid names after the city (the grid counts
#: northern Gaza City, Saftawi and Karama, to Jabalia): the slack for a row's parent blocks.
PARENT_SLACK_M = 1500.0


def _rows() -> list[Row]:
    with (DATA_DIR / "aliases.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()
BY_ID = {r["id"]: r for r in ROWS}
POINT_ROWS = [r for r in ROWS if r["lon"] and r["lat"]]


@cache
def _to_utm() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(4326, 32636, always_xy=True)


def _utm(geom: BaseGeometry) -> BaseGeometry:
    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = _to_utm().transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, xy)


def _point(row: Row) -> BaseGeometry:
    return _utm(Point(float(row["lon"]), float(row["lat"])))


@cache
def _area(pcode: str) -> BaseGeometry:
    """An OCHA area (``PS02``) or a Natural Earth country (``ISR``), in UTM."""
    countries = {c.pcode: c for c in boundaries.countries()}
    area = countries[pcode] if pcode in countries else boundaries.find_admin(pcode)
    return _utm(area.geometry)


@cache
def _blocks(names_he: str) -> BaseGeometry:
    wanted = set(names_he.split("|"))
    found = [b.geometry for b in BlockGrid.load().blocks() if b.name_he in wanted]
    assert found, f"no block of the grid is named {names_he!r}"
    return _utm(shapely.union_all(found))


def _ids(row: Row) -> str:
    return row["id"]


def _splits(row: Row) -> bool:
    """A row whose point seeds a split of a coarse grid quarter (``~NAME``): its radius is derived."""
    return any(he.startswith("~") for he in row["blocks_he"].split("|"))


SPLIT_ROWS = [r for r in POINT_ROWS if _splits(r)]


def test_the_file_has_the_curated_rows() -> None:
    assert len(POINT_ROWS) > 60
    assert all(r["radius_m"] for r in POINT_ROWS if not _splits(r)), "every curated point has a radius"
    assert {r["id"] for r in SPLIT_ROWS} >= {"sitmap:daraj", "sitmap:zeitoun", "sitmap:tuffah", "sitmap:rimal"}


@pytest.mark.parametrize("row", SPLIT_ROWS, ids=_ids)
def test_split_seeds_lie_in_the_quarter_they_split(row: Row) -> None:
    """The point of a row that takes part of a grid quarter lies in (or within 300 m of) that quarter's blocks,
    and its note says the split is sitmap's."""
    names = "|".join(he.removeprefix("~") for he in row["blocks_he"].split("|"))
    assert _blocks(names).distance(_point(row)) <= 300.0, row["id"]
    assert "split" in row["note"] and "sitmap's" in row["note"], row["id"]


@pytest.mark.parametrize("row", [r for r in POINT_ROWS if r["country"] == "PS"], ids=_ids)
def test_palestinian_points_lie_in_their_admin1(row: Row) -> None:
    """A Gaza row's point lies in the Gaza Strip and a West Bank row's in the West Bank."""
    area = _area(PS_ADMIN1[row["admin1"]])
    assert area.contains(_point(row)), f"{row['id']} lies outside {PS_ADMIN1[row['admin1']]}"


@pytest.mark.parametrize("row", [r for r in POINT_ROWS if r["country"] == "IL"], ids=_ids)
def test_israeli_points_lie_outside_the_palestinian_areas(row: Row) -> None:
    """Kibbutzim, crossings and Israeli regions are not in Gaza or the West Bank (border crossings
    may sit on the line, within their radius of it)."""
    point, radius = _point(row), float(row["radius_m"])
    for pcode in PS_ADMIN1.values():
        area = _area(pcode)
        if area.contains(point):
            assert area.boundary.distance(point) <= radius, f"{row['id']} lies inside {pcode}"


@pytest.mark.parametrize(
    "row", [r for r in POINT_ROWS if r["country"] in COUNTRY_POLYGON and r["country"] != "PS"], ids=_ids
)
def test_points_lie_in_or_near_their_country(row: Row) -> None:
    """Within the row's radius of its country's polygon: the Natural Earth outlines are coarse
    and draw disputed areas (the Golan, the Shebaa Farms) on the other side."""
    country = _area(COUNTRY_POLYGON[row["country"]])
    assert country.distance(_point(row)) <= float(row["radius_m"]), f"{row['id']} is far from {row['country']}"


@pytest.mark.parametrize("row", [r for r in POINT_ROWS if r["blocks_he"] and not _splits(r)], ids=_ids)
def test_neighbourhoods_lie_within_their_radius_of_their_blocks(row: Row) -> None:
    assert _blocks(row["blocks_he"]).distance(_point(row)) <= float(row["radius_m"])


@pytest.mark.parametrize("row", [r for r in POINT_ROWS if BY_ID.get(r["parent"], {}).get("blocks_he")], ids=_ids)
def test_quarters_camps_and_hospitals_lie_near_their_towns_blocks(row: Row) -> None:
    """A place whose parent town has blocks lies near them (its radius, at least the slack)."""
    town = _blocks(BY_ID[row["parent"]]["blocks_he"])
    limit = max(float(row["radius_m"] or 0), PARENT_SLACK_M)
    assert town.distance(_point(row)) <= limit, f"{row['id']} is {town.distance(_point(row)):.0f} m from its town"


@pytest.mark.parametrize("row", [r for r in ROWS if r["line"] and r["admin1"] == "GZ"], ids=_ids)
def test_gaza_lines_run_in_the_strip(row: Row) -> None:
    """Every vertex of a corridor or coastal strip is in the Gaza Strip or within its buffer of it."""
    strip, half = _area("PS02"), float(row["line_width_m"]) / 2
    for vertex in row["line"].split(";"):
        lon, lat = map(float, vertex.split())
        assert strip.distance(_utm(Point(lon, lat))) <= half, f"{row['id']} vertex {vertex} is off the Strip"


def test_no_row_says_approx_without_saying_what_was_checked() -> None:
    """Rows still marked approximate name the check they passed (the notes are the audit trail)."""
    for row in ROWS:
        if "approx" in row["note"] and row["lon"]:
            assert "checked" in row["note"], row["id"]


def test_a_misplaced_point_fails_the_checks() -> None:
    """The checks bite: the old Karama point (0.9 km offshore) and a swapped lon/lat both fail."""
    offshore = {"lon": "34.446", "lat": "31.552"}
    assert not _area("PS02").contains(_utm(Point(float(offshore["lon"]), float(offshore["lat"]))))
    swapped = _utm(Point(31.5, 34.46))
    assert _area("PS02").distance(swapped) > 100_000
