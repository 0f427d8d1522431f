"""Issue 12: two tellers' accounts of one event, in one sentence or in two.

Each account is a claim of its own (same place and time, its own claimant and quote), both
marked disputed, with notes saying how the account was read. The texts are written for
these tests (not taken from the evaluation sets, which measure the same at scale).
"""

from __future__ import annotations

from datetime import date

import geo


def _accounts(text: str, published: str) -> list[tuple[str | None, str, str | None, str, date | None]]:
    claims = geo.parse(text, published=published, source="Wire")
    return sorted(
        (c.claimant, c.status, c.place_name, c.event_type, c.valid_from.date() if c.valid_from else None)
        for c in claims
    )


def test_but_joins_two_accounts_of_one_shooting() -> None:
    text = (
        "Doctors said soldiers shot dead four men near the Bureij checkpoint on Sunday, "
        "but the army said its troops fired at suspects who approached them."
    )
    assert _accounts(text, "2024-04-29") == [
        ("Israeli military", "disputed", "Bureij", "shooting", date(2024, 4, 28)),
        ("medics", "disputed", "Bureij", "shooting", date(2024, 4, 28)),
    ]


def test_a_denial_after_a_semicolon_is_the_deniers_own_claim() -> None:
    text = (
        "Paramedics said a drone strike killed a family of five in Nuseirat on Wednesday; the Israeli army denied it."
    )
    claims = geo.parse(text, published="2024-05-02", source="Wire")
    assert sorted((c.claimant, c.status) for c in claims) == [("Israeli military", "disputed"), ("medics", "disputed")]
    army = next(c for c in claims if c.claimant == "Israeli military")
    assert army.quote == "the Israeli army denied it."
    assert army.place_name == "Nuseirat" and army.event_type == "airstrike"
    assert "denial" in (army.notes or "")
    assert "same sentence" in (army.notes or "")
    medics = next(c for c in claims if c.claimant == "medics")
    assert "disputed" in (medics.notes or "") and "Israeli military" in (medics.notes or "")


def test_however_and_a_negated_strike_are_a_denial() -> None:
    text = (
        "The civil defence said an air strike hit a shelter in Maghazi on Friday. "
        "However, the Israeli military said it had not carried out any strike in the area."
    )
    assert _accounts(text, "2024-06-01") == [
        ("Gaza civil defence", "disputed", "Maghazi", "airstrike", date(2024, 5, 31)),
        ("Israeli military", "disputed", "Maghazi", "airstrike", date(2024, 5, 31)),
    ]


def test_another_cause_of_the_deaths_disputes_the_first_account() -> None:
    text = (
        "Health officials in Gaza said troops opened fire on people waiting for flour in Deir al-Balah on Tuesday, "
        "killing 14. The Israeli army said most victims were crushed in a stampede."
    )
    got = _accounts(text, "2024-03-06")
    assert [(who, status) for who, status, *_ in got] == [
        ("Gaza health ministry", "disputed"),
        ("Israeli military", "disputed"),
    ]
    assert {place for _, _, place, _, _ in got} == {"Deir al-Balah"}


def test_arabic_while_gives_two_accounts_with_the_day_before_an_arabic_comma() -> None:
    text = (
        "قال الدفاع المدني إن غارة إسرائيلية أصابت منزلا في بيت لاهيا يوم الأحد، "
        "بينما قال الجيش الإسرائيلي إنه استهدف عناصر مسلحة داخل المنزل."
    )
    assert _accounts(text, "2024-10-15") == [
        ("Gaza civil defence", "disputed", "Beit Lahia", "airstrike", date(2024, 10, 13)),
        ("Israeli military", "disputed", "Beit Lahia", "airstrike", date(2024, 10, 13)),
    ]


def test_arabic_but_with_a_denial() -> None:
    text = "قال مسعفون إن قصفا أصاب خياما في رفح يوم الاثنين، لكن الجيش الإسرائيلي نفى ذلك."
    got = _accounts(text, "2024-05-29")
    assert [(who, status, place) for who, status, place, _, _ in got] == [
        ("Israeli military", "disputed", "Rafah"),
        ("medics", "disputed", "Rafah"),
    ]


