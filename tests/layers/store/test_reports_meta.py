"""Reports listing (newest first, filters, paging), the review filter and app meta values, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo.errors import InvalidInput
from layers.model import Report, Source, content_sha256
from layers.store import ClaimQuery, ReportQuery
from layers.testing import make_claim


def _report(source_id: str, text: str, day: str | None, url: str | None = None) -> Report:
    when = datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None
    return Report(source_id=source_id, content_sha256=content_sha256(text), published_at=when, url=url, title=text)


def _fill(store) -> list[Report]:
    store.add_sources([Source(name="Wire A"), Source(name="Wire B")])
    reports = [
        _report("wire-a", "first", "2023-12-01", url="https://example.org/1"),
        _report("wire-a", "second", "2023-12-03"),
        _report("wire-b", "third", "2023-12-02"),
        _report("wire-b", "undated", None),
    ]
    store.add_reports(reports)
    store.add_claims(
        [
            make_claim("c-1", report_id=reports[0].id),
            make_claim("c-2", report_id=reports[1].id, review="reviewed"),
            make_claim("c-3", report_id=reports[2].id, status="retracted"),
        ]
    )
    return reports


def test_reports_newest_first_with_filters_and_paging(store) -> None:
    reports = _fill(store)
    page = store.query_reports(ReportQuery())
    assert [r.title for r in page.items] == ["second", "third", "first", "undated"]
    assert page.total == 4
    first = store.query_reports(ReportQuery(limit=2))
    assert [r.title for r in first.items] == ["second", "third"] and first.total == 4
    last = store.query_reports(ReportQuery(limit=2, offset=2))
    assert [r.title for r in last.items] == ["first", "undated"] and last.total == 4
    assert store.query_reports(ReportQuery(limit=2, offset=10)).total == 4
    assert [r.title for r in store.query_reports(ReportQuery(source_ids=("wire-b",))).items] == ["third", "undated"]
    by_url = store.query_reports(ReportQuery(urls=("https://example.org/1",)))
    assert [r.id for r in by_url.items] == [reports[0].id]
    window = ReportQuery(start=datetime(2023, 12, 2, tzinfo=UTC), end=datetime(2023, 12, 3, 23, tzinfo=UTC))
    assert [r.title for r in store.query_reports(window).items] == ["second", "third"]
    # only "first" still has a machine claim that is not retracted
    assert [r.title for r in store.query_reports(ReportQuery(unreviewed=True)).items] == ["first"]


def test_claims_filtered_by_review(store) -> None:
    _fill(store)
    machine = store.query_claims(ClaimQuery(reviews=("machine",)))
    assert [c.id for c in machine.items] == ["c-1"]
    assert [c.id for c in store.query_claims(ClaimQuery(reviews=("reviewed", "edited"))).items] == ["c-2"]
    with pytest.raises(InvalidInput):
        store.query_claims(ClaimQuery(reviews=("guessed",)))


def test_app_meta_values_round_trip(store) -> None:
    assert store.get_meta("app:feed:") == {}
    store.put_meta({"app:feed:a": '{"x": 1}', "app:feed:b": "two", "app:other": "3"})
    assert store.get_meta("app:feed:") == {"app:feed:a": '{"x": 1}', "app:feed:b": "two"}
    store.put_meta({"app:feed:a": None, "app:feed:b": "2"})
    assert store.get_meta("app:feed:") == {"app:feed:b": "2"}
    # LIKE wildcards in a prefix match only themselves
    store.put_meta({"app:f_x": "1", "app:fax": "2"})
    assert store.get_meta("app:f_") == {"app:f_x": "1"}
    with pytest.raises(ValueError):
        store.put_meta({"schema_version": "99"})
    with pytest.raises(ValueError):
        store.get_meta("schema")


def test_review_values_edited_and_rejected_are_stored(store) -> None:
    store.add_claims([make_claim("c-e", review="edited"), make_claim("c-r", review="rejected", status="retracted")])
    assert store.get_claim("c-e").review == "edited"
    assert store.get_claim("c-r").review == "rejected"
