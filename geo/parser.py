"""Report text -> located, dated, attributed claims: :func:`parse`, sitmap's geoparser entry point.

:func:`parse` runs the gazetteer resolver (:func:`geo.resolve.mentions`) over the whole
text, then :func:`claims_from_mentions` groups sentences into events and builds one
:class:`~geo.model.Claim` per event:

* an event is a sentence with an event cue (:func:`geo.extract.event_type`); the
  sentences after it that add counts, a claimant or refer back to it ("the strike")
  join it; a new cue with new places starts a new event, so a text that reports
  several events yields several claims;
* its place is the most specific event place (a neighbourhood inside the city also
  named); when the places do not nest ("Khan Younis and Rafah") the claim covers the
  union of their extents, and "across the Strip" covers the Gaza Strip polygon;
  places that only name the claimant ("the Gaza health ministry", "a Hamas official in
  Doha") or an organisation ("Khan Younis Brigade") are never event places;
* evacuation notices with block lists become an ``evacuation_order`` over the blocks
  (:mod:`geo.blocks`), with approximate sub-blocks noted;
* its time is the sentence's time expression (:mod:`geo.timeparse`), else the day
  before and the day of publication (precision ``day``), else unknown;
* its claimant is the attribution in its sentences, else the main claimant of its
  paragraph (attribution carries within a paragraph), else the source, else the
  report's main claimant, and ``notes`` says which; it is never restated as fact. An
  evacuation order with no "said" is claimed by the body that issues it ("the IDF told
  residents ..."). A killed / injured figure belongs to whoever states it: another
  claimant's figure on the same event ("the health ministry said 274 were killed") is
  that claimant's own claim, and a figure with no attribution is never credited to a
  party to the fighting when a counting body is named in the paragraph;
* a sentence whose clauses give two claimants' accounts ("the army said ..., as Qatar
  said in Doha ...") yields one claim per claimant.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo import extract
from geo.errors import InvalidInput
from geo.extract import ClaimantMatch, Sentence
from geo.model import Candidate, Claim, CountEstimate, Mention, Placement, TimeInterval, Uncertainty
from geo.timeparse import TimeExpression, find_times, parse_published, publication_window

#: Default size limit of a text given to :func:`parse` (bytes of UTF-8).
MAX_TEXT_BYTES = 2 * 1024 * 1024

_GEOD = pyproj.Geod(ellps="WGS84")

MentionFinder = Callable[..., list[Mention]]


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def check_text(text: str | bytes, *, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Return ``text`` as ``str`` if it is usable report text, else raise :class:`InvalidInput`.

    Bytes must be UTF-8; binary content (NUL bytes, mostly control characters) and texts
    over ``max_bytes`` are refused with a message naming the problem.
    """
    if isinstance(text, bytes | bytearray):
        if len(text) > max_bytes:
            raise InvalidInput(f"text is {len(text):,} bytes, over the limit of {max_bytes:,} bytes")
        if b"\x00" in text:
            raise InvalidInput("text looks binary (it contains NUL bytes); give UTF-8 text")
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise InvalidInput(f"text is not valid UTF-8 (byte 0x{bad} at offset {exc.start})") from exc
    elif not isinstance(text, str):
        raise InvalidInput(f"text must be str or UTF-8 bytes, got {type(text).__name__}")
    else:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise InvalidInput(f"text is {size:,} bytes, over the limit of {max_bytes:,} bytes")
    if "\x00" in text:
        raise InvalidInput("text looks binary (it contains NUL characters); give UTF-8 text")
    if text:
        controls = sum(1 for c in text[:10000] if ord(c) < 32 and c not in "\n\r\t\f\v")
        if controls > max(8, len(text[:10000]) // 20):
            raise InvalidInput(f"text looks binary ({controls} control characters in the first 10,000)")
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep offsets stable; the space is dropped like any blank
    return text


# --------------------------------------------------------------------------------------
# Metric helpers (never distances in degrees)
# --------------------------------------------------------------------------------------


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    return float(_GEOD.inv(a.x, a.y, b.x, b.y)[2])


def buffer_m(point: Point, radius_m: float, *, segments: int = 64) -> Polygon:
    """A geodesic circle of ``radius_m`` metres around a lon/lat point (vertices on the WGS84
    ellipsoid, so it is a true distance, never a buffer in degrees)."""
    azimuths = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = _GEOD.fwd(
        np.full(segments, point.x), np.full(segments, point.y), azimuths, np.full(segments, max(radius_m, 1.0))
    )
    ring = list(zip(lons.tolist(), lats.tolist(), strict=True))
    return Polygon([*ring, ring[0]])


def anchor_point(geom: BaseGeometry) -> Point:
    """The best-estimate point of an area: its centroid if inside it, else a point on it."""
    if isinstance(geom, Point):
        return geom
    c = geom.centroid
    return c if geom.covers(c) else geom.representative_point()


def covering_radius_m(point: Point, geom: BaseGeometry) -> float:
    """Metres from ``point`` to the farthest vertex of ``geom``'s convex hull."""
    hull = geom.convex_hull
    coords = shapely.get_coordinates(hull)
    if len(coords) == 0:
        return 0.0
    _, _, dists = _GEOD.inv([point.x] * len(coords), [point.y] * len(coords), coords[:, 0], coords[:, 1])
    return float(max(dists))


def _codes(radius_m: float, method: str) -> tuple[int, int]:
    from geo.uncertainty import precision_codes

    return precision_codes(radius_m, method)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------


@dataclass
class _Event:
    """Sentences grouped into one event while reading a text."""

    event_type: str
    sentences: list[Sentence]
    paragraph: int
    places: list[Mention] = field(default_factory=list)
    claimant_location: list[Mention] = field(default_factory=list)
    claimant: ClaimantMatch | None = None
    counts: dict[str, CountEstimate] = field(default_factory=dict)
    time: TimeExpression | None = None
    block_ids: list[str] = field(default_factory=list)
    block_text: str | None = None
    across: bool = False
    cue_weight: float = 0.5
    notes: list[str] = field(default_factory=list)
    counts_only: bool = False  # another claimant's figures on an event told before


_ACROSS = re.compile(
    r"\b(?:across|throughout|all over|all parts of)\s+(?:the\s+)?(?:whole\s+|entire\s+)?"
    r"(?:Gaza Strip|Strip|Gaza|enclave|territory|coastal enclave)\b",
    re.I,
)
_DESTINATION = re.compile(
    r"\b(?:to|towards?|into|toward|for)\s+(?:the\s+)?(?:(?:so-called|designated|expanded|humanitarian|safe|area|areas|"
    r"zone|shelters?|of|in|at|western|southern|central|eastern|northern|known|as|the|an?|camps?)\s+){0,6}$",
    re.I,
)
_ORIGIN = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:(?:northern|southern|central|eastern|western|north|south|parts of|areas of)\s+)*$", re.I
)
_REFERENCE = re.compile(
    r"\b(?:(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+of|border with|"
    r"(?:km|kilometres|kilometers|miles)\s+(?:from|of))\s+(?:the\s+)?(?:city\s+of\s+)?$",
    re.I,
)
_ACTOR = re.compile(
    r"(?:'s|’s)\s+(?:negotiat|army|military|government|delegation|team|forces|prime|foreign|defen|president|"
    r"ambassador|cabinet|security|war\b|air force|navy|police|officials?|leaders?|envoy|spy|intelligence|mediator)",
    re.I,
)
#: "Israel had agreed to ...", "Hamas and Israel accepted ...": a party to a deal, not its place.
_AGREES = re.compile(
    r"\s+(?:and\s+[A-Z]\w+\s+)?(?:had\s+|has\s+|have\s+)?(?:agreed|accepted|rejected|approved|signed)\b"
)
_FUTURE = re.compile(
    r"\b(?:would|will|to|plans? to|expected to)\s+(?:\w+\s+){0,2}?(?:resume|continue|meet|travel|head|go|return|move)"
    r"\s+(?:\w+\s+)?(?:in|to|towards?)\s+(?:the\s+)?$",
    re.I,
)
_SUBJECT = re.compile(
    r"\b(?:ceasefire|truce|war|fighting|deal|pauses?|conflict|hostilities|hostages?(?:\s+held)?|mediated|brokered|"
    r"between)\s+(?:in|for|on|over|by|with)?\s*(?:the\s+)?$",
    re.I,
)
_IN_PARENS = re.compile(r"\w[^()]*\([^()]*$")
_LIST_GAP = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/)\s*(?:the\s+)?$", re.I)
_SPEAKER_PLACE = re.compile(
    r"(?:\b(?:told\s+\w+(?:\s+\w+)?|speaking|spoke|said|statement|briefing|press conference|reporters)"
    r"\s+(?:\w+\s+){0,2}(?:in|from)\s+)$",
    re.I,
)
#: Openings that mark a new, unrelated event: it does not inherit the time of the one before.
_SEPARATE = re.compile(r"^(?:Separately|In a separate (?:incident|development)|In another development)\b", re.I)
_CLAUSE_SPLIT = re.compile(r";\s+|,?\s+\b(?:while|whereas|meanwhile|as)\s+(?=[a-z]*\s*\w)|,\s+and\s+", re.I)


