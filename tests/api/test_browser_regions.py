"""Region claims are never solid points (issue 14, item 6), checked in a real browser.

"Gaza Strip ± 24 km" says where something happened only to within the Strip: the map
draws its area outlined (hatched when it is at most city-sized) with a label and a
hollow dashed ring at its centre, never the solid symbol of a precise claim. The
assertions read the claims layer's own record of what it drew (``marks``: mark, area,
label per claim id), the canvas pixels at each claim's centre and the list's icons,
never timings. Views at 1280×800 and 390×844, unclustered and clustered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api import test_browser_maps as shared
from tests.api.test_browser_maps import Watch
from tests.api.threaded_app import serve_in_thread

browser = shared.browser
page = shared.page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_maps")]

MAP = "[data-sitmap]"
DAY = "2023-12-02"


def _claim(cid: str, place: str, lon: float, lat: float, radius: float, **unc: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "event_type": "airstrike",
        "claimant": "Gaza health ministry",
        "source": "Example Wire",
        "url": f"https://example.org/news/{cid}",
        "quote": f"A strike was reported in {place}.",
        "place_name": place,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "uncertainty": {"radius_m": radius, "geo_precision": 3 if radius > 5000 else 1, "where_prec": 3, **unc},
        "valid_from": f"{DAY}T00:00:00Z",
        "valid_to": f"{DAY}T23:59:59Z",
        "time_precision": "day",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live sitmap over three claims of one day: the whole Strip, a town-sized area, a precise strike."""
    from shapely.geometry import mapping

    from api.app import create_app
    from api.settings import Settings
    from geo.boundaries import gaza_strip
    from layers.model import ClaimRecord
    from layers.store import open_store

    strip = json.loads(json.dumps(mapping(gaza_strip())))
    claims = [
        _claim("gs-region", "Gaza Strip", 34.39, 31.42, 24_000, method="admin_fallback", region=strip),
        _claim("rf-area", "Rafah", 34.25, 31.29, 8_000, method="gazetteer"),
        _claim("ky-precise", "Khan Younis", 34.306, 31.346, 300, method="gazetteer"),
    ]
    path = tmp_path_factory.mktemp("regions") / "regions.gpkg"
    store = open_store(path)
    store.add_claims([ClaimRecord.model_validate(c) for c in claims])
    store.close()
    with serve_in_thread(create_app(Settings(db=str(path), tiles="none"))) as url:
        yield url


#: What the claims layer drew, and for each claim whether its centre is on screen and its centre pixel is painted.
STATE_JS = """
() => {
  const ctl = window.sitmapMaps[0], lyr = ctl.layers[0], size = ctl.map.getSize();
  const ctx = lyr._canvas.getContext('2d'), dpr = window.devicePixelRatio || 1, out = {};
  for (const h of lyr._hits) {
    if (h.i === undefined) continue;
    const id = lyr.set.data.ids[h.i], px = ctx.getImageData(Math.round(h.x * dpr), Math.round(h.y * dpr), 1, 1).data;
    out[id] = Object.assign({}, lyr.marks[id], {
      onScreen: h.x >= 0 && h.y >= 0 && h.x <= size.x && h.y <= size.y,
      centreAlpha: px[3],
    });
  }
  return { clustered: lyr.clustered, claims: out };
}
"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_region_claims_are_outlined_areas_with_a_label_never_solid_points(
    server: str, page: tuple[Any, Watch], width: int, height: int
) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": width, "height": height})
    pg.goto(f"{server}/maps/all?datetime={DAY}#10/31.38/34.36")
    pg.wait_for_selector(f"{MAP}[data-sitmap=drawn]", timeout=20_000)
    state = pg.evaluate(STATE_JS)
    assert not state["clustered"]
    claims = state["claims"]
    assert set(claims) == {"gs-region", "rf-area", "ky-precise"}
    assert all(c["onScreen"] for c in claims.values()), claims

    strip, town, precise = claims["gs-region"], claims["rf-area"], claims["ky-precise"]
    # the whole Strip: outlined (too wide to hatch), labelled with its place and radius, a hollow ring
    assert strip["mark"] == "region" and strip["area"] == "outlined"
    assert strip["label"] == "Gaza Strip ± 24 km"
    assert strip["centreAlpha"] == 0, "a region claim's centre must not be a solid point"
    # a town-sized area: hatched, and no solid point either
    assert town["mark"] == "region" and town["area"] == "hatched"
    assert town["centreAlpha"] < 128, "a hatched area is translucent, its centre no solid point"
    # the precise claim keeps its point symbol, painted solid at its centre
    assert precise["mark"] == "point" and precise["area"] == "filled" and precise["label"] is None
    assert precise["centreAlpha"] > 200

    # the list beside (or below) the map shows each claim with the same kind of mark
    pg.wait_for_selector(f"{MAP}[data-reader=ready]", timeout=20_000)
    pg.wait_for_selector("[data-claim-id='gs-region'] .sm-icon", timeout=10_000)
    icons = {
        cid: pg.get_attribute(f"[data-claim-id='{cid}'] .sm-icon", "data-mark")
        for cid in ("gs-region", "rf-area", "ky-precise")
    }
    assert icons == {"gs-region": "region", "rf-area": "region", "ky-precise": "point"}

    # clustered (as with thousands of claims): a region alone in its cell is still a ring, never a point
    state = pg.evaluate(
        """() => { const lyr = window.sitmapMaps[0].layers[0];
          lyr.options.clusterThreshold = 0; lyr.options.clusterMaxZoom = 99; lyr.redraw(); }"""
    )
    state = pg.evaluate(STATE_JS)
    assert state["clustered"]
    for cid, mark in state["claims"].items():
        assert mark["mark"] == ("point" if cid == "ky-precise" else "region"), (cid, mark)
        if cid != "ky-precise":
            assert mark["centreAlpha"] == 0, cid
    watch.check()
