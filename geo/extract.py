"""What a report sentence says besides places: the event, who claims it, how many, and the quote.

The pieces :func:`geo.parse` assembles into claims, each a small pure function over a
sentence so they can be tested and reused on their own:

* :func:`split_sentences` keeps character offsets, so toponym mentions found over the
  whole text can be assigned to the sentence they sit in;
* :func:`event_cues` / :func:`event_type` map cue words onto sitmap's event vocabulary
  (:data:`geo.model.EVENT_TYPES`);
* :func:`find_claimant` finds the attribution ("the IDF said", "according to the
  health ministry", "a statement from UNRWA") and normalises it to a canonical name
  while keeping the words used;
* :func:`find_counts` / :func:`parse_count` read killed / injured / targets numbers
  with their spread ("at least 30", "dozens", "between 20 and 40").

Vague quantities map to documented ranges (:data:`VAGUE_COUNTS`) so that the claimed
spread survives into exports instead of being flattened to a single number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from geo.model import CountEstimate

# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------

#: Abbreviations that end with a dot but do not end a sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "st", "mt", "no", "vs", "etc"}
    | {"approx", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    | {"u.s", "u.n", "u.k", "e.g", "i.e", "a.m", "p.m"}
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text with its character offsets (``text == whole[start:end]``)."""

    text: str
    start: int
    end: int
    paragraph: int


