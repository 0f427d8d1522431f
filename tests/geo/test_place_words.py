"""geo.mentions: how words around and inside a place name decide whether it is one (issue 12).

Vowelled Arabic words stay whole, everyday words that share a place's letters stay words, and a
name head ("Khirbet", "Deir", "خربة") before a known name makes a place the gazetteer lacks.
Sentences are written for these tests, in several voices.
"""

from __future__ import annotations

import pytest

from geo.resolve import mentions


def _found(text: str) -> list[tuple[str, str | None]]:
    return [(m.place_text, m.gazetteer_id) for m in mentions(text)]


@pytest.mark.parametrize(
    ("sentence", "place_text", "entry_id"),
    [
        # harakat inside a word: "قُصرة" is Qusra, not "ق" + Sarra
        ("أفاد رئيس مجلس قُصرة بأن مستوطنين أحرقوا غرفة زراعية", "قُصرة", "geonames:282283"),
        ("قصفت المدفعية أطراف خانْ يونُس الشرقية", "خانْ يونُس", "geonames:281124"),
    ],
)
def test_vowelled_arabic_words_stay_whole(sentence: str, place_text: str, entry_id: str) -> None:
    assert (place_text, entry_id) in _found(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "وزع الجيش خريطة إخلاء جديدة على سكان بني سهيلا",  # "new" map, not Ijdeedeh
        "أعلنت الوزارة عن حصيلة جديدة للضحايا في رفح",
        "התושבים יוכלו לחזור לבתיהם בבטחה בימים הקרובים",  # "safely", not the moshav Bitha
    ],
)
def test_everyday_words_are_not_places(sentence: str) -> None:
    ids = {gid for _, gid in _found(sentence)}
    assert "sitmap:jadida" not in ids
    assert not any(gid and gid.startswith("geonames:295398") for gid in ids)
    assert "geonames:283444" not in ids


def test_article_form_in_a_gaza_text_stays_the_quarter() -> None:
    assert ("حي الجديدة", "sitmap:jadida") in _found("تقدمت الدبابات نحو حي الجديدة شرق مدينة غزة")


@pytest.mark.parametrize(
    ("sentence", "absent", "kept"),
    [
        # "Tana" alone is a name of Antananarivo; "Khirbet Tana" is a West Bank hamlet
        (
            "Bulldozers flattened a sheep pen in Khirbet Tana near Beit Furik on Monday.",
            "geonames:1070940",
            "Beit Furik",
        ),
        ("Settlers torched a car in Deir Nidham, north of Ramallah.", None, "Ramallah"),
    ],
)
def test_a_name_head_before_a_known_name_makes_another_place(sentence: str, absent: str | None, kept: str) -> None:
    found = _found(sentence)
    if absent:
        assert absent not in {gid for _, gid in found}
    assert any(text == kept for text, _ in found)
    # the head word and the shorter name inside are never taken for a place on their own
    assert not any(text in ("Tana", "Nidham") for text, _ in found)


def test_heads_inside_known_names_are_untouched() -> None:
    found = dict(_found("Tanks pushed into Beit Lahia, Deir al-Balah and Tel al-Sultan overnight."))
    assert found["Beit Lahia"] == "geonames:281145"
    assert found["Deir al-Balah"] == "geonames:281141"


@pytest.mark.parametrize(
    ("sentence", "place_text", "entry_id"),
    [
        # after a word for a village: Hebrew transliteration of a name the gazetteer holds in Arabic
        ("מתנחלים עקרו עצי זית באדמות הכפר תורמוס עיא ביום שישי", "תורמוס עיא", "geonames:281560"),
        # a geresh letter marks an Arabic name
        ("כוחות הביטחון עצרו שני חשודים בסינג'יל הלילה", "סינג'יל", "geonames:281778"),
        # the article written "אל-": the span keeps it
        ("הכוח נכנס הבוקר אל אל-פונדוק שבשומרון", "אל-פונדוק", "geonames:285100"),
        # an ʿayn written as alef, and the article inside the name
        ("דווח על הרוגים בהפצצה באבסאן אל-כבירה שבדרום הרצועה", "אבסאן אל-כבירה", "geonames:281165"),
    ],
)
def test_hebrew_transliterations_of_arabic_names(sentence: str, place_text: str, entry_id: str) -> None:
    assert (place_text, entry_id) in _found(sentence)


