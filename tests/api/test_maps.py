"""Map pages, embeds, oEmbed, static PNG, orders list and assets, through the HTTP API.

The store holds ``tests/data/maps/claims_zones.json`` (claims around Khan Younis,
Gaza City, Rafah, Nuseirat, Deir al-Balah and Jabalia; three zones), written for
sitmap. Browser checks live in ``test_browser_maps.py``.
"""

from __future__ import annotations

import io
import json
import re
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.render.mapbuilder import notebook_map
from api.render.mapdata import claims_payload, json_for_script
from api.render.words import describe_radius, describe_time, fill_opacity
from api.settings import Settings
from layers.model import ClaimRecord, Layer, LayerFilter, Zone
from layers.store import ClaimQuery, open_store

FIXTURE = Path(__file__).parent.parent / "data" / "maps" / "claims_zones.json"


def load_fixture() -> tuple[list[ClaimRecord], list[Zone]]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [ClaimRecord.model_validate(c) for c in data["claims"]], [Zone.model_validate(z) for z in data["zones"]]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("maps") / "maps.gpkg"
    store = open_store(path)
    claims, zones = load_fixture()
    store.add_claims(claims)
    store.add_zones(zones)
    store.put_layer(
        Layer(
            id="hostile",
            title="</script><script>alert('t')</script>",
            filter=LayerFilter(event_types=("airstrike",)),
        )
    )
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    app = create_app(Settings(db=db, tiles="none", base_url="http://maps.test"))
    with TestClient(app, base_url="http://maps.test") as c:
        yield c


def config_of(html: str) -> dict:
    """The configuration a page hands to SitmapMap.init: its JSON data block."""
    m = re.search(r'<script type="application/json" id="sitmap-config">(.*?)</script>', html, re.S)
    assert m, "no sitmap-config data block in the page"
    return json.loads(m.group(1))


# -- pages ---------------------------------------------------------------------------


