"""``sitmap serve`` SIGKILLed while a client posts batches of claims: nothing half-written, nothing acknowledged lost.

A real server (``python -m api.cli serve`` on a free 127.0.0.1 port, over a GeoPackage)
takes ``POST /claims`` FeatureCollections from a client thread and is SIGKILLed at
seeded random moments, then started again. After every kill: the file passes
``PRAGMA integrity_check`` and opens, every batch is wholly in or wholly out, every
batch the server acknowledged (201/200) is stored, and nothing is stored twice. The
client re-sends the batch that was in flight (same ids) to the restarted server, so
at the end every batch is stored exactly once, each claim at version 1.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from layers.store import open_store
from layers.store.base import ClaimQuery
from layers.store.gpkg import register_functions
from tests.api.conftest import AUTH, TOKENS, free_port
from tests.api.test_ingest_api import claim_feature

ROOT = Path(__file__).resolve().parents[2]
SEED = 8
KILLS = 4
BATCH = 40
BATCHES = 60


def _start(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "SITMAP_TOKENS": TOKENS, "SITMAP_RATE_LIMIT": "false", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "api.cli", "serve", "--db", str(db), "--port", str(port), "--log-level", "warning"]
    with log.open("ab") as fh:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError("sitmap serve did not start")


def _batch(j: int) -> dict[str, Any]:
    feats = [
        claim_feature(f"c-b{j:03d}-{i:02d}", valid_from=f"2023-12-{1 + j % 28:02d}T00:00:00Z") for i in range(BATCH)
    ]
    for i, f in enumerate(feats):
        f["geometry"]["coordinates"] = [34.2 + 0.004 * i, 31.25 + 0.004 * (j % 60)]
        f["properties"]["valid_to"] = f"2023-12-{1 + j % 28:02d}T23:59:59Z"
    return {"type": "FeatureCollection", "features": feats}


class Client(threading.Thread):
    """Posts batch after batch until told to stop; remembers what was acknowledged."""

    def __init__(self, url: str, start_at: int) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.next = start_at
        self.acked: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as http:
            while not self.stop.is_set() and self.next < BATCHES:
                try:
                    r = http.post(self.url + "/claims", json=_batch(self.next), headers=AUTH)
                except httpx.HTTPError:
                    return  # the server died under us: this batch is in flight
                assert r.status_code in (200, 201), r.text[:300]
                self.acked.add(self.next)
                self.next += 1


def _check(db: Path, acked: set[int]) -> set[int]:
    """Assert the invariants; return the batches stored."""
    conn = sqlite3.connect(db)
    register_functions(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT id, version FROM claim_versions").fetchall()
        assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom").fetchone()[0] == len(rows)
    finally:
        conn.close()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) and {r[1] for r in rows} <= {1}
    per_batch: dict[int, int] = {}
    for cid in ids:
        j = int(cid.split("-")[1][1:])
        per_batch[j] = per_batch.get(j, 0) + 1
    assert all(n == BATCH for n in per_batch.values()), f"a batch went in partly: {per_batch}"
    assert acked <= set(per_batch), f"acknowledged batches lost: {sorted(acked - set(per_batch))}"
    store = open_store(db, create=False)
    try:
        assert store.query_claims(ClaimQuery(limit=1)).total == len(ids)
    finally:
        store.close()
    return set(per_batch)


def test_server_killed_while_writing_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "served.gpkg"
    open_store(db).close()
    log = tmp_path / "serve.log"
    rnd = random.Random(SEED)
    acked: set[int] = set()
    in_flight_landed = 0
    resume = 0
    for _ in range(KILLS):
        proc, url = _start(db, log)
        client = Client(url, resume)
        try:
            client.start()
            time.sleep(rnd.uniform(0.05, 1.0))
            os.kill(proc.pid, signal.SIGKILL)  # the server we started, by its pid
        finally:
            proc.wait(timeout=30)
            client.stop.set()
            client.join(timeout=60)
        assert not client.is_alive()
        acked |= client.acked
        stored = _check(db, acked)
        if client.next in stored and client.next not in acked:
            in_flight_landed += 1  # committed, but the answer never reached the client
        resume = client.next  # the next server gets the in-flight batch again (same ids)
    proc, url = _start(db, log)
    try:
        client = Client(url, resume)
        client.run()
        assert client.next == BATCHES
        acked |= client.acked
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert _check(db, acked) == set(range(BATCHES))
    store = open_store(db, create=False)
    try:
        items = store.query_claims(ClaimQuery()).items
        assert len(items) == BATCHES * BATCH and all(c.version == 1 for c in items)
    finally:
        store.close()
    print(
        f"\nserver kill faults: {KILLS} SIGKILLs of sitmap serve while posting {BATCH}-claim batches; "
        f"{in_flight_landed} in-flight batches had committed without an answer; "
        f"final: {BATCHES * BATCH} claims once, all version 1"
    )
