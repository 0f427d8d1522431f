"""Report text -> located, dated, attributed claims: :func:`parse`, sitmap's geoparser entry point.

:func:`parse` runs the gazetteer resolver (:func:`geo.resolve.mentions`) over the whole
text, then :func:`claims_from_mentions` groups sentences into events and builds one
:class:`~geo.model.Claim` per event:

* an event is a sentence with an event cue (:func:`geo.event_type`); the
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from geo.accounts import DENIAL, NONCOMMITTAL, account_event, is_account, is_counter, mark_conflicting_figures
from geo.assembly import build_claim
from geo.budget import check_budget
from geo.claimants import (
    REPORTING_BODIES,
    ClaimantMatch,
    canonical_claimant,
    elided_speech,
    find_claimant,
    find_issuer,
    generic_named_before,
    is_generic,
    is_own_reporter,
    name_span,
    resolve_generic,
)
from geo.clauses import split_clauses
from geo.counts import attributed_counts
from geo.cues import event_cues, event_type, refers_back
from geo.errors import InvalidInput
from geo.events import (
    ACROSS,
    SEPARATE,
    Event,
    count_event,
    event_times,
    main_claimant,
    nearest_time,
    paragraph_times,
    partition_counts,
    place_named_back,
    report_focus,
    same_places,
    sentence_block_ids,
    sentence_block_text,
    split_by_place,
    take,
    told_before,
)
from geo.features import claim_to_feature, mention_to_feature
from geo.metric import anchor_point, distance_m
from geo.model import Claim, CountEstimate, Mention, TimeInterval
from geo.places import contains, event_places, most_specific
from geo.prefilter import hinted
from geo.sentences import Sentence, enclosing, split_sentences, starting_in
from geo.timeparse import TimeExpression, parse_published, publication_window, relative_day

__all__ = [
    "MAX_TEXT_BYTES",
    "anchor_point",
    "check_text",
    "claim_to_feature",
    "claims_from_mentions",
    "mention_to_feature",
    "parse",
    "split_clauses",
]

MAX_TEXT_BYTES = 2 * 1024 * 1024

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

    found = find_mentions(clean)  # place resolution does not depend on the date
    return claims_from_mentions(clean, found, published=pub, source=source, url=url)


def _outside_name(found: list[Mention], s: Sentence, teller: ClaimantMatch | None) -> list[Mention]:
    """The mentions of a sentence less those read inside its teller's own name ("עדי ראייה",
    witnesses: "עדי" is not the village of 'Adi)."""
    if teller is None or teller.start < 0 or not found:
        return found
    lo, hi = s.start + teller.start, s.start + teller.end
    if not any(m.start < hi and lo < m.end for m in found):
        return found
    span = name_span(teller)
    if span is None:
        return found
    a, b = s.start + span[0], s.start + span[1]
    return [m for m in found if not (a <= m.start and m.end <= b)]


_ITEM_START = re.compile(
    r"[-•*–—]\s+\S|\d{1,2}[:.]\d{2}\s*(?:GMT|UTC|local time|IDT|EET|EEST)?\s*[-–—:]\s|"
    r"\d{1,2}(?:/|\.|\))(?:\s|$)"  # a numbered line of a thread or a list: "3/ Tulkarm: ...", "2. قصف ..."
)
#: What a line may hold before the sentence that opens its item: only the item's number ("2." split off).
_ITEM_NUMBER = re.compile(r"\s*\d{1,2}(?:/|\.|\))\s*")


def _starts_item(text: str, s: Sentence) -> bool:
    """True if a sentence opens a line of a list (a bullet, a numbered line or a time-stamped
    live-blog entry)."""
    line_start = text.rfind("\n", 0, s.start) + 1
    head = text[line_start : s.start]
    if head.strip():
        return _ITEM_NUMBER.fullmatch(head) is not None
    return bool(_ITEM_START.match(text, s.start))


#: What may come before a line's label: a bullet or an item's number ("3/ Tulkarm: ...", "- Jenin: ...").
_LABEL_HEAD = re.compile(r"\s*(?:[-•*–—]\s*|\d{1,2}(?:/|\.|\))\s*)?")


#: How far from the place a line is filed under its own place may lie (the label names its area).
_LABEL_REACH_M = 15_000.0


def _without_label(text: str, s: Sentence, places: list[Mention]) -> list[Mention]:
    """The places of a thread's line less the place it is filed under ("2/ Tubas: forces pulled out
    of Far'a camp", "Jenin: bulldozers ..."): the label names the area; the line's own place, when
    it names one within the label's area, is where the event was."""
    if len(places) < 2:
        return places
    line_start = text.rfind("\n", 0, s.start) + 1
    for m in places:
        if (
            m.start >= line_start
            and _LABEL_HEAD.fullmatch(text, line_start, m.start)
            and text.startswith(":", m.end)
            and m.geometry is not None
            and any(
                o.geometry is not None
                and o.start > m.end
                and distance_m(anchor_point(o.geometry), anchor_point(m.geometry)) <= _LABEL_REACH_M
                for o in places
            )
        ):
            return [o for o in places if o is not m]
    return places


_HEADLINE_PREFIX = re.compile(
    r"[ \t]*(?:(?:[-•*–—][ \t]+)?\d{1,2}[:.]\d{2}\s*(?:GMT|UTC|local time|IDT|EET|EEST)?\s*[-–—:|][ \t]*)?"
)
_HEADLINE_MAX = 140


