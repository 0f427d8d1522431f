"""Sentences grouped into events while reading a text: the pieces of the reading loop in
:func:`geo.parser.claims_from_mentions`.

A sentence that adds counts, a claimant or refers back to an event joins it; figures
another claimant states on it become that claimant's own claim.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from geo.claimants import OWN_CORRESPONDENT, REPORTING_BODIES, ClaimantMatch
from geo.counts import CountMatch
from geo.cues import refers_back
from geo.model import CountEstimate, Mention
from geo.places import contains, event_places, most_specific
from geo.sentences import Sentence, starting_in
from geo.timeparse import TimeExpression, find_times


@dataclass
class Event:
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
    #: the event this one is another teller's account of (a counter-claim, a denial, other figures)
    account_of: Event | None = None
    disputed: bool = False  # the report carries a contradicting account of this event


ACROSS = re.compile(
    r"\b(?:across|throughout|all over|all parts of)\s+(?:the\s+)?(?:whole\s+|entire\s+)?"
    r"(?:Gaza Strip|Strip|Gaza|enclave|territory|coastal enclave)\b",
    re.I,
)


SEPARATE = re.compile(r"^(?:Separately|In a separate (?:incident|development)|In another development)\b", re.I)


_SPEECH_TIME = re.compile(
    r"\b(?:said|says|announced|reported|stated|confirmed|added|told\s+\w+|statement|warned)\s+(?:late\s+|early\s+)?$",
    re.I,
)


#: "the 7 October attack": a date used as the name of a past event, not this event's time.
_NAMED_EVENT_DATE = re.compile(r"\s*(?:attacks?|massacres?|assault|offensive|invasion|raids?|war|onslaught)\b", re.I)
_THE_BEFORE = re.compile(r"\b(?:the|since|after|before)\s+$", re.I)


#: "GAZA, March 15 (Reuters) -": the dateline's date is the day the report was filed, not the
#: day of its events.
_DATELINE_AFTER = re.compile(r"\s*(?:\([^()\n]{1,40}\)\s*)?[-–—]")
_DATELINE_BEFORE = re.compile(r"^[^\n.!?]{0,80}$")


_OVERNIGHT_ON = re.compile(r"\s*(?:on|of|,)?\s*")


def is_dateline(text: str, t: TimeExpression) -> bool:
    """True if ``t`` is the date of a dateline at the head of a line ("KHAN YOUNIS, Gaza Strip,
    March 19 (Wire) - ..."), which dates the report rather than the event: at the text's head, or
    after a headline and a correction note."""
    return (
        bool(_DATELINE_AFTER.match(text, t.end))
        and bool(_DATELINE_BEFORE.match(text[max(0, text.rfind("\n", 0, t.start) + 1) : t.start]))
        and "," in text[max(0, t.start - 60) : t.start]
    )


def event_times(text: str, found: list[TimeExpression]) -> list[TimeExpression]:
    """The time expressions of a sentence that date its event: "said on Thursday" dates the
    statement, so it is dropped when the sentence gives another time; a dateline's date is the
    report's, not the event's; "under way since January" gives way to a day the sentence names."""
    found = [
        t
        for t in found
        if (not _NAMED_EVENT_DATE.match(text, t.end) or not _THE_BEFORE.search(text[max(0, t.start - 12) : t.start]))
        and not is_dateline(text, t)
    ]
    if len(found) < 2:
        return found
    # "overnight on 18-19 October", "overnight, on Tuesday": the night of the date that follows
    found = [
        t
        for t in found
        if t.kind != "overnight"
        or not any(0 <= u.start - t.end <= 5 and _OVERNIGHT_ON.fullmatch(text[t.end : u.start]) for u in found)
    ]
    if len(found) < 2:
        return found
    event = [t for t in found if not _SPEECH_TIME.search(text[max(0, t.start - 40) : t.start])]
    event = event or found
    pointed = [t for t in event if t.kind != "since"]
    return pointed or event


def nearest_time(s: Sentence, times: Sequence[TimeExpression], etype: str) -> TimeExpression | None:
    """The time of a sentence's event: its first time, or, when it gives several, the one told
    nearest the event's own words ("between 6 and 12 August forces killed 12, including five in
    an air strike on Tubas on 12 August": the strike is dated 12 August, not the week)."""
    if len(times) < 2:
        return times[0] if times else None
    from geo.cues import event_cues

    cues = [c for c in event_cues(s.text) if c.event_type == etype]
    if not cues:
        return times[0]
    at = s.start + cues[0].start
    return min(times, key=lambda t: (abs(t.start - at), t.start))


def paragraph_times(
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


def told_before(
    events: Sequence[Event], etype: str, s: Sentence, leaves: Sequence[Mention], s_times: Sequence[TimeExpression]
) -> Event | None:
    """The earlier event of the same type that a sentence opening a new paragraph refers
    back to ("The strikes in Rafah hit two houses"), so one event is not counted twice."""
    if not events or not refers_back(s.text):
        return None
    for ev in reversed(events):
        if ev.event_type != etype or ev.counts_only:
            continue
        if leaves and not same_places(ev, leaves):
            continue
        if (
            s_times
            and ev.time is not None
            and not ev.time.interval.overlaps(s_times[0].interval.start, s_times[0].interval.end)
        ):
            continue
        return ev
    return None


def same_places(ev: Event, leaves: Sequence[Mention]) -> bool:
    """True if the new sentence's places are the event's places or nested in/around them."""
    mine = most_specific(ev.places)
    if not mine:
        return False
    return all(any(contains(a, b) or contains(b, a) for a in mine) for b in leaves)


#: Parties to the fighting: an unattributed casualty figure is never credited to them when
#: a body that counts casualties is named in the same paragraph.
_PARTIES = frozenset({"Israeli military", "Hamas", "Palestinian Islamic Jihad", "Hezbollah", "Houthis"})


def partition_counts(
    attributed: Sequence[tuple[CountMatch, ClaimantMatch | None]],
    owner: ClaimantMatch | None,
    reporter: ClaimantMatch | None = None,
) -> tuple[dict[str, CountEstimate], list[tuple[ClaimantMatch, dict[str, CountEstimate]]]]:
    """A sentence's counts split into the event claimant's own (or unattributed) ones and
    the casualty figures another claimant states, grouped per claimant: a toll belongs to whoever gives it."""
    own: dict[str, CountEstimate] = {}
    foreign: dict[str, tuple[ClaimantMatch, dict[str, CountEstimate]]] = {}
    if owner is not None and owner.name == OWN_CORRESPONDENT:
        # a line of the outlet's own correspondent is the outlet's report, as an unattributed one: the
        # toll a body gives after it counts on it, and that body does not take the report over
        owner = None
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


#: A sentence that opens on the other side's word ("In contrast, ...", "For its part, ...", "في المقابل،",
#: "من جهته،", "מנגד,"): its teller is not the teller of the event before it.
_OTHER_SIDE = re.compile(
    r"\s*(?:(?:in\s+contrast|by\s+contrast|on\s+the\s+other\s+hand|for\s+(?:its|their|his|her)\s+part)\b|"
    r"(?:و?في\s+المقابل|و?من\s+جهت(?:ه|ها|هم)|بالمقابل)|(?:מנגד|לעומת\s+זאת|מצדו|מצדה))",
    re.I,
)
#: A sentence about an event's dead or wounded, with or without a number ("the wounded were taken to",
#: "גבר נפצע באורח בינוני", "أصيب شاب").
_CASUALTY = re.compile(
    r"\b(?:killed|wounded|injured|hurt|dead|died|the\s+(?:wounded|injured|victims?|bodies))\b|"
    r"(?<![\u0590-\u05ff])(?:נהרג|נהרגה|נהרגו|נפצע|נפצעה|נפצעו|הפצועים|ההרוגים|פצוע|פצועים)(?![\u0590-\u05ff])|"
    r"(?:استشهد|استشهاد|قتل|قتلى|أصيب|إصابة|إصابات|جرحى|الشهداء|الجرحى)",
    re.I,
)
#: A sentence about an event's dead, wounded or attacker: it tells that event ("the assailant was
#: shot", "המחבל נוטרל", "נהרגו ארבעה", "استشهد شاب").
_ABOUT_IT = re.compile(
    r"\b(?:killed|wounded|injured|dead|died|the\s+(?:attacker|assailant|gunman|shooter|victims?|bodies))\b|"
    r"(?<![\u0590-\u05ff])(?:נהרג|נהרגו|נפצע|נפצעו|המחבל|המפגע|ההרוגים|הפצועים|נוטרל)(?![\u0590-\u05ff])|"
    r"(?:استشهد|استشهاد|قتل|قتلى|أصيب|إصابة|جرحى|الشهداء|المنفذ)",
    re.I,
)


def take(
    events: list[Event],
    ev: Event,
    s: Sentence,
    places: list[Mention],
    claimant: ClaimantMatch | None,
    attributed: Sequence[tuple[CountMatch, ClaimantMatch | None]],
    s_times: list[TimeExpression],
    blocks: list[str],
    etype: str | None,
    reporter: ClaimantMatch | None = None,
) -> None:
    """Add a sentence to the event it continues; figures another claimant states become
    that claimant's own claim on the event instead of being credited to the event's."""
    owner = ev.claimant or claimant
    own, foreign = partition_counts(attributed, owner, reporter)
    others_account = (
        foreign
        and not own
        and not blocks
        and claimant is not None
        and owner is not None
        and claimant.name != owner.name
    )
    if (
        not others_account
        and not foreign
        and not own
        and not blocks
        and claimant is not None
        and ev.claimant is not None
        and claimant.name != ev.claimant.name
        and claimant.name in REPORTING_BODIES
        # the outlet's correspondent told the event; a body's toll after it adds to that report
        and ev.claimant.name != OWN_CORRESPONDENT
        and not ev.counts_only
        and _CASUALTY.search(s.text) is not None
    ):
        # "Magen David Adom said the wounded were taken to ...": a counting body's own word on the
        # event's casualties is its claim on the event, where the event was (not the hospital)
        told = count_event(ev, s, [], claimant, {}, s_times, etype)
        told.notes = [f"casualties told by {claimant.name}, not by the claimant of the event they are about"]
        events.append(told)
        return
    if not others_account:
        # a later teller tells the event when the sentence gives its toll, tells it again, or speaks of
        # its victims or attacker; not when it adds another fact ("40,000 displaced, according to UNRWA")
        tells_it = (
            bool(own) or etype is not None or refers_back(s.text) or bool(_ABOUT_IT.search(s.text))
        ) and not _OTHER_SIDE.match(s.text)
        _absorb(ev, s, places, claimant if tells_it or ev.claimant is not None else None, own, s_times, blocks)
    for who, figures in foreign:
        events.append(count_event(ev, s, places, who, figures, s_times, etype))


def count_event(
    ev: Event,
    s: Sentence,
    places: list[Mention],
    who: ClaimantMatch,
    figures: dict[str, CountEstimate],
    s_times: list[TimeExpression],
    etype: str | None,
) -> Event:
    """Another claimant's figures on an event: a claim of its own, at the sentence's place
    and time when it names them, else the event's."""
    across = bool(ACROSS.search(s.text))
    return Event(
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
        account_of=ev,
    )


#: Where the dead and wounded were taken: a hospital named after the event, not its place.
_TAKEN_TO = re.compile(
    r"\b(?:taken|transferred|brought|rushed|evacuated|admitted|airlifted|moved)\s+(?:\w+\s+){0,3}?to\b|\btreated at\b|"
    r"(?:نقل|نقلت|نقلوا|ونقل|تم نقل|حُوّل|وصل(?:ت)? إلى)|(?:פונה|פונו|פונתה|הועבר|הועברו|הובא|הובאו)",
    re.I,
)


def _absorb(
    ev: Event,
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
        and all(
            any(contains(a, b) and not contains(b, a) for a in most_specific(ev.places)) for b in most_specific(places)
        )
        and (refers_back(s.text) or (len(ev.sentences) == 2 and not ev.counts_only))
        and not _TAKEN_TO.search(s.text)
    ):
        # a finer place for the same event: "the strike hit a house in Zeitoun", or a headline's
        # "strike on Gaza City home" told next as "a strike hit a home in Sheikh Radwan"
        ev.places.extend(places)
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
        ev.block_text = ", ".join(filter(None, [ev.block_text, sentence_block_text(s.text)]))
    if ACROSS.search(s.text) and not most_specific(ev.places):
        ev.across = True  # a later toll "across the Strip" does not widen an event already placed


_BLOCK_HINT = re.compile(r"\d|[٠-٩]")
_BLOCK_WORD = re.compile(r"block|area|بلوك|مربع|בלוק", re.I)


def sentence_block_ids(sentence: str) -> list[str]:
    if not (_BLOCK_HINT.search(sentence) and _BLOCK_WORD.search(sentence)):
        return []  # most sentences name no block: skip the full block-list grammar
    from geo.blocks import parse_block_ids

    return parse_block_ids(sentence)


_BLOCK_TEXT = re.compile(
    r"\b(?:blocks?|areas?\s+numbered|numbered\s+(?:blocks?|areas?))\b(?:[\s,#:&/\-–]|\d|\.\d|\band\b|\bto\b|\bor\b)*\d",
    re.I,
)


def sentence_block_text(sentence: str) -> str | None:
    m = _BLOCK_TEXT.search(sentence)
    return m.group(0).strip()[:200] if m else None


def main_claimant(found: Sequence[ClaimantMatch]) -> ClaimantMatch | None:
    """The claimant named most often in a text (the first one on a tie)."""
    if not found:
        return None
    counts = Counter(c.name for c in found)
    top = max(counts.values())
    return next(c for c in found if counts[c.name] == top)


def report_focus(
    text: str, sentences: Sequence[Sentence], mentions: Sequence[Mention], claimants: Sequence[ClaimantMatch | None]
) -> Mention | None:
    """The place a report is about, when it names only one (ignoring organisation and
    claimant places): the fallback place of an event told without one. ``None`` when the
    report names several places: then such an event stays unresolved rather than guessed."""
    found: list[Mention] = []
    for i, (s, inside) in enumerate(zip(sentences, starting_in(mentions, sentences), strict=True)):
        places, _ = event_places(text, s, inside, "other", claimants[i])
        found.extend(m for m in places if m.geometry is not None)
    leaves = most_specific(found)
    return leaves[0] if len(leaves) == 1 else None


#: Kinds of place that a list names side by side even when one lies within reach of the other
#: ("Deir al-Balah and Maghazi camp", "Jenin and Jenin camp"): towns, camps, quarters, sites.
_SIBLING_KINDS = frozenset({"city", "camp", "neighbourhood", "hospital", "facility", "crossing", "corridor", "area"})
_AND_GAP = re.compile(
    r"(?:,\s*)?(?:and|&|as well as)(?:\s+(?:in|at|on|near))?(?:\s+the)?|[،,]?\s*(?:و|ו)(?:في\s+|ב|ל)?", re.I
)
_COMMA_GAP = re.compile(r"[,،](?:\s*(?:in|at))?(?:\s+the)?")


def coordinated(ev: Event, leaves: list[Mention]) -> list[Mention]:
    """The event's separate places with the places a list coordinates restored: "strikes on
    Deir al-Balah and Maghazi camp" names two places even though the camp lies within the town's
    reach, so both are claims. A list joined by commas counts only when an "and" closes it
    ("Jenin, Tubas and Tammun"); "Zeitoun, Gaza City" stays one place inside another."""
    located = sorted(
        (p for p in ev.places if p.geometry is not None and p.kind in _SIBLING_KINDS), key=lambda m: m.start
    )
    if len(located) < 2:
        return leaves
    chain: list[Mention] = [located[0]]
    chains: list[tuple[list[Mention], bool]] = []
    has_and = False
    apposed: set[int] = set()  # "Zeitoun, Gaza City": the city only locates the quarter before it
    for prev, nxt in itertools.pairwise(located):
        gap = _gap(ev.sentences, prev, nxt)
        if gap is not None and _COMMA_GAP.fullmatch(gap) and contains(nxt, prev):
            apposed.add(id(nxt))
        if gap is not None and _AND_GAP.fullmatch(gap):
            chain.append(nxt)
            has_and = True
        elif gap is not None and _COMMA_GAP.fullmatch(gap) and not contains(nxt, prev):  # not "Zeitoun, Gaza City"
            chain.append(nxt)
        else:
            chains.append((chain, has_and))
            chain, has_and = [nxt], False
    chains.append((chain, has_and))
    extra = [m for c, joined in chains if joined and len(c) > 1 for m in c if id(m) not in apposed]
    if not extra:
        return leaves
    keys = {m.gazetteer_id or m.place_text.lower() for m in leaves}
    out = list(leaves)
    for m in extra:
        key = m.gazetteer_id or m.place_text.lower()
        if key not in keys:
            keys.add(key)
            out.append(m)
    out.sort(key=lambda m: m.start)
    return out


def _gap(sentences: Sequence[Sentence], a: Mention, b: Mention) -> str | None:
    """The words between two mentions of one sentence, or ``None`` if no sentence holds both."""
    for s in sentences:
        if s.start <= a.start and b.end <= s.end and a.end <= b.start:
            return s.text[a.end - s.start : b.start - s.start].strip()
    return None


#: A place named back by its kind ("stormed the camp", "in the village", "اقتحمت المخيم",
#: "בכפר"), with the kinds of gazetteer place it can name.
_PLACE_BACK: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (
        re.compile(
            r"\bthe (?:refugee )?camp\b|(?<![\u0620-\u064a])(?:[وفب]|ل)?المخيم(?![\u0620-\u064a])|"
            r"(?<![\u05d0-\u05ea])(?:ו?ה|ו?[בל])מחנה(?=\s*[,.;:]|\s*$)",
            re.I,
        ),
        frozenset({"camp"}),
    ),
    (
        re.compile(
            r"\bthe (?:village|town|city|hamlet)\b|"
            r"(?<![\u0620-\u064a])(?:[وفب]|ل)?(?:القرية|البلدة|المدينة)(?![\u0620-\u064a])|"
            r"(?<![\u05d0-\u05ea])(?:ו?ה|ו?[בל])(?:כפר|עיר|עיירה)(?=\s*[,.;:]|\s*$)",
            re.I,
        ),
        frozenset({"city"}),
    ),
    (
        re.compile(
            r"\bthe (?:neighbourhood|neighborhood|quarter)\b|"
            r"(?<![\u0620-\u064a])(?:[وفب]|ل)?الحي(?![\u0620-\u064a])",
            re.I,
        ),
        frozenset({"neighbourhood"}),
    ),
    (
        re.compile(r"\bthe hospital\b|(?<![\u0620-\u064a])(?:[وفب]|ل)?المستشفى(?![\u0620-\u064a])", re.I),
        frozenset({"hospital"}),
    ),
]


def place_named_back(sentence: str, events: Sequence[Event]) -> tuple[list[Mention], str] | None:
    """The place of an earlier event that a sentence naming no place points back at by its kind
    ("troops stormed the camp after the strike" -> the camp the strike hit), with the words that
    point; ``None`` when the sentence names no such kind or no earlier event has such a place."""
    for pattern, kinds in _PLACE_BACK:
        m = pattern.search(sentence)
        if m is None:
            continue
        for ev in reversed(events):
            leaves = [p for p in most_specific(ev.places) if p.kind in kinds]
            if len(leaves) == 1:
                return leaves, m.group(0)
        return None
    return None


def split_by_place(ev: Event) -> list[Event]:
    """An event told at several separate places ("operations in Shejaia, Tal al-Hawa and
    Sabra", "rockets at Kiryat Shmona and Metula") as one event per place, so each place
    is a claim of its own instead of one region over all of them. Nested places stay one
    event (the innermost is its place); block lists and "across the Strip" stay whole.
    Figures stated for all the places together are kept on each, and ``notes`` says so."""
    if ev.block_ids or ev.across:
        return [ev]
    leaves = coordinated(ev, most_specific(ev.places))
    if len(leaves) < 2:
        return [ev]
    names = ", ".join(m.place_text for m in leaves)
    out: list[Event] = []
    for leaf in leaves:
        notes = [*ev.notes, f"one of {len(leaves)} places named for this event ({names}): a claim for each"]
        if ev.counts:
            notes.append("figures are for all these places together")
        places = [leaf, *(p for p in ev.places if p is not leaf and p.geometry is None)]
        out.append(replace(ev, places=places, notes=notes, counts=dict(ev.counts)))
    return out
