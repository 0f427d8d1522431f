"""Import ACLED CSV exports as claims.

Each ACLED event becomes one claim with the stable id ``acled:<event_id_cnty>``, so
importing the same export again changes nothing and a row ACLED has since corrected
becomes a new version of the same claim. What is kept, and how it is mapped:

- **claimant**: ACLED's ``source`` column as ACLED reports it (the outlets it coded
  the event from, e.g. "Times of Israel; WAFA"); ``ACLED`` when the cell is empty.
  The claim's **source** is ``ACLED``: the data set that carried the claim.
- **place**: ``latitude``/``longitude`` as given (placement method ``coordinates``),
  ``location`` as the place text, and an uncertainty from ACLED's ``geo_precision``
  (1 the named place, 2 near it / part of a region, 3 a larger region) through
  :func:`geo.uncertainty.from_acled`; for code 3 the containing governorate (OCHA
  COD-AB) is the uncertainty region when the point lies in Palestine.
- **time**: ``event_date`` with ``time_precision`` 1 = that day, 2 = the week around
  it (three days either side), 3 = the calendar month containing it. ACLED's dates
  come as ``6-Jun-25``, ``06 June 2025`` or ISO ``2025-06-06``.
- **event type** from ``sub_event_type`` (see :data:`SUB_EVENT_TYPES`): Air/drone
  strike -> airstrike; Shelling/artillery/missile attack -> shelling, or
  rocket_launch when a non-state actor fires rockets or projectiles (ACLED codes
  rocket fire from Gaza under this sub-event type); Armed clash and changes of
  territory -> ground_operation; Attack (violence against civilians) -> shooting;
  Agreement -> negotiation; everything else -> other. The original ACLED types,
  actors, admin areas and source scale are kept in ``notes`` so nothing is lost.
- **counts**: ``fatalities`` is ACLED's conservative estimate, stored as the best
  estimate of the claimed fatalities.
- ``timestamp`` (when ACLED last touched the row) and ``year``/``iso`` (derived) are not
  kept, so a row whose content did not change is unchanged even if it was re-exported.
"""

from __future__ import annotations

from datetime import timedelta
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
    month_bounds,
    parse_date,
    parse_int,
    parse_lonlat,
    parse_optional_int,
    run_csv_import,
)
from layers.model import ClaimRecord, Source

if TYPE_CHECKING:
    from geo.boundaries import AnyLevel

#: Columns an ACLED file must have; the others are used when present.
REQUIRED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "latitude",
    "longitude",
    "geo_precision",
)

#: ACLED sub-event type (lower case) -> sitmap event type. Unlisted ones map to "other".
SUB_EVENT_TYPES: dict[str, str] = {
    "air/drone strike": "airstrike",
    "shelling/artillery/missile attack": "shelling",
    "armed clash": "ground_operation",
    "government regains territory": "ground_operation",
    "non-state actor overtakes territory": "ground_operation",
    "attack": "shooting",
    "agreement": "negotiation",
    "remote explosive/landmine/ied": "other",
    "grenade": "other",
    "suicide bomb": "other",
    "abduction/forced disappearance": "other",
    "looting/property destruction": "other",
    "arrests": "other",
}

#: Words in an actor name that mark a state force (whose shelling is not "rocket fire").
_STATE_ACTOR_WORDS = ("military forces", "police forces", "government of")
_ROCKET_WORDS = ("rocket", "projectile")

ACLED_SOURCE = Source(id="acled", name="ACLED", kind="other", url="https://acleddata.com")


def map_event_type(event_type: str, sub_event_type: str, actor1: str = "", notes: str = "") -> str:
    """sitmap's event type for an ACLED event/sub-event type pair (see the module doc)."""
    sub = sub_event_type.strip().lower()
    mapped = SUB_EVENT_TYPES.get(sub)
    if mapped == "shelling":
        actor = actor1.lower()
        text = notes.lower()
        if not any(w in actor for w in _STATE_ACTOR_WORDS) and any(w in text for w in _ROCKET_WORDS):
            return "rocket_launch"
        return "shelling"
    if mapped is not None:
        return mapped
    if event_type.strip().lower() == "battles":
        return "ground_operation"
    return "other"


