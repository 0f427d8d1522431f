"""geo.parse never crashes on arbitrary text and every claim it returns keeps its invariants."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo.errors import InvalidInput
from geo.model import EVENT_TYPES

GOLD = Path(__file__).resolve().parents[1] / "data" / "geoparse" / "gold.jsonl"
_WORDS = sorted(
    {w for line in GOLD.read_text(encoding="utf-8").splitlines() if line for w in json.loads(line)["text"].split()}
)

#: Text made of words from the gold texts (places, cues, numbers, dates) in random order,
#: with random punctuation and paragraph breaks: what real reports are made of, scrambled.
report_like = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.sampled_from([".", ",", "\n\n", ";", "(", ")", ":", "-"])),
    max_size=80,
).map(" ".join)


def _check(text: str) -> None:
    try:
        claims = geo.parse(text, published="2024-03-01", source="Fuzz")
    except InvalidInput:
        return  # refused with a clear message (binary-looking text): allowed
    for c in claims:
        assert c.event_type in EVENT_TYPES
        assert c.claimant  # the source at least
        assert c.quote and all(word in text for word in c.quote.split())  # quoted, never invented
        assert (c.geometry is None) == (c.uncertainty is None)
        assert c.valid_from is not None and c.valid_to is not None and c.valid_from <= c.valid_to
        if c.placement is not None and c.placement.method == "unresolved":
            assert c.geometry is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_like)
def test_report_like_text(text: str) -> None:
    _check(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_unicode_text(text: str) -> None:
    _check(text)
