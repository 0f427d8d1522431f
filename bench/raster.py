"""Benchmark: a 1000x1000 likelihood raster from 100,000 synthetic claims.

Compares sitmap's per-claim windowed evaluation (layers.raster.likelihood) with a naive
baseline that evaluates every claim's Gaussian on the full grid (run on a subsample and
scaled to the same claim count) in the same run, and prints the ratio. Claims are
synthetic points inside the Gaza Strip's bounding box with radii log-uniform between
10 m and 10 km, plus 1 % spread over one of the five Gaza governorates (claims sharing a region are
rasterised once, as real admin-fallback claims would be); nothing is read from the network.

Usage: python bench/raster.py [N_CLAIMS] [NAIVE_SAMPLE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyproj
from rasterio.transform import Affine
from shapely.geometry import Point

if TYPE_CHECKING:
    from geo.model import Claim

# bench/layers.py would shadow the ``layers`` package while this folder is sys.path[0],
# so project modules are imported inside the functions, after this line.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def synthetic_claims(n: int, seed: int = 42) -> list[Claim]:
    """n claims: points with log-uniform radii, and 1 % spread over a Gaza governorate."""
    from geo.boundaries import admin_areas, gaza_strip
    from geo.model import Claim, Uncertainty

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = gaza_strip().bounds
    govs = [a.geometry for a in admin_areas("adm2") if a.parent_pcode == "PS02"]
    lon = rng.uniform(minx, maxx, n)
    lat = rng.uniform(miny, maxy, n)
    radius = np.exp(rng.uniform(np.log(10), np.log(10_000), n))
    claims = []
    for i in range(n):
        region = govs[(i // 100) % len(govs)] if i % 100 == 0 else None
        u = Uncertainty.model_construct(
            radius_m=float(radius[i]), region=region, geo_precision=1, where_prec=2, method="gazetteer", note=None
        )
        claims.append(
            Claim.model_construct(
                event_type="airstrike",
                geometry=Point(lon[i], lat[i]),
                uncertainty=u,
            )
        )
    return claims


def naive(claims: list[Claim], surface_transform: Affine, width: int, height: int, crs: str) -> np.ndarray:
    """Every claim evaluated at every cell centre (a Gaussian on the full grid), normalised."""
    from layers.raster import SIGMA_PER_R95

    to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    proj = pyproj.Proj(crs)
    xs = surface_transform.c + surface_transform.a * (np.arange(width) + 0.5)
    ys = surface_transform.f + surface_transform.e * (np.arange(height) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    out = np.zeros((height, width))
    for c in claims:
        p = c.geometry
        x, y = to_grid.transform(p.x, p.y)
        sigma = max(c.uncertainty.radius_m / SIGMA_PER_R95 * proj.get_factors(p.x, p.y).parallel_scale, 1.0)
        g = np.exp(-((gx - x) ** 2 + (gy - y) ** 2) / (2 * sigma * sigma))
        total = g.sum()
        if total > 0:
            out += g / total
    return out


def main() -> None:
    """Run both and print timings and the ratio."""
    from layers.raster import likelihood

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    claims = synthetic_claims(n)
    t0 = time.perf_counter()
    surface = likelihood(claims, width=1000, height=1000)
    fast = time.perf_counter() - t0
    print(
        f"windowed: {n:,} claims -> 1000x1000 in {fast:.2f} s "
        f"(mass {surface.data.sum(dtype=np.float64):,.1f}, outside {surface.mass_outside_grid:,.1f})"
    )
    points = [c for c in claims if c.uncertainty.region is None][:sample]
    t0 = time.perf_counter()
    naive(points, surface.transform, surface.width, surface.height, "EPSG:3857")
    slow = time.perf_counter() - t0
    scaled = slow / len(points) * n
    print(f"naive full-grid: {len(points)} claims in {slow:.2f} s -> {scaled:,.0f} s scaled to {n:,} claims")
    print(f"ratio naive/windowed: {scaled / fast:,.0f}x")


if __name__ == "__main__":
    main()
