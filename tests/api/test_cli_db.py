"""`sitmap db init|stats|backup|restore` on both backends, and their one-line errors."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from shapely.geometry import Point

from api.cli import main
from geo.errors import StoreError
from geo.model import Uncertainty
from layers.model import ClaimRecord
from layers.store import ClaimQuery, open_store
from tests.conftest import postgis_url, require

U = Uncertainty(radius_m=500, geo_precision=1, where_prec=2, method="gazetteer")
T0 = datetime(2023, 12, 1, tzinfo=UTC)


def _claim(cid: str, x: float, y: float, day: int, event_type: str = "airstrike") -> ClaimRecord:
    start = T0 + timedelta(days=day)
    return ClaimRecord(
        id=cid,
        event_type=event_type,
        claimant="Gaza health ministry",
        geometry=Point(x, y),
        uncertainty=U,
        valid_from=start,
        valid_to=start + timedelta(days=1) - timedelta(microseconds=1),
        time_precision="day",
    )


@pytest.fixture
def filled_url(store_url: str) -> str:
    store = open_store(store_url)
    try:
        store.add_claims(
            [
                _claim("c-1", 34.30, 31.30, 0),
                _claim("c-2", 34.45, 31.50, 4, "shelling"),
                _claim("c-3", 34.25, 31.28, 9),
            ]
        )
        store.retract_claim("c-3")
    finally:
        store.close()
    return store_url


def test_db_init_creates_the_store_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "new.gpkg")
    assert main(["db", "init", "--db", db]) == 0
    assert f"initialised gpkg store at {db}" in capsys.readouterr().out
    assert Path(db).exists()
    assert main(["db", "init", "--db", db]) == 0
    assert main(["db", "stats", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["claims"] == 0


def test_db_stats_text_and_json(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "stats", "--db", filled_url]) == 0
    out = capsys.readouterr().out
    assert "claims     3 (4 versions)" in out
    assert "airstrike" in out and "shelling" in out
    assert "status     reported 2, retracted 1" in out
    assert "extent     34.25000, 31.28000, 34.45000, 31.50000" in out
    assert "time span  2023-12-01T00:00:00+00:00 .. 2023-12-10T23:59:59.999999+00:00" in out
    assert main(["db", "stats", "--db", filled_url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["claims"] == 3 and data["claim_versions"] == 4
    assert data["claims_by_event_type"] == {"airstrike": 2, "shelling": 1}
    assert data["bbox"] == pytest.approx([34.25, 31.28, 34.45, 31.50])
    assert data["time_span"][0] == "2023-12-01T00:00:00+00:00"
    assert data["last_recorded_at"] is not None


def test_db_stats_counts_by_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from layers.model import Layer, LayerFilter

    db = str(tmp_path / "layers.gpkg")
    store = open_store(db)
    try:
        store.add_claims([_claim("c-1", 34.30, 31.30, 0), _claim("c-2", 34.45, 31.50, 4, "shelling")])
        store.put_layer(Layer(id="shelling-only", title="Shelling", filter=LayerFilter(event_types=("shelling",))))
        store.put_layer(Layer(id="everything", title="All claims"))
    finally:
        store.close()
    assert main(["db", "stats", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"] == {"everything": 2, "shelling-only": 1}
    assert main(["db", "stats", "--db", db]) == 0
    assert "layers     everything 2, shelling-only 1" in capsys.readouterr().out


def test_db_stats_on_missing_or_foreign_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "stats", "--db", str(tmp_path / "missing.gpkg")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sitmap: error: no store at") and err.count("\n") == 1 and "Traceback" not in err
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"\x00\x01 definitely not sqlite " * 100)
    assert main(["db", "stats", "--db", str(junk)]) == 1
    err = capsys.readouterr().err
    assert "is not a GeoPackage" in err and err.count("\n") == 1


def test_db_backup_and_restore_round_trip(filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / ("backup.gpkg" if not filled_url.startswith("postgresql") else "backup.dump")
    assert main(["db", "backup", str(backup), "--db", filled_url]) == 0
    assert f"to {backup}" in capsys.readouterr().out
    assert backup.exists()
    # the store moves on after the backup ...
    store = open_store(filled_url)
    try:
        store.add_claims([_claim("c-late", 34.4, 31.4, 2)])
        store.update_claim("c-1", {"claimant": "Israeli military"})
    finally:
        store.close()
    # ... and is put back to the state of the backup
    assert main(["db", "restore", str(backup), "--db", filled_url, "--yes"]) == 0
    assert "3 claims" in capsys.readouterr().out
    store = open_store(filled_url)
    try:
        assert sorted(c.id for c in store.query_claims(ClaimQuery(statuses=("reported", "retracted"))).items) == [
            "c-1",
            "c-2",
            "c-3",
        ]
        assert store.get_claim("c-1").claimant == "Gaza health ministry"
        assert len(store.claim_history("c-3")) == 2  # history came back too
        store.add_claims([_claim("c-after-restore", 34.4, 31.4, 3)])  # and the store is writable
    finally:
        store.close()


def test_db_backup_refuses_to_overwrite(filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "already.there"
    existing.write_text("keep me")
    assert main(["db", "backup", str(existing), "--db", filled_url]) == 1
    assert "exists; choose a new backup file" in capsys.readouterr().err
    assert existing.read_text() == "keep me"


def test_db_restore_refuses_a_file_that_is_no_backup(
    filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_text("not a backup at all")
    assert main(["db", "restore", str(bogus), "--db", filled_url, "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sitmap: error:") and ("not a GeoPackage" in err or "not a readable pg_dump archive" in err)
    store = open_store(filled_url)
    try:
        assert store.stats().claims == 3  # untouched
    finally:
        store.close()


def test_db_restore_asks_first(
    filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "whatever.bak"
    backup.write_bytes(b"checked only after the question")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["db", "restore", str(backup), "--db", filled_url]) == 130
    assert "aborted" in capsys.readouterr().err
    # a missing file is an error before any question
    assert main(["db", "restore", str(tmp_path / "missing.dump"), "--db", filled_url]) == 1
    assert capsys.readouterr().err == f"sitmap: error: no backup at {tmp_path / 'missing.dump'}\n"


# --------------------------------------------------------------------------------------
# Backups while writers write; restores that fail; restores under a running service
# --------------------------------------------------------------------------------------

BATCH = 20


def _batch(k: int) -> list[ClaimRecord]:
    return [_claim(f"b{k:03d}-{i:02d}", 34.3 + i / 1000, 31.4, k % 30) for i in range(BATCH)]


def _restored_ids(backup: Path, url: str, tmp_path: Path) -> list[str]:
    """The claim ids in a backup, read by opening it (GeoPackage) or restoring it into a new schema."""
    if not url.startswith("postgresql"):
        conn = sqlite3.connect(backup)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        store = open_store(backup, create=False)
    else:
        import psycopg

        base = postgis_url()
        assert base is not None
        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        request_cleanup.append(schema)
        store = open_store(f"{base}?options=-csearch_path%3D{schema},public")
        store.restore(backup)  # type: ignore[attr-defined]
    try:
        return [c.id for c in store.query_claims(ClaimQuery()).items]
    finally:
        store.close()


request_cleanup: list[str] = []


@pytest.fixture
def cleanup_schemas() -> Iterator[None]:
    yield
    if request_cleanup:
        import psycopg

        with psycopg.connect(postgis_url() or "", autocommit=True) as conn:
            for schema in request_cleanup:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        request_cleanup.clear()


def test_backup_while_a_writer_writes_is_a_consistent_snapshot(
    filled_url: str, tmp_path: Path, cleanup_schemas: None
) -> None:
    """Batches of 20 claims keep arriving while backups are taken: each backup holds whole batches 0..k."""
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        store = open_store(filled_url)
        try:
            k = 0
            while not stop.is_set() and k < 400:
                store.add_claims(_batch(k))
                written.append(k)
                k += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    backups = []
    try:
        for n in range(3):
            while len(written) < 3 * (n + 1) and thread.is_alive():
                time.sleep(0.005)
            dest = tmp_path / f"live-{n}.bak"
            assert main(["db", "backup", str(dest), "--db", filled_url]) == 0
            backups.append(dest)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert len(written) >= 9
    for dest in backups:
        ids = _restored_ids(dest, filled_url, tmp_path)
        assert {"c-1", "c-2"} <= set(ids)
        batches: dict[int, int] = {}
        for cid in ids:
            if cid.startswith("b"):
                k = int(cid[1:4])
                batches[k] = batches.get(k, 0) + 1
        assert batches, "a backup taken after 3 batches holds none"
        assert set(batches.values()) == {BATCH}, f"{dest.name}: a batch is cut in two: {batches}"
        assert sorted(batches) == list(range(len(batches))), f"{dest.name}: batches missing: {sorted(batches)}"
    assert not list(tmp_path.glob(".*")), "a temporary backup file was left behind"


def _damaged_copies(backup: Path, tmp_path: Path, postgis: bool) -> dict[str, Path]:
    data = backup.read_bytes()
    out = {"garbage": b"\x00\x01 not a backup " * 200, "truncated": data[: len(data) * 6 // 10]}
    if postgis:
        mid = len(data) * 8 // 10  # inside the compressed table data
        out["bytes flipped"] = data[:mid] + bytes(b ^ 0x5A for b in data[mid : mid + 64]) + data[mid + 64 :]
    else:
        page = 4096  # a page in the middle of the file zeroed
        at = (len(data) // page // 2) * page
        out["page zeroed"] = data[:at] + b"\x00" * page + data[at + page :]
    paths = {}
    for name, content in out.items():
        path = tmp_path / f"damaged-{name.replace(' ', '-')}.bak"
        path.write_bytes(content)
        paths[name] = path
    return paths


def test_a_failed_restore_leaves_the_store_exactly_as_it_was(
    filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.test_backup_restore_equivalence import fingerprint

    postgis = filled_url.startswith("postgresql")
    backup = tmp_path / "good.bak"
    assert main(["db", "backup", str(backup), "--db", filled_url]) == 0
    store = open_store(filled_url)
    try:  # the store moves on, so a restore that went through would show
        store.add_claims([_claim("c-new", 34.4, 31.4, 5)])
        store.update_claim("c-1", {"claimant": "Israeli military"})
    finally:
        store.close()
    capsys.readouterr()
    before = fingerprint(filled_url)
    for name, path in _damaged_copies(backup, tmp_path, postgis).items():
        assert main(["db", "restore", str(path), "--db", filled_url, "--yes"]) == 1, name
        err = capsys.readouterr().err
        assert err.startswith("sitmap: error:") and err.count("\n") == 1, (name, err)
        assert fingerprint(filled_url) == before, f"restoring a {name} backup changed the store"
    if postgis:  # a failure after every table was dropped, recreated and loaded: all rolled back
        monkeypatch.setattr("layers.store.backup._script_tail", "SELECT 1 / 0;\n")
        assert main(["db", "restore", str(backup), "--db", filled_url, "--yes"]) == 1
        assert "division by zero" in capsys.readouterr().err
        assert fingerprint(filled_url) == before
        monkeypatch.undo()
    good = backup.read_bytes()
    assert main(["db", "restore", str(backup), "--db", filled_url, "--yes"]) == 0
    assert backup.read_bytes() == good  # restoring reads the backup, never writes it
    assert fingerprint(filled_url) != before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "scratch files left behind"


def test_restore_under_a_running_service_is_all_or_nothing_for_its_readers(filled_url: str, tmp_path: Path) -> None:
    """Readers of a live app see the old content, then the restored one, never a mix, and no errors."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    backup = tmp_path / "three.bak"
    assert main(["db", "backup", str(backup), "--db", filled_url]) == 0
    store = open_store(filled_url)
    try:
        for k in range(4):
            store.add_claims(_batch(k))
    finally:
        store.close()
    old_ids = {"c-1", "c-2"} | {c.id for k in range(4) for c in _batch(k)}
    new_ids = {"c-1", "c-2"}
    seen: list[tuple[int, frozenset[str]]] = []
    stop = threading.Event()
    settings = Settings(db=filled_url, rate_limit=False, response_cache_mb=0)
    with TestClient(create_app(settings)) as client:

        def reader() -> None:
            while not stop.is_set():
                r = client.get("/collections/all/items", params={"limit": 1000})
                ids = frozenset(f["id"] for f in r.json().get("features", [])) if r.status_code == 200 else frozenset()
                seen.append((r.status_code, ids))

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            while len(seen) < 5:
                time.sleep(0.005)
            target = open_store(filled_url)
            try:
                target.restore(backup)  # type: ignore[attr-defined]
            finally:
                target.close()
            n = len(seen)
            while len(seen) < n + 5:
                time.sleep(0.005)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        assert {status for status, _ in seen} == {200}
        assert seen[0][1] == frozenset(old_ids)  # the readers did see the content the restore replaced
        assert {ids for _, ids in seen} <= {frozenset(old_ids), frozenset(new_ids)}
        assert seen[-1][1] == frozenset(new_ids)
        assert {c["id"] for c in client.get("/collections/all/items").json()["features"]} == new_ids


