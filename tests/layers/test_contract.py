"""One claim contract: every output carries the same fields with the same values; both readers agree.

The claim below has a placement whose method differs from its uncertainty's, a range
and a wording on its counts, grid blocks, a review state and a report, so every
derivation of :mod:`geo.contract` is exercised. GeoJSON is the reference; CSV (sitmap's
columns and ACLED's), GeoPackage, GeoParquet, KML, the store's own columns and the API
(items, item by id, ``/claims/{id}``) must show each contract property with the same
value, written the way each format writes it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from geo.contract import (
    CLAIM_CONTRACT,
    CLAIM_CSV_COLUMNS,
    CLAIM_PROPERTIES,
    ZONE_CONTRACT,
    claim_fields,
)
from geo.model import Candidate, Claim, CountEstimate, Placement
from layers.export import iter_csv, iter_geojson, iter_kml, write_gpkg, write_parquet
from layers.model import ClaimRecord, Report, Source, Zone, content_sha256
from layers.testing import make_claim

SOURCE = Source(name="Example Wire", kind="news")
REPORT = Report(source_id=SOURCE.id, content_sha256=content_sha256("the report text"), url="https://example.org/r/1")


def rich_claim() -> ClaimRecord:
    """A claim whose every contract property has a value, and whose two method fields disagree."""
    record = make_claim(
        "c-contract",
        event_type="shelling",
        lon=34.30627,
        lat=31.34018,
        radius_m=3000,
        days=2,
        claimant="Civil defence, Khan Younis",
        source=SOURCE.name,
        place_name="Khan Younis",
        report_id=REPORT.id,
        place_text="near Khan Younis",
        gazetteer_id="gn:281133",
        url="https://example.org/r/1",
        quote="Shells fell near the market, witnesses said.",
        injured=CountEstimate(low=10, best=14, high=20, text="at least ten"),
        targets=CountEstimate(best=2, text="two"),
        block_ids=("55", "56"),
        review="reviewed",
        confidence=0.8,
        placement=Placement(
            method="qualifier",
            place_text="near Khan Younis",
            qualifier="near",
            rejected=(
                Candidate(gazetteer_id="gn:1", name="Other", kind="city", country="PS", lon=34.0, lat=31.0, score=0.1),
            ),
        ),
    )
    return record.model_copy(
        update={
            "fatalities": CountEstimate(low=5, best=7, high=9, text="seven"),
            "notes": "sentence not attributed: claimant is the paragraph's claimant ('the civil defence')",
            "status": "disputed",
        }
    )


def _text(value: Any) -> str:
    """A property value as the flat formats write it: lists joined by '; ', null as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(name: str, expected: Any, got: Any, where: str) -> None:
    """``got`` (as ``where`` writes it) is the GeoJSON value ``expected`` of property ``name``."""
    if expected is None:
        assert got is None or got == "" or got != got, f"{where}: {name} should be empty, got {got!r}"
        return
    if isinstance(expected, float) or (isinstance(expected, int) and not isinstance(expected, bool)):
        assert float(got) == pytest.approx(float(expected)), f"{where}: {name} {got!r} != {expected!r}"
        return
    if name in ("valid_from", "valid_to", "recorded_at", "superseded_at") and not isinstance(got, str):
        # a datetime column: GeoPackage's DATETIME keeps milliseconds (its spec), Parquet microseconds
        want = datetime.fromisoformat(expected.replace("Z", "+00:00"))
        assert abs(got.to_pydatetime() - want) < timedelta(milliseconds=1), f"{where}: {name} {got} != {expected}"
        return
    assert _text(got) == _text(expected), f"{where}: {name} {got!r} != {expected!r}"


@pytest.fixture
def stored(store) -> tuple[Any, dict[str, Any]]:
    """The rich claim in a store of each backend, and its GeoJSON feature as the store serves it."""
    store.add_sources([SOURCE])
    store.add_reports([REPORT])
    store.add_claims([rich_claim()], recorded_by="contract-test")
    record = store.get_claim("c-contract")
    [feature] = json.loads(b"".join(iter_geojson([record])))["features"]
    return store, feature


