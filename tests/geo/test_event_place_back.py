"""A place named back by its kind (issue 12, session 5): "troops stormed the camp", "in the
village", "اقتحمت المخيم", "בכפר." take the place of the earlier event with a place of that kind;
a sentence that names its own place, or a kind no earlier event has, borrows nothing. Texts
written here in several voices and three languages."""

from __future__ import annotations

import pytest

import geo


def _claims(text: str, published: str) -> list[tuple[str, str | None]]:
    return [(c.event_type, c.place_text) for c in geo.parse(text, published=published, source="desk")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            # WAFA-style Arabic: a strike on a camp, then a raid on "the camp" in the next paragraph
            "استشهد مواطنان مساء أمس في قصف نفذته طائرة مسيرة على مخيم نور شمس، وفق وزارة الصحة.\n\n"
            "وأفاد مراسلنا بأن قوات الاحتلال اقتحمت المخيم عقب القصف.",
            [("airstrike", "مخيم نور شمس"), ("ground_operation", "مخيم نور شمس")],
        ),
        (
            # Haaretz-style English: settlers' arson, then a shooting "in the village"
            "Settlers torched three cars in the West Bank village of Qusra on Friday, residents said.\n\n"
            "A Palestinian man was later shot dead in the village, the health ministry said.",
            [("other", "Qusra"), ("shooting", "Qusra")],
        ),
    ],
)
def test_the_place_named_back_is_the_earlier_events(text: str, expected: list[tuple[str, str]]) -> None:
    assert _claims(text, "2024-10-24") == expected


def test_a_kind_no_earlier_event_has_borrows_nothing() -> None:
    text = (
        "Drones struck Qusra on Friday, residents said. Settlers burned a barn in Duma.\n\n"
        "Troops later stormed the camp, the agency said."
    )
    claims = _claims(text, "2024-10-24")
    assert claims[:2] == [("airstrike", "Qusra"), ("other", "Duma")]
    assert claims[2][1] is None  # "the camp" names no camp told before: no place guessed


def test_hebrew_construct_state_is_not_a_place_named_back() -> None:
    """ "בכפר עזה" is the kibbutz Kfar Aza, not "in the village": only a bare "בכפר." points back."""
    from geo.events import _PLACE_BACK

    village = _PLACE_BACK[1][0]
    assert village.search("מתנחלים הציתו רכבים בכפר.")
    assert not village.search("נשמעו אזעקות בכפר עזה")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            # Ynet-style Hebrew: a barrage at one city, shrapnel wounds told by MDA in another
            'מטח של כ-30 רקטות שוגר מלבנון לעבר נהריה. לפי מד"א, אישה נפצעה קל מרסיסים בעכו.',
            [("rocket_launch", "נהריה"), ("rocket_launch", "עכו")],
        ),
        (
            # Times of Israel-style English: the Home Front Command tells an impact elsewhere
            "Rockets were fired at Ashkelon on Monday, the military said. The Home Front Command said one "
            "landed in an open field near Sderot.",
            [("rocket_launch", "Ashkelon"), ("rocket_launch", "Sderot")],
        ),
    ],
)
def test_another_tellers_impact_elsewhere_is_a_claim_there(text: str, expected: list[tuple[str, str]]) -> None:
    assert [c for c in _claims(text, "2024-10-15") if c[1] is not None] == expected


def test_the_same_tellers_detail_or_a_nested_place_stays_with_the_event() -> None:
    text = (
        "Israeli jets struck a house in Khan Younis on Monday, the civil defence said. Medics said five were "
        "killed in the Qarara area of Khan Younis."
    )
    # the medics' toll is their own claim (their figures), no second strike is invented
    assert [c for c in _claims(text, "2024-10-15") if c[1] is not None] == [
        ("airstrike", "Khan Younis"),
        ("airstrike", "Qarara"),
    ]
    text2 = "Rockets were fired at Ashkelon on Monday, the military said. It said one landed near Sderot."
    assert [c[1] for c in _claims(text2, "2024-10-15")] == ["Ashkelon"]


def test_a_launcher_claiming_the_launch_is_its_own_claim_of_it() -> None:
    """Times of Israel-style: sirens and a launch told by the Home Front Command, then "the al-Quds
    Brigades later claimed the launch": the group's claim of the same launch, at the same place."""
    text = (
        "Sirens sounded in Ashkelon on Monday morning as rockets were launched from Gaza; the Home Front "
        "Command said two were intercepted. Hamas's armed wing later claimed the launch."
    )
    claims = [(c.event_type, c.place_text, c.claimant) for c in geo.parse(text, published="2024-10-14", source="d")]
    assert ("rocket_launch", "Ashkelon", "Hamas") in claims
    assert len([c for c in claims if c[0] == "rocket_launch"]) == 2
