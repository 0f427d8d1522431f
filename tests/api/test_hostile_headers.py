"""Security headers on every page type: CSP without unsafe-eval, nosniff, Referrer-Policy, framing rules.

``/embed`` pages may be framed where ``settings.frame_ancestors`` says (CSP
``frame-ancestors``) and carry no ``X-Frame-Options``; every other page is
``frame-ancestors 'self'`` / ``SAMEORIGIN``. Problems (404, 400, 429) and binary
responses (PNG tiles, static assets) get the same headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import TOKENS, fill_store

ANCESTORS = "https://news.example https://blog.example"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path_factory.mktemp("headers") / "headers.gpkg")
    fill_store(url)
    settings = Settings(
        db=url, tokens=TOKENS, frame_ancestors=ANCESTORS, rate_expensive_burst=1, rate_expensive_per_min=1
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


PAGES = {
    "landing-html": ("/?f=html", 200),
    "landing-json": ("/?f=json", 200),
    "collections-html": ("/collections?f=html", 200),
    "items-html": ("/collections/all/items?f=html", 200),
    "items-json": ("/collections/all/items?f=json", 200),
    "item-html": ("/collections/all/items/c-gaza-1?f=html", 200),
    "api": ("/api", 200),
    "map": ("/maps/all", 200),
    "map-data": ("/maps/all/data.json", 200),
    "oembed": ("/oembed?url=http://testserver/maps/all", 200),
    "static": ("/static/boundaries.geojson", 200),
    "tile": ("/collections/all/tiles/10/611/425.png", 200),
    "problem-404": ("/no/such/page", 404),
    "problem-400": ("/collections/all/items?bbox=1,2", 400),
    "healthz": ("/healthz", 200),
}


def _common(resp: Any, name: str) -> None:
    h = resp.headers
    assert h.get("x-content-type-options") == "nosniff", name
    assert h.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer", "same-origin"), name
    csp = h.get("content-security-policy", "")
    assert "unsafe-eval" not in csp, name
    if resp.headers.get("content-type", "").startswith("text/html"):
        assert csp, f"{name}: an HTML page without a CSP"
        assert "object-src 'none'" in csp and "base-uri" in csp, name


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_type_has_security_headers(client: Any, name: str) -> None:
    path, status = PAGES[name]
    resp = client.get(path)
    assert resp.status_code == status, (name, resp.status_code, resp.text[:200])
    _common(resp, name)
    assert resp.headers.get("x-frame-options") == "SAMEORIGIN", name
    csp = resp.headers.get("content-security-policy")
    if csp:
        assert "frame-ancestors 'self'" in csp, name


def test_embed_is_framable_only_where_settings_say(client: Any) -> None:
    resp = client.get("/embed/all")
    assert resp.status_code == 200
    _common(resp, "embed")
    assert "x-frame-options" not in resp.headers
    csp = resp.headers["content-security-policy"]
    assert f"frame-ancestors {ANCESTORS}" in csp
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp


def test_map_page_is_not_framable_elsewhere(client: Any) -> None:
    resp = client.get("/maps/all")
    csp = resp.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and ANCESTORS not in csp
    assert "connect-src 'self'" in csp


def test_rate_limited_and_head_responses_have_headers(client: Any) -> None:
    client.get("/collections/all/items?f=csv")
    resp = client.get("/collections/all/items?f=csv")
    assert resp.status_code == 429
    _common(resp, "429")
    head = client.head("/maps/all")
    assert head.status_code == 200
    _common(head, "HEAD /maps")
    assert "unsafe-eval" not in head.headers["content-security-policy"]


def test_writes_are_not_cross_origin(client: Any) -> None:
    """CORS is for reads: a preflight for POST gets no Access-Control-Allow-Methods listing POST."""
    resp = client.options(
        "/claims",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "POST" not in resp.headers.get("access-control-allow-methods", "")
    read = client.get("/collections", headers={"Origin": "https://news.example"})
    assert read.headers.get("access-control-allow-origin") in ("*", "https://news.example")
