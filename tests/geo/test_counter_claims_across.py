"""Counter-claims told in a later paragraph (issue 12): texts written for sitmap in several voices.

A later paragraph in which another body gives its own, contradicting account of an event already
told ("The army said it had struck a command centre in the compound") is a claim of its own at the
event's place and time, and both accounts are disputed. The account may name the event's place, or
only refer to it ("the compound", "the area"); it answers the event at that place even when another
event was told in between. A teller's "no comment" is no event.
"""

from __future__ import annotations

import geo
from geo.model import Claim


def _claims(text: str, source: str, published: str) -> list[Claim]:
    return geo.parse(text, published=published, source=source)


def test_wire_the_armys_account_in_a_later_paragraph_answers_the_event_at_its_place() -> None:
    text = (
        "An Israeli air strike on a house in Bureij camp killed six people on Sunday, the Gaza civil defence said.\n\n"
        "Medics said a separate strike on a car in Khan Younis killed two men.\n\n"
        "The Israeli military said it had targeted Hamas militants who were operating from the house in Bureij."
    )
    claims = _claims(text, "Example Wire", "2024-09-02")
    bureij = [c for c in claims if c.place_name and "Bureij" in c.place_name]
    assert {c.claimant for c in bureij} == {"Gaza civil defence", "Israeli military"}
    assert all(c.status == "disputed" for c in bureij)
    khan = [c for c in claims if c.place_name and "Khan" in c.place_name]
    assert khan and all(c.status == "reported" for c in khan)


def test_live_blog_an_account_naming_the_place_only_by_reference_attaches_to_it() -> None:
    text = (
        "14:20 GMT - Civil defence says a strike on a school sheltering families in Tuffah killed eight.\n\n"
        "14:45 GMT - The Israeli army says it struck a Hamas command centre inside the compound."
    )
    claims = _claims(text, "Live blog", "2024-08-10")
    school = [c for c in claims if c.event_type == "airstrike"]
    assert {c.claimant for c in school} == {"Gaza civil defence", "Israeli military"}
    assert all(c.status == "disputed" for c in school)
    assert len({c.place_name for c in school}) == 1


def test_arabic_a_denial_in_a_later_paragraph() -> None:
    text = (
        "قال الدفاع المدني إن غارة إسرائيلية استهدفت خيمة للنازحين في المواصي غرب خان يونس فجر اليوم.\n\n"
        "في المقابل، زعم جيش الاحتلال أنه استهدف عناصر من حماس في المنطقة."
    )
    claims = _claims(text, "وكالة محلية", "2025-01-05")
    strike = [c for c in claims if c.event_type == "airstrike"]
    assert {c.claimant for c in strike} == {"Gaza civil defence", "Israeli military"}
    assert all(c.status == "disputed" for c in strike)


def test_hebrew_a_denial_in_a_later_paragraph() -> None:
    text = 'לפי הסהר האדום הפלסטיני, צעיר נהרג מירי כוחות צה"ל בכפר בית אומר אמש.\n\nצה"ל הכחיש כי כוחותיו ירו באזור.'
    claims = _claims(text, "Ynet", "2025-03-10")
    told = [c for c in claims if c.event_type == "shooting"]
    assert {c.claimant for c in told} == {"Palestinian Red Crescent", "Israeli military"}
    assert all(c.status == "disputed" for c in told)


def test_no_comment_names_an_event_but_tells_none() -> None:
    text = (
        "Medics said a strike hit a car near Nasser Hospital in Khan Younis on Monday, killing three.\n\n"
        "The Israeli military did not comment on the Khan Younis strike."
    )
    claims = _claims(text, "Example Wire", "2024-07-02")
    assert [c.claimant for c in claims] == ["medics"]
    assert claims[0].status == "reported"


def test_an_agreeing_later_paragraph_by_another_teller_is_no_dispute() -> None:
    text = (
        "Rockets fired from Gaza hit an open area near Sderot on Tuesday, the Israeli military said.\n\n"
        "Magen David Adom said it treated two people for anxiety in Sderot."
    )
    claims = _claims(text, "Times of Israel", "2024-06-05")
    assert claims and all(c.status == "reported" for c in claims)


def test_the_dead_named_as_bystanders_dispute_the_armys_suspects() -> None:
    text = (
        "Troops fired at suspects who crossed the line near Houla in southern Lebanon on Sunday, killing one, "
        "the Israeli military said. Lebanon's National News Agency said the man was a farmer tending his olive trees."
    )
    claims = _claims(text, "Wire", "2025-03-03")
    told = [c for c in claims if c.event_type == "shooting"]
    assert {c.claimant for c in told} == {"Israeli military", "National News Agency"}
    assert all(c.status == "disputed" for c in told)


