"""Live-blog layout: a time stamp or headline line is a sentence of its own, hard-wrapped prose is not split.

A headline without a full stop ran into the "Our correspondent in X says ..." line under it,
so the correspondent's town became an event place. The texts are written for this test.
"""

from __future__ import annotations

from geo.parser import parse
from geo.sentences import split_sentences


def test_headline_and_time_stamp_lines_are_their_own_sentences() -> None:
    text = "09:40 GMT\nDrone strike hits car in Tulkarm\nOur reporter in Nablus says the drone hit a car near the camp."
    assert [s.text for s in split_sentences(text)] == [
        "09:40 GMT",
        "Drone strike hits car in Tulkarm",
        "Our reporter in Nablus says the drone hit a car near the camp.",
    ]


def test_arabic_headline_line_is_its_own_sentence() -> None:
    text = "قصف مدفعي على بيت حانون\nقال مراسلنا في غزة إن المدفعية قصفت أطراف البلدة."
    assert len(split_sentences(text)) == 2


def test_hard_wrapped_prose_stays_one_sentence() -> None:
    text = "Soldiers shot two men in\nQalqilya on Tuesday, the ministry\nsaid, and arrested a third\nin Azzun."
    assert len(split_sentences(text)) == 1


def test_correspondent_town_is_not_an_event_place() -> None:
    text = (
        "Israeli strike kills five in Rafah\n"
        "Our correspondent in Deir al-Balah says the strike hit a house in Tal as-Sultan overnight, killing five."
    )
    places = {c.place_name for c in parse(text, published="2024-05-14", source="Wire") if c.geometry is not None}
    assert "Deir al-Balah" not in places, places
    assert places, places
