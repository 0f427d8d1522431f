"""A restored store answers every query exactly as the store it was backed up from.

For each backend: the demo (reports through the geocoder, the real evacuation orders)
plus edits, retractions and zone revisions (so there is history), a private layer and a
coarsened public one; then ``sitmap db backup`` and ``sitmap db restore`` into a *new*
store (another file, another PostGIS schema). One battery of requests runs through the
real app (``create_app`` + ``TestClient``) over each store and the responses are
compared byte for byte: status, headers and body.

The battery is derived from the service itself, so it grows with it: the collections
come from ``/collections``, the query parameters of ``/items`` from the OpenAPI
document (a parameter without test values fails the test instead of going untested),
the download formats from the items' ``enclosure`` links, paging from ``next`` links,
feature ids from the pages. ``as_of`` is asked at moments in the store's past (after
the demo, after the first edits, before anything), not only now.

Normalised before comparing, and nothing else, each because it differs between any
two identical requests to the same app: the ``Date`` header and the ``timeStamp`` of
item pages (the wall clock of the response), the ``as_of`` that a map page's embed
snippet and oEmbed's iframe pin to the current second, folium's random 32-hex element
ids in map pages, and ``gpkg_contents.last_change`` in GeoPackage downloads (the wall clock of the
export; the download is compared as rows). Server URLs need no normalising: both apps
answer as ``http://testserver``. Responses are requested uncompressed, so
``Content-Length`` is compared as well.

The store-level answers are compared too (``stats``, ``query_claims``/``query_zones``
totals and records at every moment, every claim's and zone's history, sources, reports,
layers) and, below the Store protocol, every row of every table. Last, the test deletes
one superseded claim version in the restored copy and checks that both comparisons
report it: the comparison can fail.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.cli import main
from layers.model import Layer, LayerFilter, PublicationPolicy
from layers.store import ClaimQuery, Store, ZoneQuery, open_store
from tests.api.conftest import READER, TOKENS
from tests.conftest import postgis_url, require

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
STATUSES = ("reported", "corroborated", "disputed", "retracted")
READ_AUTH = {"Authorization": f"Bearer {READER[1]}"}
#: Headers that carry the wall clock of the response, not the store.
CLOCK_HEADERS = {"date"}
_TIMESTAMP = re.compile(rb'"timeStamp":"[^"]*"')
#: The embed snippet of a map page and oEmbed's iframe pin ``as_of`` to the current second.
_PINNED = re.compile(rb"as_of=(\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\dZ)")


def _unpin(m: re.Match[bytes]) -> bytes:
    """Blank a whole-second ``as_of`` that is the wall clock of the response (past moments asked for keep theirs)."""
    when = datetime.strptime(m[1].decode().replace("%3A", ":"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return b"as_of=<now>" if abs(datetime.now(UTC) - when) < timedelta(minutes=10) else m[0]


#: folium names every map element with a random 32-hex suffix (map_…, tile_layer_…) on each render.
_FOLIUM_ID = re.compile(rb"_[0-9a-f]{32}\b")


# --------------------------------------------------------------------------------------
# Stores below the protocol: every row of every table
# --------------------------------------------------------------------------------------


def _schema_of(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return str(conn.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]


def raw_rows(url: str) -> dict[str, Any]:
    """Every row of every table and view of a store, and its schema objects, in a comparable form.

    GeoPackage: all of ``sqlite_master`` and every table (R-trees and GeoPackage metadata
    included). PostGIS: every relation of the store's schema, its columns, indexes and
    sequence positions, with the schema name replaced by ``<schema>``.
    """
    if not url.startswith("postgresql"):
        conn = sqlite3.connect(f"{Path(url).resolve().as_uri()}?mode=ro", uri=True)
        try:
            out: dict[str, Any] = {
                "sqlite_master": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
            }
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                out[table] = sorted(rows, key=repr)
            return out
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        schema = str(conn.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]

        def norm(value: Any) -> Any:
            return value.replace(schema, "<schema>") if isinstance(value, str) else value

        rels = conn.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'S', 'i') ORDER BY 1",
            (schema,),
        ).fetchall()
        out = {"relations": rels}
        out["columns"] = conn.execute(
            "SELECT table_name, column_name, data_type, collation_name, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            (schema,),
        ).fetchall()
        out["columns"] = [tuple(norm(v) for v in row) for row in out["columns"]]
        out["indexes"] = [
            (name, norm(sql))
            for name, sql in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1", (schema,)
            )
        ]
        out["views"] = [
            (name, norm(sql))
            for name, sql in conn.execute(
                "SELECT viewname, definition FROM pg_views WHERE schemaname = %s ORDER BY 1", (schema,)
            )
        ]
        for name, kind in rels:
            q = f'"{schema}"."{name}"'
            if kind == "S":
                out[name] = conn.execute(f"SELECT last_value, is_called FROM {q}").fetchall()
            elif kind in ("r", "v"):
                out[name] = sorted(conn.execute(f"SELECT * FROM {q}").fetchall(), key=repr)
        return out


def fingerprint(url: str) -> str:
    """A digest of :func:`raw_rows`: equal exactly when the stores hold the same rows and objects."""
    return hashlib.sha256(repr(raw_rows(url)).encode()).hexdigest()


# --------------------------------------------------------------------------------------
# A realistic store, backed up and restored into a new one
# --------------------------------------------------------------------------------------


@dataclass
class Pair:
    """The original store, its restored copy and moments of its past worth asking ``as_of``."""

    original: str
    restored: str
    moments: list[datetime]
    edited_claim: str


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _fill(url: str) -> tuple[list[datetime], str]:
    """The demo plus edits, retractions, zone revisions and two more layers; moments of its past."""
    from layers.demo import load_demo

    store = open_store(url)
    try:
        load_demo(store)
        after_demo = store.last_recorded_at()
        assert after_demo is not None
        time.sleep(0.002)  # the edits get later recorded_at than the moment asked for
        claims = store.query_claims(ClaimQuery()).items
        placed = [c for c in claims if c.geometry is not None]
        edited = placed[3].id
        store.update_claim(edited, {"status": "corroborated", "claimant": "UN OCHA"}, recorded_by="editor")
        store.update_claim(placed[7].id, {"status": "disputed"}, recorded_by="editor")
        store.retract_claim(placed[11].id, reason="wrong town", recorded_by="editor")
        zones = store.query_zones(ZoneQuery(limit=2)).items
        store.add_zones(
            [z.model_copy(update={"lifted_at": z.effective_from + timedelta(days=9)}) for z in zones],
            recorded_by="editor",
        )
        after_edits = store.last_recorded_at()
        assert after_edits is not None
        time.sleep(0.002)
        store.update_claim(edited, {"quote": "Revised after a second source."}, recorded_by="editor")
        store.retract_claim(placed[20].id, recorded_by="editor")
        store.put_layer(
            Layer(
                id="desk-airstrikes",
                title="Airstrikes (newsroom only)",
                filter=LayerFilter(event_types=("airstrike",)),
                private=True,
            )
        )
        store.put_layer(Layer(id="public-coarse", title="All claims, coarsened", policy=PublicationPolicy(snap_m=5000)))
    finally:
        store.close()
    before = datetime(2020, 1, 1, tzinfo=UTC)
    return [before, after_demo, after_edits], edited


def _new_url(kind: str, tmp: Path, name: str, schemas: list[str]) -> str:
    if kind == "gpkg":
        return str(tmp / f"{name}.gpkg")
    base = postgis_url()
    assert base is not None
    import psycopg

    schema = f"t_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    schemas.append(schema)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema},public"


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A filled store and a new store restored from its backup (through the CLI)."""
    if request.param == "postgis":
        require(postgis_url() is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    tmp = tmp_path_factory.mktemp(f"equiv-{request.param}")
    schemas: list[str] = []
    try:
        original = _new_url(request.param, tmp, "orig", schemas)
        moments, edited = _fill(original)
        before = fingerprint(original)
        backup = tmp / ("backup.gpkg" if request.param == "gpkg" else "backup.dump")
        assert main(["db", "backup", str(backup), "--db", original]) == 0
        restored = _new_url(request.param, tmp, "restored", schemas)
        assert main(["db", "restore", str(backup), "--db", restored, "--yes"]) == 0
        assert fingerprint(original) == before  # backing up and restoring elsewhere left the original alone
        yield Pair(original=original, restored=restored, moments=moments, edited_claim=edited)
    finally:
        if schemas:
            import psycopg

            with psycopg.connect(postgis_url() or "", autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --------------------------------------------------------------------------------------
# Store-level answers
# --------------------------------------------------------------------------------------


def store_answers(url: str, moments: list[datetime]) -> dict[str, Any]:
    """What the Store protocol answers: stats, queries at every moment, every history."""
    store: Store = open_store(url, create=False)
    try:
        out: dict[str, Any] = {"stats": store.stats(), "last": store.last_recorded_at()}
        claim_ids: set[str] = set()
        zone_ids: set[str] = set()
        for when in [None, *moments]:
            cp = store.query_claims(ClaimQuery(statuses=STATUSES, as_of=when))
            zp = store.query_zones(ZoneQuery(include_retracted=True, as_of=when))
            out[f"claims@{when}"] = (cp.total, [c.model_dump_json() for c in cp.items])
            out[f"zones@{when}"] = (zp.total, [z.model_dump_json() for z in zp.items])
            out[f"claims-page@{when}"] = store.query_claims(ClaimQuery(as_of=when, limit=7, offset=7)).total
            claim_ids |= {c.id for c in cp.items}
            zone_ids |= {z.id for z in zp.items}
        out["claim_history"] = {i: [c.model_dump_json() for c in store.claim_history(i)] for i in sorted(claim_ids)}
        out["zone_history"] = {i: [z.model_dump_json() for z in store.zone_history(i)] for i in sorted(zone_ids)}
        out["sources"] = [s.model_dump_json() for s in store.list_sources()]
        reports = sorted({c.report_id for c in store.query_claims(ClaimQuery(statuses=STATUSES)).items if c.report_id})
        out["reports"] = [store.get_report(r).model_dump_json() for r in reports]
        out["layers"] = [layer.model_dump_json() for layer in store.list_layers()]
        return out
    finally:
        store.close()


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys whose values differ (or exist on one side only)."""
    return [k for k in sorted(set(a) | set(b)) if a.get(k, "<missing>") != b.get(k, "<missing>")]


# --------------------------------------------------------------------------------------
# The battery of requests
# --------------------------------------------------------------------------------------

Request = tuple[str, dict[str, str]]  # URL (path + query) and extra headers
Answer = tuple[int, list[tuple[str, str]], bytes]


def _client(url: str) -> Any:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    settings = Settings(
        db=url,
        tokens=TOKENS,
        default_limit=25,
        max_limit=1000,
        rate_limit=False,
        response_cache_mb=0,  # every request reaches the store
        raster_cache_size=0,
        raster_resolution_m=2000,
    )
    return TestClient(create_app(settings))


def answer(client: Any, req: Request) -> Answer:
    """One response, with only the wall clock and random element ids normalised (see the module docstring)."""
    url, headers = req
    r = client.get(url, headers={"Accept-Encoding": "identity", **headers})
    kept = sorted((k.lower(), v) for k, v in r.headers.items() if k.lower() not in CLOCK_HEADERS)
    body = r.content
    ctype = r.headers.get("content-type", "")
    if ctype.startswith(("application/json", "application/geo+json")):
        body = _PINNED.sub(_unpin, _TIMESTAMP.sub(b'"timeStamp":"-"', body))
    elif ctype.startswith("text/html"):
        body = _PINNED.sub(_unpin, _FOLIUM_ID.sub(b"_<id>", body))
    elif ctype.startswith("application/geopackage"):
        body = _gpkg_rows(body)
    return r.status_code, kept, body


def _gpkg_rows(data: bytes) -> bytes:
    """A downloaded GeoPackage as its rows, with ``gpkg_contents.last_change`` (the export's wall clock) blanked."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "download.gpkg"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        try:
            conn.execute("UPDATE gpkg_contents SET last_change = '-'")
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
            rows = {t: conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
            rows["sqlite_master"] = conn.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall()
        finally:
            conn.close()
    return repr(rows).encode()


def _q(path: str, **params: str) -> str:
    from urllib.parse import urlencode

    return path + ("?" + urlencode(params) if params else "")


def _local(href: str) -> str:
    parts = urlsplit(href)
    assert parts.netloc == "testserver", href
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _param_values(store: Store, moments: list[datetime], formats: list[str]) -> dict[str, list[str]]:
    """Test values for every query parameter the items endpoint is known to take."""
    from layers.model import ORDER_TYPES

    claims = store.query_claims(ClaimQuery(statuses=STATUSES)).items
    zones = store.query_zones(ZoneQuery(include_retracted=True)).items
    stats = store.stats()
    return {
        "f": formats,
        "bbox": ["34.2,31.2,34.6,31.6", "34.25,31.32,34.33,31.37", "-180,-90,180,90"],
        "bbox-crs": [CRS84],
        "crs": [CRS84],
        "datetime": ["2023-10-07", "2023-11-01/2024-01-31", "../2023-10-31", "2024-01-01T00:00:00Z/.."],
        "limit": ["3"],
        "offset": ["10"],
        "as_of": [_iso(m) for m in moments],
        "include_region": ["true"],
        "properties": ["status", "status,-source"],
        "event_type": sorted(stats.claims_by_event_type),
        "source": sorted({s.name for s in store.list_sources()})[:4],
        "claimant": sorted({c.claimant for c in claims if c.claimant})[:4],
        "status": list(STATUSES),
        "min_geo_precision": ["1", "2"],
        "order_type": list(ORDER_TYPES),
        "issuer": sorted({z.issuer for z in zones if z.issuer})[:2],
        "active_at": ["2023-11-15T12:00:00Z"],
        "include_retracted": ["true"],
    }


def _values_for(name: str, known: dict[str, list[str]]) -> list[str]:
    if name not in known:
        pytest.fail(f"the items endpoint has a query parameter {name!r} this test has no values for: add some")
    return known[name]


def battery(client: Any, pair: Pair) -> list[Request]:
    """Every request to compare, derived from the service over the original store."""
    openapi = client.get("/api", params={"f": "json"}).json()
    items_op = openapi["paths"]["/collections/{collection_id}/items"]["get"]
    params = [p["name"] for p in items_op["parameters"] if p["in"] == "query"]
    anon: dict[str, str] = {}
    reqs: list[Request] = [(p, anon) for p in ("/", "/conformance", "/api", "/collections", "/healthz")]
    reqs += [("/?f=html", anon), ("/collections?f=html", anon), ("/collections", READ_AUTH)]
    collections = client.get("/collections", headers=READ_AUTH).json()["collections"]
    first = client.get(f"/collections/{collections[0]['id']}/items").json()
    formats = ["json", "html"] + [
        dict(re.findall(r"([a-z]+)=([^&]+)", urlsplit(link["href"]).query))["f"]
        for link in first["links"]
        if link["rel"] == "enclosure"
    ]
    assert {"geojson", "csv", "kml"} <= set(formats), formats
    from layers.catalog import list_layers

    store = open_store(pair.original, create=False)
    try:
        known = _param_values(store, pair.moments, formats)
        claim_ids = [c.id for c in store.query_claims(ClaimQuery(statuses=STATUSES)).items]
        kinds = {layer.id: str(layer.kind) for layer in list_layers(store)}
        private = {layer.id for layer in list_layers(store) if layer.private}
    finally:
        store.close()
    moments = known["as_of"]
    downloads = [f for f in formats if f not in ("json", "html")]
    kinds_swept: set[str] = set()
    for coll in collections:
        cid = coll["id"]
        # anonymous where allowed, so public layers show what the public sees (coarsened, delayed)
        auth = READ_AUTH if cid in private else anon
        base = f"/collections/{cid}"
        kind = kinds[cid]
        reqs += [(base, auth), (base + "?f=html", auth), (f"{base}/items", anon), (f"{base}/items", READ_AUTH)]
        reqs.append((f"{base}/items?f=html", auth))
        # every collection: bbox, datetime, as_of (past moments), a combination, paging
        reqs += [
            (_q(f"{base}/items", bbox=known["bbox"][0]), auth),
            (_q(f"{base}/items", datetime=known["datetime"][1]), auth),
        ]
        reqs += [(_q(f"{base}/items", as_of=when), auth) for when in moments]
        reqs.append(
            (_q(f"{base}/items", bbox=known["bbox"][0], datetime=known["datetime"][1], as_of=moments[-1]), auth)
        )
        reqs.append((_q(f"{base}/items", f="geojson"), auth))
        url: str | None = f"{base}/items?limit=30"
        while url:  # every page, by following the service's own next links, and a sample of features
            reqs.append((url, auth))
            page = client.get(url, headers=auth).json()
            reqs += [(f"{base}/items/{f['id']}", auth) for f in page["features"][::6]]
            url = next((_local(link["href"]) for link in page["links"] if link["rel"] == "next"), None)
        reqs += [(f"/maps/{cid}", auth), (f"/embed/{cid}", auth), (f"/maps/{cid}/data.json", auth)]
        if kind in kinds_swept:
            continue
        # the first collection of each kind (claims, zones, incidents): every parameter and value,
        # and every download format now and at each past moment
        kinds_swept.add(kind)
        for name in params:
            for value in _values_for(name, known):
                reqs.append((_q(f"{base}/items", **{name: value}), auth))
        reqs += [(_q(f"{base}/items", f=f, as_of=moments[1]), auth) for f in downloads]
        reqs += [(_q(f"/maps/{cid}/data.json", as_of=when), auth) for when in moments]
        reqs.append((_q(f"/maps/{cid}/data.json", datetime=known["datetime"][1], bbox=known["bbox"][0]), auth))
    assert kinds_swept == {"claims", "zones", "incidents"}, kinds_swept
    for cid in claim_ids:  # every claim's whole history; current versions and incidents for a sample
        reqs.append((f"/claims/{cid}/history", READ_AUTH))
    for cid in claim_ids[::7]:
        reqs += [(f"/claims/{cid}", READ_AUTH), (f"/maps/all/incident/{cid}.json", anon)]
    edited = pair.edited_claim
    reqs += [(f"/claims/{edited}", READ_AUTH), (f"/maps/all/incident/{edited}.json", anon)]
    for when in moments:
        reqs += [(_q(f"/collections/all/items/{edited}", as_of=when), anon)]
        reqs += [(_q("/orders", date="2023-11-15", as_of=when), anon)]
    reqs += [(_q("/orders", date=d), anon) for d in ("2023-10-13", "2023-12-05", "2024-05-06")]
    reqs += [(_q("/oembed", url="http://testserver/maps/all"), anon)]
    # rasters: a surface and a couple of tiles over Gaza
    reqs += [
        (_q("/collections/strikes/likelihood.tif", bbox="34.2,31.2,34.6,31.6", resolution_m="2000"), anon),
        ("/collections/strikes/tiles/10/609/417.png", anon),
        (_q("/collections/all/tiles/11/1219/835.png", as_of=moments[-1]), anon),
    ]
    return reqs


def compare(reqs: list[Request], a: Any, b: Any) -> list[str]:
    """The requests whose answers differ between clients ``a`` and ``b``, with what differs."""
    out = []
    for req in reqs:
        ra, rb = answer(a, req), answer(b, req)
        if ra != rb:
            # asked once more: an as_of turning 60 s old between the two requests becomes
            # immutable (other Cache-Control and ETag); a difference in the stores stays
            ra, rb = answer(a, req), answer(b, req)
        if ra != rb:
            what = [n for n, x, y in zip(("status", "headers", "body"), ra, rb, strict=True) if x != y]
            out.append(f"{req[0]} ({', '.join(what)})")
    return out


# --------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------


def _delete_old_version(url: str, claim_id: str) -> None:
    """Remove the first (superseded) version of a claim behind the store's back."""
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM claim_versions WHERE id = %s AND version = 1", (claim_id,))
        return
    from layers.store.gpkg import register_functions

    conn = sqlite3.connect(url, isolation_level=None)
    try:
        register_functions(conn)  # the R-tree delete trigger calls them
        conn.execute("DELETE FROM claim_versions WHERE id = ? AND version = 1", (claim_id,))
    finally:
        conn.close()


def test_restored_store_answers_every_query_as_before(pair: Pair) -> None:
    with _client(pair.original) as orig, _client(pair.restored) as rest:
        reqs = battery(orig, pair)
        assert len(reqs) > 400
        diffs = compare(reqs, orig, rest)
        assert not diffs, f"{len(diffs)} of {len(reqs)} requests differ after restore:\n" + "\n".join(diffs[:20])
        # the answers do depend on the store: the battery saw several distinct item pages
        bodies = {answer(orig, r)[2] for r in reqs[:200]}
        assert len(bodies) > 100

        assert store_answers(pair.original, pair.moments) == store_answers(pair.restored, pair.moments)
        assert raw_rows(pair.original) == raw_rows(pair.restored)

        # negative check: one lost history row is seen by every comparison
        _delete_old_version(pair.restored, pair.edited_claim)
        store_diffs = differences(
            store_answers(pair.original, pair.moments), store_answers(pair.restored, pair.moments)
        )
        assert "claim_history" in store_diffs
        assert raw_rows(pair.original) != raw_rows(pair.restored)
        touched = [r for r in reqs if pair.edited_claim in r[0] or r[0].startswith("/collections/all/items?as_of=")]
        api_diffs = compare(touched, orig, rest)
        assert any(f"/claims/{pair.edited_claim}/history" in d for d in api_diffs), api_diffs
        assert any("as_of=" in d for d in api_diffs), api_diffs


def test_battery_values_cover_every_items_parameter(pair: Pair) -> None:
    """A new query parameter on /items must get test values here (else it would go unchecked)."""
    with _client(pair.original) as orig:
        openapi = orig.get("/api", params={"f": "json"}).json()
        names = {
            p["name"]
            for p in openapi["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
            if p["in"] == "query"
        }
    store = open_store(pair.original, create=False)
    try:
        known = _param_values(store, pair.moments, ["json"])
    finally:
        store.close()
    assert names <= set(known), f"no test values for {sorted(names - set(known))}"
