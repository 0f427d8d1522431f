"""Evacuation block grids: shipped grid, sub-block mapping, unknown ids, block lists in text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from geo.blocks import BlockGrid, normalize_block_id, parent_block_id, parse_block_ids
from geo.boundaries import area_km2, gaza_strip
from geo.errors import InvalidInput, NotFound

DATA = Path(__file__).parents[1] / "data" / "zones"


@pytest.fixture(scope="module")
def grid() -> BlockGrid:
    return BlockGrid.load()


def test_shipped_grid_has_620_blocks_inside_the_strip(grid: BlockGrid) -> None:
    assert len(grid) == 620
    assert grid.ids[0] == "1" and grid.ids[-1] == "3261"
    merged = shapely.union_all([blk.geometry for blk in grid.blocks()])
    # The grid covers nearly all of the Strip's 365 km² and little outside it.
    assert 350 < area_km2(merged) < 365
    assert area_km2(merged.difference(gaza_strip())) < 5
    assert BlockGrid.load() is grid  # cached


def test_blocks_carry_names_and_governorates(grid: BlockGrid) -> None:
    blk = grid.block(55)
    assert blk.name_en == "Khan Younis" and blk.adm2_pcode == "PS0270"
    assert grid.block("1").adm2_name == "Rafah"
    named = [b for b in grid.blocks() if b.name_he]
    assert all(b.name_en for b in named)
    assert len(named) == 605


def test_unknown_block_lookup_names_it(grid: BlockGrid) -> None:
    with pytest.raises(NotFound, match="'9999'"):
        grid.block("9999")


def test_sub_blocks_map_to_parent_and_are_flagged(grid: BlockGrid) -> None:
    sel = grid.resolve(["37.1", "37", "2231.2", 55, "055"])
    assert sel.block_ids == ("37.1", "37", "2231.2", "55")
    assert sel.approx_block_ids == ("37.1", "2231.2")
    assert sel.parents == {"37.1": "37", "2231.2": "2231"}
    assert sel.grid_block_ids == ("37", "2231", "55")
    assert sel.unknown_ids == ()
    assert not sel.is_exact
    expected = shapely.union_all([grid.block(i).geometry for i in ("37", "2231", "55")])
    assert sel.geometry is not None and sel.geometry.equals(expected)


def test_unknown_ids_kept_apart_or_rejected_when_strict(grid: BlockGrid) -> None:
    sel = grid.resolve(["55", "9999", "9999.4"])
    assert sel.block_ids == ("55",)
    assert sel.unknown_ids == ("9999", "9999.4")
    with pytest.raises(InvalidInput, match="9999"):
        grid.resolve(["55", "9999"], strict=True)
    assert grid.resolve(["9999"]).geometry is None
    with pytest.raises(InvalidInput, match="no block ids"):
        grid.geometry([])


def test_exact_selection(grid: BlockGrid) -> None:
    sel = grid.resolve([606, 607, 719, 720])
    assert sel.is_exact and sel.grid == "idf-blocks-2023-12"


@pytest.mark.parametrize(
    ("raw", "norm"), [(37, "37"), (" 037 ", "37"), ("2231.2", "2231.2"), ("٥٥", "55"), ("A7", "A7")]
)
def test_normalize_block_id(raw: object, norm: str) -> None:
    assert normalize_block_id(raw) == norm


@pytest.mark.parametrize("bad", [37.1, "", "   ", True])
def test_normalize_block_id_rejects(bad: object) -> None:
    with pytest.raises(InvalidInput):
        normalize_block_id(bad)


def test_parent_block_id() -> None:
    assert parent_block_id("2231.2") == "2231"
    assert parent_block_id("37.1.4") == "37.1"
    assert parent_block_id("37") is None


def test_grid_from_any_geojson(tmp_path: Path) -> None:
    g = BlockGrid.from_geojson(DATA / "grid_small.geojson", "num")
    assert g.ids == ["1", "2", "10"] and g.name == "grid_small"
    sel = g.resolve(["1", "2", "10.3"])
    assert sel.approx_block_ids == ("10.3",)
    assert area_km2(sel.geometry) == pytest.approx(area_km2(g.geometry(["1", "2", "10"])))


def test_grid_from_geojson_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="'nope'"):
        BlockGrid.from_geojson(DATA / "grid_small.geojson", "nope")
    bad = tmp_path / "bad.geojson"
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"id": 1}, "geometry": bowtie}],
            }
        )
    )
    with pytest.raises(InvalidInput, match="block '1' is not valid: Self-intersection"):
        BlockGrid.from_geojson(bad, "id")
    dup = tmp_path / "dup.geojson"
    sq = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    dup.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"id": 1}, "geometry": sq},
                    {"type": "Feature", "properties": {"id": "01"}, "geometry": sq},
                ],
            }
        )
    )
    with pytest.raises(InvalidInput, match="twice"):
        BlockGrid.from_geojson(dup, "id")
    notjson = tmp_path / "x.geojson"
    notjson.write_text("{oops")
    with pytest.raises(InvalidInput, match="not JSON"):
        BlockGrid.from_geojson(notjson, "id")


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Residents of blocks 55, 56 and 62 must leave now", ["55", "56", "62"]),
        ("the area of block 37.1.", ["37.1"]),
        ("areas numbered 2231.2 and 2231.1", ["2231.2", "2231.1"]),
        ("Blocks 5-8 and 12", ["5", "6", "7", "8", "12"]),
        ("blocks 5 to 8", ["5", "6", "7", "8"]),
        ("Block numbers: 10, 11, 12", ["10", "11", "12"]),
        ("البلوكات 55، 56 و62", ["55", "56", "62"]),
        ("بلوك رقم 37.1", ["37.1"]),
        ("البلوكات ٥٥ و٥٦", ["55", "56"]),
        ("בלוקים 55, 56", ["55", "56"]),
        ("in block 12 10 people were hurt", ["12"]),
        ("the blockade began in 2007", []),
        ("blocks 1-9999", ["1", "9999"]),
        ("block 7 ... later block 7 again, and blocks 8/9", ["7", "8", "9"]),
    ],
)
def test_parse_block_ids(text: str, ids: list[str]) -> None:
    assert parse_block_ids(text) == ids


def test_grid_ships_with_its_gpl_notice() -> None:
    from geo.blocks import DATA_DIR

    notice = (DATA_DIR / "NOTICE.md").read_text(encoding="utf-8")
    assert "realgoodresearch/GazaNowPop" in notice and "GNU General Public License" in notice
    assert "GNU GENERAL PUBLIC LICENSE" in (DATA_DIR / "LICENSE.GPL-3").read_text(encoding="utf-8")
