"""The offline place index: GeoNames places, admin areas, curated sub-city places and aliases.

The index is compiled once by :mod:`geo.build_gazetteer` into
``geo/data/gazetteer/index.json`` and shipped; :meth:`Gazetteer.load` reads it in a
few tens of milliseconds. Names are looked up by their :func:`geo.normalize.fold`
key (exact) and, for regional Latin spellings, by :func:`geo.normalize.skeleton`
(fuzzy, weighted lower). Each entry keeps a ~95% radius and a reference to its
region — admin p-codes (:mod:`geo.boundaries`), evacuation-grid block ids
(:mod:`geo.blocks`) or a buffered line — built lazily on first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.errors import NotFound, StoreError
from geo.model import repair_geometry
from geo.normalize import fold, skeleton

DATA_DIR = Path(__file__).parent / "data" / "gazetteer"
INDEX_PATH = DATA_DIR / "index.json"
INDEX_VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One place the gazetteer knows: id, name, kind, country, point, ~95% radius and region reference.

    ``kind`` is one of country, admin1, admin2, region, city, neighbourhood, camp,
    hospital, crossing, corridor, area, facility. ``region`` is ``None`` or a mapping
    ``{"type": "admin"|"country"|"blocks"|"line", "ref": [...], "width_m": ...}``.
    """

    id: str
    name: str
    kind: str
    country: str | None
    admin1: str | None
    lon: float
    lat: float
    radius_m: float
    population: int | None = None
    parent: str | None = None
    region: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    note: str | None = field(default=None, compare=False, repr=False)

    @property
    def point(self) -> Point:
        """The best-estimate point (lon/lat)."""
        return Point(self.lon, self.lat)


class Gazetteer:
    """Name -> entries lookup over the compiled index; use :meth:`load` for the shipped one."""

    def __init__(self, doc: dict[str, Any], *, path: Path | None = None) -> None:
        if doc.get("version") != INDEX_VERSION:
            raise StoreError(f"gazetteer index version {doc.get('version')!r} is not {INDEX_VERSION}; rebuild it")
        self.path = path
        fields = doc["fields"]
        self.entries: tuple[Entry, ...] = tuple(Entry(**dict(zip(fields, row, strict=True))) for row in doc["entries"])
        self._by_id = {e.id: i for i, e in enumerate(self.entries)}
        # Flat [idx, weight, idx, weight, ...] lists, decoded per hit by ``hits`` (keeps loading fast).
        self.names: dict[str, list[float]] = doc["names"]
        self.skeletons: dict[str, list[float]] = doc["skeletons"]
        #: First words of every name (exact and skeleton): a word outside these starts no name.
        self.first_tokens = frozenset(k.split(" ", 1)[0] for k in self.names)
        self.first_skeletons = frozenset(k.split(" ", 1)[0] for k in self.skeletons)
        self.name_prefixes = _prefixes(self.names)
        self.skeleton_prefixes = _prefixes(self.skeletons)
        self.max_tokens = max((k.count(" ") + 1 for k in self.names), default=1)
        #: Written forms (:func:`geo.normalize.surface_key`) of one-word names that are everyday words
        #: ("منزله", his house; "פונה", he turns): a place only in a place context (geo.resolve).
        self.common_words: frozenset[str] = frozenset(doc.get("common", ()))
        #: Fold keys of one-word Arabic names every source writes with the article ("الرقة", Raqqa):
        #: the same letters without it ("ورقة", and a paper) are another word.
        self.article_only: frozenset[str] = frozenset(doc.get("article_only", ()))
        #: Consonant keys of Arabic and Latin names (geo.transliterate): Hebrew transliterations meet them.
        self.cross: dict[str, list[float]] = doc.get("cross", {})
        self._regions: dict[str, BaseGeometry | None] = {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Gazetteer:
        """Load the shipped index (cached) or the index at ``path``."""
        if path is None:
            return _shipped()
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read gazetteer index {p}: {exc}") from exc
        return cls(doc, path=p)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry:
        """The entry with this id ("geonames:281124", "sitmap:shujaiyya", "country:EG")."""
        try:
            return self.entries[self._by_id[entry_id]]
        except KeyError:
            raise NotFound(f"no gazetteer entry {entry_id!r}") from None

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def lookup(self, name: str, *, fuzzy: bool = True) -> list[tuple[Entry, float]]:
        """Entries a name may mean with the weight of that name (exact first; fuzzy only if none)."""
        hits = self.hits(fold(name))
        if not hits and fuzzy:
            hits = self.hits(skeleton(name), fuzzy=True)
        return sorted(((self.entries[i], w) for i, w in hits), key=lambda p: -p[1])

    def hits(self, key: str, *, fuzzy: bool = False) -> list[tuple[int, float]]:
        """(entry index, name weight) pairs for a fold key (or a skeleton key with ``fuzzy``)."""
        flat = (self.skeletons if fuzzy else self.names).get(key)
        return _pairs(flat) if flat else []

    def cross_hits(self, key: str) -> list[tuple[int, float]]:
        """(entry index, weight) pairs for a consonant key of :mod:`geo.transliterate`."""
        flat = self.cross.get(key)
        return _pairs(flat) if flat else []

    def region(self, entry: Entry) -> BaseGeometry | None:
        """The area an entry covers (admin polygon, union of grid blocks, buffered line), or None.

        Built from :mod:`geo.boundaries` / :mod:`geo.blocks` on first use and cached.
        """
        if entry.id in self._regions:
            return self._regions[entry.id]
        geom = _build_region(entry.region) if entry.region else None
        if geom is not None and not geom.is_valid:  # e.g. the quantised Natural Earth outline of Israel
            geom = repair_geometry(geom)
        self._regions[entry.id] = geom
        return geom


def _pairs(flat: list[float]) -> list[tuple[int, float]]:
    return [(int(flat[k]), float(flat[k + 1])) for k in range(0, len(flat), 2)]


def _prefixes(keys: dict[str, Any]) -> frozenset[str]:
    out: set[str] = set()
    for k in keys:
        parts = k.split(" ")
        for n in range(1, len(parts)):
            out.add(" ".join(parts[:n]))
    return frozenset(out)


def _build_region(spec: dict[str, Any]) -> BaseGeometry | None:
    kind = spec.get("type")
    ref = spec.get("ref") or []
    if kind in ("admin", "country"):
        from geo import boundaries

        if kind == "country":
            polys = {a.pcode: a.geometry for a in boundaries.countries()}
        else:
            polys = {a.pcode: a.geometry for lvl in ("adm0", "adm1", "adm2") for a in boundaries.admin_areas(lvl)}
        geoms = [polys[p] for p in ref if p in polys]
        return shapely.union_all(geoms) if geoms else None
    if kind == "blocks":
        from geo.blocks import BlockGrid

        return BlockGrid.load().geometry(ref)
    if kind == "line":
        from geo.metric import buffer_m

        line = LineString([tuple(c) for c in ref])
        return buffer_m(line, float(spec.get("width_m", 1000.0)) / 2.0)
    return None


@cache
def _shipped() -> Gazetteer:
    try:
        doc = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the shipped gazetteer index {INDEX_PATH}: {exc}") from exc
    return Gazetteer(doc, path=INDEX_PATH)
