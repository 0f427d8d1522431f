"""Event words of outside voices (issue 12, session 5): settler attacks, stone-throwing, fire
that troops "came under", administrative demolitions, strikes "from the air", anti-tank
missiles at troops, drones that open fire, background cues ("accused of a shooting") and
"no casualties were reported". Sentences written here in several voices (wire, ACLED notes,
OCHA updates, live blogs, WAFA, Ynet/Haaretz), in English, Arabic and Hebrew."""

from __future__ import annotations

import pytest

import geo
from geo.cue_words import CUE_PATTERNS, CUE_TRIGGERS
from geo.cues import event_type


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # settler attacks: not a military raid, whatever verb the writer picks
        ("A group of settlers from a nearby outpost raided the village and torched a barn.", "other"),
        ("On 3 May, Israeli settlers stormed the outskirts of Qaryut and set fire to olive trees.", "other"),
        ("Dozens of masked settlers beat a farmer and his son in their orchard, the council said.", "other"),
        ("Settlers from the Havat Maon outpost hurled rocks at shepherds grazing their flock.", "other"),
        ("Youths threw stones at a passing Israeli bus near the junction, police said.", "other"),
        ("Police are investigating a stone-throwing attack on a car near Ariel.", "other"),
        # administrative demolitions (permits, structures, tents) vs demolitions in a raid
        ("Israeli authorities demolished a shop in Beit Hanina, saying it was built illegally.", "other"),
        ("On 9 June, Israeli forces demolished a family's home in Issawiya for lacking a building permit.", "other"),
        ("The army demolished five residential structures and two animal shelters in the herding community.", "other"),
        ("Troops raided the camp before dawn and demolished the family home of a wanted man.", "ground_operation"),
        # fire troops or crews came under, troops who fired at people, returned fire
        ("An ambulance crew came under fire while trying to reach the wounded, the Red Crescent said.", "shooting"),
        ("Soldiers fired at two suspects who approached the fence, the military said.", "shooting"),
        ("Police officers shot a man who drew a knife at the checkpoint.", "shooting"),
        ("The troops returned fire and hit the attackers, a spokesman said.", "shooting"),
        ("Naval gunfire killed a fisherman off the coast of Khan Younis on Friday.", "shooting"),
        # anti-tank missiles at troops: a firefight; at a town across the border: a launch
        ("Fighters fired an anti-tank missile at an armoured bulldozer near the camp.", "shooting"),
        ("Hezbollah fired anti-tank missiles towards the town of Metula.", "rocket_launch"),
        # strikes told without the word "strike"
        ("A school used as a shelter was hit from the air overnight, the agency said.", "airstrike"),
        ("UNRWA said one of its clinics was struck from the air on Sunday.", "airstrike"),
        ("The army said it had targeted a Hamas cell operating near the school.", "airstrike"),
        # background of a person is no event of the report
        ("Troops arrested a man accused of a shooting attack near the settlement.", "ground_operation"),
        ("The military said the man had attempted to carry out a stabbing attack.", None),
        # "no casualties were reported" does not undo the event
        ("A UN warehouse in Rafah was hit by tank shelling; no casualties were reported.", "shelling"),
        ("Rockets were fired at Ashkelon overnight; no injuries were recorded.", "rocket_launch"),
        # "did not comment on the strike": a statement about a statement
        ("The army did not comment on the Deir al-Balah strike.", None),
        ("It declined to comment on the raid in Tubas.", None),
        # drones that open fire: gunfire
        ("Witnesses said a drone opened fire on people waiting for flour.", "shooting"),
        # Arabic
        ("وأفادت مصادر محلية بأن مستعمرين هاجموا منازل المواطنين في القرية ورشقوها بالحجارة.", "other"),
        ("اعتدى مستوطنون على رعاة أغنام شرق البلدة صباح اليوم.", "other"),
        ("هدمت جرافات الاحتلال منشأة زراعية بحجة عدم الترخيص.", "other"),
        ("وأجبرت سلطات الاحتلال مواطنا على هدم منزله ذاتيا.", "other"),
        ("تعرض مركز إيواء لقصف جوي مساء السبت.", "airstrike"),
        ("أطلقت دبابات الاحتلال قذائفها صوب منازل المواطنين شمال القطاع.", "shelling"),
        ("وقالت مصادر طبية إن طائرة مسيرة أطلقت النار على مواطنين قرب السوق.", "shooting"),
        ("أعلن الجيش سيطرته على المعبر صباح اليوم.", "ground_operation"),
        ("وزعم الجيش أنه استهدف مسلحين في المنطقة.", "airstrike"),
        # large-scale assaults and troops killing gunmen: a ground fight
        ("Occupation forces pressed on with a large-scale assault on the town for a third day.", "ground_operation"),
        ("The army says its troops killed 'several gunmen' in close-quarters combat overnight.", "ground_operation"),
        ("The military said it had killed dozens of militants in the area over the past day.", "ground_operation"),
        ("Colonists attacked homes on the edge of the village and set a tractor on fire.", "other"),
        # a launcher across the border "fired at a base": a launch, not gunfire
        ("Hezbollah said it fired at an army base near Safed.", "rocket_launch"),
        ("חיזבאללה הודיע כי ירה לעבר מוצב של הצבא בגליל.", "rocket_launch"),
        ("Gunmen fired at an army post near the village.", "shooting"),
        # Arabic: anti-armour fire at a tank is a firefight; forces that killed gunmen fought on the ground
        ('أعلنت الكتائب أن مقاتليها استهدفوا دبابة من طراز ميركافا بقذيفة "الياسين 105" شرق المدينة.', "shooting"),
        ("قال الجيش إن قواته قتلت خلال اليوم الماضي عشرة مسلحين في المنطقة.", "ground_operation"),
        ("قالت مصادر أمنية إن الأجهزة الأمنية اشتبكت مع مسلحين في المخيم.", "shooting"),
        ("اقتحمت قوات الاحتلال المخيم واشتبكت مع مسلحين.", "ground_operation"),
        # launchers across a border that send drones; an Israeli drone attack stays an air strike
        ("Hezbollah claimed a drone attack on an army base near Nahariya.", "rocket_launch"),
        ("The Houthis said they launched two drones at Eilat overnight.", "rocket_launch"),
        ("An Israeli drone attack on a car killed two men near Tyre.", "airstrike"),
        ("A Houthi missile set off sirens across central Israel early on Sunday.", "rocket_launch"),
        # tanks that fire are shelling; a vehicle hit by gunfire is shooting; a bomb that went off is 'other'
        ("Tanks fired at the outskirts of Rafah, residents said.", "shelling"),
        ("The charity said its ambulance was hit by Israeli fire near the roundabout.", "shooting"),
        ("A roadside bomb exploded near an army jeep outside the camp.", "other"),
        # blowing up buildings, in Arabic and Hebrew, as the English "blew up"
        ("جيش الاحتلال ينسف مباني سكنية شرق المدينة.", "ground_operation"),
        ('כוחות צה"ל פוצצו מבנה ששימש את המחבלים.', "ground_operation"),
        # a police arrest alone is no event; forces or Border Police arresting in a raid are
        ("Police arrested a man in Lod on suspicion of planning an attack.", None),
        ("במשטרה מסרו כי הבוקר נעצר בחיפה חשוד בהסתה.", None),
        ("Border Police officers arrested five men in the camp overnight.", "ground_operation"),
        ("Israeli forces arrested 12 Palestinians in Hebron, the society said.", "ground_operation"),
        # Arabic: clashes that follow a storming belong to the raid; "after the shelling" names one told
        ("اندلعت مواجهات في البلدة بعد اقتحامها من قبل قوات الاحتلال.", "ground_operation"),
        ("وأفادت مصادر بأن قوات الاحتلال اقتحمت البلدة عقب القصف.", "ground_operation"),
        # Arabic aircraft of the occupation, "targeting" as a noun, and a toll told with no event word
        ("انتشال جثامين 4 شهداء إثر استهداف طائرات الاحتلال منزلا شرق المدينة.", "airstrike"),
        ("وقالت مصادر طبية إن ثلاثة مواطنين استشهدوا في المدينة.", "other"),
        ("نقلت الطواقم أربعة جرحى إلى مستشفى شهداء الأقصى.", None),
        ("לפי משרד הבריאות נהרגו שבעה בני אדם בעיר.", "other"),
        # Hebrew
        ("לדבריו, במהלך הלילה חוסלו עשרות מחבלים במרחב.", "ground_operation"),
        ("אבנים יודו הבוקר לעבר אוטובוס בכביש 60, ואין נפגעים.", "other"),
        ("מתנחלים רעולי פנים הציתו רכבים בכפר, לפי דיווחים פלסטיניים.", "other"),
        ("כוחות הצבא ממשיכים לפעול במחנה הפליטים, מסר הדובר.", "ground_operation"),
        ("פיקוד העורף דיווח על נפילה בשטח פתוח ליד העיר.", "rocket_launch"),
        ("מטוסי קרב תקפו משגרים שמהם שוגרו הרקטות לעבר הדרום.", "airstrike"),
    ],
)
def test_outside_voice_event_words(sentence: str, expected: str | None) -> None:
    assert event_type(sentence) == expected