def test_map_page_is_self_hosted_and_announces_itself(client: TestClient) -> None:
    r = client.get("/maps/all")
    assert r.status_code == 200
    html = r.text
    srcs = [s.split("?v=")[0] for s in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)]
    assets = [s for s in srcs if s.endswith((".js", ".css"))]
    assert {"/static/leaflet/leaflet.js", "/static/sitmap/sitmap-map.js", "/static/leaflet/leaflet.css"} <= set(assets)
    assert "/static/boundaries.geojson" in srcs and "/maps/all/data.json" in srcs  # preloaded
    assert all(s.startswith("/static/") for s in assets), assets
    assert "cdn" not in html.lower() and "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert 'type="application/json+oembed"' in html
    assert 'property="og:image" content="http://maps.test/maps/all.png"' in html
    assert "<noscript>" in html and 'src="/maps/all.png"' in html
    for fmt in ("geojson", "csv", "gpkg", "parquet", "kml"):
        assert f"/collections/all/items?f={fmt}" in html
    # the iframe snippet pins as_of
    snippet = re.search(r'<textarea id="sm-snippet"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "/embed/all?as_of=" in snippet.replace("&amp;", "&")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_embed_may_be_framed_anywhere_by_default(client: TestClient) -> None:
    r = client.get("/embed/all")
    assert r.status_code == 200
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers
    assert "sm-header" not in r.text and "sm-panel" not in r.text  # no site chrome
    assert config_of(r.text)["embed"] is True


def test_frame_ancestors_come_from_settings(db: str) -> None:
    app = create_app(Settings(db=db, tiles="none", frame_ancestors="https://news.example"))
    with TestClient(app) as c:
        assert "frame-ancestors https://news.example" in c.get("/embed/all").headers["content-security-policy"]
        assert "frame-ancestors 'self'" in c.get("/maps/all").headers["content-security-policy"]


def test_map_pages_allow_no_inline_script(client: TestClient) -> None:
    for path in ("/maps/all", "/embed/all", "/maps/hostile"):
        r = client.get(path)
        script_src = next(d for d in r.headers["content-security-policy"].split(";") if "script-src" in d)
        assert script_src.split() == ["script-src", "'self'"], script_src
        inline = [s for s in re.findall(r"<script([^>]*)>", r.text) if "src=" not in s]
        assert inline == [' type="application/json" id="sitmap-config"'], inline  # data, never run


def test_admin_text_is_isolated_where_it_meets_sitmaps_words(client: TestClient) -> None:
    """A title or description ending in U+202E cannot reorder ' · sitmap', ': GeoJSON' or the sentence after it."""
    html = client.get("/maps/hostile").text
    assert re.search("<title>\u2068[^<\u2069]*\u2069 · sitmap</title>", html), html[:600]
    assert "\u2069: GeoJSON</a>" in html and 'alt="Static map: \u2068' in html
    page = client.get("/maps/strikes").text
    assert re.search(r"<p><bdi>[^<]+</bdi>", page)  # the layer description, then sitmap's sentence


def test_frame_ancestors_cannot_add_directives() -> None:
    with pytest.raises(ValueError, match="frame_ancestors"):
        Settings(frame_ancestors="'self'; script-src 'unsafe-inline'")
    assert Settings(frame_ancestors="'self'  https://news.example").frame_ancestors == "'self' https://news.example"


def test_basemap_setting_reaches_map_and_csp(db: str) -> None:
    tiles = "https://{s}.tiles.example/{z}/{x}/{y}.png"
    app = create_app(Settings(db=db, tiles=tiles, tiles_attribution="© Example contributors"))
    with TestClient(app) as c:
        r = c.get("/maps/all")
        assert config_of(r.text)["basemap"] == {"url": tiles, "attribution": "© Example contributors", "max_zoom": 19}
        assert "img-src 'self' data: blob: https://*.tiles.example" in r.headers["content-security-policy"]
        assert config_of(r.text)["no_basemap"] is False
    app = create_app(Settings(db=db, tiles="none"))
    with TestClient(app) as c:
        r = c.get("/maps/all")
        assert config_of(r.text)["basemap"] is None and config_of(r.text)["no_basemap"] is True


def test_url_sets_the_initial_view(client: TestClient) -> None:
    r = client.get(
        "/maps/strikes?datetime=2023-12-02&bbox=34.2,31.2,34.6,31.6&source=Example%20Wire&layers=evacuation-orders"
    )
    assert r.status_code == 200
    cfg = config_of(r.text)
    assert cfg["initial"]["date"] == "2023-12-02"
    assert cfg["initial"]["bbox"] == [34.2, 31.2, 34.6, 31.6]
    assert [layer["id"] for layer in cfg["layers"]] == ["strikes", "evacuation-orders"]
    q = parse_qs(urlsplit(cfg["layers"][0]["data_url"]).query)
    assert q["source"] == ["Example Wire"] and q["bbox"] == ["34.2,31.2,34.6,31.6"]
    assert "layers" not in q  # each layer's data is fetched on its own


def test_interval_view_spans_the_interval(client: TestClient) -> None:
    cfg = config_of(client.get("/embed/all?datetime=2023-12-01/2023-12-05").text)
    assert cfg["initial"]["date"] is None
    assert cfg["initial"]["interval"] == "2023-12-01/2023-12-05"
    assert (cfg["initial"]["span_start"], cfg["initial"]["span_end"]) == ("2023-12-01", "2023-12-05")


def test_user_text_cannot_break_out_of_the_script(client: TestClient) -> None:
    r = client.get("/maps/hostile")
    assert r.status_code == 200
    assert "<script>alert('t')" not in r.text
    assert config_of(r.text)["title"] == "</script><script>alert('t')</script>"
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;t&#39;)" in r.text  # the page title, escaped


def test_json_for_script_escapes_markup() -> None:
    text = json_for_script({"a": "</script><!-- x & y \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- x & y \u2028"}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/maps/nope", 404),
        ("/embed/all?bbox=1,2", 400),
        ("/maps/all?datetime=yesterday", 400),
        ("/maps/all?event_type=picnic", 400),
        ("/maps/all?layers=nope", 404),
        ("/maps/all/data.json?as_of=soon", 400),
        ("/maps/all.png?status=maybe", 400),
        ("/embed/all?min_geo_precision=7", 400),
    ],
)
def test_bad_views_are_problems(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"]


# -- data ----------------------------------------------------------------------------


def test_data_matches_the_store(client: TestClient, db: str) -> None:
    store = open_store(db)
    try:
        everything = store.query_claims(ClaimQuery()).items
        strikes_dec2 = store.query_claims(
            ClaimQuery(
                event_types=("airstrike", "shelling"),
                start=datetime(2023, 12, 2, tzinfo=UTC),
                end=datetime(2023, 12, 2, 23, 59, 59, tzinfo=UTC),
            )
        ).items
    finally:
        store.close()
    data = client.get("/maps/all/data.json").json()
    located = [c.id for c in everything if c.geometry is not None]
    assert sorted(data["ids"]) == sorted(located)
    assert data["unlocated"] == len(everything) - len(located) == 1
    # a single day is filtered in the browser, so the stepper can move without a reload
    assert client.get("/maps/all/data.json?datetime=2023-12-02").json()["count"] == len(located)
    # an interval narrows the data itself
    got = client.get("/maps/strikes/data.json?datetime=2023-12-02/2023-12-02").json()
    assert sorted(got["ids"]) == sorted(c.id for c in strikes_dec2)
    # bbox around Khan Younis
    ky = client.get("/maps/all/data.json?bbox=34.28,31.33,34.33,31.36").json()
    assert sorted(ky["ids"]) == ["ky-strike-1", "ky-strike-2"]
    # ACLED precision 1 (town or finer): drops the 2.5 km and 5 km claims, as the items endpoint does
    precise = client.get("/maps/all/data.json?min_geo_precision=1").json()
    assert "rf-week" not in precise["ids"] and "gc-month" not in precise["ids"] and "gc-strike" in precise["ids"]


def test_data_carries_uncertainty_time_and_incidents(client: TestClient) -> None:
    d = client.get("/maps/all/data.json").json()
    i = d["ids"].index("rf-week")
    assert d["r"][i] == 2500 and d["precisions"][d["p"][i]] == "week"
    assert d["t0"][i] == int(datetime(2023, 12, 4, tzinfo=UTC).timestamp())
    ky1, ky2 = d["ids"].index("ky-strike-1"), d["ids"].index("ky-strike-2")
    assert d["inc"][ky1] == d["inc"][ky2] >= 0
    inc = d["incidents"][d["inc"][ky1]]
    assert inc["status"] == "corroborated" and inc["independent_sources"] == 2
    rf = d["incidents"][d["inc"][d["ids"].index("rf-strike")]]
    assert rf["status"] == "disputed" and rf["conflicts"]
    assert d["time_span"] == ["2023-12-01", "2023-12-31"]


def test_zone_data_has_contract_properties(client: TestClient) -> None:
    fc = client.get("/maps/evacuation-orders/data.json").json()
    assert fc["type"] == "FeatureCollection" and fc["kind"] == "zones"
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert set(props) == {"z-ky", "z-gc", "z-mawasi"}
    assert props["z-gc"]["lifted_at"].startswith("2023-12-03")
    assert props["z-ky"]["block_ids"] == ["107", "108", "109", "110", "111", "112"]


def test_pinned_views_are_immutable_and_revalidate(client: TestClient) -> None:
    r = client.get("/maps/all/data.json?as_of=2024-01-01T00:00:00Z")
    assert "immutable" in r.headers["cache-control"]
    again = client.get("/maps/all/data.json?as_of=2024-01-01T00:00:00Z", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    live = client.get("/embed/all")
    assert "immutable" not in live.headers["cache-control"] and live.headers["etag"]


def test_newer_reports_link_only_when_data_changed(client: TestClient) -> None:
    old = config_of(client.get("/embed/all?as_of=2020-01-01T00:00:00Z").text)
    assert old["newer"] and old["newer"]["url"] == "http://maps.test/maps/all"
    # microseconds kept: data recorded earlier in the same second is not "newer"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert config_of(client.get(f"/embed/all?as_of={now}").text)["newer"] is None


# -- static image ----------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_of_a_view(client: TestClient) -> None:
    r = client.get("/maps/all.png?datetime=2023-12-02&layers=evacuation-orders")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert png_size(r.content) == (1200, 800)
    other = client.get("/maps/all.png?datetime=2023-12-06&layers=evacuation-orders")
    assert other.content != r.content  # a different day draws different claims


# -- oEmbed ------------------------------------------------------------------------------


def test_oembed_rich_json(client: TestClient) -> None:
    r = client.get(
        "/oembed",
        params={"url": "http://maps.test/maps/all?datetime=2023-12-02", "maxwidth": "500", "maxheight": "400"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert body["provider_name"] and body["title"] == "All claims"
    assert body["width"] <= 500 and body["height"] <= 400
    src = re.search(r'src="([^"]+)"', body["html"]).group(1).replace("&amp;", "&")
    q = parse_qs(urlsplit(src).query)
    assert src.startswith("http://maps.test/embed/all?") and q["datetime"] == ["2023-12-02"] and q["as_of"]
    assert f'width="{body["width"]}"' in body["html"]


def test_oembed_discovery_link_resolves(client: TestClient) -> None:
    html = client.get("/maps/strikes").text
    href = re.search(r'type="application/json\+oembed" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    body = client.get(href.removeprefix("http://maps.test")).json()
    assert body["type"] == "rich" and "/embed/strikes" in body["html"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "http://maps.test/maps/all", "format": "xml"}, 501),
        ({"url": "http://elsewhere.test/maps/all"}, 404),
        ({"url": "http://maps.test/collections/all/items"}, 404),
        ({"url": "http://maps.test/maps/unknown-layer"}, 404),
        ({"url": "http://maps.test/maps/all", "maxwidth": "-3"}, 400),
        ({}, 400),
    ],
)
def test_oembed_refusals(client: TestClient, params: dict, status: int) -> None:
    assert client.get("/oembed", params=params).status_code == status


# -- orders list --------------------------------------------------------------------------


def test_orders_in_force_on_a_day(client: TestClient) -> None:
    r = client.get("/orders?date=2023-12-02")
    assert r.status_code == 200
    html = r.text
    assert "107, 108, 109, 110, 111, 112" in html and "Khan Younis" in html
    assert "Northern Gaza City order" in html  # lifted on 3 Dec: still in force on the 2nd
    assert "<script" not in html and len(r.content) < 20_000
    later = client.get("/orders?date=2023-12-04").text
    assert "Northern Gaza City order" not in later and "107, 108" in later
    before = client.get("/orders?date=2023-11-01").text
    assert "None recorded for this day" in before and "107, 108" not in before


def test_orders_without_a_date_open_on_the_last_day_of_the_record(client: TestClient) -> None:
    """With no date the list opened on today, years after the record's last order, as if
    its orders were reported today; it opens on the record's last day and says so."""
    html = client.get("/orders").text
    assert "Orders in force on 3 Dec 2023" in html  # the last change: the Gaza City order lifted
    assert "The last day in the record:" in html and "107, 108" in html
    asked = client.get("/orders?date=2023-12-03").text
    assert "Orders in force on 3 Dec 2023" in asked and "The last day in the record:" not in asked
    # the order types asked for decide the last day: the humanitarian zone dates from 1 Dec
    zones = client.get("/orders?order_type=humanitarian_zone").text
    assert "Orders in force on 1 Dec 2023" in zones
    # what was known then: before the lift was recorded there is no record at all, so today
    assert "The last day in the record:" not in client.get("/orders?as_of=2001-01-01T00:00:00Z").text


def test_orders_bad_date(client: TestClient) -> None:
    r = client.get("/orders?date=2023-13-45")
    assert r.status_code == 400 and "date" in r.json()["detail"]


# -- static assets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/static/leaflet/leaflet.js", 200),
        ("/static/markercluster/leaflet.markercluster.js", 200),
        ("/static/sitmap/sitmap-map.css", 200),
        ("/static/leaflet/images/layers.png", 200),
        ("/static/sitmap/../mapbuilder.py", 404),
        ("/static/leaflet/%2e%2e/%2e%2e/settings.py", 404),
        ("/static/nothing/here.js", 404),
    ],
)
def test_static_assets(client: TestClient, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status
    if status == 200 and path.endswith(".js"):
        assert r.headers["content-type"].startswith("text/javascript")


def test_static_bodies_are_compressed_once_versioned_and_immutable(client: TestClient) -> None:
    from api.compression import zstd
    from api.render.assets import resolve_asset

    html = client.get("/maps/all").text
    urls = dict(re.findall(r'(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]{12})"', html))
    # every script, style, the boundaries and the basemap carry their content version
    for path in ("leaflet/leaflet.js", "sitmap/sitmap-map.js", "sitmap/sitmap-map.css", "sitmap/basemap.geojson"):
        assert f"/static/{path}" in urls, path
    assert "/static/boundaries.geojson" in urls
    assert "/static/sitmap/sitmap-tiles.js" not in urls  # no layer is drawn from vector tiles here
    leaflet = resolve_asset("leaflet/leaflet.js").path.read_bytes()
    url = f"/static/leaflet/leaflet.js?v={urls['/static/leaflet/leaflet.js']}"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.content == leaflet and "content-encoding" not in plain.headers
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "accept-encoding" in plain.headers["vary"].lower()
    # an outdated or missing version still answers, cached for a day only
    assert client.get("/static/leaflet/leaflet.js?v=000000000000").headers["cache-control"] == "public, max-age=86400"
    assert client.get("/static/leaflet/leaflet.js").headers["cache-control"] == "public, max-age=86400"
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and gz.content == leaflet  # httpx decodes it
    assert int(gz.headers["content-length"]) < len(leaflet) * 0.3
    if zstd is not None:
        with client.stream("GET", url, headers={"Accept-Encoding": "zstd, gzip"}) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "zstd" and zstd.decompress(raw) == leaflet
        assert len(raw) < int(gz.headers["content-length"])  # zstd 19 beats gzip 9 here
        etag = r.headers["etag"]
        assert etag.endswith('-zstd"')
        again = client.get(url, headers={"Accept-Encoding": "zstd, gzip", "If-None-Match": etag})
        assert again.status_code == 304
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": gz.headers["etag"]})
    assert again.status_code == 304
    # sitmap's own scripts are served minified (comments gone), and still name what they define
    source = resolve_asset("sitmap/sitmap-map.js").path.read_text(encoding="utf-8")
    served = client.get("/static/sitmap/sitmap-map.js", headers={"Accept-Encoding": "identity"}).text
    assert len(served) < 0.85 * len(source) and "window.SitmapMap" in served and "/**" not in served


def test_boundaries_keep_only_the_decimals_their_simplification_shows(client: TestClient) -> None:
    fc = client.get("/static/boundaries.geojson").json()

    def decimals(coords: object) -> int:
        if isinstance(coords, list):
            return max((decimals(c) for c in coords), default=0)
        text = repr(coords)
        return len(text.split(".")[1]) if "." in text else 0

    for f in fc["features"]:
        most = 3 if f["properties"]["level"] == "country" else 4
        assert decimals(f["geometry"]["coordinates"]) <= most, f["properties"]["name"]


def test_boundaries_context(client: TestClient) -> None:
    fc = client.get("/static/boundaries.geojson").json()
    names = {(f["properties"]["level"], f["properties"]["name"]) for f in fc["features"]}
    assert ("adm1", "Gaza Strip") in names and ("adm2", "Khan Younis") in names and ("country", "Israel") in names
    assert "OCHA" in fc["attribution"]


# -- library pieces ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "precision", "words"),
    [
        ("2023-12-02T00:00", "2023-12-02T23:59:59", "day", "on 2 Dec 2023"),
        ("2023-12-04T00:00", "2023-12-10T23:59:59", "week", "in the week of 4 Dec 2023"),
        ("2023-12-01T00:00", "2023-12-31T23:59:59", "month", "sometime in Dec 2023"),
        ("2023-12-02T14:00", "2023-12-02T14:59:59", "hour", "around 14:00 on 2 Dec 2023 (UTC)"),
        ("2023-12-01T00:00", "2023-12-03T23:59:59", "day", "between 1 and 3 Dec 2023"),
    ],
)
def test_time_in_words(start: str, end: str, precision: str, words: str) -> None:
    t0 = datetime.fromisoformat(start).replace(tzinfo=UTC)
    t1 = datetime.fromisoformat(end).replace(tzinfo=UTC)
    assert describe_time(t0, t1, precision) == words


