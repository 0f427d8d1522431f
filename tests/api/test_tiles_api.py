"""OGC API - Tiles: vector tiles and tileset metadata of claim, incident and zone collections, both stores."""

from __future__ import annotations

import math
import shutil
import subprocess
from typing import Any

import mapbox_vector_tile
import pytest

from tests.api.conftest import READ_AUTH, ro_client  # noqa: F401  (module-scoped client of each backend)
from tests.conftest import require

TMS = "WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """(z, x, y) of the WebMercatorQuad tile holding a point: x the column from the west, y the row from the north."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, x, y


def tile_url(collection: str, lon: float, lat: float, z: int, query: str = "") -> str:
    z, x, y = tile_of(lon, lat, z)
    return f"/collections/{collection}/tiles/{TMS}/{z}/{x}/{y}{query}"


def decode(body: bytes) -> dict[str, Any]:
    return dict(mapbox_vector_tile.decode(body)) if body else {}


def ids(layers: dict[str, Any], name: str) -> set[str]:
    return {f["properties"]["id"] for f in layers.get(name, {}).get("features", [])}


# The fixture claims around Gaza City / Jabalia (z10 holds the north of the Strip).
GAZA = (34.4667, 31.5017)


def test_claim_tile_carries_what_a_popup_starts_with(ro_client: Any) -> None:  # noqa: F811
    r = ro_client.get(tile_url("all", *GAZA, 10))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MVT
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"]
    layers = decode(r.content)
    got = ids(layers, "all")
    assert {"c-gaza-1", "c-gaza-2", "c-jab-1"} <= got
    assert "c-rafah-1" not in got and "c-talks-1" not in got
    props = next(f["properties"] for f in layers["all"]["features"] if f["properties"]["id"] == "c-gaza-1")
    item = ro_client.get("/collections/all/items/c-gaza-1").json()["properties"]
    for key in ("event_type", "valid_from", "valid_to", "time_precision", "claimant", "source", "status"):
        assert props[key] == item[key], key
    assert props["uncertainty_m"] == item["uncertainty_m"]
    assert layers["all"]["extent"] == 4096


def test_no_tile_feature_drops_one_of_the_four(ro_client: Any) -> None:  # noqa: F811
    """Who says it, where it was said, when and how sure: in every claim, incident and zone of a tile."""
    for layer, lon, lat, z in (("all", *GAZA, 10), ("incidents", *GAZA, 10), ("evacuation-orders", 34.30, 31.35, 11)):
        feats = decode(ro_client.get(tile_url(layer, lon, lat, z)).content)[layer]["features"]
        assert feats, layer
        when = ("effective_from",) if layer == "evacuation-orders" else ("valid_from", "valid_to")
        who = "issuer" if layer == "evacuation-orders" else "claimant"
        for f in feats:
            props = f["properties"]
            item = ro_client.get(f"/collections/{layer}/items/{props['id']}").json()["properties"]
            four = (who, "source", *when, "uncertainty_m")
            missing = [k for k in four if item.get(k) not in (None, "") and props.get(k) in (None, "")]
            assert not missing, (layer, props["id"], missing)
            assert props.get(who) and props.get(when[0]) and props.get("uncertainty_m") is not None, props


def test_each_claim_is_in_exactly_one_tile_per_zoom(ro_client: Any) -> None:  # noqa: F811
    # the four z9 tiles around the Strip together hold every located claim of the region once
    seen: list[str] = []
    for y in range(207, 210):
        for x in range(303, 306):
            r = ro_client.get(f"/collections/all/tiles/{TMS}/9/{x}/{y}")
            assert r.status_code in (200, 204)
            seen += [f["properties"]["id"] for f in decode(r.content).get("all", {}).get("features", [])]
    assert len(seen) == len(set(seen))
    assert {"c-gaza-1", "c-gaza-2", "c-ky-1", "c-ky-2", "c-rafah-1", "c-jab-1", "c-rocket-1"} <= set(seen)


