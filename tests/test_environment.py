"""environment.yml (conda users) must list the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge names that differ from the PyPI names.
CONDA_NAME = {"uvicorn[standard]": "uvicorn-standard", "psycopg[binary]": "psycopg"}


def _name(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra, items in data["project"]["optional-dependencies"].items():
        reqs += [r for r in items if not r.startswith("sitmap")]
    out = {}
    for r in reqs:
        name, spec = _name(r)
        out[CONDA_NAME.get(name, name)] = spec
    return out


def _environment() -> dict[str, str]:
    out = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)\s*([<>=!~].*)?$", line)
        if m and m.group(1) not in ("python", "pip", "conda-forge"):
            out[m.group(1).lower()] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_matches_pyproject() -> None:
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"
    for name, spec in py.items():
        assert env[name] == spec, f"{name}: pyproject says {spec!r}, environment.yml {env[name]!r}"
