"""The map as a reading tool, in a real browser (issue 14): basemap offline, framing, list, filters.

Reuses the live server, browser and page fixtures of ``test_browser_maps.py`` (one
server over ``tests/data/maps/claims_zones.json``, every non-local request blocked and
failing the test). Views at 1280×800 (desktop) and 390×844 (phone).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import test_browser_maps as shared
from tests.api.test_browser_maps import Watch

# The live server, browser and page of the map browser tests, shared rather than restated.
server = shared.server
browser = shared.browser
page = shared.page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_maps")]

MAP = "[data-sitmap]"


def wait_drawn(pg: Any) -> Any:
    pg.wait_for_selector(f"{MAP}[data-sitmap=drawn]", timeout=20_000)
    return pg.locator(MAP)


def pixel(pg: Any, png: bytes, lat: float, lon: float) -> tuple[int, int, int]:
    """The screenshot's colour at a place on the map (the map fills the viewport's top left)."""
    import io

    from PIL import Image

    box = pg.locator(MAP).bounding_box()
    xy = pg.evaluate(
        f"(() => {{ const p = window.sitmapMaps[0].map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    img = Image.open(io.BytesIO(png)).convert("RGB")
    r, g, b = img.getpixel((int(box["x"] + xy[0]), int(box["y"] + xy[1])))
    return int(r), int(g), int(b)


def test_offline_basemap_draws_sea_unlike_land_with_the_network_blocked(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    # a view with open sea west of the Strip and the empty Negev east of it, away from the data
    pg.goto(f"{server}/embed/all?datetime=2023-10-01#10/31.30/34.40")
    wait_drawn(pg)
    assert pg.get_attribute(MAP, "data-basemap") == "drawn"
    png = pg.screenshot()
    sea = pixel(pg, png, 31.45, 34.05)
    land = pixel(pg, png, 31.15, 34.75)
    assert sea != land
    assert sea[2] > sea[0] + 20, f"the sea should be blue, got {sea}"
    assert land[0] >= land[2], f"land should not be blue, got {land}"
    # places are labelled, and the attribution names what is drawn (no OpenStreetMap tiles)
    labels = pg.eval_on_selector_all(".sm-label", "els => els.map(e => e.textContent)")
    assert "Khan Younis" in labels and "Gaza City" in labels
    credit = pg.text_content(".leaflet-control-attribution")
    assert "OpenStreetMap contributors (ODbL)" in credit and "GeoNames" in credit
    assert pg.locator("img.leaflet-tile").count() == 0
    watch.check()
