"""Shared machinery for importers: streaming CSV reading, row errors, batching, progress.

Every importer reads its file as a stream (never the whole file in memory), turns
each row into a :class:`~layers.model.ClaimRecord` or reports why it cannot, and
writes the good records to the store in batches. A bad row is reported with its
line number and reason and the rest is kept; with ``strict=True`` the file is
checked completely first and nothing is written unless every row is good. The
store is append-only, so nothing already stored is ever lost by an import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput, SitmapError
from geo.model import Placement, Uncertainty, format_validation_error
from layers.model import ClaimRecord, Report, Source

if TYPE_CHECKING:  # geo.boundaries pulls in pyproj: loaded only once a row needs a region
    from geo.boundaries import AnyLevel

#: Rows per store write: large enough to amortise a transaction, small enough to bound memory.
DEFAULT_BATCH_SIZE = 5000
#: Errors kept in a result; further bad rows are counted, not listed.
MAX_ERRORS_KEPT = 1000
#: Delimiters we recognise when a file is not comma-separated.
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

#: ``progress(bytes_read, bytes_total)``: called now and then while a file is read.
ProgressCallback = Callable[[int, int], None]
#: ``build(code, point, region)``: a data set's uncertainty for a location precision code.
UncertaintyRule = Callable[[int, Point, BaseGeometry | None], Uncertainty]


class RowError(Exception):
    """A row that cannot be imported; the message says why, in one line."""


@dataclass(frozen=True)
class BadRow:
    """One rejected row: where it is in the file, its id if it had one, and why."""

    line: int
    reason: str
    row_id: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.row_id:
            where += f" ({self.row_id})"
        return f"{where}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did: rows read, records inserted / new versions / unchanged, bad rows."""

    format: str
    path: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[BadRow] = field(default_factory=list)
    error_count: int = 0
    notices: list[str] = field(default_factory=list)
    strict: bool = False
    report_id: str | None = None
    #: Nothing was written: the file was only read and checked.
    dry_run: bool = False
    #: Counted disagreements, e.g. ``{"geo_precision": 12}``: the file's value was kept.
    warnings: dict[str, int] = field(default_factory=dict)
    #: Input columns that map to nothing, with the number of rows that had them.
    unmapped: dict[str, int] = field(default_factory=dict)
    #: Each input column seen and the sitmap property it becomes (``None``: nothing).
    columns: dict[str, str | None] = field(default_factory=dict)
    #: Claims stored without a time (``--allow-undated``, or the file says the time is unknown).
    undated: int = 0
    #: Unchanged rows recognised by their content digest and skipped unread (part of ``unchanged``).
    skipped: int = 0

    @property
    def stored(self) -> int:
        """Records that were written (new ids plus new versions)."""
        return self.inserted + self.updated

    def add_error(self, bad: BadRow) -> None:
        """Record a bad row (the first :data:`MAX_ERRORS_KEPT` are kept in full)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(bad)

    def summary(self) -> str:
        """One line for the CLI: counts and the number of bad rows."""
        text = (
            f"{self.format}: {self.rows} rows read, {self.inserted} new, {self.updated} new versions, "
            f"{self.unchanged} unchanged"
        )
        if self.dry_run:
            text = f"dry run, nothing stored: {self.format}: {self.rows} rows read, {self.rows - self.error_count} good"
        if self.error_count:
            text += f", {self.error_count} bad rows skipped"
        if self.undated:
            text += f", {self.undated} stored without a time"
        for key, n in self.warnings.items():
            text += f", {n} rows whose {key} differs from sitmap's derivation (kept as given)"
        if self.unmapped:
            names = ", ".join(f"{k} ({n})" for k, n in list(self.unmapped.items())[:10])
            more = f" and {len(self.unmapped) - 10} more" if len(self.unmapped) > 10 else ""
            text += f"; input columns that map to nothing: {names}{more}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for ``--json`` output and the API)."""
        return {
            "format": self.format,
            "path": self.path,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "errors": [{"line": e.line, "id": e.row_id, "reason": e.reason} for e in self.errors],
            "notices": list(self.notices),
            "report_id": self.report_id,
            "dry_run": self.dry_run,
            "undated": self.undated,
            "skipped": self.skipped,
            "warnings": dict(self.warnings),
            "unmapped": dict(self.unmapped),
            "columns": dict(self.columns),
        }


