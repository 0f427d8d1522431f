"""Two tellers, one event: another claimant's account of an event a report already told.

A report often gives one body's account and then another's ("Residents said a strike hit
tents ... The army said it had struck a militant command post in the area"; "The IDF
dismissed the claim"; "the military said fewer than 100 were killed"). Each account is a
claim of its own, with its own claimant and quote, at the event's place and time unless it
names its own; when the accounts contradict each other (a different target, a denial, a
cause other than the first teller's, figures that cannot both be true) both are marked
``disputed`` and their notes point at each other, so that corroboration groups them into
one disputed incident.
"""

from __future__ import annotations

import re
from functools import lru_cache

from geo.claimants import ClaimantMatch
from geo.events import Event, coordinated
from geo.model import CountEstimate, Mention, TimeInterval
from geo.places import contains, is_country, most_specific
from geo.sentences import Sentence
from geo.timeparse import TimeExpression

#: Parties to the fighting: their taking responsibility for an event ("Hamas's armed wing
#: claimed the barrage") is a claim of its own even when it agrees with the report.
PARTIES = frozenset({"Israeli military", "Hamas", "Palestinian Islamic Jihad", "Hezbollah", "Houthis"})
#: A denial: the teller says the event did not happen as told ("denied carrying out any strike",
#: "said it had not struck the area", "no Israeli strike hit the hospital"), in English, Arabic, Hebrew.
DENIAL = re.compile(
    r"\b(?:denied|denies|deny|dismissed|dismisses|rejected|rejects|refuted|disputed|disputes|contradicted)\b|"
    r"\b(?:did|had|has|have|was|were)\s+not\s+(?:\w+\s+){0,2}?(?:carr(?:y|ied)\s+out|strik\w*|struck|target\w*|"
    r"fire[ds]?|open(?:ed)?\s+fire|shoot|shot|attack\w*|hit|bomb\w*|shell\w*|involved|operating)\b|"
    r"\b(?:no|not\s+an?)\s+(?:Israeli\s+|IDF\s+|army\s+|military\s+)?(?:air\s*strike|strike|shelling|shots?|fire|"
    r"raid|attack)\s+(?:was|were|had|has|took|hit|on)\b|\bnot\s+(?:responsible|behind)\b|"
    r"\b(?:not\s+aware\s+of|no\s+(?:knowledge|record)\s+of)\s+(?:an?\s+|any\s+)?(?:\w+\s+)?(?:strikes?|attacks?|"
    r"shootings?|incidents?|shelling|raids?|fire|clash(?:es)?|fighting|firefights?|exchanges?\s+of\s+fire)\b|"
    r"نفى|نفت|تنفي|ينفي|(?:لم|لا)\s+(?:ينفذ|تنفذ|يستهدف|تستهدف|يقصف|تقصف|يطلق|تطلق)|"
    r"הכחיש|הכחישה|הכחישו|מכחיש|מכחישה|דחה את|דחתה את|(?:לא|שלא)\s+(?:תקף|תקפו|ירה|ירו|פגע|פגעו|היה מעורב)",
    re.I,
)
#: Whom an army says it hit ("a Hamas command post", "gunmen", "a weapons depot").
_TARGET_WORDS = (
    r"(?:Hamas|Hezbollah|Islamic Jihad|militants?|terrorists?|gunmen|fighters|operatives|commanders?|command|"
    r"launch(?:er|ing)?\s+(?:site|post|pad)s?|launchers?|military\s+(?:site|base|post|position|target)s?|"
    r"army\s+(?:base|post|position)s?|infrastructure|people\s+who\s+approached|suspects?|wanted|"
    r"weapons?\s+(?:depot|store|storage|cache|site)s?|depots?|tunnels?|cell)"
)
#: Words of an account that contradicts the one before: another target or cause, a review,
#: the dead called fighters or attackers; English, Arabic and Hebrew.
COUNTER = re.compile(
    r"\b(?:psychological warfare|propaganda|fabricat\w*|false|"
    r"stampede|crush|trampled|misfired?|misfiring|errant|failed\s+(?:rocket\s+)?launch|technical\s+(?:fault|failure|"
    r"malfunction)|malfunction\w*|crashed\s+(?:on\s+its\s+own|by\s+itself))\b|"
    r"\b(?:said|says|claimed|claims|insisted|stated|added)\s+(?:that\s+)?(?:it|they|its\s+\w+|the\s+\w+(?:\s+\w+)?)\s+"
    r"(?:had\s+|has\s+|have\s+)?(?:targeted|struck|hit|attacked|killed|eliminated|aimed|fired|shot|"
    r"was\s+targeting|were\s+targeting|fired\s+only|only\s+fired)\s+"
    r"(?:[\w-]+\s+){0,4}?" + _TARGET_WORDS + r"|"
    r"\b(?:said|says|claimed|claims|stated)\s+(?:that\s+)?(?:he|she|they|the\s+(?:\w+\s+){0,2}?(?:men|man|dead|"
    r"victims?|three|two|four|five|suspects?))\s+(?:had\s+|has\s+|were\s+|was\s+)?(?:all\s+)?"
    r"(?:thrown|threw|hurled|attacked|tried|attempted|approached|opened\s+fire|fired\s+at|armed|gunmen|militants|"
    r"terrorists|fighters|operatives|members\s+of|planning)\b|"
    r"\b(?:said|says|claimed|claims|stated|told\s+(?:[\w-]+\s+){0,3}?that)\s+(?:that\s+)?"
    r"(?:troops|soldiers|forces|its\s+(?:troops|soldiers|forces))\s+(?:had\s+)?(?:only\s+)?(?:fired|shot|opened\s+fire)\s+"
    r"(?:[\w-]+\s+){0,3}?" + _TARGET_WORDS + r"|"
    r"\b(?:were|was)\s+(?:all\s+|mostly\s+)?civilians\b|\bposed\s+no\s+(?:threat|danger)\b|"
    r"\b(?:was|were)\s+(?:not\s+armed|unarmed)\b|"
    # the dead named as bystanders against an army's "suspects" ("the man was a shepherd")
    r"\bsaid\s+(?:that\s+)?(?:the|both|all)\s+(?:\w+\s+){0,2}?(?:man|men|dead|victims?|two|three|killed)\s+"
    r"(?:was|were)\s+(?:a\s+|an\s+|all\s+|only\s+)?(?:[\w-]+\s+){0,2}?(?:civilians?|shepherds?|farmers?|"
    r"fishermen|fisherman|children|students?|journalists?|paramedics?|aid\s+workers?|workers?)\b|"
    # an army's account of self-defence ("troops returned fire after gunmen shot at them")
    r"\b(?:returned|returning)\s+fire\b|\b(?:after|when)\s+(?:gunmen|militants|suspects|assailants|terrorists)\s+"
    r"(?:shot|fired|opened\s+fire|attacked|threw|hurled)\b|"
    r"\bmost\s+(?:\w+\s+){0,3}(?:died|were\s+killed)\s+in\b|\b(?:was|were)\s+(?:targeting|aimed\s+at)\b|"
    r"\bembedded\b|\boperating\s+from\b|"
    r"(?:إن|أن|بأن)\S*\s+(?:\S+\s+){0,2}?(?:استهدف\S*|قصف\S*|أغار\S*|هاجم\S*|قتل\S*|اغتال\S*|قضى\s+على|قضت\s+على|"
    r"أطلق\S*\s+النار\s+على)\s+(?:\S+\s+){0,3}?"
    r"(?:مسلح|عناصر|عنصر|مقاتل|قيادي|مخزن|مقر|منصة|منصات|بنية|نفق|خلية|حماس|لحماس|حزب الله|لحزب الله|الجهاد)|"
    r"(?:תקף|תקפו|תקפה|חיסל|חיסלו|פגע|פגעו|ירה|ירו|הותקף|הותקפו|חוסל|חוסלו)\s+(?:\S+\s+){0,3}?"
    r"(?:מחבל|ה?מחבלים|מחבלי|חמאס|חיזבאללה|הג'יהאד|תשתי|מפקד|מחסן|משגר|חוליי?ת)|"
    r"נרמסו|דוחק|שיגור כושל|רקטה שוגרה בכשל|היו אזרחים|كانوا مدنيين|"
    # a building an army says its enemy used ("שבו פעלו מחבלי חמאס", "used by Hamas militants")
    r"(?:פעלו|פעל|פועלים|שימש|שימשו)\s+(?:\S+\s+){0,2}?(?:מחבל|ה?מחבלים|מחבלי|חמאס|את חמאס|חיזבאללה)|"
    r"\bused\s+by\s+(?:Hamas|Hezbollah|Islamic Jihad|militants|gunmen|terrorists)\b|"
    # the victims named as women and children, against an army's "militants"
    r"(?:בהם|ביניהם)\s+(?:\S+\s+)?נשים\s+וילדים|بينهم\s+(?:\S+\s+)?نساء\s+وأطفال|"
    r"\b(?:including|among\s+them)\s+(?:\w+\s+)?women\s+and\s+children\b",
    re.I,
)


