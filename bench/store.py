"""Store benchmark: 100,000 synthetic claims into the GeoPackage store, then queries.

Prints throughput and, measured in the same run on the same machine, the ratio
against pyogrio writing the same features to a fresh GeoPackage (insert) and
against a geopandas read-and-filter of that file (query). Figures only, no
pass/fail. ``--pg URL`` also runs the PostGIS store; ``-n`` changes the size.

The import part (``--import-only`` runs just it) writes the claims as a GeoJSON file
and times ``sitmap import geojson`` (the CLI, in a child process, so its peak RSS is
measured) into a fresh GeoPackage against pyogrio ``write_dataframe`` of the same
rows, then the re-import of the unchanged file against the first import; with
``--pg`` into a fresh PostGIS database against ``ogr2ogr`` with COPY
(``PG_USE_COPY=YES``). ``--rss-mb N`` also imports a generated file of about N MB
(the 100k repeated under new ids) and prints the importer's peak RSS.

``--formats [csv gpkg parquet]`` instead times ``sitmap import`` of sitmap's own export
of the claims in each of those formats against ``sitmap import geojson`` and pyogrio
``write_dataframe`` of the same rows, by the child's CPU seconds (and wall, peak RSS).

    .venv/bin/python bench/store.py [-n 100000] [--pg postgresql://...] [--import-only] [--rss-mb 1024]
        [--baseline ../main-worktree --rounds 2]
    .venv/bin/python bench/store.py -n 100000 --formats

Measured 2026-12-07, ``-n 100000 --import-only --pg``, one run on the shared 2-core
machine under heavy load (load average 9-12, so wall times are several times a quiet
machine's and CPU seconds are the steadier figure; ratios are same-run). Before the bulk
path (previous session, wall): GeoPackage 4.88x pyogrio ``write_dataframe``, PostGIS
7.50x ``ogr2ogr`` with COPY, re-imports 0.20x and 0.17x; the GeoPackage import then
spent 20.4 s CPU on the 100k (pyogrio about 2.4 s). With the bulk path (well-formed rows
built without pydantic, large transactions with the R-tree triggers and read-free
indexes restored once per transaction, PostGIS tables ANALYZEd as they grow):
GeoPackage 60.8 s wall / 11.9 s CPU against pyogrio 8.8 s / 2.6 s (6.89x wall, 4.58x
CPU; target 1.5x: not met; sitmap's time includes reading and checking the GeoJSON and
the CLI's start, about 1 s CPU), re-import 0.19x wall (0.28x CPU); PostGIS 49.4 s
against ogr2ogr with COPY 13.6 s (3.62x, target 2x: not met), re-import 0.32x. Peak
RSS of the 100k import 182 MB; ``--rss-mb 1024`` (1,066 MB, 1,300,000 features, into a
fresh GeoPackage): peak RSS 264 MB (target 300; the ids seen now take about 8 bytes a
feature, the run before that change passed 296 MB at about 1.1M features).

Session 5 (2026-12-07, ``-n 100000 --import-only --pg ... --baseline <worktree of dbcaa1a>
--rounds 2``, load average 11-17 on the 2 cores, so wall times swing 2-5x between runs
of the same code; medians of 2 rounds, same run): GeoPackage 8.64 s CPU against pyogrio
1.89 s (4.56x CPU, 3.58x wall; the baseline 9.72 s, 5.13x CPU): sitmap / baseline 0.89
CPU. In-process (no CLI start), alternating: 9.42 -> 8.25 / 8.27 s CPU (0.88). Re-import
/ import 0.29 CPU, 0.25 wall (baseline 0.28 / 0.30). PostGIS 55.2 s against ogr2ogr with
COPY 28.5 s: 1.94x (baseline 2.37x; sitmap / baseline 0.82 wall); re-import / import
0.34 (baseline 0.33). Peak RSS 188 MB (100k); the 1,066 MB file (1,300,000 features)
into a fresh GeoPackage peaks at 263 MB (143 s user + 38 s system CPU).
What changed: the CLI no longer imports FastAPI (~0.5 s of every start); import digests
of new records are inserted without a look-up; an R-tree empty at a bulk transaction's
start is loaded in one pass at its commit (layers/store/rtree_load.py); a PostGIS bulk
transaction into an empty table builds its GiST and time indexes after the load.

Session 6 (2026-12-08, ``-n 100000 --import-only --pg ... --baseline <tree of 850d087>
--rounds 1``, load average 13-20; imports with ``--no-encode``, see :func:`_no_encode`):
re-import / import GeoPackage 0.17 CPU, 0.21 wall (baseline 0.30 / 0.26), PostGIS 0.16
(baseline 0.25): a GeoJSON re-import no longer decodes the features whose line's digest
the store knows (1.84 s CPU against 2.75 s). First imports: GeoPackage 10.70 s CPU against
pyogrio 2.13 s (5.01x; baseline 9.29 s, 4.35x), PostGIS 92.6 s against ogr2ogr with COPY
33.9 s (2.73x; baseline 83.8 s, 2.47x): not met, and not faster than before (the per-row
trims of FastClaims, check_claims and claim_rows were within the noise of this load). The
gap to the baseline is main's other work since 850d087, not the prefilter or the key sets:
the same tree with this session's eight import and store files put back as they were,
alternating, ``--no-encode``: 10.36 / 9.40 s CPU against 10.22 / 9.72 s with them.
The 1,066 MB file (1,300,000 features) into a fresh GeoPackage (``--no-encode``): peak
RSS 265 MB (743 s wall under that load); its re-import 42.8 s wall, peak RSS 141 MB.

``-n 100000 --formats`` (2026-12-07, same machine and load), CPU seconds of each import
into a fresh GeoPackage: geojson 12.6 s (81 MB file), csv 14.6 s (1.16x geojson, 29 MB),
gpkg 14.7 s (1.17x, 26 MB), parquet 11.7 s (0.92x, 2.8 MB), against pyogrio
``write_dataframe`` 2.9 s CPU (9.5 s wall); peak RSS 187, 171, 307, 299 MB (pyogrio's
import, which loads pandas, alone takes 163 MB). Dry runs of 100k and 300k rows peak at
261 and 278 MB (parquet), 290 and 293 MB (gpkg): memory follows the batch, not the file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.model import EVENT_TYPES, Uncertainty
from layers.model import ClaimRecord
from layers.store import ClaimQuery, open_store

BBOX = (34.2, 31.2, 34.6, 31.6)
START = datetime(2023, 10, 1, tzinfo=UTC)
END = datetime(2024, 12, 31, tzinfo=UTC)
CLAIMANTS = ("Israeli military", "Gaza health ministry", "Palestinian Red Crescent", "witnesses", "UN OCHA")
SOURCES = ("Reuters", "Al Jazeera", "Times of Israel", "WAFA", "OCHA")


def synthetic_claims(n: int, seed: int = 7, start: int = 0) -> list[ClaimRecord]:
    """``n`` day-precision point claims spread over the Gaza Strip bbox and Oct 2023 - Dec 2024.

    Ids run from ``c-<start>`` on, so a large set can be made in chunks (one seed each).
    """
    rng = np.random.default_rng(seed)
    xs = rng.uniform(BBOX[0], BBOX[2], n)
    ys = rng.uniform(BBOX[1], BBOX[3], n)
    days = rng.integers(0, (END - START).days, n)
    radii = rng.choice([250.0, 1000.0, 5000.0, 20000.0], n)
    types = rng.integers(0, len(EVENT_TYPES), n)
    who = rng.integers(0, len(CLAIMANTS), n)
    unc = {
        r: Uncertainty(
            radius_m=r,
            geo_precision=1 if r <= 1000 else 2 if r <= 5000 else 3,
            where_prec=1 if r <= 250 else 2 if r <= 1000 else 3 if r <= 5000 else 4,
            method="gazetteer",
        )
        for r in (250.0, 1000.0, 5000.0, 20000.0)
    }
    out = []
    for i in range(n):
        day = START + timedelta(days=int(days[i]))
        out.append(
            ClaimRecord(
                id=f"c-{start + i:07d}",
                event_type=EVENT_TYPES[types[i]],
                claimant=CLAIMANTS[who[i]],
                source=SOURCES[who[i]],
                place_name=f"place {i % 500}",
                geometry={"type": "Point", "coordinates": [float(xs[i]), float(ys[i])]},
                uncertainty=unc[float(radii[i])],
                valid_from=day,
                valid_to=day + timedelta(days=1) - timedelta(microseconds=1),
                time_precision="day",
            )
        )
    return out


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


QUERIES: dict[str, dict[str, Any]] = {
    "bbox (Gaza City, ~6% of the area)": {"bbox": (34.40, 31.48, 34.50, 31.54)},
    "time window (1 week)": {"start": datetime(2024, 3, 1, tzinfo=UTC), "end": datetime(2024, 3, 7, tzinfo=UTC)},
    "bbox + time window (1 month)": {
        "bbox": (34.40, 31.48, 34.50, 31.54),
        "start": datetime(2024, 3, 1, tzinfo=UTC),
        "end": datetime(2024, 3, 31, tzinfo=UTC),
    },
    "bbox + 1 month + event type": {
        "bbox": (34.40, 31.48, 34.50, 31.54),
        "start": datetime(2024, 3, 1, tzinfo=UTC),
        "end": datetime(2024, 3, 31, tzinfo=UTC),
        "event_types": ("airstrike",),
    },
}


def geopandas_query(path: Path, q: dict[str, Any]) -> int:
    """Read the whole file with geopandas and filter the same way (the baseline a script would write)."""
    import geopandas as gpd
    import shapely

    df = gpd.read_file(path, layer="claims")
    mask = np.ones(len(df), dtype=bool)
    if "bbox" in q:
        mask &= df.geometry.intersects(shapely.box(*q["bbox"])).to_numpy()
    if "start" in q:
        mask &= (df["valid_to"] >= q["start"]).to_numpy()
    if "end" in q:
        mask &= (df["valid_from"] <= q["end"]).to_numpy()
    if "event_types" in q:
        mask &= df["event_type"].isin(q["event_types"]).to_numpy()
    return int(mask.sum())


def query_plans(store: Any, q: dict[str, Any]) -> list[str]:
    """The plan of each statement the store runs for query ``q`` (EXPLAIN QUERY PLAN / EXPLAIN)."""
    from layers.store import gpkg, postgis

    seen: list[tuple[str, list[Any]]] = []
    classes = [gpkg._Tx, gpkg._ReadTx, postgis._Tx]
    originals = [c.fetch for c in classes]

    def spy(orig: Any) -> Any:
        def fetch(self: Any, sql: str, params: Any = ()) -> Any:
            if sql.lstrip().upper().startswith("SELECT") and "claim_versions" in sql:
                seen.append((sql, list(params)))
            return orig(self, sql, params)

        return fetch

    for cls, orig in zip(classes, originals, strict=True):
        cls.fetch = spy(orig)  # type: ignore[method-assign]
    try:
        store.query_claims(ClaimQuery(limit=100, **q))
    finally:
        for cls, orig in zip(classes, originals, strict=True):
            cls.fetch = orig  # type: ignore[method-assign]
    explain = "EXPLAIN QUERY PLAN " if isinstance(store, gpkg.GpkgStore) else "EXPLAIN "
    out = []
    for sql, params in seen:
        rows = store._fetch(explain + sql, params)
        out.append("\n".join("    " + " | ".join(str(c) for c in row) for row in rows))
    return out


def run_store(url: str, claims: list[ClaimRecord], label: str) -> dict[str, float]:
    """Insert ``claims`` into the store at ``url`` and time the queries; print the figures."""
    store = open_store(url)
    try:
        t_insert, _ = timed(lambda: store.add_claims(claims))
        print(f"{label}: insert {len(claims):,} claims  {t_insert:7.2f} s  ({len(claims) / t_insert:,.0f} claims/s)")
        figures = {"insert": t_insert}
        for name, q in QUERIES.items():
            t_all, page = timed(lambda q=q: store.query_claims(ClaimQuery(**q)), repeat=3)
            t_page, _ = timed(lambda q=q: store.query_claims(ClaimQuery(limit=100, **q)), repeat=3)
            print(
                f"{label}: {name:<36} {page.total:6d} hits  all {t_all * 1000:8.1f} ms  "
                f"first 100 + total {t_page * 1000:7.1f} ms"
            )
            figures[name] = t_all
            figures[name + " page"] = t_page
        # The unfiltered first page (the OGC items default) and a 10,000-claim page built as GeoJSON
        # Features two ways: records then layers.export.claim_feature, or straight from the rows.
        from layers.export import claim_feature

        t_first, page = timed(lambda: store.query_claims(ClaimQuery(limit=100)), repeat=5)
        fresh = open_store(url)  # a new store object: nothing cached, the total is counted
        try:
            fresh.query_claims(ClaimQuery(ids=("no such id",)))  # open its connection first
            t_first_cold, _ = timed(lambda: fresh.query_claims(ClaimQuery(limit=100)), repeat=1)
        finally:
            fresh.close()
        print(
            f"{label}: {'no filter, first 100 + total':<36} {page.total:6d} hits  first 100 + total "
            f"{t_first * 1000:7.1f} ms (first time, total counted: {t_first_cold * 1000:.1f} ms)"
        )
        big = ClaimQuery(limit=10_000)
        t_rec, feats = timed(lambda: [claim_feature(r) for r in store.query_claims(big).items], repeat=3)
        t_rows, fast = timed(lambda: store.query_claim_features(big).items, repeat=3)
        assert fast == feats, "query_claim_features must equal claim_feature of query_claims"
        print(
            f"{label}: 10,000 features: via records {t_rec * 1000:7.1f} ms, from rows {t_rows * 1000:7.1f} ms "
            f"(ratio {t_rows / t_rec:.2f})"
        )
        figures["first 100"] = t_first
        for plan in query_plans(store, QUERIES["bbox + time window (1 month)"]):
            print(f"{label}: plan of bbox + 1 month, first 100:\n{plan}")
        return figures
    finally:
        store.close()


def _child(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, from GNU time: the child's own, not the forked bench) and last stdout line."""
    import subprocess

    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", *cmd], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    kb = [ln for ln in done.stderr.splitlines() if ln.startswith("maxrss_kb=")]
    peak = int(kb[-1].split("=")[1]) / 1024 if kb else float("nan")
    out = done.stdout.strip()
    return wall, peak, out.splitlines()[-1] if out else ""


