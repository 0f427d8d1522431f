"""Benchmark: importing a large ACLED-style CSV export (about 100 MB by default).

Generates a synthetic ACLED export (made-up rows, 31 ACLED columns, coordinates inside
the Gaza Strip, a few hundred bytes of notes each) in a temporary folder, then in the
same run:

- sitmap's importer (``layers.importers.acled.import_acled``) into a fresh GeoPackage,
  on a quarter of the size and on the full size: rows/s and peak resident memory
  (each run in its own process), which must not grow with the file (streaming);
- the baseline most scripts use: ``pandas.read_csv`` of the whole file (time and peak
  memory), which only parses: it validates nothing and stores nothing.

Usage: python bench/import_acled.py [MEGABYTES]
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/layers.py would shadow the ``layers`` package while this folder is sys.path[0].
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
SUB_TYPES = [
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
]
MONTHS = ["Oct", "Nov", "Dec"]


def make_file(path: Path, megabytes: float) -> int:
    """Write a synthetic ACLED export of about ``megabytes`` MB; return its row count."""
    rng = random.Random(7)
    target = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        while fh.tell() < target:
            etype, sub = SUB_TYPES[rows % len(SUB_TYPES)]
            day = rng.randint(1, 28)
            note = f"Synthetic benchmark row {rows}: an event reported near a neighbourhood of the Strip. " * 4
            writer.writerow(
                [
                    f"PSE{rows:07d}",
                    f"{day}-{MONTHS[rows % 3]}-23",
                    "2023",
                    str(1 + (rows % 10 == 0)),
                    "Political violence",
                    etype,
                    sub,
                    "Military Forces of Israel (2022-)",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "275",
                    "Middle East",
                    "Palestine",
                    "Gaza Strip",
                    "Gaza City",
                    "",
                    "Gaza - Synthetic",
                    f"{rng.uniform(31.25, 31.58):.4f}",
                    f"{rng.uniform(34.22, 34.53):.4f}",
                    str(1 + (rows % 7 == 0)),
                    "Benchmark outlet",
                    "National",
                    note,
                    str(rng.randint(0, 5)),
                    "",
                    "1700000000",
                ]
            )
            rows += 1
    return rows


def _child(kind: str, path: Path, db: Path) -> None:
    """Run one contender in this (fresh) process and print its time and peak resident memory."""
    import resource

    t0 = time.perf_counter()
    if kind == "pandas":
        import pandas as pd

        rows = len(pd.read_csv(path))
        stored = 0
    else:
        from layers.importers.acled import import_acled
        from layers.store import open_store

        store = open_store(db)
        try:
            result = import_acled(store, path)
        finally:
            store.close()
        rows, stored = result.rows, result.stored
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{elapsed:.3f} {peak_kb} {rows} {stored}")


def _run(kind: str, path: Path, db: Path) -> tuple[float, float, int, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(db)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2]), int(out[3])


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[1] == "--child":
        _child(argv[2], Path(argv[3]), Path(argv[4]))
        return 0
    megabytes = float(argv[1]) if len(argv) > 1 else 100.0
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for label, mb in (("quarter", megabytes / 4), ("full", megabytes)):
            path = Path(tmp) / f"acled_{label}.csv"
            rows = make_file(path, mb)
            size_mb = path.stat().st_size / 1e6
            t, rss, n, stored = _run("sitmap", path, Path(tmp) / f"{label}.gpkg")
            results[label] = (size_mb, rows, t, rss)
            print(
                f"sitmap import, {size_mb:6.1f} MB / {rows:,} rows into GeoPackage: {t:6.1f} s, "
                f"{n / t:,.0f} rows/s, peak RSS {rss:,.0f} MB ({stored:,} stored)"
            )
        full = Path(tmp) / "acled_full.csv"
        t, rss, n, _ = _run("pandas", full, Path(tmp) / "unused.gpkg")
        print(
            f"baseline pandas.read_csv of the full file (parse only, nothing validated or stored): {t:.1f} s, "
            f"peak RSS {rss:,.0f} MB"
        )
        q, f = results["quarter"], results["full"]
        print(
            f"sitmap peak RSS grows {f[3] / q[3]:.2f}x for a {f[0] / q[0]:.1f}x larger file (streamed); "
            f"pandas / sitmap peak RSS on the full file: {rss / f[3]:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
