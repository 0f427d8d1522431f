"""GeoJSON import: FeatureCollections of claims or zones, sitmap's own exports first.

A feature is a claim when its properties have ``event_type`` and a zone when they
have ``order_type`` (the property names of :mod:`layers.export`). sitmap's exports
round-trip: reading an export gives records that export to the very same bytes
(:func:`records_from_geojson`), and importing an export into the store it came from
changes nothing. Importing merges onto the stored version: what a GeoJSON export does
not carry (reviewer notes, the placement audit trail, a count's wording) is kept, and
coordinates equal to the stored ones within the export's rounding (7 decimals) count as
unchanged. A changed feature becomes a new version.

A bad feature is reported with its index (0-based, as in ``features[i]``) and the
reason, and the good ones are stored; with ``strict=True`` nothing is stored unless
every feature is good. Features without an id get a stable one derived from their
content, so importing the same file twice never duplicates them. A ``report_id``
naming a report the store does not have is dropped, with a notice.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

import shapely
from pydantic import ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.contract import (
    CLAIM_INPUT_PROPERTIES,
    ZONE_INPUT_PROPERTIES,
    claim_fields,
    feature_id,
    placement_method,
    zone_fields,
)
from geo.errors import InvalidInput, NotFound, SitmapError, TooLarge
from geo.model import CountEstimate, count_vertices, format_validation_error, repair_geometry, to_geometry
from layers.importers.common import BadRow, ImportFailed, ImportResult, _CountingReader
from layers.importers.fastclaim import FastClaims
from layers.model import ClaimRecord, Zone
from layers.store.base import ClaimQuery, Store, ZoneQuery

#: Largest single JSON value (one feature) read; the file itself is streamed, whatever its size.
MAX_FEATURE_BYTES = 64 * 1024 * 1024
#: Characters read from the file at a time.
CHUNK_CHARS = 1 << 20
#: Input column names kept in an import's summary (more are counted, not named).
MAX_COLUMNS_KEPT = 200
#: Properties read from a claim feature (the export's, and the region on request); a zone feature's.
CLAIM_INPUT: frozenset[str] = CLAIM_INPUT_PROPERTIES
ZONE_INPUT: frozenset[str] = ZONE_INPUT_PROPERTIES
#: Most vertices one feature's geometries may hold; larger ones are refused before shapely builds them.
MAX_VERTICES = 250_000
#: Ids whose feature index is kept to name the first of a duplicate.
RECENT_IDS = 50_000
#: Features per store write: one transaction each; memory is bounded by it.
BATCH_SIZE = 5000
#: Coordinates closer than this (degrees) to the stored ones are the same (exports round to 1e-7).
COORD_TOLERANCE = 1.5e-7
#: ``prefilter(texts)``: ``{index: verdict}`` for the candidate element texts it recognises.
Prefilter = Callable[[list[str]], Mapping[int, Any]]


@dataclass(frozen=True)
class BadFeature(BadRow):
    """A rejected feature: where it is (``unit`` and ``line``), its id, and why.

    GeoJSON names a feature by its index in ``features`` (``feature 3``); the tabular
    formats of :mod:`layers.importers.tabular` by their own position (``line 12`` of a
    CSV, ``feature 7`` by GeoPackage FID, ``row 4`` of a Parquet file).
    """

    unit: str = "feature"

    def __str__(self) -> str:
        where = f"{self.unit} {self.line}"
        if self.row_id:
            where += f" ({self.row_id})"
        return f"{where}: {self.reason}"


# --------------------------------------------------------------------------------------
# Reading (streamed: one feature's text at a time)
# --------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """A JSON document read in chunks: values are decoded one at a time, the text before them dropped.

    Memory is bounded by the largest single value read (a feature, at most
    :data:`MAX_FEATURE_BYTES`), not by the file.
    """

    def __init__(self, fh: IO[str], name: str) -> None:
        self._fh = fh
        self.name = name
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        #: See :meth:`skip_known`.
        self._prefilter: Prefilter | None = None
        self._wanted: Callable[[], bool] = lambda: True
        #: Lines of the buffer already put to the prefilter, in order (see :meth:`_candidates`).
        self._lines: list[tuple[int, int, str, Any, int, bool]] = []
        self._line_at = 0
        self._gathered = False  # the buffer's whole lines have been put to the prefilter

    def skip_known(self, prefilter: Prefilter, wanted: Callable[[], bool] = lambda: True) -> None:
        """Let :meth:`elements` skip decoding elements that ``prefilter`` recognises by their text.

        In a file of one element a line (sitmap's exports, and most writers' GeoJSON),
        each line's text up to a trailing comma is a candidate element text.
        ``prefilter(texts)`` returns ``{index: verdict}`` for those it recognises, and
        must recognise only texts that are one whole JSON value (the importer
        recognises digests the store knows, and a digest is only ever taken of one
        element's exact text); each such element is yielded as ``(verdict, text)``
        without decoding, and the comma after it taken as read. Any other line is
        decoded as usual, so a candidate that is not one element (two on a line, one
        over several) costs only its hash. ``wanted()`` is asked before each buffer's
        lines are put: ``False`` reads that buffer as usual.
        """
        self._prefilter = prefilter
        self._wanted = wanted

    def _candidates(self, pos: int) -> None:
        """Put the whole lines of the buffer from ``pos`` on to the prefilter (into :attr:`_lines`).

        Each candidate is ``(start, end, text, verdict, after, follows)``: ``after`` is
        the position just past the line's trailing comma (-1 without one) and
        ``follows`` says the line before it was a candidate too, so only JSON
        whitespace lies between that one's comma and this one's text.
        """
        buf = self._buf
        self._lines, self._line_at, self._gathered = [], 0, True
        if self._prefilter is None or not self._wanted():
            return
        last = buf.rfind("\n", pos)
        if last < 0:
            return
        found: list[tuple[int, int, str, int, bool]] = []
        at, previous = pos, -2
        for n, line in enumerate(buf[pos:last].split("\n")):
            start = at
            at += len(line) + 1
            body = line.strip(" \t\r")  # JSON's whitespace only: any other character is decoded (and refused)
            comma = body.endswith(",")
            text = body[:-1].rstrip(" \t\r") if comma else body
            if text[:1] == "{" and text[-1:] == "}":  # an object: a feature could be
                first = start + line.index("{")
                after = start + line.rindex(",") + 1 if comma else -1
                found.append((first, first + len(text), text, after, previous == n - 1))
                previous = n
        verdicts = self._prefilter([c[2] for c in found]) if found else {}
        self._lines = [(a, b, t, verdicts.get(n), after, follows) for n, (a, b, t, after, follows) in enumerate(found)]

    def _known(self, pos: int) -> int | None:
        """The index in :attr:`_lines` of the recognised line starting at ``pos``, or ``None``."""
        lines, at = self._lines, self._line_at
        if at >= len(lines) and not self._gathered:
            self._candidates(pos)
            lines, at = self._lines, 0
        while at < len(lines) and lines[at][0] < pos:
            at += 1
        self._line_at = at
        if at < len(lines) and lines[at][0] == pos and lines[at][3] is not None:
            return at
        return None

    def _fill(self) -> bool:
        """Read one more chunk; False at the end of the file."""
        if self._eof:
            return False
        try:
            data = self._fh.read(CHUNK_CHARS)
        except UnicodeDecodeError:
            raise InvalidInput(f"{self.name} is not UTF-8 text: save the file as UTF-8") from None
        if not data:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + data
        self._pos = 0
        self._lines, self._line_at, self._gathered = [], 0, False  # their positions were the old buffer's
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, what: str) -> str:
        """Consume the next non-blank character, which must be one of ``chars``."""
        got = self.peek()
        if not got or got not in chars:
            shown = repr(got) if got else "the end of the file"
            raise InvalidInput(f"{self.name} is not JSON: expected {what}, found {shown}")
        self._pos += 1
        return got

    def value(self) -> tuple[Any, str]:
        """Decode the next JSON value; return it with its exact text (for content hashes)."""
        self.peek()
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if len(self._buf) - self._pos > MAX_FEATURE_BYTES:
                    raise TooLarge(
                        f"{self.name}: a value larger than {MAX_FEATURE_BYTES // 2**20} MB or malformed JSON "
                        f"({exc.msg})"
                    ) from None
                if self._fill():
                    continue
                raise InvalidInput(f"{self.name} is not JSON: {exc}") from None
            if end == len(self._buf) and self._fill():
                continue  # a number may go on in the next chunk
            text = self._buf[self._pos : end]
            self._pos = end
            return obj, text

    def elements(self, what: str) -> Iterator[tuple[Any, str]]:
        """Each value of the array whose non-empty body starts here, with its text; consumes the closing ']'.

        What :meth:`value` and :meth:`expect` do, in one loop over the buffer for the
        common case (a value and its separator wholly in the buffer): their calls were a
        third of a re-import's reading. Anything else (a chunk's end, malformed text)
        goes through them, so the errors are theirs.
        """
        decode = self._decoder.raw_decode
        skip = _WS.match
        while True:
            buf = self._buf
            pos = skip(buf, self._pos).end()  # type: ignore[union-attr]
            at = self._known(pos) if self._prefilter is not None else None
            if at is not None:  # a run of recognised lines: not decoded, nor their separators read again
                lines = self._lines
                while True:
                    _, end, text, verdict, after, _ = lines[at]
                    yield verdict, text
                    at += 1
                    if after < 0 or not (at < len(lines) and lines[at][3] is not None and lines[at][5]):
                        break
                self._line_at = at
                if after >= 0:
                    self._pos = after  # the comma is read: the next element starts here
                    continue
                self._pos = end
                end = -1
            else:
                try:
                    obj, end = decode(buf, pos)
                except json.JSONDecodeError:
                    end = len(buf)  # cut by the chunk's end, or not JSON: value() says which
            if end < 0:
                pass
            elif end < len(buf):
                self._pos = end
                yield obj, buf[pos:end]
            else:
                self._pos = pos
                yield self.value()
            buf = self._buf
            pos = skip(buf, self._pos).end()  # type: ignore[union-attr]
            if pos < len(buf):
                sep = buf[pos]
                if sep == ",":
                    self._pos = pos + 1
                    continue
                if sep == "]":
                    self._pos = pos + 1
                    return
            if self.expect(",]", f"',' or ']' in {what}") == "]":
                return


def _open_text(
    source: str | Path | IO[bytes] | IO[str],
) -> tuple[IO[str], str, int, Callable[[], int], Callable[[], None]]:
    """A text stream of ``source``: the stream, a name, the size in bytes (0 if unknown), a bytes-read
    counter, and ``done()`` that closes what was opened here (a caller's own file is left open)."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"no such file: {source}")
        counter = _CountingReader(path.open("rb"))
        text = io.TextIOWrapper(io.BufferedReader(counter, buffer_size=1 << 16), encoding="utf-8-sig")
        return text, path.name, path.stat().st_size, lambda: counter.count, text.close
    name = str(getattr(source, "name", "input"))
    if isinstance(source, io.TextIOBase) or isinstance(source.read(0), str):
        return source, name, 0, lambda: 0, lambda: None  # type: ignore[return-value]
    wrapped = io.TextIOWrapper(cast(IO[bytes], source), encoding="utf-8-sig")

    def detach() -> None:
        wrapped.detach()  # the caller's file stays open

    return wrapped, name, 0, lambda: 0, detach


def iter_features(stream: _JsonStream) -> Iterator[tuple[Any, str]]:
    """Each element of the top-level ``features`` array as ``(parsed, text)``, in order.

    A single top-level Feature is yielded as one element. The other members of the
    FeatureCollection are read (``type`` is checked) and dropped.
    """
    if stream.peek() != "{":
        if stream.peek() == "":
            raise InvalidInput(f"{stream.name} is empty: expected a GeoJSON FeatureCollection")
        stream.value()  # JSON, but not an object (or not JSON at all: that error first)
        raise InvalidInput(f"{stream.name} is not a GeoJSON object")
    stream.expect("{", "'{'")
    members: dict[str, Any] = {}
    seen_features = False
    first = True
    while stream.peek() != "}":
        if not first:
            stream.expect(",", "',' or '}'")
        first = False
        key, _ = stream.value()
        if not isinstance(key, str):
            raise InvalidInput(f"{stream.name} is not JSON: object keys must be strings")
        stream.expect(":", "':'")
        if key == "features":
            if members.get("type", "FeatureCollection") != "FeatureCollection":
                raise InvalidInput(
                    f"{stream.name} is a GeoJSON {members['type']!r}, expected a FeatureCollection of claims or zones"
                )
            seen_features = True
            if stream.peek() != "[":
                raise InvalidInput(f"{stream.name}: 'features' must be a list")
            stream.expect("[", "'['")
            if stream.peek() == "]":
                stream.expect("]", "']'")
                continue
            yield from stream.elements("features")
        else:
            members[key], _ = stream.value()
    stream.expect("}", "'}'")
    kind = members.get("type")
    if kind == "Feature" and not seen_features:
        yield members, json.dumps(members, sort_keys=True, separators=(",", ":"))
        return
    if kind != "FeatureCollection":
        raise InvalidInput(f"{stream.name} is a GeoJSON {kind!r}, expected a FeatureCollection of claims or zones")
    if not seen_features:
        raise InvalidInput(f"{stream.name}: 'features' must be a list")


def load_geojson(source: str | Path | IO[bytes] | IO[str] | dict[str, Any]) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (or of a single Feature), unvalidated.

    ``source`` is a path, an open file or an already-parsed mapping. Raises
    :class:`InvalidInput` for text that is not JSON or not a FeatureCollection. Holds
    every feature in memory: :func:`import_geojson` streams instead.
    """
    return [feature for feature, _ in _features(source)]


def _features(source: str | Path | IO[bytes] | IO[str] | dict[str, Any]) -> Iterator[tuple[Any, str | None]]:
    """``(feature, its text or None)`` for every feature of ``source``, streamed from files."""
    if isinstance(source, dict):
        kind = source.get("type")
        if kind == "Feature":
            yield source, None
            return
        if kind != "FeatureCollection":
            raise InvalidInput(f"input is a GeoJSON {kind!r}, expected a FeatureCollection of claims or zones")
        features = source.get("features")
        if not isinstance(features, list):
            raise InvalidInput("input: 'features' must be a list")
        for feature in features:
            yield feature, None
        return
    fh, name, _, _, done = _open_text(source)
    try:
        yield from iter_features(_JsonStream(fh, name))
    finally:
        done()


def _geometry(value: Any, *, what: str, repair: bool) -> BaseGeometry | None:
    if value is None:
        return None
    try:
        return to_geometry(value)
    except InvalidInput:
        if not repair:
            raise
        try:
            geom = shape(value)
        except Exception as exc:  # shapely raises several types for bad mappings
            raise InvalidInput(f"{what} is not a GeoJSON geometry: {exc}") from None
        return to_geometry(repair_geometry(geom))


def _content_id(prefix: str, feature: dict[str, Any]) -> str:
    text = json.dumps(feature, sort_keys=True, ensure_ascii=False, default=str)
    return f"{prefix}-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _props(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput("not a GeoJSON Feature")
    props = feature.get("properties")
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise InvalidInput("'properties' must be an object")
    return props


def _reader(repair: bool) -> Callable[[Any, str], BaseGeometry | None]:
    """The contract's geometry reader: strict, or repairing invalid geometries with ``repair``."""
    return lambda value, what: _geometry(value, what=what, repair=repair)


def feature_to_claim(
    feature: dict[str, Any], *, repair: bool = False, warnings: dict[str, int] | None = None
) -> ClaimRecord:
    """A ClaimRecord from a claim feature (the inverse of :func:`layers.export.claim_feature`).

    Read by :func:`geo.contract.claim_fields`, as the API reads a posted claim, plus the
    bookkeeping (``version``, ``recorded_at``, ``superseded_at``), so an export read
    back exports to the same bytes; a store assigns its own on write. A feature without
    an id gets one derived from its content. ``geo_precision`` and ``where_prec`` given
    by the feature are kept; each one that differs from sitmap's derivation from the
    radius is counted in ``warnings``.
    """
    _props(feature)
    fields = claim_fields(feature, bookkeeping=True, read_geometry=_reader(repair), warnings=warnings)
    if "id" not in fields:  # hashed only when needed: the hash is a JSON dump of the whole feature
        fields["id"] = _content_id("gj", feature)
    return ClaimRecord(**fields)


def feature_to_zone(feature: dict[str, Any], *, repair: bool = False) -> Zone:
    """A Zone from a zone feature (the inverse of :func:`layers.export.zone_feature`)."""
    _props(feature)
    fields = zone_fields(feature, read_geometry=_reader(repair))
    if "id" not in fields:
        fields["id"] = _content_id("gjz", feature)
    return Zone(**fields)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return format_validation_error(exc, what="feature")
    return str(exc)


@dataclass(frozen=True)
class ImportOptions:
    """How a file's properties are read: ``mapping`` (sitmap property -> the file's), the undated rule, repair.

    ``implied`` holds the renames a file's own format implies (a sitmap CSV export's
    ``sitmap_event_type`` is ``event_type``); ``mapping`` (the user's ``--map``) wins
    over them for a property or a column both name.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    allow_undated: bool = False
    repair: bool = False
    implied: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def renames(self) -> dict[str, str]:
        """Every rename applied to a feature's properties: the implied ones, then ``mapping``."""
        taken = set(self.mapping) | set(self.mapping.values())
        kept = {t: c for t, c in self.implied.items() if t not in taken and c not in taken}
        return {**kept, **self.mapping}

    def fingerprint(self) -> str:
        """A short text that changes whenever these options could read a feature differently."""
        pairs = ",".join(f"{k}={v}" for k, v in sorted(self.renames.items()))
        return f"map[{pairs}];undated={int(self.allow_undated)};repair={int(self.repair)}"


#: ``--map`` targets that place a row of a table (CSV, Parquet): a WKT column, or longitude and latitude.
GEOMETRY_TARGETS: frozenset[str] = frozenset({"geometry", "longitude", "latitude"})


def parse_mapping(specs: str | Sequence[str], *, geometry: bool = False) -> dict[str, str]:
    """``"valid_from=event_date,claimant=actor"`` (or a list of such) as ``{sitmap property: file property}``.

    Each target must be a property sitmap reads from a claim or zone feature (with
    ``geometry``, also one of :data:`GEOMETRY_TARGETS`, for tables); a target named
    twice, or a file property given to two targets, is an :class:`InvalidInput`.
    """
    items = [specs] if isinstance(specs, str) else list(specs)
    out: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            target, sep, column = (x.strip() for x in part.partition("="))
            if not sep or not target or not column:
                raise InvalidInput(f"--map {part.strip()!r}: expected PROPERTY=COLUMN, e.g. valid_from=event_date")
            if target not in CLAIM_INPUT and target not in ZONE_INPUT and not (geometry and target in GEOMETRY_TARGETS):
                raise InvalidInput(
                    f"--map {part.strip()!r}: {target!r} is not a property sitmap reads "
                    f"(claims: {', '.join(sorted(CLAIM_INPUT))})"
                )
            if target in out:
                raise InvalidInput(f"--map names {target!r} twice")
            others = {t for t, c in out.items() if c == column}
            if others and others | {target} != _ONE_DAY_TARGETS:
                raise InvalidInput(
                    f"--map gives the file's {column!r} to two properties "
                    "(only valid_from and valid_to may share one date column)"
                )
            out[target] = column
    return out


#: The two properties one date column may feed: a file with a single event date.
_ONE_DAY_TARGETS = frozenset({"valid_from", "valid_to"})


def _is_date_only(value: Any) -> bool:
    """``True`` for a plain ``YYYY-MM-DD`` text: a day, not an instant."""
    return type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()


def _whole_days(feature: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """``feature`` with date-only times read as whole UTC days.

    A ``valid_to`` written as a plain date means the end of that day: read as midnight,
    the claim's last day would drop out of every query for it (an interval of 5-7 January
    would end at the first instant of the 7th). When both ends are plain dates and the
    file gives no ``time_precision``, the claim is known to the day, which is what the
    form of the dates says; the importer does not make the precision up otherwise.
    """
    start, end = props.get("valid_from"), props.get("valid_to")
    start_day, end_day = _is_date_only(start), _is_date_only(end)
    if not (start_day or end_day):
        return feature
    props = dict(props)
    if start_day:
        props["valid_from"] = f"{start}T00:00:00Z"
    if end_day:
        props["valid_to"] = f"{end}T23:59:59.999999Z"
    if start_day and end_day and props.get("time_precision") in (None, ""):
        props["time_precision"] = "day"
    return {**feature, "properties": props}


def whole_days(feature: dict[str, Any]) -> dict[str, Any]:
    """``feature`` with plain-date ``valid_from``/``valid_to`` read as whole UTC days.

    The rule of :func:`_whole_days`, for callers outside the importer: ``POST /claims``
    reads a posted claim exactly as an import reads it.
    """
    props = feature.get("properties")
    return _whole_days(feature, props) if isinstance(props, dict) else feature


def _apply_mapping(feature: dict[str, Any], props: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """``feature`` with its properties renamed by ``mapping``; the mapped name wins over a same-named column."""
    if not mapping:
        return feature
    sources = set(mapping.values())
    renamed = {k: v for k, v in props.items() if k not in sources}
    for target, column in mapping.items():
        if column in props:
            renamed[target] = props[column]
    return {**feature, "properties": renamed}


class _Columns:
    """What each input column became: kept in ``result.columns``; unmapped ones counted in ``result.unmapped``."""

    def __init__(self, opts: ImportOptions, result: ImportResult) -> None:
        self._inverse = {column: target for target, column in sorted(opts.renames.items(), reverse=True)}
        self._shared = {c for c in opts.renames.values() if list(opts.renames.values()).count(c) > 1}
        self._by_user = set(opts.mapping.values())
        self._result = result
        self._seen: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def describe(self, kind: str, keys: Sequence[str]) -> tuple[str, ...]:
        """Say in ``result.columns`` what each of ``keys`` becomes; return those that become nothing."""
        known = CLAIM_INPUT if kind == "claims" else ZONE_INPUT
        unknown: tuple[str, ...] = ()
        for key in keys:
            target = self._inverse.get(key, key)
            if target not in known:
                unknown += (key,)
            if len(self._result.columns) < MAX_COLUMNS_KEPT and key not in self._result.columns:
                if target not in known:
                    self._result.columns[key] = None
                else:
                    said = "valid_from and valid_to" if key in self._shared else target
                    self._result.columns[key] = said + (" (--map)" if key in self._by_user else "")
        return unknown

    def header(self, keys: Sequence[str]) -> None:
        """A table's columns, described before its first row (so a dry run lists them even if every row is bad)."""
        zones = any(self._inverse.get(key, key) == "order_type" for key in keys)
        self.describe("zones" if zones else "claims", keys)

    def note(self, kind: str, keys: tuple[str, ...]) -> None:
        """Count the columns of one feature of ``kind`` that map to nothing."""
        unknown = self._seen.get((kind, keys))
        if unknown is None:
            unknown = self.describe(kind, keys)
            if len(self._seen) < MAX_COLUMNS_KEPT:
                self._seen[(kind, keys)] = unknown
        for key in unknown:
            if key in self._result.unmapped or len(self._result.unmapped) < MAX_COLUMNS_KEPT:
                self._result.unmapped[key] = self._result.unmapped.get(key, 0) + 1


def _require_claim_fields(props: dict[str, Any], opts: ImportOptions) -> bool:
    """Refuse a claim that lacks claimant, source or its time; True when it is stored undated."""
    for key in ("claimant", "source"):
        if key not in props:
            raise InvalidInput(
                f"no {key} property: every claim needs one (name the file's column with --map {key}=COLUMN)"
            )
    if props.get("valid_from") not in (None, ""):
        return False
    if opts.allow_undated:
        return True
    if "valid_from" not in props:
        raise InvalidInput(
            "no valid_from property (the event time): name the file's date column with --map valid_from=COLUMN, "
            "or pass --allow-undated to store the claim without a time"
        )
    if props.get("time_precision") == "unknown":
        return True  # the file itself says the time is unknown (sitmap's export of an undated claim)
    raise InvalidInput(
        "valid_from is empty and time_precision is not 'unknown': pass --allow-undated to store the claim "
        "without a time"
    )


def _convert(
    feature: Any, opts: ImportOptions, result: ImportResult, columns: _Columns | None, fast: FastClaims | None = None
) -> tuple[str, ClaimRecord | Zone, bool]:
    """One feature as ``(kind, record, undated)``; raises for a bad one (the caller names it).

    With ``fast``, a well-formed claim is built by the bulk path (:mod:`layers.importers.fastclaim`)
    as the record an import stores (version 1, no recorded times); any other goes the full way.
    """
    props = _props(feature)
    keys = tuple(props.keys())
    feature = _apply_mapping(feature, props, opts.renames)
    props = feature["properties"] if opts.renames else props
    geom = feature.get("geometry")
    coords = geom.get("coordinates") if type(geom) is dict and len(geom) == 2 else None
    if type(coords) is list and coords and type(coords[0]) in (int, float) and props.get("uncertainty_region") is None:
        vertices = 1  # a point, the common case: what count_vertices would say, without the walk
    else:
        vertices = count_vertices([geom, props.get("uncertainty_region")])
    if vertices > MAX_VERTICES:
        raise InvalidInput(f"{vertices} vertices; at most {MAX_VERTICES} per feature (simplify it first)")
    if "claim_ids" in props:
        raise InvalidInput("an incident is derived from claims; import its member claims instead")
    if "order_type" in props:
        if columns is not None:
            columns.note("zones", keys)  # before converting: a bad row's columns are reported too
        return "zones", feature_to_zone(feature, repair=opts.repair), False
    if "event_type" in props:
        if columns is not None:
            columns.note("claims", keys)
        feature = _whole_days(feature, props)
        warnings: dict[str, int] = {}
        claim = fast.claim(feature, warnings) if fast is not None else None
        if claim is None:
            claim = feature_to_claim(feature, repair=opts.repair, warnings=warnings)
        undated = _require_claim_fields(props, opts)
        for key, n in warnings.items():
            result.warnings[key] = result.warnings.get(key, 0) + n
        return "claims", claim, undated
    raise InvalidInput("neither a claim (no event_type) nor a zone (no order_type)")


def _read(
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any], *, opts: ImportOptions
) -> tuple[list[ClaimRecord], list[Zone], list[BadFeature]]:
    claims: list[ClaimRecord] = []
    zones: list[Zone] = []
    errors: list[BadFeature] = []
    index: dict[str, int] = {}
    scratch = ImportResult(format="geojson", path="input")
    for i, (feature, _) in enumerate(_features(source)):
        fid = None
        try:
            fid = feature_id(feature, _props(feature))
            kind, rec, _undated = _convert(feature, opts, scratch, None)
            key = f"{kind}:{rec.id}"
            if key in index:
                raise InvalidInput(f"{kind[:-1]} id {rec.id!r} appears twice (first at feature {index[key]})")
            index[key] = i
            (claims if kind == "claims" else zones).append(rec)  # type: ignore[arg-type]
        except (SitmapError, ValidationError, ValueError, TypeError) as exc:
            errors.append(BadFeature(line=i, reason=_reason(exc), row_id=fid))
    return claims, zones, errors


def records_from_geojson(
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any],
    *,
    repair: bool = False,
    mapping: Mapping[str, str] | None = None,
    allow_undated: bool = False,
) -> tuple[list[ClaimRecord], list[Zone], list[BadFeature]]:
    """Read claims and zones from GeoJSON without a store; bad features come back as errors.

    Incident features (``claim_ids``) are refused: incidents are derived from claims,
    so import the member claims instead. A claim needs ``claimant``, ``source`` and
    ``valid_from`` properties (see :func:`import_geojson` for ``mapping`` and
    ``allow_undated``).
    """
    opts = ImportOptions(mapping=dict(mapping or {}), allow_undated=allow_undated, repair=repair)
    return _read(source, opts=opts)


# --------------------------------------------------------------------------------------
# Merging onto stored versions
# --------------------------------------------------------------------------------------


def _same_geom(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    """Equal up to the export's rounding and ring orientation (exports orient polygons)."""
    if a is None or b is None:
        return a is b
    if a.geom_type != b.geom_type:
        return False
    return bool(shapely.normalize(a).equals_exact(shapely.normalize(b), COORD_TOLERANCE))


def _same_count(a: CountEstimate | None, b: CountEstimate | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.low, a.best, a.high) == (b.low, b.best, b.high)


_BOOKKEEPING = {"version": 1, "recorded_at": None, "superseded_at": None}


def merge_claim(stored: ClaimRecord, incoming: ClaimRecord, *, has_region: bool) -> ClaimRecord:
    """``incoming`` completed with what an export does not carry, taken from ``stored``.

    Keeps the stored geometry when equal within the export's rounding, the stored
    uncertainty (region, note) when radius, codes and method agree, the placement audit
    trail when its method agrees, and count wordings when the numbers agree.
    """
    upd: dict[str, Any] = {
        "notes": stored.notes,
        "recorded_by": stored.recorded_by,
        **_BOOKKEEPING,
    }
    if _same_geom(stored.geometry, incoming.geometry):
        upd["geometry"] = stored.geometry
    su, iu = stored.uncertainty, incoming.uncertainty
    if su is not None and iu is not None:
        same = (su.radius_m, su.geo_precision, su.where_prec) == (iu.radius_m, iu.geo_precision, iu.where_prec)
        if same and placement_method(stored) == iu.method and (not has_region or _same_geom(su.region, iu.region)):
            upd["uncertainty"] = su
    if placement_method(stored) == placement_method(incoming):
        upd["placement"] = stored.placement
    for key in ("fatalities", "injured"):
        if _same_count(getattr(stored, key), getattr(incoming, key)):
            upd[key] = getattr(stored, key)
    if stored.targets is not None and incoming.targets is not None and stored.targets.best == incoming.targets.best:
        upd["targets"] = stored.targets
    return incoming.model_copy(update=upd)


def merge_zone(stored: Zone, incoming: Zone, *, has_drawn: bool) -> Zone:
    """``incoming`` completed with what a zone export does not carry, taken from ``stored``."""
    upd: dict[str, Any] = {
        "grid": stored.grid,
        "notes": stored.notes,
        "report_id": stored.report_id,
        "recorded_by": stored.recorded_by,
        **_BOOKKEEPING,
    }
    if _same_geom(stored.geometry, incoming.geometry):
        upd["geometry"] = stored.geometry
    if not has_drawn or _same_geom(stored.drawn_geometry, incoming.drawn_geometry):
        upd["drawn_geometry"] = stored.drawn_geometry
    su, iu = stored.uncertainty, incoming.uncertainty
    if (su.radius_m, su.method) == (iu.radius_m, iu.method):
        upd["uncertainty"] = su
    return incoming.model_copy(update=upd)


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class _KnownReports:
    """Which report ids the store has, asked once per id over the whole import."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, bool] = {}
        self.dropped = 0

    def keep(self, claims: list[ClaimRecord]) -> list[ClaimRecord]:
        out = []
        for c in claims:
            rid = c.report_id
            if rid is not None:
                if rid not in self._known:
                    if len(self._known) > 100_000:
                        self._known.clear()
                    try:
                        self._store.get_report(rid)
                        self._known[rid] = True
                    except NotFound:
                        self._known[rid] = False
                if not self._known[rid]:
                    c = c.model_copy(update={"report_id": None})
                    self.dropped += 1
            out.append(c)
        return out


def _write(
    store: Store,
    kind: str,
    records: Sequence[Any],
    result: ImportResult,
    recorded_by: str | None,
    index: dict[str, int],
    unit: str = "feature",
) -> tuple[set[str], set[str]]:
    """Write in batches; a batch the store refuses is retried record by record to name the bad one.

    Returns the ids of the records the store refused, and of those it stored as new (version 1).
    """
    add = store.add_zones if kind == "zones" else store.add_claims
    failed: set[str] = set()
    new: set[str] = set()

    def tally(wr: Any) -> None:
        new.update(wr.inserted)
        result.inserted += len(wr.inserted)
        result.updated += len(wr.updated)
        result.unchanged += len(wr.unchanged)

    for batch in _batches(records, BATCH_SIZE):
        try:
            tally(add(batch, recorded_by=recorded_by))
            continue
        except InvalidInput:
            if result.strict:
                raise
        for rec in batch:
            try:
                tally(add([rec], recorded_by=recorded_by))
            except InvalidInput as exc:
                failed.add(rec.id)
                where = index.get(f"{kind}:{rec.id}", -1)
                result.add_error(BadFeature(line=where, reason=str(exc), row_id=rec.id, unit=unit))
    return failed, new


#: ``progress(bytes_read, bytes_total, rows_read)``: called every few thousand features.
RowProgress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class RowFailure:
    """A row a reader could not turn into a feature (bad WKT, a bad cell): reported, never stored."""

    reason: str
    row_id: str | None = None


@dataclass
class FeatureStream:
    """The features of one file, read lazily: what the import loop converts, names and paces.

    ``rows`` yields ``(where, feature, text)``: ``where`` numbers the row in ``unit``s
    for error messages, ``feature`` is a GeoJSON-shaped mapping (its geometry may be a
    shapely geometry already), a :class:`RowFailure`, or a function giving either (a
    table's row, built only when its digest does not skip it; its properties are then
    ``columns``), and ``text`` is the row's exact content (for the digest that skips
    unchanged rows) or ``None``. ``size`` and
    ``bytes_read`` drive the progress bar; ``close`` releases the file. ``implied``:
    the renames the file's format implies (:attr:`ImportOptions.implied`); ``columns``
    a table's property columns, known before its first row.
    """

    rows: Iterator[tuple[int, Any, str | None]]
    unit: str = "feature"
    size: int = 0
    bytes_read: Callable[[], int] = lambda: 0
    close: Callable[[], None] = lambda: None
    implied: Mapping[str, str] = field(default_factory=dict)
    columns: Sequence[str] = ()
    #: Installs a prefilter that lets the stream skip decoding rows the store knows (GeoJSON files).
    skip_known: Callable[[Prefilter, Callable[[], bool]], None] | None = None


#: ``open_stream(opts, result)``: a file's :class:`FeatureStream`; file-level notes go into ``result``.
StreamOpener = Callable[[ImportOptions, ImportResult], FeatureStream]


#: A ``\u0000`` escape in JSON text (not an escaped backslash followed by ``u0000``).
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
#: Why a value with a NUL character is refused: PostgreSQL text cannot hold one, and no sitmap field needs it.
NUL_REASON = "has a NUL character (\\u0000), which no sitmap field holds; remove it"


def _without_nul(features: Iterator[tuple[Any, str | None]]) -> Iterator[tuple[int, Any, str | None]]:
    """Number the features; one whose text holds a NUL character is a bad row on every store alike."""
    for i, (feature, text) in enumerate(features):
        if text is not None and "\\u0000" in text and _JSON_NUL.search(text):
            fid = feature_id(feature, feature.get("properties") or {}) if isinstance(feature, dict) else None
            yield i, RowFailure(f"a string {NUL_REASON}", fid), None
        else:
            yield i, feature, text


def _geojson_stream(source: str | Path | IO[bytes] | IO[str] | dict[str, Any]) -> FeatureStream:
    """A GeoJSON source as a feature stream (features numbered from 0, as in ``features[i]``)."""
    if isinstance(source, dict):
        return FeatureStream(((i, f, t) for i, (f, t) in enumerate(_features(source))))
    fh, name, size, count, done = _open_text(source)
    json_stream = _JsonStream(fh, name)
    rows = _without_nul(iter_features(json_stream))
    return FeatureStream(rows, size=size, bytes_read=count, close=done, skip_known=json_stream.skip_known)


class _SeenIds:
    """A set of 64-bit hashes in about 8 bytes each: a sorted numpy array plus a small set of the newest.

    A Python set of ints costs about 60 bytes an entry, 78 MB for the ids of a 1 GB
    file; here the newest :data:`SEEN_FRESH` live in a set and are merged into the
    sorted array whenever that many have gathered.
    """

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._old = np.empty(0, dtype=np.int64)
        self._fresh: set[int] = set()

    def __contains__(self, value: int) -> bool:
        if value in self._fresh:
            return True
        old = self._old
        i = int(old.searchsorted(value))
        return i < len(old) and int(old[i]) == value

    def add(self, value: int) -> None:
        self._fresh.add(value)
        if len(self._fresh) >= SEEN_FRESH:
            np = self._np
            self._old = np.union1d(self._old, np.fromiter(self._fresh, dtype=np.int64, count=len(self._fresh)))
            self._fresh = set()


#: Newest ids :class:`_SeenIds` keeps in a plain set before merging them into its array.
SEEN_FRESH = 100_000


@dataclass
class _Known:
    """A feature the stream recognised by its digest and did not decode: its property names, if recorded."""

    digest: str
    keys: tuple[str, ...] | None
    text: str = ""


_MISSING: Any = object()
#: ``lookup(digests)``: the digests a store knows for a current claim or zone, with their property names.
DigestLookup = Callable[[Sequence[str]], dict[str, tuple[str, ...] | None]]


def _digest_lookup(store: Store | None) -> DigestLookup | None:
    """The store's digest look-up over both kinds (claims first), or ``None`` for a store without digests."""
    with_keys = getattr(store, "known_import_keys", None)
    plain = getattr(store, "known_import_digests", None)
    if with_keys is None and plain is None:
        return None

    def ask(kind: str, digests: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
        if with_keys is not None:
            return cast(dict[str, tuple[str, ...] | None], with_keys(kind, digests))
        return dict.fromkeys(plain(kind, digests))  # type: ignore[misc]

    def lookup(digests: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
        if not digests:
            return {}
        found = ask("claims", digests)
        rest = [d for d in digests if d not in found]
        if rest:
            found.update(ask("zones", rest))
        return found

    return lookup


def _scan(
    stream: FeatureStream,
    opts: ImportOptions,
    result: ImportResult,
    store: Store | None,
    *,
    recorded_by: str | None,
    progress: RowProgress | None,
    batch_size: int,
) -> None:
    """One streamed pass: convert each feature, count what it says, write batches when ``store`` is given.

    With a store that keeps import digests, a feature whose exact text (read with the
    same options) produced the record's current version is counted unchanged and
    skipped before any geometry, model or store work.
    """
    if stream.implied:
        opts = replace(opts, implied=dict(stream.implied))
    columns = _Columns(opts, result)
    columns.header(stream.columns)
    fast = FastClaims()
    # Ids seen so far, as 64-bit hashes (about 8 bytes a feature, see _SeenIds), so a file of
    # millions of features stays within the memory a batch needs; the first index of a
    # duplicate is kept for the last RECENT_IDS ids only. Two different ids sharing a hash
    # (odds about 1 in 10^7 for a million features) would be reported, never stored wrongly.
    seen = _SeenIds()
    recent: dict[str, int] = {}
    pending: dict[str, list[tuple[int, Any, str | None, tuple[str, ...]]]] = {"claims": [], "zones": []}
    reports = _KnownReports(store) if store is not None else None
    known = _digest_lookup(store)
    remember = getattr(store, "remember_import_digests", None)
    salt = opts.fingerprint().encode() + b"\x00"
    raw: list[tuple[int, Any, str | None, bool]] = []
    # digests the prefilter took (and asked about) of texts it did not recognise, kept for the rows' own digests
    taken: dict[str, str] = {}
    # buffers to read without the prefilter, and how many the next miss skips (doubling while nothing is known)
    pause = {"skip": 0, "next": 1}

    def digest_of(text: str) -> str:
        return hashlib.sha256(salt + text.encode()).hexdigest()[:32]

    def prefilter(texts: list[str]) -> dict[int, _Known]:
        """The texts whose digest the store knows (see ``_JsonStream.skip_known``), as ``_Known``s."""
        assert known is not None
        digests = [digest_of(t) for t in texts]
        found = known(digests)
        if len(taken) > 10_000:  # texts of lines that were not one element each
            taken.clear()
        out: dict[int, _Known] = {}
        for n, digest in enumerate(digests):
            keys = found.get(digest, _MISSING)
            if keys is _MISSING:
                taken[texts[n]] = digest
            else:
                out[n] = _Known(digest, keys)
        if out:
            pause["next"] = 1
        elif len(texts) >= 100:  # a new file, or a changed stretch of one: look less often
            pause["skip"], pause["next"] = pause["next"], min(2 * pause["next"], 64)
        return out

    def wanted() -> bool:
        if pause["skip"] > 0:
            pause["skip"] -= 1
            return False
        return True

    if known is not None and stream.skip_known is not None:
        stream.skip_known(prefilter, wanted)

    unit = stream.unit

    def flush(kind: str) -> None:
        fast.place_points()
        batch = pending[kind]
        if store is None or not batch:
            batch.clear()
            return
        index = {f"{kind}:{rec.id}": i for i, rec, _, _ in batch}
        digests = {rec.id: digest for _, rec, digest, _ in batch if digest is not None}
        keys = {digest: names for _, _, digest, names in batch if digest is not None}
        records = [rec for _, rec, _, _ in batch]
        batch.clear()
        if kind == "claims":
            assert reports is not None
            kept = reports.keep(records)
            for before, after in zip(records, kept, strict=True):
                if before.report_id != after.report_id:  # the file says more than was stored: not "the same"
                    digests.pop(before.id, None)
            records = _merge_claims(store, kept)
        else:
            records = _merge_zones(store, records)
        failed, new = _write(store, kind, records, result, recorded_by, index, unit)
        if remember is not None:
            remember(kind, [(d, rid) for rid, d in digests.items() if rid not in failed], new, keys)

    def convert(i: int, feature: Any, digest: str | None) -> None:
        table = callable(feature)
        if table:  # a table's row, built only now that its digest did not skip it
            feature = feature()
        if isinstance(feature, RowFailure):
            result.add_error(BadFeature(line=i, reason=feature.reason, row_id=feature.row_id, unit=unit))
            return
        fid = None
        try:
            props = _props(feature)
            keys = tuple(stream.columns) if table else tuple(props)
            fid = feature_id(feature, props)
            kind, rec, undated = _convert(feature, opts, result, columns, fast)
            key = f"{kind}:{rec.id}"
            if hash(key) in seen:
                first = f"first at {unit} {recent[key]}" if key in recent else f"an earlier {unit} has it"
                raise InvalidInput(f"{kind[:-1]} id {rec.id!r} appears twice ({first})")
        except (SitmapError, ValidationError, ValueError, TypeError) as exc:
            result.add_error(BadFeature(line=i, reason=_reason(exc), row_id=fid, unit=unit))
            return
        seen.add(hash(key))
        if len(recent) >= RECENT_IDS:
            recent.clear()
        recent[key] = i
        result.undated += undated
        pending[kind].append((i, rec, digest, keys))
        if len(pending[kind]) >= batch_size:
            flush(kind)

    def process() -> None:
        """Convert a run of features, skipping those whose digest the store knows."""
        skip: dict[str, tuple[str, ...] | None] = {}
        if known is not None:
            skip = known([d for _, f, d, asked in raw if d is not None and not asked and type(f) is not _Known])
        for i, feature, digest, _ in raw:
            if type(feature) is _Known:  # recognised by the stream, never decoded
                names = feature.keys
                if names is None:  # recorded without its names: read them
                    decoded = json.loads(feature.text)
                    names = tuple(decoded.get("properties") or {}) if isinstance(decoded, dict) else ()
            elif digest is not None and digest in skip:
                names = skip[digest]
                if names is None:
                    names = tuple(stream.columns) if callable(feature) else tuple(feature.get("properties") or {})
            else:
                convert(i, feature, digest)
                continue
            result.unchanged += 1
            result.skipped += 1
            columns.note("zones" if "order_type" in names else "claims", names)
        raw.clear()

    size, count = stream.size, stream.bytes_read
    try:
        for i, feature, text in stream.rows:
            result.rows += 1
            digest, asked = None, False
            if type(feature) is _Known:
                feature.text = text or ""
            elif known is not None and text is not None:
                digest = taken.pop(text, None) if taken else None
                asked = digest is not None
                if digest is None:
                    digest = digest_of(text)
            raw.append((i, feature, digest, asked))
            if len(raw) >= batch_size:
                process()
            if progress is not None and result.rows % 2000 == 0:
                progress(count(), size, result.rows)
        process()
        flush("claims")
        flush("zones")
    finally:
        stream.close()
    if reports is not None and reports.dropped:
        result.notices.append(
            f"{reports.dropped} claims named reports this store does not have; their report_id was left empty"
        )
    if progress is not None:
        progress(size, size, result.rows)


def import_features(
    store: Store | None,
    open_stream: StreamOpener,
    *,
    fmt: str,
    name: str,
    strict: bool = False,
    repair: bool = False,
    recorded_by: str | None = None,
    mapping: Mapping[str, str] | None = None,
    allow_undated: bool = False,
    dry_run: bool = False,
    progress: RowProgress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import the features ``open_stream`` reads (GeoJSON, or rows of a table) into ``store``, streamed.

    The one import loop of every feature format: see :func:`import_geojson` for what
    the options mean. ``open_stream`` is called once per pass (twice with ``strict``:
    check, then write), so it must read its file afresh each time; it checks the file
    (and raises :class:`InvalidInput`) before the first row, so a wrong file stores
    nothing. ``store`` may be ``None`` only with ``dry_run``.
    """
    if batch_size < 1:
        raise InvalidInput(f"batch_size must be at least 1, got {batch_size}")
    opts = ImportOptions(mapping=dict(mapping or {}), allow_undated=allow_undated, repair=repair)
    result = ImportResult(format=fmt, path=name, strict=strict, dry_run=dry_run)
    if dry_run or store is None:
        if not dry_run:
            raise InvalidInput("an import needs a store unless it is a dry run")
        _scan(
            open_stream(opts, result),
            opts,
            result,
            None,
            recorded_by=recorded_by,
            progress=progress,
            batch_size=batch_size,
        )
        return result
    if strict:
        check = ImportResult(format=fmt, path=name, strict=True)
        _scan(
            open_stream(opts, check), opts, check, None, recorded_by=recorded_by, progress=None, batch_size=batch_size
        )
        if check.error_count:
            raise ImportFailed(
                f"{name}: {check.error_count} bad features, nothing stored; first: {check.errors[0]}",
                check.errors,
                result=check,
            )
    with bulk_writes(store), _fewer_collections():
        _scan(
            open_stream(opts, result),
            opts,
            result,
            store,
            recorded_by=recorded_by,
            progress=progress,
            batch_size=batch_size,
        )
    return result


#: The garbage collector's first threshold during an import (Python's default is 700 allocations).
GC_THRESHOLD = 100_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while importing: a batch holds many small objects, none in cycles.

    With the default thresholds the collector walks the batch's features and records
    again and again (about a tenth of an import's time); cycles are still collected,
    only later.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def bulk_writes(store: Store) -> AbstractContextManager[Any]:
    """The store's bulk session (a few large transactions, see ``GpkgStore.bulk_writes``), if it has one.

    An import writes through it; a store without one writes each batch in its own transaction.
    """
    session = getattr(store, "bulk_writes", None)
    return session() if session is not None else nullcontext()


def import_geojson(
    store: Store,
    source: str | Path | IO[bytes] | IO[str] | dict[str, Any],
    *,
    strict: bool = False,
    repair: bool = False,
    recorded_by: str | None = None,
    mapping: Mapping[str, str] | None = None,
    allow_undated: bool = False,
    dry_run: bool = False,
    progress: RowProgress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import a GeoJSON FeatureCollection of claims and/or zones into ``store``, streamed.

    Re-importing a file changes nothing; a changed feature becomes a new version. Bad
    features are listed (index and reason) and skipped; ``strict`` stores nothing if
    any feature is bad (raising :class:`ImportFailed`). ``repair`` repairs invalid
    geometries with ``make_valid`` instead of rejecting them.

    Nothing changes silently: ``mapping`` names the file's property for a sitmap
    property (``{"valid_from": "event_date"}``); input properties that map to nothing
    are counted in ``result.unmapped``; a claim without ``claimant``, ``source`` or
    ``valid_from`` is an error naming the feature and property, unless
    ``allow_undated`` stores it without a time (counted in ``result.undated``);
    ``geo_precision``/``where_prec`` the file gives are kept, and a disagreement with
    sitmap's derivation is counted in ``result.warnings``. ``dry_run`` reads and
    checks everything and stores nothing (``result.columns`` says what each input
    column becomes). The file is read a feature at a time: memory is bounded by
    ``batch_size`` features, not by the file.
    """
    name = str(source) if isinstance(source, str | Path) else str(getattr(source, "name", "input"))
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise InvalidInput(f"no such file: {source}")
    copy: io.BytesIO | None = None
    if strict and not dry_run and not isinstance(source, str | Path | dict):
        data = source.read()  # read twice (check, then write): kept in memory
        copy = io.BytesIO(data.encode() if isinstance(data, str) else data)

    def open_stream(opts: ImportOptions, result: ImportResult) -> FeatureStream:
        if copy is not None:
            copy.seek(0)  # _open_text detaches from it, so it is still open for the second pass
            return _geojson_stream(copy)
        return _geojson_stream(source)

    return import_features(
        store,
        open_stream,
        fmt="geojson",
        name=name,
        strict=strict,
        repair=repair,
        recorded_by=recorded_by,
        mapping=mapping,
        allow_undated=allow_undated,
        dry_run=dry_run,
        progress=progress,
        batch_size=batch_size,
    )


def _merge_claims(store: Store, claims: list[ClaimRecord]) -> list[ClaimRecord]:
    out = []
    for batch in _batches(claims, 500):
        page = store.query_claims(
            ClaimQuery(ids=tuple(c.id for c in batch), statuses=("reported", "corroborated", "disputed", "retracted"))
        )
        stored = {c.id: c for c in page.items}
        for c in batch:
            old = stored.get(c.id)
            region = c.uncertainty is not None and c.uncertainty.region is not None
            if old is not None:
                out.append(merge_claim(old, c, has_region=region))
            elif c.version == 1 and c.recorded_at is None and c.superseded_at is None:
                out.append(c)  # the bulk path's records come without bookkeeping already
            else:
                out.append(c.model_copy(update=_BOOKKEEPING))
    return out


def _merge_zones(store: Store, zones: list[Zone]) -> list[Zone]:
    out = []
    for batch in _batches(zones, 500):
        page = store.query_zones(ZoneQuery(ids=tuple(z.id for z in batch), include_retracted=True))
        stored = {z.id: z for z in page.items}
        for z in batch:
            old = stored.get(z.id)
            has_drawn = z.drawn_geometry is not None
            out.append(
                merge_zone(old, z, has_drawn=has_drawn) if old is not None else z.model_copy(update=_BOOKKEEPING)
            )
    return out


__all__ = [
    "GEOMETRY_TARGETS",
    "BadFeature",
    "FeatureStream",
    "ImportOptions",
    "RowFailure",
    "feature_to_claim",
    "feature_to_zone",
    "import_features",
    "import_geojson",
    "load_geojson",
    "merge_claim",
    "merge_zone",
    "records_from_geojson",
]
