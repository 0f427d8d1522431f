"""16 concurrent writer processes on one store, for each backend: nothing lost, nothing doubled.

Each writer is its own Python process (on GeoPackage that is where file locking
matters; on PostGIS each has its own connection pool). The same 16 processes run
three races one after the other on one store per backend, released into each by a
barrier so the writes really overlap:

* 16 writers x 500 distinct claims, in batches of 1, 10 and 100 (mixed, in a
  per-writer order): exactly 8,000 claims afterwards, each id once, each at
  version 1, one history row each; on GeoPackage ``integrity_check`` is ok and the
  R-tree holds one entry per row.
* 16 writers re-adding the SAME 500 claims: each is stored once (inserted by
  exactly one writer, ``unchanged`` for the 15 others).
* 16 writers editing one claim with optimistic concurrency (read the version,
  ``update_claim(..., expected_version=v)``): the final version is 1 + the number
  of successful edits, the history holds versions 1..n without gaps and every
  successful edit exactly once, and every ``Conflict`` names a newer version.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers.store import open_store

ROOT = Path(__file__).resolve().parents[3]
WRITERS = 16
PER_WRITER = 500
EDITS_PER_WRITER = 12

_CHILD = textwrap.dedent(
    """
    import json, os, random, sys, time
    from geo.errors import Conflict
    from layers.store import open_store
    from layers.testing import make_claim

    url, who, gate, edits = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = open_store(url)

    def wait(phase):
        print("ready", flush=True)
        while not os.path.exists(f"{gate}-{phase}"):
            time.sleep(0.005)

    def claim(cid, n):
        lon = 34.22 + (n % 173) * 0.0017
        lat = 31.24 + (n % 211) * 0.0015
        return make_claim(cid, lon=lon, lat=lat, day=f"2023-12-{1 + n % 28:02d}", fatalities=n % 7)

    for mode in ("distinct", "same"):
        wait(mode)
        out = {"inserted": 0, "updated": 0, "unchanged": 0}
        sizes = [100] * 2 + [10] * 20 + [1] * 100          # 500 claims in 122 batches
        random.Random(who).shuffle(sizes)
        prefix = f"w{who:02d}" if mode == "distinct" else "same"
        order = list(range(500))
        if mode == "same":
            random.Random(100 + who).shuffle(order)        # each writer re-adds them in its own order
        i = 0
        for size in sizes:
            batch = [claim(f"{prefix}-{n:03d}", n) for n in order[i : i + size]]
            i += size
            res = store.add_claims(batch, recorded_by=f"writer-{who}")
            for key in out:
                out[key] += len(getattr(res, key))
        print(json.dumps(out), flush=True)

    wait("edit")
    out = {"edits": [], "conflicts": []}
    for k in range(edits):
        current = store.get_claim("contested")
        note = f"writer {who} edit {k}"
        try:
            new = store.update_claim("contested", {"notes": note}, expected_version=current.version,
                                     recorded_by=f"writer-{who}")
            out["edits"].append([note, new.version])
        except Conflict as exc:
            out["conflicts"].append([current.version, exc.message])
    print(json.dumps(out), flush=True)
    store.close()
    """
)

PHASES = ("distinct", "same", "edit")


def _run_writers(url: str, tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    """Start WRITERS child processes and release them together into each phase; collect their reports."""
    gate = tmp_path / "gate"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, url, str(w), str(gate), str(EDITS_PER_WRITER)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        for w in range(WRITERS)
    ]  # fmt: skip

    def line(p: subprocess.Popen[str]) -> str:
        assert p.stdout is not None
        text = p.stdout.readline()
        if not text:
            p.wait(timeout=30)
            raise AssertionError(f"writer exited with {p.returncode}: {p.stderr.read()[-3000:] if p.stderr else ''}")
        return text

    reports: dict[str, list[dict[str, Any]]] = {}
    try:
        for phase in PHASES:
            for p in procs:
                assert line(p).strip() == "ready"
            t0 = time.monotonic()
            Path(f"{gate}-{phase}").touch()
            reports[phase] = [json.loads(line(p)) for p in procs]
            print(f"\n{phase}: {WRITERS} writers done {time.monotonic() - t0:.1f} s after the start signal")
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err[-3000:]
        return reports
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@dataclass
class Race:
    """A store after the three races, and what every writer reported."""

    url: str
    reports: dict[str, list[dict[str, Any]]]


def _sql(url: str, query: str) -> list[tuple[Any, ...]]:
    """Run a read query straight on the store's database (not through sitmap)."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(query).fetchall())
    conn = sqlite3.connect(url)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _check_distinct(race: Race) -> None:
    url, reports = race.url, race.reports["distinct"]
    assert [r["inserted"] for r in reports] == [PER_WRITER] * WRITERS
    assert all(r["updated"] == r["unchanged"] == 0 for r in reports)
    total = WRITERS * PER_WRITER
    per_id = _sql(
        url, "SELECT id, count(*), min(version), max(version) FROM claim_versions WHERE id LIKE 'w%' GROUP BY id"
    )
    assert len(per_id) == total
    assert {r[0] for r in per_id} == {f"w{w:02d}-{n:03d}" for w in range(WRITERS) for n in range(PER_WRITER)}
    assert all(r[1:] == (1, 1, 1) for r in per_id)  # one history row each, version 1
    assert _sql(url, "SELECT count(*) FROM claims WHERE id LIKE 'w%'")[0][0] == total
    store = open_store(url)
    try:
        from layers.store import ClaimQuery

        everything = WRITERS * PER_WRITER + PER_WRITER + 1  # + the "same" claims + the contested one
        assert store.query_claims(ClaimQuery(limit=0)).total == everything
        hist = store.claim_history("w07-123")
        assert [h.version for h in hist] == [1] and hist[0].recorded_by == "writer-7"
    finally:
        store.close()


