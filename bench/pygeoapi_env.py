"""pygeoapi as a benchmark baseline: a bench-only environment, a config, a live server on 127.0.0.1.

``bench/api.py`` compares sitmap's OGC API - Features with pygeoapi serving the same
claims through two of pygeoapi's providers: PostgreSQL (its recommended feature
provider) over the ``claims`` current-state view of a sitmap PostGIS schema, and
SQLiteGPKG (SQLite with SpatiaLite: Debian's ``libsqlite3-mod-spatialite``) over the
``claims`` view of a sitmap GeoPackage. This module keeps pygeoapi out of sitmap's own
environment: it creates ``bench/.venv-pygeoapi`` (gitignored) with ``pip install
pygeoapi`` plus the provider's database extras, writes a config per provider, generates
the OpenAPI document pygeoapi needs, and starts it under gunicorn (its documented
production server).

    .venv/bin/python bench/pygeoapi_env.py   # only create the environment and print its version
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ENV_DIR = ROOT / "bench" / ".venv-pygeoapi"
#: pygeoapi itself, the PostgreSQL provider's extras (not pulled in by pygeoapi) and its WSGI server.
PACKAGES = ["pygeoapi", "psycopg2-binary", "SQLAlchemy", "GeoAlchemy2", "gunicorn"]
#: The collection id is the same as sitmap's, so both servers answer the same paths.
COLLECTION = "all"


@dataclass(frozen=True)
class PgTarget:
    """Where the claims live: a PostgreSQL database and the schema sitmap created its tables in."""

    host: str
    port: int
    dbname: str
    user: str
    password: str | None
    schema: str


def sqlite_python() -> str:
    """A Python whose ``sqlite3`` can load extensions (SpatiaLite), for the SQLiteGPKG provider.

    This one if it can, else Debian's ``/usr/bin/python3`` (a pyenv build without
    ``--enable-loadable-sqlite-extensions`` cannot); this one when neither can.
    """
    check = "import sqlite3; sqlite3.connect(':memory:').enable_load_extension(True)"
    for exe in (sys.executable, "/usr/bin/python3"):
        if Path(exe).exists() and subprocess.run([exe, "-c", check], capture_output=True).returncode == 0:
            return exe
    return sys.executable


def ensure_venv(
    env_dir: Path, packages: list[str], probe: str, python: str = sys.executable
) -> tuple[Path | None, str]:
    """Create (once) a bench-only venv with ``packages`` from PyPI; return (its bin dir, what ``probe`` prints).

    ``probe`` is Python code run in the venv that prints the peer's version. A venv made
    by another ``python`` than asked is made anew. A failure is reported as (None, why),
    not raised, so the benchmark can still print the other servers' figures.
    """
    bin_dir = env_dir / "bin"
    marker = env_dir / ".sitmap-bench-ready"
    want = f"{python} {' '.join(packages)}\n"
    if not marker.exists() or marker.read_text() != want:
        try:
            if (bin_dir / "python").exists() and Path(python).resolve() != (bin_dir / "python").resolve():
                shutil.rmtree(env_dir)
            if not (bin_dir / "python").exists():
                subprocess.run([python, "-m", "venv", str(env_dir)], check=True, capture_output=True)
            pip = subprocess.run(
                [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
                capture_output=True,
                text=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"could not create {env_dir}: {exc}"
        if pip.returncode != 0:
            errors = [ln for ln in pip.stderr.splitlines() if not ln.startswith("WARNING")]
            return None, f"pip install {' '.join(packages)} failed: {' '.join(errors[-3:])[:400]}"
        marker.write_text(want)
    out = subprocess.run([str(bin_dir / "python"), "-c", probe], capture_output=True, text=True)
    if out.returncode != 0:
        return None, f"{env_dir} does not import: {out.stderr.strip()[-300:]}"
    return bin_dir, out.stdout.strip()


def ensure_env(env_dir: Path = ENV_DIR) -> tuple[Path | None, str]:
    """Create (once) the bench-only venv with pygeoapi; return (its bin dir, pygeoapi version) or (None, why not)."""
    probe = "import pygeoapi, sqlalchemy, geoalchemy2, psycopg2; print(pygeoapi.__version__)"
    return ensure_venv(env_dir, PACKAGES, probe, sqlite_python())


def spatialite_ok(bin_dir: Path) -> bool:
    """Whether the venv's Python loads SpatiaLite (the SQLiteGPKG provider needs it)."""
    check = "import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True)\n"
    check += "c.execute(\"SELECT load_extension('mod_spatialite.so')\")"
    return subprocess.run([str(bin_dir / "python"), "-c", check], capture_output=True).returncode == 0


