"""An event read from a text turned into a :class:`~geo.model.Claim`: its place, its time
(else the publication window), its claimant (else the paragraph's, the source, the report's
main claimant, with ``notes`` saying which), counts, quote and confidence.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from geo.claimants import _CANON, OWN_CORRESPONDENT, ClaimantMatch, canonical_claimant, is_own_reporter
from geo.events import Event
from geo.gazetteer import Gazetteer
from geo.model import Claim, Mention, TimeInterval
from geo.placement import place_event
from geo.timeparse import publication_window

#: A sentence that says it was reported without saying by whom ("tanks were reported in Rafah",
#: "reportedly", "דווח", "أفيد"): the text itself marks the teller as unnamed, so the paragraph's
#: teller is not assumed; the source carries it (and ``notes`` say so).
_UNNAMED_REPORT = re.compile(
    r"\b(?:was|were|has been|have been|had been|is|are|being)\s+(?:also\s+|widely\s+|later\s+)?reported\b"
    r"(?!\s+by\b)|\breportedly\b|\bthere (?:were|have been) reports\b|"
    r"(?<![\u0590-\u05ff])[וכ]?(?:דווח|דּוּוַּח|מדווח)(?![\u0590-\u05ff])|(?<![\u0620-\u064a])و?(?:أفيد|يُفاد)(?![\u0620-\u064a])",
    re.I,
)


#: Where the West Bank lies (with East Jerusalem): a bounding box, enough to tell it from Gaza.
_WEST_BANK = (34.88, 31.34, 35.58, 32.56)
#: A health ministry named with its seat ("in Gaza", "غزة", "עזה"): not re-seated by the event's place.
_SEATED = re.compile(r"Gaza|غزة|עזה|Ramallah|رام الله|רמאללה|Hamas", re.I)
_FOLD = str.maketrans({"‘": "'", "’": "'", "ʿ": "'", "ʾ": "'"})


def _named_for_the_place(
    name: str, words: str, geometry: object, place_name: str | None, gazetteer_id: str | None = None
) -> str | None:
    """A teller whose bare name depends on where the event was: "the Ministry of Health" (وزارة
    الصحة) of an event in the West Bank is the Palestinian health ministry in Ramallah, not Gaza's,
    and of an event in Lebanon Lebanon's; "the village council" (مجلس القرية) of an event in Sinjil
    is the Sinjil village council, "the municipality" of one in Kiryat Shmona its municipality."""
    if name == "Gaza health ministry" and not _SEATED.search(words) and _country(gazetteer_id) == "LB":
        return "Lebanese health ministry"
    if name == "Gaza health ministry" and not _SEATED.search(words):
        c = getattr(geometry, "centroid", None)
        if c is not None:
            x0, y0, x1, y1 = _WEST_BANK
            if x0 <= c.x <= x1 and y0 <= c.y <= y1:
                return "Palestinian health ministry"
    named = _COUNCIL_OF.match(words.strip()) if name.lower() in _SEATLESS_COUNCILS else None
    if named is not None:
        return f"{named.group(1)} {name.lower()}"  # "the Beit Furik village council": its own town, as written
    if name.lower() in _SEATLESS_COUNCILS and place_name:
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", place_name) if not unicodedata.combining(ch))
        return f"{plain.translate(_FOLD)} {name.lower()}"
    return None


#: Tellers with no name of their own, only a description ("local sources", "مصادر محلية"): named in
#: the script of the report's source, as a newsroom of that language would write them.
_DESCRIBED_TELLERS = frozenset({"local sources"})
_SCRIPT = (re.compile("[\u0600-\u06ff]"), re.compile("[\u0590-\u05ff]"))


def _as_the_source_names(name: str, teller: ClaimantMatch, source: str | None) -> str | None:
    """ "مصادر محلية" in a report of an outlet named in Arabic stays as written; in one named in
    English (WAFA, Maan News) it is "local sources"."""
    if name not in _DESCRIBED_TELLERS or not source:
        return None
    words = teller.text.strip()
    for script in _SCRIPT:
        if script.search(source) and script.search(words):
            found = next((m for n, p in _CANON if n == name and (m := p.search(words))), None)
            return found.group(0) if found is not None else None
    return None


#: Local bodies named without their town ("the village council", "the municipality", "the local
#: council"): named after the place of the event they tell.
_SEATLESS_COUNCILS = frozenset({"village council", "municipality", "local council"})
#: A council written with its town before its kind ("the Beit Furik village council").
_COUNCIL_OF = re.compile(
    r"^(?:the\s+)?([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})\s+(?i:village council|municipality|local council)$"
)


def _country(gazetteer_id: str | None) -> str | None:
    """The country code of a shipped gazetteer entry, ``None`` when unknown."""
    if not gazetteer_id:
        return None
    g = Gazetteer.load()
    return g.get(gazetteer_id).country if gazetteer_id in g else None


def build_claim(
    ev: Event,
    text: str,
    para_main: ClaimantMatch | None,
    main: ClaimantMatch | None,
    focus: Mention | None,
    pub: datetime | None,
    source: str | None,
    url: str | None,
) -> Claim:
    notes = list(ev.notes)
    geometry, uncertainty, placement, place = place_event(ev, focus, notes)

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
    if (
        ev.claimant is not None
        and source
        and (is_own_reporter(ev.claimant.text) or ev.claimant.name == OWN_CORRESPONDENT)
    ):
        claimant_name = source  # "our correspondent says": the outlet itself reports it
        attributed = True
        notes.append(f"told by the outlet's own reporter ({ev.claimant.text!r}): claimant is the source")
    elif ev.claimant is not None:
        claimant_name = ev.claimant.name
        attributed = True
        if ev.claimant.text.lower().removeprefix("the ") != claimant_name.lower():
            notes.append(f"claimant as written: {ev.claimant.text!r}")
        local = _named_for_the_place(
            claimant_name, ev.claimant.text, geometry, placement.place_name, placement.gazetteer_id
        ) or _as_the_source_names(claimant_name, ev.claimant, source)
        if local is not None:
            notes.append(f"{claimant_name!r} named without its seat, for an event at {placement.place_name}: {local!r}")
            claimant_name = local
    elif para_main is not None and source and _UNNAMED_REPORT.search(" ".join(s.text for s in ev.sentences)):
        claimant_name = canonical_claimant(source) or source
        attributed = False
        notes.append(
            "reported without a teller in the text (a passive 'was reported'): claimant is the source, "
            f"not the paragraph's claimant ({para_main.text!r})"
        )
    elif para_main is not None:
        claimant_name = para_main.name
        attributed = False
        notes.append(f"sentence not attributed: claimant is the paragraph's claimant ({para_main.text!r})")
    elif source:
        claimant_name = canonical_claimant(source) or source
        attributed = False
        if _UNNAMED_REPORT.search(" ".join(s.text for s in ev.sentences)):
            notes.append("reported without a teller in the text (a passive 'was reported'): claimant is the source")
        else:
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
        status="disputed" if ev.disputed else "reported",
    )
