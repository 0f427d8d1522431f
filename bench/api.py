"""Service benchmark: issue 16's six OGC API - Features queries on sitmap and its peers, in one run.

Loads 100,000 synthetic claims (the generator of ``bench/store.py``) into a GeoPackage
and a schema of a dedicated PostGIS database (``--pg``, created with PostGIS if
missing), then serves them at once, each server with ``--workers`` (default 2) workers:

- ``sitmap GPKG`` and ``sitmap PG``: ``sitmap serve`` on each store, response cache off
  (``SITMAP_RESPONSE_CACHE_MB=0``: every request runs its query; ``--cached`` adds both
  with a 64 MB cache);
- ``pygeoapi PG``: pygeoapi's PostgreSQL provider over the schema's ``claims`` view
  (``bench/pygeoapi_env.py``, gunicorn, ``--peer-threads`` threads a worker);
- ``pygeoapi GPKG``: pygeoapi's SQLiteGPKG provider (SpatiaLite) over a copy of the
  GeoPackage (the version table: one version per claim here, so the same rows);
- ``TiPg``: TiPg under uvicorn over the same ``claims`` view (``bench/tipg_env.py``).

The peers live in bench-only venvs (``bench/.venv-pygeoapi``, ``bench/.venv-tipg``,
gitignored), never in sitmap's dependencies. Peers that sort are asked for sitmap's
stable order (``sortby=valid_from,id``); the three days are one closed interval, which
picks the same claims on ``valid_from`` (peers) as sitmap's overlap match does for these
day-precision claims. Before timing, every answer is compared with sitmap's (ids in
order, numberMatched where both give it) and each difference printed (pygeoapi's
SQLiteGPKG provider ignores ``datetime`` and ``sortby``). Then each query is timed
sequentially, one request at a time round robin over all servers (so all see the same
moments of this shared machine's load), and 16-way concurrently on each server in turn,
bounded in count and seconds; requests ask for identity encoding. A peer's failures
under load are counted, not fatal. Printed: bytes, p50/p95 sequential and concurrent per
query and server, issue 16's table of sequential medians, sitmap's ratio to the best
peer's median (target: at most 1.00) and its concurrent p95/p50 (target: below 4), then
the plans of sitmap's statements (``EXPLAIN QUERY PLAN`` / ``EXPLAIN``).

    .venv/bin/python bench/api.py [-n 100000] [--pg postgresql://postgres@127.0.0.1:5432/sitmap_bench]
        [--gpkg bench/out/api.gpkg] [--schema bench_keep] [--ports 8130-8149] [--no-peers]
        [--requests 60] [--seconds 10] [--workers 2] [--cached]

``--gpkg`` / ``--schema`` keep the loaded stores for the next run (reused when filled).

Measured 2026-12-07 20:05 UTC at e1e325d (``--requests 60 --seconds 12``, 100,000 claims,
2 workers each, cache off, the shared 2-core machine at load average 10-15, so absolute
times are several times a quiet machine's; ratios are same-run). Sequential p50 ms,
sitmap GPKG / sitmap PG / pygeoapi PG / pygeoapi GPKG / TiPg: ``limit=100`` 5.2 / 8.3 /
99.1 / 73.9* / 102.9; bbox Khan Younis 1000 162.5 / 142.4 / 516.4 / 684.9* / 389.7; 3 days
1000 61.6 / 81.8 / 170.1 / 265.1* / 182.7; bbox + 3 days 6.7 / 10.5 / 68.9 / 557.8* / 11.1;
by id 5.2 / 5.0 / 7.6 / 843.9 / 9.0; ``limit=10000`` 708 / 601 / 2073 / 1630* / 1788 (*:
answer differs: pygeoapi's SQLiteGPKG provider ignores ``datetime`` and ``sortby``; every
other answer is the same ids in the same order). sitmap / best peer: GPKG 0.07, 0.42,
0.36, 0.60, 0.68, 0.43; PG 0.11, 0.37, 0.48, 0.95, 0.65, 0.37. Concurrent (16-way) p95 /
p50 of sitmap GPKG 5.20, 2.23, 1.77, 3.39, 4.50, 1.16 and PG 3.28, 1.60, 2.42, 2.85, 5.38,
1.43 (peers 1.2-3.4): the target (below 4) is missed on the two smallest answers, whose
p50 is the lowest of all servers (by id: 119 / 109 ms against TiPg 131, pygeoapi 178;
p95 534 / 588 against 422 / 609). pygeoapi's SQLiteGPKG failed 1-28 % of its concurrent
requests with HTTP 500 (its provider runs ``AutoGPKGStart()`` per request). An earlier
run with ``--cached`` (sitmap's response cache on) measured the cached servers at 2.3-16 ms
for the five small queries and 66-944 ms for ``limit=10000``.

Before the queries, the 16-way client is timed against a server that does nothing (a
bare asyncio responder in its own process): its p95/p50 there is the client's and the
machine's share of every concurrent figure. Each query is also timed 16-way by Debian's
``wrk`` where installed (``--no-wrk`` leaves it out), a C client that is not the bottleneck.

Measured 2026-12-08 00:40-00:56 UTC at fd13352 + this change (``--seconds 8``, same
machine at load average 16-22, cache off). The client against the do-nothing server:
p50 54.5 ms, p95 346.5 ms, **p95/p50 6.35**, 145 r/s (an earlier run at load 20: 4.82,
80 r/s); the same client against a static file of nginx gave p95/p50 3.9-5.0 at 35 r/s,
and wrk against that file 13-16 (p50 1.9 ms, p95 24-30 ms, load 35). So the issue's
4.5-5.4x on the two smallest answers was the client's pace on a loaded machine: sitmap
answers them at 700-880 r/s under wrk (by id, p50 13-16 ms), where the Python client
manages 40-145 r/s against anything. wrk c16 p95/p50 by id: sitmap GPKG 9.1, PG 11.7,
TiPg 14.3, pygeoapi PG 2.8 (at 61 r/s against sitmap's 700-880); ``limit=100``: sitmap
4.8 / 4.5 (2.3 / 2.5 in the earlier run), TiPg 2.2, pygeoapi 2.7. Sequential p50 ms,
sitmap GPKG / sitmap PG / pygeoapi PG / pygeoapi GPKG* / TiPg: ``limit=100`` 8.7 / 14.8 /
41.6 / 76.4 / 26.5; bbox 220 / 143 / 482 / 817 / 408; 3 days 72 / 112 / 296 / 268 / 215;
bbox + 3 days 31.2 / 32.0 / 154 / 775 / 42.1; by id 24.5 / 22.9 / 34.7 / 1309 / 22.1;
``limit=10000`` 1298 / 728 / 2883 / 2236 / 2985. sitmap / best peer: GPKG 0.33, 0.54, 0.34,
0.74, 1.11, 0.45 (vs pygeoapi PG); PG 0.56, 0.35, 0.52, 0.76, 1.04, 0.25. The sequential
samples per query were few (4-6 on the slow queries: the round robin waits for pygeoapi
GPKG's 0.8-1.3 s answers), so by id's 1.04-1.11 is within noise of TiPg.

``--baseline DIR`` instead serves the same stores with another checkout's code (e.g. a
worktree of the old main) beside this one and times them request by request,
alternately (sequential), then each 16-way; then both download every match
(``f=geojson``, ``f=csv``, identity encoding) and this checkout's statements are shown
with their plans. ``--loaded-gpkg`` / ``--loaded-pg`` reuse stores this generator filled.
Figures of earlier sessions (other queries: limit=100 pages, one day) are in the git
history of this file.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _bench_module(name: str):
    """Import a sibling bench script by path: ``bench/`` is not a package, and its ``layers.py`` shadows sitmap's."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve their module by name
    spec.loader.exec_module(mod)
    return mod


