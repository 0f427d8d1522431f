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
