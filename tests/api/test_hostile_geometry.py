"""Hostile GeoJSON posted to ``POST /claims`` and ``POST /zones``: always a clear 4xx problem, nothing stored.

Invalid, self-intersecting, empty, 3D, out-of-range, wrongly wound, nested
collections and huge (1M vertex) geometries. A refused batch leaves the store as it
was; an accepted odd-but-legal geometry (3D, clockwise ring) is stored in a normal form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import AUTH, TOKENS, fill_store

CLAIM_PROPS = {
    "event_type": "airstrike",
    "claimant": "Civil defence",
    "source": "Example Wire",
    "uncertainty_m": 800,
    "valid_from": "2023-12-09T00:00:00Z",
    "valid_to": "2023-12-09T23:59:59Z",
    "time_precision": "day",
}
ZONE_PROPS = {"order_type": "evacuate", "issuer": "Israeli military", "issued_at": "2023-12-02"}

SQUARE = [[34.40, 31.45], [34.45, 31.45], [34.45, 31.50], [34.40, 31.50], [34.40, 31.45]]
BOWTIE = [[34.40, 31.45], [34.45, 31.50], [34.45, 31.45], [34.40, 31.50], [34.40, 31.45]]

#: Geometries no store may accept, with what the problem must mention.
BAD_GEOMETRIES: dict[str, tuple[Any, str]] = {
    "bowtie": ({"type": "Polygon", "coordinates": [BOWTIE]}, "valid"),
    "two-point-ring": ({"type": "Polygon", "coordinates": [[[34.4, 31.4], [34.5, 31.5], [34.4, 31.4]]]}, ""),
    "empty-point": ({"type": "Point", "coordinates": []}, ""),
    "empty-polygon": ({"type": "Polygon", "coordinates": []}, "empty"),
    "empty-collection": ({"type": "GeometryCollection", "geometries": []}, "empty"),
    "lon-out-of-range": ({"type": "Point", "coordinates": [200.0, 31.5]}, "longitude"),
    "lat-out-of-range": ({"type": "Point", "coordinates": [34.4, -95.0]}, "latitude"),
    "swapped-far": ({"type": "Point", "coordinates": [31.5, 134.4]}, "latitude"),
    "nan": ({"type": "Point", "coordinates": ["NaN", 31.5]}, ""),
    "string-coords": ({"type": "Point", "coordinates": "34.4 31.5"}, ""),
    "null-coords": ({"type": "Point", "coordinates": None}, ""),
    "unknown-type": ({"type": "Circle", "coordinates": [34.4, 31.5], "radius": 100}, ""),
    "no-type": ({"coordinates": [34.4, 31.5]}, ""),
    "feature-as-geometry": ({"type": "Feature", "geometry": None, "properties": {}}, "Feature"),
    "nested-collections": (
        {
            "type": "GeometryCollection",
            "geometries": [
                {
                    "type": "GeometryCollection",
                    "geometries": [
                        {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "coordinates": [BOWTIE]}]}
                    ],
                }
            ],
        },
        "",
    ),
    "wrong-depth": ({"type": "Point", "coordinates": [[[[[[[[[[34.4]]]]]]]]]]}, ""),
}


@pytest.fixture
def client(tmp_path) -> Iterator[Any]:
    """A client that shows server errors as 500 responses (so a test can assert there are none)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path / "hostile.gpkg")
    fill_store(url)
    settings = Settings(db=url, tokens=TOKENS, max_body_bytes=200_000, max_vertices=100_000, rate_limit=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _counts(client: Any) -> tuple[int, int, int]:
    stats = client.app.state.store.stats()
    return stats.claims, stats.claim_versions, stats.zones


def _assert_problem(resp: Any, statuses: tuple[int, ...] = (400, 413, 422)) -> dict[str, Any]:
    assert resp.status_code in statuses, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == resp.status_code and body["detail"]
    return body


def _claim(geometry: Any, cid: str = "c-hostile") -> dict[str, Any]:
    return {"type": "Feature", "id": cid, "geometry": geometry, "properties": dict(CLAIM_PROPS)}


def _zone(geometry: Any, zid: str = "z-hostile") -> dict[str, Any]:
    return {"type": "Feature", "id": zid, "geometry": geometry, "properties": dict(ZONE_PROPS)}


@pytest.mark.parametrize("name", sorted(BAD_GEOMETRIES))
def test_bad_claim_geometry_is_refused_and_nothing_stored(client: Any, name: str) -> None:
    geometry, mention = BAD_GEOMETRIES[name]
    before = _counts(client)
    # A good feature before the bad one: the batch is all or nothing.
    body = {"type": "FeatureCollection", "features": [_claim(SQUARE[0], "c-good"), _claim(geometry)]}
    body["features"][0]["geometry"] = {"type": "Point", "coordinates": [34.42, 31.47]}
    problem = _assert_problem(client.post("/claims", json=body, headers=AUTH))
    assert mention.lower() in problem["detail"].lower()
    assert _counts(client) == before


@pytest.mark.parametrize("name", sorted(BAD_GEOMETRIES))
def test_bad_zone_geometry_is_refused_and_nothing_stored(client: Any, name: str) -> None:
    geometry, _mention = BAD_GEOMETRIES[name]
    before = _counts(client)
    body = {
        "type": "FeatureCollection",
        "features": [_zone({"type": "Polygon", "coordinates": [SQUARE]}, "z-ok"), _zone(geometry)],
    }
    _assert_problem(client.post("/zones", json=body, headers=AUTH))
    assert _counts(client) == before


@pytest.mark.parametrize("kind", ["claims", "zones", "patch"])
def test_huge_geometry_is_refused_fast_by_the_vertex_limit(tmp_path, kind: str) -> None:
    """150,000 vertices (above max_vertices=100,000, under a raised body limit): 413 naming the limit."""
    import json

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    n = 150_000
    ring = [[34.40 + 0.05 * i / n, 31.45 + (0.00001 if i % 2 else 0.0)] for i in range(n)]
    ring = [*ring, [34.45, 31.50], [34.40, 31.50], ring[0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = _zone(geometry) if kind == "zones" else _claim(geometry, "c-gaza-1")
    url = str(tmp_path / "huge.gpkg")
    fill_store(url)
    settings = Settings(db=url, tokens=TOKENS, max_body_bytes=50_000_000, max_vertices=100_000, rate_limit=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as big:
        before = _counts(big)
        headers = {**AUTH, "Content-Type": "application/geo+json"}
        data = json.dumps(feature).encode()
        if kind == "patch":
            resp = big.patch("/claims/c-gaza-1", content=data, headers=headers)
        else:
            resp = big.post(f"/{kind}", content=data, headers=headers)
        problem = _assert_problem(resp, (413,))
        assert "100000" in problem["detail"] and "vertices" in problem["detail"]
        assert _counts(big) == before


def test_a_million_vertices_is_refused_by_the_body_limit_before_parsing(client: Any) -> None:
    """The issue's 1M-vertex polygon: ~30 MB of JSON, refused from Content-Length alone."""
    import json

    n = 1_000_000
    coords = ",".join("[34.4,31.4]" for _ in range(n))
    data = json.dumps(_claim(None)).replace(
        '"geometry": null', f'"geometry": {{"type": "Polygon", "coordinates": [[{coords}]]}}'
    )
    problem = _assert_problem(
        client.post("/claims", content=data.encode(), headers={**AUTH, "Content-Type": "application/json"}), (413,)
    )
    assert "limit" in problem["detail"]


def test_3d_point_is_stored_flat(client: Any) -> None:
    resp = client.post(
        "/claims", json=_claim({"type": "Point", "coordinates": [34.42, 31.47, 120.0]}, "c-3d"), headers=AUTH
    )
    assert resp.status_code == 201, resp.text
    stored = client.app.state.store.get_claim("c-3d")
    assert stored.geometry is not None and not stored.geometry.has_z


def test_3d_zone_polygon_is_stored_flat(client: Any) -> None:
    ring3 = [[x, y, 5.0] for x, y in SQUARE]
    resp = client.post("/zones", json=_zone({"type": "Polygon", "coordinates": [ring3]}, "z-3d"), headers=AUTH)
    assert resp.status_code == 201, resp.text
    assert not client.app.state.store.get_zone("z-3d").geometry.has_z


def test_clockwise_ring_is_accepted_and_served_counter_clockwise(client: Any) -> None:
    """RFC 7946 asks for counter-clockwise exteriors; a clockwise one is the same area, served oriented."""
    import shapely

    clockwise = list(reversed(SQUARE))
    resp = client.post("/zones", json=_zone({"type": "Polygon", "coordinates": [clockwise]}, "z-cw"), headers=AUTH)
    assert resp.status_code == 201, resp.text
    zone = client.app.state.store.get_zone("z-cw")
    assert zone.geometry.area > 0
    feat = client.get("/collections/evacuation-orders/items/z-cw", params={"f": "json"}).json()
    served = shapely.geometry.shape(feat["geometry"])
    assert served.exterior.is_ccw and served.equals(zone.geometry)


def test_bowtie_zone_is_repaired_only_when_asked(client: Any) -> None:
    geom = {"type": "Polygon", "coordinates": [BOWTIE]}
    _assert_problem(client.post("/zones", json=_zone(geom, "z-bow"), headers=AUTH))
    resp = client.post("/zones?repair=true", json=_zone(geom, "z-bow"), headers=AUTH)
    assert resp.status_code == 201, resp.text
    assert "repaired" in resp.json()["features"][0]["properties"]["flags"]