#: A statement that asserts nothing about the event: no comment, a review, an account nobody
#: could check ("declined to comment", "said it was looking into the report", "could not
#: immediately verify", "لم يعلق", "סירב להגיב"). It is no account of its own.
NONCOMMITTAL = re.compile(
    r"\b(?:declined|refused)\s+to\s+comment\b|\bdid\s+not\s+(?:immediately\s+)?(?:comment|respond|reply)\b|"
    r"\b(?:no|without)\s+(?:immediate\s+)?comment\b|\bcould\s+not\s+(?:be\s+reached|immediately\s+\w+|"
    r"independently\s+\w+|verify|confirm)\b|\b(?:unable|not\s+able)\s+to\s+(?:independently\s+)?(?:verify|confirm)\b|"
    r"\b(?:was|is|were|are)\s+(?:looking\s+into|investigating|reviewing|checking|examining|aware\s+of)\b|"
    r"\b(?:would|will)\s+(?:look\s+into|investigate|review|check)\b|\bunder\s+review\b|"
    r"(?:لم|رفض|رفضت)\s+(?:ي|ت)?(?:علق|التعليق|تعليق)|لم\s+يصدر\s+(?:أي\s+)?تعليق|(?:يحقق|تحقق|يراجع|تراجع)\s+في\s+|"
    r"(?:לא|סירב|סירבה|סירבו)\s+(?:הגיב|הגיבה|הגיבו|להגיב)|(?:בודק|בודקים|בודקת)\s+את|נבדק|נבדקים|בבדיקה",
    re.I,
)


