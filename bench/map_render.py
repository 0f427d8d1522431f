"""Map rendering benchmark: sitmap's map page against folium's default inlined GeoJSON.

For 1,000, 10,000 and 100,000 synthetic claims spread over the Gaza Strip (Oct 2023 -
Mar 2024, day/week/month precisions, radii from 150 m to 12 km), in headless Chromium
(Debian's ``/usr/bin/chromium``):

- **sitmap**: ``/embed/all`` of a live server over a GeoPackage store; the page fetches
  ``/maps/all/data.json`` (compact columns) and draws claims, uncertainty and clusters
  on a canvas. Measured cold (first request builds the data) and warm (served from the
  payload cache, what every reader after the first sees).
- **folium default**: ``folium.GeoJson`` of the same claims as contract GeoJSON features
  inlined into the HTML (folium's CDN assets are answered from local copies, so the
  network is not measured).

Reports the page weight (decoded bodies of the document and every resource it loaded
until drawn: scripts, styles, data, boundaries, basemap), page HTML bytes, data bytes
(raw and gzip as sent), and the time from navigation start until the layers are drawn
(cold: first reader; warm: median of three). Goal: 100,000 claims drawn in under 3 s with page HTML
under 1 MB. Run: ``.venv/bin/python bench/map_render.py [--sizes 1000,10000,100000]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from liveserver import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_S = 180
#: The live server's settings: no basemap tiles, and room for 100,000 claims in one data request.
SERVER_ENV = {"SITMAP_TILES": "none", "SITMAP_MAX_LIMIT": "100000"}


def make_claims(n: int, seed: int = 7) -> list[Any]:
    """``n`` valid claims at random points inside the Gaza Strip, with varied uncertainty."""
    import shapely
    from shapely.geometry import Point

    from geo.boundaries import gaza_strip
    from geo.model import Uncertainty
    from layers.model import ClaimRecord

    rng = random.Random(seed)
    strip = gaza_strip()
    shapely.prepare(strip)
    minx, miny, maxx, maxy = strip.bounds
    types = ["airstrike"] * 5 + ["shelling"] * 2 + ["ground_operation", "shooting", "rocket_launch"]
    claimants = ["Gaza health ministry", "Israeli military", "Witnesses", "Civil defence", "UNRWA", "WAFA"]
    sources = ["Example Wire", "Daily Example", "Field Monitor", "Regional Desk"]
    places = ["Khan Younis", "Gaza City", "Rafah", "Deir al-Balah", "Jabalia", "Nuseirat", "Beit Lahia"]
    t0 = datetime(2023, 10, 7, tzinfo=UTC)
    out = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not strip.contains(Point(x, y)):
            continue
        radius = min(12_000.0, 150 * 10 ** rng.uniform(0, 1.9))
        gp, wp = (1, 2) if radius <= 2000 else (2, 3) if radius <= 15000 else (3, 4)
        day = t0 + timedelta(days=rng.randrange(176))
        kind = rng.random()
        prec, span = ("day", 1) if kind < 0.8 else ("week", 7) if kind < 0.95 else ("month", 30)
        i = len(out)
        out.append(
            ClaimRecord(
                id=f"bench-{i}",
                event_type=rng.choice(types),
                claimant=rng.choice(claimants),
                source=rng.choice(sources),
                url=f"https://example.org/report/{i}",
                quote="A short paraphrase of what the claimant said about the event, written for this benchmark.",
                place_name=rng.choice(places),
                geometry=Point(round(x, 5), round(y, 5)),
                uncertainty=Uncertainty(radius_m=radius, geo_precision=gp, where_prec=wp, method="gazetteer"),
                valid_from=day,
                valid_to=day + timedelta(days=span) - timedelta(microseconds=1),
                time_precision=prec,
            )
        )
    return out


class StaticServer:
    """Serves a folder on another local port (for the folium pages)."""

    def __init__(self, folder: Path) -> None:
        class Quiet(SimpleHTTPRequestHandler):
            def __init__(self, *a: Any, **kw: Any) -> None:
                super().__init__(*a, directory=str(folder), **kw)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()


def folium_default_html(claims: list[Any]) -> str:
    """What a folium user writes: the claims' GeoJSON inlined with ``folium.GeoJson``."""
    import folium

    from layers.export import claim_feature, feature_collection

    m = folium.Map(location=(31.42, 34.38), zoom_start=11, tiles=None)
    folium.GeoJson(feature_collection(claim_feature(c) for c in claims), name="claims").add_to(m)
    return m.get_root().render()


def localise_folium(html: str, folder: Path) -> str:
    """Point folium's CDN Leaflet at a local copy in ``folder`` and drop the CDN plugins a GeoJson layer does not use.

    So the folium page is measured without any network, like sitmap's: jQuery, Bootstrap and
    awesome-markers are not needed to draw ``folium.GeoJson``.
    """
    import re
    import shutil

    from api.render.assets import resolve_asset

    src = resolve_asset("leaflet/leaflet.js").path.parent
    shutil.copytree(src, folder / "leaflet", dirs_exist_ok=True)
    html = re.sub(r"https://cdn\.jsdelivr\.net/npm/leaflet@[0-9.]+/dist/", "./leaflet/", html)
    html = re.sub(r'<script src="https?://[^"]+"></script>', "", html)
    return re.sub(r'<link rel="stylesheet" href="https?://[^"]+"/>', "", html)


def block_foreign(route: Any) -> None:
    """Refuse every request to a host other than 127.0.0.1 (there should be none)."""
    print(f"    blocked {route.request.url}", flush=True)
    route.abort()


DRAWN_PROBE = """
window.addEventListener('load', () => requestAnimationFrame(() => requestAnimationFrame(() => {
  window.__loadDrawn = performance.now();
})));
"""


