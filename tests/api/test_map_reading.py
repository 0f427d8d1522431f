"""Reading aids through HTTP (issue 14): claimant aliases in filters, the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.render.i18n import MESSAGES, pick_lang, words
from api.settings import Settings
from layers.catalog import claimant_spellings
from layers.store import open_store
from tests.api.test_maps import load_fixture


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("reading") / "r.gpkg"
    store = open_store(path)
    claims, zones = load_fixture()
    idf = [c for c in claims if c.claimant == "Israeli military"]
    assert idf, "the fixture should hold claims of the Israeli military"
    store.add_claims(claims)
    store.add_zones(zones)
    store.close()
    with TestClient(create_app(Settings(db=str(path)))) as c:
        yield c


def test_claimant_aliases_apply_to_filters(client: TestClient) -> None:
    canonical = client.get("/collections/all/items", params={"claimant": "Israeli military"}).json()
    assert canonical["numberMatched"] > 0
    for alias in ("IDF", "Israel Defense Forces", "israeli army"):
        got = client.get("/collections/all/items", params={"claimant": alias}).json()
        assert got["numberMatched"] == canonical["numberMatched"], alias
    data = client.get("/maps/all/data.json", params={"claimant": "IDF"}).json()
    assert data["count"] == canonical["numberMatched"] - sum(1 for f in canonical["features"] if f["geometry"] is None)
    assert client.get("/collections/all/items", params={"claimant": "Nobody at all"}).json()["numberMatched"] == 0
    assert claimant_spellings(["Example Wire"]) == ("Example Wire",)


def test_language_is_negotiated_and_orders_speak_it(client: TestClient) -> None:
    assert pick_lang("he", "ar") == "he" and pick_lang(None, "ar-EG,en;q=0.5") == "ar"
    assert pick_lang(None, "fr-FR,de") == "en" and pick_lang("xx", None) == "en"
    ar = client.get("/orders?date=2023-12-02&lang=ar")
    assert ar.headers["content-language"] == "ar" and '<html lang="ar" dir="rtl">' in ar.text
    assert MESSAGES["Evacuation orders"]["ar"] in ar.text and words("ar").day(date(2023, 12, 2)) in ar.text
    he = client.get("/orders?date=2023-12-02", headers={"Accept-Language": "he-IL,he;q=0.9"})
    assert '<html lang="he" dir="rtl">' in he.text and "lang=he" in he.text  # links keep the language
    en = client.get("/orders?date=2023-12-02")
    assert '<html lang="en" dir="ltr">' in en.text and "Orders in force on 2 Dec 2023" in en.text


def test_map_pages_speak_the_readers_language_and_their_links_keep_it(client: TestClient) -> None:
    from html import unescape

    ar = client.get("/maps/all?lang=ar&claimant=IDF")
    assert ar.headers["content-language"] == "ar" and '<html lang="ar" dir="rtl">' in ar.text
    assert MESSAGES["All claims"]["ar"] in ar.text and MESSAGES["Download this view"]["ar"] in ar.text
    html = ar.text.split('<script type="application/json"')[0]  # the page, not the script's string table
    assert "Every feature is a claim" not in html and "Copy snippet" not in html
    page = unescape(ar.text)
    # the canonical link, the oEmbed link and the snippet's iframe all keep the language (and the filter)
    assert '/maps/all?claimant=IDF&lang=ar"' in page
    assert "oembed?url=" in page and "lang%3Dar" in page
    snippet = page.split('id="sm-snippet"')[1].split("</textarea>")[0]
    assert "/embed/all?as_of=" in snippet and "&amp;claimant=IDF&amp;lang=ar" in snippet  # an attribute: &amp;
    # the plain orders list of the same day and order types, in the same language
    assert 'href="/orders?lang=ar"' in ar.text
    dated = client.get("/maps/evacuation-orders?datetime=2023-12-02&order_type=evacuate&lang=he").text
    assert 'href="/orders?date=2023-12-02&amp;order_type=evacuate&amp;lang=he"' in dated
    # no ?lang=: the language comes from Accept-Language, and the links stay language-neutral
    he = client.get("/maps/all", headers={"Accept-Language": "he"})
    assert '<html lang="he" dir="rtl">' in he.text and "lang=he" not in he.text
    # oEmbed of a page in Hebrew embeds the map in Hebrew; an unknown language is not passed on
    base = "http://testserver/maps/all"
    body = client.get("/oembed", params={"url": f"{base}?lang=he"}).json()
    assert "lang=he" in body["html"]
    assert "lang=" not in client.get("/oembed", params={"url": f"{base}?lang=xx"}).json()["html"]
