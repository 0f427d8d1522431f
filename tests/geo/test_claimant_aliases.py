"""Tellers written by another of their names (an armed wing, a rights group's name in Hebrew or
Arabic, a spokesman's surname) are named canonically, and the words around an Arabic speech verb
(a place, a time, "in a statement") are never taken for its teller (issue 12). Sentences written
for sitmap, not taken from any report."""

from __future__ import annotations

import pytest

import geo
from geo.claimants import canonical_claimant, find_claimant


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        # armed wings and their own names for themselves
        ("Saraya al-Quds", "Palestinian Islamic Jihad"),
        ("the al-Quds Brigades", "Palestinian Islamic Jihad"),
        ("סראיא אל-קודס", "Palestinian Islamic Jihad"),
        ("the Islamic Resistance in Lebanon", "Hezbollah"),
        ("المقاومة الإسلامية في لبنان", "Hezbollah"),
        ("the Izz ad-Din al-Qassam Brigades", "Hamas"),
        ("حركة المقاومة الإسلامية", "Hamas"),
        ("the Islamic Resistance Movement", "Hamas"),
        ("הזרוע הצבאית של חמאס", "Hamas"),
        ("جماعة الحوثي", "Houthis"),
        # a spokesman known by name
        ("المتحدث أفيخاي أدرعي", "Israeli military"),
        # rights groups and aid agencies, in three languages
        ("ארגון יש דין", "Yesh Din"),
        ("منظمة بتسيلم", "B'Tselem"),
        ("accounts gathered by a B'Tselem fieldworker", "B'Tselem"),
        ("Doctors Without Borders", "MSF"),
        ("أطباء بلا حدود", "MSF"),
        ("the Norwegian Refugee Council", "NRC"),
        ("المركز الفلسطيني لحقوق الإنسان", "PCHR"),
        ("סוכנות הידיעות הפלסטינית", "WAFA"),
        ("وزارة الصحة العامة", "Lebanese health ministry"),
    ],
)
def test_another_name_of_a_teller_is_its_canonical_name(phrase: str, name: str) -> None:
    assert canonical_claimant(phrase) == name


def test_the_islamic_resistance_of_iraq_is_not_hezbollah() -> None:
    assert canonical_claimant("the Islamic Resistance in Iraq") != "Hezbollah"


def test_where_and_when_a_statement_was_made_is_not_its_teller() -> None:
    # "the army had claimed in a statement on Sunday evening that it hit a cell": the teller is before the verb
    c = find_claimant("وكان جيش الاحتلال قد ادعى في بيان مساء الأحد أنه استهدف خلية قرب بلدة يارون.")
    assert c is not None and c.name == "Israeli military"
    c = find_claimant("وكانت الحركة قد أعلنت صباح أمس أنها قصفت موقعا عسكريا.")
    assert c is None or c.name not in ("صباح أمس", "أمس")


def test_a_word_that_starts_with_an_is_not_the_word_that() -> None:
    # "أنقاض" (rubble) starts with the letters of "أن" (that): the speech verb's content has not begun
    c = find_claimant("وكان الدفاع المدني قد أعلن الليلة الماضية انتشال ثلاثة جرحى من تحت أنقاض منزل في جباليا.")
    assert c is not None and c.name == "Gaza civil defence"


def test_an_arabic_teller_whose_centre_belongs_to_a_ministry() -> None:
    c = find_claimant("أصيب مواطنان بغارة على أطراف بلدة يارون، بحسب ما أعلن مركز الطوارئ التابع لوزارة الصحة العامة.")
    assert c is not None and c.name == "Lebanese health ministry"


def test_an_armed_group_publishing_under_its_wing_name_is_the_group() -> None:
    claims = geo.parse(
        "Our fighters targeted an Israeli tank with a Tandem shell east of Khan Younis on Monday.",
        published="2024-07-02",
        source="al-Quds Brigades",
    )
    assert claims and {c.claimant for c in claims} == {"Palestinian Islamic Jihad"}