def _check_same(race: Race) -> None:
    reports = race.reports["same"]
    assert sum(r["inserted"] for r in reports) == PER_WRITER  # each claim inserted by exactly one writer
    assert sum(r["unchanged"] for r in reports) == (WRITERS - 1) * PER_WRITER
    assert all(r["updated"] == 0 for r in reports)
    per_id = _sql(race.url, "SELECT id, count(*), max(version) FROM claim_versions WHERE id LIKE 'same-%' GROUP BY id")
    assert len(per_id) == PER_WRITER and all(r[1:] == (1, 1) for r in per_id)


def _check_edits(race: Race) -> None:
    reports = race.reports["edit"]
    edits = [tuple(e) for r in reports for e in r["edits"]]
    conflicts = [tuple(c) for r in reports for c in r["conflicts"]]
    print(f"\n{len(edits)} edits stored, {len(conflicts)} stale edits refused")
    assert len(edits) + len(conflicts) == WRITERS * EDITS_PER_WRITER
    assert edits, "no edit succeeded"
    store = open_store(race.url)
    try:
        hist = store.claim_history("contested")
    finally:
        store.close()
    assert [h.version for h in hist] == list(range(1, len(edits) + 2))  # 1 + successful edits, no gaps
    assert sorted(e[1] for e in edits) == list(range(2, len(edits) + 2))  # each version went to one writer
    by_version = {h.version: h.notes for h in hist}
    assert all(by_version[version] == note for note, version in edits)  # every stored edit is in the history
    assert all(a.superseded_at == b.recorded_at for a, b in itertools.pairwise(hist))
    for expected, message in conflicts:  # a refused edit names the version that is current now
        m = re.search(r"is at version (\d+), not (\d+)", message)
        assert m is not None, message
        assert int(m.group(2)) == expected and int(m.group(1)) > expected


def _check_geopackage_file(race: Race) -> None:
    url = race.url
    assert _sql(url, "PRAGMA integrity_check") == [("ok",)]
    assert _sql(url, "PRAGMA foreign_key_check") == []
    rows = _sql(url, "SELECT count(*) FROM claim_versions")[0][0]
    located = _sql(url, "SELECT count(*) FROM claim_versions WHERE geom IS NOT NULL")[0][0]
    contested = _sql(url, "SELECT count(*) FROM claim_versions WHERE id = 'contested'")[0][0]
    assert rows == located == WRITERS * PER_WRITER + PER_WRITER + contested
    assert _sql(url, "SELECT count(*) FROM rtree_claim_versions_geom")[0][0] == located
    orphans = "SELECT count(*) FROM rtree_claim_versions_geom r LEFT JOIN claim_versions c ON c.fid = r.id"
    assert _sql(url, orphans + " WHERE c.fid IS NULL")[0][0] == 0


def test_16_writer_processes_race_one_store(store_url: str, tmp_path: Path) -> None:
    """The three races on one store of each backend, then every invariant (one test: one set of processes)."""
    from layers.testing import make_claim

    store = open_store(store_url)  # the schema exists before the race; so does the claim all will edit
    store.add_claims([make_claim("contested")])
    store.close()
    race = Race(store_url, _run_writers(store_url, tmp_path))
    _check_distinct(race)
    _check_same(race)
    _check_edits(race)
    if not store_url.startswith("postgresql://"):
        _check_geopackage_file(race)
