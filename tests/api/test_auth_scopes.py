"""Scopes against operations (anonymous / read-private / write / admin), and every write attributed.

The attribution test derives the write operations from the app's own OpenAPI document,
so a write route added later without a known way to exercise it (or without
``recorded_by``) fails here instead of slipping through.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from api.auth import Principal, TokenRegistry, parse_token_line
from api.errors import Forbidden
from geo.errors import InvalidInput
from layers.errors import Unauthorized
from layers.model import Layer
from tests.api.conftest import fill_store

READER = ("desk-reader", "reader-secret-0001")
WRITER = ("desk-7", "writer-secret-0002")
ADMIN = ("ops-admin", "admin-secret-0003")
ALIASED = ("old-reader", "aliased-secret-0004")
TOKENS = (
    f"{READER[0]}:{READER[1]}:read-private,{WRITER[0]}:{WRITER[1]}:write,"
    f"{ADMIN[0]}:{ADMIN[1]}:admin,{ALIASED[0]}:{ALIASED[1]}:read"
)
WRITE_METHODS = ("post", "put", "patch", "delete")


def bearer(token: tuple[str, str] | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token[1]}"} if token else {}


@pytest.fixture
def scoped_client(store_url: str) -> Iterator[Any]:
    """A TestClient over a filled store with a private layer and one token of each scope."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from layers.store import open_store

    fill_store(store_url)
    store = open_store(store_url)
    try:
        store.put_layer(Layer(id="desk-only", title="Desk only", description="newsroom eyes only", private=True))
    finally:
        store.close()
    settings = Settings(db=store_url, tokens=TOKENS, default_limit=5, max_limit=50, rate_limit=False)
    with TestClient(create_app(settings)) as client:
        yield client


# --------------------------------------------------------------------------------------
# Scope names
# --------------------------------------------------------------------------------------


def test_a_service_without_tokens_says_so(tmp_path: Any) -> None:
    # `sitmap tokens add` writes ./sitmap-tokens.txt, which `sitmap serve` does not read unless told:
    # the writer is told why no token can work here
    with pytest.raises(Unauthorized, match="this service has no tokens; start it with SITMAP_TOKEN_FILE="):
        TokenRegistry.from_config(None, None).identify("Bearer abcdefgh")
    # with tokens configured a wrong one is only "not valid" (nothing about the configuration)
    for registry in (TokenRegistry.from_config(TOKENS, None), TokenRegistry.from_config(None, _empty(tmp_path))):
        with pytest.raises(Unauthorized) as caught:
            registry.identify("Bearer abcdefgh")
        assert caught.value.message == "the bearer token is not valid"


def _empty(tmp_path: Any) -> str:
    path = tmp_path / "tokens.txt"
    path.write_text("# no tokens yet\n")
    return str(path)


def test_read_private_is_canonical_and_read_an_alias() -> None:
    assert parse_token_line("a:abcdefgh:read").scope == "read-private"
    assert parse_token_line("a:abcdefgh:read-private").scope == "read-private"
    assert parse_token_line("a:abcdefgh").scope == "write"
    assert parse_token_line("a:abcdefgh:ADMIN").scope == "admin"
    with pytest.raises(InvalidInput, match=r"unknown scope 'root' \(read-private, write or admin\)"):
        parse_token_line("a:abcdefgh:root")
    registry = TokenRegistry.from_config(TOKENS, None)
    assert registry.identify(f"Bearer {ALIASED[1]}") == Principal(ALIASED[0], "read-private")
    with pytest.raises(Forbidden, match="has scope 'read-private'; this needs 'write'"):
        registry.require(f"Bearer {READER[1]}", "write")
    with pytest.raises(Forbidden, match="has scope 'write'; this needs 'admin'"):
        registry.require(f"Bearer {WRITER[1]}", "admin")


# --------------------------------------------------------------------------------------
# The matrix: who may do what
# --------------------------------------------------------------------------------------

Op = Callable[[Any, dict[str, str]], Any]


def _public_read(client: Any, headers: dict[str, str]) -> Any:
    return client.get("/collections/all/items?limit=2", headers=headers)


def _private_read(client: Any, headers: dict[str, str]) -> Any:
    return client.get("/collections/desk-only/items?limit=2", headers=headers)


def _raw_claim_read(client: Any, headers: dict[str, str]) -> Any:
    # With a private claim layer in the store, raw claims are private too.
    return client.get("/claims/c-gaza-1", headers=headers)


_SEQ = itertools.count(1)


def _write(client: Any, headers: dict[str, str]) -> Any:
    return client.post("/claims", json=_claim(f"c-matrix-{next(_SEQ)}"), headers=headers)