class ImportFailed(InvalidInput):
    """A strict import found bad rows (nothing was stored); ``errors`` lists them."""

    def __init__(self, message: str, errors: Sequence[BadRow], result: ImportResult | None = None) -> None:
        super().__init__(message)
        self.errors = list(errors)
        self.result = result


class ClaimSink(Protocol):
    """The part of the Store an importer writes to (any Store satisfies it)."""

    def add_sources(self, sources: Sequence[Source]) -> Any: ...
    def add_reports(self, reports: Sequence[Report]) -> Any: ...
    def add_claims(self, claims: Sequence[ClaimRecord], *, recorded_by: str | None = None) -> Any: ...


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """A binary reader that counts the bytes it has handed out (for the progress bar)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def detect_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the recognised one that splits it into most columns."""
    best, best_n = ",", 1
    for delim in _DELIMITERS:
        n = len(next(csv.reader([header], delimiter=delim), []))
        if n > best_n:
            best, best_n = delim, n
    return best


def first_non_utf8_line(path: Path) -> int | None:
    """The 1-based number of the first line that is not valid UTF-8 (read only when an error is reported)."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return n
    return None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks (identifies the export a batch of claims came from)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class CsvFile:
    """An open CSV stream: its columns, delimiter, and rows as ``(line_number, row_dict)``.

    Line numbers are 1-based physical lines of the file where the record starts (the
    header is line 1), so they match what a text editor shows even when a quoted
    field spans several lines.
    """

    path: Path
    columns: list[str]
    delimiter: str
    _fh: IO[str]
    _counter: _CountingReader
    _reader: Any
    size: int

    @property
    def bytes_read(self) -> int:
        """Bytes consumed so far (approximate: includes read-ahead)."""
        return self._counter.count

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield ``(line, row)`` for every data record; a short or long row is a RowError record."""
        reader = self._reader
        ncol = len(self.columns)
        # The header line was read before the csv reader started, hence the offset of 1.
        last = 1 + reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                line = first_non_utf8_line(self.path)
                where = f"line {line}" if line else "the file"
                raise InvalidInput(f"{self.path.name}: {where} is not UTF-8 text: save the file as UTF-8") from exc
            except csv.Error as exc:
                raise InvalidInput(f"{self.path.name}: line {last + 1}: malformed CSV ({exc})") from exc
            start = last + 1
            last = 1 + reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank line
            row = dict(zip(self.columns, values, strict=False))
            if len(values) != ncol:
                row["__width__"] = f"{len(values)} fields, header has {ncol}"
            yield start, row

    def close(self) -> None:
        """Close the underlying file."""
        self._fh.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_csv(path: str | Path, *, required: Sequence[str], what: str, notices: list[str] | None = None) -> CsvFile:
    """Open a CSV export for streaming, checking its delimiter and required columns.

    A comma is expected; a file delimited by semicolons, tabs or pipes is read with its
    own delimiter and a notice says so. A header that lacks required columns is an
    :class:`InvalidInput` naming them (and hinting at the delimiter when the header did
    not split at all).
    """
    p = Path(path)
    if not p.exists():
        raise InvalidInput(f"no such file: {p}")
    if p.is_dir():
        raise InvalidInput(f"{p} is a directory, not a {what} CSV file")
    size = p.stat().st_size
    if size == 0:
        raise InvalidInput(f"{p.name} is empty: expected a {what} CSV file with a header row")
    counter = _CountingReader(p.open("rb"))
    buffered = io.BufferedReader(counter, buffer_size=1 << 16)
    fh = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    try:
        # The header is decoded on its own, so a bad byte further down is reported at its own line.
        try:
            header_line = buffered.readline(1 << 20).decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{p.name}: the header is not UTF-8 text: save the file as UTF-8") from exc
        if "\x00" in header_line:
            raise InvalidInput(f"{p.name} looks like a binary file, not a {what} CSV file")
        delimiter = detect_delimiter(header_line)
        columns = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=delimiter), [])]
        missing = [c for c in required if c not in columns]
        if missing:
            shown = ", ".join(columns[:5]) + (", ..." if len(columns) > 5 else "")
            msg = (
                f"{p.name}: missing required {what} column(s): {', '.join(missing)} (header has: {shown or 'nothing'})"
            )
            if len(columns) == 1:
                msg += "; the header did not split into columns: is the delimiter a comma?"
            raise InvalidInput(msg)
        dups = sorted({c for c in columns if c and columns.count(c) > 1})
        if dups:
            raise InvalidInput(f"{p.name}: duplicate column(s) in the header: {', '.join(dups)}")
        if delimiter != "," and notices is not None:
            notices.append(
                f"{p.name} is {_DELIMITER_NAMES[delimiter]}-delimited, not comma-delimited; read it with "
                f"{delimiter!r} as the delimiter"
            )
        reader = csv.reader(fh, delimiter=delimiter)
    except BaseException:
        fh.close()
        raise
    return CsvFile(p, columns, delimiter, fh, counter, reader, size)


