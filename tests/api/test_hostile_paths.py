"""Path traversal in every path parameter and SQL metacharacters in every filter: 400/404 or empty, never a file read.

Both store backends: after every hostile query the store still answers with the
same data (nothing dropped, nothing rewritten).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import CLAIMS

TRAVERSALS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252F..%252Fetc%252Fpasswd",
    "....//....//etc/passwd",
    "..\\..\\etc\\passwd",
    "%c0%ae%c0%ae/etc/passwd",
    "/etc/passwd",
    "etc/passwd%00.js",
]

TEMPLATES = [
    "/collections/{p}",
    "/collections/{p}/items",
    "/collections/all/items/{p}",
    "/collections/{p}/likelihood.tif",
    "/collections/all/tiles/{p}/1/1.png",
    "/collections/all/tiles/1/{p}/1.png",
    "/collections/all/tiles/1/1/{p}.png",
    "/maps/{p}",
    "/maps/{p}.png",
    "/maps/{p}/data.json",
    "/maps/all/incident/{p}.json",
    "/embed/{p}",
    "/static/{p}",
    "/claims/{p}",
    "/claims/{p}/history",
    "/problems/{p}",
]


def _assert_refused(resp: Any, url: str) -> None:
    assert resp.status_code in (400, 404, 405), (url, resp.status_code, resp.text[:300])
    assert "root:" not in resp.text and "/bin/" not in resp.text, url
    if resp.status_code != 405:
        assert resp.headers["content-type"].startswith("application/problem+json"), url


@pytest.mark.parametrize("template", TEMPLATES)
def test_traversal_in_path_parameters_is_refused(ro_client: Any, template: str) -> None:
    for payload in TRAVERSALS:
        url = template.format(p=payload)
        _assert_refused(ro_client.get(url), url)


def test_static_serves_only_its_assets(ro_client: Any) -> None:
    for path in ("/static/../api/app.py", "/static/..%2fapi%2fapp.py", "/static/%2e%2e/pyproject.toml"):
        resp = ro_client.get(path)
        assert resp.status_code in (400, 404), (path, resp.status_code)
        assert "create_app" not in resp.text and "[project]" not in resp.text


SQL = [
    "' OR 1=1 --",
    '"; DROP TABLE claims; --',
    "%",
    "_",
    "%%",
    "\\",
    "a'b",
    "x\x00y",
    "\x00",
    "'; SELECT pg_sleep(5); --",
]
STRING_FILTERS = ["source", "claimant", "event_type", "status"]


def _all_ids(client: Any) -> set[str]:
    resp = client.get("/collections/all/items", params={"limit": 50, "f": "json"})
    assert resp.status_code == 200, resp.text
    return {f["id"] for f in resp.json()["features"]}


@pytest.mark.parametrize("name", STRING_FILTERS)
def test_sql_metacharacters_in_string_filters(ro_client: Any, name: str) -> None:
    before = _all_ids(ro_client)
    for value in SQL:
        resp = ro_client.get("/collections/all/items", params={name: value, "f": "json"})
        assert resp.status_code in (200, 400), (name, value, resp.status_code, resp.text[:300])
        if resp.status_code == 200:
            assert resp.json()["features"] == [], (name, value)
        else:
            assert resp.headers["content-type"].startswith("application/problem+json")
    assert _all_ids(ro_client) == before


def test_like_wildcards_are_literal(ro_client: Any) -> None:
    """'%' and '_' must not act as patterns: a source filter of '%' matches no claim."""
    for value in ("%", "_xample Wire", "Example%"):
        resp = ro_client.get("/collections/all/items", params={"source": value, "f": "json"})
        assert resp.status_code == 200 and resp.json()["numberMatched"] == 0, value
    resp = ro_client.get("/collections/all/items", params={"source": "Example Wire", "f": "json", "limit": 50})
    assert resp.json()["numberMatched"] == sum(1 for c in CLAIMS if c.source == "Example Wire")


@pytest.mark.parametrize("name", ["bbox", "datetime", "as_of", "limit", "offset", "min_geo_precision"])
def test_sql_metacharacters_in_structured_filters_are_400(ro_client: Any, name: str) -> None:
    before = _all_ids(ro_client)
    for value in SQL:
        resp = ro_client.get("/collections/all/items", params={name: value, "f": "json"})
        assert resp.status_code == 400, (name, value, resp.status_code, resp.text[:300])
        assert resp.json()["parameter"] == name
    assert _all_ids(ro_client) == before


@pytest.mark.parametrize("name", ["order_type", "issuer", "active_at", "datetime", "bbox"])
def test_sql_metacharacters_in_zone_filters(ro_client: Any, name: str) -> None:
    for value in SQL:
        resp = ro_client.get("/collections/evacuation-orders/items", params={name: value, "f": "json"})
        assert resp.status_code in (200, 400), (name, value, resp.status_code, resp.text[:300])
        if resp.status_code == 200:
            assert resp.json()["features"] == []
    resp = ro_client.get("/collections/evacuation-orders/items", params={"f": "json"})
    assert resp.json()["numberMatched"] == 3


def test_metacharacters_in_feature_ids(ro_client: Any) -> None:
    for value in SQL:
        resp = ro_client.get("/collections/all/items/" + quote(value, safe=""), params={"f": "json"})
        assert resp.status_code in (400, 404), (value, resp.status_code, resp.text[:300])
    assert ro_client.get("/collections/all/items/c-gaza-1", params={"f": "json"}).status_code == 200


@pytest.mark.parametrize("field", ["claimant", "source", "quote", "place_text"])
def test_nul_in_a_posted_string_is_a_clear_4xx_on_both_backends(api_client: Any, field: str) -> None:
    from tests.api.conftest import AUTH

    feature = {
        "type": "Feature",
        "id": "c-nul",
        "geometry": {"type": "Point", "coordinates": [34.45, 31.5]},
        "properties": {
            "event_type": "airstrike",
            "claimant": "Civil defence",
            "source": "Wire",
            "uncertainty_m": 500,
            field: "a\u0000b",
        },
    }
    resp = api_client.post("/claims", json=feature, headers=AUTH)
    assert resp.status_code in (400, 422), (resp.status_code, resp.text[:300])
    assert (
        "NUL" in resp.json()["detail"]
        or "\\u0000" in resp.json()["detail"]
        or "null character" in resp.json()["detail"]
    )
    assert api_client.get("/collections/all/items/c-nul", params={"f": "json"}).status_code == 404
