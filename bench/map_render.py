"""Map rendering benchmark: sitmap's map page against folium's default inlined GeoJSON.

For 1,000, 10,000 and 100,000 synthetic claims spread over the Gaza Strip (Oct 2023 -
Mar 2024, day/week/month precisions, radii from 150 m to 12 km), in headless Chromium
(Debian's ``/usr/bin/chromium``):

- **sitmap**: ``/maps/all`` (``--page``) of a live server over a GeoPackage store; the page fetches
  ``/maps/all/data.json`` (compact columns) and draws claims, uncertainty and clusters
  on a canvas. Measured cold (first request builds the data) and warm (served from the
  payload cache, what every reader after the first sees).
- **folium default**: ``folium.GeoJson`` of the same claims as contract GeoJSON features
  inlined into the HTML (folium's CDN assets are answered from local copies, so the
  network is not measured).

Reports the page weight on the wire (the bodies of the document and of every resource it
loads, as sent with the Content-Encoding the browser asked for, summed from the Resource
Timing ``encodedBodySize``; the decoded total beside it), page HTML bytes, data bytes (raw
and gzip as sent), and the time from navigation start until the claims are first drawn
(the animation frame after the map container turns ``data-sitmap="drawn"``; cold: first
reader; warm: median of ``--runs``, default 7). Goal: 100,000 claims drawn in under 3 s with
page HTML under 1 MB.

``--baseline REF`` (default ``150c65d``, the commit before issue 14's reading aids and
basemap) measures the same page of that commit in the same run: its tree is taken with
``git archive``, its own code builds its store of the same claims and serves it (this
virtualenv, ``PYTHONPATH`` at the old tree), and warm loads alternate between the two
servers so a busy machine slows both alike. The table then gives the ratios now/baseline.
Issue 14 asks both to stay within 10 % (ratio <= 1.10) for ``/maps/all``.

Run: ``nice .venv/bin/python bench/map_render.py --sizes 1000,10000 --folium-max 0``
(``--page /embed/all`` for the embed, ``--baseline none`` to skip the old commit).
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

from liveserver import free_port

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
// sitmap: the first frame after the map says its claims are drawn (data-sitmap="drawn"), timed in
// the page itself (a MutationObserver, then the next animation frame), so what the page does
// after its first draw and the test driver's polling do not count, and any sitmap version is
// measured alike.
new MutationObserver((records, obs) => {
  for (const r of records) {
    if (r.target.getAttribute && r.target.getAttribute('data-sitmap') === 'drawn') {
      obs.disconnect();
      requestAnimationFrame(() => { window.__sitmapPainted = performance.now(); });
      return;
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-sitmap'] });
"""


#: Bytes of the last measured page: on the wire (encoded bodies) and decoded.
LAST_PAGE_BYTES: dict[str, int] = {"wire": 0, "decoded": 0}
#: The page weight as the browser counts it: the document and every resource it loaded.
PAGE_BYTES_JS = """
(() => {
  const es = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  return {
    wire: es.reduce((n, e) => n + (e.encodedBodySize || 0), 0),
    decoded: es.reduce((n, e) => n + (e.decodedBodySize || 0), 0),
  };
})()
"""


def measure(browser: Any, url: str, *, sitmap: bool) -> float | None:
    """Seconds from navigation start until the claims are first drawn (None on timeout).

    Each load has a new browser context (an empty cache, as a first visit).
    ``LAST_PAGE_BYTES`` then holds the page weight: every body the page loaded,
    counted once the network is idle (so what loads after the first draw, such as
    the basemap, counts too).
    """
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    import re

    LAST_PAGE_BYTES.update(wire=0, decoded=0)

    ctx.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), block_foreign)
    page.add_init_script(DRAWN_PROBE)
    try:
        page.goto(url, timeout=TIMEOUT_S * 1000, wait_until="commit")
        if sitmap:
            page.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=TIMEOUT_S * 1000)
            page.wait_for_function("window.__sitmapPainted !== undefined", timeout=TIMEOUT_S * 1000)
            ms = page.evaluate("window.__sitmapPainted")
            page.wait_for_load_state("networkidle", timeout=TIMEOUT_S * 1000)
            LAST_PAGE_BYTES.update({k: int(v) for k, v in page.evaluate(PAGE_BYTES_JS).items()})
        else:
            page.wait_for_function("window.__loadDrawn !== undefined", timeout=TIMEOUT_S * 1000)
            ms = page.evaluate("window.__loadDrawn")
        return float(ms) / 1000
    except Exception as exc:  # a timeout or a crashed tab is a result, not a failure of the bench
        print(f"    ({'sitmap' if sitmap else 'folium'} did not finish: {type(exc).__name__})", flush=True)
        return None
    finally:
        ctx.close()


def baseline_tree(ref: str, folder: Path) -> Path:
    """The tree of commit ``ref`` of this repository, unpacked into ``folder`` (``git archive``)."""
    import io
    import subprocess
    import tarfile

    tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        tf.extractall(folder, filter="data")
    return folder


#: Run in the old tree: its own code builds its store of the same claims (its schema, its bench's make_claims).
BASE_STORE_PY = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
import map_render
from layers.store import open_store
n, db = int(sys.argv[2]), sys.argv[3]
claims = map_render.make_claims(n)
store = open_store(db)
for i in range(0, n, 10_000):
    store.add_claims(claims[i : i + 10_000])
