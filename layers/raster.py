"""Likelihood surfaces of where a layer's events happened, as COGs and XYZ tiles; zonal statistics.

Each located claim is one unit of probability mass spread over its own uncertainty:

- a point with ``radius_m`` (a ~95 % bound, see ``geo.model.Uncertainty``) becomes an
  isotropic 2-D Gaussian with ``sigma = radius_m / 2.4477`` (2.4477 = sqrt of the 95 %
  quantile of chi² with 2 degrees of freedom), integrated exactly over each cell with
  the error function (separable: one outer product per claim), so a claim far smaller
  than a cell still puts all its mass in the right cell;
- a claim with a polygonal ``uncertainty.region`` (or a polygonal geometry) is spread
  uniformly over that area, by each cell's covered fraction.

Each claim's mass is 1 over the whole plane. The part that falls outside the grid is not
in the raster: it is summed in the ``mass_outside_grid`` tag, unless
``renormalize_inside=True`` rescales each claim to mass 1 inside the grid. A cell's value
is therefore the expected number of the layer's events in that cell (tag ``units``).

Claims coarser than a threshold (radius above ``max_radius_m``, default 15 km, or UCDP
``where_prec`` 6-7: country or wider) are left out by default and counted in the tags
(``excluded_coarse_count``), so a whole-Strip claim never paints a false hotspot at a
centroid. Unlocated claims are counted too (``unlocated_count``).

Work is per claim and windowed (the window spans ±4 sigma, or the region's bounds),
never a full-grid evaluation per claim; small windows are batched through one
``numpy.bincount``. GDAL options are scoped with ``rasterio.Env``.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyproj
import rasterio
import rasterio.windows
import shapely
from rasterio.crs import CRS
from rasterio.features import geometry_mask, rasterize
from rasterio.io import MemoryFile
from rasterio.transform import Affine
from rasterio.warp import Resampling, reproject, transform_bounds
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput, NotFound, TooLarge
from geo.model import Claim

#: sqrt(chi2.ppf(0.95, df=2)): a 95 % radius is this many sigmas of a 2-D Gaussian.
SIGMA_PER_R95 = 2.4477
#: Half-width of a Gaussian claim's window, in sigmas (captures 99.99 % of its mass per axis).
WINDOW_SIGMAS = 4.0
#: Default threshold above which a claim is too coarse for a likelihood map.
MAX_RADIUS_M = 15_000.0
#: UCDP where_prec above this (6 = country, 7 = international waters) is too coarse.
MAX_WHERE_PREC = 5
#: Largest raster sitmap builds in one call (cells).
MAX_CELLS = 25_000_000
#: nodata value written to every GeoTIFF (a mass is never negative).
NODATA = -1.0
UNITS = "expected events per cell (probability mass; each claim sums to 1 over the plane)"
DEFAULT_CRS = "EPSG:3857"
TILE_SIZE = 256
#: A Gaussian wider than this many cells (sigma) is evaluated on a coarser pyramid level.
PYRAMID_SIGMA = 4.0
#: Cells evaluated in one batch (bounds memory to a few tens of MB).
_CHUNK_CELLS = 4_000_000


# --------------------------------------------------------------------------------------
# Surface
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """A likelihood raster: ``data`` (rows x cols, float32), its affine transform and CRS.

    ``tags`` hold how it was made (layer, interval, as_of, counts, units); they are
    written into the GeoTIFF. ``claim_count`` is the number of claims spread,
    ``excluded_coarse_count`` those left out as too coarse, ``unlocated_count`` those
    without a location, ``mass_outside_grid`` the summed mass that fell off the grid.
    """

    data: np.ndarray
    transform: Affine
    crs: CRS
    claim_count: int = 0
    excluded_coarse_count: int = 0
    unlocated_count: int = 0
    mass_outside_grid: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def height(self) -> int:
        """Rows."""
        return int(self.data.shape[0])

    @property
    def width(self) -> int:
        """Columns."""
        return int(self.data.shape[1])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in the surface CRS."""
        a = self.transform
        return (a.c, a.f + a.e * self.height, a.c + a.a * self.width, a.f)

    def all_tags(self) -> dict[str, str]:
        """The tags written to files: caller tags plus counts, units and the spreading rule."""
        base = {
            "claim_count": str(self.claim_count),
            "excluded_coarse_count": str(self.excluded_coarse_count),
            "unlocated_count": str(self.unlocated_count),
            "mass_outside_grid": f"{self.mass_outside_grid:.6g}",
            "units": UNITS,
            "method": f"point: 2-D Gaussian, sigma = radius_m / {SIGMA_PER_R95}; region: uniform; per-claim mass 1",
            "generator": "sitmap layers.raster",
        }
        return {**base, **self.tags}


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), vectorised."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (
        ((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592
    ) * t * np.exp(-a * a)
    return np.asarray(s * y, dtype=np.float64)


def _cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))


