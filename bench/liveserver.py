"""A live ``sitmap serve`` for the benchmarks that talk HTTP to a real server (fuzz, load, api, map_render).

One place knows how to pick a free port on 127.0.0.1, build the demo store, start the
server with a given environment, wait for ``/healthz`` and stop it again, so the
benchmarks differ only in what they send.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SITMAP = str(Path(sys.executable).with_name("sitmap"))
START_TIMEOUT_S = 90.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_store(folder: Path) -> str:
    """Build the demo GeoPackage (``sitmap demo``) in ``folder`` and return its path."""
    db = str(folder / "demo.gpkg")
    subprocess.run([SITMAP, "demo", "--db", db], check=True, cwd=str(ROOT), stdout=subprocess.DEVNULL)
    return db


def start(
    db: str,
    log: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    sitmap: str = SITMAP,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``sitmap serve`` over ``db`` on a free port and return (process, base URL) once it is healthy.

    ``env`` is added to this process's environment; the server's output goes to
    ``log``; ``sitmap`` is the command to run (by default the one beside this
    Python); ``port`` a given port (default: any free one). A server that exits or
    never answers is stopped and ``SystemExit`` raised with its log; otherwise the caller
    stops it (:func:`stop`).
    """
    port = port or free_port()
    cmd = [sitmap, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    cmd += ["--log-level", "warning"]
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(cmd, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url, log)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server: terminate, then kill after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serving(db: str, log: Path, *, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[tuple[int, str]]:
    """Run ``sitmap serve`` over ``db`` (rate limits off) and yield its (pid, base URL).

    The server's output goes to ``log``; it is stopped (terminate, then kill after 15 s)
    when the block ends, whatever happened inside it.
    """
    proc, url = start(db, log, workers=workers, env={"SITMAP_RATE_LIMIT": "false", **(env or {})})
    try:
        yield proc.pid, url
    finally:
        stop(proc)


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Return once /healthz answers 200; exit with the server's log if it dies or never answers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"sitmap serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"sitmap serve did not start within {START_TIMEOUT_S:g} s")
