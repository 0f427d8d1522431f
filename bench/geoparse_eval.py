"""Evaluate sitmap's geoparser on its own gold set (tests/data/geoparse/gold.jsonl).

Prints toponym precision / recall / F1 (span overlap), accuracy@1 km, @5 km and @161 km
of the resolved mentions that match a gold toponym, and for events: recall (a claim at
the right place, within the gold tolerance, whose interval overlaps the gold dates),
precision, event-type accuracy, date accuracy and claimant accuracy over the events
matched by place. ``--details`` lists every miss so a reader can see what failed.

Run: ``.venv/bin/python bench/geoparse_eval.py [--gold PATH] [--details]``. The public
corpora (LGL, GeoWebNews, ...) are measured by ``bench/geoparse_corpora.py``, the speed of
``geo.mentions`` by ``bench/geoparse_speed.py``; this script also prints how long the
claim building (``geo.parse`` after the mentions) takes on the gold texts.
The targets (toponym F1 >= 0.95, event recall >= 0.90) are asserted by
``tests/geo/test_parse_eval.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import pyproj

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_GOLD = ROOT / "tests" / "data" / "geoparse" / "gold.jsonl"
TARGET_TOPONYM_F1 = 0.95
TARGET_EVENT_RECALL = 0.90

_GEOD = pyproj.Geod(ellps="WGS84")


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in kilometres."""
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def load_gold(path: Path = DEFAULT_GOLD) -> list[dict[str, Any]]:
    """The gold records, one per text; offsets are checked against the text."""
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        for t in rec["toponyms"]:
            if rec["text"][t["start"] : t["end"]] != t["text"]:
                raise ValueError(f"{path}:{n}: toponym {t['text']!r} does not match its offsets")
        records.append(rec)
    return records


@dataclass
class Scores:
    """Counters and the per-item misses behind the printed figures."""

    texts: int = 0
    gold_toponyms: int = 0
    predicted_mentions: int = 0
    toponym_tp: int = 0
    toponym_fp: int = 0
    resolved_matched: int = 0
    within_1: int = 0
    within_5: int = 0
    within_161: int = 0
    gold_events: int = 0
    claims: int = 0
    claims_matched: int = 0
    events_placed: int = 0
    events_recalled: int = 0
    type_ok: int = 0
    date_ok: int = 0
    claimant_ok: int = 0
    seconds: float = 0.0
    mention_seconds: float = 0.0
    claim_seconds: float = 0.0
    words: int = 0
    misses: list[str] = field(default_factory=list)

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else 0.0

    def summary(self) -> dict[str, float]:
        """The figures, as a dict (what the test asserts on)."""
        p = self.ratio(self.toponym_tp, self.toponym_tp + self.toponym_fp)
        r = self.ratio(self.toponym_recalled, self.gold_toponyms)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "texts": self.texts,
            "toponym_precision": p,
            "toponym_recall": r,
            "toponym_f1": f1,
            "acc_1km": self.ratio(self.within_1, self.resolved_matched),
            "acc_5km": self.ratio(self.within_5, self.resolved_matched),
            "acc_161km": self.ratio(self.within_161, self.resolved_matched),
            "event_recall": self.ratio(self.events_recalled, self.gold_events),
            "event_precision": self.ratio(self.claims_matched, self.claims),
            "event_type_accuracy": self.ratio(self.type_ok, self.events_placed),
            "date_accuracy": self.ratio(self.date_ok, self.events_placed),
            "claimant_accuracy": self.ratio(self.claimant_ok, self.events_placed),
            "texts_per_second": self.ratio(self.texts, 1) / self.seconds if self.seconds else 0.0,
        }

    toponym_recalled: int = 0


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _day_bounds(d0: str, d1: str) -> tuple[datetime, datetime]:
    start = datetime.combine(date.fromisoformat(d0), dtime(0), tzinfo=UTC)
    end = datetime.combine(date.fromisoformat(d1), dtime(23, 59, 59, 999999), tzinfo=UTC)
    return start, end


def _norm(name: str | None) -> str:
    return (name or "").strip().lower()


def _resolved_at(m: Any) -> tuple[float, float]:
    """Where a mention was resolved to: its chosen gazetteer entry, before any qualifier
    ("north of X") moved the point, else the anchor of its geometry."""
    from geo.errors import NotFound
    from geo.gazetteer import Gazetteer
    from geo.parser import anchor_point

    if m.gazetteer_id:
        try:
            entry = Gazetteer.load().get(m.gazetteer_id)
            return entry.lon, entry.lat
        except NotFound:
            pass
    p = anchor_point(m.geometry)
    return p.x, p.y


