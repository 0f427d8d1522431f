"""A large claim layer on the map page is drawn from vector tiles (sitmap-tiles.js), in Chromium.

The server's ``SITMAP_MAP_TILES_THRESHOLD`` is set below the fixture's claim count, so
the page reads ``/collections/all/tiles/...`` for its view instead of one data file;
the drawn claims, the day stepper and the zoom must behave as with the data file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import start_server, stop_server
from tests.api.test_browser_maps import FIXTURE, Watch, api_located, browser, drawn, page, wait_drawn  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_tiles")]


@pytest.fixture(scope="module")
def tile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live sitmap over the map fixture whose claim layers are above the tiles threshold."""
    from layers.model import ClaimRecord, Zone
    from layers.store import open_store

    tmp = tmp_path_factory.mktemp("browser_tiles")
    path = tmp / "maps.gpkg"
    data = json.loads(Path(FIXTURE).read_text(encoding="utf-8"))
    store = open_store(path)
    store.add_claims([ClaimRecord.model_validate(c) for c in data["claims"]])
    store.add_zones([Zone.model_validate(z) for z in data["zones"]])
    store.close()
    server = start_server(str(path), tmp, extra_env={"SITMAP_TILES": "none", "SITMAP_MAP_TILES_THRESHOLD": "3"})
    try:
        yield server.url
    finally:
        stop_server(server)


def _wait_count(pg: Any, n: int) -> None:
    """Wait until the map says it draws ``n`` claims (the page's CSP forbids wait_for_function's eval)."""
    for _ in range(200):
        if drawn(pg) == n:
            return
        pg.wait_for_timeout(100)
    assert drawn(pg) == n


def test_a_large_layer_is_drawn_from_its_vector_tiles(tile_server: str, page: tuple[Any, Watch]) -> None:  # noqa: F811
    pg, watch = page
    seen: list[str] = []
    pg.on("request", lambda r: seen.append(r.url))
    pg.goto(f"{tile_server}/maps/all?datetime=2023-12-02")
    wait_drawn(pg)
    assert any("/collections/all/tiles/WebMercatorQuad/" in u for u in seen)
    assert not any("/data.json" in u for u in seen)
    # the opening view holds every located claim of the fixture: counts as the API's
    assert drawn(pg) == api_located(tile_server, "all", "datetime=2023-12-02") == 5
    pg.click(".sm-time button[aria-label='Next day with claims']")
    _wait_count(pg, api_located(tile_server, "all", "datetime=2023-12-03"))
    pg.click(".sm-time button[aria-label='Previous day with claims']")
    _wait_count(pg, 5)
    # zoomed in on Khan Younis: the tiles of that view, the two strikes there that day
    pg.evaluate("window.sitmapMaps[0].map.setView([31.3455, 34.3075], 16, {animate: false})")
    _wait_count(pg, 2)
    assert any("/tiles/WebMercatorQuad/16/" in u for u in seen)
    watch.check()


def test_crowded_tiles_draw_merged_clusters_where_they_are(tile_server: str, page: tuple[Any, Watch]) -> None:  # noqa: F811
    # the server's tiles replaced by crowded ones: one grid cluster of 1,234 claims at Gaza
    # City in whichever tile holds it, so the page must place it there and say what it hides
    import re

    from shapely.geometry import Point

    from layers import tiles as T

    pg, watch = page
    gaza = (34.4667, 31.5017)

    def crowded(route: Any) -> None:
        m = re.search(r"/tiles/WebMercatorQuad/(\d+)/(\d+)/(\d+)", route.request.url)
        assert m is not None
        tile = T.TileAddress(*(int(g) for g in m.groups()))
        point = T.to_mercator(Point(*gaza))
        w, s, e, n = tile.mercator_bounds
        if not (w <= point.x < e and s <= point.y < n):
            route.fulfill(status=204)
            return
        body = T.encode(tile, [("all-clusters", [{"geometry": point, "properties": {"count": 1234}}])])
        route.fulfill(status=200, body=body, headers={"Content-Type": T.MVT})

    pg.route("**/collections/all/tiles/WebMercatorQuad/**", crowded)
    pg.goto(f"{tile_server}/maps/all?datetime=2023-12-02")
    wait_drawn(pg)
    marker = pg.locator(".sm-tile-cluster")
    assert marker.count() == 1 and marker.inner_text() == "1234"
    box = marker.bounding_box()
    at = pg.evaluate(
        f"(() => {{ var m = window.sitmapMaps[0].map, p = m.latLngToContainerPoint([{gaza[1]}, {gaza[0]}]), "
        "r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()"
    )
    assert abs(box["x"] + box["width"] / 2 - at[0]) <= 2 and abs(box["y"] + box["height"] / 2 - at[1]) <= 2
    assert "1234 more in clusters: zoom in" in pg.inner_text(".sm-status")
    assert drawn(pg) == 0
    watch.check()
