"""Service benchmark: OGC API - Features queries against a live ``sitmap serve`` on 127.0.0.1.

Loads 100,000 synthetic claims (the generator of ``bench/store.py``) into a fresh
GeoPackage (and, with ``--pg URL``, a PostGIS schema), starts ``sitmap serve`` on a
free port, checks that each query answers 200 with the expected number of matches,
then times each query sequentially and 16-way concurrently, bounded in count and
time. Requests send ``Accept-Encoding: identity`` (no gzip). Prints requests/s,
p50 and p95 per query. Figures only, no pass/fail.

pygeoapi is not run by this script (it would need a bench-only environment); the
issue's reference figures for TiPg and pygeoapi are printed beside sitmap's.

    .venv/bin/python bench/api.py [-n 100000] [--pg postgresql://...] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KHAN_YOUNIS = "34.25,31.32,34.33,31.37"
QUERIES: list[tuple[str, str]] = [
    ("items limit=100", "/collections/all/items?limit=100"),
    ("bbox Khan Younis", f"/collections/all/items?bbox={KHAN_YOUNIS}&limit=100"),
    ("one-day datetime", "/collections/all/items?datetime=2024-03-05&limit=100"),
    ("bbox + one day", f"/collections/all/items?bbox={KHAN_YOUNIS}&datetime=2024-03-05&limit=100"),
    ("one item by id", "/collections/all/items/{mid_id}"),
    ("limit=10000", "/collections/all/items?limit=10000"),
]
#: Reference medians from the issue (2-core machines, 100,000 points).
REFERENCE = {
    "bbox + one day": "TiPg 12.7 ms, pygeoapi 25 ms",
    "one item by id": "TiPg 1.7 ms",
    "limit=10000": "pygeoapi 152 ms",
}
HEADERS = {"Accept-Encoding": "identity", "Accept": "application/geo+json"}


def _store_module():
    spec = importlib.util.spec_from_file_location("bench_store", ROOT / "bench" / "store.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(url: str, n: int) -> float:
    from layers.store import open_store

    claims = _store_module().synthetic_claims(n)
    store = open_store(url)
    t0 = time.perf_counter()
    try:
        for i in range(0, len(claims), 10_000):
            store.add_claims(claims[i : i + 10_000])
    finally:
        store.close()
    return time.perf_counter() - t0


def serve(db: str, workers: int, log: Path, *, cache_mb: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "SITMAP_MAX_LIMIT": "10000",
        "SITMAP_DEFAULT_LIMIT": "100",
        "SITMAP_RESPONSE_CACHE_MB": str(cache_mb),
    }
    cmd = [
        str(ROOT / ".venv" / "bin" / "sitmap"),
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"sitmap serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("sitmap serve did not start")


def check(client: httpx.Client, path: str) -> str:
    r = client.get(path, headers=HEADERS)
    if r.status_code != 200:
        raise SystemExit(f"{path}: HTTP {r.status_code} {r.text[:300]}")
    if "content-encoding" in r.headers:
        raise SystemExit(f"{path}: compressed although identity was asked")
    doc = r.json()
    if doc.get("type") == "Feature":
        return "1 feature"
    return f"{doc['numberReturned']} of {doc['numberMatched']}"


def sequential(client: httpx.Client, path: str, max_n: int, max_s: float) -> list[float]:
    times: list[float] = []
    t_end = time.perf_counter() + max_s
    while len(times) < max_n and time.perf_counter() < t_end:
        t0 = time.perf_counter()
        r = client.get(path, headers=HEADERS)
        r.read()
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}")
    return times


async def concurrent(base: str, path: str, conc: int, max_n: int, max_s: float) -> tuple[list[float], float]:
    times: list[float] = []
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    t_start = time.perf_counter()
    t_end = t_start + max_s
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while len(times) < max_n and time.perf_counter() < t_end:
                t0 = time.perf_counter()
                r = await client.get(path, headers=HEADERS)
                times.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}")

        await asyncio.gather(*(worker() for _ in range(conc)))
    return times, time.perf_counter() - t_start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(label: str, db: str, args: argparse.Namespace, tmp: Path, *, cache_mb: float) -> None:
    queries = [(name, path.format(mid_id=f"c-{args.n // 2:07d}")) for name, path in QUERIES]
    log = tmp / f"serve-{label}.log"
    proc, base = serve(db, args.workers, log, cache_mb=cache_mb)
    try:
        mode = f"response cache {cache_mb:g} MB" if cache_mb else "response cache off: every request runs its query"
        print(f"\n== {label}: {base} ({args.workers} worker(s), {mode})")
        with httpx.Client(base_url=base, timeout=120) as client:
            matches = {name: check(client, path) for name, path in queries}
            print(f"{'query':<18} {'returned':>14} | {'seq p50':>8} {'seq p95':>8} {'seq r/s':>8} |"
                  f" {'c16 p50':>8} {'c16 p95':>8} {'c16 r/s':>8} | reference (issue)")  # fmt: skip
            for name, path in queries:
                heavy = "10000" in path
                seq = sequential(client, path, 20 if heavy else args.requests, args.seconds)
                conc_times, wall = asyncio.run(
                    concurrent(base, path, 16, 32 if heavy else args.requests * 2, args.seconds)
                )
                print(
                    f"{name:<18} {matches[name]:>14} | {pct(seq, 0.5):7.1f}ms {pct(seq, 0.95):7.1f}ms "
                    f"{len(seq) / sum(seq):8.1f} | {pct(conc_times, 0.5):7.1f}ms {pct(conc_times, 0.95):7.1f}ms "
                    f"{len(conc_times) / wall:8.1f} | {REFERENCE.get(name, '')}"
                )
            r1 = client.get(QUERIES[0][1], headers={"Accept-Encoding": "gzip"})
            r0 = client.get(QUERIES[0][1], headers=HEADERS)
            print(
                f"gzip when asked: {r1.headers.get('content-encoding')} ({len(r1.content)} B decoded from "
                f"{r1.num_bytes_downloaded} B on the wire vs {r0.num_bytes_downloaded} B identity)"
            )
    except (httpx.HTTPError, SystemExit):
        print(f"-- the server's log ({'running' if proc.poll() is None else f'exited {proc.returncode}'}):")
        print(log.read_text(errors="replace")[-4000:])
        raise
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="claims to load (default 100000)")
    parser.add_argument("--pg", help="also benchmark a PostGIS store at this postgresql:// URL")
    parser.add_argument("--workers", type=int, default=1, help="sitmap serve workers (default 1)")
    parser.add_argument("--requests", type=int, default=200, help="requests per query and mode (bound)")
    parser.add_argument("--seconds", type=float, default=15.0, help="time per query and mode (bound)")
    parser.add_argument("--cached", action="store_true", help="also run with the response cache on (64 MB)")
    args = parser.parse_args()
    args.cache_modes = [0.0, 64.0] if args.cached else [0.0]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        db = str(tmp / "bench.gpkg")
        took = load(db, args.n)
        print(f"loaded {args.n} claims into {db} in {took:.1f} s")
        for cache_mb in args.cache_modes:
            run("GeoPackage", db, args, tmp, cache_mb=cache_mb)
        if args.pg:
            import uuid

            import psycopg

            schema = "bench_" + uuid.uuid4().hex[:8]
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            sep = "&" if "?" in args.pg else "?"
            url = f"{args.pg}{sep}options=-csearch_path%3D{schema},public"
            try:
                took = load(url, args.n)
                print(f"\nloaded {args.n} claims into PostGIS schema {schema} in {took:.1f} s")
                for cache_mb in args.cache_modes:
                    run("PostGIS", url, args, tmp, cache_mb=cache_mb)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print("\npygeoapi was not run by this script (no bench-only environment); see the reference column.")


if __name__ == "__main__":
    main()
