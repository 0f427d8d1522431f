"""Hostile layer titles and bidirectional text in a real browser (Debian's Chromium, headless).

A layer title is admin-supplied and reaches Leaflet's layer control, which inserts
names as HTML; claimants and places are user text that meets sitmap's own words
("± 300 m", "said:") in tooltips and popups. These tests look at the page as a reader
would: no script runs, no markup appears, and the words keep their order on screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api import test_browser_maps as maps_suite
from tests.api.test_browser_maps import Watch, wait_drawn
from tests.api.threaded_app import serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_security")]

#: the map suite's Chromium (one launch per module, the flags the suite uses)
browser = maps_suite.browser

XSS_TITLE = "<img src=x onerror=alert('title')>"
XSS_ZONES_TITLE = "<img src=x onerror=alert('zones')>"
RLO = "\u202e"
#: Where the bidi claim is drawn.
LON, LAT = 34.306, 31.346


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live sitmap whose layers have hostile titles and whose claim ends its words in U+202E."""
    from api.app import create_app
    from api.settings import Settings
    from layers.model import Layer, LayerFilter
    from layers.store import open_store
    from layers.testing import make_claim, make_zone

    path = tmp_path_factory.mktemp("browser-security") / "hostile.gpkg"
    store = open_store(path)
    claim = make_claim(
        "bidi-1",
        lon=LON,
        lat=LAT,
        radius_m=300,
        day="2023-12-02",
        claimant="Witness" + RLO,
        source="Wire" + RLO,
        place_name="Khan Younis" + RLO,
        quote="A strike hit the market." + RLO,
    )
    store.add_claims([claim])
    store.add_zones([make_zone("z-1")])
    store.put_layer(Layer(id="xss", title=XSS_TITLE, filter=LayerFilter(event_types=("airstrike",))))
    store.put_layer(Layer(id="xss-zones", kind="zones", title=XSS_ZONES_TITLE))
    store.put_layer(Layer(id="bidi", title="Strikes" + RLO, filter=LayerFilter(event_types=("airstrike",))))
    store.close()
    app = create_app(Settings(db=str(path), tiles="none"))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    """A page that records dialogs, errors and foreign requests; CSP reports count as errors only if asked."""
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    pg = context.new_page()
    watch = Watch()

    def route(r: Any) -> None:
        if r.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            r.continue_()
        else:
            watch.foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    try:
        yield pg, watch
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/maps/xss?layers=xss-zones", "/embed/xss?layers=xss-zones"])
def test_layer_titles_reach_the_layer_control_as_text(server: str, page: tuple[Any, Watch], path: str) -> None:
    pg, watch = page
    pg.goto(server + path)
    wait_drawn(pg)
    pg.hover(".leaflet-control-layers")
    names = pg.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert any(XSS_TITLE + " (claims)" in n for n in names), names
    assert any(XSS_ZONES_TITLE + " (zones)" in n for n in names), names
    assert pg.locator(".leaflet-control-layers img, .leaflet-container img[src='x']").count() == 0
    pg.wait_for_timeout(300)
    assert not watch.dialogs, f"script ran: {watch.dialogs}"
    assert not watch.errors and not watch.foreign


@pytest.mark.parametrize("path", ["/maps/bidi", "/embed/bidi"])
def test_pages_run_no_inline_script(server: str, page: tuple[Any, Watch], path: str) -> None:
    """Even markup that reached the page could not run: the CSP allows sitmap's own script files only."""
    pg, watch = page
    pg.goto(server + path)
    wait_drawn(pg)
    ran = pg.evaluate(
        """() => new Promise(done => {
            window.__inline = false;
            const s = document.createElement('script');
            s.textContent = 'window.__inline = true';
            document.body.appendChild(s);
            const img = document.createElement('img');
            img.setAttribute('onerror', 'window.__inline = true');
            img.src = 'data:,nope';
            document.body.appendChild(img);
            setTimeout(() => done(window.__inline), 300);
        })"""
    )
    assert ran is False
    assert not watch.errors and not watch.dialogs


def _order_of(pg: Any, selector: str, needle: str) -> list[list[float]]:
    """Screen x of the first and last character of every ``needle`` shown under ``selector``."""
    return pg.evaluate(
        """([selector, needle]) => {
            const out = [];
            for (const root of document.querySelectorAll(selector)) {
                const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                    const at = n.data.indexOf(needle);
                    if (at < 0) continue;
                    const x = k => { const r = document.createRange(); r.setStart(n, k); r.setEnd(n, k + 1);
                                     return r.getBoundingClientRect().left; };
                    out.push([x(at), x(at + needle.length - 1)]);
                }
            }
            return out;
        }""",
        [selector, needle],
    )


def test_bidi_controls_in_user_text_do_not_reorder_sitmaps_words(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(f"{server}/maps/bidi?datetime=2023-12-02")
    box = wait_drawn(pg).bounding_box()
    pg.evaluate(f"window.sitmapMaps[0].map.setView([{LAT}, {LON}], 15, {{animate: false}})")
    xy = pg.evaluate(
        f"(() => {{ const p = window.sitmapMaps[0].map.latLngToContainerPoint([{LAT}, {LON}]); return [p.x, p.y]; }})()"
    )
    pg.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector(".sm-tip", timeout=10_000)
    tip = _order_of(pg, ".sm-tip", "\u00b1 300 m")
    assert tip and all(first < last for first, last in tip), tip  # "±" left of "m": not "m 003 ±"
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector(".sm-popup .sm-quote", timeout=10_000)
    where = _order_of(pg, ".sm-popup", "\u00b1 300 m")
    said = _order_of(pg, ".sm-popup", "said:")
    assert where and all(first < last for first, last in where), where
    assert said and all(first < last for first, last in said), said  # not ":dias"
    text = pg.text_content(".sm-popup")
    assert "Khan Younis" + RLO in text and "Witness" + RLO in text  # the user's text itself is kept
    pg.hover(".leaflet-control-layers")
    control = _order_of(pg, ".leaflet-control-layers-overlays", "(claims)")
    assert control and all(first < last for first, last in control), control
    assert not watch.errors and not watch.dialogs