def _event_places(
    text: str, sentence: Sentence, mentions: Sequence[Mention], etype: str, claimant: ClaimantMatch | None
) -> tuple[list[Mention], list[Mention]]:
    """Split the mentions in a sentence into event places and the claimant's places.

    Not event places: organisation and person names ("Khan Younis Brigade"), where the
    claimant speaks from ("a Hamas official in Doha"), actors ("Israel's negotiating
    team"), origins ("rockets fired from Gaza", "mediators from Qatar"), reference
    points ("north of Khan Younis", "the border with Egypt"), the destination of an
    evacuation ("move to al-Mawasi"), and countries when a finer place is named. Origins
    and reference points are used when nothing else is named; destinations last.
    """
    roles: list[tuple[Mention, str]] = []
    speaker: list[Mention] = []
    prev: tuple[Mention, str] | None = None
    local_claimant = claimant is not None and claimant.name in extract.LOCAL_OBSERVERS
    for m in mentions:
        if extract.is_organisation_or_person(text, m.start, m.end):
            continue
        rel_s = m.start - sentence.start
        before = sentence.text[max(0, rel_s - 60) : rel_s]
        after = text[m.end : m.end + 40]
        in_claimant = claimant is not None and rel_s < claimant.end and claimant.start < m.end - sentence.start
        if (in_claimant and not local_claimant) or _SPEAKER_PLACE.search(before):
            speaker.append(m)
            continue
        if _ACTOR.match(after) or (etype == "negotiation" and _AGREES.match(after)):
            role = "actor"
        elif (
            prev is not None
            and prev[1] in ("origin", "reference", "destination")
            and _LIST_GAP.match(text[prev[0].end : m.start])
        ):
            role = prev[1]  # "mediators from Qatar, Egypt and the United States"
        elif _ORIGIN.search(before):
            role = "origin"
        elif _IN_PARENS.search(before):
            role = "reference"  # "Nur Shams camp (Tulkarm, West Bank)": the admin context of a place
        elif _REFERENCE.search(before) or _FUTURE.search(before):
            role = "reference"
        elif etype == "negotiation" and _SUBJECT.search(before):
            role = "reference"  # "talks in Cairo on a ceasefire in Gaza": Gaza is what the talks are about
        elif etype == "evacuation_order" and _DESTINATION.search(before):
            role = "destination"
        else:
            role = "place"
        roles.append((m, role))
        prev = (m, role)
    places = [m for m, r in roles if r == "place"]
    if not places:
        places = [m for m, r in roles if r in ("origin", "reference")]
    if not places:
        places = [m for m, r in roles if r == "destination"]
    if not places:
        actors = [m for m, r in roles if r == "actor"]
        places = actors if len(actors) == 1 else []  # "Qatar's and Egypt's mediators" say nothing of where
    finer = [m for m in places if not _is_country(m)]
    if finer and any(m.geometry is not None for m in finer):
        places = finer
    return places, speaker


