"""OGC API - Features Part 1 over the service: landing, conformance, collections, items, item."""

from __future__ import annotations

import pytest

from tests.api.conftest import CLAIMS, KHAN_YOUNIS_BBOX, READ_AUTH, ZONES

CLAIM_PROPS = {
    "id", "version", "event_type", "status", "review", "claimant", "source", "url", "quote", "place_text",
    "place_name", "gazetteer_id", "placement_method", "uncertainty_m", "geo_precision", "where_prec", "valid_from",
    "valid_to", "time_precision", "fatalities", "fatalities_low", "fatalities_high", "injured", "injured_low",
    "injured_high", "targets", "confidence", "block_ids", "report_id", "recorded_at", "superseded_at", "coarsened_to",
    # issue 12: the count words and how the claim was read are published with it
    "fatalities_text", "injured_text", "targets_text", "notes",
}  # fmt: skip
ZONE_PROPS = {
    "id", "version", "order_type", "issuer", "source", "url", "title", "block_ids", "approx_block_ids", "issued_at",
    "effective_from", "lifted_at", "time_precision", "status", "area_km2", "stated_area_km2", "uncertainty_m",
    "placement_method", "flags", "recorded_at", "superseded_at",
}  # fmt: skip


def ids(resp) -> set[str]:
    return {f["id"] for f in resp.json()["features"]}


def link(doc: dict, rel: str) -> str | None:
    return next((lk["href"] for lk in doc["links"] if lk["rel"] == rel), None)


