"""Shared fixtures: stores over both backends, tiny claims made by code."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip a test locally when a system dependency is missing; fail it in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this: {reason}")
    pytest.skip(reason)


def postgis_url() -> str | None:
    """The PostGIS test database URL from SITMAP_TEST_PG, if set."""
    return os.environ.get("SITMAP_TEST_PG") or None


@pytest.fixture
def gpkg_path(tmp_path: Path) -> Path:
    """A path for a fresh GeoPackage store."""
    return tmp_path / "test.gpkg"


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store of each backend (a fresh schema per test on PostGIS)."""
    if request.param == "gpkg":
        yield str(tmp_path / "store.gpkg")
        return
    url = postgis_url()
    require(url is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    assert url is not None
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema},public"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    """An opened, empty store of each backend."""
    from layers.store import open_store

    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()
