"""West Bank and Jerusalem places reported in conflict news resolve to the right entry.

Every UNRWA camp of the West Bank (19) and the Gaza Strip (8) is known under its
English, Arabic and Hebrew names; towns and sites that kept falling through (Beita, Beit
Ummar in Arabic, Balata in Hebrew, the Ibrahimi Mosque, Kafr Aqab, Masafer Yatta) resolve;
and names that contain another place's name (Kuwait roundabout, Damascus Gate and its
Hebrew name "Nablus Gate", Tapuah junction) are the landmark, never the country or city.
The sentences are written for this test, in several voices.
"""

from __future__ import annotations

import pytest

from geo.resolve import mentions

CASES: list[tuple[str, str, str]] = [
    # (sentence, name as written, gazetteer id)
    ("Soldiers stormed Far'a camp near Tubas before dawn.", "Far'a camp", "sitmap:faraa-camp"),
    ("اقتحمت قوات الاحتلال مخيم الفارعة جنوب طوباس فجر اليوم.", "مخيم الفارعة", "sitmap:faraa-camp"),
    ("A bulldozer tore up roads in New Askar camp overnight.", "New Askar camp", "sitmap:new-askar-camp"),
    ("Youths threw stones at a patrol in Askar refugee camp.", "Askar refugee camp", "sitmap:askar-camp"),
    ("A raid on Aqabat Jabr camp left two men hurt.", "Aqabat Jabr camp", "sitmap:aqabat-jabr-camp"),
    ("اندلعت مواجهات في مخيم عقبة جبر.", "مخيم عقبة جبر", "sitmap:aqabat-jabr-camp"),
    ("Arrests were reported in Ein Sultan camp.", "Ein Sultan camp", "sitmap:ein-sultan-camp"),
    ("Police entered Shuafat camp in East Jerusalem.", "Shuafat camp", "sitmap:shuafat-camp"),
    ("Tear gas was fired in Qalandia camp.", "Qalandia camp", "sitmap:qalandiya-camp"),
    ("A teenager was shot in al-Amari camp.", "al-Amari camp", "sitmap:amari-camp"),
    ("Troops surrounded a house in Jalazone camp.", "Jalazone camp", "sitmap:jalazone-camp"),
    ("Clashes broke out in Deir Ammar camp.", "Deir Ammar camp", "sitmap:deir-ammar-camp"),
    ("A rubber bullet hit a boy in Aida camp.", "Aida camp", "sitmap:aida-camp"),
    ("Forces raided Azza camp in Bethlehem.", "Azza camp", "sitmap:azza-camp"),
    ("Settlers attacked cars near Arroub camp.", "Arroub camp", "sitmap:arroub-camp"),
    ("A man was detained in Fawwar camp.", "Fawwar camp", "sitmap:fawwar-camp"),
    ("Shots were heard in Ein Beit al-Ma camp.", "Ein Beit al-Ma camp", "sitmap:camp-no-1"),
    ("Shops closed in Dheisheh refugee camp.", "Dheisheh refugee camp", "sitmap:dheisheh"),
    ('כוחות צה"ל פעלו במחנה הפליטים בלאטה הלילה.', "בלאטה", "geonames:284446"),
    ("לוחמים פשטו על מחנה הפליטים נוסייראת.", "מחנה הפליטים נוסייראת", "sitmap:nuseirat-camp"),
    ("הכוחות נכנסו למחנה הפליטים ג'נין.", "מחנה הפליטים ג'נין", "sitmap:jenin-camp"),
    ("Residents of Beita marched to the hilltop.", "Beita", "geonames:284362"),
    ("أصيب شاب برصاص الاحتلال في بيت أمر شمال الخليل.", "بيت أمر", "geonames:284329"),
    ("Worshippers were searched at the Ibrahimi Mosque.", "Ibrahimi Mosque", "sitmap:ibrahimi-mosque"),
    ("منعت قوات الاحتلال رفع الأذان في المسجد الإبراهيمي.", "المسجد الإبراهيمي", "sitmap:ibrahimi-mosque"),
    (
        "Dozens were hit while waiting for flour at the Kuwaiti roundabout.",
        "Kuwaiti roundabout",
        "sitmap:kuwait-roundabout",
    ),
    ("سقط شهداء قرب دوار الكويت جنوب مدينة غزة.", "دوار الكويت", "sitmap:kuwait-roundabout"),
    ("Police shot a man who drew a knife at Damascus Gate.", "Damascus Gate", "sitmap:damascus-gate"),
    ("פיגוע דקירה בשער שכם בירושלים.", "שער שכם", "sitmap:damascus-gate"),
    ("اعتقلت الشرطة شابين عند باب العامود.", "باب العامود", "sitmap:damascus-gate"),
    ("A ramming attack was foiled at Tapuah junction.", "Tapuah junction", "sitmap:tapuah-junction"),
    ("ניסיון פיגוע בצומת תפוח.", "צומת תפוח", "sitmap:tapuah-junction"),
    ("A building was demolished in Kafr Aqab.", "Kafr Aqab", "sitmap:kafr-aqab"),
    ("Bulldozers razed a school in Masafer Yatta.", "Masafer Yatta", "sitmap:masafer-yatta"),
]


@pytest.mark.parametrize(("text", "name", "gid"), CASES, ids=[c[2] + ":" + c[1] for c in CASES])
def test_place_resolves(text: str, name: str, gid: str) -> None:
    found = [(m.place_text, m.gazetteer_id) for m in mentions(text)]
    assert any(g == gid and name in t for t, g in found), found


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Dozens were hit while waiting for flour at the Kuwaiti roundabout.", "country:KW"),
        ("Crowds gathered at Kuwait roundabout at dawn.", "country:KW"),
        ("سقط شهداء قرب دوار الكويت جنوب مدينة غزة.", "geonames:285787"),
        ("Police shot a man who drew a knife at Damascus Gate.", "geonames:170654"),
        ("פיגוע דקירה בשער שכם בירושלים.", "geonames:282615"),
        ("A raid on Aqabat Jabr camp left two men hurt.", "geonames:250774"),
        ("Forces raided Azza camp in Bethlehem.", "geonames:281133"),
    ],
)
def test_landmark_is_not_the_namesake(text: str, wrong: str) -> None:
    assert wrong not in {m.gazetteer_id for m in mentions(text)}


def test_arabic_word_for_a_house_is_not_beita() -> None:
    """بيتا is also 'a house': only 'بلدة بيتا' / 'قرية بيتا' name the town."""
    assert "geonames:284362" not in {m.gazetteer_id for m in mentions("هدمت الجرافات بيتا في الخليل.")}
    assert "geonames:284362" in {m.gazetteer_id for m in mentions("مواجهات في بلدة بيتا جنوب نابلس.")}
