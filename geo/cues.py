"""What event a sentence reports: cue words (:mod:`geo.cue_words`) mapped onto sitmap's
event vocabulary (:data:`geo.model.EVENT_TYPES`), with negated, hypothetical and
metaphorical uses ("no strikes were reported", "strike a deal") set aside.
"""

from __future__ import annotations

import re
from functools import lru_cache

from geo.cue_words import _TRIGGER_RE, CUE_PATTERNS, Cue

#: Words that make a sentence a statement about no event ("no strikes were reported").
_NEGATION = re.compile(
    r"\b(?:no|without any|not a single)\s+(?:\w+\s+){0,2}(?:strikes?|attacks?|shelling|rockets?|incidents?|"
    r"casualties|fire|events?|violence|operations?|raids?|incursions?)\s+(?:\w+\s+){0,2}"
    r"(?:were|was|have been|has been)?\s*(?:reported|recorded|announced)|"
    r"\b(?:denied|dismissed) (?:\w+ ){0,3}(?:reports?|claims?)|\bwas quiet\b|\bremained calm\b|\bcalm returned\b",
    re.I,
)
#: Words that make a cue hypothetical or metaphorical rather than a reported event.
_NOT_AN_EVENT = re.compile(
    r"\b(?:would|could|might|threaten(?:s|ed)? to|vow(?:s|ed)? to|plans? to|if)\b\s+(?:\w+\s+){0,2}"
    r"(?:strike|attack|launch|raid|invade|shell)|\b(?:hunger|general|labou?r) strikes?\b|\bstrike(?:s)? a deal\b|"
    r"\bstruck (?:a|an) (?:deal|agreement|tone|balance)\b|\blucky strike\b",
    re.I,
)
#: Cue words that, on their own, only refer back to an event already told ("the strike").
_ANAPHORIC = re.compile(
    r"\b(?:the|this|same|these)\s+(?:\w+\s+)?(?:strikes?|attacks?|raids?|shelling|bombing|"
    r"incidents?|operation|barrage|assault|explosion|blast)\b",
    re.I,
)


def event_cues(sentence: str) -> list[Cue]:
    """Every event cue in ``sentence`` (possibly several types), in text order."""
    return list(_event_cues(sentence))


@lru_cache(maxsize=4096)
def _event_cues(sentence: str) -> tuple[Cue, ...]:
    """:func:`event_cues`, cached: a sentence is asked for its cues several times while parsing."""
    out: list[Cue] = []
    low = sentence.lower()
    for etype, weight, pattern in CUE_PATTERNS:
        if not _TRIGGER_RE[etype].search(low):
            continue
        for m in pattern.finditer(sentence):
            out.append(Cue(etype, m.group(0), m.start(), m.end(), weight))
    out.sort(key=lambda c: (c.start, -c.weight))
    return tuple(out)


#: When a sentence holds cues of several types, the more specific type wins.
_TYPE_PRIORITY = {
    "evacuation_order": 9,
    "humanitarian_zone": 2.5,
    "rocket_launch": 7,
    "shelling": 6,
    "airstrike": 5,
    "shooting": 4,
    "ground_operation": 3,
    "negotiation": 2,
    "other": 1,
}

_KILL_WORDS = re.compile(
    r"\b(?:killed|killing|dead|died|deaths?|fatalities|wounded|injured|explosions?|blasts?)\b", re.I
)


_NEGATION_HINT = re.compile(r"\bno\b|\bnot\b|without|denied|dismissed|quiet|calm")
_NOT_AN_EVENT_HINT = re.compile(
    r"would|could|might|threaten|vow|plan|\bif\b|hunger|general|labo|deal|agree|tone|balance"
)


_CASUALTY = re.compile(r"\b(?:killed|killing|explosion|blast|detonated)\b", re.I)


def is_negated(sentence: str) -> bool:
    """True if the sentence reports the absence of an event or only a hypothetical one."""
    low = sentence.lower()
    if _NEGATION_HINT.search(low) and _NEGATION.search(sentence):
        return True
    return bool(_NOT_AN_EVENT_HINT.search(low) and _NOT_AN_EVENT.search(sentence) and not _KILL_WORDS.search(sentence))