_LAST_WORD = re.compile(r"([A-Za-z.]+)\.?$")
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)]*\s+|\n\s*\n+|\n(?=\s*[-•*]\s)")


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, keeping offsets and paragraph numbers.

    A dot after a known abbreviation ("Dec.", "Lt.", "U.N.") or an initial does not end
    a sentence; a blank line always does and starts a new paragraph.
    """
    out: list[Sentence] = []
    paragraph = 0
    pos = 0
    start = 0
    for m in _BOUNDARY.finditer(text):
        piece = m.group(0)
        if "\n" not in piece.strip(" \t") or piece.strip().startswith((".", "!", "?")):
            before = text[max(start, m.start() - 30) : m.start() + 1]  # the word before the dot is enough
            word = _LAST_WORD.search(before)
            if piece.lstrip().startswith(".") and word:
                w = word.group(1).lower().rstrip(".")
                nxt = text[m.end() : m.end() + 1]
                if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()) or (nxt and nxt.islower()) or nxt.isdigit():
                    continue
        end = m.start() + len(piece.rstrip())
        if piece.strip() == "":
            end = m.start()
        _add(out, text, start, end, paragraph)
        if re.search(r"\n\s*\n", piece):
            paragraph += 1
        start = m.end()
        pos = m.end()
    del pos
    _add(out, text, start, len(text), paragraph)
    return out


def _add(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    trail = len(seg) - len(seg.rstrip())
    s, e = start + lead, end - trail
    if e > s:
        out.append(Sentence(text=text[s:e], start=s, end=e, paragraph=paragraph))


# --------------------------------------------------------------------------------------
# Event cues
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """An event cue word in a sentence, the event type it signals and how strongly."""

    event_type: str
    text: str
    start: int
    end: int
    weight: float


def _cues(*words: str) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


#: Cue patterns per event type with a weight (how strongly the words signal the type).
#: Order within a weight tie decides nothing: the strongest, then the earliest cue wins.
CUE_PATTERNS: list[tuple[str, float, re.Pattern[str]]] = [
    (
        "evacuation_order",
        1.0,
        re.compile(
            _cues(
                r"evacuation orders?",
                r"evacuation warnings?",
                r"ordered (?:\S+ ){0,7}to (?:evacuate|leave|move|head|go|relocate)",
                r"(?:were|was|have been|has been) (?:told|ordered|instructed|warned|asked) "
                r"to (?:leave|evacuate|move|head)",
                r"(?:أوامر|أمر|إنذار) (?:ب)?(?:الإخلاء|إخلاء)",
                r"إخلاء",
                r"orders? to (?:evacuate|leave|move)",
                r"(?:told|urged|warned|instructed|called on|informed) (?:\S+ ){0,3}(?:residents|people|civilians|"
                r"inhabitants|those|the (?:entire )?population)(?: \S+){0,20} "
                r"to (?:leave|evacuate|move|head|relocate|go)",
                r"(?:should|must|to) relocate",
                r"relocation orders?",
                r"must (?:evacuate|leave) (?:immediately|now)",
                r"evacuate (?:immediately|now)",
                r"(?:immediate|urgent) evacuation",
                r"displacement orders?",
                r"(?:urgent\s+)?warning to (?:the\s+)?(?:residents|everyone|all|people|inhabitants|those|"
                r"the population)",
                r"(?:move|go|head) (?:at once |immediately |now )?to (?:the )?shelters",
                r"move south(?:wards)?",
                r"head south(?:wards)?",
            ),
            re.I,
        ),
    ),
    (
        "humanitarian_zone",
        0.9,
        re.compile(
            _cues(
                r"humanitarian (?:zone|area)s?",
                r"safe (?:zone|area)s?",
                r"declared (?:\w+ ){0,4}(?:humanitarian|safe) (?:zone|area)",
                r"expanded humanitarian (?:zone|area)",
            ),
            re.I,
        ),
    ),
    (
        "negotiation",
        0.9,
        re.compile(
            _cues(
                r"ceasefire talks",
                r"truce talks",
                r"(?:indirect |peace )?talks",
                r"negotiat(?:ors?|ions?|ing team|ed|ing)",
                r"mediators?",
                r"mediation",
                r"hostage (?:deal|release deal|agreement|releases?|exchanges?)",
                r"prisoner (?:releases?|exchanges?|swaps?)",
                r"ceasefire (?:deal|proposal|agreement|plan)",
                r"truce (?:deal|proposal|agreement)",
                r"delegations?",
                r"truces?",
                r"ceasefires?",
                r"(?:humanitarian|operational|tactical|daily|four-hour) pauses?",
                r"pauses? in (?:the )?fighting",
                r"agreed to (?:an? |the )?(?:\S+ ){0,3}"
                r"(?:truce|ceasefire|pauses?|deal|release|exchange|extension|proposal)",
                r"(?:an |the )?agreement (?:on|to|for|had been reached|was reached)",
                r"reached (?:an|a) (?:agreement|deal)",
                r"(?:bridging|ceasefire|truce|peace) proposal",
            ),
            re.I,
        ),
    ),
    (
        "rocket_launch",
        0.95,
        re.compile(
            _cues(
                r"rockets?",
                r"rocket (?:fire|barrages?|launch(?:es)?)",
                r"sirens? (?:sounded|sounding|wailed|went off|were activated)",
                r"red alert sirens?",
                r"missiles? (?:were )?(?:launched|fired) (?:at|toward|towards)",
                r"projectiles?",
                r"intercept(?:ed|ion|ions|or|ors)",
                r"mortar (?:bombs?|shells?) (?:were )?fired (?:at|toward|towards|into) Israel",
                r"launch(?:es|ed)? from (?:the )?(?:Gaza|Lebanon|Yemen)",
                r"ballistic missiles?",
                r"fired (?:\S+ ){0,2}(?:missiles?|rockets?|drones?) (?:at|toward|towards|into)",
                r"صواريخ",
                r"صاروخ",
            ),
            re.I,
        ),
    ),
    (
        "airstrike",
        0.9,
        re.compile(
            _cues(
                r"air ?strikes?",
                r"air-strikes?",
                r"air raids?",
                r"drone strikes?",
                r"strikes?",
                r"struck",
                r"striking",
                r"bomb(?:ed|ing|ings|ardment|ardments|arded)",
                r"warplanes?",
                r"fighter jets?",
                r"jets",
                r"aircraft",
                r"drones? (?:fired|targeted|hit|attacked)",
                r"missile (?:hit|struck|attack)",
                r"air attacks?",
                r"targeted (?:a|an|the) (?:home|house|building|tent|vehicle|car|apartment|school)",
                r"غارة",
                r"غارات",
            ),
            re.I,
        ),
    ),
    (
        "shelling",
        0.95,
        re.compile(
            _cues(
                r"shell(?:ing|ed|s|fire)",
                r"artillery",
                r"tank (?:fire|shells?|rounds?)",
                r"mortars?",
                r"mortar (?:fire|rounds?)",
                r"naval (?:fire|gunfire|shelling)",
                r"gunboats?",
                r"قصف مدفعي",
                r"قذائف",
            ),
            re.I,
        ),
    ),
    (
        "ground_operation",
        0.85,
        re.compile(
            _cues(
                r"ground (?:operations?|offensive|incursions?|forces|troops|assault)",
                r"troops",
                r"soldiers (?:entered|advanced|stormed|raided|operated|moved)",
                r"raid(?:s|ed|ing)?",
                r"incursions?",
                r"stormed",
                r"tanks (?:advanced|rolled|moved|pushed|entered)",
                r"armou?red (?:vehicles|bulldozers) (?:advanced|entered|pushed)",
                r"operat(?:ing|ed) in",
                r"(?:military|army) operations?",
                r"encircled",
                r"besieged",
                r"clashes",
                r"fighting",
                r"battles?",
                r"arrest(?:ed|s)? (?:raid|campaign|operation)",
                r"demolish(?:ed|ing)?",
                r"tanks",
                r"(?:took|taken|take|takes|seized|seize|captured|capture|gained) (?:full |operational )?control",
                r"blew up",
                r"blowing up",
                r"withdr(?:ew|awal|awn)",
                r"pulled (?:\S+ ){0,4}out",
                r"special forces",
                r"(?:forces|troops|soldiers|units?) (?:\S+ ){0,6}?(?:entered|stormed|raided|moved into|pushed into)",
                r"(?:precise|targeted|special|ground)(?: and \w+)? operations?",
                r"operations? (?:against|inside)",
                r"(?:division|brigade|battalion) (?:\S+ ){0,4}?(?:left|withdrew|completed|pulled|entered)",
                r"commandos?",
                r"(?:large|major|wide|wide-scale|large-scale|broad|new|counter-terrorism) (?:military )?operations?",
                r"توغل",
                r"اقتحام",
            ),
            re.I,
        ),
    ),
    (
        "other",
        0.5,
        re.compile(
            _cues(
                # an aid delivery that happened, not trucks waiting or aid in general
                r"(?:aid (?:convoys?|trucks?|shipments?)|convoys? (?:of|carrying)|trucks? carrying)(?:\s+\S+){0,6}?\s+"
                r"(?:entered|crossed|arrived|reached|were delivered|was delivered)",
                r"air-?drops?",
                r"hostages? (?:were |was |had been )?(?:freed|released|handed over)",
                r"(?:prisoners?|detainees?) (?:were |was |had been )?(?:freed|released)",
                # attacks with blades or vehicles: not shootings, and sitmap has no narrower type for them
                r"stabbing(?: attack)?s?",
                r"stabbed",
                r"(?:car-)?ramming(?: attack)?",
            ),
            re.I,
        ),
    ),
    (
        "shooting",
        0.9,
        re.compile(
            _cues(
                r"shooting(?! star)",
                r"shootings",
                r"gunm[ae]n (?:opened fire|shot|fired|attacked|killed|wounded)",
                r"gunfire",
                r"opened fire",
                r"open fire",
                r"shot (?:dead|and killed|at)",
                r"shot and (?:wounded|injured)",
                r"إطلاق نار",
                r"were shot",
                r"was shot",
                r"sniper(?:s| fire)?",
                r"fired (?:on|at) (?:a |the )?(?:crowd|people|civilians|aid seekers|Palestinians|worshippers)",
            ),
            re.I,
        ),
    ),
]

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


#: Substrings one of which every cue of a type contains: a cheap test (``in`` on the
#: lower-cased sentence) that skips the type's regex for most sentences.
CUE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "evacuation_order": (
        "evacua",
        "order",
        "told",
        "urged",
        "warn",
        "instruct",
        "called on",
        "asked",
        "must",
        "move",
        "head",
        "displace",
        "relocat",
        "inform",
        "shelter",
        "إخلاء",
    ),
    "humanitarian_zone": ("humanitarian", "safe "),
    "negotiation": (
        "talks",
        "negotiat",
        "mediat",
        "hostage",
        "ceasefire",
        "truce",
        "delegation",
        "pause",
        "agree",
        "proposal",
        "prisoner",
    ),
    "other": ("aid", "convoy", "truck", "airdrop", "air-drop", "hostage", "prisoner", "detainee", "stab", "ramming"),
    "rocket_launch": (
        "rocket",
        "siren",
        "missile",
        "projectile",
        "intercept",
        "mortar",
        "launch",
        "fired",
        "صاروخ",
        "صواريخ",
    ),
    "airstrike": (
        "strike",
        "struck",
        "striking",
        "raid",
        "bomb",
        "warplane",
        "jet",
        "aircraft",
        "drone",
        "missile",
        "air attack",
        "targeted",
        "غار",
    ),
    "shelling": ("shell", "artillery", "tank", "mortar", "naval", "gunboat", "قصف", "قذائف"),
    "ground_operation": (
        "ground",
        "troops",
        "forces",
        "unit",
        "division",
        "brigade",
        "battalion",
        "soldiers",
        "raid",
        "incursion",
        "stormed",
        "tank",
        "armo",
        "operat",
        "encircled",
        "besieged",
        "clash",
        "fighting",
        "battle",
        "arrest",
        "demolish",
        "control",
        "blew up",
        "blowing up",
        "withdr",
        "pulled",
        "special forces",
        "commando",
        "توغل",
        "اقتحام",
    ),
    "shooting": ("shoot", "gunm", "fire", "shot", "sniper", "إطلاق نار"),
}


_TRIGGER_RE = {k: re.compile("|".join(re.escape(t) for t in v)) for k, v in CUE_TRIGGERS.items()}


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


# --------------------------------------------------------------------------------------
# Claimants
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimantMatch:
    """An attribution in a sentence: the canonical claimant and the words used for it."""

    name: str
    text: str
    start: int
    end: int


def _foreign_ministry(state: str, demonym: str) -> str:
    """ "Qatar's foreign ministry", "the Qatari Ministry of Foreign Affairs", "the foreign ministry
    in Qatar": one claimant, named after the state (as "Gaza health ministry" is)."""
    body = r"(?:[Ff]oreign [Mm]inistry|[Mm]inistry of [Ff]oreign [Aa]ffairs)"
    return rf"(?:the\s+)?(?:{state}(?:'s)?|{demonym})\s+{body}|(?:the\s+)?{body}\s+(?:of|in)\s+{state}"


