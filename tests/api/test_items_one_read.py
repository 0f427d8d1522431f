"""An items page from one store read: the page and the store clock in one round trip.

With the response cache off, the items route reads a GeoJSON page of a cached claim
layer and the store clock together (PostGIS: one query string). These tests check that
the answer is the two-read path's (status, validators, caching headers, body) and stays
current after a write, and, on PostGIS, that the page costs one statement where the
two-read path cost two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import TOKENS, fill_store

QUERIES = (
    "/collections/all/items?limit=3",
    "/collections/all/items?limit=3&offset=2",
    "/collections/all/items?bbox=34.2,31.2,34.6,31.6&datetime=2000-01-01/2100-01-01&limit=50",
    "/collections/all/items?bbox=34.2,31.2,34.6,31.6&limit=1",
    "/collections/all/items?properties=place_name&limit=4",
    "/collections/all/items?as_of=2100-01-01T00:00:00Z&limit=5",
    "/collections/all/items?bbox=0,0,1,1",
)
HEADERS = ("etag", "last-modified", "cache-control", "vary", "content-type", "content-crs")


@pytest.fixture
def client(store_url: str) -> Iterator[Any]:
    """A TestClient over a filled store of each backend, response cache off (as the cold path runs)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    fill_store(store_url)
    settings = Settings(db=store_url, tokens=TOKENS, default_limit=5, max_limit=50, response_cache_mb=0)
    with TestClient(create_app(settings)) as c:
        yield c


def _answer(response: Any) -> tuple[int, dict[str, str | None], Any]:
    body = response.json()
    body.pop("timeStamp", None)  # the time of writing
    return response.status_code, {h: response.headers.get(h) for h in HEADERS}, body


def _executes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement string psycopg sends from here on (each ``execute`` is one round trip)."""
    import psycopg

    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return sent


def test_one_read_answers_as_the_two_reads_do(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routes import items as route

    for url in QUERIES:
        client.get(url)  # the layer definition into the layer cache
        fast = _answer(client.get(url))
        with monkeypatch.context() as m:
            m.setattr(route, "_items_one_read", lambda *a, **k: None)
            full = _answer(client.get(url))
        assert fast == full, url
        assert fast[0] == 200 and fast[1]["etag"] and fast[1]["cache-control"], url
    # a conditional request still gets its 304 (the full path answers it without the page)
    etag = client.get(QUERIES[0]).headers["etag"]
    assert client.get(QUERIES[0], headers={"If-None-Match": etag}).status_code == 304


def test_a_write_is_seen_by_the_next_page(client: Any) -> None:
    store = client.app.state.store
    url = "/collections/all/items?limit=50"
    before = client.get(url)
    client.get(url)
    store.update_claim("c-ky-1", {"place_name": "Khan Younis (east)"})
    after = client.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    names = {f["id"]: f["properties"]["place_name"] for f in after.json()["features"]}
    assert names["c-ky-1"] == "Khan Younis (east)"


@pytest.mark.parametrize("store_url", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True)
def test_postgis_page_is_one_statement(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routes import items as route

    url = "/collections/all/items?bbox=34.2,31.2,34.6,31.6&datetime=2000-01-01/2100-01-01&limit=50"
    client.get(url)  # the layer definition into the layer cache
    sent = _executes(monkeypatch)
    assert client.get(url).status_code == 200
    # the clock is prepared once per session (PREPARE on a connection's first such page)
    assert len([q for q in sent if not q.startswith("PREPARE ")]) == 1, sent
    assert "EXECUTE sitmap_store_clock" in sent[-1]
    sent.clear()
    monkeypatch.setattr(route, "_items_one_read", lambda *a, **k: None)
    assert client.get(url).status_code == 200
    assert len(sent) == 2, sent  # the clock, then the page


@pytest.mark.parametrize("store_url", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True)
def test_postgis_page_and_clock_match_the_separate_reads(store: Any) -> None:
    import psycopg

    from layers.store import ClaimQuery
    from layers.store.postgis import _KeyedTx
    from tests.api.conftest import CLAIMS

    store.add_claims(CLAIMS)
    for query in (ClaimQuery(limit=2), ClaimQuery(limit=2, offset=3), ClaimQuery(bbox=(34.2, 31.2, 34.6, 31.6))):
        assert store.claim_feature_page_and_clock(query) == (store.claim_feature_page(query), store.last_recorded_at())
    # a session that lost its prepared clock (DEALLOCATE ALL, DISCARD ALL) prepares it again
    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        first = _KeyedTx(conn, clock=True)
        assert first.fetch("SELECT 1") == [(1,)] and first.clock == store.last_recorded_at() is not None
        conn.execute("DEALLOCATE ALL")
        again = _KeyedTx(conn, settings=False, clock=True)
        assert again.fetch("SELECT 2") == [(2,)] and again.clock == first.clock
