"""TiPg as a benchmark peer: a bench-only environment and a live server on 127.0.0.1.

``bench/api.py`` compares sitmap's OGC API - Features with TiPg (FastAPI + asyncpg,
PostGIS only) serving the same claims: the ``claims`` current-state view of the same
sitmap PostGIS schema that sitmap and pygeoapi read. This module keeps TiPg out of
sitmap's own environment: it creates ``bench/.venv-tipg`` (gitignored) with ``pip install
tipg uvicorn[standard]`` and starts ``uvicorn tipg.main:app`` configured through TiPg's
environment variables (that schema and view only, ``id`` as the key, ``valid_from`` as
the datetime column, up to 10,000 features a page).

    .venv/bin/python bench/tipg_env.py   # only create the environment and print TiPg's version
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ENV_DIR = ROOT / "bench" / ".venv-tipg"
PACKAGES = ["tipg", "uvicorn[standard]"]
TABLE = "claims"


def _pygeoapi_env():  # type: ignore[no-untyped-def]
    """The sibling module with the shared venv helper (``bench/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_pygeoapi_env", ROOT / "bench" / "pygeoapi_env.py")
    assert spec and spec.loader
    mod = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
    return mod


def ensure_env(env_dir: Path = ENV_DIR) -> tuple[Path | None, str]:
    """Create (once) the bench-only venv with TiPg; return (its bin dir, TiPg's version) or (None, why not)."""
    probe = "import tipg, asyncpg, uvicorn; print(tipg.__version__)"
    return _pygeoapi_env().ensure_venv(env_dir, PACKAGES, probe)  # type: ignore[no-any-return]


def collection_id(schema: str) -> str:
    """TiPg's collection id of the claims view: ``schema.table``."""
    return f"{schema}.{TABLE}"


def serve(
    bin_dir: Path, database_url: str, schema: str, log: Path, port: int, *, workers: int = 2
) -> tuple[subprocess.Popen[bytes], str]:
    """Start TiPg under uvicorn on 127.0.0.1:port over ``schema``'s claims view; (process, base URL) once it answers.

    ``database_url`` is a plain ``postgresql://`` URL of the database (no options).
    """
    base = f"http://127.0.0.1:{port}"
    conf = f"TIPG_TABLE_CONFIG__{schema}_{TABLE}__"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TIPG_DB_SCHEMAS": f'["{schema}"]',
        "TIPG_DB_TABLES": f'["{schema}.{TABLE}"]',
        "TIPG_DB_FUNCTIONS": "[]",
        conf + "PK": "id",
        conf + "GEOMCOL": "geom",
        conf + "DATETIMECOL": "valid_from",
        "TIPG_DEFAULT_FEATURES_LIMIT": "100",
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        "TIPG_DEBUG": "FALSE",
    }
    cmd = [str(bin_dir / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=str(log.parent))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"TiPg exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/collections/{collection_id(schema)}", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"TiPg did not start: {log.read_text(errors='replace')[-2000:]}")


if __name__ == "__main__":
    where, version = ensure_env()
    print(f"TiPg {version} in {where}" if where else version)
