"""A report that cannot be geocoded within SITMAP_INGEST_TIMEOUT_S is a 413 problem, not a stalled worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo.budget import check_budget, time_budget
from geo.errors import TooLarge
from tests.api.conftest import AUTH, TOKENS, fill_store
from tests.api.test_ingest_api import REPORT


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[TestClient]:
    """An app whose reports have a budget far too small to geocode anything."""
    from api.app import create_app
    from api.settings import Settings

    url = str(tmp_path / "budget.gpkg")
    fill_store(url)
    settings = Settings(db=url, tokens=TOKENS, ingest_timeout_s=1e-6, ingest_concurrency=1, rate_limit=False)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_report_over_its_time_budget_is_413_and_stores_nothing(tight: TestClient) -> None:
    before = tight.get("/collections/all/items?limit=1").json()["numberMatched"]
    long_text = " ".join([REPORT["text"]] * 200)
    r = tight.post("/reports", json={**REPORT, "text": long_text}, headers=AUTH)
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert "within the 1e-06 s allowed per report" in detail and "shorter reports" in detail
    assert tight.get("/collections/all/items?limit=1").json()["numberMatched"] == before
    # the worker is free again: the next (still too long for this budget) request gets its answer too
    assert tight.post("/reports", json={**REPORT, "text": long_text}, headers=AUTH).status_code == 413


def test_the_budget_is_per_context_and_absent_by_default() -> None:
    check_budget()  # no budget set: never raises (the CLI geocodes any text to the end)
    with time_budget(0.0):
        with pytest.raises(TooLarge, match="0 s allowed"):
            check_budget()
        with time_budget(None):
            check_budget()
    check_budget()


def test_settings_bound_the_budget_and_the_slots() -> None:
    from api.settings import Settings

    with pytest.raises(ValueError):
        Settings(ingest_timeout_s=0)
    with pytest.raises(ValueError):
        Settings(ingest_concurrency=0)
    assert Settings().ingest_timeout_s == 60 and Settings().ingest_concurrency == 2
