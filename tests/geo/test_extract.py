"""Extraction: sentences with offsets, event cues, claimants and counts with their spread."""

from __future__ import annotations

import pytest

from geo import extract
from geo.extract import (
    CUE_PATTERNS,
    VAGUE_COUNTS,
    counts_by_kind,
    event_cues,
    event_type,
    find_claimant,
    find_counts,
    parse_count,
    split_sentences,
)

# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------


def test_sentences_keep_offsets_and_paragraphs() -> None:
    text = (
        "Dec. 2 (Wire) - Strikes hit Rafah. Lt. Col. Cohen said troops entered the U.N. school.\n\n"
        "  A second paragraph! Is it? Yes."
    )
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "Dec. 2 (Wire) - Strikes hit Rafah.",
        "Lt. Col. Cohen said troops entered the U.N. school.",
        "A second paragraph!",
        "Is it?",
        "Yes.",
    ]
    for s in sents:
        assert text[s.start : s.end] == s.text
    assert [s.paragraph for s in sents] == [0, 0, 1, 1, 1]


def test_empty_and_blank_text_have_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


# --------------------------------------------------------------------------------------
# Event cues: every family
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("An Israeli air strike hit a house in Rafah.", "airstrike"),
        ("An airstrike killed five.", "airstrike"),
        ("Warplanes bombed the camp overnight.", "airstrike"),
        ("A drone strike hit a car.", "airstrike"),
        ("The bombing flattened a block.", "airstrike"),
        ("Artillery shelled the eastern districts.", "shelling"),
        ("Tank fire hit a school.", "shelling"),
        ("Mortar rounds landed near the market.", "shelling"),
        ("Israeli troops pushed into the town.", "ground_operation"),
        ("Soldiers raided the camp at dawn.", "ground_operation"),
        ("The army said its forces were operating in the area.", "ground_operation"),
        ("Tanks advanced towards the centre.", "ground_operation"),
        ("Troops encircled the hospital.", "ground_operation"),
        ("Rockets were fired at Ashkelon.", "rocket_launch"),
        ("Sirens sounded in Sderot.", "rocket_launch"),
        ("Most projectiles were intercepted.", "rocket_launch"),
        ("Hezbollah fired anti-tank missiles at an army post.", "rocket_launch"),
        ("Gunmen opened fire at a bus stop.", "shooting"),
        ("Two people were shot dead at a checkpoint.", "shooting"),
        ("A stabbing attack wounded a man.", "other"),
        ("Residents were ordered to evacuate immediately.", "evacuation_order"),
        ("The army issued new evacuation orders for the east of the city.", "evacuation_order"),
        ("The military told residents of the north to move south.", "evacuation_order"),
        ("Israel declared the coastal strip a humanitarian zone.", "humanitarian_zone"),
        ("The safe zone was expanded.", "humanitarian_zone"),
        ("Ceasefire talks resumed with mediators from Qatar.", "negotiation"),
        ("The negotiating team left for Cairo.", "negotiation"),
        ("Hamas studied a hostage deal proposal.", "negotiation"),
        ("Three people were killed in an explosion.", "other"),
        ("قالت وزارة الصحة إن غارة جوية على منزل أسفرت عن مقتل خمسة.", "airstrike"),
    ],
)
def test_cue_families(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the more specific type wins
        ("The order to evacuate came after strikes on the area.", "evacuation_order"),
        ("Strikes hit tents in the humanitarian zone.", "airstrike"),
        ("Tank shells struck the east of the city.", "shelling"),
        # talks next to a strike are context
        ("Strikes continued as talks resumed in Doha.", "airstrike"),
        # the means of a raid are not the event; nor is what a statement adds
        ("Special forces rescued four hostages in a raid backed by heavy air strikes.", "ground_operation"),
        ("Troops pushed into the district, the army said, adding that it had struck 50 targets.", "ground_operation"),
    ],
)
def test_cue_priority(sentence: str, expected: str) -> None:
    assert event_type(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "No strikes were reported in the area overnight.",
        "The night was quiet, residents said.",
        "Prices of flour have risen tenfold.",
        "Dock workers went on a general strike.",
        "The two sides struck a deal on aid.",
        "The army threatened to strike the town if rockets continued.",
        "No new operation was announced.",
        "",
    ],
)
def test_no_event(sentence: str) -> None:
    assert event_type(sentence) is None