def test_a_bare_council_is_the_council_of_the_place_it_speaks_of() -> None:
    [c] = geo.parse(
        "A rocket hit a warehouse in Kiryat Shmona on Thursday, the municipality said.",
        published="2024-06-14",
        source="Example Wire",
    )
    assert c.claimant == "Kiryat Shmona municipality"
    [c] = geo.parse(
        "Shrapnel from an interceptor hit a roof in Metula on Thursday, according to the local council.",
        published="2024-06-14",
        source="Example Wire",
    )
    assert c.claimant == "Metula local council"
    [c] = geo.parse(
        "On 3 May, Israeli forces demolished two homes in Tammun, according to the Tammun municipality.",
        published="2025-05-05",
        source="Example Wire",
    )
    assert c.claimant == "Tammun municipality"


def test_a_bare_health_ministry_of_an_event_in_lebanon_is_lebanons() -> None:
    [c] = geo.parse(
        "An Israeli drone strike on a car near Nabatieh killed two men on Friday, the health ministry said.",
        published="2024-10-05",
        source="Example Wire",
    )
    assert c.claimant == "Lebanese health ministry"


def test_a_council_written_with_its_town_keeps_it() -> None:
    [c] = geo.parse(
        "On 2 March 2025, settlers uprooted 40 olive trees near Aqraba, according to the Beit Furik village council.",
        published="2025-03-04",
        source="Example Wire",
    )
    assert c.claimant == "Beit Furik village council"


def test_a_hebrew_speech_verb_is_a_word_of_its_own() -> None:
    # "הדיווח נבדק" (the report is being checked): the noun "הדיווח" holds the verb "דיווח" but is none
    c = find_claimant("במשטרה מסרו כי הדיווח נבדק וכי חוקרים הגיעו למקום.")
    assert c is not None and c.name == "Israeli police"


def test_a_hebrew_teller_after_its_verb() -> None:
    c = find_claimant('זמן קצר לאחר מכן הודיעה הזרוע הצבאית של חמאס כי ירתה פצמ"רים לעבר כיסופים.')
    assert c is not None and c.name == "Hamas"
    c = find_claimant("שריפה פרצה בשטח פתוח ליד צפת, מסרו בכבאות והצלה.")
    assert c is not None and c.name == "Israel Fire and Rescue Services"
    c = find_claimant("הג'יהאד האסלאמי נטל אחריות וטען כי שיגר את הרקטות.")
    assert c is not None and c.name == "Palestinian Islamic Jihad"


def test_a_body_before_its_description_tells_the_sentence() -> None:
    c = find_claimant("A shell hit a school yard in Bureij on Friday, Al-Haq, a Ramallah-based rights group, said.")
    assert c is not None and c.name == "Al-Haq"
    c = find_claimant(
        "Two tents burned in al-Mawasi overnight, the Norwegian Refugee Council, which runs the site, said."
    )
    assert c is not None and c.name == "NRC"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("On 3 June, new displacement orders were issued for parts of Bani Suheila.", "UN OCHA"),
        ("Residents of Beit Hanoun were ordered to leave for shelters in Gaza City on Tuesday.", "Save the Children"),
        ("وصدرت أوامر إخلاء جديدة لسكان حي الشجاعية صباح اليوم.", "شبكة محلية"),
    ],
)
def test_an_order_that_names_no_issuer_is_the_armys_not_the_relaying_outlets(text: str, source: str) -> None:
    claims = [c for c in geo.parse(text, published="2025-06-03", source=source) if c.event_type == "evacuation_order"]
    assert claims and {c.claimant for c in claims} == {"Israeli military"}
    assert all("no issuer named" in (c.notes or "") for c in claims)


def test_an_order_relayed_with_its_teller_stays_the_tellers() -> None:
    claims = geo.parse(
        "On 3 June, the army ordered residents of Bani Suheila to move west, OCHA said.",
        published="2025-06-04",
        source="Example Wire",
    )
    assert {c.claimant for c in claims if c.event_type == "evacuation_order"} == {"UN OCHA"}


def test_an_order_in_the_issuers_own_update_is_the_issuers() -> None:
    claims = geo.parse(
        "The humanitarian area in al-Mawasi has been expanded to the coast west of Deir al-Balah.",
        published="2024-12-02",
        source="COGAT",
    )
    assert claims and {c.claimant for c in claims} == {"COGAT"}


