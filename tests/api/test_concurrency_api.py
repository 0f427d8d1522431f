"""Concurrent writers through HTTP against ``sitmap serve --workers 2``, for each backend.

Two worker processes serve one store, so requests really race across processes:

* 16 clients each post 100 new claims (batches of 10 and single features): every
  claim is stored exactly once, at version 1.
* 16 clients each loop "GET the claim (ETag) -> PATCH with If-Match": every answer
  is 200 or a 412 problem naming the version that is current now, the final version
  is 1 + the number of 200s, and the history holds each accepted edit exactly once,
  at the version its 200 reported, with no gaps.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import AUTH, TOKENS, fill_store, free_port

CLIENTS = 16
EDITS_PER_CLIENT = 10
POSTS_PER_CLIENT = 100


@dataclass
class Served:
    """A running ``sitmap serve`` and the store it serves."""

    url: str
    db: str
    log: Path


@pytest.fixture
def served(store_url: str, tmp_path: Path) -> Iterator[Served]:
    """``sitmap serve --workers 2`` on a free port over a filled store; the whole process group is stopped after."""
    fill_store(store_url)
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "SITMAP_TOKENS": TOKENS, "SITMAP_RATE_LIMIT": "false"}
    cmd = [sys.executable, "-m", "api.cli", "serve", "--db", store_url, "--port", str(port), "--workers", "2"]
    cmd += ["--log-level", "info"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2], start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "sitmap serve did not start within 60 s"
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200 and _workers_started(log) == 2:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield Served(url, store_url, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group this test started: uvicorn's manager and its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _workers_started(log: Path) -> int:
    return len(set(re.findall(r"Started server process \[(\d+)\]", log.read_text(errors="replace"))))


def _feature(cid: str, n: int) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": cid,
        "geometry": {"type": "Point", "coordinates": [34.22 + (n % 173) * 0.0017, 31.24 + (n % 211) * 0.0015]},
        "properties": {
            "event_type": "shelling",
            "claimant": "Israeli military",
            "source": "Race Wire",
            "uncertainty_m": 1000,
            "valid_from": f"2023-12-{1 + n % 28:02d}T00:00:00Z",
            "valid_to": f"2023-12-{1 + n % 28:02d}T23:59:59Z",
            "time_precision": "day",
        },
    }


def _in_threads(fn, n: int) -> list[object]:  # type: ignore[no-untyped-def]
    """Run ``fn(i)`` in n threads released together; their results in order (an exception fails the test)."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    if errors:
        raise errors[0]
    return results


def _posting_race(served: Served) -> None:
    def client(w: int) -> list[str]:
        ids = [f"api-{w:02d}-{n:03d}" for n in range(POSTS_PER_CLIENT)]
        sent: list[str] = []
        with httpx.Client(base_url=served.url, timeout=60) as http:
            batches = [ids[i : i + 10] for i in range(0, 50, 10)] + [[c] for c in ids[50:]]
            for batch in batches:
                body = {"type": "FeatureCollection", "features": [_feature(c, w * 1000 + int(c[-3:])) for c in batch]}
                r = http.post("/claims", json=body, headers=AUTH)
                assert r.status_code == 201, r.text[:500]
                assert r.json()["inserted"] == batch
                sent += batch
        return sent

    sent = [c for ids in _in_threads(client, CLIENTS) for c in ids]  # type: ignore[union-attr]
    assert len(sent) == len(set(sent)) == CLIENTS * POSTS_PER_CLIENT
    with httpx.Client(base_url=served.url, timeout=60) as http:
        for cid in sent[:: len(sent) // 40]:  # a sample, through both workers, by history
            hist = http.get(f"/claims/{cid}/history").json()
            assert [f["properties"]["version"] for f in hist["features"]] == [1]
    from layers.store import ClaimQuery, open_store

    store = open_store(served.db)
    try:
        stored = [c.id for c in store.query_claims(ClaimQuery(limit=None)).items if c.id.startswith("api-")]
        assert sorted(stored) == sorted(sent)
        assert all(h.version == 1 for cid in sent[:50] for h in store.claim_history(cid))
    finally:
        store.close()


def _editing_race(served: Served) -> None:
    target = "/claims/c-ky-1"

    def client(w: int) -> tuple[list[tuple[str, int]], list[tuple[int, int, bool]]]:
        ok: list[tuple[str, int]] = []
        stale: list[tuple[int, int, bool]] = []
        with httpx.Client(base_url=served.url, timeout=60) as http:
            for k in range(EDITS_PER_CLIENT):
                got = http.get(target)
                assert got.status_code == 200, got.text[:300]
                etag = got.headers["etag"]
                seen = int(etag.strip('"v'))
                note = f"client {w} edit {k}"
                r = http.patch(
                    target,
                    json={"quote": note},
                    headers={**AUTH, "If-Match": etag, "Content-Type": "application/merge-patch+json"},
                )
                if r.status_code == 200:
                    assert r.headers["etag"] == f'"v{r.json()["properties"]["version"]}"'
                    ok.append((note, r.json()["properties"]["version"]))
                    continue
                assert r.status_code == 412, r.text[:300]
                assert r.headers["content-type"].startswith("application/problem+json")
                m = re.search(r"is at version (\d+), not (\d+)", r.json()["detail"])
                assert m is not None, r.json()
                assert int(m.group(2)) == seen and int(m.group(1)) > seen
                stale.append((seen, int(m.group(1)), "etag" in r.headers))
        return ok, stale

    results = _in_threads(client, CLIENTS)
    edits = [e for ok, _ in results for e in ok]  # type: ignore[misc]
    stale = [s for _, st in results for s in st]  # type: ignore[misc]
    raced = sum(1 for s in stale if not s[2])  # stale only inside the store's write (another process won)
    print(f"\n{len(edits)} edits accepted (200), {len(stale)} refused as stale (412), {raced} of them in the write")
    assert len(edits) + len(stale) == CLIENTS * EDITS_PER_CLIENT and edits
    with httpx.Client(base_url=served.url, timeout=60) as http:
        hist = http.get(target + "/history").json()["features"]
        current = http.get(target)
    versions = [f["properties"]["version"] for f in hist]
    assert versions == list(range(1, len(edits) + 2))  # 1 + accepted edits, no gap
    assert current.headers["etag"] == f'"v{len(edits) + 1}"'
    assert sorted(v for _, v in edits) == versions[1:]  # each version given to one client only
    quotes = {f["properties"]["version"]: f["properties"]["quote"] for f in hist}
    assert all(quotes[v] == note for note, v in edits)  # every accepted edit is kept, at its version
    assert all(f["properties"]["recorded_by"] == "newsroom" for f in hist[1:])


def test_16_clients_race_a_two_worker_server(served: Served) -> None:
    """Posting race, then editing race, on one server per backend (one test: one server start)."""
    _posting_race(served)
    _editing_race(served)