# --------------------------------------------------------------------------------------
# Field parsing (each raises RowError with a one-line reason)
# --------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%B-%y", "%d/%m/%Y")


def parse_date(value: str, column: str) -> date:
    """A calendar date from ISO (``2023-12-01``, with or without a time) or ACLED's ``1-Dec-23`` forms."""
    return _parse_date(value.strip(), column, value)


@lru_cache(maxsize=4096)
def _parse_date(text: str, column: str, value: str) -> date:
    """Cached: an export repeats the same few hundred dates many thousand times."""
    if not text:
        raise RowError(f"{column} is empty")
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$", text)
    if iso:
        text = iso.group(1)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError(f"{column} {value!r} is not a date (expected e.g. 2023-12-01 or 1-Dec-23)")


def parse_float(value: str, column: str, *, decimal_comma: bool = False) -> float:
    """A finite float; with ``decimal_comma`` a single comma is read as the decimal mark."""
    text = value.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not text:
        raise RowError(f"{column} is empty")
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise RowError(f"{column} {value!r} is not a finite number")
    return number


def parse_int(value: str, column: str, *, allowed: Sequence[int] | None = None, minimum: int | None = 0) -> int:
    """An integer (``3`` or ``3.0``), optionally one of ``allowed`` or at least ``minimum``."""
    text = value.strip()
    if not text:
        raise RowError(f"{column} is empty")
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"{column} {value!r} is not an integer") from None
    if not number.is_integer():
        raise RowError(f"{column} {value!r} is not an integer")
    result = int(number)
    if allowed is not None and result not in allowed:
        raise RowError(f"{column} {value!r} must be one of {', '.join(str(a) for a in allowed)}")
    if minimum is not None and result < minimum:
        raise RowError(f"{column} {value!r} must be at least {minimum}")
    return result


def parse_optional_int(value: str | None, column: str) -> int | None:
    """An integer count, or ``None`` when the cell is empty."""
    if value is None or not value.strip():
        return None
    return parse_int(value, column)


def parse_lonlat(lon_text: str, lat_text: str, *, decimal_comma: bool = False) -> tuple[float, float]:
    """Longitude and latitude, range-checked (lon -180..180, lat -90..90)."""
    lon = parse_float(lon_text, "longitude", decimal_comma=decimal_comma)
    lat = parse_float(lat_text, "latitude", decimal_comma=decimal_comma)
    if not -180 <= lon <= 180:
        raise RowError(f"longitude {lon_text.strip()} is out of range -180..180")
    if not -90 <= lat <= 90:
        raise RowError(f"latitude {lat_text.strip()} is out of range -90..90")
    return lon, lat


def day_start(d: date) -> datetime:
    """00:00 UTC of a day."""
    return datetime.combine(d, time.min, tzinfo=UTC)


