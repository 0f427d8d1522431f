"""A full disk during ``sitmap export`` (and the API's spooled downloads): one clear line, nothing partial.

Two real faults, every file format of :data:`layers.export.FORMATS`, with and without
a file already under the final name:

* **a full file system**: a 256 KiB tmpfs is mounted (root only; the test is skipped,
  with the reason, where ``mount`` is not permitted) and the export written into it;
* **a file size limit**: a child process with ``RLIMIT_FSIZE`` lowered and ``SIGXFSZ``
  ignored, so every write past the limit fails with ``EFBIG``; this one runs anywhere.

Each time: exit code 1, exactly one line on stderr naming the path and saying "no space
left" (no traceback), no file under the final name (or the old one byte for byte), and
no temporary file left in the folder. The API builds GeoPackage and GeoParquet downloads
in a temporary file first: there the same fault must be a 503 problem+json, with the
temporary file removed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from layers.catalog import install_default_layers
from layers.export import FORMATS
from layers.store import open_store
from layers.testing import make_claim

ROOT = Path(__file__).resolve().parents[2]
OLD = b"an older export that must survive\n"
#: Claims in the store: with random quotes every format needs well over 256 KiB.
CLAIMS = 2500


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("diskfull") / "big.gpkg")
    rnd = random.Random(7)
    store = open_store(path)
    try:
        install_default_layers(store)
        store.add_claims(
            [
                make_claim(
                    f"c-{i:05d}",
                    lon=34.2 + (i % 100) * 0.003,
                    lat=31.25 + (i // 100) * 0.003,
                    day=f"2023-12-{1 + i % 28:02d}",
                    quote=rnd.randbytes(200).hex(),  # incompressible, so GeoParquet is large too
                )
                for i in range(CLAIMS)
            ]
        )
    finally:
        store.close()
    return path


@pytest.fixture
def full_fs(tmp_path: Path) -> Iterator[Path]:
    """A freshly mounted 256 KiB tmpfs (skipped where mounting is not permitted)."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("no mount/umount binaries: the tmpfs variant needs them (the RLIMIT_FSIZE variant still runs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip()
        pytest.skip(f"cannot mount a tmpfs here ({reason}); the RLIMIT_FSIZE variant still runs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def _check(fmt: str, target: Path, code: int, err: str, pre_existing: bool) -> None:
    assert code == 1, (fmt, code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, (fmt, err)
    line = lines[0]
    assert line.startswith("sitmap: error: ") and "Traceback" not in err
    assert str(target) in line and "no space left" in line, line
    if pre_existing:
        assert target.read_bytes() == OLD, f"{fmt}: the older file was touched"
    else:
        assert not target.exists(), f"{fmt}: a partial file was left under the final name"
    left = sorted(p.name for p in target.parent.iterdir())
    assert left == ([target.name] if pre_existing else []), f"{fmt}: left behind {left}"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_into_a_full_filesystem(
    db: str, full_fs: Path, fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roomy = tmp_path / f"roomy.{fmt}"  # the same export fits elsewhere and is larger than the disk
    assert main(["export", "strikes", "--db", db, "-f", fmt, "-o", str(roomy)]) == 0
    assert roomy.stat().st_size > 256 * 1024
    capsys.readouterr()
    for pre_existing in (True, False):
        target = full_fs / f"strikes.{fmt}"
        if pre_existing:
            target.write_bytes(OLD)
        code = main(["export", "strikes", "--db", db, "-f", fmt, "-o", str(target)])
        _check(fmt, target, code, capsys.readouterr().err, pre_existing)
        target.unlink(missing_ok=True)


def test_api_spooled_downloads_on_a_full_filesystem(db: str, full_fs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    monkeypatch.setattr(tempfile, "tempdir", str(full_fs))  # where the API builds gpkg/parquet downloads
    settings = Settings(db=db, rate_limit=False, response_cache_mb=0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for fmt in ("gpkg", "parquet"):
            r = client.get(f"/collections/strikes/items?f={fmt}&limit=10000")
            assert r.status_code == 503, (fmt, r.status_code, r.text[:300])
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "no space left" in r.json()["detail"]
            assert list(full_fs.iterdir()) == []
        # the streamed formats never touch the disk: a full one does not matter to them
        for fmt in ("geojson", "csv", "kml"):
            assert client.get(f"/collections/strikes/items?f={fmt}&limit=10000").status_code == 200


_LIMITED_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, resource, signal, sys, tempfile
    from pathlib import Path
    from api.cli import main
    from api.app import create_app
    from api.settings import Settings
    from fastapi.testclient import TestClient

    db, out, limit, old = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
    formats = sys.argv[5].split(",")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    results = []
    for fmt in formats:
        for pre in (True, False):
            target = out / f"strikes.{fmt}"
            if pre:
                target.write_bytes(old)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["export", "strikes", "--db", db, "-f", fmt, "-o", str(target)])
            results.append({"fmt": fmt, "pre": pre, "code": code, "err": err.getvalue(),
                            "bytes": target.read_bytes().decode(errors="replace") if target.exists() else None,
                            "left": sorted(p.name for p in out.iterdir())})
            target.unlink(missing_ok=True)
    spool = out / "spool"
    spool.mkdir()
    tempfile.tempdir = str(spool)
    api = []
    with TestClient(create_app(Settings(db=db, rate_limit=False, response_cache_mb=0))) as client:
        for fmt in ("gpkg", "parquet"):
            r = client.get(f"/collections/strikes/items?f={fmt}&limit=10000")
            api.append({"fmt": fmt, "status": r.status_code, "type": r.headers["content-type"],
                        "detail": r.json().get("detail") if r.status_code != 200 else None,
                        "left": sorted(p.name for p in spool.iterdir())})
    print(json.dumps({"cli": results, "api": api}))
    """
)


def test_export_past_a_file_size_limit(db: str, tmp_path: Path) -> None:
    out = tmp_path / "limited"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_CHILD, db, str(out), str(128 * 1024), OLD.decode(), ",".join(sorted(FORMATS))],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["cli"]) == 2 * len(FORMATS)
    for r in report["cli"]:
        target = out / f"strikes.{r['fmt']}"
        assert r["code"] == 1, r
        lines = r["err"].strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r["err"], r["err"]
        assert str(target) in lines[0] and "no space left" in lines[0], lines[0]
        assert r["bytes"] == (OLD.decode() if r["pre"] else None), r
        assert r["left"] == ([target.name] if r["pre"] else []), r
    for a in report["api"]:
        # under a process-wide limit SQLite's own temporary files (the as-of sort of a download)
        # may hit it before the spooled file does: either way a 503 problem, never a 500
        assert a["status"] == 503 and a["type"].startswith("application/problem+json"), a
        assert "no space left" in a["detail"] or "disk I/O error" in a["detail"], a
        assert a["left"] == [], a


def test_export_error_names_the_path_when_the_folder_cannot_be_made(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    target = blocker / f"sub-{uuid.uuid4().hex[:6]}" / "out.geojson"
    assert main(["export", "strikes", "--db", db, "-o", str(target)]) == 1
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and str(target) in line and "Not a directory" in line
