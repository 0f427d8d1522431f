"""`sitmap layer define|show|delete`: versions recorded as cli:<user>, one-line errors, exit 2 on bad input.

Also checks that `sitmap layers` (the listing) keeps working around them, and one
subprocess run of the real `sitmap` entry point reading a definition from stdin.
"""

from __future__ import annotations

import getpass
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from api.cli_layer import cli_user
from layers.catalog import install_default_layers
from layers.store import open_store
from layers.testing import make_claim

DESK = {"id": "desk", "title": "Desk strikes", "private": True, "filter": {"event_types": ["airstrike"]}}


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.gpkg")
    with open_store(path) as store:
        install_default_layers(store)
        store.add_claims([make_claim("c-1"), make_claim("c-2", event_type="shooting")])
    return path


def write(tmp_path: Path, doc: object, name: str = "layer.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_cli_user_is_the_login_name() -> None:
    assert cli_user() == f"cli:{getpass.getuser()}"


def test_define_show_delete(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layer", "define", write(tmp_path, DESK), "--db", db]) == 0
    assert "defined layer 'desk' (version 1)" in capsys.readouterr().out
    assert main(["layer", "define", write(tmp_path, DESK), "--db", db]) == 0
    assert "unchanged (version 1)" in capsys.readouterr().out
    assert main(["layer", "define", write(tmp_path, {**DESK, "title": "Desk: all strikes"}), "--db", db]) == 0
    assert "replaced layer 'desk' (version 2)" in capsys.readouterr().out

    # the listing command is unchanged and sees the new layer
    assert main(["layers", "--db", db, "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["desk"]["count"] == 1 and rows["desk"]["private"] is True and rows["strikes"]["count"] == 1

    assert main(["layer", "show", "desk", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "# layer 'desk' (version 2)" in out and '"title": "Desk: all strikes"' in out
    assert f"by {cli_user()}" in out

    assert main(["layer", "delete", "desk", "--db", db, "--yes"]) == 0
    assert "deleted layer 'desk' (version 3" in capsys.readouterr().out
    assert main(["layer", "show", "desk", "--db", db, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["definition"] is None
    assert [(v["version"], v["recorded_by"], v["deleted"]) for v in shown["history"]] == [
        (1, cli_user(), False),
        (2, cli_user(), False),
        (3, cli_user(), True),
    ]
    assert main(["layers", "--db", db, "--json"]) == 0
    assert "desk" not in {r["id"] for r in json.loads(capsys.readouterr().out)}


def test_deleted_default_is_not_brought_back_by_db_init(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layer", "delete", "diplomacy", "--db", db, "--yes"]) == 0
    assert main(["db", "init", "--db", db]) == 0
    capsys.readouterr()
    assert main(["layers", "--db", db, "--json"]) == 0
    assert "diplomacy" not in {r["id"] for r in json.loads(capsys.readouterr().out)}
    assert main(["layer", "show", "diplomacy", "--db", db]) == 0
    assert "is deleted" in capsys.readouterr().out


def test_stale_if_version_is_a_conflict(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layer", "define", write(tmp_path, DESK), "--db", db]) == 0
    assert main(["layer", "define", write(tmp_path, {**DESK, "title": "B"}), "--db", db, "--if-version", "1"]) == 0
    capsys.readouterr()
    assert main(["layer", "define", write(tmp_path, {**DESK, "title": "C"}), "--db", db, "--if-version", "1"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "sitmap: error: layer 'desk' is at version 2, not 1: reload it and try again"
    assert main(["layer", "delete", "desk", "--db", db, "--yes", "--if-version", "1"]) == 1
    assert "is at version 2, not 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name"),
        ("", "is empty"),
        ([DESK], "expected a JSON object"),
        ({"title": "No id"}, "needs an 'id'"),
        ({**DESK, "id": "Bad Id"}, "layer id 'Bad Id' must be"),
        ({**DESK, "colour": "red"}, "colour"),
        ({**DESK, "kind": "rumours"}, "kind"),
    ],
)
def test_bad_definitions_exit_2_with_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: object, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    assert main(["layer", "define", str(path), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sitmap: error: ") and err.count("\n") == 1 and message in err, err
    with open_store(db) as store:
        assert "desk" not in {layer.id for layer in store.list_layers()}


def test_other_errors_are_one_line(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["layer", "define", str(tmp_path / "missing.json"), "--db", db], 2, "no such file"),
        (["layer", "show", "nope", "--db", db], 2, "unknown layer 'nope'"),
        (["layer", "delete", "nope", "--db", db, "--yes"], 2, "unknown layer 'nope'"),
        (["layer", "define", write(tmp_path, DESK), "--db", str(tmp_path / "none.gpkg")], 1, "no store at"),
    ]
    for argv, code, message in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, (argv, err)


def test_delete_without_yes_on_a_pipe_asks_for_it(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["layer", "delete", "strikes", "--db", db]) == 2
    assert "needs confirmation: add --yes" in capsys.readouterr().err
    with open_store(db) as store:
        assert store.get_layer("strikes").id == "strikes"


def test_define_from_stdin_through_the_entry_point(db: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "layer", "define", "-", "--db", db],
        input=json.dumps(DESK),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr
    assert "defined layer 'desk' (version 1)" in proc.stdout
    with open_store(db) as store:
        assert store.layer_history("desk")[0].recorded_by == cli_user()