def test_time_unknown_and_radius_words() -> None:
    assert describe_time(None, None, "unknown") == "time unknown"
    assert [describe_radius(r) for r in (40, 260, 2500, 12_000)] == ["± 40 m", "± 260 m", "± 2.5 km", "± 12 km"]


def test_fill_opacity_falls_with_size() -> None:
    values = [fill_opacity(r) for r in (50, 500, 5_000, 50_000, 500_000)]
    assert values == sorted(values, reverse=True) and values[0] > 0.3 and values[-1] >= 0.03


def test_claims_payload_keeps_unlocated_count_and_dictionaries() -> None:
    claims, _ = load_fixture()
    p = claims_payload(claims)
    assert p["count"] == len(claims) - 1 and p["unlocated"] == 1
    i = p["ids"].index("xss")
    assert p["sources"][p["src"][i]] == "<img src=x onerror=alert(1)>"
    assert len(p["event_types"]) == len(set(p["event_types"]))


def test_notebook_map_is_self_contained() -> None:
    claims, zones = load_fixture()
    html = notebook_map(claims, zones, title="Notebook view", date="2023-12-02").get_root().render()
    assert "/static/" not in html
    assert not re.findall(r'<script[^>]+src="http', html) and not re.findall(r'<link[^>]+href="http', html)
    assert "SitmapMap.init" in html and "Leaflet 1.9" in html  # Leaflet itself is inline
    assert "url(data:image/png;base64," in html  # leaflet.css images inlined
    assert "<img src=x onerror" not in html  # user text only inside escaped JSON


