"""The plain HTML pages on a phone (390 px, Debian's Chromium headless): nothing scrolls sideways.

A reader on a phone opened /orders and the items table and had to pan the whole page
sideways: one unbreakable link text ("(gazamaps.com)") or a ten-column table was wider
than the screen. Wide tables now scroll inside their own box and long words wrap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api import test_browser_maps as maps_suite
from tests.api.threaded_app import serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_narrow")]

#: the map suite's Chromium (one launch per module, the flags the suite uses)
browser = maps_suite.browser

LONG = "https://www.example.org/" + "a-very-long-path-segment-" * 6
LONG_ID = "c-ed928258bd8b8cd7cd2a-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live sitmap with one claim and one order whose texts are long unbroken words."""
    from api.app import create_app
    from api.settings import Settings
    from layers.store import open_store
    from layers.testing import make_claim, make_zone

    path = tmp_path_factory.mktemp("browser-narrow") / "narrow.gpkg"
    store = open_store(path)
    store.add_claims([make_claim("narrow-1", day="2023-12-02", source="(gazamaps.com)" * 3, url=LONG)])
    store.add_claims([make_claim(LONG_ID, day="2023-12-02")])  # a report claim's id, the page's heading
    store.add_zones([make_zone("z-1", source="(" + "gazamaps" * 5 + ".com)", url=LONG)])
    store.close()
    app = create_app(Settings(db=str(path), tiles="none"))
    with serve_in_thread(app) as url:
        yield url


@pytest.mark.parametrize(
    "path",
    [
        "/orders?date=2023-12-02",
        "/collections/all/items?f=html",
        "/collections/all/items/narrow-1?f=html",
        f"/collections/all/items/{LONG_ID}?f=html",
        "/collections?f=html",
    ],
)
def test_page_fits_a_phone(server: str, browser: Any, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1:", "data:")) else r.abort()
    )
    try:
        pg = context.new_page()
        assert pg.goto(server + path).status == 200
        assert pg.locator("table").count() >= 1
        wide, screen = pg.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert wide <= screen, f"{path}: the page is {wide} px wide on a {screen} px screen"
    finally:
        context.close()
