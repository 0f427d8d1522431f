"""Everyday Arabic and Hebrew words that share a place name's letters are not places.

GeoNames gives many small villages and far-away cities a one-word Arabic or Hebrew name
that is also a common word: حجة (pretext; the village Hajja), منزله (his house, beside
Manzala's المنزلة), الجزيرة (the island, the channel; an alternate name of Algiers),
פונה (turns / was evacuated; Pune), שמיר (a hospital's name; Kibbutz Shamir), מחסן (a
warehouse: "from" + Hosen). ``common_words.txt`` lists such written forms, chosen by their
frequency when the gazetteer is built; the resolver takes one for a place only in a place
context. The sentences are written for this test, in several voices.
"""

from __future__ import annotations

import pytest

import geo
from geo.gazetteer import Gazetteer
from geo.normalize import surface_key
from geo.resolve import mentions


def _texts(text: str) -> list[str]:
    return [m.place_text for m in mentions(text)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # WAFA-style Arabic
        ("سلّمت سلطات الاحتلال إخطارات بهدم ثلاثة منازل بحجة عدم الترخيص في بيت أمر.", "حجة"),
        ("أقدم مواطن مقدسي على هدم منزله بيده تفاديا لدفع الغرامات.", "منزله"),
        ("قال مراسل الجزيرة إن القصف تواصل طوال الليل على مخيم جباليا.", "الجزيرة"),
        ("وبثت الجزيرة مباشر صورا للدمار في حي الشجاعية.", "الجزيرة"),
        # a word with the article takes no proclitic after it: "الكبيرة" (the big) is no "ك" + al-Bireh
        ("شارك الآلاف في المسيرة الكبيرة التي جابت شوارع المدينة.", "الكبيرة"),
        # "ف" (so) and "ك" (like) glue onto no place name in the news: "فعالية" (an event) is no ف + Aley
        ("نظّم نشطاء فعالية تضامنية أمام مقر الصليب الأحمر في رام الله.", "عالية"),
        # a glued form far more frequent than the name it would hold: "ورقة" (and a paper) is no "and Raqqa"
        ("قدّم الوفد ورقة جديدة إلى الوسطاء في القاهرة.", "رقة"),
        # Hebrew news
        ("הפצוע פונה לבית החולים סורוקה במצב בינוני.", "פונה"),
        ("שני פצועים הובאו לבית החולים שמיר בצריפין.", "שמיר"),
        ('כוחות צה"ל איתרו מחסן אמצעי לחימה בחאן יונס.', "חסן"),
    ],
)
def test_everyday_word_is_no_place(text: str, word: str) -> None:
    assert not any(word in t for t in _texts(text)), _texts(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # the same words in a place context stay places
        ("اقتحمت قوات الاحتلال قرية حجة شرق قلقيلية واعتقلت شابين.", "حجة"),
        ("מחבל ניסה לחדור לקיבוץ שמיר שבגליל העליון.", "שמיר"),
    ],
)
def test_the_same_word_in_a_place_context_stays_a_place(text: str, word: str) -> None:
    assert any(word in t for t in _texts(text)), _texts(text)


def test_the_list_is_built_and_protects_real_places() -> None:
    """The shipped index carries the list; curated names, countries and populous towns of the region
    are never on it, nor are they with a preposition glued on."""
    common = Gazetteer.load().common_words
    assert {surface_key(w) for w in ("منزله", "بحجة", "الجزيرة", "פונה", "מחסן")} <= common
    for place in ("غزة", "جنين", "لبنان", "ولبنان", "القدس", "بغزة", "עזה", "בעזה", "לוד", "בלוד", "חיפה", "שדרות"):
        assert surface_key(place) not in common, place


def test_real_places_still_resolve_beside_everyday_words() -> None:
    """A report that uses the everyday words still places its events (WAFA and Kan-style texts)."""
    ar = "جنين - وفا: هدمت جرافات الاحتلال منزلين في بلدة قباطية جنوب جنين بحجة البناء دون ترخيص."
    assert set(_texts(ar)) == {"جنين", "قباطية"}  # no place made of "منزلين" or "بحجة"
    he = 'גבר נפצע מירי בלוד ופונה לבית החולים שמיר, כך מסר מד"א.'
    claims = [c for c in geo.parse(he, published="2025-07-22", source="כאן") if c.geometry is not None]
    assert [c.place_name for c in claims] == ["Lod"], [(c.place_text, c.place_name) for c in claims]
