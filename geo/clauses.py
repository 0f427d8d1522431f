"""Sentences split into clauses where one sentence tells two events of different types
("..., while ...", "... on Tuesday, after ... the day before", "ובמקביל", "فيما") or two
claimants' accounts ("the army said ..., as Qatar said ..."; "residents said ..., while / but /
whereas the army said ..."; "...; the army denied it"; "بينما قال ..."; "ואילו צה"ל מסר ...").
"""

from __future__ import annotations

import re

from geo.accounts import is_counter
from geo.claimants import find_claimant
from geo.cues import event_cues, event_type
from geo.sentences import Sentence, split_sentences

#: Past-tense verbs that open a second verb phrase of one subject ("... and fired shells at ...").
_PAST_VERB = (
    r"(?:[a-z]+ed|fired|shot|struck|hit|blew|tore|set|threw|hurled|beat|burnt|stormed|seized|took|opened|"
    r"dropped|launched|shelled|bombed|killed|wounded|injured|arrested|detained|demolished|bulldozed|raided|"
    r"torched|razed|flattened)"
)

#: Where a sentence's clauses meet: ";", "while", "after" ..., and the contrastive connectives
#: that join two tellers' accounts ("but", "however", "whereas"; "لكن", "بينما"; "ואילו", "אך").
_CLAUSE_SPLIT = re.compile(
    r";\s+(?:however,?\s+)?|,?\s+\b(?:while|whilst|whereas|meanwhile|as)\s+(?=[a-z]*\s*\w)|,\s+and\s+"
    r"|,\s+(?:but|however|yet)\s*,?\s+|,?\s+but\s+(?=(?:the|an?|its|their|[A-Z])\b)"
    r"|,?\s+\b(?:(?:hours|days|a day|shortly|soon|weeks|just)\s+)?(?:after|before)\s+(?=\w)"
    r"|,?\s+(?:ו?במקביל|ו?בתגובה|בזמן ש|לאחר ש|אחרי ש|ואילו|אך|אולם|אבל)\s*,?\s*"
    r"|[،,]?\s+(?:فيما|بينما|في حين|بعد أن|لكن|ولكن|غير أن|إلا أن)\s+"
    r"|[،,]?\s+بعد (?:ساعات|ساعة|أيام|يوم|يومين) (?:من|على)\s+"
    # a second verb phrase of the same subject ("tanks pushed into A and fired shells at B"), and
    # ", and then / ו... / و..." in Hebrew and Arabic: split only where the two sides tell two types
    # (not before an order: "... and ordered residents to leave" keeps the place the order is for)
    r"|\s+and\s+(?:then\s+|later\s+|also\s+)?(?!(?:ordered|told|warned|urged|instructed|called|asked)\b)"
    r"(?=" + _PAST_VERB + r"\b)"
    r"|,\s+(?=ו[\u05d0-\u05ea])|[،,]\s+(?=و[\u0621-\u064a])",
    re.I,
)


def _clauses(sentence: Sentence) -> list[Sentence]:
    """A sentence split where it tells two events of different types ("..., while ..."), or
    two claimants' accounts ("the army said the pause would hold, as Qatar said in Doha ...")."""
    if len({c.event_type for c in event_cues(sentence.text)} - {"negotiation"}) < 2:
        return _account_or_dated_clauses(sentence)
    parts = _parts(sentence)
    if len(parts) < 2:
        return _account_or_dated_clauses(sentence)
    types = [_clause_type(p.text) for p in parts]
    if sum(1 for t in types if t) < 2 or len({t for t in types if t}) < 2:
        return _account_or_dated_clauses(sentence)
    return _merge_untyped(sentence, parts, types)


def _account_or_dated_clauses(sentence: Sentence) -> list[Sentence]:
    """A sentence that tells one type of event: split into two tellers' accounts of it, else
    into events each told on its own day, else kept whole."""
    says = len(_SAYS.findall(sentence.text))
    if says >= 2 or (says == 1 and is_counter(sentence.text)):  # two tellers, perhaps of one event
        out = _claimant_clauses(sentence)
        if len(out) > 1:
            return out
    return _dated_clauses(sentence)


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
#: A clause that opens with its own day ("on 11 December, a house was hit", "and on Tuesday ...").
_OWN_DAY = re.compile(
    r"^(?:(?:and|then|later)\s+)?(?:early\s+|late\s+)?on\s+(?:\d{1,2}\s+" + _MONTH + r"|" + _MONTH + r"\s+\d{1,2}\b|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b)",
    re.I,
)


