"""The geoparser meets its quality targets on the project's own evaluation set.

Runs ``bench/geoparse_eval.py`` over ``tests/data/geoparse/gold.jsonl`` (texts written
for sitmap, with gold toponyms and events) and asserts toponym F1 >= 0.95 and event
recall >= 0.90. Quality, not timing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "data" / "geoparse" / "gold.jsonl"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("geoparse_eval", ROOT / "bench" / "geoparse_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    return _bench().evaluate(GOLD).summary()  # type: ignore[no-any-return]


def test_gold_set_covers_what_the_issue_asks() -> None:
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) >= 60
    text = "\n".join(r["text"] for r in records)
    for name in [
        "Khan Younis",
        "Khan Yunis",
        "Khan Yunus",
        "خان يونس",
        "Deir al-Balah",
        "Deir el-Balah",
        "Nuseirat",
        "Beit Hanoun",
        "Beit Hanun",
        "Jabalia",
        "Jabaliya",
        "Bureij",
        "Maghazi",
        "northern Gaza",
        "southern Gaza",
        "Gaza City",
        "Jerusalem",
        "Sderot",
        "Ashkelon",
        "Jenin",
        "Metula",
        "Doha",
        "Cairo",
        "Khan Younis Brigade",
        "David Barnea",
        "Gaza - At Tuffah",
        "6-Jun-25",
        "overnight into Saturday",
        "in the past 24 hours",
        "last week",
        "earlier this month",
        "blocks 55, 56 and 62",
        "areas numbered 2231.2",
    ]:
        assert name in text, name
    styles = {r["style"] for r in records}
    assert {"wire", "official", "evacuation", "acled"} <= styles
    assert sum(1 for r in records if not r["events"]) >= 5  # texts with no event
    assert sum(1 for r in records if len(r["events"]) > 1) >= 5  # several events per text
    places = {t["place"] for r in records for t in r["toponyms"]}
    assert {"rafah", "rafah_eg", "gaza_city", "gaza_strip"} <= places
    for r in records:
        for t in r["toponyms"]:
            assert r["text"][t["start"] : t["end"]] == t["text"]


def test_toponym_f1_target(scores: dict[str, float]) -> None:
    assert scores["toponym_f1"] >= 0.95, scores


def test_event_recall_target(scores: dict[str, float]) -> None:
    assert scores["event_recall"] >= 0.90, scores


def test_dates_types_and_claimants_of_found_events(scores: dict[str, float]) -> None:
    assert scores["date_accuracy"] >= 0.95, scores
    assert scores["event_type_accuracy"] >= 0.90, scores
    assert scores["claimant_accuracy"] >= 0.90, scores
    assert scores["event_precision"] >= 0.85, scores


def test_claims_in_other_voices_meet_the_issue_12_targets() -> None:
    """The claim-level set (tests/data/geoparse/claims_gold.jsonl): one-to-one recall, located
    precision, claimant accuracy and the neighbourhood radius check (quality, not timing)."""
    bench = _bench()
    s = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / "claims_gold.jsonl").summary()
    assert s["texts"] >= 60
    assert s["one_to_one_recall"] >= bench.TARGET_ONE_TO_ONE_RECALL, s
    assert s["located_precision"] >= bench.TARGET_LOCATED_PRECISION, s
    assert s["claimant_accuracy"] >= bench.TARGET_CLAIMANT_ACCURACY, s
    assert s["inside_radius"] >= bench.TARGET_INSIDE_RADIUS, s
    assert s["median_radius_km"] <= bench.TARGET_MEDIAN_RADIUS_KM, s


def test_two_tellers_of_one_event_are_two_disputed_claims_on_the_accounts_set() -> None:
    """The counter-claim set (tests/data/geoparse/accounts_gold.jsonl): accounts in one sentence
    or two, denials, Arabic and Hebrew; scored like the claim set, with the disputed accounts."""
    bench = _bench()
    sc = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / "accounts_gold.jsonl")
    s = sc.summary()
    assert s["texts"] >= 30 and sc.disputed_gold >= 50
    assert s["one_to_one_recall"] >= bench.TARGET_ONE_TO_ONE_RECALL, s
    assert s["located_precision"] >= bench.TARGET_LOCATED_PRECISION, s
    assert s["claimant_accuracy"] >= bench.TARGET_CLAIMANT_ACCURACY, s
    assert s["disputed_recall"] >= 0.90, s


def test_the_place_set_places_claims_where_its_gold_says() -> None:
    """The place-resolution set (tests/data/geoparse/places_gold.jsonl, issue 12): located claims land
    on gold places and the neighbourhood radius check holds (its recall also depends on event cues
    and tellers in Arabic and Hebrew, measured but not asserted here)."""
    bench = _bench()
    s = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / "places_gold.jsonl").summary()
    assert s["texts"] >= 20
    assert s["located_precision"] >= bench.TARGET_LOCATED_PRECISION, s
    assert s["inside_radius"] >= bench.TARGET_INSIDE_RADIUS, s
    assert s["median_radius_km"] <= bench.TARGET_MEDIAN_RADIUS_KM, s


def test_blind_set_does_not_regress_below_its_first_measure() -> None:
    """The blind held-out set (tests/data/geoparse/blind_gold.jsonl: 30 texts, 117 gold events, written
    by an evaluator before reading geo/). At 3c71e6d (after the cue words of 53498cb) it scored
    one-to-one recall 0.419, located precision 0.621, claimant accuracy 0.766, 26 of 31 neighbourhood
    reference points inside the stated radius (the 5 outside are Nur Shams, whose gold point is the
    evaluator's guess, 0.94 km from the gazetteer's), median radius 1.38 km: far from the issue 12
    targets (0.90 / 0.85 / 0.95 / 0.95 / 1.5 km), so this test does NOT assert the targets. It asserts
    floors a little below those figures, so that a regression fails while the set stays a measure
    nobody tunes the parser to. Raise the floors when the parser improves on other texts; never edit
    the blind texts or gold to pass."""
    bench = _bench()
    s = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / "blind_gold.jsonl").summary()
    print(f"blind set: {s}")
    assert s["texts"] == 30 and s["gold_events"] == 117, s
    # raised in session 5 (issue 12 attribution work: 0.923 recall, 1.000 claimant, 14 of 16 disputed at 3f88dfc)
    assert s["one_to_one_recall"] >= 0.87, s
    # located precision raised after the place-role work (precision: 0.962 at 7c5db06)
    # raised after the places work (gazetteer rows, everyday words, border strips): 0.991 at b1f17e6
    assert s["located_precision"] >= 0.95, s
    assert s["claimant_accuracy"] >= 0.95, s
    assert s["disputed_recall"] >= 0.75, s
    # Nur Shams' radius now covers the published points 0.9 km from its polygon's centroid: 54 of 54 inside
    assert s["inside_radius"] >= 0.95, s
    assert s["median_radius_km"] <= 1.6, s


def test_second_blind_set_does_not_regress_below_its_first_measure() -> None:
    """The second blind held-out set (tests/data/geoparse/blind2_gold.jsonl: 30 texts, 113 gold
    events, written by a second evaluator who read neither geo/ nor the other gold texts, and kept from
    the developers until it was scored). First scored at main 3cccaec: one-to-one recall 0.327, located
    precision 0.560, claimant accuracy 0.661, 0 of 16 disputed accounts, 17 of 18 neighbourhood
    reference points inside the stated radius, median radius 1.39 km. The floors below sit a little
    under those figures: they are regression guards, not the target (the issue 12 targets are 0.90 /
    0.85 / 0.95 / 0.95 / 1.5 km). Raise them when the parser improves on other texts; never edit these
    texts or their gold to pass, and never tune the parser to them."""
    bench = _bench()
    s = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / "blind2_gold.jsonl").summary()
    print(f"second blind set: {s}")
    assert s["texts"] == 30 and s["gold_events"] == 113, s
    # raised in session 5 (issue 12 attribution work: 0.832 recall, 0.931 claimant, 10 of 16 disputed at 3f88dfc)
    assert s["one_to_one_recall"] >= 0.78, s
    # located precision raised after the place-role work (precision: 0.935 at 7c5db06)
    # raised after the places work: 0.935 at b1f17e6
    assert s["located_precision"] >= 0.91, s
    assert s["claimant_accuracy"] >= 0.88, s
    assert s["disputed_recall"] >= 0.5, s
    # 31 of 31 inside once Kamal Adwan's radius covers the other published point 0.5 km away
    assert s["inside_radius"] >= 0.95, s
    assert s["median_radius_km"] <= 1.5, s


def _held_out(name: str) -> dict[str, float]:
    bench = _bench()
    s: dict[str, float] = bench.evaluate_claims(ROOT / "tests" / "data" / "geoparse" / name).summary()
    print(f"{name}: {s}")
    return s


def test_session5_held_out_sets_do_not_regress() -> None:
    """The held-out sets of session 5 (tests/data/geoparse/blind3_gold.jsonl, 40 texts, 232 gold events;
    blind4_gold.jsonl, 30 texts, 147 gold events), written by two evaluators who never read geo/ and
    kept outside the repository while the parser was worked on. Scored by the lead at the session's
    start (dbcaa1a) and end (f168064):

    - blind3: recall 0.440 -> 0.595, located precision 0.679 -> 0.748, claimant 0.816 -> 0.879,
      disputed 8 -> 14 of 30, inside radius 0.978, median radius 1.48 km;
    - blind4: recall 0.422 -> 0.497, located precision 0.579 -> 0.633, claimant 0.765 -> 0.768,
      disputed 0 -> 4 of 26, inside radius 1.000, median radius 1.40 km.

    Session 6 read their misses (development sets since): the floors follow the figures reached there
    (at c806963: blind3 0.741 / 0.826 / 0.977, 23 of 30; blind4 0.762 / 0.742 / 0.974, 18 of 26).

    Far from issue 12's targets (0.90 / 0.85 / 0.95), so these floors are regression guards a little
    under the end figures, not the target. Never edit these texts or their gold to pass; once their
    misses are read to fix the parser they are development sets and a new held-out set is needed."""
    s3 = _held_out("blind3_gold.jsonl")
    assert s3["texts"] == 40 and s3["gold_events"] == 232, s3
    assert s3["one_to_one_recall"] >= 0.75, s3
    assert s3["located_precision"] >= 0.81, s3
    assert s3["disputed_recall"] >= 0.80, s3
    assert s3["claimant_accuracy"] >= 0.95, s3
    assert s3["inside_radius"] >= 0.93, s3
    s4 = _held_out("blind4_gold.jsonl")
    assert s4["texts"] == 30 and s4["gold_events"] == 147, s4
    assert s4["one_to_one_recall"] >= 0.82, s4
    assert s4["located_precision"] >= 0.78, s4
    assert s4["disputed_recall"] >= 0.66, s4
    assert s4["claimant_accuracy"] >= 0.95, s4
    assert s4["inside_radius"] >= 0.95, s4


def test_session6_held_out_set_does_not_regress() -> None:
    """The held-out set of session 6 (tests/data/geoparse/blind5_gold.jsonl, 40 texts, 253 gold events),
    written by an evaluator who never read geo/ nor the earlier sets' texts, kept outside the repository
    while the parser was worked on and scored by the lead at the session's start (850d087) and end
    (2166a1f): recall 0.542 -> 0.589, located precision 0.690 -> 0.719, claimant 0.867 -> 0.898,
    disputed 21 -> 22 of 36, inside radius 0.907 -> 0.912 (median 1.45 km).

    The same session's work raised the opened sets (blind3, blind4) far more (recall 0.595 -> 0.772 and
    0.497 -> 0.844): this set says what carried over to unseen text. Floors sit a little under the end
    figures as a regression guard; issue 12's targets (0.90 / 0.85 / 0.95) are not met. Never edit these
    texts or their gold to pass; once their misses are read, the set is a development set."""
    s = _held_out("blind5_gold.jsonl")
    assert s["texts"] == 40 and s["gold_events"] == 253, s
    assert s["one_to_one_recall"] >= 0.57, s
    assert s["located_precision"] >= 0.70, s
    assert s["claimant_accuracy"] >= 0.88, s
    assert s["disputed_recall"] >= 0.58, s
    assert s["inside_radius"] >= 0.89, s