def _sitmap_import(path: Path, db: str) -> tuple[float, float, str]:
    return _child([*_cli(None), "import", "geojson", str(path), *_no_encode(None), "--db", db])


def _fresh_pg(url: str, name: str) -> str:
    """A new empty PostGIS database ``name`` on the server of ``url``; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    target = url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return target


def _repeat_file(src: Path, dest: Path, mb: int) -> int:
    """A FeatureCollection of about ``mb`` MB: ``src``'s features again and again under new ids."""
    lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if ln.startswith('{"type":"Feature"')]
    lines = [ln.rstrip(",") for ln in lines]
    written, n, rep = 0, 0, 0
    with dest.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        while written < mb * 2**20:
            for ln in lines:
                text = ln.replace('"c-', f'"r{rep}-c-')
                out.write(("," if n else "") + text + "\n")
                written += len(text) + 2
                n += 1
            rep += 1
        out.write("]}\n")
    return n


def _cli(tree: str | None) -> list[str]:
    """The command that runs ``sitmap`` from the source tree ``tree`` (a baseline), or else from this bench's own.

    The bench's own tree, not the installed entry point: a copy of a checkout (say a
    worktree at the commit being measured) then measures its own code.
    """
    root = Path(tree).resolve() if tree else Path(__file__).resolve().parents[1]
    boot = f"import sys; sys.path.insert(0, {str(root)!r}); from api.cli import main; sys.exit(main())"
    return [sys.executable, "-c", boot]