def test_every_output_carries_the_same_values(stored: tuple[Any, dict[str, Any]], tmp_path: Path) -> None:
    store, feature = stored
    record = store.get_claim("c-contract")
    props = feature["properties"]
    assert tuple(props) == CLAIM_PROPERTIES
    assert props["placement_method"] == "qualifier"  # the placement's method, not the uncertainty's "gazetteer"
    assert all(props[name] is not None for name in CLAIM_PROPERTIES if name not in ("superseded_at", "coarsened_to"))

    # CSV: sitmap's own columns under the contract's (renamed) names, the rest under ACLED's
    [row] = list(csv.DictReader(io.StringIO(b"".join(iter_csv([record])).decode())))
    assert tuple(row) == CLAIM_CSV_COLUMNS
    acled = {"source": "source", "quote": "notes", "geo_precision": "geo_precision", "fatalities": "fatalities"}
    for prop in CLAIM_CONTRACT:
        column = prop.csv_name or acled[prop.name]
        _same(prop.name, props[prop.name], row[column], "CSV")

    # GeoPackage and GeoParquet: one column per property
    import geopandas as gpd
    import pyogrio

    gpkg = pyogrio.read_dataframe(write_gpkg([record], tmp_path / "c.gpkg"))
    parquet = gpd.read_parquet(write_parquet([record], tmp_path / "c.parquet"))
    for where, frame in (("GeoPackage", gpkg), ("Parquet", parquet)):
        values = frame.iloc[0].to_dict()
        for name in CLAIM_PROPERTIES:
            _same(name, props[name], values.get(name), where)

    # KML: one ExtendedData value per property
    kml = b"".join(iter_kml([record])).decode()
    data = dict(re.findall(r'<Data name="([^"]+)"><value>(.*?)</value></Data>', kml))
    assert tuple(data) == CLAIM_PROPERTIES
    for name in CLAIM_PROPERTIES:
        _same(name, props[name], data[name], "KML")

    # the store's own GDAL-visible columns hold the same values
    if str(store.url).endswith(".gpkg"):
        with sqlite3.connect(store.url) as conn:
            conn.row_factory = sqlite3.Row
            stored_row = dict(conn.execute("SELECT * FROM claim_versions WHERE id = 'c-contract'").fetchone())
        for prop in CLAIM_CONTRACT:
            if prop.name in stored_row and prop.kind not in ("time", "list"):
                _same(prop.name, props[prop.name], stored_row[prop.name], "stored column")


def test_the_api_serves_the_same_feature(stored: tuple[Any, dict[str, Any]]) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    store, feature = stored
    settings = Settings(db=store.url, tokens="w:writer-token-0001")
    with TestClient(create_app(settings)) as client:
        item = client.get("/collections/all/items/c-contract").json()
        items = client.get("/collections/all/items", params={"limit": 10}).json()["features"]
        claim = client.get("/claims/c-contract").json()
    [listed] = [f for f in items if f["id"] == "c-contract"]
    for served in (item, listed, claim):
        assert served["properties"] == feature["properties"]
        assert served["geometry"] == feature["geometry"]


def test_both_readers_read_a_feature_alike() -> None:
    """The API's reader and the GeoJSON importer's give the same record for the same feature."""
    from api.routes.ingest import record_from_feature
    from layers.importers.geojson import feature_to_claim

    point = {"type": "Point", "coordinates": [34.4667, 31.5017]}
    polygon = {"type": "Polygon", "coordinates": [[[34.40, 31.45], [34.50, 31.45], [34.50, 31.55], [34.40, 31.45]]]}
    cases = [
        {"event_type": "airstrike", "uncertainty_m": 800},  # no method: "coordinates", not "manual"
        {"event_type": "airstrike", "geo_precision": 2},  # the radius derived from ACLED's code
        {"event_type": "airstrike", "uncertainty_m": 800, "geo_precision": 1},  # a given code is kept
    ]
    for props in cases:
        feature = {"type": "Feature", "id": "c-r", "geometry": point, "properties": props}
        api, imported = record_from_feature(feature), feature_to_claim(feature)
        assert api.content_hash() == imported.content_hash(), props
        assert api.uncertainty is not None and api.uncertainty.method == "coordinates"
        assert api.placement is not None and api.placement.method == "coordinates"
    area = {"type": "Feature", "id": "c-a", "geometry": polygon, "properties": {"event_type": "shelling"}}
    api = record_from_feature(area)
    assert api.content_hash() == feature_to_claim(area).content_hash()
    assert api.uncertainty is not None and api.uncertainty.radius_m > 5000 and api.uncertainty.region is not None
    assert (
        record_from_feature(
            {"type": "Feature", "geometry": point, "properties": {"event_type": "airstrike", "uncertainty_m": 5}}
        ).uncertainty.geo_precision
        == 1
    )  # type: ignore[union-attr]
    unplaced = {"type": "Feature", "id": "c-u", "geometry": None, "properties": {"event_type": "other"}}
    assert record_from_feature(unplaced).placement.method == "unresolved"  # type: ignore[union-attr]


def test_the_table_defaults_are_the_models() -> None:
    """A reader's default for an absent property is the model's own default."""
    for table, model in ((CLAIM_CONTRACT, ClaimRecord), (ZONE_CONTRACT, Zone)):
        for prop in table:
            field = model.model_fields.get(prop.attr or "")
            if field is not None and prop.default is not None:
                assert field.default == prop.default, (model.__name__, prop.name)


def test_a_parsed_claim_reports_the_contract_values() -> None:
    from geo.parser import claim_to_feature

    record = rich_claim()
    claim = Claim(**{k: getattr(record, k) for k in Claim.model_fields})
    parsed = claim_to_feature(claim)["properties"]
    exported = json.loads(b"".join(iter_geojson([record])))["features"][0]["properties"]
    for prop in CLAIM_CONTRACT:
        if not prop.stored_only:
            assert parsed[prop.name] == exported[prop.name], prop.name
    fields = claim_fields({"type": "Feature", "geometry": None, "properties": {"event_type": "other"}})
    assert fields["uncertainty"] is None and fields["placement"].method == "unresolved"
