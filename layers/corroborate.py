"""Corroboration: claims about the same event, from many sources, grouped into incidents.

Two claims may be about the same event when all of these hold:

- **compatible types**: the same family. ``airstrike`` and ``shelling`` are one family
  ("strike"): from the ground the two are often told apart wrongly, and outlets use
  them interchangeably. Every other type is its own family. One cross-family pair is
  allowed on purpose: a strike and a ``rocket_launch`` at the *same site* (both placed
  within ``attribution_radius_m``, at day precision or finer) are one explosion whose
  cause is contested (an Israeli strike says one claimant, a misfired rocket says
  another); they form one incident, marked ``disputed``.
- **overlapping places**: the great-circle distance between the two best-estimate points
  is at most the sum of their uncertainty radii (metres).
- **overlapping times**: the event intervals meet (optionally within ``time_slack``).
- **different reports**: two claims from one report are two events that report lists,
  except two accounts of one event that the report itself marks ``disputed`` (a claim and
  its counter-claim or denial, see :mod:`geo.accounts`): those form one disputed incident.

Claims too vague to corroborate anything (radius over ``max_radius_m``, interval longer
than ``max_span``), unlocated or undated claims stay incidents of their own. Grouping
is greedy and clique-like: a claim joins an incident only if it is compatible with
*every* member, so a chain of near neighbours never glues a whole city into one event.
Candidate pairs come from day buckets and vectorised distance tests, never an O(n²)
scan of everything.

Voices: a claimant is identified by its normalised name (:func:`voice`), so two outlets
quoting the same ministry count once. ``corroborated`` needs at least two voices that
agree; ``disputed`` marks contradicting claimants (attribution, fatality counts that
differ by more than ``count_ratio`` and ``count_min_diff``, or a member itself marked
disputed). Retracted claims never count.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from geo.model import EVENT_TYPES, TIME_PRECISIONS, ClaimStatus, TimePrecision
from layers.model import ClaimRecord, Incident

#: Event type -> family; claims of one family may describe the same event.
FAMILY: dict[str, str] = {
    "airstrike": "strike",
    "shelling": "strike",
    "ground_operation": "ground_operation",
    "rocket_launch": "rocket_launch",
    "shooting": "shooting",
    "evacuation_order": "evacuation_order",
    "humanitarian_zone": "humanitarian_zone",
    "negotiation": "negotiation",
    "other": "other",
}

#: Pairs of families that may be one event with a contested cause (always ``disputed``).
ATTRIBUTION_PAIRS: frozenset[frozenset[str]] = frozenset({frozenset({"strike", "rocket_launch"})})

#: Common spellings of frequent claimants, folded to one voice.
CLAIMANT_ALIASES: dict[str, str] = {
    "idf": "israeli military",
    "israel defense forces": "israeli military",
    "israel defence forces": "israeli military",
    "israeli defense forces": "israeli military",
    "israeli army": "israeli military",
    "israeli military spokesperson": "israeli military",
    "israeli military spokesman": "israeli military",
    "gaza health ministry": "gaza health ministry",
    "gaza ministry of health": "gaza health ministry",
    "ministry of health in gaza": "gaza health ministry",
    "health ministry in gaza": "gaza health ministry",
    "hamas run health ministry": "gaza health ministry",
    "palestinian health ministry in gaza": "gaza health ministry",
    "gazas health ministry": "gaza health ministry",
    "gaza s health ministry": "gaza health ministry",
    "palestinian red crescent society": "palestinian red crescent",
    "prcs": "palestinian red crescent",
    "gaza civil defence": "gaza civil defence",
    "gaza civil defense": "gaza civil defence",
    "civil defence in gaza": "gaza civil defence",
    "hamas armed wing": "al qassam brigades",
    "qassam brigades": "al qassam brigades",
    "izz ad din al qassam brigades": "al qassam brigades",
}

_PRECISION_RANK = {p: i for i, p in enumerate(TIME_PRECISIONS)}
_EARTH_R = 6_371_008.8
_DAY = 86_400.0


@lru_cache(maxsize=65_536)
def voice(claimant: str | None, source: str | None = None) -> str | None:
    """The normalised identity of who speaks in a claim: its claimant, else its source.

    Case, diacritics, punctuation and a leading "the" are folded, and well-known
    spellings ("IDF", "Israel Defense Forces") map to one voice. ``None`` when the
    claim names neither.
    """
    name = claimant or source
    if not name:
        return None
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z0-9]+", " ", folded).strip()
    folded = re.sub(r"^the ", "", folded)
    if not folded:
        folded = name.strip().casefold()
    folded = CLAIMANT_ALIASES.get(folded, folded)
    return folded if claimant else "source: " + folded


def incident_id(claim_ids: Iterable[str]) -> str:
    """A deterministic incident id: a hash of its sorted member claim ids."""
    text = "\n".join(sorted(claim_ids))
    return "inc-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _haversine(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    out: np.ndarray = 2 * _EARTH_R * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def distance_m(a: ClaimRecord, b: ClaimRecord) -> float:
    """Great-circle distance in metres between two located claims' representative points."""
    pa, pb = _point(a), _point(b)
    if pa is None or pb is None:
        raise ValueError("both claims need a geometry")
    return float(_haversine(np.array([pa[0]]), np.array([pa[1]]), np.array([pb[0]]), np.array([pb[1]]))[0])


