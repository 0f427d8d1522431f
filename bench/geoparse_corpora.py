"""Toponym recall and accuracy@161 km of ``geo.mentions`` on public geoparsing corpora.

Reads the corpora where they lie (``SITMAP_CORPORA`` or ../shared/data/geoparsing_corpora;
never copied into the project): LGL, GeoWebNews, TR-News, GeoVirus and GeoCorpora.
For each corpus it prints

* recall: share of gold toponyms overlapped by a mention (span overlap);
* precision: share of mentions that overlap a gold toponym (an upper bound on false
  positives: the corpora do not annotate every place, e.g. GeoWebNews leaves demonyms);
* acc@161: share of recognised gold toponyms with coordinates whose resolved point lies
  within 161 km (100 miles) of the gold point — the usual geoparsing measure;
* the same two figures restricted to gold toponyms in Israel, Palestine and the
  neighbours (lon 24..43, lat 21..38), the region sitmap's gazetteer is built for.

sitmap's gazetteer is regional by design (every place of PS, IL, EG, JO, LB and SY, but
only capitals and cities of 1.5 million+ elsewhere), so its worldwide recall is low on
US local news (LGL) and worldwide outbreak reports (GeoVirus); the regional rows are
the comparable ones. Published figures of other geoparsers on these corpora are in
the references printed at the end (they could not be retrieved offline when this
script was written, so none are typed in here rather than quoted from memory).

Usage: python bench/geoparse_corpora.py [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.resolve import mentions  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "geoparsing_corpora"
REGION_BBOX = (24.0, 21.0, 43.0, 38.0)  # lon/lat box around EG, IL, PS, JO, LB, SY
#: GeoWebNews toponym types that name a place (Gritta et al. 2020 taxonomy); expressions,
#: demonyms, languages and non-toponyms are not counted.
GWN_TOPONYM_TYPES = {
    "Literal",
    "Literal_Modifier",
    "Non_Literal_Modifier",
    "Metonymic",
    "Mixed",
    "Coercion",
    "Embedded_Literal",
    "Embedded_Non_Lit",
    "Homonym",
}

REFERENCES = {
    "LGL": "Lieberman et al. 2010 (corpus); geoparser comparisons in Gritta et al. 2018, 'What's missing in "
    "geographical parsing?', Lang. Resour. Eval. 52, and Wang & Hu 2019 (EUPEG), Trans. GIS 23",
    "GeoWebNews": "Gritta, Pilehvar & Collier 2020, 'A pragmatic guide to geoparsing evaluation', Lang. Resour. "
    "Eval. 54:683-712 (geotagging and geocoding tables)",
    "TR-News": "Kamalloo & Rafiei 2018 (corpus); Wang & Hu 2019 (EUPEG), Trans. GIS 23",
    "GeoVirus": "Gritta, Pilehvar & Collier 2018, 'Which Melbourne? Augmenting geocoding with maps', ACL 2018 "
    "(CamCoder); Wang & Hu 2019 (EUPEG)",
    "GeoCorpora": "Wallgrün et al. 2018, 'GeoCorpora', IJGIS 32; Wang & Hu 2019 (EUPEG)",
}


@dataclass
class Gold:
    start: int
    end: int
    lon: float | None
    lat: float | None


@dataclass
class Doc:
    text: str
    gold: list[Gold] = field(default_factory=list)


def _f(value: str | None) -> float | None:
    try:
        v = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return v if v is not None and math.isfinite(v) else None


def read_lgl_like(path: Path) -> list[Doc]:
    """LGL and TR-News: <article><text/><toponyms><toponym><start/><end/><gaztag><lat/><lon/>."""
    docs = []
    for art in ET.parse(path).getroot().iter("article"):
        text = art.findtext("text") or ""
        d = Doc(text)
        for t in art.iter("toponym"):
            s, e = t.findtext("start"), t.findtext("end")
            if s is None or e is None:
                continue
            gz = t.find("gaztag")
            lat = _f(gz.findtext("lat")) if gz is not None else None
            lon = _f(gz.findtext("lon")) if gz is not None else None
            d.gold.append(Gold(int(s), int(e), lon, lat))
        docs.append(d)
    return docs


def read_gwn(path: Path) -> list[Doc]:
    docs = []
    for art in ET.parse(path).getroot().iter("article"):
        d = Doc(art.findtext("text") or "")
        for t in art.iter("toponym"):
            if (t.findtext("type") or "") not in GWN_TOPONYM_TYPES:
                continue
            d.gold.append(
                Gold(int(t.findtext("start") or 0), int(t.findtext("end") or 0), _f(t.findtext("longitude")),
                     _f(t.findtext("latitude")))
            )  # fmt: skip
        docs.append(d)
    return docs


def read_geovirus(path: Path) -> list[Doc]:
    docs = []
    for art in ET.parse(path).getroot().iter("article"):
        d = Doc(art.findtext("text") or "")
        for loc in art.iter("location"):
            d.gold.append(
                Gold(int(loc.findtext("start") or 0), int(loc.findtext("end") or 0), _f(loc.findtext("lon")),
                     _f(loc.findtext("lat")))
            )  # fmt: skip
        docs.append(d)
    return docs


def read_geocorpora(path: Path) -> list[Doc]:
    raw = path.read_text(encoding="cp1252", errors="replace").replace("\r\n", "\n")
    by_tweet: dict[str, Doc] = {}
    for row in csv.DictReader(io.StringIO(raw), delimiter="\t"):
        doc = by_tweet.setdefault(row["tweet_id_str"], Doc(row["tweet_text"]))
        if row.get("text") and row.get("char_position"):
            start = int(row["char_position"])
            doc.gold.append(Gold(start, start + len(row["text"]), _f(row["longitude"]), _f(row["latitude"])))
    return list(by_tweet.values())


CORPORA = {
    "LGL": ("lgl.xml", read_lgl_like),
    "GeoWebNews": ("GeoWebNews_GWN.xml", read_gwn),
    "TR-News": ("TR-News.xml", read_lgl_like),
    "GeoVirus": ("GeoVirus.xml", read_geovirus),
    "GeoCorpora": ("geocorpora_1544784178012.tsv", read_geocorpora),
}


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _regional(g: Gold) -> bool:
    x0, y0, x1, y1 = REGION_BBOX
    return g.lon is not None and g.lat is not None and x0 <= g.lon <= x1 and y0 <= g.lat <= y1


def evaluate(docs: list[Doc]) -> dict[str, float]:
    """Span-overlap recall/precision and accuracy@161 km (all gold, and regional gold)."""
    c: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    for d in docs:
        found = mentions(d.text)
        c["mentions"] += len(found)
        matched_mentions = set()
        for g in d.gold:
            c["gold"] += 1
            reg = _regional(g)
            c["gold_reg"] += reg
            hit = next((m for m in found if m.start < g.end and m.end > g.start), None)
            if hit is None:
                continue
            matched_mentions.add(id(hit))
            c["found"] += 1
            c["found_reg"] += reg
            if g.lon is None or g.lat is None or hit.geometry is None:
                continue
            ok = _km(hit.geometry.x, hit.geometry.y, g.lon, g.lat) <= 161.0
            c["geo"] += 1
            c["geo_ok"] += ok
            c["geo_reg"] += reg
            c["geo_ok_reg"] += ok and reg
        c["true_mentions"] += len(matched_mentions)
    c["seconds"] = time.perf_counter() - t0
    return dict(c)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "  n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents of each corpus")
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("SITMAP_CORPORA", DEFAULT_DIR)))
    args = ap.parse_args(argv)
    if not args.dir.is_dir():
        print(f"corpora folder not found: {args.dir} (set SITMAP_CORPORA)")
        return 1
    mentions("warm-up: Gaza")  # load the gazetteer outside the timings
    header = (
        f"{'corpus':<11} {'docs':>5} {'gold':>6} {'recall':>7} {'prec':>6} {'acc@161':>8} "
        f"{'gold PS/IL+':>11} {'recall':>7} {'acc@161':>8} {'sec':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, (fname, reader) in CORPORA.items():
        path = args.dir / fname
        if not path.exists():
            print(f"{name:<11} (absent: {fname})")
            continue
        docs = reader(path)[: args.limit]
        c = evaluate(docs)
        print(
            f"{name:<11} {len(docs):>5} {int(c.get('gold', 0)):>6} {_ratio(c.get('found', 0), c.get('gold', 0)):>7} "
            f"{_ratio(c.get('true_mentions', 0), c.get('mentions', 0)):>6} "
            f"{_ratio(c.get('geo_ok', 0), c.get('geo', 0)):>8} {int(c.get('gold_reg', 0)):>11} "
            f"{_ratio(c.get('found_reg', 0), c.get('gold_reg', 0)):>7} "
            f"{_ratio(c.get('geo_ok_reg', 0), c.get('geo_reg', 0)):>8} {c['seconds']:>6.1f}"
        )
    print()
    print("Published figures of other geoparsers for the same corpora (not typed in here; see):")
    for name, ref in REFERENCES.items():
        print(f"  {name:<11} {ref}")
    print(re.sub(r"\s+", " ", "Note: sitmap's gazetteer is regional by design; compare the PS/IL+ columns."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
