"""Tellers named in Arabic, Hebrew and English map to one canonical name each (issue 12):
phrases written for sitmap, not taken from any report."""

from __future__ import annotations

import pytest

from geo.claimants import canonical_claimant, find_claimant
from geo.sentences import split_sentences


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("הסהר האדום הפלסטיני", "Palestinian Red Crescent"),
        ("אגודת הסהר האדום", "Palestinian Red Crescent"),
        ("جمعية الهلال الأحمر الفلسطيني", "Palestinian Red Crescent"),
        ("نادي الأسير الفلسطيني", "Palestinian Prisoners' Society"),
        ("מועדון האסיר", "Palestinian Prisoners' Society"),
        ("the Palestinian Prisoners' Club", "Palestinian Prisoners' Society"),
        ("المكتب الإعلامي الحكومي في غزة", "Gaza government media office"),
        ("the Lebanese army", "Lebanese army"),
        ("الجيش اللبناني", "Lebanese army"),
        ("הצבא הלבנוני", "Lebanese army"),
        ("Lebanon's state-run National News Agency", "National News Agency"),
        ("الوكالة الوطنية للإعلام", "National News Agency"),
        ("דיווחים פלסטיניים", "Palestinian media"),
        ("Palestinian media reports", "Palestinian media"),
        ("مصادر أمنية فلسطينية", "Palestinian security sources"),
    ],
)
def test_a_teller_in_any_language_has_its_canonical_name(phrase: str, name: str) -> None:
    assert canonical_claimant(phrase) == name


def test_tellers_found_in_sentences_of_three_languages() -> None:
    c = find_claimant("وأفاد نادي الأسير بأن قوات الاحتلال اعتقلت 15 مواطنا من محافظة نابلس الليلة الماضية.")
    assert c is not None and c.name == "Palestinian Prisoners' Society"
    c = find_claimant("في المقابل، زعم جيش الاحتلال أنه استهدف خلية مسلحة قرب الموقع.")
    assert c is not None and c.name == "Israeli military"
    c = find_claimant('לפי דיווחים פלסטיניים, כוחות צה"ל פשטו הלילה על טובאס.')
    assert c is not None and c.name == "Palestinian media"
    c = find_claimant("Two shepherds were wounded by Israeli fire near Kfar Chouba, the Lebanese army said.")
    assert c is not None and c.name == "Lebanese army"


def test_a_blank_line_ends_a_sentence_even_before_a_time_stamp() -> None:
    text = (
        "09:10 GMT - Medics say a drone struck a car in Rafah, killing two.\n\n09:40 GMT - The army says it hit a cell."
    )
    parts = split_sentences(text)
    assert [p.paragraph for p in parts] == [0, 1]
    assert parts[1].text.startswith("09:40 GMT")


def test_a_bare_health_ministry_of_a_west_bank_event_is_ramallahs() -> None:
    import geo

    [c] = geo.parse(
        "A 17-year-old was shot dead by Israeli troops in Qalqilya on Monday, the health ministry said.",
        published="2025-05-13",
        source="Wire",
    )
    assert c.claimant == "Palestinian health ministry" and "named without its seat" in (c.notes or "")
    [c] = geo.parse(
        "قالت وزارة الصحة إن شابا استشهد برصاص الاحتلال في مخيم بلاطة صباح اليوم.",
        published="2025-05-13",
        source="وكالة",
    )
    assert c.claimant == "Palestinian health ministry"
    [c] = geo.parse(
        "An air strike hit a house in Bureij camp on Monday, the health ministry said.", published="2025-05-13"
    )
    assert c.claimant == "Gaza health ministry"


def test_the_village_council_is_named_after_its_village() -> None:
    import geo

    claims = geo.parse(
        "هاجم مستوطنون أطراف قرية المغير شرق رام الله فجر اليوم وأحرقوا خيمة زراعية، بحسب مجلس القرية.",
        published="2025-04-02",
        source="وكالة",
    )
    assert claims and all(c.claimant and c.claimant.endswith(" village council") for c in claims)
    assert any("Mughayyir" in (c.claimant or "") for c in claims)


def test_a_hebrew_prefix_that_swallows_the_article_still_names_the_teller() -> None:
    assert canonical_claimant("במשטרה") == "Israeli police"


def test_a_bare_noun_stands_for_the_body_named_before_it() -> None:
    import geo

    text = (
        "Nine people were killed in Bureij camp overnight, according to the civil defence. "
        "The agency said its crews were shot at near Al-Awda hospital in Nuseirat."
    )
    claims = geo.parse(text, published="2024-10-20", source="Live blog")
    assert claims and all(c.claimant == "Gaza civil defence" for c in claims)
    c = find_claimant("وأفادت وكالة الأونروا بأن مدرسة تابعة لها في مخيم جباليا تعرضت للقصف.")
    assert c is not None and c.name == "UNRWA"


