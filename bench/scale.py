"""Scale benchmark: a million synthetic claims in PostGIS, vector tiles, workers and nginx.

Grows a fresh schema of a dedicated PostGIS database (``--pg``; created with PostGIS if
missing, the schema dropped at the end) through ``--sizes`` (default 100,000 then
1,000,000 claims, the generator of ``bench/store.py`` in chunks) and, at each size:

- **import**: seconds and claims/s for the claims added (``store.add_claims`` in
  batches of 10,000, then ``VACUUM ANALYZE`` as autovacuum would);
- **items**: the six queries of ``bench/api.py`` against a fresh ``sitmap serve`` with
  its response cache off: the first (cold) answer, then the p50 of five more;
- **tiles**: p50/p95 ms and mean size of vector tiles at z8, z12 and z16 (tiles over
  the synthetic area, each computed, none from a cache);
- **opening view**: the vector tiles of the map's opening view of ``all`` (the tiles
  over the data's bbox at the zoom a 1280x800 window fits it to), their gzipped bytes
  and the wall time to fetch them six at a time, as a browser does; with
  ``--browser``, the map page's time to first draw in headless Chromium.

At the last size, for each of ``--workers`` (1, 2, 4): that many ``sitmap serve``
processes on one store, and ``wrk`` (Debian's package) with ``--connections`` (64)
for ``--seconds`` (60) on an ``as_of`` embed, once straight at the workers (spread
over them) and once through nginx with ``deploy/nginx/sitmap.conf``: requests/s,
per-worker requests/s, errors (non-2xx/3xx and socket errors) and nginx's cache hit
ratio (from its access log). Then prints how each figure grew from the first size
to the last, and the machine's load average before and after. Figures only.

    .venv/bin/python bench/scale.py [--pg postgresql://postgres@127.0.0.1:5432/sitmap_bench]
        [--sizes 100000,1000000] [--workers 1,2,4] [--seconds 60] [--connections 64] [--browser]

Measured 2026-12-07 (defaults, no ``--browser``; the shared 2-core machine at load average
14 rising to 42): import 830 claims/s to 100,000, 2,220 claims/s to 1,000,000; warm items
p50 at 100k -> 1M: limit=100 147 -> 108 ms, bbox 84 -> 986 ms, one day 20 -> 208 ms, bbox +
day 39 -> 146 ms, by id 29 -> 7 ms, limit=10000 2.5 -> 5.0 s; tile p50 z8 1.7 -> 9.8 s, z12
199 ms -> 1.8 s, z16 11 -> 29 ms; opening view 12 tiles, 0.30 -> 0.26 MB gzipped, 2.3 ->
12.8 s uncached; as-of embed direct vs nginx at 1M: 1 worker 23 vs 5,309 r/s, 2 workers
44 vs 7,554, 4 workers 48 vs 6,033, 0 errors, hit ratio 1.0000 (README, "Scaling out").

    .venv/bin/python bench/scale.py --tiles-only --sizes 100000 --keep DIR [--baseline OLD/sitmap]
    .venv/bin/python bench/scale.py --map-only --sizes 100000,1000000 --sql-fill --keep DIR

    .venv/bin/python bench/scale.py --items-only --sizes 100000,1000000 [--baseline CMD] [--ports 18600-18699]
    .venv/bin/python bench/scale.py --write-view --sizes 100000,1000000 --rounds 3 [--baseline CMD]

``--items-only``: the items queries cold at every size in one run (:func:`items_only`);
``--write-view``: the map's opening view right after a write against the same view
unwritten, and the writes' own time (:func:`write_view`); both keep a schema per size
(named ``--schema``, an underscore and the size) for the next run. ``--tiles-only``: tile
p50/p95 of ``all`` and ``incidents`` on both stores (with
``--baseline``, the code before and this code back to back); ``--map-only``: the map
page's first draw and bytes in Chromium and the opening view's uncached tiles, PostGIS
grown in SQL past the first size. Figures of 7 Dec 2026 in the README, "Scaling out".
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after sitmap's packages: bench/layers.py must not shadow layers/

import liveserver  # noqa: E402

from tests.api.test_deploy_nginx import main_config, site_config  # noqa: E402  (the shipped nginx file, pointed here)


def _bench_script(name: str) -> dict[str, Any]:
    """The globals of a sibling bench script (``bench/`` is not a package, and its layers.py shadows sitmap's)."""
    import runpy

    return runpy.run_path(str(ROOT / "bench" / f"{name}.py"), run_name=f"bench_{name}")


DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/sitmap_bench"
R_CLAIMS = "claim_versions"
#: Claims in the batch write of --write-view (an importer's batch).
BATCH = 10_000
SITMAP = str(ROOT / ".venv" / "bin" / "sitmap")
#: The six queries of bench/api.py (its own list, so both benchmarks time the same requests).
QUERIES: list[tuple[str, str]] = _bench_script("api")["QUERIES"]
TILE_ZOOMS = (8, 12, 16)
TILES_PER_ZOOM = 24
#: Tiles of the incidents collection timed per zoom in --tiles-only (each may corroborate a whole tile).
INCIDENT_TILES_PER_ZOOM = 6
#: A tile request slower than this counts as "over the timeout" (inf ms) instead of failing the run.
TILE_TIMEOUT_S = 120.0
CHUNK = 20_000
#: Rows per write of ``sitmap import`` (``layers.importers.common.DEFAULT_BATCH_SIZE``), which
#: :func:`synthesize` copies: the PostGIS store writes each such batch in the items' order.
IMPORT_BATCH = 5000
GEOJSON = {"Accept": "application/geo+json", "Accept-Encoding": "identity"}


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min, {os.cpu_count()} cores)"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))] if s else float("nan")


