"""A claim's public form is decided once, for the claim, on every route an anonymous reader can reach.

Two claims are added to the fixture store: one held by a private desk layer (its quote,
its id and its exact place must never reach an anonymous reader, whichever collection
is asked) and one held by a layer that coarsens to a 10 km grid (its exact place must
never reach an anonymous reader, and where it is served it says ``coarsened_to``). A
zone held by a private zone layer is withheld the same way.

The walk is derived from the service's own OpenAPI document: every GET path, each
path parameter filled with every public collection, the two claims and the zone, and
the items taking every format, so a new route is walked without editing this test.
Text bodies are searched for the protected strings; GeoPackage and GeoParquet
downloads are read first; images (PNG, GeoTIFF) of collections that hold the claims
must differ from what a token with ``read-private`` gets, which is the exact form.
"""

from __future__ import annotations

import io
import math
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from layers.model import Layer, LayerFilter, PublicationPolicy
from layers.testing import make_claim, make_zone
from tests.api.conftest import READ_AUTH, TOKENS, fill_store

PRIVATE_QUOTE = "Desk-only account 7731 of the strike"
PRIVATE = make_claim(
    "c-private-1",
    lon=34.2312345,
    lat=31.2512345,
    day="2023-12-02",
    source="Desk Wire",
    claimant="a desk informant",
    quote=PRIVATE_QUOTE,
)
COARSE = make_claim("c-coarse-1", lon=34.3876543, lat=31.4234567, day="2023-12-02", source="Coarse Wire")
SECRET_ZONE = make_zone("z-secret", bounds=(34.36, 31.40, 34.39, 31.43), issuer="Desk cartographers")
#: What must never reach an anonymous reader, in any body.
NEVER = (
    PRIVATE_QUOTE,
    "c-private-1",
    "34.23123",
    "31.25123",  # the private claim's place (also at the 5 decimals of map data)
    "34.38765",
    "31.42345",  # the coarsened claim's exact place
    "z-secret",
)
FORMATS = ("json", "html", "geojson", "csv", "kml", "gpkg", "parquet")
#: Collections whose images carry the two claims (the exact and the public form must differ).
HOLDING = ("all", "strikes")


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from layers.store import open_store

    url = str(tmp_path_factory.mktemp("walk") / "walk.gpkg")
    fill_store(url)
    store = open_store(url)
    try:
        store.add_claims([PRIVATE, COARSE], recorded_by="fixture")
        store.add_zones([SECRET_ZONE], recorded_by="fixture")
        desk = LayerFilter(sources=("Desk Wire",))
        store.put_layer(Layer(id="desk", title="Desk only", filter=desk, private=True))
        coarse = LayerFilter(sources=("Coarse Wire",))
        store.put_layer(
            Layer(id="sensitive", title="Sensitive", filter=coarse, policy=PublicationPolicy(snap_m=10_000))
        )
        zones = LayerFilter(claimants=("Desk cartographers",))
        store.put_layer(Layer(id="desk-zones", title="Desk zones", kind="zones", filter=zones, private=True))
    finally:
        store.close()
    settings = Settings(db=url, tokens=TOKENS, rate_limit=False, response_cache_mb=0, raster_resolution_m=2000)
    with TestClient(create_app(settings)) as c:
        yield c


def _fill(template: str, values: dict[str, list[str]]) -> list[str]:
    urls = [template]
    for name in re.findall(r"{([^}]+)}", template):
        urls = [u.replace("{" + name + "}", v) for u in urls for v in values.get(name, ["x"])]
    return urls


def walk(client: Any) -> list[str]:
    """Every anonymous GET the service documents, with its path parameters filled."""
    doc = client.get("/api").json()
    public = [c["id"] for c in client.get("/collections").json()["collections"]]
    assert {"all", "strikes", "incidents", "evacuation-orders", "sensitive"} <= set(public)
    assert "desk" not in public and "desk-zones" not in public
    collections = [*public, "desk", "desk-zones"]
    z, x, y = _tile(PRIVATE.geometry.x, PRIVATE.geometry.y, 11)  # type: ignore[union-attr]
    values = {
        "collection_id": collections,
        "collection": collections,
        "feature_id": ["c-private-1", "c-coarse-1", "z-secret"],
        "claim_id": ["c-private-1", "c-coarse-1"],
        "z": [str(z)],
        "x": [str(x)],
        "y": [str(y)],
        "tms": ["WebMercatorQuad"],
        "tile_matrix": [str(z)],
        "tile_row": [str(y)],
        "tile_col": [str(x)],
    }
    urls: list[str] = []
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue
        for url in _fill(path, values):
            if path == "/collections/{collection_id}/items":
                urls += [f"{url}?{urlencode({'f': f, 'include_region': 'true'})}" for f in FORMATS]
                urls.append(f"{url}?datetime=2023-12-02")
            elif path == "/collections/{collection_id}/items/{feature_id}":
                urls += [f"{url}?include_region=true", f"{url}?f=html"]
            elif path == "/oembed":
                urls += [f"{url}?{urlencode({'url': f'http://testserver/maps/{c}'})}" for c in collections]
            elif path == "/orders":
                urls += [f"{url}?date=2023-12-0{d}" for d in (1, 2, 5)]
            elif path.startswith("/maps/{collection}") and "incident" not in path:
                urls += [url, f"{url}?datetime=2023-12-02"]
            else:
                urls.append(url)
    return urls


