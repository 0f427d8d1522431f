"""Consonant keys that let a Hebrew transliteration of an Arabic place name meet the name.

Hebrew news writes Arabic place names letter by letter ("תורמוס עיא" for ترمسعيا, "סינג'יל" for
سنجل, "אל-פונדוק" for الفندق), but with its own vowel letters, an ʿayn that comes and goes (עבסאן /
אבסאן), geresh letters for the Arabic sounds Hebrew lacks (ג' ج, ח' خ, ע' غ, צ' ض, ת' ث, ד' ذ), the
article written "אל-" or "א-", and words split or joined differently (كفركلا, "כפר כילא"). The
gazetteer holds Arabic and Latin names for most West Bank, Gaza and south Lebanon villages and
Hebrew names for few, so :func:`hebrew_key` and :func:`arabic_key` (and :func:`latin_key` for
places known only by a Latin name) reduce both sides to the same string of consonant classes:
vowel letters, alef, ʿayn and ghayn, the article and a final ta marbuta / he are dropped; letters
Hebrew uses for one Arabic sound share a class (ط/ت and ט/ת are "t", ص/س and צ/ס are "s", ق/ك and
ק/כ are "k", ح/ه/خ and ח/ה are "h"). :func:`cross_names` indexes the Arabic and Latin names of
places in the Palestinian territories and the Arab neighbours by that key (stored in the index);
:mod:`geo.resolve` looks a Hebrew word up there only when it stands as a name (after a word for a
village or camp, or written with Arabic-only letters) because short consonant strings also spell
ordinary Hebrew words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from geo.normalize import is_arabic, is_hebrew, strip_marks

_AR = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "g",
    "ح": "h",
    "خ": "h",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "x",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "t",
    "ف": "p",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
}
_HE = {
    "ב": "b",
    "ג": "g",
    "ד": "d",
    "ה": "h",
    "ז": "z",
    "ח": "h",
    "ט": "t",
    "כ": "k",
    "ך": "k",
    "ל": "l",
    "מ": "m",
    "ם": "m",
    "נ": "n",
    "ן": "n",
    "ס": "s",
    "פ": "p",
    "ף": "p",
    "צ": "s",
    "ץ": "s",
    "ק": "k",
    "ר": "r",
    "ש": "x",
    "ת": "t",
}
#: Hebrew letter + geresh for an Arabic sound: ג' ج, ח' خ, צ' ض, ת' ث, ד' ذ, ז' ظ; ע' (غ) is dropped.
_HE_GERESH = {"ג": "g", "ח": "h", "צ": "d", "ץ": "d", "ת": "t", "ד": "d", "ז": "t", "ע": ""}
GERESH = frozenset("'’׳")
#: Hebrew spellings of the Arabic article, written before a hyphen ("אל-פונדוק", "נור א-שמס").
HEBREW_ARTICLES = frozenset({"אל", "א"})
_LATIN = (
    ("kh", "h"),
    ("sh", "x"),
    ("ch", "x"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", ""),
    ("ph", "p"),
    ("q", "k"),
    ("c", "k"),
    ("f", "p"),
    ("j", "g"),
    ("v", "b"),
)
#: Shortest key looked up (consonants): two- and three-letter strings spell too many Hebrew words.
MIN_KEY = 4
#: Shortest key looked up right after a word for a village, town or camp ("בכפר עקרבא", "בעיירה
#: קבאטיה"): there a three-consonant word is a name (most Arabic village names have three).
MIN_PLACE_WORD_KEY = 3
#: Weight of a name reached through its consonant key (exact names weigh 1.0, fuzzy Latin ones 0.8).
ARABIC_WEIGHT = 0.75
LATIN_WEIGHT = 0.65


def arabic_key(folded: str) -> str:
    """Consonant key of an Arabic name already folded by :func:`geo.normalize.fold` (article gone)."""
    out = []
    for word in folded.split():
        w = word[:-1] if len(word) > 2 and word.endswith("ه") else word  # ta marbuta
        out.append("".join(_AR.get(ch, "") for ch in w))
    return "".join(out)


def hebrew_word_key(raw: str) -> str:
    """Consonant key of one Hebrew word as written (geresh kept, niqqud ignored)."""
    w = strip_marks(raw).replace("׳", "'").replace("’", "'")
    if len(w) > 2 and w.endswith("ה"):
        w = w[:-1]
    out = []
    for k, ch in enumerate(w):
        if ch in GERESH:
            continue
        if k + 1 < len(w) and w[k + 1] in GERESH and ch in _HE_GERESH:
            out.append(_HE_GERESH[ch])
        else:
            out.append(_HE.get(ch, ""))
    return "".join(out)


def latin_key(folded: str) -> str:
    """Consonant key of a Latin transliteration already folded (lowercase, no marks)."""
    out = []
    for word in folded.split():
        w = word[:-1] if len(word) > 3 and word.endswith("h") and word[-2] in "aeiou" else word
        for a, b in _LATIN:
            w = w.replace(a, b)
        keep = [ch for ch in w if ch.isalpha() and ch not in "aeiouwy"]
        out.append("".join(keep))
    key = "".join(out)  # Latin doubles letters ("Turmus Ayya", "Mughayyir"): one sound
    return "".join(ch for k, ch in enumerate(key) if k == 0 or ch != key[k - 1])


def hebrew_key(words: list[str]) -> str:
    """Consonant key of a Hebrew name written as ``words`` (hyphenated articles already left out).

    Doubled letters stay doubled (neither script writes a doubled consonant twice, so a double is
    two sounds, and "באבסאן" is ב + Abasan, not Abasan)."""
    return "".join(hebrew_word_key(w) for w in words)


def cross_names(
    names: dict[str, dict[int, float]], country_of: Callable[[int], str | None], kind_of: Callable[[int], str]
) -> dict[str, dict[int, float]]:
    """Consonant key -> {entry index: weight} over the Arabic names, and the Latin names, of places in
    the Palestinian territories and the Arab neighbours (built once into the index by
    :mod:`geo.build_gazetteer`; Israeli places carry their Hebrew names in GeoNames already)."""
    table: dict[str, dict[int, float]] = defaultdict(dict)
    regional = {"PS", "LB", "SY", "JO", "EG"}
    for name, hits in names.items():
        if is_hebrew(name):
            continue
        if is_arabic(name):
            key, weight = arabic_key(name), ARABIC_WEIGHT
        elif name.isascii():
            key, weight = latin_key(name), LATIN_WEIGHT
        else:
            continue
        if len(key) < MIN_PLACE_WORD_KEY:
            continue
        for idx, w0 in hits.items():
            if country_of(idx) not in regional or kind_of(idx) == "country":
                continue
            w = round(weight * w0, 3)
            if w > table[key].get(idx, 0.0):
                table[key][idx] = w
    return table