def test_tile_urls_are_zoom_column_row(ro_client: Any) -> None:  # noqa: F811
    # issue 18's contract: /tiles/{tms}/{z}/{x}/{y}, x the column from the west, y the row from the north
    z, x, y = tile_of(*GAZA, 10)
    assert (x, y) == (610, 417)  # Gaza City: column 610, row 417 at z10
    right = ro_client.get(f"/collections/all/tiles/{TMS}/{z}/{x}/{y}")
    assert right.status_code == 200 and "c-gaza-1" in ids(decode(right.content), "all")
    swapped = ro_client.get(f"/collections/all/tiles/{TMS}/{z}/{y}/{x}")
    assert swapped.status_code == 204  # column 417, row 610: the South Atlantic, nothing there
    assert "c-gaza-1" not in ids(decode(swapped.content), "all")


def test_tiles_honour_datetime_filters_and_the_layer(ro_client: Any) -> None:  # noqa: F811
    day = ids(decode(ro_client.get(tile_url("all", *GAZA, 10, "?datetime=2023-12-02")).content), "all")
    assert "c-gaza-2" in day and "c-jab-1" in day and "c-gaza-1" not in day
    shelling = decode(ro_client.get(tile_url("all", *GAZA, 10, "?event_type=shelling")).content)
    assert ids(shelling, "all") == {"c-gaza-2"}
    strikes = decode(ro_client.get(tile_url("strikes", *GAZA, 10)).content)
    assert "c-jab-1" not in ids(strikes, "strikes")  # a shooting is not in the strikes layer
    empty = ro_client.get(tile_url("all", *GAZA, 10, "?datetime=2020-01-01"))
    assert empty.status_code == 204 and empty.content == b""


def test_as_of_tiles_are_immutable_and_show_what_was_known(ro_client: Any) -> None:  # noqa: F811
    before = ro_client.get(tile_url("all", *GAZA, 10, "?as_of=2001-01-01T00:00:00Z"))
    assert before.status_code == 204
    assert before.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = ro_client.get(tile_url("all", *GAZA, 10, "?as_of=2001-01-01T00:00:00Z"))
    assert again.headers["etag"] == before.headers["etag"]


def test_zone_tiles_are_clipped_polygons_and_incident_tiles_group_claims(ro_client: Any) -> None:  # noqa: F811
    zones = decode(ro_client.get(tile_url("evacuation-orders", 34.30, 31.35, 11)).content)
    feats = zones["evacuation-orders"]["features"]
    assert {f["properties"]["id"] for f in feats} >= {"z-ky"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in feats)
    ky = next(f for f in feats if f["properties"]["id"] == "z-ky")["properties"]
    assert ky["order_type"] == "evacuate" and ky["lifted_at"] == "2024-01-10T00:00:00Z"
    incidents = decode(ro_client.get(tile_url("incidents", *GAZA, 10)).content)
    feats = incidents["incidents"]["features"]
    assert feats and all(f["properties"]["id"].startswith("inc-") for f in feats)
    assert all(f["properties"]["independent_sources"] >= 1 for f in feats)


