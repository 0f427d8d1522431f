"""Hostile text in every string field stays inert in every page, popup, oEmbed, KML, GeoJSON and CSV.

A claim and a zone carry script, event-handler and attribute-breaking payloads,
right-to-left marks and zero-width characters in source, claimant, quote,
place_text, place_name, title and issuer. Every HTML page must show them escaped
(never as live markup), JSON embedded in a page must not close its ``<script>``,
CSV cells that a spreadsheet would run as a formula are neutralised, and the
strings round-trip unchanged through the JSON APIs (nothing silently dropped).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest

from layers.testing import make_claim, make_zone
from tests.api.conftest import TOKENS

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = "\"'><svg onload=alert(2)>"
BIDI = "\u202egnp.exe\u202c \u200f\u200b\u200d\ufeff"
CLOSE = "</script><script>alert(3)</script>"
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]

#: Raw markup that must never appear unescaped in an HTML response.
LIVE_MARKUP = ["<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from layers.store import open_store

    url = str(tmp_path_factory.mktemp("hostile") / "hostile.gpkg")
    store = open_store(url)
    try:
        store.add_claims(
            [
                make_claim(
                    "c-xss",
                    claimant=SCRIPT + BIDI,
                    source=IMG,
                    place_name=BREAKOUT,
                    quote=CLOSE + " " + BIDI,
                    place_text=BREAKOUT + BIDI,
                    day="2023-12-01",
                ),
                make_claim(
                    "c-formula",
                    claimant=FORMULAS[0],
                    source=FORMULAS[1],
                    place_name=FORMULAS[2],
                    day="2023-12-01",
                    quote=FORMULAS[3],
                ),
            ],
            recorded_by="fixture",
        )
        store.add_zones(
            [
                make_zone(
                    "z-xss",
                    bounds=(34.45, 31.50, 34.55, 31.58),
                    effective_from="2023-10-13",
                    title=SCRIPT + IMG,
                    issuer=BREAKOUT,
                )
            ],
            recorded_by="fixture",
        )
    finally:
        store.close()
    settings = Settings(db=url, tokens=TOKENS, rate_limit=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


HTML_PAGES = [
    "/?f=html",
    "/collections?f=html",
    "/collections/all?f=html",
    "/collections/all/items?f=html",
    "/collections/all/items/c-xss?f=html",
    "/collections/evacuation-orders/items?f=html",
    "/collections/evacuation-orders/items/z-xss?f=html",
    "/maps/all?date=2023-12-01",
    "/embed/all?date=2023-12-01",
    "/maps/evacuation-orders?date=2023-12-01",
    "/embed/evacuation-orders?date=2023-12-01",
    "/orders?date=2023-12-01",
]


def _assert_inert_html(text: str, path: str) -> None:
    for raw in LIVE_MARKUP:
        assert raw not in text, f"{path}: live markup {raw!r} in the page"
    # Inline scripts may hold JSON data; none may be closed early by the data.
    for block in re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S | re.I):
        assert "alert(" not in block, f"{path}: payload reached an inline script"


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_escape_hostile_text(hostile: Any, path: str) -> None:
    resp = hostile.get(path, headers={"Accept": "text/html"})
    if resp.status_code == 404 and path.startswith(("/orders", "/claims/")):
        pytest.skip(f"{path} not served here")
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("text/html")
    _assert_inert_html(resp.text, path)


def test_json_round_trips_hostile_strings_unchanged(hostile: Any) -> None:
    """Escaping is the renderer's job: the data keeps every character, RTL and zero-width marks included."""
    feat = hostile.get("/collections/all/items/c-xss", params={"f": "json"}).json()
    props = feat["properties"]
    assert props["claimant"] == SCRIPT + BIDI
    assert props["source"] == IMG
    assert props["place_name"] == BREAKOUT
    assert props["quote"] == CLOSE + " " + BIDI


