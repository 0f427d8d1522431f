"""Name folding: one comparable key for every spelling of a place name.

Press, GeoNames and humanitarian data spell the same place many ways ("Khan Younis",
"Khān Yūnis", "Khan Yunus", "خان يونس"). Two keys are derived from a name:

* :func:`fold` — the *exact* key: case, a leading English "the", diacritics, apostrophes and ʿayn marks,
  hyphens, Arabic articles (al-/el-/ad-/ash-/az-/as-/at-/an-...), Arabic letter
  variants (alef forms, ta marbuta, alef maqsura, tatweel, harakat) and Hebrew niqqud
  and final letter forms are folded; "ou"/"oo" become "u". Two names with the same
  fold key are the same name.
* :func:`skeleton` — the *fuzzy* key for Latin transliterations: digraphs are
  unified (ch/sh, g/j, q/k, ph/f), vowels and the half-vowels y/w dropped after the
  first letter, doubled letters collapsed and a final vowel+h dropped, so "Shuja'iyya",
  "Shejaiya" and "Shujaiyya", or "Zeitoun" and "Zaytun", meet. The resolver scores a
  skeleton match lower than a fold match.

Both work token by token (:func:`fold_token`, :func:`skeleton_token`) so the text
scanner in :mod:`geo.resolve` folds each word of a text once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Arabic definite-article tokens as transliterated in Latin script (sun-letter forms too).
ARTICLES: frozenset[str] = frozenset(
    {"al", "el", "il", "ul", "ad", "ed", "ash", "esh", "az", "ez", "as", "es", "at", "et", "an", "en", "ar", "er"}
    | {"adh", "ath", "a"}
)
#: Articles that are also common English words: skipped only when hyphen-attached or capitalised.
WEAK_ARTICLES: frozenset[str] = frozenset({"as", "at", "an", "a", "en", "es", "et", "il", "l", "er", "ed"})

_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "ـ": "",  # tatweel
    }
)
_HEBREW_FINALS = str.maketrans({"ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ"})
# Apostrophes, ʿayn/hamza marks, backticks and the Hebrew geresh/gershayim.
_MARKS = re.compile("['’‘ʼʻʿʾ`´′׳״\"]")
_NON_WORD = re.compile(r"[^\w]+")
_LATIN_DIGRAPHS = (("ch", "sh"), ("ph", "f"), ("ou", "u"), ("oo", "u"), ("ee", "i"))
_SKELETON_SUBS = (
    ("kh", "K"),
    ("gh", "G"),
    ("sh", "S"),
    ("th", "T"),
    ("dh", "D"),
    ("g", "j"),
    ("q", "k"),
    ("c", "k"),
    ("x", "ks"),
    ("z", "z"),
)
_VOWELS = frozenset("aeiouyw")


def strip_marks(text: str) -> str:
    """Remove combining marks (Latin accents, Arabic harakat, Hebrew niqqud) after NFKD."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def surface_key(word: str) -> str:
    """A word as written, without marks (harakat, niqqud, hamza seats, tatweel) or case.

    Unlike :func:`fold_token` it keeps what tells words apart in running text: the Arabic
    article and glued proclitics, and ta marbuta (ة) against ha (ه), so "منزله" (his house)
    and "المنزلة" (Manzala) stay different words. :mod:`geo.resolve` looks words up this way
    in the gazetteer's list of everyday words.
    """
    return strip_marks(word).replace("ـ", "").casefold()


def is_arabic(token: str) -> bool:
    """True if the token is written in Arabic script."""
    return any("\u0600" <= ch <= "\u06ff" for ch in token)


def is_hebrew(token: str) -> bool:
    """True if the token is written in Hebrew script."""
    return any("\u0590" <= ch <= "\u05ff" for ch in token)


@lru_cache(maxsize=200_000)
def fold_token(token: str) -> str:
    """Fold one word to its exact key (see module doc); returns '' for an article-only token.

    Arabic tokens lose a leading "ال"; Latin ones are lowercased, stripped of
    diacritics and marks, and have "ou"/"oo"/"ee"/"ch"/"ph" unified.
    """
    t = strip_marks(token).casefold()
    t = _MARKS.sub("", t)
    if is_arabic(t):
        t = t.translate(_ARABIC_MAP)
        if t.startswith("ال") and len(t) > 3:
            t = t[2:]
        return t
    if is_hebrew(t):
        return t.translate(_HEBREW_FINALS)
    t = t.replace("ß", "ss").replace("ı", "i").replace("ł", "l").replace("ø", "o").replace("đ", "d")
    # Glued article as in "al-" written without the hyphen is left alone: "Alexandria" must stay.
    for a, b in _LATIN_DIGRAPHS:
        t = t.replace(a, b)
    return t


@lru_cache(maxsize=200_000)
def skeleton_token(folded: str) -> str:
    """Reduce an already folded Latin token to its consonant skeleton (see module doc)."""
    if not folded or not folded.isascii():
        return folded
    t = folded
    if len(t) > 3 and t.endswith("h") and t[-2] in _VOWELS:
        t = t[:-1]
    for a, b in _SKELETON_SUBS:
        t = t.replace(a, b)
    first = "V" if t[0] in _VOWELS else t[0]
    rest = [ch for ch in t[1:] if ch not in _VOWELS]
    out = [first]
    for ch in rest:
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)


def tokens(name: str) -> list[str]:
    """Split a name into raw word tokens (hyphens, spaces and punctuation separate words)."""
    cleaned = _MARKS.sub("", strip_marks(name))
    return [t for t in _NON_WORD.split(cleaned) if t]


def fold_tokens(name: str) -> tuple[str, ...]:
    """The folded tokens of a name with Arabic article tokens removed (kept if nothing else is left)."""
    folded = [fold_token(t) for t in tokens(name)]
    folded = [f for f in folded if f]
    if len(folded) > 1 and folded[0] == "the":  # "the Strip", "the Middle East": the English article
        folded = folded[1:]
    kept = tuple(f for f in folded if f not in ARTICLES)
    return kept or tuple(folded)


def fold(name: str) -> str:
    """The exact comparison key of a place name: ``fold("Khān Yūnis") == fold("Khan Younis")``."""
    return " ".join(fold_tokens(name))


def skeleton(name: str) -> str:
    """The fuzzy comparison key of a place name: ``skeleton("Shejaiya") == skeleton("Shujaiyya")``."""
    return " ".join(skeleton_token(t) for t in fold_tokens(name))
