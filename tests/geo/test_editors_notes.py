"""Editors' notes and headlines over them (issue 12): a correction note names the report's
places and events but tells none; a headline over a note and a body that places the event
inside the headline's region is no claim of its own. Texts written for sitmap."""

from __future__ import annotations

import geo


def test_a_correction_note_tells_no_event() -> None:
    text = (
        "Strike on market kills nine in Khan Younis, medics say\n\n"
        "(Corrects location of the strike in paragraph 1 to Bani Suheila, not Abasan; corrects day of the "
        "Jabalia raid to Tuesday)\n\n"
        "KHAN YOUNIS, Gaza Strip, June 5 (Example Wire) - An Israeli air strike on a market in Bani Suheila, "
        "east of Khan Younis, on Wednesday killed nine people, medics said."
    )
    claims = geo.parse(text, published="2025-06-05", source="Example Wire")
    placed = {c.place_text for c in claims if c.geometry is not None}
    assert "Abasan" not in placed and "Jabalia" not in placed
    assert "Bani Suheila" in placed
    assert "Khan Younis" not in placed  # the headline's region: the body tells the strike


def test_a_story_corrected_line_at_the_end_tells_nothing() -> None:
    text = (
        "Israeli troops raided Qabatiya overnight and detained six men, WAFA said.\n\n"
        "This story has been corrected to show that the raid on Jenin camp was on Monday, not Sunday."
    )
    claims = geo.parse(text, published="2025-02-12", source="Example Wire")
    assert {c.place_text for c in claims if c.geometry is not None} == {"Qabatiya"}