#: Bytes of every response body the last measured page loaded (HTML, scripts, styles, data, basemap).
LAST_PAGE_BYTES: list[int] = [0]
#: The page weight as the browser counts it: decoded body sizes of the document and every resource.
PAGE_BYTES_JS = """
performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .reduce((n, e) => n + (e.decodedBodySize || 0), 0)
"""


def measure(browser: Any, url: str, *, sitmap: bool) -> float | None:
    """Seconds from navigation start until the layers are drawn (None on timeout).

    ``LAST_PAGE_BYTES[0]`` then holds the page weight: every response body it loaded
    until drawn (uncompressed).
    """
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    import re

    LAST_PAGE_BYTES[0] = 0

    ctx.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), block_foreign)
    page.add_init_script(DRAWN_PROBE)
    try:
        page.goto(url, timeout=TIMEOUT_S * 1000, wait_until="commit")
        if sitmap:
            page.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=TIMEOUT_S * 1000)
            page.wait_for_function("window.sitmapDrawnAt !== undefined", timeout=TIMEOUT_S * 1000)
            ms = page.evaluate(
                "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
            )
            LAST_PAGE_BYTES[0] = int(page.evaluate(PAGE_BYTES_JS))
        else:
            page.wait_for_function("window.__loadDrawn !== undefined", timeout=TIMEOUT_S * 1000)
            ms = page.evaluate("window.__loadDrawn")
        return float(ms) / 1000
    except Exception as exc:  # a timeout or a crashed tab is a result, not a failure of the bench
        print(f"    ({'sitmap' if sitmap else 'folium'} did not finish: {type(exc).__name__})", flush=True)
        return None
    finally:
        ctx.close()


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def fmt_s(t: float | None) -> str:
    return "timeout" if t is None else f"{t:.2f} s"


def run(sizes: list[int], folium_max: int | None = None) -> list[dict[str, Any]]:
    import httpx
    from playwright.sync_api import sync_playwright

    from layers.store import open_store

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for n in sizes:
            print(f"== {n:,} claims", flush=True)
            t = time.perf_counter()
            claims = make_claims(n)
            db = str(Path(tmp) / f"bench-{n}.gpkg")
            store = open_store(db)
            for i in range(0, n, 10_000):
                store.add_claims(claims[i : i + 10_000])
            store.close()
            print(f"   data generated and stored in {time.perf_counter() - t:.1f} s", flush=True)
            # its own process, so the browser driver never shares a GIL with it; no basemap
            with serving(db, Path(tmp) / f"serve-{n}.log", env=SERVER_ENV) as (_, url):
                page_url = f"{url}/embed/all"
                cold = measure(browser, page_url, sitmap=True)
                warm = [measure(browser, page_url, sitmap=True) for _ in range(3)]
                weight = LAST_PAGE_BYTES[0]
                warm_t = sorted(w for w in warm if w is not None)[1] if all(w is not None for w in warm) else None
                html = httpx.get(page_url, timeout=60).content
                raw = httpx.get(f"{url}/maps/all/data.json", timeout=120).content
                gz = httpx.get(
                    f"{url}/maps/all/data.json", headers={"Accept-Encoding": "gzip"}, timeout=120
                ).headers.get("content-length")
            row: dict[str, Any] = {
                "claims": n,
                "sitmap_html": len(html),
                "sitmap_data": len(raw),
                "sitmap_data_gzip": int(gz) if gz else None,
                "sitmap_cold_s": cold,
                "sitmap_warm_s": warm_t,
                "sitmap_page_bytes": weight,
            }
            print("   sitmap " + json.dumps(row), flush=True)
            row.update(folium_html=None, folium_gzip=None, folium_build_s=None, folium_s=None)
            if folium_max is None or n <= folium_max:
                folder = Path(tmp) / f"folium-{n}"
                folder.mkdir()
                t = time.perf_counter()
                fhtml = folium_default_html(claims)
                (folder / "index.html").write_text(localise_folium(fhtml, folder), encoding="utf-8")
                row["folium_build_s"] = time.perf_counter() - t
                row["folium_html"] = len(fhtml.encode())
                row["folium_gzip"] = len(gzip.compress(fhtml.encode(), 5))
                static = StaticServer(folder)
                try:
                    row["folium_s"] = measure(browser, f"{static.url}/index.html", sitmap=False)
                finally:
                    static.stop()
            rows.append(row)
            print("   " + json.dumps(row), flush=True)
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated claim counts")
    parser.add_argument("--folium-max", type=int, default=None, help="skip the folium page above this many claims")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = run(sizes, args.folium_max)
    print()
    print(
        f"{'claims':>8} | {'page weight':>11} | {'sitmap HTML':>11} |"
        f" {'sitmap data (gzip)':>21} | {'drawn cold':>10} | {'drawn warm':>10} |"
        f" {'folium HTML (gzip)':>21} | {'folium drawn':>12}"
    )
    for r in rows:
        print(
            f"{r['claims']:>8,} | {fmt_bytes(r['sitmap_page_bytes']):>11} | {fmt_bytes(r['sitmap_html']):>11} |"
            f" {fmt_bytes(r['sitmap_data']) + ' (' + fmt_bytes(r['sitmap_data_gzip']) + ')':>21} |"
            f" {fmt_s(r['sitmap_cold_s']):>10} | {fmt_s(r['sitmap_warm_s']):>10} |"
            f" {fmt_bytes(r['folium_html']) + ' (' + fmt_bytes(r['folium_gzip']) + ')':>21} |"
            f" {fmt_s(r['folium_s']) if r['folium_html'] is not None else 'skipped':>12}"
        )


if __name__ == "__main__":
    main()