def test_incident_of_one_claim_from_its_neighbours(client: TestClient) -> None:
    body = client.get("/maps/all/incident/ky-strike-1.json").json()
    assert body["incident"]["status"] == "corroborated" and body["incident"]["independent_sources"] == 2
    assert sorted(body["ids"]) == ["ky-strike-1", "ky-strike-2"]
    single = client.get("/maps/all/incident/nu-shooting.json").json()
    assert single["incident"] is None or single["ids"] == ["nu-shooting"]
    assert client.get("/maps/all/incident/unlocated.json").status_code == 404
    assert client.get("/maps/all/incident/no-such-claim.json").status_code == 404
    assert client.get("/maps/evacuation-orders/incident/ky-strike-1.json").status_code == 404


def test_large_layers_leave_corroboration_to_popups(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import mapview

    assert client.get("/maps/all/data.json").json()["incidents_inline"] is True
    monkeypatch.setattr(mapview, "INLINE_CORROBORATION", 3)
    client.app.state.map_payload_cache = None  # the cached body was built under the old limit
    d = client.get("/maps/all/data.json").json()
    assert d["incidents_inline"] is False and d["incidents"] == [] and set(d["inc"]) == {-1}


def test_data_is_built_once_and_rebuilt_after_a_write(tmp_path: Path) -> None:
    from api import mapview as maps

    own = tmp_path / "own.gpkg"
    store = open_store(own)
    store.add_claims(load_fixture()[0])
    store.close()
    app = create_app(Settings(db=str(own), tiles="none"))
    calls = []
    real = maps.layer_payload

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with TestClient(app) as c:
        maps.layer_payload, saved = counting, maps.layer_payload
        try:
            first = c.get("/maps/all/data.json").json()
            assert c.get("/maps/all/data.json").json() == first and len(calls) == 1
            store = app.state.store
            claims, _ = load_fixture()
            store.add_claims([claims[0].model_copy(update={"id": "late-claim"})])
            after = c.get("/maps/all/data.json").json()
            assert len(calls) == 2 and "late-claim" in after["ids"] and after["count"] == first["count"] + 1
        finally:
            maps.layer_payload = saved


def test_default_basemap_is_the_offline_one_and_reaches_no_tile_server(db: str) -> None:
    app = create_app(Settings(db=db))
    with TestClient(app) as c:
        r = c.get("/embed/all")
        assert "/static/sitmap/basemap.geojson" in r.text and "tile.openstreetmap.org" not in r.text
        assert "img-src 'self' data: blob:;" in r.headers["content-security-policy"]


def test_cli_writes_offline_html_and_png(db: str, tmp_path: Path) -> None:
    from api.cli import main

    html_path = tmp_path / "view.html"
    assert main(["map", "all", "evacuation-orders", "--db", db, "--datetime", "2023-12-02", "-o", str(html_path)]) == 0
    html = html_path.read_text(encoding="utf-8")
    assert "SitmapMap.init" in html and "/static/" not in html and "ky-strike-1" in html
    assert config_of(html)["initial"]["date"] == "2023-12-02"
    png_path = tmp_path / "view.png"
    assert main(["map", "strikes", "--db", db, "--datetime", "2023-12-01/2023-12-07", "-o", str(png_path)]) == 0
    assert png_size(png_path.read_bytes()) == (1200, 800)
    assert main(["map", "all", "--db", db, "-o", str(tmp_path / "view.txt")]) == 2
    assert main(["map", "nope", "--db", db, "-o", str(html_path)]) == 2


def test_maps_on_each_backend(store_url: str) -> None:
    """The map data, page and PNG read through the Store protocol: the same on GeoPackage and PostGIS."""
    store = open_store(store_url)
    claims, zones = load_fixture()
    store.add_claims(claims)
    store.add_zones(zones)
    store.close()
    app = create_app(Settings(db=store_url, tiles="none"))
    with TestClient(app) as c:
        d = c.get("/maps/all/data.json?bbox=34.28,31.33,34.33,31.36").json()
        assert sorted(d["ids"]) == ["ky-strike-1", "ky-strike-2"]
        assert c.get("/maps/evacuation-orders/data.json").json()["count"] == 3
        assert c.get("/embed/all?datetime=2023-12-02&layers=evacuation-orders").status_code == 200
        assert "107, 108" in c.get("/orders?date=2023-12-02").text


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        ("Strikes reported in December, public after 24 hours", "after 24 hours.</bdi> Every feature is a claim"),
        ("Who struck what?", "<bdi>Who struck what?</bdi> Every feature is a claim"),
        ("", "<p>Every feature is a claim"),
    ],
)
def test_layer_description_reads_as_its_own_sentence(tmp_path: Path, description: str, shown: str) -> None:
    store = open_store(tmp_path / "d.gpkg")
    store.put_layer(Layer(id="december", title="December", description=description))
    store.close()
    with TestClient(create_app(Settings(db=str(tmp_path / "d.gpkg"), tiles="none"))) as c:
        html = c.get("/maps/december").text
    assert shown in html