def _text(body: bytes, ctype: str) -> str:
    """A body as searchable text: GeoPackage and GeoParquet downloads are read first."""
    if ctype.startswith("application/geopackage"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "d.gpkg"
            path.write_bytes(body)
            conn = sqlite3.connect(path)
            try:
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                rows = [conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables]
            finally:
                conn.close()
        return repr(rows)
    if "parquet" in ctype:
        import pyarrow.parquet as pq

        return repr(pq.read_table(io.BytesIO(body)).to_pylist())
    return body.decode("utf-8", "replace")


def test_every_public_route_serves_only_the_public_form(client: Any) -> None:
    urls = walk(client)
    assert len(urls) > 150, len(urls)
    leaks: list[str] = []
    images: list[str] = []
    for url in urls:
        r = client.get(url, headers={"Accept-Encoding": "identity"})
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        ctype = r.headers.get("content-type", "")
        if ctype.startswith(("image/", "image/tiff")):
            images.append(url)
            continue
        text = _text(r.content, ctype)
        # an error may repeat the id it was asked for; nothing else of the claim may show
        never = NEVER if r.status_code < 400 else tuple(s for s in NEVER if s not in url)
        leaks += [f"{url} ({r.status_code}): {s!r}" for s in never if s in text]
    assert not leaks, "\n".join(leaks)
    # images cannot be searched: those of collections holding the claims must not be the exact form
    same = []
    for url in images:
        if not any(f"/{c}/" in url or f"/{c}." in url for c in HOLDING):
            continue
        anon = client.get(url).content
        exact = client.get(url, headers=READ_AUTH).content
        if anon == exact:
            same.append(url)
    assert not same, f"anonymous images identical to the exact form: {same}"


def test_the_public_form_is_served_and_says_so(client: Any) -> None:
    for collection in ("all", "strikes", "sensitive"):
        feat = client.get(f"/collections/{collection}/items/c-coarse-1").json()
        assert feat["properties"]["coarsened_to"] == "grid:10000m", collection
        assert feat["geometry"]["coordinates"] != [COARSE.geometry.x, COARSE.geometry.y]  # type: ignore[union-attr]
        assert client.get(f"/collections/{collection}/items/c-private-1").status_code == 404
    page = client.get("/collections/all/items?limit=50").json()
    ids = [f["id"] for f in page["features"]]
    assert "c-coarse-1" in ids and "c-private-1" not in ids
    assert page["numberMatched"] == len(ids)
    assert "c-coarse-1" in client.get("/collections/all/items?f=csv").text
    orders = client.get("/collections/evacuation-orders/items").json()
    assert orders["features"] and "z-secret" not in {f["id"] for f in orders["features"]}


def test_tokens_with_read_private_get_the_exact_form(client: Any) -> None:
    feat = client.get("/collections/all/items/c-private-1", headers=READ_AUTH).json()
    assert feat["properties"]["quote"] == PRIVATE_QUOTE
    assert feat["geometry"]["coordinates"] == [34.2312345, 31.2512345]
    coarse = client.get("/collections/strikes/items/c-coarse-1", headers=READ_AUTH).json()
    assert coarse["geometry"]["coordinates"] == [34.3876543, 31.4234567]
    assert coarse["properties"]["coarsened_to"] is None
    zones = client.get("/collections/evacuation-orders/items?limit=50", headers=READ_AUTH).json()
    assert "z-secret" in {f["id"] for f in zones["features"]}


def test_making_a_layer_private_changes_the_etag_of_an_immutable_page(client: Any) -> None:
    """A past ``as_of`` is immutable; a new guard must still reach it (its fingerprint is in the ETag)."""
    url = "/collections/attacks/items?as_of=2025-01-01T00:00:00Z"
    before = client.get(url).headers["etag"]
    store = client.app.state.store
    store.put_layer(
        Layer(id="shootings-desk", title="Desk", filter=LayerFilter(event_types=("shooting",)), private=True)
    )
    try:
        r = client.get(url)
        assert r.headers["etag"] != before
        assert r.json()["features"] == []  # the only shooting is now held by a private layer
    finally:
        from layers.catalog import delete_layer

        delete_layer(store, "shootings-desk")


def test_public_export_from_the_command_line_is_the_public_form(client: Any, tmp_path: Path) -> None:
    from api.cli import main

    db = client.app.state.settings.db
    out = tmp_path / "all.csv"
    assert main(["export", "all", "--format", "csv", "--public", "--db", db, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "c-coarse-1" in text and not [s for s in NEVER if s in text]
