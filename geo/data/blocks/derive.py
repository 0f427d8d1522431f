"""Rebuild ``idf_blocks_620.geojson`` from the GazaNowPop copy of the IDF block grid (run by hand).

Geometry is copied unchanged (coordinates as published); properties become
``block_id`` (string), ``name_he`` (the Hebrew transliteration as published),
``name_en`` (an English rendering of it, made for sitmap) and the OCHA governorate
the block's area-weighted centroid falls in (``adm2_pcode``, ``adm2_name``).

Usage: python geo/data/blocks/derive.py GRID.geojson CENTROIDS.csv
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent

#: Hebrew transliterations of Arabic neighbourhood names on the IDF map -> English.
NAMES_EN = {
    "ח'אנ יונס": "Khan Younis",
    "ע'זה אלדרג'": "Gaza - Ad-Daraj",
    "ע'זה אלזיתונ": "Gaza - Az-Zeitoun",
    "רפח": "Rafah",
    "ג'באליא": "Jabalia",
    "בית לאהיא": "Beit Lahia",
    "עבסאנ": "Abasan",
    "דיר אלבלח": "Deir al-Balah",
    "ע'זה אלתפאח": "Gaza - At-Tuffah",
    "אלנזלה": "An-Nazla",
    "אבו מדינ": "Abu Middein (al-Mughraqa)",
    "בני סהילא": "Bani Suheila",
    "בית חאנונ": "Beit Hanoun",
    "בית חאנון": "Beit Hanoun",
    "ע'זה אלתרכמאנ": "Gaza - Shuja'iyya at-Turkman",
    "אלנציראת": "An-Nuseirat",
    "ע'זה אלג'דידה": "Gaza - Shuja'iyya al-Jadida",
    "ע'זה": "Gaza",
    "ג'באליא אלנזלה": "Jabalia - An-Nazla",
    "אלסמירי": "As-Sumeiri",
    "אלמע'אזי": "Al-Maghazi",
    "אלבריג'": "Al-Bureij",
    "דמרה": "Dimra",
    "ח'רבה ח'זאעה(בני סהילא)": "Khirbet Khuza'a (Bani Suheila)",
    "ח'רבה ח'זאעה": "Khirbet Khuza'a",
}


def main(grid_path: Path, centroids_path: Path) -> None:
    """Write the shipped grid with English names and governorates."""
    grid = json.loads(grid_path.read_text(encoding="utf-8"))
    with centroids_path.open(encoding="utf-8") as fh:
        gov = {row["block_id"]: row for row in csv.DictReader(fh)}
    feats = []
    for f in sorted(grid["features"], key=lambda f: int(f["properties"]["Name"])):
        bid = str(int(f["properties"]["Name"]))
        he = f["properties"].get("description")
        he = None if he in (None, "", "<Null>") else he
        row = gov[bid]
        props = {
            "block_id": bid,
            "name_he": he,
            "name_en": NAMES_EN.get(he) if he else None,
            "adm2_pcode": row["ocha_adm2_pcode"],
            "adm2_name": row["ocha_adm2_en"],
        }
        feats.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    doc = {"type": "FeatureCollection", "name": "idf_blocks_620", "features": feats}
    out = HERE / "idf_blocks_620.geojson"
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
