"""One sentence, two events (issue 12, session 5): a second verb phrase of the same subject
("pushed into A and fired shells at B"), the Hebrew ", וב..." and Arabic "، و..." clause, and the
Arabic "بعد ساعات من ..." each become a claim with its own type and place; the sentence's teller
and time carry over. Texts written here, in several voices and three languages."""

from __future__ import annotations

import pytest

import geo
from geo.clauses import split_clauses


def _claims(text: str, published: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (c.event_type, c.place_text, c.claimant)
        for c in geo.parse(text, published=published, source="desk")
        if c.geometry is not None
    ]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            # wire: one subject, two verb phrases of two types
            "Residents said Israeli tanks pushed into Beit Hanoun overnight and fired shells at houses near "
            "the Indonesian hospital.",
            "2024-11-05",
            [("ground_operation", "Beit Hanoun", "residents"), ("shelling", "Indonesian hospital", "residents")],
        ),
        (
            # ACLED-style note: a raid, then a drone strike on the same day
            "On 3 March 2025, Israeli forces stormed Tammun (Tubas) and then struck a house in Tubas with a "
            "drone, according to WAFA.",
            "2025-03-05",
            [("ground_operation", "Tammun", "WAFA"), ("airstrike", "Tubas", "WAFA")],
        ),
        (
            # Hebrew: the second clause opens with "ו" written onto its first word
            "לפי דיווחים פלסטיניים, כוחות צה\"ל פשטו הלילה על טולכרם, ובג'נין נורה צעיר פלסטיני.",
            "2024-12-10",
            [("ground_operation", "טולכרם", None), ("shooting", "ג'נין", None)],
        ),
        (
            # Arabic: a takeover "hours after" evacuation orders for the town's east
            "أعلن جيش الاحتلال أمس سيطرته على معبر رفح، بعد ساعات من أوامر إخلاء شملت الأحياء الشرقية لمدينة رفح.",
            "2024-05-08",
            [("ground_operation", "معبر رفح", None), ("evacuation_order", "رفح", None)],
        ),
    ],
)
def test_two_events_in_one_sentence(
    text: str, published: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    got = _claims(text, published)
    assert [(t, p) for t, p, _ in got] == [(t, p) for t, p, _ in expected]
    for (_, _, who), (_, _, want) in zip(got, expected, strict=True):
        if want is not None:
            assert who == want


def test_one_type_with_two_verbs_stays_one_clause() -> None:
    """ "raided the camp and arrested four" is one raid: no split where both sides tell one type."""
    text = "Israeli forces raided Balata camp and arrested four young men, the agency said."
    assert len(split_clauses(text)) == 1
    assert [t for t, _, _ in _claims(text, "2025-04-07")] == ["ground_operation"]


def test_second_verb_phrase_keeps_the_first_clauses_time() -> None:
    text = (
        "Israeli tanks rolled into eastern Rafah on Monday night and shelled homes near the crossing, residents said."
    )
    claims = [c for c in geo.parse(text, published="2024-05-08", source="desk") if c.geometry is not None]
    assert {c.event_type for c in claims} == {"ground_operation", "shelling"}
    assert all(c.valid_from is not None and c.valid_from.day == 6 for c in claims)


def test_an_order_after_and_keeps_the_place_it_is_for() -> None:
    """ "... killed gunmen in Beit Hanoun and ordered residents to move to al-Mawasi": the order is for
    Beit Hanoun, so no split leaves it at its destination."""
    text = (
        "The army said on Tuesday it had killed dozens of gunmen in Beit Hanoun and ordered residents to move "
        "south to al-Mawasi."
    )
    claims = _claims(text, "2024-10-15")
    assert ("evacuation_order", "Beit Hanoun", "Israeli military") in claims
    assert all(p != "al-Mawasi" for _, p, _ in claims)