# --------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark database with PostGIS if it is missing."""
    import psycopg
    from psycopg import conninfo, sql

    dbname = str(conninfo.conninfo_to_dict(url).get("dbname") or "postgres")
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def grow(url: str, have: int, want: int) -> float:
    """Add claims ``have`` .. ``want`` - 1 to the store; seconds taken (generation excluded)."""
    from layers.store import open_store

    gen = _bench_script("store")["synthetic_claims"]
    store = open_store(url)
    spent = 0.0
    try:
        for start in range(have, want, CHUNK):
            claims = gen(min(CHUNK, want - start), seed=start, start=start)
            t0 = time.perf_counter()
            for i in range(0, len(claims), 10_000):
                store.add_claims(claims[i : i + 10_000], recorded_by="bench:scale")
            spent += time.perf_counter() - t0
            print(f"  {start + len(claims):>9,} claims, {spent:6.0f} s", end="\r", flush=True)
    finally:
        store.close()
    print()
    return spent


#: The claim columns a SQL-synthesized claim copies from its template as they are.
_COPIED = (
    "event_type, status, review, claimant, source, url, quote, place_text, place_name, gazetteer_id, "
    "placement_method, uncertainty_m, geo_precision, where_prec, time_precision, fatalities, fatalities_low, "
    "fatalities_high, injured, injured_low, injured_high, targets, confidence, block_ids, report_id, notes, "
    "recorded_by, uncertainty_json, region, placement_json, counts_json"
)


def synthesize(db: str, have: int, want: int, batch: int = 100_000) -> float:
    """Grow a PostGIS store from ``have`` to ``want`` claims in SQL (``--sql-fill``); seconds taken.

    Claim ``c-<k>`` (k from ``have`` on) copies the popup, uncertainty and source columns
    of current claim ``k mod have`` (itself imported through ``store.add_claims``, so
    every copied value is one sitmap wrote), at a new uniformly random point of
    ``bench/store.py``'s bbox and a random day of its time span (same duration), recorded
    now. Rows are written as ``sitmap import`` writes them: in batches of
    :data:`IMPORT_BATCH`, each in (valid_from, id) order (the PostGIS store sorts a COPY
    batch so). 900,000 claims took 192 s (4,700 claims/s, at load average 13), about twice the
    importer's rate here and no Python per claim; what is measured afterwards is the store,
    not the import.
    """
    import psycopg

    store = _bench_script("store")
    x0, y0, x1, y1 = store["BBOX"]
    days = (store["END"] - store["START"]).days
    start = store["START"].strftime("%Y-%m-%d")
    t0 = time.perf_counter()
    with psycopg.connect(db, autocommit=True) as conn:
        for lo in range(have, want, batch):
            hi = min(want, lo + batch) - 1
            conn.execute(
                f"""
                WITH t AS (
                    SELECT *, row_number() OVER (ORDER BY fid) - 1 AS rn
                    FROM claim_versions WHERE superseded_at IS NULL
                )
                INSERT INTO claim_versions (geom, id, version, valid_from, valid_to, recorded_at, {_COPIED})
                SELECT ST_SetSRID(ST_MakePoint(%(x0)s + random() * %(dx)s, %(y0)s + random() * %(dy)s), 4326),
                       'c-' || lpad(g.k::text, 7, '0'), 1, d.day, d.day + (t.valid_to - t.valid_from), now(),
                       {", ".join("t." + c.strip() for c in _COPIED.split(","))}
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g(k)
                JOIN t ON t.rn = g.k %% %(have)s
                CROSS JOIN LATERAL (  -- one random day per claim (the g.k term keeps it per row)
                    SELECT %(start)s::timestamptz + floor(random() * %(days)s + g.k * 0) * interval '1 day' AS day
                ) d
                ORDER BY g.k / %(chunk)s, d.day, g.k  -- as the importer's COPY writes each batch
                """,
                {"x0": x0, "dx": x1 - x0, "y0": y0, "dy": y1 - y0, "lo": lo, "hi": hi, "have": have}
                | {"start": start, "days": days, "chunk": IMPORT_BATCH},
            )
            print(f"  {hi + 1:>9,} claims, {time.perf_counter() - t0:6.0f} s (SQL)", end="\r", flush=True)
    print()
    return time.perf_counter() - t0


def vacuum(base: str, schema: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'VACUUM (ANALYZE) "{schema}".claim_versions')
    return time.perf_counter() - t0


# --------------------------------------------------------------------------------------
# Service measurements
# --------------------------------------------------------------------------------------