@cache
def _to_grid(crs_text: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", crs_text, always_xy=True)


def _grid_spec(
    bbox: tuple[float, float, float, float],
    crs: str,
    width: int | None,
    height: int | None,
    resolution_m: float | None,
) -> tuple[Affine, int, int]:
    minx, miny, maxx, maxy = bbox
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise InvalidInput(f"bbox {bbox} is not a lon/lat box minx,miny,maxx,maxy with min < max")
    gx0, gy0, gx1, gy1 = transform_bounds("EPSG:4326", crs, minx, miny, maxx, maxy, densify_pts=21)
    if resolution_m is not None:
        if not resolution_m > 0:
            raise InvalidInput(f"resolution_m must be positive, got {resolution_m}")
        lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
        scale = (
            float(pyproj.Proj(crs).get_factors(lon, lat).parallel_scale)
            if CRS.from_user_input(crs).is_projected
            else 1.0
        )
        step = resolution_m * scale
        width = max(1, math.ceil((gx1 - gx0) / step))
        height = max(1, math.ceil((gy1 - gy0) / step))
        gx1, gy0 = gx0 + width * step, gy1 - height * step
    if width is None or height is None:
        raise InvalidInput("give width and height, or resolution_m")
    if width < 1 or height < 1:
        raise InvalidInput(f"raster size {width}x{height} must be at least 1x1")
    if width * height > MAX_CELLS:
        raise TooLarge(f"raster of {width}x{height} cells exceeds the limit of {MAX_CELLS:,} cells")
    transform = Affine((gx1 - gx0) / width, 0, gx0, 0, -(gy1 - gy0) / height, gy1)
    return transform, width, height


def is_coarse(claim: Claim, *, max_radius_m: float = MAX_RADIUS_M, max_where_prec: int = MAX_WHERE_PREC) -> bool:
    """True if a claim is too vague for a likelihood map (radius or country-level precision)."""
    u = claim.uncertainty
    if u is None:
        return False
    return u.radius_m > max_radius_m or u.where_prec > max_where_prec


def _region_of(claim: Claim) -> Polygon | MultiPolygon | None:
    u = claim.uncertainty
    if u is not None and isinstance(u.region, Polygon | MultiPolygon):
        return u.region
    if isinstance(claim.geometry, Polygon | MultiPolygon):
        return claim.geometry
    return None


def likelihood(
    claims: Iterable[Claim],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    width: int | None = None,
    height: int | None = None,
    resolution_m: float | None = None,
    crs: str = DEFAULT_CRS,
    max_radius_m: float = MAX_RADIUS_M,
    max_where_prec: int = MAX_WHERE_PREC,
    include_coarse: bool = False,
    renormalize_inside: bool = False,
    tags: dict[str, str] | None = None,
) -> Surface:
    """Spread each claim over its uncertainty on a grid and sum (see the module docstring).

    ``bbox`` is lon/lat (default: the Gaza Strip with a 2 km margin); the grid is
    ``width`` x ``height`` cells or ``resolution_m`` ground metres per cell, in ``crs``
    (a projected CRS, default EPSG:3857 so tiles need no resampling). Coarse claims are
    skipped and counted unless ``include_coarse``.
    """
    if bbox is None:
        from geo.boundaries import gaza_strip

        b = gaza_strip().bounds
        bbox = (b[0] - 0.02, b[1] - 0.02, b[2] + 0.02, b[3] + 0.02)
    crs_obj = CRS.from_user_input(crs)
    if not crs_obj.is_projected:
        raise InvalidInput(f"crs {crs!r} is not a projected CRS: likelihoods need metres")
    transform, w, h = _grid_spec(bbox, crs, width, height, resolution_m)
    grid = np.zeros(h * w, dtype=np.float64)
    points: list[tuple[float, float, float]] = []
    regions: list[Polygon | MultiPolygon] = []
    coarse = unlocated = 0
    for c in claims:
        if c.geometry is None or c.uncertainty is None:
            unlocated += 1
            continue
        if not include_coarse and is_coarse(c, max_radius_m=max_radius_m, max_where_prec=max_where_prec):
            coarse += 1
            continue
        region = _region_of(c)
        if region is not None:
            regions.append(region)
            continue
        pt = c.geometry if c.geometry.geom_type == "Point" else c.geometry.representative_point()
        points.append((pt.x, pt.y, c.uncertainty.radius_m))
    outside = 0.0
    if points:
        outside += _spread_points(grid, np.asarray(points, dtype=np.float64), transform, w, h, crs, renormalize_inside)
    # Claims sharing one region (e.g. many "somewhere in Khan Younis" claims) are rasterised once.
    by_region: dict[bytes, tuple[Polygon | MultiPolygon, int]] = {}
    for region in regions:
        key = shapely.to_wkb(region)
        geom, count = by_region.get(key, (region, 0))
        by_region[key] = (geom, count + 1)
    for geom, count in by_region.values():
        outside += _spread_region(grid, geom, transform, w, h, crs, renormalize_inside, count=count)
    return Surface(
        data=grid.reshape(h, w).astype(np.float32),
        transform=transform,
        crs=crs_obj,
        claim_count=len(points) + len(regions),
        excluded_coarse_count=coarse,
        unlocated_count=unlocated,
        mass_outside_grid=max(0.0, outside),
        tags={
            "max_radius_m": f"{max_radius_m:g}",
            "renormalize_inside": str(renormalize_inside).lower(),
            "coarse_claims": "included" if include_coarse else "excluded",
            **(tags or {}),
        },
    )


def _spread_points(
    grid: np.ndarray,
    pts: np.ndarray,
    transform: Affine,
    w: int,
    h: int,
    crs: str,
    renormalize: bool,
) -> float:
    """Add Gaussian claims to ``grid`` (flat, row-major); return the mass that fell outside.

    A claim whose sigma spans more than ``PYRAMID_SIGMA`` cells is evaluated on a coarser
    level of a resolution pyramid (cells 2, 4, 8... times larger) where it spans 4-8
    cells, so every claim costs about the same few thousand cells; each level is then
    upsampled bilinearly (the Gaussian is smooth at a quarter of its sigma) and rescaled
    to the exact in-grid mass of its claims.
    """
    lon, lat, radius = pts[:, 0], pts[:, 1], pts[:, 2]
    x, y = _to_grid(crs).transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    scale = np.asarray(pyproj.Proj(crs).get_factors(lon, lat).parallel_scale, dtype=np.float64)
    cw, ch = transform.a, -transform.e
    # sigma in grid units (ground metres times the projection's local scale), never zero.
    sigma = np.maximum(radius / SIGMA_PER_R95 * scale, 1e-3 * min(cw, ch))
    cx = (x - transform.c) / cw  # position in cell units from the left edge
    cy = (transform.f - y) / ch  # from the top edge
    sx, sy = sigma / cw, sigma / ch
    # Exact share of each claim's mass that lies on the grid (separable Gaussian).
    inside = (_cdf((w - cx) / sx) - _cdf(-cx / sx)) * (_cdf((h - cy) / sy) - _cdf(-cy / sy))
    if renormalize:
        mass = np.where(inside > 1e-12, 1.0 / np.maximum(inside, 1e-12), 0.0)
        outside = 0.0
    else:
        mass = np.ones_like(inside)
        outside = float((1.0 - inside).sum())
    live = inside > 1e-12
    level = np.floor(np.log2(np.maximum(np.minimum(sx, sy), PYRAMID_SIGMA) / PYRAMID_SIGMA)).astype(np.int64)
    for lv in np.unique(level[live]):
        sel = np.nonzero(live & (level == lv))[0]
        if lv == 0:
            _accumulate(grid, cx[sel], cy[sel], sx[sel], sy[sel], mass[sel], w, h)
            continue
        f = 2 ** int(lv)
        # The coarse grid has one extra cell on every side, so every fine cell lies
        # between coarse centres (no clamping at the edges when upsampling).
        wc, hc = -(-w // f) + 2, -(-h // f) + 2
        coarse = np.zeros(hc * wc, dtype=np.float64)
        _accumulate(coarse, cx[sel] / f + 1, cy[sel] / f + 1, sx[sel] / f, sy[sel] / f, mass[sel], wc, hc)
        fine = _upsample(coarse.reshape(hc, wc), f, w, h)
        got = fine.sum()
        if got > 0:
            grid += (fine * (float((inside[sel] * mass[sel]).sum()) / got)).ravel()
    return outside


def _accumulate(
    grid: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    mass: np.ndarray,
    w: int,
    h: int,
) -> None:
    """Exact cell integrals of Gaussians over ±4 sigma windows, scatter-added in batches."""
    k = np.maximum(np.ceil(WINDOW_SIGMAS * sx), np.ceil(WINDOW_SIGMAS * sy)).astype(np.int64) + 1
    side_all = 2 * k + 1
    for side in np.unique(side_all):
        members = np.nonzero(side_all == side)[0]
        step = max(1, _CHUNK_CELLS // int(side) ** 2)  # bound the memory of one batch
        for at in range(0, len(members), step):
            sel = members[at : at + step]
            _batch(grid, cx[sel], cy[sel], sx[sel], sy[sel], mass[sel], int(side), w, h)


def _batch(
    grid: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    mass: np.ndarray,
    side: int,
    w: int,
    h: int,
) -> None:
    """Add n Gaussians, each integrated exactly over the cells of its ``side``-wide window."""
    half = side // 2
    c0 = np.floor(cx).astype(np.int64) - half  # first column of each window
    r0 = np.floor(cy).astype(np.int64) - half
    edges = np.arange(side + 1, dtype=np.float64)
    px = np.diff(_cdf((c0[:, None] + edges[None, :] - cx[:, None]) / sx[:, None]), axis=1)
    py = np.diff(_cdf((r0[:, None] + edges[None, :] - cy[:, None]) / sy[:, None]), axis=1)
    px *= (mass / px.sum(axis=1))[:, None]  # each window holds exactly its claim's mass
    py /= py.sum(axis=1, keepdims=True)
    idx = np.int32 if grid.size < 2**31 else np.int64
    cols = (c0[:, None] + np.arange(side)[None, :]).astype(idx)
    rows = (r0[:, None] + np.arange(side)[None, :]).astype(idx)
    weights = py[:, :, None] * px[:, None, :]
    flat = rows[:, :, None] * idx(w) + cols[:, None, :]
    if c0.min() >= 0 and r0.min() >= 0 and c0.max() + side <= w and r0.max() + side <= h:
        grid += np.bincount(flat.ravel(), weights=weights.ravel(), minlength=grid.size)
        return
    ok = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    grid += np.bincount(flat[ok], weights=weights[ok], minlength=grid.size)[: grid.size]


def _upsample(coarse: np.ndarray, f: int, w: int, h: int) -> np.ndarray:
    """Bilinear upsampling of a padded coarse mass grid (cells f x f, one pad cell) to w x h."""

    def axis(n: int, nc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = (np.arange(n) + 0.5) / f + 1 - 0.5  # fine centres in coarse index units
        k0 = np.clip(np.floor(pos).astype(np.int64), 0, nc - 2)
        t = np.clip(pos - k0, 0.0, 1.0)
        return k0, k0 + 1, t

    y0, y1, ty = axis(h, coarse.shape[0])
    x0, x1, tx = axis(w, coarse.shape[1])
    rows = coarse[y0, :] * (1 - ty)[:, None] + coarse[y1, :] * ty[:, None]
    return np.asarray(rows[:, x0] * (1 - tx)[None, :] + rows[:, x1] * tx[None, :], dtype=np.float64)


def _spread_region(
    grid: np.ndarray,
    region: Polygon | MultiPolygon,
    transform: Affine,
    w: int,
    h: int,
    crs: str,
    renormalize: bool,
    *,
    count: int = 1,
) -> float:
    """Add ``count`` uniform claims over ``region`` by covered cell fraction; return the mass outside."""
    proj = shapely.transform(region, _to_grid(crs).transform, interleaved=False)
    total = proj.area
    if total <= 0:
        return 0.0 if renormalize else float(count)
    minx, miny, maxx, maxy = proj.bounds
    c_lo = max(0, math.floor((minx - transform.c) / transform.a))
    c_hi = min(w, math.ceil((maxx - transform.c) / transform.a))
    r_lo = max(0, math.floor((transform.f - maxy) / -transform.e))
    r_hi = min(h, math.ceil((transform.f - miny) / -transform.e))
    if c_lo >= c_hi or r_lo >= r_hi:
        return 0.0 if renormalize else float(count)
    ww, wh = c_hi - c_lo, r_hi - r_lo
    # Supersample so a cell's weight is its covered fraction, not an all-or-nothing centre test.
    ss = 4 if ww * wh <= 250_000 else (2 if ww * wh <= 2_000_000 else 1)
    sub = Affine(
        transform.a / ss, 0, transform.c + c_lo * transform.a, 0, transform.e / ss, transform.f + r_lo * transform.e
    )
    burned = rasterize([(mapping(proj), 1)], out_shape=(wh * ss, ww * ss), transform=sub, fill=0, dtype="uint8")
    frac = burned.reshape(wh, ss, ww, ss).sum(axis=3, dtype=np.int32).sum(axis=1) / float(ss * ss)
    cell_area = transform.a * -transform.e
    weights = frac * cell_area / total
    got = float(weights.sum())
    if got <= 0:  # a region smaller than a sub-cell: its mass goes to the cell of its centre
        pt = proj.representative_point()
        col = math.floor((pt.x - transform.c) / transform.a)
        row = math.floor((transform.f - pt.y) / -transform.e)
        if 0 <= col < w and 0 <= row < h:
            grid[row * w + col] += float(count)
            return 0.0
        return 0.0 if renormalize else float(count)
    inside_share = min(1.0, float(shapely.area(proj.intersection(shapely.box(*_bounds(transform, w, h))))) / total)
    target = count * (1.0 if renormalize else inside_share)
    weights *= target / got  # the rasterised mass equals the region's exact share inside the grid
    g2 = grid.reshape(h, w)
    g2[r_lo:r_hi, c_lo:c_hi] += weights
    return 0.0 if renormalize else count * (1.0 - inside_share)


def _bounds(transform: Affine, w: int, h: int) -> tuple[float, float, float, float]:
    return (transform.c, transform.f + transform.e * h, transform.c + transform.a * w, transform.f)


# --------------------------------------------------------------------------------------
# Layers and files
# --------------------------------------------------------------------------------------


def layer_likelihood(
    store: Any,
    layer_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    **grid: Any,
) -> Surface:
    """The likelihood surface of a stored claim layer over [start, end], as known at ``as_of``.

    Tags record the layer, interval and as_of so a file says what it shows.
    """
    from layers.catalog import get_layer, layer_query
    from layers.params import format_interval
    from layers.store.base import ClaimQuery

    layer = get_layer(store, layer_id)
    if layer.kind == "zones":
        raise InvalidInput(f"layer {layer_id!r} holds zones, not claims: a likelihood surface needs claims")
    query = layer_query(layer, start=start, end=end, as_of=as_of)
    if not isinstance(query, ClaimQuery):  # pragma: no cover - guarded above
        raise NotFound(f"layer {layer_id!r} has no claims")
    claims = store.query_claims(query).items
    tags = {
        "layer": layer_id,
        "interval": format_interval(start, end) if (start or end) else "../..",
        "as_of": as_of.isoformat() if as_of else "latest",
        **grid.pop("tags", {}),
    }
    return likelihood(claims, tags=tags, **grid)


def write_cog(surface: Surface, dest: str | Path | BinaryIO, tags: dict[str, str] | None = None) -> None:
    """Write ``surface`` as a Cloud-Optimized GeoTIFF (deflate, 256 px tiles, overviews, tags).

    ``dest`` is a path or a writable binary file. CRS, transform and nodata are always
    set; overviews are averages (for display; sums of mass are in the full resolution).
    """
    from rio_cogeo.cogeo import cog_translate
    from rio_cogeo.profiles import cog_profiles

    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": surface.width,
        "height": surface.height,
        "crs": surface.crs,
        "transform": surface.transform,
        "nodata": NODATA,
    }
    all_tags = {**surface.all_tags(), **(tags or {})}
    cog = cog_profiles.get("deflate")  # type: ignore[no-untyped-call]
    cog.update(blockxsize=256, blockysize=256, predictor=3)
    with rasterio.Env(GDAL_NUM_THREADS="1", GDAL_TIFF_INTERNAL_MASK=True), MemoryFile() as mem:
        with mem.open(**profile) as src:
            src.write(surface.data.astype(np.float32), 1)
            src.set_band_description(1, "likelihood")
            src.update_tags(**all_tags)
        with mem.open() as src:
            if isinstance(dest, str | Path):
                cog_translate(
                    src, str(dest), cog, overview_resampling="average", additional_cog_metadata=all_tags,
                    in_memory=True, quiet=True,
                )  # fmt: skip
                return
            with MemoryFile() as out:
                cog_translate(
                    src, out.name, cog, overview_resampling="average", additional_cog_metadata=all_tags,
                    in_memory=True, quiet=True,
                )  # fmt: skip
                dest.write(out.read())


def likelihood_cog_bytes(claims: Iterable[Claim], **kwargs: Any) -> bytes:
    """:func:`likelihood` written as COG bytes (for HTTP responses)."""
    buf = io.BytesIO()
    write_cog(likelihood(claims, **kwargs), buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# XYZ tiles
# --------------------------------------------------------------------------------------

#: Colour ramps as anchor colours (low -> high); interpolated to 256 steps.
RAMPS: dict[str, list[tuple[int, int, int]]] = {
    "inferno": [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)],
    "reds": [(254, 229, 217), (252, 174, 145), (251, 106, 74), (222, 45, 38), (165, 15, 21)],
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
}


@cache
def _ramp_table(name: str) -> np.ndarray:
    anchors = RAMPS.get(name)
    if anchors is None:
        raise InvalidInput(f"unknown colour ramp {name!r}; expected one of: {', '.join(RAMPS)}")
    a = np.asarray(anchors, dtype=np.float64)
    pos = np.linspace(0, 1, len(a))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, pos, a[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)


def _png(rgba: np.ndarray) -> bytes:
    """Encode an (h, w, 4) uint8 array as PNG (no dependency beyond zlib)."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[r].tobytes() for r in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def colorize(density: np.ndarray, *, vmax: float, ramp: str = "inferno") -> np.ndarray:
    """Map densities to RGBA: 0 (and nodata/NaN) transparent, then the ramp, alpha rising."""
    table = _ramp_table(ramp)
    d = np.nan_to_num(np.asarray(density, dtype=np.float64), nan=0.0)
    norm = np.clip(d / vmax, 0, 1) if vmax > 0 else np.zeros_like(d)
    idx = (norm * 255).round().astype(np.int64)
    rgba = np.zeros((*d.shape, 4), dtype=np.uint8)
    rgba[..., :3] = table[idx]
    alpha = np.where(d > 0, 90 + (norm * 165), 0)
    rgba[..., 3] = np.clip(alpha, 0, 255).astype(np.uint8)
    return rgba


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    import morecantile

    if not (0 <= z <= 22):
        raise InvalidInput(f"tile zoom {z} is outside 0..22")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist at zoom {z} (x and y must be 0..{n - 1})")
    tms = morecantile.tms.get("WebMercatorQuad")
    b = tms.xy_bounds(morecantile.Tile(x, y, z))
    return (b.left, b.bottom, b.right, b.top)


def _density(surface: Surface) -> np.ndarray:
    """Mass per km² of ground for a surface in EPSG:3857 or another projected CRS."""
    cell_km2 = abs(surface.transform.a * surface.transform.e) / 1e6
    rows = np.arange(surface.height) + 0.5
    ys = surface.transform.f + surface.transform.e * rows
    xs = np.full_like(ys, surface.transform.c + surface.transform.a * surface.width / 2)
    lon, lat = pyproj.Transformer.from_crs(surface.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    areal = np.asarray(pyproj.Proj(surface.crs).get_factors(lon, lat).areal_scale, dtype=np.float64)
    return np.asarray(surface.data.astype(np.float64) / (cell_km2 / areal)[:, None], dtype=np.float64)


def max_density(surface: Surface) -> float:
    """The largest density (events per km²) of a surface: a consistent ``vmax`` for its tiles."""
    d = _density(surface)
    return float(d.max()) if d.size else 0.0


def render_tile(
    source: Surface | Sequence[Claim],
    z: int,
    x: int,
    y: int,
    *,
    ramp: str = "inferno",
    vmax: float | None = None,
    **likelihood_kwargs: Any,
) -> bytes:
    """A 256x256 PNG XYZ tile (WebMercatorQuad) of a surface or of claims, zero transparent.

    From claims the likelihood is computed on the tile's own grid (exact at every zoom);
    from a surface it is resampled (bilinear) as density, so zoomed-in tiles stay smooth.
    ``vmax`` (events per km²) fixes the colour scale across tiles; by default it is the
    surface's maximum density, or the tile's own for claims. Nothing is fetched.
    """
    left, bottom, right, top = _tile_bounds(z, x, y)
    tile_tf = Affine((right - left) / TILE_SIZE, 0, left, 0, -(top - bottom) / TILE_SIZE, top)
    if isinstance(source, Surface):
        dens = _density(source).astype(np.float32)
        out = np.zeros((TILE_SIZE, TILE_SIZE), dtype=np.float32)
        with rasterio.Env(GDAL_NUM_THREADS="1"):
            reproject(
                dens, out, src_transform=source.transform, src_crs=source.crs, dst_transform=tile_tf,
                dst_crs="EPSG:3857", resampling=Resampling.bilinear, src_nodata=None, dst_nodata=0,
            )  # fmt: skip
        scale = vmax if vmax is not None else max(float(dens.max()), 0.0)
        return _png(colorize(out, vmax=scale, ramp=ramp))
    lon0, lat0 = _to_grid("EPSG:3857").transform(left, bottom, direction="INVERSE")
    lon1, lat1 = _to_grid("EPSG:3857").transform(right, top, direction="INVERSE")
    surf = likelihood(
        source, bbox=(lon0, lat0, lon1, lat1), width=TILE_SIZE, height=TILE_SIZE, crs="EPSG:3857", **likelihood_kwargs
    )
    surf = replace(surf, transform=tile_tf)  # snap to the exact tile grid (the lon/lat round trip is exact to 1e-9)
    dens = _density(surf)
    scale = vmax if vmax is not None else float(dens.max())
    return _png(colorize(dens, vmax=scale, ramp=ramp))


# --------------------------------------------------------------------------------------
# Zonal statistics
# --------------------------------------------------------------------------------------


def _as_geometry(g: Any) -> BaseGeometry:
    if isinstance(g, BaseGeometry):
        return g
    if hasattr(g, "geometry") and isinstance(g.geometry, BaseGeometry):  # Zone, ClaimRecord
        return g.geometry
    if isinstance(g, dict):
        return shape(g.get("geometry", g) if g.get("type") == "Feature" else g)
    raise InvalidInput(f"cannot read a geometry from {type(g).__name__}")


def _pixel_window(
    tf: Affine, bounds: tuple[float, float, float, float], width: int, height: int
) -> tuple[int, int, int, int]:
    """Columns and rows (c0, r0, c1, r1) of the cells a bounding box touches, clipped to the raster."""
    inv = ~tf
    xs, ys = [], []
    for x, y in ((bounds[0], bounds[1]), (bounds[0], bounds[3]), (bounds[2], bounds[1]), (bounds[2], bounds[3])):
        col, row = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
        xs.append(col)
        ys.append(row)
    c0, r0 = min(max(math.floor(min(xs)), 0), width - 1), min(max(math.floor(min(ys)), 0), height - 1)
    c1, r1 = min(math.ceil(max(xs)), width), min(math.ceil(max(ys)), height)
    return c0, r0, max(c1, c0 + 1), max(r1, r0 + 1)


def zonal_stats(
    raster_path: str | Path,
    geometries: Iterable[Any],
    *,
    band: int = 1,
    geometry_crs: str = "EPSG:4326",
    all_touched: bool = False,
) -> list[dict[str, float | int | None]]:
    """Sum, mean, min, max and cell counts of a raster inside each geometry.

    ``geometries`` are shapely geometries, GeoJSON mappings or objects with a
    ``geometry`` (Zones), in ``geometry_crs`` (lon/lat by default); they are projected
    to the raster's CRS. A cell counts when its centre is inside (or any touch, with
    ``all_touched``); nodata cells are skipped and counted. E.g. a population raster
    over evacuation zones gives people under orders (``sum``).
    """
    path = Path(raster_path)
    if not path.exists():
        raise NotFound(f"raster {path} does not exist")
    out: list[dict[str, float | int | None]] = []
    with rasterio.Env(GDAL_NUM_THREADS="1"), rasterio.open(path) as src:
        if src.crs is None:
            raise InvalidInput(f"raster {path.name} has no CRS: cannot place geometries on it")
        if not 1 <= band <= src.count:
            raise InvalidInput(f"raster {path.name} has no band {band} (it has {src.count})")
        tr = pyproj.Transformer.from_crs(geometry_crs, src.crs, always_xy=True)
        nodata = src.nodata
        for g in geometries:
            geom = shapely.transform(_as_geometry(g), tr.transform, interleaved=False)
            empty: dict[str, float | int | None] = {
                "sum": 0.0, "mean": None, "min": None, "max": None, "count": 0, "nodata_count": 0,
            }  # fmt: skip
            if geom.is_empty or not shapely.intersects(geom, shapely.box(*src.bounds)):
                out.append(empty)
                continue
            c0, r0, c1, r1 = _pixel_window(src.transform, geom.bounds, src.width, src.height)
            win = rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)
            data = src.read(band, window=win, masked=False).astype(np.float64)
            tf = src.transform
            wtf = Affine(tf.a, tf.b, tf.c + tf.a * c0 + tf.b * r0, tf.d, tf.e, tf.f + tf.d * c0 + tf.e * r0)
            inside = ~geometry_mask([mapping(geom)], out_shape=data.shape, transform=wtf, all_touched=all_touched)
            valid = inside & np.isfinite(data)
            if nodata is not None:
                valid &= data != nodata
            vals = data[valid]
            n_nodata = int(inside.sum() - valid.sum())
            if vals.size == 0:
                out.append({**empty, "nodata_count": n_nodata})
                continue
            out.append(
                {
                    "sum": float(vals.sum()),
                    "mean": float(vals.mean()),
                    "min": float(vals.min()),
                    "max": float(vals.max()),
                    "count": int(vals.size),
                    "nodata_count": n_nodata,
                }
            )
    return out


__all__ = [
    "MAX_RADIUS_M",
    "NODATA",
    "RAMPS",
    "SIGMA_PER_R95",
    "UNITS",
    "Surface",
    "colorize",
    "is_coarse",
    "layer_likelihood",
    "likelihood",
    "likelihood_cog_bytes",
    "max_density",
    "render_tile",
    "write_cog",
    "zonal_stats",
]
