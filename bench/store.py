"""Store benchmark: 100,000 synthetic claims into the GeoPackage store, then queries.

Prints throughput and, measured in the same run on the same machine, the ratio
against pyogrio writing the same features to a fresh GeoPackage (insert) and
against a geopandas read-and-filter of that file (query). Figures only, no
pass/fail. ``--pg URL`` also runs the PostGIS store; ``-n`` changes the size.

    .venv/bin/python bench/store.py [-n 100000] [--pg postgresql://...]
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
        return figures
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="number of claims (default 100000)")
    ap.add_argument("--pg", help="also benchmark a PostGIS store at this URL (its tables are created there)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    claims = synthetic_claims(args.n)
    print(f"made {len(claims):,} synthetic claims in {time.perf_counter() - t0:.1f} s (not timed below)")

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
