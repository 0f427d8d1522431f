"""Download benchmark: every claim as GeoJSON and as CSV, this checkout against another, same run.

Serves the same stores (a GeoPackage and/or a PostGIS schema, filled with the synthetic
claims of ``bench/store.py``) with this checkout's code and with ``--baseline``'s (e.g.
a worktree of an older main), response cache off, one worker each, and downloads
``/collections/all/items?f=geojson`` and ``?f=csv`` (identity encoding) from one then
the other, alternately, ``--repeat`` times. Timed by ``curl -o /dev/null`` (a Python
client reading 60+ MB/s would time itself), or httpx where curl is missing.

The first download from this checkout writes the texts it keeps
(``layers.store.rows.encoded``; the kept texts of a reused store are emptied first), so
it is printed on its own: ``first``; ``best`` is the fastest of the others. Bytes are
compared between the two servers (GeoJSON without its ``timeStamp``), and this
checkout's gzip and zstd downloads are timed once each. Figures only, no pass/fail.

    .venv/bin/python bench/downloads.py --baseline /path/to/old/checkout [-n 100000]
        [--backend gpkg|postgis|both] [--pg postgresql://postgres@127.0.0.1:5432/sitmap_bench]
        [--loaded-gpkg X.gpkg] [--loaded-pg URL] [--ports 8110-8119] [--repeat 3]

Measured 2026-12-07 19:36-20:12 UTC, issue 16, against main at f293e88 (just before the
kept texts), 100,000 claims (GeoJSON 87.8 MB, CSV 34.2 MB), ``--repeat 4``, three runs on
the shared 2-core machine at load average 10-27 (one worker each, identity, curl), best
of this checkout vs base's best, same run; bytes identical in every run:

=========================  ==================  ==================  ==================
download                   run 1 (load 11-15)  run 2 (load 14-27)  run 3 (load 14)
=========================  ==================  ==================  ==================
GeoPackage GeoJSON         1.49 s vs 9.07 s    3.60 s vs 10.15 s   2.72 s vs 16.43 s
                           59.1 MB/s, x6.1     24.4 MB/s, x2.8     32.3 MB/s, x6.0
GeoPackage CSV             1.31 s vs 9.31 s    0.75 s vs 14.09 s   0.34 s vs 11.74 s
                           26.1 MB/s, x7.1     45.7 MB/s, x18.8    99.9 MB/s, x34.3
PostGIS GeoJSON            2.33 s vs 7.24 s    1.79 s vs 6.28 s    1.64 s vs 5.64 s
                           37.7 MB/s, x3.1     49.0 MB/s, x3.5     53.4 MB/s, x3.4
PostGIS CSV                1.09 s vs 9.70 s    1.09 s vs 8.11 s    1.37 s vs 11.09 s
                           31.5 MB/s, x8.9     31.3 MB/s, x7.4     25.0 MB/s, x8.1
=========================  ==================  ==================  ==================

The first download after the store was filled (it writes and keeps the texts) took
14.3-32.2 s (GeoJSON) and 16.2-24.3 s (CSV) against base's best 5.6-16.4 s and
8.1-14.1 s in the same runs: about 1.5-2x the old cost, once per version
(``sitmap db encode`` pays it ahead). gzip / zstd of the kept GeoJSON: 3.1 / 3.3 MB on
the wire, 1.7-6.7 s. The 40 MB/s target was met in some runs and not others: the
machine's load, not the code, decides which.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOWNLOADS = [("GeoJSON", "/collections/all/items?f=geojson"), ("CSV", "/collections/all/items?f=csv")]


def _bench_module(name: str):  # type: ignore[no-untyped-def]
    """Import a sibling bench script by path (``bench/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


liveserver = _bench_module("liveserver")


def load(url: str, n: int) -> float:
    """Fill a new store with ``n`` synthetic claims; seconds taken."""
    from layers.store import open_store

    claims = _bench_module("store").synthetic_claims(n)
    store = open_store(url)
    t0 = time.perf_counter()
    try:
        for i in range(0, len(claims), 10_000):
            store.add_claims(claims[i : i + 10_000])
    finally:
        store.close()
    return time.perf_counter() - t0


def clear_kept(url: str) -> None:
    """Empty the kept download texts of a store (so the first download writes them again)."""
    from layers.store import open_store
    from layers.store.rows import encoded as E

    store = open_store(url)
    try:
        store.init()  # type: ignore[attr-defined]

        def run(tx):  # type: ignore[no-untyped-def]
            for kind, table in E.TABLES.items():
                tx.run(f"DELETE FROM {table}")
                tx.run("DELETE FROM sitmap_meta WHERE key = ?", [E.meta_key(kind)])

        store._in_write(run, [])  # type: ignore[attr-defined]
    finally:
        store.close()


def free_ports(spec: str | None, count: int) -> list[int]:
    """``count`` free ports of the range ``lo-hi`` (any free ones without a range)."""
    if not spec:
        return [int(liveserver.free_port()) for _ in range(count)]
    lo, hi = (int(v) for v in spec.split("-"))
    out = []
    for port in range(lo, hi + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        out.append(port)
        if len(out) == count:
            return out
    raise SystemExit(f"fewer than {count} free ports in {spec}")


def serve(db: str, log: Path, port: int, code: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    env = {"SITMAP_RESPONSE_CACHE_MB": "0", "SITMAP_RATE_LIMIT": "false"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return liveserver.start(db, log, env=env, sitmap=str(ROOT / ".venv" / "bin" / "sitmap"), port=port)  # type: ignore[no-any-return]


def fetch(base: str, path: str, encoding: str = "identity", keep: Path | None = None) -> tuple[float, int]:
    """Seconds and bytes of one download (curl when present)."""
    url = base + path
    if shutil.which("curl"):
        out = str(keep) if keep else "/dev/null"
        cmd = [
            "curl",
            "-sS",
            "-H",
            f"Accept-Encoding: {encoding}",
            "-o",
            out,
            "-w",
            "%{http_code} %{size_download} %{time_total}",
            url,
        ]
        code, size, took = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
        if code != "200":
            raise SystemExit(f"{url}: HTTP {code}")
        return float(took), int(size)
    t0 = time.perf_counter()
    with httpx.Client(timeout=600) as client, client.stream("GET", url, headers={"Accept-Encoding": encoding}) as r:
        if r.status_code != 200:
            raise SystemExit(f"{url}: HTTP {r.status_code}")
        size = 0
        with open(keep, "wb") if keep else open("/dev/null", "wb") as fh:
            for chunk in r.iter_raw():
                size += len(chunk)
                fh.write(chunk)
    return time.perf_counter() - t0, size


def same_bytes(a: Path, b: Path) -> bool:
    stamp = re.compile(rb'"timeStamp":"[^"]*"')
    return stamp.sub(b"", a.read_bytes(), count=1) == stamp.sub(b"", b.read_bytes(), count=1)


def run(label: str, db: str, args: argparse.Namespace, tmp: Path) -> None:
    ports = free_ports(args.ports, 2)
    procs = []
    try:
        new_proc, new = serve(db, tmp / f"{label}-new.log", ports[0], None)
        procs.append(new_proc)
        old_proc, old = serve(db, tmp / f"{label}-base.log", ports[1], args.baseline)
        procs.append(old_proc)
        load_avg = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
        print(f"\n== {label}: this checkout vs {args.baseline} (1 worker each, cache off, load {load_avg})")
        for name, path in DOWNLOADS:
            new_t: list[float] = []
            old_t: list[float] = []
            size = 0
            for i in range(args.repeat):
                keep_new = tmp / f"new.{name}" if i == 0 else None
                keep_old = tmp / f"old.{name}" if i == 0 else None
                t, size = fetch(new, path, keep=keep_new)
                new_t.append(t)
                t, _ = fetch(old, path, keep=keep_old)
                old_t.append(t)
            same = same_bytes(tmp / f"new.{name}", tmp / f"old.{name}")
            mb = size / 1e6
            first, best = new_t[0], min(new_t[1:] or new_t)
            old_best = min(old_t)
            print(
                f"  {name:<8} {mb:6.1f} MB | new first {first:6.2f} s = {mb / first:6.1f} MB/s, best {best:5.2f} s = "
                f"{mb / best:6.1f} MB/s | base best {old_best:6.2f} s = {mb / old_best:5.1f} MB/s | "
                f"x {old_best / best:5.1f} | {'same bytes' if same else 'DIFFERENT BYTES'}"
            )
            for enc in ("gzip", "zstd"):
                t, wire = fetch(new, path, encoding=enc)
                print(
                    f"           new {enc:<4}: {wire / 1e6:6.1f} MB on the wire in {t:5.2f} s "
                    f"= {mb / t:6.1f} MB/s of content"
                )
    finally:
        for proc in procs:
            liveserver.stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout served beside this one")
    parser.add_argument("-n", type=int, default=100_000, help="claims to load (default 100000)")
    parser.add_argument("--backend", choices=["gpkg", "postgis", "both"], default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/sitmap_bench", help="PostgreSQL database")
    parser.add_argument("--loaded-gpkg", help="a GeoPackage already filled by the generator (its kept texts emptied)")
    parser.add_argument("--loaded-pg", help="a PostGIS store URL already filled by the generator (kept texts emptied)")
    parser.add_argument("--ports", help="port range for the two servers, e.g. 8110-8119 (default: any free)")
    parser.add_argument("--repeat", type=int, default=3, help="downloads of each format from each server")
    args = parser.parse_args()
    backends = ["gpkg", "postgis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        schema = None
        try:
            if "gpkg" in backends:
                db = args.loaded_gpkg or str(tmp / "bench.gpkg")
                if not args.loaded_gpkg:
                    print(f"loaded {args.n} claims into {db} in {load(db, args.n):.1f} s")
                clear_kept(db)
                run("GeoPackage", db, args, tmp)
            if "postgis" in backends:
                url = args.loaded_pg
                if not url:
                    import uuid

                    import psycopg

                    schema = "bench_" + uuid.uuid4().hex[:8]
                    with psycopg.connect(args.pg, autocommit=True) as conn:
                        conn.execute(f'CREATE SCHEMA "{schema}"')
                    sep = "&" if "?" in args.pg else "?"
                    url = f"{args.pg}{sep}options=-csearch_path%3D{schema},public"
                    print(f"loaded {args.n} claims into PostGIS schema {schema} in {load(url, args.n):.1f} s")
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute("ANALYZE")
                clear_kept(url)
                run("PostGIS", url, args, tmp)
        finally:
            if schema:
                import psycopg

                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
