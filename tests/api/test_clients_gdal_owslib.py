"""Clients no one here wrote read a live server: GDAL's OAPIF driver (via pyogrio) and OWSLib.

Each reads every collection and must get exactly the features the store holds (ids
and count), also with a bbox and a datetime filter. GDAL must page with the
advertised maximum ``limit``, not its default of 10 per request.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pyogrio
import pytest
from owslib.ogcapi.features import Features

from tests.api.conftest import KHAN_YOUNIS_BBOX, LiveServer, request_count, start_server, stop_server


def expected_ids(db: str, collection: str, **filters) -> set[str]:
    """The ids the store holds for a collection, computed from the store, not the API."""
    from layers.catalog import get_layer, layer_query
    from layers.store import ZoneQuery, open_store

    store = open_store(db)
    try:
        layer = get_layer(store, collection)
        query = layer_query(layer, **filters)
        if isinstance(query, ZoneQuery):
            return {z.id for z in store.query_zones(query).items}
        claims = store.query_claims(query).items
        if layer.kind == "incidents":
            from layers.corroborate import corroborate

            return {i.id for i in corroborate(claims)}
        return {c.id for c in claims}
    finally:
        store.close()


def collection_ids(server: LiveServer) -> list[str]:
    import httpx

    return [c["id"] for c in httpx.get(server.url + "/collections").json()["collections"]]


def test_gdal_reads_every_collection(live_server: LiveServer):
    layers = {name for name, _geom in pyogrio.list_layers(f"OAPIF:{live_server.url}")}
    assert layers == set(collection_ids(live_server))
    for collection in sorted(layers):
        df = pyogrio.read_dataframe(f"OAPIF:{live_server.url}/collections/{collection}")
        got = list(df["id"])
        assert len(got) == len(set(got))
        assert set(got) == expected_ids(live_server.db, collection), collection
    df = pyogrio.read_dataframe(f"OAPIF:{live_server.url}/collections/all")
    for column in ("claimant", "source", "valid_from", "valid_to", "uncertainty_m", "geo_precision"):
        assert column in df.columns  # the four pillars reach the GIS


def test_gdal_bbox_and_datetime(live_server: LiveServer):
    df = pyogrio.read_dataframe(f"OAPIF:{live_server.url}/collections/all", bbox=KHAN_YOUNIS_BBOX)
    assert set(df["id"]) == expected_ids(live_server.db, "all", bbox=KHAN_YOUNIS_BBOX) == {"c-ky-1", "c-ky-2"}
    df = pyogrio.read_dataframe(
        f"OAPIF:{live_server.url}/collections/all", where="valid_from >= '2023-12-03T00:00:00Z'"
    )
    assert set(df["id"]) == {"c-ky-1", "c-ky-2", "c-rafah-1", "c-rocket-1"}
    log = live_server.requests_log.read_text()
    assert "datetime=2023-12-03T00:00:00Z" in log  # GDAL pushed the time filter to the server


def test_owslib_reads_every_collection(live_server: LiveServer):
    w = Features(live_server.url)
    ids = [c["id"] for c in w.collections()["collections"]]
    assert ids == collection_ids(live_server)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in w.conformance()["conformsTo"]
    for collection in ids:
        got: list[str] = []
        offset = 0
        while True:
            page = w.collection_items(collection, limit=4, offset=offset)
            got += [f["id"] for f in page["features"]]
            assert page["numberMatched"] == len(expected_ids(live_server.db, collection))
            offset += page["numberReturned"]
            if not any(link["rel"] == "next" for link in page["links"]):
                break
        assert len(got) == len(set(got)) and set(got) == expected_ids(live_server.db, collection), collection
        one = got[0] if got else None
        if one:
            assert w.collection_item(collection, one)["id"] == one


def test_owslib_bbox_and_datetime(live_server: LiveServer):
    w = Features(live_server.url)
    page = w.collection_items("all", bbox=list(KHAN_YOUNIS_BBOX), limit=100)
    assert {f["id"] for f in page["features"]} == {"c-ky-1", "c-ky-2"}
    page = w.collection_items("strikes", datetime_="2023-12-01/2023-12-02", limit=100)
    start = datetime(2023, 12, 1, tzinfo=UTC)
    end = datetime(2023, 12, 2, 23, 59, 59, 999999, tzinfo=UTC)
    assert {f["id"] for f in page["features"]} == expected_ids(live_server.db, "strikes", start=start, end=end)
    assert {f["id"] for f in page["features"]} == {"c-gaza-1", "c-gaza-2"}
    page = w.collection_items("evacuation-orders", datetime_="2024-02-01/..", limit=100)
    assert {f["id"] for f in page["features"]} == {"z-north", "z-mawasi"}


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory):
    """A live server over 2,345 claims with max_limit 1000."""
    from layers.store import open_store
    from layers.testing import make_claim

    tmp = tmp_path_factory.mktemp("big")
    db = str(tmp / "big.gpkg")
    store = open_store(db)
    t0 = datetime(2023, 10, 7, tzinfo=UTC)
    claims = [
        make_claim(
            f"c-{i:05d}", lon=34.22 + (i % 97) * 0.003, lat=31.22 + (i % 89) * 0.0035, day=t0 + timedelta(hours=7 * i)
        )
        for i in range(2345)
    ]
    store.add_claims(claims)
    store.close()
    server = start_server(db, tmp, extra_env={"SITMAP_MAX_LIMIT": "1000"})
    try:
        yield server
    finally:
        stop_server(server)


def test_gdal_pages_with_the_advertised_maximum(big_server: LiveServer):
    before = request_count(big_server, "/collections/strikes/items")
    df = pyogrio.read_dataframe(f"OAPIF:{big_server.url}/collections/strikes")
    assert len(df) == 2345 and df["id"].is_unique
    made = request_count(big_server, "/collections/strikes/items") - before
    # one probe request, then pages of 1000: 4 in all (GDAL's default of 10 per page would need 235)
    assert made <= 1 + math.ceil(2345 / 1000), made


def test_gdal_types_columns_from_the_collection_schema(live_server: LiveServer):
    """Without a schema GDAL typed columns from a first page of 10 features: counts no
    claim there gives (injured, targets) and superseded_at came out as text in QGIS."""
    import shutil
    import subprocess

    import httpx

    doc = httpx.get(f"{live_server.url}/collections/all").json()
    rels = {link["rel"]: link for link in doc["links"]}
    assert rels["describedby"]["type"] == "application/schema+json"
    schema = httpx.get(rels["describedby"]["href"])
    assert schema.status_code == 200 and schema.headers["content-type"] == "application/schema+json"
    assert schema.json()["properties"]["properties"]["properties"]["valid_to"]["format"] == "date-time"
    for collection in ("all", "evacuation-orders", "incidents"):
        info = pyogrio.read_info(f"OAPIF:{live_server.url}/collections/{collection}")
        fields = list(info["fields"])
        assert len(fields) == len(set(fields)), fields  # one "id", not the item's and the schema's
        types = dict(zip(fields, info["dtypes"], strict=True))
        assert types["valid_from" if collection != "evacuation-orders" else "issued_at"].startswith("datetime64")
        if collection == "all":
            assert types["injured"] == types["targets"] == "int32", types
            assert types["superseded_at"].startswith("datetime64") and types["block_ids"] == "list(str)"
        if collection == "incidents":
            assert types["independent_sources"] == "int32" and types["claim_ids"] == "list(str)"
    ogrinfo = shutil.which("ogrinfo")  # Debian's GDAL (3.6) reads only the "describedBy" spelling
    if ogrinfo:
        out = subprocess.run(
            [ogrinfo, "-ro", "-so", f"OAPIF:{live_server.url}", "all"], capture_output=True, text=True, timeout=120
        ).stdout
        assert "injured: Integer" in out and "superseded_at: DateTime" in out, out
        assert out.count("\nid: ") == 1, out
