"""Counter-claims phrased as an army's self-defence, a rights group's finding, or a contested
"claimed" in Arabic and Hebrew (issue 12): sentences written for sitmap in several voices.

An army's account often quotes its target ('fired at "suspects"'), speaks of warning shots, a
threat or a suspicious vehicle; a rights group answers with what it found ("no evidence of any
military use"); Arabic outlets mark the army's version with "زعم"/"ادعى" or "في المقابل", Hebrew
ones with "לעומת זאת". Each is the teller's own, contradicting account of the event told before.
"""

from __future__ import annotations

import geo
from geo.accounts import is_counter
from geo.model import Claim


def _claims(text: str, source: str, published: str) -> list[Claim]:
    return geo.parse(text, published=published, source=source)


def test_quoted_targets_read_as_the_armys_version() -> None:
    assert is_counter('The army said troops had fired at "armed suspects" near the fence.')
    assert is_counter("The military later claimed it had struck “a Hezbollah weapons depot” in the house.")
    assert is_counter('وقال جيش الاحتلال إن قواته قتلت "مسلحين" في المنطقة.')
    assert not is_counter('Residents said the "bombing" went on for hours.')


def test_self_defence_and_findings_are_counter_words() -> None:
    assert is_counter("The army said troops fired warning shots towards people who approached the road.")
    assert is_counter("Soldiers in the area had fired at suspects who posed a threat, the army said.")
    assert is_counter("A military spokesman said troops fired on a suspicious vehicle that sped towards them.")
    assert is_counter("Our fieldworkers found no evidence of any military activity in the building.")
    assert is_counter("The Health Ministry said no fighters were present in the shelter.")
    assert not is_counter("Troops fired tear gas in the market, residents said.")
    assert not is_counter("An air strike hit a house in Jabalia, killing four, medics said.")


def test_wire_warning_shots_answer_the_residents_account() -> None:
    text = (
        "Israeli fire killed three men queuing for flour near the Netzarim road on Thursday, residents "
        "of Nuseirat said.\n\n"
        'A military spokesperson said soldiers had fired "warning shots" at a crowd that moved towards them.'
    )
    claims = [c for c in _claims(text, "Example Wire", "2025-06-20") if c.event_type == "shooting"]
    assert {c.claimant for c in claims} == {"residents", "Israeli military"}
    assert all(c.status == "disputed" for c in claims)


def test_rights_group_finding_disputes_the_armys_target() -> None:
    text = (
        "Israeli aircraft bombed a three-storey home in Tal al-Hawa shortly after midnight on Monday, killing "
        "five members of one family, Al Mezan said. The Israeli military said it had struck a Hamas "
        'observation post "embedded among civilians". Al Mezan\'s researchers found no sign of any armed '
        "presence in the house."
    )
    claims = [c for c in _claims(text, "Al Mezan", "2025-02-11") if c.event_type == "airstrike"]
    assert {c.claimant for c in claims} >= {"Israeli military"}
    assert all(c.status == "disputed" for c in claims)


def test_arabic_zaama_with_a_quoted_target_is_an_account() -> None:
    text = (
        "استشهد شابان برصاص قوات الاحتلال فجر اليوم في بلدة قباطية جنوب جنين، وفق وزارة الصحة.\n\n"
        'في المقابل، زعم جيش الاحتلال أن جنوده أطلقوا النار على "مشتبهين" اقتربوا من القوة.'
    )
    claims = [c for c in _claims(text, "وكالة محلية", "2025-03-02") if c.event_type == "shooting"]
    assert "Israeli military" in {c.claimant for c in claims}
    assert len({c.claimant for c in claims}) == 2
    assert all(c.status == "disputed" for c in claims)


def test_hebrew_by_contrast_marks_the_armys_version() -> None:
    assert is_counter('בצה"ל, לעומת זאת, מסרו כי הכוח ביצע ירי אזהרה באוויר.')
    assert not is_counter('כוחות צה"ל פשטו הלילה על שכם ועצרו שלושה חשודים.')


def test_an_account_naming_one_of_the_places_stands_there_only() -> None:
    text = (
        "Lebanon's health ministry said Israeli fire killed nine people on Sunday in Bint Jbeil, Aitaroun and "
        "Maroun al-Ras as residents tried to go home. The Israeli army said soldiers near Aitaroun had fired at "
        "suspects who approached them."
    )
    claims = _claims(text, "Example Wire", "2025-01-27")
    army = [c for c in claims if c.claimant == "Israeli military"]
    assert army and {c.place_text for c in army} == {"Aitaroun"}


def test_an_account_of_last_week_does_not_answer_an_undated_strike() -> None:
    text = (
        "Three people were killed when an artillery shell hit a house in Tuffah, medics said.\n\n"
        "The army claimed its troops had killed dozens of gunmen in Jabalia over the past week."
    )
    claims = _claims(text, "Example Wire", "2024-11-05")
    tuffah = [c for c in claims if c.place_text == "Tuffah"]
    assert tuffah and {c.claimant for c in tuffah} == {"medics"}
    assert all(c.status == "reported" for c in tuffah)


def test_hebrew_tellers_in_the_body_with_a_connective_are_two_accounts() -> None:
    text = (
        'בחמאס טענו בהודעה כי לוחמי הארגון פגעו בטנק מרכבה סמוך לקיבוץ כיסופים. בצה"ל, לעומת זאת, מסרו כי '
        "הטיל החטיא ולא היו נפגעים."
    )
    claims = _claims(text, "Walla", "2025-02-03")
    tellers = {c.claimant for c in claims}
    assert {"Hamas", "Israeli military"} <= tellers
    assert all(c.status == "disputed" for c in claims if c.claimant in ("Hamas", "Israeli military"))


def test_a_denial_answers_the_event_at_its_place_whatever_its_kind() -> None:
    text = (
        "The Israeli military said gunmen opened fire at troops in Beit Hanoun on Friday, wounding a soldier.\n\n"
        "Hamas's armed wing said it was not aware of any clashes in Beit Hanoun."
    )
    claims = [c for c in _claims(text, "Example Wire", "2025-10-25") if c.place_text == "Beit Hanoun"]
    assert {c.claimant for c in claims} == {"Israeli military", "Hamas"}
    assert all(c.status == "disputed" for c in claims)


def test_hebrew_passive_target_and_mutual_clash_are_the_armys_version() -> None:
    assert is_counter('בצה"ל מסרו כי באזור חוסל מחבל של חמאס.')
    assert is_counter('בצה"ל מסרו כי הכוח הגיע בעקבות דיווח על "עימות הדדי" בכפר.')
    assert is_counter("The army said troops were sent to what it called a violent confrontation near the village.")
