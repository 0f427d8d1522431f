"""Benchmark of the layers floor on 100,000 synthetic claims, each step against a baseline.

- daily overlay build: :func:`layers.build.daily_slices` (one pass, day buckets) for a
  year of days vs a pandas boolean filter per day over the same intervals;
- corroboration: :func:`layers.corroborate.corroborate` (day buckets + vectorised
  distance tests + clique grouping) vs finding the candidate pairs alone with a
  geopandas spatial join of metric buffers followed by a pandas time filter;
- GeoJSON export: :func:`layers.export.iter_geojson` streamed to a file vs geopandas
  ``to_file(driver="GeoJSON")`` of the same rows (frame already built);
- store-backed: :func:`layers.build.daily_series` for a month out of a GeoPackage store
  holding the 100,000 claims.

Run: ``.venv/bin/python bench/layers.py [N]``. Times are CPU seconds of this process
(``time.process_time``), so a busy machine does not distort the ratios. Figures are
printed; nothing is asserted except that each baseline finds the same answer.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and "layers" would mean
# this file, not the package: drop that entry before importing the package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.model import CountEstimate, Uncertainty
from layers.build import daily_series, daily_slices
from layers.catalog import get_layer, install_default_layers
from layers.corroborate import corroborate
from layers.export import features_frame, iter_geojson
from layers.model import ClaimRecord
from layers.store import open_store

TYPES = ["airstrike"] * 5 + ["shelling"] * 2 + ["ground_operation", "rocket_launch", "shooting", "negotiation"]
CLAIMANTS = [
    "Gaza health ministry",
    "Israeli military",
    "IDF",
    "Gaza civil defence",
    "Palestinian Red Crescent",
    "witnesses",
    "UNRWA",
    "WAFA",
    "Al-Qassam Brigades",
    "OCHA",
    "residents",
    "hospital director",
]
SOURCES = [f"Outlet {i}" for i in range(20)]
RADII = [150, 500, 1000, 3000, 8000, 25_000]
RADIUS_P = [0.15, 0.3, 0.25, 0.15, 0.1, 0.05]
START = datetime(2023, 10, 7, tzinfo=UTC)


def synth(n: int, seed: int = 1) -> list[ClaimRecord]:
    """``n`` plausible claims over the Gaza Strip and a year, with mixed place and time precision."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = rng.choices(RADII, RADIUS_P)[0]
        gp, wp = (1, 1) if r <= 1000 else (2, 2) if r <= 8000 else (3, 4)
        day = START + timedelta(days=rng.randrange(365), hours=rng.choice([0, 0, 0, 6, 12]))
        kind = rng.random()
        if kind < 0.8:
            start, end, prec = day, day + timedelta(days=1) - timedelta(microseconds=1), "day"
        elif kind < 0.95:
            start, end, prec = day, day + timedelta(days=7) - timedelta(microseconds=1), "week"
        else:
            start, end, prec = day, day + timedelta(days=30) - timedelta(microseconds=1), "month"
        out.append(  # valid by construction: skip pydantic validation to keep the set-up short
            ClaimRecord.model_construct(
                id=f"c-{i:06d}",
                event_type=rng.choice(TYPES),
                claimant=rng.choice(CLAIMANTS),
                source=rng.choice(SOURCES),
                geometry=Point(34.22 + rng.random() * 0.33, 31.22 + rng.random() * 0.36),
                uncertainty=Uncertainty.model_construct(
                    radius_m=r, region=None, geo_precision=gp, where_prec=wp, method="gazetteer", note=None
                ),
                valid_from=start,
                valid_to=end,
                time_precision=prec,
                fatalities=CountEstimate(best=rng.randrange(0, 40)) if rng.random() < 0.4 else None,
                injured=None,
                targets=None,
                url=None,
                place_text=None,
                gazetteer_id=None,
                block_ids=(),
                placement=None,
                confidence=0.5,
                notes=None,
                report_id=None,
                version=1,
                status="reported",
                review="machine",
                recorded_at=None,
                superseded_at=None,
                recorded_by=None,
                place_name="Somewhere",
                quote="A sentence of the report that carries this claim.",
            )
        )
    return out


