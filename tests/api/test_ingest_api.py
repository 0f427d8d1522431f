"""Authenticated writes: reports, claims, edits with If-Match, retraction, history, zones; auth refusals."""

from __future__ import annotations

import pytest

from tests.api.conftest import AUTH, READ_AUTH

REPORT = {
    "text": (
        "An airstrike hit a residential building in Khan Younis on Thursday night, the Gaza health ministry said, "
        "killing at least 12 people."
    ),
    "published": "2023-12-08",
    "source": {"name": "Example Wire", "kind": "news", "url": "https://wire.example"},
    "url": "https://wire.example/ky-strike",
    "title": "Strike in Khan Younis",
}


def claim_feature(cid: str = "c-new-1", **props):
    base = {
        "event_type": "airstrike",
        "claimant": "Civil defence",
        "source": "Example Wire",
        "uncertainty_m": 800,
        "valid_from": "2023-12-09T00:00:00Z",
        "valid_to": "2023-12-09T23:59:59Z",
        "time_precision": "day",
        "fatalities": 3,
    }
    base.update(props)
    return {
        "type": "Feature",
        "id": cid,
        "geometry": {"type": "Point", "coordinates": [34.45, 31.50]},
        "properties": base,
    }


WRITES = [
    ("post", "/reports", REPORT),
    ("post", "/claims", claim_feature()),
    ("patch", "/claims/c-gaza-1", {"claimant": "someone else"}),
    ("post", "/claims/c-gaza-1/retract", {"reason": "test"}),
    (
        "post",
        "/zones",
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "order_type": "evacuate",
                "issuer": "Israeli military",
                "issued_at": "2023-12-02",
                "block_ids": ["55"],
            },
        },
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[w[1] for w in WRITES])
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-valid-token"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        (READ_AUTH, 403),
    ],
    ids=["none", "wrong", "basic", "read-scope"],
)
def test_writes_refused_without_a_write_token(ro_client, method, path, body, headers, status):
    api_client = ro_client  # refused writes change nothing, so the module's shared store is enough
    before = api_client.get("/collections/all/items?limit=50").json()
    zones_before = api_client.get("/collections/evacuation-orders/items").json()["numberMatched"]
    r = getattr(api_client, method)(path, json=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    after = api_client.get("/collections/all/items?limit=50").json()
    assert after["features"] == before["features"]  # nothing stored, nothing changed
    assert api_client.get("/collections/evacuation-orders/items").json()["numberMatched"] == zones_before
    assert api_client.get("/claims/c-gaza-1/history").json()["numberReturned"] == 1


def test_post_report_geocodes_and_is_idempotent(api_client):
    r = api_client.post("/reports", json=REPORT, headers=AUTH)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["created"] is True and doc["report"]["id"].startswith("r-")
    assert doc["features"], "the geocoder found the strike"
    feat = doc["features"][0]
    props = feat["properties"]
    assert props["event_type"] == "airstrike" and props["report_id"] == doc["report"]["id"]
    assert props["review"] == "machine" and props["uncertainty_m"] > 0 and props["valid_from"]
    lon, lat = feat["geometry"]["coordinates"]
    assert 34.2 < lon < 34.4 and 31.28 < lat < 31.4  # Khan Younis
    history = api_client.get(f"/claims/{feat['id']}/history", headers=AUTH).json()
    assert history["features"][0]["properties"]["recorded_by"] == "newsroom"
    again = api_client.post("/reports", json=REPORT, headers=AUTH)
    assert again.status_code == 200
    assert again.json()["created"] is False and not again.json()["inserted"]
    assert [f["id"] for f in again.json()["features"]] == [f["id"] for f in doc["features"]]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "", "source": "x"}, 422),
        ({"text": "An airstrike in Rafah.", "source": ""}, 422),
        ({"text": "An airstrike in Rafah.", "source": "x", "published": "next week"}, 422),
        ({"text": "An airstrike in Rafah.", "source": "x", "colour": "red"}, 422),
        ([1, 2], 422),
    ],
)
def test_post_report_bad_content_is_422(api_client, body, status):
    r = api_client.post("/reports", json=body, headers=AUTH)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_post_report_media_type_and_syntax(api_client):
    r = api_client.post("/reports", content=b"text=hello", headers={**AUTH, "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    r = api_client.post("/reports", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]


def test_post_claims_feature_and_round_trip(api_client):
    r = api_client.post("/claims", json=claim_feature(), headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["inserted"] == ["c-new-1"]
    stored = api_client.get("/collections/all/items/c-new-1").json()
    assert stored["properties"]["claimant"] == "Civil defence" and stored["properties"]["fatalities"] == 3
    assert stored["properties"]["geo_precision"] in (1, 2)
    # the exported feature posts back unchanged: nothing new is stored
    exported = {k: stored[k] for k in ("type", "id", "geometry", "properties")}
    again = api_client.post("/claims", json=exported, headers=AUTH)
    assert again.status_code == 200 and again.json()["unchanged"] == ["c-new-1"]


def test_post_claims_reads_plain_dates_as_whole_days_as_an_import_does(api_client):
    """`sitmap import geojson` stores this feature; the write API refused it ("needs a
    time_precision"), and with a precision given kept a valid_to of midnight, so the
    claim's last day fell out of every query for it."""
    feature = claim_feature("c-days-1", valid_from="2023-12-09", valid_to="2023-12-10", time_precision=None)
    r = api_client.post("/claims", json=feature, headers=AUTH)
    assert r.status_code == 201, r.text
    props = api_client.get("/collections/all/items/c-days-1").json()["properties"]
    assert props["valid_from"] == "2023-12-09T00:00:00Z"
    assert props["valid_to"] == "2023-12-10T23:59:59.999999Z" and props["time_precision"] == "day"
    ids = [f["id"] for f in api_client.get("/collections/all/items?datetime=2023-12-10").json()["features"]]
    assert "c-days-1" in ids
    stated = claim_feature("c-days-2", valid_from="2023-12-09", valid_to="2023-12-09", time_precision="week")
    assert api_client.post("/claims", json=stated, headers=AUTH).status_code == 201
    props = api_client.get("/collections/all/items/c-days-2").json()["properties"]
    assert props["valid_to"] == "2023-12-09T23:59:59.999999Z" and props["time_precision"] == "week"


def test_post_claims_batch_is_atomic(api_client):
    good = claim_feature("c-batch-1")
    bad = claim_feature("c-batch-2", event_type="meteor")
    r = api_client.post("/claims", json={"type": "FeatureCollection", "features": [good, bad]}, headers=AUTH)
    assert r.status_code == 422
    assert "features[1]" in r.json()["detail"] and "event_type" in r.json()["detail"]
    assert api_client.get("/collections/all/items/c-batch-1").status_code == 404
    ok = api_client.post(
        "/claims", json={"type": "FeatureCollection", "features": [good, claim_feature("c-batch-2")]}, headers=AUTH
    )
    assert ok.status_code == 201 and sorted(ok.json()["inserted"]) == ["c-batch-1", "c-batch-2"]


@pytest.mark.parametrize(
    ("feature", "fragment"),
    [
        (claim_feature(uncertainty_m=None), "uncertainty_m"),
        (claim_feature(valid_from="2023-12-10T00:00:00Z"), "valid_from"),
        (claim_feature(colour="red"), "colour"),
        ({**claim_feature(), "geometry": {"type": "Point", "coordinates": [200, 31]}}, "longitude"),
        (
            {
                **claim_feature(),
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "not valid",
        ),
        ({"type": "Point", "coordinates": [1, 2]}, "Feature"),
    ],
)
def test_post_claims_invalid_is_422_with_reason(api_client, feature, fragment):
    r = api_client.post("/claims", json=feature, headers=AUTH)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["detail"]


def test_patch_with_if_match_and_stale_412(api_client):
    r = api_client.get("/claims/c-ky-1")
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'
    ok = api_client.patch("/claims/c-ky-1", json={"status": "disputed"}, headers={**AUTH, "If-Match": '"v1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"v2"' and ok.json()["properties"]["status"] == "disputed"
    stale = api_client.patch("/claims/c-ky-1", json={"status": "reported"}, headers={**AUTH, "If-Match": '"v1"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert api_client.get("/claims/c-ky-1").json()["properties"]["status"] == "disputed"
    # a feature-shaped patch moves the point and keeps everything else
    moved = api_client.patch(
        "/claims/c-ky-1",
        json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [34.31, 31.35]}, "properties": {}},
        headers=AUTH,
    )
    assert moved.status_code == 200 and moved.json()["geometry"]["coordinates"] == [34.31, 31.35]
    assert moved.json()["properties"]["claimant"] == "Gaza health ministry"
    hist = api_client.get("/claims/c-ky-1/history").json()["features"]
    assert [f["properties"]["version"] for f in hist] == [1, 2, 3]
    assert hist[0]["properties"]["superseded_at"] and hist[-1]["properties"]["superseded_at"] is None
    assert hist[-1]["properties"]["recorded_by"] == "newsroom"


@pytest.mark.parametrize(
    ("patch", "status"),
    [({"event_type": "meteor"}, 422), ({"version": 9}, 422), ({"valid_from": "2030-01-01T00:00:00Z"}, 422)],
)
def test_patch_invalid(api_client, patch, status):
    r = api_client.patch("/claims/c-ky-1", json=patch, headers=AUTH)
    assert r.status_code == status, r.text
    assert api_client.get("/claims/c-ky-1").json()["properties"]["version"] == 1


def test_patch_unknown_claim_is_404(api_client):
    assert api_client.patch("/claims/nope", json={"status": "disputed"}, headers=AUTH).status_code == 404
    assert api_client.get("/claims/nope/history").status_code == 404


def test_retract_keeps_history_and_hides_from_map(api_client):
    r = api_client.post("/claims/c-rafah-1/retract", json={"reason": "wrong town"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["properties"]["status"] == "retracted"
    assert "c-rafah-1" not in {f["id"] for f in api_client.get("/collections/all/items?limit=50").json()["features"]}
    item = api_client.get("/collections/all/items/c-rafah-1")
    assert item.status_code == 200 and item.json()["properties"]["status"] == "retracted"  # permalink still works
    assert api_client.get("/collections/all/items?status=retracted").json()["numberMatched"] == 1
    assert len(api_client.get("/claims/c-rafah-1/history").json()["features"]) == 2
    stale = api_client.post("/claims/c-rafah-1/retract", headers={**AUTH, "If-Match": '"v1"'})
    assert stale.status_code == 412


def test_post_zones_polygon_and_blocks(api_client):
    polygon = {
        "type": "Feature",
        "id": "z-drawn",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[34.30, 31.40], [34.33, 31.40], [34.33, 31.43], [34.30, 31.43], [34.30, 31.40]]],
        },
        "properties": {
            "order_type": "evacuate",
            "issuer": "Israeli military",
            "issued_at": "2023-12-02",
            "source": "X post",
        },
    }
    r = api_client.post("/zones", json=polygon, headers=AUTH)
    assert r.status_code == 201, r.text
    props = r.json()["features"][0]["properties"]
    assert props["placement_method"] == "drawn" and props["area_km2"] > 5
    blocks = {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "order_type": "evacuate",
            "issuer": "Israeli military",
            "issued_at": "2023-12-03",
            "block_ids": ["55", "56", "37.1"],
        },
    }
    r = api_client.post("/zones", json=blocks, headers=AUTH)
    assert r.status_code == 201, r.text
    props = r.json()["features"][0]["properties"]
    assert props["block_ids"] == ["55", "56", "37.1"] and props["approx_block_ids"] == ["37.1"], props
    zid = r.json()["features"][0]["id"]
    assert api_client.get(f"/collections/evacuation-orders/items/{zid}").status_code == 200


@pytest.mark.parametrize(
    ("props", "geometry", "fragment"),
    [
        ({"order_type": "evacuate", "issuer": "X", "issued_at": "2023-12-03", "block_ids": ["99999"]}, None, "99999"),
        (
            {"order_type": "leave", "issuer": "X", "issued_at": "2023-12-03"},
            {"type": "Polygon", "coordinates": [[[34.3, 31.4], [34.31, 31.4], [34.31, 31.41], [34.3, 31.4]]]},
            "order_type",
        ),
        ({"order_type": "evacuate", "issuer": "X", "issued_at": "2023-12-03"}, None, "geometry or block_ids"),
        (
            {"order_type": "evacuate", "issuer": "X", "issued_at": "2023-12-03"},
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "valid",
        ),
        (
            {"order_type": "evacuate", "issued_at": "2023-12-03"},
            {"type": "Point", "coordinates": [34.3, 31.4]},
            "issuer",
        ),
    ],
)
def test_post_zones_invalid(api_client, props, geometry, fragment):
    r = api_client.post("/zones", json={"type": "Feature", "geometry": geometry, "properties": props}, headers=AUTH)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["detail"]


def test_bowtie_zone_repaired_on_request(api_client):
    bowtie = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[34.30, 31.40], [34.32, 31.42], [34.32, 31.40], [34.30, 31.42], [34.30, 31.40]]],
        },
        "properties": {"order_type": "evacuate", "issuer": "Israeli military", "issued_at": "2023-12-02"},
    }
    r = api_client.post("/zones?repair=true", json=bowtie, headers=AUTH)
    assert r.status_code == 201, r.text
    assert "repaired" in r.json()["features"][0]["properties"]["flags"]