pygeoapi_env = _bench_module("pygeoapi_env")
tipg_env = _bench_module("tipg_env")
liveserver = _bench_module("liveserver")
free_port = liveserver.free_port

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/sitmap_bench"
#: Three whole days, as an interval every server reads the same way (closed; TiPg: half-open, same claims here).
THREE_DAYS = "2024-03-04T00:00:00Z/2024-03-06T23:59:59.999999Z"
SORT = "sortby=valid_from,id"

KHAN_YOUNIS = "34.25,31.32,34.33,31.37"
#: Issue 16's table: name, path after the collection's items URL ({mid_id}: a claim in the middle).
QUERIES: list[tuple[str, str]] = [
    ("limit=100", "?limit=100"),
    ("bbox KY limit=1000", f"?bbox={KHAN_YOUNIS}&limit=1000"),
    ("3 days limit=1000", f"?datetime={THREE_DAYS}&limit=1000"),
    ("bbox + 3 days", f"?bbox={KHAN_YOUNIS}&datetime={THREE_DAYS}&limit=1000"),
    ("one item by id", "/{mid_id}"),
    ("limit=10000", "?limit=10000"),
]
HEADERS = {"Accept-Encoding": "identity", "Accept": "application/geo+json"}
#: Per query: (seq p50 ms, seq p95 ms, seq r/s, c16 p50 ms, c16 p95 ms, c16 r/s).
Stats = tuple[float, float, float, float, float, float]
#: Per query: (numberMatched, or None when the server left it out; ids returned in order; body bytes).
Answer = tuple[int | None, list[str], int]
SITMAP_ITEMS = "/collections/all/items"


@dataclass
class Server:
    """One server under test and how it spells the queries of :data:`QUERIES`.

    ``items`` is its items URL path; ``extra`` is added to every list query (peers are
    asked for sitmap's stable order, ``sortby=valid_from,id``, where they can sort) and
    ``item_extra`` to the one-item query.
    """

    name: str
    base: str
    items: str
    proc: subprocess.Popen[bytes]
    log: Path
    peer: bool
    extra: str = ""
    item_extra: str = ""
    note: str = ""

    def path(self, template: str, mid_id: str) -> str:
        if template.startswith("/"):
            return self.items + template.format(mid_id=mid_id) + self.item_extra
        return self.items + template + self.extra