def test_map_data_json_is_served_as_json(hostile: Any) -> None:
    for path in ("/maps/all/data.json?date=2023-12-01", "/maps/all/incident/c-xss.json"):
        resp = hostile.get(path)
        assert resp.status_code == 200, (path, resp.text[:300])
        assert resp.headers["content-type"].startswith("application/json")
        assert resp.headers["x-content-type-options"] == "nosniff"


def test_oembed_html_escapes_the_title(hostile: Any) -> None:
    resp = hostile.get("/oembed", params={"url": "http://testserver/maps/evacuation-orders", "format": "json"})
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["html"].startswith("<iframe")
    _assert_inert_html(doc["html"], "/oembed")


def test_kml_escapes_markup(hostile: Any) -> None:
    resp = hostile.get("/collections/all/items", params={"f": "kml"})
    assert resp.status_code == 200
    root = ElementTree.fromstring(resp.content)  # well-formed: nothing broke out of its element
    text = resp.text
    assert "<script>" not in text and "<img src=x" not in text and "<svg onload" not in text
    values = "".join(root.itertext())
    assert SCRIPT in values or "alert('x')" in values


def test_kml_descriptions_are_text_to_a_viewer_that_renders_html(hostile: Any) -> None:
    """Viewers (Google Earth) render a parsed <description> as HTML: it must hold no markup then."""
    import html as htmllib

    resp = hostile.get("/collections/all/items", params={"f": "kml"})
    assert resp.status_code == 200
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = {
        pm.findtext("k:ExtendedData/k:Data[@name='id']/k:value", namespaces=ns): pm.findtext(
            "k:description", namespaces=ns
        )
        for pm in ElementTree.fromstring(resp.content).iterfind(".//k:Placemark", ns)
    }
    desc = marks["c-xss"]
    assert "<" not in desc and ">" not in desc, desc  # nothing a viewer could take for a tag
    shown = htmllib.unescape(desc)  # what an HTML-rendering viewer shows
    assert SCRIPT in shown and IMG in shown, shown
    assert all("<" not in (d or "") for d in marks.values())


def test_geojson_download_keeps_strings(hostile: Any) -> None:
    resp = hostile.get("/collections/all/items", params={"f": "geojson"})
    assert resp.status_code == 200
    feats = {f["id"]: f for f in resp.json()["features"]}
    assert feats["c-xss"]["properties"]["source"] == IMG


def test_csv_export_neutralises_formulas(hostile: Any) -> None:
    resp = hostile.get("/collections/all/items", params={"f": "csv"})
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    row = next(r for r in rows if r["id"] == "c-formula")
    checked = [f for f in ("claimant", "source", "place_name", "quote", "notes") if f in row]
    assert {"claimant", "source", "place_name"} <= set(checked)
    for field in checked:
        assert row[field][:1] not in "=+-@\t\r", (field, row[field])
        assert row[field].lstrip("'") in FORMULAS
    # Numbers stay numbers: a negative or signed count is not mangled.
    assert all(not (r.get("fatalities") or "").startswith("'") for r in rows)


def test_desk_pages_escape_and_isolate_hostile_text(hostile: Any) -> None:
    from tests.api.conftest import WRITER
    from tests.api.test_desk import csrf_of

    form = hostile.get("/desk/sign-in")
    r = hostile.post("/desk/sign-in", data={"token": WRITER[1], "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert r.status_code == 303
    try:
        for path in (
            "/desk",
            "/desk/queue",
            "/desk/queue?claim=c-xss",
            "/desk/claims/c-xss",
            "/desk/queue?claim=c-formula",
        ):
            page = hostile.get(path)
            assert page.status_code == 200, path
            _assert_inert_html(page.text, path)
            assert "<script>" not in re.sub(r'<script src="[^"]+" defer></script>', "", page.text), path
        queue = hostile.get("/desk/queue?claim=c-xss").text
        # every hostile string is text inside a bidi-isolating element
        assert "<bdi>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\u202egnp.exe" in queue
        assert '<blockquote dir="auto">&lt;/script&gt;&lt;script&gt;alert(3)' in queue
    finally:
        hostile.cookies.clear()