def day_end(d: date) -> datetime:
    """The last instant (23:59:59.999999 UTC) of a day, the inclusive end of a day interval."""
    return datetime.combine(d, time.max, tzinfo=UTC)


def month_bounds(d: date) -> tuple[datetime, datetime]:
    """The first and last instants of the calendar month containing ``d``."""
    first = d.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return day_start(first), day_end(nxt - timedelta(days=1))


def clean_text(value: str | None, limit: int) -> str | None:
    """Strip a cell; ``None`` when empty; cut to ``limit`` characters with an ellipsis."""
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------
# Values shared between rows
# --------------------------------------------------------------------------------------

#: Distinct place names a :class:`PlacementCache` holds before it starts afresh.
PLACEMENT_CACHE_SIZE = 50_000


class PlacementCache:
    """The ``coordinates`` placement of a row by its place name, built and validated once per name.

    An event export repeats a few thousand place names over many rows and the models
    are frozen, so rows naming the same place share one object. The cache starts
    afresh once it holds more than ``size`` names, so a file of all-distinct names
    cannot grow it without bound.
    """

    def __init__(self, size: int = PLACEMENT_CACHE_SIZE) -> None:
        self.size = size
        self._by_place: dict[str | None, Placement] = {}

    def __call__(self, place: str | None) -> Placement:
        """The placement for a point given by coordinates, named ``place``."""
        found = self._by_place.get(place)
        if found is None:
            if len(self._by_place) > self.size:
                self._by_place.clear()
            found = self._by_place[place] = Placement(place_text=place, place_name=place, method="coordinates")
        return found


def region_around(point: Point, level: AnyLevel) -> BaseGeometry | None:
    """The polygon of the admin area (or country) at ``level`` that contains ``point``, if shipped data has one."""
    from geo.boundaries import containing

    area = containing(point, level)
    return area.geometry if area is not None else None


class UncertaintyCache:
    """A row's uncertainty from its data set's location precision code.

    ``build(code, point, region)`` is the data set's rule (e.g.
    :func:`geo.uncertainty.from_acled`). Codes listed in ``regions`` mean "somewhere in
    this admin area or country": their radius depends on where the point lies in it,
    so they are built per row with the polygon around the point
    (:func:`region_around`). Every other code gives the same uncertainty wherever the
    point is, so it is built once and shared.
    """

    def __init__(self, build: UncertaintyRule, regions: Mapping[int, AnyLevel]) -> None:
        self._build = build
        self._regions = regions
        self._by_code: dict[int, Uncertainty] = {}

    def __call__(self, code: int, point: Point) -> Uncertainty:
        """The uncertainty of an event at ``point`` whose precision code is ``code``."""
        level = self._regions.get(code)
        if level is not None:
            return self._build(code, point, region_around(point, level))
        if code not in self._by_code:
            self._by_code[code] = self._build(code, point, None)
        return self._by_code[code]


# --------------------------------------------------------------------------------------
# The import loop
# --------------------------------------------------------------------------------------

#: ``convert(line, row) -> ClaimRecord``; raises RowError (or a pydantic/domain error) for a bad row.
RowConverter = Callable[[int, dict[str, str]], ClaimRecord]


def _checked(convert: RowConverter, line: int, row: dict[str, str], id_column: str) -> ClaimRecord | BadRow:
    """Convert one row; any problem becomes a :class:`BadRow` with a one-line reason."""
    row_id = (row.get(id_column) or "").strip() or None
    if "__width__" in row:
        return BadRow(line, f"wrong number of fields ({row['__width__']})", row_id)
    try:
        return convert(line, row)
    except RowError as exc:
        return BadRow(line, str(exc), row_id)
    except ValidationError as exc:
        return BadRow(line, format_validation_error(exc, what="row"), row_id)
    except SitmapError as exc:
        return BadRow(line, exc.message, row_id)


