"""Which place of a sentence is where its event happened (issue 12, located-claim precision).

A place a sentence names is not always where its event was: the hospital the wounded were
taken to, an attacker's home town, the border a town lies on, the town a road runs through, the
district a sentence opens with, a landmark's reference town ("north of X"), the event an attack
answers ("in retaliation for ..."), mediators of talks, a wire dateline with a numeric date, an
evacuation's destination, organisation names that end with a place. Each case below is told in
a few voices (wire, ACLED note, OCHA, Israeli and Palestinian outlets, Arabic, Hebrew); the
texts were written for this test.
"""

from __future__ import annotations

import pytest

from geo.parser import parse


def _located(text: str) -> set[str]:
    """The place_text of every located claim of ``text``."""
    return {c.place_text or "" for c in parse(text, published="2024-05-14", source="Wire") if c.geometry is not None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the hospital the wounded were brought to
        (
            "Two men were shot by settlers near Qaryut on Friday and were later rushed to Rafidia hospital "
            "in Nablus, the Red Crescent said.",
            {"Qaryut"},
        ),
        (
            "On 3 May 2024, Israeli forces shot and injured a Palestinian near the entrance of Azzun "
            "(Qalqilya); he was transferred to a hospital in Qalqilya city.",
            {"Azzun"},
        ),
        (
            "A rocket hit a house in Kiryat Shmona on Monday; a woman was hurt and evacuated to Ziv Medical "
            "Center in Safed, Magen David Adom said.",
            {"Kiryat Shmona"},
        ),
        ("أصيب شاب برصاص الاحتلال في بلدة بيتا، ونقل إلى مستشفى رفيديا في نابلس لتلقي العلاج.", {"بلدة بيتا"}),
        # an attacker's home town
        (
            "Police said the attacker, a 23-year-old from the village of Beit Ummar, stabbed a guard at the "
            "entrance to Efrat on Sunday.",
            {"Efrat"},
        ),
        ('מחבל, תושב הכפר בית אומר, פתח באש לעבר רכב ליד אריאל, כך מסר צה"ל.', {"אריאל"}),
        # the border a town lies on
        ("An anti-tank missile hit a house in Metula, on the Lebanon border, the army said.", {"Metula"}),
        ('רקטה נפלה בשטח פתוח ליד שדרות, סמוך לגבול רצועת עזה, כך נמסר מצה"ל.', {"שדרות"}),
        # a district named first, the finer place after it
        ("In Nablus, settlers set fire to two cars in the village of Huwara overnight, WAFA reported.", {"Huwara"}),
        ("وفي جنين، أصيب شاب برصاص الاحتلال في بلدة قباطية.", {"قباطية"}),
        # a reference town of a landmark or of the only place named
        (
            "A man was shot dead by troops at the Qalandiya checkpoint north of Jerusalem on Tuesday.",
            {"Qalandiya checkpoint"},
        ),
        ("اعتقلت قوات الاحتلال ثلاثة شبان من بلدة عزون شرق قلقيلية.", {"عزون"}),
        # an Arabic dateline with a numeric date
        ("نابلس 3-5-2024 وفا- هاجم مستعمرون قرية قريوت وأحرقوا مركبتين.", {"قريوت"}),
        # a long road's stretch inside a town
        ("Tanks shelled cars on Salah al-Din Road in Khan Younis on Sunday, witnesses said.", {"Khan Younis"}),
        ("A drone fired at people on al-Rashid road in Nuseirat on Sunday, medics said.", {"Nuseirat"}),
        # a rocket that fell inside the wide area it was launched in
        ("The army said a rocket launched from Beit Hanoun fell inside the Gaza Strip on Sunday.", {"Beit Hanoun"}),
        ('לפי צה"ל, רקטה ששוגרה מבית חאנון נפלה בשטח הרצועה.', {"בית חאנון"}),
        # the event an attack answers
        (
            "Islamic Jihad said it fired rockets at Sderot in retaliation for the killing of its commander in Jenin.",
            {"Sderot"},
        ),
        # ... and an organisation named with a place ("سرايا القدس", al-Quds Brigades)
        ("وقالت سرايا القدس إنها قصفت مستوطنة سديروت برشقة صاروخية ردا على اغتيال قائدها في جنين.", {"سديروت"}),
        ("مراسل الجزيرة: شهداء في قصف إسرائيلي على منزل في مخيم البريج.", {"مخيم البريج"}),
        # mediators are not where talks are held; a venue is
        ("Talks brokered by Egypt and Qatar remain frozen, a Hamas official said.", set()),
        ("Negotiators from Qatar and Egypt are due to meet the two sides again next week.", set()),
        ("Ceasefire talks resumed in Cairo on Sunday with mediators from Qatar and the United States.", {"Cairo"}),
    ],
)
def test_the_event_is_at_the_place_where_it_happened(text: str, expected: set[str]) -> None:
    assert _located(text) == expected