#: Canonical claimant names and the patterns that name them (checked in this order).
CLAIMANTS: list[tuple[str, str]] = [
    (
        "Israeli military",
        r"(?:the\s+)?(?:IDF|I\.D\.F\.|Israel Defen[cs]e Forces|Israeli (?:military|army|forces|air force|"
        r"navy|troops|defen[cs]e forces|commanders?|officers?|generals?)|Israel's (?:military|army)|"
        r"(?:Israeli\s+)?military spokes(?:man|woman|person)|"
        r"army spokes(?:man|woman|person)|(?:the\s+)?(?:army|military)(?=\s+(?:said|says|told|stated|added|reported|"
        r"announced|confirmed|claimed|wrote)|\s*\Z))|الجيش الإسرائيلي|جيش الاحتلال",
    ),
    ("COGAT", r"COGAT|Coordinator of Government Activities in the Territories"),
    ("Israeli police", r"(?:the\s+)?(?:Israeli\s+)?police"),
    ("Magen David Adom", r"Magen David Adom|MDA(?:\s+paramedics)?"),
    (
        "Israeli Prime Minister's Office",
        r"(?:Israel's\s+|the\s+Israeli\s+|the\s+)?Prime Minister'?s Office|Netanyahu'?s office",
    ),
    (
        "Gaza health ministry",
        r"(?:the\s+)?(?:Gaza(?:'s)?|Hamas-run(?:\s+Gaza)?)\s+(?:health ministry|Health Ministry|ministry of health|"
        r"Ministry of Health)|(?:the\s+)?(?:Palestinian\s+)?(?:health ministry|Health Ministry|Ministry of Health)"
        r"\s+in\s+Gaza|وزارة الصحة(?:\s+في\s+غزة)?",
    ),
    (
        "Palestinian health ministry",
        r"(?:the\s+)?(?:Palestinian|Ramallah-based)\s+(?:health ministry|Health Ministry|Ministry of Health)|"
        r"(?:the\s+)?(?:health ministry|Health Ministry|Ministry of Health)\s+in\s+Ramallah",
    ),
    ("Gaza health ministry", r"(?:the\s+)?(?:health ministry|Health Ministry|ministry of health|Ministry of Health)"),
    (
        "Gaza civil defence",
        r"(?:Gaza(?:'s)?\s+|the\s+|Palestinian\s+)?[Cc]ivil [Dd]efen[cs]e(?:\s+agency|\s+service)?|الدفاع المدني",
    ),
    ("Gaza government media office", r"(?:the\s+)?(?:Gaza\s+|Hamas-run\s+)?government media office"),
    (
        "Hamas",
        r"(?:the\s+)?(?:Hamas(?:'s)?(?:\s+(?:armed wing|official|spokes(?:man|person)|leader|political bureau|"
        r"officials|movement))?|(?:al-|Al-)?Qassam Brigades|Ezzedine al-Qassam Brigades)|حركة حماس|حماس",
    ),
    ("Palestinian Islamic Jihad", r"(?:the\s+)?(?:Palestinian\s+)?Islamic Jihad|(?:al-|Al-)?Quds Brigades?"),
    ("Hezbollah", r"Hezbollah"),
    ("Houthis", r"(?:the\s+)?Houthis?|Ansar Allah"),
    ("UNRWA", r"UNRWA|UN agency for Palestinian refugees"),
    (
        "UN OCHA",
        r"OCHA|(?:the\s+)?(?:UN|United Nations)\s+(?:humanitarian\s+office|Office for the Coordination of "
        r"Humanitarian Affairs)",
    ),
    ("WHO", r"(?:the\s+)?(?:WHO|World Health Organi[sz]ation)"),
    ("UNICEF", r"UNICEF"),
    ("World Food Programme", r"(?:the\s+)?(?:WFP|World Food Programme)"),
    ("Palestinian Red Crescent", r"(?:the\s+)?Palestinian Red Crescent(?:\s+Society)?|PRCS"),
    ("ICRC", r"(?:the\s+)?(?:ICRC|International Committee of the Red Cross|Red Cross)"),
    ("WAFA", r"(?:the\s+)?(?:WAFA|Wafa)(?:\s+news agency)?|(?:the\s+)?official Palestinian news agency"),
    ("Palestinian Authority", r"(?:the\s+)?Palestinian Authority"),
    *(
        (f"{state} foreign ministry", _foreign_ministry(state, demonym))
        for state, demonym in (
            ("Qatar", "Qatari"),
            ("Egypt", "Egyptian"),
            ("Jordan", "Jordanian"),
            ("Israel", "Israeli"),
            ("Saudi Arabia", "Saudi"),
            ("Turkey", "Turkish"),
            ("Iran", "Iranian"),
            ("Lebanon", "Lebanese"),
            ("United Arab Emirates", "Emirati"),
        )
    ),
    ("Qatari officials", r"(?:an?\s+)?Qatari (?:officials?|sources?|mediators?|diplomats?)"),
    ("Egyptian officials", r"Egyptian (?:officials?|sources|security sources|intelligence)"),
    (
        "United Nations",
        r"(?:the\s+)?(?:UN|United Nations)(?:\s+(?:spokes(?:man|woman|person)|officials?|chief|"
        r"secretary-general))?",
    ),
    ("witnesses", r"(?i:(?:eye)?witness(?:es)?)|شهود(?: عيان)?"),
    ("residents", r"(?i:(?:local\s+)?residents)|سكان"),
    (
        "medics",
        r"(?i:(?:Palestinian\s+)?(?:medics|paramedics|doctors|hospital (?:officials|sources|staff|director)|"
        r"health officials|medical sources))|"
        r"[Oo]fficials at (?:the\s+)?(?:nearby\s+|local\s+|main\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3}\s+"
        r"[Hh]ospital|"
        r"مسعفون",
    ),
]