@pytest.mark.parametrize("collection", ["all", "incidents"])
def test_every_drawn_claim_has_popup_details(client: TestClient, collection: str) -> None:
    """A popup reads its claim at ``items_url/<id>``: on an incident map the drawn points
    are member claims, not incidents, so the incident items route would answer 404."""
    cfg = config_of(client.get(f"/maps/{collection}").text)
    (layer,) = cfg["layers"]
    ids = client.get(layer["data_url"]).json()["ids"]
    assert ids
    for cid in ids:
        r = client.get(f"{layer['items_url']}/{cid}")
        assert r.status_code == 200, (cid, r.text)
        assert r.json()["properties"]["id"] == cid and r.json()["properties"]["claimant"]
    before = client.get(f"{layer['items_url']}/{ids[0]}", params={"as_of": "2001-01-01T00:00:00Z"})
    assert before.status_code == 404  # not known yet then
    missing = client.get(f"{layer['items_url']}/no-such-claim")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("radius_m", "solid"), [(600.0, True), (24_000.0, False)])
def test_png_draws_a_region_claim_hollow_never_as_a_solid_point(radius_m: float, solid: bool) -> None:
    """The static PNG (og:image, noscript) follows the map's rule: a claim placed only to an
    area ("Gaza Strip ± 24 km") is a hollow mark with its area, never a solid point."""
    from PIL import Image

    from api.render.png import SIZE_PX, render_png
    from layers.testing import make_claim

    lon, lat = 34.40, 31.42
    claim = make_claim("c-1", lon=lon, lat=lat, radius_m=radius_m, place_name="Gaza Strip")
    payload = claims_payload([claim])
    png = render_png([payload], title="t", when="1 Dec 2023", bbox=(lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1))
    img = Image.open(io.BytesIO(png)).convert("RGB")
    # the bbox is centred on the claim, so the claim sits at the centre of the map axes
    cx, cy = round((0.01 + 0.35) * SIZE_PX[0]), round(SIZE_PX[1] - (0.07 + 0.42) * SIZE_PX[1])
    r, g, b = img.getpixel((cx, cy))
    airstrike = (0xD5, 0x5E, 0x00)
    is_solid = abs(r - airstrike[0]) + abs(g - airstrike[1]) + abs(b - airstrike[2]) < 40
    assert is_solid is solid, (r, g, b)