def _is_country(m: Mention) -> bool:
    """True for a mention of a whole country (a poor event place when a town is also named)."""
    kind = (m.kind or "").lower()
    if "country" in kind or kind in ("adm0", "pcli"):
        return True
    return m.uncertainty is not None and m.uncertainty.where_prec >= 6 and m.uncertainty.radius_m > 60_000


def _clauses(sentence: Sentence) -> list[Sentence]:
    """A sentence split where it tells two events of different types ("..., while ..."), or
    two claimants' accounts ("the army said the pause would hold, as Qatar said in Doha ...")."""
    if len({c.event_type for c in extract.event_cues(sentence.text)} - {"negotiation"}) < 2:
        if len(_SAYS.findall(sentence.text)) >= 2:
            return _claimant_clauses(sentence)
        return [sentence]  # one event type at most: nothing to split
    parts: list[Sentence] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(sentence.text):
        parts.append(_sub(sentence, pos, m.start()))
        pos = m.end()
    parts.append(_sub(sentence, pos, len(sentence.text)))
    parts = [p for p in parts if p.text]
    if len(parts) < 2:
        return [sentence]
    types = [extract.event_type(p.text) for p in parts]
    if sum(1 for t in types if t) < 2 or len({t for t in types if t}) < 2:
        return [sentence]
    return parts


_SAYS = re.compile(r"\b(?:said|says|announced|stated|confirmed|claimed|reported)\b")


def _claimant_clauses(sentence: Sentence) -> list[Sentence]:
    """The clauses of a sentence when each tells an event in the words of a different claimant."""
    parts: list[Sentence] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(sentence.text):
        parts.append(_sub(sentence, pos, m.start()))
        pos = m.end()
    parts.append(_sub(sentence, pos, len(sentence.text)))
    parts = [p for p in parts if p.text]
    if len(parts) < 2 or not all(extract.event_type(p.text) for p in parts):
        return [sentence]
    who = [extract.find_claimant(p.text) for p in parts]
    names = [w.name for w in who if w is not None]
    if len(names) < len(parts) or len(set(names)) < len(parts):
        return [sentence]
    return parts


def _sub(sentence: Sentence, a: int, b: int) -> Sentence:
    seg = sentence.text[a:b]
    lead = len(seg) - len(seg.lstrip())
    seg = seg.strip()
    return Sentence(
        text=seg,
        start=sentence.start + a + lead,
        end=sentence.start + a + lead + len(seg),
        paragraph=sentence.paragraph,
    )


def _contains(outer: Mention, inner: Mention) -> bool:
    """True if ``inner`` lies inside ``outer``'s extent (so ``inner`` is the more specific)."""
    if outer.geometry is None or inner.geometry is None or outer.uncertainty is None or inner.uncertainty is None:
        return False
    if outer.gazetteer_id is not None and outer.gazetteer_id == inner.gazetteer_id:
        return True
    if inner.uncertainty.radius_m > outer.uncertainty.radius_m:
        return False
    region = outer.uncertainty.region
    pt = anchor_point(inner.geometry)
    if region is not None:  # within ~500 m of the region counts as inside (coarse polygons, coastal points)
        return bool(shapely.dwithin(region, pt, 0.005))
    return distance_m(anchor_point(outer.geometry), pt) <= outer.uncertainty.radius_m * 1.1 + 500


def most_specific(places: Sequence[Mention]) -> list[Mention]:
    """The places an event is at: the innermost of nested places, one per separate place.

    "Zeitoun, Gaza City" -> [Zeitoun]; "Khan Younis and Rafah in southern Gaza" ->
    [Khan Younis, Rafah] (the context "southern Gaza" contains both and is dropped).
    """
    resolved = [m for m in places if m.geometry is not None]
    unique: dict[str, Mention] = {}
    for m in resolved:
        key = m.gazetteer_id or m.place_text.lower()
        if key not in unique or m.confidence > unique[key].confidence:
            unique[key] = m
    items = list(unique.values())
    leaves = [m for m in items if not any(o is not m and _contains(m, o) and not _contains(o, m) for o in items)]
    leaves.sort(key=lambda m: m.start)
    return leaves


# --------------------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------------------


def parse(
    text: str | bytes,
    *,
    published: str | date | datetime | None = None,
    source: str | None = None,
    url: str | None = None,
    max_bytes: int = MAX_TEXT_BYTES,
) -> list[Claim]:
    """Every event claim in a report text, located, dated and attributed.

    ``published`` (``YYYY-MM-DD`` or ISO 8601) anchors relative dates; ``source`` is
    the outlet or issuer and the claimant of last resort; ``url`` is copied onto each
    claim. An empty text or one that reports no event gives ``[]``; bytes that are not
    UTF-8, binary content or a text over ``max_bytes`` raise :class:`InvalidInput`.
    """
    clean = check_text(text, max_bytes=max_bytes)
    pub = parse_published(published)
    if not clean.strip():
        return []
    from geo.resolve import mentions as find_mentions

    found = find_mentions(clean, published=pub)
    return claims_from_mentions(clean, found, published=pub, source=source, url=url)


