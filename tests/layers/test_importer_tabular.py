"""CSV, GeoPackage and Parquet import: exports round-trip, rows follow the GeoJSON rules, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from geo.contract import claim_properties, zone_properties
from geo.errors import InvalidInput
from layers.export import write_export
from layers.importers.common import ImportFailed
from layers.importers.geojson import parse_mapping
from layers.importers.tabular import import_table
from layers.store import open_store
from layers.store.base import ClaimQuery, ZoneQuery
from layers.testing import make_claim

from .test_importer_geojson import sample_claims, sample_zones

FORMATS = ("csv", "gpkg", "parquet")
ALL_STATUSES = ("reported", "corroborated", "disputed", "retracted")
#: Contract properties a store assigns on write, not read back from a file.
BOOKKEEPING = ("version", "recorded_at", "superseded_at")


def contract(store) -> tuple[dict, dict]:
    """Every claim's and zone's contract properties, by id, without the store's bookkeeping."""
    claims = store.query_claims(ClaimQuery(statuses=ALL_STATUSES)).items
    zones = store.query_zones(ZoneQuery(include_retracted=True)).items
    strip = lambda props: {k: v for k, v in props.items() if k not in BOOKKEEPING}  # noqa: E731
    return {c.id: strip(claim_properties(c)) for c in claims}, {z.id: strip(zone_properties(z)) for z in zones}


def foreign_csv(tmp_path: Path, text: str, name: str = "foreign.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FOREIGN_HEADER = "id,event_type,claimant,source,uncertainty_m,valid_from,valid_to,time_precision,lon,lat"


def foreign_row(i: int, **over: object) -> str:
    cells = {
        "id": f"f-{i}",
        "event_type": "airstrike",
        "claimant": "Health ministry",
        "source": "Wire",
        "uncertainty_m": "250",
        "valid_from": "2023-12-01T00:00:00Z",
        "valid_to": "2023-12-01T23:59:59Z",
        "time_precision": "day",
        "lon": "34.45",
        "lat": "31.5",
        **over,
    }
    return ",".join(str(v) for v in cells.values())


# --------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("include_region", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imported_into_an_empty_store_gives_the_same_claims_and_zones(
    tmp_path: Path, store, fmt: str, include_region: bool
) -> None:
    source = open_store(tmp_path / "source.gpkg")
    try:
        source.add_claims(sample_claims())
        source.add_zones(sample_zones())
        want = contract(source)
        claims_file, zones_file = tmp_path / f"claims.{fmt}", tmp_path / f"zones.{fmt}"
        claims = source.query_claims(ClaimQuery(statuses=ALL_STATUSES)).items
        write_export(claims, claims_file, fmt, layer="claims", include_region=include_region)
        zones = source.query_zones(ZoneQuery(include_retracted=True)).items
        write_export(zones, zones_file, fmt, layer="zones", include_region=include_region)
    finally:
        source.close()

    got_claims = import_table(store, claims_file, fmt)
    got_zones = import_table(store, zones_file, fmt)
    assert (got_claims.inserted, got_claims.error_count) == (4, 0), got_claims.errors
    assert (got_zones.inserted, got_zones.error_count) == (1, 0), got_zones.errors
    assert contract(store) == want
    assert got_claims.unmapped == {} and got_zones.unmapped == {}

    again = import_table(store, claims_file, fmt)  # the same file again changes nothing
    assert (again.inserted, again.updated, again.unchanged, again.error_count) == (0, 0, 4, 0)
    assert contract(store) == want