def items(base: str, n: int) -> dict[str, tuple[float, float]]:
    """Per query: (cold ms, warm p50 ms)."""
    out = {}
    with httpx.Client(base_url=base, timeout=300, headers=GEOJSON) as client:
        for name, path in QUERIES:
            path = path.format(mid_id=f"c-{n // 2:07d}")
            t0 = time.perf_counter()
            r = client.get(path)
            cold = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            warm = []
            for _ in range(5):
                t0 = time.perf_counter()
                client.get(path).raise_for_status()
                warm.append((time.perf_counter() - t0) * 1000)
            out[name] = (cold, statistics.median(warm))
    return out


def tile_index(lon: float, lat: float, z: int) -> tuple[int, int]:
    """(col, row) of the WebMercatorQuad tile holding a point."""
    n = 1 << z
    col = int((lon + 180.0) / 360.0 * n)
    row = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(n - 1, max(0, col)), min(n - 1, max(0, row))


def tiles_over(bbox: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    c0, r1 = tile_index(bbox[0], bbox[1], z)
    c1, r0 = tile_index(bbox[2], bbox[3], z)
    return [(z, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def fit_zoom(bbox: tuple[float, float, float, float], width: int = 1280, height: int = 800) -> int:
    """The zoom Leaflet's fitBounds picks for ``bbox`` in a window of that size (256 px tiles)."""
    for z in range(22, -1, -1):
        n = 1 << z
        x0 = (bbox[0] + 180) / 360 * n * 256
        x1 = (bbox[2] + 180) / 360 * n * 256

        def y(lat: float) -> float:
            return (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * 256

        if x1 - x0 <= width and y(bbox[1]) - y(bbox[3]) <= height:
            return z
    return 0


def tiles(
    base: str, bbox: tuple[float, float, float, float], collection: str = "all", per_zoom: int = TILES_PER_ZOOM
) -> dict[int, tuple[float, float, float, int]]:
    """Per zoom: (p50 ms, p95 ms, mean bytes, tiles timed) of ``collection``'s tiles (a fixed random pick)."""
    rng = random.Random(11)
    out = {}
    with httpx.Client(base_url=base, timeout=TILE_TIMEOUT_S, headers={"Accept-Encoding": "identity"}) as client:
        for z in TILE_ZOOMS:
            cand = tiles_over(bbox, z)
            pick = cand if len(cand) <= per_zoom else rng.sample(cand, per_zoom)
            times, sizes = [], []
            for zz, row, col in pick:
                t0 = time.perf_counter()
                try:
                    r = client.get(f"/collections/{collection}/tiles/WebMercatorQuad/{zz}/{col}/{row}")
                except httpx.TimeoutException:  # a figure ("over the timeout"), not a crash
                    times.append(float("inf"))
                    continue
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code in (200, 204), (zz, row, col, r.status_code, r.text[:300])
                sizes.append(len(r.content))
            out[z] = (pct(times, 0.5), pct(times, 0.95), statistics.mean(sizes) if sizes else 0.0, len(pick))
    return out


def opening_view(base: str, bbox: tuple[float, float, float, float]) -> tuple[int, int, int, float]:
    """(zoom, tiles, gzipped bytes, seconds to fetch them six at a time) for the map's opening view."""
    z = fit_zoom(bbox)
    want = tiles_over(bbox, z)
    with httpx.Client(base_url=base, timeout=300, headers={"Accept-Encoding": "gzip"}) as client:

        def one(t: tuple[int, int, int]) -> int:
            r = client.get(f"/collections/all/tiles/WebMercatorQuad/{t[0]}/{t[2]}/{t[1]}")
            assert r.status_code in (200, 204), r.text[:300]
            return int(r.headers.get("content-length") or len(r.content))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(6) as pool:
            sizes = list(pool.map(one, want))
        spent = time.perf_counter() - t0
    return z, len(want), sum(sizes), spent


def first_draw(base: str) -> tuple[float | None, float | None]:
    """Seconds to the map page's first draw (cold, then warm) in headless Chromium; None if not drawn."""
    (cold, _, _), (warm, _, _) = page_loads(base)
    return cold, warm


def _is_data(url: str) -> bool:
    """Whether a response is the page's data (claims, tiles, basemap, layer JSON) rather than its code or style."""
    path = url.split("?", 1)[0]
    return "/tiles/" in path or path.endswith(".json") or "/collections/" in path


def page_loads(base: str, path: str = "/maps/all", loads: int = 2) -> list[tuple[float | None, int, int]]:
    """(seconds to first draw or None, data bytes, all bytes) of ``loads`` loads of a map page in headless Chromium.

    Each load is a fresh browser context (nothing in the browser's cache): the first
    meets a server that has answered nothing yet (cold), the next ones a server that
    has (warm: its response cache and the store's pages). Bytes are as transferred
    (gzipped where the server compressed), counted from Chromium's network events up
    to the draw; data bytes are the tiles and JSON of :func:`_is_data`.
    """
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    args += ["--disable-sync", "--no-first-run"]
    out: list[tuple[float | None, int, int]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                urls: dict[str, str] = {}
                done: dict[str, int] = {}
                cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
                cdp.on("Network.loadingFinished", lambda e: done.__setitem__(e["requestId"], e["encodedDataLength"]))
                t0 = time.perf_counter()
                spent: float | None
                try:
                    page.goto(f"{base}{path}", wait_until="commit")
                    page.wait_for_selector(".folium-map[data-sitmap=drawn]", timeout=120_000)
                    spent = time.perf_counter() - t0
                except Exception:  # a timeout is a figure ("not drawn"), not a crash
                    spent = None
                data = sum(n for rid, n in done.items() if _is_data(urls.get(rid, "")))
                out.append((spent, data, sum(done.values())))
                context.close()
        finally:
            browser.close()
    return out


# --------------------------------------------------------------------------------------
# Workers, nginx, wrk
# --------------------------------------------------------------------------------------


def start_workers(db: str, k: int, folder: Path) -> list[tuple[subprocess.Popen[bytes], str]]:
    env = {"SITMAP_RATE_LIMIT": "false", "SITMAP_MAX_LIMIT": "10000"}
    return [liveserver.start(db, folder / f"worker-{i}.log", env=env, sitmap=SITMAP) for i in range(k)]


def start_nginx(ports: list[int], folder: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix = folder / "nginx"
    prefix.mkdir(exist_ok=True)
    listen = liveserver.free_port()
    site = prefix / "sitmap.conf"
    site.write_text(site_config(ports, listen, prefix / "cache"))
    conf = prefix / "nginx.conf"
    text = main_config(prefix, site).replace("worker_processes 1;", "worker_processes 2;")
    text = text.replace("worker_connections 256;", "worker_connections 4096;")
    log = prefix / "access.log"
    fmt = "log_format cache '$upstream_cache_status $status';"
    text = text.replace(f"access_log {log};", f"{fmt}\n    access_log {log} cache;")
    conf.write_text(text)
    cmd = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{listen}"
    for _ in range(100):
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("nginx did not start")


def wrk(urls: list[str], seconds: int, connections: int) -> tuple[float, int, int]:
    """(requests/s, requests, errors) of wrk over ``urls`` (connections split evenly across them)."""
    per = max(1, connections // len(urls))
    cmd = ["wrk", "-t", "1", "-c", str(per), "-d", f"{seconds}s", "--timeout", "30s", "-H", "Accept-Encoding: gzip"]
    procs = [
        subprocess.Popen(
            [*cmd, u],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for u in urls
    ]
    total, errors, rate = 0, 0, 0.0
    for p in procs:
        out, _ = p.communicate()
        m = re.search(r"(\d+) requests in", out)
        total += int(m.group(1)) if m else 0
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        rate += float(m.group(1)) if m else 0.0
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors += int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        errors += sum(int(g) for g in m.groups()) if m else 0
    return rate, total, errors


def scale_out(
    db: str, worker_counts: list[int], embed: str, seconds: int, connections: int, folder: Path
) -> list[dict[str, Any]]:
    rows = []
    for k in worker_counts:
        workers = start_workers(db, k, folder)
        try:
            urls = [u + embed for _, u in workers]
            for u in urls:
                httpx.get(u, timeout=60).raise_for_status()  # every worker has opened its store
            direct = wrk(urls, seconds, connections)
            ports = [int(u.rsplit(":", 1)[1]) for _, u in workers]
            proc, proxy, log = start_nginx(ports, folder)
            try:
                cached = wrk([proxy + embed], seconds, connections)
            finally:
                proc.terminate()
                proc.wait(timeout=15)
            marks = [line.split()[0] for line in log.read_text().splitlines() if line.strip()]
            hits = sum(1 for m in marks if m == "HIT")
            rows.append(
                {
                    "workers": k,
                    "direct_rps": direct[0],
                    "direct_errors": direct[2],
                    "nginx_rps": cached[0],
                    "nginx_errors": cached[2],
                    "hit_ratio": hits / len(marks) if marks else float("nan"),
                }
            )
            shutil.rmtree(folder / "nginx", ignore_errors=True)
        finally:
            for proc, _ in workers:
                liveserver.stop(proc)
    return rows


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def measure_size(db: str, n: int, folder: Path, browser: bool) -> dict[str, Any]:
    bbox = _bench_script("store")["BBOX"]
    env = {"SITMAP_RESPONSE_CACHE_MB": "0", "SITMAP_RATE_LIMIT": "false", "SITMAP_MAX_LIMIT": "10000"}
    proc, base = liveserver.start(db, folder / f"serve-{n}.log", env=env, sitmap=SITMAP)
    try:
        got: dict[str, Any] = {"items": items(base, n), "tiles": tiles(base, bbox), "view": opening_view(base, bbox)}
        got["draw"] = first_draw(base) if browser else (None, None)
    finally:
        liveserver.stop(proc)
    return got


def stored_claims(db: str) -> int:
    """How many claim versions ``db`` (a GeoPackage path or a PostGIS URL) holds; 0 when it has none yet."""
    from layers.store import rows as R

    if db.endswith(".gpkg"):
        import sqlite3

        if not Path(db).exists():
            return 0
        with sqlite3.connect(db) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {R.CLAIM_TABLE}").fetchone()[0])
    import psycopg

    with psycopg.connect(db) as conn:
        try:
            return int(conn.execute(f"SELECT count(*) FROM {R.CLAIM_TABLE}").fetchone()[0])  # type: ignore[index]
        except psycopg.errors.UndefinedTable:
            return 0


def tiles_only(
    pg: str, sizes: list[int], keep: Path | None, keep_schema: str = "scale_keep", baseline: str | None = None
) -> None:
    """``--tiles-only``: tile generation of ``all`` and ``incidents`` on both stores, same claims, no items or wrk.

    With ``--keep DIR`` the GeoPackage (``DIR/scale.gpkg``) and the PostGIS schema
    (``--schema``, default ``scale_keep``) stay after the run and are grown, not rebuilt, by the next one, so a
    before/after comparison times the same stores. With ``--baseline CMD`` each store is
    timed by that ``sitmap`` command (e.g. a checkout of the code before a change) and then
    by this one, back to back, and the ratios printed.
    """
    bbox = _bench_script("store")["BBOX"]
    ensure_database(pg)
    import psycopg

    folder = keep or Path(tempfile.mkdtemp(prefix="sitmap-scale-tiles-"))
    folder.mkdir(parents=True, exist_ok=True)
    schema = keep_schema if keep else "scale_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    stores = {
        "gpkg": str(folder / "scale.gpkg"),
        "postgis": f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema},public",
    }
    env = {"SITMAP_RESPONSE_CACHE_MB": "0", "SITMAP_RATE_LIMIT": "false"}
    try:
        for n in sizes:
            for name, db in stores.items():
                have = stored_claims(db)
                if have < n:
                    spent = grow(db, have, n)
                    print(f"{name}: imported {n - have:,} claims in {spent:.0f} s")
                    if name == "postgis":
                        vacuum(pg, schema)
                runs = [("before", baseline), ("after", SITMAP)] if baseline else [("", SITMAP)]
                got: dict[str, dict[tuple[str, int], tuple[float, float, float, int]]] = {}
                for label, command in runs:
                    log = folder / f"serve-{name}-{n}{label}.log"
                    proc, base = liveserver.start(db, log, env=env, sitmap=command)
                    try:
                        for coll, per in (("all", TILES_PER_ZOOM), ("incidents", INCIDENT_TILES_PER_ZOOM)):
                            for z, (p50, p95, size, k) in tiles(base, bbox, coll, per).items():
                                got.setdefault(label, {})[(coll, z)] = (p50, p95, size, k)
                                print(
                                    f"{n:>9,} {name:<7} {label:<6} {coll:<9} z{z:<2} p50 {p50:9.1f} ms  "
                                    f"p95 {p95:9.1f} ms  mean {size / 1024:7.1f} kB  ({k} tiles)",
                                    flush=True,
                                )
                    finally:
                        liveserver.stop(proc)
                if baseline:
                    for key, (b50, b95, _, _) in got["before"].items():
                        a50, a95, _, _ = got["after"][key]
                        ratio = f"p50 x{a50 / b50:6.3f}  p95 x{a95 / b95:6.3f}"
                        print(f"{n:>9,} {name:<7} after/before {key[0]:<9} z{key[1]:<2} {ratio}")
    finally:
        if keep is None:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            shutil.rmtree(folder, ignore_errors=True)
        print(f"load average at end: {load_avg()}")


def map_only(pg: str, sizes: list[int], keep: Path | None, sql_fill: bool, keep_schema: str = "scale_keep") -> None:
    """``--map-only``: the map page over PostGIS at each size: first draw and bytes, then the opening view's tiles.

    The first size is imported through ``store.add_claims``; with ``--sql-fill`` the
    following ones are grown in SQL (:func:`synthesize`). The page is loaded twice by a
    fresh server with its default settings (cold, then warm); the opening view's tiles
    are then fetched from another fresh server with its response cache off (every tile
    computed).
    """
    bbox = _bench_script("store")["BBOX"]
    ensure_database(pg)
    import psycopg

    folder = keep or Path(tempfile.mkdtemp(prefix="sitmap-scale-map-"))
    folder.mkdir(parents=True, exist_ok=True)
    schema = keep_schema if keep else "scale_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    db = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema},public"
    try:
        for n in sizes:
            have = stored_claims(db)
            if have < n:
                spent = synthesize(db, have, n) if sql_fill and have else grow(db, have, n)
                how = "in SQL" if sql_fill and have else "through store.add_claims"
                print(f"{n:>9,}: {n - have:,} claims added {how} in {spent:.0f} s; VACUUM {vacuum(pg, schema):.0f} s")
            env = {"SITMAP_RATE_LIMIT": "false"}
            proc, base = liveserver.start(db, folder / f"serve-map-{n}.log", env=env, sitmap=SITMAP)
            try:
                for label, (spent_s, data, total) in zip(("cold", "warm"), page_loads(base), strict=True):
                    print(
                        f"{n:>9,} map first draw {label}: {_s(spent_s)}, data {data / 1e6:.3f} MB, "
                        f"all {total / 1e6:.3f} MB transferred",
                        flush=True,
                    )
            finally:
                liveserver.stop(proc)
            env["SITMAP_RESPONSE_CACHE_MB"] = "0"
            proc, base = liveserver.start(db, folder / f"serve-view-{n}.log", env=env, sitmap=SITMAP)
            try:
                z, k, size, spent_s = opening_view(base, bbox)
                print(f"{n:>9,} opening view z{z}: {k} tiles, {size / 1e6:.3f} MB gzipped, {spent_s:.2f} s uncached")
            finally:
                liveserver.stop(proc)
    finally:
        if keep is None:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            shutil.rmtree(folder, ignore_errors=True)
        print(f"load average at end: {load_avg()}")


#: Beside bench/api.py's six: the narrowest window a map's time slider asks for, with the bbox.
ONE_DAY = ("bbox + one day", "?bbox=34.25,31.32,34.33,31.37&datetime=2024-03-05T00:00:00Z/2024-03-05T23:59:59.999999Z")


def kept_store(pg: str, schema: str, n: int, first: int | None) -> str:
    """The PostGIS store of schema ``schema`` grown to ``n`` claims (created if missing); its URL.

    The first ``first`` claims (all when ``None``) go through ``store.add_claims``, the
    rest are copied from them in SQL (:func:`synthesize`); the table is then VACUUM ANALYZEd.
    """
    import psycopg

    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    db = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema},public"
    have = stored_claims(db)
    if have < n:
        upto = n if first is None else min(n, first)
        if have < upto:
            print(f"{schema}: {upto - have:,} claims through store.add_claims in {grow(db, have, upto):.0f} s")
            have = upto
        if have < n:
            print(f"{schema}: {n - have:,} claims in SQL in {synthesize(db, have, n):.0f} s")
        print(f"{schema}: VACUUM ANALYZE {vacuum(pg, schema):.0f} s")
    return db


def items_only(
    pg: str, sizes: list[int], schema: str, rounds: int, baseline: str | None, ports: Any, folder: Path
) -> None:
    """``--items-only``: the items queries, cold (response cache off), at every size in one run.

    Each size has its kept schema (``SCHEMA_N``: the first size through ``store.add_claims``,
    the claims past it copied in SQL). One fresh server per size (and per code with
    ``--baseline CMD``); every round asks each server each query once, in turn, so all
    share the machine's load alike; p50 and p90 of ``rounds`` rounds, then each figure's
    ratio to the first size's (and to the baseline's).
    """
    ensure_database(pg)
    queries = [*QUERIES, ONE_DAY]
    stores = {n: kept_store(pg, f"{schema}_{n}", n, sizes[0]) for n in sizes}
    codes = [("before", baseline), ("after", SITMAP)] if baseline else [("", SITMAP)]
    env = {"SITMAP_RESPONSE_CACHE_MB": "0", "SITMAP_RATE_LIMIT": "false", "SITMAP_MAX_LIMIT": "10000"}
    servers: dict[tuple[str, int], tuple[Any, str]] = {}
    print(f"load average at start: {load_avg()}", flush=True)
    try:
        for label, command in codes:
            for n, db in stores.items():
                log = folder / f"serve-items-{label or 'this'}-{n}.log"
                servers[(label, n)] = liveserver.start(db, log, env=env, sitmap=command, port=ports.next())
        times: dict[tuple[str, int, str], list[float]] = {(*key, q): [] for key in servers for q, _ in queries}
        with httpx.Client(timeout=300, headers=GEOJSON) as client:
            for r in range(rounds + 1):  # round 0 warms each server's first answer and is not counted
                for name, path in queries:
                    for (label, n), (_, base) in servers.items():
                        url = base + "/collections/all/items" + path.format(mid_id=f"c-{n // 2:07d}")
                        t0 = time.perf_counter()
                        resp = client.get(url)
                        spent = (time.perf_counter() - t0) * 1000
                        assert resp.status_code == 200, (url, resp.status_code, resp.text[:300])
                        if r:
                            times[(label, n, name)].append(spent)
                print(f"  round {r}/{rounds}, load average {load_avg()}", end="\r", flush=True)
        print()
    finally:
        for proc, _ in servers.values():
            liveserver.stop(proc)
    first = sizes[0]
    for name, _ in queries:
        for label, _ in codes:
            cells = []
            for n in sizes:
                got = times[(label, n, name)]
                cells.append(f"{n:>9,}: p50 {statistics.median(got):8.1f} ms p90 {pct(got, 0.9):8.1f} ms")
            ratio = statistics.median(times[(label, sizes[-1], name)]) / statistics.median(times[(label, first, name)])
            print(f"{name:<20} {label:<6} " + "  ".join(cells) + f"   {sizes[-1]:,}/{first:,} x{ratio:5.2f}")
        if baseline:
            for n in sizes:
                a = statistics.median(times[("after", n, name)]) / statistics.median(times[("before", n, name)])
                print(f"{name:<20} after/before at {n:,}: x{a:5.2f}")
    print(f"load average at end: {load_avg()}")


def write_view(
    pg: str, sizes: list[int], schema: str, rounds: int, baseline: str | None, ports: Any, folder: Path
) -> None:
    """``--write-view``: the map's opening view of ``all`` right after a write, against the same view unwritten.

    Per kept schema (as :func:`kept_store`) and code (``--baseline CMD`` first, then
    this one; the schema's tile grid triggers are dropped before the baseline runs), a
    fresh server with its response cache off: the opening view's tiles (12 at z11 over
    the synthetic area, six at a time) once (the grid built if missing; the grid table is
    VACUUMed before and after, as autovacuum would), then
    ``rounds`` times each: the view again (warm: nothing written since), one claim
    written through ``store.add_claims`` and the view right after it. Also the write's
    own time (one claim; the grid's triggers run in it), and then that of one batch of
    :data:`BATCH` claims (as an import writes them) and the view after it.
    """
    import psycopg

    from layers.store import open_store
    from layers.store import pgtilegrid as G

    ensure_database(pg)
    bbox = _bench_script("store")["BBOX"]
    gen = _bench_script("store")["synthetic_claims"]
    codes = [("before", baseline), ("after", SITMAP)] if baseline else [("", SITMAP)]
    env = {"SITMAP_RESPONSE_CACHE_MB": "0", "SITMAP_RATE_LIMIT": "false"}
    print(f"load average at start: {load_avg()}", flush=True)
    rows = []
    for n in sizes:
        db = kept_store(pg, f"{schema}_{n}", n, sizes[0])
        for label, command in codes:
            with psycopg.connect(db, autocommit=True) as conn:
                if label == "before":  # the code before kept no triggers: a write leaves its grid behind
                    for name in G.TRIGGERS.values():
                        conn.execute(f"DROP TRIGGER IF EXISTS {name} ON {R_CLAIMS}")
                if conn.execute("SELECT to_regclass(%s)", (G.TABLE,)).fetchone() != (None,):
                    conn.execute(f"VACUUM ANALYZE {G.TABLE}")  # the rows earlier rebuilds left dead
            proc, base = liveserver.start(
                db, folder / f"serve-view-{label or 'this'}-{n}.log", env=env, sitmap=command, port=ports.next()
            )
            store = open_store(db)
            try:
                first = opening_view(base, bbox)[3]
                with psycopg.connect(db, autocommit=True) as conn:  # autovacuum's work, done now (it may be off)
                    conn.execute(f"VACUUM ANALYZE {G.TABLE}")
                warm, after, writes = [], [], []
                for r in range(rounds):
                    warm.append(opening_view(base, bbox)[3])
                    claim = gen(1, seed=10_000 + r, start=50_000_000 + r)[0]
                    claim = claim.model_copy(update={"id": f"w-{label or 'this'}-{uuid.uuid4().hex[:8]}"})
                    t0 = time.perf_counter()
                    store.add_claims([claim], recorded_by="bench:scale")
                    writes.append(time.perf_counter() - t0)
                    after.append(opening_view(base, bbox)[3])
                    print(
                        f"  {n:,} {label} round {r + 1}/{rounds}: warm {warm[-1]:.2f} s, after a write "
                        f"{after[-1]:.2f} s, write {writes[-1] * 1000:.0f} ms, load {load_avg()}",
                        flush=True,
                    )
                batch = [
                    c.model_copy(update={"id": f"b-{label or 'this'}-{uuid.uuid4().hex[:12]}"})
                    for c in gen(BATCH, seed=n, start=60_000_000)
                ]
                t0 = time.perf_counter()
                store.add_claims(batch, recorded_by="bench:scale")
                spent = time.perf_counter() - t0
                after_batch = opening_view(base, bbox)[3]
                print(f"  {n:,} {label}: {BATCH:,}-claim write {spent:.2f} s, view after it {after_batch:.2f} s")
            finally:
                store.close()
                liveserver.stop(proc)
            rows.append(
                (n, label, first, statistics.median(warm), statistics.median(after), statistics.median(writes), spent)
            )
    for n, label, first, warm, after, write, spent in rows:
        print(
            f"{n:>9,} {label:<6} opening view: first {first:6.2f} s, warm p50 {warm:6.2f} s, right after a write "
            f"p50 {after:6.2f} s (x{after / warm:5.2f} warm); one-claim write p50 {write * 1000:6.1f} ms, "
            f"{BATCH:,} claims {spent:5.2f} s"
        )
    print(f"load average at end: {load_avg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostGIS database (a fresh schema is made and dropped)")
    parser.add_argument("--sizes", default="100000,1000000", help="claim counts to grow through")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the throughput runs")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--browser", action="store_true", help="also time the map page's first draw (Chromium)")
    parser.add_argument(
        "--tiles-only", action="store_true", help="only tile generation, GeoPackage and PostGIS (see tiles_only)"
    )
    parser.add_argument("--keep", type=Path, help="with --tiles-only or --map-only: keep (and reuse) the stores")
    parser.add_argument("--schema", default="scale_keep", help="with --keep: the PostGIS schema kept")
    parser.add_argument(
        "--baseline", help="with --tiles-only or --items-only: a sitmap command to time too (the code before)"
    )
    parser.add_argument("--map-only", action="store_true", help="only the map page and its opening view (map_only)")
    parser.add_argument("--sql-fill", action="store_true", help="grow beyond the first size in SQL (synthesize)")
    parser.add_argument("--items-only", action="store_true", help="only the items queries, cold (items_only)")
    parser.add_argument(
        "--rounds", type=int, default=21, help="with --items-only: requests per query and server; --write-view: writes"
    )
    parser.add_argument("--ports", help="servers' ports from this range only (e.g. 18600-18699)")
    parser.add_argument(
        "--write-view", action="store_true", help="only the opening view right after a write (write_view)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.items_only or args.write_view:
        folder = Path(tempfile.mkdtemp(prefix="sitmap-scale-items-"))
        try:
            ports = _bench_script("api")["Ports"](args.ports)
            run = items_only if args.items_only else write_view
            run(args.pg, sizes, args.schema, args.rounds, args.baseline, ports, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if args.tiles_only or args.map_only:
        print(f"load average at start: {load_avg()}")
        if args.tiles_only:
            tiles_only(args.pg, sizes, args.keep, args.schema, args.baseline)
        else:
            map_only(args.pg, sizes, args.keep, args.sql_fill, args.schema)
        return
    counts = [int(s) for s in args.workers.split(",")]
    if shutil.which("wrk") is None:
        raise SystemExit("bench/scale.py needs wrk (apt-get install wrk)")

    print(f"load average at start: {load_avg()}")
    ensure_database(args.pg)
    import psycopg

    schema = "scale_" + uuid.uuid4().hex[:8]
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    db = f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3D{schema},public"
    folder = Path(tempfile.mkdtemp(prefix="sitmap-scale-"))
    results: dict[int, dict[str, Any]] = {}
    have = 0
    try:
        for n in sizes:
            print(f"== {n:,} claims")
            spent = synthesize(db, have, n) if args.sql_fill and have else grow(db, have, n)
            vac = vacuum(args.pg, schema)
            rate = (n - have) / spent
            print(f"import {n - have:,} claims: {spent:.0f} s ({rate:,.0f} claims/s); VACUUM ANALYZE {vac:.1f} s")
            res = measure_size(db, n, folder, args.browser)
            res["import"] = (n - have, spent)
            have = n
            results[n] = res
            print_size(n, res)
        pinned = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        embed = f"/embed/all?as_of={pinned}"
        print(f"== {sizes[-1]:,} claims: {args.connections} connections, {args.seconds} s per run, GET {embed}")
        rows = scale_out(db, counts, embed, args.seconds, args.connections, folder)
        heads = ("workers", "direct r/s", "per worker", "errors", "nginx r/s", "errors", "hit ratio", "x direct")
        print(" | ".join(f"{h:>10}" for h in heads))
        for r in rows:
            cells = (
                f"{r['workers']}",
                f"{r['direct_rps']:.0f}",
                f"{r['direct_rps'] / r['workers']:.0f}",
                f"{r['direct_errors']}",
                f"{r['nginx_rps']:.0f}",
                f"{r['nginx_errors']}",
                f"{r['hit_ratio']:.4f}",
                f"{r['nginx_rps'] / max(r['direct_rps'], 1e-9):.1f}",
            )
            print(" | ".join(f"{c:>10}" for c in cells))
        if len(sizes) > 1:
            print_growth(sizes[0], sizes[-1], results)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        shutil.rmtree(folder, ignore_errors=True)
        print(f"load average at end: {load_avg()}")


def print_size(n: int, res: dict[str, Any]) -> None:
    for name, (cold, warm) in res["items"].items():
        print(f"  items {name:<18} cold {cold:8.1f} ms   warm p50 {warm:8.1f} ms")
    for z, (p50, p95, size, k) in res["tiles"].items():
        print(f"  tile z{z:<2} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  mean {size / 1024:7.1f} kB  ({k} tiles)")
    z, k, size, spent = res["view"]
    print(f"  opening view: z{z}, {k} tiles, {size / 1e6:.2f} MB gzipped, fetched in {spent:.2f} s (6 at a time)")
    cold, warm = res["draw"]
    if cold is not None or warm is not None:
        print(f"  map first draw: cold {_s(cold)}, warm {_s(warm)}")


def _s(t: float | None) -> str:
    return "not drawn" if t is None else f"{t:.2f} s"


def print_growth(a: int, b: int, results: dict[int, dict[str, Any]]) -> None:
    print(f"== growth {a:,} -> {b:,} claims (x{b / a:g}): ratio of the figure at {b:,} to the one at {a:,}")
    ra, rb = results[a], results[b]
    for name in ra["items"]:
        (ca, wa), (cb, wb) = ra["items"][name], rb["items"][name]
        print(f"  items {name:<18} cold x{cb / ca:5.2f}   warm x{wb / wa:5.2f}")
    for z in TILE_ZOOMS:
        ta, tb = ra["tiles"][z], rb["tiles"][z]
        print(f"  tile z{z:<2} p50 x{tb[0] / ta[0]:5.2f}   p95 x{tb[1] / ta[1]:5.2f}")
    va, vb = ra["view"], rb["view"]
    print(f"  opening view bytes x{vb[2] / max(va[2], 1):5.2f}   fetch time x{vb[3] / va[3]:5.2f}")


if __name__ == "__main__":
    main()
