"""Likelihood COG and XYZ tiles of a claim layer, through the service."""

from __future__ import annotations

import io

import numpy as np
import pytest
import rasterio

from tests.api.conftest import AUTH

COG = "image/tiff; application=geotiff; profile=cloud-optimized"
# z=12 tile over Gaza City (lon 34.4667, lat 31.5017) and one far away in the Atlantic.
GAZA_TILE = (12, 2440, 1670)
EMPTY_TILE = (12, 1000, 1500)


def read_tif(content: bytes):
    with rasterio.open(io.BytesIO(content)) as src:
        return src.read(1), src.tags(), src.crs, src.nodata, src.overviews(1), src.profile


def test_likelihood_cog(ro_client):
    r = ro_client.get("/collections/strikes/likelihood.tif", params={"datetime": "2023-12-01/2023-12-03"})
    assert r.status_code == 200 and r.headers["content-type"] == COG
    assert "sitmap_strikes_likelihood_2023-12-01_2023-12-03.tif" in r.headers["content-disposition"]
    data, tags, crs, nodata, _ovr, profile = read_tif(r.content)
    assert crs is not None and nodata is not None and profile["tiled"]
    assert tags["layer"] == "strikes" and tags["interval"] == "2023-12-01/2023-12-03"
    # c-gaza-1, c-gaza-2 and c-ky-1 fall in the interval; each spreads one unit of mass
    assert tags["claim_count"] == "3"
    assert float(data[data > 0].sum()) == pytest.approx(3.0, rel=0.02)


def test_likelihood_as_of_and_filters(ro_client):
    r = ro_client.get("/collections/strikes/likelihood.tif", params={"as_of": "2020-01-01"})
    assert r.status_code == 200
    data, tags, *_ = read_tif(r.content)
    assert tags["claim_count"] == "0" and float(data[data > 0].sum()) == 0.0
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    r = ro_client.get("/collections/all/likelihood.tif", params={"event_type": "shooting"})
    assert read_tif(r.content)[1]["claim_count"] == "1"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("datetime=2023-12-05/2023-12-01", 400),
        ("resolution_m=1", 400),
        ("resolution_m=abc", 400),
        ("event_type=meteor", 400),
        ("url=http://example.com/x.tif", 400),  # no endpoint reads a caller-given URL
    ],
)
def test_likelihood_bad_parameters(ro_client, query, status):
    r = ro_client.get(f"/collections/strikes/likelihood.tif?{query}")
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


def test_likelihood_of_zones_or_unknown_layer(ro_client):
    assert ro_client.get("/collections/evacuation-orders/likelihood.tif").status_code == 400
    assert ro_client.get("/collections/nope/likelihood.tif").status_code == 404


def test_tiles_png_with_transparency(ro_client):
    z, x, y = GAZA_TILE
    r = ro_client.get(f"/collections/strikes/tiles/{z}/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    with rasterio.open(io.BytesIO(r.content)) as png:
        assert png.count == 4 and png.width == 256
        alpha = png.read(4)
    assert alpha.max() > 0 and alpha.min() == 0  # colour where the claims are, transparent elsewhere
    z, x, y = EMPTY_TILE
    empty = ro_client.get(f"/collections/strikes/tiles/{z}/{x}/{y}.png")
    with rasterio.open(io.BytesIO(empty.content)) as png:
        assert int(np.asarray(png.read(4)).max()) == 0
    assert ro_client.get(f"/collections/strikes/tiles/{z}/{x}/{y}.png?ramp=viridis").status_code == 200


def test_tiles_reuse_the_cached_surface(ro_client):
    z, x, y = GAZA_TILE
    ro_client.get(f"/collections/rocket-fire/tiles/{z}/{x}/{y}.png")
    cache = ro_client.app.state.raster_cache  # made by the first tile request
    misses = cache.misses
    for dx in (1, 2, 3):
        assert ro_client.get(f"/collections/rocket-fire/tiles/{z}/{x + dx}/{y}.png").status_code == 200
    assert cache.misses == misses and cache.hits >= 3


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/collections/strikes/tiles/3/8/0.png", 404),
        ("/collections/strikes/tiles/23/0/0.png", 400),
        ("/collections/strikes/tiles/-1/0/0.png", 400),
        ("/collections/strikes/tiles/1/0/0.png?ramp=rainbow", 400),
        ("/collections/strikes/tiles/1/0/0.png?bbox=1,2,3,4", 400),
        ("/collections/nope/tiles/1/0/0.png", 404),
    ],
)
def test_tiles_errors(ro_client, path, status):
    r = ro_client.get(path)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


def test_tiles_change_after_a_write(api_client):
    z, x, y = GAZA_TILE
    before = api_client.get(f"/collections/diplomacy/tiles/{z}/{x}/{y}.png")
    feature = {
        "type": "Feature",
        "id": "c-talks-gaza",
        "geometry": {"type": "Point", "coordinates": [34.4667, 31.5017]},
        "properties": {
            "event_type": "negotiation",
            "claimant": "mediators",
            "source": "Example Wire",
            "uncertainty_m": 500,
            "valid_from": "2023-12-09T00:00:00Z",
            "valid_to": "2023-12-09T23:59:59Z",
            "time_precision": "day",
        },
    }
    assert api_client.post("/claims", json=feature, headers=AUTH).status_code == 201
    after = api_client.get(f"/collections/diplomacy/tiles/{z}/{x}/{y}.png")
    assert after.headers["etag"] != before.headers["etag"] and after.content != before.content
