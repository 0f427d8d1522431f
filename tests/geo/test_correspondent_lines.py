"""A line headed by the outlet's correspondent ("مراسل الجزيرة:", "Our correspondent:", "כתבנו:"),
perhaps after a flash mark ("عاجل |", "BREAKING |"), is the outlet's own report (issue 12): the
claim is the source's, and a body that gives the toll in the next sentence neither takes the report
over nor makes a claim of its own on it. A correspondent quoted inside a sentence keeps its outlet."""

from __future__ import annotations

import pytest

import geo


@pytest.mark.parametrize(
    "text",
    [
        "عاجل | مراسل الجزيرة: ثلاثة شهداء في غارة على منزل في حي الزيتون.\nوقالت وزارة الصحة إن بين الشهداء طفلين.",
        "مراسلنا: قصف مدفعي على المناطق الشرقية لبلدة القرارة.",
        "BREAKING | Our correspondent: a drone strike hit a car in Deir al-Balah.\n"
        "The civil defence said two bodies were recovered from the car.",
        "Al Jazeera correspondent: tanks shelled the eastern edge of Bureij camp this morning.",
    ],
)
def test_a_correspondents_line_is_the_outlets_claim(text: str) -> None:
    claims = geo.parse(text, published="2024-12-04", source="Live desk")
    assert claims
    assert {c.claimant for c in claims} == {"Live desk"}


def test_a_correspondent_of_another_outlet_inside_a_sentence_keeps_its_name() -> None:
    claims = geo.parse(
        "وفي جنين، اقتحمت القوات الإسرائيلية المدينة يوم السبت بحسب مراسل وفا.", published="2024-07-14", source="X"
    )
    assert [c.claimant for c in claims] == ["WAFA"]