def test_an_arabic_evacuation_destination_is_not_ordered_out() -> None:
    text = "أمر جيش الاحتلال سكان بلدة بني سهيلا بالإخلاء الفوري والتوجه نحو منطقة المواصي."
    claims = [c for c in parse(text, published="2024-05-14", source="WAFA") if c.geometry is not None]
    assert [c.event_type for c in claims] == ["evacuation_order"]
    assert {c.place_text for c in claims} == {"بني سهيلا"}


def test_a_hospital_struck_is_still_the_event_place() -> None:
    """Only movement to a hospital makes it a destination: a hospital hit is where the event was."""
    assert _located("An Israeli strike hit the courtyard of a hospital in Khan Younis on Sunday, medics said.") == {
        "Khan Younis"
    }


def test_a_home_town_alone_still_places_the_event() -> None:
    """With nothing else named, the home town is the only clue and is kept (last resort)."""
    assert _located("Troops shot dead a 19-year-old from Tammun on Sunday, the health ministry said.") == {"Tammun"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "An air strike flattened a house in Beit Lahia on Sunday, killing six people, medics said. "
            "The wounded were rushed to al-Awda hospital in Jabalia.",
            {"Beit Lahia"},
        ),
        (
            "قصفت طائرات الاحتلال منزلا في بلدة بني سهيلا فجر الأحد، ما أدى إلى استشهاد خمسة مواطنين. "
            "ونقلت جثامين الشهداء إلى مستشفى ناصر في خان يونس.",
            {"بني سهيلا"},
        ),
        ('רקטה פגעה בבית בשדרות ביום ראשון, כך מסר צה"ל. שני פצועים פונו לבית החולים ברזילי באשקלון.', {"שדרות"}),
        (
            "Settlers attacked the village of Sinjil on Sunday, residents said; one man was beaten and taken "
            "to a hospital in Ramallah.",
            {"Sinjil"},
        ),
    ],
)
def test_a_sentence_that_only_brings_the_wounded_to_hospital_adds_no_place(text: str, expected: set[str]) -> None:
    """A destination is an event's place of last resort only in the sentence that tells the event."""
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Two killed in Jenin raid\nThe health ministry says two men were killed by Israeli fire during a raid on "
            "the town of Qabatiya, south of Jenin, early on Sunday.\n\nWelcome\nHello and welcome to our coverage.",
            {"Qabatiya"},
        ),
        (
            "11:05 GMT - Strike reported in Khan Younis\nCivil defence crews say an Israeli strike hit a tent in "
            "al-Mawasi, west of Khan Younis, killing two.",
            {"al-Mawasi"},
        ),
        (
            "قصف إسرائيلي على رفح\nأفاد مراسلنا بأن طائرة مسيرة استهدفت منزلا في حي تل السلطان غرب رفح صباح اليوم.",
            {"تل السلطان"},
        ),
        ('ירי לעבר רכב בשומרון\nמחבל פתח באש לעבר רכב ישראלי סמוך לחווארה, כך מסר צה"ל.', {"חווארה"}),
        # a headline whose body tells nothing is still a claim
        ("Strike hits Rafah school\n\nCeasefire talks remain stalled.", {"Rafah"}),
    ],
)
def test_a_headline_over_its_body_is_no_claim_of_its_own(text: str, expected: set[str]) -> None:
    """A live blog's entry headline is restated by its body, with the body's teller and exact place."""
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a destination comes after the place the sentence before told
        (
            "Settlers stormed the village of Qusra on Sunday, residents said. They also beat a farmer, who was "
            "taken to a hospital in Nablus.",
            {"Qusra"},
        ),
        # a container with a direction after a list of places
        (
            "The army ordered residents of Bani Suheila and Khuza'a in eastern Khan Younis to leave on Sunday.",
            {"Bani Suheila", "Khuza'a"},
        ),
        # orders issued for a place: the place ordered out, not a destination
        (
            "Tanks pushed into Jabalia on Sunday, OCHA said, and evacuation orders were issued for Beit Lahia.",
            {"Jabalia", "Beit Lahia"},
        ),
    ],
)
def test_the_place_of_an_order_or_an_attack_told_with_a_destination(text: str, expected: set[str]) -> None:
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A gunman opened fire at soldiers waiting at Gome junction near Kiryat Shmona on Sunday, police said.",
            {"Gome junction"},
        ),
        ('ירי לעבר רכב בצומת גומא, סמוך לקריית שמונה; אין נפגעים, כך מסר צה"ל.', {"צומת גומא"}),
    ],
)
def test_a_site_near_a_town_is_the_place(text: str, expected: set[str]) -> None:
    """ "Near X" after a junction or crossing that lies in X's surroundings only says where the site is."""
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A shooting attack on a car in the northern West Bank on Sunday wounded two Israelis, the army said.\n\n"
            "The army said a gunman fired at the vehicle on the road outside Qusra and fled.",
            {"Qusra"},
        ),
        (
            "An Israeli drone strike in southern Lebanon killed two people on Sunday, the Lebanese health ministry "
            "said.\n\nThe Lebanese health ministry said the drone hit a car on the outskirts of Bint Jbeil.",
            {"Bint Jbeil"},
        ),
        # one of a lede's joint tellers telling it again
        (
            "A stabbing attack at a bus stop in southern Israel on Sunday wounded two people, police and medics "
            "said.\n\nPolice said the attacker stabbed two women at a bus stop in Beersheba before he was shot.",
            {"Beersheba"},
        ),
        # a lede that tallies several events keeps its own claim beside each one told after it
        (
            "Israeli strikes across southern Gaza killed 30 people on Sunday, medics said.\n\n"
            "In Khan Younis, a strike on a house killed seven, the civil defence said.",
            {"southern Gaza", "Khan Younis"},
        ),
    ],
)
def test_a_lede_told_again_at_its_town_is_one_claim(text: str, expected: set[str]) -> None:
    """One event placed in a region by the lede and in a town further down is one claim, at the town."""
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # where the dead were mourned, not where they were killed
        (
            "Thousands attended the funeral in Jenin on Monday of three men killed in an Israeli strike in Tubas "
            "on Sunday.",
            {"Tubas"},
        ),
        (
            "Mourners in Nablus buried a 17-year-old from Balata camp who was shot dead by troops in Huwara on Sunday.",
            {"Huwara"},
        ),
        ("شيع المواطنون في جنين جثامين ثلاثة شهداء ارتقوا في قصف إسرائيلي على طوباس أمس.", {"طوباس"}),
        # what talks are about, not where they are held; a venue reached is where they are
        ("Blinken arrived in Cairo on Monday for talks on a Gaza ceasefire.", {"Cairo"}),
    ],
)
def test_mourning_and_the_subject_of_talks_are_not_event_places(text: str, expected: set[str]) -> None:
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("هاجم مستوطنون بلدة بيت أمر بمحافظة الخليل يوم الاثنين.", {"بيت أمر"}),
        ("اقتحمت قوات الاحتلال بلدة قباطية في محافظة جنين.", {"قباطية"}),
        ("מחבל פתח באש בכפר בית אומר שבנפת חברון.", {"בית אומר"}),
        ("Israeli jets struck Bint Jbeil, in the Nabatieh governorate, on Monday.", {"Bint Jbeil"}),
        ("غارة إسرائيلية على بلدة الخيام في قضاء مرجعيون.", {"الخيام"}),
    ],
)
def test_a_town_and_its_governorate_are_one_claim_at_the_town(text: str, expected: set[str]) -> None:
    """The governorate or district a town is told in is its admin context, not a second event place."""
    assert _located(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a person's past deed says who they are, not where this event was
        (
            "The army said the strike in Deir al-Balah on Monday targeted a Hamas commander who took part in the "
            "October 7 attack on Kibbutz Be'eri.",
            {"Deir al-Balah"},
        ),
        # a launch area named as "the area of X" is the rocket's origin; it fell where it fell
        (
            "A rocket launched from the area of Khan Younis fell in an open field near Kissufim on Monday, the "
            "army said.",
            {"Kissufim"},
        ),
    ],
)
def test_a_past_deed_and_a_launch_area_are_not_event_places(text: str, expected: set[str]) -> None:
    assert _located(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Defence Minister Katz threatened to flatten Dahiyeh if rocket fire on Kiryat Shmona continued.",
        "هدد المتحدث باسم الحوثيين بقصف إيلات إذا استمر العدوان على غزة.",
        "נסראללה איים לתקוף את חיפה אם ישראל תמשיך בתקיפות בביירות.",
    ],
)
def test_a_threat_places_no_event(text: str) -> None:
    """What a party threatens to strike, and the condition it names, is not where anything happened."""
    assert _located(text) == set()


def test_an_evacuation_order_keeps_the_area_where_the_army_will_operate() -> None:
    assert _located(
        "The army told residents of Beit Lahia to leave, saying it will operate forcefully in Beit Lahia."
    ) == {"Beit Lahia"}


def test_a_month_named_may_is_no_hedge() -> None:
    assert _located("On 14 May, air strikes were reported on tents in Rafah, OCHA said.") == {"Rafah"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Settlers attacked farmers in Beita near Nablus on Monday, WAFA said.", {"Beita"}),
        ("هاجم مستوطنون مزارعين في بلدة بيتا قرب نابلس.", {"بلدة بيتا"}),
        ("Troops raided Beit Ummar, near Hebron, on Monday.", {"Beit Ummar"}),
        ("מתנחלים תקפו חקלאים בכפר ביתא ליד שכם.", {"ביתא"}),
    ],
)
def test_a_village_near_a_city_is_one_claim_at_the_village(text: str, expected: set[str]) -> None:
    """'X near Y', with Y the larger town a few kilometres off, tells where X is: one claim, at X."""
    assert _located(text) == expected
