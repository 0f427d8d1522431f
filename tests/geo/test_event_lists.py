"""Places a list coordinates, headline-then-lede refinement, forecasts and standing states
(issue 12, session 5). Texts written here in several voices and three languages."""

from __future__ import annotations

import pytest

import geo
from geo.cues import event_type
from geo.sentences import split_sentences


def _places(text: str, published: str = "2024-05-07") -> list[tuple[str, str | None]]:
    return [
        (c.event_type, c.place_text)
        for c in geo.parse(text, published=published, source="desk")
        if c.geometry is not None
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a town and a camp within its reach, joined by "and": two places, two claims
        (
            "Overnight strikes on Deir al-Balah and Maghazi camp killed 14 people, hospital officials said.",
            [("airstrike", "Deir al-Balah"), ("airstrike", "Maghazi camp")],
        ),
        (
            "Israeli forces raided Jenin and Jenin camp at dawn on Monday, the Palestinian news agency said.",
            [("ground_operation", "Jenin"), ("ground_operation", "Jenin camp")],
        ),
        # Arabic: the conjunction is written onto the second name
        (
            "قال الدفاع المدني إن غارات استهدفت مدينة دير البلح ومخيم المغازي فجر اليوم.",
            [("airstrike", "دير البلح"), ("airstrike", "مخيم المغازي")],
        ),
        # OCHA-style: "carried out operations in A, B and C" is three operations
        (
            "Israeli forces carried out operations in Jenin, Tubas and Tulkarm on 4 November, the office said.",
            [("ground_operation", "Jenin"), ("ground_operation", "Tubas"), ("ground_operation", "Tulkarm")],
        ),
        # residents of two camps telling one kind of event: a claim at each
        (
            "Residents of Bureij and Maghazi reported heavy shelling overnight.",
            [("shelling", "Bureij"), ("shelling", "Maghazi")],
        ),
        # a quarter and the city that locates it: one place
        ("A strike hit a flat in Zeitoun, Gaza City, on Monday, medics said.", [("airstrike", "Zeitoun")]),
        # apposition inside a list: the city only locates the quarter
        (
            "Tanks shelled Zeitoun, Gaza City and Khan Younis on Monday, residents said.",
            [("shelling", "Zeitoun"), ("shelling", "Khan Younis")],
        ),
    ],
)
def test_coordinated_places_are_claims_of_their_own(text: str, expected: list[tuple[str, str]]) -> None:
    assert _places(text) == expected


def test_the_lede_refines_the_headline_place() -> None:
    text = (
        "11:05 GMT - Strike on Gaza City home kills six\n"
        "Civil defence officials say six people died when an Israeli strike hit a house in the Sheikh Radwan "
        "neighbourhood of Gaza City before dawn."
    )
    assert _places(text, "2024-12-20") == [("airstrike", "Sheikh Radwan")]


def test_a_blank_line_always_ends_a_sentence_even_after_a_number() -> None:
    text = "A drone fired on a crowd, wounding at least 4.\n\n08:30 GMT - Army says it struck Rafah"
    parts = split_sentences(text)
    assert [p.paragraph for p in parts] == [0, 1]


@pytest.mark.parametrize(
    "sentence",
    [
        "Ceasefire talks brokered by Qatar have been stalled for weeks.",
        "Mediators are expected to meet both delegations in Cairo next week.",
        "من المتوقع أن يصل وفد الوسطاء إلى القاهرة الأسبوع المقبل لاستئناف المفاوضات.",
        "המשלחת צפויה לצאת לקהיר בשבוע הבא לשיחות על עסקת החטופים.",
    ],
)
def test_forecasts_and_standing_states_are_no_negotiation_event(sentence: str) -> None:
    assert event_type(sentence) is None


def test_a_negotiation_that_happened_stays() -> None:
    assert event_type("Negotiators met in Doha on Thursday, a Qatari official said.") == "negotiation"


def test_an_offensive_expected_is_no_event_but_a_strike_beside_it_is() -> None:
    assert event_type("The army is expected to launch a ground offensive in Rafah.") is None
    assert event_type("Jets struck Rafah on Monday as the army is expected to launch a ground offensive.") == (
        "airstrike"
    )


def test_the_humanitarian_zone_named_as_a_place_is_not_a_zone_declared() -> None:
    assert event_type("The army said it had targeted gunmen inside the humanitarian zone.") == "airstrike"
    assert event_type("The army declared an expanded humanitarian zone in al-Mawasi.") == "humanitarian_zone"


@pytest.mark.parametrize(
    "sentence",
    [
        "Since the war began, more than 40,000 people have been killed in Gaza, the ministry said.",
        "منذ بدء العدوان استشهد أكثر من 40 ألف مواطن.",
        "A truce has largely held along the border since November.",
        "The 2021 raid on the mosque compound set off an 11-day war.",
    ],
)
def test_running_totals_standing_truces_and_named_past_events_are_no_event(sentence: str) -> None:
    assert event_type(sentence) is None


def test_a_sentence_told_in_an_earlier_year_is_background() -> None:
    text = (
        "Israeli strikes killed 12 people in Rafah on Monday, medics said. "
        "In 2014, a 50-day war killed more than 2,000 Palestinians in Gaza."
    )
    claims = geo.parse(text, published="2024-05-07", source="desk")
    assert [(c.event_type, c.place_text) for c in claims] == [("airstrike", "Rafah")]
    assert claims[0].fatalities is not None and claims[0].fatalities.best == 12
    dated = geo.parse("On 3 March 2023, forces raided Jenin camp.", published="2024-01-10", source="desk")
    assert [c.event_type for c in dated] == ["ground_operation"]  # a dated event of last year stays
