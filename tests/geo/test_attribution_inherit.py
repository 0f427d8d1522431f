"""Who tells a sentence that names no teller (issue 12): texts written for sitmap, in several voices.

A sentence that goes on with the account before it ("also", "the same day", "גם", "كما") keeps the
teller named earlier in its paragraph; a new event told by nobody is the report's source's, and a
teller named only in a later sentence is never lent back. An evacuation order with no teller is
its issuer's, found in the sentence ("posts an evacuation order", "פרסם הוראת פינוי", "أصدر ...
أوامر إخلاء"), in the sentence the clause belongs to, or the army named before it in the paragraph.
"""

from __future__ import annotations

import geo
from geo.model import Claim


def _by_place(claims: list[Claim], name: str) -> Claim:
    found = [c for c in claims if name in (c.place_name or "") or name in (c.place_text or "")]
    assert found, [(c.place_name, c.place_text) for c in claims]
    return found[0]


def test_acled_note_new_dated_event_is_the_sources_but_a_same_day_one_the_tellers() -> None:
    text = (
        "On 3 March 2025, Israeli forces stormed Qabatiya (Jenin) and bulldozed a road, per WAFA. "
        "On 4 March 2025, Israeli forces raided Tammun (Tubas) and detained 5 men."
    )
    claims = geo.parse(text, published="2025-03-05", source="ACLED-style notes")
    assert _by_place(claims, "Qab").claimant == "WAFA"
    tammun = _by_place(claims, "ammun")
    assert tammun.claimant == "ACLED-style notes"
    assert "claimant is the source" in (tammun.notes or "")
    text = text.replace("On 4 March 2025,", "On the same day,")
    tammun = _by_place(geo.parse(text, published="2025-03-05", source="ACLED-style notes"), "ammun")
    assert tammun.claimant == "WAFA"
    assert "paragraph's claimant" in (tammun.notes or "")


def test_wire_a_later_sentences_teller_is_not_lent_back() -> None:
    text = (
        "Israeli tanks shelled houses on the eastern edge of Bureij camp on Sunday. "
        "Medics at Al-Awda hospital said a drone strike in Maghazi later that day killed two men."
    )
    claims = geo.parse(text, published="2024-06-10", source="Example Wire")
    bureij = _by_place(claims, "Bureij")
    assert bureij.claimant == "Example Wire"
    assert _by_place(claims, "Maghazi").claimant == "medics"


def test_ocha_update_an_according_to_sentence_tells_only_itself() -> None:
    text = (
        "Since 2 April, Israeli forces have carried out an operation in Tulkarm camp. According to the "
        "Palestinian Ministry of Health, a 15-year-old boy was shot dead in Nur Shams camp on 6 April. "
        "On 7 April, Israeli forces demolished three homes in Tulkarm camp."
    )
    claims = geo.parse(text, published="2025-04-08", source="UN OCHA")
    by_day = {(c.place_name, c.valid_from.date().isoformat() if c.valid_from else None): c for c in claims}
    shot = [c for (p, _), c in by_day.items() if p and "Nur Shams" in p]
    assert shot and shot[0].claimant == "Palestinian health ministry"
    tulkarm = [c for c in claims if c.place_name and "Tulkarm" in c.place_name]
    assert tulkarm and all(c.claimant == "UN OCHA" for c in tulkarm)


def test_hebrew_also_keeps_the_teller_a_fresh_sentence_does_not() -> None:
    text = (
        'לפי דובר צה"ל, כוחות הצבא פשטו הלילה על שכם ועצרו שלושה חשודים. '
        "הכוחות גם פשטו על קלקיליה. "
        "בבוקר נורו יריות לעבר רכב ישראלי סמוך לחווארה."
    )
    claims = geo.parse(text, published="2025-02-11", source="Ynet")
    assert _by_place(claims, "Nablus").claimant == "Israeli military"
    assert _by_place(claims, "Qalqilya").claimant == "Israeli military"
    assert _by_place(claims, "Huwara").claimant == "Ynet"


