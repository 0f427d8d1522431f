"""Numbered lines of a thread or a Telegram list (issue 12): each line is an item of its own,
the place a line is filed under ("2/ Tubas: ...") names its area, and headline-style present
tense ("settlers attack homes") tells an event. Texts written for sitmap."""

from __future__ import annotations

import geo
from geo.cues import event_type


def test_numbered_lines_are_items_and_labels_are_areas() -> None:
    text = (
        "North WB roundup | Mon 3 Mar\n\n"
        "1/ Tubas: forces pulled out of Far'a camp after two days.\n"
        "2/ Qalqilya: quiet, shops closed for a strike.\n"
        "3/ Hebron: settlers attack homes in Tel Rumeida, residents say.\n"
    )
    claims = geo.parse(text, published="2025-03-03", source="Thread")
    places = {c.place_text for c in claims if c.geometry is not None}
    assert "Far'a camp" in places and "Tubas" not in places
    rumeida = [c for c in claims if c.place_text == "Tel Rumeida"]
    assert rumeida and rumeida[0].event_type == "other" and rumeida[0].claimant == "residents"
    assert all("Tel Rumeida" not in c.quote for c in claims if c.place_text == "Far'a camp")


def test_arabic_numbered_list_lines_are_items() -> None:
    text = (
        "متابعة | الثلاثاء\n\n"
        "1. قصف مدفعي على المناطق الشرقية لدير البلح.\n"
        "2. الدفاع المدني: انتشال شهيدين من تحت أنقاض منزل قصفته طائرات الاحتلال في حي الزيتون.\n"
    )
    claims = geo.parse(text, published="2025-04-01", source="قناة")
    kinds = {(c.event_type, c.claimant) for c in claims if c.geometry is not None}
    assert ("shelling", "قناة") in kinds or any(t == "shelling" for t, _ in kinds)
    assert any(t == "airstrike" and who == "Gaza civil defence" for t, who in kinds)


def test_settlers_in_the_present_tense() -> None:
    assert event_type("Settlers torch cars in Huwara overnight") == "other"
    assert event_type("Settlers storm the village of al-Mughayyir, residents say") == "other"