def test_the_cli_exports_and_imports_every_format(tmp_path: Path, capsys) -> None:
    from api.cli import main

    source = open_store(tmp_path / "source.gpkg")
    try:
        source.add_claims(sample_claims())
        want = contract(source)[0]
    finally:
        source.close()
    for fmt in FORMATS:
        out = tmp_path / f"strikes.{fmt}"
        args = ["export", "all", "-f", fmt, "-o", str(out), "--db", str(tmp_path / "source.gpkg")]
        assert main(args) == 0
        db = tmp_path / f"into-{fmt}.gpkg"
        assert main(["import", fmt, str(out), "--db", str(db)]) == 0
        assert f"{fmt}: " in capsys.readouterr().out
        into = open_store(db)
        try:
            got = contract(into)[0]
        finally:
            into.close()
        assert got.keys() <= want.keys() and got  # the "all" layer's claims
        assert all(got[k] == want[k] for k in got)


def test_reimport_skips_unchanged_rows_by_digest(tmp_path: Path, store) -> None:
    store.add_claims(sample_claims())
    path = tmp_path / "claims.csv"
    write_export(store.query_claims(ClaimQuery(statuses=ALL_STATUSES)).items, path, "csv")
    import_table(store, path, "csv")
    again = import_table(store, path, "csv")
    assert (again.unchanged, again.skipped) == (4, 4)
    assert import_table(store, path, "csv", mapping={"quote": "place_text"}).skipped == 0  # other options


# --------------------------------------------------------------------------------------
# Other people's tables: the GeoJSON rules, row by row
# --------------------------------------------------------------------------------------


def test_a_foreign_csv_with_lon_lat_and_a_semicolon_delimiter(tmp_path: Path, store) -> None:
    rows = [FOREIGN_HEADER + ",colour", foreign_row(0) + ",red", foreign_row(1, lon="34.46") + ",blue"]
    path = foreign_csv(tmp_path, "\n".join(r.replace(",", ";") for r in rows) + "\n")
    result = import_table(store, path, "csv")
    assert (result.inserted, result.error_count) == (2, 0), result.errors
    assert result.unmapped == {"colour": 2} and "colour (2)" in result.summary()
    assert any("semicolon-delimited" in n for n in result.notices)
    assert result.columns["lon"] == "geometry" and result.columns["colour"] is None
    claim = store.get_claim("f-1")
    assert (claim.geometry.x, claim.geometry.y) == (34.46, 31.5)
    assert claim.uncertainty.radius_m == 250.0 and claim.claimant == "Health ministry"


def test_map_names_columns_and_the_geometry(tmp_path: Path, store) -> None:
    text = "when,until,who,said_by,kind,radius,easting,northing,where,time_precision\n"
    text += "2023-12-01,2023-12-01T23:59:59Z,Ministry,Wire,airstrike,250,34.45,31.5,POINT (34.4 31.4),day\n"
    path = foreign_csv(tmp_path, text)
    spec = "valid_from=When,valid_to=until,claimant=who,source=said_by,event_type=kind,uncertainty_m=radius"
    mapping = parse_mapping([spec, "longitude=easting,latitude=northing"], geometry=True)
    result = import_table(store, path, "csv", mapping=mapping, dry_run=True)
    assert result.error_count == 0, result.errors
    assert result.columns["when"] == "valid_from (--map)" and result.columns["easting"] == "geometry"
    assert result.columns["where"] == "geometry (where where is empty)" or result.columns["where"] is None
    result = import_table(store, path, "csv", mapping=mapping)
    (claim,) = store.query_claims(ClaimQuery()).items
    assert (claim.geometry.x, claim.geometry.y) == (34.45, 31.5)
    wkt = parse_mapping([spec, "geometry=where"], geometry=True)
    import_table(store, path, "csv", mapping=wkt)
    assert sorted((c.geometry.x, c.geometry.y) for c in store.query_claims(ClaimQuery()).items) == [
        (34.4, 31.4),
        (34.45, 31.5),
    ]
    with pytest.raises(InvalidInput, match="has no column 'nowhere'"):
        import_table(store, path, "csv", mapping={"geometry": "nowhere"})
    with pytest.raises(InvalidInput, match="go together"):
        import_table(store, path, "csv", mapping={"longitude": "easting"})