def test_arabic_kama_keeps_the_teller() -> None:
    text = (
        "قالت مصادر طبية إن غارة إسرائيلية استهدفت منزلا في دير البلح مساء الأحد. "
        "كما قصفت المدفعية الإسرائيلية أطراف مخيم البريج."
    )
    claims = geo.parse(text, published="2024-07-08", source="وكالة محلية")
    assert _by_place(claims, "Bureij").claimant == "medics"


def test_an_order_with_no_teller_is_its_issuers_in_three_languages() -> None:
    text = (
        "10:05 GMT - The IDF's Arabic-language spokesman posts an evacuation order for residents of "
        "Abasan al-Kabira ahead of strikes."
    )
    [c] = [c for c in geo.parse(text, published="2024-08-05", source="Live blog") if c.event_type == "evacuation_order"]
    assert c.claimant == "Israeli military"
    text = 'דובר צה"ל בערבית פרסם הבוקר הוראת פינוי לתושבי בני סוהילה.'
    claims = [
        c for c in geo.parse(text, published="2024-08-05", source="Haaretz") if c.event_type == "evacuation_order"
    ]
    assert claims and all(c.claimant == "Israeli military" for c in claims)
    text = "وأصدر المتحدث باسم جيش الاحتلال صباح اليوم أوامر إخلاء لسكان مخيم البريج."
    claims = [c for c in geo.parse(text, published="2024-08-05", source="وكالة") if c.event_type == "evacuation_order"]
    assert claims and all(c.claimant == "Israeli military" for c in claims)


def test_leaflets_with_no_issuer_are_the_army_named_before_them() -> None:
    text = (
        "The Israeli military released a new map on Thursday and said people must follow its instructions. "
        "Leaflets dropped over Beit Lahia ordered residents to evacuate to shelters in Gaza City."
    )
    claims = [c for c in geo.parse(text, published="2024-10-04", source="Wire") if c.event_type == "evacuation_order"]
    assert claims and all(c.claimant == "Israeli military" for c in claims)


def test_a_toll_after_an_order_clause_belongs_to_the_strikes() -> None:
    text = (
        "Warplanes struck several buildings in Nabatieh, hours after the Israeli military told residents to "
        "leave. The Lebanese health ministry said six people were killed."
    )
    claims = geo.parse(text, published="2024-10-16", source="Live blog")
    strike = next(c for c in claims if c.event_type == "airstrike")
    assert strike.claimant == "Lebanese health ministry" and strike.fatalities is not None
    order = [c for c in claims if c.event_type == "evacuation_order"]
    assert order and all(c.claimant == "Israeli military" and c.fatalities is None for c in order)


def test_a_later_tellers_other_fact_does_not_tell_the_event() -> None:
    text = (
        "Since 3 May, Israeli forces have been carrying out an operation in Tulkarm camp and Nur Shams camp. "
        "According to UNRWA, some 9,000 people have left the two camps."
    )
    claims = geo.parse(text, published="2025-05-10", source="UN OCHA")
    assert claims and all(c.claimant == "UN OCHA" for c in claims)


def test_a_later_tellers_words_about_the_victims_or_attacker_tell_the_event() -> None:
    text = (
        "Two people were wounded in a stabbing attack near the Damascus Gate on Sunday. "
        "According to the police, the assailant fled on foot towards the Old City."
    )
    claims = geo.parse(text, published="2025-02-17", source="Ynet")
    assert claims and all(c.claimant == "Israeli police" for c in claims)
    text = "פיגוע דקירה בצומת גוש עציון: שני בני אדם נפצעו. לפי המשטרה, המחבל נוטרל בידי לוחם."
    claims = geo.parse(text, published="2025-02-17", source="Ynet")
    assert claims and all(c.claimant == "Israeli police" for c in claims)


