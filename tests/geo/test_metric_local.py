"""geo.metric's local projection: the pipelines it builds are those PROJ resolves the CRS pair to."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from geo.metric import _local


@pytest.mark.parametrize(("lon", "lat"), [(34.4667, 31.5), (35.2044, 31.7683), (-0.1276, 51.5072), (35.5, 33.9)])
def test_local_pipelines_are_the_crs_pair_and_give_the_same_coordinates(lon: float, lat: float):
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs")
    ref_fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    ref_back = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    fwd, back = _local(lon, lat)
    assert fwd.definition == ref_fwd.definition
    assert back.definition == ref_back.definition
    rng = np.random.default_rng(7)
    x, y = lon + rng.normal(0, 0.4, 200), lat + rng.normal(0, 0.4, 200)
    mx, my = fwd.transform(x, y)
    rx, ry = ref_fwd.transform(x, y)
    assert np.array_equal(mx, rx) and np.array_equal(my, ry)
    assert np.array_equal(np.array(back.transform(mx, my)), np.array(ref_back.transform(rx, ry)))
