"""An importer killed with SIGKILL at many random moments never damages the store.

A synthetic ACLED export (rows written by code) is imported again and again by a
real child process running :func:`layers.importers.acled.import_acled`, which is
SIGKILLed from this process at seeded random moments across the run, plus a few
kills from inside the child exactly at a batch's COMMIT. After every kill: the file
passes ``PRAGMA integrity_check``, ``open_store`` opens it and answers a query, the
stored claims are exactly the first *k* batches of the file (each batch wholly in
or wholly out, no duplicates, every version 1, the R-tree in step, its triggers in
place), and a final uninterrupted run stores the whole file exactly once.

Children are forked from one small driver process that has already imported
sitmap, so a kill costs milliseconds instead of an interpreter start. The driver
keeps a killed child unreaped until told, so its pid can never be reused before
the kill lands.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from layers.store import open_store
from layers.store.base import ClaimQuery
from layers.store.gpkg import register_functions

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2000
SEED = 20231201
#: (batch size, random kills, kills at a batch's COMMIT); 200 rows take the R-tree trigger
#: path of a write, 400 the bulk path that drops and re-creates the trigger in the transaction.
PLANS = [(200, 14, 2), (400, 10, 2)]

_DRIVER = textwrap.dedent(
    """
    import os, signal, sys, traceback
    from layers.importers.acled import import_acled
    from layers.store import open_store

    def child(db, csv_path, batch, log, commit_kill):
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        def note(text):
            os.write(fd, (text + "\\n").encode())
        note("start")
        store = open_store(db)
        state = {"batch": -1}
        if commit_kill >= 0:
            def trace(sql):
                if state["batch"] == commit_kill and sql.strip().upper() == "COMMIT":
                    note(f"commit-kill {commit_kill}")
                    os.kill(os.getpid(), signal.SIGKILL)
            store._conn().set_trace_callback(trace)

        class Logged:  # the store, noting where each batch's write begins and ends
            def add_sources(self, sources):
                return store.add_sources(sources)
            def add_reports(self, reports):
                return store.add_reports(reports)
            def add_claims(self, claims, *, recorded_by=None):
                state["batch"] += 1
                note(f"begin {state['batch']}")
                result = store.add_claims(claims, recorded_by=recorded_by)
                note(f"done {state['batch']}")
                return result

        result = import_acled(Logged(), csv_path, batch_size=batch)
        store.close()
        note(f"finished {result.inserted} {result.updated} {result.unchanged} {result.error_count}")

    while True:
        line = sys.stdin.readline()
        if not line:
            break
        cmd = line.split()
        if cmd[0] == "run":
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    child(cmd[1], cmd[2], int(cmd[3]), cmd[4], int(cmd[5]))
                except BaseException:
                    with open(cmd[4], "a") as fh:
                        fh.write("error " + traceback.format_exc().replace("\\n", " | ") + "\\n")
                    code = 1
                os._exit(code)
            print(pid, flush=True)
        elif cmd[0] == "reap":
            print(os.waitpid(int(cmd[1]), 0)[1], flush=True)
    """
)


class Driver:
    """The long-lived parent of the import children (see the module docstring)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _DRIVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )

    def _ask(self, line: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the driver died"
        return int(answer)

    def start(self, db: Path, csv_path: Path, batch: int, log: Path, commit_kill: int = -1) -> int:
        return self._ask(f"run {db} {csv_path} {batch} {log} {commit_kill}")

    def reap(self, pid: int) -> int:
        """The raw wait status of child ``pid`` (it stays a zombie, pid reserved, until this)."""
        return self._ask(f"reap {pid}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    d = Driver()
    try:
        yield d
    finally:
        d.close()


def write_acled_csv(path: Path, rows: int, seed: int) -> list[str]:
    """A valid ACLED export of ``rows`` synthetic events around Khan Younis; returns the claim ids in order."""
    from layers.importers.acled import REQUIRED_COLUMNS

    columns = list(REQUIRED_COLUMNS) + [
        c for c in ("year", "actor1", "country", "admin1", "location", "source", "notes", "fatalities", "timestamp")
        if c not in REQUIRED_COLUMNS
    ]  # fmt: skip
    rnd = random.Random(seed)
    months = ("Oct", "Nov", "Dec")
    ids = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for i in range(rows):
            event_id = f"PSE{i:06d}"
            ids.append(f"acled:{event_id}")
            writer.writerow(
                {
                    "event_id_cnty": event_id,
                    "event_date": f"{1 + i % 28}-{months[i % 3]}-23",
                    "year": 2023,
                    "time_precision": 1 + i % 3,
                    "event_type": "Explosions/Remote violence",
                    "sub_event_type": ("Air/drone strike", "Shelling/artillery/missile attack")[i % 2],
                    "actor1": "Military Forces of Israel (2022-)",
                    "country": "Palestine",
                    "admin1": "Gaza Strip",
                    "location": "Khan Younis",
                    "latitude": round(31.25 + rnd.random() * 0.3, 4),
                    "longitude": round(34.22 + rnd.random() * 0.3, 4),
                    "geo_precision": 1 + i % 3,
                    "source": "Synthetic outlet",
                    "notes": f"synthetic event {i}, written by the fault test",
                    "fatalities": i % 5,
                    "timestamp": 1_701_700_000 + i,
                }
            )
    return ids


@dataclass
class Tally:
    """Where the kills landed, for the report."""

    kills: int = 0
    where: Counter[str] = field(default_factory=Counter)
    completed_before_kill: int = 0
    batches_seen: list[int] = field(default_factory=list)


def _landed(log_lines: list[str]) -> str:
    """Where the last kill hit, from the child's notes."""
    notes = [ln for ln in log_lines if ln.split()[0] in ("start", "begin", "done", "commit-kill", "finished")]
    last = notes[-1].split()[0] if notes else ""
    if last == "commit-kill":
        return "at a batch's COMMIT (hook)"
    if last == "begin":
        return "inside a batch's write transaction"
    if last == "done":
        return "between batches"
    return "before the first batch (start-up, header check, report)"


def check_store(db: Path, ids: list[str], batch: int, at_least: int) -> int:
    """Assert the store is whole and holds exactly the first k batches; return k."""
    assert not Path(f"{db}-journal").exists()  # WAL: no rollback journal may be left behind
    conn = sqlite3.connect(db)
    register_functions(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT id, version FROM claim_versions").fetchall()
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored)), "a claim was stored twice"
        assert {r[1] for r in rows} <= {1}, "a re-run made a new version of an unchanged row"
        assert len(stored) % batch == 0 or len(stored) == len(ids), f"{len(stored)} rows: a batch went in partly"
        k = -(-len(stored) // batch)
        assert set(stored) == set(ids[: len(stored)]), "the stored rows are not the file's first batches"
        assert k >= at_least, "a committed batch disappeared"
        assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom").fetchone()[0] == len(stored)
        triggers = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_claim%'"
        )
        assert triggers.fetchone()[0] == 6
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] <= 1
    finally:
        conn.close()
    store = open_store(db, create=False)
    try:
        assert store.query_claims(ClaimQuery(limit=3)).total == len(stored)
    finally:
        store.close()
    return k


