"""Layer definitions over HTTP: define, show, replace, delete, history; scopes, If-Match, caches.

Every endpoint has a success and a failure case; a layer change is visible on the
very next request to /collections and /collections/{id}/items (ETags and the
server's response cache follow the store clock, which layer writes move).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import fill_store

READER = ("desk-reader", "reader-secret-0001")
WRITER = ("desk-7", "writer-secret-0002")
ADMIN = ("ops-admin", "admin-secret-0003")
TOKENS = f"{READER[0]}:{READER[1]}:read-private,{WRITER[0]}:{WRITER[1]}:write,{ADMIN[0]}:{ADMIN[1]}:admin"
PROBLEM = "application/problem+json"


def bearer(token: tuple[str, str] | None, **extra: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token[1]}"} if token else {}
    headers.update(extra)
    return headers


AS_ADMIN = bearer(ADMIN)
AS_READER = bearer(READER)

KY = {"title": "Khan Younis ground operations", "kind": "claims", "filter": {"event_types": ["ground_operation"]}}
DESK = {"title": "Desk only", "description": "working layer", "private": True}


def _app(store_url: str, **settings: Any) -> Any:
    from api.app import create_app
    from api.settings import Settings

    values: dict[str, Any] = {"db": store_url, "tokens": TOKENS, "default_limit": 5, "max_limit": 50}
    values.update(settings)
    values.setdefault("rate_limit", False)
    return create_app(Settings(**values))


@pytest.fixture
def client(store_url: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    fill_store(store_url)
    with TestClient(_app(store_url)) as c:
        yield c


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(f["id"] for f in response.json()["features"])


def collection_ids(client: Any, headers: dict[str, str] | None = None) -> set[str]:
    r = client.get("/collections", headers=headers or {})
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["collections"]}


def assert_problem(r: Any, status: int, *fragments: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    for fragment in fragments:
        assert fragment in r.json()["detail"], (fragment, r.json())


# --------------------------------------------------------------------------------------
# The lifecycle, with If-Match
# --------------------------------------------------------------------------------------


def test_define_show_replace_delete_with_versions(client: Any) -> None:
    r = client.put("/collections/desk/definition", json=DESK, headers=AS_ADMIN)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"v1"'
    assert r.headers["location"] == "/collections/desk/definition"
    assert r.json()["id"] == "desk" and r.json()["private"] is True

    shown = client.get("/collections/desk/definition", headers=AS_READER)
    assert shown.status_code == 200 and shown.headers["etag"] == '"v1"'
    assert shown.json() == r.json()
    assert client.get("/collections/desk/definition", headers={**AS_READER, "If-None-Match": '"v1"'}).status_code == 304

    # the same definition again: 200, no new version
    again = client.put("/collections/desk/definition", json=DESK, headers=AS_ADMIN)
    assert again.status_code == 200 and again.headers["etag"] == '"v1"'

    # edit what GET returned, with its ETag
    edited = {**shown.json(), "title": "Desk: Khan Younis"}
    r = client.put("/collections/desk/definition", json=edited, headers=bearer(ADMIN, **{"If-Match": '"v1"'}))
    assert r.status_code == 200 and r.headers["etag"] == '"v2"'

    # a second editor still holding v1 is refused, told the current version, and nothing changes
    stale = client.put(
        "/collections/desk/definition", json={**DESK, "title": "lost"}, headers=bearer(ADMIN, **{"If-Match": '"v1"'})
    )
    assert_problem(stale, 412, "is at version 2, not 1")
    assert stale.headers["etag"] == '"v2"'
    stale_delete = client.delete("/collections/desk/definition", headers=bearer(ADMIN, **{"If-Match": '"v1"'}))
    assert_problem(stale_delete, 412, "is at version 2, not 1")
    assert client.get("/collections/desk/definition", headers=AS_READER).json()["title"] == "Desk: Khan Younis"

    r = client.delete("/collections/desk/definition", headers=bearer(ADMIN, **{"If-Match": '"v2"'}))
    assert r.status_code == 204 and r.content == b""
    assert_problem(client.get("/collections/desk/definition", headers=AS_READER), 404, "desk")
    assert_problem(client.delete("/collections/desk/definition", headers=AS_ADMIN), 404, "already deleted")

    history = client.get("/collections/desk/definition/history", headers=AS_READER)
    assert history.status_code == 200, history.text
    versions = history.json()["versions"]
    assert [(v["version"], v["recorded_by"], v["deleted"]) for v in versions] == [
        (1, ADMIN[0], False),
        (2, ADMIN[0], False),
        (3, ADMIN[0], True),
    ]
    assert versions[1]["definition"]["title"] == "Desk: Khan Younis"
    assert versions[0]["superseded_at"] == versions[1]["recorded_at"] and versions[2]["superseded_at"] is None
    assert all(v["recorded_at"].endswith("Z") for v in versions)

    # defined again after the deletion: created, and the numbering goes on
    r = client.put("/collections/desk/definition", json=DESK, headers=AS_ADMIN)
    assert r.status_code == 201 and r.headers["etag"] == '"v4"'


def test_if_match_forms(client: Any) -> None:
    assert_problem(
        client.put("/collections/new/definition", json=KY, headers=bearer(ADMIN, **{"If-Match": '"v1"'})),
        412,
        "has no version yet",
    )
    assert_problem(
        client.put("/collections/new/definition", json=KY, headers=bearer(ADMIN, **{"If-Match": "*"})),
        412,
        "does not exist",
    )
    assert_problem(
        client.put("/collections/new/definition", json=KY, headers=bearer(ADMIN, **{"If-Match": "v1"})),
        412,
        "not a layer version ETag",
    )
    assert client.put("/collections/new/definition", json=KY, headers=AS_ADMIN).status_code == 201
    r = client.put("/collections/new/definition", json={**KY, "title": "x"}, headers=bearer(ADMIN, **{"If-Match": "*"}))
    assert r.status_code == 200 and r.headers["etag"] == '"v2"'
    r = client.put(
        "/collections/new/definition", json={**KY, "title": "y"}, headers=bearer(ADMIN, **{"If-Match": 'W/"v2"'})
    )
    assert r.status_code == 200 and r.headers["etag"] == '"v3"'


# --------------------------------------------------------------------------------------
# Scopes and visibility
# --------------------------------------------------------------------------------------


def test_writes_need_the_admin_scope(client: Any) -> None:
    for token, status in ((None, 401), (READER, 403), (WRITER, 403)):
        r = client.put("/collections/desk/definition", json=DESK, headers=bearer(token))
        assert r.status_code == status and r.headers["content-type"] == PROBLEM, (token, r.text)
        r = client.delete("/collections/strikes/definition", headers=bearer(token))
        assert r.status_code == status and r.headers["content-type"] == PROBLEM, (token, r.text)
        if status == 401:
            assert r.headers["www-authenticate"].startswith("Bearer")
        else:
            assert "this needs 'admin'" in r.json()["detail"]
    assert "desk" not in collection_ids(client, AS_ADMIN)
    assert "strikes" in collection_ids(client)


def test_private_definitions_and_history_need_a_token(client: Any) -> None:
    assert client.put("/collections/desk/definition", json=DESK, headers=AS_ADMIN).status_code == 201
    # anonymous readers get what /collections/desk answers them: 401, no definition
    for path in ("/collections/desk/definition", "/collections/desk"):
        r = client.get(path)
        assert_problem(r, 401, "private")
        assert "working layer" not in r.text
    assert "desk" not in collection_ids(client)
    assert "desk" in collection_ids(client, AS_READER)
    assert client.get("/collections/desk/definition", headers=bearer(WRITER)).status_code == 200
    # a public definition is public; its history names who edited it, so it needs a token
    assert client.get("/collections/strikes/definition").status_code == 200
    assert_problem(client.get("/collections/strikes/definition/history"), 401, "Bearer")
    r = client.get("/collections/strikes/definition/history", headers=AS_READER)
    assert r.status_code == 200 and r.json()["versions"][0]["recorded_by"] == "sitmap:defaults"
    assert_problem(client.get("/collections/nope/definition", headers=AS_READER), 404, "nope")
    assert_problem(client.get("/collections/nope/definition/history", headers=AS_READER), 404, "nope")


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "fragment"),
    [
        ("/collections/Bad%20Id/definition", KY, {}, 400, "cannot name a layer"),
        ("/collections/" + "x" * 65 + "/definition", KY, {}, 400, "cannot name a layer"),
        ("/collections/ky/definition?f=json", KY, {}, 400, "f"),
        ("/collections/ky/definition", {**KY, "colour": "red"}, {}, 422, "colour"),
        ("/collections/ky/definition", {**KY, "kind": "rumours"}, {}, 422, "kind"),
        ("/collections/ky/definition", {**KY, "id": "other"}, {}, 422, "differs from the collection id"),
        ("/collections/ky/definition", [KY], {}, 422, "must be a JSON object"),
        ("/collections/ky/definition", {"kind": "claims"}, {}, 422, "title"),
        ("/collections/ky/definition", {**KY, "filter": {"event_types": ["rumour"]}}, {}, 422, "event_types"),
        ("/collections/ky/definition", {**KY, "policy": {"snap_m": -5}}, {}, 422, "snap_m"),
        ("/collections/ky/definition", None, {"Content-Type": "application/json"}, 400, "empty"),
        ("/collections/ky/definition", None, {"Content-Type": "text/plain"}, 415, "text/plain"),
    ],
)
def test_bad_definitions_are_refused_and_store_nothing(
    client: Any, path: str, body: Any, headers: dict[str, str], status: int, fragment: str
) -> None:
    kwargs: dict[str, Any] = {"json": body} if body is not None else {"content": b""}
    if headers.get("Content-Type") == "text/plain":
        kwargs = {"content": b"title=x"}
    r = client.put(path, headers={**AS_ADMIN, **headers}, **kwargs)
    assert_problem(r, status, fragment)
    assert "ky" not in collection_ids(client, AS_ADMIN)


def test_broken_json_is_a_400(client: Any) -> None:
    r = client.put(
        "/collections/ky/definition", content=b'{"title": ', headers={**AS_ADMIN, "Content-Type": "application/json"}
    )
    assert_problem(r, 400, "not valid JSON")


# --------------------------------------------------------------------------------------
# A change is visible on the next request (no stale cache)
# --------------------------------------------------------------------------------------


def test_layer_changes_are_served_at_once(client: Any) -> None:
    listing = client.get("/collections")
    etag = listing.headers["etag"]
    assert client.get("/collections", headers={"If-None-Match": etag}).status_code == 304

    assert client.put("/collections/ky/definition", json=KY, headers=AS_ADMIN).status_code == 201
    r = client.get("/collections", headers={"If-None-Match": etag})
    assert r.status_code == 200 and "ky" in {c["id"] for c in r.json()["collections"]}
    first = client.get("/collections/ky/items")
    assert ids(first) == ["c-ky-2"]

    changed = {**KY, "filter": {"event_types": ["airstrike"]}}
    assert client.put("/collections/ky/definition", json=changed, headers=AS_ADMIN).status_code == 200
    r = client.get("/collections/ky/items", headers={"If-None-Match": first.headers["etag"]})
    assert r.status_code == 200
    assert ids(r) == ["c-gaza-1", "c-ky-1", "c-rafah-1", "c-untimed"]
    assert client.get("/collections/ky").json()["title"] == KY["title"]

    assert client.delete("/collections/ky/definition", headers=AS_ADMIN).status_code == 204
    assert_problem(client.get("/collections/ky/items"), 404, "unknown layer 'ky'")
    assert_problem(client.get("/collections/ky"), 404, "unknown layer 'ky'")
    assert "ky" not in collection_ids(client)


def test_a_layer_made_private_disappears_for_anonymous_readers(client: Any) -> None:
    assert client.put("/collections/ky/definition", json=KY, headers=AS_ADMIN).status_code == 201
    assert ids(client.get("/collections/ky/items")) == ["c-ky-2"]
    assert client.put("/collections/ky/definition", json={**KY, "private": True}, headers=AS_ADMIN).status_code == 200
    assert_problem(client.get("/collections/ky/items"), 401, "private")
    assert ids(client.get("/collections/ky/items", headers=AS_READER)) == ["c-ky-2"]


def test_a_deleted_default_stays_deleted_after_a_restart(store_url: str) -> None:
    from fastapi.testclient import TestClient

    fill_store(store_url)
    with TestClient(_app(store_url)) as c:
        assert c.delete("/collections/diplomacy/definition", headers=AS_ADMIN).status_code == 204
        assert_problem(c.get("/collections/diplomacy/items"), 404, "diplomacy")
    with TestClient(_app(store_url)) as c:  # the lifespan installs defaults again, except deleted ones
        assert "diplomacy" not in collection_ids(c)
        assert_problem(c.get("/collections/diplomacy"), 404, "diplomacy")
        r = c.put("/collections/diplomacy/definition", json={"title": "Talks"}, headers=AS_ADMIN)
        assert r.status_code == 201 and r.headers["etag"] == '"v3"'
        assert c.get("/collections/diplomacy/items").json()["numberMatched"] == 9  # no filter now: every claim


# --------------------------------------------------------------------------------------
# Documentation and rate limits
# --------------------------------------------------------------------------------------


def test_openapi_documents_the_admin_operations(client: Any) -> None:
    doc = client.get("/api").json()
    item = doc["paths"]["/collections/{collection_id}/definition"]
    assert set(item) >= {"get", "put", "delete"}
    assert item["put"]["tags"] == ["Layer definitions (admin)"]
    assert {"201", "200", "412", "403", "422"} <= set(item["put"]["responses"])
    assert "204" in item["delete"]["responses"]
    assert "get" in doc["paths"]["/collections/{collection_id}/definition/history"]


def test_definition_writes_use_the_write_bucket(store_url: str) -> None:
    from fastapi.testclient import TestClient

    fill_store(store_url)
    app = _app(store_url, rate_limit=True, rate_writes_burst=2, rate_writes_per_min=0.001)
    with TestClient(app) as c:
        statuses = [
            c.put("/collections/ky/definition", json={**KY, "title": f"t{i}"}, headers=AS_ADMIN).status_code
            for i in range(3)
        ]
        assert statuses == [201, 200, 429]
        r = c.delete("/collections/ky/definition", headers=AS_ADMIN)
        assert r.status_code == 429 and "retry-after" in r.headers
        assert c.get("/collections/ky/definition").json()["title"] == "t1"