def test_cue_offsets_and_triggers_agree_with_the_patterns() -> None:
    sentence = "Sirens sounded as rockets were intercepted, then artillery shelled the launch sites."
    cues = event_cues(sentence)
    assert {c.event_type for c in cues} >= {"rocket_launch", "shelling"}
    for c in cues:
        assert sentence[c.start : c.end] == c.text
    # the cheap substring triggers never hide a cue the full pattern would find
    samples = [
        "air-strikes",
        "air raid",
        "fighter jets",
        "launches from Lebanon",
        "ballistic missile",
        "red alert sirens",
        "head south",
        "displacement order",
        "must leave now",
        "urgent evacuation",
        "were told to leave",
        "gunboats",
        "naval gunfire",
        "armoured bulldozers advanced",
        "took control",
        "withdrawal",
        "special forces",
        "sniper fire",
        "car-ramming",
        "fired at worshippers",
        "truce proposal",
        "delegation",
        "mediation",
        "safe area",
        "إطلاق نار",
        "توغل",
        "قذائف",
        "صواريخ",
        "إخلاء",
    ]
    for text in samples:
        brute = {etype for etype, _, pattern in CUE_PATTERNS if pattern.search(text)}
        assert {c.event_type for c in event_cues(text)} == brute, text


# --------------------------------------------------------------------------------------
# Claimants
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "words"),
    [
        ("Strikes hit Rafah, the IDF said.", "Israeli military", "the IDF"),
        ("The Israeli military said it struck 50 targets.", "Israeli military", "The Israeli military"),
        ("Tanks moved in as the army said the operation would continue.", "Israeli military", "the army"),
        ("At least 12 died, according to the health ministry.", "Gaza health ministry", "the health ministry"),
        ("A strike hit a school, a statement from UNRWA said.", "UNRWA", "UNRWA"),
        ("Medics at Nasser Hospital said 20 arrived.", "medics", "Medics at Nasser Hospital"),
        ("Shells hit the camp, witnesses said.", "witnesses", "witnesses"),
        ("Hamas said its fighters ambushed a unit.", "Hamas", "Hamas"),
        ("Gaza's civil defence said 19 were killed.", "Gaza civil defence", "Gaza's civil defence"),
        ("The Palestinian Red Crescent said its crews were shot at.", "Palestinian Red Crescent", None),
        ("Two died, Palestinian health ministry figures in Ramallah said.", "Palestinian health ministry", None),
        ("A Hamas official told Reuters the talks had stalled.", "Hamas", "A Hamas official"),
        ("In a statement, COGAT said 200 trucks entered.", "COGAT", "COGAT"),
        ("Magen David Adom said a man was lightly hurt.", "Magen David Adom", "Magen David Adom"),
        ("Mayor Ahmed Sufi said the town had no water.", "Mayor Ahmed Sufi", "Mayor Ahmed Sufi"),
        ("Strikes killed 30 people, said the Gaza government media office.", "Gaza government media office", None),
        ("قالت وزارة الصحة إن غارة جوية أسفرت عن مقتل خمسة.", "Gaza health ministry", "وزارة الصحة"),
    ],
)
def test_claimant_patterns(sentence: str, name: str, words: str | None) -> None:
    found = find_claimant(sentence)
    assert found is not None, sentence
    assert found.name == name
    if words is not None:
        assert found.text == words
    assert sentence[found.start : found.end] == found.text


@pytest.mark.parametrize(
    "sentence",
    [
        "Airstrikes were reported across the Strip.",
        "No fatalities were reported.",
        "The army told residents to leave.",  # told people to do something: not a source
        "It said the strikes would continue.",
        "Hamas fighters fired rockets at Sderot.",  # an actor, not a teller
        "Israel had declared the area a humanitarian zone.",
    ],
)
def test_not_an_attribution(sentence: str) -> None:
    assert find_claimant(sentence) is None


def test_reporting_bodies_count_without_a_speech_verb() -> None:
    found = find_claimant("Airstrikes killed 107 people, with the health ministry saying most were women.")
    assert found is not None and found.name == "Gaza health ministry"


def test_canonical_names_keep_the_words_used() -> None:
    assert extract.canonical_claimant("Israel Defense Forces") == "Israeli military"
    assert extract.canonical_claimant("the Ministry of Health in Gaza") == "Gaza health ministry"
    assert extract.canonical_claimant("IDF Arabic spokesperson") == "Israeli military"
    assert extract.canonical_claimant("Sitmap Wire") is None