def _fresh(db: Path) -> int:
    """Replace the store at ``db`` by an empty one; 0 batches stored."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    open_store(db).close()
    return 0


def _wait_for(log: Path, note: str) -> None:
    """Poll the child's notes until ``note`` (or the end of the run) appears."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if note + "\n" in text or "finished" in text or "error" in text:
            return
        time.sleep(0.002)
    raise AssertionError(f"the child never reached {note!r}")


def _run_to_end(driver: Driver, db: Path, csv_path: Path, batch: int, log: Path) -> list[int]:
    status = driver.reap(driver.start(db, csv_path, batch, log))  # waits for the child to end
    text = log.read_text()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text[-2000:]
    last = [ln for ln in text.splitlines() if ln.startswith("finished")][-1]
    return [int(v) for v in last.split()[1:]]


@pytest.mark.parametrize(("batch", "random_kills", "commit_kills"), PLANS, ids=[f"batch{b}" for b, _, _ in PLANS])
def test_import_killed_at_random_points_keeps_whole_batches_and_finishes_once(
    tmp_path: Path, driver: Driver, batch: int, random_kills: int, commit_kills: int
) -> None:
    csv_path = tmp_path / "acled.csv"
    ids = write_acled_csv(csv_path, ROWS, SEED)
    batches = -(-ROWS // batch)

    # a full run into a scratch store measures how long an import takes here
    scratch = tmp_path / "scratch.gpkg"
    open_store(scratch).close()
    t0 = time.monotonic()
    assert _run_to_end(driver, scratch, csv_path, batch, tmp_path / "scratch.log")[0] == ROWS
    duration = time.monotonic() - t0

    db = tmp_path / "victim.gpkg"
    _fresh(db)
    rnd = random.Random(SEED + batch)
    tally = Tally()
    k = 0
    plan = ["random"] * random_kills
    plan[random_kills // 3 : random_kills // 3] = ["commit"] * commit_kills
    runs = 0
    for kind in plan:
        while True:
            runs += 1
            assert runs < 4 * len(plan), "too many runs finished before their kill"
            log = tmp_path / f"run-{runs:03d}.log"
            if kind == "commit":
                pid = driver.start(db, csv_path, batch, log, commit_kill=min(k, batches - 1))
                status = driver.reap(pid)  # it kills itself
            else:
                # A seeded target: a batch at or past the first one not stored yet (a re-run first
                # skips the stored ones, about as slowly as it wrote them), or the start-up (-1);
                # the kill comes a random fraction of a batch's time after that batch begins.
                target = rnd.randrange(max(k - 1, -1), batches)
                delay = rnd.uniform(0.0, duration / batches)
                pid = driver.start(db, csv_path, batch, log)
                if target >= 0:
                    _wait_for(log, f"begin {target}")
                time.sleep(delay)
                os.kill(pid, signal.SIGKILL)  # our own child, still unreaped: the pid cannot be reused
                status = driver.reap(pid)
            lines = log.read_text().splitlines() if log.exists() else []
            assert not any(ln.startswith("error") for ln in lines), lines[-1:]
            if os.WIFSIGNALED(status):
                assert os.WTERMSIG(status) == signal.SIGKILL
                break
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            tally.completed_before_kill += 1  # the draw came after the end: check, then start over
            assert check_store(db, ids, batch, k) == batches
            k = _fresh(db)
        tally.kills += 1
        tally.where[_landed(lines)] += 1
        k = check_store(db, ids, batch, k)
        tally.batches_seen.append(k)
        if k == batches and kind == "random" and len(tally.batches_seen) < len(plan) - 2:
            k = _fresh(db)  # all stored: later kills would only hit re-runs, so start over

    inserted, updated, unchanged, errors = _run_to_end(driver, db, csv_path, batch, tmp_path / "final.log")
    assert (updated, errors) == (0, 0)
    assert inserted + unchanged == ROWS
    assert check_store(db, ids, batch, k) == batches
    again = _run_to_end(driver, db, csv_path, batch, tmp_path / "again.log")
    assert again == [0, 0, ROWS, 0]  # a re-run of a complete import changes nothing
    store = open_store(db, create=False)
    try:
        items = store.query_claims(ClaimQuery()).items
        assert sorted(c.id for c in items) == sorted(ids)
        assert all(c.version == 1 for c in items)
    finally:
        store.close()
    print(
        f"\nimport kill faults, batch {batch} ({batches} batches, full run {duration:.2f} s): "
        f"{tally.kills} SIGKILLs ({dict(tally.where)}), {tally.completed_before_kill} runs finished first; "
        f"batches stored after each kill: {tally.batches_seen}; final: {ROWS} claims once, all version 1"
    )