def test_a_transliteration_named_once_is_a_name_everywhere_in_the_text() -> None:
    text = "תושבי הכפר תורמוס עיא דיווחו על תקיפה. בתורמוס עיא נשרפו שני רכבים."
    assert [p for p, gid in _found(text) if gid == "geonames:281560"] == ["תורמוס עיא", "תורמוס עיא"]


@pytest.mark.parametrize(
    "sentence",
    [
        # ordinary Hebrew words whose consonants could spell an Arabic village: no name context
        "הממשלה תדון מחר בתקציב הביטחון ובפנסיות של חיילי המילואים",
        "הוא סיפר לכתבנו שהמשפחה ברחה מהבית באמצע הלילה",
    ],
)
def test_hebrew_prose_is_no_transliterated_place(sentence: str) -> None:
    assert _found(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "place_text", "entry_id"),
    [
        # two West Bank villages named Burqa: the direction phrase after the name says which
        ("Settlers set fire to a barn in Burqa, east of Ramallah, before dawn.", "Burqa", "geonames:284197"),
        ("Troops searched homes in Burqa, northwest of Nablus, on Tuesday.", "Burqa", "geonames:284196"),
        ("اعتقل الجيش شابين من بلدة برقة شرق رام الله فجر اليوم", "برقة", "geonames:284197"),
    ],
)
def test_a_direction_phrase_after_a_name_picks_the_namesake_near_it(
    sentence: str, place_text: str, entry_id: str
) -> None:
    assert (place_text, entry_id) in _found(sentence)


def test_a_quarter_named_like_a_distant_town_stays_in_the_town_of_the_sentence() -> None:
    # "حي الصفا" in Beit Ummar is not the village Saffa west of Ramallah
    found = _found("داهمت القوات بلدة بيت أمر شمال الخليل وفتشت منازل في حي الصفا")
    assert ("الصفا", "geonames:282069") not in found
    assert any(text == "الصفا" for text, _ in found)


def test_a_quarter_word_leaves_known_quarters_alone() -> None:
    found = dict(_found("قصف مدفعي في خان يونس وغارة على حي الشيخ رضوان"))
    assert found["الشيخ رضوان"] == "sitmap:sheikh-radwan"


@pytest.mark.parametrize(
    ("sentence", "place_text", "entry_id"),
    [
        # a name alone, with no other place in the text: the place the press means by it
        ("Gunfire was heard near Naqoura before dawn.", "Naqoura", "geonames:278832"),
        ("Residents of Qana said two houses were flattened.", "Qana", "geonames:269355"),
        ("Police closed the main road through At-Tur after stones were thrown.", "At-Tur", "sitmap:at-tur"),
        # Hebrew and Arabic names of places added in December 2026
        ("דווח על פגיעה בבית בכפר בזוריה", "בזוריה", "sitmap:bazouriyeh"),
        ("אזעקות הופעלו באצבע הגליל", "אצבע הגליל", "sitmap:galilee-panhandle"),
        ("נשמעו פיצוצים בסמוך לבסיס בהר מירון", "הר מירון", "sitmap:mount-meron"),
        ("עימותים התפתחו ליד מחסום שועפט בשעות הערב", "מחסום שועפט", "sitmap:shuafat-checkpoint"),
        ("مستوطنون يضرمون النار في منزل بقرية دوما جنوب نابلس", "دوما", "geonames:284013"),
        ("מתנחלים הציתו רכב בכפר דומא שבשומרון", "דומא", "geonames:284013"),
    ],
)
def test_press_names_of_places(sentence: str, place_text: str, entry_id: str) -> None:
    assert (place_text, entry_id) in _found(sentence)


def test_el_tor_in_sinai_keeps_its_name_with_its_container() -> None:
    assert ("الطور", "geonames:359678") in _found("وصل الوفد إلى مدينة الطور في جنوب سيناء")


def test_the_pictures_are_not_tyre() -> None:
    found = _found("أظهرت الصور التي نشرها الدفاع المدني دماراً واسعاً في مدينة صور")
    assert found == [("صور", "geonames:267008")]


@pytest.mark.parametrize(
    ("sentence", "entry_id"),
    [
        # a preposition swallows the article of the name: ב + "העיר העתיקה", ל + "הגליל"
        ("שני שוטרים נפצעו בעיר העתיקה בירושלים", "geonames:6945291"),
        ("אזעקות נשמעו בגליל המערבי ובקריות", "sitmap:western-galilee"),
        ("חיזבאללה שיגר עשרות רקטות לגליל העליון", "sitmap:upper-galilee"),
    ],
)
def test_hebrew_prepositions_swallow_the_article_of_a_name(sentence: str, entry_id: str) -> None:
    assert entry_id in {gid for _, gid in _found(sentence)}