def _no_encode(tree: str | None) -> list[str]:
    """``--no-encode`` for a tree whose ``sitmap import`` has it (b32921e on), else nothing.

    Since b32921e ``sitmap import`` also keeps every claim's download texts after the
    import (what ``sitmap db encode`` does: 6-7 s CPU of the 100k on a loaded machine);
    the import against pyogrio and ogr2ogr, which keep no such texts, is timed without it.
    """
    root = Path(tree).resolve() if tree else Path(__file__).resolve().parents[1]
    return ["--no-encode"] if "--no-encode" in (root / "api" / "cli.py").read_text(encoding="utf-8") else []


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def run_import(
    claims: list[ClaimRecord],
    tmp: Path,
    pg: str | None,
    rss_mb: int,
    baseline: str | None = None,
    rounds: int = 1,
) -> None:
    """Time the GeoJSON import against pyogrio / ogr2ogr (same run), re-import, and peak RSS.

    With ``baseline`` (another checkout's source tree, e.g. a worktree of main) each
    sitmap import is also run by that tree's code, alternating with this one's, in each
    of ``rounds`` rounds; the figures printed last are the medians over the rounds.
    """
    import os
    import shutil
    import subprocess

    import geopandas as gpd
    import pyogrio

    from layers.export import iter_geojson

    path = tmp / "claims.geojson"
    with path.open("wb") as fh:
        for chunk in iter_geojson(claims):
            fh.write(chunk)
    size_mb = path.stat().st_size / 2**20
    print(f"import: {len(claims):,} claims as GeoJSON, {size_mb:.1f} MB")
    frame = gpd.read_file(path, engine="pyogrio")  # the same rows, read outside the timing
    trees: dict[str, str | None] = {"sitmap": None}
    if baseline:
        trees["baseline"] = baseline
    fig: dict[str, list[float]] = {}

    def note(key: str, value: float) -> None:
        fig.setdefault(key, []).append(value)

    for r in range(rounds):
        cpu0 = time.process_time()
        out = tmp / f"pyogrio-{r}.gpkg"
        t_py, _ = timed(lambda: pyogrio.write_dataframe(frame, out, layer="claims", driver="GPKG"))
        note("pyogrio wall", t_py)
        note("pyogrio cpu", time.process_time() - cpu0)
        print(f"round {r + 1}: pyogrio write_dataframe {t_py:7.2f} s wall, {fig['pyogrio cpu'][-1]:6.2f} s CPU")
        order = list(trees.items())[:: -1 if r % 2 else 1]  # alternate which runs first
        for name, tree in order:
            db = str(tmp / f"{name}-{r}.gpkg")
            cmd = [*_cli(tree), "import", "geojson", str(path), *_no_encode(tree), "--db"]
            first, cpu1, rss, line = _child_cpu([*cmd, db])
            again, cpu2, _, _ = _child_cpu([*cmd, db])
            for key, value in (("wall", first), ("cpu", cpu1), ("re wall", again), ("re cpu", cpu2), ("rss", rss)):
                note(f"{name} gpkg {key}", value)
            print(
                f"round {r + 1}: {name:<8} gpkg import {first:7.2f} s wall, {cpu1:6.2f} s CPU, peak RSS {rss:.0f} MB; "
                f"re-import {again:6.2f} s wall, {cpu2:5.2f} s CPU  {line}"
            )
        if pg:
            for name, tree in order:
                dbname = f"sitmap_bench_import_{os.getpid()}"
                target = _fresh_pg(pg, dbname)
                url = target
                cmd = [*_cli(tree), "import", "geojson", str(path), *_no_encode(tree), "--db"]
                first, cpu1, _, line = _child_cpu([*cmd, url])
                again, cpu2, _, _ = _child_cpu([*cmd, url])
                for key, value in (("wall", first), ("cpu", cpu1), ("re wall", again)):
                    note(f"{name} pg {key}", value)
                print(
                    f"round {r + 1}: {name:<8} postgis import {first:7.2f} s wall ({cpu1:.2f} s client CPU); "
                    f"re-import {again:6.2f} s  {line}"
                )
                if name == "sitmap" and shutil.which("ogr2ogr"):
                    pgdsn = "PG:" + " ".join(f"{k}={v}" for k, v in _pg_parts(target).items())
                    t0 = time.perf_counter()
                    subprocess.run(
                        ["ogr2ogr", "-f", "PostgreSQL", pgdsn, str(path), "-nln", "ogr_claims", "-overwrite",
                         "--config", "PG_USE_COPY", "YES", "-lco", "SPATIAL_INDEX=GIST"],
                        check=True,
                    )  # fmt: skip
                    note("ogr2ogr wall", time.perf_counter() - t0)
                    print(f"round {r + 1}: ogr2ogr (COPY) {fig['ogr2ogr wall'][-1]:7.2f} s")
                import psycopg

                with psycopg.connect(pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')

    m = {key: _median(values) for key, values in fig.items()}
    print(f"medians over {rounds} round(s):")
    for name in trees:
        print(
            f"{name}: gpkg import {m[f'{name} gpkg wall']:.2f} s wall / {m[f'{name} gpkg cpu']:.2f} s CPU "
            f"(pyogrio {m['pyogrio wall']:.2f} s / {m['pyogrio cpu']:.2f} s): ratio "
            f"{m[f'{name} gpkg wall'] / m['pyogrio wall']:.2f} wall, "
            f"{m[f'{name} gpkg cpu'] / m['pyogrio cpu']:.2f} CPU "
            f"(target <= 1.5); re-import / import {m[f'{name} gpkg re wall'] / m[f'{name} gpkg wall']:.2f} wall, "
            f"{m[f'{name} gpkg re cpu'] / m[f'{name} gpkg cpu']:.2f} CPU (target <= 0.3); "
            f"peak RSS {m[f'{name} gpkg rss']:.0f} MB"
        )
        if pg:
            ogr = m.get("ogr2ogr wall", float("nan"))
            print(
                f"{name}: postgis import {m[f'{name} pg wall']:.2f} s (ogr2ogr COPY {ogr:.2f} s): ratio "
                f"{m[f'{name} pg wall'] / ogr:.2f} (target <= 2); re-import / import "
                f"{m[f'{name} pg re wall'] / m[f'{name} pg wall']:.2f} (target <= 0.3)"
            )
    if baseline:
        print(
            f"sitmap / baseline: gpkg {m['sitmap gpkg wall'] / m['baseline gpkg wall']:.2f} wall, "
            f"{m['sitmap gpkg cpu'] / m['baseline gpkg cpu']:.2f} CPU"
            + (f"; postgis {m['sitmap pg wall'] / m['baseline pg wall']:.2f} wall" if pg else "")
        )
    if rss_mb:
        big = tmp / "big.geojson"
        n = _repeat_file(path, big, rss_mb)
        wall, rss, line = _sitmap_import(big, str(tmp / "big.gpkg"))
        print(
            f"import of a {big.stat().st_size / 2**20:,.0f} MB file ({n:,} features): {wall:.1f} s, "
            f"peak RSS {rss:.0f} MB (target < 300)  {line}"
        )


def _child_cpu(cmd: list[str]) -> tuple[float, float, float, str]:
    """Like :func:`_child`, with the child's CPU seconds (user + system) after its wall seconds.

    On a shared machine the CPU time is the steadier figure: another process's load
    stretches the wall time, not the CPU the import itself spent.
    """
    import subprocess

    t0 = time.perf_counter()
    fmt = "maxrss_kb=%M cpu=%U %S"
    done = subprocess.run(["/usr/bin/time", "-f", fmt, *cmd], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    stats = [ln for ln in done.stderr.splitlines() if ln.startswith("maxrss_kb=")][-1].split()
    user, system = stats[1].removeprefix("cpu="), stats[2]
    out = done.stdout.strip()
    return wall, float(user) + float(system), int(stats[0].split("=")[1]) / 1024, out.splitlines()[-1] if out else ""


def run_formats(claims: list[ClaimRecord], tmp: Path, formats: list[str]) -> None:
    """Time ``sitmap import csv|gpkg|parquet`` of sitmap's own export of the claims into a fresh GeoPackage.

    Against, in the same run, pyogrio ``write_dataframe`` of the same rows (read from the
    GeoPackage export outside the timing) and ``sitmap import geojson`` of the same claims,
    with each import's CPU time and peak RSS (a child process each). The ratios are of CPU
    seconds (pyogrio's is its process time).
    """
    import geopandas as gpd
    import pyogrio

    from layers.export import write_export

    files = {}
    for fmt in ("geojson", *formats):
        files[fmt] = tmp / f"claims.{fmt}"
        write_export(claims, files[fmt], fmt, layer="claims")
    frame = gpd.read_file(files.get("gpkg") or files["geojson"], engine="pyogrio")
    cpu0 = time.process_time()
    t_py, _ = timed(lambda: pyogrio.write_dataframe(frame, tmp / "pyogrio-formats.gpkg", layer="claims", driver="GPKG"))
    cpu_py = time.process_time() - cpu0
    print(f"formats: {len(claims):,} claims; pyogrio write_dataframe {t_py:7.2f} s wall, {cpu_py:7.2f} s CPU")
    exe = str(Path(sys.executable).with_name("sitmap"))
    base = None
    for fmt, path in files.items():
        db = tmp / f"formats-{fmt}.gpkg"
        wall, cpu, rss, line = _child_cpu([exe, "import", fmt, str(path), "--db", str(db)])
        base = base or cpu
        size = path.stat().st_size / 2**20
        print(
            f"import {fmt:<8} ({size:6.1f} MB): {wall:7.2f} s wall, {cpu:7.2f} s CPU ({len(claims) / cpu:6,.0f} "
            f"rows/CPU s), peak RSS {rss:4.0f} MB; CPU / pyogrio {cpu / cpu_py:5.2f}, / geojson {cpu / base:4.2f}  "
            f"{line}"
        )


def _pg_parts(url: str) -> dict[str, str]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    parts = {"host": u.hostname or "127.0.0.1", "port": str(u.port or 5432), "dbname": u.path.lstrip("/")}
    if u.username:
        parts["user"] = u.username
    if u.password:
        parts["password"] = u.password
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="number of claims (default 100000)")
    ap.add_argument("--pg", help="also benchmark a PostGIS store at this URL (its tables are created there)")
    ap.add_argument("--import-only", action="store_true", help="only the GeoJSON import figures")
    ap.add_argument("--rss-mb", type=int, default=0, help="also import a generated file of about this many MB")
    ap.add_argument("--baseline", help="also time the imports with the code of this source tree (e.g. a main worktree)")
    ap.add_argument("--rounds", type=int, default=1, help="import rounds (medians printed; default 1)")
    ap.add_argument(
        "--formats",
        nargs="*",
        choices=("csv", "gpkg", "parquet"),
        help="only time `sitmap import` of sitmap's own export in these formats (all three when none is named)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    claims = synthetic_claims(args.n)
    print(f"made {len(claims):,} synthetic claims in {time.perf_counter() - t0:.1f} s (not timed below)")
    if args.formats is not None:
        with tempfile.TemporaryDirectory() as tmp:
            run_formats(claims, Path(tmp), args.formats or ["csv", "gpkg", "parquet"])
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_import(claims, Path(tmp), args.pg, args.rss_mb, args.baseline, args.rounds)
    if args.import_only:
        return

    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "bench.gpkg"
        ours = run_store(str(store_path), claims, "sitmap gpkg")

        # Baseline: the same features through pyogrio into a fresh GeoPackage.
        import geopandas as gpd
        import pyogrio

        t_frame = time.perf_counter()
        rows = [
            {
                "id": c.id,
                "event_type": c.event_type,
                "claimant": c.claimant,
                "source": c.source,
                "place_name": c.place_name,
                "uncertainty_m": c.uncertainty.radius_m if c.uncertainty else None,
                "geo_precision": c.uncertainty.geo_precision if c.uncertainty else None,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "time_precision": c.time_precision,
                "status": c.status,
                "geometry": c.geometry,
            }
            for c in claims
        ]
        frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        t_frame = time.perf_counter() - t_frame
        base_path = Path(tmp) / "pyogrio.gpkg"
        t_base, _ = timed(lambda: pyogrio.write_dataframe(frame, base_path, layer="claims", driver="GPKG"))
        print(
            f"pyogrio: write_dataframe {len(claims):,} features  {t_base:7.2f} s "
            f"(+{t_frame:.2f} s to build the GeoDataFrame, not counted)"
        )
        print(
            f"ratio insert: sitmap / pyogrio = {ours['insert'] / t_base:.2f}  "
            "(sitmap also versions, validates and checks every id)"
        )
        for name, q in QUERIES.items():
            t_gpd, hits = timed(lambda q=q: geopandas_query(base_path, q), repeat=2)
            print(
                f"geopandas read+filter: {name:<36} {hits:6d} hits {t_gpd * 1000:8.1f} ms   "
                f"ratio sitmap/geopandas: all {ours[name] / t_gpd:.3f}, first 100 {ours[name + ' page'] / t_gpd:.4f}"
            )

    if args.pg:
        run_store(args.pg, claims, "sitmap postgis")


if __name__ == "__main__":
    main()