def test_missing_postgresql_client_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store import backup as B

    monkeypatch.setattr(B.shutil, "which", lambda name: None)
    monkeypatch.setattr(B, "PG_LIB_DIR", str(tmp_path / "no-postgresql"))
    with pytest.raises(
        StoreError, match=r"^pg_dump is not installed \(Debian/Ubuntu: apt install postgresql-client\)$"
    ):
        B.pg_tool("pg_dump")
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    store = open_store(str(tmp_path / "s.gpkg"))
    store.close()
    with pytest.raises(StoreError, match="pg_restore is not installed"):
        B.archive_schema(dump)


@pytest.mark.postgis
def test_postgis_backup_restores_into_another_database_and_schema(tmp_path: Path) -> None:
    """A schema's backup restores into ``public`` of another database, and that one's back into a new schema.

    The second leg is the hard case for renaming: the dump comes from ``public``, where
    PostGIS's own ``public.geometry`` type lives too and must stay where it is.
    """
    import psycopg

    from tests.api.test_backup_restore_equivalence import store_answers

    base = postgis_url()
    require(base is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    assert base is not None
    db = "sitmap_t_" + uuid.uuid4().hex[:10]
    schemas = ["t_" + uuid.uuid4().hex[:12] for _ in range(2)]
    parts = urlsplit(base)
    other = urlunsplit(parts._replace(path=f"/{db}", query=""))
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        first, last = (f"{base}?options=-csearch_path%3D{s},public" for s in schemas)
        store = open_store(first)
        try:
            store.add_claims([_claim("c-1", 34.30, 31.30, 0), _claim("c-2", 34.45, 31.50, 4, "shelling")])
            store.retract_claim("c-2")
        finally:
            store.close()
        one, two = tmp_path / "schema.dump", tmp_path / "public.dump"
        assert main(["db", "backup", str(one), "--db", first]) == 0
        assert main(["db", "restore", str(one), "--db", other, "--yes"]) == 0
        assert main(["db", "backup", str(two), "--db", other]) == 0
        assert main(["db", "restore", str(two), "--db", last, "--yes"]) == 0
        expected = store_answers(first, [])
        assert store_answers(other, []) == expected
        assert store_answers(last, []) == expected
        with psycopg.connect(other) as conn:  # PostGIS stayed whole in the other database's public schema
            assert conn.execute("SELECT count(*) FROM public.spatial_ref_sys").fetchone()[0] > 1000  # type: ignore[index]
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_backup_from_a_newer_sitmap_is_refused_before_anything_changes(
    filled_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.api.test_backup_restore_equivalence import fingerprint

    backup = tmp_path / "newer.bak"
    assert main(["db", "backup", str(backup), "--db", filled_url]) == 0
    if filled_url.startswith("postgresql"):  # a dump taken by a future sitmap: its sitmap_meta says so
        import psycopg

        from layers.store.backup import backup_postgis
        from layers.store.postgis import PostgisStore

        with psycopg.connect(filled_url, autocommit=True) as conn:
            conn.execute("UPDATE sitmap_meta SET value = '99' WHERE key = 'schema_version'")
        backup.unlink()
        backup_postgis(PostgisStore(filled_url), backup)  # this sitmap would not open the store to back it up
        with psycopg.connect(filled_url, autocommit=True) as conn:
            conn.execute("UPDATE sitmap_meta SET value = '1' WHERE key = 'schema_version'")
    else:
        conn = sqlite3.connect(backup)
        try:
            conn.execute("UPDATE sitmap_meta SET value = '99' WHERE key = 'schema_version'")
            conn.commit()
        finally:
            conn.close()
    capsys.readouterr()
    before = fingerprint(filled_url)
    assert main(["db", "restore", str(backup), "--db", filled_url, "--yes"]) == 1
    assert "has sitmap schema version 99, newer than this sitmap" in capsys.readouterr().err
    assert fingerprint(filled_url) == before