def claims_from_mentions(
    text: str,
    mentions: Sequence[Mention],
    *,
    published: str | date | datetime | None = None,
    source: str | None = None,
    url: str | None = None,
) -> list[Claim]:
    """Build claims from a text and the place mentions already found in it.

    This is :func:`parse` without the gazetteer step, so callers (and tests) with their
    own mentions can reuse the event, time and claimant logic.
    """
    pub = parse_published(published)
    sentences = split_clauses(text)
    sentence_starts = {s.start for s in extract.split_sentences(text)}
    etypes = [extract.event_type(s.text) for s in sentences]
    block_lists = [_block_ids(s.text) for s in sentences]
    # only paragraphs that tell an event need times, claimants and counts: most news text tells none
    active = {s.paragraph for s, t, b in zip(sentences, etypes, block_lists, strict=True) if t or b}
    if not active:
        return []
    times = _paragraph_times(text, sentences, active, pub)
    by_sentence = {i: [m for m in mentions if s.start <= m.start < s.end] for i, s in enumerate(sentences)}

    claimants: list[ClaimantMatch | None] = [
        extract.find_claimant(s.text) if s.paragraph in active else None for s in sentences
    ]
    main = _main_claimant([c for c in claimants if c is not None])
    #: per paragraph, the first body that counts and reports (health ministry, medics ...)
    para_reporter = {
        p: next(
            (
                c
                for s, c in zip(sentences, claimants, strict=True)
                if c is not None and s.paragraph == p and c.name in extract.REPORTING_BODIES
            ),
            None,
        )
        for p in {s.paragraph for s in sentences}
    }
    para_main = {
        p: _main_claimant([c for s, c in zip(sentences, claimants, strict=True) if c is not None and s.paragraph == p])
        for p in {s.paragraph for s in sentences}
    }

    events: list[_Event] = []
    current: _Event | None = None
    current_para = -1  # the paragraph the current event is being told in
    context_time: TimeExpression | None = None
    context_places: list[Mention] = []
    context_para = -1
    clause_claimant: ClaimantMatch | None = None  # the claimant of the clause just read
    for i, s in enumerate(sentences):
        if current is not None and current_para != s.paragraph:
            current = None
        if s.paragraph not in active:
            current, context_time, context_places = None, None, []
            continue
        if context_places and context_para != s.paragraph:
            context_places = []
        if context_time is not None and context_para != s.paragraph:
            context_time = None
        context_para = s.paragraph
        s_times = _event_times(text, [t for t in times if s.start <= t.start < s.end])
        etype = etypes[i]
        blocks = block_lists[i]
        if blocks and etype in (None, "humanitarian_zone", "other", "airstrike", "ground_operation"):
            if etype is None and current is not None and current.event_type == "evacuation_order":
                etype = None  # a block list continuing the order before it
            elif re.search(r"\b(?:evacuat|leave|move|displace|ordered|warning)", s.text, re.I):
                etype = "evacuation_order"
        claimant = claimants[i]
        if claimant is None and etype == "evacuation_order":
            claimant = extract.find_issuer(s.text)  # "the IDF told residents to leave": no "said"
        if claimant is None and s.start not in sentence_starts and extract.elided_speech(s.text):
            claimant = clause_claimant  # "X told residents to leave, and then said it had ...": X's words
        clause_claimant = claimant
        places, speaker = _event_places(text, s, by_sentence[i], etype or "other", claimant)
        attributed = extract.attributed_counts(s.text) if (etype or current is not None) else []
        reporter = para_reporter.get(s.paragraph)
        counts: dict[str, CountEstimate] = {}
        for c, _who in attributed:
            counts.setdefault(c.kind, c.estimate)

        if etype == "other" and current is not None:
            other_leaves = most_specific(places)
            if not other_leaves or _same_places(current, other_leaves):
                etype = None  # a casualty line ("30 people were killed") adds to the event just told
        if etype is None:
            if current is not None:  # details of the event just told
                _take(events, current, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            elif places:
                context_places = places
            if s_times:
                context_time = s_times[0]
            continue

        leaves = most_specific(places)
        same = (
            current is not None
            and (current.event_type == etype or extract.refers_back(s.text))
            and (not leaves or extract.refers_back(s.text) or _same_places(current, leaves))
            and not (s_times and current.time and s_times[0].interval != current.time.interval)
            and not (blocks and current.block_ids)
            # a clause in another claimant's words ("..., as Qatar said ...") is that claimant's claim
            and not (
                s.start not in sentence_starts
                and claimant is not None
                and current.claimant is not None
                and claimant.name != current.claimant.name
            )
        )
        if same and current is not None:
            _take(events, current, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            continue
        earlier = _told_before(events, etype, s, leaves, s_times) if current is None else None
        if earlier is not None:  # a later paragraph going back over an event already told ("The strike on ...")
            _take(events, earlier, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            current, current_para = earlier, s.paragraph
            continue
        cue = max((c.weight for c in extract.event_cues(s.text) if c.event_type == etype), default=0.5)
        own, foreign = _partition_counts(attributed, claimant, reporter)
        current_para = s.paragraph
        current = _Event(
            event_type=etype,
            sentences=[s],
            paragraph=s.paragraph,
            places=list(places),
            claimant_location=list(speaker),
            claimant=claimant,
            counts=own,
            time=s_times[0] if s_times else None,
            block_ids=list(blocks),
            block_text=_block_text(s.text) if blocks else None,
            across=bool(_ACROSS.search(s.text)),
            cue_weight=cue,
        )
        if current.time is None and context_time is not None and not _SEPARATE.match(s.text):
            current.time = context_time
            current.notes.append(f"time from an earlier sentence ({context_time.text!r})")
        if not current.places and not current.block_ids and context_places:
            current.places = list(context_places)
            current.notes.append("place not named in the sentence: taken from the sentence before")
        events.append(current)
        for who, figures in foreign:
            events.append(_count_event(current, s, places, who, figures, s_times, etype))
        if s_times:
            context_time = s_times[0]
        if places:
            context_places = places

    focus = _focus(text, sentences, mentions, claimants)
    return [_claim(ev, text, para_main.get(ev.paragraph), main, focus, pub, source, url) for ev in events]


_SPEECH_TIME = re.compile(
    r"\b(?:said|says|announced|reported|stated|confirmed|added|told\s+\w+|statement|warned)\s+(?:late\s+|early\s+)?$",
    re.I,
)


#: "the 7 October attack": a date used as the name of a past event, not this event's time.
_NAMED_EVENT_DATE = re.compile(r"\s*(?:attacks?|massacres?|assault|offensive|invasion|raids?|war|onslaught)\b", re.I)
_THE_BEFORE = re.compile(r"\b(?:the|since|after|before)\s+$", re.I)


def _event_times(text: str, found: list[TimeExpression]) -> list[TimeExpression]:
    """The time expressions of a sentence that date its event: "said on Thursday" dates the
    statement, so it is dropped when the sentence gives another time."""
    found = [
        t
        for t in found
        if not _NAMED_EVENT_DATE.match(text, t.end) or not _THE_BEFORE.search(text[max(0, t.start - 12) : t.start])
    ]
    if len(found) < 2:
        return found
    event = [t for t in found if not _SPEECH_TIME.search(text[max(0, t.start - 40) : t.start])]
    return event or found


def _paragraph_times(
    text: str, sentences: Sequence[Sentence], paragraphs: set[int], pub: datetime | None
) -> list[TimeExpression]:
    """The time expressions of the given paragraphs, with offsets in ``text``."""
    spans: dict[int, list[int]] = {}
    for s in sentences:
        if s.paragraph in paragraphs:
            span = spans.setdefault(s.paragraph, [s.start, s.end])
            span[0], span[1] = min(span[0], s.start), max(span[1], s.end)
    out: list[TimeExpression] = []
    for start, end in spans.values():
        for t in find_times(text[start:end], pub):
            out.append(replace(t, start=t.start + start, end=t.end + start))
    out.sort(key=lambda t: t.start)
    return out


def split_clauses(text: str) -> list[Sentence]:
    """Sentences, with a sentence that tells two events of different types split in two."""
    out: list[Sentence] = []
    for s in extract.split_sentences(text):
        out.extend(_clauses(s))
    return out


def _told_before(
    events: Sequence[_Event], etype: str, s: Sentence, leaves: Sequence[Mention], s_times: Sequence[TimeExpression]
) -> _Event | None:
    """The earlier event of the same type that a sentence opening a new paragraph refers
    back to ("The strikes in Rafah hit two houses"), so one event is not counted twice."""
    if not events or not extract.refers_back(s.text):
        return None
    for ev in reversed(events):
        if ev.event_type != etype or ev.counts_only:
            continue
        if leaves and not _same_places(ev, leaves):
            continue
        if (
            s_times
            and ev.time is not None
            and not ev.time.interval.overlaps(s_times[0].interval.start, s_times[0].interval.end)
        ):
            continue
        return ev
    return None


def _same_places(ev: _Event, leaves: Sequence[Mention]) -> bool:
    """True if the new sentence's places are the event's places or nested in/around them."""
    mine = most_specific(ev.places)
    if not mine:
        return False
    return all(any(_contains(a, b) or _contains(b, a) for a in mine) for b in leaves)


#: Parties to the fighting: an unattributed casualty figure is never credited to them when
#: a body that counts casualties is named in the same paragraph.
_PARTIES = frozenset({"Israeli military", "Hamas", "Palestinian Islamic Jihad", "Hezbollah", "Houthis"})


def _partition_counts(
    attributed: Sequence[tuple[extract.CountMatch, ClaimantMatch | None]],
    owner: ClaimantMatch | None,
    reporter: ClaimantMatch | None = None,
) -> tuple[dict[str, CountEstimate], list[tuple[ClaimantMatch, dict[str, CountEstimate]]]]:
    """A sentence's counts split into the event claimant's own (or unattributed) ones and
    the casualty figures another claimant states, grouped per claimant: a toll belongs to whoever gives it."""
    own: dict[str, CountEstimate] = {}
    foreign: dict[str, tuple[ClaimantMatch, dict[str, CountEstimate]]] = {}
    for c, who in attributed:
        if who is None and c.kind != "targets" and owner is not None and owner.name in _PARTIES and reporter:
            who = reporter  # an unattributed toll is not the army's: the paragraph's counting body gave it
        # targets hit stay with the event (its damage, whoever counts it); killed and injured
        # figures are the claimant's who gives them
        if who is None or owner is None or who.name == owner.name or c.kind == "targets":
            own.setdefault(c.kind, c.estimate)
        else:
            foreign.setdefault(who.name, (who, {}))[1].setdefault(c.kind, c.estimate)
    return own, list(foreign.values())


def _take(
    events: list[_Event],
    ev: _Event,
    s: Sentence,
    places: list[Mention],
    claimant: ClaimantMatch | None,
    attributed: Sequence[tuple[extract.CountMatch, ClaimantMatch | None]],
    s_times: list[TimeExpression],
    blocks: list[str],
    etype: str | None,
    reporter: ClaimantMatch | None = None,
) -> None:
    """Add a sentence to the event it continues; figures another claimant states become
    that claimant's own claim on the event instead of being credited to the event's."""
    owner = ev.claimant or claimant
    own, foreign = _partition_counts(attributed, owner, reporter)
    others_account = (
        foreign
        and not own
        and not blocks
        and claimant is not None
        and owner is not None
        and claimant.name != owner.name
    )
    if not others_account:
        _absorb(ev, s, places, claimant, own, s_times, blocks)
    for who, figures in foreign:
        events.append(_count_event(ev, s, places, who, figures, s_times, etype))


def _count_event(
    ev: _Event,
    s: Sentence,
    places: list[Mention],
    who: ClaimantMatch,
    figures: dict[str, CountEstimate],
    s_times: list[TimeExpression],
    etype: str | None,
) -> _Event:
    """Another claimant's figures on an event: a claim of its own, at the sentence's place
    and time when it names them, else the event's."""
    across = bool(_ACROSS.search(s.text))
    return _Event(
        event_type=etype if etype not in (None, "other") else ev.event_type,
        sentences=[s],
        paragraph=s.paragraph,
        places=list(places) if places or across else list(ev.places),
        claimant=who,
        counts=dict(figures),
        time=s_times[0] if s_times else ev.time,
        across=across,
        cue_weight=ev.cue_weight,
        notes=[f"figures stated by {who.name}, not by the claimant of the event they are about"],
        counts_only=True,
    )


def _absorb(
    ev: _Event,
    s: Sentence,
    places: list[Mention],
    claimant: ClaimantMatch | None,
    counts: dict[str, CountEstimate],
    s_times: list[TimeExpression],
    blocks: list[str],
) -> None:
    ev.sentences.append(s)
    if not ev.places and places:
        ev.places = list(places)
    elif places and all(p.geometry is None for p in ev.places):
        ev.places.extend(places)
    elif (
        places
        and ev.places
        and extract.refers_back(s.text)
        and all(any(_contains(a, b) for a in most_specific(ev.places)) for b in most_specific(places))
    ):
        ev.places.extend(places)  # a finer place for the same event ("the strike hit a house in Zeitoun")
    if ev.claimant is None and claimant is not None:
        ev.claimant = claimant
    for k, v in counts.items():
        ev.counts.setdefault(k, v)
    if ev.time is None and s_times:
        ev.time = s_times[0]
    if blocks:
        for b in blocks:
            if b not in ev.block_ids:
                ev.block_ids.append(b)
        ev.block_text = ", ".join(filter(None, [ev.block_text, _block_text(s.text)]))
    if _ACROSS.search(s.text):
        ev.across = True


_BLOCK_HINT = re.compile(r"\d|[٠-٩]")
_BLOCK_WORD = re.compile(r"block|area|بلوك|مربع|בלוק", re.I)


def _block_ids(sentence: str) -> list[str]:
    if not (_BLOCK_HINT.search(sentence) and _BLOCK_WORD.search(sentence)):
        return []  # most sentences name no block: skip the full block-list grammar
    from geo.blocks import parse_block_ids

    return parse_block_ids(sentence)


_BLOCK_TEXT = re.compile(
    r"\b(?:blocks?|areas?\s+numbered|numbered\s+(?:blocks?|areas?))\b(?:[\s,#:&/\-–]|\d|\.\d|\band\b|\bto\b|\bor\b)*\d",
    re.I,
)


def _block_text(sentence: str) -> str | None:
    m = _BLOCK_TEXT.search(sentence)
    return m.group(0).strip()[:200] if m else None


def _main_claimant(found: Sequence[ClaimantMatch]) -> ClaimantMatch | None:
    """The claimant named most often in a text (the first one on a tie)."""
    if not found:
        return None
    counts = Counter(c.name for c in found)
    top = max(counts.values())
    return next(c for c in found if counts[c.name] == top)


def _focus(
    text: str, sentences: Sequence[Sentence], mentions: Sequence[Mention], claimants: Sequence[ClaimantMatch | None]
) -> Mention | None:
    """The place a report is about, when it names only one (ignoring organisation and
    claimant places): the fallback place of an event told without one. ``None`` when the
    report names several places: then such an event stays unresolved rather than guessed."""
    found: list[Mention] = []
    for i, s in enumerate(sentences):
        inside = [m for m in mentions if s.start <= m.start < s.end]
        places, _ = _event_places(text, s, inside, "other", claimants[i])
        found.extend(m for m in places if m.geometry is not None)
    leaves = most_specific(found)
    return leaves[0] if len(leaves) == 1 else None


# --------------------------------------------------------------------------------------
# Claim assembly
# --------------------------------------------------------------------------------------


def _claim(
    ev: _Event,
    text: str,
    para_main: ClaimantMatch | None,
    main: ClaimantMatch | None,
    focus: Mention | None,
    pub: datetime | None,
    source: str | None,
    url: str | None,
) -> Claim:
    notes = list(ev.notes)
    geometry, uncertainty, placement, place = _place(ev, focus, notes)

    interval: TimeInterval | None
    if ev.time is not None:
        interval = ev.time.interval
    else:
        interval = publication_window(pub)
        if interval is not None:
            notes.append("no time in the text: the day before and the day of publication")
        else:
            notes.append("no time in the text and no publication date: time unknown")

    claimant_name: str | None
    if ev.claimant is not None:
        claimant_name = ev.claimant.name
        attributed = True
        if ev.claimant.text.lower().removeprefix("the ") != claimant_name.lower():
            notes.append(f"claimant as written: {ev.claimant.text!r}")
    elif para_main is not None:
        claimant_name = para_main.name
        attributed = False
        notes.append(f"sentence not attributed: claimant is the paragraph's claimant ({para_main.text!r})")
    elif source:
        claimant_name = extract.canonical_claimant(source) or source
        attributed = False
        notes.append("not attributed in the text: claimant is the source")
    elif main is not None:
        claimant_name = main.name
        attributed = False
        notes.append(f"sentence not attributed: claimant is the report's main claimant ({main.text!r})")
    else:
        claimant_name = None
        attributed = False
        notes.append("not attributed in the text and no source given")

    quote = " ".join(s.text for s in ev.sentences)
    place_conf = place.confidence if place is not None else (0.6 if ev.block_ids else 0.1)
    confidence = 0.15 + 0.45 * place_conf + 0.2 * ev.cue_weight + (0.1 if attributed else 0.0)
    confidence += 0.1 if ev.time is not None else 0.0
    return Claim(
        event_type=ev.event_type,
        claimant=claimant_name,
        source=source,
        url=url,
        quote=quote[:5000],
        place_text=placement.place_text,
        place_name=placement.place_name,
        gazetteer_id=placement.gazetteer_id,
        geometry=geometry,
        uncertainty=uncertainty,
        valid_from=interval.start if interval else None,
        valid_to=interval.end if interval else None,
        time_precision=interval.precision if interval else "unknown",
        fatalities=ev.counts.get("fatalities"),
        injured=ev.counts.get("injured"),
        targets=ev.counts.get("targets"),
        block_ids=tuple(ev.block_ids),
        placement=placement,
        confidence=round(min(confidence, 1.0), 3),
        notes="; ".join(notes)[:5000] or None,
    )


def _place(
    ev: _Event, focus: Mention | None, notes: list[str]
) -> tuple[BaseGeometry | None, Uncertainty | None, Placement, Mention | None]:
    """Geometry, uncertainty and audit trail of an event's location."""
    if ev.block_ids:
        placed = _place_blocks(ev, notes)
        if placed is not None:
            return placed
    places = ev.places
    if (
        ev.event_type == "negotiation"
        and ev.claimant_location
        and all(_is_country(p) or p.geometry is None for p in places)
    ):
        places = ev.claimant_location
        notes.append("place of the talks taken from where the claimant spoke")
    if ev.across:
        return _place_strip(ev, notes)
    leaves = most_specific(places)
    if not leaves and not places and focus is not None:
        leaves = [focus]
        notes.append(f"place not named for this event: the report's first place ({focus.place_text!r})")
    if len(leaves) == 1:
        m = leaves[0]
        assert m.geometry is not None and m.uncertainty is not None  # most_specific keeps resolved ones
        unknown = [p.place_text for p in places if p.geometry is None]
        if unknown:
            notes.append("also named, not in the gazetteer: " + ", ".join(repr(u) for u in unknown))
        others = [p for p in places if p is not m and p.geometry is not None]
        if others:
            notes.append("most specific of: " + ", ".join(p.place_text for p in [m, *others]))
        placement = Placement(
            place_text=m.place_text,
            gazetteer_id=m.gazetteer_id,
            place_name=m.place_name,
            method=m.uncertainty.method,
            qualifier=m.qualifier,
            rejected=tuple(a for a in m.alternatives if a.gazetteer_id != m.gazetteer_id)[:10],
        )
        return m.geometry, m.uncertainty, placement, m
    if len(leaves) > 1:
        return _place_region(leaves, notes)
    unresolved = [p for p in places if p.geometry is None]
    place_text = unresolved[0].place_text if unresolved else None
    notes.append(f"place {place_text!r} not found in the gazetteer" if place_text else "no place named")
    placement = Placement(
        place_text=place_text,
        method="unresolved",
        rejected=tuple(unresolved[0].alternatives)[:10] if unresolved else (),
    )
    return None, None, placement, None


def _place_region(leaves: Sequence[Mention], notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention]:
    """One event told at several separate places: the union of their extents."""
    parts = []
    for m in leaves:
        assert m.geometry is not None and m.uncertainty is not None
        region = m.uncertainty.region
        parts.append(region if region is not None else buffer_m(anchor_point(m.geometry), m.uncertainty.radius_m))
    region = shapely.union_all(parts)
    if not isinstance(region, Polygon | MultiPolygon):
        region = region.convex_hull
    point = anchor_point(region)
    radius = covering_radius_m(point, region)
    geo_p, where_p = _codes(radius, "gazetteer")
    names = ", ".join(m.place_text for m in leaves)
    notes.append(f"event reported at several places ({names}): the region covers them all")
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=region,
        geo_precision=geo_p,
        where_prec=where_p,
        method="gazetteer",
        note=f"union of {names}"[:300],
    )
    placement = Placement(
        place_text="; ".join(m.place_text for m in leaves)[:300],
        place_name="; ".join(m.place_name or m.place_text for m in leaves)[:300],
        method="gazetteer",
    )
    best = max(leaves, key=lambda m: m.confidence)
    return point, unc, placement, best


def _place_strip(ev: _Event, notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention | None]:
    """An event "across the Strip": the Gaza Strip polygon (admin fallback)."""
    from geo.boundaries import GAZA_STRIP_PCODE, gaza_strip

    strip = gaza_strip()
    point = anchor_point(strip)
    radius = covering_radius_m(point, strip)
    geo_p, where_p = _codes(radius, "admin_fallback")
    notes.append("event reported across the Gaza Strip: the region is the whole Strip")
    match = _ACROSS.search(" ".join(s.text for s in ev.sentences))
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=strip,
        geo_precision=geo_p,
        where_prec=where_p,
        method="admin_fallback",
        note="Gaza Strip (OCHA COD-AB adm1)",
    )
    placement = Placement(
        place_text=match.group(0) if match else "Gaza Strip",
        gazetteer_id=f"ocha:{GAZA_STRIP_PCODE}",
        place_name="Gaza Strip",
        method="admin_fallback",
        qualifier="across",
    )
    conf = Mention(place_text="Gaza Strip", start=0, end=0, confidence=0.7)
    return point, unc, placement, conf


def _place_blocks(ev: _Event, notes: list[str]) -> tuple[BaseGeometry, Uncertainty, Placement, Mention | None] | None:
    """An evacuation order over numbered blocks: the union of the blocks."""
    from geo.blocks import BlockGrid

    sel = BlockGrid.load().resolve(ev.block_ids)
    if sel.unknown_ids:
        notes.append("block ids not in the grid (not placed): " + ", ".join(sel.unknown_ids))
    if sel.geometry is None:
        return None
    if sel.approx_block_ids:
        approx = ", ".join(f"{b} (drawn as block {sel.parents[b]})" for b in sel.approx_block_ids)
        notes.append(f"sub-blocks approximated by their parent block: {approx}")
    geom = sel.geometry
    point = anchor_point(geom)
    radius = covering_radius_m(point, geom)
    geo_p, where_p = _codes(radius, "block_list")
    ev.block_ids = list(sel.block_ids) + [b for b in ev.block_ids if b in sel.unknown_ids]
    names = [p.place_name or p.place_text for p in ev.places if p.geometry is not None]
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=geom,
        geo_precision=geo_p,
        where_prec=where_p,
        method="block_list",
        note=(
            f"{len(sel.grid_block_ids)} blocks of grid {sel.grid}"
            + (" (some approximate)" if sel.approx_block_ids else "")
        )[:300],
    )
    placement = Placement(
        place_text=(ev.block_text or "blocks " + ", ".join(ev.block_ids))[:300],
        place_name=("; ".join(dict.fromkeys(names)) if names else None),
        method="block_list",
    )
    return geom, unc, placement, Mention(place_text="blocks", start=0, end=0, confidence=0.9 if sel.is_exact else 0.75)


