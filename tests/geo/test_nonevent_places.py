"""Places where nothing happened are not event places.

A dateline names where a story was filed; a destination where people fled or were taken;
a home town where a victim comes from; a mediator or a venue of talks told beside an
event is diplomacy. Each yields no claim when the sentence names where the event was.
The sentences are written for this test.
"""

from __future__ import annotations

import pytest

from geo.parser import parse
from geo.places import dateline_end


def _places(text: str) -> set[str]:
    return {c.place_name or "" for c in parse(text, published="2024-05-14", source="Wire") if c.geometry is not None}


@pytest.mark.parametrize(
    ("text", "event_place", "not_places"),
    [
        (
            "RAMALLAH, West Bank, May 14 (AP) — Israeli troops shot dead a man in Qabatiya on Tuesday, "
            "the Palestinian health ministry said.",
            "Qabāţīyah",
            {"Ramallah"},
        ),
        (
            "KHAN YOUNIS/AMMAN (Reuters) - An Israeli strike killed four people in Bani Suheila on Tuesday, "
            "medics said.",
            "Bani Suhaila",
            {"Khan Younis", "Amman"},
        ),
        (
            "غزة (وفا) - استشهد ثلاثة مواطنين في قصف على بيت حانون يوم الثلاثاء، وفق مصادر طبية.",
            "Beit Hanoun",
            {"Gaza City"},
        ),
        (
            "Thousands of families fled towards Deir al-Balah after shelling hit Bureij on Tuesday, residents said.",
            "Bureij",
            {"Deir al-Balah"},
        ),
        (
            "نزحت مئات العائلات نحو دير البلح بعد قصف مكثف على البريج يوم الثلاثاء، وفق شهود.",
            "Bureij",
            {"Deir al-Balah"},
        ),
        (
            "Soldiers killed a man, a resident of the town of Tammun, in Tubas on Tuesday, the health ministry said.",
            "Ţūbās",
            {"Ţammūn"},
        ),
        (
            "A strike hit a school in Nuseirat on Tuesday, medics said, as talks mediated by Qatar and Egypt "
            "resumed in Doha.",
            "Nuseirat",
            {"Doha", "Qatar", "Egypt"},
        ),
    ],
)
def test_no_event_at_a_place_where_nothing_happened(text: str, event_place: str, not_places: set[str]) -> None:
    places = _places(text)
    assert event_place in places, places
    assert not places & not_places, places


def test_a_destination_alone_still_places_the_event() -> None:
    """With nothing else named, the destination is the only clue and is kept (last resort)."""
    assert _places("Families fled to Rafah on Tuesday after heavy shelling, residents said.") == {"Rafah"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("GAZA/CAIRO (Reuters) - Text", True),
        ("JENIN, West Bank, March 3 (AP) — Text", True),
        ("رام الله (رويترز) - نص", True),
        ("Gaza health officials said - nothing", False),
        ("Troops entered Jenin on Tuesday - the army said.", False),
    ],
)
def test_dateline(text: str, found: bool) -> None:
    assert (dateline_end(text, 0) > 0) is found


def test_forces_moving_into_a_place_are_the_event() -> None:
    """Tanks that move into a town are the incursion, not a destination of people in flight."""
    assert "Beit Hanoun" in _places("Tanks moved into Beit Hanoun on Tuesday, residents said.")
    text = "Families moved towards Deir al-Balah after a strike hit Bureij on Tuesday, residents said."
    assert _places(text) == {"Bureij"}


@pytest.mark.parametrize(
    ("text", "event_place", "not_place"),
    [
        (
            "A car-ramming attack wounded three people on Jerusalem Boulevard in Jaffa on Tuesday, police said.",
            "Jaffa",
            "Jerusalem",
        ),
        (
            "A drone hit a car in Tubas on Tuesday, the Times of Israel reported, citing the Jerusalem District "
            "police.",
            "Ţūbās",
            "Jerusalem",
        ),
    ],
)
def test_a_street_or_police_force_named_after_a_place_is_not_that_place(
    text: str, event_place: str, not_place: str
) -> None:
    places = _places(text)
    assert event_place in places and not_place not in places, places


def test_said_the_strike_in_x_is_the_event_place_not_where_it_was_said() -> None:
    assert _places("Hamas said the strike in Khan Younis on Tuesday killed four people.") == {"Khan Younis"}
    assert _places("A Hamas official said in Doha on Tuesday that a strike hit Rafah.") == {"Rafah"}
