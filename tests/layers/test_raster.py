"""Likelihood rasters: mass conservation, Gaussian and region shapes, coarse exclusion, COG, tiles, zonal stats."""

from __future__ import annotations

import io
import math
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from rio_cogeo.cogeo import cog_validate
from shapely.geometry import Point, box

from geo.errors import InvalidInput, NotFound, TooLarge
from geo.model import Claim, Uncertainty
from layers import raster as rs

BBOX = (34.20, 31.20, 34.60, 31.60)


def point_claim(lon: float, lat: float, radius: float, *, where_prec: int = 2, geo_precision: int = 1) -> Claim:
    return Claim(
        event_type="airstrike",
        claimant="test",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        uncertainty=Uncertainty(
            radius_m=radius, geo_precision=geo_precision, where_prec=where_prec, method="gazetteer"
        ),
    )


def region_claim(region, radius: float = 3000) -> Claim:
    c = region.centroid
    return Claim(
        event_type="shelling",
        geometry={"type": "Point", "coordinates": [c.x, c.y]},
        uncertainty=Uncertainty(radius_m=radius, region=region, geo_precision=2, where_prec=3, method="admin_fallback"),
    )


def cell_xy(surface: rs.Surface, lon: float, lat: float) -> tuple[int, int]:
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, surface.crs, always_xy=True).transform(lon, lat)
    col = int((x - surface.transform.c) // surface.transform.a)
    row = int((surface.transform.f - y) // -surface.transform.e)
    return row, col


def test_each_claim_has_mass_one() -> None:
    claims = [point_claim(34.45, 31.50, 500), point_claim(34.30, 31.35, 2000), point_claim(34.31, 31.36, 0)]
    s = rs.likelihood(claims, bbox=BBOX, width=300, height=300)
    assert s.claim_count == 3 and s.data.dtype == np.float32
    assert float(s.data.sum(dtype=np.float64)) == pytest.approx(3.0, abs=1e-4)
    assert s.mass_outside_grid == pytest.approx(0.0, abs=1e-6)


def test_point_smaller_than_a_cell_lands_in_its_cell() -> None:
    s = rs.likelihood([point_claim(34.4012, 31.4007, 0)], bbox=BBOX, width=50, height=50)
    row, col = cell_xy(s, 34.4012, 31.4007)
    assert s.data[row, col] == pytest.approx(1.0, abs=1e-5)


def test_gaussian_shape_matches_the_95_percent_radius() -> None:
    radius = 3000.0
    s = rs.likelihood([point_claim(34.40, 31.40, radius)], bbox=BBOX, resolution_m=100)
    row, col = cell_xy(s, 34.40, 31.40)
    # Mass within the stated radius is ~95 % (2-D Gaussian, sigma = r / 2.4477).
    import pyproj

    scale = pyproj.Proj("EPSG:3857").get_factors(34.40, 31.40).parallel_scale
    cell_m = s.transform.a / scale
    rr, cc = np.mgrid[0 : s.height, 0 : s.width]
    dist = np.hypot((rr - row) * cell_m, (cc - col) * cell_m)
    within = float(s.data[dist <= radius].sum())
    assert within == pytest.approx(0.95, abs=0.02)
    # Isotropic and peaked at the point: the four neighbours are equal, and lower.
    peak = s.data[row, col]
    neighbours = [s.data[row - 5, col], s.data[row + 5, col], s.data[row, col - 5], s.data[row, col + 5]]
    assert max(neighbours) < peak
    assert np.ptp(neighbours) / peak < 0.05
    # Profile follows exp(-d²/2σ²).
    sigma_cells = radius / rs.SIGMA_PER_R95 / cell_m
    ratio = s.data[row, col + 10] / peak
    assert ratio == pytest.approx(math.exp(-(10**2) / (2 * sigma_cells**2)), rel=0.05)


def test_region_claim_is_uniform_over_its_region() -> None:
    region = box(34.30, 31.30, 34.34, 31.34)
    s = rs.likelihood([region_claim(region)], bbox=BBOX, resolution_m=200)
    assert float(s.data.sum(dtype=np.float64)) == pytest.approx(1.0, abs=1e-5)
    inside = s.data[s.data > 0]
    r0, c0 = cell_xy(s, 34.32, 31.32)
    interior = s.data[r0 - 5 : r0 + 5, c0 - 5 : c0 + 5]
    assert np.ptp(interior) < 1e-7  # flat inside
    ro, co = cell_xy(s, 34.36, 31.32)
    assert s.data[ro, co] == 0  # nothing outside the region
    assert inside.max() == pytest.approx(interior.max(), rel=1e-5)


def test_mass_outside_the_grid_is_reported_or_renormalised() -> None:
    edge = point_claim(BBOX[2], 31.40, 2000)  # on the east edge: half its mass falls off
    s = rs.likelihood([edge], bbox=BBOX, width=200, height=200)
    assert float(s.data.sum()) == pytest.approx(0.5, abs=0.02)
    assert s.mass_outside_grid == pytest.approx(0.5, abs=0.02)
    assert s.all_tags()["mass_outside_grid"].startswith("0.5")
    r = rs.likelihood([edge], bbox=BBOX, width=200, height=200, renormalize_inside=True)
    assert float(r.data.sum()) == pytest.approx(1.0, abs=1e-4)
    far = rs.likelihood([point_claim(35.5, 32.5, 100)], bbox=BBOX, width=20, height=20)
    assert far.data.sum() == 0 and far.mass_outside_grid == pytest.approx(1.0)
    half = rs.likelihood([region_claim(box(34.55, 31.30, 34.65, 31.34))], bbox=BBOX, width=200, height=200)
    assert float(half.data.sum()) == pytest.approx(0.5, abs=0.02)


def test_coarse_claims_are_excluded_and_counted() -> None:
    fine = point_claim(34.45, 31.50, 500)
    strip_wide = point_claim(34.39, 31.42, 25_000, geo_precision=3, where_prec=4)
    country = point_claim(34.39, 31.42, 10_000, where_prec=6)
    unlocated = Claim(event_type="airstrike", claimant="x")
    s = rs.likelihood([fine, strip_wide, country, unlocated], bbox=BBOX, width=100, height=100)
    assert s.claim_count == 1 and s.excluded_coarse_count == 2 and s.unlocated_count == 1
    assert float(s.data.sum()) == pytest.approx(1.0, abs=1e-4)
    tags = s.all_tags()
    assert tags["excluded_coarse_count"] == "2" and tags["coarse_claims"] == "excluded"
    everything = rs.likelihood([fine, strip_wide, country], bbox=BBOX, width=100, height=100, include_coarse=True)
    assert everything.claim_count == 3
    assert rs.is_coarse(strip_wide) and not rs.is_coarse(fine)
    assert not rs.is_coarse(strip_wide, max_radius_m=30_000)


def test_windowed_matches_naive_full_grid() -> None:
    rng = np.random.default_rng(7)
    claims = [
        point_claim(34.3 + rng.random() * 0.2, 31.3 + rng.random() * 0.2, float(r))
        for r in rng.choice([0, 50, 300, 1500, 6000], size=40)
    ]
    s = rs.likelihood(claims, bbox=BBOX, width=120, height=120)
    naive = np.zeros((120, 120))
    import pyproj

    tf = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    for c in claims:
        x, y = tf.transform(c.geometry.x, c.geometry.y)
        scale = pyproj.Proj("EPSG:3857").get_factors(c.geometry.x, c.geometry.y).parallel_scale
        sig = max(c.uncertainty.radius_m / rs.SIGMA_PER_R95 * scale, 1e-3 * s.transform.a)
        xe = s.transform.c + s.transform.a * np.arange(121)
        ye = s.transform.f + s.transform.e * np.arange(121)
        px = np.diff(rs._cdf((xe - x) / sig))
        py = -np.diff(rs._cdf((ye - y) / sig))
        naive += np.outer(py, px)
    assert np.allclose(s.data, naive, atol=2e-4)


def test_bad_grid_requests() -> None:
    with pytest.raises(InvalidInput, match="bbox"):
        rs.likelihood([], bbox=(34.6, 31.2, 34.2, 31.6), width=10, height=10)
    with pytest.raises(InvalidInput, match="width and height"):
        rs.likelihood([], bbox=BBOX)
    with pytest.raises(TooLarge):
        rs.likelihood([], bbox=BBOX, width=10_000, height=10_000)
    with pytest.raises(InvalidInput, match="projected"):
        rs.likelihood([], bbox=BBOX, width=10, height=10, crs="EPSG:4326")
    with pytest.raises(InvalidInput, match="resolution_m"):
        rs.likelihood([], bbox=BBOX, resolution_m=0)


def test_cog_is_valid_with_tags_nodata_and_overviews(tmp_path: Path) -> None:
    claims = [point_claim(34.45, 31.50, 500), point_claim(34.30, 31.35, 2000)]
    s = rs.likelihood(claims, bbox=BBOX, width=600, height=600, tags={"layer": "strikes", "interval": "a/b"})
    path = tmp_path / "l.tif"
    rs.write_cog(s, path, tags={"as_of": "2024-01-01T00:00:00Z"})
    valid, errors, _warnings = cog_validate(str(path), quiet=True)
    assert valid, errors
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 3857
        assert src.nodata == rs.NODATA
        assert src.overviews(1)
        assert src.transform == s.transform
        tags = src.tags()
        assert tags["layer"] == "strikes" and tags["as_of"] == "2024-01-01T00:00:00Z"
        assert tags["claim_count"] == "2" and tags["excluded_coarse_count"] == "0"
        assert "expected events" in tags["units"]
        assert float(src.read(1).sum(dtype=np.float64)) == pytest.approx(2.0, abs=1e-3)
    data = rs.likelihood_cog_bytes(claims, bbox=BBOX, width=64, height=64)
    assert data[:4] in (b"II*\x00", b"MM\x00*")
    buf = io.BytesIO()
    rs.write_cog(s, buf)
    assert buf.getvalue()[:2] == b"II"


def _decode_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
            assert body[8:10] == b"\x08\x06"  # 8-bit RGBA
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w * 4 + 1)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 4)