def is_noncommittal(text: str) -> bool:
    """True if a sentence's teller asserts nothing: no comment, a review, an unverified account; no denial or target."""
    return bool(NONCOMMITTAL.search(text)) and not is_counter(text)


#: Quotation marks: an army's words are often quoted inside the account ('fired at "suspects"',
#: 'قتلوا "مسلحاً"'); the marks are dropped before the account's words are read.
_QUOTES = str.maketrans("", "", '"“”„«»‹›')
#: Other ways a teller sets its version against another's: an army's self-defence ("warning shots",
#: "posed a threat", "a suspicious vehicle that approached"), a rights group's finding against an
#: army's target ("found no evidence of any military use", "no fighters were present"), and the
#: Arabic and Hebrew words of reported speech that say a claim is contested ("زعم", "ادعى", "مشككاً",
#: "לעומת זאת").
ANSWER = re.compile(
    # the other side's part: "what it called a violent confrontation", "עימות הדדי", "יידו פלסטינים אבנים"
    r"\b(?:mutual|violent)\s+(?:confrontation|clash|friction)\b|"
    r"(?<![\u05d0-\u05ea])(?:עימות\s+הדדי|יידו\s+פלסטינים|פלסטינים\s+יידו)(?![\u05d0-\u05ea])|"
    r"\bwarning\s+shots\b|\b(?:posed|posing|pose)\s+an?\s+(?:immediate\s+|direct\s+|imminent\s+|real\s+)?threat\b|"
    r"\bremove\s+(?:a|the)\s+threat\b|\bsuspicious\s+(?:vehicle|car|person|persons|individuals?|object|movement)\b|"
    r"\b(?:troops|soldiers|forces)\s+(?:[\w-]+\s+){0,4}?(?:had\s+)?(?:only\s+)?(?:fired|shot|opened\s+fire)\s+"
    r"(?:[\w-]+\s+){0,3}?" + _TARGET_WORDS + r"|"
    r"\bno\s+(?:sign|evidence|trace|indication)\s+of\s+(?:any\s+)?(?:armed|military|militant|fighters?|gunmen|"
    r"weapons?|rocket)\b|\bno\s+(?:fighters|militants|gunmen|armed\s+men|weapons)\s+(?:were|was)\s+"
    r"(?:present|there|inside|in\s+the)\b|\b(?:was|were)\s+not\s+(?:carrying|holding)\s+(?:anything|a\s+weapon|"
    r"weapons|a\s+knife)\b|"
    r"(?<![\u0620-\u064a])(?:و|ف)?(?:زعم|زعمت|ادعى|ادعت|وادعى|يزعم|تزعم|يدعي|تدعي|مشكك\S*|"
    r"طلقات\s+تحذيرية|شكّ?ل\S*\s+تهديد\S*|لم\s+يكن\s+يحمل)(?![\u0620-\u064a])|"
    r"(?<![\u05d0-\u05ea])(?:לעומת\s+זאת|ירי\s+אזהרה|היוו\s+איום|היווה\s+איום|הסיר\s+(?:את\s+)?האיום|"
    r"סיכל\S*\s+(?:את\s+)?האיום)(?![\u05d0-\u05ea])",
    re.I,
)


