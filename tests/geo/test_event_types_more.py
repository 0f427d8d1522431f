"""Event types of sentences that were read as another kind (issue 12): sentences written for
sitmap in several voices.

A demolition of homes, structures or land by bulldozers or inspectors is "other", not a raid;
bulldozing streets in a raid, or troops blowing up houses, stays a ground operation. A missile
fired from a drone is an air strike; a launcher across the border that "claims" a target
fired a missile or rocket. Troops who "fired to remove a threat" or "shot a terrorist" are
shooting; an anti-tank missile is not tank shelling; "Israeli fire killed" is gunfire.
"""

from __future__ import annotations

import pytest

from geo.cues import event_type


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Municipal bulldozers demolished a two-storey home in Beit Hanina on Tuesday, the family said.", "other"),
        ("هدمت جرافات الاحتلال بئراً زراعية وغرفة في بلدة بيت أمر صباح اليوم.", "other"),
        ("פקחי המנהל האזרחי הרסו הבוקר שני מבנים בכפר עקרבה.", "other"),
        ("Bulldozers flattened three shepherd tents near Khirbet Humsa, OCHA said.", "other"),
        ("Troops raided Tubas overnight and demolished the home of a detainee.", "ground_operation"),
        ("Army bulldozers tore up streets in Tulkarm camp for a second day, residents said.", "ground_operation"),
    ],
)
def test_demolitions_and_raids(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("An Israeli drone fired a missile at a motorbike near Beit Hanoun, medics said.", "airstrike"),
        ("A warplane fired two missiles at a car in Tyre, NNA reported.", "airstrike"),
        ("The Houthis claim they targeted the port of Eilat with a ballistic missile.", "rocket_launch"),
        ("أعلن حزب الله أن مقاتليه استهدفوا ثكنة زرعيت بصلية صاروخية.", "rocket_launch"),
        ("The army said troops near the fence had fired to remove a threat.", "shooting"),
        ("Troops shot a gunman who approached the border fence, the military said.", "shooting"),
        ("Militants fired an anti-tank missile and opened fire at a patrol near Rafah.", "shooting"),
        ("Israeli fire killed two fishermen off the coast of Deir al-Balah, the coastguard union said.", "shooting"),
    ],
)
def test_means_and_fire(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected
