"""The map pages in a real browser: Debian's Chromium driven by Playwright, headless.

One live sitmap server (uvicorn in a thread, on a free 127.0.0.1 port, over a temporary
GeoPackage with ``tests/data/maps/claims_zones.json``) and one browser for the module.
Every request to a host other than 127.0.0.1 is blocked and fails the test; the basemap
is off (``tiles='none'``), so the maps must draw from sitmap's own files alone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.api.threaded_app import free_port, serve_in_thread
from tests.conftest import require

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_maps")]  # one server and browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURE = Path(__file__).parent.parent / "data" / "maps" / "claims_zones.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live sitmap over the fixture store; yields its base URL."""
    from api.app import create_app
    from api.settings import Settings
    from layers.model import ClaimRecord, Zone
    from layers.store import open_store

    path = tmp_path_factory.mktemp("browser") / "maps.gpkg"
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    store = open_store(path)
    store.add_claims([ClaimRecord.model_validate(c) for c in data["claims"]])
    store.add_zones([Zone.model_validate(z) for z in data["zones"]])
    store.close()
    app = create_app(Settings(db=str(path), tiles="none"))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def foreign_origin(server: str) -> Iterator[str]:
    """A second local origin (another port) serving an 'article' that embeds a sitmap iframe."""
    article = (
        "<!DOCTYPE html><html><head><title>Article</title></head><body><h1>Article</h1>"
        f'<iframe id="map" src="{server}/embed/all?datetime=2023-12-02&as_of=2030-01-01T00:00:00Z" '
        'width="700" height="450" style="border:0"></iframe></body></html>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(article)))
            self.end_headers()
            self.wfile.write(article)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(Path(CHROMIUM).exists(), f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Watch:
    """Console errors, page errors, dialogs and requests to foreign hosts seen by a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.dialogs: list[str] = []

    def check(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"dialogs fired: {self.dialogs}"


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    pg = context.new_page()
    watch = Watch()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:", "file://")):
            r.continue_()
        else:
            watch.foreign.append(url)
            r.abort()

    context.route("**/*", route)
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    try:
        yield pg, watch
    finally:
        context.close()


def wait_drawn(frame: Any) -> Any:
    frame.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=20_000)
    return frame.locator(".folium-map")


def drawn(frame: Any) -> int:
    return int(frame.get_attribute(".folium-map", "data-drawn-claims"))


def api_located(server: str, collection: str, query: str) -> int:
    """How many claims with a location the items API returns for a query (all pages)."""
    import httpx

    url = f"{server}/collections/{collection}/items?limit=1000&{query}"
    n = 0
    while url:
        body = httpx.get(url, timeout=20).json()
        n += sum(1 for f in body["features"] if f["geometry"] is not None)
        url = next((link["href"] for link in body.get("links", []) if link["rel"] == "next"), None)
    return n


def test_map_page_loads_clean_and_counts_match_the_api(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(f"{server}/maps/all?datetime=2023-12-02&layers=evacuation-orders")
    wait_drawn(pg)
    assert drawn(pg) == api_located(server, "all", "datetime=2023-12-02") == 5
    assert pg.get_attribute(".folium-map", "data-drawn-zones") == "3"
    assert "5 claims" in pg.text_content(".sm-status")
    # step one day forward without reloading: the counts follow the API, the URL follows the view
    pg.evaluate("window.__same_page = true")
    pg.click(".sm-time button[aria-label='Next day with claims']")
    assert drawn(pg) == api_located(server, "all", "datetime=2023-12-03")
    assert "datetime=2023-12-03" in pg.url and pg.evaluate("window.__same_page") is True
    # the lifted Gaza City order (lifted on 3 Dec) is drawn as lifted, not hidden
    assert pg.get_attribute(".folium-map", "data-drawn-zones") == "3"
    index = pg.evaluate("(Date.UTC(2023, 11, 6) / 1000 - window.sitmapMaps[0].span[0]) / 86400")
    pg.fill(".sm-range", str(int(index)))  # the slider to 6 Dec
    pg.dispatch_event(".sm-range", "input")
    assert pg.text_content(".sm-date") == "6 Dec 2023"
    assert drawn(pg) == api_located(server, "all", "datetime=2023-12-06")
    assert "datetime=2023-12-06" in pg.url
    hrefs = pg.eval_on_selector_all("a[data-sm-download]", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == 11 and all("datetime=2023-12-06" in h for h in hrefs)  # downloads follow the day
    pg.check(".sm-all")
    assert drawn(pg) == api_located(server, "all", "") == 10  # dated and undated; the unlocated one cannot be drawn
    assert "datetime" not in pg.url
    watch.check()


def test_embed_loads_clean_and_shows_week_claims_across_their_window(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    for day in ("2023-12-04", "2023-12-10"):
        pg.goto(f"{server}/embed/rocket-fire?datetime={day}&layers=strikes")
        wait_drawn(pg)
        assert drawn(pg) == api_located(server, "rocket-fire", f"datetime={day}") + api_located(
            server, "strikes", f"datetime={day}"
        )
    assert pg.locator(".sm-header").count() == 0  # no site chrome
    size = pg.locator(".folium-map").bounding_box()
    caption = pg.locator(".sm-caption").bounding_box()  # the caption line above it
    assert size["width"] == 1100 and size["height"] + caption["height"] == 760  # fills its frame
    watch.check()


def test_embed_renders_inside_another_origin(foreign_origin: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(foreign_origin)
    pg.wait_for_selector("iframe#map")
    frame = pg.frame_locator("iframe#map")
    frame.locator(".folium-map[data-sitmap=drawn]").wait_for(timeout=20_000)
    assert frame.locator(".folium-map").get_attribute("data-drawn-claims") == "5"
    assert frame.locator("canvas.sitmap-claims").count() == 1
    watch.check()


def test_hostile_text_is_shown_literally(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(f"{server}/embed/all?datetime=2023-12-06")
    box = wait_drawn(pg).bounding_box()
    assert drawn(pg) == 3  # the hostile claim, plus the week and month claims that cover 6 Dec
    xy = pg.evaluate(
        "(() => { const p = window.sitmapMaps[0].map.latLngToContainerPoint([31.418, 34.351]); return [p.x, p.y]; })()"
    )
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector(".sm-popup .sm-quote", timeout=10_000)
    text = pg.text_content(".sm-popup")
    assert "<img src=x onerror=alert(1)>" in text
    assert "</script><script>alert(2)</script> said" in text
    assert "<svg onload=alert(3)>" in text
    assert '"<b>not bold</b> & "quoted""' in text.replace("\u201c", '"').replace("\u201d", '"')
    assert pg.locator(".sm-popup img, .sm-popup svg, .sm-popup b").count() == 0
    assert pg.locator("a[href^='javascript']").count() == 0  # an unsafe URL is not made a link
    pg.wait_for_timeout(300)
    watch.check()


def test_popup_attributes_and_links_out_safely(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(f"{server}/maps/all?datetime=2023-12-02")
    box = wait_drawn(pg).bounding_box()
    pg.evaluate("window.sitmapMaps[0].map.setView([31.3455, 34.3075], 15, {animate: false})")
    xy = pg.evaluate(
        "(() => { const p = window.sitmapMaps[0].map.latLngToContainerPoint([31.346, 34.306]); return [p.x, p.y]; })()"
    )
    pg.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
    tip = pg.wait_for_selector(".sm-tip", timeout=10_000).text_content()
    assert tip.startswith("Airstrike \u00b7 on 2 Dec 2023 \u00b7 Khan Younis \u00b1 800 m")
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector(".sm-popup .sm-quote", timeout=10_000)
    text = pg.text_content(".sm-popup")
    assert "Gaza health ministry said" in text and "on 2 Dec 2023" in text and "Khan Younis ± 800 m" in text
    assert "2 independent (corroborated)" in text and "Witnesses" in text  # the other voice, side by side
    # issue 12: the audit trail and the count's own words reach the popup
    assert "How it was read" in text and "claimant is the paragraph's claimant" in text
    assert "at least 12 \u00b7 12 (12\u2013?)" in text
    link = pg.locator(".sm-popup a[href='https://example.org/news/ky-1']")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener noreferrer"
    watch.check()


def test_thousands_of_claims_cluster_at_low_zoom_and_split_when_zoomed(
    browser: Any, tmp_path: Path, page: tuple[Any, Watch]
) -> None:
    from datetime import UTC, datetime, timedelta

    from api.render.mapbuilder import notebook_map
    from layers.testing import make_claim

    days = [datetime(2023, 12, 1, tzinfo=UTC) + timedelta(days=i % 5) for i in range(2000)]
    claims = [
        make_claim(f"k{i}", lon=34.30 + (i % 60) * 0.0025, lat=31.33 + (i // 60) * 0.0012, radius_m=300, day=days[i])
        for i in range(2000)
    ]
    path = tmp_path / "many.html"
    notebook_map(claims, title="Many").save(str(path))
    pg, watch = page
    pg.goto(path.as_uri())
    wait_drawn(pg)
    assert drawn(pg) == 2000
    assert pg.evaluate("window.sitmapMaps[0].layers[0].clustered") is True
    pg.click(".sm-time button[aria-label='Next day with claims']")  # the first day: 1 Dec
    assert drawn(pg) == sum(1 for d in days if d.day == 1) == 400
    pg.evaluate("window.sitmapMaps[0].map.setView([31.36, 34.37], 17, {animate: false})")
    assert pg.evaluate("window.sitmapMaps[0].layers[0].clustered") is False
    assert drawn(pg) == 400  # the count does not depend on the viewport
    watch.check()


def test_the_legend_says_every_feature_is_a_claim_where_no_header_does(
    server: str, tmp_path: Path, page: tuple[Any, Watch]
) -> None:
    """The /maps header says it, so its legend need not; an embed and a map file must."""
    from api.render.mapbuilder import notebook_map
    from layers.testing import make_claim

    note = "Every feature is a claim: who says so is in its popup."
    pg, watch = page
    path = tmp_path / "file.html"
    notebook_map([make_claim("n1")], title="File").save(str(path))
    for url, legend_says in ((path.as_uri(), True), (f"{server}/embed/all", True), (f"{server}/maps/all", False)):
        pg.goto(url)
        wait_drawn(pg)
        pg.wait_for_timeout(200)
        assert (note in (pg.text_content(".sm-legend") or "")) is legend_says, url
        if not legend_says:
            assert "Every feature is a claim" in (pg.text_content(".sm-header") or "")
    watch.check()
