"""Load test: 64 connections for 60 s against ``sitmap serve --workers 2`` on 127.0.0.1 with the demo data.

Builds the demo store (``sitmap demo``) in a temporary directory unless ``--db`` is
given, starts ``sitmap serve`` on a free port with rate limits off (the point is the
service's capacity, not the limiter), then runs an async httpx client with
``--connections`` concurrent connections for ``--seconds`` over a fixed mix of
requests: item pages (filters, bbox, datetime), map pages, embed pages, map data,
and likelihood tiles. Prints per-kind and total: requests, errors (non-2xx/304 or
transport errors), p50/p99 latency, throughput, and the server's peak RSS (all
worker processes summed, sampled every 0.5 s from /proc). Figures only, no pass/fail.

    .venv/bin/python bench/load.py [--seconds 60] [--connections 64] [--workers 2] [--db demo.gpkg]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from liveserver import demo_store, serving

#: The memory the service is stated to stay within under this load (README "Limits"):
#: the uvicorn supervisor plus each worker with its caches full (64 MB of responses,
#: 8 likelihood surfaces, 8 incident groupings) and the libraries loaded.
RSS_BASE_MB = 100.0
RSS_PER_WORKER_MB = 450.0

#: (kind, path) pairs; each worker picks from these in a fixed pseudo-random order.
MIX: list[tuple[str, str]] = [
    ("items", "/collections/all/items?f=json&limit=50"),
    ("items", "/collections/all/items?f=json&limit=100&bbox=34.2,31.2,34.6,31.6"),
    ("items", "/collections/all/items?f=json&datetime=2023-10-01/2024-03-01&limit=100"),
    ("items", "/collections/all/items?f=json&event_type=airstrike&limit=20"),
    ("items", "/collections/evacuation-orders/items?f=json&limit=50"),
    ("items", "/collections/incidents/items?f=json&limit=20"),
    ("maps", "/maps/all"),
    ("maps", "/maps/evacuation-orders?date=2023-12-02"),
    ("maps", "/maps/all/data.json"),
    ("embed", "/embed/all"),
    ("embed", "/embed/evacuation-orders?date=2023-12-02"),
    *[
        ("tiles", f"/collections/all/tiles/{z}/{x}/{y}.png")
        for z, x, y in [
            (10, 609, 424),
            (10, 610, 424),
            (10, 609, 425),
            (10, 610, 425),
            (11, 1220, 849),
            (11, 1221, 849),
            (9, 304, 212),
            (12, 2441, 1698),
        ]
    ],
]


def tree_rss_mb(pid: int) -> float:
    """Resident memory (MB) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total_kb = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


async def run_load(url: str, connections: int, seconds: float, pid: int, rss_bound_mb: float) -> None:
    """Drive the mix with ``connections`` concurrent clients; print the figures."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    peak_rss = tree_rss_mb(pid)
    stop = float("inf")
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        # Warm each path once (first surfaces, caches), not counted.
        for _kind, path in MIX:
            await client.get(path)
        stop = time.monotonic() + seconds

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < stop:
                kind, path = rng.choice(MIX)
                t0 = time.perf_counter()
                try:
                    resp = await client.get(path, headers={"Accept-Encoding": "gzip"})
                    ok = resp.status_code in (200, 304)
                    if not ok and len(samples) < 5:
                        samples.append(f"{resp.status_code} {path}: {resp.text[:160]}")
                except httpx.HTTPError as exc:
                    ok = False
                    if len(samples) < 5:
                        samples.append(f"{type(exc).__name__} {path}")
                latencies[kind].append(time.perf_counter() - t0)
                if not ok:
                    errors[kind] += 1

        async def sampler() -> None:
            nonlocal peak_rss
            while time.monotonic() < stop:
                peak_rss = max(peak_rss, tree_rss_mb(pid))
                await asyncio.sleep(0.5)

        t_start = time.monotonic()
        await asyncio.gather(sampler(), *(worker(i) for i in range(connections)))
        elapsed = time.monotonic() - t_start
    print(f"{'kind':8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    every: list[float] = []
    for kind in sorted(latencies):
        lat = sorted(latencies[kind])
        every += lat
        print(
            f"{kind:8} {len(lat):9d} {errors[kind]:7d} {1000 * _q(lat, 0.5):8.1f} {1000 * _q(lat, 0.99):8.1f} "
            f"{len(lat) / elapsed:8.1f}"
        )
    every.sort()
    print(
        f"{'total':8} {len(every):9d} {sum(errors.values()):7d} {1000 * _q(every, 0.5):8.1f} "
        f"{1000 * _q(every, 0.99):8.1f} {len(every) / elapsed:8.1f}"
    )
    print(f"{connections} connections for {elapsed:.1f} s; server peak RSS (all processes) {peak_rss:.0f} MB")
    verdict = "within" if peak_rss <= rss_bound_mb else "OVER"
    print(f"memory bound {rss_bound_mb:.0f} MB (supervisor + workers, see README): {verdict}")
    for line in samples:
        print("  error sample:", line)


def _q(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    """Parse arguments, build the demo store if needed, serve it and run the load."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", help="an existing store (default: a fresh demo GeoPackage)")
    ap.add_argument(
        "--rss-bound-mb",
        type=float,
        help=f"the stated memory bound (default {RSS_BASE_MB:g} MB + {RSS_PER_WORKER_MB:g} MB per worker)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitmap-load-") as tmp:
        db = args.db or demo_store(Path(tmp))
        with serving(db, Path(tmp) / "serve.log", workers=args.workers) as (pid, url):
            print(f"sitmap serve --workers {args.workers} on {url} over {db}")
            bound = args.rss_bound_mb or RSS_BASE_MB + RSS_PER_WORKER_MB * args.workers
            asyncio.run(run_load(url, args.connections, args.seconds, pid, bound))


if __name__ == "__main__":
    main()