def run_csv_import(
    store: ClaimSink,
    path: str | Path,
    *,
    fmt: str,
    required: Sequence[str],
    id_column: str,
    make_converter: Callable[[CsvFile, str | None], RowConverter],
    source: Source,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    recorded_by: str | None = None,
) -> ImportResult:
    """Stream a CSV file into the store through ``convert``, in batches.

    ``make_converter(csv_file, report_id)`` builds the row converter once the header is
    known. Duplicate ids within the file are bad rows (the first occurrence wins). With
    ``strict`` the whole file is checked first and :class:`ImportFailed` is raised,
    with nothing written, if any row is bad. The file itself is recorded as a Report of
    ``source`` (identified by its content hash), so every claim points at the export
    it came from. Every version written records ``recorded_by`` (default
    ``import:<format>``).
    """
    if batch_size < 1:
        raise InvalidInput(f"batch_size must be at least 1, got {batch_size}")
    p = Path(path)
    result = ImportResult(format=fmt, path=str(p), strict=strict)
    # Check the header before anything else, so a wrong file fails fast and stores nothing.
    with open_csv(p, required=required, what=fmt, notices=result.notices):
        pass
    sha = file_sha256(p)
    report = Report(
        source_id=source.id,
        title=f"{source.name} export {p.name}",
        content_sha256=sha,
        excerpt=f"{fmt} file {p.name}, {p.stat().st_size} bytes",
    )
    result.report_id = report.id

    write_progress = progress
    if strict:
        # two passes (check, then write): each fills half of the progress bar
        check_progress = write_progress = None
        if progress is not None:
            report_progress = progress

            def check_progress(done: int, total: int) -> None:
                report_progress(done // 2, total)

            def write_progress(done: int, total: int) -> None:
                report_progress(total // 2 + (done - done // 2), total)

        check = ImportResult(format=fmt, path=str(p), strict=True)
        _scan(p, required, id_column, make_converter, report.id, check, None, check_progress, batch_size, None)
        if check.error_count:
            shown = "; ".join(str(e) for e in check.errors[:3])
            more = f" (and {check.error_count - 3} more)" if check.error_count > 3 else ""
            raise ImportFailed(
                f"{p.name}: {check.error_count} bad row(s), nothing stored (--strict): {shown}{more}",
                check.errors,
                check,
            )
    store.add_sources([source])
    store.add_reports([report])
    by = recorded_by or f"import:{fmt}"
    _scan(p, required, id_column, make_converter, report.id, result, store, write_progress, batch_size, by)
    return result


def _scan(
    path: Path,
    required: Sequence[str],
    id_column: str,
    make_converter: Callable[[CsvFile, str | None], RowConverter],
    report_id: str,
    result: ImportResult,
    store: ClaimSink | None,
    progress: ProgressCallback | None,
    batch_size: int,
    recorded_by: str | None,
) -> None:
    """One pass over the file: convert rows, collect errors, write batches when ``store`` is given."""
    seen: dict[str, int] = {}
    batch: list[ClaimRecord] = []

    def flush() -> None:
        if store is None or not batch:
            batch.clear()
            return
        written = store.add_claims(batch, recorded_by=recorded_by)
        result.inserted += len(written.inserted)
        result.updated += len(written.updated)
        result.unchanged += len(written.unchanged)
        batch.clear()

    with open_csv(path, required=required, what=result.format) as csv_file:
        convert = make_converter(csv_file, report_id)
        for n, (line, row) in enumerate(csv_file.rows(), start=1):
            result.rows += 1
            outcome = _checked(convert, line, row, id_column)
            if isinstance(outcome, BadRow):
                result.add_error(outcome)
            elif outcome.id in seen:
                raw_id = (row.get(id_column) or "").strip() or outcome.id
                result.add_error(BadRow(line, f"duplicate id (first seen on line {seen[outcome.id]})", raw_id))
            else:
                seen[outcome.id] = line
                batch.append(outcome)
                if len(batch) >= batch_size:
                    flush()
            if progress is not None and n % 1000 == 0:
                progress(csv_file.bytes_read, csv_file.size)
        flush()
        if progress is not None:
            progress(csv_file.size, csv_file.size)
