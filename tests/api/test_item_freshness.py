"""One item by id stays current: the cached layer definition and the page totals never go stale.

The by-id route keeps layer definitions keyed on the store clock and the stores
derive ``numberMatched`` from one row beyond the page; these tests change layers and
claims between requests and check the very next answer.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import CLAIMS, READ_AUTH


def test_layer_changes_are_seen_by_the_next_item_request(api_client) -> None:
    from layers.model import Layer, LayerFilter

    store = api_client.app.state.store
    url = "/collections/watch/items/c-gaza-1"
    assert api_client.get(url).status_code == 404  # no such collection yet
    store.put_layer(Layer(id="watch", title="Watch", filter=LayerFilter(event_types=("airstrike",))))
    first = api_client.get(url)
    assert first.status_code == 200 and first.json()["id"] == "c-gaza-1"
    store.put_layer(Layer(id="watch", title="Watch", filter=LayerFilter(event_types=("shelling",))))
    assert api_client.get(url).status_code == 404  # c-gaza-1 is an airstrike: no longer in the layer
    assert api_client.get("/collections/watch/items/c-gaza-2").status_code == 200
    store.put_layer(Layer(id="watch", title="Watch", private=True, filter=LayerFilter(event_types=("shelling",))))
    assert api_client.get("/collections/watch/items/c-gaza-2").status_code == 401
    assert api_client.get("/collections/watch/items/c-gaza-2", headers=READ_AUTH).status_code == 200
    store.delete_layer("watch")
    assert api_client.get("/collections/watch/items/c-gaza-2", headers=READ_AUTH).status_code == 404


def test_a_claim_change_is_seen_with_a_new_etag(api_client) -> None:
    store = api_client.app.state.store
    url = "/collections/all/items/c-ky-1"
    before = api_client.get(url)
    assert api_client.get(url, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    store.update_claim("c-ky-1", {"place_name": "Khan Younis (east)"})
    after = api_client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.json()["properties"]["place_name"] == "Khan Younis (east)"
    assert after.json()["properties"]["version"] == before.json()["properties"]["version"] + 1


@pytest.mark.parametrize(
    ("limit", "offset"), [(0, 0), (1, 0), (3, 0), (3, 6), (3, 7), (9, 0), (10, 0), (100, 5), (3, 9), (3, 50), (None, 4)]
)
def test_totals_are_exact_on_every_page(store, limit: int | None, offset: int) -> None:
    from layers.store import ClaimQuery

    store.add_claims(CLAIMS)
    page = store.query_claims(ClaimQuery(limit=limit, offset=offset))
    assert page.total == len(CLAIMS)
    expected = sorted(CLAIMS, key=lambda c: (c.valid_from is None, c.valid_from, c.id))
    end = None if limit is None else offset + limit
    assert [c.id for c in page.items] == [c.id for c in expected[offset:end]]


def test_features_and_clock_read_together_match_the_separate_reads(store) -> None:
    from layers.store import ClaimQuery

    assert store.claim_features_and_clock(ClaimQuery(ids=("c-gaza-1",), limit=1)) == ([], None)  # empty store
    store.add_claims(CLAIMS)
    for ids, region in ((("c-gaza-1",), False), (("c-ky-1",), True), (("missing",), False)):
        query = ClaimQuery(ids=ids, limit=1)
        feats, clock = store.claim_features_and_clock(query, include_region=region)
        assert feats == store.query_claim_features(query, include_region=region).items
        assert clock == store.last_recorded_at() is not None