def test_the_geojson_rules_apply_to_each_row(tmp_path: Path, store) -> None:
    text = "\n".join(
        [
            FOREIGN_HEADER + ",geo_precision",
            foreign_row(0) + ",2",  # the file's code is kept; sitmap derives 1 from 250 m
            foreign_row(1, valid_from="", valid_to="", time_precision="") + ",",  # undated
        ]
    )
    path = foreign_csv(tmp_path, text + "\n")
    result = import_table(store, path, "csv")
    assert result.inserted == 1 and result.warnings == {"geo_precision": 1}
    assert store.get_claim("f-0").uncertainty.geo_precision == 2
    assert [str(e) for e in result.errors] == [
        "line 3 (f-1): valid_from is empty and time_precision is not 'unknown': pass --allow-undated to store "
        "the claim without a time"
    ]
    undated = import_table(store, path, "csv", allow_undated=True)
    assert undated.undated == 1 and store.get_claim("f-1").valid_from is None
    no_claimant = foreign_csv(tmp_path, FOREIGN_HEADER.replace("claimant,", "who,") + "\n" + foreign_row(2) + "\n")
    (error,) = import_table(store, no_claimant, "csv").errors
    assert str(error).startswith("line 2 (f-2): no claimant property") and "--map claimant=" in str(error)


def test_zones_from_a_foreign_csv(tmp_path: Path, store) -> None:
    text = "id,order_type,issuer,effective_from,wkt\n"
    text += 'z-9,evacuate,Army,2023-12-01T00:00:00Z,"POLYGON ((34.4 31.4, 34.45 31.4, 34.45 31.45, 34.4 31.4))"\n'
    result = import_table(store, foreign_csv(tmp_path, text), "csv")
    assert (result.inserted, result.error_count) == (1, 0), result.errors
    assert store.query_zones(ZoneQuery()).items[0].issuer == "Army"


def test_a_plain_parquet_with_lon_lat_columns_and_typed_cells(tmp_path: Path, store) -> None:
    table = pa.table(
        {
            "id": ["p-0", "p-1", "p-2"],
            "event_type": ["airstrike", "shelling", "shelling"],
            "claimant": ["Ministry", "Witnesses", "Witnesses"],
            "source": ["Wire", "Wire", "Wire"],
            "uncertainty_m": [250, 1000, None],  # integers for a float property
            "fatalities": [3.0, None, None],  # a float column for an integer property
            "block_ids": [["5", "6"], [], []],  # a list column
            "valid_from": pa.array([1701388800000] * 3, pa.timestamp("ms")),  # no zone: UTC
            "valid_to": pa.array([1701475199999] * 3, pa.timestamp("ms")),
            "time_precision": ["day"] * 3,
            "longitude": [34.45, 34.46, float("nan")],  # NaN: a data frame's missing number
            "latitude": [31.5, 31.51, float("nan")],
        }
    )
    path = tmp_path / "plain.parquet"
    pq.write_table(table, path)
    result = import_table(store, path, "parquet")
    assert (result.inserted, result.error_count) == (3, 0), result.errors
    assert store.get_claim("p-2").geometry is None
    claim = store.get_claim("p-0")
    assert claim.fatalities.best == 3 and claim.block_ids == ("5", "6")
    assert claim.valid_from.isoformat() == "2023-12-01T00:00:00+00:00"
    assert claim.valid_to.isoformat() == "2023-12-01T23:59:59.999999+00:00"  # a millisecond end, as exported


def test_a_geopackage_in_another_crs_is_reprojected(tmp_path: Path, store) -> None:
    import geopandas as gpd

    claims = [make_claim("m-1", lon=34.45, lat=31.5)]
    path = tmp_path / "claims.gpkg"
    write_export(claims, path, "gpkg")
    frame = gpd.read_file(path).to_crs(3857)
    projected = tmp_path / "projected.gpkg"
    frame.to_file(projected, layer="claims", driver="GPKG")
    result = import_table(store, projected, "gpkg")
    assert result.inserted == 1, result.errors
    point = store.get_claim("m-1").geometry
    assert abs(point.x - 34.45) < 1e-7 and abs(point.y - 31.5) < 1e-7