#: Claimants whose mere naming in a sentence marks it as their report ("health ministry
#: figures show..."): bodies that count and report, never the actors of an event.
REPORTING_BODIES = frozenset(
    {
        "Gaza health ministry",
        "Palestinian health ministry",
        "Gaza civil defence",
        "Gaza government media office",
        "Magen David Adom",
        "UNRWA",
        "UN OCHA",
        "WHO",
        "UNICEF",
        "World Food Programme",
        "Palestinian Red Crescent",
        "ICRC",
        "WAFA",
        "medics",
    }
)
#: Claimants that are local observers: the place they are named with is the event's place.
LOCAL_OBSERVERS = frozenset({"witnesses", "residents"})

_CANON = [(name, re.compile(r"(?<![\w-])(?:" + pat + r")(?![\w-])")) for name, pat in CLAIMANTS]
_REPORTING_NAMES = {f"c{i}": name for i, (name, _) in enumerate(CLAIMANTS) if name in REPORTING_BODIES}
#: All reporting bodies in one pattern (the leftmost one named wins).
_REPORTING_RE = re.compile(
    "|".join(
        rf"(?P<c{i}>(?<![\w-])(?:{pat})(?![\w-]))"
        for i, (name, pat) in enumerate(CLAIMANTS)
        if name in REPORTING_BODIES
    )
)

#: Speech verbs of an attribution; "told" only counts when someone is told ("told Reuters"),
#: not when people are told to do something ("told residents to leave").
_SAY = (
    r"(?:said|says|say|stated|states|added|reported|reports|announced|announces|confirmed|confirms|"
    r"claimed|claims|wrote|noted|told(?=\s+(?:[A-Z]|reporters|journalists|a\s+(?:news|press)\b)))"
)
#: A speech verb after its subject ("the IDF said", "Hamas has claimed").
_SAY_VERB = re.compile(r"\s+(?:has\s+|have\s+|had\s+)?" + _SAY + r"\b")
_ATTRIBUTION = [
    re.compile(r"\baccording to\s+(?P<who>[^,.;]{2,120}?)(?=\s*(?:[,.;]|$|\bwhich\b|\bwho\b))", re.I),
    re.compile(
        r"\b(?:a|an|the)\s+statement\s+(?:from|by|issued by)\s+(?P<who>[^,.;]{2,120}?)(?=\s*(?:[,.;]|$|\bsaid\b))", re.I
    ),
    re.compile(
        r"\b(?:in\s+a\s+statement|in\s+a\s+post\s+on\s+\w+|on\s+Telegram),?\s+(?P<who>[^,.;]{2,80}?)\s+" + _SAY + r"\b",
        re.I,
    ),
    re.compile(r"[,\"”]\s*" + _SAY + r"\s+(?P<who>(?:the\s+)?[A-Z][^,.;]{1,60}?)(?=\s*(?:[,.;]|$))"),
    _SAY_VERB,  # "X said": see _subject_matches
    re.compile(r"\bper\s+(?P<who>[^,.;]{2,80}?)(?=\s*(?:[,.;]|$))", re.I),
    re.compile(r"(?:قالت|قال|أعلنت|أعلن|أفادت|أفاد|ذكرت|ذكر)\s+(?P<who>[^،,.؛]{2,60}?)\s+(?:إن|أن)"),
]
#: A key word (lower case) each attribution pattern needs; ``None``: always try it.
_ATTRIBUTION_HINTS: list[re.Pattern[str] | None] = [
    re.compile("according"),
    re.compile("statement"),
    re.compile("statement|post on|telegram"),
    re.compile(r"[,\"”]"),
    None,
    re.compile(r"\bper\b"),
    re.compile("[\u0600-\u06ff]"),
]
#: Words one of which every reporting body's name contains.
_REPORTING_HINT = re.compile(
    r"[Mm]inistry|[Dd]efen[cs]e|media office|Magen|MDA|UNRWA|OCHA|WHO|World Health|UNICEF|WFP|Food Programme|"
    r"Red Crescent|PRCS|ICRC|Red Cross|WAFA|Wafa|news agency|[Mm]edic|[Dd]octor|[Hh]ospital|[Hh]ealth official|"
    r"[Mm]edical|وزارة|الدفاع|مسعف"
)
#: Words after which the subject of "X said" starts ("tanks advanced ... as the military said").
_CLAUSE_WORD = re.compile(r"(?:\s+(?:and|but|as|while|after|when|because|since|where|that|whereas)\s+|\s+[-—–]\s+)")
#: "Airstrikes were reported", "no fatalities were reported": a passive, not an attribution.
_PASSIVE_END = re.compile(
    r"\b(?:was|were|is|are|be|been|being|had|has|have)(?:\s+(?:also|reportedly|widely|not|later|earlier|first|"
    r"previously|now|still|already))?$",
    re.I,
)
#: Words that make "X said" a non-attribution ("it said", "he added") or an unnamed one.
_PRONOUN = re.compile(
    r"^(?:it|he|she|they|we|i|you|this|that|which|who|officials?|sources?|one|both|some|others?)$", re.I
)


