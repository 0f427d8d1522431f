"""CLI: sitmap zones import-orders and sitmap zones area (store and shipped orders)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from api.cli import main
from layers.store import ZoneQuery


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_orders_then_area_from_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "zones.gpkg")
    code, out, _ = run(capsys, "zones", "import-orders", "--db", db, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["zones"] == data["inserted"] == 131
    from api.cli_layer import cli_user
    from layers.store import open_store

    store = open_store(db)
    try:
        assert store.zone_history(store.query_zones(ZoneQuery(limit=1)).items[0].id)[0].recorded_by == cli_user(
            "zones import-orders"
        )
    finally:
        store.close()
    assert {u["order"] for u in data["unmapped_orders"]} == {"105", "11", "104", "56", "65"}  # 102: drawn by sitmap
    code, out, _ = run(capsys, "zones", "import-orders", "--db", db)
    assert code == 0 and "131 unchanged" in out  # loading twice changes nothing
    code, out, _ = run(capsys, "zones", "area", "--db", db, "--at", "2023-12-05", "--format", "json")
    assert code == 0
    res = json.loads(out)
    assert res["at"]["n_zones"] == 5 and 145 < res["at"]["area_km2"] < 160  # with the 13 Oct order north of the wadi
    assert res["at"]["reference_km2"] == pytest.approx(365.0, abs=0.1)
    assert res["rule"].startswith("an order stays in force until lifted")
    code, out, _ = run(capsys, "zones", "area", "--db", db, "--at", "2023-12-05")
    assert code == 0 and "of the Gaza Strip's 365.0 km²" in out


def test_area_series_csv_from_shipped_orders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "series.csv"
    code, out, _ = run(
        capsys, "zones", "area", "--shipped", "--series", "--datetime", "2024-05-01/2024-05-31",
        "--since", "2024-05-01", "--format", "csv", "-o", str(out_file),
    )  # fmt: skip
    assert code == 0 and "wrote" in out
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert len(rows) == 31 and rows[0]["date"] == "2024-05-01"
    assert float(rows[0]["cumulative_km2"]) == 0.0  # nothing issued since 1 May yet
    assert float(rows[-1]["cumulative_km2"]) > 20
    assert all(0 <= float(r["share"]) <= 1 for r in rows)
    code, out, _ = run(capsys, "zones", "area", "--shipped", "--order-type", "humanitarian_zone", "--at", "2024-06-01")
    assert code == 0 and "1 orders in force" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--at", "2024-01-01", "--series"], "--at or --series"),
        (["--at", "yesterday"], "'yesterday'"),
        (["--format", "xml"], "'xml'"),
        (["--order-type", "shelter"], "'shelter'"),
        (["--series", "--datetime", "2024-02-01/2024-01-01"], "ends before it starts"),
    ],
)
def test_area_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _out, err = run(capsys, "zones", "area", "--shipped", *argv)
    assert code == 2
    assert err.startswith("sitmap: error:") and message in err and err.count("\n") == 1


def test_area_on_a_store_without_zones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from layers.store import open_store

    db = tmp_path / "empty.gpkg"
    open_store(str(db)).close()
    code, _out, err = run(capsys, "zones", "area", "--db", str(db))
    assert code == 2 and "import-orders" in err


def test_area_with_a_population_raster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    pop = tmp_path / "pop.tif"
    profile = {
        "driver": "GTiff",
        "width": 300,
        "height": 250,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32636",
        "transform": from_origin(610_000, 3_480_000, 100, 100),
        "nodata": -1,
    }
    with rasterio.open(pop, "w", **profile) as dst:
        dst.write(np.full((250, 300), 2.0, dtype=np.float32), 1)
    code, out, _ = run(
        capsys, "zones", "area", "--shipped", "--at", "2023-12-10", "--raster", str(pop), "--format", "json"
    )
    assert code == 0
    total = json.loads(out)["raster_sum"]["sum"]
    assert total > 0 and total % 2 == 0
    code, out, _ = run(
        capsys,
        "zones",
        "area",
        "--shipped",
        "--series",
        "--datetime",
        "2023-12-08/2023-12-10",
        "--raster",
        str(pop),
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert float(rows[-1]["raster_sum"]) == pytest.approx(total, rel=1e-3)
    code, _out, err = run(capsys, "zones", "area", "--shipped", "--raster", str(tmp_path / "nope.tif"))
    assert code == 2 and "nope.tif" in err and "not a file" in err