def _admin_op(client: Any, headers: dict[str, str]) -> Any:
    # defining a layer is the admin scope's operation
    body = {"title": "Matrix layer", "private": True}
    return client.put(f"/collections/matrix-{next(_SEQ)}/definition", json=body, headers=headers)


OPS: dict[str, Op] = {
    "public-read": _public_read,
    "private-read": _private_read,
    "raw-claim-read": _raw_claim_read,
    "write": _write,
    "admin-op": _admin_op,
}
CALLERS: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "read-private": READER,
    "read-alias": ALIASED,
    "write": WRITER,
    "admin": ADMIN,
}
SCOPE_OF = {"read-private": "read-private", "read-alias": "read-private", "write": "write", "admin": "admin"}
#: Expected status per caller, in the order of OPS.
EXPECTED = {
    "anonymous": (200, 401, 401, 401, 401),
    "read-private": (200, 200, 200, 403, 403),
    "read-alias": (200, 200, 200, 403, 403),
    "write": (200, 200, 200, 201, 403),
    "admin": (200, 200, 200, 201, 201),
}


def test_scope_matrix(scoped_client: Any) -> None:
    """Every caller against every kind of operation, in one store (a refused write leaves it unchanged)."""
    seen: dict[str, tuple[int, ...]] = {}
    for caller, token in CALLERS.items():
        statuses = []
        for op_name, op in OPS.items():
            r = op(scoped_client, bearer(token))
            statuses.append(r.status_code)
            if r.status_code >= 400:
                assert r.headers["content-type"] == "application/problem+json", (caller, op_name)
                if r.status_code == 401:
                    assert r.headers["www-authenticate"].startswith("Bearer")
                if r.status_code == 403:
                    assert f"has scope '{SCOPE_OF[caller]}'" in r.json()["detail"], (caller, op_name)
        seen[caller] = tuple(statuses)
    assert seen == EXPECTED
    # A private layer is not even listed for anonymous readers.
    anon = {c["id"] for c in scoped_client.get("/collections").json()["collections"]}
    reader = {c["id"] for c in scoped_client.get("/collections", headers=bearer(READER)).json()["collections"]}
    assert "desk-only" not in anon and "desk-only" in reader


def test_admin_route_records_the_admin_and_refuses_lesser_scopes(scoped_client: Any) -> None:
    r = scoped_client.put(
        "/collections/desk-only/definition", json={"title": "Desk", "private": True}, headers=bearer(ADMIN)
    )
    assert r.status_code == 200, r.text
    history = scoped_client.get("/collections/desk-only/definition/history", headers=bearer(READER)).json()
    assert history["versions"][-1]["recorded_by"] == ADMIN[0]
    r = scoped_client.delete("/collections/desk-only/definition", headers=bearer(READER))
    assert r.status_code == 403
    assert "'desk-reader' has scope 'read-private'; this needs 'admin'" in r.json()["detail"]


def test_every_write_route_requires_a_scope(scoped_client: Any) -> None:
    """Each route taking a write method, in the schema or not, depends on the writer or admin check."""
    from api.deps import require_admin, require_writer

    def calls(dependant: Any) -> set[Any]:
        found = {dependant.call}
        for sub in dependant.dependencies:
            found |= calls(sub)
        return found

    unguarded = [
        f"{sorted(route.methods)} {route.path}"
        for route in scoped_client.app.routes
        if isinstance(route, APIRoute)
        and {m.lower() for m in route.methods} & set(WRITE_METHODS)
        and not calls(route.dependant) & {require_writer, require_admin}
    ]
    assert unguarded == []


# --------------------------------------------------------------------------------------
# Every write recorded with the token's name
# --------------------------------------------------------------------------------------


def _claim(cid: str, **props: Any) -> dict[str, Any]:
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


Written = list[tuple[str, str]]  # ("claim" | "zone" | "layer", id)
AUTH = bearer(WRITER)
ADMIN_AUTH = bearer(ADMIN)


