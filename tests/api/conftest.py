"""Fixtures for the service: an app over a small store of each backend, and a live server.

``api_client`` builds the app with its own :class:`Settings` (never the environment)
over a fresh store holding :data:`CLAIMS` and :data:`ZONES`; ``live_server`` runs
``uvicorn --factory api.app:create_app`` in a subprocess on a free 127.0.0.1 port,
for clients no one here wrote (GDAL, OWSLib, schemathesis).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from layers.model import ClaimRecord, Zone
from layers.testing import make_claim, make_zone

WRITER = ("newsroom", "newsroom-token-0001")
READER = ("analyst", "analyst-token-0002")
ADMIN = ("editor-in-chief", "admin-token-0003")
TOKENS = f"{WRITER[0]}:{WRITER[1]},{READER[0]}:{READER[1]}:read-private,{ADMIN[0]}:{ADMIN[1]}:admin"
AUTH = {"Authorization": f"Bearer {WRITER[1]}"}
READ_AUTH = {"Authorization": f"Bearer {READER[1]}"}
ADMIN_AUTH = {"Authorization": f"Bearer {ADMIN[1]}"}

#: Khan Younis town area, used by bbox tests (c-ky-1 and c-ky-2 lie inside, nothing else).
KHAN_YOUNIS_BBOX = (34.25, 31.32, 34.33, 31.37)


def _claims() -> list[ClaimRecord]:
    return [
        make_claim("c-gaza-1", lon=34.4667, lat=31.5017, day="2023-12-01", place_name="Gaza City", fatalities=4),
        make_claim(
            "c-gaza-2", event_type="shelling", lon=34.4580, lat=31.5120, day="2023-12-02", claimant="Israeli military"
        ),
        make_claim("c-ky-1", lon=34.3030, lat=31.3460, day="2023-12-03", place_name="Khan Younis", radius_m=1500),
        make_claim("c-ky-2", event_type="ground_operation", lon=34.2900, lat=31.3400, day="2023-12-03", days=7),
        make_claim("c-rafah-1", lon=34.2500, lat=31.2900, day="2023-12-05", source="Other Wire", radius_m=3000),
        make_claim("c-jab-1", event_type="shooting", lon=34.4830, lat=31.5330, day="2023-12-02"),
        make_claim(
            "c-talks-1",
            event_type="negotiation",
            lon=51.5310,
            lat=25.2854,
            day="2023-11-28",
            claimant="Qatari mediators",
        ),
        make_claim(
            "c-rocket-1",
            event_type="rocket_launch",
            lon=34.5950,
            lat=31.5250,
            day="2023-12-04",
            claimant="Israeli military",
        ),
        make_claim("c-untimed", lon=34.3500, lat=31.4000, day=None, claimant="witnesses"),
    ]


def _zones() -> list[Zone]:
    return [
        make_zone("z-north", bounds=(34.45, 31.50, 34.55, 31.58), effective_from="2023-10-13", title="North Gaza"),
        make_zone("z-ky", bounds=(34.28, 31.33, 34.33, 31.37), effective_from="2023-12-01", lifted_at="2024-01-10"),
        make_zone(
            "z-mawasi",
            bounds=(34.22, 31.30, 34.27, 31.36),
            order_type="humanitarian_zone",
            effective_from="2023-12-06",
        ),
    ]


CLAIMS = _claims()
ZONES = _zones()


def fill_store(url: str) -> None:
    """Put the fixture claims and zones into the store at ``url``."""
    from layers.store import open_store

    store = open_store(url)
    try:
        store.add_claims(_claims(), recorded_by="fixture")
        store.add_zones(_zones(), recorded_by="fixture")
    finally:
        store.close()


@pytest.fixture
def api_settings(store_url: str):
    """Settings for an app over a fresh, filled store of each backend."""
    from api.settings import Settings

    fill_store(store_url)
    return Settings(db=store_url, tokens=TOKENS, default_limit=5, max_limit=50, max_body_bytes=200_000)


@pytest.fixture
def api_client(api_settings) -> Iterator[object]:
    """A TestClient over the app (lifespan run: store open, default layers installed)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(api_settings)) as client:
        yield client


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def ro_client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A TestClient shared by a module's read-only tests, over a filled store of each backend.

    Tests that write use ``api_client`` (a fresh store each); sharing one store per
    module keeps the PostGIS runs cheap.
    """
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from tests.conftest import postgis_url, require

    schema = None
    if request.param == "gpkg":
        url = str(tmp_path_factory.mktemp("ro") / "ro.gpkg")
    else:
        base = postgis_url()
        require(base is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
        assert base is not None
        import uuid

        import psycopg

        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{schema},public"
    try:
        fill_store(url)
        settings = Settings(db=url, tokens=TOKENS, default_limit=5, max_limit=50, max_body_bytes=200_000)
        with TestClient(create_app(settings)) as client:
            yield client
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(postgis_url() or "", autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def gpkg_client(tmp_path: Path) -> Iterator[object]:
    """A TestClient over a filled GeoPackage store only (for tests that need one backend)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path / "api.gpkg")
    fill_store(url)
    settings = Settings(db=url, tokens=TOKENS, default_limit=5, max_limit=50, max_body_bytes=200_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running ``uvicorn`` serving sitmap on 127.0.0.1."""

    url: str
    db: str
    process: subprocess.Popen[bytes]
    requests_log: Path


def start_server(db: str, tmp_path: Path, *, extra_env: dict[str, str] | None = None) -> LiveServer:
    """Start uvicorn with the app factory in a subprocess and wait until /healthz answers."""
    port = free_port()
    log = tmp_path / f"uvicorn-{port}.log"
    env = {
        **os.environ,
        "SITMAP_DB": db,
        "SITMAP_TOKENS": TOKENS,
        "SITMAP_DEFAULT_LIMIT": "10",
        "SITMAP_MAX_LIMIT": "1000",
        "SITMAP_RATE_LIMIT": "false",  # fuzzers and client suites send bursts; rate limits have their own tests
        **(extra_env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    fh = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=str(Path(__file__).parents[2]))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url=url, db=db, process=proc, requests_log=log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start within 60 s")


def stop_server(server: LiveServer) -> None:
    """Stop the server process (SIGTERM, then SIGKILL after 10 s)."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live sitmap on a free port over a filled GeoPackage store (one per test module)."""
    tmp = tmp_path_factory.mktemp("live")
    db = str(tmp / "live.gpkg")
    fill_store(db)
    server = start_server(db, tmp)
    try:
        yield server
    finally:
        stop_server(server)


def request_count(server: LiveServer, path_prefix: str) -> int:
    """How many requests uvicorn logged for paths starting with ``path_prefix``."""
    text = server.requests_log.read_text(errors="replace")
    return sum(1 for line in text.splitlines() if f'"GET {path_prefix}' in line)


__all__ = ["AUTH", "CLAIMS", "KHAN_YOUNIS_BBOX", "READ_AUTH", "ZONES"]
