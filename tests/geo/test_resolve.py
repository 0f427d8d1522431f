"""geo.mentions: finding place names in report text and resolving them, with the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from geo.model import Mention
from geo.resolve import mentions


def _by_text(text: str) -> dict[str, Mention]:
    return {m.place_text: m for m in mentions(text)}


def _ids(text: str) -> list[str | None]:
    return [m.gazetteer_id for m in mentions(text)]


@pytest.mark.parametrize(
    ("sentence", "entry_id"),
    [
        ("Airstrikes hit Khan Younis overnight.", "geonames:281124"),
        ("Airstrikes hit Khan Yunis overnight.", "geonames:281124"),
        ("Airstrikes hit Khan Yunus overnight.", "geonames:281124"),
        ("غارات على خان يونس الليلة الماضية", "geonames:281124"),
        ("Families fled Deir al-Balah.", "geonames:281141"),
        ("Families fled Deir el-Balah.", "geonames:281141"),
        ("Shelling was reported in Nuseirat.", "geonames:281109"),
        ("Tanks entered Beit Hanoun.", "geonames:281146"),
        ("Tanks entered Beit Hanun.", "geonames:281146"),
        ("A strike hit a house in Jabalia.", "geonames:281129"),
        ("A strike hit a house in Jabaliya.", "geonames:281129"),
        ("A strike hit the Bureij area.", "geonames:281161"),
        ("Residents of Maghazi said.", "sitmap:maghazi"),
        ("Troops raided Shuja'iyya.", "sitmap:shujaiyya"),
        ("Troops raided Shejaiya.", "sitmap:shujaiyya"),
        ("Troops raided Shujaiyya.", "sitmap:shujaiyya"),
        ("Troops raided Shujaiyah.", "sitmap:shujaiyya"),  # only the consonant skeleton matches this one
        ("Fighting in Zeitoun continued.", "sitmap:zeitoun"),
        ("Fighting in Zaytun continued.", "sitmap:zeitoun"),
        ("A tower in Tal al-Hawa collapsed.", "sitmap:tal-al-hawa"),
        ("A tower in Tel el-Hawa collapsed.", "sitmap:tal-al-hawa"),
        ("A building in Rimal was hit.", "sitmap:rimal"),
        ("A building in Remal was hit.", "sitmap:rimal"),
        ("Strikes on Sheikh Radwan.", "sitmap:sheikh-radwan"),
        ("Strikes on Tuffah.", "sitmap:tuffah"),
        ("Strikes on the Daraj quarter.", "sitmap:daraj"),
        ("Strikes on Sabra.", "sitmap:sabra"),
        ("A raid in Karama.", "sitmap:karama"),
        ("A raid in the Nasr neighbourhood.", "sitmap:nasr"),
        ("Shelling in Jabalia camp.", "sitmap:jabalia-camp"),
        ("Shelling in the Beach camp.", "sitmap:beach-camp"),
        ("Shelling in al-Shati camp.", "sitmap:beach-camp"),
        ("Shelling in Nuseirat camp.", "sitmap:nuseirat-camp"),
        ("Shelling in Khan Younis camp.", "sitmap:khan-younis-camp"),
        ("Shelling in Shaboura.", "sitmap:rafah-camp"),
        ("Tents burned in al-Mawasi.", "sitmap:mawasi"),
        ("Tents burned in Mawasi.", "sitmap:mawasi"),
        ("Tents burned in Mawasi Rafah.", "sitmap:mawasi-rafah"),
        ("Tents burned in Mawasi Khan Younis.", "sitmap:mawasi-khan-younis"),
        ("احترقت خيام في مواصي خان يونس.", "sitmap:mawasi-khan-younis"),
        ("Raid on al-Shifa Hospital.", "sitmap:shifa-hospital"),
        ("Blast at al-Ahli Arab Hospital.", "sitmap:ahli-hospital"),
        ("Blast at al-Ahli hospital.", "sitmap:ahli-hospital"),
        ("Siege of Nasser Hospital.", "sitmap:nasser-hospital"),
        ("Patients at al-Aqsa Martyrs Hospital.", "sitmap:aqsa-hospital"),
        ("Fire at the Indonesian Hospital.", "sitmap:indonesian-hospital"),
        ("Raid on Kamal Adwan Hospital.", "sitmap:kamal-adwan-hospital"),
        ("Raid on al-Awda Hospital.", "sitmap:awda-hospital"),
        ("Evacuation of the European Gaza Hospital.", "sitmap:european-hospital"),
        ("The Rafah crossing was closed.", "sitmap:rafah-crossing"),
        ("Trucks passed the Kerem Shalom crossing.", "sitmap:kerem-shalom"),
        ("Troops held the Netzarim corridor.", "sitmap:netzarim-corridor"),
        ("Troops held the Nezarim corridor.", "sitmap:netzarim-corridor"),
        ("Tanks moved near Netzarim.", "sitmap:netzarim"),
        ("Tanks moved near Nezarim.", "sitmap:netzarim"),
        ("טנקים נעו סמוך לנצרים.", "sitmap:netzarim"),
        ("Shelling hit Asqoula.", "sitmap:asqoula"),
        ("قصف منزلا في منطقة عسقولة.", "sitmap:asqoula"),
        ("Boats burned in Gaza port.", "sitmap:gaza-port"),
        ("A strike in Tal al-Sultan.", "sitmap:tal-al-sultan"),
        ("Troops held the Philadelphi corridor.", "sitmap:philadelphi-corridor"),
        ("Troops pulled back from the Philadelphi route.", "sitmap:philadelphi-corridor"),
        ("Sirens sounded in Sderot.", "geonames:293619"),
        ("A rocket hit Ashkelon.", "geonames:295620"),
        ("Be'eri was attacked.", "geonames:295538"),
        ("Kfar Aza was attacked.", "sitmap:kfar-aza"),
        ("Nir Oz was attacked.", "sitmap:nir-oz"),
        ("Re'im was attacked.", "sitmap:reim"),
        ("A drone hit Metula.", "geonames:294247"),
        ("A drone hit Kiryat Shmona.", "geonames:293825"),
        ("Crowds gathered in Tel Aviv.", "geonames:293397"),
        ("A raid in Jenin.", "geonames:283506"),
        ("A raid in Jenin camp.", "sitmap:jenin-camp"),
        ("A raid in Tulkarm.", "geonames:281577"),
        ("A raid in Nur Shams.", "sitmap:nur-shams"),
        ("A raid in Nablus.", "geonames:282615"),
        ("A raid in Hebron.", "geonames:285066"),
        ("A raid in Ramallah.", "geonames:282239"),
        ("Clashes at Qalandiya.", "geonames:282461"),
        ("Police deployed in Jerusalem.", "geonames:281184"),
        ("Police deployed in East Jerusalem.", "geonames:7303419"),
        ("Talks resumed in Doha.", "geonames:290030"),
        ("Talks resumed in Cairo.", "geonames:360630"),
        ("A strike on Beirut.", "geonames:276781"),
    ],
)
def test_every_example_name_resolves(sentence: str, entry_id: str) -> None:
    assert entry_id in _ids(sentence), [(m.place_text, m.gazetteer_id) for m in mentions(sentence)]


def test_gaza_alone_is_the_strip_but_gaza_city_is_the_city() -> None:
    found = _by_text("Aid entered Gaza on Sunday, and fighting went on in Gaza City.")
    assert found["Gaza"].gazetteer_id == "sitmap:gaza-strip"
    assert found["Gaza"].uncertainty is not None and found["Gaza"].uncertainty.method == "admin_fallback"
    assert found["Gaza"].uncertainty.region is not None  # the Strip polygon
    assert "geonames:281133" in [a.gazetteer_id for a in found["Gaza"].alternatives]
    assert found["Gaza City"].gazetteer_id == "geonames:281133"


def test_rafah_gaza_by_default_and_egypt_when_said() -> None:
    gaza = mentions("Evacuation orders were issued for Rafah.")[0]
    assert gaza.gazetteer_id == "geonames:281102"
    alt = {a.gazetteer_id: a for a in gaza.alternatives}
    assert "geonames:350350" in alt and alt["geonames:350350"].score < gaza.confidence
    for text in (
        "Trucks waited in Rafah, Egypt.",
        "Trucks waited in Egypt's Rafah.",
        "Trucks waited in Egyptian Rafah.",
    ):
        rafah = next(m for m in mentions(text) if "Rafah" in m.place_text)
        assert rafah.gazetteer_id == "geonames:350350", text


@pytest.mark.parametrize(
    ("phrase", "entry_id", "kind"),
    [
        ("northern Gaza", "sitmap:northern-gaza", "region"),
        ("the northern Gaza Strip", "sitmap:northern-gaza", "region"),
        ("southern Gaza", "sitmap:southern-gaza", "region"),
        ("central Gaza", "sitmap:central-gaza", "region"),
        ("North Gaza", "sitmap:gov-north-gaza", "admin2"),
        ("the Khan Younis governorate", "sitmap:gov-khan-younis", "admin2"),
        ("the West Bank", "sitmap:west-bank", "admin1"),
    ],
)
def test_regions_are_polygons_with_admin_fallback(phrase: str, entry_id: str, kind: str) -> None:
    m = mentions(f"Strikes were reported across {phrase} on Monday.")[0]
    assert (m.gazetteer_id, m.kind) == (entry_id, kind)
    assert m.uncertainty is not None and m.uncertainty.region is not None
    assert m.uncertainty.method == "admin_fallback" and m.uncertainty.geo_precision == 3
    assert m.uncertainty.region.buffer(1e-6).contains(m.geometry)


def test_northern_and_southern_gaza_do_not_overlap() -> None:
    north, south = mentions("Strikes in northern Gaza and southern Gaza.")
    assert north.uncertainty is not None and south.uncertainty is not None
    assert north.uncertainty.region.intersection(south.uncertainty.region).area < 1e-9
    assert north.geometry.y > south.geometry.y


def test_conflict_note_style_resolves_to_the_neighbourhood() -> None:
    text = "On 6 June 2025, Israeli artillery targeted Gaza - At Tuffah (Gaza City, Gaza Strip), killing two."
    found = mentions(text)
    first = found[0]
    assert first.place_text == "Gaza - At Tuffah"
    assert first.gazetteer_id == "sitmap:tuffah" and first.kind == "neighbourhood"
    assert text[first.start : first.end] == first.place_text
    assert [m.gazetteer_id for m in found[1:]] == ["geonames:281133", "sitmap:gaza-strip"]
    z = mentions("Israeli forces shelled Gaza - Az Zaytun (Gaza City, Gaza Strip).")[0]
    assert z.gazetteer_id == "sitmap:zeitoun"
    s = mentions("Clashes in Gaza - Shujaiyya (Gaza City, Gaza Strip).")[0]
    assert s.gazetteer_id == "sitmap:shujaiyya"


@pytest.mark.parametrize(
    "text",
    [
        "Mossad chief David Barnea travelled to talks.",
        "The Khan Younis Brigade of Hamas was dismantled, the army said.",
        "The Gaza Health Ministry said the toll rose.",
        "The Gaza health ministry said the toll rose.",
        "The Al-Quds Brigades claimed the launch.",
        "The Times of Israel reported the claim.",
        "Defence Minister Israel Katz said the operation would widen.",
        "A spokesman for the Israel Defense Forces said.",
        "The Jenin Battalion claimed the attack.",
        "Gamal Abdel Nasser was president of Egypt.",
        "Gaza's civil defence said 19 people were killed.",
        "Israel's Channel 12 reported the claim.",
    ],
)
def test_places_inside_person_and_organisation_names_are_not_mentions(text: str) -> None:
    ids = _ids(text)
    assert not any(i in ids for i in ("geonames:281124", "sitmap:gaza-strip", "geonames:281184", "country:IL"))
    assert "geonames:283506" not in ids and "sitmap:nasser-hospital" not in ids and "sitmap:nasr" not in ids


def test_hospital_named_after_a_person_is_a_place() -> None:
    assert _ids("Troops surrounded Nasser Hospital in Khan Younis.") == ["sitmap:nasser-hospital", "geonames:281124"]


def test_unknown_and_empty_text() -> None:
    assert mentions("") == []
    assert mentions("   \n") == []
    assert mentions("Residents of Qwertyabad and Zorblax said nothing happened.") == []
    assert mentions("the army said the strike hit a house") == []  # no capitalised place


def test_lowercase_and_common_words_are_not_places() -> None:
    assert mentions("However, on Friday the West said that the White House would act.") == []


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("A strike near Khan Younis killed three.", "near"),
        ("A strike on the outskirts of Khan Younis killed three.", "on the outskirts of"),
        ("A strike in the vicinity of Khan Younis killed three.", "in the vicinity of"),
        ("A strike in the area of Khan Younis killed three.", "in the area of"),
        ("Strikes around Khan Younis killed three.", "around"),
        ("A strike north of Khan Younis killed three.", "north of"),
        ("A strike in the Khan Younis area killed three.", "area of"),
        ("A strike in eastern Khan Younis killed three.", "eastern"),
        ("غارة قرب خان يونس", "near"),
    ],
)
def test_qualifiers_are_attached(text: str, qualifier: str) -> None:
    m = next(m for m in mentions(text) if m.gazetteer_id == "geonames:281124")
    assert m.qualifier == qualifier


def test_qualifiers_widen_the_radius_and_change_the_codes() -> None:
    plain = mentions("A strike hit Khan Younis.")[0]
    near = mentions("A strike hit near Khan Younis.")[0]
    outskirts = mentions("A strike hit the outskirts of Khan Younis.")[0]
    assert plain.uncertainty is not None and near.uncertainty is not None and outskirts.uncertainty is not None
    assert near.uncertainty.radius_m > plain.uncertainty.radius_m
    assert outskirts.uncertainty.radius_m > plain.uncertainty.radius_m
    assert (plain.uncertainty.geo_precision, plain.uncertainty.where_prec) == (1, 1)
    assert near.uncertainty.geo_precision == 2 and near.uncertainty.where_prec == 2
    assert near.uncertainty.method == "qualifier" and plain.uncertainty.method == "gazetteer"


def test_distance_moves_the_point_direction_widens() -> None:
    base = mentions("Shelling hit Khan Younis.")[0]
    moved = mentions("Shelling hit 5 km north of Khan Younis.")[0]
    assert moved.qualifier == "5 km north of"
    assert base.geometry is not None and moved.geometry is not None
    assert moved.geometry.y > base.geometry.y + 0.04  # ~5 km is ~0.045 degrees of latitude
    assert abs(moved.geometry.x - base.geometry.x) < 0.001
    # Without a distance, "east of X" is the eastern half of X's extent (issue 12), not X widened.
    rafah = mentions("Shelling hit Rafah.")[0]
    east = mentions("Shelling hit east of Rafah.")[0]
    assert east.geometry.x > rafah.geometry.x and east.qualifier == "east of"
    assert east.uncertainty is not None and rafah.uncertainty is not None
    assert east.uncertainty.radius_m < rafah.uncertainty.radius_m * 1.1
    assert east.uncertainty.region is not None and east.uncertainty.region.centroid.x > rafah.geometry.x


def test_along_the_border_widens() -> None:
    m = next(
        m for m in mentions("Clashes along the Lebanon border near Metula.") if m.gazetteer_id == "geonames:294247"
    )
    assert m.qualifier == "near"
    # "the Lebanon border" is the strip along the Israel-Lebanon line, not all of Lebanon's borders
    b = next(m for m in mentions("Fire was exchanged along the Lebanon border.") if m.gazetteer_id)
    assert b.gazetteer_id == "sitmap:lebanon-border" and b.kind == "corridor"
    c = next(m for m in mentions("Fire was exchanged along the Syria border.") if m.gazetteer_id == "country:SY")
    assert c.qualifier == "along the border"


def test_cooccurrence_pulls_ambiguous_names_together() -> None:
    # "Gaza" next to Gaza City quarters leans towards the city more than it does alone.
    alone = mentions("Strikes on Gaza.")[0]
    with_quarters = [
        m for m in mentions("Strikes on Shuja'iyya, Zeitoun and Tuffah in Gaza.") if m.place_text == "Gaza"
    ]
    city_alone = next(a.score for a in alone.alternatives if a.gazetteer_id == "geonames:281133")
    city_ctx = next(
        (a.score for a in with_quarters[0].alternatives if a.gazetteer_id == "geonames:281133"),
        with_quarters[0].confidence if with_quarters[0].gazetteer_id == "geonames:281133" else 0.0,
    )
    assert city_ctx > city_alone


def test_document_focus_follows_the_text() -> None:
    # Jordan-focused text: "Doha" stays Qatar, Amman is Jordan's capital, "Jordan" is the country.
    found = _by_text("King Abdullah met envoys in Amman, Jordan, after talks in Doha.")
    assert found["Amman"].gazetteer_id == "geonames:250441"
    assert found["Jordan"].gazetteer_id == "country:JO"


def test_mentions_carry_the_audit_trail() -> None:
    text = "Israeli tanks advanced on the outskirts of Rafah, witnesses said."
    m = mentions(text, published=datetime(2024, 5, 7, tzinfo=UTC))[0]
    assert m.place_text == "Rafah" and text[m.start : m.end] == "Rafah"
    assert m.place_name == "Rafah" and m.kind == "city"
    assert m.qualifier == "on the outskirts of"
    assert 0 < m.confidence <= 1
    assert m.alternatives and all(0 <= a.score <= 1 for a in m.alternatives)
    assert m.uncertainty is not None and m.uncertainty.note and "Rafah" in m.uncertainty.note
    assert isinstance(m.geometry, Point)


def test_mentions_are_in_text_order_and_spans_match() -> None:
    text = "From Jenin to Hebron, and from Sderot to Ashkelon; also Doha and Cairo."
    found = mentions(text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(text[m.start : m.end] == m.place_text for m in found)
    assert len(found) == 6


def test_hebrew_and_arabic_script() -> None:
    assert "geonames:293619" in _ids("אזעקה בשדרות")  # "in Sderot" with the prefix ב
    assert "geonames:281102" in _ids("قصف مدفعي على رفح")
    assert "geonames:281129" in _ids("غارة على مخيم جباليا") or "sitmap:jabalia-camp" in _ids("غارة على مخيم جباليا")


def _tiny_gazetteer(tmp_path, entries: list[list[object]], names: dict[str, list[float]]):
    import json

    from geo.build_gazetteer import ENTRY_FIELDS
    from geo.gazetteer import Gazetteer

    doc = {"version": 1, "fields": list(ENTRY_FIELDS), "entries": entries, "names": names, "skeletons": {}}
    path = tmp_path / "index.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return Gazetteer.load(path)


def test_ambiguous_far_apart_places_stay_unresolved(tmp_path) -> None:
    gaz = _tiny_gazetteer(
        tmp_path,
        [
            ["t:a", "Springvale", "city", "AA", None, 10.0, 10.0, 2000, 5000, None, None, "test"],
            ["t:b", "Springvale", "city", "BB", None, 40.0, -20.0, 2000, 5000, None, None, "test"],
            ["t:c", "Bland", "country", "BB", None, 41.0, -21.0, 500000, None, None, None, "test"],
        ],
        {"springvale": [0, 1.0, 1, 1.0], "bland": [2, 1.0]},
    )
    m = mentions("Floods were reported in Springvale on Monday.", gazetteer=gaz)[0]
    assert m.place_text == "Springvale"
    assert m.geometry is None and m.uncertainty is None and m.gazetteer_id is None
    assert {a.gazetteer_id for a in m.alternatives} == {"t:a", "t:b"}
    assert 0 < m.confidence < 0.55
    # A container written next to it settles the question.
    settled = mentions("Floods were reported in Springvale, Bland.", gazetteer=gaz)[0]
    assert settled.gazetteer_id == "t:b" and settled.geometry is not None


def test_tripoli_defaults_to_the_region_and_follows_the_text() -> None:
    assert mentions("Clashes were reported in Tripoli.")[0].gazetteer_id is not None
    libya = mentions("Clashes in Tripoli, Libya.")[0]
    assert libya.alternatives and libya.geometry is not None and libya.geometry.x < 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصف في حي الشجاعية والزيتون وتل الهوى", ["sitmap:shujaiyya", "sitmap:zeitoun", "sitmap:tal-al-hawa"]),
        ("غارة على بيت لاهيا وبيت حانون وجباليا", ["geonames:281145", "geonames:281146", "geonames:281129"]),
        ("قصف إسرائيلي على شمال قطاع غزة", ["sitmap:northern-gaza"]),
        ("اقتحام مستشفى الشفاء", ["sitmap:shifa-hospital"]),
        ("נפילה ברפיח ובעזה", ["geonames:281102", "sitmap:gaza-strip"]),
        ("אזעקה בשדרות ובאשקלון", ["geonames:293619", "geonames:295620"]),
        ("الاحتلال يقصف مدينة غزة", ["geonames:281133"]),
    ],
)
def test_arabic_and_hebrew_with_glued_proclitics(text: str, expected: list[str]) -> None:
    found = mentions(text)
    assert [m.gazetteer_id for m in found] == expected
    assert all(text[m.start : m.end] == m.place_text for m in found)
    assert not any(m.place_text[0] in "وב" for m in found)  # the proclitic is not part of the span


@pytest.mark.parametrize(
    ("text", "landmark", "inside"),
    [
        (
            "Tanks shelled houses on Baghdad street in eastern Shujaiyya on Monday.",
            "Baghdad street",
            "sitmap:shujaiyya",
        ),
        ("A strike hit the Safad school in Zeitoun, which sheltered families.", "Safad school", "sitmap:zeitoun"),
        ("Troops entered Tal al-Hawa and searched the Hebron school there.", "Hebron school", "sitmap:tal-al-hawa"),
    ],
)
def test_street_or_building_named_after_a_far_place_stays_in_its_container(
    text: str, landmark: str, inside: str
) -> None:
    """Issue 12: a name that would jump out of the named neighbourhood is a site inside it."""
    found = {m.place_text: m for m in mentions(text)}
    m = found[landmark]
    assert m.gazetteer_id == inside
    assert text[m.start : m.end] == landmark
    assert m.alternatives  # the far namesake is kept, not lost


def test_a_place_inside_its_container_is_not_taken_for_a_landmark() -> None:
    [jabalia, _] = mentions("Medics said a strike hit the Jabalia market in northern Gaza.")
    assert jabalia.gazetteer_id == "geonames:281129"


@pytest.mark.parametrize(
    "text",
    [
        "Israeli tanks pushed south of Gaza City on Monday.",
        "قصف مدفعي جنوب مدينة غزة يوم الاثنين.",
        "תקיפה בדרום העיר עזה ביום שני.",
    ],
)
def test_south_of_gaza_city_is_the_south_of_the_city_not_of_the_strip(text: str) -> None:
    """Issue 12: "south of Gaza City" was caught by the alias "the south of Gaza" (Khan Younis and
    Rafah, 11 km radius); it is the southern half of Gaza City's extent."""
    [m] = mentions(text)
    assert m.gazetteer_id == "geonames:281133", m.place_text
    assert m.qualifier in ("south of", "southern")
    assert m.geometry is not None and m.uncertainty is not None and m.uncertainty.region is not None
    city = mentions("Gaza City")[0]
    assert city.geometry is not None and city.uncertainty is not None
    assert m.geometry.y < city.geometry.y and m.uncertainty.radius_m < city.uncertainty.radius_m


