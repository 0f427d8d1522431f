"""Numbered evacuation block grids: block ids in orders -> polygons, with honest gaps.

The Israeli military has named evacuation areas in the Gaza Strip by numbered blocks
since about 1 December 2023. sitmap ships that 620-block grid (``geo/data/blocks``,
GPL-3.0, see its NOTICE.md) and reads any other numbered grid from GeoJSON.

Later orders name sub-blocks such as ``37.1`` or ``2231.2`` that split an original
block but are not in the published grid. :meth:`BlockGrid.resolve` maps such an id to
its parent block (``37``, ``2231``) and flags it as approximate rather than dropping
it: the parent is an upper bound of the area really meant. An id with no parent in the
grid is reported as unknown (or rejected with ``strict=True``).

:func:`parse_block_ids` finds block lists in free text ("blocks 55, 56 and 62",
"block 37.1", "areas numbered 2231.2", "blocks 5-8", Arabic "البلوكات 55، 56 و62").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput, NotFound

DATA_DIR = Path(__file__).parent / "data" / "blocks"
SHIPPED_GRID = DATA_DIR / "idf_blocks_620.geojson"
#: Name of the shipped grid, stored with every zone built from it (``Zone.grid``).
SHIPPED_GRID_NAME = "idf-blocks-2023-12"

#: Longest range "blocks A-B" that :func:`parse_block_ids` expands (a guard against "1-9999").
MAX_RANGE = 200

_NUMERIC_ID = re.compile(r"^(\d+)((?:\.\d+)*)$")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


def normalize_block_id(value: object) -> str:
    """Canonical text of a block id: ``37`` -> "37", " 037 " -> "37", "2231.2" stays.

    Integers and numeric strings lose leading zeros of their integer part (Arabic-Indic
    digits are read too); other ids are kept as written, stripped. Floats are refused
    because ``37.10`` and ``37.1`` would collapse: pass sub-block ids as text.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(f"block id {value!r} must be an integer or a string, not {type(value).__name__}")
    text = str(value).strip().translate(_ARABIC_DIGITS)
    if not text:
        raise InvalidInput("block id is empty")
    m = _NUMERIC_ID.match(text)
    if m:
        return str(int(m.group(1))) + m.group(2)
    return text


def parent_block_id(block_id: str) -> str | None:
    """The id one level up: "2231.2" -> "2231", "37.1.4" -> "37.1"; ``None`` for a top id."""
    head, dot, _ = block_id.rpartition(".")
    return head if dot and head else None


@dataclass(frozen=True)
class Block:
    """One block of a grid: its id, polygon and the names the grid gives it."""

    id: str
    geometry: Polygon | MultiPolygon = field(repr=False, compare=False)
    name_en: str | None = None
    name_he: str | None = None
    adm2_pcode: str | None = None
    adm2_name: str | None = None


@dataclass(frozen=True)
class BlockSelection:
    """The result of resolving block ids against a grid.

    ``block_ids``: every id that was placed, as normalised, in the order given (exact
    and approximate). ``approx_block_ids``: the subset not in the grid that stands for
    a parent block, with ``parents`` mapping each to the grid block used. ``unknown_ids``:
    ids with no block and no parent in the grid (not placed). ``geometry`` is the union
    of the blocks used, ``None`` when nothing could be placed.
    """

    geometry: Polygon | MultiPolygon | None
    block_ids: tuple[str, ...]
    approx_block_ids: tuple[str, ...] = ()
    unknown_ids: tuple[str, ...] = ()
    parents: dict[str, str] = field(default_factory=dict)
    grid: str | None = None

    @property
    def grid_block_ids(self) -> tuple[str, ...]:
        """The grid blocks actually drawn (parents instead of sub-blocks), unique, in order."""
        seen: dict[str, None] = {}
        for bid in self.block_ids:
            seen.setdefault(self.parents.get(bid, bid), None)
        return tuple(seen)

    @property
    def is_exact(self) -> bool:
        """True when every id was in the grid as written."""
        return not self.approx_block_ids and not self.unknown_ids