def test_every_cue_pattern_has_a_trigger_for_its_new_words() -> None:
    """The substring pre-test must not hide the new words from their patterns."""
    samples = {
        "other": ["threw stones", "stone-throwing", "authorities demolished", "مستعمرين هاجموا", "אבנים יודו", "הציתו"],
        "shooting": ["came under fire", "anti-tank missile at troops"],
        "airstrike": ["struck from the air", "aerial bombardment"],
        "rocket_launch": ["נפילה"],
        "ground_operation": ["سيطرته", "לפעול", "معارك"],
    }
    for etype, words in samples.items():
        for w in words:
            assert any(t in w.lower() for t in CUE_TRIGGERS[etype]), (etype, w)
    assert {t for t, _, _ in CUE_PATTERNS} >= set(samples)


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            # OCHA-style: "no casualties" after the event; the UN agency tells it
            "On 4 June, UNRWA reported that one of its clinics in Bureij camp was hit by tank shelling; "
            "no casualties were reported.",
            "2024-06-06",
            ("shelling", "Bureij camp"),
        ),
        (
            # Haaretz-style settler attack told with "raided"
            "Settlers from a nearby outpost raided the village of Duma late on Thursday and set fire to a house, "
            "residents said.",
            "2024-06-07",
            ("other", "Duma"),
        ),
    ],
)
def test_outside_voice_events_become_claims(text: str, published: str, expected: tuple[str, str]) -> None:
    claims = [c for c in geo.parse(text, published=published, source="test") if c.geometry is not None]
    assert [(c.event_type, c.place_text) for c in claims] == [expected]