def is_headline(
    text: str,
    sentences: Sequence[Sentence],
    etypes: Sequence[str | None],
    i: int,
    places: Mapping[int, Sequence[Mention]] | None = None,
) -> bool:
    """True if sentence ``i`` is the headline of a live-blog entry or a short report: a line of its
    own (after a time stamp, if any) with no closing stop, whose body follows on the next line in the
    same paragraph and tells an event. The body restates the headline's event with its teller and
    its exact place ("Israeli forces kill two in Tulkarm camp raid" over "... during a raid on the
    Nur Shams refugee camp, east of Tulkarm, the ministry says"), so the headline is no claim of its own.
    A headline set a blank line above its body ("Sirens sound in Jerusalem after missile launched from
    Yemen" over "Air raid sirens blared in Jerusalem, Beit Shemesh ..., the IDF says") is one too when
    it is a paragraph of its own and the next paragraph names one of its places (``places``: the
    mentions of each sentence)."""
    s = sentences[i]
    if len(s.text) > _HEADLINE_MAX or s.text.rstrip()[-1:] in ".!?؟:;،,":
        return False
    line_start = text.rfind("\n", 0, s.start) + 1
    prefix = _HEADLINE_PREFIX.match(text, line_start)
    if prefix is None or (prefix.end() != s.start and line_start != s.start):
        return False
    gap = text[s.end : s.end + 4]
    if re.match(r"[ \t]*\n[ \t]*\n", gap) and places:
        return _headline_over_paragraph(sentences, etypes, i, places)
    if not gap.lstrip(" \t").startswith("\n") or re.match(r"[ \t]*\n[ \t]*\n", gap):
        return False  # the body is on the next line, not a paragraph away
    for j in range(i + 1, len(sentences)):
        nxt = sentences[j]
        if nxt.paragraph != s.paragraph or _starts_item(text, nxt):
            return False
        if etypes[j] is not None:
            return True
    return False


#: An editor's note on the report itself, on a line of its own: "(Corrects location of ... in
#: paragraph 1 ...)", "(Updates with army statement)", "This story has been corrected to show ...".
_EDITORS_NOTE = re.compile(
    r"[ \t]*(?:\((?:Corrects|Correcting|Updates|Updating|Adds|Recasts|Changes|Fixes|Refiles|Removes|Replaces|"
    r"Rewrites|Clarifies|Writes through)\b|This (?:story|article|report|version) (?:has|had) (?:also )?been "
    r"(?:corrected|updated|amended))",
    re.I,
)


def _headline_over_paragraph(
    sentences: Sequence[Sentence], etypes: Sequence[str | None], i: int, places: Mapping[int, Sequence[Mention]]
) -> bool:
    """A one-line paragraph whose next paragraph opens on an event at one of its places: its body."""
    s = sentences[i]
    if any(x.paragraph == s.paragraph for k, x in enumerate(sentences) if k != i):
        return False  # a paragraph of several sentences is no headline
    own = {m.gazetteer_id for m in places[i] if m.gazetteer_id}
    if not own:
        return False
    body = s.paragraph + 1
    named: set[str | None] = set()  # the places the body names up to its first event
    inside = False  # or a place inside one of the headline's ("central Gaza" over "Bureij camp")
    note = -1
    for j in range(i + 1, len(sentences)):
        nxt = sentences[j]
        if nxt.paragraph == note:
            continue
        if nxt.paragraph == body and _EDITORS_NOTE.match(nxt.text):
            note, body = body, body + 1  # "(Corrects ...)" under the headline: the body is the paragraph after it
            continue
        if nxt.paragraph != body:
            return False
        named |= {m.gazetteer_id for m in places[j]}
        inside = inside or any(contains(h, m) for h in places[i] for m in places[j] if h.geometry and m.geometry)
        if etypes[j] is not None:
            return bool(named & own) or inside
    return False


#: Event types that kill or wound no one by themselves: a death toll after them belongs to the
#: violent event told with them.
_HARMLESS = frozenset({"evacuation_order", "humanitarian_zone", "negotiation"})
#: Orders to leave and zones to go to: issued by the army when the text names no other issuer.
_ORDERS = frozenset({"evacuation_order", "humanitarian_zone"})
#: Who issues an order that names no issuer (Gaza, the West Bank and southern Lebanon alike).
ORDER_ISSUER = "Israeli military"

#: A sentence that goes on with the account before it ("Tanks also shelled ...", "On the same
#: day ...", "Later, ..."; "גם", "באותו יום"; "كما", "أيضا", "في اليوم نفسه"): the teller named
#: earlier in its paragraph tells it too. Any other sentence that names no teller is a new event
#: told by the report itself (the gold convention: unattributed events are the source's).
_CONTINUES = re.compile(
    r"\b(?:also|too|as well|(?:on|during|at|later)\s+(?:the\s+)?same\s+(?:day|night|time|morning|evening)|"
    r"later|afterwards|subsequently|again|then|further\s+(?:strikes?|shelling|raids?|fire))\b|"
    r"(?<![\u0590-\u05ff])(?:גם|באותו (?:יום|לילה|בוקר|ערב)|לאחר מכן|בהמשך|שוב)(?![\u0590-\u05ff])|"
    r"(?<![\u0620-\u064a])(?:و?كما|أيضا|أيضًا|كذلك|في (?:اليوم|الليلة|الوقت) (?:نفسه|ذاته|نفسها|ذاتها)|لاحقا|لاحقًا)"
    r"(?![\u0620-\u064a])",
    re.I,
)


