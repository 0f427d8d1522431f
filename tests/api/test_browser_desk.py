"""The review desk in a real browser: Debian's Chromium driven by Playwright, headless.

One editor goes from a pasted wire text to checked claims on the public map: sign in,
submit, see the claims, fix a place by picking an alternative, accept another with the
keyboard, retract a third; the public map's popup then says "checked by an editor" at the
new place. A second editor in another browser context edits a claim the first has open,
and the first gets the stale-version page. Signing out ends the session. Every request to
a host other than 127.0.0.1 is refused and fails the test; every page is screenshot at
1280 and 390 px (``SITMAP_SCREENSHOTS=dir`` keeps them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api import test_browser_maps as maps_suite
from tests.api.conftest import TOKENS, WRITER
from tests.api.threaded_app import serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_desk")]

#: The headless Chromium (Debian's, with the project's flags) and the error watch of the map tests.
browser = maps_suite.browser
Watch = maps_suite.Watch

SECOND_EDITOR = ("second-desk", "second-desk-token-7")
WIRE = (
    "An Israeli air strike hit a house in Khan Younis on Friday, killing 12 people, the Gaza health ministry "
    "said.\n\nShelling was also reported near Beit Lahia, witnesses said.\n\n"
    "In Rafah, a drone strike killed two people, the civil defence said."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from api.app import create_app
    from api.settings import Settings

    path = tmp_path_factory.mktemp("desk") / "desk.gpkg"
    tokens = f"{TOKENS},{SECOND_EDITOR[0]}:{SECOND_EDITOR[1]}"
    app = create_app(Settings(db=str(path), tokens=tokens, tiles="none", rate_limit=False))
    with serve_in_thread(app) as url:
        yield url


def _context(browser: Any, watch: Watch, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})

    def route(r: Any) -> None:
        if r.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            r.continue_()
        else:
            watch.foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)

    def on_page(pg: Any) -> None:
        pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: watch.errors.append(str(e)))
        pg.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))

    context.on("page", on_page)
    return context


def _shots(pg: Any, name: str, folder: Path) -> None:
    """The page at 1280 and 390 px wide, full length."""
    for width in (1280, 390):
        pg.set_viewport_size({"width": width, "height": 900})
        pg.wait_for_timeout(150)
        pg.screenshot(path=str(folder / f"desk-{name}-{width}.png"), full_page=True)
        # nothing is wider than the window on a phone
        if width == 390:
            overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow}px wider than a 390px screen"
    pg.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(pg: Any, server: str, token: str) -> None:
    pg.goto(f"{server}/desk")
    assert "/desk/sign-in" in pg.url
    pg.fill("#token", token)
    pg.keyboard.press("Enter")
    pg.wait_for_url(f"{server}/desk")


def _claim(server: str, claim_id: str) -> dict[str, Any]:
    import httpx

    r = httpx.get(f"{server}/claims/{claim_id}", headers={"Authorization": f"Bearer {WRITER[1]}"}, timeout=20)
    return dict(r.json())


def test_from_a_wire_text_to_checked_claims_on_the_public_map(server: str, browser: Any, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SITMAP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    watch = Watch()
    ctx = _context(browser, watch)
    pg = ctx.new_page()

    pg.goto(f"{server}/desk/queue")
    assert "/desk/sign-in" in pg.url
    _shots(pg, "sign-in", folder)
    pg.fill("#token", WRITER[1])
    pg.keyboard.press("Enter")
    pg.wait_for_url(f"{server}/desk/queue")
    cookie = next(c for c in ctx.cookies() if c["name"] == "sitmap_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert pg.evaluate("document.cookie").find("sitmap_session") < 0  # not readable by scripts

    # submit a report
    pg.click("text=Submit a report")
    pg.fill("#text", WIRE)
    pg.fill("#published", "2023-12-02")
    pg.fill("#title", "Strikes across the Strip")
    pg.fill("#source_name", "Desk Wire")
    _shots(pg, "submit", folder)
    pg.click("button:has-text('Read and store')")
    pg.wait_for_selector("text=Stored. The claims found are below.")
    assert pg.locator("a.mention mark").count() == 3
    assert pg.locator("ol.claims li").count() == 3
    _shots(pg, "report", folder)
    claim_links = pg.locator("ol.claims li > a[href^='/desk/claims/']")
    links = [claim_links.nth(i).get_attribute("href") for i in range(3)]
    first, second, third = (link.rsplit("/", 1)[1] for link in links if link)

    # fix a place by picking an alternative (the Rafah claim may mean Rafah in Egypt)
    pg.goto(f"{server}/desk/queue?claim={third}")
    pg.wait_for_selector("#desk-map path.leaflet-interactive", state="attached")
    _shots(pg, "queue", folder)
    pg.click("ul.alternatives button:has-text('Rafah (Egypt)')")
    pg.wait_for_selector("text=Saved:")
    moved = _claim(server, third)
    assert moved["properties"]["place_name"] == "Rafah (Egypt)" and moved["properties"]["review"] == "edited"

    # accept another with the keyboard alone: n moves on in the queue, a accepts
    pg.goto(f"{server}/desk/queue?claim={first}")
    pg.wait_for_selector("#accept")
    pg.keyboard.press("n")
    pg.wait_for_url(lambda url: f"claim={first}" not in url)
    pg.goto(f"{server}/desk/queue?claim={first}")
    pg.wait_for_selector("#accept")
    pg.keyboard.press("a")
    pg.wait_for_selector("text=Saved:")
    assert _claim(server, first)["properties"]["review"] == "reviewed"

    # retract a third, with a reason
    pg.goto(f"{server}/desk/queue?claim={second}")
    pg.select_option("#status", "retracted")
    pg.fill("#reason", "the agency withdrew this report")
    pg.click("button:has-text('Mark')")
    pg.wait_for_selector("text=Saved:")
    gone = _claim(server, second)["properties"]
    assert (gone["status"], gone["review"]) == ("retracted", "rejected")

    # the history of the moved claim, as a diff
    pg.goto(f"{server}/desk/claims/{third}")
    assert pg.locator("ol.history > li").count() == 2
    assert "Rafah (Egypt)" in pg.text_content("table.diff")
    _shots(pg, "history", folder)
    pg.goto(f"{server}/desk/reports")
    _shots(pg, "reports", folder)
    pg.goto(f"{server}/desk")
    _shots(pg, "home", folder)

    # the public map shows the edit: the claim at its new place, checked by an editor
    public = ctx.new_page()
    public.goto(f"{server}/maps/all?datetime=2023-12-01")
    public.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=20_000)
    lon, lat = moved["geometry"]["coordinates"]
    public.evaluate(f"window.sitmapMaps[0].map.setView([{lat}, {lon}], 13, {{animate: false}})")
    public.wait_for_timeout(400)
    box = public.locator(".folium-map").bounding_box()
    xy = public.evaluate(
        f"(() => {{ const p = window.sitmapMaps[0].map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    public.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    public.wait_for_selector(".sm-popup .sm-quote", timeout=10_000)
    popup = public.text_content(".sm-popup") or ""
    assert "checked by an editor" in popup and "Rafah (Egypt)" in popup
    public.close()

    # a second editor changes a claim the first has open: the first gets the stale page
    pg.goto(f"{server}/desk/queue?claim={first}")
    pg.fill("#claimant", "Gaza civil defence")
    other_watch = Watch()
    other = _context(browser, other_watch)
    opg = other.new_page()
    _sign_in(opg, server, SECOND_EDITOR[1])
    opg.goto(f"{server}/desk/queue?claim={first}")
    opg.select_option("#status", "disputed")
    opg.fill("#reason", "the army denies it")
    opg.click("button:has-text('Mark')")
    opg.wait_for_selector("text=Saved:")
    pg.click("button:has-text('Save the correction')")
    pg.wait_for_selector("text=Someone changed this claim since you opened it")
    assert "second-desk" in (pg.text_content("main") or "")
    _shots(pg, "stale", folder)
    # the browser logs the page's 412 status as an error: that one is expected
    watch.errors = [e for e in watch.errors if "status of 412" not in e]
    assert _claim(server, first)["properties"]["claimant"] != "Gaza civil defence"
    other.close()
    other_watch.check()

    # signing out ends the session
    pg.goto(f"{server}/desk")
    pg.click("button:has-text('Sign out')")
    pg.wait_for_url(f"{server}/desk/sign-in")
    pg.goto(f"{server}/desk/queue")
    assert "/desk/sign-in" in pg.url
    ctx.close()
    watch.check()


def test_a_read_private_session_sees_no_edit_controls(server: str, browser: Any) -> None:
    from tests.api.conftest import READER

    watch = Watch()
    ctx = _context(browser, watch)
    pg = ctx.new_page()
    _sign_in(pg, server, READER[1])
    assert pg.locator("text=Submit a report").count() == 0
    pg.goto(f"{server}/desk/queue")
    assert pg.locator("#accept").count() == 0 and pg.locator("form[action$='/edit']").count() == 0
    ctx.close()
    watch.check()
