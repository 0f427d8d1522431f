"""An as-of answer (served as immutable) does not change when a later write supersedes one of its versions.

Both forms: the database-written texts (an exact reader) and the record path (GeoPackage
download, and every form of a collection that a private layer guards, for anonymous readers).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import ADMIN, AUTH


def _edit(client: Any, cid: str) -> None:
    tag = client.get(f"/claims/{cid}", headers=AUTH).headers["etag"]
    r = client.patch(
        f"/claims/{cid}",
        content=json.dumps({"fatalities": 321}),
        headers={**AUTH, "If-Match": tag, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text


def _forms(client: Any, as_of: str) -> list[Any]:
    out: list[Any] = []
    for f in ("json", "geojson", "csv", "gpkg"):
        body = client.get(f"/collections/all/items?f={f}&limit=50&as_of={as_of}").content
        if f in ("json", "geojson"):
            out.append(json.loads(body)["features"])
        elif f == "csv":
            out.append(body)
        else:
            import io

            import geopandas as gpd

            frame = gpd.read_file(io.BytesIO(body))
            out.append(sorted(str(v) for v in frame.get("superseded_at", [])))
    out.append(client.get(f"/collections/all/items/c-gaza-1?as_of={as_of}").json())
    return out


def test_as_of_answers_stay_the_same_after_a_later_edit(api_client: Any) -> None:
    time.sleep(0.002)
    as_of = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.002)
    before = _forms(api_client, as_of)
    _edit(api_client, "c-gaza-1")
    assert _forms(api_client, as_of) == before


def test_as_of_answers_of_a_guarded_collection_stay_the_same(api_client: Any) -> None:
    layer = {"id": "qa-private", "title": "private", "kind": "claims", "filter": {"claimants": ["nobody"]}}
    r = api_client.put(
        "/collections/qa-private/definition",
        json={**layer, "private": True},
        headers={"Authorization": f"Bearer {ADMIN[1]}"},
    )
    assert r.status_code in (200, 201), r.text
    time.sleep(0.002)
    as_of = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.002)
    before = _forms(api_client, as_of)
    _edit(api_client, "c-gaza-1")
    after = _forms(api_client, as_of)
    assert after == before
    assert all(f["properties"]["superseded_at"] is None for f in after[1])


def test_a_pinned_answer_is_the_same_bytes_under_its_strong_etag(api_settings: Any, monkeypatch: Any) -> None:
    """An as-of answer is immutable under one strong ETag, but its timeStamp was the time of
    writing: a second worker (here: a second app, no shared response cache) wrote other bytes
    under the same ETag. Its timeStamp is now the as-of instant."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.setattr("api.caching.IMMUTABLE_MARGIN", timedelta(0))  # pinned now, not a minute on
    time.sleep(0.002)
    as_of = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.002)
    bodies: dict[str, list[tuple[str, bytes]]] = {}
    for _worker in range(2):
        with TestClient(create_app(api_settings)) as client:
            for f in ("json", "geojson"):
                r = client.get(f"/collections/all/items?f={f}&as_of={as_of}", headers={"Accept-Encoding": "identity"})
                assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
                bodies.setdefault(f, []).append((r.headers["etag"], r.content))
        time.sleep(1.1)  # the timeStamp was written to the second
    for f, ((etag1, body1), (etag2, body2)) in bodies.items():
        assert etag1 == etag2 and not etag1.startswith("W/"), f
        assert body1 == body2, f
        assert json.loads(body1)["timeStamp"] == as_of, f