def test_hebrew_whereas_and_hebrew_tellers() -> None:
    text = "עדי ראייה סיפרו כי תקיפה פגעה בבית בג'נין ביום רביעי, ואילו צה\"ל מסר כי תקף חוליית מחבלים."
    assert _accounts(text, "2024-08-30") == [
        ("Israeli military", "disputed", "Jenin", "airstrike", date(2024, 8, 28)),
        ("witnesses", "disputed", "Jenin", "airstrike", date(2024, 8, 28)),
    ]


def test_hebrew_denial_in_a_second_sentence() -> None:
    text = 'תושבים דיווחו כי טנקים הפגיזו בתים בבית חאנון ביום ראשון. צה"ל הכחיש את הדיווח.'
    got = _accounts(text, "2024-01-09")
    assert [(who, status) for who, status, *_ in got] == [("Israeli military", "disputed"), ("residents", "disputed")]


def test_an_agreeing_second_teller_in_the_same_sentence_stays_one_claim() -> None:
    text = (
        "An Israeli strike flattened a house in Bureij on Thursday, medics said, "
        "while the civil defence said its crews were still digging through the rubble."
    )
    [c] = geo.parse(text, published="2024-02-02", source="Wire")
    assert (c.claimant, c.status, c.place_name) == ("medics", "reported", "Bureij")


def test_but_joining_two_events_at_two_places_is_no_dispute() -> None:
    text = "Residents said tanks shelled Khuza'a on Monday, but the army said its troops were fighting in Abasan."
    got = _accounts(text, "2024-01-16")
    assert [(who, status, place, kind) for who, status, place, kind, _ in got] == [
        ("Israeli military", "reported", "Abasan al-Kabira", "ground_operation"),
        ("residents", "reported", "Khuza'a", "shelling"),
    ]


def test_according_to_then_a_denial_in_a_sentence_of_several_cue_types() -> None:
    text = (
        "Israeli troops fired on people near a checkpoint in Tubas on Friday, killing two, according to WAFA; "
        "the army denied that soldiers had opened fire."
    )
    got = _accounts(text, "2024-09-01")
    assert [(who, status, place) for who, status, place, _, _ in got] == [
        ("Israeli military", "disputed", "Ţūbās"),
        ("WAFA", "disputed", "Ţūbās"),
    ]


def test_a_contested_paragraph_lends_no_teller_to_an_unattributed_sentence() -> None:
    text = (
        "Medics said a strike killed six people in Bureij on Monday; the army denied it. "
        "Tanks also shelled Maghazi on Monday."
    )
    claims = geo.parse(text, published="2024-02-13", source="Example Wire")
    maghazi = next(c for c in claims if c.place_name == "Maghazi")
    assert (maghazi.claimant, maghazi.status) == ("Example Wire", "reported")
    assert "claimant is the source" in (maghazi.notes or "")


def test_the_outlets_own_correspondent_is_where_the_event_is() -> None:
    text = "Our reporter in Khan Younis says a shell hit a tent camp on Friday, wounding several children."
    [c] = geo.parse(text, published="2024-03-02", source="Example TV")
    assert (c.claimant, c.place_name, c.event_type) == ("Example TV", "Khan Younis", "shelling")


def test_hebrew_saturday_after_yom_dates_the_event() -> None:
    text = 'משרד הבריאות בעזה מסר כי שבעה נהרגו בתקיפה ברפיח ביום שבת, אך צה"ל מסר כי תקף מחבל חמאס.'
    got = _accounts(text, "2024-08-20")
    assert [(who, status, day) for who, status, _, _, day in got] == [
        ("Gaza health ministry", "disputed", date(2024, 8, 17)),
        ("Israeli military", "disputed", date(2024, 8, 17)),
    ]


def test_an_army_that_told_the_media_its_troops_fired_at_suspects_disputes_the_toll() -> None:
    text = (
        "The civil defence says tank fire killed three people in Zeitoun on Sunday. "
        "The Israeli army gave no statement, "
        "but told local radio that soldiers fired at suspects who approached the troops."
    )
    got = _accounts(text, "2024-12-16")
    assert [(who, status, kind) for who, status, _, kind, _ in got] == [
        ("Gaza civil defence", "disputed", "shelling"),
        ("Israeli military", "disputed", "shelling"),
    ]