@lru_cache(maxsize=4096)
def is_counter(text: str) -> bool:
    """True if a sentence tells its teller's version against another's (a denial or another target)."""
    plain = text.translate(_QUOTES)
    return bool(DENIAL.search(plain) or COUNTER.search(plain) or ANSWER.search(plain))


def is_account(
    current: Event,
    etype: str | None,
    s: Sentence,
    claimant: ClaimantMatch | None,
    leaves: list[Mention],
    s_times: list[TimeExpression],
    *,
    has_counts: bool,
    same_place: bool,
    window: TimeInterval | None = None,
) -> bool:
    """True if a sentence is another named teller's account of the event just told.

    The teller is named in the sentence and differs from the event's; the sentence names
    no other place and no other time; it contradicts the event's account, or a party to the
    fighting claims the same kind of event (a sentence with only another teller's figures is
    left to the count path, which makes those figures their own claim; a bystander's
    agreeing detail stays with the event). ``window``: the interval an event told without a
    time stands for (the days around publication); an account dated outside it ("over the past
    week") tells of another event.
    """
    if claimant is None or (current.claimant is not None and claimant.name == current.claimant.name):
        return False
    if current.claimant is None and not is_counter(s.text):
        return False  # an event the report tells itself is answered only by a contradiction
    if current.counts_only or current.account_of is not None:
        return False
    if leaves and not same_place and not all(is_country(m) for m in leaves):
        return False  # another place is another event ("fell inside Israel" moves nothing off Metula)
    told = current.time.interval if current.time is not None else window
    if s_times and told is not None and not told.overlaps(s_times[0].interval.start, s_times[0].interval.end):
        return False
    if is_noncommittal(s.text):
        return False  # "the army said it was looking into the report": nothing asserted, no account
    own = is_counter(s.text)
    if etype is None:  # a sentence telling no event is an account only if it contradicts itself
        return own and not (has_counts and not DENIAL.search(s.text))
    # the same event told by another: an account when either version contradicts the other
    counter = own or any(is_counter(x.text) for x in current.sentences)
    # an agreeing detail from a bystander stays with the event; a party claiming it is its own claim
    return counter or (etype == current.event_type and claimant.name in PARTIES)