def _per_teller(ev: Event) -> list[Event]:
    """An event told jointly ("Palestinian residents and the Red Crescent said") as one claim per
    teller, each with the same place, time and quote, and notes that say so."""
    c = ev.claimant
    if c is None or len(c.joint) < 2:
        return [ev]
    note = f"told jointly by {' and '.join(c.joint)} ({c.text!r}): one claim per teller"
    return [
        replace(ev, claimant=ClaimantMatch(name, c.text, c.start, c.end), notes=[*ev.notes, note]) for name in c.joint
    ]


def _tells_nothing(sentence: str) -> bool:
    """True if a sentence's event words only name what its teller would not speak about ("It did
    not comment on the Deir al-Balah strike", "The army declined to comment on the raid")."""
    m = NONCOMMITTAL.search(sentence)
    return m is not None and all(c.start > m.start() for c in event_cues(sentence))


def answered_event(
    current: Event | None,
    events: Sequence[Event],
    etype: str | None,
    s: Sentence,
    claimant: ClaimantMatch | None,
    places: list[Mention],
    s_times: list[TimeExpression],
    *,
    has_counts: bool,
    window: TimeInterval | None = None,
) -> Event | None:
    """The event a sentence gives another teller's account of: the event just told
    (:func:`geo.accounts.is_account`), else, when the sentence contradicts an account (a denial,
    another target: "The army said it had struck a command centre in the compound"), an earlier
    event of the report it answers, even in an earlier paragraph: one at the place the sentence
    names, else the last one of its type ("the area", "the site": the place only by reference)."""
    leaves = most_specific(places)
    if current is not None and is_account(
        current,
        etype,
        s,
        claimant,
        leaves,
        s_times,
        has_counts=has_counts,
        same_place=same_places(current, leaves),
        window=window,
    ):
        return current
    if claimant is None or not is_counter(s.text):
        return None
    denial = DENIAL.search(s.text) is not None
    best: tuple[float, Event] | None = None
    for ev in reversed(events):
        if ev is current or ev.account_of is not None or ev.counts_only:
            continue
        if etype not in (None, "other") and ev.event_type != etype and not denial:
            continue  # a denial ("not aware of any clashes in Rafah") answers whatever was told there
        same = same_places(ev, leaves)
        if leaves and not same:
            continue
        if not leaves:  # named by reference only: the last event of its kind, or none
            ok = is_account(
                ev, etype, s, claimant, leaves, s_times, has_counts=has_counts, same_place=same, window=window
            )
            return ev if ok else None
        if is_account(ev, etype, s, claimant, leaves, s_times, has_counts=has_counts, same_place=same, window=window):
            # of the events around the place the sentence names, the one told nearest to it
            mine = most_specific(ev.places)
            gap = (
                min(
                    distance_m(anchor_point(a.geometry), anchor_point(b.geometry))
                    for a in mine
                    for b in leaves
                    if a.geometry is not None and b.geometry is not None
                )
                if mine
                else float("inf")
            )
            if best is None or gap < best[0]:
                best = (gap, ev)
    return best[1] if best is not None else None


#: Bodies that issue evacuation orders and warnings.
_ISSUERS = frozenset({"Israeli military", "Home Front Command", "COGAT"})


#: Kinds of place that name a region rather than where an event was ("northern Israel", "the West Bank").
_REGION_KINDS = frozenset({"area", "region", "admin1", "admin2", "country"})
_REGION_RADIUS_M = 15_000.0
#: A lede that tells one event ("A car-ramming attack in northern Israel wounded five"), not a tally.
_ONE_EVENT = re.compile(
    r"\b(?:an?|one)\s+(?:[\w'’-]+\s+){0,4}?(?:attack|strike|air\s*strike|drone\s+strike|shooting|stabbing|"
    r"ramming|raid|bombing|explosion|blast|ambush)\b",
    re.I,
)
_TALLY = re.compile(r"\b(?:attacks|strikes|raids|shootings|stabbings|bombings|explosions|incidents|operations)\b", re.I)


def _is_region(m: Mention) -> bool:
    return (m.kind or "") in _REGION_KINDS or (m.uncertainty is not None and m.uncertainty.radius_m >= _REGION_RADIUS_M)


def restated_lede(
    events: Sequence[Event], etype: str, leaves: Sequence[Mention], s_times: Sequence[TimeExpression]
) -> Event | None:
    """The event a later paragraph tells again at a finer place: a lede that placed one event only
    in a region ("A car-ramming attack at a bus stop in northern Israel on Monday wounded five") and
    a paragraph that names its town ("... drove into people at the Karkur junction near Pardes
    Hanna, then stabbed a woman"). Same type, overlapping time, every new place inside the lede's
    region; a lede that tallies several events ("strikes across southern Gaza killed 30") is not
    restated by one of them. Only events of the first two paragraphs are ledes."""
    if not leaves or not events:
        return None
    first = events[0].paragraph
    for ev in events:  # a lede opens the report: only its first two paragraphs' events, so the scan stays short
        if ev.paragraph > first + 1:
            break
        if ev.event_type != etype or ev.counts_only or ev.account_of is not None or ev.across or ev.block_ids:
            continue
        mine = most_specific(ev.places)
        if not mine or not all(_is_region(m) for m in mine):
            continue
        lede = ev.sentences[0].text
        if not _ONE_EVENT.search(lede) or _TALLY.search(lede):
            continue
        if (
            s_times
            and ev.time is not None
            and not ev.time.interval.overlaps(s_times[0].interval.start, s_times[0].interval.end)
        ):
            continue
        if all(any(contains(r, b) for r in mine) for b in leaves):
            return ev
    return None