# --------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------


def test_bad_cells_are_row_errors_naming_row_and_field(tmp_path: Path, store) -> None:
    text = "\n".join(
        [
            FOREIGN_HEADER + ",wkt,quote",
            foreign_row(0) + ",,ok",
            foreign_row(1, lon="east") + ",,",  # not a number
            foreign_row(2, lon="", lat="") + ',"POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",',  # a bow-tie
            foreign_row(3, lon="", lat="") + ",POINT (1 ,",  # not WKT
            foreign_row(4, uncertainty_m="far") + ",,",  # wrong type
            foreign_row(5) + ",," + "x" * 6000,  # longer than a quote may be
            foreign_row(6) + ",,extra,cells",  # too many fields
            foreign_row(7, lat="95") + ",,",  # out of range
        ]
    )
    result = import_table(store, foreign_csv(tmp_path, text + "\n"), "csv")
    assert result.inserted == 1 and result.error_count == 7
    reasons = {e.line: str(e) for e in result.errors}
    assert reasons[3] == "line 3 (f-1): lon/lat: longitude 'east' is not a number"
    assert reasons[4].startswith("line 4 (f-2):") and "self-intersection" in reasons[4].lower()
    assert reasons[5].startswith("line 5 (f-3): wkt is not a WKT geometry")
    assert reasons[6] == "line 6 (f-4): uncertainty_m 'far' is not a number"
    assert reasons[7].startswith("line 7 (f-5):") and "quote" in reasons[7]
    assert reasons[8].startswith("line 8: wrong number of fields")
    assert "latitude 95 is out of range" in reasons[9]