def _dated_clauses(sentence: Sentence) -> list[Sentence]:
    """The clauses of a sentence that lists events of one type each on its own day ("on 10
    December, a building in A was struck, and on 11 December, a house in B was hit"), so each
    event keeps its day; any other sentence stays whole."""
    if len(_OWN_DAY_HINT.findall(sentence.text)) < 2:
        return [sentence]
    parts = _parts(sentence)
    types = [_clause_type(p.text) for p in parts]
    if sum(1 for t in types if t) < 2:
        return [sentence]
    kept = _merge_untyped(sentence, parts, types)
    if len(kept) < 2 or not all(_OWN_DAY.match(k.text) for k in kept[1:]):
        return [sentence]
    return kept


#: Two of these in a sentence: it may list events each on its own day.
_OWN_DAY_HINT = re.compile(r"\bon\s+(?:\d{1,2}\s+[A-Z]|[A-Z][a-z]+\s+\d|[A-Z][a-z]+day\b)")


def _clause_type(clause: str) -> str | None:
    """The event type a clause tells; a bare casualty phrase ("three were killed") tells none
    of its own: it belongs to the event of the clause next to it."""
    t = event_type(clause)
    if t == "other" and not any(c.event_type == "other" for c in event_cues(clause)):
        return None
    return t


def _merge_untyped(sentence: Sentence, parts: list[Sentence], types: list[str | None]) -> list[Sentence]:
    """Clauses that tell no event of their own rejoin the clause before them (the first
    rejoins the next), so each clause kept is one event with its details."""
    out: list[Sentence] = []
    pending: Sentence | None = None
    for p, t in zip(parts, types, strict=True):
        if t is None:
            if out:
                out[-1] = _span(sentence, out[-1].start, p.end)
            else:
                pending = p if pending is None else _span(sentence, pending.start, p.end)
            continue
        out.append(_span(sentence, pending.start, p.end) if pending is not None else p)
        pending = None
    return out


def _span(sentence: Sentence, start: int, end: int) -> Sentence:
    """The part of ``sentence`` between two text offsets, as a clause."""
    return _sub(sentence, start - sentence.start, end - sentence.start)


#: Words that name a teller (a speech or denial verb, "according to"), in English, Arabic and
#: Hebrew: a sentence with two of them may hold two tellers' accounts.
_SAYS = re.compile(
    r"\b(?:said|says|announced|stated|confirmed|claimed|claims|reported|denied|denies|dismissed|rejected|"
    r"disputed|contested|refuted|insisted|according to)\b|"
    r"(?<![\u0620-\u065f\u066e-\u06d3])(?:و|ف)?(?:قال|قالت|أفاد|أفادت|ذكر|ذكرت|أعلن|أعلنت|نفى|نفت|أكد|أكدت|بحسب|وفق)(?![\u0620-\u065f\u066e-\u06d3])|"
    r"(?<![\u0590-\u05ff])[וש]?(?:מסר|מסרה|מסרו|הודיע|הודיעה|הודיעו|דיווח|דיווחה|דיווחו|אמר|אמרה|אמרו|סיפר|סיפרה|"
    r"סיפרו|טען|טענה|טענו|הכחיש|הכחישה|הכחישו|לפי|לדברי)(?![\u0590-\u05ff])",
    re.I,
)


def _account_type(clause: str) -> str | None:
    """The event type a clause tells, or, for a teller's clause that tells none but answers
    another's ("the army denied it"), a mark that keeps it a clause of its own."""
    t = event_type(clause)
    if t is None and is_counter(clause) and find_claimant(clause) is not None:
        return "account"
    if t is None and _HARM.search(clause) and find_claimant(clause) is not None:
        return "impact"  # "..., and police said shrapnel hit a house in Kiryat Bialik": its teller's own word
    return t