class BlockGrid:
    """A numbered grid of polygons keyed by block id (text)."""

    def __init__(self, blocks: Iterable[Block], *, name: str) -> None:
        self.name = name
        self._blocks: dict[str, Block] = {}
        for block in blocks:
            if block.id in self._blocks:
                raise InvalidInput(f"grid {name!r} has block id {block.id!r} twice")
            self._blocks[block.id] = block
        if not self._blocks:
            raise InvalidInput(f"grid {name!r} has no blocks")

    def __len__(self) -> int:
        return len(self._blocks)

    def __contains__(self, block_id: object) -> bool:
        try:
            return normalize_block_id(block_id) in self._blocks
        except InvalidInput:
            return False

    def __repr__(self) -> str:
        return f"BlockGrid(name={self.name!r}, blocks={len(self)})"

    @property
    def ids(self) -> list[str]:
        """All block ids, numeric ones in numeric order."""
        return sorted(self._blocks, key=_sort_key)

    def block(self, block_id: object) -> Block:
        """The block with this id, or ``NotFound`` naming it."""
        bid = normalize_block_id(block_id)
        try:
            return self._blocks[bid]
        except KeyError:
            raise NotFound(f"block {bid!r} is not in grid {self.name!r}") from None

    def blocks(self) -> list[Block]:
        """All blocks, in id order."""
        return [self._blocks[i] for i in self.ids]

    @classmethod
    def load(cls) -> BlockGrid:
        """The shipped 620-block grid (cached; read on first call, never at import)."""
        return _shipped_grid()

    @classmethod
    def from_geojson(cls, path: str | Path, id_property: str, *, name: str | None = None) -> BlockGrid:
        """Read any numbered grid from a GeoJSON FeatureCollection of polygons.

        ``id_property`` names the property holding each block's number. Invalid
        polygons are rejected with shapely's reason; a feature without an id, or an id
        used twice, is an ``InvalidInput`` naming it.
        """
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"grid file {p} is not JSON: {exc.msg} at line {exc.lineno}") from exc
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise InvalidInput(f"grid file {p} is not a GeoJSON FeatureCollection")
        return cls.from_features(doc.get("features") or [], id_property, name=name or p.stem)

    @classmethod
    def from_features(cls, features: Iterable[dict[str, Any]], id_property: str, *, name: str) -> BlockGrid:
        """Build a grid from GeoJSON feature mappings (see :meth:`from_geojson`)."""
        blocks = []
        for n, feat in enumerate(features):
            props = feat.get("properties") or {}
            raw = props.get(id_property)
            if raw is None or raw == "":
                raise InvalidInput(f"grid {name!r} feature {n} has no {id_property!r} property")
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            bid = normalize_block_id(raw if not isinstance(raw, float) else repr(raw))
            try:
                geom = shape(feat["geometry"])
            except Exception as exc:
                raise InvalidInput(f"grid {name!r} block {bid!r} has no readable geometry: {exc}") from exc
            if not isinstance(geom, Polygon | MultiPolygon):
                raise InvalidInput(f"grid {name!r} block {bid!r} is a {geom.geom_type}, not a polygon")
            if not geom.is_valid:
                raise InvalidInput(f"grid {name!r} block {bid!r} is not valid: {shapely.is_valid_reason(geom)}")
            blocks.append(
                Block(
                    id=bid,
                    geometry=geom,
                    name_en=props.get("name_en"),
                    name_he=props.get("name_he"),
                    adm2_pcode=props.get("adm2_pcode"),
                    adm2_name=props.get("adm2_name"),
                )
            )
        return cls(blocks, name=name)

    def resolve(self, ids: Iterable[object], *, strict: bool = False) -> BlockSelection:
        """Turn block ids into one geometry, mapping sub-blocks to parents, flagging the rest.

        ``ids`` may be ints or strings ("37", "37.1"); duplicates count once. With
        ``strict=True`` an id that is neither in the grid nor has a parent in it raises
        ``InvalidInput`` naming it (and the grid); otherwise it lands in ``unknown_ids``.
        """
        placed: dict[str, None] = {}
        approx: dict[str, None] = {}
        unknown: dict[str, None] = {}
        parents: dict[str, str] = {}
        for raw in ids:
            bid = normalize_block_id(raw)
            if bid in placed or bid in unknown:
                continue
            if bid in self._blocks:
                placed[bid] = None
                continue
            parent = parent_block_id(bid)
            while parent is not None and parent not in self._blocks:
                parent = parent_block_id(parent)
            if parent is None:
                unknown[bid] = None
                continue
            placed[bid] = None
            approx[bid] = None
            parents[bid] = parent
        if strict and unknown:
            listed = ", ".join(unknown)
            raise InvalidInput(f"block id(s) {listed} not in grid {self.name!r} and no parent block found")
        used = {parents.get(b, b) for b in placed}
        geometry = _union([self._blocks[b].geometry for b in sorted(used, key=_sort_key)])
        return BlockSelection(
            geometry=geometry,
            block_ids=tuple(placed),
            approx_block_ids=tuple(approx),
            unknown_ids=tuple(unknown),
            parents=parents,
            grid=self.name,
        )

    def geometry(self, ids: Iterable[object]) -> Polygon | MultiPolygon:
        """Union of the named blocks; any id not resolvable is an ``InvalidInput``."""
        sel = self.resolve(ids, strict=True)
        if sel.geometry is None:
            raise InvalidInput("no block ids given")
        return sel.geometry