def account_event(
    current: Event,
    s: Sentence,
    places: list[Mention],
    claimant: ClaimantMatch,
    counts: dict[str, CountEstimate],
    s_times: list[TimeExpression],
    speaker: list[Mention] | None = None,
    *,
    same_sentence: bool = False,
) -> Event:
    """Another teller's account of ``current`` as an event of its own; both marked disputed
    when either account contradicts the other. ``same_sentence``: the account is a clause of
    the sentence that tells the event ("..., while the army said ..."), which ``notes`` says."""
    told = current.claimant.name if current.claimant is not None else "the report"
    where = "in the same sentence" if same_sentence else "in the same report"
    denial = bool(DENIAL.search(s.text))
    disputed = denial or is_counter(s.text) or any(is_counter(x.text) for x in current.sentences)
    how = "denial" if denial else "counter-claim" if disputed else "account"
    own_leaves = most_specific(places)
    if (
        own_leaves
        and not all(is_country(m) for m in own_leaves)
        and (not _around_it(current, own_leaves) or _names_some_of(current, own_leaves))
    ):
        where_told = list(places)
    else:  # no place, a country, or the event's own place or its surroundings ("in Nuseirat" for the camp)
        where_told = list(current.places)
    ev = Event(
        event_type=current.event_type,
        sentences=[s],
        paragraph=s.paragraph,
        places=where_told,
        claimant_location=list(speaker or []),
        claimant=claimant,
        counts=dict(counts),
        time=s_times[0] if s_times else current.time,
        across=current.across,
        cue_weight=current.cue_weight,
        notes=[f"{how}: {claimant.name}'s account of the event told by {told} {where}"],
        account_of=current,
        disputed=disputed,
    )
    if disputed:
        current.disputed = True
        current.notes.append(f"disputed: {claimant.name} gives a contradicting account {where}")
    return ev


def _around_it(current: Event, leaves: list[Mention]) -> bool:
    """True if every place an account names holds one of the event's own places (or is one): the
    account then stands at the event's more specific place."""
    mine = most_specific(current.places)
    return bool(mine) and all(any(a is b or contains(b, a) for a in mine) for b in leaves)


def _names_some_of(current: Event, leaves: list[Mention]) -> bool:
    """True if an account names only some of the separate places an event was told at ("killed in
    Houla, Aitaroun and Kfar Kila" answered by "troops in the Houla area fired at suspects"): the
    account stands at the places it names, not at all of the event's."""
    mine = {m.gazetteer_id for m in coordinated(current, most_specific(current.places)) if m.gazetteer_id is not None}
    named = {m.gazetteer_id for m in leaves}
    return len(mine) > 1 and None not in named and named < mine


def _disjoint(a: CountEstimate, b: CountEstimate) -> bool:
    lo_a = a.low if a.low is not None else a.best
    hi_a = a.high if a.high is not None else a.best
    lo_b = b.low if b.low is not None else b.best
    hi_b = b.high if b.high is not None else b.best
    if hi_a is not None and lo_b is not None and hi_a < lo_b:
        return True
    return hi_b is not None and lo_a is not None and hi_b < lo_a


def mark_conflicting_figures(events: list[Event]) -> None:
    """Another teller's figures that cannot be true together with the event's ("at least 274
    killed" vs "fewer than 100") make both claims disputed."""
    for ev in events:
        base = ev.account_of
        if base is None or not ev.counts_only:
            continue
        clash = [k for k, v in ev.counts.items() if k in base.counts and _disjoint(v, base.counts[k])]
        if clash:
            who = ev.claimant.name if ev.claimant is not None else "another teller"
            ev.disputed = base.disputed = True
            ev.notes.append(f"disputed: its {', '.join(clash)} figures contradict the event's")
            base.notes.append(f"disputed: {who} gives {', '.join(clash)} figures that contradict these")
