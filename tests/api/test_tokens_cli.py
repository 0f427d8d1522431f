"""`sitmap tokens add|list|revoke`, and a running service picking up the token file's changes."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.auth import Principal, TokenRegistry
from api.cli import main
from geo.errors import InvalidInput, NotFound
from layers.errors import Unauthorized
from tests.api.conftest import fill_store

ROOT = Path(__file__).parents[2]
ENV_TOKEN = ("env-desk", "env-desk-secret-01")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands read SITMAP_TOKEN_FILE and SITMAP_TOKENS; a developer's own values must not leak in."""
    monkeypatch.delenv("SITMAP_TOKEN_FILE", raising=False)
    monkeypatch.delenv("SITMAP_TOKENS", raising=False)


def add(capsys: pytest.CaptureFixture[str], path: Path, name: str, *extra: str) -> str:
    """Run ``tokens add`` and return the secret it printed."""
    assert main(["tokens", "add", name, "--file", str(path), *extra]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return out.strip()


def fails(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """The command exits 2 with one readable line on stderr containing ``message``."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sitmap: error: "), err
    assert message in err, err


# --------------------------------------------------------------------------------------
# add
# --------------------------------------------------------------------------------------


def test_add_prints_the_secret_once_and_stores_only_its_digest(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tokens.txt"
    assert main(["tokens", "add", "newsroom", "--file", str(path)]) == 0
    captured = capsys.readouterr()
    secret = captured.out.strip()
    assert captured.out == secret + "\n" and len(secret) >= 43  # token_urlsafe(32): 43 characters
    assert "added token 'newsroom' (scope write)" in captured.err and "shown only this once" in captured.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(entries) == 1
    assert entries[0].startswith("newsroom:sha256:") and ":write  # added 20" in entries[0]
    for f in tmp_path.iterdir():  # the plain secret is on no file at all
        assert secret.encode() not in f.read_bytes(), f
    registry = TokenRegistry(token_file=path)
    assert registry.identify(f"Bearer {secret}") == Principal("newsroom", "write")
    assert registry.entries()[0].added is not None


@pytest.mark.parametrize(
    ("given", "stored"), [("read", "read-private"), ("read-private", "read-private"), ("admin", "admin")]
)
def test_add_with_a_scope(tmp_path: Path, capsys, given: str, stored: str) -> None:
    path = tmp_path / "tokens.txt"
    secret = add(capsys, path, "desk", "--scope", given)
    assert TokenRegistry(token_file=path).identify(f"Bearer {secret}") == Principal("desk", stored)


def test_add_refuses_a_duplicate_and_bad_input_leaving_the_file_unchanged(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.txt"
    add(capsys, path, "newsroom")
    before = path.read_bytes()
    fails(capsys, ["tokens", "add", "newsroom", "--file", str(path)], "a token named 'newsroom' already exists in")
    fails(capsys, ["tokens", "add", "bad name", "--file", str(path)], "token name 'bad name' must be")
    fails(capsys, ["tokens", "add", "x:y", "--file", str(path)], "token name 'x:y' must be")
    fails(capsys, ["tokens", "add", "ok", "--scope", "root", "--file", str(path)], "unknown scope 'root'")
    monkeypatch.setenv("SITMAP_TOKENS", f"{ENV_TOKEN[0]}:{ENV_TOKEN[1]}")
    fails(capsys, ["tokens", "add", ENV_TOKEN[0], "--file", str(path)], "already given in SITMAP_TOKENS")
    assert path.read_bytes() == before
    missing_dir = tmp_path / "nowhere" / "tokens.txt"
    fails(capsys, ["tokens", "add", "ok", "--file", str(missing_dir)], "does not exist")
    assert not missing_dir.parent.exists()


def test_add_uses_SITMAP_TOKEN_FILE_then_the_current_directory(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    add_default = main(["tokens", "add", "here"])
    assert add_default == 0 and (tmp_path / "sitmap-tokens.txt").exists()
    elsewhere = tmp_path / "etc-tokens"
    monkeypatch.setenv("SITMAP_TOKEN_FILE", str(elsewhere))
    assert main(["tokens", "add", "there"]) == 0
    assert "there:sha256:" in elsewhere.read_text() and "there" not in (tmp_path / "sitmap-tokens.txt").read_text()
    capsys.readouterr()


def test_a_failed_rewrite_leaves_the_file_and_no_temporary_file(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "tokens.txt"
    add(capsys, path, "newsroom")
    before = sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert main(["tokens", "add", "second", "--file", str(path)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert (sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()) == before


def test_concurrent_adds_lose_nothing(tmp_path: Path, capsys) -> None:
    """16 threads and 4 processes add at once; the lock and the atomic rewrite keep every one."""
    path = tmp_path / "tokens.txt"
    results: list[int] = []

    def one(i: int) -> None:
        results.append(main(["tokens", "add", f"thread-{i}", "--file", str(path)]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "tokens", "add", f"proc-{i}", "--file", str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k not in ("SITMAP_TOKENS", "SITMAP_TOKEN_FILE")},
        )
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secrets = [p.communicate(timeout=60)[0].decode().strip() for p in procs]
    assert results == [0] * 16 and [p.returncode for p in procs] == [0] * 4
    capsys.readouterr()
    names = {e.name for e in TokenRegistry(token_file=path).entries()}
    assert names == {f"thread-{i}" for i in range(16)} | {f"proc-{i}" for i in range(4)}
    registry = TokenRegistry(token_file=path)
    assert [registry.identify(f"Bearer {s}").name for s in secrets] == [f"proc-{i}" for i in range(4)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------------------


def test_list_shows_name_scope_added_and_never_the_digest(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "tokens.txt"
    add(capsys, path, "newsroom")
    add(capsys, path, "analyst", "--scope", "read")
    old_digest = "ab" * 32
    with path.open("a") as fh:  # lines in the older formats still read
        fh.write(f"legacy:sha256:{old_digest}\n# a comment\n\nplain:plain-secret-123:read\n")
    monkeypatch.setenv("SITMAP_TOKENS", f"{ENV_TOKEN[0]}:{ENV_TOKEN[1]}:admin")
    digests = [e.digest.hex() for e in TokenRegistry(token_file=path).entries()]

    assert main(["tokens", "list", "--file", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out)
    assert [(r["name"], r["scope"], r["in"]) for r in rows] == [
        ("newsroom", "write", str(path)),
        ("analyst", "read-private", str(path)),
        ("legacy", "write", str(path)),
        ("plain", "read-private", str(path)),
        (ENV_TOKEN[0], "admin", "SITMAP_TOKENS"),
    ]
    assert rows[0]["added"].endswith("Z") and rows[2]["added"] is None
    assert [r["digest"] for r in rows[:4]] == [d[:8] for d in digests]
    assert not any(d in out for d in digests)

    assert main(["tokens", "list", "--file", str(path)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["name", "scope", "added", "digest", "in"]
    assert "analyst" in table and "read-private" in table and old_digest[:8] in table
    assert not any(d in table for d in digests) and ENV_TOKEN[1] not in table


# --------------------------------------------------------------------------------------
# revoke
# --------------------------------------------------------------------------------------


def test_revoke_removes_only_that_token(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tokens.txt"
    keep = add(capsys, path, "newsroom")
    gone = add(capsys, path, "leaver")
    with path.open("a") as fh:
        fh.write("# kept comment\n")
    assert main(["tokens", "revoke", "leaver", "--file", str(path)]) == 0
    assert "revoked token 'leaver'" in capsys.readouterr().err
    text = path.read_text()
    assert "leaver" not in text and "# kept comment" in text and "newsroom:sha256:" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    registry = TokenRegistry(token_file=path)
    assert registry.identify(f"Bearer {keep}") == Principal("newsroom", "write")
    with pytest.raises(Unauthorized):
        registry.identify(f"Bearer {gone}")


def test_revoke_refuses_unknown_env_only_and_missing(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "tokens.txt"
    add(capsys, path, "newsroom")
    before = path.read_bytes()
    fails(capsys, ["tokens", "revoke", "nobody", "--file", str(path)], f"no token named 'nobody' in {path}")
    monkeypatch.setenv("SITMAP_TOKENS", f"{ENV_TOKEN[0]}:{ENV_TOKEN[1]}")
    fails(
        capsys,
        ["tokens", "revoke", ENV_TOKEN[0], "--file", str(path)],
        "is given in SITMAP_TOKENS (the environment), not in",
    )
    assert path.read_bytes() == before
    fails(capsys, ["tokens", "revoke", "newsroom", "--file", str(tmp_path / "none.txt")], "does not exist")
    fails(capsys, ["tokens", "list", "--file", str(tmp_path / "none.txt")], "does not exist")
    assert not (tmp_path / "none.txt").exists()


def test_a_malformed_file_stops_every_command_and_is_left_as_it_is(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tokens.txt"
    add(capsys, path, "newsroom")
    with path.open("a") as fh:
        fh.write("broken-line-without-colon\n")
    before = path.read_bytes()
    where = f"{path}:3:"
    fails(capsys, ["tokens", "list", "--file", str(path)], where)
    fails(capsys, ["tokens", "add", "another", "--file", str(path)], where)
    fails(capsys, ["tokens", "revoke", "newsroom", "--file", str(path)], where)
    path.write_bytes(before.replace(b"broken-line-without-colon", b"x:sha256:12:write"))
    fails(capsys, ["tokens", "list", "--file", str(path)], "malformed sha256 digest")
    path.write_bytes(before.replace(b"broken-line-without-colon", b"y:secret-long-enough:superuser"))
    fails(capsys, ["tokens", "list", "--file", str(path)], "unknown scope 'superuser'")
    path.write_bytes(b"\xff\xfe not text\n")
    fails(capsys, ["tokens", "list", "--file", str(path)], "is not UTF-8 text")


# --------------------------------------------------------------------------------------
# A running service follows the file
# --------------------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A TestClient over a GeoPackage store whose tokens come from a token file (plus one env token)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    db = str(tmp_path / "live.gpkg")
    fill_store(db)
    path = tmp_path / "tokens.txt"
    path.write_text("# tokens\n")
    path.chmod(0o600)
    settings = Settings(db=db, tokens=f"{ENV_TOKEN[0]}:{ENV_TOKEN[1]}", token_file=path, rate_limit=False)
    with TestClient(create_app(settings)) as client:
        yield client, path


def _post(client: Any, secret: str, cid: str) -> Any:
    feature = {
        "type": "Feature",
        "id": cid,
        "geometry": {"type": "Point", "coordinates": [34.45, 31.50]},
        "properties": {
            "event_type": "airstrike",
            "claimant": "Civil defence",
            "source": "Example Wire",
            "uncertainty_m": 800,
            "valid_from": "2023-12-09T00:00:00Z",
            "valid_to": "2023-12-09T23:59:59Z",
            "time_precision": "day",
        },
    }
    return client.post("/claims", json=feature, headers={"Authorization": f"Bearer {secret}"})


def test_revocation_takes_effect_without_a_restart(live, capsys) -> None:
    client, path = live
    secret = add(capsys, path, "newsroom")
    r = _post(client, secret, "c-live-1")
    assert r.status_code == 201, r.text
    history = client.get("/claims/c-live-1/history").json()["features"]
    assert history[-1]["properties"]["recorded_by"] == "newsroom"

    assert main(["tokens", "revoke", "newsroom", "--file", str(path)]) == 0
    r = _post(client, secret, "c-live-2")  # the very next request, same app, no restart
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unauthorized" and r.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/claims/c-live-2").status_code == 404  # nothing was stored

    again = add(capsys, path, "newsroom")  # a new secret under the same name works at once
    assert _post(client, again, "c-live-3").status_code == 201
    assert _post(client, secret, "c-live-4").status_code == 401
    assert _post(client, ENV_TOKEN[1], "c-live-5").status_code == 201  # env tokens untouched throughout


def test_a_broken_token_file_fails_closed_and_recovers(live, capsys, caplog) -> None:
    client, path = live
    secret = add(capsys, path, "newsroom")
    assert _post(client, secret, "c-b-1").status_code == 201
    good = path.read_bytes()
    caplog.set_level(logging.INFO, logger="sitmap.auth")

    path.write_bytes(good + b"half-written-line\n")  # an edit that breaks the file
    r = _post(client, secret, "c-b-2")
    assert r.status_code == 401, "a broken file must not keep its (or older) tokens valid"
    assert _post(client, ENV_TOKEN[1], "c-b-3").status_code == 201  # the environment's tokens still work
    errors = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.ERROR]
    assert len(errors) == 1 and f"{path}:3:" in errors[0] and "refusing every token from this file" in errors[0]
    _post(client, secret, "c-b-4")
    assert len([rec for rec in caplog.records if rec.levelno == logging.ERROR]) == 1  # logged once, not per request

    path.write_bytes(good)  # fixed
    assert _post(client, secret, "c-b-5").status_code == 201

    path.unlink()  # deleted: its tokens go with it
    assert _post(client, secret, "c-b-6").status_code == 401
    assert any("does not exist" in rec.getMessage() for rec in caplog.records if rec.levelno == logging.ERROR)
    path.write_bytes(good)
    assert _post(client, secret, "c-b-7").status_code == 201


def test_the_file_is_read_again_only_when_it_changes(tmp_path: Path, capsys, monkeypatch) -> None:
    import api.auth

    path = tmp_path / "tokens.txt"
    secret = add(capsys, path, "newsroom")
    registry = TokenRegistry(token_file=path)
    reads = []
    real = api.auth.parse_token_text
    monkeypatch.setattr(
        api.auth, "parse_token_text", lambda text, where: reads.append(where) or real(text, where=where)
    )
    for _ in range(50):
        assert registry.identify(f"Bearer {secret}") == Principal("newsroom", "write")
    assert reads == []
    add(capsys, path, "second")
    registry.identify(f"Bearer {secret}")
    registry.identify(f"Bearer {secret}")
    assert len(reads) == 1 and len(registry) == 2


def test_the_service_does_not_start_with_a_broken_or_missing_token_file(tmp_path: Path) -> None:
    from api.app import create_app
    from api.settings import Settings

    path = tmp_path / "tokens.txt"
    path.write_text("# header\nok:sha256:" + "0" * 64 + "\nnot a token\n")
    with pytest.raises(InvalidInput, match=r"tokens\.txt:3: expected name:token"):
        create_app(Settings(db=str(tmp_path / "x.gpkg"), token_file=path))
    with pytest.raises(NotFound, match="does not exist"):
        create_app(Settings(db=str(tmp_path / "x.gpkg"), token_file=tmp_path / "missing.txt"))