def test_local_sources_are_named_in_the_script_of_the_source() -> None:
    text = "وأفادت مصادر محلية بأن جرافات الاحتلال هدمت منزلا في بلدة عزون شرق قلقيلية صباح اليوم."
    [c] = geo.parse(text, published="2025-02-11", source="Maan News")
    assert c.claimant == "local sources"
    [c] = geo.parse(text, published="2025-02-11", source="شبكة أخبار محلية")
    assert c.claimant == "مصادر محلية"
    [c] = geo.parse(
        "Troops blew up a house in Azzun east of Qalqilya on Tuesday, Local Sources said.",
        published="2025-02-11",
        source="Example Wire",
    )
    assert c.claimant == "local sources"


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("محافظة القدس", "Jerusalem governorate"),
        ("the Jenin governorate", "Jenin governorate"),
        ("محافظة الخليل", "Hebron governorate"),
        ("the governorate of Tubas", "Tubas governorate"),
    ],
)
def test_a_governorate_that_tells_is_named_in_english(phrase: str, name: str) -> None:
    assert canonical_claimant(phrase) == name


def test_whom_a_teller_told_is_not_the_teller() -> None:
    c = find_claimant("Bulldozers tore up the camp's main road overnight, residents told the Middle East Eye.")
    assert c is not None and c.name == "residents"


def test_a_numbered_line_after_a_full_stop_is_an_item_of_its_own() -> None:
    from geo.sentences import split_sentences

    text = "1/ Nablus: raid on Balata camp at dawn, two arrested.\n2/ Jenin: a drone struck a car near the camp."
    parts = split_sentences(text)
    assert [p.text[:2] for p in parts] == ["1/", "2/"]
    assert [p.text for p in split_sentences("The toll rose to 12. 3 more died later.")] == [
        "The toll rose to 12. 3 more died later."
    ]


def test_an_and_inside_a_tellers_name_does_not_cut_it() -> None:
    c = find_claimant(
        "Settlers uprooted 60 olive saplings near Burin on Friday, the Colonization and Wall Resistance "
        "Commission said."
    )
    assert c is not None and c.name == "Colonisation and Wall Resistance Commission"
    # two tellers joined by "and" stay a joint claimant; a clause before "and" stays cut off
    c = find_claimant("Settlers burned two cars in Burin, WAFA and residents said.")
    assert c is not None and c.joint == ("WAFA", "residents")
    c = find_claimant("Tanks shelled Rafah overnight and the army said it had hit a launcher.")
    assert c is not None and c.name == "Israeli military"


def test_palestinian_security_forces_in_two_languages() -> None:
    c = find_claimant("وقال الناطق باسم الأجهزة الأمنية الفلسطينية إن الحملة في مخيم جنين مستمرة.")
    assert c is not None and c.name == "Palestinian security forces"
    assert canonical_claimant("PA security forces") == "Palestinian security forces"


def test_a_private_person_named_with_an_age_is_a_witness() -> None:
    c = find_claimant('"The whole street shook," said Samira Abu Ouda, 52, who shelters in a school in Maghazi.')
    assert c is not None and c.name == "witnesses" and c.text == "Samira Abu Ouda"
    c = find_claimant("A drone hit a motorbike outside Tammun, Yousef Daraghmeh, 29, told reporters.")
    assert c is not None and c.name == "witnesses"
    # an official named with a role keeps the name; a date's year is no age
    c = find_claimant("Strikes hit Rafah overnight, said Mahmoud Basal, spokesman of the civil defence.")
    assert c is not None and c.name == "Mahmoud Basal"
    c = find_claimant("Tanks shelled the camp on 12 May, 2024, residents said.")
    assert c is not None and c.name == "residents"


def test_the_witness_keeps_its_words_in_the_claims_notes() -> None:
    [c] = geo.parse(
        "A drone struck a tent in al-Mawasi on Friday night, killing two children, said Amal Qudeih, 38.",
        published="2025-07-12",
        source="Example Magazine",
    )
    assert c.claimant == "witnesses"
    assert "Amal Qudeih" in (c.notes or "")


def test_a_subject_commenting_on_its_own_act_tells_it() -> None:
    c = find_claimant(
        "On 4 March 2025, Hezbollah launched a drone at an army post near Shtula, calling it a reply to strikes "
        "on Aitaroun."
    )
    assert c is not None and c.name == "Hezbollah"
    c = find_claimant("Israeli troops demolished two homes in Silwan, saying they were built without permits.")
    assert c is not None and c.name == "Israeli military"
    # a subject that is no known teller is not made one
    assert find_claimant("Masked men set fire to a barn near Duma, calling it revenge.") is None