def test_returned_fire_is_the_armys_own_account_of_a_killing() -> None:
    text = (
        "Two Palestinians were shot dead in Qabatiya on Thursday, the Palestinian health ministry said, "
        "while the army said soldiers returned fire after gunmen shot at them."
    )
    claims = _claims(text, "Wire", "2025-04-04")
    tellers = {c.claimant: c.status for c in claims}
    assert tellers.get("Palestinian health ministry") == "disputed"
    assert tellers.get("Israeli military") == "disputed"


def test_arabic_the_army_says_it_eliminated_a_member_of_a_group() -> None:
    text = (
        "قالت الوكالة الوطنية للإعلام إن مسيرة إسرائيلية استهدفت دراجة نارية في بلدة الخيام، ما أدى إلى استشهاد شاب، "
        "فيما أعلن الجيش الإسرائيلي أنه قضى على عنصر في حزب الله."
    )
    claims = _claims(text, "وكالة", "2025-01-20")
    strike = [c for c in claims if c.event_type == "airstrike"]
    assert {c.claimant for c in strike} == {"National News Agency", "Israeli military"}
    assert all(c.status == "disputed" for c in strike)


def test_a_paragraph_that_only_answers_the_event_is_read() -> None:
    text = (
        "Israeli troops shot dead a Palestinian who they said tried to ram soldiers with his car near Beit Ummar "
        "on Friday, the Israeli military said.\n\n"
        "Relatives said the 23-year-old was driving home from work and was unarmed."
    )
    claims = _claims(text, "Example Wire", "2024-09-21")
    shot = [c for c in claims if c.event_type == "shooting"]
    assert {c.claimant for c in shot} == {"Israeli military", "Relatives"}
    assert len(shot) == 2 and all(c.status == "disputed" for c in shot)
    assert len({c.place_name for c in shot}) == 1


def test_an_account_naming_the_town_stands_at_the_camp_it_answers() -> None:
    text = (
        "An air strike flattened a house in Nuseirat camp before dawn on Monday, killing seven, "
        "the civil defence said.\n\n"
        "The Israeli military said it had struck a Hamas weapons store in Nuseirat."
    )
    claims = _claims(text, "Example Wire", "2024-08-13")
    strike = [c for c in claims if c.event_type == "airstrike"]
    assert len(strike) == 2 and len({c.place_name for c in strike}) == 1
    assert all(c.status == "disputed" for c in strike)


def test_one_sentence_the_report_tells_and_the_army_contradicts() -> None:
    text = (
        "On 4 June, a Palestinian teenager was shot and killed by Israeli forces near the entrance of Beit Ummar; "
        "the Israeli military said he had thrown a firebomb at a military post."
    )
    claims = _claims(text, "UN OCHA", "2025-06-06")
    shot = [c for c in claims if c.event_type == "shooting"]
    assert {c.claimant for c in shot} == {"UN OCHA", "Israeli military"}
    assert all(c.status == "disputed" for c in shot)


def test_a_teller_that_contradicts_later_in_the_sentence_still_tells_its_own_next_clause() -> None:
    text = (
        "The Israeli military said its jets had struck a Hamas command post inside the school in Bureij camp on "
        "Monday, and that gunmen fired at troops near Maghazi camp on Tuesday."
    )
    claims = _claims(text, "Wire", "2024-11-20")
    assert claims and all(c.claimant == "Israeli military" for c in claims)


def test_hebrew_a_building_the_army_says_its_enemy_used_against_a_toll_of_women_and_children() -> None:
    text = (
        "מטוסי חיל האוויר תקפו בניין בשכונת א-תופאח בעיר עזה, שבו לפי צה\"ל פעלו מחבלי הג'יהאד האסלאמי. "
        "משרד הבריאות בעזה טען כי בתקיפה נהרגו שישה בני אדם, בהם נשים וילדים."
    )
    claims = _claims(text, "Maariv", "2024-11-21")
    strike = [c for c in claims if c.event_type == "airstrike"]
    assert {c.claimant for c in strike} == {"Israeli military", "Gaza health ministry"}
    assert all(c.status == "disputed" for c in strike)


def test_arabic_women_and_children_against_the_armys_target() -> None:
    text = (
        "قال جيش الاحتلال إنه استهدف عناصر من حماس في مبنى بحي الدرج في مدينة غزة فجر اليوم. "
        "وقالت وزارة الصحة إن الغارة أسفرت عن استشهاد سبعة مواطنين بينهم نساء وأطفال."
    )
    claims = _claims(text, "وكالة", "2024-11-21")
    strike = [c for c in claims if c.event_type == "airstrike"]
    assert {c.claimant for c in strike} == {"Israeli military", "Gaza health ministry"}
    assert all(c.status == "disputed" for c in strike)
