"""CLI and store path of likelihood rasters: sitmap raster LAYER, layer_likelihood with as_of."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from api.cli import main
from geo.errors import InvalidInput
from geo.model import Uncertainty
from layers.model import ClaimRecord
from layers.raster import layer_likelihood


def record(cid: str, lon: float, lat: float, radius: float, day: str, *, where_prec: int = 2) -> ClaimRecord:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return ClaimRecord(
        id=cid,
        event_type="airstrike",
        claimant="test claimant",
        source="test source",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        uncertainty=Uncertainty(
            radius_m=radius, geo_precision=1 if radius < 5000 else 3, where_prec=where_prec, method="gazetteer"
        ),
        valid_from=start,
        valid_to=start.replace(hour=23, minute=59),
        time_precision="day",
    )


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, datetime]:
    from layers.catalog import install_default_layers
    from layers.store import open_store

    path = str(tmp_path / "r.gpkg")
    store = open_store(path)
    try:
        install_default_layers(store)
        store.add_claims(
            [
                record("c1", 34.45, 31.50, 500, "2024-01-10"),
                record("c2", 34.30, 31.35, 2000, "2024-01-12"),
                record("c3", 34.39, 31.42, 30_000, "2024-01-12", where_prec=4),  # whole-Strip: too coarse
            ]
        )
        time.sleep(0.01)
        between = datetime.now(UTC)
        time.sleep(0.01)
        store.add_claims([record("c4", 34.25, 31.28, 800, "2024-02-01")])
    finally:
        store.close()
    return path, between


def test_raster_command_writes_tagged_cog(
    db: tuple[str, datetime], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = db
    out = tmp_path / "strikes.tif"
    code = main(
        [
            "raster",
            "strikes",
            "--db",
            path,
            "--datetime",
            "2024-01-01/2024-01-31",
            "--resolution-m",
            "200",
            "-o",
            str(out),
        ]
    )
    msg = capsys.readouterr().out
    assert code == 0, msg
    assert "2 claims spread, 1 too coarse left out" in msg
    assert cog_validate(str(out), quiet=True)[0]
    with rasterio.open(out) as src:
        tags = src.tags()
        assert tags["layer"] == "strikes"
        assert tags["interval"].startswith("2024-01-01T00:00:00Z/2024-01-31")
        assert tags["as_of"] == "latest"
        assert tags["claim_count"] == "2" and tags["excluded_coarse_count"] == "1"
        assert float(src.read(1).sum(dtype=np.float64)) == pytest.approx(2.0, abs=1e-3)


def test_layer_likelihood_as_of_reproduces_the_past(db: tuple[str, datetime]) -> None:
    from layers.store import open_store

    path, between = db
    store = open_store(path, create=False)
    try:
        now = layer_likelihood(store, "strikes", width=50, height=50)
        then = layer_likelihood(store, "strikes", as_of=between, width=50, height=50)
        with pytest.raises(InvalidInput, match="zones"):
            layer_likelihood(store, "evacuation-orders", width=10, height=10)
    finally:
        store.close()
    assert now.claim_count == 3 and then.claim_count == 2
    assert then.tags["as_of"] == between.isoformat()


def test_raster_command_errors(db: tuple[str, datetime], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = db
    code = main(["raster", "no-such-layer", "--db", path, "-o", str(tmp_path / "x.tif")])
    assert code == 2 and "no-such-layer" in capsys.readouterr().err
    code = main(
        ["raster", "strikes", "--db", path, "--datetime", "2024-02-01/2024-01-01", "-o", str(tmp_path / "x.tif")]
    )
    assert code == 2 and "ends before it starts" in capsys.readouterr().err
    code = main(["raster", "strikes", "--db", path, "--bbox", "34,31,33,32", "-o", str(tmp_path / "x.tif")])
    assert code == 2 and "bbox" in capsys.readouterr().err