def _post_reports(client: Any) -> Written:
    r = client.post(
        "/reports",
        json={
            "text": "An airstrike hit a house in Khan Younis on Thursday, the Gaza health ministry said.",
            "published": "2023-12-08",
            "source": {"name": "Desk Wire", "kind": "news"},
        },
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    assert r.json()["features"], "the report gave no claim to check"
    return [("claim", f["id"]) for f in r.json()["features"]]


def _post_claims(client: Any) -> Written:
    r = client.post("/claims", json={"type": "FeatureCollection", "features": [_claim("c-desk-1")]}, headers=AUTH)
    assert r.status_code == 201, r.text
    return [("claim", "c-desk-1")]


def _patch_claim(client: Any) -> Written:
    etag = client.get("/claims/c-gaza-2", headers=AUTH).headers["etag"]
    r = client.patch("/claims/c-gaza-2", json={"claimant": "desk correction"}, headers={**AUTH, "If-Match": etag})
    assert r.status_code == 200, r.text
    return [("claim", "c-gaza-2")]


def _retract_claim(client: Any) -> Written:
    r = client.post("/claims/c-ky-1/retract", json={"reason": "desk retracts"}, headers=AUTH)
    assert r.status_code == 200, r.text
    return [("claim", "c-ky-1")]


def _post_zones(client: Any) -> Written:
    zone = {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "order_type": "evacuate",
            "issuer": "Israeli military",
            "issued_at": "2023-12-02",
            "block_ids": ["55"],
        },
    }
    r = client.post("/zones", json=zone, headers=AUTH)
    assert r.status_code == 201, r.text
    return [("zone", f["id"]) for f in r.json()["features"]]


def _put_definition(client: Any) -> Written:
    r = client.put("/collections/desk-new/definition", json={"title": "Desk new", "private": True}, headers=ADMIN_AUTH)
    assert r.status_code == 201, r.text
    etag = r.headers["etag"]
    r = client.put(
        "/collections/desk-new/definition",
        json={"title": "Desk new, renamed", "private": True},
        headers={**ADMIN_AUTH, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    return [("layer", "desk-new")]


def _delete_definition(client: Any) -> Written:
    r = client.delete("/collections/desk-only/definition", headers=ADMIN_AUTH)
    assert r.status_code == 204, r.text
    return [("layer", "desk-only")]


#: How to perform each write operation of the OpenAPI document; a new one must be added here.
EXERCISERS: dict[tuple[str, str], Callable[[Any], Written]] = {
    ("post", "/reports"): _post_reports,
    ("post", "/claims"): _post_claims,
    ("patch", "/claims/{claim_id}"): _patch_claim,
    ("post", "/claims/{claim_id}/retract"): _retract_claim,
    ("post", "/zones"): _post_zones,
    ("put", "/collections/{collection_id}/definition"): _put_definition,
    ("delete", "/collections/{collection_id}/definition"): _delete_definition,
}


def write_operations(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document that writes."""
    return sorted((m, path) for path, item in openapi["paths"].items() for m in item if m in WRITE_METHODS)


def test_every_write_operation_is_recorded_with_the_token_name(scoped_client: Any) -> None:
    operations = write_operations(scoped_client.app.openapi())
    assert operations, "the OpenAPI document lists no write operation"
    unknown = [op for op in operations if op not in EXERCISERS]
    assert not unknown, f"write operations this test cannot exercise (add them to EXERCISERS): {unknown}"
    # Write routes hidden from the schema would escape the walk above.
    hidden = [
        (m.lower(), route.path)
        for route in scoped_client.app.routes
        if isinstance(route, APIRoute) and not route.include_in_schema
        for m in route.methods
        if m.lower() in WRITE_METHODS
    ]
    assert hidden == []

    store = scoped_client.app.state.store
    checked = []
    for op in operations:
        written = EXERCISERS[op](scoped_client)
        assert written, op
        for kind, oid in written:
            if kind == "claim":
                r = scoped_client.get(f"/claims/{oid}/history", headers=AUTH)
                assert r.status_code == 200, r.text
                versions = [f["properties"] for f in r.json()["features"]]
                newest = max(versions, key=lambda p: p["version"])
                assert newest["recorded_by"] == WRITER[0], (op, oid, versions)
                assert all(p["recorded_by"] in ("fixture", WRITER[0]) for p in versions)
            elif kind == "zone":
                history = store.zone_history(oid)
                assert history and history[-1].recorded_by == WRITER[0], (op, oid)
            else:
                r = scoped_client.get(f"/collections/{oid}/definition/history", headers=AUTH)
                assert r.status_code == 200, r.text
                versions = r.json()["versions"]
                assert versions[-1]["recorded_by"] == ADMIN[0], (op, oid, versions)
                # every version written over HTTP names its token (the fixture's was put from Python)
                assert all(v["recorded_by"] in (None, ADMIN[0]) for v in versions)
                assert (op[0] == "delete") == versions[-1]["deleted"], (op, versions)
            checked.append((op, kind, oid))
    assert {c[0] for c in checked} == set(operations)


def test_an_unknown_write_operation_fails_the_walk() -> None:
    """The guard itself: an operation missing from EXERCISERS is reported, not skipped."""
    doc = {"paths": {"/claims": {"post": {}}, "/layers/{id}": {"delete": {}, "get": {}}}}
    ops = write_operations(doc)
    assert ops == [("delete", "/layers/{id}"), ("post", "/claims")]
    assert [op for op in ops if op not in EXERCISERS] == [("delete", "/layers/{id}")]