def test_landing_page_links(ro_client):
    r = ro_client.get("/")
    assert r.status_code == 200
    rels = {lk["rel"] for lk in r.json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels


def test_landing_page_html_is_escaped(ro_client):
    r = ro_client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script" not in r.text
    assert "unsafe-eval" not in r.headers["content-security-policy"]


def test_landing_page_html_leads_a_reader_to_the_map(ro_client):
    # a journalist opening the front page in a browser must find the map, not only JSON documents
    r = ro_client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert 'href="http://testserver/maps/all"' in r.text and 'href="http://testserver/orders"' in r.text
    assert ro_client.get("/maps/all").status_code == 200 and ro_client.get("/orders").status_code == 200


def test_conformance_declares_core_geojson_oas30(ro_client):
    conf = ro_client.get("/conformance").json()["conformsTo"]
    for cls in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in conf


def test_api_is_openapi_30_with_limit_bounds(ro_client):
    r = ro_client.get("/api")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    params = doc["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["default"] == 5 and limit["schema"]["maximum"] == 50
    assert "'type': 'null'" not in str(doc)  # no 3.1-only null types left


def test_collections_lists_default_layers_with_extent(ro_client):
    r = ro_client.get("/collections")
    assert r.status_code == 200
    cols = {c["id"]: c for c in r.json()["collections"]}
    assert {"strikes", "evacuation-orders", "all", "rocket-fire", "attacks", "diplomacy"} <= set(cols)
    ext = cols["strikes"]["extent"]
    minx, miny, maxx, maxy = ext["spatial"]["bbox"][0]
    assert miny <= maxy and minx <= maxx
    strikes = [c for c in CLAIMS if c.event_type in ("airstrike", "shelling") and c.geometry is not None]
    assert minx == pytest.approx(min(c.geometry.x for c in strikes))
    assert maxy == pytest.approx(max(c.geometry.y for c in strikes))
    assert ext["temporal"]["interval"][0][0] == "2023-12-01T00:00:00Z"


def test_collection_unknown_is_404_problem(ro_client):
    r = ro_client.get("/collections/no-such-layer")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "no-such-layer" in r.json()["detail"]


def test_items_carry_every_contract_property(ro_client):
    r = ro_client.get("/collections/all/items", params={"limit": 50})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    doc = r.json()
    assert doc["numberMatched"] == len(CLAIMS) and doc["numberReturned"] == len(CLAIMS)
    assert doc["timeStamp"].endswith("Z")
    for feat in doc["features"]:
        assert set(feat["properties"]) == CLAIM_PROPS
    z = ro_client.get("/collections/evacuation-orders/items").json()
    assert {f["id"] for f in z["features"]} == {zone.id for zone in ZONES}
    for feat in z["features"]:
        assert set(feat["properties"]) == ZONE_PROPS


def test_paging_links_walk_every_item_once(ro_client):
    seen: list[str] = []
    url = "/collections/all/items?limit=2&event_type=airstrike,shelling,shooting,ground_operation"
    pages = 0
    while url:
        doc = ro_client.get(url).json()
        seen += [f["id"] for f in doc["features"]]
        assert doc["numberMatched"] == 7
        nxt = link(doc, "next")
        if nxt:
            assert "event_type=" in nxt and "limit=2" in nxt  # every query parameter carried on
        url = nxt.replace("http://testserver", "") if nxt else None
        pages += 1
    assert pages == 4 and len(seen) == 7 == len(set(seen))
    last = ro_client.get("/collections/all/items?limit=2&offset=2").json()
    assert "offset" not in link(last, "prev") and link(last, "prev")


def test_number_matched_left_out_past_the_count_budget(api_client, monkeypatch):
    """Past COUNT_BUDGET matches a page does not count them: numberMatched is absent, paging still works."""
    import layers.store.sqlreads as sqlreads

    url = "/collections/all/items?limit=2&event_type=airstrike,shelling,shooting,ground_operation"
    assert api_client.get(url.replace("limit=2", "limit=3")).json()["numberMatched"] == 7  # within the budget
    api_client.app.state.store.after_restore()  # forget that total
    monkeypatch.setattr(sqlreads, "COUNT_BUDGET", 5)
    seen: list[str] = []
    while url:
        doc = api_client.get(url).json()
        seen += [f["id"] for f in doc["features"]]
        if link(doc, "next"):
            assert "numberMatched" not in doc and doc["numberReturned"] == 2
            url = link(doc, "next").replace("http://testserver", "")
        else:  # the last page knows its total without counting
            assert doc["numberMatched"] == 7 and doc["numberReturned"] == 1
            url = None
    assert len(seen) == 7 == len(set(seen))


def test_limit_default_and_clamped_to_maximum(ro_client):
    doc = ro_client.get("/collections/all/items").json()
    assert doc["numberReturned"] == 5  # default_limit
    doc = ro_client.get("/collections/all/items?limit=100000").json()
    assert doc["numberReturned"] == len(CLAIMS)
    assert "limit=50" in link(doc, "self")  # served as the maximum, and the links say so


@pytest.mark.parametrize("bad", ["0", "-1", "ten", "1.5", ""])
def test_limit_invalid_is_400_naming_it(ro_client, bad):
    r = ro_client.get(f"/collections/all/items?limit={bad}")
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["parameter"] == "limit"


def test_offset_past_the_end_is_an_empty_page(ro_client):
    doc = ro_client.get("/collections/all/items?offset=500").json()
    assert doc["numberReturned"] == 0 and doc["numberMatched"] == len(CLAIMS)
    assert link(doc, "next") is None and link(doc, "prev")


def test_bbox_khan_younis(ro_client):
    bbox = ",".join(map(str, KHAN_YOUNIS_BBOX))
    assert ids(ro_client.get(f"/collections/all/items?bbox={bbox}")) == {"c-ky-1", "c-ky-2"}


def test_bbox_is_exact_not_envelope(api_client):
    # A diagonal line whose envelope covers the box corner but that never enters the box.
    feature = {
        "type": "Feature",
        "id": "c-line",
        "geometry": {"type": "LineString", "coordinates": [[34.0, 31.0], [35.0, 32.0]]},
        "properties": {
            "event_type": "ground_operation",
            "claimant": "Israeli military",
            "source": "Example Wire",
            "uncertainty_m": 100,
            "valid_from": "2023-12-03T00:00:00Z",
            "valid_to": "2023-12-03T23:59:59Z",
            "time_precision": "day",
        },
    }
    from tests.api.conftest import AUTH

    assert api_client.post("/claims", json=feature, headers=AUTH).status_code == 201
    # Box near (34.9, 31.1): inside the line's envelope, far from the line y = x - 3.
    assert "c-line" not in ids(api_client.get("/collections/all/items?bbox=34.85,31.05,34.95,31.15&limit=50"))
    assert "c-line" in ids(api_client.get("/collections/all/items?bbox=34.45,31.40,34.55,31.60&limit=50"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-12-03", {"c-ky-1", "c-ky-2"}),  # date-only instant: that whole day
        ("2023-12-03T12:00:00Z", {"c-ky-1", "c-ky-2"}),  # date-time instant
        ("2023-12-04/2023-12-05", {"c-ky-2", "c-rafah-1", "c-rocket-1"}),  # date-only end includes the day
        ("2023-12-05T00:00:00Z/..", {"c-ky-2", "c-rafah-1"}),  # half-open end
        ("../2023-12-01", {"c-gaza-1", "c-talks-1"}),  # half-open start
        ("/2023-12-01", {"c-gaza-1", "c-talks-1"}),  # empty side is open too
        ("2023-11-01/2023-11-30T23:00:00+00:00", {"c-talks-1"}),
        ("2020-01-01/2030-01-01", {c.id for c in CLAIMS if c.valid_from is not None}),  # wider than the extent
        ("2023-12-03T01:00:00+02:00", {"c-gaza-2", "c-jab-1"}),  # an offset: 2023-12-02T23:00Z
    ],
)
def test_datetime_forms(ro_client, value, expected):
    r = ro_client.get("/collections/all/items", params={"datetime": value, "limit": 50})
    assert r.status_code == 200, r.text
    assert ids(r) == expected


@pytest.mark.parametrize("bad", ["2023-13-01", "yesterday", "2023-12-05/2023-12-01", "../..", "..", "2023-12-01/x/y"])
def test_datetime_invalid_is_400(ro_client, bad):
    r = ro_client.get("/collections/all/items", params={"datetime": bad})
    assert r.status_code == 400, r.text
    assert r.json()["parameter"] == "datetime"


@pytest.mark.parametrize("bad", ["1,2,3", "a,b,c,d", "34,31,200,32", "34,32,35,31", "35,31,34,32", "nan,1,2,3"])
def test_bbox_invalid_is_400(ro_client, bad):
    r = ro_client.get("/collections/all/items", params={"bbox": bad})
    assert r.status_code == 400
    assert r.json()["parameter"] == "bbox"


def test_filters_event_type_source_claimant_status_precision(ro_client):
    assert ids(ro_client.get("/collections/all/items?event_type=shooting")) == {"c-jab-1"}
    assert ids(ro_client.get("/collections/all/items?source=Other%20Wire")) == {"c-rafah-1"}
    got = ids(ro_client.get("/collections/all/items?claimant=Israeli%20military"))
    assert got == {"c-gaza-2", "c-rocket-1"}
    # the strikes layer only narrows: asking it for shootings matches nothing
    assert ids(ro_client.get("/collections/strikes/items?event_type=shooting")) == set()
    precise = ids(ro_client.get("/collections/all/items?min_geo_precision=1&limit=50"))
    assert "c-rafah-1" not in precise and "c-gaza-1" in precise
    assert ro_client.get("/collections/all/items?status=retracted").json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("event_type=bombing", "event_type"),
        ("status=maybe", "status"),
        ("min_geo_precision=7", "min_geo_precision"),
        ("as_of=soon", "as_of"),
        ("f=xml", "f"),
        ("include_region=perhaps", "include_region"),
    ],
)
def test_wrong_filter_values_are_400_not_422(ro_client, query, param):
    r = ro_client.get(f"/collections/all/items?{query}")
    assert r.status_code == 400, r.text
    assert r.json()["parameter"] == param