def test_tiles_are_transparent_where_zero() -> None:
    import morecantile

    tms = morecantile.tms.get("WebMercatorQuad")
    tile = tms.tile(34.45, 31.50, 12)
    claims = [point_claim(34.45, 31.50, 800)]
    img = _decode_png(rs.render_tile(claims, tile.z, tile.x, tile.y))
    assert img.shape == (256, 256, 4)
    assert img[..., 3].max() > 200  # the hotspot is drawn
    assert (img[..., 3] == 0).sum() > 0.3 * 256 * 256  # far from it: transparent
    empty = _decode_png(rs.render_tile(claims, 12, 0, 0))
    assert (empty[..., 3] == 0).all()
    surface = rs.likelihood(claims, bbox=BBOX, resolution_m=100)
    vmax = rs.max_density(surface)
    from_surface = _decode_png(rs.render_tile(surface, tile.z, tile.x, tile.y, vmax=vmax, ramp="reds"))
    assert from_surface[..., 3].max() > 200 and (from_surface[..., 3] == 0).any()
    with pytest.raises(InvalidInput, match="tile 3/9/0"):
        rs.render_tile(claims, 3, 9, 0)
    with pytest.raises(InvalidInput, match="'rainbow'"):
        rs.render_tile(claims, tile.z, tile.x, tile.y, ramp="rainbow")