def _notes(row: dict[str, str]) -> str | None:
    """The ACLED context that has no sitmap field, as one readable line."""
    parts = []
    types = " / ".join(v for v in (row.get("event_type", "").strip(), row.get("sub_event_type", "").strip()) if v)
    if types:
        parts.append(f"ACLED type: {types}")
    actors = [row.get(k, "").strip() for k in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")]
    if actors[0] or actors[2]:
        side_a = actors[0] + (f" ({actors[1]})" if actors[1] else "")
        side_b = actors[2] + (f" ({actors[3]})" if actors[3] else "")
        parts.append(f"actors: {side_a}" + (f" vs {side_b}" if side_b else ""))
    admin = ", ".join(v for v in (row.get(f"admin{i}", "").strip() for i in (3, 2, 1)) if v)
    if admin:
        parts.append(f"admin: {admin}")
    if row.get("country", "").strip():
        parts.append(f"country: {row['country'].strip()}")
    if row.get("source_scale", "").strip():
        parts.append(f"source scale: {row['source_scale'].strip()}")
    if row.get("civilian_targeting", "").strip():
        parts.append(f"civilian targeting: {row['civilian_targeting'].strip()}")
    if row.get("tags", "").strip():
        parts.append(f"tags: {row['tags'].strip()}")
    return clean_text("; ".join(parts), MAX_TEXT)


#: ACLED geo_precision 3 places an event at a regional centroid: its governorate (OCHA COD-AB) bounds it.
_REGION_LEVEL: dict[int, AnyLevel] = {3: "adm2"}


def _converter(csv_file: CsvFile, report_id: str | None) -> RowConverter:
    from geo.uncertainty import from_acled

    decimal_comma = csv_file.delimiter != ","
    # Frozen values shared between rows that have the same ones (an export repeats a few
    # precision codes, places and counts many thousand times): built and validated once.
    uncertainty = UncertaintyCache(from_acled, _REGION_LEVEL)
    placement = PlacementCache()
    counts: dict[int, CountEstimate] = {}

    def count(value: int | None) -> CountEstimate | None:
        if value is None:
            return None
        if value not in counts:
            counts[value] = CountEstimate(best=value)
        return counts[value]

    def convert(line: int, row: dict[str, str]) -> ClaimRecord:
        event_id = row["event_id_cnty"].strip()
        if not event_id:
            raise RowError("event_id_cnty is empty")
        when = parse_date(row["event_date"], "event_date")
        time_prec = parse_int(row["time_precision"], "time_precision", allowed=(1, 2, 3))
        geo_prec = parse_int(row["geo_precision"], "geo_precision", allowed=(1, 2, 3))
        lon, lat = parse_lonlat(row["longitude"], row["latitude"], decimal_comma=decimal_comma)
        if time_prec == 1:
            start, end, precision = day_start(when), day_end(when), "day"
        elif time_prec == 2:
            start, end, precision = day_start(when - timedelta(days=3)), day_end(when + timedelta(days=3)), "week"
        else:
            (start, end), precision = month_bounds(when), "month"
        notes_text = row.get("notes", "")
        fatalities = parse_optional_int(row.get("fatalities"), "fatalities")
        location = clean_text(row.get("location"), MAX_NAME)
        point = Point(lon, lat)
        return ClaimRecord(
            id=f"acled:{event_id}",
            report_id=report_id,
            event_type=map_event_type(row["event_type"], row["sub_event_type"], row.get("actor1", ""), notes_text),
            claimant=clean_text(row.get("source"), MAX_NAME) or "ACLED",
            source=ACLED_SOURCE.name,
            quote=clean_text(notes_text, MAX_TEXT),
            place_text=location,
            place_name=location,
            geometry=point,
            uncertainty=uncertainty(geo_prec, point),
            valid_from=start,
            valid_to=end,
            time_precision=precision,
            fatalities=count(fatalities),
            placement=placement(location),
            confidence=0.8,
            notes=_notes(row),
        )

    return convert


def import_acled(
    store: ClaimSink,
    path: str | Path,
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    recorded_by: str | None = None,
) -> ImportResult:
    """Import an ACLED CSV export into ``store``; see the module doc for the mapping.

    Bad rows are reported in the result with their line numbers and skipped; with
    ``strict`` nothing is stored if any row is bad (``ImportFailed``). The file is
    streamed in batches of ``batch_size`` rows.
    """
    return run_csv_import(
        store,
        path,
        fmt="acled",
        required=REQUIRED_COLUMNS,
        id_column="event_id_cnty",
        make_converter=_converter,
        source=ACLED_SOURCE,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
        recorded_by=recorded_by,
    )
