"""`sitmap db init|stats|backup|restore` on both backends, and their one-line errors."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point

from api.cli import main
from geo.model import Uncertainty
from layers.model import ClaimRecord
from layers.store import ClaimQuery, open_store

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
    assert err.startswith("sitmap: error:") and ("not a GeoPackage" in err or "not a pg_dump archive" in err)
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