def test_not_aware_of_a_strike_is_a_denial() -> None:
    text = (
        "Doctors said a strike on a tent in Bureij killed two children on Thursday. "
        "The Israeli military said it was not aware of any strike there."
    )
    got = _accounts(text, "2024-08-30")
    assert [(who, status) for who, status, *_ in got] == [("Israeli military", "disputed"), ("medics", "disputed")]


def test_hebrew_the_army_and_residents_who_say_the_dead_were_civilians() -> None:
    text = "הצבא מסר כי כוחותיו פשטו על חאן יונס ביום שני וחיסלו מחבלים, אולם תושבים טענו כי ההרוגים היו אזרחים."
    got = _accounts(text, "2024-04-10")
    assert [(who, status) for who, status, *_ in got] == [("Israeli military", "disputed"), ("residents", "disputed")]


def test_arabic_medical_sources_are_medics() -> None:
    text = (
        "أفادت مصادر طبية بأن قوات إسرائيلية أطلقت النار على شبان في جنين يوم الخميس، "
        "غير أن الجيش الإسرائيلي قال إن الجنود أطلقوا النار على مسلحين."
    )
    got = _accounts(text, "2024-05-04")
    assert [(who, status) for who, status, *_ in got] == [("Israeli military", "disputed"), ("medics", "disputed")]


def test_one_sentences_two_accounts_meet_in_one_disputed_incident() -> None:
    """End to end: the geocoder's two accounts, stored as claims of one report, are grouped by
    corroboration into one incident marked disputed; the report's other event stays its own."""
    from layers.corroborate import corroborate
    from layers.model import ClaimRecord

    text = (
        "Medics said a strike killed a family of four in a car in Maghazi on Saturday, whereas the Israeli "
        "military said it had hit an Islamic Jihad cell. Witnesses said tanks shelled Bureij on Saturday."
    )
    claims = geo.parse(text, published="2024-08-25", source="Wire")
    records = [ClaimRecord.from_claim(c, id=f"c-{n}", report_id="r-1") for n, c in enumerate(claims)]
    incidents = corroborate(records)
    pair = [i for i in incidents if len(i.claim_ids) == 2]
    assert len(pair) == 1 and pair[0].status == "disputed"
    members = {r.claimant for r in records if r.id in pair[0].claim_ids}
    assert members == {"medics", "Israeli military"}
    assert len(incidents) == 2


def test_a_shot_down_drone_and_the_armys_technical_fault_are_two_accounts() -> None:
    text = (
        "Hezbollah said it shot down an Israeli drone over Kiryat Shmona on Friday, but the Israeli military said "
        "the aircraft crashed inside Israel after a technical malfunction."
    )
    got = _accounts(text, "2024-07-06")
    assert [(who, status, place, kind) for who, status, place, kind, _ in got] == [
        ("Hezbollah", "disputed", "Kiryat Shmona", "other"),
        ("Israeli military", "disputed", "Kiryat Shmona", "other"),
    ]


def test_an_aside_between_the_teller_and_its_verb() -> None:
    text = (
        "Local officials said an Israeli strike killed three shepherds near Khuza'a on Sunday. "
        "The Israeli military, however, said its aircraft struck militants who were planting explosives."
    )
    got = _accounts(text, "2024-02-13")
    assert [(who, status) for who, status, *_ in got] == [
        ("Israeli military", "disputed"),
        ("Local officials", "disputed"),
    ]


def test_a_figure_the_army_disputed_in_the_same_sentence() -> None:
    text = (
        "Medics said 17 people were killed in strikes on Nuseirat on Friday, a toll the Israeli army disputed, "
        "saying it had hit gunmen launching rockets from the camp."
    )
    got = _accounts(text, "2024-06-16")
    assert [(who, status, kind) for who, status, _, kind, _ in got] == [
        ("Israeli military", "disputed", "airstrike"),
        ("medics", "disputed", "airstrike"),
    ]


def test_arabic_and_denied_names_the_movement_named_before() -> None:
    text = (
        "قال الجيش الإسرائيلي إنه قصف مستودعا لحركة حماس في مخيم النصيرات يوم الجمعة، "
        "ونفت الحركة ذلك مؤكدة أن المكان كان مخبزا."
    )
    got = _accounts(text, "2024-06-16")
    assert [(who, status) for who, status, *_ in got] == [("Hamas", "disputed"), ("Israeli military", "disputed")]
