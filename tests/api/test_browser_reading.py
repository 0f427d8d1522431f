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
    pg.wait_for_selector(f"{MAP}[data-basemap=drawn]", timeout=20_000)  # it comes after the claims
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


def wait_reader(pg: Any) -> None:
    pg.wait_for_selector(f"{MAP}[data-reader=ready]", timeout=20_000)
    pg.wait_for_timeout(100)  # the list follows the map a moment later


def drawn(pg: Any) -> int:
    return int(pg.get_attribute(MAP, "data-drawn-claims"))


def boxes(pg: Any) -> list[tuple[str, dict[str, float]]]:
    """Bounding boxes of every visible control on the map (and the embed caption)."""
    out = []
    for loc in pg.locator(".leaflet-control, .sm-caption").all():
        if loc.is_visible():
            box = loc.bounding_box()
            if box and box["width"] > 0 and box["height"] > 0:
                out.append((loc.evaluate("e => e.className.split(' ').slice(0, 2).join('.')"), box))
    return out


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


@pytest.mark.parametrize("size", [(1280, 800), (390, 844), (360, 740)], ids=["desktop", "phone", "small-phone"])
@pytest.mark.parametrize(
    "path",
    [
        "/maps/all?layers=evacuation-orders",
        "/embed/all?datetime=2023-12-02&claimant=IDF",
        "/maps/all?layers=evacuation-orders&datetime=2023-12-02&lang=ar",  # longer words, right to left
    ],
)
def test_no_control_overlaps_another(server: str, page: tuple[Any, Watch], size: tuple[int, int], path: str) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": size[0], "height": size[1]})
    pg.goto(server + path)
    wait_drawn(pg)
    wait_reader(pg)
    found = boxes(pg)
    assert len(found) >= 5, found
    clashes = [(a[0], b[0]) for n, a in enumerate(found) for b in found[n + 1 :] if overlaps(a[1], b[1])]
    assert not clashes, clashes
    legend_open = pg.evaluate("!!document.querySelector('.sm-legend').open")
    assert legend_open == (size[0] > 1000 and path.startswith("/maps"))  # collapsed on phones and in embeds
    watch.check()


def test_desktop_legend_leaves_most_of_the_map_free(server: str, page: tuple[Any, Watch]) -> None:
    """An open legend on a 1280×800 page was one long column over more than half the
    map's height; the types and order types now sit in two columns, "lifted" said once."""
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?layers=evacuation-orders")
    wait_drawn(pg)
    wait_reader(pg)
    legend = pg.locator(".sm-legend").bounding_box()
    whole = pg.locator(MAP).bounding_box()
    assert pg.evaluate("document.querySelector('.sm-legend').open")
    assert legend["height"] < 0.4 * whole["height"], (legend, whole)
    assert legend["width"] * legend["height"] < 0.12 * whole["width"] * whole["height"], (legend, whole)
    # every row still shown, none scrolled away, and the order types still filter
    assert pg.evaluate(
        "(() => { const b = document.querySelector('.sm-legend'); return b.scrollHeight <= b.clientHeight; })()"
    )
    assert pg.locator(".sm-legend [data-order-type]").count() == 3
    assert pg.locator(".sm-legend .sm-leg-type[data-event-type]").count() >= 3
    watch.check()


