"""PostGIS restarted under load: the service answers 503 problems meanwhile and reconnects by itself.

A private PostgreSQL cluster (``initdb`` into a temporary directory, its own port and
socket directory) is started for this module, so the machine's own server is never
touched. A live ``uvicorn`` serving sitmap over it takes reads and writes from several
client threads while the cluster is restarted with ``pg_ctl restart -m fast`` and then
crashed and restarted with ``-m immediate``. Every answer must be a success or a 503
``application/problem+json`` with ``Retry-After`` (never a 500, never slower than a
bound), the service must serve again within seconds of the database coming back, and
every claim a client was told is stored (201), or retried after a 503 with the same id,
must be in the store exactly once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import AUTH, free_port, start_server, stop_server
from tests.conftest import require

pytestmark = [pytest.mark.postgis, pytest.mark.xdist_group("pg_restart")]

#: No request may take longer than this, outage or not (the store's connection wait is 5 s).
REQUEST_BOUND_S = 15.0
#: After the database is back, every request must succeed again within this many seconds.
RECOVERY_BOUND_S = 10.0
#: Once the first write after the outage is served, every request must succeed for this long.
SETTLE_S = 1.5
CLIENTS = 6


def _pg_bindir() -> Path | None:
    """The bin directory of an installed PostgreSQL server with a PostGIS extension (15 preferred)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parent.parent.name != "15")
    for initdb in candidates:
        version = initdb.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return initdb.parent
    return None