def event_type(sentence: str) -> str | None:
    """The event type a sentence reports, or ``None`` if it reports no event.

    The most specific cue type wins (an evacuation order mentioning strikes is an
    evacuation order; rockets intercepted over Sderot are a rocket launch, not an
    airstrike). A sentence with no cue but a casualty phrase ("three people were
    killed") is ``other``; a negated or hypothetical sentence is ``None``.
    """
    if is_negated(sentence):
        return None
    cues = [c for c in event_cues(sentence) if not _cue_is_noise(sentence, c)]
    if not cues:
        if _CASUALTY.search(sentence):
            return "other"
        return None
    # cues in a supporting phrase ("a raid backed by air strikes", "..., adding that it had
    # struck 50 targets") describe the main event's means, not the event: main clause first
    main = [c for c in cues if not _SUPPORTING.search(sentence[max(0, c.start - 60) : c.start])]
    types = {c.event_type for c in (main or cues)}
    # "talks" next to a strike are context, not the event: negotiation only wins alone
    if "negotiation" in types and len(types) > 1:
        types.discard("negotiation")
    # "its fighter jets, artillery and navy struck 400 targets": a strike campaign led from the
    # air, told as a targets count, is an airstrike; artillery alone or tank fire stays shelling
    if {"airstrike", "shelling"} <= types and _AIR_MEANS.search(sentence) and _TARGET_STRIKES.search(sentence):
        types.discard("shelling")
    return max(types, key=lambda t: _TYPE_PRIORITY[t])


_AIR_MEANS = re.compile(r"\b(?:fighter jets?|warplanes?|jets|aircraft|air force|air ?strikes?|drones?)\b", re.I)
_TARGET_STRIKES = re.compile(
    r"\b(?:struck|hit|striking|attacked)\s+(?:\w+\s+){0,3}?(?:\d[\d,]*|hundreds|dozens|scores)\s+(?:\w+\s+)?targets\b",
    re.I,
)


_SUPPORTING = re.compile(
    r"(?:\b(?:backed by|supported by|under cover of|covered by|with the help of|accompanied by)\s+(?:\w+\s+){0,3}"
    r"|\badding that\s+[^,;]*)$",
    re.I,
)


def _cue_is_noise(sentence: str, cue: Cue) -> bool:
    """Cue words used in a non-event sense: "strike a deal", "Brigades" fighters, titles."""
    low = cue.text.lower()
    after = sentence[cue.end : cue.end + 20].lower()
    before = sentence[max(0, cue.start - 25) : cue.start].lower()
    if low in ("strike", "strikes") and re.match(r"\s+(?:a|an)\s+(?:deal|agreement|balance|tone)", after):
        return True
    if low == "talks" and re.search(r"\b(?:he|she|it)\s*$", before):
        return True
    if low in ("aircraft",) and "aid" in before:
        return True
    # "a rocket launcher", "rocket launch sites", "משגר רקטות": a target, not a launch
    if cue.event_type == "rocket_launch" and (
        re.match(r"\s*(?:launchers?|launch(?:ing)? (?:sites?|pads?|positions?|cells?|squads?))\b", after)
        or re.search(r"משגרי?\s*$", before)
    ):
        return True
    if low in ("delegation", "delegations") and not re.search(
        r"talks|negotiat|ceasefire|truce|hostage", sentence, re.I
    ):
        return True
    if low == "fighting" and re.search(r"\bpauses?\s+in\s+(?:the\s+)?$", before, re.I):
        return True  # "pauses in fighting" is a truce, not fighting
    return low in ("fighting",) and re.search(r"\bfighting (?:for|to)\b", sentence[cue.start :], re.I) is not None


def refers_back(sentence: str) -> bool:
    """True if the sentence's event words point back at an event already told."""
    return bool(_ANAPHORIC.search(sentence))
