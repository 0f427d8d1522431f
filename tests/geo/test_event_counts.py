"""Counts in three languages (issue 12, session 5): a number said gives a best estimate, vague
words ("dozens", العشرات, עשרות, "a number of", عدد من) keep their words in ``text`` and give only
the range they allow; "more than a dozen" is thirteen or more with no number said. Sentences
written here in several voices."""

from __future__ import annotations

import pytest

import geo
from geo.counts import counts_by_kind


@pytest.mark.parametrize(
    ("sentence", "kind", "low", "best", "high", "words"),
    [
        # English
        ("More than a dozen people were hurt when the shell hit.", "injured", 13, None, None, "More than a dozen"),
        ("A number of civilians were wounded in the raid.", "injured", 2, None, None, "A number of"),
        ("Tens of people were killed in the strikes, medics said.", "fatalities", 20, None, 99, "Tens of"),
        # Arabic: numbers in words and digits (Western and Arabic-Indic), vague words, modifiers
        ("استشهد ثلاثة مواطنين مساء أمس في قصف على المخيم.", "fatalities", 3, 3, 3, "ثلاثة"),
        ("وانتشلت الطواقم جثامين 9 شهداء من تحت الأنقاض.", "fatalities", 9, 9, 9, "9"),
        ("استشهد نحو ٣٠ مواطنا في غارات الليلة الماضية.", "fatalities", 24, 30, 36, "نحو ٣٠"),
        ("أصيب العشرات بالاختناق خلال المواجهات.", "injured", 24, None, 99, "العشرات"),
        ("وجرح عدد من المواطنين برصاص الاحتلال.", "injured", 2, None, None, "عدد من"),
        # Arabic duals: the number is in the noun's ending
        ("شنت الطائرات غارة على البلدة، ما أدى إلى سقوط شهيدين.", "fatalities", 2, 2, 2, "شهيدين"),
        ("وأصيب شابان برصاص قوات الاحتلال قرب الحاجز.", "injured", 2, 2, 2, "شابان"),
        # Hebrew
        ("שלושה בני אדם נפצעו קל מרסיסים באשקלון.", "injured", 3, 3, 3, "שלושה"),
        ("לפי משרד הבריאות בעזה נהרגו לפחות 14 בני אדם.", "fatalities", 14, 14, None, "לפחות 14"),
        ("עשרות נפצעו מירי הרקטות על הצפון.", "injured", 24, None, 99, "עשרות"),
        ('במד"א מסרו כי נפצעו כ-15 בני אדם.', "injured", 12, 15, 18, "כ-15"),
    ],
)
def test_counts_in_three_languages(
    sentence: str, kind: str, low: int | None, best: int | None, high: int | None, words: str
) -> None:
    est = counts_by_kind(sentence)[kind]
    assert (est.low, est.best, est.high, est.text) == (low, best, high, words)


def test_vague_arabic_toll_reaches_the_claim_without_an_invented_number() -> None:
    text = "قالت وزارة الصحة إن العشرات استشهدوا في غارات على خان يونس أمس."
    [c] = [c for c in geo.parse(text, published="2024-07-02", source="desk") if c.geometry is not None]
    assert c.fatalities is not None
    assert c.fatalities.best is None and c.fatalities.text == "العشرات"


def test_where_the_wounded_were_taken_is_not_the_events_place() -> None:
    text = (
        "Israeli jets struck a school in Bani Suheila, east of Khan Younis, late on Monday, the civil defence said. "
        "The wounded were taken to Nasser hospital in Khan Younis."
    )
    claims = [c for c in geo.parse(text, published="2025-03-18", source="desk") if c.geometry is not None]
    assert [c.place_text for c in claims] == ["Bani Suheila"]


def test_the_hospital_the_wounded_went_to_does_not_move_the_event() -> None:
    """A second sentence of the same paragraph told with no place of its own but the hospital the
    wounded went to keeps the scene told before (ACLED-style and wire voices)."""
    text = (
        "Settlers set fire to a house in the village of Duma on Friday evening, residents said. "
        "They also fired at villagers; a man was wounded and taken to a hospital in Nablus."
    )
    claims = [c for c in geo.parse(text, published="2025-01-11", source="desk") if c.geometry is not None]
    assert [(c.event_type, c.place_text) for c in claims] == [("other", "Duma"), ("shooting", "Duma")]