store.close()
"""


def median(xs: list[float | None]) -> float | None:
    """The median of the loads that finished (None when none did)."""
    ok = sorted(x for x in xs if x is not None)
    return ok[len(ok) // 2] if ok else None


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def fmt_s(t: float | None) -> str:
    return "timeout" if t is None else f"{t:.2f} s"


def run(
    sizes: list[int],
    folium_max: int | None = None,
    *,
    page: str = "/maps/all",
    baseline: str | None = None,
    runs: int = 7,
) -> list[dict[str, Any]]:
    import os
    import subprocess
    from contextlib import ExitStack

    import httpx
    from liveserver import start, stop
    from playwright.sync_api import sync_playwright

    from layers.store import open_store

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        base_dir = baseline_tree(baseline, Path(tmp) / "baseline") if baseline else None
        for n in sizes:
            print(f"== {n:,} claims", flush=True)
            t = time.perf_counter()
            claims = make_claims(n)
            db = str(Path(tmp) / f"bench-{n}.gpkg")
            store = open_store(db)
            for i in range(0, n, 10_000):
                store.add_claims(claims[i : i + 10_000])
            store.close()
            servers: dict[str, str] = {}
            env = {**SERVER_ENV, "SITMAP_RATE_LIMIT": "false"}
            with ExitStack() as stack:
                if base_dir is not None:
                    base_db = str(Path(tmp) / f"base-{n}.gpkg")
                    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                    subprocess.run(
                        [sys.executable, "-c", BASE_STORE_PY, str(base_dir), str(n), base_db], check=True, env=clean
                    )
                    proc, servers["base"] = start(
                        base_db, Path(tmp) / f"base-{n}.log", env={**env, "PYTHONPATH": str(base_dir)}
                    )
                    stack.callback(stop, proc)
                proc, servers["now"] = start(db, Path(tmp) / f"serve-{n}.log", env=env)
                stack.callback(stop, proc)
                print(f"   data generated and stored in {time.perf_counter() - t:.1f} s", flush=True)
                row: dict[str, Any] = {"claims": n}
                warm: dict[str, list[float | None]] = {k: [] for k in servers}
                for who, url in servers.items():
                    row[f"{who}_cold_s"] = measure(browser, url + page, sitmap=True)
                for _ in range(runs):  # alternate, so load on the machine hits both alike
                    for who, url in servers.items():
                        warm[who].append(measure(browser, url + page, sitmap=True))
                        row[f"{who}_wire"] = LAST_PAGE_BYTES["wire"]
                        row[f"{who}_decoded"] = LAST_PAGE_BYTES["decoded"]
                for who in servers:
                    row[f"{who}_warm_s"] = median(warm[who])
                url = servers["now"]
                row["sitmap_html"] = len(httpx.get(url + page, timeout=60).content)
                row["sitmap_data"] = len(httpx.get(f"{url}/maps/all/data.json", timeout=120).content)
                gz = httpx.get(
                    f"{url}/maps/all/data.json", headers={"Accept-Encoding": "gzip"}, timeout=120
                ).headers.get("content-length")
                row["sitmap_data_gzip"] = int(gz) if gz else None
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


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as text, '-' when either is missing."""
    return "-" if a is None or not b else f"{a / b:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated claim counts")
    parser.add_argument("--folium-max", type=int, default=None, help="skip the folium page above this many claims")
    parser.add_argument("--page", default="/maps/all", help="the sitmap page to load (default /maps/all)")
    parser.add_argument("--runs", type=int, default=7, help="warm loads of each page (median reported)")
    parser.add_argument("--baseline", default="150c65d", help="commit measured in the same run ('none' to skip)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    baseline = None if args.baseline.lower() == "none" else args.baseline
    rows = run(sizes, args.folium_max, page=args.page, baseline=baseline, runs=args.runs)
    print()
    print(f"sitmap {args.page}; page weight = bodies on the wire (decoded in brackets); drawn = first draw of claims")
    print(
        f"{'claims':>8} | {'page weight':>20} | {'drawn cold':>10} | {'drawn warm':>10} |"
        f" {'sitmap data (gzip)':>21} | {'folium HTML (gzip)':>21} | {'folium drawn':>12}"
    )
    for r in rows:
        for who in ("base", "now"):
            if f"{who}_wire" not in r:
                continue
            label = f"{r['claims']:,}" if who == "now" else f"{baseline}"
            weight = f"{fmt_bytes(r[f'{who}_wire'])} ({fmt_bytes(r[f'{who}_decoded'])})"
            print(
                f"{label:>8} | {weight:>20} | {fmt_s(r[f'{who}_cold_s']):>10} | {fmt_s(r[f'{who}_warm_s']):>10} |"
                + (
                    f" {fmt_bytes(r['sitmap_data']) + ' (' + fmt_bytes(r['sitmap_data_gzip']) + ')':>21} |"
                    f" {fmt_bytes(r['folium_html']) + ' (' + fmt_bytes(r['folium_gzip']) + ')':>21} |"
                    f" {fmt_s(r['folium_s']) if r['folium_html'] is not None else 'skipped':>12}"
                    if who == "now"
                    else ""
                )
            )
        if "base_wire" in r:
            weights = f"{ratio(r['now_wire'], r['base_wire'])} ({ratio(r['now_decoded'], r['base_decoded'])})"
            print(
                f"{'ratio':>8} | {weights:>20} |"
                f" {ratio(r['now_cold_s'], r['base_cold_s']):>10} | {ratio(r['now_warm_s'], r['base_warm_s']):>10} |"
            )


if __name__ == "__main__":
    main()
