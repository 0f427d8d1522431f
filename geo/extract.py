"""What a report sentence says besides places: the event, who claims it, how many.

This module gathers the public names of the rooms that hold each idea, so callers keep one
import: sentences (:mod:`geo.sentences`), event cues (:mod:`geo.cue_words`,
:mod:`geo.cues`), claimants (:mod:`geo.claimants`), counts (:mod:`geo.counts`) and
organisation or person names that are not event places (:mod:`geo.places`).
"""

from __future__ import annotations

from geo.claimants import (
    CLAIMANTS,
    LOCAL_OBSERVERS,
    REPORTING_BODIES,
    ClaimantMatch,
    canonical_claimant,
    elided_speech,
    find_claimant,
    find_issuer,
    opening_subject,
)
from geo.counts import (
    VAGUE_COUNTS,
    CountMatch,
    attributed_counts,
    counts_by_kind,
    find_counts,
    parse_count,
    word_number,
)
from geo.cue_words import CUE_PATTERNS, CUE_TRIGGERS, Cue
from geo.cues import event_cues, event_type, is_negated, refers_back
from geo.places import is_organisation_or_person
from geo.sentences import Sentence, split_sentences

__all__ = [
    "CLAIMANTS",
    "CUE_PATTERNS",
    "CUE_TRIGGERS",
    "LOCAL_OBSERVERS",
    "REPORTING_BODIES",
    "VAGUE_COUNTS",
    "ClaimantMatch",
    "CountMatch",
    "Cue",
    "Sentence",
    "attributed_counts",
    "canonical_claimant",
    "counts_by_kind",
    "elided_speech",
    "event_cues",
    "event_type",
    "find_claimant",
    "find_counts",
    "find_issuer",
    "is_negated",
    "is_organisation_or_person",
    "opening_subject",
    "parse_count",
    "refers_back",
    "split_sentences",
    "word_number",
]