def test_wrong_types_and_bad_wkb_in_parquet(tmp_path: Path, store) -> None:
    good = shapely.to_wkb(shapely.Point(34.45, 31.5))
    table = pa.table(
        {
            "id": ["w-0", "w-1", "w-2", "w-3"],
            "event_type": ["airstrike", "airstrike", "airstrike", "airstrike"],
            "claimant": ["Ministry", "Ministry", "Ministry", "Ministry"],
            "source": ["Wire", "Wire", "Wire", "Wire"],
            "uncertainty_m": [250.0, 250.0, 250.0, 250.0],
            "fatalities": ["3", "many", "4", "5"],
            "confidence": [0.5, 0.5, 7.0, 0.5],
            "valid_from": ["2023-12-01T00:00:00Z"] * 4,
            "valid_to": ["2023-12-01T23:59:59Z"] * 4,
            "time_precision": ["day"] * 4,
            "geometry": [good, good, good, b"\x01\x02junk"],
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    result = import_table(store, path, "parquet")
    assert result.inserted == 1, result.errors
    reasons = {e.line: str(e) for e in result.errors}
    assert reasons[1] == "row 1 (w-1): fatalities 'many' is not an integer"
    assert reasons[2].startswith("row 2 (w-2):") and "confidence" in reasons[2]
    assert reasons[3] == "row 3 (w-3): geometry is not a WKB geometry"
    assert store.get_claim("w-0").fatalities.best == 3


def test_a_non_utf8_csv_stops_at_its_line_and_keeps_what_was_stored(tmp_path: Path, store) -> None:
    store.add_claims([make_claim("kept-1")])
    rows = [FOREIGN_HEADER] + [foreign_row(i) for i in range(300)]  # past the decoder's first chunks
    data = ("\n".join(rows) + "\n").encode() + foreign_row(999, claimant="Caf\xe9").encode("latin-1") + b"\n"
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    with pytest.raises(InvalidInput, match="line 302 is not UTF-8"):
        import_table(store, path, "csv", batch_size=50)
    ids = {c.id for c in store.query_claims(ClaimQuery()).items}
    assert "kept-1" in ids and {"f-0", "f-1"} <= ids  # batches before the bad line are stored, nothing lost
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_table(store, path, "csv", strict=True)


def test_a_field_past_the_size_limit_is_malformed_csv(tmp_path: Path, store, monkeypatch) -> None:
    import csv

    import layers.importers.tabular as tabular

    monkeypatch.setattr(tabular, "MAX_FEATURE_BYTES", 200_000)
    limit = csv.field_size_limit()
    text = FOREIGN_HEADER + ",quote\n" + foreign_row(0) + ",ok\n" + foreign_row(1) + "," + "x" * 300_000 + "\n"
    with pytest.raises(InvalidInput, match="line 3: malformed CSV"):
        import_table(store, foreign_csv(tmp_path, text), "csv", batch_size=1)
    assert csv.field_size_limit() == limit  # restored
    text = (
        FOREIGN_HEADER + ",wkt\n" + foreign_row(0, id="big", lon="", lat="") + ',"POLYGON ((' + "34.4 31.4, " * 15_000
    )
    text += '34.45 31.4, 34.45 31.45, 34.4 31.4))"\n'  # a 170 kB WKT: past the csv module's default limit
    result = import_table(store, foreign_csv(tmp_path, text, "big.csv"), "csv")
    assert (result.inserted, result.error_count) == (1, 0), result.errors


def test_strict_stores_nothing_when_a_row_is_bad(tmp_path: Path, store) -> None:
    text = "\n".join([FOREIGN_HEADER, foreign_row(0), foreign_row(1, lon="east")]) + "\n"
    with pytest.raises(ImportFailed, match="line 3"):
        import_table(store, foreign_csv(tmp_path, text), "csv", strict=True)
    assert store.query_claims(ClaimQuery()).total == 0


@pytest.mark.parametrize(
    ("fmt", "content", "fragment"),
    [
        ("csv", None, "no such file"),
        ("csv", b"", "is empty"),
        ("csv", b"SQLite format 3\x00binary", "binary file"),
        ("csv", b"\xff\xfeid,event_type\n", "header is not UTF-8"),
        ("csv", b"id,event_type,claimant\nx,airstrike,y\n", "no geometry column"),
        ("csv", b"event_id_cnty,event_date,sub_event_type,latitude,longitude\n", "ACLED export"),
        ("parquet", b"id,lon,lat\n1,2,3\n", "not a Parquet file"),
        ("gpkg", b"id,lon,lat\n1,2,3\n", "GeoPackage"),
    ],
)
def test_unreadable_files_are_one_line_and_exit_2(
    tmp_path: Path, capsys, fmt: str, content: bytes | None, fragment: str
) -> None:
    from api.cli import main

    path = tmp_path / f"input.{fmt}"
    if content is not None:
        path.write_bytes(content)
    db = tmp_path / "store.gpkg"
    assert main(["import", fmt, str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sitmap: error:") and fragment in err and "\n" not in err
    assert not db.exists()  # the file is checked before a store is made


def test_geopackage_layers(tmp_path: Path, store, capsys) -> None:
    from api.cli import main

    path = tmp_path / "two.gpkg"
    write_export(sample_claims(), path, "gpkg", layer="claims")
    write_export(sample_zones(), tmp_path / "zones.gpkg", "gpkg", layer="zones")
    import pyogrio

    pyogrio.write_dataframe(pyogrio.read_dataframe(tmp_path / "zones.gpkg"), path, layer="zones", append=True)
    with pytest.raises(InvalidInput, match=r"has 2 layers \(claims, zones\): choose one with --layer"):
        import_table(store, path, "gpkg")
    with pytest.raises(InvalidInput, match="no layer 'orders'"):
        import_table(store, path, "gpkg", layer="orders")
    assert import_table(store, path, "gpkg", layer="zones").inserted == 1
    db = tmp_path / "cli.gpkg"
    assert main(["import", "gpkg", str(path), "--layer", "orders", "--db", str(db)]) == 2
    assert "no layer 'orders'" in capsys.readouterr().err and not db.exists()
    assert main(["import", "gpkg", str(path), "--layer", "claims", "--db", str(db)]) == 0
    assert "4 new" in capsys.readouterr().out


def test_cli_dry_run_says_what_each_column_becomes(tmp_path: Path, capsys) -> None:
    from api.cli import main

    path = foreign_csv(tmp_path, "when,kind,lon,lat,colour\n2023-12-01,airstrike,34.4,31.5,red\n")
    db = tmp_path / "s.gpkg"
    assert main(["import", "csv", str(path), "--db", str(db), "--map", "valid_from=when", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "when -> valid_from (--map)" in out and "lon -> geometry" in out and "colour -> nothing" in out
    assert "kind -> nothing" in out  # the column is named 'kind', not event_type: said before any row is read
    assert out.strip().splitlines()[-1].startswith("dry run, nothing stored: csv: 1 rows read, 0 good")
    assert not db.exists()
    assert main(["import", "parquet", str(path), "--layer", "x", "--db", str(db)]) == 2


def test_json_report(tmp_path: Path, capsys) -> None:
    from api.cli import main

    text = "\n".join([FOREIGN_HEADER, foreign_row(0), foreign_row(1, lon="east")]) + "\n"
    path = foreign_csv(tmp_path, text)
    assert main(["import", "csv", str(path), "--db", str(tmp_path / "s.gpkg"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["inserted"], report["error_count"]) == ("csv", 1, 1)
    assert report["errors"][0]["line"] == 3 and report["errors"][0]["id"] == "f-1"


@pytest.mark.parametrize(
    ("geo", "fragment"),
    [
        (b'{"primary_column": "geometry", "columns": {"geometry": {"encoding": "point"}}}', "write it as WKB"),
        (b'{"columns": {}}', "GeoParquet metadata cannot be read"),
    ],
)
def test_geoparquet_it_cannot_read_is_refused_before_anything_is_stored(
    tmp_path: Path, store, geo: bytes, fragment: str
) -> None:
    table = pa.table({"id": ["g-0"], "geometry": [shapely.to_wkb(shapely.Point(34.45, 31.5))]})
    path = tmp_path / "odd.parquet"
    pq.write_table(table.replace_schema_metadata({b"geo": geo}), path)
    with pytest.raises(InvalidInput, match=fragment):
        import_table(store, path, "parquet")
    assert store.query_claims(ClaimQuery()).total == 0


def test_a_geopackage_blob_gdal_cannot_read_is_a_bad_row_not_a_claim_without_a_place(tmp_path: Path, store) -> None:
    import sqlite3

    path = tmp_path / "claims.gpkg"
    write_export(sample_claims(), path, "gpkg", layer="claims")
    conn = sqlite3.connect(path)
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):  # the R-tree triggers call them
        conn.create_function(name, 1, lambda _blob: 0)
    conn.execute("UPDATE claims SET geom = X'47500001E6100000DEADBEEF' WHERE id = 'c-1'")  # a header, no WKB
    conn.execute("UPDATE claims SET geom = X'0102' WHERE id = 'c-2'")  # not a blob at all: GDAL says null
    conn.commit()
    conn.close()
    result = import_table(store, path, "gpkg")
    assert [str(e) for e in result.errors] == [
        "feature 1 (c-1): geom is not a WKB geometry",
        "feature 2 (c-2): geom holds a geometry GDAL cannot read (not a GeoPackage geometry blob)",
    ]
    assert result.inserted == 2 and store.get_claim("c-3").geometry is None  # c-3 has no place, as exported


def test_map_geometry_columns_win_over_the_files_own_geometry(tmp_path: Path, store) -> None:
    import geopandas as gpd

    path = tmp_path / "claims.gpkg"
    write_export([make_claim("g-1", lon=34.45, lat=31.5)], path, "gpkg", layer="claims")
    frame = gpd.read_file(path)
    frame["east"], frame["north"] = 34.3, 31.3
    frame.to_file(path, layer="claims", driver="GPKG")
    result = import_table(store, path, "gpkg", mapping={"longitude": "east", "latitude": "north"})
    assert result.inserted == 1 and result.columns["east"] == "geometry", result.errors
    point = store.get_claim("g-1").geometry
    assert (point.x, point.y) == (34.3, 31.3)


def test_a_nul_character_is_a_bad_row_on_every_store(tmp_path: Path, store) -> None:
    from layers.importers.geojson import import_geojson

    text = "\n".join([FOREIGN_HEADER, foreign_row(0, claimant="Min\x00istry"), foreign_row(1)]) + "\n"
    result = import_table(store, foreign_csv(tmp_path, text), "csv")
    assert result.inserted == 1 and [str(e) for e in result.errors] == [
        "line 2 (f-0): claimant has a NUL character (\\u0000), which no sitmap field holds; remove it"
    ]
    feature = {
        "type": "Feature",
        "id": "n-1",
        "geometry": {"type": "Point", "coordinates": [34.45, 31.5]},
        "properties": {"event_type": "airstrike", "claimant": "Min\x00istry", "source": "Wire", "uncertainty_m": 9},
    }
    path = tmp_path / "nul.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    (error,) = import_geojson(store, path).errors
    assert (
        str(error) == "feature 0 (n-1): a string has a NUL character (\\u0000), which no sitmap field holds; remove it"
    )


def test_a_bad_count_names_the_property_in_geojson_too(store) -> None:
    from layers.importers.geojson import import_geojson

    def feature(fid: str, **counts: object) -> dict:
        props = {"event_type": "airstrike", "claimant": "X", "source": "Y", "uncertainty_m": 250.0, **counts}
        return {
            "type": "Feature",
            "id": fid,
            "geometry": {"type": "Point", "coordinates": [34.4, 31.5]},
            "properties": {**props, "valid_from": None, "time_precision": "unknown"},
        }

    doc = {
        "type": "FeatureCollection",
        "features": [feature("a", fatalities="many"), feature("b", injured=5, injured_low=9), feature("c", targets=-1)],
    }
    reasons = [str(e) for e in import_geojson(store, doc).errors]
    assert reasons[0].startswith("feature 0 (a): fatalities: Input should be a valid integer")
    assert reasons[1] == "feature 1 (b): injured: count must satisfy low <= best <= high"
    assert reasons[2].startswith("feature 2 (c): targets: Input should be greater than or equal to 0")


def test_one_date_column_gives_both_ends_of_a_whole_day(tmp_path: Path, store) -> None:
    """ACLED-style files carry one event date: mapped to both ends it is that whole UTC day."""
    text = "id,event_date,claimant,source,event_type,uncertainty_m,lon,lat\n"
    text += "d-1,2024-01-05,Ministry,Wire,airstrike,250,34.45,31.5\n"
    path = foreign_csv(tmp_path, text)
    mapping = parse_mapping("valid_from=event_date,valid_to=event_date,longitude=lon,latitude=lat", geometry=True)
    result = import_table(store, path, "csv", mapping=mapping)
    assert (result.inserted, result.error_count) == (1, 0), result.errors
    assert result.columns["event_date"] == "valid_from and valid_to (--map)"
    claim = store.get_claim("d-1")
    assert claim.valid_from.isoformat() == "2024-01-05T00:00:00+00:00"
    assert claim.valid_to.strftime("%Y-%m-%dT%H:%M:%S") == "2024-01-05T23:59:59"
    assert claim.time_precision == "day"  # what the date's own form says; nothing else is made up


def test_only_the_two_ends_of_time_may_share_a_column() -> None:
    assert parse_mapping("valid_from=d,valid_to=d") == {"valid_from": "d", "valid_to": "d"}
    with pytest.raises(InvalidInput, match="only valid_from and valid_to may share"):
        parse_mapping("valid_from=d,claimant=d")