def pg_provider(target: PgTarget) -> dict:
    """pygeoapi's PostgreSQL provider over the ``claims`` view of ``target``'s schema.

    ``id_field`` is the claim id and ``time_field`` the event start (``valid_from``): the
    PostgreSQL provider filters ``datetime`` on a single column.
    """
    data = {"host": target.host, "port": target.port, "dbname": target.dbname, "user": target.user}
    data["search_path"] = [target.schema, "public"]
    if target.password:
        data["password"] = target.password
    return {
        "type": "feature",
        "name": "PostgreSQL",
        "data": data,
        "id_field": "id",
        "table": "claims",
        "geom_field": "geom",
        "time_field": "valid_from",
    }


def gpkg_copy(bin_dir: Path, store: str | Path, dest: Path) -> Path:
    """Copy a sitmap GeoPackage to ``dest`` for pygeoapi and create SpatiaLite's ``vgpkg_`` tables in it once.

    The SQLiteGPKG provider runs ``AutoGPKGStart()`` on every request, which writes those
    virtual tables into the file: into sitmap's own store if it read that, and racing
    itself under concurrent requests (an HTTP 500) until they exist.
    """
    src = sqlite3.connect(str(store))
    out = sqlite3.connect(str(dest))
    try:
        src.backup(out)
    finally:
        out.close()
        src.close()
    code = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.enable_load_extension(True)\n"
    code += "c.execute(\"SELECT load_extension('mod_spatialite.so')\"); c.execute('SELECT AutoGPKGStart()'); c.commit()"
    subprocess.run([str(bin_dir / "python"), "-c", code, str(dest)], check=True, capture_output=True)
    return dest


def gpkg_provider(path: str | Path) -> dict:
    """pygeoapi's SQLiteGPKG provider over the ``claims`` view of a sitmap GeoPackage.

    This provider ignores ``datetime`` and ``sortby`` (pygeoapi 0.21: it filters on
    properties and bbox only, through SpatiaLite's ``Intersects``), so its answers to
    time queries and its order differ from the others'; ``bench/api.py`` says where.
    """
    return {"type": "feature", "name": "SQLiteGPKG", "data": str(path), "id_field": "id", "table": "claims"}


def config(provider: dict, base_url: str, *, max_items: int = 10_000) -> dict:
    """A minimal valid pygeoapi configuration serving ``provider`` as collection ``all``."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    return {
        "server": {
            "bind": {"host": host, "port": int(port)},
            "url": base_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": max_items},
            "map": {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "attribution": "none (bench only, never fetched)"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "sitmap benchmark baseline",
                "description": "The same synthetic claims sitmap serves, for a like-for-like comparison.",
                "keywords": ["benchmark"],
                "url": base_url,
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "sitmap bench"},
            "contact": {"name": "sitmap bench"},
        },
        "resources": {
            COLLECTION: {
                "type": "collection",
                "title": "All claims",
                "description": "Current versions of the synthetic claims.",
                "keywords": ["claims"],
                "extents": {
                    "spatial": {"bbox": [34.2, 31.2, 34.6, 31.6], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
                },
                "providers": [provider],
            }
        },
    }


def serve(
    bin_dir: Path, provider: dict, tmp: Path, port: int, *, name: str = "pg", workers: int = 1, threads: int = 4
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Write the config and OpenAPI document into ``tmp`` and start pygeoapi under gunicorn on 127.0.0.1:port.

    ``name`` tells apart the files of several pygeoapi servers in one ``tmp``. Returns the
    process, its base URL and its log file; waits until it answers (90 s at most).
    """
    base = f"http://127.0.0.1:{port}"
    cfg = tmp / f"pygeoapi-{name}-config.yml"
    cfg.write_text(json.dumps(config(provider, base), indent=1))  # JSON is YAML
    openapi = tmp / f"pygeoapi-{name}-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}
    gen = subprocess.run(
        [str(bin_dir / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(openapi)],
        env=env,
        capture_output=True,
        text=True,
    )
    if gen.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed: {gen.stderr.strip()[-800:]}")
    log = tmp / f"pygeoapi-{name}.log"
    cmd = [
        str(bin_dir / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        # gunicorn closes idle keep-alive connections after 2 s by default, racing the
        # benchmark's pooled clients (reset reads); and a slow limit=10000 must not be killed
        "--keep-alive",
        "120",
        "--timeout",
        "600",
        "--log-level",
        "warning",
        "pygeoapi.flask_app:APP",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pygeoapi exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/collections/{COLLECTION}?f=json", timeout=5).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"pygeoapi did not start: {log.read_text(errors='replace')[-2000:]}")


if __name__ == "__main__":
    where, version = ensure_env()
    print(f"pygeoapi {version} in {where}" if where else version)
