"""Dates of events told after a headline and a correction note, and "overnight on <date>"
(issue 12): texts written for sitmap."""

from __future__ import annotations

from datetime import date

import geo
from geo.cues import event_type


def test_a_dateline_after_a_headline_dates_the_report_not_the_event() -> None:
    text = (
        "UPDATED - Strike on school kills five in Nuseirat, medics say\n\n"
        "(Adds army comment in paragraph 3)\n\n"
        "GAZA, March 4 (Example Wire) - An Israeli air strike on a school sheltering displaced families in "
        "Nuseirat camp on Sunday killed five people, medics said."
    )
    claims = [c for c in geo.parse(text, published="2025-03-04", source="Example Wire") if c.place_text]
    strike = [c for c in claims if "Nuseirat camp" in c.place_text and c.valid_from is not None]
    assert strike
    assert all(c.valid_from.date() == date(2025, 3, 2) for c in strike if c.valid_from is not None)


def test_overnight_on_a_date_is_that_night() -> None:
    text = "- A clinic in Shati camp was damaged by a nearby strike overnight on 3-4 June; nobody was hurt."
    claims = [c for c in geo.parse(text, published="2025-06-07", source="Agency") if c.valid_from is not None]
    assert claims
    assert all(
        c.valid_from is not None and c.valid_from.date() >= date(2025, 6, 3) and c.valid_from.date() <= date(2025, 6, 4)
        for c in claims
    )


def test_a_call_for_a_ceasefire_is_no_negotiation() -> None:
    assert event_type("The agency repeats its call for an immediate and definitive ceasefire.") is None
