"""Every error is RFC 9457 problem+json from one table; no stack trace leaves the server."""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from api.errors import STATUS_BY_CODE, Forbidden
from geo.errors import Conflict, InvalidInput, NotFound, SitmapError, StoreError, TooLarge, Unsupported
from layers.errors import StoreBusy, Unauthorized
from tests.api.conftest import AUTH

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (InvalidInput("bad value 'x'"), 400),
        (Unsupported("no such format"), 400),
        (Unauthorized("needs a token"), 401),
        (Forbidden("read-only token"), 403),
        (NotFound("no claim 'x'"), 404),
        (Conflict("stale version"), 409),
        (TooLarge("too big"), 413),
        (StoreBusy("locked"), 503),
        (StoreError("broken"), 503),
    ],
)
def test_domain_errors_map_through_one_table(gpkg_client, exc: SitmapError, status: int):
    router = APIRouter()

    @router.get("/_raise")
    def _raise() -> None:
        raise exc

    gpkg_client.app.include_router(router)
    body = assert_problem(gpkg_client.get("/_raise"), status)
    assert body["detail"] == exc.message and body["code"] == exc.code
    assert STATUS_BY_CODE[exc.code][0] == status
    if status == 503:
        assert gpkg_client.get("/_raise").headers["retry-after"]


def test_unexpected_error_is_500_without_stack(gpkg_client, caplog):
    router = APIRouter()

    @router.get("/_boom")
    def _boom() -> None:
        raise RuntimeError("secret internal state /etc/passwd")

    gpkg_client.app.include_router(router)
    with caplog.at_level("ERROR", logger="sitmap.api"):
        r = gpkg_client.get("/_boom")
    body = assert_problem(r, 500)
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert body["code"] == "internal"
    assert any("secret internal state" in (rec.exc_text or str(rec.exc_info)) for rec in caplog.records)
    assert r.headers["x-content-type-options"] == "nosniff"  # security headers even on a 500


def test_store_failure_in_a_route_is_500_problem(gpkg_client, monkeypatch):
    store = gpkg_client.app.state.store

    def broken(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(store, "query_claims", broken)
    monkeypatch.setattr(store, "query_claim_features", broken)
    monkeypatch.setattr(store, "claim_feature_page", broken)  # the items path: features written by the database
    assert_problem(gpkg_client.get("/collections/all/items"), 500)


def test_404_unknown_path_and_405(gpkg_client):
    body = assert_problem(gpkg_client.get("/no/such/path"), 404)
    assert "/no/such/path" in body["detail"]
    body = assert_problem(gpkg_client.delete("/collections"), 405)
    assert "DELETE" in body["detail"]


def test_400_names_the_parameter(gpkg_client):
    body = assert_problem(gpkg_client.get("/collections/all/items?bbox=1,2,3"), 400)
    assert body["parameter"] == "bbox" and "1,2,3" in body["detail"]
    body = assert_problem(gpkg_client.get("/collections/strikes/tiles/1/0/0.png?ramp=rainbow"), 400)
    assert body["parameter"] == "ramp"
    body = assert_problem(gpkg_client.get("/collections/strikes/tiles/30/0/0.png"), 400)
    assert body["parameter"] == "z"


def test_401_403(gpkg_client):
    assert_problem(gpkg_client.post("/claims", json={}), 401)
    from tests.api.conftest import READ_AUTH

    assert_problem(gpkg_client.post("/claims", json={}, headers=READ_AUTH), 403)


def test_412_415_422(gpkg_client):
    assert_problem(gpkg_client.patch("/claims/c-ky-1", json={}, headers={**AUTH, "If-Match": '"v7"'}), 412)
    assert_problem(gpkg_client.patch("/claims/c-ky-1", json={}, headers={**AUTH, "If-Match": "garbage"}), 412)
    r = gpkg_client.post("/claims", content=b"<xml/>", headers={**AUTH, "Content-Type": "application/xml"})
    assert_problem(r, 415)
    assert_problem(gpkg_client.post("/claims", json={"type": "Feature"}, headers=AUTH), 422)


def test_413_declared_length(gpkg_client):
    big = b'{"type":"FeatureCollection","features":[' + b" " * 300_000 + b"]}"
    r = gpkg_client.post("/claims", content=big, headers={**AUTH, "Content-Type": "application/json"})
    body = assert_problem(r, 413)
    assert "200000" in body["detail"]


def test_413_chunked_body_without_length(gpkg_client):
    def chunks():
        yield b'{"type":"FeatureCollection","features":['
        for _ in range(100):
            yield b" " * 10_000
        yield b"]}"

    r = gpkg_client.post("/claims", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert_problem(r, 413)
    assert gpkg_client.get("/collections/all/items").status_code == 200  # the service carries on


def test_problem_types_are_documented(gpkg_client):
    r = gpkg_client.get("/collections/all/items?bbox=x")
    ptype = r.json()["type"]
    doc = gpkg_client.get(ptype)
    assert doc.status_code == 200 and "query parameter" in doc.json()["description"]
    assert_problem(gpkg_client.get("/problems/no_such_problem"), 404)


@pytest.mark.parametrize(
    "path",
    ["/?f=xml", "/conformance?x=1", "/api?f=yaml", "/collections?limit=3", "/collections/all?bbox=1,2,3,4"],
)
def test_metadata_endpoints_refuse_unknown_parameters_and_formats(gpkg_client, path):
    assert_problem(gpkg_client.get(path), 400)


def test_healthz_without_an_open_store_is_503(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    client = TestClient(create_app(Settings(db=str(tmp_path / "never-opened.gpkg"))))  # no lifespan run
    body = assert_problem(client.get("/healthz"), 503)
    assert "store" in body["detail"]
    ok = TestClient(create_app(Settings(db=str(tmp_path / "opened.gpkg"))))
    with ok:
        health = ok.get("/healthz").json()
    assert health["status"] == "ok" and health["store"]["backend"] == "gpkg"
    assert all(health["versions"][k] for k in ("sitmap", "gdal", "proj", "geos"))


@pytest.mark.parametrize(
    ("status", "message", "shown"),
    [
        (503, "/srv/sitmap/data/store.gpkg stayed locked; try again", "<server path> stayed locked; try again"),
        (503, "cannot write /var/tmp/.sitmap-x.gpkg: no space left", "cannot write <server path>: no space left"),
        (503, "C:\\data\\sitmap.gpkg is busy", "<server path> is busy"),
        (503, "the store is not open (the service is starting or stopping)", None),
        (400, "unknown layer 'a/b/c'", None),
    ],
)
def test_server_errors_name_no_server_file(status: int, message: str, shown: str | None) -> None:
    from api.errors import public_message

    assert public_message(status, message) == (shown if shown is not None else message)
