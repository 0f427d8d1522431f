"""Import UCDP GED (Georeferenced Event Dataset) CSV files as claims.

Each GED event becomes one claim with the stable id ``ucdp:<id>``: re-importing the
same release changes nothing, and an event whose row changed in a later release
becomes a new version. The mapping:

- **claimant**: ``source_office`` (the outlet UCDP coded the event from) as given,
  else the start of ``source_article``, else ``UCDP``; the claim's **source** is
  ``UCDP GED``.
- **place**: ``latitude``/``longitude`` (placement method ``coordinates``),
  ``where_coordinates`` as the place text, and an uncertainty from ``where_prec``
  (1 exact .. 7 country or wider) through :func:`geo.uncertainty.from_ucdp`; for
  codes 3, 4 and 6 the containing governorate, territory or country polygon is the
  uncertainty region when shipped boundaries cover the point.
- **time**: ``date_start`` .. ``date_end`` (whole days, inclusive), with a precision
  from ``date_prec``: 1 day, 2-3 week, 4 month, 5 year.
- **event type**: GED's ``type_of_violence`` says who fought, not by what means, so
  the type is read from the event's ``source_headline`` and ``source_original``
  (air strike, shelling, rocket, shooting, raid/clash) and is ``other`` otherwise.
- **counts**: ``best``, ``low`` and ``high`` become the fatality estimate.
- **notes** keep the dyad, conflict, violence type, ``where_description``, admin
  areas and the source article reference.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from shapely.geometry import Point

from geo.model import MAX_NAME, MAX_TEXT, CountEstimate
from layers.importers.common import (
    DEFAULT_BATCH_SIZE,
    ClaimSink,
    CsvFile,
    ImportResult,
    PlacementCache,
    ProgressCallback,
    RowConverter,
    RowError,
    UncertaintyCache,
    clean_text,
    day_end,
    day_start,
    parse_date,
    parse_int,
    parse_lonlat,
    parse_optional_int,
    run_csv_import,
)
from layers.model import ClaimRecord, Source

if TYPE_CHECKING:
    from geo.boundaries import AnyLevel

#: Columns a GED file must have; the others are used when present.
REQUIRED_COLUMNS = ("id", "date_start", "date_end", "date_prec", "where_prec", "latitude", "longitude")

#: GED date_prec -> sitmap time precision.
DATE_PRECISION = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}

#: GED type_of_violence codes, kept in notes.
VIOLENCE_TYPES = {1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}

#: Cues in a GED source headline/text -> sitmap event type, tried in order.
_TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("airstrike", re.compile(r"\b(air ?strikes?|air raids?|drone strikes?|warplanes?|bomb(?:ed|ing|s)?)\b", re.I)),
    ("rocket_launch", re.compile(r"\b(rockets?|projectiles?|missiles? (?:fired|launched) from)\b", re.I)),
    ("shelling", re.compile(r"\b(shell(?:ed|ing|s)?|artillery|tank fire|mortars?)\b", re.I)),
    ("shooting", re.compile(r"\b(shot|shooting|gunm[ae]n|gunfire|opened fire)\b", re.I)),
    (
        "ground_operation",
        re.compile(r"\b(raids?|clash(?:es)?|incursions?|ground (?:operation|offensive)|troops)\b", re.I),
    ),
)

UCDP_SOURCE = Source(id="ucdp-ged", name="UCDP GED", kind="other", url="https://ucdp.uu.se")


def infer_event_type(*texts: str) -> str:
    """sitmap's event type from GED's free-text source fields; ``other`` when no cue matches."""
    text = " ".join(t for t in texts if t)
    for event_type, pattern in _TYPE_CUES:
        if pattern.search(text):
            return event_type
    return "other"


def _claimant(row: dict[str, str]) -> str:
    office = clean_text(row.get("source_office"), MAX_NAME)
    if office:
        return office
    article = clean_text(row.get("source_article"), MAX_TEXT)
    if article:
        # "Reuters,2023-12-01,..." or "Reuters 2023-12-01 'headline'": keep the outlet part.
        head = re.split(r"[,;\"“]|\s\d{4}-\d{2}-\d{2}", article, maxsplit=1)[0].strip()
        if head:
            return head[:MAX_NAME]
    return "UCDP"


def _notes(row: dict[str, str], violence: int | None) -> str | None:
    parts = []
    if violence is not None:
        parts.append(f"UCDP type of violence: {VIOLENCE_TYPES.get(violence, str(violence))}")
    for column, label in (
        ("conflict_name", "conflict"),
        ("dyad_name", "dyad"),
        ("where_description", "where"),
        ("adm_2", "admin 2"),
        ("adm_1", "admin 1"),
        ("country", "country"),
        ("source_article", "source article"),
        ("source_date", "source date"),
    ):
        value = (row.get(column) or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return clean_text("; ".join(parts), MAX_TEXT)


#: GED where_prec -> the admin level whose polygon bounds the event (OCHA COD-AB, Natural Earth).
_REGION_LEVEL: dict[int, AnyLevel] = {3: "adm2", 4: "adm1", 6: "country"}


def _converter(csv_file: CsvFile, report_id: str | None) -> RowConverter:
    from geo.uncertainty import from_ucdp

    decimal_comma = csv_file.delimiter != ","
    # Frozen values shared between rows with the same codes or places: built once.
    uncertainty = UncertaintyCache(from_ucdp, _REGION_LEVEL)
    placement = PlacementCache()

    def convert(line: int, row: dict[str, str]) -> ClaimRecord:
        event_id = row["id"].strip()
        if not event_id:
            raise RowError("id is empty")
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", event_id):
            raise RowError(f"id {event_id!r} is not a GED event id")
        first = parse_date(row["date_start"], "date_start")
        last = parse_date(row["date_end"], "date_end")
        if last < first:
            raise RowError(f"date_end {row['date_end'].strip()} is before date_start {row['date_start'].strip()}")
        date_prec = parse_int(row["date_prec"], "date_prec", allowed=tuple(DATE_PRECISION))
        where_prec = parse_int(row["where_prec"], "where_prec", allowed=(1, 2, 3, 4, 5, 6, 7))
        lon, lat = parse_lonlat(row["longitude"], row["latitude"], decimal_comma=decimal_comma)
        violence = parse_optional_int(row.get("type_of_violence"), "type_of_violence")
        best = parse_optional_int(row.get("best"), "best")
        low = parse_optional_int(row.get("low"), "low")
        high = parse_optional_int(row.get("high"), "high")
        counts = [v for v in (low, best, high) if v is not None]
        if counts != sorted(counts):
            raise RowError(f"deaths must satisfy low <= best <= high (got low={low}, best={best}, high={high})")
        place = clean_text(row.get("where_coordinates"), MAX_NAME)
        point = Point(lon, lat)
        headline = (row.get("source_headline") or "") + " " + (row.get("source_original") or "")
        return ClaimRecord(
            id=f"ucdp:{event_id}",
            report_id=report_id,
            event_type=infer_event_type(headline),
            claimant=_claimant(row),
            source=UCDP_SOURCE.name,
            quote=clean_text(row.get("source_headline"), MAX_TEXT),
            place_text=place,
            place_name=place,
            geometry=point,
            uncertainty=uncertainty(where_prec, point),
            valid_from=day_start(first),
            valid_to=day_end(last),
            time_precision=DATE_PRECISION[date_prec],
            fatalities=CountEstimate(low=low, best=best, high=high) if counts else None,
            placement=placement(place),
            confidence=0.8,
            notes=_notes(row, violence),
        )

    return convert


def import_ucdp(
    store: ClaimSink,
    path: str | Path,
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    recorded_by: str | None = None,
) -> ImportResult:
    """Import a UCDP GED CSV file into ``store``; see the module doc for the mapping.

    Bad rows are reported with their line numbers and skipped; with ``strict`` nothing
    is stored if any row is bad (``ImportFailed``). The file is streamed in batches.
    """
    return run_csv_import(
        store,
        path,
        fmt="ucdp",
        required=REQUIRED_COLUMNS,
        id_column="id",
        make_converter=_converter,
        source=UCDP_SOURCE,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
        recorded_by=recorded_by,
    )