# --------------------------------------------------------------------------------------
# GeoJSON (what `sitmap geocode` prints)
# --------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _point_json(geom: BaseGeometry | None) -> dict[str, object] | None:
    if geom is None:
        return None
    p = anchor_point(geom)
    return {"type": "Point", "coordinates": [round(p.x, 6), round(p.y, 6)]}


def _candidate_json(c: Candidate) -> dict[str, object]:
    return {
        "gazetteer_id": c.gazetteer_id,
        "name": c.name,
        "kind": c.kind,
        "country": c.country,
        "lon": round(c.lon, 6),
        "lat": round(c.lat, 6),
        "score": round(c.score, 4),
        "population": c.population,
    }


def claim_to_feature(claim: Claim) -> dict[str, object]:
    """A parsed claim as an RFC 7946 Feature: best-estimate Point (null if unresolved) and
    the contract property names (``uncertainty_m``, ``valid_from`` ...) plus the audit trail."""
    unc = claim.uncertainty
    placement = claim.placement
    props: dict[str, object] = {
        "event_type": claim.event_type,
        "claimant": claim.claimant,
        "source": claim.source,
        "url": claim.url,
        "quote": claim.quote,
        "place_text": claim.place_text,
        "place_name": claim.place_name,
        "gazetteer_id": claim.gazetteer_id,
        "placement_method": placement.method if placement else (unc.method if unc else "unresolved"),
        "qualifier": placement.qualifier if placement else None,
        "uncertainty_m": None if unc is None else unc.radius_m,
        "geo_precision": None if unc is None else unc.geo_precision,
        "where_prec": None if unc is None else unc.where_prec,
        "valid_from": _iso(claim.valid_from),
        "valid_to": _iso(claim.valid_to),
        "time_precision": claim.time_precision,
    }
    for kind in ("fatalities", "injured", "targets"):
        est: CountEstimate | None = getattr(claim, kind)
        props[kind] = None if est is None else est.best
        props[f"{kind}_low"] = None if est is None else est.low
        props[f"{kind}_high"] = None if est is None else est.high
        props[f"{kind}_text"] = None if est is None else est.text
    props["block_ids"] = list(claim.block_ids)
    props["confidence"] = claim.confidence
    props["alternatives"] = [_candidate_json(c) for c in placement.rejected] if placement else []
    props["notes"] = claim.notes
    return {"type": "Feature", "geometry": _point_json(claim.geometry), "properties": props}


def mention_to_feature(mention: Mention) -> dict[str, object]:
    """A place mention as an RFC 7946 Feature: its point (null if unresolved), span and candidates."""
    unc = mention.uncertainty
    props: dict[str, object] = {
        "place_text": mention.place_text,
        "place_name": mention.place_name,
        "gazetteer_id": mention.gazetteer_id,
        "kind": mention.kind,
        "start": mention.start,
        "end": mention.end,
        "qualifier": mention.qualifier,
        "uncertainty_m": None if unc is None else unc.radius_m,
        "geo_precision": None if unc is None else unc.geo_precision,
        "where_prec": None if unc is None else unc.where_prec,
        "placement_method": unc.method if unc else "unresolved",
        "confidence": mention.confidence,
        "alternatives": [_candidate_json(c) for c in mention.alternatives],
    }
    return {"type": "Feature", "geometry": _point_json(mention.geometry), "properties": props}