def test_the_south_of_gaza_is_still_the_southern_strip() -> None:
    [m] = mentions("Families fled to the south of Gaza.")
    assert m.gazetteer_id == "sitmap:southern-gaza"


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("תקיפה מערב חאן יונס.", "west of"),
        ("הפגזה ממערב לחאן יונס.", "west of"),
        ("ירי צפונית לחאן יונס.", "north of"),
        ("תקיפה במזרח חאן יונס.", "eastern"),
        ("قصف غرب خان يونس.", "west of"),
    ],
)
def test_direction_phrases_in_hebrew_and_arabic(text: str, qualifier: str) -> None:
    [m] = mentions(text)
    assert m.gazetteer_id == "geonames:281124" and m.qualifier == qualifier
    whole = mentions("Khan Younis")[0]
    assert m.uncertainty is not None and whole.uncertainty is not None
    assert m.uncertainty.radius_m < whole.uncertainty.radius_m  # a half of the town, not the town


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("غارة إسرائيلية على خيام النازحين في المواصي.", "خيام"),  # tents of the displaced, not Khiam
        ("استهداف الخيام في دير البلح.", "الخيام"),  # the tents, in a report about Gaza
        ("ירי לעבר מגן ברזל.", "מגן"),  # a shield, not Kibbutz Magen
        ("חברים רעים.", "רעים"),  # bad friends, not Re'im
        ("وفي جنين اقتحمت القوات المدينة.", "وفي"),  # "and in", a GeoNames alternate name of Alofi (Niue)
        ("אמרו עדי ראייה בחאן יונס.", "עדי"),  # eyewitnesses, not the village Adi
        ("انتشال جثامين خمسة شهداء من تحت الأنقاض.", "شهداء"),  # martyrs, not the village Ash Shuhada
        ("חיל האוויר תקף באזור נצרים.", "אזור"),  # "the area of", not the town Azor
        ("בפיקוד העורף מסרו כי נשמעו אזעקות בעקבות שיגור רקטה.", "מסרו"),  # "they said", not Maseru
        ("בפיקוד העורף מסרו כי נשמעו אזעקות בעקבות שיגור רקטה.", "יגור"),  # a launch, not "ש" + Yagur
    ],
)
def test_everyday_nouns_are_not_places(text: str, word: str) -> None:
    """Issue 12: a common noun that shares its letters with a place is no place outside a place context."""
    assert not [m for m in mentions(text) if word in m.place_text or m.place_text in word]


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("غارة إسرائيلية على بلدة الخيام في جنوب لبنان.", "sitmap:khiam"),
        ("قصف مدفعي على الخيام، جنوب لبنان.", "sitmap:khiam"),
        ("Hezbollah fighters in Khiam fired rockets.", "sitmap:khiam"),
        ("תקיפה בקיבוץ מגן.", "sitmap:magen"),
        ("המחבלים חדרו לרעים.", "sitmap:reim"),
        ("قصف الزيتون يوم الاثنين.", "sitmap:zeitoun"),
        ("חיל האוויר תקף באזור נצרים.", "sitmap:netzarim"),
        ('צה"ל תקף בשכונת תל אל-הווא ובתל א-סולטאן.', "sitmap:tal-al-hawa"),
        ('צה"ל תקף בשכונת תל אל-הווא ובתל א-סולטאן.', "sitmap:tal-al-sultan"),
    ],
)
def test_the_same_words_in_a_place_context_are_places(text: str, entry_id: str) -> None:
    assert entry_id in {m.gazetteer_id for m in mentions(text)}


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("Shelling was reported south of Zeitoun.", "south of"),
        ("قصف مدفعي جنوب حي الزيتون.", "south of"),  # "south of the Zeitoun neighbourhood"
        ("תקיפה בדרום שכונת זייתון.", "southern"),
    ],
)
def test_a_direction_over_a_neighbourhood_word_still_halves_the_quarter(text: str, qualifier: str) -> None:
    """Issue 12: "south of Zeitoun" is the southern half of Zeitoun, also with حي / שכונת between."""
    [m] = mentions(text)
    whole = mentions("Zeitoun")[0]
    assert m.gazetteer_id == "sitmap:zeitoun" and m.qualifier == qualifier
    assert m.geometry is not None and whole.geometry is not None and m.geometry.y < whole.geometry.y