@pytest.fixture
def population_tif(tmp_path: Path) -> Path:
    """A 10x10 raster in UTM 36N (100 m cells) with known values and one nodata cell."""
    path = tmp_path / "pop.tif"
    data = np.arange(100, dtype=np.float32).reshape(10, 10)
    data[0, 0] = -9999
    profile = {
        "driver": "GTiff",
        "width": 10,
        "height": 10,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32636",
        "transform": from_origin(600_000, 3_480_000, 100, 100),
        "nodata": -9999,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def test_zonal_stats_on_hand_made_raster(population_tif: Path) -> None:
    import pyproj

    to_ll = pyproj.Transformer.from_crs(32636, 4326, always_xy=True)
    # Cells rows 2-3, cols 4-6 (centres inside this metric box).
    x0, y0 = to_ll.transform(600_400 + 10, 3_480_000 - 400 + 10)
    x1, y1 = to_ll.transform(600_700 - 10, 3_480_000 - 200 - 10)
    zone = box(x0, y0, x1, y1)
    stats = rs.zonal_stats(population_tif, [zone])[0]
    expected = [r * 10 + c for r in (2, 3) for c in (4, 5, 6)]
    assert stats["count"] == 6 and stats["sum"] == pytest.approx(sum(expected))
    assert stats["max"] == 36 and stats["min"] == 24 and stats["mean"] == pytest.approx(30.0)
    # The nodata cell is skipped and counted.
    cx, cy = to_ll.transform(600_050, 3_479_950)
    corner = rs.zonal_stats(population_tif, [Point(cx, cy).buffer(0.0012)])[0]
    assert corner["nodata_count"] == 1 and corner["count"] >= 1
    outside = rs.zonal_stats(population_tif, [box(30, 30, 30.1, 30.1)])[0]
    assert outside["count"] == 0 and outside["sum"] == 0.0


def test_zonal_stats_over_zones_and_errors(population_tif: Path, tmp_path: Path) -> None:
    import pyproj

    from layers.zones import zone_from_polygon

    to_ll = pyproj.Transformer.from_crs(32636, 4326, always_xy=True)
    x0, y0 = to_ll.transform(600_000, 3_479_000)
    x1, y1 = to_ll.transform(601_000, 3_480_000)
    z = zone_from_polygon(box(x0, y0, x1, y1).buffer(-1e-6), issuer="x", order_type="evacuate", issued_at="2024-01-01")
    (s,) = rs.zonal_stats(population_tif, [z])
    assert s["count"] == 99 and s["sum"] == pytest.approx(sum(range(1, 100)))
    with pytest.raises(NotFound):
        rs.zonal_stats(tmp_path / "missing.tif", [z])
    with pytest.raises(InvalidInput, match="band 2"):
        rs.zonal_stats(population_tif, [z], band=2)


def test_pyramid_levels_match_exact_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide Gaussians go to coarser levels; bilinear upsampling stays within 2 % of exact."""
    claims = [point_claim(34.40, 31.40, 4000), point_claim(34.47, 31.45, 9000), point_claim(34.595, 31.3, 2500)]
    fast = rs.likelihood(claims, bbox=BBOX, resolution_m=50)
    monkeypatch.setattr(rs, "PYRAMID_SIGMA", 1e9)  # everything at full resolution
    exact = rs.likelihood(claims, bbox=BBOX, resolution_m=50)
    assert float(fast.data.sum(dtype=np.float64)) == pytest.approx(float(exact.data.sum(dtype=np.float64)), rel=1e-4)
    assert fast.mass_outside_grid == pytest.approx(exact.mass_outside_grid, abs=1e-3)
    assert fast.mass_outside_grid > 0.1  # the third claim sits near the east edge
    diff = np.abs(fast.data - exact.data).max() / exact.data.max()
    assert diff < 0.02


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(34.25, 34.55),
            st.floats(31.25, 31.55),
            st.floats(0, 14_000),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([(40, 60), (200, 150), (333, 77)]),
)
def test_mass_is_conserved_for_any_claims(pts: list[tuple[float, float, float]], size: tuple[int, int]) -> None:
    claims = [point_claim(lon, lat, r) for lon, lat, r in pts]
    s = rs.likelihood(claims, bbox=BBOX, width=size[0], height=size[1])
    total = float(s.data.sum(dtype=np.float64)) + s.mass_outside_grid
    assert total == pytest.approx(len(claims), rel=1e-3)
    assert (s.data >= 0).all()
    inside = rs.likelihood(claims, bbox=BBOX, width=size[0], height=size[1], renormalize_inside=True)
    assert float(inside.data.sum(dtype=np.float64)) == pytest.approx(len(claims), rel=1e-3)
