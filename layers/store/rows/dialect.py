"""What differs between the backends (a :class:`Dialect`) and the transaction they share (:class:`Tx`).

SQL in the shared rooms is written with ``?`` placeholders; a dialect says how a
timestamp or a geometry is bound and read back, and the helpers here convert
instants (exact microseconds, GeoPackage's millisecond DATETIME text) and WKB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import shapely
from shapely.geometry.base import BaseGeometry

from layers.store.rows.columns import TIME_COLUMNS

#: Rows fetched per ``IN (...)`` lookup; well under SQLite's and libpq's parameter limits.
CHUNK = 500


# --------------------------------------------------------------------------------------
# Dialect
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How one backend binds and reads values; SQL here is written with ``?`` placeholders.

    ``geom_param`` is the SQL that binds one geometry parameter, ``geom_select`` wraps a
    geometry column so it comes back as bytes ``geom_decode`` understands, and
    ``geom_encode`` turns a list of shapely geometries (or ``None``) into parameters.
    """

    name: str
    ts: Callable[[datetime | None], Any]
    parse_ts: Callable[[Any], datetime | None]
    geom_param: str
    geom_select: Callable[[str], str]
    geom_encode: Callable[[Sequence[BaseGeometry | None]], list[Any]]
    geom_decode: Callable[[Sequence[Any]], list[BaseGeometry | None]]
    #: GeoPackage only: each time column ``t`` is shown to GDAL as millisecond DATETIME text
    #: (the spec's format) and kept exact, for filtering and reading back, in ``t_us``.
    shadow_times: bool = False
    display_ts: Callable[[datetime | None], Any] = lambda v: v
    #: SQL for ``valid_from >= start - (the longest claim interval ever stored)``, one ``?`` for start.
    span_bound: str = ""
    #: SQL aggregate of the longest stored claim interval, in microseconds.
    span_max: str = ""
    #: SQL for "the claim's interval meets the window", two ``?`` (start, end; either may be
    #: NULL), written as a backend's index of (interval, place) spells it: added beside the
    #: exact time terms when a query has a bbox too, so that index can find the claims in
    #: both at once. Empty: no such index.
    window_overlap: str = ""
    #: True when ``ORDER BY col`` already puts NULLs last (PostgreSQL), so the claim order
    #: needs no ``col IS NULL`` term and a plain (valid_from, id) index serves it.
    nulls_last: bool = False

    def tc(self, name: str, alias: str = "") -> str:
        """The column that holds the exact, comparable value of time column ``name``."""
        p = f"{alias}." if alias else ""
        return f"{p}{name}_us" if self.shadow_times else f"{p}{name}"


def insert_columns(d: Dialect, names: Sequence[str]) -> list[str]:
    """INSERT column names for ``names``, plus the shadow time columns when the dialect has them."""
    extra = [f"{n}_us" for n in names if n in TIME_COLUMNS] if d.shadow_times else []
    return [*names, *extra]


def bind_times(d: Dialect, names: Sequence[str], rows: Iterable[Sequence[Any]], skip: int = 0) -> list[tuple[Any, ...]]:
    """Turn the raw datetimes of ``rows`` (at the time columns of ``names``) into parameters.

    ``skip`` leading values (the geometry) are passed through untouched.
    """
    pos = [skip + i for i, n in enumerate(names) if n in TIME_COLUMNS]
    out = []
    cache: dict[datetime | None, tuple[Any, Any]] = {}  # claims share day boundaries: convert each once
    for row in rows:
        vals = list(row)
        extra = []
        for i in pos:
            v = vals[i]
            conv = cache.get(v)
            if conv is None:
                conv = cache[v] = (d.display_ts(v), d.ts(v)) if d.shadow_times else (d.ts(v), None)
            vals[i] = conv[0]
            if d.shadow_times:
                extra.append(conv[1])
        out.append((*vals, *extra))
    return out


def parse_iso(value: Any) -> datetime | None:
    """Read a stored timestamp (ISO text or a driver datetime) as an aware UTC datetime."""
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(value: datetime | None) -> int | None:
    """Exact microseconds since 1970-01-01T00:00Z (naive input is read as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: Any) -> datetime | None:
    """The UTC datetime of a microsecond epoch count (``None`` stays ``None``)."""
    return None if value is None else _EPOCH + timedelta(microseconds=int(value))


def iso_ms(value: datetime | None) -> str | None:
    """GeoPackage DATETIME text (``YYYY-MM-DDTHH:MM:SS.SSSZ``), truncated to the millisecond."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def wkb_or_none(geom: BaseGeometry | None) -> bytes | None:
    """Plain little-endian WKB of a geometry (for the region and drawn-area columns)."""
    return None if geom is None else bytes(shapely.to_wkb(geom))


def from_wkb_or_none(value: Any) -> BaseGeometry | None:
    """Shapely geometry from plain WKB bytes (``None`` stays ``None``)."""
    return None if value is None else shapely.from_wkb(bytes(value))


class Tx(Protocol):
    """One open write transaction (or read connection) of a backend, ``?`` placeholders."""

    dialect: Dialect

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement."""

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per row of parameters."""

    def insert_versions(self, table: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert version rows (geometry parameter first); a backend may bulk-load large batches."""


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``size`` (for IN lists under the parameter limit)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(n: int) -> str:
    return ",".join("?" * n)