def test_png_legend_names_only_what_the_map_draws() -> None:
    """The static map of claims listed the three order swatches, and a map of orders alone
    listed five claim types it did not draw."""
    from PIL import Image

    from api.render.mapbuilder import zone_palette
    from api.render.png import SIZE_PX, render_png
    from layers.testing import make_claim

    claims = claims_payload([make_claim("c-1", lon=34.40, lat=31.42)])
    zones = {"kind": "zones", "features": []}

    def legend_counts(payloads: list[dict]) -> dict[tuple[int, int, int], int]:
        png = render_png(payloads, title="t", when="1 Dec 2023", bbox=(34.3, 31.3, 34.5, 31.5))
        img = Image.open(io.BytesIO(png)).convert("RGB")
        box = img.crop((int(0.725 * SIZE_PX[0]), 0, SIZE_PX[0], SIZE_PX[1] // 2))
        return {c: n for n, c in box.getcolors(1_000_000) or []}

    def pixels(colour: tuple[int, int, int], counts: dict[tuple[int, int, int], int]) -> int:
        return sum(n for c, n in counts.items() if sum(abs(a - b) for a, b in zip(colour, c, strict=True)) <= 6)

    green = [int(zone_palette()["humanitarian_zone"]["color"].lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    swatch = tuple(round(0.35 * c + 0.65 * 255) for c in green)  # the order swatches are drawn at alpha 0.35
    airstrike = (0xD5, 0x5E, 0x00)  # a claim symbol, solid
    only_claims = legend_counts([claims])
    assert pixels(airstrike, only_claims) > 20 and pixels(swatch, only_claims) < 20
    only_zones = legend_counts([zones])
    assert pixels(swatch, only_zones) > 20 and pixels(airstrike, only_zones) < 20
    both = legend_counts([claims, zones])
    assert pixels(swatch, both) > 20 and pixels(airstrike, both) > 20