def clock(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """Run ``fn`` and return (result, CPU seconds of this process): fair on a shared, loaded machine."""
    t = time.process_time()
    res = fn(*args, **kw)
    return res, time.process_time() - t


def bench_daily(claims: list[ClaimRecord]) -> None:
    end = START + timedelta(days=365) - timedelta(microseconds=1)
    slices, t_ours = clock(daily_slices, claims, START, end)
    entries = sum(len(s.entries) for s in slices)
    df = pd.DataFrame({"start": [c.valid_from for c in claims], "end": [c.valid_to for c in claims]})
    objects = np.empty(len(claims), dtype=object)
    objects[:] = claims

    def pandas_daily() -> int:
        """The same output (the records of each day), with one boolean filter per day."""
        total = 0
        for d in range(365):
            lo = START + timedelta(days=d)
            hi = lo + timedelta(days=1) - timedelta(microseconds=1)
            mask = ((df["start"] <= hi) & (df["end"] >= lo)).to_numpy()
            total += len(objects[mask].tolist())
        return total

    base_entries, t_base = clock(pandas_daily)
    assert base_entries == entries, (base_entries, entries)
    print(f"daily overlay, 365 days: sitmap {t_ours:.2f} s, pandas filter per day {t_base:.2f} s")
    print(f"  ratio baseline/sitmap {t_base / t_ours:.1f}x; {entries} day entries (same in both)")


def bench_corroborate(claims: list[ClaimRecord]) -> None:
    incidents, t_ours = clock(corroborate, claims)
    grouped = [i for i in incidents if len(i.claim_ids) > 1]
    status = pd.Series([i.status for i in incidents]).value_counts().to_dict()
    print(
        f"corroboration: sitmap {t_ours:.2f} s -> {len(incidents)} incidents, {len(grouped)} with 2+ claims, "
        f"status {status}"
    )
    # baseline: candidate pairs only (no grouping, no statuses), the way one would with geopandas:
    # metric discs, then for each day a spatial join of the claims that may fall on it, then a time filter
    keep = [c for c in claims if c.uncertainty.radius_m <= 10_000 and (c.valid_to - c.valid_from).days <= 8]

    def geopandas_pairs() -> int:
        g = gpd.GeoDataFrame(
            {
                "r": [c.uncertainty.radius_m for c in keep],
                "s": [c.valid_from for c in keep],
                "e": [c.valid_to for c in keep],
            },
            geometry=[c.geometry for c in keep],
            crs="EPSG:4326",
        ).to_crs(32636)
        g["geometry"] = g.buffer(g["r"], quad_segs=8)
        found: set[tuple[int, int]] = set()
        for d in range(380):
            lo = START + timedelta(days=d)
            hi = lo + timedelta(days=1)
            day = g[(g["s"] < hi) & (g["e"] >= lo)]
            if len(day) < 2:
                continue
            j = gpd.sjoin(day, day, predicate="intersects")
            j = j[j.index < j["index_right"]]
            j = j[(j["s_left"] <= j["e_right"]) & (j["s_right"] <= j["e_left"])]
            found.update(zip(j.index.tolist(), j["index_right"].tolist(), strict=True))
        return len(found)

    pairs, t_base = clock(geopandas_pairs)
    print(
        f"  baseline: per-day geopandas sjoin of metric discs + time filter (pairs only): {t_base:.2f} s, {pairs} pairs"
    )
    print(f"  ratio baseline/sitmap {t_base / t_ours:.1f}x")


def bench_export(claims: list[ClaimRecord], tmp: Path) -> None:
    def ours() -> int:
        with (tmp / "ours.geojson").open("wb") as fh:
            for chunk in iter_geojson(claims):
                fh.write(chunk)
        return (tmp / "ours.geojson").stat().st_size

    size, t_ours = clock(ours)
    frame, t_frame = clock(features_frame, claims)
    _, t_base = clock(frame.to_file, tmp / "gpd.geojson", driver="GeoJSON")
    print(f"GeoJSON export of {len(claims)} claims: sitmap iter_geojson {t_ours:.2f} s ({size / 1e6:.0f} MB)")
    print(f"  geopandas to_file {t_base:.2f} s (+ {t_frame:.2f} s to build the frame from the same rows)")
    print(f"  ratio to_file/sitmap {t_base / t_ours:.1f}x; (frame+to_file)/sitmap {(t_base + t_frame) / t_ours:.1f}x")


def bench_store(claims: list[ClaimRecord], tmp: Path) -> None:
    store = open_store(tmp / "bench.gpkg")
    try:
        install_default_layers(store)
        _, t_load = clock(store.add_claims, claims)
        layer = get_layer(store, "all")
        start = START + timedelta(days=50)
        end = start + timedelta(days=30) - timedelta(microseconds=1)
        series, t_ours = clock(daily_series, store, layer, start, end)
        entries = sum(len(s.entries) for s in series)

        def per_day_queries() -> int:
            from layers.build import overlay

            total = 0
            for s in series:
                total += len(overlay(store, layer, start=s.start, end=s.end))
            return total

        base, t_base = clock(per_day_queries)
        assert base == entries
        print(f"store-backed daily series, 30 days out of a {len(claims)}-claim GeoPackage (load {t_load:.1f} s):")
        print(f"  sitmap daily_series {t_ours:.2f} s; one overlay query per day {t_base:.2f} s; {entries} entries")
        print(f"  ratio per-day/sitmap {t_base / t_ours:.1f}x")
    finally:
        store.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    claims, t = clock(synth, n)
    print(f"{n} synthetic claims built in {t:.1f} s")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_daily(claims)
        bench_corroborate(claims)
        bench_export(claims, tmp)
        bench_store(claims, tmp)


if __name__ == "__main__":
    main()