def _sort_key(block_id: str) -> tuple[int, tuple[int, ...], str]:
    m = _NUMERIC_ID.match(block_id)
    if not m:
        return (1, (), block_id)
    parts = (int(m.group(1)), *(int(x) for x in m.group(2).split(".")[1:]))
    return (0, parts, "")


def _union(geoms: list[BaseGeometry]) -> Polygon | MultiPolygon | None:
    if not geoms:
        return None
    merged = shapely.union_all(geoms)
    if not merged.is_valid:  # pragma: no cover - defensive: slivers between published blocks
        merged = shapely.make_valid(merged)
    if isinstance(merged, Polygon | MultiPolygon):
        return merged
    polys = [g for g in getattr(merged, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    out = shapely.union_all(polys)
    return out if isinstance(out, Polygon | MultiPolygon) else None


@cache
def _shipped_grid() -> BlockGrid:
    return BlockGrid.from_geojson(SHIPPED_GRID, "block_id", name=SHIPPED_GRID_NAME)


# --------------------------------------------------------------------------------------
# Block ids in free text
# --------------------------------------------------------------------------------------

_NUM = r"[0-9٠-٩]+(?:[.٫][0-9٠-٩]+)*"
_TRIGGER = (
    r"(?:"
    r"\bblock\s+numbers?|\bblocks?|\bareas?\s+numbered|\bnumbered\s+(?:blocks?|areas?)"
    r"|\bareas?\s+(?:no|nos|number|numbers)\b\.?"
    r"|(?:ال)?بلوك(?:ات)?|(?:ال)?مربع(?:ات)?|בלוק(?:ים)?"
    r")"
    r"(?:\s*(?:no\.?|nos\.?|numbers?|number|#|رقم|أرقام|ارقام|מס['׳]?)(?![a-z]))?"
    # "blocks including 36, 38 and 40", "blocks such as 5 and 6": the list still follows
    r"(?:\s+(?:including|includ(?:es|ed)|such as|namely|among them|numbered))?"
)
_SEP = r"(?:\s*(?:,|،|;|&|/|\band\b|\bor\b|\bto\b|\bthrough\b|-|–|—)\s*|\s*و\s*)"
_LIST_RE = re.compile(rf"{_TRIGGER}\s*:?\s*#?(?P<list>{_NUM}(?:{_SEP}#?{_NUM})*)", re.IGNORECASE)
_ITEM_RE = re.compile(rf"({_NUM})(?:\s*(?:-|–|—|\bto\b|\bthrough\b)\s*({_NUM}))?", re.IGNORECASE)


def parse_block_ids(text: str) -> list[str]:
    """Block ids named in a text, normalised, unique, in order of appearance.

    Recognises a trigger word ("block(s)", "block numbers", "areas numbered",
    "numbered areas", Arabic "بلوك"/"البلوكات"/"مربع", Hebrew "בלוק"), optionally
    "including"/"such as" ("blocks including 36, 38 and 40"), followed by a list of
    numbers joined by commas (also Arabic "،"), "and"/"or"/"و", and ranges
    "5-8" / "5 to 8" of whole numbers (expanded; at most ``MAX_RANGE`` ids, a longer
    range keeps only its two ends). Sub-block ids such as "37.1" are kept as written.
    """
    out: dict[str, None] = {}
    for m in _LIST_RE.finditer(text):
        for item in _ITEM_RE.finditer(m.group("list")):
            a = normalize_block_id(item.group(1))
            b = normalize_block_id(item.group(2)) if item.group(2) else None
            if b is not None and a.isdigit() and b.isdigit() and 0 < int(b) - int(a) <= MAX_RANGE:
                for n in range(int(a), int(b) + 1):
                    out.setdefault(str(n), None)
                continue
            out.setdefault(a, None)
            if b is not None:
                out.setdefault(b, None)
    return list(out)


__all__ = [
    "MAX_RANGE",
    "SHIPPED_GRID_NAME",
    "Block",
    "BlockGrid",
    "BlockSelection",
    "normalize_block_id",
    "parent_block_id",
    "parse_block_ids",
]