def test_a_teller_after_a_semicolon_tells_only_its_own_clause() -> None:
    text = (
        "On 9 May 2025, Israeli forces stormed Askar camp (Nablus) and detained 4 men; near the camp entrance a "
        "teenager was shot in the leg, according to the Palestinian Red Crescent."
    )
    claims = geo.parse(text, published="2025-05-11", source="ACLED-style notes")
    by_type = {c.event_type: c.claimant for c in claims}
    assert by_type.get("ground_operation") == "ACLED-style notes"
    assert by_type.get("shooting") == "Palestinian Red Crescent"


def test_as_reported_by_names_the_teller() -> None:
    text = "On 12 May 2025, Israeli forces demolished a shop in Issawiya, as reported by the Jerusalem governorate."
    claims = geo.parse(text, published="2025-05-13", source="ACLED-style notes")
    assert claims and all((c.claimant or "").lower() == "jerusalem governorate" for c in claims)


def test_a_joint_attribution_is_one_claim_per_teller() -> None:
    text = "Settlers torched a barn in Burqa on Friday night, Palestinian residents and the Red Crescent said."
    claims = geo.parse(text, published="2025-06-07", source="Wire")
    assert sorted(c.claimant or "" for c in claims) == ["Palestinian Red Crescent", "residents"]
    assert all("told jointly" in (c.notes or "") for c in claims)
    assert len({(c.event_type, c.place_name, c.valid_from) for c in claims}) == 1


def test_a_counting_bodys_word_on_the_casualties_is_its_own_claim_at_the_event() -> None:
    text = (
        "A man opened fire at a bus stop in Ra'anana on Sunday morning, police said. Magen David Adom said "
        "the wounded, two women in their twenties, were taken to Meir Medical Center in Kfar Saba."
    )
    claims = geo.parse(text, published="2025-03-10", source="Times of Israel")
    tellers = {c.claimant: c for c in claims}
    assert set(tellers) >= {"Israeli police", "Magen David Adom"}
    assert tellers["Magen David Adom"].place_name == tellers["Israeli police"].place_name
    text = 'מחבל פתח באש לעבר רכב סמוך לצומת הגוש, כך מסרו בצה"ל. לפי מד"א, צעיר כבן 20 נפצע באורח קל.'
    assert {c.claimant for c in geo.parse(text, published="2025-03-10", source="Ynet")} >= {
        "Israeli military",
        "Magen David Adom",
    }


def test_an_agreeing_bodys_word_with_no_casualties_adds_no_claim() -> None:
    text = (
        "Israeli jets struck two houses in Bani Suheila on Monday, killing nine, medics said. "
        "The civil defence said its crews were still digging through the rubble."
    )
    claims = geo.parse(text, published="2025-03-11", source="Wire")
    assert [c.claimant for c in claims] == ["medics"]


def test_the_other_sides_word_does_not_become_the_events_teller() -> None:
    text = (
        "أعلنت سرايا القدس أن مقاتليها قصفوا موقعا عسكريا شرق مخيم البريج. كما قصفت السرايا تجمعا للجنود قرب المغازي. "
        "في المقابل، قال جيش الاحتلال إن قواته قتلت عددا من المسلحين خلال اليوم."
    )
    claims = geo.parse(text, published="2025-04-08", source="وكالة")
    maghazi = [c for c in claims if c.place_name and "Maghazi" in c.place_name]
    assert maghazi and all(c.claimant == "Palestinian Islamic Jihad" for c in maghazi)


def test_hebrew_and_according_to_names_the_teller() -> None:
    text = 'הבוקר תקף צה"ל בצור, ולפי משרד הבריאות הלבנוני נהרגו שלושה בני אדם.'
    claims = geo.parse(text, published="2024-11-25", source="Walla")
    assert claims and all(c.claimant == "Lebanese health ministry" for c in claims)