def order_issuer_before(
    s: Sentence, before: Sequence[Sentence], tellers: Sequence[ClaimantMatch | None]
) -> ClaimantMatch | None:
    """The body that issues an order told with no issuer ("Leaflets told people in Abasan to
    move"): the army named last before it in its paragraph ("The military published a map ...").
    Only a body that issues orders; a ministry or a witness named before does not."""
    for prev, teller in zip(reversed(before), reversed(tellers), strict=True):
        if prev.paragraph != s.paragraph:
            break
        if teller is not None and teller.name in _ISSUERS:
            return ClaimantMatch(teller.name, teller.text, -1, -1)
    return None


def carried_teller(
    first: Sentence,
    sentences: Sequence[Sentence],
    claimants: Sequence[ClaimantMatch | None],
    sentence_of: Sequence[Sentence | None],
) -> ClaimantMatch | None:
    """The teller an event that names none inherits: the one named last before it in its
    paragraph, when its sentence goes on with that account (:data:`_CONTINUES`). Never a teller
    named after it (the next sentence's "X said" is X's, not this one's), and ``None`` for a
    new event with no continuation: the report's source tells it."""
    response = _ARMY_RESPONSE.search(first.text) is not None
    if not _CONTINUES.search(first.text) and not response:
        return None
    whole = next((w for s, w in zip(sentences, sentence_of, strict=True) if s == first), None)
    begin = whole.start if whole is not None else first.start
    teller: ClaimantMatch | None = None
    for s, c in zip(sentences, claimants, strict=True):
        if s.paragraph == first.paragraph and s.start < begin and c is not None:
            teller = c
    if response and not _CONTINUES.search(first.text) and (teller is None or teller.name != "Israeli military"):
        return None  # "In response, the air force struck ..." after MDA's words: not MDA's account
    return teller


#: The army's own answer to an attack told just before ("In response, the air force struck ...",
#: "בתגובה תקף חיל האוויר", "ورداً على ذلك قصف جيش الاحتلال"): the army's account when the army told
#: the attack, none of another teller's.
_ARMY_RESPONSE = re.compile(
    r"^(?:In\s+(?:response|retaliation)),?\s+(?:the\s+)?(?:Israeli\s+)?(?:air\s+force|army|military|IDF|troops|"
    r"jets|warplanes|fighter\s+jets|aircraft)\b|"
    r"^ו?בתגובה,?\s+(?:\S+\s+){0,1}(?:חיל האוויר|צה\"ל|צה״ל|מטוסי|כוחות|הצבא)|"
    r"^و?(?:ردا|ردًا|رداً)(?:\s+على\s+ذلك)?،?\s+(?:\S+\s+){0,1}(?:جيش الاحتلال|الجيش الإسرائيلي|طائرات|الطيران)",
    re.I,
)


_PAST_YEAR = hinted(
    re.compile(
        r"\b(?:in|during|back in)\s+((?:19|20)\d\d)\b|^((?:19|20)\d\d)\b|"
        r"(?:في|خلال) (?:عام )?((?:19|20)\d\d)|ב-?((?:19|20)\d\d)",
        re.I,
    )
)


def _told_as_history(sentence: str, year: int) -> bool:
    """True if a sentence is told in a year before the report's ("In 2014, ...", "في عام 2021"),
    so it is background to the report, not one of its events."""
    m = _PAST_YEAR.search(sentence)
    if m is None:
        return False
    told = int(next(g for g in m.groups() if g))
    return told < year


#: Words of a hit, a fall or a casualty: a detail sentence with them tells where something struck.
_IMPACT = re.compile(
    r"\b(?:hurt|wounded|injured|killed|damaged|landed|fell|shrapnel|impact)\b|"
    r"(?<![\u05d0-\u05ea])ו?(?:נפצע|נפצעו|נפצעה|נהרג|נהרגו|מרסיסים|רסיסים|נפל|נפלה|נפלו|פגע|פגעה|פגיעה|נזק)(?![\u05d0-\u05ea])|"
    r"(?<![\u0620-\u064a])(?:و|ف)?(?:أصيب|أصيبت|استشهد|سقط|سقطت|شظايا|أضرار)(?![\u0620-\u064a])",
    re.I,
)
_STRIKE_TYPES = frozenset({"rocket_launch", "airstrike", "shelling"})


def _impact_elsewhere(current: Event, s: Sentence, teller: ClaimantMatch | None, places: list[Mention]) -> bool:
    """True if a sentence telling no event of its own is another teller's impact at a place apart
    from the strike or launch just told (so a claim of the same kind there)."""
    if current.event_type not in _STRIKE_TYPES or teller is None or teller.start < 0:
        return False
    if current.claimant is not None and current.claimant.name == teller.name:
        return False
    leaves = most_specific(places)
    if not leaves or not most_specific(current.places) or same_places(current, leaves):
        return False
    return _IMPACT.search(s.text) is not None


