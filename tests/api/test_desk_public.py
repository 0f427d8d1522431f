"""The public side of review: a layer that publishes only checked claims, and the words readers see."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ADMIN_AUTH, AUTH

CHECKED = {
    "id": "checked-strikes",
    "title": "Checked strikes",
    "kind": "claims",
    "filter": {"event_types": ["airstrike", "shelling"], "reviews": ["reviewed", "edited"]},
}


def test_a_layer_can_publish_only_claims_checked_by_an_editor(api_client: Any) -> None:
    r = api_client.put("/collections/checked-strikes/definition", json=CHECKED, headers=ADMIN_AUTH)
    assert r.status_code == 201, r.text
    assert api_client.get("/collections/checked-strikes/items").json()["numberMatched"] == 0
    edited = api_client.patch("/claims/c-gaza-1", json={"review": "reviewed"}, headers=AUTH)
    assert edited.status_code == 200 and edited.json()["properties"]["review"] == "reviewed"
    api_client.patch("/claims/c-ky-1", json={"review": "edited", "claimant": "Civil defence"}, headers=AUTH)
    api_client.patch("/claims/c-gaza-2", json={"review": "rejected", "status": "retracted"}, headers=AUTH)
    items = api_client.get("/collections/checked-strikes/items").json()
    assert sorted(f["id"] for f in items["features"]) == ["c-gaza-1", "c-ky-1"]
    assert api_client.get("/collections/checked-strikes/items/c-rafah-1").status_code == 404
    data = api_client.get("/maps/checked-strikes/data.json").text
    assert "c-gaza-1" in data and "c-rafah-1" not in data
    page = api_client.get("/maps/checked-strikes").text
    # the layer's title is user text: an isolated bidirectional run inside sitmap's own words
    # the layer's title is user text: an isolated bidirectional run inside sitmap's own words
    # (literal in the page, or JSON-escaped in its config)
    note = "\u2068Checked strikes\u2069: only claims checked by an editor"
    assert note in page or note.encode("ascii", "backslashreplace").decode() in page
    assert "only claims checked by an editor" not in api_client.get("/maps/strikes").text


def test_unknown_review_values_are_refused(api_client: Any) -> None:
    bad = {**CHECKED, "filter": {"reviews": ["guessed"]}}
    assert api_client.put("/collections/checked-strikes/definition", json=bad, headers=ADMIN_AUTH).status_code in (
        400,
        422,
    )
    r = api_client.patch("/claims/c-gaza-1", json={"review": "approved"}, headers=AUTH)
    assert r.status_code == 422


def test_kml_says_whether_an_editor_checked_a_claim(api_client: Any) -> None:
    api_client.patch("/claims/c-gaza-1", json={"review": "edited"}, headers=AUTH)
    kml = api_client.get("/collections/all/items?f=kml").text
    assert "checked by an editor" in kml and "machine reading, not yet checked" in kml
