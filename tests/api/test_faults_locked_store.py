"""The GeoPackage file locked by another process: reads go on where SQLite allows, the
service waits a bounded time, answers 503 problem+json with Retry-After, and recovers
by itself once the lock is gone, with nothing lost.

Two kinds of lock, each held by a real child process:

* a **writer lock** (``BEGIN IMMEDIATE``, as a long import or a GDAL edit holds it):
  WAL readers are not blocked, writers wait ``store_busy_timeout_s`` and get a 503;
* an **exclusive lock** (``PRAGMA locking_mode = EXCLUSIVE`` plus a write): in WAL mode
  it blocks readers too, but SQLite grants it only while no other connection has the
  file open (every open WAL connection keeps a shared lock). So it can only meet a
  service that starts while it is held; that service must start anyway, answer 503s,
  and open the store on the first request after the lock is released.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings
from layers.errors import StoreBusy
from layers.store import open_store
from layers.store.base import ClaimQuery
from layers.store.gpkg import GpkgStore, _ReadTx
from tests.api.conftest import AUTH, CLAIMS, TOKENS, fill_store
from tests.api.test_ingest_api import claim_feature

#: The service's lock budget in these tests (the default is a few seconds).
BUDGET_S = 0.6
#: A hang guard, not a timing measurement: no answer may take anywhere near this long.
HANG_S = 20.0

_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    path, mode = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.2)
    try:
        if mode == "exclusive":
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE sitmap_meta SET value = value WHERE key = 'created_at'")
        if mode == "exclusive":
            conn.execute("COMMIT")  # the exclusive lock outlives the transaction
    except sqlite3.OperationalError as exc:
        print("refused:", exc, flush=True)
        sys.exit(0)
    print("held", flush=True)
    sys.stdin.readline()
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()
    print("released", flush=True)
    """
)


class Holder:
    """A child process holding a lock on the store until :meth:`release`."""

    def __init__(self, path: str, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, path, mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.state = self.proc.stdout.readline().strip()

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "released"
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "locked.gpkg")
    fill_store(path)
    return path


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    made: list[Holder] = []
    yield made
    for h in made:
        h.kill()


def _client(db: str, budget: float = BUDGET_S) -> Any:
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = Settings(db=db, tokens=TOKENS, store_busy_timeout_s=budget, rate_limit=False, response_cache_mb=0)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _timed(call: Any) -> tuple[Any, float]:
    t0 = time.monotonic()
    r = call()
    return r, time.monotonic() - t0


def _assert_busy(r: Any, elapsed: float) -> None:
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers.get("retry-after") == "2"
    body = r.json()
    assert body["code"] == "store_busy" and body["status"] == 503
    assert "locked" in body["detail"]
    assert ".gpkg" not in body["detail"] and "<server path>" in body["detail"]  # no server file named
    assert elapsed < HANG_S


def _assert_nothing_lost(db: str, extra: set[str]) -> None:
    store = open_store(db, create=False)
    try:
        items = store.query_claims(ClaimQuery()).items
        assert {c.id for c in items} == {c.id for c in CLAIMS} | extra
        assert all(c.version == 1 for c in items)
        assert len(items) == len(CLAIMS) + len(extra)
    finally:
        store.close()


#: Reads that touch the store (items, one item, downloads, maps, history, health).
READS = [
    "/healthz",
    "/collections",
    "/collections/strikes/items?limit=3",
    "/collections/strikes/items/c-gaza-1",
    "/collections/strikes/items?f=csv",
    "/collections/strikes/items?f=gpkg",
    "/maps/strikes/data.json",
    "/embed/strikes",
    "/claims/c-gaza-1/history",
]


def test_writer_lock_reads_go_on_writes_get_503_then_recover(db: str, holders: list[Holder]) -> None:
    with _client(db) as client:
        assert client.get("/healthz").status_code == 200
        holder = Holder(db, "writer")
        holders.append(holder)
        assert holder.state == "held"
        for url in READS:  # WAL: a writer never blocks readers
            assert client.get(url).status_code == 200, url
        r, elapsed = _timed(lambda: client.post("/claims", json=claim_feature("c-lock-1"), headers=AUTH))
        _assert_busy(r, elapsed)
        r, elapsed = _timed(lambda: client.patch("/claims/c-gaza-1", json={"claimant": "x"}, headers=AUTH))
        _assert_busy(r, elapsed)
        holder.release()
        # no restart: the same app writes again, and the refused writes left nothing behind
        r = client.post("/claims", json=claim_feature("c-lock-1"), headers=AUTH)
        assert r.status_code == 201, r.text[:300]
        assert client.get("/collections/strikes/items/c-lock-1").status_code == 200
        assert client.get("/claims/c-gaza-1/history").json()["features"][-1]["properties"]["version"] == 1
    _assert_nothing_lost(db, {"c-lock-1"})