#: A group's claim of an attack ("claimed responsibility", "נטלה אחריות", "تبنت ... العملية").
_RESPONSIBILITY = re.compile(
    r"\b(?:claim(?:ed|s)?|took|takes|assumed|assumes)\s+responsibility\b|"
    r"(?<![\u0590-\u05ff])(?:נטל|נטלה|נטלו|לקח|לקחה|לקחו)\s+(?:את\s+)?(?:ה)?אחריות|"
    r"(?<![\u0620-\u064a])[وف]?(?:تبنت|تبنى|أعلنت مسؤوليتها|أعلن مسؤوليته)(?![\u0620-\u064a])",
    re.I,
)
#: Attacks an armed group claims.
_CLAIMED_ATTACKS = frozenset({"rocket_launch", "shooting", "shelling", "other"})


def _responsibility_for(
    events: Sequence[Event], s: Sentence, teller: ClaimantMatch | None, places: list[Mention]
) -> Event | None:
    """The attack a named teller claims responsibility for in a sentence that names no place of its
    own: the last attack told (in its paragraph or the one before) by someone else."""
    if teller is None or teller.start < 0 or not events or _RESPONSIBILITY.search(s.text) is None:
        return None
    if most_specific(places):
        return None
    for ev in reversed(events):
        if ev.paragraph < s.paragraph - 1:
            return None
        if ev.event_type in _CLAIMED_ATTACKS and ev.account_of is None and most_specific(ev.places):
            if ev.claimant is not None and ev.claimant.name == teller.name:
                return None  # it is already its teller's
            return ev
    return None


def _speech_goes_on(
    sentences: Sequence[Sentence],
    claimants: Sequence[ClaimantMatch | None],
    sentence_of: Sequence[Sentence | None],
    i: int,
) -> ClaimantMatch | None:
    """The teller of the clause just before clause ``i`` in the same sentence when that clause opens
    with its teller and goes on with what was said ("the army said troops had returned fire"): the
    clause after it ("after gunmen shot at them") is more of those words."""
    if i == 0 or sentence_of[i - 1] is not sentence_of[i] or sentence_of[i] is None:
        return None
    prev, teller = sentences[i - 1], claimants[i - 1]
    if teller is None or teller.start < 0:
        return None
    said = prev.text[teller.end :]
    return teller if len(said.split()) >= 4 and _SPEECH_AFTER.match(said) else None


#: A speech verb right after its teller, and what was said after it ("... said troops had ...").
_SPEECH_AFTER = re.compile(
    r"\s+(?:has\s+|had\s+|have\s+)?(?:said|says|stated|claimed|claims|added|told\s+\S+(?:\s+\S+)?)\s+(?:that\s+)?\w|"
    r"\s+(?:إن|أن|بأن)|\s+(?:כי|ש)",
    re.I,
)


def _another_tellers_places(current: Event, teller: ClaimantMatch | None, leaves: list[Mention]) -> bool:
    """True if a sentence's own named teller is not the event's and it names places the event did not."""
    if teller is None or teller.start < 0 or current.claimant is None or teller.name == current.claimant.name:
        return False
    if teller.name in current.claimant.joint:
        return False
    if (
        leaves
        and teller.name in _WATCHERS
        and current.claimant.name not in _WATCHERS
        and current.claimant.name not in REPORTING_BODIES
    ):
        # "Hezbollah said it fired rockets at Haifa. Sirens sounded in Haifa, the Home Front Command said":
        # the body that watches where attacks fall tells its own claim, even at the same place
        return True
    named = {p.gazetteer_id for p in current.places if p.gazetteer_id}
    return bool(leaves) and all(p.gazetteer_id and p.gazetteer_id not in named for p in leaves)


#: Bodies that report where attacks fell and whom they hurt, not who attacked.
_WATCHERS = frozenset({"Home Front Command", "Israeli police", "Magen David Adom", "Israel Fire and Rescue Services"})


def _last_attack(events: Sequence[Event], places: list[Mention]) -> Event | None:
    """The attack a later count of the hurt belongs to: the last strike, shelling or launch told at
    the same place ("Hezbollah fired rockets at Ma'alot ... MDA said a man was hurt in Ma'alot"), else
    the last event told if it is one."""
    leaves = most_specific(places)
    for ev in reversed(events):
        if ev.event_type in _STRIKE_TYPES and ev.account_of is None and leaves and same_places(ev, leaves):
            return ev
    last = events[-1]
    return last if last.event_type in _STRIKE_TYPES else None


