"""`sitmap layers` and `sitmap export`: every format, as-of, filters, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyogrio
import pytest

from api.cli import main
from layers.catalog import install_default_layers
from layers.importers.geojson import import_geojson
from layers.store import open_store
from layers.testing import make_claim, make_zone


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.gpkg")
    store = open_store(path)
    try:
        install_default_layers(store)
        store.add_claims(
            [
                make_claim("c-1", claimant="=cmd|' /C calc'!A0"),
                make_claim("c-2", event_type="shooting", day="2023-12-02"),
                make_claim("c-3", event_type="shelling", day="2023-12-05"),
            ]
        )
        store.add_zones([make_zone("z-1")])
    finally:
        store.close()
    return path


def test_layers_lists_counts(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "strikes" in out and "evacuation-orders" in out
    assert main(["layers", "--db", db, "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["strikes"]["count"] == 2 and rows["attacks"]["count"] == 1
    assert rows["evacuation-orders"]["kind"] == "zones" and rows["evacuation-orders"]["count"] == 1
    assert main(["layers", "--db", db, "--json", "--as-of", "2000-01-01"]) == 0
    assert all(r["count"] == 0 for r in json.loads(capsys.readouterr().out))


def test_terminal_output_never_carries_control_sequences(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A layer title (any admin token can set one) and a file's column names reached the
    terminal raw: an ESC sequence recoloured, retitled or cleared it; a newline forged a row."""
    from layers.model import Layer

    store = open_store(db)
    try:
        store.put_layer(Layer(id="esc", title="\x1b]0;owned\x07\x1b[2Jred\nfake-layer  claims  9  \u202eevil"))
    finally:
        store.close()
    assert main(["layers", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;owned\\x07" in out and "\\nfake-layer" in out and "\\u202eevil" in out
    assert len(out.strip().splitlines()) == 1 + 9  # a header and one line per layer
    table = tmp_path / "events.csv"
    table.write_text("event_type,claimant,source,valid_from,longitude,latitude,\x1b[31mcolour\n", encoding="utf-8")
    assert main(["import", "csv", str(table), "--db", db, "--dry-run"]) == 0
    printed = capsys.readouterr()
    assert "\x1b" not in printed.out + printed.err and "\\x1b[31mcolour" in printed.out


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "parquet", "kml"])
def test_export_every_format(db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"strikes.{fmt}"
    assert (
        main(["export", "strikes", "--db", db, "--format", fmt, "--datetime", "2023-12-01/2023-12-03", "-o", str(out)])
        == 0
    )
    assert out.exists()
    if fmt in ("geojson", "gpkg", "kml"):
        assert pyogrio.read_info(out)["features"] == 1
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert [r["id"] for r in rows] == ["c-1"] and rows[0]["claimant"].startswith("'=")


@pytest.mark.parametrize(("suffix", "fmt"), [(".parquet", "parquet"), (".gpkg", "gpkg"), (".csv", "csv")])
def test_export_format_follows_the_files_suffix(db: str, tmp_path: Path, suffix: str, fmt: str) -> None:
    """``-o events.parquet`` without ``--format`` writes Parquet (it wrote GeoJSON into a .parquet file)."""
    out = tmp_path / f"events{suffix}"
    assert main(["export", "strikes", "--db", db, "-o", str(out)]) == 0
    if fmt == "parquet":
        import pandas as pd

        frame = pd.read_parquet(out)
        assert str(frame["geo_precision"].dtype) == "Int64"  # whole numbers stay whole
    elif fmt == "gpkg":
        fields = dict(zip(*[pyogrio.read_info(out)[k] for k in ("fields", "dtypes")], strict=True))
        assert fields["geo_precision"].startswith("int") and fields["version"].startswith("int")
    else:
        assert out.read_text().startswith("id,") or "claimant" in out.read_text().splitlines()[0]


def test_export_default_name_and_stdout(db: str, tmp_path: Path, monkeypatch, capsysbinary) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "all", "--db", db, "--datetime", "2023-12-01/2023-12-02", "-f", "csv"]) == 0
    assert (tmp_path / "sitmap_all_2023-12-01_2023-12-02.csv").exists()
    capsysbinary.readouterr()
    assert main(["export", "all", "--db", db, "-f", "geojson", "-o", "-", "--event-type", "shooting"]) == 0
    doc = json.loads(capsysbinary.readouterr().out)
    assert [f["id"] for f in doc["features"]] == ["c-2"] and doc["layer"] == "all"


def test_export_round_trip_through_import_is_byte_stable(db: str, tmp_path: Path) -> None:
    first = tmp_path / "a.geojson"
    assert main(["export", "all", "--db", db, "-o", str(first)]) == 0
    store = open_store(db)
    try:
        assert import_geojson(store, first).unchanged == 3
    finally:
        store.close()
    second = tmp_path / "b.geojson"
    assert main(["export", "all", "--db", db, "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_export_as_of_and_region(db: str, tmp_path: Path) -> None:
    old = tmp_path / "old.geojson"
    assert main(["export", "strikes", "--db", db, "--as-of", "2020-01-01", "-o", str(old)]) == 0
    doc = json.loads(old.read_text())
    assert doc["features"] == [] and doc["as_of"] == "2020-01-01T00:00:00Z"
    reg = tmp_path / "r.geojson"
    assert main(["export", "strikes", "--db", db, "--include-region", "-o", str(reg)]) == 0
    assert "uncertainty_region" in json.loads(reg.read_text())["features"][0]["properties"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export", "nope"], "unknown layer 'nope'; known layers: all"),
        (["export", "strikes", "--datetime", "2023-12-03/2023-12-01"], "ends before it starts"),
        (["export", "strikes", "--datetime", "soon"], "'soon'"),
        (["export", "strikes", "--bbox", "1,2,3"], "'1,2,3'"),
        (["export", "strikes", "-f", "xls"], "unknown export format 'xls'"),
        (["export", "strikes", "--as-of", "yesterday"], "'yesterday'"),
        (["export", "strikes", "--event-type", "bombing"], "'bombing'"),
        (["export", "strikes", "-f", "gpkg", "-o", "-"], "cannot be written to stdout"),
        (["export", "strikes", "-f", "geojson", "-o", "x.csv"], "names a csv file but --format is geojson"),
    ],
)
def test_export_errors_are_one_line(
    db: str, args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--db", db]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and err.startswith("sitmap: error:")


def test_export_types_numbers_even_when_no_row_has_one(tmp_path: Path) -> None:
    """A layer whose claims all lack a place has no radius or confidence in any row: the GeoPackage
    still types them Real and the counts Integer (an all-empty column was typed String by GDAL)."""
    path = str(tmp_path / "unplaced.gpkg")
    store = open_store(path)
    try:
        install_default_layers(store)
        store.add_claims([make_claim("u-1", lon=None, lat=None), make_claim("u-2", lon=None, lat=None)])
    finally:
        store.close()
    out = tmp_path / "unplaced.gpkg.out.gpkg"
    assert main(["export", "all", "--db", path, "-o", str(out)]) == 0
    fields = dict(zip(*[pyogrio.read_info(out)[k] for k in ("fields", "dtypes")], strict=True))
    assert fields["uncertainty_m"].startswith("float"), fields
    assert fields["fatalities"].startswith("int"), fields
