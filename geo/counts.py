"""How many: killed / injured / targets figures with their spread ("at least 30",
"between 20 and 40", "dozens"), running totals excluded, each with the claimant who states it.

Vague quantities map to documented ranges (:data:`VAGUE_COUNTS`) so that the claimed
spread survives into exports instead of being flattened to a single number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from geo.claimants import ClaimantMatch, find_claimant
from geo.model import CountEstimate
from geo.prefilter import hinted

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
#: is the smallest number the word can honestly mean and the high end the largest. The
#: best estimate stays empty unless a number was said ("a dozen" is twelve; "dozens" is no
#: number at all): journalists quote a best estimate, so sitmap never invents one.
VAGUE_COUNTS: dict[str, tuple[int, int | None, int | None]] = {
    "a couple of": (2, None, 3),
    "a few": (2, None, 5),
    "a handful of": (2, None, 6),
    "several": (3, None, 9),
    "a dozen": (12, 12, 12),
    "about a dozen": (10, 12, 14),
    "dozens of": (24, None, 99),
    "dozens": (24, None, 99),
    "scores of": (40, None, 199),
    "hundreds of": (200, None, 999),
    "hundreds": (200, None, 999),
    "thousands of": (2000, None, 9999),
    "thousands": (2000, None, 9999),
    "many": (2, None, None),
    "multiple": (2, None, None),
    "some": (2, None, None),
    "a number of": (2, None, None),
    "numerous": (2, None, None),
    "tens of": (20, None, 99),
}

#: Arabic and Hebrew quantity words (numbers, vague words, modifiers) in English, so one reading
#: of a phrase (:func:`parse_count`) serves the three languages; the original words stay in ``text``.
_FOREIGN_WORDS: dict[str, str] = {
    # Arabic
    "واحد": "one",
    "اثنان": "two",
    "اثنين": "two",
    "ثلاثة": "three",
    "ثلاث": "three",
    "أربعة": "four",
    "أربع": "four",
    "خمسة": "five",
    "خمس": "five",
    "ستة": "six",
    "ست": "six",
    "سبعة": "seven",
    "سبع": "seven",
    "ثمانية": "eight",
    "ثماني": "eight",
    "تسعة": "nine",
    "تسع": "nine",
    "عشرة": "ten",
    "عشر": "ten",
    "العشرات": "dozens",
    "عشرات": "dozens",
    "المئات": "hundreds",
    "مئات": "hundreds",
    "الآلاف": "thousands",
    "آلاف": "thousands",
    "عدد من": "a number of",
    # Arabic duals: "two martyrs", "two young men"
    "شهيدين": "two",
    "شهيدان": "two",
    "قتيلين": "two",
    "قتيلان": "two",
    "جريحين": "two",
    "جريحان": "two",
    "شابان": "two",
    "شابين": "two",
    "مواطنان": "two",
    "مواطنين اثنين": "two",
    "طفلان": "two",
    "طفلين": "two",
    "شقيقان": "two",
    "شقيقين": "two",
    "شخصان": "two",
    "شخصين": "two",
    "نحو": "about",
    "حوالي": "about",
    "قرابة": "about",
    "أكثر من": "more than",
    "ما لا يقل عن": "at least",
    # Hebrew
    "אחד": "one",
    "אחת": "one",
    "שניים": "two",
    "שתיים": "two",
    "שני": "two",
    "שתי": "two",
    "שלושה": "three",
    "שלוש": "three",
    "ארבעה": "four",
    "ארבע": "four",
    "חמישה": "five",
    "חמש": "five",
    "שישה": "six",
    "שש": "six",
    "שבעה": "seven",
    "שבע": "seven",
    "שמונה": "eight",
    "תשעה": "nine",
    "תשע": "nine",
    "עשרה": "ten",
    "עשר": "ten",
    "עשרות": "dozens",
    "מאות": "hundreds",
    "אלפי": "thousands",
    "כמה": "several",
    "מספר": "a number of",
    "לפחות": "at least",
    "יותר מ": "more than",
    "למעלה מ": "more than",
    "כ": "about",
}
_FOREIGN_RE = re.compile(
    r"(?<![\u0590-\u05ff\u0620-\u064a])(?:"
    + "|".join(
        sorted((re.escape(w) for w in _FOREIGN_WORDS if w not in ("כ", "יותר מ", "למעלה מ")), key=len, reverse=True)
    )
    + r")(?![\u0590-\u05ff\u0620-\u064a])|^(?:יותר מ|למעלה מ|כ)-?(?=\d)"
)
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def _in_english(phrase: str) -> str:
    """An Arabic or Hebrew quantity phrase in the English words :func:`parse_count` reads."""
    p = phrase.translate(_ARABIC_DIGITS)
    return _FOREIGN_RE.sub(lambda m: _FOREIGN_WORDS[m.group(0).rstrip("-")] + " ", p).replace("-", " ").strip()


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
    r"|thousands(?: of)?|many|multiple|a number of|numerous|tens of)"
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

_TARGETS_HIT = r"(?:struck|hit|targeted|bombed|destroyed)"

#: For a pattern that opens on a quantity, the words it cannot match without (what is counted),
#: searched first: the full pattern tries its quantity alternation at every character of the
#: sentence, about thirty times the cost of looking for the word.
_NEEDS: dict[re.Pattern[str], re.Pattern[str]] = {}


def _needs(pattern: re.Pattern[str], words: str) -> re.Pattern[str]:
    """``pattern``, registered in :data:`_NEEDS` with ``words`` (a regex every match of it contains)."""
    _NEEDS[pattern] = re.compile(words, pattern.flags)
    return pattern


_COUNT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "fatalities",
        re.compile(
            r"(?:death toll|toll)\s+(?:of|at|rose to|to|reached|climbed to|stood at|stands at)\s+" + _QUANTITY, re.I
        ),
    ),
    (
        "fatalities",
        _needs(
            re.compile(
                _QUANTITY + _WHO + r"\s+(?:were\s+|was\s+|have been\s+|had been\s+|are\s+)?"
                r"(?:(?:reported|confirmed|feared)\s+)?" + _KILLED + r"\b",
                re.I,
            ),
            _KILLED,
        ),
    ),
    (
        "fatalities",
        re.compile(r"\b(?:killing|killed|kills|left|leaving|shot dead)\s+" + _QUANTITY + _WHO + r"(?:\s+dead)?", re.I),
    ),
    (
        "injured",
        _needs(
            re.compile(
                _QUANTITY + _WHO + r"\s+(?:were\s+|was\s+|have been\s+|had been\s+|are\s+)?"
                r"(?:(?:reported|confirmed|lightly|seriously|moderately|critically)\s+)?" + _INJURED + r"\b",
                re.I,
            ),
            _INJURED,
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
        # the verb first, then (hinted) the word for what was hit: "hit a building" is common, "buildings" less
        _needs(
            hinted(re.compile(_QUANTITY + r"\s+" + _TARGETS + r"\s+(?:were\s+|was\s+)?" + _TARGETS_HIT, re.I)),
            _TARGETS_HIT,
        ),
    ),
]

_AR_Q = (
    r"(?P<q>(?:(?:نحو|حوالي|قرابة|أكثر من|ما لا يقل عن)\s+)?(?:\d+|[٠-٩]+|"
    r"واحد|اثنان|اثنين|ثلاثة|ثلاث|أربعة|أربع|خمسة|خمس|ستة|ست|سبعة|سبع|ثمانية|ثماني|تسعة|تسع|عشرة|عشر)"
    r"|العشرات|عشرات|المئات|مئات|الآلاف|آلاف|عدد من)"
)
_HE_Q = (
    r"(?P<q>(?:(?:לפחות)\s+|(?:יותר|למעלה)\s+מ-?|כ-?)?(?:\d+|"
    r"אחד|אחת|שניים|שתיים|שני|שתי|שלושה|שלוש|ארבעה|ארבע|חמישה|חמש|שישה|שש|שבעה|שבע|שמונה|תשעה|תשע|עשרה|עשר)"
    r"|עשרות|מאות|אלפי|כמה|מספר)"
)
_AR = r"(?<![\u0620-\u064a])"
_AR_END = r"(?![\u0620-\u064a])"
_HE = r"(?<![\u0590-\u05ff])"
_HE_END = r"(?![\u0590-\u05ff])"
_ENGLISH_PATTERNS = len(_COUNT_PATTERNS)
_COUNT_PATTERNS += [
    (
        "fatalities",
        re.compile(_AR + r"(?:و|ف)?(?:استشهد|استشهاد|مقتل|قتل)\s+(?:\S+\s+)??" + _AR_Q + _AR_END),
    ),
    ("fatalities", re.compile(_AR + _AR_Q + r"\s+(?:\S+\s+)?(?:شهداء|شهيدا|شهيد|قتلى|قتيلا)" + _AR_END)),
    ("fatalities", re.compile(_AR + _AR_Q + r"\s+(?:\S+\s+)?(?:استشهدوا|قتلوا|لقوا حتفهم)" + _AR_END)),
    ("injured", re.compile(_AR + _AR_Q + r"\s+(?:\S+\s+)?(?:أصيبوا|جرحوا)" + _AR_END)),
    # duals: "سقوط شهيدين", "أصيب شابان", "استشهد طفلان"
    ("fatalities", re.compile(_AR + r"(?P<q>شهيدين|شهيدان|قتيلين|قتيلان)" + _AR_END)),
    ("injured", re.compile(_AR + r"(?P<q>جريحين|جريحان)" + _AR_END)),
    (
        "fatalities",
        re.compile(_AR + r"(?:و|ف)?(?:استشهد|قتل)\s+(?P<q>شابان|مواطنان|طفلان|شقيقان|شخصان)" + _AR_END),
    ),
    ("injured", re.compile(_AR + r"(?:و|ف)?(?:أصيب|جرح)\s+(?P<q>شابان|مواطنان|طفلان|شقيقان|شخصان)" + _AR_END)),
    ("injured", re.compile(_AR + r"(?:و|ف)?(?:أصيب|أصيبت|إصابة|جرح)\s+(?:\S+\s+)??" + _AR_Q + _AR_END)),
    ("injured", re.compile(_AR + _AR_Q + r"\s+(?:\S+\s+)?(?:جرحى|جريحا|إصابات|إصابة|مصابين|مصابا)" + _AR_END)),
    ("fatalities", re.compile(_HE + r"ו?" + _HE_Q + r"\s+(?:\S+\s+){0,2}?(?:נהרגו|נרצחו|הרוגים|מתו)" + _HE_END)),
    ("fatalities", re.compile(_HE + r"ו?(?:נהרגו|נרצחו)\s+" + _HE_Q + _HE_END)),
    ("injured", re.compile(_HE + r"ו?" + _HE_Q + r"\s+(?:\S+\s+){0,2}?(?:נפצעו|פצועים)" + _HE_END)),
    ("injured", re.compile(_HE + r"ו?נפצעו\s+" + _HE_Q + _HE_END)),
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
    "استشهد",
    "استشهاد",
    "شهيد",
    "شهداء",
    "قتل",
    "قتيل",
    "أصيب",
    "إصاب",
    "جرح",
    "جريح",
    "مصاب",
    "נהרג",
    "נרצח",
    "הרוג",
    "מתו",
    "נפצע",
    "פצוע",
)
_COUNT_WORDS_RE = re.compile("|".join(_COUNT_WORDS))
#: Cheap test for "this sentence may state a count" before the full patterns run.
_ANY_QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|dozens?|"
    r"scores|several|few|handful|couple|many|multiple|tens|numerous|number)\b|[٠-٩]|"
    r"واحد|اثن|ثلاث|أربع|خمس|ست|سبع|ثمان|تسع|عشر|مئات|آلاف|عدد من|ان(?![\u0620-\u064a])|ين(?![\u0620-\u064a])|"
    r"אחד|אחת|שני|שתי|שלוש|ארבע|חמש|שש|שבע|שמונה|תשע|עשר|מאות|אלפי|כמה|מספר",
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


_LATIN = re.compile(r"[A-Za-z]{3}")
_FOREIGN_HINT = re.compile(r"[\u0590-\u05ff\u0620-\u064a\u0660-\u0669]")


def parse_count(phrase: str) -> CountEstimate | None:
    """A claimed quantity with its spread, from a phrase such as "at least 30" or "dozens".

    Rules: "at least N" -> low N, best N; "more than/over N" -> low N+1, best N+1;
    "nearly/almost N" -> low ~0.9N, best and high N-1; "about/around N" -> 0.8N..1.2N;
    "up to N" -> high N; "between A and B" / "A-B" -> low A, high B; vague words use
    :data:`VAGUE_COUNTS`. The original words are kept in ``text``.
    """
    p = " ".join(phrase.strip().split())
    low_p = " ".join(_in_english(p).split()).lower() if _FOREIGN_HINT.search(p) else p.lower()
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
        if mod in ("more than", "over", "upwards of") and best is not None:
            lo, best = best + 1, None  # "more than a dozen": thirteen or more, no number said
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
    patterns = _COUNT_PATTERNS
    if not _LATIN.search(sentence):
        patterns = patterns[_ENGLISH_PATTERNS:]  # an Arabic or Hebrew sentence: skip the English patterns
    elif not _FOREIGN_HINT.search(sentence):
        patterns = patterns[:_ENGLISH_PATTERNS]
    for kind, pattern in patterns:
        need = _NEEDS.get(pattern)
        if need is not None and not need.search(sentence):
            continue
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
_ATTRIBUTION_CLAUSE = hinted(re.compile(r";\s+|\s+[-—–]\s+|,\s+(?:while|whereas|but)\s+"))


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
