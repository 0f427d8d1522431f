"""Hebrew and Arabic event vocabulary that matches the English cues (issue 12): sentences written
for sitmap in several voices (Israeli and Palestinian outlets, police and medics' statements).

A stabbing or ramming (Hebrew "דקר", "דרס"; Arabic "عملية طعن", "دهس") is "other", as the English
"stabbed"; incendiary bottles ("בקבוקי תבערה", "زجاجات حارقة", "Molotov cocktails") are "other";
clashes when forces enter a place ("עימותים", "כוחות נכנסו"), arrest raids ("מעצרים") and house
raids ("داهمت") are a ground operation; rubber and sponge rounds ("כדורי ספוג", "rubber bullets")
are gunfire. An attempt told by the other side ("حاول طعن الجنود") is not a stabbing.
"""

from __future__ import annotations

import pytest

from geo.cues import event_type


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # stabbing and ramming
        ("לפי המשטרה, צעיר דקר אתמול אזרח בתחנה המרכזית בבאר שבע ונעצר.", "other"),
        ('מחבלת דקרה מאבטח בכניסה ליישוב, ונוטרלה על ידי כוחות צה"ל.', "other"),
        ('נהג משאית דרס הבוקר שלושה הולכי רגל בצומת, כך מסר מד"א.', "other"),
        ("أفادت مصادر عبرية بوقوع عملية طعن عند مدخل المستوطنة صباح اليوم.", "other"),
        ("وقالت الشرطة الإسرائيلية إن شابا دهس جنديا قرب الحاجز.", "other"),
        ("A man rammed his car into a bus stop, then stabbed two people, police said.", "other"),
        # incendiary bottles
        ("רעולי פנים השליכו בקבוקי תבערה לעבר כלי רכב בכביש 443 בשעות הלילה.", "other"),
        ("ألقى شبان زجاجات حارقة باتجاه برج عسكري عند مدخل البلدة.", "other"),
        ("Youths hurled Molotov cocktails at an army watchtower outside the village overnight.", "other"),
        # clashes, entries, arrest raids, house raids
        ('עימותים פרצו בכפר לאחר שכוחות מג"ב נכנסו אליו בשעות הבוקר.', "ground_operation"),
        ("כוחות צבא נכנסו הלילה לעיירה וביצעו מעצרים של חשודים.", "ground_operation"),
        ("وداهمت قوات الاحتلال عدة منازل في الحي وفتشتها، وفق مصادر محلية.", "ground_operation"),
        ("وتواصل القوات الإسرائيلية محاصرة المستشفى لليوم الثالث.", "ground_operation"),
        # less-lethal rounds
        ("השוטרים ירו כדורי ספוג לעבר המתפרעים, ולפי הסהר האדום שניים נפצעו.", "shooting"),
        ("לפי עדים, נער נפצע מכדור גומי ברגלו.", "shooting"),
        ("Troops fired rubber-coated bullets at the protesters, a medic said.", "shooting"),
        ("أصيب شاب بنيران قوات الاحتلال خلال اقتحام البلدة.", "shooting"),
        ("أصيب شاب بنيران جنود الاحتلال عند مدخل القرية.", "shooting"),
        # sniping and machine-gun fire, as the English "sniper", "machine guns"
        ("تمكن مقاتلونا من قنص ضابط إسرائيلي قرب معبر رفح.", "shooting"),
        ("اشتبك المقاتلون فجرا مع قوة إسرائيلية خاصة بالأسلحة الرشاشة شرق المدينة.", "shooting"),
        ('לפי החשד, המחבלים פתחו במטח ממקלע לעבר עמדת צה"ל.', "shooting"),
        # a drone that drops a bomb or a grenade: a strike from the air
        ("وألقت طائرة مسيّرة قنبلتين على خيمة للنازحين غرب المدينة.", "airstrike"),
        ("A quadcopter dropped a grenade on a group of men near the bakery, witnesses said.", "airstrike"),
        # alerts and gunfire with their clitics
        ("פיקוד העורף: התרעות בקריית שמונה ובמטולה.", "rocket_launch"),
        ("ودوت صافرات الإنذار في مستوطنات الجليل الأعلى.", "rocket_launch"),
        ("وتعرض صيادون لإطلاق نار من الزوارق الحربية قبالة الشاطئ.", "shooting"),
        # troops who killed gunmen in the field, as the English "troops killed militants"
        ("לוחמי גבעתי חיסלו שני מחבלים חמושים שיצאו מפיר מנהרה.", "ground_operation"),
        # a clash in a raid stays the raid's
        ("اقتحمت قوات الاحتلال المخيم واشتبك المقاومون مع قوة خاصة داخله.", "ground_operation"),
    ],
)
def test_the_vocabulary_of_each_language(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # an attempt told as the other side's account, not a stabbing done
        "وزعم جيش الاحتلال أن الفتى حاول طعن أحد الجنود.",
        # a driver who stopped, a confrontation of words: no event
        "הנהג עצר בצד הדרך והמתין לניידת.",
        # a ceasefire is no gunfire
        "وتتواصل في القاهرة مباحثات وقف إطلاق النار.",
        # "were activated" is not "operated" behind a bogus clitic ("ה" + "ו" + "פעלו")
        "המערכות הופעלו מחדש הבוקר.",
    ],
)
def test_words_that_are_no_attack(sentence: str) -> None:
    assert event_type(sentence) is None
