"""Exports: contract properties, RFC 7946 GeoJSON, ACLED-style CSV, GeoPackage, GeoParquet, KML."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, shape

from geo.errors import Unsupported
from layers.export import (
    CLAIM_CSV_COLUMNS,
    CLAIM_PROPERTIES,
    ZONE_PROPERTIES,
    claim_feature,
    escape_cell,
    export_filename,
    feature_collection,
    iter_csv,
    iter_geojson,
    iter_kml,
    write_export,
    zone_feature,
)
from layers.testing import make_claim, make_zone

HOSTILE = '=HYPERLINK("http://evil.invalid")<script>alert(1)</script> \u202e\u200b & "q" \x07'


def claims() -> list:
    # clockwise square: must come out counter-clockwise
    cw = Polygon([(34.40, 31.40), (34.40, 31.45), (34.45, 31.45), (34.45, 31.40)])
    return [
        make_claim("c-1", fatalities=12, place_name="Khan Younis", lon=34.30612345678, lat=31.34567891234),
        make_claim("c-2", event_type="shelling", days=7, claimant=HOSTILE, region=cw, radius_m=3000),
        make_claim("c-3", lon=None, day=None, claimant=None, source="-5 Agency"),
    ]


def test_claim_feature_has_exactly_the_contract_properties() -> None:
    feat = claim_feature(claims()[0])
    assert tuple(feat["properties"]) == CLAIM_PROPERTIES
    assert feat["type"] == "Feature" and feat["id"] == "c-1"
    p = feat["properties"]
    assert p["valid_from"] == "2023-12-01T00:00:00Z"
    assert p["valid_to"] == "2023-12-01T23:59:59.999999Z"
    assert p["uncertainty_m"] == 500.0 and p["geo_precision"] == 1 and p["fatalities"] == 12
    assert p["coarsened_to"] is None and p["placement_method"] == "gazetteer"
    assert feat["geometry"]["coordinates"] == [34.3061235, 31.3456789]  # 7 decimals
    assert "uncertainty_region" not in p
    assert "uncertainty_region" in claim_feature(claims()[0], include_region=True)["properties"]


def test_unresolved_claim_has_null_geometry_never_zero_zero() -> None:
    feat = claim_feature(claims()[2])
    assert feat["geometry"] is None
    assert feat["properties"]["uncertainty_m"] is None and feat["properties"]["placement_method"] == "unresolved"


def test_region_is_right_hand_and_rounded() -> None:
    region = claim_feature(claims()[1], include_region=True)["properties"]["uncertainty_region"]
    ring = region["coordinates"][0]
    assert shapely.LinearRing(ring).is_ccw


def test_zone_feature_contract() -> None:
    feat = zone_feature(make_zone("z-1", block_ids=("5", "6")))
    assert tuple(feat["properties"]) == ZONE_PROPERTIES
    assert feat["properties"]["area_km2"] == pytest.approx(4.75 * 5.56, rel=0.05)
    assert feat["properties"]["block_ids"] == ["5", "6"]
    assert shapely.LinearRing(feat["geometry"]["coordinates"][0]).is_ccw


def test_geojson_stream_is_valid_rfc7946_and_stable() -> None:
    chunks = list(iter_geojson(claims(), chunk_features=1, numberMatched=3))
    assert len(chunks) >= 3
    data = b"".join(chunks)
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert doc["numberMatched"] == 3 and len(doc["features"]) == 3
    assert data == b"".join(iter_geojson(claims(), numberMatched=3))
    assert doc == json.loads(json.dumps(feature_collection(claims(), numberMatched=3)))
    empty = json.loads(b"".join(iter_geojson([])))
    assert empty["features"] == []


def test_csv_acled_columns_and_formula_escaping() -> None:
    text = b"".join(iter_csv(claims(), chunk_rows=1)).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CLAIM_CSV_COLUMNS)
    first, second, third = rows
    assert first["event_id_cnty"] == "c-1" and first["event_date"] == "2023-12-01"
    assert first["time_precision"] == "1" and second["time_precision"] == "2" and third["time_precision"] == "3"
    assert first["event_type"] == "Explosions/Remote violence" and first["sub_event_type"] == "Air/drone strike"
    assert first["sitmap_event_type"] == "airstrike" and first["location"] == "Khan Younis"
    assert first["latitude"] == "31.3456789" and first["fatalities"] == "12"
    assert first["actor1"] == ""  # the claimant is not the perpetrator
    assert second["claimant"].startswith("'=HYPERLINK")
    assert third["source"] == "'-5 Agency"
    assert third["latitude"] == "" and third["valid_from"] == ""


def test_csv_numbers_are_not_escaped() -> None:
    west = make_claim("c-w", lon=-74.0, lat=-40.5)
    row = next(csv.DictReader(io.StringIO(b"".join(iter_csv([west])).decode())))
    assert row["longitude"] == "-74.0" and row["latitude"] == "-40.5"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_escape_cell(value: str) -> None:
    assert escape_cell(value) == "'" + value
    assert escape_cell("plain") == "plain" and escape_cell(-3) == -3


def test_csv_zones_and_empty() -> None:
    text = b"".join(iter_csv([make_zone("z-1")])).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["order_type"] == "evacuate" and row["geometry_wkt"].startswith("POLYGON")
    header = b"".join(iter_csv([])).decode().strip()
    assert header.split(",") == list(CLAIM_CSV_COLUMNS)


def test_kml_is_well_formed_and_inert() -> None:
    data = b"".join(iter_kml([*claims(), make_zone("z-1", title="<b>Block 5</b>")], name="strikes & co"))
    root = ET.fromstring(data)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == 4
    assert b"<script>" not in data and b"<b>" not in data and b"\x07" not in data
    values = {d.get("name"): d.findtext("k:value", namespaces=ns) for d in marks[1].findall(".//k:Data", ns)}
    assert values["claimant"].startswith('=HYPERLINK("http://evil.invalid")<script>')  # text, kept verbatim
    assert marks[0].find(".//k:TimeSpan/k:begin", ns).text == "2023-12-01T00:00:00Z"
    assert marks[0].find(".//k:Point/k:coordinates", ns).text == "34.3061235,31.3456789"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_gdal_opens_export(tmp_path: Path, fmt: str) -> None:
    path = write_export(claims(), tmp_path / f"out.{fmt}", fmt, layer="strikes")
    info = pyogrio.read_info(path)
    assert info["features"] == 3
    df = pyogrio.read_dataframe(path)
    assert set(CLAIM_PROPERTIES) - {"id"} <= set(df.columns)
    assert df.crs.to_epsg() == 4326
    got = df.set_index("claimant" if fmt == "gpkg" else "source")
    assert len(got) == 3
    if fmt == "gpkg":
        assert pyogrio.list_layers(path)[0][0] == "strikes"
        assert str(df["valid_from"].dtype).startswith("datetime64")


def test_parquet_export(tmp_path: Path) -> None:
    path = write_export([*claims()], tmp_path / "out.parquet", "parquet")
    df = gpd.read_parquet(path)
    assert len(df) == 3 and df.crs.to_epsg() == 4326
    assert df.loc[df["id"] == "c-1", "fatalities"].item() == 12
    assert df.geometry.isna().sum() == 1


def test_region_in_flat_formats(tmp_path: Path) -> None:
    path = write_export(claims(), tmp_path / "r.gpkg", "gpkg", include_region=True)
    df = pyogrio.read_dataframe(path)
    wkt = df.loc[df["id"] == "c-2", "uncertainty_region_wkt"].item()
    assert shape(shapely.geometry.mapping(shapely.from_wkt(wkt))).area > 0


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    def boom():
        yield claims()[0]
        raise RuntimeError("disk went away")

    target = tmp_path / "x.geojson"
    with pytest.raises(RuntimeError):
        write_export(boom(), target, "geojson")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format() -> None:
    with pytest.raises(Unsupported, match="'xls'"):
        write_export([], "x.xls", "xls")
    with pytest.raises(Unsupported, match="'xls'"):
        export_filename("strikes", None, None, None, "xls")


def test_export_filename() -> None:
    start = datetime(2023, 12, 1, tzinfo=UTC)
    end = datetime(2023, 12, 2, 23, 59, 59, 999999, tzinfo=UTC)
    assert export_filename("strikes", start, end, None, "csv") == "sitmap_strikes_2023-12-01_2023-12-02.csv"
    asof = datetime(2023, 12, 5, 12, tzinfo=UTC)
    assert (
        export_filename("all", datetime(2023, 12, 1, 6, tzinfo=UTC), None, asof, "geojson")
        == "sitmap_all_2023-12-01T060000Z_open_asof-20231205T120000Z.geojson"
    )
    name = export_filename("../../etc/passwd;rm -rf", None, None, None, "kml")
    assert "/" not in name and ";" not in name and " " not in name and name.endswith(".kml")


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda s: s.strip() == s and s != ""
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claimant=_text, quote=_text, place=_text)
def test_any_text_is_inert_in_every_text_format(claimant: str, quote: str, place: str) -> None:
    rec = make_claim("c-h", claimant=claimant, quote=quote, place_name=place)
    doc = json.loads(b"".join(iter_geojson([rec])))
    assert doc["features"][0]["properties"]["claimant"] == claimant
    row = next(csv.DictReader(io.StringIO(b"".join(iter_csv([rec])).decode(), newline="")))
    expected = "'" + claimant if claimant.startswith(("=", "+", "-", "@", "\t", "\r")) else claimant
    assert row["claimant"] == expected
    root = ET.fromstring(b"".join(iter_kml([rec])))  # well-formed whatever the text
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(root.findall(".//k:Placemark", ns)) == 1


@pytest.mark.parametrize("fmt", ["gpkg", "parquet", "kml", "csv", "geojson"])
def test_empty_and_mixed_exports(tmp_path: Path, fmt: str) -> None:
    empty = write_export([], tmp_path / f"empty.{fmt}", fmt)
    assert empty.stat().st_size > 0
    if fmt in ("gpkg", "geojson"):
        assert pyogrio.read_info(empty)["features"] == 0
    mixed = write_export([claims()[0], make_zone("z-1")], tmp_path / f"mixed.{fmt}", fmt)
    if fmt == "gpkg":
        df = pyogrio.read_dataframe(mixed)
        assert len(df) == 2 and {"order_type", "claimant"} <= set(df.columns)