def test_unknown_parameter_is_400(ro_client):
    r = ro_client.get("/collections/all/items?colour=red")
    assert r.status_code == 400
    assert r.json()["code"] == "unknown_parameter" and "colour" in r.json()["detail"]
    # zone collections take zone filters, not claim ones
    assert ro_client.get("/collections/evacuation-orders/items?event_type=airstrike").status_code == 400


def test_zone_filters(ro_client):
    got = ids(ro_client.get("/collections/evacuation-orders/items?active_at=2024-02-01"))
    assert got == {"z-north", "z-mawasi"}  # z-ky was lifted on 2024-01-10
    got = ids(ro_client.get("/collections/evacuation-orders/items?order_type=humanitarian_zone"))
    assert got == {"z-mawasi"}


def test_item_by_id_and_404(ro_client):
    r = ro_client.get("/collections/strikes/items/c-gaza-1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feat = r.json()
    assert feat["id"] == "c-gaza-1" and set(feat["properties"]) == CLAIM_PROPS
    assert {"self", "collection"} <= {lk["rel"] for lk in feat["links"]}
    # a claim that exists but is not in this layer is not one of its items
    assert ro_client.get("/collections/strikes/items/c-jab-1").status_code == 404
    assert ro_client.get("/collections/strikes/items/nope").status_code == 404
    z = ro_client.get("/collections/evacuation-orders/items/z-ky")
    assert z.status_code == 200 and z.json()["properties"]["lifted_at"] == "2024-01-10T00:00:00Z"


def test_an_item_answers_f_geojson_as_its_collection_does(ro_client):
    """``f=geojson`` works on the collection (a download) and so on one of its items: the same Feature as f=json."""
    plain = ro_client.get("/collections/strikes/items/c-gaza-1?f=json")
    named = ro_client.get("/collections/strikes/items/c-gaza-1?f=geojson")
    assert named.status_code == 200, named.text
    assert named.headers["content-type"] == "application/geo+json" and named.json() == plain.json()
    assert ro_client.get("/collections/strikes/items/c-gaza-1?f=csv").status_code == 400


def test_include_region(ro_client):
    r = ro_client.get("/collections/all/items/c-gaza-1?include_region=true")
    assert "uncertainty_region" in r.json()["properties"]
    assert "uncertainty_region" not in ro_client.get("/collections/all/items/c-gaza-1").json()["properties"]


def test_as_of_shows_the_past_and_is_immutable(api_client):
    from tests.api.conftest import AUTH

    before = api_client.get("/collections/all/items/c-gaza-1").json()["properties"]["recorded_at"]
    r = api_client.patch("/claims/c-gaza-1", json={"claimant": "Civil defence"}, headers=AUTH)
    assert r.status_code == 200, r.text
    now = api_client.get("/collections/all/items/c-gaza-1").json()["properties"]
    assert now["claimant"] == "Civil defence" and now["version"] == 2
    past = api_client.get("/collections/all/items/c-gaza-1", params={"as_of": before})
    assert past.json()["properties"]["claimant"] == "Gaza health ministry"
    items = api_client.get("/collections/all/items", params={"as_of": "2020-01-01"})
    assert items.json()["numberMatched"] == 0
    assert items.headers["cache-control"] == "public, max-age=31536000, immutable"
    live = api_client.get("/collections/all/items")
    assert "immutable" not in live.headers["cache-control"] and "max-age=" in live.headers["cache-control"]


def test_etag_and_304(api_client):
    r = api_client.get("/collections/all/items?limit=3")
    etag = r.headers["etag"]
    assert etag.startswith('"')
    again = api_client.get("/collections/all/items?limit=3", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = api_client.get("/collections/all/items?limit=4", headers={"If-None-Match": etag})
    assert other.status_code == 200
    from tests.api.conftest import AUTH

    api_client.post("/claims/c-jab-1/retract", headers=AUTH)
    after = api_client.get("/collections/all/items?limit=3", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag  # a write changes the validator


def test_gzip_only_when_asked(ro_client):
    plain = ro_client.get("/collections/all/items?limit=50", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    gz = ro_client.get("/collections/all/items?limit=50", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.json() == {**plain.json(), "timeStamp": gz.json()["timeStamp"]}
    assert gz.headers["etag"] != plain.headers["etag"]  # a different representation, a different strong tag


def test_cors_open_for_reads_only(ro_client):
    r = ro_client.get("/collections", headers={"Origin": "https://news.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = ro_client.options(
        "/claims", headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"}
    )
    assert "POST" not in pre.headers.get("access-control-allow-methods", "")


def test_head_is_a_bodiless_get(ro_client):
    get = ro_client.get("/collections/all/items?limit=2")
    head = ro_client.head("/collections/all/items?limit=2")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert ro_client.head("/collections/nope").status_code == 404


def test_security_headers(ro_client):
    r = ro_client.get("/collections")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_items_html(ro_client):
    r = ro_client.get("/collections/all/items?f=html")
    assert r.status_code == 200 and "c-gaza-1" in r.text


def test_private_layer_needs_a_token(api_client):
    from layers.model import Layer

    store = api_client.app.state.store
    store.put_layer(Layer(id="internal", title="Internal", private=True))
    assert "internal" not in {c["id"] for c in api_client.get("/collections").json()["collections"]}
    r = api_client.get("/collections/internal/items")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    ok = api_client.get("/collections/internal/items", headers=READ_AUTH)
    assert ok.status_code == 200 and ok.json()["numberMatched"] == len(CLAIMS)
    assert ok.headers["cache-control"].startswith("private")
    bad = api_client.get("/collections/internal/items", headers={"Authorization": "Bearer wrong-token-123"})
    assert bad.status_code == 401


def test_incidents_collection(ro_client):
    doc = ro_client.get("/collections/incidents/items?limit=50").json()
    members = [cid for f in doc["features"] for cid in f["properties"]["claim_ids"]]
    assert sorted(members) == sorted(c.id for c in CLAIMS)
    one = doc["features"][0]["id"]
    assert ro_client.get(f"/collections/incidents/items/{one}").status_code == 200


def test_response_cache_serves_repeats_without_a_query(gpkg_client, monkeypatch):
    store = gpkg_client.app.state.store
    real = store.claim_feature_page  # the items path's store query (feature texts written by the store)
    calls = []

    def counted(query, **kw):
        calls.append(query)
        return real(query, **kw)

    monkeypatch.setattr(store, "claim_feature_page", counted)
    first = gpkg_client.get("/collections/all/items?limit=3")
    assert len(calls) == 1
    again = gpkg_client.get("/collections/all/items?limit=3")
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert len(calls) == 1  # served from the response cache
    other_host = gpkg_client.get("/collections/all/items?limit=3", headers={"Host": "maps.example"})
    assert other_host.status_code == 200 and len(calls) == 2  # its links name another host: not the cached body
    assert "http://maps.example/" in other_host.text


def test_publication_policy_coarsens_for_anonymous_readers_only(api_client):
    from layers.model import Layer, LayerFilter, PublicationPolicy

    store = api_client.app.state.store
    store.put_layer(
        Layer(
            id="strikes-public",
            title="Strikes (coarsened)",
            filter=LayerFilter(event_types=("airstrike",)),
            policy=PublicationPolicy(snap_m=5000),
        )
    )
    anon = api_client.get("/collections/strikes-public/items/c-gaza-1").json()
    assert anon["properties"]["coarsened_to"] and anon["geometry"]["coordinates"] != [34.4667, 31.5017]
    assert anon["properties"]["uncertainty_m"] > 500  # the coarsening widens the stated uncertainty
    exact = api_client.get("/collections/strikes-public/items/c-gaza-1", headers=READ_AUTH).json()
    assert exact["properties"]["coarsened_to"] is None and exact["geometry"]["coordinates"] == [34.4667, 31.5017]
    page = api_client.get("/collections/strikes-public/items?f=geojson").json()
    assert all(f["properties"]["coarsened_to"] for f in page["features"] if f["geometry"])
    # raw claims would bypass the policy: they now need a token
    assert api_client.get("/claims/c-gaza-1").status_code == 401
    assert api_client.get("/claims/c-gaza-1", headers=READ_AUTH).status_code == 200


def test_large_layer_extent_uses_store_aggregates(gpkg_client, monkeypatch):
    from layers import collection

    monkeypatch.setattr(collection, "EXTENT_SCAN_LIMIT", 2)
    ext = gpkg_client.get("/collections/strikes").json()["extent"]
    stats = gpkg_client.app.state.store.stats()
    assert ext["spatial"]["bbox"][0] == pytest.approx(list(stats.bbox))  # a superset: it still holds every feature
    minx, miny, maxx, maxy = ext["spatial"]["bbox"][0]
    for c in CLAIMS:
        if c.geometry is not None:
            assert minx <= c.geometry.x <= maxx and miny <= c.geometry.y <= maxy


def test_identical_concurrent_requests_run_one_query(gpkg_client, monkeypatch):
    import threading
    import time

    store = gpkg_client.app.state.store
    real = store.claim_feature_page  # the items path's store query (feature texts written by the store)
    calls = []

    def slow(query, **kw):
        calls.append(query)
        time.sleep(0.3)  # hold the first query so the others arrive while it runs
        return real(query, **kw)

    monkeypatch.setattr(store, "claim_feature_page", slow)
    results = []

    def get():
        results.append(gpkg_client.get("/collections/all/items?limit=4&event_type=airstrike"))

    threads = [threading.Thread(target=get) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 6
    assert len({r.content for r in results}) == 1
    assert len(calls) == 1