def canonical_claimant(text: str) -> str | None:
    """The canonical claimant name for an attribution phrase, if it is a known claimant.

    The longest name found wins ("UN OCHA" is OCHA, not the UN; "the Hamas-run health
    ministry" is the ministry, not Hamas), then the earliest.
    """
    best: tuple[int, int, str] | None = None
    for name, pattern in _CANON:
        m = pattern.search(text)
        if m and (best is None or (-(m.end() - m.start()), m.start()) < (best[0], best[1])):
            best = (-(m.end() - m.start()), m.start(), name)
    return best[2] if best else None


def find_claimant(sentence: str) -> ClaimantMatch | None:
    """The claimant a sentence attributes its content to, or ``None`` if unattributed.

    Attribution phrases ("according to X", "X said", "said X", "a statement from X",
    "X told Reuters") are found first and normalised with :data:`CLAIMANTS`; a named
    claimant not in that table keeps its own words ("Mayor Ahmed Sufi"). Pronouns
    ("it said") are not claimants; the caller links them to the previous one.
    """
    low = sentence.lower()
    for pattern, hint in zip(_ATTRIBUTION, _ATTRIBUTION_HINTS, strict=True):
        if hint is not None and not hint.search(low):
            continue  # the pattern's key word is absent
        matches = _subject_matches(sentence) if pattern is _SAY_VERB else pattern.finditer(sentence)
        for m in matches:
            who = m.group("who").strip(" \"'“”‘’-–—")
            s = m.start("who") + (len(m.group("who")) - len(m.group("who").lstrip(" \"'“”‘’-–—")))
            # keep only the last clause before the verb: "Strikes hit Rafah, the IDF said" -> "the IDF"
            if pattern is _SAY_VERB:
                if _ELIDED_SUBJECT.match(who):  # "The army published a map ..., and said ...": its subject
                    opening = opening_subject(sentence[: m.start("who")])
                    if opening is not None:
                        return opening
                    continue
                tail = list(_CLAUSE_WORD.finditer(who))
                if tail:
                    joint = _joint_subject(who, tail, s)
                    if joint is not None:
                        return joint
                    cut = tail[-1].end()
                    s += cut + (len(who[cut:]) - len(who[cut:].lstrip()))
                    who = who[cut:].strip(" -—")
            who = re.sub(r"\s+(?:on|in|late|early|earlier|later)\s+\w+day$", "", who)
            if not who or _PRONOUN.match(who) or _PASSIVE_END.search(who):
                continue
            name = canonical_claimant(who)
            if name is None:
                if pattern is _SAY_VERB and not _looks_like_named_claimant(who):
                    continue
                if len(who.split()) > 8:
                    continue
                name = _tidy_name(who)
            return ClaimantMatch(name=name, text=who, start=s, end=s + len(who))
    # a reporting body named without a speech verb ("with the health ministry saying ...");
    # armed groups, armies and bystanders are too often the event's actors, not its tellers
    hit = _REPORTING_RE.search(sentence) if _REPORTING_HINT.search(sentence) else None
    if hit and hit.lastgroup:
        name = _REPORTING_NAMES[hit.lastgroup]
        return ClaimantMatch(name=name, text=hit.group(0), start=hit.start(), end=hit.end())
    return None


#: What is left of a speech verb's subject when the clause shares the sentence's subject
#: ("The army published a map ..., and said"; "..., and then said").
_ELIDED_SUBJECT = re.compile(r"^(?:(?:and|but)\s*)?(?:(?:then|also|later|subsequently|again)\s*)?$", re.I)
#: A clause that opens with its speech verb, its subject left to the clause before ("then said it had ...").
_ELIDED_SAY = re.compile(
    r"^(?:(?:and|but)\s+)?(?:(?:then|also|later|subsequently|again)\s+)?(?:has\s+|have\s+|had\s+)?" + _SAY + r"\b",
    re.I,
)
#: Words that make the part before "and" a clause of its own, not a first claimant
#: ("Strikes hit Rafah and the army said": "hit" is a verb).
_NOT_A_NAME_WORD = re.compile(
    r"^(?:\w+ed|hit|struck|shot|fired|took|left|came|went|were|was|is|are|has|have|had|says?|told|killed|hurt)$", re.I
)


def elided_speech(clause: str) -> bool:
    """True if a clause opens with a speech verb whose subject is the clause before's
    ("..., and then said it had launched rockets"): it is that clause's claimant's."""
    return bool(_ELIDED_SAY.match(clause.strip()))


