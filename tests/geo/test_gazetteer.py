"""The shipped gazetteer index, name folding and the build script."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from geo.errors import NotFound, StoreError
from geo.gazetteer import DATA_DIR, Gazetteer
from geo.normalize import fold, skeleton


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Khan Younis", "Khān Yūnis"),
        ("Khan Younis", "Khan Yunis"),
        ("Deir al-Balah", "Deir Al Balah"),
        ("Beit Hanoun", "Beit Hanun"),
        ("Zeitoun", "Zeitun"),
        ("Shuja'iyya", "Shujaʿiyya"),
        ("al-Mawasi", "Mawasi"),
        ("ash-Shati", "Shati"),
        ("خان يونس", "خان يونس"),
        ("أريحا", "اريحا"),  # alef with hamza folds to bare alef
        ("غزة", "غزه"),  # ta marbuta folds to ha
        ("غـزة", "غزة"),  # tatweel is dropped
        ("מְטוּלָה", "מטולה"),  # niqqud is dropped
    ],
)
def test_fold_equates_spellings(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_keeps_different_names_apart() -> None:
    assert fold("Rafah") != fold("Rimal")
    assert fold("Gaza") != fold("Gaza City")
    assert fold("Alexandria") == "alexandria"  # a glued "Al" is not an article


@pytest.mark.parametrize(("a", "b"), [("Shejaiya", "Shujaiya"), ("Zeitoun", "Zaytun"), ("Nuseirat", "Nusayrat")])
def test_skeleton_meets_transliterations(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


def test_load_is_fast_and_cached(gaz: Gazetteer) -> None:
    t0 = time.perf_counter()
    fresh = Gazetteer.load(DATA_DIR / "index.json")
    elapsed = time.perf_counter() - t0
    print(f"gazetteer index load: {elapsed * 1000:.0f} ms, {len(fresh)} entries")  # measured, not asserted
    assert len(fresh) == len(gaz) > 2000
    assert Gazetteer.load() is gaz


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [
        ("Khan Younis", "geonames:281124"),
        ("Khan Yunis", "geonames:281124"),
        ("Khan Yunus", "geonames:281124"),
        ("خان يونس", "geonames:281124"),
        ("Deir el-Balah", "geonames:281141"),
        ("Nuseirat", "geonames:281109"),
        ("Beit Hanun", "geonames:281146"),
        ("Jabaliya", "geonames:281129"),
        ("Bureij", "geonames:281161"),
        ("Maghazi", "sitmap:maghazi"),
        ("Gaza City", "geonames:281133"),
        ("northern Gaza", "sitmap:northern-gaza"),
        ("southern Gaza", "sitmap:southern-gaza"),
        ("central Gaza", "sitmap:central-gaza"),
        ("Shejaiya", "sitmap:shujaiyya"),
        ("Shujaiyya", "sitmap:shujaiyya"),
        ("Tel el-Hawa", "sitmap:tal-al-hawa"),
        ("Remal", "sitmap:rimal"),
        ("Zaytun", "sitmap:zeitoun"),
        ("Shati camp", "sitmap:beach-camp"),
        ("Nasser Hospital", "sitmap:nasser-hospital"),
        ("Kerem Shalom crossing", "sitmap:kerem-shalom"),
        ("Philadelphi corridor", "sitmap:philadelphi-corridor"),
        ("Metula", "geonames:294247"),
        ("Doha", "geonames:290030"),
        ("Cairo", "geonames:360630"),
    ],
)
def test_lookup_finds_entry(gaz: Gazetteer, name: str, entry_id: str) -> None:
    assert entry_id in [e.id for e, _ in gaz.lookup(name)]


def test_lookup_ambiguous_names_keep_all_candidates(gaz: Gazetteer) -> None:
    rafah = {e.id: e for e, _ in gaz.lookup("Rafah")}
    assert {"geonames:281102", "geonames:350350"} <= set(rafah)
    assert rafah["geonames:350350"].country == "EG"
    gaza = {e.id for e, _ in gaz.lookup("Gaza")}
    assert {"sitmap:gaza-strip", "geonames:281133"} <= gaza


def test_unknown_name_and_id(gaz: Gazetteer) -> None:
    assert gaz.lookup("Xyzzyville") == []
    with pytest.raises(NotFound, match="sitmap:nowhere"):
        gaz.get("sitmap:nowhere")


def test_regions_come_from_boundaries_blocks_and_lines(gaz: Gazetteer) -> None:
    from geo.boundaries import gaza_strip

    strip = gaz.region(gaz.get("sitmap:gaza-strip"))
    assert strip is not None and strip.symmetric_difference(gaza_strip()).area < 1e-9
    north = gaz.region(gaz.get("sitmap:northern-gaza"))
    assert north is not None and north.contains(gaz.get("geonames:281129").point)  # Jabalia
    assert not north.contains(gaz.get("geonames:281124").point)  # Khan Younis
    kh = gaz.get("geonames:281124")
    assert kh.region is not None and kh.region["type"] == "blocks"
    corridor = gaz.region(gaz.get("sitmap:netzarim-corridor"))
    assert corridor is not None and corridor.geom_type == "Polygon"


def test_every_entry_is_sane(gaz: Gazetteer) -> None:
    for e in gaz.entries:
        assert -180 <= e.lon <= 180 and -90 <= e.lat <= 90, e.id
        assert e.radius_m > 0, e.id
    # Curated Gaza places lie inside the Strip, Israeli ones outside it.
    from geo.boundaries import gaza_strip

    strip = gaza_strip().buffer(0.01)
    for eid in ("sitmap:shujaiyya", "sitmap:beach-camp", "sitmap:shifa-hospital", "sitmap:mawasi", "sitmap:tuffah"):
        assert strip.contains(gaz.get(eid).point), eid
    assert not gaza_strip().contains(gaz.get("geonames:293619").point)  # Sderot


def test_alias_file_rows_have_origins() -> None:
    with (DATA_DIR / "aliases.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 80
    for r in rows:
        assert r["note"].strip(), r["id"]
        # block-grid names are an origin too: the extent and centroid of those blocks (issue 12)
        assert r["geonameid"] or r["pcodes"] or r["line"] or r["blocks_he"] or (r["lon"] and r["lat"]), r["id"]
    assert (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8").count("CC BY 4.0") >= 1


def test_bad_index_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "index.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot read gazetteer index"):
        Gazetteer.load(bad)
    bad.write_text(json.dumps({"version": 99}), encoding="utf-8")
    with pytest.raises(StoreError, match="version 99"):
        Gazetteer.load(bad)


@pytest.mark.slow
def test_build_reproduces_shipped_index(tmp_path: Path) -> None:
    from geo.build_gazetteer import build

    out = tmp_path / "index.json"
    counts = build(out)
    assert counts["admin2"] == 16 and counts["region"] == 3
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads((DATA_DIR / "index.json").read_text("utf-8"))


#: Gaza City quarters whose extent is a split of a coarse grid quarter (issue 12).
SPLIT_QUARTERS = {
    "sitmap:daraj": {"ע'זה אלדרג'"},
    "sitmap:rimal": {"ע'זה אלדרג'"},
    "sitmap:nasr": {"ע'זה אלדרג'"},
    "sitmap:tal-al-hawa": {"ע'זה אלזיתונ", "ע'זה אלדרג'"},
    "sitmap:sheikh-ijlin": {"ע'זה אלזיתונ"},
    "sitmap:sabra": {"ע'זה אלזיתונ"},
    "sitmap:zeitoun": {"ע'זה אלזיתונ"},
    "sitmap:tuffah": {"ע'זה אלתפאח"},
    "sitmap:sheikh-radwan": {"ע'זה", "ע'זה אלדרג'"},
}


def test_gaza_city_quarters_take_their_part_of_the_grid(gaz: Gazetteer) -> None:
    """Each quarter's extent is blocks the grid files under its coarse name, in the Gaza governorate,
    no block given to two quarters; the point is inside its extent and the radius fits a quarter."""
    from geo.blocks import BlockGrid

    grid = BlockGrid.load()
    seen: dict[str, str] = {}
    for eid, names in SPLIT_QUARTERS.items():
        e = gaz.get(eid)
        assert e.region is not None and e.region["type"] == "blocks", eid
        for bid in e.region["ref"]:
            blk = grid.block(bid)
            assert blk.name_he in names and blk.adm2_name == "Gaza", (eid, bid)
            assert bid not in seen, f"block {bid} given to {seen.get(bid)} and {eid}"
            seen[bid] = eid
        region = gaz.region(e)
        assert region is not None and region.buffer(1e-6).contains(e.point), eid
        assert 700 <= e.radius_m <= 2500, (eid, e.radius_m)
    # the four at-Tuffah blocks in the North Gaza governorate are not the quarter's
    assert not {"754", "755", "756", "952"} & set(gaz.get("sitmap:tuffah").region["ref"])  # type: ignore[index]


def test_a_split_quarter_lies_nearer_its_own_point_than_its_neighbours() -> None:
    """The split gives a block to the nearest seed naming its quarter, within the reach, in the same
    governorate; a seed alone keeps only what it reaches."""
    from shapely.geometry import Point, box

    from geo.blocks import Block, BlockGrid
    from geo.build_gazetteer import SPLIT_REACH_M, _split_cells, area_radius_m

    step = 0.005  # about 500 m
    blocks = [
        Block(
            id=str(k),
            geometry=box(34.40 + k * step, 31.50, 34.40 + (k + 1) * step, 31.505),
            name_he="Q",
            adm2_pcode="PS0260",
        )
        for k in range(12)
    ]
    grid = BlockGrid(blocks, name="test")
    rows = [
        {"id": "west", "blocks_he": "~Q", "lon": "34.4030", "lat": "31.5025"},
        {"id": "east", "blocks_he": "~Q", "lon": "34.4225", "lat": "31.5025"},
    ]
    cells = _split_cells(rows, grid, {})
    assert cells["west"] == ["0", "1", "2"] and cells["east"] == ["3", "4", "5", "6", "7", "8", "9"]
    # block 10 is 2.85 km from the east point: beyond the reach, given to nobody
    assert SPLIT_REACH_M < 2850 and not {"10", "11"} & {*cells["west"], *cells["east"]}
    other = [{"id": "east", "blocks_he": "~Q", "lon": "34.4225", "lat": "31.5025"}]
    assert _split_cells(other, grid, {})["east"][0] == "0"  # alone, it reaches west as far as the reach
    # the ~95% radius of a square 1 km across, from its centre: less than its corner (707 m)
    square = box(34.40, 31.50, 34.4105, 31.509)
    r = area_radius_m(Point(34.40525, 31.5045), square)
    assert 500 < r < 700