def evaluate(path: Path = DEFAULT_GOLD) -> Scores:
    """Run ``geo.mentions`` and ``geo.parse`` over every gold text and score them."""
    import geo
    from geo.parser import anchor_point, check_text, claims_from_mentions

    sc = Scores()
    gold = load_gold(path)
    t0 = time.perf_counter()
    warm = "Shells hit Rafah on Monday, medics said."
    claims_from_mentions(warm, geo.mentions(warm), published="2024-01-10")  # load the gazetteer outside the timings
    for rec in gold:
        sc.texts += 1
        text = rec["text"]
        # geo.parse == mentions + claims_from_mentions; run apart to time the two halves
        check_text(text)
        t1 = time.perf_counter()
        mentions = geo.mentions(text, published=rec["published"]) if text.strip() else []
        t2 = time.perf_counter()
        claims = claims_from_mentions(text, mentions, published=rec["published"], source=rec["source"])
        t3 = time.perf_counter()
        sc.mention_seconds += t2 - t1
        sc.claim_seconds += t3 - t2
        sc.words += len(text.split())
        # ---- toponyms: span overlap, several predictions may cover one gold span
        sc.gold_toponyms += len(rec["toponyms"])
        sc.predicted_mentions += len(mentions)
        hit_gold: set[int] = set()
        for m in mentions:
            matched = [i for i, t in enumerate(rec["toponyms"]) if _overlaps(m.start, m.end, t["start"], t["end"])]
            if not matched:
                sc.toponym_fp += 1
                sc.misses.append(f"{rec['id']}: extra mention {m.place_text!r} -> {m.place_name}")
                continue
            sc.toponym_tp += 1
            i = matched[0]
            if i in hit_gold:
                continue
            hit_gold.add(i)
            t = rec["toponyms"][i]
            if t["lon"] is None or m.geometry is None:
                if t["lon"] is not None:
                    sc.misses.append(f"{rec['id']}: {t['text']!r} unresolved")
                continue
            lon, lat = _resolved_at(m)
            d = km(lon, lat, t["lon"], t["lat"])
            sc.resolved_matched += 1
            sc.within_1 += d <= 1
            sc.within_5 += d <= 5
            sc.within_161 += d <= 161
            if d > t["tol_km"]:
                sc.misses.append(f"{rec['id']}: {t['text']!r} -> {m.place_name} is {d:.1f} km off (tol {t['tol_km']})")
        sc.toponym_recalled += len(hit_gold)
        for i, t in enumerate(rec["toponyms"]):
            if i not in hit_gold:
                sc.misses.append(f"{rec['id']}: missed toponym {t['text']!r}")
        # ---- events: greedy one-to-one matching by place, then date
        sc.gold_events += len(rec["events"])
        sc.claims += len(claims)
        used: set[int] = set()
        for ev in rec["events"]:
            g0, g1 = _day_bounds(ev["date_from"], ev["date_to"])
            best: tuple[float, int] | None = None
            for j, c in enumerate(claims):
                if j in used or c.geometry is None or ev["lon"] is None:
                    continue
                p = anchor_point(c.geometry)
                d = km(p.x, p.y, ev["lon"], ev["lat"])
                if d > ev["tol_km"]:
                    continue
                date_ok = (
                    c.valid_from is not None and c.valid_to is not None and c.valid_from <= g1 and c.valid_to >= g0
                )
                key = (0 if date_ok else 1) + (0 if c.event_type == ev["event_type"] else 0.5) + d / 1000
                if best is None or key < best[0]:
                    best = (key, j)
            if best is None:
                near = [f"{c.event_type}@{c.place_text}" for c in claims if c.geometry is not None] or [
                    "no located claim"
                ]
                sc.misses.append(
                    f"{rec['id']}: event {ev['event_type']} at {ev['place']} not found ({', '.join(near)})"
                )
                continue
            j = best[1]
            used.add(j)
            c = claims[j]
            sc.events_placed += 1
            sc.claims_matched += 1
            date_ok = c.valid_from is not None and c.valid_to is not None and c.valid_from <= g1 and c.valid_to >= g0
            sc.date_ok += date_ok
            sc.events_recalled += date_ok
            sc.type_ok += c.event_type == ev["event_type"]
            sc.claimant_ok += _norm(c.claimant) == _norm(ev["claimant"])
            if not date_ok:
                sc.misses.append(f"{rec['id']}: event at {ev['place']} dated {c.valid_from}..{c.valid_to}")
            if c.event_type != ev["event_type"]:
                sc.misses.append(f"{rec['id']}: event at {ev['place']} typed {c.event_type}, gold {ev['event_type']}")
            if _norm(c.claimant) != _norm(ev["claimant"]):
                sc.misses.append(
                    f"{rec['id']}: event at {ev['place']} claimant {c.claimant!r}, gold {ev['claimant']!r}"
                )
        for j, c in enumerate(claims):
            if j not in used:
                sc.misses.append(f"{rec['id']}: extra claim {c.event_type} at {c.place_text!r}")
    sc.seconds = time.perf_counter() - t0
    return sc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--details", action="store_true", help="list every miss")
    args = ap.parse_args(argv)
    sc = evaluate(args.gold)
    s = sc.summary()
    print(
        f"sitmap geoparser on {args.gold.name}: {sc.texts} texts, {sc.gold_toponyms} gold toponyms, "
        f"{sc.gold_events} gold events"
    )
    print(
        f"toponyms   precision {s['toponym_precision']:.3f}  recall {s['toponym_recall']:.3f}  "
        f"F1 {s['toponym_f1']:.3f}   (target F1 >= {TARGET_TOPONYM_F1})"
    )
    print(
        f"resolution accuracy@1km {s['acc_1km']:.3f}  @5km {s['acc_5km']:.3f}  @161km {s['acc_161km']:.3f}  "
        f"over {sc.resolved_matched} resolved matched mentions"
    )
    print(
        f"events     recall {s['event_recall']:.3f} (target >= {TARGET_EVENT_RECALL})  "
        f"precision {s['event_precision']:.3f}  ({sc.claims} claims)"
    )
    print(
        f"           type accuracy {s['event_type_accuracy']:.3f}  date accuracy {s['date_accuracy']:.3f}  "
        f"claimant accuracy {s['claimant_accuracy']:.3f}  over {sc.events_placed} events matched by place"
    )
    mention_rate = sc.words / max(sc.mention_seconds, 1e-9)
    claim_rate = sc.words / max(sc.claim_seconds, 1e-9)
    print(
        f"time       {sc.seconds:.2f} s in all (gazetteer load included); on {sc.words} words: "
        f"mentions {mention_rate:,.0f} words/s, claims from mentions {claim_rate:,.0f} words/s"
    )
    if args.details:
        print("\nmisses:")
        for m in sc.misses:
            print("  " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