def opening_subject(sentence: str) -> ClaimantMatch | None:
    """The known claimant a sentence opens with ("The Israeli military published ...",
    "Hamas's armed wing told ..."): the subject of a later verb whose subject is left out."""
    lead = re.match(r"\s*(?:(?:The|the|A|a|An|an)\s+)?", sentence)
    at = lead.end() if lead else 0
    best: ClaimantMatch | None = None
    for name, pattern in _CANON:
        m = pattern.match(sentence, at)
        if m is None and at:
            m = pattern.match(sentence, 0)
        if m and (best is None or m.end() - m.start() > best.end - best.start):
            best = ClaimantMatch(name, m.group(0), m.start(), m.end())
    return best


def _joint_subject(who: str, tail: list[re.Match[str]], offset: int) -> ClaimantMatch | None:
    """ "WAFA and witnesses said": two known claimants joined by "and" are one joint claimant.

    Only when the part before "and" is a short name ending in a known claimant (no verb),
    so "Strikes hit Rafah and the army said" stays the army's.
    """
    last = tail[-1]
    if last.group(0).strip() != "and":
        return None
    begin = tail[-2].end() if len(tail) > 1 else 0
    first, second = who[begin : last.start()].strip(), who[last.end() :].strip(" -—")
    a, b = canonical_claimant(first), canonical_claimant(second)
    if a is None or b is None or a == b:
        return None
    m = next((m for n, pat in _CANON if n == a and (m := pat.search(first)) is not None), None)
    if m is None or m.end() != len(first):
        return None
    extra = first[: m.start()].split()
    if len(extra) > 4 or any(_NOT_A_NAME_WORD.match(w) for w in extra):
        return None
    start = offset + begin + (len(who[begin:]) - len(who[begin:].lstrip()))
    text = who[begin:].strip(" -—")
    return ClaimantMatch(name=f"{a} and {b}", text=text, start=start, end=start + len(text))


class _Subject:
    """The subject before a speech verb, shaped like a regex match with a ``who`` group."""

    __slots__ = ("_start", "_who")

    def __init__(self, start: int, who: str) -> None:
        self._start, self._who = start, who

    def group(self, name: str) -> str:
        return self._who

    def start(self, name: str) -> int:
        return self._start


_SUBJECT_STOP = re.compile(r"[,.;:\"“”]")


def _subject_matches(sentence: str) -> list[_Subject]:
    """For each speech verb, the words before it back to the last punctuation (at most 100
    characters): what "(?P<who>[^,.;:]{2,100}?) said" matches, without its quadratic scan."""
    out: list[_Subject] = []
    pos = 0
    for v in _SAY_VERB.finditer(sentence):
        if v.start() < pos:
            continue
        lo = max(pos, v.start() - 100)
        seg = sentence[lo : v.start()]
        stops = list(_SUBJECT_STOP.finditer(seg))
        if stops:
            lo += stops[-1].end()
            seg = seg[stops[-1].end() :]
        if len(seg) >= 2:
            out.append(_Subject(lo, seg))
        pos = v.end()
    return out


def _looks_like_named_claimant(who: str) -> bool:
    """A "X said" subject that names someone: capitalised words, not a whole clause."""
    words = who.split()
    if len(words) > 7 or len(words) == 0:
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    first = words[0].lower()
    if first in ("the", "a", "an", "its", "his", "her", "their") and len(words) > 1:
        return caps >= 1 or words[-1].lower() in ("spokesman", "spokeswoman", "spokesperson", "official", "officials")
    return caps >= max(1, len(words) // 2)


def _tidy_name(who: str) -> str:
    who = re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.I)
    return who[:1].upper() + who[1:]


# --------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

#: Vague quantities as (low, best, high). Documented mapping, chosen so that the low end
#: is the smallest number the word can honestly mean and the high end the largest.
VAGUE_COUNTS: dict[str, tuple[int, int | None, int | None]] = {
    "a couple of": (2, 2, 3),
    "a few": (2, 3, 5),
    "a handful of": (2, 4, 6),
    "several": (3, 5, 9),
    "a dozen": (12, 12, 12),
    "about a dozen": (10, 12, 14),
    "dozens of": (24, 36, 99),
    "dozens": (24, 36, 99),
    "scores of": (40, 60, 199),
    "hundreds of": (200, 300, 999),
    "hundreds": (200, 300, 999),
    "thousands of": (2000, 3000, 9999),
    "thousands": (2000, 3000, 9999),
    "many": (2, None, None),
    "multiple": (2, None, None),
    "some": (2, None, None),
}

_WORD_NUM = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen)(?:\s+hundred)?"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+"
_NUMBER = r"(?:" + _DIGITS + r"|" + _WORD_NUM + r")"
_VAGUE = (
    r"(?:a couple of|a few|a handful of|several|about a dozen|a dozen|dozens(?: of)?|scores of|hundreds(?: of)?"
    r"|thousands(?: of)?|many|multiple)"
)
_MOD = (
    r"(?:at least|more than|over|upwards of|nearly|almost|close to|about|around|some|roughly|approximately"
    r"|an estimated|up to|as many as|fewer than|less than|under)"
)
_QUANTITY = (
    r"(?P<q>(?:between\s+"
    + _NUMBER
    + r"\s+and\s+"
    + _NUMBER
    + r")|(?:"
    + _NUMBER
    + r"\s*(?:-|–|to)\s*"
    + _NUMBER
    + r")|(?:(?:"
    + _MOD
    + r")\s+)?(?:"
    + _NUMBER
    + r"|"
    + _VAGUE
    + r"))"
)
_WHO = (
    r"(?:\s+(?:more|other|further|additional))?(?:\s+(?:\w+\s+){0,2}?(?:people|persons|Palestinians|Israelis|civilians|"
    r"children|women|men|members|militants|fighters|soldiers|residents|family members|relatives|journalists|"
    r"paramedics|medics|workers|police(?:men)?|officers|individuals|others|minors|"
    r"babies|infants|students|worshippers|aid seekers|displaced people|patients|staff|rescuers)"
    r"(?:\s+(?:inside|there|nearby|on board|in the (?:house|building|car|tent|area)))?)?"
)
_KILLED = r"(?:killed|dead|died|deaths|fatalities|lives? lost|bodies|martyred|perished)"
#: "casualties" is killed and injured together, so it is not read as an injured count.
_INJURED = r"(?:injured|wounded|hurt|injuries)"
_TARGETS = (
    r"(?:(?:\w+\s+)?targets|(?:\w+\s+)?sites|positions|launchers|tunnel shafts|buildings|structures|homes|houses)"
)

