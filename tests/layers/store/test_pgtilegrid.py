"""Low-zoom cluster tiles from the kept grid (layers/store/pgtilegrid.py) equal the tiles built from the claims."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from layers import tiles as T
from layers.model import ClaimRecord
from layers.store import ClaimQuery, open_store
from layers.store import pgtilegrid as G
from layers.store.postgis import PostgisStore
from tests.conftest import postgis_url, require

pytestmark = pytest.mark.postgis


@pytest.fixture
def store(make_claim: Callable[..., ClaimRecord]) -> Iterator[PostgisStore]:
    """A fresh schema with 600 claims over the Gaza Strip, four event types."""
    import psycopg

    url = postgis_url()
    require(url is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    assert url is not None
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    s = open_store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema},public")
    assert isinstance(s, PostgisStore)
    types = ("airstrike", "shelling", "shooting", "ground_operation")
    s.add_claims(
        [
            make_claim(
                f"g-{i:03d}",
                x=34.2 + (i * 37 % 600) / 1500,
                y=31.2 + (i * 91 % 600) / 1500,
                day=i % 40,
                event_type=types[i * 7 % 4],
            )
            for i in range(600)
        ]
    )
    try:
        yield s
    finally:
        s.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _both(store: PostgisStore, query: ClaimQuery, tile: T.TileAddress) -> tuple[bytes, bytes]:
    """The tile through the grid (the direct statements refused), then built from the claims (the grid off)."""
    from layers.store import pgtiles

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tile was built from the claims, not the grid")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pgtiles, "count_sql", refuse)
        kept = store.claim_tile(query, tile, name="all")
    store._grid_ok = False
    try:
        direct = store.claim_tile(query, tile, name="all")
    finally:
        store._grid_ok = True
    return kept, direct


@pytest.mark.parametrize("z", [6, 8, 10])
def test_grid_tiles_are_the_direct_tiles(store: PostgisStore, monkeypatch: pytest.MonkeyPatch, z: int) -> None:
    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    x, y = _index(34.4, 31.4, z)
    tile = T.tile_address("WebMercatorQuad", z, x, y)
    for types in ((), ("airstrike", "shooting")):
        query = ClaimQuery(bbox=tile.lonlat_bounds(), event_types=types)
        assert G.serves(query, tile)
        kept, direct = _both(store, query, tile)
        assert kept and kept == direct
    import psycopg

    with psycopg.connect(store.conninfo) as conn:  # the tiles came from the grid: it was built
        assert conn.execute(f"SELECT sum(k) FROM {G.TABLE}").fetchone() == (600,)


def test_a_write_rebuilds_the_grid(store: PostgisStore, monkeypatch: pytest.MonkeyPatch, make_claim) -> None:
    import mapbox_vector_tile

    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    query = ClaimQuery(bbox=tile.lonlat_bounds())

    def total() -> int:
        layer = mapbox_vector_tile.decode(store.claim_tile(query, tile, name="all"))["all-clusters"]
        return sum(int(f["properties"]["count"]) for f in layer["features"])

    assert total() == 600
    store.add_claims([make_claim("g-new", x=34.41, y=31.41)])
    assert total() == 601
    store.update_claim("g-new", {"status": "retracted"})
    assert total() == 600
    kept, direct = _both(store, query, tile)
    assert kept == direct


def _grid_rows(store: PostgisStore) -> list[tuple[object, ...]]:
    """The grid's rows, sums rounded to a millimetre (a kept sum and a rebuilt one may differ in the last bits)."""
    import psycopg

    with psycopg.connect(store.conninfo) as conn:
        rows = conn.execute(f"SELECT cx, cy, event_type, k, sx, sy, vf, vt FROM {G.TABLE} ORDER BY 1, 2, 3").fetchall()
    return [(*r[:4], round(r[4], 3), round(r[5], 3), *r[6:]) for r in rows]


def _rebuilt(store: PostgisStore) -> list[tuple[object, ...]]:
    """The grid's rows as a rebuild from the claims makes them (the grid is rebuilt)."""
    import psycopg

    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM sitmap_meta WHERE key = %s", (G.META_KEY,))
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    store.claim_tile(ClaimQuery(bbox=tile.lonlat_bounds()), tile, name="all")
    return _grid_rows(store)


