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


@pytest.mark.parametrize(
    "sentence",
    [
        "The truce that began on Sunday largely held through the week.",
        "Mediators in Cairo were still waiting for a reply to the latest ceasefire proposal.",
        "The UN chief renewed his call for an immediate ceasefire.",
        "A US envoy said in Amman that the ceasefire was holding despite sporadic fire.",
        "The army told mediators it remains committed to the truce.",
    ],
)
def test_a_truce_named_is_no_talks(sentence: str) -> None:
    assert event_type(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Negotiators met in Doha on Monday to discuss a hostage deal.",
        "An Egyptian delegation arrived in Tel Aviv for truce talks.",
        "The CIA director met Qatar's prime minister in Paris to discuss a ceasefire proposal.",
    ],
)
def test_talks_and_meetings_are_negotiations(sentence: str) -> None:
    assert event_type(sentence) == "negotiation"


def test_a_pause_in_one_area_is_a_zone() -> None:
    sentence = "A tactical pause will be in effect from 8:00 to 16:00 along the road to the European Hospital."
    assert event_type(sentence) == "humanitarian_zone"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Its fighters engaged the force with machine guns and rocket-propelled grenades.", "shooting"),
        ("Gunmen fired RPGs at an armoured bulldozer near the camp.", "shooting"),
        ("תקפו כעשרה מתנחלים רעולי פנים חקלאים בכפר קריות.", "other"),
        ("هدد الجيش السكان وطالبهم بالنزوح فوراً نحو الجنوب.", "evacuation_order"),
    ],
)
def test_firefights_settlers_and_orders(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected


def test_a_warning_before_a_strike_is_an_order_at_the_strikes_place() -> None:
    import geo

    text = (
        "Lebanon's health ministry said an Israeli strike on a building in Nabatieh killed four people.\n\n"
        "The Israeli military said it had struck a Hezbollah weapons depot in Nabatieh after warning residents "
        "to leave the area."
    )
    claims = geo.parse(text, published="2024-11-02", source="Example Wire")
    orders = [c for c in claims if c.event_type == "evacuation_order"]
    assert orders and orders[0].claimant == "Israeli military" and orders[0].place_text == "Nabatieh"
    assert any(c.event_type == "airstrike" and c.claimant == "Israeli military" for c in claims)


def test_hebrew_weapons_are_no_fighting() -> None:
    # "אמצעי לחימה" (weapons, literally means of fighting) names the target of a strike, not a battle
    assert event_type("חיל האוויר תקף מחסני אמצעי לחימה של חיזבאללה באזור צור.") == "airstrike"
    assert event_type("ובהן מחסני אמצעי לחימה ומשגרים באזור נבטיה.") is None


def test_gaza_groups_targeting_towns_launched_rockets() -> None:
    assert event_type("Al-Qassam Brigades said they had targeted Ashkelon in response to the massacres.") == (
        "rocket_launch"
    )
    assert event_type("أعلنت سرايا القدس أنها استهدفت سديروت ومستوطنات غلاف غزة.") == "rocket_launch"
    # the army targeting Hamas is no launch, even near a town
    assert event_type("The army said it had targeted Hamas militants in Beit Hanoun.") == "airstrike"