_COUNT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "fatalities",
        re.compile(
            r"(?:death toll|toll)\s+(?:of|at|rose to|to|reached|climbed to|stood at|stands at)\s+" + _QUANTITY, re.I
        ),
    ),
    (
        "fatalities",
        re.compile(
            _QUANTITY + _WHO + r"\s+(?:were\s+|was\s+|have been\s+|had been\s+|are\s+)?"
            r"(?:(?:reported|confirmed|feared)\s+)?" + _KILLED + r"\b",
            re.I,
        ),
    ),
    (
        "fatalities",
        re.compile(r"\b(?:killing|killed|kills|left|leaving|shot dead)\s+" + _QUANTITY + _WHO + r"(?:\s+dead)?", re.I),
    ),
    (
        "injured",
        re.compile(
            _QUANTITY + _WHO + r"\s+(?:were\s+|was\s+|have been\s+|had been\s+|are\s+)?"
            r"(?:(?:reported|confirmed|lightly|seriously|moderately|critically)\s+)?" + _INJURED + r"\b",
            re.I,
        ),
    ),
    ("injured", re.compile(r"\b(?:injuring|wounding|injured|wounded|hurting|hurt)\s+" + _QUANTITY + _WHO, re.I)),
    (
        "targets",
        re.compile(
            r"\b(?:struck|hit|targeted|attacked|bombed|striking|hitting|targeting|destroyed)\s+"
            + _QUANTITY
            + r"\s+"
            + _TARGETS,
            re.I,
        ),
    ),
    (
        "targets",
        re.compile(
            _QUANTITY + r"\s+" + _TARGETS + r"\s+(?:were\s+|was\s+)?(?:struck|hit|targeted|bombed|destroyed)", re.I
        ),
    ),
]

#: What a counted thing is called; a sentence with none of these states no count.
_COUNT_WORDS = (
    "kill",
    "dead",
    "die",
    "death",
    "fatalit",
    "lives",
    "bodies",
    "martyr",
    "perish",
    "injur",
    "wound",
    "hurt",
    "casualt",
    "target",
    "site",
    "position",
    "launcher",
    "tunnel",
    "building",
    "structure",
    "home",
    "house",
    "toll",
)
_COUNT_WORDS_RE = re.compile("|".join(_COUNT_WORDS))
#: Cheap test for "this sentence may state a count" before the full patterns run.
_ANY_QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|dozens?|"
    r"scores|several|few|handful|couple|many|multiple)\b",
    re.I,
)
#: Phrases that make a number a running total, not this event's count.
_CUMULATIVE = re.compile(
    r"\b(?:since (?:the (?:start|beginning|war|conflict)|October|Oct\.?|7 October|the war began)|"
    r"bringing the (?:\w+\s+)?(?:toll|total|number)|in total|overall|cumulative|so far in the war|"
    r"over the course of the war|total death toll|since the start)\b",
    re.I,
)


def word_number(text: str) -> int | None:
    """An integer from digits ("1,200") or English number words ("twenty-three", "five hundred")."""
    t = text.strip().lower().replace(",", "")
    if t.isdigit():
        return int(t)
    hundred = 1
    if t.endswith(" hundred"):
        hundred = 100
        t = t.removesuffix(" hundred").strip()
    parts = re.split(r"[- ]", t)
    total = 0
    for p in parts:
        if p in _UNITS:
            total += _UNITS[p]
        elif p in _TENS:
            total += _TENS[p]
        else:
            return None
    return total * hundred


def parse_count(phrase: str) -> CountEstimate | None:
    """A claimed quantity with its spread, from a phrase such as "at least 30" or "dozens".

    Rules: "at least N" -> low N, best N; "more than/over N" -> low N+1, best N+1;
    "nearly/almost N" -> low ~0.9N, best and high N-1; "about/around N" -> 0.8N..1.2N;
    "up to N" -> high N; "between A and B" / "A-B" -> low A, high B; vague words use
    :data:`VAGUE_COUNTS`. The original words are kept in ``text``.
    """
    p = " ".join(phrase.strip().split())
    low_p = p.lower()
    m = re.fullmatch(r"between\s+(.+?)\s+and\s+(.+)", low_p) or re.fullmatch(r"(.+?)\s*(?:-|–|to)\s*(.+)", low_p)
    if m:
        a, b = word_number(m.group(1)), word_number(m.group(2))
        if a is not None and b is not None and a <= b:
            return CountEstimate(low=a, best=None, high=b, text=p)
    mod_m = re.match(r"(" + _MOD + r")\s+(.*)", low_p)
    mod, rest = (mod_m.group(1), mod_m.group(2)) if mod_m else ("", low_p)
    if rest in VAGUE_COUNTS or (rest + " of") in VAGUE_COUNTS:
        lo, best, hi = VAGUE_COUNTS.get(rest) or VAGUE_COUNTS[rest + " of"]
        if mod in ("at least", "more than", "over", "upwards of"):
            hi = None
        return CountEstimate(low=lo, best=best, high=hi, text=p)
    n = word_number(rest)
    if n is None:
        return None
    if mod == "at least":
        return CountEstimate(low=n, best=n, high=None, text=p)
    if mod in ("more than", "over", "upwards of"):
        return CountEstimate(low=n + 1, best=n + 1, high=None, text=p)
    if mod in ("nearly", "almost", "close to"):
        top = max(n - 1, 0)
        return CountEstimate(low=min(round(n * 0.9), top), best=top, high=top, text=p)
    if mod in ("about", "around", "some", "roughly", "approximately", "an estimated"):
        return CountEstimate(low=int(n * 0.8), best=n, high=round(n * 1.2), text=p)
    if mod in ("up to", "as many as"):
        return CountEstimate(low=None, best=None, high=n, text=p)
    if mod in ("fewer than", "less than", "under"):
        return CountEstimate(low=0, best=None, high=max(n - 1, 0), text=p)
    return CountEstimate(low=n, best=n, high=n, text=p)