def test_patch_keeps_what_it_does_not_touch(api_client):
    from geo.model import CountEstimate, Uncertainty
    from layers.testing import make_claim

    store = api_client.app.state.store
    claim = make_claim("c-nuance", fatalities=None).model_copy(
        update={
            "fatalities": CountEstimate(low=24, best=36, high=99, text="dozens"),
            "uncertainty": Uncertainty(radius_m=900, geo_precision=1, where_prec=2, method="gazetteer", note="camp"),
        }
    )
    store.add_claims([claim])
    r = api_client.patch("/claims/c-nuance", json={"claimant": "Civil defence"}, headers=AUTH)
    assert r.status_code == 200, r.text
    now = store.get_claim("c-nuance")
    assert now.version == 2 and now.claimant == "Civil defence"
    assert now.fatalities.text == "dozens" and now.uncertainty.note == "camp"  # untouched nested values kept
    r = api_client.patch("/claims/c-nuance", json={"fatalities": 40}, headers=AUTH)
    assert store.get_claim("c-nuance").fatalities.best == 40


@pytest.mark.parametrize("action", ["patch", "retract"])
def test_edit_beaten_between_check_and_commit_is_412_with_the_winners_etag(api_client, action):
    """Another writer commits after the route's version check: the store's Conflict is a 412 naming the winner."""
    store = api_client.app.state.store
    real_update, real_retract = store.update_claim, store.retract_claim

    def rival_first(real):
        def call(claim_id, *args, **kwargs):
            real_update(claim_id, {"notes": "the rival's edit"}, recorded_by="rival")  # v2 lands first
            return real(claim_id, *args, **kwargs)

        return call

    store.update_claim, store.retract_claim = rival_first(real_update), rival_first(real_retract)
    try:
        if action == "patch":
            r = api_client.patch("/claims/c-ky-1", json={"status": "disputed"}, headers={**AUTH, "If-Match": '"v1"'})
        else:
            r = api_client.post("/claims/c-ky-1/retract", headers={**AUTH, "If-Match": '"v1"'})
    finally:
        store.update_claim, store.retract_claim = real_update, real_retract
    assert r.status_code == 412, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["etag"] == '"v2"'
    current = api_client.get("/claims/c-ky-1").json()["properties"]
    assert current["status"] == "reported" and current["version"] == 2