def test_a_write_waits_out_a_lock_released_within_the_budget(db: str, holders: list[Holder]) -> None:
    with _client(db, budget=10.0) as client:
        holder = Holder(db, "writer")
        holders.append(holder)
        assert holder.state == "held"
        out: dict[str, Any] = {}

        def post() -> None:
            out["r"] = client.post("/claims", json=claim_feature("c-waited"), headers=AUTH)

        t = threading.Thread(target=post)
        t.start()
        time.sleep(0.3)  # the write is now waiting on the lock
        assert "r" not in out
        holder.release()
        t.join(timeout=HANG_S)
        assert not t.is_alive()
        assert out["r"].status_code == 201, out["r"].text[:300]
    _assert_nothing_lost(db, {"c-waited"})


def test_exclusive_lock_at_start_up_gives_503_everywhere_then_the_service_recovers(
    db: str, holders: list[Holder]
) -> None:
    holder = Holder(db, "exclusive")
    holders.append(holder)
    assert holder.state == "held"
    with _client(db) as client:  # starts although the store cannot even be read
        for url in READS:
            r, elapsed = _timed(lambda url=url: client.get(url))
            _assert_busy(r, elapsed)
        r, elapsed = _timed(lambda: client.post("/claims", json=claim_feature("c-after"), headers=AUTH))
        _assert_busy(r, elapsed)
        for url in ("/", "/conformance", "/problems/store_busy"):  # pages that need no store still answer
            assert client.get(url).status_code == 200, url
        holder.release()
        for url in READS:
            assert client.get(url).status_code == 200, url
        assert client.get("/collections/strikes/items?limit=50").json()["numberMatched"] > 0
        assert client.post("/claims", json=claim_feature("c-after"), headers=AUTH).status_code == 201
    _assert_nothing_lost(db, {"c-after"})


def test_exclusive_lock_is_refused_while_the_service_has_the_store_open(db: str, holders: list[Holder]) -> None:
    """The finding behind the start-up test: open WAL connections keep readers safe from it."""
    with _client(db) as client:
        assert client.get("/collections/strikes/items").status_code == 200
        holder = Holder(db, "exclusive")
        holders.append(holder)
        assert holder.state.startswith("refused: database is locked")
        for url in READS:
            assert client.get(url).status_code == 200, url
        assert client.post("/claims", json=claim_feature("c-during"), headers=AUTH).status_code == 201
    _assert_nothing_lost(db, {"c-during"})


def test_store_reads_under_an_exclusive_lock_raise_store_busy_not_a_sqlite_error(
    db: str, holders: list[Holder]
) -> None:
    holder = Holder(db, "exclusive")
    holders.append(holder)
    assert holder.state == "held"
    with pytest.raises(StoreBusy, match="locked by another process"):
        open_store(db, busy_timeout_s=0.3)
    store = GpkgStore(db, busy_timeout_s=0.3)
    try:
        with pytest.raises(StoreBusy):
            store.query_claims(ClaimQuery())
        holder.release()
        assert store.query_claims(ClaimQuery()).total == len(CLAIMS)  # the same object recovers
    finally:
        store.close()


class _FlakyConn:
    """Stands in for a connection whose first ``fails`` statements find the file locked."""

    def __init__(self, fails: int) -> None:
        self.fails = fails
        self.calls = 0

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        import sqlite3

        self.calls += 1
        if self.calls <= self.fails:
            raise sqlite3.OperationalError("database is locked")
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [(1,)]


def test_a_read_statement_retries_a_busy_file_then_gives_store_busy(tmp_path: Path) -> None:
    store = GpkgStore(tmp_path / "s.gpkg", busy_timeout_s=0.3)
    conn = _FlakyConn(fails=2)
    assert _ReadTx(conn, store).fetch("SELECT 1") == [(1,)]  # type: ignore[arg-type]
    assert conn.calls == 3
    conn = _FlakyConn(fails=99)
    with pytest.raises(StoreBusy, match=r"locked by another process for 0\.3 s \(read\)"):
        _ReadTx(conn, store).fetch("SELECT 1")  # type: ignore[arg-type]
    assert conn.calls == 3


def test_busy_budget_is_a_setting_with_a_short_default() -> None:
    assert 1 <= Settings().store_busy_timeout_s <= 10
    with pytest.raises(ValueError):
        Settings(store_busy_timeout_s=0)