@dataclass
class Cluster:
    """A private PostgreSQL cluster: data directory, socket directory and port of its own."""

    bindir: Path
    root: Path
    port: int
    as_postgres: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/sitmap_restart"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        opts = f"-p {self.port} -k {self.root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd = [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log")]
        cmd += ["-o", opts, "-w", "-t", "60", *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=90)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self, mode: str) -> None:
        self._pg_ctl("restart", "-m", mode)

    def start_if_stopped(self) -> None:
        if self._pg_ctl("status", check=False).returncode != 0:
            self.start()

    def stop(self, mode: str = "immediate") -> None:
        self._pg_ctl("stop", "-m", mode, check=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """initdb + pg_ctl start on a free port; stopped and deleted at the end of the module."""
    bindir = _pg_bindir()
    require(bindir is not None, "no PostgreSQL server with PostGIS installed (postgresql-15-postgis-3)")
    assert bindir is not None
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        require(shutil.which("runuser") is not None, "runuser is needed to run PostgreSQL as 'postgres'")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="sitmap-pg-"))
    (root / "sock").mkdir()
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(root / "sock", "postgres")
    c = Cluster(bindir=bindir, root=root, port=free_port(), as_postgres=as_postgres)
    try:
        init = [*as_postgres, str(bindir / "initdb"), "-D", str(c.data), "-A", "trust", "-U", "postgres"]
        subprocess.run([*init, "-E", "UTF8", "--locale=C", "--no-sync"], capture_output=True, check=True, timeout=120)
        c.start()
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{c.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE sitmap_restart")
        with psycopg.connect(c.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


def _feature(cid: str, i: int) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": cid,
        "geometry": {"type": "Point", "coordinates": [34.30 + (i % 97) * 0.002, 31.30 + (i % 89) * 0.002]},
        "properties": {
            "event_type": "airstrike",
            "claimant": "Gaza civil defence",
            "source": "Restart Wire",
            "uncertainty_m": 500,
            "valid_from": "2023-12-01T00:00:00Z",
            "valid_to": "2023-12-01T23:59:59Z",
            "time_precision": "day",
        },
    }


@dataclass
class Outcome:
    """One request and its answer, as a client saw it."""

    kind: str
    started: float
    elapsed: float
    status: int
    ctype: str
    retry_after: str | None
    body: str


@dataclass
class Load:
    """Client threads writing new claims and reading, while the test restarts the database."""

    base: str
    outcomes: list[Outcome] = field(default_factory=list)
    #: claim id -> its posted batch, for every batch not yet answered 2xx (retried later)
    pending: dict[str, list[str]] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    last: str | None = None

    def _next_batch(self, worker: int) -> list[str]:
        with self.lock:
            self.counter += 1
            n = self.counter
        size = (1, 3, 10)[n % 3]
        return [f"rs-{worker}-{n}-{k}" for k in range(size)]

    def post(self, client: httpx.Client, ids: list[str]) -> Outcome:
        body = {"type": "FeatureCollection", "features": [_feature(c, zlib.crc32(c.encode()) % 1000) for c in ids]}
        return self._record("write", lambda: client.post("/claims", json=body, headers=AUTH), ids)

    def _record(self, kind: str, call: Callable[[], httpx.Response], ids: list[str] | None = None) -> Outcome:
        t0 = time.monotonic()
        try:
            r = call()
            out = Outcome(kind, t0, time.monotonic() - t0, r.status_code, r.headers.get("content-type", ""),
                          r.headers.get("retry-after"), r.text[:300])  # fmt: skip
        except httpx.HTTPError as exc:
            out = Outcome(kind, t0, time.monotonic() - t0, 0, "", None, f"{type(exc).__name__}: {exc}")
        with self.lock:
            self.outcomes.append(out)
            if ids is not None:
                if 200 <= out.status < 300:
                    self.confirmed.update(ids)
                    self.last = ids[-1]
                    for c in ids:
                        self.pending.pop(c, None)
                else:
                    for c in ids:
                        self.pending[c] = ids
        return out

    def worker(self, worker: int) -> None:
        with httpx.Client(base_url=self.base, timeout=REQUEST_BOUND_S + 15) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                if i % 2:
                    self.post(client, self._next_batch(worker))
                elif i % 4 == 0:
                    params = {"limit": 5, "offset": i % 40, "event_type": "airstrike"}
                    self._record("read", lambda p=params: client.get("/collections/strikes/items", params=p))
                else:
                    with self.lock:
                        cid = self.last or "c-gaza-1"
                    self._record("read", lambda c=cid: client.get(f"/claims/{c}"))


def _recovery(outcomes: list[Outcome], t_up: float) -> float | None:
    """Seconds from the database being up again (``t_up``) until a write succeeds."""
    done = [o.started + o.elapsed for o in outcomes if o.kind == "write" and 200 <= o.status < 300]
    after = [t for t in done if t >= t_up]
    return min(after) - t_up if after else None


def test_service_survives_postgis_restarts_under_load(cluster: Cluster, tmp_path: Path) -> None:
    from layers.store.postgis import PostgisStore
    from tests.api.conftest import fill_store

    fill_store(cluster.url)
    server = start_server(cluster.url, tmp_path)
    load = Load(server.url)
    threads = [threading.Thread(target=load.worker, args=(w,), daemon=True) for w in range(CLIENTS)]
    recovery: dict[str, float | None] = {}
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        for phase in ("restart -m fast", "restart -m immediate", "stop, 6 s down, start"):
            t_down = time.monotonic()
            if phase.startswith("restart"):
                cluster.restart(phase.split()[-1])
            else:
                cluster.stop(mode="fast")
                time.sleep(6)
                cluster.start()
            t_up = time.monotonic()
            while time.monotonic() < t_up + RECOVERY_BOUND_S:
                time.sleep(0.25)
                with load.lock:
                    seen = [o for o in load.outcomes if o.started >= t_down]
                recovery[phase] = _recovery(seen, t_up)
                settled = recovery[phase] is not None and time.monotonic() > t_up + recovery[phase] + SETTLE_S
                if settled:
                    break
            served_again = recovery[phase]
            assert served_again is not None, f"no write was served within {RECOVERY_BOUND_S} s after {phase}"
            answers = sorted({o.status for o in seen})
            back = t_up + served_again
            late = [o for o in seen if o.started >= back and not 200 <= o.status < 300]
            assert not late, (phase, late[:3])  # once a write is served again, everything is
            assert phase.startswith("restart") or 503 in answers, "the long outage must be answered with 503s"
            print(
                f"pg_ctl {phase}: {t_up - t_down:.2f} s; answers {answers}; "
                f"first write served {served_again:.2f} s after the database was up"
            )
        load.stop.set()
        for t in threads:
            t.join(timeout=REQUEST_BOUND_S + 20)
        # the clients retry what got no 2xx, with the same claim ids
        with httpx.Client(base_url=server.url, timeout=REQUEST_BOUND_S + 15) as client:
            for ids in {tuple(v) for v in load.pending.values()}:
                assert 200 <= load.post(client, list(ids)).status < 300
        assert not load.pending
    finally:
        load.stop.set()
        stop_server(server)
    server_log = server.requests_log.read_text(errors="replace")
    assert "Traceback" not in server_log, server_log[-3000:]

    outcomes = load.outcomes
    by_status: dict[int, int] = {}
    for o in outcomes:
        by_status[o.status] = by_status.get(o.status, 0) + 1
    print(f"{len(outcomes)} requests: {by_status}; slowest {max(o.elapsed for o in outcomes):.2f} s")
    bad = [o for o in outcomes if not (200 <= o.status < 300 or o.status == 503)]
    assert not bad, bad[:5]
    for o in outcomes:
        if o.status == 503:
            assert o.ctype.startswith("application/problem+json"), o
            assert o.retry_after is not None and int(o.retry_after) > 0, o
            assert "127.0.0.1" not in o.body and str(cluster.port) not in o.body, o  # no internals in public errors
    assert max(o.elapsed for o in outcomes) < REQUEST_BOUND_S
    for mode, secs in recovery.items():
        assert secs is not None and secs < RECOVERY_BOUND_S, (mode, secs)

    store = PostgisStore(cluster.url)
    try:
        store.init()
        from layers.store import ClaimQuery

        posted = load.confirmed
        rows = store._fetch(
            "SELECT id, count(*), max(version) FROM claim_versions WHERE id LIKE ? GROUP BY id", ["rs-%"]
        )
        assert {r[0] for r in rows} == posted
        assert all(r[1] == 1 and r[2] == 1 for r in rows), [r for r in rows if r[1] != 1][:5]
        assert store.query_claims(ClaimQuery(limit=0)).total == len(posted) + 9
    finally:
        with contextlib.suppress(Exception):
            store.close()


def test_store_fails_fast_while_the_database_is_down_and_reconnects_by_itself(cluster: Cluster) -> None:
    """The store alone: a stopped server is a prompt StoreError (no password in it), a restarted one is used again."""
    import psycopg

    from geo.errors import StoreError
    from layers.store.postgis import CONNECT_TIMEOUT_S, DOWN_WAIT_S, PostgisStore
    from layers.testing import make_claim

    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS down_test")
    url = cluster.url.replace("postgres@", "postgres:not-a-secret@") + "?options=-csearch_path%3Ddown_test,public"
    store = PostgisStore(url)
    try:
        store.init()
        store.add_claims([make_claim("kept", lon=34.45, lat=31.5, day="2023-12-01")])
        cluster.stop(mode="fast")
        waits = []
        for _ in range(4):
            t0 = time.monotonic()
            with pytest.raises(StoreError) as err:
                store.get_claim("kept")
            waits.append(time.monotonic() - t0)
            assert "not-a-secret" not in err.value.message and "not-a-secret" not in (err.value.detail or "")
            assert "try again" in err.value.message
        print(f"database down: StoreError after {', '.join(f'{w:.2f}' for w in waits)} s")
        assert waits[0] < CONNECT_TIMEOUT_S + 3  # the first caller waits for the pool at most connect_timeout
        assert all(w < DOWN_WAIT_S + 2 for w in waits[1:])  # then callers are told at once
        cluster.start()
        t_up = time.monotonic()
        while True:
            try:
                assert store.get_claim("kept").version == 1
                break
            except StoreError:
                assert time.monotonic() - t_up < RECOVERY_BOUND_S, "the store did not reconnect"
                time.sleep(0.1)
        print(f"store served again {time.monotonic() - t_up:.2f} s after the database was up")
        store.add_claims([make_claim("after", lon=34.46, lat=31.5, day="2023-12-02")])
        assert [c.id for c in store.claim_history("after")] == ["after"]
    finally:
        store.close()
        cluster.start_if_stopped()
