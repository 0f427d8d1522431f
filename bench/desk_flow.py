"""Review desk benchmark: from a pasted wire text to a checked claim on the public map, in a browser.

An editor in headless Chromium (Debian's ``/usr/bin/chromium``) signs in, pastes a
report, opens its first claim in the queue, accepts it with the ``a`` key, opens the
public map and waits until the claim's popup says "checked by an editor". Each step is
timed, and so is the whole walk; the baseline, measured in the same run against the
same server, is what the walk costs without a browser: ``POST /reports`` and a ``PATCH``
of the claim's ``review`` with a bearer token (the way an editor had to do it before the
desk). The issue's goal is the browser walk in under a minute; the human's reading and
typing time is not in these figures (the text is filled in at once).

Run: ``.venv/bin/python bench/desk_flow.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/api.py would shadow the api package when this runs as bench/desk_flow.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

TOKEN = "bench-editor-token-0001"
WIRE = (
    "An Israeli air strike hit a house in Khan Younis on Friday, killing 12 people, the Gaza health ministry "
    "said. Shelling was also reported near Beit Lahia, witnesses said. In Rafah, a drone strike killed two "
    "people, the civil defence said. Item {n}."
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def _serve(db: Path) -> tuple[str, Any]:
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(Settings(db=str(db), tokens=f"bench:{TOKEN}", rate_limit=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def browser_walk(base: str, browser: Any, n: int) -> dict[str, float]:
    """One editor's walk in a fresh browser context; seconds per step."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    times: dict[str, float] = {}
    start = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        times[name] = now - t
        t = now

    pg.goto(f"{base}/desk")
    pg.fill("#token", TOKEN)
    pg.keyboard.press("Enter")
    pg.wait_for_url(f"{base}/desk")
    lap("sign in")
    pg.goto(f"{base}/desk/reports/new")
    pg.fill("#text", WIRE.format(n=n))
    pg.fill("#published", "2023-12-02")
    pg.fill("#source_name", "Bench Wire")
    pg.click("button:has-text('Read and store')")
    pg.wait_for_selector("ol.claims li")
    lap("submit and see the claims")
    first = pg.locator("ol.claims li > a[href^='/desk/claims/']").first.get_attribute("href") or ""
    claim_id = first.rsplit("/", 1)[1]
    pg.goto(f"{base}/desk/queue?claim={claim_id}")
    pg.wait_for_selector("#accept")
    pg.keyboard.press("a")
    pg.wait_for_selector("text=Saved:")
    lap("accept in the queue")
    public = ctx.new_page()
    public.goto(f"{base}/maps/all?datetime=2023-12-01")
    public.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=60_000)
    lon, lat = public.evaluate(
        f"fetch('/collections/all/items/{claim_id}').then(r => r.json()).then(f => f.geometry.coordinates)"
    )
    public.evaluate(f"window.sitmapMaps[0].map.setView([{lat}, {lon}], 13, {{animate: false}})")
    box = public.locator(".folium-map").bounding_box()
    xy = public.evaluate(
        f"(() => {{ const p = window.sitmapMaps[0].map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    public.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    public.wait_for_selector(".sm-popup :text('checked by an editor')", timeout=30_000)
    lap("public map shows it checked")
    times["total"] = time.perf_counter() - start
    ctx.close()
    return times


def api_walk(base: str, n: int) -> float:
    """The baseline: the same report and acceptance through the bearer-token API."""
    import httpx

    auth = {"Authorization": f"Bearer {TOKEN}"}
    start = time.perf_counter()
    body = {"text": WIRE.format(n=n), "published": "2023-12-02", "source": "Bench Wire"}
    r = httpx.post(f"{base}/reports", json=body, headers=auth, timeout=60)
    claim = r.json()["features"][0]
    httpx.patch(
        f"{base}/claims/{claim['id']}",
        json={"review": "reviewed"},
        headers={**auth, "If-Match": f'"v{claim["properties"]["version"]}"'},
        timeout=60,
    ).raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    """Run the walks and print seconds per step, the total, and the ratio to the API baseline."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, server = _serve(Path(tmp) / "bench.gpkg")
        walks: list[dict[str, float]] = []
        apis: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            for i in range(args.runs):
                walks.append(browser_walk(base, browser, 2 * i))
                apis.append(api_walk(base, 2 * i + 1))
            browser.close()
        server.should_exit = True
    print(f"review desk walk, {args.runs} runs (median seconds; the first run includes cold caches)")
    for step in walks[0]:
        values = [w[step] for w in walks]
        print(f"  {step:<30} {statistics.median(values):6.2f}  (min {min(values):.2f}, max {max(values):.2f})")
    total, api = statistics.median(w["total"] for w in walks), statistics.median(apis)
    print(f"  baseline: POST /reports + PATCH review via the API  {api:6.2f}")
    print(f"  browser walk / API baseline: {total / api:.1f}x; goal: browser walk under 60 s -> {total:.1f} s")


if __name__ == "__main__":
    main()
