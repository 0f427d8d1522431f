"""X-Forwarded-For names the client (and so its rate-limit bucket) only when a trusted proxy sends it.

``sitmap serve`` runs uvicorn, which by default believes X-Forwarded-For from
127.0.0.1: any process on the host, or a proxy that passes the header on unchanged,
could then pick a fresh address per request and escape every per-client limit.
``SITMAP_TRUSTED_PROXIES`` (empty by default) lists the proxies to believe.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import TOKENS, fill_store, free_port

pytestmark = pytest.mark.xdist_group("live_proxies")


@contextmanager
def serving(db: str, log: Path, **env: str) -> Iterator[str]:
    """``sitmap serve`` on a free port with a tiny budget for full downloads; yields its URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "SITMAP_TOKENS": TOKENS,
        "SITMAP_RATE_EXPENSIVE_BURST": "2",
        "SITMAP_RATE_EXPENSIVE_PER_MIN": "1",
        **env,
    }
    sitmap = str(Path(sys.executable).parent / "sitmap")
    cmd = [sitmap, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=full_env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"sitmap serve exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("sitmap serve did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _downloads(url: str, n: int) -> list[int]:
    """Statuses of ``n`` full CSV downloads, each claiming another client address."""
    return [
        httpx.get(
            url + "/collections/all/items?f=csv", headers={"X-Forwarded-For": f"203.0.113.{i + 1}"}, timeout=30
        ).status_code
        for i in range(n)
    ]


def test_a_client_varying_x_forwarded_for_is_still_limited(tmp_path: Path) -> None:
    db = str(tmp_path / "proxies.gpkg")
    fill_store(db)
    with serving(db, tmp_path / "untrusted.log") as url:
        statuses = _downloads(url, 4)
    assert statuses[:2] == [200, 200] and statuses[2:] == [429, 429], statuses


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    db = str(tmp_path / "proxies.gpkg")
    fill_store(db)
    with serving(db, tmp_path / "trusted.log", SITMAP_TRUSTED_PROXIES="127.0.0.1") as url:
        statuses = _downloads(url, 4)
    assert statuses == [200, 200, 200, 200], statuses  # four readers behind the proxy, one request each


def test_trusted_proxies_must_be_addresses() -> None:
    from api.settings import Settings

    assert Settings().trusted_proxies == ""
    assert Settings(trusted_proxies=" 127.0.0.1, 10.0.0.0/24 ").trusted_proxies == "127.0.0.1,10.0.0.0/24"
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="localhost")