def test_filters_change_counts_url_caption_and_downloads(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?datetime=2023-12-02")
    wait_drawn(pg)
    wait_reader(pg)
    before = drawn(pg)
    assert before == 5
    pg.click(".sm-leg-type[data-event-type=airstrike]")  # the legend is the event-type filter
    assert drawn(pg) == 2  # the rocket launch and the month-long ground operation are left
    assert "event_type=rocket_launch" in pg.url and "event_type=airstrike" not in pg.url
    assert pg.get_attribute(".sm-leg-type[data-event-type=airstrike]", "aria-checked") == "false"
    assert "filtered" in pg.text_content(".sm-caption") and "Rocket fire" in pg.text_content(".sm-caption")
    pg.click(".sm-leg-type[data-event-type=airstrike]")
    assert drawn(pg) == before and "event_type" not in pg.url
    pg.select_option(".sm-filters select[name=claimant]", "Gaza health ministry")
    assert drawn(pg) == 2 and "claimant=Gaza+health+ministry" in pg.url
    assert "Claimant = Gaza health ministry" in pg.text_content(".sm-caption")
    hrefs = pg.eval_on_selector_all("a[data-sm-download]", "els => els.map(e => e.getAttribute('href'))")
    assert all("claimant=Gaza+health+ministry" in h for h in hrefs if "/items" in h)
    pg.click(".sm-clear")
    assert drawn(pg) == before and "claimant" not in pg.url
    watch.check()


def test_claimant_alias_filter_is_named_in_the_embed_caption(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(f"{server}/embed/all?claimant=IDF")
    wait_drawn(pg)
    wait_reader(pg)
    assert drawn(pg) == 3  # everything the Israeli military claims, found through its alias
    caption = pg.text_content(".sm-caption")
    assert "filtered: Claimant = Israeli military" in caption and "as of" in caption and "All claims" in caption
    links = pg.eval_on_selector_all(".sm-caption a", "els => els.map(e => e.href)")
    assert any("/maps/all?claimant=IDF" in h for h in links)  # the full map of the same view
    assert any("/collections/all/items?claimant=IDF" in h and "f=geojson" in h for h in links)  # its data
    watch.check()


def test_list_and_map_stay_in_step(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?datetime=2023-12-02")
    wait_drawn(pg)
    wait_reader(pg)
    rows = pg.eval_on_selector_all(
        ".sm-list:not(.sm-unplaced) [data-claim-id]", "els => els.map(e => e.dataset.claimId)"
    )
    in_view = pg.evaluate(
        """(() => { const c = window.sitmapMaps[0], b = c.map.getBounds(), out = [];
        c.sets.forEach(s => { for (let i = 0; i < s.n; i++)
          if (s.visible[i] && b.contains([s.data.y[i], s.data.x[i]])) out.push(s.data.ids[i]); });
        return out; })()"""
    )
    assert sorted(rows) == sorted(in_view) and len(rows) == int(pg.get_attribute(MAP, "data-listed-claims"))
    assert {"ky-strike-1", "rf-strike"} <= set(rows)  # the view opens where most claims are
    unplaced = "els => els.map(e => e.dataset.claimId)"
    assert pg.eval_on_selector_all(".sm-unplaced [data-claim-id]", unplaced) == []  # it is of 3 Dec
    # a row opens its popup on the map
    pg.click(".sm-list [data-claim-id=ky-strike-1]")
    pg.wait_for_selector(".sm-popup .sm-card[data-claim-id=ky-strike-1]", timeout=10_000)
    # a click on the map marks the row of the claim it opened
    pg.keyboard.press("Escape")
    xy = pg.evaluate(
        "(() => { const p = window.sitmapMaps[0].map.latLngToContainerPoint([31.29, 34.25]); return [p.x, p.y]; })()"
    )
    box = pg.locator(MAP).bounding_box()
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector(".sm-popup .sm-card", timeout=10_000)
    opened = pg.eval_on_selector_all(".sm-popup .sm-card", "els => els.map(e => e.dataset.claimId)")
    marked = pg.eval_on_selector_all(".sm-list .sm-selected", "els => els.map(e => e.dataset.claimId)")
    assert opened and sorted(opened) == sorted(marked)
    # moving the map changes what is listed: zoomed on Rafah, the Khan Younis claims leave the list
    pg.evaluate("window.sitmapMaps[0].map.setView([31.29, 34.25], 14, {animate: false})")
    pg.wait_for_timeout(200)
    now = pg.eval_on_selector_all(
        ".sm-list:not(.sm-unplaced) [data-claim-id]", "els => els.map(e => e.dataset.claimId)"
    )
    assert "ky-strike-1" not in now and "rf-strike" in now
    pg.check(".sm-all")
    pg.wait_for_timeout(200)
    assert pg.eval_on_selector_all(".sm-unplaced [data-claim-id]", unplaced) == ["unlocated"]  # listed, not drawn
    # its row names the teller and the source, as a drawn claim's row does (the source was missing)
    row = pg.text_content(".sm-unplaced [data-claim-id=unlocated]") or ""
    assert "Witnesses" in row and "Field Monitor" in row, row
    assert "?" not in row, row  # no place was named: no question mark for one
    # and the source filter hides it when another source is chosen
    pg.select_option("select[name=source]", "Example Wire")
    pg.wait_for_timeout(200)
    assert pg.eval_on_selector_all(".sm-unplaced [data-claim-id]", unplaced) == []
    watch.check()


def test_status_line_counts_the_claims_without_a_place_of_the_day_and_filters_shown(
    server: str, page: tuple[Any, Watch]
) -> None:
    """The status line said "1 without a place, not drawn" on every day, while the list under
    the map (rightly) showed none: the count was of the whole data, not of the view."""
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})

    def status() -> str:
        pg.wait_for_timeout(200)
        return pg.text_content(".sm-status") or ""

    pg.goto(f"{server}/maps/all?datetime=2023-12-02")  # the claim without a place is of 3 Dec
    wait_drawn(pg)
    wait_reader(pg)
    assert "without a place" not in status()
    pg.check(".sm-all")
    assert "1 without a place" in status()
    pg.select_option("select[name=source]", "Example Wire")  # it is Field Monitor's
    assert "without a place" not in status()
    pg.goto(f"{server}/maps/all?datetime=2023-12-03")
    wait_drawn(pg)
    wait_reader(pg)
    assert "1 without a place" in status()
    pg.select_option("select[name=review]", "reviewed")  # it is a machine reading
    assert "without a place" not in status()
    assert pg.eval_on_selector_all(".sm-unplaced [data-claim-id]", "els => els.length") == 0
    watch.check()


def test_keyboard_alone_reaches_a_claim_and_opens_it(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?datetime=2023-12-02")
    wait_drawn(pg)
    wait_reader(pg)
    for _ in range(80):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement && document.activeElement.dataset.claimId !== undefined"):
            break
    first = pg.evaluate("document.activeElement.dataset.claimId")
    assert first, "Tab never reached a claim in the list"
    pg.keyboard.press("ArrowDown")
    second = pg.evaluate("document.activeElement.dataset.claimId")
    assert second and second != first
    pg.keyboard.press("Enter")
    pg.wait_for_selector(f".sm-popup .sm-card[data-claim-id='{second}']", timeout=10_000)
    watch.check()


@pytest.mark.parametrize("prefix", ["/maps", "/embed"])
def test_permalinks_open_the_right_claim(server: str, page: tuple[Any, Watch], prefix: str) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}{prefix}/all?claim=gc-strike")  # on 5 Dec; the map shows all dates
    wait_drawn(pg)
    wait_reader(pg)
    pg.wait_for_selector(".sm-popup .sm-card[data-claim-id=gc-strike]", timeout=10_000)
    link = pg.get_attribute(".sm-popup .sm-card[data-claim-id=gc-strike] .sm-permalink", "href")
    assert link.endswith("/maps/all?claim=gc-strike")  # every popup offers its own link
    # a day that does not show it moves to its day
    pg.goto(f"{server}{prefix}/all?datetime=2023-12-02&claim=gc-strike")
    wait_reader(pg)
    pg.wait_for_selector(".sm-popup .sm-card[data-claim-id=gc-strike]", timeout=10_000)
    assert "datetime=2023-12-05" in pg.url
    watch.check()


def test_phone_popups_are_a_bottom_sheet_and_the_credits_an_i_button(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto(f"{server}/maps/all?claim=unlocated")  # a claim without a place opens in the sheet
    wait_reader(pg)
    sheet = pg.locator(".sm-sheet")
    sheet.wait_for(state="visible", timeout=10_000)
    assert "Witnesses" in sheet.text_content()
    # its details are read as a drawn claim's are (they were not: no quote, counts or notes)
    pg.wait_for_selector(".sm-sheet .sm-detail :text('machine reading, not yet checked')", timeout=10_000)
    assert "Field Monitor" in sheet.text_content() and "version 1" in sheet.text_content()
    pg.click(".sm-sheet-close")
    pg.goto(f"{server}/maps/all?claim=ky-strike-1")
    wait_reader(pg)
    sheet.wait_for(state="visible", timeout=10_000)
    box = sheet.bounding_box()
    assert box["x"] == 0 and box["width"] == 390 and abs(box["y"] + box["height"] - 844) < 2  # docked at the bottom
    assert pg.locator(".leaflet-popup").count() == 0
    attribution = pg.locator(".leaflet-control-attribution")
    assert "sm-attr-closed" in attribution.get_attribute("class") and attribution.bounding_box()["width"] < 40
    pg.click(".sm-info")
    assert "OpenStreetMap" in attribution.text_content() and attribution.bounding_box()["width"] > 100
    watch.check()


def test_time_histogram_steps_through_days_with_claims_and_brushes_an_interval(
    server: str, page: tuple[Any, Watch]
) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?datetime=2023-12-02&event_type=airstrike")
    wait_reader(pg)
    pg.click(".sm-time button[aria-label='Next day with claims']")
    assert "datetime=2023-12-05" in pg.url and drawn(pg) == 1  # 3 and 4 Dec have no located air strike
    pg.goto(f"{server}/maps/all?datetime=2023-12-02")
    wait_reader(pg)
    pg.click(".sm-time button[aria-label='Previous day with claims']")
    assert "datetime=2023-12-01" in pg.url  # the month-long claim starts on 1 Dec
    hist = pg.locator(".sm-hist").bounding_box()
    y = hist["y"] + hist["height"] / 2
    pg.mouse.move(hist["x"] + 2, y)
    pg.mouse.down()
    pg.mouse.move(hist["x"] + hist["width"] - 2, y, steps=4)
    pg.mouse.up()
    assert ("datetime=" in pg.url and "%2F" in pg.url) or "/" in pg.url.split("datetime=")[1]
    assert drawn(pg) == 9  # every dated located claim of the whole span (the undated one has no day)
    watch.check()


def test_arabic_and_hebrew_readers_get_a_right_to_left_map_with_text_as_written(
    server: str, page: tuple[Any, Watch]
) -> None:
    from api.render.i18n import MESSAGES

    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?datetime=2023-12-06&lang=ar")
    wait_reader(pg)
    assert pg.evaluate("document.documentElement.dir") == "rtl"
    assert pg.evaluate("document.documentElement.lang") == "ar"
    assert pg.get_attribute(MAP, "dir") == "ltr"  # the map itself keeps west on the left
    assert MESSAGES["Claims in view"]["ar"] in pg.text_content(".sm-list-head")
    assert pg.text_content(".sm-legend summary") == MESSAGES["Legend"]["ar"]
    assert "ديسمبر" in pg.text_content(".sm-date")  # Babel's month name
    assert MESSAGES["{n} claims"]["ar"].format(n=3) in pg.text_content(".sm-status")  # the status line too
    # user text stays as written, each in its own isolate
    who = pg.eval_on_selector_all(".sm-list bdi", "els => els.map(e => e.textContent)")
    assert "</script><script>alert(2)</script>" in who
    snippet = pg.input_value("#sm-snippet")
    assert "lang=ar" in snippet  # the embed keeps the language
    pg.goto(f"{server}/embed/all", wait_until="commit")
    pg.set_extra_http_headers({"Accept-Language": "he-IL,he;q=0.9"})
    pg.goto(f"{server}/embed/all?datetime=2023-12-02")
    wait_reader(pg)
    assert pg.evaluate("document.documentElement.dir") == "rtl" and pg.evaluate("document.documentElement.lang") == "he"
    watch.check()


#: Text a page in Arabic or Hebrew may show in Latin letters: format names, codes, the project's name.
LATIN_ALLOWED = {"UTC", "PNG", "GeoJSON", "CSV", "GeoPackage", "GeoParquet", "KML", "iframe", "sitmap", "as_of"}

UNTRANSLATED = """(allowed) => {
  // user text (in a <bdi> or a dir=auto element), credits, basemap place labels, the scale's units,
  // the snippet to copy and select options (claimant and source names) are shown as written
  const skip = 'bdi, [dir=auto], script, style, noscript, textarea, code, option, .sm-label, ' +
    '.leaflet-control-attribution, .leaflet-control-scale';
  const out = [], seen = new Set();
  const note = (w, where) => {
    if (!allowed.includes(w) && !seen.has(w + where)) { seen.add(w + where); out.push(w + ' @ ' + where); }
  };
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest(skip)) continue;
    for (const w of n.textContent.match(/[A-Za-z][A-Za-z_]+/g) || []) note(w, p.className || p.tagName);
  }
  for (const e of document.querySelectorAll('[aria-label], [title], [alt]')) {
    if (e.closest(skip)) continue;
    for (const a of ['aria-label', 'title', 'alt']) {
      const own = (e.getAttribute(a) || '').replace(/\u2068[^\u2069]*\u2069/g, '');  // isolated user text
      for (const w of own.match(/[A-Za-z][A-Za-z_]+/g) || []) note(w, a);
    }
  }
  return out;
}"""


def untranslated(pg: Any) -> list[str]:
    return list(pg.evaluate(UNTRANSLATED, sorted(LATIN_ALLOWED)))


@pytest.mark.parametrize(("lang", "size"), [("ar", (390, 844)), ("he", (1280, 800))], ids=["ar-phone", "he-desktop"])
def test_no_english_is_left_on_a_map_in_arabic_or_hebrew(
    server: str, page: tuple[Any, Watch], lang: str, size: tuple[int, int]
) -> None:
    """Every word of sitmap's own on the page, its popups, sheets and controls is translated."""
    pg, watch = page
    pg.set_viewport_size({"width": size[0], "height": size[1]})
    where = ".sm-sheet" if size[0] < 600 else ".sm-popup"
    for code in ("en", lang):  # in English, the same walk finds sitmap's words: it can fail
        pg.goto(f"{server}/maps/all?layers=evacuation-orders&claim=ky-strike-1&lang={code}")
        wait_reader(pg)
        pg.wait_for_selector(f"{where} .sm-quote", timeout=10_000)  # the claim's details have arrived
        pg.evaluate("document.querySelector('.sm-legend').open = true")
        assert pg.locator(f"{where} .sm-card").count() == 1
        left = untranslated(pg)
        # the side-by-side table of the claims about the same event: every value in its own cell
        cells = pg.eval_on_selector_all(
            f"{where} .sm-cmp tr", "rows => rows.map(r => [...r.children].map(c => c.tagName))"
        )
        assert cells and all(row[0] == "TH" and row[1:] == ["TD", "TD"] for row in cells), cells
        if code == "en":
            assert {"Legend", "When", "Zoom", "Layers", "Filters"} <= {w.split(" @ ")[0] for w in left}, left
    assert left == []
    # an order's popup, a claim without a place, the grouped popup of all dates
    pg.evaluate(
        """(() => { const c = window.sitmapMaps[0], l = c.zoneLayers[0].getLayers()[0];
        c.openPopup(l.getBounds().getCenter(), c.zonePopup(l.feature)); })()"""
    )
    assert untranslated(pg) == []
    pg.evaluate("(() => { const c = window.sitmapMaps[0]; c.openUnplaced(c.unplaced[0][0], c.unplaced[0][1]); })()")
    assert untranslated(pg) == []
    # the embed with its caption, filtered
    pg.goto(f"{server}/embed/all?layers=evacuation-orders&claimant=IDF&order_type=evacuate&lang={lang}")
    wait_reader(pg)
    assert untranslated(pg) == []
    # the orders list
    pg.goto(f"{server}/orders?date=2023-12-02&lang={lang}")
    assert untranslated(pg) == []
    watch.check()


def test_order_types_filter_the_map_url_caption_downloads_and_snippet(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/maps/all?layers=evacuation-orders")
    wait_reader(pg)
    zones = int(pg.get_attribute(MAP, "data-drawn-zones"))
    claims = drawn(pg)
    evacuate = pg.evaluate(
        """window.sitmapMaps[0].zoneLayers[0].getLayers()
        .filter(l => l.feature.properties.order_type === 'evacuate' && l.feature.properties.status !== 'retracted')
        .length"""
    )
    assert 0 < evacuate < zones
    pg.click(".sm-leg-type[data-order-type=evacuate]")  # the legend filters orders as it filters claims
    assert int(pg.get_attribute(MAP, "data-drawn-zones")) == zones - evacuate and drawn(pg) == claims
    assert "order_type=return_allowed" in pg.url and "order_type=evacuate" not in pg.url
    assert pg.get_attribute(".sm-leg-type[data-order-type=evacuate]", "aria-checked") == "false"
    assert "Order type = Return allowed, Declared humanitarian zone" in pg.text_content(".sm-caption")
    hrefs = pg.eval_on_selector_all("a[data-sm-download]", "els => els.map(e => e.getAttribute('href'))")
    assert all(("order_type=" in h) == ("/evacuation-orders/" in h or ".png" in h) for h in hrefs), hrefs
    pg.click("#sm-copy")
    assert "order_type=return_allowed" in pg.input_value("#sm-snippet")  # the embed keeps the filter
    # the server narrows what a filtered URL asks for, and the status line no longer speaks of missing evacuations
    pg.goto(f"{server}/maps/evacuation-orders?order_type=evacuate")
    wait_reader(pg)
    assert int(pg.get_attribute(MAP, "data-drawn-zones")) == evacuate
    watch.check()


def test_phone_order_popups_are_a_bottom_sheet(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto(f"{server}/maps/evacuation-orders?datetime=2023-12-02")
    wait_reader(pg)
    xy = pg.evaluate(
        """(() => { const c = window.sitmapMaps[0];
        const l = c.zoneLayers[0].getLayers().find(l => c._zoneState(l.feature.properties) === 'active');
        const p = c.map.latLngToContainerPoint(l.getCenter ? l.getCenter() : l.getBounds().getCenter());
        return [p.x, p.y, l.feature.properties.id]; })()"""
    )
    box = pg.locator(MAP).bounding_box()
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    sheet = pg.locator(".sm-sheet")
    sheet.wait_for(state="visible", timeout=10_000)
    assert "Who says" in sheet.text_content() and "ordered this" in sheet.text_content()
    sb = sheet.bounding_box()
    assert sb["x"] == 0 and sb["width"] == 390 and abs(sb["y"] + sb["height"] - 844) < 2
    assert pg.locator(".leaflet-popup").count() == 0
    watch.check()


def test_the_map_says_when_a_days_record_of_orders_is_known_to_be_incomplete(
    server: str, page: tuple[Any, Watch]
) -> None:
    """The status line and the embed's caption say it, from the layer data's known gaps (injected here)."""
    import json

    pg, watch = page

    def with_gap(route: Any) -> None:
        data = route.fetch().json()
        data["known_gaps"] = [{"date": "2023-11-15", "order": "GazaMaps #105", "source": "GazaMaps", "url": ""}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(data))

    pg.route("**/maps/evacuation-orders/data.json*", with_gap)
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(f"{server}/embed/evacuation-orders?datetime=2023-12-02")
    wait_reader(pg)
    assert "record incomplete: 1 known order not drawn" in pg.text_content(".sm-status")
    assert "record incomplete: 1 known order not drawn" in pg.text_content(".sm-caption")
    pg.goto(f"{server}/embed/evacuation-orders?datetime=2023-11-10&lang=ar")  # before the order: nothing missing
    wait_reader(pg)
    assert "السجل ناقص" not in pg.text_content(".sm-caption") + pg.text_content(".sm-status")
    pg.goto(f"{server}/embed/evacuation-orders?datetime=2023-12-02&lang=ar")
    wait_reader(pg)
    assert "السجل ناقص: أمر واحد معروف غير مرسوم" in pg.text_content(".sm-caption")
    pg.goto(f"{server}/embed/evacuation-orders?datetime=2023-12-02&order_type=humanitarian_zone")
    wait_reader(pg)
    assert "record incomplete" not in pg.text_content(".sm-status")  # the gaps are evacuation orders
    watch.check()
