"""UCDP GED CSV import: mapping, precision codes, idempotence, bad rows, strict mode."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from geo.errors import InvalidInput
from layers.importers.common import ImportFailed
from layers.importers.ucdp import import_ucdp, infer_event_type
from layers.store import open_store
from layers.store.base import ClaimQuery

FIXTURE = Path(__file__).parent.parent / "data" / "importers" / "ucdp_sample.csv"


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, rows: list[dict[str, Any]], columns: list[str], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def gpkg_store(tmp_path: Path):
    store = open_store(tmp_path / "ucdp.gpkg")
    yield store
    store.close()


def _all(store) -> dict[str, Any]:
    return {c.id: c for c in store.query_claims(ClaimQuery()).items}


def test_sample_maps_every_field(gpkg_store) -> None:
    result = import_ucdp(gpkg_store, FIXTURE)
    assert (result.rows, result.inserted, result.error_count) == (5, 5, 0)
    claims = _all(gpkg_store)
    strike = claims["ucdp:900001"]
    assert strike.event_type == "airstrike"
    assert strike.source == "UCDP GED"
    assert strike.claimant == "Sitmap test outlet A"
    assert (strike.fatalities.low, strike.fatalities.best, strike.fatalities.high) == (4, 5, 9)
    assert strike.valid_from == datetime(2023, 12, 1, tzinfo=UTC)
    assert strike.time_precision == "day"
    assert strike.uncertainty.where_prec == 1
    assert strike.place_text == "Khan Yunis town"
    assert "one-sided violence" in strike.notes and "Government of Israel - Hamas" in strike.notes
    # the claimant falls back to the outlet at the head of source_article
    assert claims["ucdp:900002"].claimant == "Sitmap test outlet G"
    assert claims["ucdp:900002"].event_type == "rocket_launch"


def test_date_and_where_precision(gpkg_store) -> None:
    import_ucdp(gpkg_store, FIXTURE)
    claims = _all(gpkg_store)
    span = claims["ucdp:900002"]  # 1..3 Dec, date_prec 2
    assert span.time_precision == "week"
    assert (span.valid_from.date().isoformat(), span.valid_to.date().isoformat()) == ("2023-12-01", "2023-12-03")
    month = claims["ucdp:900005"]  # date_prec 4, where_prec 4 (first-order admin: the Gaza Strip)
    assert month.time_precision == "month"
    assert month.uncertainty.where_prec >= 4
    assert month.uncertainty.region is not None
    assert month.uncertainty.region.contains(month.geometry)
    governorate = claims["ucdp:900003"]  # where_prec 3: the governorate polygon bounds it
    assert governorate.uncertainty.region is not None
    assert governorate.uncertainty.region.area < month.uncertainty.region.area
    assert claims["ucdp:900001"].uncertainty.radius_m < governorate.uncertainty.radius_m


def test_reimport_is_a_no_op_and_a_changed_row_a_new_version(gpkg_store, tmp_path: Path) -> None:
    import_ucdp(gpkg_store, FIXTURE)
    again = import_ucdp(gpkg_store, FIXTURE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    cols, rows = _rows()
    rows[0]["best"] = "6"
    changed = import_ucdp(gpkg_store, _write(tmp_path / "v2.csv", rows, cols))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 4)
    assert [c.fatalities.best for c in gpkg_store.claim_history("ucdp:900001")] == [5, 6]


def test_bad_rows(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    rows[1]["date_end"] = "2023-11-01"  # before date_start
    rows[2]["where_prec"] = "9"
    rows[3]["latitude"] = "-91"
    rows[4]["id"] = rows[0]["id"]
    result = import_ucdp(gpkg_store, _write(tmp_path / "bad.csv", rows, cols))
    assert result.inserted == 1
    reasons = {e.line: e.reason for e in result.errors}
    assert "date_end 2023-11-01 is before date_start" in reasons[3]
    assert "where_prec '9' must be one of" in reasons[4]
    assert "latitude -91 is out of range" in reasons[5]
    assert "duplicate id (first seen on line 2)" in reasons[6]


def test_inconsistent_death_counts_are_a_bad_row(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    rows[0]["low"] = "20"
    result = import_ucdp(gpkg_store, _write(tmp_path / "deaths.csv", rows[:1], cols))
    assert result.inserted == 0 and "low <= best <= high" in result.errors[0].reason


def test_strict_and_missing_columns_store_nothing(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    rows[2]["date_prec"] = "x"
    with pytest.raises(ImportFailed, match="line 4"):
        import_ucdp(gpkg_store, _write(tmp_path / "bad.csv", rows, cols), strict=True)
    with pytest.raises(InvalidInput, match=r"missing required ucdp column.*where_prec"):
        import_ucdp(gpkg_store, _write(tmp_path / "cut.csv", rows, [c for c in cols if c != "where_prec"]))
    assert gpkg_store.stats().claims == 0


def test_tab_separated_file_is_read_with_a_notice(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    result = import_ucdp(gpkg_store, _write(tmp_path / "ged.tsv", rows, cols, delimiter="\t"))
    assert result.inserted == 5 and any("tab-delimited" in n for n in result.notices)


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Israeli air strike hits house", "airstrike"),
        ("Tank shelling east of town", "shelling"),
        ("Rockets fired towards Sderot", "rocket_launch"),
        ("Gunmen opened fire at checkpoint", "shooting"),
        ("Troops raid refugee camp", "ground_operation"),
        ("Talks continue", "other"),
    ],
)
def test_event_type_from_headline(headline: str, expected: str) -> None:
    assert infer_event_type(headline) == expected


def test_cli_import_ucdp(tmp_path: Path, capsys) -> None:
    from api.cli import main

    db = str(tmp_path / "cli.gpkg")
    assert main(["import", "ucdp", str(FIXTURE), "--db", db]) == 0
    assert "5 new" in capsys.readouterr().out
    assert main(["import", "ucdp", str(tmp_path / "absent.csv"), "--db", db]) == 2
    assert "no such file" in capsys.readouterr().err


def test_both_backends_import_and_version_the_same_way(store, tmp_path: Path) -> None:
    """The contract holds on GeoPackage and PostGIS alike (the `store` fixture is parametrised)."""
    first = import_ucdp(store, FIXTURE)
    assert first.inserted == 5
    assert import_ucdp(store, FIXTURE).unchanged == 5
    cols, rows = _rows()
    rows[1]["best"] = "1"
    rows[1]["high"] = "2"
    changed = import_ucdp(store, _write(tmp_path / "v2.csv", rows, cols))
    assert (changed.updated, changed.unchanged) == (1, 4)
    assert [h.version for h in store.claim_history("ucdp:900002")] == [1, 2]
