"""deploy/compose.yaml: PostGIS + N sitmap workers + nginx, with the settings each needs.

No Docker daemon is needed: the file's structure is checked here, the nginx site its
entrypoint script writes is checked by Debian's nginx (``nginx -t``), and when a compose
CLI is installed (``docker compose`` or Debian's ``docker-compose``) it validates the file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.test_deploy_nginx import _nginx, main_config
from tests.conftest import IN_CI, require

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
ENV = {"POSTGRES_PASSWORD": "pw", "SITMAP_SESSION_SECRET": "0123456789abcdef0123456789abcdef"}


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return doc


def test_compose_has_one_store_n_workers_and_nginx() -> None:
    services = _doc()["services"]
    assert set(services) == {"db", "init", "sitmap", "nginx"}
    worker = services["sitmap"]
    env = worker["environment"]
    assert env["SITMAP_DB"].startswith("postgresql://sitmap:") and "@db:5432/sitmap" in env["SITMAP_DB"]
    assert env["SITMAP_SESSION_SECRET"].startswith("${SITMAP_SESSION_SECRET:?")  # no default secret
    assert env["SITMAP_TRUSTED_PROXIES"] == _doc()["networks"]["sitmap"]["ipam"]["config"][0]["subnet"]
    assert worker["deploy"]["replicas"] == "${SITMAP_WORKERS:-2}"
    assert worker["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["init"]["command"] == ["sitmap", "db", "init"] and services["init"]["environment"] == env
    assert services["nginx"]["environment"]["SITMAP_UPSTREAM"] == "sitmap:8000"
    # every file the services mount is in the repository
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./") and not source.endswith("/tokens"):
                assert (COMPOSE.parent / source).is_file(), (name, source)
    assert (ROOT / services["init"]["build"]["dockerfile"]).is_file()


def test_the_nginx_entrypoint_installs_the_shipped_site(tmp_path: Path) -> None:
    nginx = _nginx()
    require(nginx is not None, "nginx is not installed (Debian package nginx)")
    assert nginx is not None
    site = tmp_path / "sitmap.conf"
    env = {
        **os.environ,
        "SITMAP_UPSTREAM": "127.0.0.1:8000",
        "SITMAP_NGINX_SITE": str(ROOT / "deploy" / "nginx" / "sitmap.conf"),
        "SITMAP_NGINX_OUT": str(site),
    }
    subprocess.run(["sh", str(ROOT / "deploy" / "compose" / "nginx-upstream.sh")], env=env, check=True)
    text = site.read_text()
    upstream = text[text.index("upstream sitmap_workers {") : text.index("}", text.index("upstream sitmap_workers"))]
    assert "server 127.0.0.1:8000 max_fails=3 fail_timeout=5s;" in upstream and upstream.count("server ") == 1
    assert "keepalive 32;" in upstream
    shipped = (ROOT / "deploy" / "nginx" / "sitmap.conf").read_text()
    assert text[text.index("server {") :] == shipped[shipped.index("server {") :]  # the rest as shipped
    text = text.replace("/var/cache/nginx/sitmap", str(tmp_path / "cache")).replace("listen 80;", "listen 127.0.0.1:1;")
    site.write_text(text)
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_config(tmp_path, site))
    out = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def _compose_cli() -> list[str] | None:
    """The first compose CLI that answers here: Docker's plugin, else Debian's ``docker-compose``."""
    for cli in (["docker", "compose"], ["docker-compose"]):
        answers = shutil.which(cli[0]) is not None
        if answers and subprocess.run([*cli, "version"], capture_output=True, text=True).returncode == 0:
            return cli
    return None


def test_a_compose_cli_accepts_the_file() -> None:
    """``compose config`` resolves the file, and refuses it without the database password.

    ``.ci/run`` installs Debian's ``docker-compose`` where no compose CLI answers, so in
    CI this test runs (it fails rather than skips there, like the PostGIS and browser tests).
    """
    cli = _compose_cli()
    if cli is None:
        if IN_CI:
            pytest.fail("no compose CLI (docker compose or docker-compose): .ci/run installs docker-compose")
        pytest.skip("no compose CLI installed (docker compose or docker-compose)")
    ok = subprocess.run([*cli, "-f", str(COMPOSE), "config"], env={**os.environ, **ENV}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "postgresql://sitmap:pw@db:5432/sitmap" in ok.stdout
    missing = subprocess.run([*cli, "-f", str(COMPOSE), "config"], capture_output=True, text=True, env=_without(ENV))
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr


def _without(names: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