@dataclass(frozen=True)
class CountMatch:
    """A count found in a sentence: what is counted, the estimate and its span."""

    kind: str  # fatalities | injured | targets
    estimate: CountEstimate
    text: str
    start: int
    end: int


def find_counts(sentence: str) -> list[CountMatch]:
    """Killed, injured and target counts stated for this event (running totals excluded)."""
    found: list[CountMatch] = []
    if not _COUNT_WORDS_RE.search(sentence.lower()) or not _ANY_QUANTITY.search(sentence):
        return found
    taken: list[tuple[int, int]] = []
    for kind, pattern in _COUNT_PATTERNS:
        for m in pattern.finditer(sentence):
            qs, qe = m.span("q")
            if any(qs < e and s < qe for s, e in taken):
                continue
            # "20 people were killed since October" or "bringing the toll to 15,000" is a total
            # the words before it in its clause, the match, and the rest of its clause
            head = re.split(r"[,;:]", sentence[max(0, m.start() - 40) : m.start()])[-1]
            tail = re.split(r"[,;.]", sentence[m.end() : m.end() + 40])[0]
            window = head + m.group(0) + tail
            if _CUMULATIVE.search(window):
                continue
            # a year or a date is not a count ("in 2023 killed ...")
            q = m.group("q")
            if re.fullmatch(r"(?:19|20)\d\d", q.strip()):
                continue
            est = parse_count(q)
            if est is None:
                continue
            taken.append((qs, qe))
            found.append(CountMatch(kind, est, m.group(0), m.start(), m.end()))
    found.sort(key=lambda c: c.start)
    return found


def counts_by_kind(sentence: str) -> dict[str, CountEstimate]:
    """The first stated count of each kind in a sentence (fatalities, injured, targets)."""
    out: dict[str, CountEstimate] = {}
    for c in find_counts(sentence):
        out.setdefault(c.kind, c.estimate)
    return out


#: Where a sentence's clauses part: each may carry its own attribution ("X said 274 were
#: killed; Y said fewer than 100").
_ATTRIBUTION_CLAUSE = re.compile(r";\s+|\s+[-—–]\s+|,\s+(?:while|whereas|but)\s+")


def attributed_counts(sentence: str) -> list[tuple[CountMatch, ClaimantMatch | None]]:
    """Each count of a sentence with the claimant that states it.

    The claimant of a number is the attribution of its own clause ("the health ministry
    said 274 were killed; the army said ..."), else the sentence's attribution, else
    ``None`` (the caller decides, never handing it to whoever was named first).
    """
    counts = find_counts(sentence)
    if not counts:
        return []
    whole = find_claimant(sentence)
    bounds = [0, *(m.end() for m in _ATTRIBUTION_CLAUSE.finditer(sentence)), len(sentence) + 1]
    out: list[tuple[CountMatch, ClaimantMatch | None]] = []
    for c in counts:
        who = whole
        if len(bounds) > 2:
            for a, b in pairwise(bounds):
                if a <= c.start < b:
                    own = find_claimant(sentence[a:b])
                    if own is not None:
                        who = ClaimantMatch(own.name, own.text, own.start + a, own.end + a)
                    break
        out.append((c, who))
    return out


#: Verbs with which a body issues an order or warning ("the IDF told residents to leave").
_ISSUE_VERB = re.compile(
    # an optional role of the body ("'s Arabic-language spokesman"), then the verb of the order
    r"(?:'s\s+(?:[\w-]+\s+){0,3}?(?:spokes(?:man|woman|person)|officials?|commanders?|command|office|unit|wing|"
    r"account|channel))?"
    r"\s+(?:(?:has|had|have|also|again|then|on\s+\w+day)\s+)*(?:told|ordered|urged|warned|instructed|called on|"
    r"issued|published|posted|dropped|sent|announced)\b"
)


def find_issuer(sentence: str) -> ClaimantMatch | None:
    """The known body that issues an order in a sentence ("The Israeli military told residents
    of Khan Younis to move south"): the claimant of an evacuation order with no "said"."""
    best: ClaimantMatch | None = None
    for name, pattern in _CANON:
        for m in pattern.finditer(sentence):
            if _ISSUE_VERB.match(sentence, m.end()) and (best is None or m.start() < best.start):
                best = ClaimantMatch(name, m.group(0), m.start(), m.end())
                break
    return best


# --------------------------------------------------------------------------------------
# Spans that are not event places
# --------------------------------------------------------------------------------------

#: Organisation names that contain a place name ("Khan Younis Brigade", "Gaza health
#: ministry", "Al-Quds Brigades", "Rafah crossing authority" is still a place).
_ORG_SUFFIX = re.compile(
    r"\s*(?:Brigades?|Battalions?|Division|Regiment|Corps|Command|Municipality|municipality|Health Ministry|"
    r"health ministry|Ministry|ministry|Authority|Council|Governorate office|University|Chamber|Club|FC|"
    r"Football Club|Company|Bank|Group|Foundation|Institute|Centre for|Center for|media office|Post|Times|"
    r"civil defen[cs]e|David Adom)\b"
)
_PERSON_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|General|Lt|Col|Colonel|Major|Captain|Sheikh|Mayor|President|Minister|Director|"
    r"spokes(?:man|woman|person)|commander|leader|official|chief)\.?\s+$",
    re.I,
)


def is_organisation_or_person(text: str, start: int, end: int) -> bool:
    """True if the span ``text[start:end]`` is part of an organisation or person name.

    "Khan Younis Brigade", "the Gaza health ministry", "Rafah Municipality" and "Yahya
    Sinwar" style names (a place word right after a first name or a title) are not
    event places. The caller still keeps the mention as a toponym if it wants to.
    """
    after = text[end : end + 40]
    if _ORG_SUFFIX.match(after):
        return True
    before = text[max(0, start - 40) : start]
    if _PERSON_TITLE.search(before):
        return True
    # "Gaza's health ministry", "Gaza's civil defence"
    return bool(re.match(r"'s\s+(?:health ministry|civil defen[cs]e|government media office|Health Ministry)", after))
