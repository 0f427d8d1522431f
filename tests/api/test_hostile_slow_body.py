"""A slow (stalled) request body is answered 408 problem+json after ``body_timeout_s``, nothing stored.

Driven at the ASGI level: the client sends part of a JSON body, then nothing. A
streamed download afterwards is not cut by the timeout (receive() then only waits
for a disconnect).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import AUTH, TOKENS, fill_store


@pytest.fixture
def client(tmp_path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path / "slow.gpkg")
    fill_store(url)
    settings = Settings(db=url, tokens=TOKENS, body_timeout_s=0.3, rate_limit=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


async def _call(app: Any, method: str, path: str, chunks: list[bytes], stall: bool) -> tuple[int, dict, bytes]:
    sent: list[dict[str, Any]] = []
    queue = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    if not stall:
        queue.append({"type": "http.request", "body": b"", "more_body": False})

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)  # the client went quiet
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"authorization", AUTH["Authorization"].encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), 10)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_stalled_body_is_408_and_nothing_stored(client: Any) -> None:
    before = client.app.state.store.stats().claims
    feature = {
        "type": "Feature",
        "id": "c-slow",
        "geometry": {"type": "Point", "coordinates": [34.45, 31.5]},
        "properties": {"event_type": "airstrike", "claimant": "x", "source": "y", "uncertainty_m": 500},
    }
    data = json.dumps(feature).encode()
    status, headers, body = client.portal.call(_call, client.app, "POST", "/claims", [data[:20]], True)
    assert status == 408, body
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["code"] == "request_timeout"
    assert client.app.state.store.stats().claims == before
    # The same body sent at once is stored.
    status, _h, body = client.portal.call(_call, client.app, "POST", "/claims", [data[:20], data[20:]], False)
    assert status == 201, body


def test_reads_are_not_cut_by_the_body_timeout(client: Any) -> None:
    """A GET whose receive() then waits for a disconnect must still complete (downloads stream for long)."""
    status, _h, body = client.portal.call(_call, client.app, "GET", "/collections/all/items", [], False)
    assert status == 200 and body
