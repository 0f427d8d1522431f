"""``properties=`` field selection on items and downloads; zstd negotiated beside gzip, streamed."""

from __future__ import annotations

import csv
import io

import pytest

from api.compression import accepted_q, prefers_zstd, zstd

CORE = {
    "claimant",
    "source",
    "valid_from",
    "valid_to",
    "time_precision",
    "uncertainty_m",
    "geo_precision",
    "where_prec",
}


def test_items_keep_the_named_properties_and_what_makes_a_claim(ro_client):
    r = ro_client.get("/collections/all/items?limit=5&properties=event_type,place_name")
    assert r.status_code == 200
    for f in r.json()["features"]:
        assert set(f["properties"]) == {"id", "event_type", "place_name", *CORE}
        assert f["geometry"] is not None or f["properties"]["uncertainty_m"] is None


def test_a_core_property_goes_only_when_named_away(ro_client):
    r = ro_client.get("/collections/all/items?limit=5&properties=event_type,-claimant,-quote")
    assert r.status_code == 200
    props = r.json()["features"][0]["properties"]
    assert "claimant" not in props and "quote" not in props and "source" in props


@pytest.mark.parametrize("query", ["properties=colour", "properties=-id", "properties=event_type&f=gpkg"])
def test_bad_selection_is_a_400_naming_properties(ro_client, query):
    r = ro_client.get(f"/collections/all/items?{query}")
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert "properties" in r.json()["detail"]


def test_geojson_and_csv_downloads_select_too(ro_client):
    gj = ro_client.get("/collections/all/items?f=geojson&properties=event_type")
    assert gj.status_code == 200
    assert all(set(f["properties"]) == {"id", "event_type", *CORE} for f in gj.json()["features"])
    text = ro_client.get("/collections/all/items?f=csv&properties=fatalities").text
    header = next(csv.reader(io.StringIO(text)))
    assert "fatalities" in header and "claimant" in header and "event_date" in header
    assert "quote" not in header and "notes" not in header and "event_type" not in header
    assert "latitude" in header and "geometry_wkt" in header


def test_zone_collection_selection_keeps_issuer_and_times(ro_client):
    r = ro_client.get("/collections/evacuation-orders/items?limit=3&properties=title")
    assert r.status_code == 200
    props = r.json()["features"][0]["properties"]
    assert {"title", "issuer", "source", "effective_from", "lifted_at"} <= set(props) and "flags" not in props


def test_accept_encoding_negotiation() -> None:
    assert accepted_q("gzip, deflate, br, zstd", "zstd") == 1.0
    assert accepted_q("gzip;q=0.5, *;q=0.1", "zstd") == 0.1
    assert accepted_q("zstd;q=0", "zstd") == 0.0
    if zstd is not None:
        assert prefers_zstd("gzip, zstd") and not prefers_zstd("gzip, zstd;q=0.5") and not prefers_zstd("gzip")


@pytest.mark.skipif(zstd is None, reason="neither compression.zstd nor backports.zstd is installed")
def test_zstd_when_preferred_for_pages_and_streamed_downloads(ro_client):
    plain = ro_client.get("/collections/all/items?limit=50", headers={"Accept-Encoding": "identity"})
    z = ro_client.get("/collections/all/items?limit=50", headers={"Accept-Encoding": "gzip, zstd"})
    assert z.headers["content-encoding"] == "zstd" and "accept-encoding" in z.headers["vary"].lower()
    assert z.headers["etag"] == plain.headers["etag"][:-1] + '-zstd"'
    assert zstd.decompress(z.content).startswith(b'{"type":"FeatureCollection"')
    again = ro_client.get(
        "/collections/all/items?limit=50", headers={"Accept-Encoding": "zstd", "If-None-Match": z.headers["etag"]}
    )
    assert again.status_code == 304 and again.headers["etag"] == z.headers["etag"]
    for fmt in ("geojson", "csv"):
        url = f"/collections/all/items?f={fmt}"
        ident = ro_client.get(url, headers={"Accept-Encoding": "identity"})
        with ro_client.stream("GET", url, headers={"Accept-Encoding": "zstd"}) as resp:
            assert resp.headers["content-encoding"] == "zstd" and "content-length" not in resp.headers
            raw = b"".join(resp.iter_raw())
        body = zstd.decompress(raw)
        if fmt == "geojson":  # the timeStamp member differs between the two requests
            body, expected = body.split(b'"features"', 1)[1], ident.content.split(b'"features"', 1)[1]
        else:
            expected = ident.content
        assert body == expected
    gz = ro_client.get("/collections/all/items?limit=50", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"  # gzip unchanged for clients without zstd