def _store_module():
    spec = importlib.util.spec_from_file_location("bench_store", ROOT / "bench" / "store.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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


class Ports:
    """Ports for the servers: any free one, or only those of a given range (``--ports 8130-8149``)."""

    def __init__(self, spec: str | None) -> None:
        self.range = None
        if spec:
            lo, hi = (int(v) for v in spec.split("-"))
            self.range = iter(range(lo, hi + 1))

    def next(self) -> int:
        if self.range is None:
            return int(free_port())
        for port in self.range:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise SystemExit("no free port left in --ports")


def serve(
    db: str, workers: int, log: Path, *, cache_mb: float, code: Path | None = None, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``sitmap serve`` (rate limits as configured) with the benchmark's limits and cache.

    ``code``: another checkout whose packages the server imports instead of this one's
    (the same-run baseline of ``--baseline``; this checkout's environment runs it).
    """
    env = {"SITMAP_MAX_LIMIT": "10000", "SITMAP_DEFAULT_LIMIT": "100", "SITMAP_RESPONSE_CACHE_MB": str(cache_mb)}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    sitmap = str(ROOT / ".venv" / "bin" / "sitmap")
    return liveserver.start(db, log, workers=workers, env=env, sitmap=sitmap, port=port)


#: Downloads of every match (no limit): name, path.
DOWNLOADS = [("all as GeoJSON", "/collections/all/items?f=geojson"), ("all as CSV", "/collections/all/items?f=csv")]


def download_rates(client: httpx.Client, repeat: int) -> dict[str, tuple[float, int]]:
    """Best seconds and bytes of each download of :data:`DOWNLOADS` (identity encoding, body read whole)."""
    out: dict[str, tuple[float, int]] = {}
    for name, path in DOWNLOADS:
        best, size = float("inf"), 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            with client.stream("GET", path, headers={"Accept-Encoding": "identity"}) as r:
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}")
                size = sum(len(chunk) for chunk in r.iter_raw())
            best = min(best, time.perf_counter() - t0)
        out[name] = (best, size)
    return out


def plans(db: str, n: int) -> list[str]:
    """EXPLAIN QUERY PLAN (GeoPackage) / EXPLAIN (PostGIS) of each statement the store runs for the six queries.

    Runs in this process the store call the items route makes for each query (the
    feature-text page of ``claim_feature_page``), spying on the statements it sends.
    """
    from datetime import UTC, datetime

    from layers.store import ClaimQuery, gpkg, open_store, postgis

    days = (datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 6, 23, 59, 59, 999999, tzinfo=UTC))
    box = tuple(float(v) for v in KHAN_YOUNIS.split(","))
    queries = {
        "limit=100": ClaimQuery(limit=100),
        "bbox KY limit=1000": ClaimQuery(bbox=box, limit=1000),  # type: ignore[arg-type]
        "3 days limit=1000": ClaimQuery(start=days[0], end=days[1], limit=1000),
        "bbox + 3 days": ClaimQuery(bbox=box, start=days[0], end=days[1], limit=1000),  # type: ignore[arg-type]
        "one item by id": ClaimQuery(ids=(f"c-{n // 2:07d}",), limit=1),
        "limit=10000": ClaimQuery(limit=10000),
    }
    seen: list[tuple[str, list[object], type]] = []
    # PostGIS keyed pages read through _KeyedTx (with their planner settings): explained the same way
    classes = [gpkg._Tx, gpkg._ReadTx, postgis._Tx, postgis._KeyedTx]
    originals = [c.fetch for c in classes]

    def spy(orig):  # type: ignore[no-untyped-def]
        def fetch(self, sql, params=()):  # type: ignore[no-untyped-def]
            if sql.lstrip().upper().startswith("SELECT") and "claim_versions c" in sql:
                seen.append((sql, list(params), type(self)))
            return orig(self, sql, params)

        return fetch

    store = open_store(db)
    out = []
    try:
        explain = "EXPLAIN QUERY PLAN " if isinstance(store, gpkg.GpkgStore) else "EXPLAIN "
        for name, query in queries.items():
            seen.clear()
            for cls, orig in zip(classes, originals, strict=True):
                cls.fetch = spy(orig)  # type: ignore[method-assign]
            try:
                store.claim_feature_page(query)  # type: ignore[attr-defined]
            finally:
                for cls, orig in zip(classes, originals, strict=True):
                    cls.fetch = orig  # type: ignore[method-assign]
            for i, (sql, params, cls) in enumerate(seen):
                if " IN (?" in sql and "c.fid IN" in sql:  # the page's rows by key: a primary key look-up
                    out.append(f"  {name} [{i + 1}/{len(seen)}]: rows of the page by fid (primary key)")
                    continue
                if cls is postgis._KeyedTx:
                    how = "(jit and parallel workers off) "
                    rows = store._run(lambda tx, s=sql, p=params: cls(tx.conn).fetch(explain + s, p), write=False)  # type: ignore[attr-defined]
                else:
                    how = ""
                    rows = store._fetch(explain + sql, params)  # type: ignore[attr-defined]
                text = "\n".join("      " + " | ".join(str(c) for c in row if c not in (None, 0)) for row in rows)
                rest = sql.split(" FROM ", 1)[1]
                out.append(f"  {name} [{i + 1}/{len(seen)}] {how}: SELECT ... FROM {rest[:150]}\n{text}")
    finally:
        store.close()
    return out


def answer(client: httpx.Client, path: str) -> Answer:
    """Fetch ``path`` once: numberMatched, the feature ids in order, the body's bytes (one Feature: 1 of 1)."""
    r = client.get(path, headers=HEADERS)
    if r.status_code != 200:
        raise SystemExit(f"{client.base_url}{path}: HTTP {r.status_code} {r.text[:300]}")
    if "content-encoding" in r.headers:
        raise SystemExit(f"{path}: compressed although identity was asked")
    doc = r.json()
    if doc.get("type") == "Feature":
        return 1, [str(doc["id"])], len(r.content)
    matched = doc.get("numberMatched")
    return None if matched is None else int(matched), [str(f["id"]) for f in doc["features"]], len(r.content)


def check(client: httpx.Client, path: str) -> str:
    matched, ids, _ = answer(client, path)
    return "1 feature" if "/items/" in path else f"{len(ids)} of {'?' if matched is None else matched}"


def same_features(ours: Answer, theirs: Answer) -> str:
    """Compare a peer's answer to sitmap's: ``same``, or how they differ (one line, never raises)."""
    if ours[1] == theirs[1] and (ours[0] is None or theirs[0] is None or ours[0] == theirs[0]):
        return "same"
    if ours[1] != theirs[1] and sorted(ours[1]) == sorted(theirs[1]):
        return "same ids, other order"
    extra, missing = set(ours[1]) - set(theirs[1]), set(theirs[1]) - set(ours[1])
    both = ours[0] is not None and theirs[0] is not None and ours[0] != theirs[0]
    matched = f"numberMatched {theirs[0]} vs {ours[0]}, " if both else ""
    return (
        f"DIFFERENT: {matched}returned {len(theirs[1])} vs {len(ours[1])}, "
        f"{len(missing)} not in sitmap's, {len(extra)} of sitmap's missing"
    )


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


async def concurrent(
    base: str, path: str, conc: int, max_n: int, max_s: float, failed: list[int] | None = None
) -> tuple[list[float], float]:
    """Times of ``path`` requested ``conc``-way at once, bounded in count and seconds, and the wall time.

    A status other than 200 stops the run, or with ``failed`` is appended there and its
    time left out (a peer that fails under load is measured, not stopped); a dropped
    connection counts as status 0.
    """
    times: list[float] = []
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    t_start = time.perf_counter()
    t_end = t_start + max_s
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as client:

        async def worker() -> None:
            while len(times) < max_n and time.perf_counter() < t_end:
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, headers=HEADERS)
                except httpx.HTTPError:  # a connection the server dropped (TiPg did, on limit=10000 under load)
                    if failed is None:
                        raise
                    failed.append(0)
                    continue
                if r.status_code == 200:
                    times.append(time.perf_counter() - t0)
                elif failed is not None:
                    failed.append(r.status_code)
                else:
                    raise SystemExit(f"{path}: HTTP {r.status_code}")

        await asyncio.gather(*(worker() for _ in range(conc)))
    return times, time.perf_counter() - t_start


def sequential_round_robin(
    clients: list[httpx.Client], paths: list[str], max_n: int, max_s: float
) -> list[list[float]]:
    """Time each server's ``paths[i]`` one request at a time, round robin, so all see the same moments of load.

    The first server of a round moves on by one each round; at least one request each.
    """
    times: list[list[float]] = [[] for _ in clients]
    t_end = time.perf_counter() + max_s
    k = 0
    while min(len(t) for t in times) < max_n and (k == 0 or time.perf_counter() < t_end):
        for j in range(len(clients)):
            i = (j + k) % len(clients)
            times[i] += sequential(clients[i], paths[i], 1, max_s)
        k += 1
    return times


def sequential_pair(
    clients: tuple[httpx.Client, httpx.Client], path: str, max_n: int, max_s: float
) -> tuple[list[float], list[float]]:
    """Time ``path`` on two servers, alternating one request each, so both see the same moments of load."""
    a, b = sequential_round_robin(list(clients), [path, path], max_n, max_s)
    return a, b


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


#: A minimal HTTP/1.1 responder (keep-alive, a fixed 2-byte JSON body, no framework), run as its own
#: process: what the 16-way client measures against it is the client's and the machine's own share.
_FLOOR_SERVER = """
import asyncio, sys
BODY = b"{}"
HEAD = b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 2\\r\\n\\r\\n"
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            if not head:
                break
            writer.write(HEAD + BODY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=512)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def client_floor(port: int, seconds: float, n: int) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, requests/s) of the 16-way client against :data:`_FLOOR_SERVER`.

    The client of :func:`concurrent` is one Python process; on a loaded machine it, not
    the server, can set the pace and the tail of a small answer. Its figures against a
    server that does nothing say how much of a p95/p50 is the client's and the machine's.
    """
    proc = subprocess.Popen([sys.executable, "-c", _FLOOR_SERVER, str(port)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        times, wall = asyncio.run(concurrent(f"http://127.0.0.1:{port}", "/", 16, n, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return pct(times, 0.5), pct(times, 0.95), len(times) / wall


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("%f %f %f %d", latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6), summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.timeout))
end
"""


def wrk_c16(url: str, seconds: float, script: Path) -> tuple[float, float, float, int] | None:
    """(p50 ms, p95 ms, requests/s, errors) of ``url`` 16-way by Debian's ``wrk`` (a C client); ``None`` without it."""
    import shutil

    if not shutil.which("wrk"):
        return None
    if not script.exists():
        script.write_text(_WRK_SCRIPT)
    cmd = ["wrk", "-t2", "-c16", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(script)]
    for k, v in HEADERS.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout.strip()
    try:
        p50, p95, rps, errors = out.splitlines()[-1].split()
    except (IndexError, ValueError):
        return None
    return (float(p50), float(p95), float(rps), int(errors)) if float(p50) > 0 else None  # none answered in time


def start_servers(
    args: argparse.Namespace, tmp: Path, gpkg: str | None, pg: str | None, schema: str | None
) -> list[Server]:
    """Start every server of the run (each with ``--workers`` workers): sitmap on each store, then the peers.

    A peer that cannot be set up or started is left out with the reason printed.
    """
    ports = Ports(args.ports)
    servers: list[Server] = []
    w = args.workers
    for label, db in (("sitmap GPKG", gpkg), ("sitmap PG", pg)):
        if db is None:
            continue
        for cache_mb in args.cache_modes:
            name = label + (" cached" if cache_mb else "")
            log = tmp / f"{name.replace(' ', '-')}.log"
            proc, base = serve(db, w, log, cache_mb=cache_mb, port=ports.next())
            servers.append(Server(name, base, SITMAP_ITEMS, proc, log, peer=False))
    if not args.peers:
        return servers
    bin_dir, version = pygeoapi_env.ensure_env()
    if bin_dir is None:
        print(f"pygeoapi left out: {version}")
    else:
        found = {}
        if schema:
            found["pygeoapi PG"] = pygeoapi_env.pg_provider(pg_target(args.pg, schema))
        if gpkg and pygeoapi_env.spatialite_ok(bin_dir):
            # a copy of the store; its claims view has no rowid for SpatiaLite's VirtualGPKG, and
            # every claim here has one version, so the version table holds the same rows
            copy = pygeoapi_env.gpkg_copy(bin_dir, gpkg, tmp / "pygeoapi.gpkg")
            found["pygeoapi GPKG"] = {**pygeoapi_env.gpkg_provider(copy), "table": "claim_versions"}
        elif gpkg:
            print("pygeoapi GPKG left out: no Python here loads SpatiaLite (apt-get install libsqlite3-mod-spatialite)")
        for name, provider in found.items():
            try:
                proc, base, log = pygeoapi_env.serve(
                    bin_dir, provider, tmp, ports.next(), name=name.split()[1], workers=w, threads=args.peer_threads
                )
            except RuntimeError as exc:
                print(f"{name} left out: {exc}"[:1500])
                continue
            sortable = name == "pygeoapi PG"  # SQLiteGPKG ignores sortby and datetime
            extra = f"&{SORT}&f=json" if sortable else "&f=json"
            note = f"pygeoapi {version}, gunicorn {w} workers x {args.peer_threads} threads"
            servers.append(Server(name, base, "/collections/all/items", proc, log, True, extra, "?f=json", note))
    if schema:
        bin_dir, version = tipg_env.ensure_env()
        if bin_dir is None:
            print(f"TiPg left out: {version}")
        else:
            log = tmp / "tipg.log"
            try:
                proc, base = tipg_env.serve(bin_dir, args.pg, schema, log, ports.next(), workers=w)
            except RuntimeError as exc:
                print(f"TiPg left out: {exc}"[:1500])
            else:
                items = f"/collections/{tipg_env.collection_id(schema)}/items"
                servers.append(Server("TiPg", base, items, proc, log, True, f"&{SORT}", "",
                                      f"TiPg {version}, uvicorn {w} workers"))  # fmt: skip
    return servers


def run_all(servers: list[Server], args: argparse.Namespace) -> None:
    """Check every server's answers against sitmap's, then time each query on all of them in one run.

    Sequential requests go round robin over the servers, one at a time; then each server
    gets the query 16-way concurrently, in turn. Prints the long table, the issue's table
    of sequential medians, and sitmap's ratios to the best peer.
    """
    mid_id = f"c-{args.n // 2:07d}"
    ref = servers[0]
    clients = [httpx.Client(base_url=s.base, timeout=300) for s in servers]
    stats: dict[tuple[str, str], Stats] = {}
    verdicts: dict[tuple[str, str], str] = {}
    sizes: dict[tuple[str, str], int] = {}
    failures: dict[tuple[str, str], str] = {}
    by_wrk: dict[tuple[str, str], tuple[float, float, float, int]] = {}
    try:
        print(f"\n== servers ({args.n} claims; sitmap's response cache off unless named 'cached')")
        for s in servers:
            print(f"  {s.name:<18} {s.base}{s.items}  {s.note}")
        print("answers against sitmap's (numberMatched where both give it, ids in order), checked before timing:")
        for qname, template in QUERIES:
            mine = answer(clients[0], ref.path(template, mid_id))
            row = []
            for s, c in zip(servers, clients, strict=True):
                theirs = answer(c, s.path(template, mid_id))
                sizes[qname, s.name] = theirs[2]
                verdicts[qname, s.name] = same_features(mine, theirs)
                if s is not ref:
                    row.append(f"{s.name}: {verdicts[qname, s.name]}")
            got = "1 feature" if mine[0] == 1 and len(mine[1]) == 1 else f"{len(mine[1])} of {mine[0] or '?'}"
            print(f"  {qname:<19} sitmap {got:>14}; " + "; ".join(row))
        floor = client_floor(Ports(args.ports).next(), args.seconds, args.requests * 4)
        print(f"16-way client against a server that does nothing (its own and the machine's share): "
              f"p50 {floor[0]:.1f} ms, p95 {floor[1]:.1f} ms, p95/p50 {floor[1] / floor[0]:.2f}, {floor[2]:.0f} r/s; "
              f"load average {Path('/proc/loadavg').read_text().split()[0]}")  # fmt: skip
        print(f"\n{'query':<19} {'server':<18} {'bytes':>9} | {'seq p50':>8} {'seq p95':>8} | {'c16 p50':>8} "
              f"{'c16 p95':>8} {'p95/p50':>7} {'c16 r/s':>8} {'n seq/c16':>9}")  # fmt: skip
        for qname, template in QUERIES:
            heavy = "10000" in qname
            paths = [s.path(template, mid_id) for s in servers]
            # a 10,000-feature page takes seconds on the slower servers: three times the time bound
            seq = sequential_round_robin(
                clients, paths, 10 if heavy else args.requests, args.seconds * (3 if heavy else 1)
            )
            for s, path, times in zip(servers, paths, seq, strict=True):
                failed: list[int] = []
                n_conc = 32 if heavy else args.requests * 2
                conc, wall = asyncio.run(concurrent(s.base, path, 16, n_conc, args.seconds, failed))
                if failed:
                    failures[qname, s.name] = (
                        f"{len(failed)} of {len(failed) + len(conc)} failed (HTTP {sorted(set(failed))})"
                    )
                if not conc:
                    conc = [float("nan")]
                st = stats[qname, s.name] = (
                    pct(times, 0.5), pct(times, 0.95), len(times) / sum(times),
                    pct(conc, 0.5), pct(conc, 0.95), len(conc) / wall,
                )  # fmt: skip
                w = wrk_c16(s.base + path, args.seconds, args.wrk_script) if args.wrk else None
                if w is not None:
                    by_wrk[qname, s.name] = w
                print(f"{qname:<19} {s.name:<18} {sizes[qname, s.name]:>9} | {st[0]:6.1f}ms {st[1]:6.1f}ms | "
                      f"{st[3]:6.1f}ms {st[4]:6.1f}ms {st[4] / st[3]:7.2f} {st[5]:8.1f} {len(times):>4}/{len(conc):<4}"
                      f"{'  c16: ' + failures[qname, s.name] if (qname, s.name) in failures else ''}"
                      + (f" | wrk c16 p50 {w[0]:.1f} p95 {w[1]:.1f} ms, x{w[1] / w[0]:.2f}, {w[2]:.0f} r/s"
                         + (f", {w[3]} errors" if w[3] else "") if w else ""))  # fmt: skip
    finally:
        for c in clients:
            c.close()
    print_summary(servers, stats, verdicts)


def print_summary(
    servers: list[Server], stats: dict[tuple[str, str], Stats], verdicts: dict[tuple[str, str], str]
) -> None:
    """The issue's table (sequential p50, ms; 'wrong' where a peer's answer differs) and the ratios to the best peer."""
    names = [s.name for s in servers]
    peers = [s.name for s in servers if s.peer]
    print("\nsequential p50 ms (issue 16's table; * = answer differs from sitmap's):")
    print(f"| query | {' | '.join(names)} |")
    print(f"|---|{'---|' * len(names)}")
    for qname, _ in QUERIES:
        cells = [f"{stats[qname, n][0]:.1f}" + ("" if verdicts[qname, n].startswith("same") else "*") for n in names]
        print(f"| {qname} | {' | '.join(cells)} |")
    if not peers:
        return
    print("\nsitmap / best peer, sequential p50 (<= 1.00 meets the target); best correct peer where the best is wrong;")
    print("c16 p95/p50 of sitmap (< 4 meets the target):")
    for qname, _ in QUERIES:
        best = min(peers, key=lambda n: stats[qname, n][0])
        correct = [n for n in peers if verdicts[qname, n].startswith("same")]
        best_ok = min(correct, key=lambda n: stats[qname, n][0]) if correct else None
        parts = []
        for s in servers:
            if s.peer:
                continue
            st = stats[qname, s.name]
            part = f"{s.name} {st[0] / stats[qname, best][0]:5.2f}"
            if best_ok and best_ok != best:
                part += f" ({st[0] / stats[qname, best_ok][0]:4.2f} vs {best_ok})"
            parts.append(part + f", c16 p95/p50 {st[4] / st[3]:4.2f}")
        print(f"  {qname:<19} best {best} {stats[qname, best][0]:6.1f} ms: " + "; ".join(parts))


def run_vs_baseline(label: str, db: str, args: argparse.Namespace, tmp: Path, *, cache_mb: float) -> None:
    """This checkout and ``--baseline`` (another checkout's code) serving the same store, measured query by query.

    Both servers run at once, idle while the other is timed; each query is timed on
    one then the other, so the ratios come from the same minutes of this noisy machine.
    Then the downloads of every match, and the plans of this checkout's statements.
    """
    queries = [(name, SITMAP_ITEMS + path.format(mid_id=f"c-{args.n // 2:07d}")) for name, path in QUERIES]
    procs = []
    try:
        ports = Ports(args.ports)
        new_proc, new = serve(db, args.workers, tmp / f"serve-{label}-new.log", cache_mb=cache_mb, port=ports.next())
        procs.append(new_proc)
        old_log = tmp / f"serve-{label}-base.log"
        old_proc, old = serve(db, args.workers, old_log, cache_mb=cache_mb, code=args.baseline, port=ports.next())
        procs.append(old_proc)
        mode = f"response cache {cache_mb:g} MB" if cache_mb else "response cache off: every request runs its query"
        print(f"\n== {label}: this checkout vs {args.baseline} ({args.workers} worker(s), {mode})")
        with httpx.Client(base_url=new, timeout=300) as cn, httpx.Client(base_url=old, timeout=300) as co:
            for name, path in queries:
                a, b = answer(cn, path), answer(co, path)
                same = a[1] == b[1] and (a[0] is None or a[0] == b[0])
                print(f"  {name:<18} new {check(cn, path):>14}  base {check(co, path):>14}  "
                      f"{'same ids in order' if same else 'DIFFERENT'}")  # fmt: skip
            print(f"{'query':<18} | {'seq p50 new':>11} {'base':>8} {'x':>6} | {'c16 p50 new':>11} {'base':>8} "
                  f"{'x':>6} | {'c16 p95 new':>11} {'base':>8} | {'c16 p95/p50 new':>15} {'base':>6}")  # fmt: skip
            for name, path in queries:
                heavy = "10000" in path
                seq_n, seq_o = sequential_pair((cn, co), path, 10 if heavy else args.requests, 2 * args.seconds)
                conc = 32 if heavy else args.requests * 2
                c_n, wall_n = asyncio.run(concurrent(new, path, 16, conc, args.seconds))
                c_o, wall_o = asyncio.run(concurrent(old, path, 16, conc, args.seconds))
                sn = (pct(seq_n, 0.5), pct(seq_n, 0.95), 0.0, pct(c_n, 0.5), pct(c_n, 0.95), len(c_n) / wall_n)
                so = (pct(seq_o, 0.5), pct(seq_o, 0.95), 0.0, pct(c_o, 0.5), pct(c_o, 0.95), len(c_o) / wall_o)
                print(f"{name:<18} | {sn[0]:9.1f}ms {so[0]:6.1f}ms {so[0] / sn[0]:6.2f} | {sn[3]:9.1f}ms "
                      f"{so[3]:6.1f}ms {so[3] / sn[3]:6.2f} | {sn[4]:9.1f}ms {so[4]:6.1f}ms | "
                      f"{sn[4] / sn[3]:15.2f} {so[4] / so[3]:6.2f}")  # fmt: skip
            if args.downloads:
                dn, do = download_rates(cn, args.downloads), download_rates(co, args.downloads)
                for name, _ in DOWNLOADS:
                    (tn, bn), (to, bo) = dn[name], do[name]
                    rn, ro = bn / 1e6 / tn, bo / 1e6 / to
                    print(f"download {name:<15}: new {bn / 1e6:6.1f} MB in {tn:5.2f} s = {rn:6.1f} MB/s | "
                          f"base {bo / 1e6:6.1f} MB in {to:5.2f} s = {ro:6.1f} MB/s | x {to / tn:.2f}")  # fmt: skip
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    if args.plans:
        print(f"plans of this checkout's statements ({label}):")
        for plan in plans(db, args.n):
            print(plan)


def ensure_database(url: str) -> None:
    """Create the benchmark's dedicated database with PostGIS if it is missing (connecting to ``postgres``)."""
    import psycopg
    from psycopg import conninfo, sql

    params = conninfo.conninfo_to_dict(url)
    dbname = str(params.get("dbname") or "postgres")
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def pg_target(url: str, schema: str) -> pygeoapi_env.PgTarget:
    """The connection parameters of ``url`` as pygeoapi's PostgreSQL provider wants them."""
    from psycopg import conninfo

    p = conninfo.conninfo_to_dict(url)
    return pygeoapi_env.PgTarget(
        host=str(p.get("host") or "127.0.0.1"),
        port=int(p.get("port") or 5432),
        dbname=str(p.get("dbname") or "postgres"),
        user=str(p.get("user") or "postgres"),
        password=str(p["password"]) if p.get("password") else None,
        schema=schema,
    )


def prepare_pg(args: argparse.Namespace) -> tuple[str, str, bool]:
    """(store URL, schema, whether this run made the schema): ``--schema`` reused when filled, else a new one loaded."""
    import uuid

    import psycopg

    ensure_database(args.pg)
    schema = args.schema or "bench_" + uuid.uuid4().hex[:8]
    sep = "&" if "?" in args.pg else "?"
    url = f"{args.pg}{sep}options=-csearch_path%3D{schema},public"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'claim_versions'",
            [schema],
        ).fetchone()
        if found:
            (count,) = conn.execute(f'SELECT count(*) FROM "{schema}".claim_versions').fetchone()  # type: ignore[misc]
            if count == args.n:
                print(f"PostGIS schema {schema}: {count} claims already loaded, reused")
                return url, schema, False
            raise SystemExit(f"schema {schema} holds {count} claims, not {args.n}: drop it or name another")
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    took = load(url, args.n)
    print(f"loaded {args.n} claims into PostGIS schema {schema} in {took:.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return url, schema, args.schema is None


def prepare_gpkg(args: argparse.Namespace, tmp: Path) -> str:
    """The GeoPackage of the run: ``--gpkg`` reused when it exists (else filled there), or a new one in ``tmp``."""
    db = args.gpkg or str(tmp / "bench.gpkg")
    if args.gpkg and Path(args.gpkg).exists():
        print(f"GeoPackage {db} reused")
        return db
    took = load(db, args.n)
    print(f"loaded {args.n} claims into {db} in {took:.1f} s")
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="claims to load (default 100000)")
    parser.add_argument("--backend", choices=["gpkg", "postgis", "both"], default="both", help="sitmap store(s)")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL database of PostGIS and peers ({DEFAULT_PG})")
    parser.add_argument(
        "--peers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also serve the same claims with pygeoapi (PostgreSQL and SQLiteGPKG providers) and TiPg (default on)",
    )
    parser.add_argument("--peer-threads", type=int, default=4, help="gunicorn threads per pygeoapi worker (4)")
    parser.add_argument("--workers", type=int, default=2, help="workers of every server (default 2, as in issue 16)")
    parser.add_argument("--requests", type=int, default=60, help="sequential requests per query and server (bound)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time per query and mode (bound)")
    parser.add_argument(
        "--wrk",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time each query 16-way with Debian's wrk (a C client, where installed) for --seconds",
    )
    parser.add_argument("--cached", action="store_true", help="also serve sitmap with the response cache on (64 MB)")
    parser.add_argument("--ports", help="take the servers' ports from this range only, e.g. 8130-8149")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout (e.g. of main) served beside this one: same-run ratios"
    )
    parser.add_argument("--gpkg", help="GeoPackage to fill with -n claims and keep, or reuse when it exists")
    parser.add_argument("--schema", help="PostGIS schema (in --pg) to fill and keep, or reuse when filled")
    parser.add_argument("--loaded-gpkg", help="(--baseline) a GeoPackage already filled by this script's generator")
    parser.add_argument("--loaded-pg", help="(--baseline) a PostGIS store URL already filled by this generator")
    parser.add_argument("--downloads", type=int, default=1, help="(--baseline) times each download of every match")
    parser.add_argument("--plans", action=argparse.BooleanOptionalAction, default=True, help="print query plans")
    args = parser.parse_args()
    args.cache_modes = [0.0, 64.0] if args.cached else [0.0]
    backends = ["gpkg", "postgis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        args.wrk_script = tmp / "c16.lua"
        schema = url = gpkg = None
        made_schema = False
        try:
            if args.loaded_pg and "postgis" in backends:
                url = args.loaded_pg
            elif "postgis" in backends or (args.peers and not args.baseline):
                url, schema, made_schema = prepare_pg(args)
            if "gpkg" in backends:
                gpkg = args.loaded_gpkg or prepare_gpkg(args, tmp)
            if args.baseline:
                for cache_mb in args.cache_modes:
                    if gpkg:
                        run_vs_baseline("GeoPackage", gpkg, args, tmp, cache_mb=cache_mb)
                    if url and "postgis" in backends:
                        run_vs_baseline("PostGIS", url, args, tmp, cache_mb=cache_mb)
                return
            servers = start_servers(args, tmp, gpkg, url if "postgis" in backends else None, schema)
            try:
                run_all(servers, args)
            except (httpx.HTTPError, SystemExit):
                for s in servers:
                    state = "running" if s.proc.poll() is None else f"exited {s.proc.returncode}"
                    print(f"-- {s.name}'s log ({state}):\n{s.log.read_text(errors='replace')[-3000:]}")
                raise
            finally:
                for s in servers:
                    liveserver.stop(s.proc)
            if args.plans:
                for label, db in (("GeoPackage", gpkg), ("PostGIS", url if "postgis" in backends else None)):
                    if db:
                        print(f"\nplans of sitmap's statements ({label}):")
                        for plan in plans(db, args.n):
                            print(plan)
        finally:
            if made_schema and schema:
                import psycopg

                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