def test_a_bare_word_after_a_preposition_stays_a_word() -> None:
    # "לעיר" (to a/the city) with nothing after it names no place
    assert _found("התושבים חזרו לעיר אחרי שבועיים") == []


def test_a_quarter_belongs_to_the_town_a_direction_phrase_was_about() -> None:
    found = _found("دخلت القوات بلدة سعير شرق الخليل وداهمت منازل في حي الصفا")
    assert ("الصفا", "geonames:282069") not in found
    assert dict(found).get("الصفا") != "geonames:285066"  # not Hebron, which only located Sa'ir


@pytest.mark.parametrize(
    ("sentence", "entry_id"),
    [
        # "ل" before the article is written "لل": ل + "الناقورة"
        ("توجهت دورية لليونيفيل للناقورة صباح اليوم", "geonames:278832"),
        ("وصل وفد الصليب الأحمر للخليل بعد الظهر", "geonames:285066"),
        # the swallowed article still counts as the article: "وللخيام" is and-to Khiam, not tents
        ("تقدمت دبابات إسرائيلية وللخيام في جنوب لبنان وصلت تعزيزات", "sitmap:khiam"),
    ],
)
def test_arabic_lam_swallows_the_article(sentence: str, entry_id: str) -> None:
    assert entry_id in {gid for _, gid in _found(sentence)}


def test_lam_before_an_everyday_word_is_no_place() -> None:
    assert _found("للصور التي نشرت دلالة واضحة") == []


@pytest.mark.parametrize(
    ("sentence", "entry_id"),
    [
        # three consonants are enough right after a word for a village or town
        ("מתנחלים הציתו מחסן חקלאי בכפר עקרבא שבשומרון", "geonames:284922"),
        ('כוחות צה"ל פשטו על העיירה קבאטיה ועצרו חמישה חשודים', "geonames:282476"),
    ],
)
def test_short_transliterations_after_a_word_for_a_village(sentence: str, entry_id: str) -> None:
    assert entry_id in {gid for _, gid in _found(sentence)}


def test_an_adjective_after_village_is_no_name() -> None:
    assert _found("המשפחה עברה לכפר קטן בצפון לפני שנים") == []


def test_a_direction_phrase_after_a_hebrew_word_makes_it_a_name() -> None:
    found = _found("מתנחלים עקרו עצים בתורמוס עיא, מצפון לרמאללה, בשבת")
    assert ("תורמוס עיא", "geonames:281560") in found


@pytest.mark.parametrize(
    "sentence",
    ["הלחימה נמשכה בעיקר מצפון לנבטיה", "הכוחות נערכו מצפון לרצועה", "ההפגנות התרכזו ממזרח לעיר"],
)
def test_a_direction_phrase_leaves_ordinary_words_alone(sentence: str) -> None:
    assert all(gid is None or gid == "geonames:278913" for _, gid in _found(sentence))
    assert all(text in ("נבטיה",) for text, _ in _found(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        'أطلقت المقاومة قذائف هاون على موقع "ناحل عوز" العسكري شرق مدينة غزة صباح اليوم.',
        'Fighters said they shelled the "Nahal Oz" military post east of Gaza City.',
        'חמאס טען כי ירה פצמ"רים לעבר המוצב "נחל עוז" הצבאי ממזרח לעזה.',
    ],
)
def test_a_direction_phrase_after_a_quoted_site_only_situates_it(sentence: str) -> None:
    import geo

    claims = [c for c in geo.parse(sentence, published="2025-03-02") if c.geometry is not None]
    assert claims, sentence
    assert {c.place_text for c in claims} <= {"ناحل عوز", "Nahal Oz", "נחל עוז"}, [c.place_text for c in claims]


@pytest.mark.parametrize(
    ("sentence", "place_text"),
    [
        ("Settlers attacked herders in the Masafer Yatta area of Hebron on Friday.", "Masafer Yatta"),
        ("Soldiers demolished a school in the Umm al-Kheir area of Hebron.", "Umm al-Kheir"),
    ],
)
def test_the_x_area_of_a_town_is_x(sentence: str, place_text: str) -> None:
    import geo

    claims = [c for c in geo.parse(sentence, published="2025-03-09") if c.geometry is not None]
    assert [c.place_text for c in claims] == [place_text]
