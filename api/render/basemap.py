"""sitmap's own offline basemap: land and sea, neighbourhoods, Wadi Gaza and place labels.

Every map draws it unless ``SITMAP_TILES`` names a tile source, so a reader with no
internet (or a newsroom behind a strict firewall) can still orient: the sea is a
different colour from the land, the Gaza Strip's neighbourhoods are outlined from the
numbered evacuation grid, Wadi Gaza is drawn, and places are labelled at zooms where
they do not crowd each other. Built only from data sitmap ships:

- land: ``geo/data/basemap/land_osm_10m.geojson`` (© OpenStreetMap contributors, ODbL),
  and beyond its box Natural Earth's countries (public domain);
- neighbourhood outlines: the IDF block grid (``geo/data/blocks``) merged by the
  neighbourhood name each block carries;
- Wadi Gaza: ``geo/data/basemap/wadi_gaza.geojson``;
- labels: the gazetteer (GeoNames, CC BY 4.0, and sitmap's curated places), with
  Arabic and Hebrew names where it has them.

Governorate and country outlines stay in ``boundaries.geojson`` (drawn above the
data). :func:`basemap_geojson` builds the collection once per process;
:func:`write_basemap` writes it beside the map scripts (``make install`` does), where
``/static/sitmap/basemap.geojson`` serves it. Run ``python -m api.render.basemap`` to
rebuild it by hand.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

BASEMAP_DIR = Path(__file__).resolve().parents[2] / "geo" / "data" / "basemap"
#: Where the built basemap is written and served from (``/static/sitmap/basemap.geojson``).
BASEMAP_FILE = Path(__file__).parent / "static" / "basemap.geojson"
#: The credit of everything the basemap draws (shown in the map's attribution).
BASEMAP_ATTRIBUTION = (
    "Coastline © OpenStreetMap contributors (ODbL); Natural Earth; GeoNames (CC BY 4.0); IDF block grid"
)
#: Bounds of the places labelled (lon/lat): the Strip, Israel, the West Bank and close neighbours.
LABEL_BOX = (33.8, 29.4, 36.0, 33.4)
#: The Gaza Strip's admin1 code in the gazetteer.
_GAZA_ADMIN1 = "GZ"
_HEBREW_FINALS = {"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}


def _rounded(geom: Any) -> Any:
    """Coordinates to 4 decimals (about 10 m): a basemap line needs no more, and every reader downloads it."""
    if isinstance(geom, dict):
        return {k: _rounded(v) for k, v in geom.items()}
    if isinstance(geom, list | tuple):
        return [_rounded(v) for v in geom]
    if isinstance(geom, float):
        return round(geom, 4)
    return geom


def _hebrew_display(folded: str) -> str:
    """A folded Hebrew key shown as written: word-final letters get their final forms back."""
    words = []
    for w in folded.split(" "):
        if w and w[-1] in _HEBREW_FINALS and len(w) > 1:
            w = w[:-1] + _HEBREW_FINALS[w[-1]]
        words.append(w)
    return " ".join(words)


def _script(text: str) -> str | None:
    """'ar' or 'he' when ``text`` is written in that script, else ``None``."""
    if any("\u0590" <= c <= "\u05ff" for c in text):
        return "he"
    if any("\u0600" <= c <= "\u06ff" for c in text):
        return "ar"
    return None


def _curated_names() -> dict[str, dict[str, str]]:
    """Arabic and Hebrew names of curated places as written in ``aliases.csv`` (first of each)."""
    path = BASEMAP_DIR.parent / "gazetteer" / "aliases.csv"
    out: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names: dict[str, str] = {}
            for alias in (row.get("aliases") or "").split("|"):
                lang = _script(alias)
                if lang and lang not in names:
                    names[lang] = alias.strip()
            out[row["id"]] = names
    return out


def _label_rank(kind: str, country: str | None, admin1: str | None, pop: int) -> int | None:
    """The lowest zoom a place is labelled at (``None``: never), so labels do not crowd."""
    in_gaza = country == "PS" and admin1 == _GAZA_ADMIN1
    if in_gaza:
        if kind == "city":
            return 10 if pop >= 100_000 else 11 if pop >= 20_000 else 12 if pop >= 5_000 else 13
        if kind in ("camp", "neighbourhood"):
            return 13
        if kind in ("hospital", "crossing"):
            return 14
        return None
    if kind == "city" and country in ("PS", "IL"):
        return 8 if pop >= 400_000 else 9 if pop >= 100_000 else 10 if pop >= 40_000 else None
    if kind == "city" and country in ("EG", "JO", "LB", "SY"):
        return 8 if pop >= 400_000 else 10 if pop >= 100_000 else None
    return None


def _labels() -> list[dict[str, Any]]:
    index = json.loads((BASEMAP_DIR.parent / "gazetteer" / "index.json").read_text(encoding="utf-8"))
    fields = index["fields"]
    col = {name: i for i, name in enumerate(fields)}
    scripts: dict[int, dict[str, str]] = {}
    for key, flat in index["names"].items():
        lang = _script(key)
        if lang is None:
            continue
        for j in range(0, len(flat), 2):
            scripts.setdefault(int(flat[j]), {}).setdefault(lang, key)
    curated = _curated_names()
    out: list[dict[str, Any]] = []
    for i, e in enumerate(index["entries"]):
        lon, lat = e[col["lon"]], e[col["lat"]]
        if (
            lon is None
            or lat is None
            or not (LABEL_BOX[0] <= lon <= LABEL_BOX[2] and LABEL_BOX[1] <= lat <= LABEL_BOX[3])
        ):
            continue
        kind, pop = e[col["kind"]], int(e[col["population"]] or 0)
        minzoom = _label_rank(kind, e[col["country"]], e[col["admin1"]], pop)
        if minzoom is None:
            continue
        # Folded keys of far places are often an odd variant; only the Strip's were checked.
        in_gaza = e[col["country"]] == "PS" and e[col["admin1"]] == _GAZA_ADMIN1
        names = {k: v for k, v in scripts.get(i, {}).items() if in_gaza and not any("a" <= c <= "z" for c in v)}
        if "he" in names:
            names["he"] = _hebrew_display(names["he"])
        names.update(curated.get(e[col["id"]], {}))
        props: dict[str, Any] = {"kind": "label", "name": e[col["name"]], "place": kind, "minzoom": minzoom}
        props.update({f"name_{lang}": text for lang, text in sorted(names.items())})
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
                "properties": props,
            }
        )
    # Big places first: the browser places labels in this order and skips any that collide.
    out.sort(key=lambda f: (f["properties"]["minzoom"], f["properties"]["place"] != "city", f["properties"]["name"]))
    return out


def _neighbourhoods() -> list[dict[str, Any]]:
    """The grid blocks merged by the neighbourhood name each carries, as thin outlines."""
    import shapely
    from shapely.geometry import mapping

    from geo.blocks import BlockGrid

    groups: dict[str, list[Any]] = {}
    for block in BlockGrid.load().blocks():
        name = block.name_en or block.name_he
        if name:
            groups.setdefault(name, []).append(block.geometry)
    out = []
    for name, geoms in sorted(groups.items()):
        merged = shapely.simplify(shapely.union_all(geoms), 0.0003, preserve_topology=True)
        outline = shapely.simplify(merged.boundary, 0.0002)
        out.append(
            {
                "type": "Feature",
                "geometry": _rounded(mapping(outline)),
                "properties": {"kind": "neighbourhood", "name": name, "minzoom": 12},
            }
        )
    return out


def _land() -> list[dict[str, Any]]:
    """OSM land inside its clip box, Natural Earth's coarser countries beyond it, as one area.

    A map of a talk in Doha or Cairo still shows the neighbours as land; only Israel,
    Palestine and the nearby coasts need the 10 m coastline.
    """
    import shapely
    from shapely.geometry import box, mapping, shape

    from geo.boundaries import countries

    fc = json.loads((BASEMAP_DIR / "land_osm_10m.geojson").read_text(encoding="utf-8"))
    fine = [shape(f["geometry"]) for f in fc["features"]]
    clip = box(*fc["features"][0]["properties"]["bbox_clip"])
    coarse = shapely.difference(shapely.union_all([c.geometry for c in countries()]), clip)
    land = shapely.union_all([*fine, shapely.simplify(coarse, 0.005)])
    return [{"type": "Feature", "geometry": _rounded(mapping(land)), "properties": {"kind": "land"}}]


def _wadi() -> list[dict[str, Any]]:
    fc = json.loads((BASEMAP_DIR / "wadi_gaza.geojson").read_text(encoding="utf-8"))
    return list(fc["features"])


def build_basemap() -> dict[str, Any]:
    """The basemap as one GeoJSON FeatureCollection; features carry ``kind`` and ``minzoom``.

    Kinds, bottom to top: ``land`` (the sea is what is not land), ``neighbourhood``
    (outlines), ``wadi`` (line) and ``label`` (points with ``name`` and, where known,
    ``name_ar`` / ``name_he``).
    """
    features = [*_land(), *_neighbourhoods(), *_wadi(), *_labels()]
    return {"type": "FeatureCollection", "attribution": BASEMAP_ATTRIBUTION, "features": features}


@cache
def basemap_geojson() -> dict[str, Any]:
    """:func:`build_basemap`, read from the file ``make install`` wrote when it is there."""
    if BASEMAP_FILE.is_file():
        try:
            doc: dict[str, Any] = json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))
            if doc.get("attribution") == BASEMAP_ATTRIBUTION:
                return doc
        except (OSError, ValueError):
            pass
    return build_basemap()


def write_basemap(path: Path = BASEMAP_FILE) -> Path:
    """Build the basemap and write it to ``path`` (compact JSON), for the static file server."""
    doc = build_basemap()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
    return path


def ensure_basemap_file() -> Path:
    """The served basemap file, written first if it is missing or stale (e.g. a pip install).

    Where the package folder is read-only, the file goes to the temporary folder instead.
    """
    import tempfile

    for path in (BASEMAP_FILE, Path(tempfile.gettempdir()) / "sitmap-basemap.geojson"):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("attribution") == BASEMAP_ATTRIBUTION:
                return path
        except (OSError, ValueError):
            pass
        try:
            return write_basemap(path)
        except OSError:
            continue
    raise OSError("could not write the basemap file anywhere")


if __name__ == "__main__":  # pragma: no cover - run by make install
    written = write_basemap()
    print(f"basemap: {written} ({written.stat().st_size / 1e3:.0f} kB)")
