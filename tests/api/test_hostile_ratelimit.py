"""Per-client rate limits: 429 problem+json with Retry-After on writes, rasters, map PNGs and full downloads.

Clients are keyed by token name (a valid token) or IP; an invalid token does not
buy a fresh bucket; unlimited reads (item pages, metadata) never see 429; the
limiter can be switched off; the bucket refills with time (an injected clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.ratelimit import Limit, RateLimiter, classify
from tests.api.conftest import AUTH, READ_AUTH, TOKENS, fill_store


def _client(tmp_path, **overrides: Any) -> Any:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path / "rl.gpkg")
    fill_store(url)
    values = {
        "db": url,
        "tokens": TOKENS,
        "rate_writes_per_min": 1,
        "rate_writes_burst": 3,
        "rate_expensive_per_min": 1,
        "rate_expensive_burst": 2,
        "rate_tiles_per_min": 1,
        "rate_tiles_burst": 5,
        **overrides,
    }
    return TestClient(create_app(Settings(**values)), raise_server_exceptions=False)


@pytest.fixture
def limited(tmp_path) -> Iterator[Any]:
    with _client(tmp_path) as c:
        yield c


def _assert_429(resp: Any) -> None:
    assert resp.status_code == 429, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["retry-after"]) >= 1
    body = resp.json()
    assert body["code"] == "rate_limited" and body["status"] == 429 and "retry after" in body["detail"]
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_writes_are_limited_per_token(limited: Any) -> None:
    for i in range(3):
        resp = limited.post(f"/claims/c-gaza-1/retract?x={i}", json={"reason": "t"}, headers=AUTH)
        assert resp.status_code != 429
    _assert_429(limited.post("/claims/c-gaza-1/retract", json={"reason": "t"}, headers=AUTH))
    # Another token has its own budget.
    assert limited.post("/claims/c-gaza-2/retract", json={"reason": "t"}, headers=READ_AUTH).status_code != 429


def test_an_invalid_token_does_not_escape_the_ip_bucket(limited: Any) -> None:
    for i in range(3):
        limited.post("/claims", json={}, headers={"Authorization": f"Bearer made-up-{i}"})
    _assert_429(limited.post("/claims", json={}, headers={"Authorization": "Bearer made-up-new"}))


@pytest.mark.parametrize(
    "path",
    [
        "/collections/all/items?f=csv",
        "/collections/all/items?f=geojson",
        "/collections/all/items?f=kml",
        "/collections/all/likelihood.tif",
    ],
)
def test_expensive_reads_are_limited(limited: Any, path: str) -> None:
    for _ in range(2):
        assert limited.get(path).status_code != 429
    _assert_429(limited.get(path))


def test_paged_downloads_and_pages_are_not_limited(limited: Any) -> None:
    for _ in range(10):
        assert limited.get("/collections/all/items?f=csv&limit=5").status_code == 200
        assert limited.get("/collections/all/items?f=json").status_code == 200
        assert limited.get("/collections").status_code == 200


def test_tiles_have_their_own_burst(limited: Any) -> None:
    codes = [limited.get(f"/collections/all/tiles/10/{611 + i}/{425}.png").status_code for i in range(6)]
    assert 429 not in codes[:5] and codes[5] == 429


def test_limits_can_be_switched_off(tmp_path) -> None:
    with _client(tmp_path, rate_limit=False) as c:
        for _ in range(6):
            assert c.get("/collections/all/items?f=csv").status_code == 200


def test_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter({"write": Limit(per_minute=60, burst=2)}, clock=lambda: now[0])
    assert limiter.take("a", "write") == 0 and limiter.take("a", "write") == 0
    wait = limiter.take("a", "write")
    assert 0 < wait <= 1.0
    now[0] += 1.0
    assert limiter.take("a", "write") == 0
    assert limiter.take("b", "write") == 0  # clients are independent


def test_client_table_is_bounded() -> None:
    limiter = RateLimiter({"write": Limit(per_minute=60, burst=2)}, max_clients=100)
    for i in range(1000):
        limiter.take(f"ip:10.0.{i // 256}.{i % 256}", "write")
    assert len(limiter) == 100


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("POST", "/claims", b"", "write"),
        ("PATCH", "/claims/x", b"", "write"),
        ("GET", "/collections/all/items", b"f=parquet", "expensive"),
        ("GET", "/collections/all/items", b"f=GPKG", "expensive"),
        ("GET", "/collections/all/items", b"f=gpkg&limit=10", None),
        ("GET", "/collections/all/items", b"f=json", None),
        ("GET", "/maps/all.png", b"", "expensive"),
        ("GET", "/collections/all/tiles/1/2/3.png", b"", "tiles"),
        ("GET", "/maps/all", b"", None),
        ("OPTIONS", "/claims", b"", None),
    ],
)
def test_classify(method: str, path: str, query: bytes, expected: str | None) -> None:
    assert classify(method, path, query) == expected


def test_openapi_documents_429_on_limited_operations(limited: Any) -> None:
    doc = limited.get("/api", params={"f": "json"}).json()
    paths = doc["paths"]
    for path, method in [
        ("/claims", "post"),
        ("/zones", "post"),
        ("/collections/{collection_id}/items", "get"),
        ("/collections/{collection_id}/likelihood.tif", "get"),
    ]:
        assert "Retry-After" in paths[path][method]["responses"]["429"]["headers"], (path, method)
    assert "429" not in paths["/collections"]["get"]["responses"]
