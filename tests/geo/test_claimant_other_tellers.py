"""A second teller of an attack has its own claim (issue 12): a body that counts the hurt a paragraph
after the attack, another teller naming places the first did not, a group claiming responsibility,
a headline set a paragraph above the body that tells it, and a generic name ("the terror group's armed
wing") standing for a body named a paragraph before. Texts written for sitmap, not taken from any report."""

from __future__ import annotations

import geo


def _by(claims: list, kind: str) -> set[tuple[str | None, str | None]]:
    return {(c.place_name, c.claimant) for c in claims if c.event_type == kind and c.geometry is not None}


def test_a_body_counting_the_hurt_a_paragraph_later_tells_its_own_claim() -> None:
    text = (
        "Hezbollah said it fired a barrage of rockets at Nahariya on Friday afternoon.\n\n"
        "Magen David Adom said a woman was lightly hurt by shrapnel in Nahariya."
    )
    claims = geo.parse(text, published="2024-10-11", source="Example Wire")
    tellers = {c.claimant for c in claims if c.event_type == "rocket_launch"}
    assert tellers == {"Hezbollah", "Magen David Adom"}


def test_a_count_of_the_hurt_with_no_attack_before_is_no_claim() -> None:
    text = "Talks resumed in Cairo on Monday.\n\nMagen David Adom said a man was hurt in a car crash near Afula."
    claims = geo.parse(text, published="2024-10-11", source="Example Wire")
    assert [c.event_type for c in claims] == ["negotiation"]


def test_another_teller_at_places_the_first_did_not_name_is_its_own_claim() -> None:
    text = (
        "Some 40 rockets were fired at the Upper Galilee on Sunday, the army said. "
        "Rockets fell in open ground near Safed, firefighters said."
    )
    claims = geo.parse(text, published="2024-07-14", source="Example Wire")
    assert ("Safed", "Israel Fire and Rescue Services") in _by(claims, "rocket_launch")


def test_a_claim_of_responsibility_is_the_groups_claim_of_the_attack() -> None:
    text = (
        "Two rockets were fired at Sderot on Saturday evening, the IDF said.\n\n"
        "Islamic Jihad's armed wing claimed responsibility in a statement on Telegram."
    )
    claims = geo.parse(text, published="2024-06-08", source="Example Wire")
    assert {c.claimant for c in claims if c.event_type == "rocket_launch"} == {
        "Israeli military",
        "Palestinian Islamic Jihad",
    }
    [own] = [c for c in claims if c.claimant == "Palestinian Islamic Jihad"]
    assert own.place_name is not None and "Sderot" in own.place_name
    assert "responsibility" in (own.notes or "")


def test_a_generic_armed_wing_stands_for_the_group_named_a_paragraph_before() -> None:
    text = (
        "Hamas says it fired mortars at troops near Kissufim\n\n"
        "The militant group's armed wing says it targeted soldiers gathered near Kissufim with mortar shells."
    )
    claims = geo.parse(text, published="2024-06-08", source="Example live blog")
    assert {c.claimant for c in claims if c.geometry is not None} == {"Hamas"}


def test_a_headline_a_paragraph_above_its_body_is_no_claim_of_its_own() -> None:
    text = (
        "Drone strike hits car in Tyre\n\n"
        "An Israeli drone struck a car on the coastal road in Tyre on Thursday, killing two people, "
        "Lebanon's health ministry said."
    )
    claims = geo.parse(text, published="2024-10-10", source="Example live blog")
    assert [c.claimant for c in claims] == ["Lebanese health ministry"]


def test_a_one_line_bulletin_item_over_another_place_stays_a_claim() -> None:
    text = "Shelling on the outskirts of Khiam\n\nAn Israeli drone struck a car in Tyre on Thursday, the NNA said."
    claims = geo.parse(text, published="2024-10-10", source="Example live blog")
    assert {c.event_type for c in claims} == {"shelling", "airstrike"}


def test_a_clause_of_another_teller_on_where_shrapnel_fell_is_its_claim() -> None:
    text = (
        "Hezbollah said it fired rockets at Safed on Sunday. Sirens sounded in Safed and nearby villages, the Home "
        "Front Command said, and police said shrapnel damaged a car in Rosh Pina."
    )
    claims = geo.parse(text, published="2024-10-20", source="Example Wire")
    tellers = {(c.place_name, c.claimant) for c in claims if c.event_type == "rocket_launch"}
    assert ("Safed", "Hezbollah") in tellers
    assert ("Safed", "Home Front Command") in tellers
    assert any(p and "Rosh Pin" in p and who == "Israeli police" for p, who in tellers)


def test_a_plural_teller_that_claims() -> None:
    from geo.claimants import find_claimant

    c = find_claimant("The Houthis claim they hit a ship in the Red Sea with a drone boat on Monday.")
    assert c is not None and c.name == "Houthis"
    # "a claim the army rejects": the noun is no speech verb
    c = find_claimant("Residents reported heavy shelling, a claim the army rejects as false.")
    assert c is not None and c.name != "Claim"


def test_the_armys_answer_to_an_attack_it_told_is_its_account() -> None:
    text = 'שלוש רקטות שוגרו מדרום לבנון לעבר מטולה הבוקר, מסר צה"ל. בתגובה תקפו מטוסי חיל האוויר משגר בכפר כילא.'
    claims = geo.parse(text, published="2024-09-02", source="אתר חדשות")
    assert {c.claimant for c in claims if c.event_type == "airstrike"} == {"Israeli military"}


def test_the_armys_answer_after_another_tellers_words_is_not_that_tellers() -> None:
    text = (
        "Two rockets hit an open field near Shlomi, Magen David Adom said. "
        "In response, the air force struck a launcher near Naqoura."
    )
    claims = geo.parse(text, published="2024-09-02", source="Example Wire")
    assert {c.claimant for c in claims if c.event_type == "airstrike"} == {"Example Wire"}


def test_ocha_in_hebrew_and_arabic() -> None:
    from geo.claimants import canonical_claimant

    assert canonical_claimant('משרד האו"ם לתיאום עניינים הומניטריים') == "UN OCHA"
    assert canonical_claimant("مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية") == "UN OCHA"


def test_a_clause_after_a_tellers_words_goes_on_with_them() -> None:
    from geo.clauses import split_clauses

    text = (
        "Israeli troops killed a teenager during a raid on the town of Burqin on Sunday, WAFA reported, while "
        "the army said soldiers had returned fire after militants shot at them from a rooftop."
    )
    parts = [p.text for p in split_clauses(text)]
    assert parts[-1].startswith("militants shot")  # the "after" clause is a clause of its own
    claims = geo.parse(text, published="2025-03-04", source="Example Wire")
    shot = [c for c in claims if c.quote.startswith("militants shot")]
    assert shot and {c.claimant for c in shot} == {"Israeli military"}
    # a sentence-final teller still tells its "after" clause
    text = "Tanks pushed into eastern Rafah on Tuesday, after drones struck the area overnight, medics said."
    claims = geo.parse(text, published="2025-03-04", source="Example Wire")
    assert claims and {c.claimant for c in claims} == {"medics"}