#: What an attack did where it fell, told by a teller of its own in a clause ("shrapnel hit a roof").
_HARM = re.compile(
    r"\b(?:hurt|wounded|injured|damaged|shrapnel|fragments|debris)\b|"
    r"(?<![\u05d0-\u05ea])ו?(?:נפצע|נפצעו|נפצעה|רסיסים|מרסיסים|נזק)(?![\u05d0-\u05ea])|"
    r"(?<![\u0620-\u064a])(?:و|ف)?(?:أصيب|أصيبت|شظايا|أضرار)(?![\u0620-\u064a])",
    re.I,
)


def _claimant_clauses(sentence: Sentence) -> list[Sentence]:
    """The clauses of a sentence when each tells an event, or answers one, in the words of a
    different claimant ("residents said ..., while the army said ..."; "...; the army denied it").

    Tried at every clause joiner first, then only at the joiners of two accounts (";", "but",
    "while", "لكن", "ואילו" ...), so that an "after ..." inside an account ("the drone fell
    after a technical fault") does not cut it from its teller."""
    for joiners in (_CLAUSE_SPLIT, _ACCOUNT_SPLIT):
        parts = _parts(sentence, joiners)
        types = [_account_type(p.text) for p in parts]
        if len(parts) < 2 or sum(1 for t in types if t) < 2:
            continue
        parts = _merge_untyped(sentence, parts, types)
        who = [find_claimant(p.text) for p in parts]
        names = [w.name for w in who if w is not None]
        if len(names) == len(parts) and len(set(names)) == len(parts):
            return parts
        if (
            joiners is _ACCOUNT_SPLIT
            and len(parts) == 2
            and who[0] is None
            and who[1] is not None
            and event_type(parts[0].text) is not None
            and is_counter(parts[1].text)
        ):
            return parts  # "a man was shot dead at the checkpoint; the army said he had tried to stab"
    return [sentence]


#: The joiners of two tellers' accounts only: contrast and ";" (no "after", "and", "as").
_ACCOUNT_SPLIT = re.compile(
    r";\s+(?:however,?\s+)?|,\s+(?=(?:a|an)\s+(?:figure|toll|claim|account|number|version|report)\s+(?:that\s+)?"
    r"(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:disputed|denied|rejected|contested|dismissed)\b)|,?\s+\b(?:while|whilst|whereas)\s+|,\s+(?:but|however|yet)\s*,?\s+"
    r"|,?\s+but\s+(?=(?:the|an?|its|their|[A-Z])\b)|,?\s+(?:ואילו|אך|אולם|אבל)\s*,?\s*"
    r"|[،,]?\s+(?:بينما|في حين|لكن|ولكن|غير أن|إلا أن)\s+"
    # ", and X denied / said": the conjunction is written onto the verb in Arabic and Hebrew
    r"|[،,]\s+(?=و(?:نفت|نفى|رفضت|رفض|قالت|قال|أكدت|أكد)\s)|,\s+(?=ו(?:הכחיש|הכחישה|הכחישו|טען|טענה|טענו|מסר|מסרה|מסרו)\s)",
    re.I,
)


def _parts(sentence: Sentence, joiners: re.Pattern[str] = _CLAUSE_SPLIT) -> list[Sentence]:
    """The non-empty pieces of a sentence between its clause joiners."""
    parts: list[Sentence] = []
    pos = 0
    for m in joiners.finditer(sentence.text):
        parts.append(_sub(sentence, pos, m.start()))
        pos = m.end()
    parts.append(_sub(sentence, pos, len(sentence.text)))
    return [p for p in parts if p.text]


def _sub(sentence: Sentence, a: int, b: int) -> Sentence:
    seg = sentence.text[a:b]
    lead = len(seg) - len(seg.lstrip())
    seg = seg.strip()
    return Sentence(
        text=seg,
        start=sentence.start + a + lead,
        end=sentence.start + a + lead + len(seg),
        paragraph=sentence.paragraph,
    )


def split_clauses(text: str) -> list[Sentence]:
    """Sentences, with a sentence that tells two events of different types split in two."""
    out: list[Sentence] = []
    for s in split_sentences(text):
        out.extend(_clauses(s))
    return out