def _impact_told_by_counter(prior: Event, s: Sentence, teller: ClaimantMatch | None, places: list[Mention]) -> bool:
    """True if a sentence of a later paragraph that tells no event is a reporting body's count of the
    hurt or damaged at a named place ("MDA said a man was hurt by shrapnel in Shlomi"), after an attack
    told by another teller."""
    if teller is None or teller.start < 0 or teller.name not in REPORTING_BODIES:
        return False
    if prior.claimant is not None and prior.claimant.name == teller.name:
        return False
    return bool(most_specific(places)) and _IMPACT.search(s.text) is not None


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
    window = publication_window(pub)  # when an event told without a time is taken to have happened
    sentences = split_clauses(text)
    whole = split_sentences(text)
    sentence_starts = {s.start for s in whole}
    etypes = [event_type(s.text) for s in sentences]
    block_lists = [sentence_block_ids(s.text) for s in sentences]
    # only paragraphs that tell an event need times, claimants and counts: most news text tells none
    active = {s.paragraph for s, t, b in zip(sentences, etypes, block_lists, strict=True) if t or b}
    if not active:
        return []
    # a paragraph that tells no event of its own may still answer one told before ("Witnesses said
    # the young man posed no threat to anyone"): it is read too
    active |= {s.paragraph for s in sentences if s.paragraph not in active and is_counter(s.text)}
    # nor may one that counts the hurt of an attack told before ("MDA said a man was hurt by shrapnel in ...")
    # or claims it ("Islamic Jihad's armed wing claimed responsibility")
    active |= {
        s.paragraph
        for s in sentences
        if s.paragraph not in active
        and s.paragraph > min(active)
        and (_IMPACT.search(s.text) is not None or _RESPONSIBILITY.search(s.text) is not None)
    }
    times = paragraph_times(text, sentences, active, pub)
    by_sentence = dict(enumerate(starting_in(mentions, sentences)))
    times_by_sentence = starting_in(times, sentences)

    claimants: list[ClaimantMatch | None] = [
        find_claimant(s.text) if s.paragraph in active else None for s in sentences
    ]
    claimants = resolve_generic(claimants, [s.paragraph for s in sentences])
    for i, generic in enumerate(claimants):
        if generic is not None and generic.start >= 0 and is_generic(generic):
            para_start = next(
                (x.start for x in sentences[: i + 1] if x.paragraph == sentences[i].paragraph), sentences[i].start
            )
            named = generic_named_before(generic, text[para_start : sentences[i].start + generic.start])
            if named is None and sentences[i].paragraph > 0:
                # "Hamas says it fired rockets" (a headline) / "The terror group's armed wing claims ...": the
                # body the noun stands for may be named a paragraph before
                prev_start = next((x.start for x in sentences if x.paragraph == sentences[i].paragraph - 1), para_start)
                named = generic_named_before(generic, text[prev_start:para_start])
            if named is not None:
                claimants[i] = named
    whole_spans = {(w.start, w.end) for w in whole}
    sentence_of = enclosing(whole, sentences)
    for i, s in enumerate(sentences):
        is_whole = (s.start, s.end) in whole_spans
        if claimants[i] is None and s.paragraph in active and not is_whole:
            # a clause without its own teller is told by the sentence's ("..., after ..., X said")
            full = sentence_of[i]
            told = find_claimant(full.text) if full is not None else None
            speech = _speech_goes_on(sentences, claimants, sentence_of, i)
            if speech is not None:
                # "..., while the army said troops returned fire | after gunmen shot at them": the clause
                # goes on with the words the clause before opened with its teller, not the sentence's first
                claimants[i] = ClaimantMatch(speech.name, speech.text, -1, -1, speech.joint)
                continue
            if told is not None and full is not None and ";" in text[s.end : full.end] and told.start >= 0:
                semi = text.index(";", s.end, full.end)
                if full.start + told.start > semi:
                    told = None  # "X raided A and arrested 7; a man was shot, according to Y": Y tells its clause
            if told is not None and any(
                c is not None and c.name == told.name and sentence_of[j] is full and is_counter(sentences[j].text)
                for j, c in enumerate(claimants)
                if j > i
            ):
                told = None  # the teller of a contradicting clause does not tell the clause it contradicts
            if told is not None:
                # the same words read in a sibling clause may already name the teller ("the Ministry" ->
                # the Gaza health ministry named before): take that reading
                sibling = next(
                    (
                        c
                        for j, c in enumerate(claimants)
                        if c is not None and c.text == told.text and sentence_of[j] is full and j != i
                    ),
                    None,
                )
                name = sibling.name if sibling is not None else told.name
                claimants[i] = ClaimantMatch(name, told.text, -1, -1)
    main = main_claimant([c for c in claimants if c is not None])
    #: per paragraph, the first body that counts and reports (health ministry, medics ...)
    by_paragraph: dict[int, list[ClaimantMatch]] = {}  # one pass, not one scan of the text per paragraph
    for s, teller in zip(sentences, claimants, strict=True):
        tellers = by_paragraph.setdefault(s.paragraph, [])
        if teller is not None:
            tellers.append(teller)
    para_reporter = {p: next((c for c in cs if c.name in REPORTING_BODIES), None) for p, cs in by_paragraph.items()}
    para_main = {p: main_claimant(cs) for p, cs in by_paragraph.items()}

    # an order's issuer when the text names none: the source if it issues orders itself (COGAT's own update)
    source_name = canonical_claimant(source) if source else None
    order_issuer = source_name if source_name in _ISSUERS else ORDER_ISSUER
    events: list[Event] = []
    current: Event | None = None
    current_para = -1  # the paragraph the current event is being told in
    context_time: TimeExpression | None = None
    context_places: list[Mention] = []
    context_para = -1
    clause_claimant: ClaimantMatch | None = None  # the claimant of the clause just read
    for i, s in enumerate(sentences):
        check_budget()  # a request's time budget (geo.budget), when one is set
        if current is not None and current_para != s.paragraph:
            current = None
        if s.paragraph not in active:
            current, context_time, context_places = None, None, []
            continue
        if _starts_item(text, s):
            # a live-blog bullet or time-stamped entry: an item of its own, like a paragraph
            current, context_time, context_places = None, None, []
        if context_places and context_para != s.paragraph:
            context_places = []
        if context_time is not None and context_para != s.paragraph:
            context_time = None
        context_para = s.paragraph
        s_times = event_times(text, times_by_sentence[i])
        # "hours later", "the day before": against the time just told, else the last event's
        last_time = context_time or next((ev.time for ev in reversed(events) if ev.time is not None), None)
        s_times = relative_day(s, s_times, last_time, pub)
        etype = etypes[i]
        if etype is not None and _EDITORS_NOTE.match(text, text.rfind("\n", 0, s.start) + 1):
            continue  # "(Corrects location of Sunday's strike to Bureij camp, not Maghazi)": about the report
        if pub is not None and _told_as_history(s.text, pub.year) and not s_times:
            continue  # "In 2014, a 50-day war killed more than 2,000": background, no event and no detail
        if etype is not None and is_headline(text, sentences, etypes, i, by_sentence):
            continue  # a live-blog entry's headline: its body tells the event, with its teller and place
        blocks = block_lists[i]
        if blocks and etype in (None, "humanitarian_zone", "other", "airstrike", "ground_operation"):
            if etype is None and current is not None and current.event_type == "evacuation_order":
                etype = None  # a block list continuing the order before it
            elif re.search(r"\b(?:evacuat|leave|move|displace|ordered|warning)", s.text, re.I):
                etype = "evacuation_order"
        claimant = claimants[i]
        if claimant is None and etype == "evacuation_order":
            claimant = find_issuer(s.text)  # "the IDF told residents to leave": no "said"
            whole_s = sentence_of[i]
            if claimant is None and whole_s is not None and whole_s.text != s.text:
                claimant = find_issuer(whole_s.text) or find_claimant(whole_s.text)  # "..., after the army ordered"
            if claimant is None:
                claimant = order_issuer_before(s, sentences[:i], claimants[:i])
        army_order = claimant is None and etype in _ORDERS
        if army_order:
            # "new evacuation orders were issued for Beit Hanoun", "the authorities ordered residents out":
            # an order names no teller because its issuer is plain; the NGO or outlet that relays it is not
            # the one who ordered it (a sentence that names its teller, "..., OCHA said", keeps it)
            claimant = ClaimantMatch(order_issuer, order_issuer, -1, -1)
        if claimant is None and s.start not in sentence_starts and elided_speech(s.text):
            claimant = clause_claimant  # "X told residents to leave, and then said it had ...": X's words
        clause_claimant = claimant
        outside = _outside_name(by_sentence[i], s, claimant)
        places, speaker = event_places(text, s, outside, etype or "other", claimant, destinations=False)
        places = _without_label(text, s, places)
        if not places and etype and not context_places:
            # a destination ("taken to a hospital in Ramallah") is the last resort, after the place
            # the sentence before told
            places, speaker = event_places(text, s, outside, etype, claimant)
        if speaker and not places and claimant is not None and is_own_reporter(claimant.text):
            places = speaker  # "our correspondent in Deir el-Balah says a drone struck a car": it is there
        responsibility = _responsibility_for(events, s, claimants[i], places)
        if responsibility is not None:
            # "Hamas's armed wing claimed responsibility": the group's own claim of the attack told before
            etype, places = responsibility.event_type, list(most_specific(responsibility.places))
        attributed = attributed_counts(s.text) if (etype or current is not None) else []
        own_teller = claimants[i]
        if own_teller is not None and attributed:
            # a figure's teller in the clause's own words is the clause's teller as resolved ("the Ministry")
            attributed = [(c, own_teller if w is not None and w.text == own_teller.text else w) for c, w in attributed]
        reporter = para_reporter.get(s.paragraph)
        counts: dict[str, CountEstimate] = {}
        for c, _who in attributed:
            counts.setdefault(c.kind, c.estimate)

        if (
            etype == "other"
            and current is not None
            and not SEPARATE.match(s.text)
            and not any(c.event_type == "other" for c in event_cues(s.text))  # "stabbed" is an event of its own
        ):
            other_leaves = most_specific(places)
            if not other_leaves or same_places(current, other_leaves):
                etype = None  # a casualty line ("30 people were killed") adds to the event just told
        if etype is not None and _tells_nothing(s.text):
            etype = None  # "It did not comment on the Deir al-Balah strike": no event told
        answered = (
            answered_event(
                current, events, etype, s, claimant, places, s_times, has_counts=bool(attributed), window=window
            )
            if claimants[i] is not None  # a teller named in this very sentence
            else None
        )
        if answered is not None:
            assert claimant is not None
            own, foreign = partition_counts(attributed, claimant, reporter)
            whole_s = sentence_of[i]
            same_sentence = whole_s is not None and any(
                whole_s.start <= x.start < whole_s.end for x in answered.sentences
            )
            events.append(
                account_event(answered, s, places, claimant, own, s_times, speaker, same_sentence=same_sentence)
            )
            if places:  # "... struck depots in Tyre after warning residents to leave": the next clause's place
                context_places = places
            continue
        if etype is None and current is not None and _impact_elsewhere(current, s, claimants[i], places):
            # "Rockets were fired at Haifa. A man was hurt by shrapnel in Kiryat Bialik, MDA said": another
            # teller's impact at another place is a claim of the same kind there, not a detail of the first
            etype = current.event_type
        elif etype is None and current is None and events:
            # "Magen David Adom said a man was lightly hurt by shrapnel in Ma'alot", a paragraph after the
            # launch: a body that counts the hurt tells its own claim of the attack there
            prior = _last_attack(events, places)
            if prior is not None and _impact_told_by_counter(prior, s, claimants[i], places):
                etype = prior.event_type
        if etype is None:
            if current is not None:  # details of the event just told
                target = current
                if current.event_type in _HARMLESS and any(c.kind in ("fatalities", "injured") for c, _ in attributed):
                    # "strikes hit Dahiyeh, after the army told residents to leave. Nine were killed, the
                    # ministry said": the dead are the strikes', not the order's
                    target = next(
                        (
                            ev
                            for ev in reversed(events)
                            if ev.paragraph == s.paragraph
                            and ev.event_type not in _HARMLESS
                            and ev.account_of is None
                            and not ev.counts_only
                        ),
                        current,
                    )
                take(events, target, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            elif places:
                context_places = places
            if s_times:
                context_time = s_times[0]
            continue

        leaves = most_specific(places)
        same = (
            current is not None
            and (current.event_type == etype or refers_back(s.text))
            and (not leaves or refers_back(s.text) or same_places(current, leaves))
            and not (s_times and current.time and s_times[0].interval != current.time.interval)
            and not (blocks and current.block_ids)
            # a clause in another claimant's words ("..., as Qatar said ...") is that claimant's claim
            and not (
                s.start not in sentence_starts
                and claimant is not None
                and current.claimant is not None
                and claimant.name != current.claimant.name
            )
            # a sentence of its own told by another named teller at places the event did not name ("Rockets
            # were fired at the Golan, the IDF said. Rockets fell near Katzrin, fire services said"): its own claim
            and not _another_tellers_places(current, claimants[i], leaves)
            and responsibility is None
        )
        if same and current is not None:
            take(events, current, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            continue
        earlier = told_before(events, etype, s, leaves, s_times) if current is None and responsibility is None else None
        lede = (
            restated_lede(events, etype, leaves, s_times)
            if earlier is None and current is None and responsibility is None
            else None
        )
        if lede is not None and (
            claimant is None
            or lede.claimant is None
            or claimant.name == lede.claimant.name
            or claimant.name in lede.claimant.joint
        ):
            # the same teller tells it again: one claim, at the finer place (another teller's words on it
            # stay that teller's own claim, and the lede keeps its own)
            lede.places.extend(p for p in leaves if not any(p is q for q in lede.places))
            lede.notes.append(
                "placed where a later paragraph tells it again: " + ", ".join(p.place_text for p in leaves)
            )
            earlier = lede
        if earlier is not None:  # a later paragraph going back over an event already told ("The strike on ...")
            take(events, earlier, s, places, claimant, attributed, s_times, blocks, etype, reporter)
            current, current_para = earlier, s.paragraph
            continue
        cue = max((c.weight for c in event_cues(s.text) if c.event_type == etype), default=0.5)
        own, foreign = partition_counts(attributed, claimant, reporter)
        current_para = s.paragraph
        current = Event(
            event_type=etype,
            sentences=[s],
            paragraph=s.paragraph,
            places=list(places),
            claimant_location=list(speaker),
            claimant=claimant,
            counts=own,
            time=nearest_time(s, s_times, etype),
            block_ids=list(blocks),
            block_text=sentence_block_text(s.text) if blocks else None,
            across=bool(ACROSS.search(s.text)),
            cue_weight=cue,
        )
        if responsibility is not None:
            if current.time is None:
                current.time = responsibility.time
            current.notes.append(
                "a claim of responsibility: the attack told before ("
                + ", ".join(p.place_text for p in current.places)
                + ")"
            )
        if army_order:
            current.notes.append(f"an order with no issuer named in the text: issued by {order_issuer!r}")
        if current.time is None and context_time is not None and not SEPARATE.match(s.text):
            current.time = context_time
            current.notes.append(f"time from an earlier sentence ({context_time.text!r})")
        if not current.places and not current.block_ids and context_places:
            current.places = list(context_places)
            current.notes.append("place not named in the sentence: taken from the sentence before")
        elif not current.places and not current.block_ids:
            back = place_named_back(s.text, events)
            if back is not None:
                current.places = list(back[0])
                current.notes.append(f"place named back ({back[1]!r}): the place of an earlier event")
        events.append(current)
        for who, figures in foreign:
            events.append(count_event(current, s, places, who, figures, s_times, etype))
        if s_times:
            context_time = s_times[0]
        if places:
            context_places = places

    mark_conflicting_figures(events)
    # a paragraph whose tellers contradict each other lends none of them to a sentence told by nobody
    contested = {ev.paragraph for ev in events if ev.disputed}
    parts = [part for ev in events for place_part in split_by_place(ev) for part in _per_teller(place_part)]
    # the report's one place is only the place of a claim that names none: not read for a report whose
    # claims all name theirs (it runs the place roles over every sentence again)
    focus = report_focus(text, sentences, mentions, claimants) if any(not p.places for p in parts) else None

    def lent(ev: Event) -> ClaimantMatch | None:
        """The teller an event told by nobody inherits from its paragraph."""
        if ev.paragraph in contested:
            return None
        if not source:
            return para_main.get(ev.paragraph)  # no source to fall back on: the paragraph's main teller
        return carried_teller(ev.sentences[0], sentences, claimants, sentence_of)

    return [build_claim(part, text, lent(part), main, focus, pub, source, url) for part in parts]
