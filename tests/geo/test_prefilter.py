"""geo.prefilter: the words a pattern needs, and hinted patterns that answer exactly as the pattern."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from geo.prefilter import Hinted, hinted, required_words

DATA = Path(__file__).resolve().parents[1] / "data" / "geoparse"


def test_required_words_of_a_sequence_take_the_longest_literal_run():
    assert required_words(re.compile(r"\bfrom\s+(?:the\s+)?x?$")) == {"from"}
    assert required_words(re.compile(r"(?:killed|dead)\b", re.I)) == {"killed", "dead"}
    # every branch must give a word, else none can be told
    assert required_words(re.compile(r"toll|\d+")) is None
    assert required_words(re.compile(r"(?:the\s+)?(?:a)*")) is None
    # a group that switches case folding gives no words of its own
    assert required_words(re.compile(r"(?i:abc)")) is None
    # one of a class of single characters
    assert required_words(re.compile(r"[;,]\s")) == {";", ","}


def test_a_pattern_without_words_is_returned_as_it_is():
    p = re.compile(r"\w+\s*$")
    assert hinted(p) is p


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"\bfrom\s+(?:the\s+)?(?:northern\s+)?$", re.I),
        (r"\w[^()]*\([^()]*$", 0),
        (r"(?:at least|about)\s+(?P<q>\d+)\s+(?:killed|dead)", re.I),
        (r";\s+|\s+[-—–]\s+|,\s+(?:while|whereas|but)\s+", 0),
    ],
)
def test_hinted_answers_as_the_pattern(pattern: str, flags: int):
    plain = re.compile(pattern, flags)
    fast = hinted(plain)
    assert isinstance(fast, Hinted)
    texts = [
        "Shells fell FROM the northern ",
        "Aid trucks waited at Kerem Shalom (the crossing ",
        "At least 12 KILLED in a strike; about 3 dead, medics said - the army said, while others",
        "Nothing to see here",
        "",
    ]
    for t in texts:
        for pos, endpos in ((0, len(t)), (3, len(t)), (0, max(0, len(t) - 4))):
            a, b = plain.search(t, pos, endpos), fast.search(t, pos, endpos)
            assert (a and a.span()) == (b and b.span())
            assert [m.span() for m in plain.finditer(t, pos, endpos)] == [
                m.span() for m in fast.finditer(t, pos, endpos)
            ]
            assert plain.findall(t, pos, endpos) == fast.findall(t, pos, endpos)
        assert (plain.match(t) and plain.match(t).span()) == (fast.match(t) and fast.match(t).span())  # type: ignore[union-attr]
    assert fast.groupindex == plain.groupindex and fast.flags == plain.flags


def _windows() -> list[str]:
    """Every gold text, and the 60 characters before each of its words (the windows the place
    roles read), so the comparison below runs on real report prose in three scripts."""
    out: list[str] = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                out.append(text)
                out.extend(text[max(0, m.start() - 60) : m.start()] for m in re.finditer(r"\w+", text))
    return out


def test_every_pattern_of_the_parser_gives_the_same_answers_hinted():
    """Hint every compiled pattern of the parser's modules (not only those shipped hinted) and
    compare its search and finditer with the plain pattern's on the gold texts."""
    windows = _windows()
    patterns: list[re.Pattern[str]] = []
    for name in ("places", "claimants", "counts", "cues", "parser", "accounts", "clauses", "timeparse", "events"):
        mod = importlib.import_module(f"geo.{name}")
        for value in vars(mod).values():
            if isinstance(value, Hinted):
                patterns.append(value.pattern)
            elif isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                patterns.append(value)
    checked = 0
    for plain in patterns:
        fast = hinted(plain)
        if fast is plain:
            continue
        checked += 1
        for t in windows[::25]:
            a, b = plain.search(t), fast.search(t)
            assert (a and a.span()) == (b and b.span()), (plain.pattern, t)
    assert checked > 50