def test_a_crowded_tile_carries_grid_clusters(ro_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from layers import tiles

    monkeypatch.setattr(tiles, "TILE_MAX_FEATURES", 2)
    layers = decode(ro_client.get(tile_url("all", *GAZA, 8, "?as_of=2099-01-01T00:00:00Z")).content)
    assert "all" not in layers
    clusters = layers["all-clusters"]["features"]
    assert sum(f["properties"]["count"] for f in clusters) == 8  # every located claim of the Strip, once
    assert all({"count", "event_type"} <= f["properties"].keys() for f in clusters)


def _without_store_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make both stores build tiles the generic way (records -> contract features -> Python encoder)."""
    from layers.store.gpkg import GpkgStore
    from layers.store.postgis import PostgisStore

    for cls in (GpkgStore, PostgisStore):
        monkeypatch.delattr(cls, "claim_tile")
        monkeypatch.delattr(cls, "tile_clusters")


def _same_tile(fast: dict[str, Any], slow: dict[str, Any]) -> None:
    assert fast.keys() == slow.keys()
    for name in fast:
        a, b = fast[name]["features"], slow[name]["features"]
        assert [f["properties"] for f in a] == [f["properties"] for f in b], name
        for fa, fb in zip(a, b, strict=True):  # cluster means may round one tile unit apart
            (xa, ya), (xb, yb) = fa["geometry"]["coordinates"], fb["geometry"]["coordinates"]
            assert abs(xa - xb) <= 1 and abs(ya - yb) <= 1, (name, fa, fb)


@pytest.mark.parametrize("cap", [2, 2000])
def test_store_tiles_are_the_generic_tiles(ro_client: Any, monkeypatch: pytest.MonkeyPatch, cap: int) -> None:  # noqa: F811
    # each store's own tile (GeoPackage: R-tree rows; PostGIS: ST_AsMVT) equals the one built from records
    from layers import tiles

    monkeypatch.setattr(tiles, "TILE_MAX_FEATURES", cap)
    monkeypatch.setattr(ro_client.app.state, "response_cache", None, raising=False)
    urls = [tile_url("all", *GAZA, z, "?as_of=2099-01-01T00:00:00Z") for z in (8, 10, 12)]
    urls.append(tile_url("all", *GAZA, 10, "?datetime=2023-12-02"))
    fast = [decode(ro_client.get(u).content) for u in urls]
    assert fast[0] and (("all-clusters" in fast[0]) == (cap == 2))
    _without_store_tiles(monkeypatch)
    for url, got in zip(urls, fast, strict=True):
        _same_tile(got, decode(ro_client.get(url).content))


def test_claim_tiles_read_no_records(ro_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    # a tile reads the tile's rows in SQL, never every claim of its box as records
    from layers.store.sqlreads import SqlReads

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a tile must not read claim records")

    monkeypatch.setattr(ro_client.app.state, "response_cache", None, raising=False)
    monkeypatch.setattr(SqlReads, "query_claims", refuse)
    r = ro_client.get(tile_url("all", *GAZA, 10, "?as_of=2099-01-01T00:00:00Z"))
    assert r.status_code == 200 and "c-gaza-1" in ids(decode(r.content), "all")


def test_a_crowded_incident_tile_carries_claim_clusters(ro_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from layers import tiles
    from layers.collection import LayerView

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a crowded incident tile must not group its claims")

    monkeypatch.setattr(ro_client.app.state, "response_cache", None, raising=False)
    monkeypatch.setattr(tiles, "TILE_MAX_FEATURES", 2)
    monkeypatch.setattr(LayerView, "incidents", refuse)
    layers = decode(ro_client.get(tile_url("incidents", *GAZA, 8, "?as_of=2099-01-01T00:00:00Z")).content)
    assert "incidents" not in layers
    clusters = layers["incidents-clusters"]["features"]
    assert sum(f["properties"]["count"] for f in clusters) == 8  # the Strip's located claims, once
    doc = ro_client.get(f"/collections/incidents/tiles/{TMS}").json()
    crowded = next(layer for layer in doc["layers"] if layer["id"] == "incidents-clusters")
    assert "more than 2 claims" in crowded["description"] and "not incidents" in crowded["description"]


def test_tile_errors_are_problems(ro_client: Any) -> None:  # noqa: F811
    for path, status in (
        (f"/collections/all/tiles/{TMS}/23/0/0", 404),
        (f"/collections/all/tiles/{TMS}/2/4/0", 404),
        ("/collections/all/tiles/WorldCRS84Quad/2/0/0", 404),
        (f"/collections/nope/tiles/{TMS}/2/0/0", 404),
        (f"/collections/all/tiles/{TMS}/x/0/0", 400),
        (f"/collections/all/tiles/{TMS}/2/0/0?limit=3", 400),
        (f"/collections/all/tiles/{TMS}/2/0/0?datetime=yesterday", 400),
        (f"/collections/all/tiles/{TMS}/2/0/0?event_type=picnic", 400),
    ):
        r = ro_client.get(path)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json", path


def test_tileset_metadata_documents(ro_client: Any) -> None:  # noqa: F811
    conf = ro_client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf
    coll = ro_client.get("/collections/all").json()
    rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    assert any(link["rel"] == rel and link["href"].endswith("/collections/all/tiles") for link in coll["links"])
    listing = ro_client.get("/collections/all/tiles").json()
    (ts,) = listing["tilesets"]
    assert ts["dataType"] == "vector" and ts["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    doc = ro_client.get(f"/collections/all/tiles/{TMS}?datetime=2023-12-02").json()
    item = next(link for link in doc["links"] if link["rel"] == "item")
    assert item["type"] == MVT and item["templated"] is True
    assert item["href"].endswith(
        f"/collections/all/tiles/{TMS}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}?datetime=2023-12-02"
    )
    assert {layer["id"] for layer in doc["layers"]} == {"all", "all-clusters"}
    assert doc["layers"][0]["propertiesSchema"]["properties"]["uncertainty_m"] == {"type": "number"}
    scheme = next(link for link in doc["links"] if link["rel"].endswith("/tiling-scheme"))
    tms = ro_client.get(scheme["href"].split("testserver")[-1]).json()
    assert tms["id"] == TMS and len(tms["tileMatrices"]) == 25
    assert ro_client.get("/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == TMS
    assert ro_client.get(f"/collections/evacuation-orders/tiles/{TMS}").json()["layers"][0]["dataType"] == "polygons"
    assert ro_client.get("/tileMatrixSets/Nope").status_code == 404


def test_private_layer_tiles_need_a_token(api_client: Any) -> None:
    from tests.api.conftest import ADMIN_AUTH

    r = api_client.put("/collections/desk/definition", json={"title": "Desk", "private": True}, headers=ADMIN_AUTH)
    assert r.status_code in (200, 201), r.text
    assert api_client.get(tile_url("desk", *GAZA, 10)).status_code == 401
    authed = api_client.get(tile_url("desk", *GAZA, 10), headers=READ_AUTH)
    assert authed.status_code == 200 and "c-gaza-1" in ids(decode(authed.content), "desk")
    assert authed.headers["cache-control"].startswith("private")


def test_publication_policy_applies_to_tiles(api_client: Any) -> None:
    from tests.api.conftest import ADMIN_AUTH

    body = {"title": "Public strikes", "filter": {"event_types": ["airstrike"]}, "policy": {"snap_m": 5000}}
    assert api_client.put("/collections/coarse/definition", json=body, headers=ADMIN_AUTH).status_code in (200, 201)
    public = decode(api_client.get(tile_url("coarse", *GAZA, 8)).content)
    exact = decode(api_client.get(tile_url("coarse", *GAZA, 8), headers=READ_AUTH).content)
    pub = {f["properties"]["id"]: f for f in public["coarse"]["features"]}
    ex = {f["properties"]["id"]: f for f in exact["coarse"]["features"]}
    assert pub["c-gaza-1"]["properties"]["coarsened_to"] == "grid:5000m"
    assert "coarsened_to" not in ex["c-gaza-1"]["properties"]
    assert pub["c-gaza-1"]["properties"]["uncertainty_m"] > ex["c-gaza-1"]["properties"]["uncertainty_m"]
    assert pub["c-gaza-1"]["geometry"] != ex["c-gaza-1"]["geometry"]
    item = api_client.get("/collections/coarse/items/c-gaza-1").json()["properties"]
    assert item["uncertainty_m"] == pub["c-gaza-1"]["properties"]["uncertainty_m"]


def test_gdal_reads_the_tiles(live_server: Any, tmp_path: Any) -> None:
    ogrinfo = shutil.which("ogrinfo")
    require(ogrinfo is not None, "ogrinfo is not installed (gdal-bin)")
    import httpx

    z, x, y = tile_of(*GAZA, 10)
    body = httpx.get(f"{live_server.url}/collections/all/tiles/{TMS}/{z}/{x}/{y}", timeout=30).content
    path = tmp_path / f"{z}-{x}-{y}.pbf"
    path.write_bytes(body)
    out = subprocess.run(
        [str(ogrinfo), "-ro", "-al", "-so", "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={z}", f"MVT:{path}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Layer name: all" in out.stdout
    assert "claimant: String" in out.stdout and "uncertainty_m: Real" in out.stdout
