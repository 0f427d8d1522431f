"""deploy/nginx/sitmap.conf in front of two ``sitmap serve`` workers on one PostGIS store.

nginx (Debian's package; ``.ci/run`` installs it) is started on a free 127.0.0.1 port
with its own temporary prefix and the shipped site configuration, its upstream list,
``listen`` line and cache path pointed at this test's workers and folders. Everything
else — cache key, what is cached, revalidation, bypass on credentials — is the file
as shipped. It shows that an as-of embed is answered from nginx's cache after its first
request, that a write through one worker is seen through the other on the next
unpinned request, and that no unpinned page older than ``SITMAP_CACHE_MAX_AGE`` is
served after a write.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import AUTH, TOKENS, fill_store, free_port
from tests.conftest import postgis_url, require

pytestmark = [pytest.mark.postgis, pytest.mark.xdist_group("deploy_nginx")]

ROOT = Path(__file__).resolve().parents[2]
SITE_CONF = ROOT / "deploy" / "nginx" / "sitmap.conf"
SITMAP = str(Path(sys.executable).with_name("sitmap"))
#: Short, so the test waits little; long enough that two quick requests fall inside it.
MAX_AGE_S = 3
#: nginx counts cache age in whole seconds and keeps an entry through its last second.
STEP_S = 1.5


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@dataclass
class Deployment:
    """Two workers and nginx in front of them."""

    proxy: str
    workers: tuple[str, str]
    folder: Path


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /healthz within 90 s:\n{log.read_text(errors='replace')[-3000:]}")


def site_config(upstreams: list[int], listen: int, cache: Path) -> str:
    """The shipped site file, pointed at these workers, this port and this cache folder."""
    text = SITE_CONF.read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;\n" for p in upstreams)
    upstream = r"(upstream sitmap_workers \{\n)(?:\s*#[^\n]*\n)*(?:\s*server [^\n]+\n)+"
    text, n_up = re.subn(upstream, rf"\g<1>{servers}", text)
    text, n_listen = re.subn(r"\blisten 80;", f"listen 127.0.0.1:{listen};", text)
    text, n_cache = re.subn(r"proxy_cache_path /var/cache/nginx/sitmap ", f"proxy_cache_path {cache} ", text)
    assert (n_up, n_listen, n_cache) == (1, 1, 1), "deploy/nginx/sitmap.conf no longer has the expected lines"
    return text


def main_config(prefix: Path, site: Path) -> str:
    """A minimal nginx.conf that keeps every file nginx writes under ``prefix``."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp prefix
    temps = "".join(f"    {k}_temp_path {prefix / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {prefix / 'access.log'};\n{temps}    include {site};\n}}\n"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A fresh PostGIS schema with the fixture claims, two workers over it, nginx in front."""
    nginx = _nginx()
    require(nginx is not None, "nginx is not installed (Debian package nginx)")
    base = postgis_url()
    require(base is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    assert nginx is not None and base is not None
    import psycopg

    folder = tmp_path_factory.mktemp("deploy")
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    db = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema},public"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        fill_store(db)
        env = {
            **os.environ,
            "SITMAP_DB": db,
            "SITMAP_TOKENS": TOKENS,
            "SITMAP_CACHE_MAX_AGE": str(MAX_AGE_S),
            "SITMAP_RATE_LIMIT": "false",
        }
        workers = []
        for _ in range(2):
            port = free_port()
            log = folder / f"worker-{port}.log"
            cmd = [SITMAP, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            procs.append(subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT))
            workers.append((port, log))
        for proc, (port, log) in zip(procs, workers, strict=True):
            _wait(f"http://127.0.0.1:{port}", proc, log)

        prefix = folder / "nginx"
        prefix.mkdir()
        listen = free_port()
        site = prefix / "sitmap.conf"
        site.write_text(site_config([p for p, _ in workers], listen, prefix / "cache"))
        conf = prefix / "nginx.conf"
        conf.write_text(main_config(prefix, site))
        check = subprocess.run(
            [nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        nlog = prefix / "stderr.log"
        cmd = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        procs.append(subprocess.Popen(cmd, stdout=nlog.open("wb"), stderr=subprocess.STDOUT))
        proxy = f"http://127.0.0.1:{listen}"
        _wait(proxy, procs[-1], prefix / "error.log")
        yield Deployment(proxy=proxy, workers=tuple(f"http://127.0.0.1:{p}" for p, _ in workers), folder=folder)  # type: ignore[arg-type]
    finally:
        for proc in reversed(procs):
            _stop(proc)
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _claim(cid: str) -> dict[str, object]:
    props = {
        "event_type": "airstrike",
        "claimant": "Civil defence",
        "source": "Example Wire",
        "uncertainty_m": 800,
        "valid_from": "2023-12-09T00:00:00Z",
        "valid_to": "2023-12-09T23:59:59Z",
        "time_precision": "day",
    }
    point = {"type": "Point", "coordinates": [34.45, 31.5]}
    return {"type": "Feature", "id": cid, "geometry": point, "properties": props}


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def test_as_of_embed_is_served_from_the_cache_after_the_first_request(deployment: Deployment) -> None:
    pinned = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with httpx.Client(base_url=deployment.proxy, timeout=30) as client:
        for path in (f"/embed/all?as_of={pinned}", f"/maps/all/data.json?as_of={pinned}"):
            first = client.get(path)
            assert first.status_code == 200, first.text
            assert first.headers["x-cache-status"] == "MISS"
            assert "immutable" in first.headers["cache-control"]
            for _ in range(3):
                again = client.get(path)
                assert again.headers["x-cache-status"] == "HIT"
                assert again.content == first.content
        # the cache key is the full URL: another instant is another entry
        earlier = (datetime.now(UTC) - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert client.get(f"/embed/all?as_of={earlier}").headers["x-cache-status"] == "MISS"
        # a reader with a token is never answered from, nor stored in, the shared cache
        authed = client.get(f"/embed/all?as_of={pinned}", headers=AUTH)
        assert authed.headers["x-cache-status"] == "BYPASS"


def test_a_write_through_one_worker_is_seen_through_the_other(deployment: Deployment) -> None:
    one, other = deployment.workers
    before = _ids(httpx.get(f"{other}/collections/all/items?limit=50", timeout=30))
    r = httpx.post(f"{one}/claims", json=_claim("c-deploy-write"), headers=AUTH, timeout=30)
    assert r.status_code == 201, r.text
    assert "c-deploy-write" not in before
    assert "c-deploy-write" in _ids(httpx.get(f"{other}/collections/all/items?limit=50", timeout=30))
    item = httpx.get(f"{other}/collections/all/items/c-deploy-write", timeout=30)
    assert item.status_code == 200 and item.json()["properties"]["claimant"] == "Civil defence"
    # and through nginx, on an unpinned URL it has not been asked before
    via_proxy = httpx.get(f"{deployment.proxy}/collections/all/items?limit=49", timeout=30)
    assert "c-deploy-write" in _ids(via_proxy)


def test_no_unpinned_page_older_than_max_age_after_a_write(deployment: Deployment) -> None:
    url = f"{deployment.proxy}/collections/all/items?limit=40"
    with httpx.Client(timeout=30) as client:
        first = client.get(url)
        assert first.headers["x-cache-status"] == "MISS"
        assert first.headers["cache-control"] == f"public, max-age={MAX_AGE_S}, must-revalidate"
        # a second look within max-age comes from the cache (or, on a slow machine, revalidated: 304 upstream)
        assert client.get(url).headers["x-cache-status"] in ("HIT", "REVALIDATED")

        r = client.post(f"{deployment.workers[0]}/claims", json=_claim("c-deploy-fresh"), headers=AUTH)
        assert r.status_code == 201, r.text
        time.sleep(MAX_AGE_S + STEP_S)
        after = client.get(url)
        assert after.headers["x-cache-status"] in ("EXPIRED", "MISS")
        assert "c-deploy-fresh" in _ids(after)
        assert after.headers["etag"] != first.headers["etag"]

        # nothing written since: nginx asks again after max-age and sitmap answers 304 by ETag
        time.sleep(MAX_AGE_S + STEP_S)
        unchanged = client.get(url)
        assert unchanged.headers["x-cache-status"] == "REVALIDATED"
        assert unchanged.content == after.content