# --------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "low", "best", "high"),
    [
        ("at least 30", 30, 30, None),
        ("more than 400", 401, 401, None),
        ("over 50", 51, 51, None),
        ("nearly 200", 180, 199, 199),
        ("about 50", 40, 50, 60),
        ("between 20 and 40", 20, None, 40),
        ("8-11", 8, None, 11),
        ("up to 10", None, None, 10),
        ("five", 5, 5, 5),
        ("twenty-three", 23, 23, 23),
        ("1,200", 1200, 1200, 1200),
        ("a dozen", 12, 12, 12),
        ("dozens", *VAGUE_COUNTS["dozens"]),
        # issue 12: vague words give the range they allow and no invented best estimate
        ("dozens of", 24, None, 99),
        ("hundreds of", 200, None, 999),
        ("several", 3, None, 9),
        ("at least dozens", 24, None, None),
    ],
)
def test_parse_count(phrase: str, low: int | None, best: int | None, high: int | None) -> None:
    est = parse_count(phrase)
    assert est is not None
    assert (est.low, est.best, est.high) == (low, best, high)
    assert est.text == phrase


def test_parse_count_rejects_non_numbers() -> None:
    assert parse_count("the") is None
    assert parse_count("40 to 20") is None  # a reversed range is not a range


@pytest.mark.parametrize(
    ("sentence", "kind", "low", "best", "high"),
    [
        ("An air strike killed at least 12 people, medics said.", "fatalities", 12, 12, None),
        ("Dozens of people were wounded.", "injured", 24, None, 99),
        ("The strike left 93 dead and 142 injured.", "fatalities", 93, 93, 93),
        ("The strike left 93 dead and 142 injured.", "injured", 142, 142, 142),
        ("Jets struck more than 50 targets overnight.", "targets", 51, 51, None),
        ("The death toll rose to 70.", "fatalities", 70, 70, 70),
        ("Five Palestinians were killed and twenty wounded.", "fatalities", 5, 5, 5),
        ("A man in Ashkelon was lightly hurt.", "injured", None, None, None),
        ("Two people inside were killed.", "fatalities", 2, 2, 2),
        ("Strikes killed between 8 and 11 people.", "fatalities", 8, None, 11),
        ("Hundreds of people were injured.", "injured", 200, None, 999),
    ],
)
def test_counts_in_sentences(sentence: str, kind: str, low: int | None, best: int | None, high: int | None) -> None:
    counts = counts_by_kind(sentence)
    if low is None and best is None and high is None:
        assert kind not in counts
        return
    est = counts[kind]
    assert (est.low, est.best, est.high) == (low, best, high)


def test_running_totals_are_not_event_counts() -> None:
    assert counts_by_kind("Twelve were killed, bringing the toll to 15,000 since the war began.") == {
        "fatalities": parse_count("Twelve")
    }
    assert counts_by_kind("More than 40,000 people have been killed since October.") == {}


def test_count_spans() -> None:
    s = "Israeli strikes killed 11 people and wounded 30 others in Rafah."
    found = find_counts(s)
    assert [(c.kind, c.estimate.best) for c in found] == [("fatalities", 11), ("injured", 30)]
    for c in found:
        assert s[c.start : c.end] == c.text


# --------------------------------------------------------------------------------------
# Organisation and person names
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Hamas's Khan Younis Brigade was dismantled.", "Khan Younis", True),
        ("The Gaza health ministry said.", "Gaza", True),
        ("Gaza's civil defence said.", "Gaza", True),
        ("The Jerusalem Post reported.", "Jerusalem", True),
        ("The Gaza Division took over.", "Gaza", True),
        ("Mayor Rafah Ahmed spoke.", "Rafah", True),
        ("Strikes hit Khan Younis overnight.", "Khan Younis", False),
        ("Shelling hit Sheikh Radwan.", "Sheikh Radwan", False),
    ],
)
def test_organisation_and_person_names(text: str, name: str, expected: bool) -> None:
    start = text.index(name)
    assert extract.is_organisation_or_person(text, start, start + len(name)) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A truce between Israel and Hamas took effect at 7 a.m.", "negotiation"),
        ("Israel agreed to begin four-hour pauses in fighting each day.", "negotiation"),
        ("An agreement had been reached to extend the humanitarian truce.", "negotiation"),
        ("The population of the north should relocate to the south.", "evacuation_order"),
        (
            "The spokesman told residents of blocks in Jabalia and in eastern Gaza City, such as Tuffah, to leave.",
            "evacuation_order",
        ),
        ("Israeli forces disguised as medical staff entered the hospital.", "ground_operation"),
        ("The 98th division had completed its mission and left the city.", "ground_operation"),
        ("Twenty aid trucks carrying medicine entered through the crossing.", "other"),
        ("The first aid convoy since the war began entered the Strip.", "other"),
        ("Aid trucks queued for a third day at the crossing.", None),
        ("Thirteen hostages were released on Friday.", "other"),
        ("Residents agreed that the night was cold.", None),
    ],
)
def test_truce_relocation_and_other_cues(sentence: str, expected: str | None) -> None:
    assert event_type(sentence) == expected