def test_a_line_headed_by_its_teller_is_that_tellers() -> None:
    import geo

    claims = geo.parse(
        "مباشر\n- كتائب القسام: استهدفنا دبابة ميركافا شرق حي الزيتون بقذيفة.\n"
        "- الدفاع المدني: انتشلنا 4 شهداء من منزل قصف في مخيم الشاطئ.",
        published="2024-06-01",
        source="قناة",
    )
    tellers = {c.claimant for c in claims}
    assert "Gaza civil defence" in tellers and "قناة" not in tellers
    c = find_claimant("מועצה אזורית שומרון: אבנים יודו הערב לעבר אוטובוס סמוך לחווארה")
    assert c is not None and c.name == "Samaria Regional Council"
    c = find_claimant("11:05 GMT - Magen David Adom: two lightly hurt by shrapnel in Ashdod")
    assert c is not None and c.name == "Magen David Adom"
    assert find_claimant("Breaking: strikes reported in Rafah") is None


def test_hebrew_and_arabic_verbs_after_the_teller() -> None:
    c = find_claimant("פיקוד העורף דיווח על נפילה בשטח פתוח סמוך לאופקים.")
    assert c is not None and c.name == "Home Front Command"
    c = find_claimant("جيش الاحتلال يعلن إصابة جنديين في اشتباك شمال القطاع.")
    assert c is not None and c.name == "Israeli military"


def test_arabic_verb_first_teller_without_an_inna() -> None:
    c = find_claimant("أعلن جيش الاحتلال صباح اليوم سيطرته على محور فيلادلفيا جنوب القطاع.")
    assert c is not None and c.name == "Israeli military"
    c = find_claimant("وأعلنت سرايا القدس، الجناح العسكري لحركة الجهاد الإسلامي، أن مقاتليها قصفوا مستوطنة نير عام.")
    assert c is not None and c.name == "Palestinian Islamic Jihad"


def test_arabic_wafq_ma_afadat_keeps_only_the_tellers_name() -> None:
    c = find_claimant("وقصفت طائرات الاحتلال منزلا في مخيم المغازي، وفق ما أفادت مصادر محلية.")
    # named "local sources", and as written in a report whose source is named in Arabic (geo.assembly)
    assert c is not None and c.name == "local sources" and c.text == "مصادر محلية"
    c = find_claimant("واستشهد شابان في جنين، بحسب ما ذكرته وزارة الصحة.")
    assert c is not None and c.name == "Gaza health ministry"  # re-seated by the event's place when a claim is built


def test_lebanese_state_media_is_the_national_news_agency() -> None:
    assert canonical_claimant("Lebanese state media") == "National News Agency"
    assert canonical_claimant("Lebanon's official news agency") == "National News Agency"


def test_a_student_named_against_the_armys_gunman_is_a_dispute() -> None:
    import geo

    text = (
        "The army said troops killed a gunman in Qabatiya on Sunday. "
        "Palestinian health officials said the man was a 17-year-old student."
    )
    claims = geo.parse(text, published="2024-10-15", source="Wire")
    assert {c.claimant for c in claims} == {"Israeli military", "Palestinian health ministry"}
    assert all(c.status == "disputed" for c in claims)


def test_whom_a_teller_tells_is_not_the_teller() -> None:
    import geo

    text = (
        "Settlers uprooted olive trees in Burin on Sunday, the head of the village council, Ghassan Najjar, told WAFA."
    )
    claims = geo.parse(text, published="2024-10-21", source="Wire")
    assert claims and all(c.claimant == "Burin village council" for c in claims)
    c = find_claimant("Naval boats fired at fishing boats off Deir al-Balah, the fishermen's union said.")
    assert c is not None and c.name == "Fishermen's union"


def test_a_headline_teller_in_any_case_resolves_the_bare_noun_after_it() -> None:
    import geo

    text = "09:15 - Health ministry: 18 killed in Khan Younis\nThe ministry says 18 people were killed overnight."
    claims = geo.parse(text, published="2024-07-05", source="Live blog")
    assert claims and all(c.claimant == "Gaza health ministry" for c in claims)


def test_the_source_quoted_is_the_teller_and_a_connective_is_not_a_name() -> None:
    c = find_claimant("ونقلت وكالة وفا عن مصادر محلية أن قوات الاحتلال اقتحمت بلدة عزون فجر اليوم.")
    assert c is not None and c.name == "local sources" and c.text == "مصادر محلية"
    c = find_claimant("نقلا عن مصادر طبية، استشهد ثلاثة مواطنين في قصف على جباليا.")
    assert c is not None and c.name == "medics"
    c = find_claimant("ואולם בחיזבאללה הכחישו כי ירו לעבר מטולה.")
    assert c is not None and c.name == "Hezbollah"
