"""Regexes that first look for a word every match of theirs contains.

Many of the parser's patterns cannot be anchored: they are searched over a window of words
("the 60 characters before a place name", a whole clause) and the engine tries them at every
character, running their alternations of openings each time. Most windows hold none of the
words the pattern needs ("from", "border", "killed"), and looking for those first costs a
fraction of the full search. :func:`hinted` works out such words from the pattern itself
(from its parse tree, so they follow any edit of the pattern) and gives an object with the
pattern's ``search``, ``finditer`` and ``findall`` that answers "no match" at once when none
of them is in the string (``match`` and the rest are the pattern's own: an anchored match
fails fast by itself, and its test would read the whole rest of the string). The answers are always the pattern's own:
a match is a substring holding one of the words, so a string without any has no match.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

#: Flags that change how a literal matches; a group that switches one of them gives no words.
_CASE_FLAGS = re.IGNORECASE | re.LOCALE | re.ASCII | re.UNICODE

Words = frozenset[str]


def _better(a: Words | None, b: Words | None) -> Words | None:
    """The more selective of two word sets (longest shortest word, then fewest words)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _charset(items: list[tuple[Any, Any]]) -> Words | None:
    """The characters of a character class made only of single characters, else ``None``."""
    if not items or any(op is not sre_c.LITERAL for op, _ in items):
        return None
    return frozenset(chr(v) for _, v in items)


def _required(seq: Any) -> Words | None:
    """Words one of which is in every match of the parsed sequence ``seq`` (``None``: none known)."""
    best: Words | None = None
    run: list[str] = []  # consecutive literal characters: one longer word
    for op, av in list(seq):
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            best = _better(best, frozenset(["".join(run)]))
            run = []
        words: Words | None = None
        if op is sre_c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not ((add_flags | del_flags) & _CASE_FLAGS):
                words = _required(sub)
        elif op is sre_c.BRANCH:
            alts = [_required(alt) for alt in av[1]]
            if all(a is not None for a in alts):
                words = frozenset().union(*(a for a in alts if a is not None))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            if lo >= 1:
                words = _required(sub)
        elif op is sre_c.ATOMIC_GROUP:
            words = _required(av)
        elif op is sre_c.IN:
            words = _charset(av)
        best = _better(best, words)
    if run:
        best = _better(best, frozenset(["".join(run)]))
    return best


def required_words(pattern: re.Pattern[str]) -> Words | None:
    """Words one of which every match of ``pattern`` contains, or ``None`` if none can be told."""
    words = _required(sre_parse.parse(pattern.pattern, pattern.flags))
    if not words or "" in words:
        return None
    return words


class Hinted:
    """A compiled pattern with a cheap test run first (see the module's docstring)."""

    __slots__ = ("hint", "pattern")

    def __init__(self, pattern: re.Pattern[str], hint: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.hint = hint

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.hint.search(string, pos, endpos) is None:
            return None
        return self.pattern.search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        if self.hint.search(string, pos, endpos) is None:
            return iter(())
        return self.pattern.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        if self.hint.search(string, pos, endpos) is None:
            return []
        return self.pattern.findall(string, pos, endpos)

    def __getattr__(self, name: str) -> Any:  # match, groupindex, flags, sub, split ...: the pattern's own
        return getattr(self.pattern, name)

    def __repr__(self) -> str:
        return f"Hinted({self.pattern!r}, {self.hint.pattern!r})"


def hinted(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a test for its required words run first, or ``pattern`` itself when it
    requires none that can be told. Typed as a pattern: it answers as the pattern does."""
    words = required_words(pattern)
    if words is None:
        return pattern
    flags = pattern.flags & (re.IGNORECASE | re.ASCII | re.LOCALE)
    hint = re.compile("|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))), flags)
    return Hinted(pattern, hint)  # type: ignore[return-value]