def _point(c: ClaimRecord) -> tuple[float, float] | None:
    g = c.geometry
    if g is None:
        return None
    if g.geom_type == "Point":
        return float(g.x), float(g.y)
    pt = g.representative_point()
    return float(pt.x), float(pt.y)


def _radius(c: ClaimRecord) -> float:
    return c.uncertainty.radius_m if c.uncertainty is not None else 0.0


def _candidate_pairs(
    claims: Sequence[ClaimRecord],
    matchable: list[int],
    *,
    time_slack: float,
    attribution_radius_m: float,
    block: int = 512,
) -> np.ndarray:
    """Index pairs (i < j) of claims that may be the same event, found per day bucket."""
    n = len(matchable)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    pts = [_point(claims[i]) for i in matchable]
    lon = np.array([p[0] for p in pts if p is not None])
    lat = np.array([p[1] for p in pts if p is not None])
    rad = np.array([_radius(claims[i]) for i in matchable])
    start = np.array([claims[i].valid_from.timestamp() for i in matchable])  # type: ignore[union-attr]
    end = np.array([claims[i].valid_to.timestamp() for i in matchable])  # type: ignore[union-attr]
    fam_names = sorted(set(FAMILY.values()))
    fam = np.array([fam_names.index(FAMILY[claims[i].event_type]) for i in matchable])
    strike, rocket = fam_names.index("strike"), fam_names.index("rocket_launch")
    report_codes: dict[str, int] = {}
    rep = np.array(
        [
            -1 - k
            if claims[i].report_id is None
            else report_codes.setdefault(claims[i].report_id or "", len(report_codes))
            for k, i in enumerate(matchable)
        ]
    )
    site = (rad <= attribution_radius_m) & (end - start <= _DAY + 1)
    # a report's own contradicting accounts of one event may meet; its other claims never do
    disputed = np.array([claims[i].status == "disputed" for i in matchable])

    first_day = np.floor((start - time_slack) / _DAY).astype(np.int64)
    last_day = np.floor((end + time_slack) / _DAY).astype(np.int64)
    spans = last_day - first_day + 1
    members = np.repeat(np.arange(n), spans)
    offsets = np.arange(len(members)) - np.repeat(np.cumsum(spans) - spans, spans)
    days = np.repeat(first_day, spans) + offsets
    order = np.lexsort((members, days))
    days, members = days[order], members[order]
    cuts = np.flatnonzero(np.diff(days)) + 1
    # metric coordinates for a cheap first test; the exact great-circle test runs on survivors
    phi, lmb = np.radians(lat), np.radians(lon)
    found: list[np.ndarray] = []
    for idx in np.split(members, cuts):
        m = len(idx)
        if m < 2:
            continue
        s_b, e_b, r_b, rep_b, fam_b, dis_b = start[idx], end[idx], rad[idx], rep[idx], fam[idx], disputed[idx]
        y_b = phi[idx] * _EARTH_R
        x_b = lmb[idx] * _EARTH_R
        c_b = np.cos(phi[idx])
        for lo in range(0, m - 1, block):
            hi = min(lo + block, m)
            rows = slice(lo, hi)
            cols = slice(lo + 1, m)  # only j > i
            upper = np.arange(lo, hi)[:, None] < np.arange(lo + 1, m)[None, :]
            rsum = r_b[rows, None] + r_b[None, cols]
            # an underestimate of the distance (the cosine of the higher latitude), so no true pair is lost
            dx = (x_b[rows, None] - x_b[None, cols]) * np.minimum(c_b[rows, None], c_b[None, cols])
            dy = y_b[rows, None] - y_b[None, cols]
            ok = upper & (dx * dx + dy * dy <= (rsum * 1.01 + 50.0) ** 2)
            ok &= (s_b[rows, None] <= e_b[None, cols] + time_slack) & (s_b[None, cols] <= e_b[rows, None] + time_slack)
            ok &= (rep_b[rows, None] != rep_b[None, cols]) | (dis_b[rows, None] & dis_b[None, cols])
            a, b = np.nonzero(ok)
            if not len(a):
                continue
            a += lo
            b += lo + 1
            gi, gj = idx[a], idx[b]
            d = _haversine(lon[gi], lat[gi], lon[gj], lat[gj])
            keep = d <= rad[gi] + rad[gj]
            fa, fb = fam_b[a], fam_b[b]
            cross = ((fa == strike) & (fb == rocket)) | ((fa == rocket) & (fb == strike))
            cross &= site[gi] & site[gj] & (d <= attribution_radius_m)
            keep &= (fa == fb) | cross
            if keep.any():
                pa, pb = gi[keep], gj[keep]
                found.append(np.stack([np.minimum(pa, pb), np.maximum(pa, pb)], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    both = np.concatenate(found)
    keys = np.unique(both[:, 0] * np.int64(n) + both[:, 1])  # one key per pair: far faster than unique rows
    back = np.array(matchable, dtype=np.int64)
    return np.stack([back[keys // n], back[keys % n]], axis=1)


def _count_values(c: ClaimRecord) -> tuple[int, int, int] | None:
    f = c.fatalities
    if f is None:
        return None
    vals = [v for v in (f.low, f.best, f.high) if v is not None]
    best = f.best if f.best is not None else vals[len(vals) // 2]
    return (f.low if f.low is not None else best, best, f.high if f.high is not None else best)


def _describe(c: ClaimRecord) -> str:
    return c.claimant or c.source or c.id


def _single(c: ClaimRecord) -> Incident:
    """The incident of a claim nothing corroborates (the common case, kept cheap)."""
    counts = _count_values(c)
    disputed = c.status == "disputed"
    return Incident.model_construct(
        id=incident_id((c.id,)),
        event_type=c.event_type,
        claim_ids=(c.id,),
        sources=(c.source,) if c.source else (),
        claimants=(c.claimant,) if c.claimant else (),
        independent_sources=0 if voice(c.claimant, c.source) is None else 1,
        geometry=c.geometry if c.uncertainty is not None else None,
        uncertainty=c.uncertainty if c.geometry is not None else None,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        time_precision=c.time_precision,
        status="disputed" if disputed else "reported",
        place_name=c.place_name or c.place_text,
        fatalities=None if counts is None else {"low": counts[0], "best": counts[1], "high": counts[2]},
        conflicts=(f"status: claim {c.id} is marked disputed",) if disputed else (),
    )


def _build(members: list[ClaimRecord], *, count_ratio: float, count_min_diff: int) -> Incident:
    if len(members) == 1:
        return _single(members[0])
    members = sorted(members, key=lambda c: c.id)
    ids = tuple(c.id for c in members)
    voices = {v for v in (voice(c.claimant, c.source) for c in members) if v is not None}
    conflicts: list[str] = []
    # type: the most common, ties broken by the controlled vocabulary's order
    counts = Counter(c.event_type for c in members)
    event_type = min(counts, key=lambda t: (-counts[t], EVENT_TYPES.index(t)))
    families = {FAMILY[c.event_type] for c in members}
    if len(families) > 1:
        sides = sorted({f"{c.event_type} ({_describe(c)})" for c in members})
        conflicts.append("attribution: " + " vs ".join(sides))
    # counts: contradict when voices differ wildly
    with_counts = [(c, v) for c in members if (v := _count_values(c)) is not None]
    fatalities: dict[str, int | None] | None = None
    if with_counts:
        lows = [v[0] for _, v in with_counts]
        bests = sorted(v[1] for _, v in with_counts)
        highs = [v[2] for _, v in with_counts]
        fatalities = {"low": min(lows), "best": bests[(len(bests) - 1) // 2], "high": max(highs)}
        lo_c = min(with_counts, key=lambda cv: (cv[1][1], cv[0].id))
        hi_c = max(with_counts, key=lambda cv: (cv[1][1], cv[0].id))
        lo_v, hi_v = lo_c[1][1], hi_c[1][1]
        different_voices = voice(lo_c[0].claimant, lo_c[0].source) != voice(hi_c[0].claimant, hi_c[0].source)
        wild = hi_v - lo_v >= count_min_diff and (lo_v == 0 or hi_v / lo_v >= count_ratio)
        if different_voices and wild and lo_c[1][2] < hi_c[1][0]:
            conflicts.append(f"fatalities: {lo_v} ({_describe(lo_c[0])}) vs {hi_v} ({_describe(hi_c[0])})")
    conflicts.extend(f"status: claim {c.id} is marked disputed" for c in members if c.status == "disputed")
    # location: the most precise member (every member's region overlaps it by construction)
    located = [c for c in members if c.geometry is not None and c.uncertainty is not None]
    anchor = min(located, key=lambda c: (_radius(c), c.id)) if located else None
    # time: the intersection of the intervals, else their union with a flag
    spans = [(c.valid_from, c.valid_to, c) for c in members if c.valid_from is not None and c.valid_to is not None]
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    precision: TimePrecision = "unknown"
    if spans:
        lo_t = max(s for s, _, _ in spans)
        hi_t = min(e for _, e, _ in spans)
        narrowest = min(spans, key=lambda x: (x[1] - x[0], x[2].id))[2]
        if lo_t <= hi_t:
            valid_from, valid_to, precision = lo_t, hi_t, narrowest.time_precision
        else:
            valid_from = min(s for s, _, _ in spans)
            valid_to = max(e for _, e, _ in spans)
            precision = max((c.time_precision for _, _, c in spans), key=lambda p: _PRECISION_RANK[p])
            conflicts.append("time: member intervals do not intersect; the incident spans their union")
    disputed = any(not x.startswith("time:") for x in conflicts)
    status: ClaimStatus = "disputed" if disputed else "corroborated" if len(voices) >= 2 else "reported"
    sources = tuple(sorted({c.source for c in members if c.source}))
    claimants = tuple(sorted({c.claimant for c in members if c.claimant}))
    place = anchor.place_name if anchor is not None else None
    place = place or next((c.place_name or c.place_text for c in members if c.place_name or c.place_text), None)
    # every value comes from validated records: skip re-validating geometries (a large share of the cost)
    return Incident.model_construct(
        id=incident_id(ids),
        event_type=event_type,
        claim_ids=ids,
        sources=sources,
        claimants=claimants,
        independent_sources=len(voices),
        geometry=anchor.geometry if anchor is not None else None,
        uncertainty=anchor.uncertainty if anchor is not None else None,
        valid_from=valid_from,
        valid_to=valid_to,
        time_precision=precision,
        status=status,
        place_name=place,
        fatalities=fatalities,
        conflicts=tuple(conflicts),
    )


def corroborate(
    claims: Iterable[ClaimRecord],
    *,
    max_radius_m: float = 10_000.0,
    max_span: timedelta = timedelta(days=8),
    attribution_radius_m: float = 1_000.0,
    time_slack: timedelta = timedelta(0),
    count_ratio: float = 3.0,
    count_min_diff: int = 5,
) -> list[Incident]:
    """Group claims about the same event into incidents (see the module docstring for the rules).

    Every non-retracted claim ends up in exactly one incident (alone if nothing
    corroborates it). Incidents come back ordered by (valid_from, id), undated last.

    Parameters
    ----------
    max_radius_m, max_span:
        Claims vaguer than this in space or time corroborate nothing.
    attribution_radius_m:
        How close a strike and a rocket claim must both be placed to be one contested explosion.
    time_slack:
        Intervals closer than this still count as overlapping (the incident then spans
        their union and says so in ``conflicts``).
    count_ratio, count_min_diff:
        Fatality counts of two voices contradict when the larger is at least
        ``count_ratio`` times the smaller and at least ``count_min_diff`` more.
    """
    live = [c for c in claims if c.status != "retracted"]
    seen: set[str] = set()
    for c in live:
        if c.id in seen:
            raise ValueError(f"claim {c.id!r} appears twice: corroborate one version per claim")
        seen.add(c.id)
    span_limit = max_span.total_seconds()
    matchable = [
        i
        for i, c in enumerate(live)
        if c.geometry is not None
        and c.uncertainty is not None
        and c.uncertainty.radius_m <= max_radius_m
        and c.valid_from is not None
        and c.valid_to is not None
        and (c.valid_to - c.valid_from).total_seconds() <= span_limit
    ]
    pairs = _candidate_pairs(
        live, matchable, time_slack=time_slack.total_seconds(), attribution_radius_m=attribution_radius_m
    )
    # neighbour lists (CSR) from the pairs, both directions
    n = len(live)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(src, kind="stable")
    nbr = dst[order].tolist()
    ptr = np.searchsorted(src[order], np.arange(n + 1)).tolist()

    def order_key(i: int) -> tuple[float, float, str]:
        c = live[i]
        t = c.valid_from.timestamp() if c.valid_from is not None else float("inf")
        return (t, c.uncertainty.radius_m if c.uncertainty is not None else float("inf"), c.id)

    # greedy, clique-like: join the largest incident whose every member is a neighbour
    cluster_of = [-1] * n
    clusters: list[list[int]] = []
    for i in sorted(range(n), key=order_key):
        best = -1
        if ptr[i + 1] > ptr[i]:
            hits = Counter(cluster_of[j] for j in nbr[ptr[i] : ptr[i + 1]] if cluster_of[j] >= 0)
            for cid, k in hits.items():
                size = len(clusters[cid])
                if k == size and (
                    best < 0 or size > len(clusters[best]) or (size == len(clusters[best]) and cid < best)
                ):
                    best = cid
        if best < 0:
            cluster_of[i] = len(clusters)
            clusters.append([i])
        else:
            cluster_of[i] = best
            clusters[best].append(i)
    incidents = [
        _build([live[i] for i in group], count_ratio=count_ratio, count_min_diff=count_min_diff) for group in clusters
    ]
    incidents.sort(key=lambda x: (x.valid_from is None, x.valid_from.timestamp() if x.valid_from else 0.0, x.id))
    return incidents


__all__ = ["ATTRIBUTION_PAIRS", "CLAIMANT_ALIASES", "FAMILY", "corroborate", "distance_m", "incident_id", "voice"]
