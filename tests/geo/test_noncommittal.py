"""A statement that asserts nothing is not a claim.

"The army said it was looking into the report", "declined to comment", "could not
immediately verify": the teller gives no account of the event, so no counter-claim is made
and the first account is not marked disputed. A review told beside another target is still
a counter-claim. The sentences are written for this test.
"""

from __future__ import annotations

import pytest

from geo.accounts import is_noncommittal
from geo.parser import parse


def _claims(text: str) -> list[tuple[str | None, str, bool]]:
    return [
        (c.claimant, c.event_type, c.status == "disputed")
        for c in parse(text, published="2024-05-14", source="Wire")
        if c.geometry is not None
    ]


@pytest.mark.parametrize(
    "second",
    [
        "The army said it was looking into the report.",
        "The military said it was reviewing the incident.",
        "An army spokesman said the matter was being checked and the army was aware of the reports.",
        "The Israeli military declined to comment.",
        "The IDF did not immediately respond to a request for comment.",
        "ولم يعلق الجيش الإسرائيلي على الغارة.",
        'צה"ל מסר כי האירוע בבדיקה.',
    ],
)
def test_no_comment_is_no_counter_claim(second: str) -> None:
    claims = _claims("Medics said a strike hit a tent in al-Mawasi on Tuesday. " + second)
    assert [(c, d) for c, _, d in claims] == [("medics", False)], claims


def test_a_review_beside_another_target_is_still_a_counter_claim() -> None:
    claims = _claims(
        "Residents said a strike hit a house in Zeitoun on Tuesday. The army said it had struck a Hamas "
        "weapons depot in the area and was looking into the reports."
    )
    assert {c for c, _, _ in claims} == {"residents", "Israeli military"}
    assert all(d for _, _, d in claims)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reuters could not immediately verify the account.", True),
        ("The police declined to comment.", True),
        ("The army said it was not aware of any strike in the area.", False),  # a denial asserts something
        ("The army said troops shot a gunman.", False),
    ],
)
def test_is_noncommittal(text: str, expected: bool) -> None:
    assert is_noncommittal(text) is expected
