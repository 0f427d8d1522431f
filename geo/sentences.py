"""Sentences of a report with their offsets and paragraph numbers.

Toponym mentions are found over the whole text; :func:`split_sentences` keeps the
character offsets so each mention can be assigned to the sentence it sits in.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

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
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)]*\s+|\n\s*\n+|\n(?=\s*[-•*]\s)|\n(?=[ \t]*\S)")
#: A line that a single line break may continue (hard-wrapped prose): it ends in a function
#: word or a mark that asks for more ("killed five people in / Gaza City", "..., / said").
_CONTINUED = re.compile(
    r"(?:[,;:(\-–—/&]|\b(?:in|of|the|a|an|and|or|to|at|on|by|for|from|with|into|near|after|before|as|that|"
    r"said|says|told|its|their|his|her)|\s[وفبل]|في|على|من|إلى|الى|عن|مع|بعد|قبل|أن|إن|ב|של|את|על|עם|כי)\s*$",
    re.I,
)
_LINE_HEAD = re.compile(r"[ \t]*(?:[-•*–—]\s|[A-Z0-9\"“'‘]|[\u0590-\u05ff\u0600-\u06ff])")


def _line_break_ends(text: str, start: int, at: int, after: int) -> bool:
    """True if a single line break at ``at`` ends a line of its own (a live blog's time stamp or
    headline, "Our correspondent ..." under it), not a line of hard-wrapped prose."""
    line = text[max(start, text.rfind("\n", 0, at) + 1) : at].rstrip()
    if not line or len(line) > 160 or _CONTINUED.search(line):
        return False
    return _LINE_HEAD.match(text, after) is not None


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
        if piece == "\n" and not _line_break_ends(text, start, m.start(), m.end()):
            continue
        blank_line = "\n" in piece and re.search(r"\n\s*\n", piece) is not None
        if not blank_line and ("\n" not in piece.strip(" \t") or piece.strip().startswith((".", "!", "?"))):
            before = text[max(start, m.start() - 30) : m.start() + 1]  # the word before the dot is enough
            word = _LAST_WORD.search(before)
            if piece.lstrip().startswith(".") and word:
                w = word.group(1).lower().rstrip(".")
                nxt = text[m.end() : m.end() + 1]
                # a digit after a line break numbers the next item ("... overnight.\n2/ Tubas: ..."), not a figure
                digit = nxt.isdigit() and "\n" not in piece
                if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()) or (nxt and nxt.islower()) or digit:
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


class _HasStart(Protocol):
    @property
    def start(self) -> int: ...


_T = TypeVar("_T", bound=_HasStart)


def starting_in(items: Sequence[_T], spans: Sequence[Sentence]) -> list[list[_T]]:
    """For each span, the items (mentions, times ...) that start inside it, in their given order.

    One sort and two binary searches per span, so assigning every mention of a long
    report to its sentence costs O((n + s) log n), not a scan of all mentions per
    sentence (which made geocoding quadratic in the text's length).
    """
    order = sorted(range(len(items)), key=lambda k: items[k].start)
    starts = [items[k].start for k in order]
    out: list[list[_T]] = []
    for span in spans:
        lo, hi = bisect_left(starts, span.start), bisect_left(starts, span.end)
        out.append([items[k] for k in sorted(order[lo:hi])])
    return out


def enclosing(outer: Sequence[Sentence], inner: Sequence[Sentence]) -> list[Sentence | None]:
    """For each span of ``inner`` (clauses), the span of ``outer`` (whole sentences, in text
    order and disjoint) that contains its start, by binary search; ``None`` where none does."""
    starts = [o.start for o in outer]
    out: list[Sentence | None] = []
    for span in inner:
        k = bisect_right(starts, span.start) - 1
        out.append(outer[k] if k >= 0 and outer[k].start <= span.start < outer[k].end else None)
    return out
