"""Find the places a text names and decide which place each one means: :func:`mentions`.

Scanning: the text is cut into words (Latin, Arabic and Hebrew script), each folded
once (:mod:`geo.normalize`); at every word the longest gazetteer name that starts
there is taken (exact fold keys first, consonant skeletons as a fuzzy fallback),
across spaces and hyphens but never across punctuation. A Latin match needs a
capital letter; spans inside organisation names ("Khan Younis Brigade", "Gaza Health
Ministry", "Times of Israel") and person names ("Gen. Rafah ...", "Israel Katz") are
dropped. A capitalised word that is not in the gazetteer is simply not a mention.

Qualifiers: "near", "outskirts of", "area of", "around", "across", "in the vicinity of",
"north/south/east/west of", "5 km north of", "along the border", "eastern X" (and
Arabic قرب/شمال/شرق..., Hebrew ליד/מדרום ל/בצפון...) are attached and widen (or move) the
uncertainty via :func:`geo.uncertainty.uncertainty_for`. A direction phrase that a longer name
runs past ("south of [Gaza City]") is not taken for a region alias ("the south of Gaza").
One-word names that are everyday nouns (خيام tents, מגן shield) are places only in a place
context (:func:`_drop_common_nouns`).

Resolution ranks every candidate entry of a name by the weight of the name (primary,
alternate, curated alias, fuzzy), kind, population, the document focus (the country
and territory most unambiguous mentions lie in; the Gaza Strip unless the text says
otherwise), co-occurring places (distance to the other places of the text), and
containers written next to it ("Rafah, Egypt", "Egypt's Rafah", "Gaza - At Tuffah
(Gaza City, Gaza Strip)"). Scores become probabilities (softmax); the chosen one is
the mention's place and ``confidence``, the others stay in ``alternatives`` with
their probabilities so a reviewer sees the ambiguity.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import compress

from shapely.geometry import Point

from geo.budget import check_budget
from geo.gazetteer import Entry, Gazetteer
from geo.model import Candidate, Mention, Uncertainty
from geo.normalize import (
    ARTICLES,
    WEAK_ARTICLES,
    fold_token,
    is_arabic,
    is_hebrew,
    skeleton_token,
    strip_marks,
    surface_key,
)
from geo.transliterate import GERESH, HEBREW_ARTICLES, MIN_KEY, MIN_PLACE_WORD_KEY, hebrew_key, hebrew_word_key
from geo.uncertainty import uncertainty_for


def _plain_words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _words(text: str) -> frozenset[str]:
    """A word list folded like text tokens are ("Council" -> "cuncil"), so lookups compare like with like."""
    return frozenset(" ".join(fold_token(t) for t in w.split("_")) for w in text.split())


#: Lowercase words a place name may start with in running text ("northern Gaza", "occupied West Bank",
#: "border with Lebanon").
LOWER_STARTS = _words("northern southern central eastern western north south east west middle occupied border")

#: Countries around Israel and Palestine: a text about the region means their places first.
NEIGHBOURS = frozenset({"EG", "JO", "LB", "SY"})
#: A choice this unsure between places this far apart (km) is left unresolved (geometry None).
UNRESOLVED_BELOW = 0.55
UNRESOLVED_SPREAD_KM = 50.0

#: Words that open a direction phrase ("south of", "the north of", Arabic "جنوب", Hebrew "דרום").
DIRECTION_WORDS = _words(
    "north south east west northern southern eastern western شمال جنوب شرق غرب شمالي جنوبي شرقي غربي "
    "צפון דרום מזרח מערב"
)

#: Default document focus: sitmap's reporting is about the Gaza Strip unless the text says otherwise.
DEFAULT_FOCUS = ("PS", "GZ")

#: Combining marks a word may carry after its first letter: Latin accents written decomposed, Arabic
#: harakat ("قُصرة") and Hebrew niqqud. They are not word characters to ``re``, so without them a
#: vowelled word would split in two ("ق" + "صرة", and "صرة" is another village).
_MARK = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
_WORD = re.compile(
    rf"[^\W\d_](?:[^\W\d_]|[{_MARK}])*(?:['’ʼʿ`](?![sS]\b)[^\W\d_](?:[^\W\d_]|[{_MARK}])*)*"
)  # "Israel's" -> "Israel", "s"
#: Marks Hebrew writes for a geresh; one may end a word ("שייח'"), so it does not break a name.
_GERESH = frozenset("'’׳")
#: Marks a transliteration writes for an ʿayn at the start of a word ("'Ajlin", "ʿAjlin", "`Ajlin").
_AYN_MARKS = frozenset("'’‘ʿ`")
_JOIN_GAP = re.compile(r"^(?:[ \t\u00a0]{1,3}|[-‐‑־](?:[ \t]?)|[ \t]?[-‐‑־])$")

_KIND_PRIOR = {
    "country": 0.3,
    "admin1": 0.3,
    "region": 0.3,
    "admin2": 0.2,
    "hospital": 0.2,
    "crossing": 0.2,
    "corridor": 0.2,
    "neighbourhood": 0.1,
    "camp": 0.1,
    "area": 0.1,
    "facility": 0.1,
    "city": 0.0,
}

#: Words that head organisation names: a place right before them is part of the name.
ORG_HEADS = _words(
    """
    brigade brigades battalion battalions division regiment ministry ministries municipality authority
    authorities council company corporation corp inc ltd bank university college times post news tv radio
    agency committee forces force front movement foundation club fc office group association society
    network channel airlines airways institute organisation organization federation party command
    directorate service services media herald tribune observer chronicle gazette journal monitor
    defence defense
    """
)
#: Lowercase words allowed between a place and an organisation head ("Gaza health ministry").
ORG_MODIFIERS = _words(
    """
    health interior foreign defense defence civil government media information press security police
    emergency humanitarian municipal public local regional central national military naval air border
    city strip
    """
)
#: Titles before a name that make the next capitalised words a person.
TITLES = _words(
    """
    mr mrs ms miss dr prof gen general lt col colonel maj major capt captain sgt sergeant cpl brig adm admiral
    president minister premier pm king queen prince princess emir sheikh sen senator rep ambassador envoy
    judge justice lord sir rabbi imam pope commander chief spokesman spokeswoman spokesperson mayor governor
    """
)
#: Given names often followed by a surname that is also a place name.
GIVEN_NAMES = _words(
    """
    david benjamin yahya mohammed muhammad mohamed mohammad ahmed ahmad ali omar umar hassan hussein ismail
    khalil ibrahim yousef yusuf youssef mahmoud mustafa abdel abdul abdullah saleh salah marwan yasser yoav
    benny naftali yair itamar bezalel herzi daniel avichay gadi eyal aviv moshe ariel ehud shimon yitzhak
    golda michael john james joe donald antony anthony jake tony emmanuel rishi keir olaf recep abdel gamal
    anwar hosni abdelfattah fattah tamim hamad faisal khaled khalid walid sami samir nabil riyad mahmud
    rami majed hani hamza husam osama raed tareq tariq ziad jamal kamal adel nasser
    """
)
#: Full names of people whose first word is a place name.
PERSON_NAMES = _words("israel_katz israel_ziv jordan_bardella paris_hilton")
#: Words that are never a place on their own (demonyms the alternate names sometimes contain).
NOT_PLACES = _words("israeli israelis palestinian palestinians egyptian arab jewish")
#: Acronyms that are place names (other all-caps words of up to three letters are not).
PLACE_ACRONYMS = frozenset({"us", "usa", "uk", "uae"})

_DEMONYMS = {
    "egypt": "EG",
    "egyptian": "EG",
    "israel": "IL",
    "israeli": "IL",
    "lebanon": "LB",
    "lebanese": "LB",
    "syria": "SY",
    "syrian": "SY",
    "jordan": "JO",
    "jordanian": "JO",
    "qatar": "QA",
    "qatari": "QA",
    "palestinian": "PS",
    "gaza": "PS",
}
_DEMONYM_BEFORE = re.compile(
    r"\b(" + "|".join(_DEMONYMS) + r")(?:['’]s)?\s+(?:(?:side|part|city|town|village|border town|border city)"
    r"\s+(?:of\s+)?)?(?:the\s+)?$",
    re.I,
)
_DIR = r"(?:north|south|east|west)(?:[- ]?(?:east|west))?"
_QUAL_BEFORE = re.compile(
    r"(?:(?P<dist>\b\d+(?:[.,]\d+)?\s*(?:km|kilomet(?:er|re)s?|miles?|m)\s+(?:to the\s+)?" + _DIR + r"\s+of)"
    r"|(?P<dir>\b" + _DIR + r"\s+of)"
    r"|(?P<near>\b(?:in and around|on the outskirts of|the outskirts of|outskirts of|on the edge of|"
    r"in the vicinity of|the vicinity of|vicinity of|in the area of|the area of|area of|areas of|"
    r"surroundings of|close to|next to|near|nearby|around|outside|across|throughout|all over|parts of|"
    r"along the border (?:with|of|near)|along the border))"
    r"|(?P<part>\b(?:eastern|western|northern|southern)(?: parts? of)?)"
    r"|(?P<ar>(?:بالقرب من|قرب|محيط|أطراف|شمال|جنوب|شرق|غرب|شمالي|جنوبي|شرقي|غربي))"
    r")\s+(?:the\s+)?(?:(?:city|town|camp|village|neighbou?rhood|area|district|refugee camp) of\s+"
    r"|(?:حي|مخيم|منطقة|بلدة|مدينة)\s+)?$",
    re.I,
)
_QUAL_AFTER = re.compile(r"^\s+(?:area|areas|region|environs|surroundings|vicinity|outskirts|border area)\b", re.I)
_BORDER_AFTER = re.compile(r"^\s+(?:border|fence|frontier)\b", re.I)
_ALONG_BEFORE = re.compile(r"\balong the\s+$", re.I)
#: Words one of which ends every qualifier phrase (a cheap filter before the regex).
_QUAL_TRIGGERS = _plain_words(
    "of near nearby around across outside throughout to with border eastern western northern southern part parts "
    "قرب من محيط أطراف شمال جنوب شرق غرب شمالي جنوبي شرقي غربي"
)
_AR_QUAL = {
    "قرب": "near",
    "بالقرب من": "near",
    "محيط": "vicinity of",
    "أطراف": "outskirts of",
    "شمال": "north of",
    "جنوب": "south of",
    "شرق": "east of",
    "غرب": "west of",
    "شمالي": "northern",
    "جنوبي": "southern",
    "شرقي": "eastern",
    "غربي": "western",
}
#: Hebrew direction and nearness phrases right before a name; a glued "ל" (to) was cut off the
#: name's word, so "ממערב לחאן יונס" leaves "ממערב ל" before it.
_HE_QUAL = re.compile(
    r"(?:^|\s)ו?(?:(?P<in>ב)|(?P<from>מ))?(?P<dir>צפו[ןנ]|דרו[םמ]|מזרח|מערב)(?P<adj>ית)?(?:\s+ל-?|\s*-?ל|\s+)(?:ל?(?:שכונת|מחנה)\s+)?$"
    r"|(?:^|\s)ו?(?P<near>ליד|סמוך\s+ל-?|בסמוך\s+ל-?|בקרבת)\s*$"
)
_HE_DIRECTIONS = {"צפון": "north", "דרום": "south", "מזרח": "east", "מערב": "west"}
_HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")


def _hebrew_qualifier(before: str) -> str | None:
    """ "south of" for "מדרום ל"/"דרום"/"דרומית ל", "southern" for "בדרום", "near" for "ליד"."""
    q = _HE_QUAL.search(before[-20:])
    if q is None:
        return None
    if q.group("near"):
        return "near"
    word = _HE_DIRECTIONS[q.group("dir").replace("נ", "ן").replace("דרומ", "דרום")]
    if q.group("in") and not q.group("adj"):
        return f"{word}ern"  # "בדרום X": in the south of X
    return f"{word} of"


_POSSESSIVE_GAP = re.compile(r"^['’ʼ][sS]\s{1,2}$")
#: Arabic proclitics glued to a place name: "and", "in/by", "to/of". "ف" (so) and "ك" (like) are left out:
#: news writes no "فغزة" or "كغزة", while words such as "فعالية" (an event) would read as ف + Aley.
_AR_CLITICS = frozenset("وبل")
_HE_CLITICS = frozenset("ובלמהשכ")
#: Hebrew proclitics that start many everyday words ("שיגור", "הודיע"): alone they are not stripped.
_HE_WEAK_CLITICS = frozenset("הש")
#: Two proclitics glue on in a fixed order: "and"/"that" before a preposition or the article
#: ("ובעזה", "שבעזה", "מהעיר"), never a preposition before "the" or two prepositions ("הבניין" is
#: "the building", no "the in" + Nayn; "מלחמה" is "war", no "from to" + Hama).
_HE_CLITIC_PAIRS = frozenset({"וב", "ול", "ומ", "וכ", "וה", "שב", "של", "שמ", "שכ", "שה", "מה", "כש"})
_AR_CLITIC_PAIRS = frozenset({"وب", "ول"})
#: "ل" (to, for) before the article is written "لل": "للناقورة", "وللخيام" (and to Khiam).
_AR_LIL = re.compile("^و?لل")
#: Hebrew prepositions that swallow the article of the name after them: "בגליל" (in the Galilee) is
#: ב + "הגליל", "לעיר העתיקה" is ל + "העיר העתיקה".
_HE_ARTICLE_EATERS = frozenset("בלכ")
#: Qualifiers that place a name a short way from the next one: "Burqa, east of Ramallah".
_NEAR_QUALIFIERS = frozenset(
    f"{d} of" for d in ("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest")
) | frozenset({"north-east of", "north-west of", "south-east of", "south-west of", "near", "close to", "next to"})
#: What may stand between a name and a direction phrase about the next one (a comma, the phrase itself).
_NEAR_GAP = re.compile(
    r"^\s*[,،]?\s*(?:(?:(?:just|some|about|\d+(?:[.,]\d+)?\s*(?:km|kilomet(?:er|re)s?|miles?))\s+)*"
    r"(?:to the\s+)?(?:north|south|east|west)(?:[- ]?(?:east|west))?\s+of|near|close to|next to"
    r"|شمال|جنوب|شرق|غرب|قرب|شمالي|جنوبي|شرقي|غربي"
    r"|מ?(?:צפון|דרום|מזרח|מערב)(?:ית)?\s*ל-?|ש?מ(?:צפון|דרום|מזרח|מערב)\s*ל-?)\s*(?:the\s+)?$",
    re.I,
)
#: How far (km) "X, east of Y" may put X from Y's point.
NEAR_OF_KM = 25.0
_CONFLICT_DASH = re.compile(r"^\s*[-–—]\s*$")
_CONTAINER_GAP = re.compile(
    r"^\s*(?:,|\(|,\s*in|in|[،,]?\s*في(?:\s+(?:جنوب|شمال|شرق|غرب|وسط|جنوبي|شمالي|شرقي|غربي))?)\s*$"
)  # "Rafah, Egypt", "Naqoura (Tyre)", "الطور في جنوب سيناء"
_SENTENCE_END = re.compile(r"[.!?]\s*$")
#: A word after a place name that makes it the name of a street or building ("Baghdad street",
#: "the Safad school", "Yarmouk stadium"), and the Arabic words before one ("شارع يافا").
_LANDMARK_AFTER = re.compile(
    r"(?:[\s-]+(?:[Aa]l-|[Ee]l-)?[A-Z][\w'’]*){0,2}?[\s-]*(?:street|st\.|road|rd\.|avenue|mosque|school|stadium|market|souq|square|roundabout|junction|"
    r"intersection|bakery|clinic|club|tower|towers|building|bridge|cemetery|university|college|park|mall|hall|"
    r"hotel|church|neighbou?rhood|quarter|district)\b",
    re.I,
)
_LANDMARK_BEFORE = re.compile(r"(?:شارع|مسجد|مدرسة|سوق|دوار|ملعب|مفترق|רחוב|מסגד|בית ספר)\s*$")
#: A word for a quarter right before a name ("حي الصفا", "בשכונת אל-בוסתן"): a town of that name far
#: from the town the sentence is about is only the quarter's namesake.
_QUARTER_BEFORE = re.compile(r"(?:^|\s)(?:[وب]?حي|[ובל]?שכונת)\s*$")
#: Entries that are themselves sites: "Nasser Hospital school" stays the hospital.
_SITE_KINDS = frozenset({"hospital", "crossing", "camp", "facility", "corridor", "country", "admin1", "region"})
_CONTAINER_WORDS = re.compile(r"\b(?:in|of|at|near|inside|off)\b|[,(]|\bفي\b|\bب|(?:^|\s)ו?ש?ב")
_BREAK = re.compile(r"[.!?\n;]")
#: "the camp's", "the city's", "the town's" right before a landmark: a place named earlier holds it.
_POINTS_BACK = re.compile(r"\bthe\s+(?:camp|city|town|village|quarter|neighbou?rhood)['’]s\s+$", re.I)
#: How far (km) a landmark's namesake may lie from the other places of a text before it is
#: taken for a street or building rather than the place itself.
LANDMARK_JUMP_KM = 40.0


@dataclass
class _Token:
    start: int
    end: int
    raw: str
    key: str
    skel: str
    cap: bool
    article: bool
    strong_article: bool
    latin: bool


@dataclass
class _Match:
    start: int
    end: int
    text: str
    hits: list[tuple[int, float]]
    quality: float
    n_tokens: int
    qualifier: str | None = None
    hint_country: str | None = None
    container: _Match | None = None
    sub_of: _Match | None = None
    landmark_in: _Match | None = None  # a street or building named after a place, inside this container
    near_of: _Match | None = None  # "Burqa, east of Ramallah": the place this one lies a short way from
    scores: list[tuple[Entry, float]] = field(default_factory=list)


class _Tokens:
    """The words of a text, built into :class:`_Token` lazily: most words are never looked at twice."""

    def __init__(self, text: str, gaz: Gazetteer) -> None:
        self.text = text
        self.gaz = gaz
        self.spans = [m.span() for m in _WORD.finditer(text)]
        self._built: list[_Token | None] = [None] * len(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i: int) -> _Token:
        tok = self._built[i]
        if tok is None:
            tok = self._built[i] = _make_token(self.text, *self.spans[i], self.gaz)
        return tok

    def between(self, i: int, j: int) -> list[_Token]:
        """Words ``i`` .. ``j - 1`` (clipped to the text)."""
        return [self[k] for k in range(i, min(j, len(self.spans)))]

    def may_start(self, i: int) -> bool:
        """Cheap test: can a gazetteer name start at word ``i``? (Latin words only; others say yes.)"""
        s, e = self.spans[i]
        raw = self.text[s:e]
        if not raw.isascii():
            return True
        if len(raw) > 3 and raw[-2] == "'" and raw[-1] in "sS":
            raw = raw[:-2]
        key = fold_token(raw)
        if raw[:1].islower():  # names start with a capital, except regions such as "northern Gaza"
            return key in LOWER_STARTS and key in self.gaz.first_tokens
        return key in self.gaz.first_tokens or skeleton_token(key) in self.gaz.first_skeletons


def _make_token(text: str, start: int, end: int, gaz: Gazetteer) -> _Token:
    raw = text[start:end]
    if len(raw) > 3 and raw[-2] in "'’ʼ" and raw[-1] in "sS":  # possessive: "Israel's", "Gaza’s"
        raw, end = raw[:-2], end - 2
    key = fold_token(raw)
    semitic = not raw.isascii() and (is_arabic(raw) or is_hebrew(raw))
    if semitic and len(key) >= 3 and key not in gaz.first_tokens:
        # One or two proclitics glued to the name: و/ب/ل/ف/ك in Arabic ("بغزة", "وبيت"),
        # ו/ב/ל/מ/ה/ש/כ in Hebrew ("בשדרות", "ובעזה"). The span then starts at the name.
        arabic = is_arabic(raw)
        clitics = _AR_CLITICS if arabic else _HE_CLITICS
        lil = _AR_LIL.match(key) if arabic else None
        swallowed = bool(lil and key[lil.end() :] in gaz.first_tokens and raw.startswith(lil.group(0)))
        if lil and swallowed:
            # "للناقورة" is ل + "الناقورة": the preposition swallows the article's alef
            start += lil.end()
            raw = raw[lil.end() :]
            key = key[lil.end() :]
        for n_clitic in () if swallowed else (1, 2):
            if len(key) - n_clitic < 2 or any(c not in clitics for c in key[:n_clitic]):
                break
            stripped = key[n_clitic:]
            if n_clitic == 2 and key[:2] not in (_AR_CLITIC_PAIRS if arabic else _HE_CLITIC_PAIRS):
                break  # not a sequence of clitics the language writes: the letters belong to the word
            if arabic and strip_marks(raw)[:n_clitic] != key[:n_clitic]:
                break  # the fold dropped an article: "الكبيرة" is "the big", never "ال" + "ك" + al-Bireh
            if not arabic and n_clitic == 1 and key[0] in _HE_WEAK_CLITICS:
                continue  # "שיגור" (a launch) is no "ש" + Yagur: "that"/"the" glue to places only after ו/ב/ל/מ
            if arabic and stripped.startswith("ال") and stripped[2:] in gaz.first_tokens:
                stripped = stripped[2:]
            elif (
                not arabic
                and key[n_clitic - 1] in _HE_ARTICLE_EATERS
                and "ה" + stripped in gaz.first_tokens
                and _article_form_reads_on(text, end, stripped, gaz)
            ):
                stripped = "ה" + stripped  # "בעיר העתיקה": ב + "העיר העתיקה"
            if stripped in gaz.first_tokens:
                if raw[:n_clitic] == key[:n_clitic]:  # no marks inside the clitics: offsets map 1:1
                    start += n_clitic
                    raw = raw[n_clitic:]
                key = stripped
                break
    low = key.lower()
    article = low in ARTICLES
    prev_char = text[start - 1] if start else ""
    next_char = text[end] if end < len(text) else ""
    hyphen = next_char in "-‐‑"
    strong = article and (low not in WEAK_ARTICLES or hyphen or (raw[:1].isupper() and prev_char != ""))
    cap = True if semitic else raw[:1].isupper()
    return _Token(start, end, raw, key, skeleton_token(key), cap, article, strong, not semitic)


def _article_form_reads_on(text: str, end: int, stripped: str, gaz: Gazetteer) -> bool:
    """True if a Hebrew word whose preposition swallowed an article ("בגליל", "בעיר") names a place
    with the article back ("הגליל"), rather than the bare word: the bare word begins no name, or the
    next word continues only the article form ("בעיר העתיקה" is the Old City, "עיר" + "העתיקה" nothing)."""
    with_article = "ה" + stripped
    if stripped not in gaz.first_tokens:
        return True
    nxt = _WORD.match(text, end + 1) if text[end : end + 1] in (" ", "-", "־") else None
    if nxt is None:
        return with_article in gaz.names and stripped not in gaz.names
    two = f"{fold_token(nxt.group(0))}"
    a, b = f"{with_article} {two}", f"{stripped} {two}"
    return (a in gaz.names or a in gaz.name_prefixes) and not (b in gaz.names or b in gaz.name_prefixes)


def _tokenize(text: str, gaz: Gazetteer) -> _Tokens:
    return _Tokens(text, gaz)


def _joinable(text: str, a: _Token, b: _Token) -> bool:
    gap = text[a.end : b.start]
    if gap[:1] in _GERESH and not a.latin:
        gap = gap[1:]  # Hebrew geresh ending a word ("שייח' ג'ראח"): part of the word, not a break
    elif gap[-1:] in _AYN_MARKS and b.latin and len(gap) > 1:
        gap = gap[:-1]  # an ʿayn written as an apostrophe opening the next word ("Sheikh 'Ajlin")
    return bool(_JOIN_GAP.match(gap))


def _candidate_starts(text: str, toks: _Tokens, gaz: Gazetteer) -> list[int]:
    """Indices of words that may start a name, found with C-level map/compress (no per-word Python loop).

    A word qualifies if its fold key (or skeleton) begins some name, or if it is in Arabic
    or Hebrew script (a glued proclitic is only stripped when the full token is built).
    """
    words = _WORD.findall(text)  # the same words as toks.spans, sliced in C
    keys = list(map(fold_token, words))
    idx = range(len(words))
    cased = list(map(operator.not_, map(str.islower, words)))  # "Gaza", "GAZA", "غزة"; not "said"
    exact = compress(idx, map(operator.and_, cased, map(gaz.first_tokens.__contains__, keys)))
    fuzzy = compress(idx, map(operator.and_, cased, map(gaz.first_skeletons.__contains__, map(skeleton_token, keys))))
    lower = compress(idx, map(LOWER_STARTS.__contains__, keys))  # "northern Gaza", "occupied West Bank"
    other = compress(idx, map(operator.not_, map(str.isascii, words)))
    return sorted(set(exact).union(fuzzy, lower, other))


def _scan(text: str, toks: _Tokens, gaz: Gazetteer) -> list[_Match]:
    """Longest-match scan over the token stream (exact keys, then skeleton keys)."""
    found: list[_Match] = []
    next_free = 0
    for i in _candidate_starts(text, toks, gaz):
        if i < next_free:
            continue
        t = toks[i]
        if t.article or (t.key not in gaz.names and t.key not in gaz.name_prefixes and t.skel not in gaz.skeletons
                         and t.skel not in gaz.skeleton_prefixes):  # fmt: skip
            continue
        best = _longest(text, toks, i, gaz, fuzzy=False)
        if best is None:
            best = _longest(text, toks, i, gaz, fuzzy=True)
        if best is None:
            continue
        j, hits, quality, used = best
        if t.key in DIRECTION_WORDS and _longer_name_inside(text, toks, i, j, gaz):
            continue  # "south of Gaza City": not the region "the south of Gaza" but Gaza City, qualified
        first = i
        # Include a preceding article written as part of the name ("al-Mawasi", "At Tuffah").
        if i > 0 and toks[i - 1].strong_article and _joinable(text, toks[i - 1], t):
            first = i - 1
        if _unknown_head_before(text, toks, first, next_free):
            continue  # "Khirbet Tana" is a hamlet the gazetteer lacks, not Antananarivo ("Tana")
        if _acceptable(text, toks, i, j, toks.between(i, j + 1), quality, used):
            s, e = toks[first].start, toks[j].end
            found.append(_Match(s, e, text[s:e], hits, quality, len(used)))
            next_free = j + 1
    return found


#: Words that open Arabic and Hebrew place names ("Khirbet Tana", "Deir Qaddis", "Wadi Fukin", "Kafr
#: Malik"): written capitalised right before a known name they make another place, one the gazetteer
#: lacks ("Beit Lahia" is not "Lahia"), so the shorter name inside is no mention of its own.
NAME_HEADS = _words(
    "khirbet khirbat khirbit khirba kherbet wadi tell tal tel jabal jebel jabel ein ain umm beit bayt bait "
    "kafr kfar kufr deir dayr nahal givat marj khallet khallat"
) | frozenset({fold_token("خربة"), fold_token("خربت")})


def _unknown_head_before(text: str, toks: _Tokens, first: int, next_free: int) -> bool:
    """True if a place-name head word ("Khirbet", "Wadi", "Deir", "خربة") stands glued before the
    name starting at word ``first`` and is part of no earlier name: together they name another place."""
    if first == 0 or first - 1 < next_free:
        return False
    head = toks[first - 1]
    return head.cap and not head.article and head.key in NAME_HEADS and _joinable(text, head, toks[first])


#: A Hebrew word for a kind of place right before a name ("הכפר", "בכפר הסמוך", "מחנה הפליטים", "שכונת").
_HE_NAME_CONTEXT = re.compile(
    r"(?:^|[\s\"'(])[ובלמש]?ה?(?:כפר|כפרי|מחנה(?:\s+הפליטים)?|שכונת|שכונות|עיירה|עיירת|יישוב|עיר|ואדי|ח'רבת)"
    r"(?:\s+ה?סמוך)?\s+$"
)
#: Words that follow a word for a village or town as adjectives, not names ("בכפר קטן", in a small village).
_HE_PLACE_WORD_ADJECTIVES = frozenset(
    [
        "קטן",
        "גדול",
        "שכן",
        "סמוך",
        "נטוש",
        "ערבי",
        "דרוזי",
        "בדואי",
        "נוסף",
        "אחר",
        "שלם",
        "ותיק",
        "חדש",
        "עתיק",
        "קרוב",
        "רחוק",
        "שקט",
        "שלו",
        "שלה",
        "שלהם",
    ]
)
#: A direction phrase about another place right after a word ("תורמוס עיא, מצפון לרמאללה", "ביתא שמדרום
#: לשכם"): the word is the name of a place that lies there.
_HE_DIRECTION_AFTER = re.compile(r"\s*,?\s*ש?מ(?:צפון|דרום|מזרח|מערב)\s*ל|\s*,?\s*(?:צפונית|דרומית|מזרחית|מערבית)\s*ל")
_GERESH_LETTER = re.compile("[גחעצתדז][" + "".join(GERESH) + "]")


def _he_article(text: str, tok: _Token) -> bool:
    """A Hebrew spelling of the Arabic article written before a hyphen ("אל-", "א-")."""
    return tok.raw in HEBREW_ARTICLES and text[tok.end : tok.end + 1] in "-־"


def _hebrew_transliterations(text: str, toks: _Tokens, gaz: Gazetteer, found: list[_Match]) -> list[_Match]:
    """Hebrew transliterations of Arabic place names the gazetteer knows only in Arabic or Latin
    ("הכפר תורמוס עיא" for ترمسعيا, "אל-פונדוק" for الفندق), matched by consonant key
    (:mod:`geo.transliterate`). A word is looked up only where it stands as a name: after a word for a
    village, camp or quarter, or written with an Arabic-only letter (a geresh) or the article "אל-"/"א-";
    a key found so is then a name wherever else the text writes it ("בתורמוס עיא")."""
    covered = [False] * len(toks)
    spans = sorted((m.start, m.end) for m in found)
    p = 0
    for k, (s, e) in enumerate(toks.spans):
        while p < len(spans) and spans[p][1] <= s:
            p += 1
        covered[k] = p < len(spans) and spans[p][0] < e
    candidates: list[tuple[bool, str, _Match, int]] = []
    k = 0
    while k < len(toks):
        if covered[k] or not _HEBREW_LETTER.match(text, toks.spans[k][0]):
            k += 1
            continue
        tok = toks[k]
        if _he_article(text, tok):
            k += 1
            continue
        best = _hebrew_name_at(text, toks, k, covered, gaz)
        if best is None:
            k += 1
            continue
        context, key, m, last = best
        candidates.append((context, key, m, last))
        k = last + 1
    if not candidates:
        return found
    named = {key for context, key, _, _ in candidates if context}
    extra = [m for context, key, m, _ in candidates if context or key in named]
    return sorted(found + extra, key=lambda m: m.start) if extra else found


def _hebrew_name_at(
    text: str, toks: _Tokens, k: int, covered: list[bool], gaz: Gazetteer
) -> tuple[bool, str, _Match, int] | None:
    """The longest transliterated name starting at Hebrew word ``k`` (up to three words, a glued
    proclitic stripped first), with whether it stands in a name context."""
    tok = toks[k]
    raw = text[tok.start : toks.spans[k][1]]
    variants = [(0, raw)]
    if raw[:1] in _HE_CLITICS and len(raw) > 3:
        variants.append((1, raw[1:]))
    if raw[:2] in _HE_CLITIC_PAIRS and len(raw) > 4:
        variants.append((2, raw[2:]))
    words_after: list[tuple[int, str]] = []  # (token index, raw) of the words that may continue the name
    j = k + 1
    while j < len(toks) and len(words_after) < 2 and not covered[j]:
        if not _joinable(text, toks[j - 1], toks[j]) or not _HEBREW_LETTER.match(text, toks.spans[j][0]):
            break
        if not _he_article(text, toks[j]):
            words_after.append((j, text[toks.spans[j][0] : toks.spans[j][1]]))
        j += 1
    prev_article = k > 0 and _he_article(text, toks[k - 1]) and _joinable(text, toks[k - 1], tok)
    for n in range(len(words_after), -1, -1):
        tail = words_after[:n]
        if tail and not hebrew_word_key(tail[-1][1]) and len(tail[-1][1]) < 3:
            continue  # a short vowel-only word ("או", or) ends no name
        for n_clitic, word in variants:
            key = hebrew_key([word, *(w for _, w in tail)])
            if len(key) < MIN_PLACE_WORD_KEY or key not in gaz.cross:
                continue
            start = tok.start + n_clitic
            last = tail[-1][0] if tail else k
            end = toks.spans[last][1]
            written = text[start:end]
            place_word = n_clitic == 0 and _HE_NAME_CONTEXT.search(text, max(0, start - 30), start)
            direction_after = _HE_DIRECTION_AFTER.match(text, end)
            if len(key) < MIN_KEY and (not place_word or word in _HE_PLACE_WORD_ADJECTIVES):
                continue  # three consonants spell a name only after a word for a village ("בעיקר מצפון": mainly)
            context = bool(
                place_word
                or direction_after
                or prev_article
                or _GERESH_LETTER.search(written)
                or any(_he_article(text, toks[i]) for i in range(k + 1, last))
            )
            if prev_article:
                start = toks[k - 1].start
            m = _Match(start, end, text[start:end], gaz.cross_hits(key), 0.8, 1 + n)
            return context, key, m, last
    return None


def _longer_name_inside(text: str, toks: _Tokens, i: int, j: int, gaz: Gazetteer) -> bool:
    """True if a name starting inside the span ``i..j`` runs past it ("south of [Gaza City]",
    "جنوب [مدينة غزة]"): the span is then a direction phrase before a longer name, not a name."""
    for k in range(i + 1, j + 1):
        longer = _longest(text, toks, k, gaz, fuzzy=False)
        if longer is not None and longer[0] > j:
            return True
    return False


def _longest(
    text: str, toks: _Tokens, i: int, gaz: Gazetteer, *, fuzzy: bool
) -> tuple[int, list[tuple[int, float]], float, list[str]] | None:
    names = gaz.skeletons if fuzzy else gaz.names
    prefixes = gaz.skeleton_prefixes if fuzzy else gaz.name_prefixes
    parts: list[str] = []
    best = None
    j = i
    n = len(toks)
    while j < n and len(parts) < gaz.max_tokens + 2:
        tj = toks[j]
        if j > i and not _joinable(text, toks[j - 1], tj):
            break
        if j > i and tj.article and (tj.strong_article or _weak_article_inside(toks, j, parts, prefixes)):
            j += 1
            continue
        parts.append(tj.skel if fuzzy else tj.key)
        key = " ".join(parts)
        if key in names:
            best = (j, gaz.hits(key, fuzzy=fuzzy), 0.8 if fuzzy else 1.0, list(parts))
        if key not in prefixes:
            break
        j += 1
    return best


def _weak_article_inside(toks: _Tokens, j: int, parts: list[str], prefixes: frozenset[str]) -> bool:
    """True if a lowercase article that is also an English word ("as", "at", "an") stands inside a
    name between two capitalised words ("Tall as Sultan", "Khan al Ahmar" as OCHA writes them):
    the words before it begin a name and a capitalised word follows."""
    return j + 1 < len(toks) and toks[j + 1].cap and toks[j + 1].latin and " ".join(parts) in prefixes


def _acceptable(text: str, toks: _Tokens, i: int, j: int, span: list[_Token], quality: float, used: list[str]) -> bool:
    """Capitalisation, acronym, stop-word, organisation and person checks for a candidate span."""
    content = [t for t in span if not t.article]
    if not content:
        return False
    if all(t.latin for t in content):
        if not any(t.cap for t in content):
            return False
        if quality < 1.0 and (not all(t.cap for t in content) or any(len(t.raw) < 5 for t in content)):
            return False
        if len(content) == 1:
            raw = content[0].raw
            if raw.isupper() and len(raw) <= 3 and raw.lower() not in PLACE_ACRONYMS:
                return False
            if content[0].key in NOT_PLACES:
                return False
    return not (_is_org(text, toks, i, j) or _is_person(text, toks, i, j))


def _is_org(text: str, toks: _Tokens, i: int, j: int) -> bool:
    # "<place> [Modifier...] Head": Khan Younis Brigade, Gaza Health Ministry, Israel Defense Forces.
    k = j + 1
    steps = 0
    # A possessive ("Gaza's civil defence") is the words "Gaza", "'", "s": step over the "s".
    if k < len(toks) and toks[k].raw in ("s", "S") and text[toks[j].end : toks[k].start] in ("'", "’", "ʼ"):
        k += 1
    first = k
    while (
        k < len(toks)
        and steps < 4
        and (
            _joinable(text, toks[k - 1], toks[k])
            or (k == first and _POSSESSIVE_GAP.match(text[toks[j].end : toks[k].start]))
        )
    ):
        low = toks[k].key
        if low in ORG_HEADS:
            return True
        if not (toks[k].cap or low in ORG_MODIFIERS) or toks[k].article:
            break
        k += 1
        steps += 1
    # "<Head> of <place>": Times of Israel, Bank of Israel.
    if i >= 2 and toks[i - 1].key == "of" and toks[i - 2].key in ORG_HEADS and toks[i - 2].cap:
        return _joinable(text, toks[i - 2], toks[i - 1]) and _joinable(text, toks[i - 1], toks[i])
    return False


def _is_person(text: str, toks: _Tokens, i: int, j: int) -> bool:
    first = i - 1 if i > 0 and toks[i - 1].article else i
    if first > 0 and _joinable(text, toks[first - 1], toks[first]):
        prev = toks[first - 1]
        pk = prev.key.rstrip(".")
        if prev.cap and (pk in GIVEN_NAMES or pk in TITLES) and not text[prev.end : toks[first].start].strip("- "):
            return True
        if pk in ("abu", "bin", "ibn", "bint") and prev.cap:
            return True
    if j + 1 < len(toks) and _joinable(text, toks[j], toks[j + 1]):
        full = " ".join(t.key for t in toks.between(i, j + 2))
        if full in PERSON_NAMES:
            return True
    return False


def _qualifiers(text: str, matches: list[_Match]) -> None:
    for m in matches:
        before = text[max(0, m.start - 70) : m.start]
        tail_words = before[-45:].lower().split()[-5:]
        q = _QUAL_BEFORE.search(before) if _QUAL_TRIGGERS.intersection(tail_words) else None
        if q is None and _HEBREW_LETTER.search(before[-20:]):
            m.qualifier = _hebrew_qualifier(before)
        elif q:
            if q.group("ar"):
                m.qualifier = _AR_QUAL.get(q.group("ar"), "near")
            else:
                phrase = next(q.group(g) for g in ("dist", "dir", "near", "part") if q.group(g))
                m.qualifier = re.sub(r"\s+", " ", phrase.strip().lower())
        after = text[m.end : m.end + 30]
        if m.qualifier is None and _BORDER_AFTER.match(after) and _ALONG_BEFORE.search(before):
            m.qualifier = "along the border"
        elif m.qualifier is None and _QUAL_AFTER.match(after):
            m.qualifier = "area of"
        tail = before[-40:].lower()
        d = _DEMONYM_BEFORE.search(before[-40:]) if any(k in tail for k in _DEMONYMS) else None
        if d:
            m.hint_country = _DEMONYMS[d.group(1).lower()]


def _link(text: str, matches: list[_Match], gaz: Gazetteer) -> list[_Match]:
    """Merge conflict-note spans ("Gaza - At Tuffah") and attach containers ("Rafah, Egypt")."""
    out: list[_Match] = []
    skip = set()
    for k, m in enumerate(matches):
        if k in skip:
            continue
        nxt = matches[k + 1] if k + 1 < len(matches) else None
        if nxt is not None and _CONFLICT_DASH.match(text[m.end : nxt.start]):
            outer = [gaz.entries[i] for i, _ in m.hits]
            inner = [gaz.entries[i] for i, _ in nxt.hits]
            if any(_inside(e, o) for e in inner for o in outer):
                merged = _Match(m.start, nxt.end, text[m.start : nxt.end], nxt.hits, nxt.quality, nxt.n_tokens)
                merged.container = m
                merged.qualifier = nxt.qualifier or m.qualifier
                out.append(merged)
                skip.add(k + 1)
                continue
        if nxt is not None and _CONTAINER_GAP.match(text[m.end : nxt.start]):
            m.container = nxt
        elif nxt is not None and nxt.qualifier in _NEAR_QUALIFIERS and _NEAR_GAP.match(text[m.end : nxt.start]):
            m.near_of = nxt  # "Duma, southeast of Nablus", "بيت أمر شمال الخليل"
        out.append(m)
    return out


#: Place names that are also everyday nouns of their language (folded): such a word is a place only
#: in a place context. Arabic: خيام "tents" (the Lebanese town is always الخيام), شاطئ "beach",
#: كرامة "dignity", نصر "victory", رمال "sands", زيتون "olives", تفاح "apples", درج "stairs",
#: شهداء "martyrs" (the village Ash Shuhada), جديدة "new" ("أوامر إخلاء جديدة", new evacuation orders: not
#: Ijdeedeh, which is الجديدة);
#: Hebrew: מגן "shield", רעים "friends", חולית "sand dune", תקומה "revival", עומר "sheaf" (and a
#: given name), אזור "area" (Azor), גדה "bank" ("בגדה", in the West Bank, is no Jeddah), ניין (the
#: village Nayn, but "בניין" is "building"), בטחה "safety" ("בבטחה", safely: not the moshav Bitha).
#: English needs no entry: a name there must be capitalised, so
#: "a five-acre plot" is no Acre.
_ARABIC_NOUN_NAMES = "خيام شاطئ كرامة نصر رمال زيتون تفاح درج شهداء جديدة"
_HEBREW_NOUN_NAMES = "מגן רעים חולית תקומה עומר אזור גדה ניין בטחה"
COMMON_NOUN_NAMES = frozenset(fold_token(w) for w in f"{_ARABIC_NOUN_NAMES} {_HEBREW_NOUN_NAMES}".split(" "))
#: Of those, the words so common in reports ("באזור", in the area; "בגדה", in the Bank; "בניין", a
#: building; "בבטחה", safely) that a glued preposition is no place context: Azor is a place only as
#: "the town of Azor" or with a container after it.
STRICT_COMMON_NOUNS = frozenset(fold_token(w) for w in ("אזור", "גדה", "ניין", "בטחה"))
#: A word for a kind of place right before a name ("the town of Acre", "بلدة الخيام", "קיבוץ מגן").
_PLACE_TYPE_BEFORE = re.compile(
    r"(?:\b(?:town|village|city|kibbutz|moshav|camp|neighbou?rhood|district|port)(?:\s+of)?(?:\s+the)?"
    r"|(?:^|\s)(?:[وب]?(?:بلدة|مدينة|قرية|مخيم|منطقة|حي))"
    r"|(?:^|\s)[ובלמ]?(?:קיבוץ|מושב|העיר|עיר|היישוב|יישוב|כפר|אזור))\s+$",
    re.I,
)
#: A preposition of place right before a name (Hebrew ones are glued: "ברעים", "לחולית", "ממגן").
_PLACE_PREP_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|from|to|into|towards?|outside|of)\s+(?:the\s+)?"
    r"|(?:^|\s)ו?[בלמ]|(?:^|\s)(?:ליד|סמוך\s+ל))$",
    re.I,
)
#: What may stand between a name and the place that contains it ("Khiam, south Lebanon", "الخيام في جنوب لبنان").
_CONTAINER_AFTER = re.compile(
    r"^\s*(?:,|،|\(|\bin\b|في|ב)?\s*(?:(?:south|north|east|west|southern|northern|eastern|western|جنوب|شمال|شرق|غرب|דרום|צפון)\s+)?$",
    re.I,
)


#: An Arabic preposition of place standing before a name ("في حجة", "قرب الطيبة").
_AR_PLACE_PREP_BEFORE = re.compile(r"(?:^|\s)و?(?:في|من|إلى|الى|قرب|داخل|نحو|باتجاه|بالقرب من|محيط)\s+$")
_LETTER_BEFORE = re.compile(r"[^\W\d_]+$")


def _written(text: str, m: _Match) -> tuple[str, str]:
    """The word of a one-word match as written, with any proclitic glued before it ("بحجة"), and
    the proclitic alone ("ب"; "" when none)."""
    glued = _LETTER_BEFORE.search(text, max(0, m.start - 3), m.start)
    clitic = glued.group(0) if glued else ""
    return clitic + m.text, clitic


#: One-word Arabic names the press writes without the article whose article form is an everyday noun:
#: "الصور" the pictures (Tyre is صور), "الجنين" the foetus (Jenin is جنين), "الشعب" the people (the
#: village Sha'ab is شعب). GeoNames lists some such forms as alternate names (الصور for Tyre).
ARTICLE_FORM_NOUNS = frozenset(fold_token(w) for w in ("صور", "جنين", "شعب"))


def _with_article(text: str, m: _Match) -> bool:
    """True if an Arabic match is written with the article, spelt out ("الخيام") or swallowed by a
    glued "ل" ("للخيام", "وللخيام")."""
    return strip_marks(m.text).startswith("ال") or text[max(0, m.start - 2) : m.start] == "لل"


def _missing_article(text: str, m: _Match, gaz: Gazetteer) -> bool:
    """True for a one-word Arabic match written without the article although every source writes
    that name with it ("ورقة", and a paper, is no "و" + Raqqa, "الرقة"), or with the article although
    the name is written without it and the article form is an everyday noun (:data:`ARTICLE_FORM_NOUNS`)."""
    if m.n_tokens != 1 or not is_arabic(m.text):
        return False
    if _with_article(text, m):
        return _match_key(m) in ARTICLE_FORM_NOUNS  # "الصور" (the pictures) is no "صور" (Tyre)
    return _match_key(m) in gaz.article_only


def _frequent_word(text: str, m: _Match, gaz: Gazetteer) -> bool:
    """True if a one-word Arabic or Hebrew match is, as written, an everyday word of the language
    (the gazetteer's ``common_words``, chosen by frequency at build time)."""
    if m.n_tokens != 1 or m.text.isascii() or not gaz.common_words:
        return False
    word, _ = _written(text, m)
    return surface_key(word) in gaz.common_words or surface_key(m.text) in gaz.common_words


def _frequent_word_as_place(text: str, matches: list[_Match], k: int, gaz: Gazetteer) -> bool:
    """True if an everyday word that is also a place name stands as a place: a word for a kind of
    place before it ("قرية حجة", "קיבוץ שמיר"), a place that holds it after it, or a preposition of
    place: a separate one in Arabic ("في حجة"; a glued "ب" is as often "by"/"with": "بحجة", under
    the pretext), a glued ב/ל/מ in Hebrew ("בשמיר") unless the glued word is itself an everyday
    word ("מחסן", a warehouse)."""
    m = matches[k]
    before = text[max(0, m.start - 30) : m.start]
    word, clitic = _written(text, m)
    if _PLACE_TYPE_BEFORE.search(before[: len(before) - len(clitic)] if clitic else before):
        return True
    nxt = matches[k + 1] if k + 1 < len(matches) else None
    if nxt is not None and _CONTAINER_AFTER.match(text[m.end : nxt.start]) and text[m.end : nxt.start].strip():
        entries = [gaz.entries[i] for i, _ in m.hits]
        outer = [gaz.entries[i] for i, _ in nxt.hits]
        if any(_container_ok(e, o) or _same_territory(e, o) for e in entries for o in outer):
            return True
    if is_arabic(m.text):
        return not clitic and bool(_AR_PLACE_PREP_BEFORE.search(before))
    if clitic:
        return clitic[-1] in "בלמ" and surface_key(word) not in gaz.common_words
    return bool(re.search(r"(?:^|\s)(?:ליד|סמוך\s+ל-?|בסמוך\s+ל-?|בקרבת)\s*$", before))


def _drop_common_nouns(text: str, matches: list[_Match], gaz: Gazetteer) -> list[_Match]:
    """Drop one-word names that are everyday nouns used as nouns ("خيام النازحين", tents of the
    displaced, is not Khiam in Lebanon; "מגן" is a shield, not Kibbutz Magen).

    Such a word stays a place in a place context: a word for a kind of place before it
    ("the town of", "بلدة", "קיבוץ"), a place it lies in right after it ("Khiam, south Lebanon"),
    or a preposition of place before it ("in Acre", "ברעים", "לחולית"). Arabic names of this
    kind carry the article (الخيام), so the bare noun (خيام) is never the place, and the article
    form alone ("قصف الزيتون") is one only when one of its places is in the country the rest of
    the text is about (Zeitoun in a report about Gaza; not Khiam: "قصف الخيام" there is tents).
    """
    # an Arabic name only ever written with the article, found without it, is another word
    matches = [m for m in matches if not _missing_article(text, m, gaz)]
    frequent = [_frequent_word(text, m, gaz) for m in matches]
    if any(frequent):
        matches = [
            m for k, m in enumerate(matches) if not frequent[k] or _frequent_word_as_place(text, matches, k, gaz)
        ]
    nouns = [m.n_tokens == 1 and not m.text.isascii() and _match_key(m) in COMMON_NOUN_NAMES for m in matches]
    if not any(nouns):
        return matches
    focus_country, focus_admin1 = _focus([m for m, noun in zip(matches, nouns, strict=True) if not noun], gaz)
    out = []
    for k, m in enumerate(matches):
        if not nouns[k]:
            out.append(m)
            continue
        entries = [gaz.entries[i] for i, _ in m.hits]
        raw = m.text.strip()
        if is_arabic(raw) and not _with_article(text, m):
            continue  # the bare noun: "خيام النازحين" (tents of the displaced)
        before = text[max(0, m.start - 30) : m.start]
        if _PLACE_TYPE_BEFORE.search(before):
            out.append(m)
            continue
        nxt = matches[k + 1] if k + 1 < len(matches) else None
        if nxt is not None and not text[m.end : nxt.start].strip():
            continue  # a noun in construct before a name: "אזור נצרים" (the Netzarim area)
        if nxt is not None and _CONTAINER_AFTER.match(text[m.end : nxt.start]):
            outer = [gaz.entries[i] for i, _ in nxt.hits]
            if any(_container_ok(e, o) or _same_territory(e, o) for e in entries for o in outer):
                out.append(m)
                continue
        if is_arabic(raw):  # the article form: "قصف الزيتون" in a report about Gaza, not "قصف الخيام"
            # in the territory the text is about: Zeitoun in a report on Gaza, not in one on olive
            # picking in the West Bank ("قطف الزيتون"), though both are Palestinian
            if any(e.country == focus_country and focus_admin1 in (None, e.admin1) for e in entries):
                out.append(m)
        elif _PLACE_PREP_BEFORE.search(before) and _match_key(m) not in STRICT_COMMON_NOUNS:
            out.append(m)
    return out


def _same_territory(a: Entry, b: Entry) -> bool:
    """True if two entries are in one country and, where both say, one first-level area (the
    Gaza Strip and the West Bank are both Palestine, but a Gaza quarter is not in a West Bank town)."""
    return a.country == b.country and (a.admin1 is None or b.admin1 is None or a.admin1 == b.admin1)


def _match_key(m: _Match) -> str:
    return " ".join(fold_token(w) for w in _WORD.findall(m.text))


def _inside(inner: Entry, outer: Entry) -> bool:
    """True if ``inner`` is a different place lying within ``outer``'s extent (a quarter of a city)."""
    if inner.id == outer.id or inner.kind in ("country", "admin1", "region"):
        return False
    return inner.parent == outer.id or _dist_km(inner, outer) * 1000.0 <= outer.radius_m + 2000.0


def _container_ok(entry: Entry, container: Entry) -> bool:
    if container.kind == "country":
        return entry.country == container.country
    if entry.id == container.id:  # "Rafah (Rafah, Gaza Strip)": the place restated
        return True
    if entry.parent == container.id:
        return True
    return _dist_km(entry, container) * 1000.0 <= container.radius_m + 2000.0


@lru_cache(maxsize=65536)
def _dist_km(a: Entry, b: Entry) -> float:
    """Great-circle distance in km between two entries (cached: documents repeat their places)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _focus(matches: list[_Match], gaz: Gazetteer) -> tuple[str, str | None]:
    """The (country, admin1) the text is about, from its unambiguous mentions."""
    votes: Counter[tuple[str, str | None]] = Counter()
    votes[DEFAULT_FOCUS] += 1.0  # type: ignore[assignment]
    for m in matches:
        ents = {gaz.entries[i].country for i, _ in m.hits}
        if len(ents) != 1:
            # a name the press gives one place first ("الناقورة": the border town, weighted over the
            # West Bank hamlet) still says a little where the text is
            top = max(m.hits, key=operator.itemgetter(1))
            e = gaz.entries[top[0]]
            rest = max((w for i, w in m.hits if gaz.entries[i].country != e.country), default=0.0)
            if e.country is not None and e.kind != "country" and top[1] - rest >= 0.25:
                votes[(e.country, e.admin1)] += 0.5  # type: ignore[assignment]
            continue
        e = gaz.entries[m.hits[0][0]]
        if e.country is None:
            continue
        if e.kind == "country":
            votes[(e.country, None)] += 0.5  # type: ignore[assignment]
        else:
            votes[(e.country, e.admin1)] += 1.0  # type: ignore[assignment]
    return votes.most_common(1)[0][0]


def _score(
    m: _Match, gaz: Gazetteer, focus: tuple[str, str | None], anchors: list[tuple[_Match, Entry]]
) -> list[tuple[Entry, float]]:
    scored: list[tuple[Entry, float]] = []
    container = None
    if m.container is not None and m.container.scores:
        container = m.container.scores[0][0]
    near_of = m.near_of.scores[0][0] if m.near_of is not None and m.near_of.scores else None
    for idx, weight in m.hits:
        e = gaz.entries[idx]
        s = weight + _KIND_PRIOR.get(e.kind, 0.0) + 0.1 * math.log10((e.population or 0) + 1)
        if e.country == focus[0]:
            s += 1.0 if (focus[1] is None or e.admin1 == focus[1]) else 0.6
        elif e.country in ("PS", "IL") and focus[0] in ("PS", "IL"):
            s += 0.4
        elif e.country in NEIGHBOURS and focus[0] in ("PS", "IL"):
            s += 0.3
        if anchors:
            near = min((_dist_km(e, a) for om, a in anchors if om is not m and a.id != e.id), default=None)
            if near is not None:  # anchors are distinct places (see mentions), so this stays cheap
                s += 0.8 * math.exp(-near / 20.0)
        if container is not None:
            s += 2.0 if _container_ok(e, container) else -1.0
        elif near_of is not None and near_of.id != e.id:
            s += 1.5 if _dist_km(e, near_of) <= NEAR_OF_KM else -0.5
        if m.hint_country is not None:
            s += 1.5 if e.country == m.hint_country else 0.0
        scored.append((e, s))
    scored.sort(key=lambda p: -p[1])
    return scored


def _softmax(scores: list[float], temperature: float = 0.5) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [x / total for x in exps]


def _dedupe(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for i, w in hits:
        best[i] = max(w, best.get(i, 0.0))
    return list(best.items())


def mentions(text: str, *, published: datetime | None = None, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Every place named in ``text``, resolved to a gazetteer entry with geometry and uncertainty.

    ``published`` is accepted for the shared contract (``geo.parse`` passes it); the
    resolution itself does not depend on the date. ``gazetteer`` defaults to the
    shipped index. Mentions come in text order; words the gazetteer does not know are
    not mentions. A recognised name whose best candidate is under 0.55 likely while the
    runner-up lies more than 50 km away comes back unresolved: ``geometry``,
    ``uncertainty`` and ``gazetteer_id`` are None and every candidate, the best first,
    is in ``alternatives`` (otherwise ``alternatives`` holds the rejected candidates).
    """
    del published  # resolution is date-independent (documented above)
    if not text or not text.strip():
        return []
    gaz = gazetteer or Gazetteer.load()
    toks = _tokenize(text, gaz)
    matches = _scan(text, toks, gaz)
    if _HEBREW_LETTER.search(text):
        matches = _hebrew_transliterations(text, toks, gaz, matches)
    for m in matches:
        m.hits = _dedupe(m.hits)
    _qualifiers(text, matches)
    matches = _link(text, matches, gaz)
    matches = _drop_common_nouns(text, matches, gaz)
    focus = _focus(matches, gaz)
    # Pass 1 without co-occurrence, pass 2 with the pass-1 winners of the other mentions as anchors.
    for m in matches:
        m.scores = _score(m, gaz, focus, [])
    for m in matches:
        if m.container is not None:
            m.container.scores = m.container.scores or _score(m.container, gaz, focus, [])
            m.scores = _score(m, gaz, focus, [])
        elif m.near_of is not None and len(m.hits) > 1:
            m.near_of.scores = m.near_of.scores or _score(m.near_of, gaz, focus, [])
            m.scores = _score(m, gaz, focus, [])
    # One anchor per distinct place (the first mention of it), so scoring stays linear in practice.
    seen_anchor: dict[str, _Match] = {}
    for m in matches:
        if m.scores and m.scores[0][0].kind != "country":
            seen_anchor.setdefault(m.scores[0][0].id, m)
    anchors = [(m, m.scores[0][0]) for m in seen_anchor.values()]
    for m in matches:
        if len(m.hits) > 1:
            m.scores = _score(m, gaz, focus, anchors)
    _landmarks(text, matches)
    out: list[Mention] = []
    for m in matches:
        check_budget()  # a request's time budget (geo.budget), when one is set
        out.append(_to_mention(m, gaz))
    return out


def _landmarks(text: str, matches: list[_Match]) -> None:
    """Streets and buildings named after far-away places ("Baghdad street in eastern
    Shujaiyya", "the Safad school in Zeitoun", "شارع يافا"): when the text names a local
    container that the namesake would jump out of, the name is a site inside the container,
    resolved to it (the namesake stays among the alternatives)."""
    for k, m in enumerate(matches):
        if not m.scores or m.scores[0][0].kind in _SITE_KINDS:
            continue
        noun = _LANDMARK_AFTER.match(text, m.end)
        before = text[max(0, m.start - 12) : m.start]
        quarter = m.scores[0][0].kind == "city" and _QUARTER_BEFORE.search(before)
        if noun is None and not quarter and not _LANDMARK_BEFORE.search(before):
            continue
        container = _landmark_container(text, matches, k)
        if container is None:
            continue
        outer = container.scores[0][0]
        if _container_ok(m.scores[0][0], outer) and _dist_km(m.scores[0][0], outer) <= LANDMARK_JUMP_KM:
            continue  # the namesake lies inside the container: it may well be the place itself
        m.landmark_in = container
        if noun is not None:
            m.end = noun.end()
            m.text = text[m.start : m.end]


def _landmark_container(text: str, matches: list[_Match], k: int) -> _Match | None:
    """The local place a landmark stands in: the next place of its sentence after "in",
    "of" or a comma, else the nearest place before it in the same sentence."""
    m = matches[k]
    for nxt in matches[k + 1 :]:
        gap = text[m.end : nxt.start]
        if len(gap) > 60 or _BREAK.search(gap):
            break
        if nxt.scores and nxt.scores[0][0].kind not in ("country",) and _CONTAINER_WORDS.search(gap):
            return nxt if nxt.landmark_in is None else nxt.landmark_in
    # "the camp's Hammam neighbourhood": the possessive points back past the sentence to the
    # camp (town, city) told before it in the paragraph
    back = 200 if _POINTS_BACK.search(text, max(0, m.start - 30), m.start) is None else 600
    for p in range(k - 1, -1, -1):
        prev = matches[p]
        gap = text[prev.end : m.start]
        if len(gap) > back or (_BREAK.search(gap) if back == 200 else "\n\n" in gap):
            break
        if p > 0 and matches[p - 1].near_of is prev and matches[p - 1].scores:
            prev = matches[p - 1]  # "Beit Ummar, north of Hebron, ... its quarter": Beit Ummar holds it
        if prev.scores and prev.scores[0][0].kind not in ("country", "admin1", "region"):
            return prev if prev.landmark_in is None else prev.landmark_in
    return None


def _placed(gaz: Gazetteer, entry: Entry, qualifier: str | None) -> tuple[Point | None, Uncertainty]:
    """Point and Uncertainty of an entry under a qualifier, cached per gazetteer (both are immutable)."""
    cache: dict[tuple[str, str | None], tuple[Point | None, Uncertainty]] = gaz.__dict__.setdefault("_placed", {})
    key = (entry.id, qualifier)
    if key not in cache:
        cache[key] = uncertainty_for(
            entry.kind,
            entry.radius_m,
            point=entry.point,
            region=gaz.region(entry),
            qualifier=qualifier,
            note=f"{entry.kind}: {entry.name} ({entry.note or entry.id})",
        )
    return cache[key]


def _to_mention(m: _Match, gaz: Gazetteer) -> Mention:
    if m.landmark_in is not None and m.landmark_in.scores:
        # a site inside its container: the container's place, every namesake kept as an alternative
        outer = m.landmark_in.scores[0][0]
        m.scores = [(outer, m.scores[0][1] + 10.0), *((e, sc) for e, sc in m.scores if e.id != outer.id)]
        m.qualifier = m.landmark_in.qualifier
    probs = _softmax([s for _, s in m.scores])
    chosen, p = m.scores[0][0], probs[0]
    # Built with model_construct: every value comes from the validated index and the
    # validated, cached Uncertainty; re-validating geometries per mention would dominate the run time.
    alternatives = tuple(
        Candidate.model_construct(
            gazetteer_id=e.id,
            name=e.name,
            kind=e.kind,
            country=e.country,
            lon=e.lon,
            lat=e.lat,
            score=round(q, 4),
            population=e.population,
        )
        for (e, _), q in zip(m.scores[1:], probs[1:], strict=True)
    )
    confidence = max(0.0, min(1.0, p * m.quality))
    if len(m.scores) > 1 and p < UNRESOLVED_BELOW and _dist_km(chosen, m.scores[1][0]) > UNRESOLVED_SPREAD_KM:
        # Recognised but not resolvable: two far-apart places are about equally likely ("Tripoli").
        # Say so with a null geometry and every candidate, rather than guess.
        every = (
            Candidate.model_construct(
                gazetteer_id=chosen.id,
                name=chosen.name,
                kind=chosen.kind,
                country=chosen.country,
                lon=chosen.lon,
                lat=chosen.lat,
                score=round(p, 4),
                population=chosen.population,
            ),
            *alternatives,
        )
        return Mention.model_construct(
            place_text=m.text[:300],
            start=m.start,
            end=m.end,
            gazetteer_id=None,
            place_name=None,
            kind=None,
            geometry=None,
            uncertainty=None,
            confidence=round(confidence, 4),
            qualifier=m.qualifier,
            alternatives=every,
        )
    point, unc = _placed(gaz, chosen, m.qualifier)
    return Mention.model_construct(
        place_text=m.text[:300],
        start=m.start,
        end=m.end,
        gazetteer_id=chosen.id,
        place_name=chosen.name,
        kind=chosen.kind,
        geometry=point,
        uncertainty=unc,
        confidence=round(confidence, 4),
        qualifier=m.qualifier,
        alternatives=alternatives,
    )
