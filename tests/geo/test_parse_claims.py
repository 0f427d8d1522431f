"""Issue 12: every event of a sentence, the right teller, counter-claims, Hebrew, honest numbers.

Each text here is written for this test (not taken from the evaluation sets) and checks one
behaviour the issue asks for; the evaluation set (bench/geoparse_eval.py) measures them at scale.
"""

from __future__ import annotations

from datetime import date

import geo


def _day(c: geo.Claim) -> date:
    assert c.valid_from is not None and c.valid_to is not None
    assert c.valid_from.date() == c.valid_to.date(), (c.valid_from, c.valid_to)
    return c.valid_from.date()


def test_an_after_clause_is_its_own_event_with_its_own_day() -> None:
    text = (
        "Israeli tanks pushed into Bani Suheila on Wednesday, after the army told residents of Abasan "
        "to leave the day before, local officials said."
    )
    claims = geo.parse(text, published="2024-03-08", source="Wire")
    got = sorted((c.event_type, c.place_name, _day(c), c.claimant) for c in claims)
    assert got == [
        ("evacuation_order", "Abasan al-Kabira", date(2024, 3, 5), "Local officials"),
        ("ground_operation", "Bani Suhaila", date(2024, 3, 6), "Local officials"),
    ]


def test_the_sentence_final_teller_is_not_the_launcher() -> None:
    text = "A rocket fired by Hezbollah hit a barn in Metula on Sunday, Israel's fire and rescue service said."
    [c] = geo.parse(text, published="2024-06-04", source="Wire")
    assert (c.event_type, c.place_name, c.claimant) == ("rocket_launch", "Metula", "Israel Fire and Rescue Services")


def test_a_counter_claim_is_a_claim_of_its_own_and_both_are_disputed() -> None:
    text = (
        "Witnesses said a drone strike hit a car in Deir al-Balah on Friday, killing two brothers. "
        "The Israeli military said it had targeted Hamas militants travelling in the car."
    )
    claims = geo.parse(text, published="2024-03-09", source="Wire")
    assert sorted((c.claimant, c.status, c.place_name, c.event_type) for c in claims) == [
        ("Israeli military", "disputed", "Deir al-Balah", "airstrike"),
        ("witnesses", "disputed", "Deir al-Balah", "airstrike"),
    ]
    army = next(c for c in claims if c.claimant == "Israeli military")
    assert army.quote is not None and army.quote.startswith("The Israeli military said")
    assert "counter-claim" in (army.notes or "") and _day(army) == date(2024, 3, 8)


def test_a_denial_is_the_deniers_claim_and_disputes_the_one_it_answers() -> None:
    text = (
        "Medics said Israeli fire killed three people queueing for flour in Beit Lahia on Monday. "
        "The army denied its troops had fired at the crowd."
    )
    claims = geo.parse(text, published="2024-02-27", source="Wire")
    assert {(c.claimant, c.status) for c in claims} == {("medics", "disputed"), ("Israeli military", "disputed")}
    assert any("denial" in (c.notes or "") for c in claims)


def test_agreeing_detail_from_a_bystander_stays_one_claim() -> None:
    text = "Israeli tanks reached the edge of Khuza'a on Tuesday, witnesses said. Residents said the tanks later left."
    [c] = geo.parse(text, published="2024-01-10", source="Wire")
    assert c.claimant == "witnesses" and c.status == "reported"


def test_hebrew_wire_sentence_gives_the_claim() -> None:
    text = 'חיל האוויר תקף מטרות של חמאס בחאן יונס ביום שני, כך מסר דובר צה"ל.'
    [c] = geo.parse(text, published="2024-01-17", source="אתר")
    assert (c.event_type, c.place_name, c.claimant, _day(c)) == (
        "airstrike",
        "Khan Younis",
        "Israeli military",
        date(2024, 1, 15),
    )


def test_hebrew_home_front_command_and_mda() -> None:
    text = "פיקוד העורף הודיע כי צבע אדום הופעל בנהריה אתמול. לפי מגן דוד אדום, רקטה פגעה בבית בשלומי."
    claims = geo.parse(text, published="2024-07-02", source="אתר")
    got = sorted((c.place_name, c.claimant) for c in claims)
    assert got == [("Nahariya", "Home Front Command"), ("Shlomi", "Magen David Adom")]
    assert all(c.event_type == "rocket_launch" for c in claims)


def test_vague_words_keep_their_range_and_no_best_estimate() -> None:
    [c] = geo.parse("Shelling in Bureij on Monday wounded dozens, medics said.", published="2024-01-10", source="W")
    assert c.injured is not None
    assert (c.injured.low, c.injured.best, c.injured.high, c.injured.text) == (24, None, 99, "dozens")
    feature = geo.parser.claim_to_feature(c)["properties"]
    assert feature["injured"] is None and feature["injured_text"] == "dozens"


def test_an_inferred_teller_says_so_in_notes() -> None:
    text = "Shelling hit Maghazi on Sunday, the civil defence said. Tanks also fired at homes in Bureij on Sunday."
    claims = geo.parse(text, published="2024-01-15", source="Wire")
    bureij = next(c for c in claims if c.place_name == "Bureij")
    assert bureij.claimant == "Gaza civil defence"
    assert "claimant is the paragraph's claimant" in (bureij.notes or "")


def test_events_of_one_type_each_on_its_own_day_in_one_sentence_keep_their_days() -> None:
    text = (
        "According to the Ministry of Health in Gaza, on 4 March a house in Bureij was struck, "
        "and on 5 March a tent in Rafah was hit, killing six people, the Ministry said. "
        "The Israeli military said the Rafah strike targeted a Hamas commander."
    )
    claims = geo.parse(text, published="2024-03-07", source="OCHA notes")
    got = sorted((c.place_name, _day(c), c.claimant, c.status) for c in claims)
    assert got == [
        ("Bureij", date(2024, 3, 4), "Gaza health ministry", "reported"),
        ("Rafah", date(2024, 3, 5), "Gaza health ministry", "disputed"),
        ("Rafah", date(2024, 3, 5), "Israeli military", "disputed"),
    ]
