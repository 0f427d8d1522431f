"""layers.ingest.ingest_report: the one path a report text takes into a store (demo and API)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from geo.errors import InvalidInput
from layers.ingest import claim_id, ingest_report
from layers.model import Source
from layers.store.base import ClaimQuery

TEXT = (
    "Two gunmen opened fire at a bus stop at the entrance to Jerusalem on Thursday morning, "
    "killing three people, Israeli police said."
)


def test_ingest_stores_report_source_and_claims(store) -> None:
    result = ingest_report(
        store,
        TEXT,
        published="2023-11-30T09:30:00Z",
        source=Source(name="Test Wire", kind="news"),
        url="https://example.org/a",
        title="Shooting in Jerusalem",
    )
    assert not result.report_existed and result.claims
    assert store.get_report(result.report.id).title == "Shooting in Jerusalem"
    assert store.get_source("test-wire").kind == "news"
    stored = store.query_claims(ClaimQuery(report_ids=(result.report.id,))).items
    assert [c.id for c in stored] == [claim_id(result.report, i) for i in range(len(stored))]
    shooting = stored[0]
    assert shooting.event_type == "shooting"
    assert shooting.source == "Test Wire" and shooting.url == "https://example.org/a"
    assert shooting.valid_from.date() == date(2023, 11, 30)
    assert shooting.geometry is not None and 35.1 < shooting.geometry.centroid.x < 35.3
    assert store.get_report(result.report.id).excerpt is None  # full text is not kept by default


def test_same_report_twice_stores_nothing_new(store) -> None:
    first = ingest_report(store, TEXT, published=date(2023, 11, 30), source="Test Wire")
    before = store.stats()
    again = ingest_report(store, "  " + TEXT + "\n", published=date(2023, 11, 30), source="Test Wire")
    assert again.report_existed and again.unchanged and again.report.id == first.report.id
    after = store.stats()
    assert (after.claims, after.claim_versions, after.reports) == (before.claims, before.claim_versions, before.reports)


def test_claimant_fallback_only_when_the_text_names_nobody(store) -> None:
    quiet = "An air strike hit a house in Khan Younis on Friday."
    result = ingest_report(
        store, quiet, published=datetime(2023, 12, 1, 12, tzinfo=UTC), source="Test Wire", claimant="witnesses"
    )
    assert result.claims and all(c.claimant == "witnesses" for c in result.claims)
    assert "claimant as given with the report" in result.claims[0].notes
    named = ingest_report(store, TEXT, published="2023-11-30", source="Test Wire", claimant="someone else")
    assert named.claims[0].claimant == "Israeli police"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "report text is empty"),
        ({"published": "30/11/2023"}, "not in a known format"),
        ({"source": " "}, "needs a source"),
    ],
)
def test_bad_input_is_a_clear_error_and_stores_nothing(store, kwargs, message) -> None:
    args = {"text": TEXT, "published": "2023-11-30", "source": "Test Wire"} | kwargs
    text = args.pop("text")
    with pytest.raises(InvalidInput, match=message):
        ingest_report(store, text, **args)
    assert store.stats().reports == 0


@pytest.mark.parametrize("published", [date(2023, 11, 30), "2023-11-30", datetime(2023, 11, 30)])
def test_published_is_read_once_the_same_way_as_geocode(store, published: object) -> None:
    """A date, a date string and a naive midnight are one instant (midnight UTC), as
    ``sitmap geocode --published`` reads them; a date object was stored at noon before."""
    result = ingest_report(store, TEXT, published=published, source="Test Wire")  # type: ignore[arg-type]
    assert store.get_report(result.report.id).published_at == datetime(2023, 11, 30, tzinfo=UTC)
    assert result.claims[0].valid_from == datetime(2023, 11, 30, tzinfo=UTC)