def test_writes_keep_the_grid_without_a_rebuild(
    store: PostgisStore, monkeypatch: pytest.MonkeyPatch, make_claim: Callable[..., ClaimRecord]
) -> None:
    """A write is in the next low-zoom tile at once: its cells are kept by the write, the grid is not rebuilt."""
    from datetime import UTC, datetime

    import mapbox_vector_tile
    import psycopg

    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    query = ClaimQuery(bbox=tile.lonlat_bounds())

    def clusters(q: ClaimQuery = query) -> dict[str, int]:
        layer = mapbox_vector_tile.decode(store.claim_tile(q, tile, name="all"))["all-clusters"]
        out: dict[str, int] = {}
        for f in layer["features"]:
            key = f["properties"]["event_type"]
            out[key] = out.get(key, 0) + int(f["properties"]["count"])
        return out

    before = clusters()
    assert sum(before.values()) == 600
    then = datetime.now(UTC)
    past = ClaimQuery(bbox=tile.lonlat_bounds(), as_of=then)
    as_of_tile = store.claim_tile(past, tile, name="all")

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grid was rebuilt")

    monkeypatch.setattr(G, "rebuild_sql", no_rebuild)
    store.add_claims([make_claim("g-new", x=34.41, y=31.41, event_type="negotiation", day=90)])
    assert clusters() == {**before, "negotiation": 1}
    # an edit that moves a claim and changes its type: its old cell and type lose it, the new ones gain it
    moved = {"type": "Point", "coordinates": [34.5, 31.5]}
    store.update_claim("g-000", {"event_type": "negotiation", "geometry": moved})
    after_edit = clusters()
    assert after_edit["negotiation"] == 2 and sum(after_edit.values()) == 601
    store.update_claim("g-new", {"status": "retracted"})
    assert sum(clusters().values()) == 600
    assert store.claim_tile(past, tile, name="all") == as_of_tile  # what was known then is unchanged
    # claims sharing a cell and type: the retraction of one between the cell's earliest start and
    # latest end is taken out of its count and sums; of the one holding its earliest start, the
    # cell is recomputed from its claims (both compared with a rebuild below)
    trio = [make_claim(f"g-c{d}", x=34.43, y=31.43, day=d, event_type="shelling") for d in (50, 51, 52)]
    pair = [make_claim(f"g-d{d}", x=34.44, y=31.44, day=d, event_type="shelling") for d in (60, 61)]
    store.add_claims(trio + pair)
    store.update_claim("g-c51", {"status": "retracted"})
    store.update_claim("g-d60", {"status": "retracted"})
    assert sum(clusters().values()) == 603
    # a change made over another connection's search_path, outside sitmap, is kept too
    with psycopg.connect(store.conninfo.split("?")[0], autocommit=True) as conn:
        schema = store.conninfo.split("search_path%3D")[1].split(",")[0]
        conn.execute(f'DELETE FROM "{schema}".claim_versions WHERE id = %s', ("g-001",))
    assert sum(clusters().values()) == 602
    kept = _grid_rows(store)
    monkeypatch.undo()
    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    assert kept == _rebuilt(store)


def test_a_grid_left_behind_is_rebuilt_not_served(
    store: PostgisStore, monkeypatch: pytest.MonkeyPatch, make_claim: Callable[..., ClaimRecord]
) -> None:
    """Writes its triggers did not see (disabled, or left out by a restore) leave the grid behind: it is rebuilt."""
    import mapbox_vector_tile
    import psycopg

    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    query = ClaimQuery(bbox=tile.lonlat_bounds())

    def total() -> int:
        layer = mapbox_vector_tile.decode(store.claim_tile(query, tile, name="all"))["all-clusters"]
        return sum(int(f["properties"]["count"]) for f in layer["features"])

    assert total() == 600
    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE claim_versions DISABLE TRIGGER {G.TRIGGERS['INSERT']}")
    store.add_claims([make_claim("g-new", x=34.41, y=31.41)])
    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE claim_versions ENABLE TRIGGER {G.TRIGGERS['INSERT']}")
    store.add_claims([make_claim("g-new-2", x=34.42, y=31.42)])  # kept by nobody: the grid was behind
    assert total() == 602


def test_a_restored_grid_is_current_and_kept_again(
    store: PostgisStore, monkeypatch: pytest.MonkeyPatch, make_claim: Callable[..., ClaimRecord], tmp_path: Path
) -> None:
    """A backup holds the grid but not its triggers: the restore works, and the first write after it is kept."""
    import mapbox_vector_tile

    monkeypatch.setattr(T, "TILE_MAX_FEATURES", 20)
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    query = ClaimQuery(bbox=tile.lonlat_bounds())

    def total() -> int:
        layer = mapbox_vector_tile.decode(store.claim_tile(query, tile, name="all"))["all-clusters"]
        return sum(int(f["properties"]["count"]) for f in layer["features"])

    assert total() == 600
    archive = store.backup(tmp_path / "backup.dump")
    store.add_claims([make_claim("g-new", x=34.41, y=31.41)])
    assert total() == 601
    store.restore(archive)
    assert total() == 600
    store.add_claims([make_claim("g-new", x=34.41, y=31.41)])
    assert total() == 601
    assert _grid_rows(store) == _rebuilt(store)


def test_other_queries_and_deep_zooms_are_built_from_the_claims(store: PostgisStore) -> None:
    tile = T.tile_address("WebMercatorQuad", 8, *_index(34.4, 31.4, 8))
    deep = T.tile_address("WebMercatorQuad", G.MAX_ZOOM + 1, *_index(34.4, 31.4, G.MAX_ZOOM + 1))
    assert G.serves(ClaimQuery(bbox=tile.lonlat_bounds()), tile)
    assert not G.serves(ClaimQuery(bbox=deep.lonlat_bounds()), deep)
    assert not G.serves(ClaimQuery(claimants=("Gaza health ministry",)), tile)
    assert not G.serves(ClaimQuery(statuses=("retracted",)), tile)
    from datetime import UTC, datetime

    assert not G.serves(ClaimQuery(as_of=datetime.now(UTC)), tile)
    assert not G.serves(ClaimQuery(start=datetime(2023, 12, 5, tzinfo=UTC)), tile)


def _index(lon: float, lat: float, z: int) -> tuple[int, int]:
    """(column, row) of the WebMercatorQuad tile holding a point."""
    import math

    n = 1 << z
    col = int((lon + 180.0) / 360.0 * n)
    row = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return col, row
