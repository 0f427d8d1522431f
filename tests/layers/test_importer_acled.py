"""ACLED CSV import: mapping, idempotence, versions, bad rows, strict mode, streaming."""

from __future__ import annotations

import csv
import io
import tracemalloc
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from geo.errors import InvalidInput
from layers.importers.acled import REQUIRED_COLUMNS, import_acled, map_event_type
from layers.importers.common import ImportFailed, detect_delimiter, parse_date
from layers.store import open_store
from layers.store.base import ClaimQuery, WriteResult

FIXTURE = Path(__file__).parent.parent / "data" / "importers" / "acled_sample.csv"


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None, delimiter: str = ",") -> Path:
    cols = columns or _rows()[0]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def gpkg_store(tmp_path: Path):
    store = open_store(tmp_path / "acled.gpkg")
    yield store
    store.close()


def _all(store) -> dict[str, Any]:
    return {c.id: c for c in store.query_claims(ClaimQuery()).items}


def test_sample_maps_every_field(gpkg_store) -> None:
    result = import_acled(gpkg_store, FIXTURE)
    assert (result.rows, result.inserted, result.error_count) == (8, 8, 0)
    claims = _all(gpkg_store)
    strike = claims["acled:PSE900001"]
    assert strike.event_type == "airstrike"
    assert strike.source == "ACLED"
    assert strike.claimant == "Sitmap test outlet A; Sitmap test outlet B"
    assert (strike.geometry.x, strike.geometry.y) == pytest.approx((34.306, 31.346))
    assert strike.uncertainty.geo_precision == 1
    assert strike.uncertainty.method == "coordinates"
    assert strike.valid_from == datetime(2023, 12, 1, tzinfo=UTC)
    assert strike.valid_to.date().isoformat() == "2023-12-01"
    assert strike.time_precision == "day"
    assert strike.fatalities.best == 4
    assert strike.place_text == "Khan Younis"
    assert "Air/drone strike" in strike.notes and "Military Forces of Israel" in strike.notes
    assert strike.report_id == result.report_id
    assert gpkg_store.get_report(result.report_id).source_id == "acled"
    # rocket fire by a non-state actor is rocket_launch; state shelling stays shelling
    assert claims["acled:PSE900002"].event_type == "rocket_launch"
    assert claims["acled:PSE900003"].event_type == "shelling"
    assert claims["acled:PSE900004"].event_type == "ground_operation"
    assert claims["acled:PSE900005"].event_type == "shooting"
    assert claims["acled:PSE900006"].event_type == "negotiation"


def test_time_and_geo_precision_become_intervals_and_radii(gpkg_store) -> None:
    import_acled(gpkg_store, FIXTURE)
    claims = _all(gpkg_store)
    week = claims["acled:PSE900004"]  # ISO date 2023-12-02, time_precision 2
    assert week.time_precision == "week"
    assert (week.valid_from.date().isoformat(), week.valid_to.date().isoformat()) == ("2023-11-29", "2023-12-05")
    month = claims["acled:PSE900006"]  # 15-Nov-23, time_precision 3
    assert month.time_precision == "month"
    assert (month.valid_from.date().isoformat(), month.valid_to.date().isoformat()) == ("2023-11-01", "2023-11-30")
    r1 = claims["acled:PSE900001"].uncertainty.radius_m
    r2 = claims["acled:PSE900002"].uncertainty.radius_m
    r3 = claims["acled:PSE900006"].uncertainty.radius_m
    assert r1 < r2 < r3
    assert claims["acled:PSE900002"].uncertainty.geo_precision == 2


def test_reimport_changes_nothing_and_changed_row_is_new_version(gpkg_store, tmp_path: Path) -> None:
    import_acled(gpkg_store, FIXTURE)
    again = import_acled(gpkg_store, FIXTURE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)
    cols, rows = _rows()
    rows[0]["fatalities"] = "6"
    changed = import_acled(gpkg_store, _write(tmp_path / "changed.csv", rows, cols), recorded_by="desk-3")
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 7)
    history = gpkg_store.claim_history("acled:PSE900001")
    assert [h.version for h in history] == [1, 2]
    assert [h.recorded_by for h in history] == ["import:acled", "desk-3"]  # the default names the importer
    assert [h.fatalities.best for h in history] == [4, 6]
    assert gpkg_store.stats().claims == 8


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    bad = [dict(r) for r in rows[:6]]
    bad[1]["event_date"] = "31-Feb-23"
    bad[2]["longitude"] = "234.5"
    bad[3]["event_id_cnty"] = bad[0]["event_id_cnty"]
    bad[4]["geo_precision"] = "5"
    bad[5]["latitude"] = "north"
    path = _write(tmp_path / "bad.csv", bad, cols)
    result = import_acled(gpkg_store, path)
    assert result.inserted == 1 and result.error_count == 5
    by_line = {e.line: e.reason for e in result.errors}
    assert "event_date '31-Feb-23' is not a date" in by_line[3]
    assert "longitude 234.5 is out of range" in by_line[4]
    assert "duplicate id (first seen on line 2)" in by_line[5]
    assert "geo_precision '5' must be one of 1, 2, 3" in by_line[6]
    assert "latitude 'north' is not a number" in by_line[7]
    assert result.errors[2].row_id == bad[0]["event_id_cnty"]
    assert list(_all(gpkg_store)) == [f"acled:{bad[0]['event_id_cnty']}"]


def test_line_numbers_count_multiline_fields(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    rows = [r for r in rows if r["event_id_cnty"] in ("PSE900007", "PSE900008")]  # 007 has a two-line note
    rows[1]["event_date"] = "not a date"
    result = import_acled(gpkg_store, _write(tmp_path / "multi.csv", rows, cols))
    assert [e.line for e in result.errors] == [4]


def test_wrong_number_of_fields_is_a_bad_row(gpkg_store, tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    header = text[0]
    path = tmp_path / "short.csv"
    path.write_text(header + text[1] + "PSE999999,1-Dec-23,2023\n", encoding="utf-8")
    result = import_acled(gpkg_store, path)
    assert result.inserted == 1
    assert result.errors[0].line == 3 and "wrong number of fields (3 fields, header has 31)" in result.errors[0].reason


def test_strict_stores_nothing_when_a_row_is_bad(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    rows[3]["latitude"] = "95"
    before = gpkg_store.stats()
    with pytest.raises(ImportFailed) as err:
        import_acled(gpkg_store, _write(tmp_path / "bad.csv", rows, cols), strict=True)
    assert "nothing stored" in err.value.message and "line 5" in err.value.message
    assert err.value.errors[0].line == 5
    after = gpkg_store.stats()
    assert (after.claims, after.reports, after.sources) == (before.claims, before.reports, before.sources) == (0, 0, 0)
    ok = import_acled(gpkg_store, FIXTURE, strict=True)
    assert ok.inserted == 8


def test_missing_columns_are_named_and_nothing_is_lost(gpkg_store, tmp_path: Path) -> None:
    import_acled(gpkg_store, FIXTURE)
    cols, rows = _rows()
    cut = [c for c in cols if c not in ("latitude", "geo_precision")]
    with pytest.raises(InvalidInput) as err:
        import_acled(gpkg_store, _write(tmp_path / "cut.csv", rows, cut))
    assert "latitude" in err.value.message and "geo_precision" in err.value.message
    assert len(_all(gpkg_store)) == 8  # what was stored before is intact


def test_semicolon_file_is_detected_and_read(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    for r in rows:  # European spreadsheets: semicolons and decimal commas
        r["latitude"] = r["latitude"].replace(".", ",")
        r["longitude"] = r["longitude"].replace(".", ",")
    result = import_acled(gpkg_store, _write(tmp_path / "semi.csv", rows, cols, delimiter=";"))
    assert result.inserted == 8 and result.error_count == 0
    assert any("semicolon-delimited" in n for n in result.notices)
    assert _all(gpkg_store)["acled:PSE900001"].geometry.y == pytest.approx(31.346)


def test_unsplittable_header_says_the_delimiter_is_wrong(gpkg_store, tmp_path: Path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_text(" ".join(REQUIRED_COLUMNS) + "\nPSE1 1-Dec-23 1 a b 31 34 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="is the delimiter a comma"):
        import_acled(gpkg_store, path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02binary", "binary"),
        ("event_id_cnty,event_date\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_unreadable_files_are_clear_errors(gpkg_store, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "weird.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        import_acled(gpkg_store, path)


def test_non_utf8_body_is_a_clear_error(gpkg_store, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(FIXTURE.read_bytes() + "PSE900099,1-Dec-23,2023,1,x,y,z,Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="line 11 is not UTF-8"):
        import_acled(gpkg_store, path, strict=True)
    assert gpkg_store.stats().claims == 0


def test_missing_file_is_invalid_input(gpkg_store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        import_acled(gpkg_store, tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("6-Jun-25", "2025-06-06"),
        ("06 June 2025", "2025-06-06"),
        ("2023-12-01", "2023-12-01"),
        ("1-Dec-2023", "2023-12-01"),
    ],
)
def test_acled_date_forms(text: str, iso: str) -> None:
    assert parse_date(text, "event_date").isoformat() == iso


def test_event_type_mapping_table() -> None:
    assert map_event_type("Explosions/Remote violence", "Air/drone strike") == "airstrike"
    assert (
        map_event_type(
            "Explosions/Remote violence", "Shelling/artillery/missile attack", "Military Forces of Israel", "rockets"
        )
        == "shelling"
    )
    assert (
        map_event_type("Explosions/Remote violence", "Shelling/artillery/missile attack", "Hamas", "fired rockets")
        == "rocket_launch"
    )
    assert map_event_type("Battles", "Something new") == "ground_operation"
    assert map_event_type("Protests", "Peaceful protest") == "other"
    assert detect_delimiter("a\tb\tc") == "\t"


class _CountingSink:
    """Accepts writes and keeps only counts, so memory measures the importer alone."""

    def __init__(self) -> None:
        self.claims = 0
        self.batches = 0

    def add_sources(self, sources) -> WriteResult:
        return WriteResult()

    def add_reports(self, reports) -> WriteResult:
        return WriteResult()

    def add_claims(self, claims, *, recorded_by=None) -> WriteResult:
        self.claims += len(claims)
        self.batches += 1
        return WriteResult(inserted=[c.id for c in claims])


def _big_file(path: Path, n: int) -> Path:
    cols, rows = _rows()
    template = rows[0]
    note = "Fixture row generated for the streaming test. " * 80
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for i in range(n):
            row = dict(template)
            row["event_id_cnty"] = f"PSE8{i:06d}"
            row["notes"] = note + str(i)
            writer.writerow(row)
    return path


def test_large_file_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    path = _big_file(tmp_path / "big.csv", 2_000)
    size = path.stat().st_size
    assert size > 7_000_000
    sink = _CountingSink()
    seen: list[tuple[int, int]] = []
    tracemalloc.start()
    try:
        result = import_acled(sink, path, batch_size=200, progress=lambda done, total: seen.append((done, total)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.inserted == 2_000 and sink.claims == 2_000 and sink.batches == 10
    # a batch of 200 records (~4 kB of text each) and the id set, never the whole file
    assert peak < size / 3, f"peak {peak:,} bytes for a {size:,}-byte file"
    assert seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_cli_import_acled(tmp_path: Path, capsys) -> None:
    from api.cli import main

    db = str(tmp_path / "cli.gpkg")
    assert main(["import", "acled", str(FIXTURE), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "8 new" in out
    from api.cli_layer import cli_user

    with closing(open_store(db)) as store:  # who ran it, and with which importer
        assert {c.recorded_by for c in store.query_claims(ClaimQuery()).items} == {cli_user("import:acled")}
    cols, rows = _rows()
    rows[2]["event_date"] = "yesterday"
    bad = _write(tmp_path / "bad.csv", rows, cols)
    assert main(["import", "acled", str(bad), "--db", db, "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sitmap: error:") and "line 4" in err and len(err.strip().splitlines()) == 1
    assert main(["import", "acled", str(bad), "--db", db]) == 0
    captured = capsys.readouterr()
    assert "1 bad rows skipped" in captured.out and "line 4" in captured.err
    report = io.StringIO()
    assert main(["import", "acled", str(FIXTURE), "--db", db, "--json"]) == 0
    report.write(capsys.readouterr().out)
    assert '"unchanged": 8' in report.getvalue()


def test_cli_import_geojson_round_trips_an_acled_import(tmp_path: Path, capsys) -> None:
    """ACLED -> store -> GeoJSON export -> `sitmap import geojson` into another store: same claims."""
    import json

    from api.cli import main
    from layers.export import claim_feature, feature_collection

    first = open_store(tmp_path / "first.gpkg")
    try:
        import_acled(first, FIXTURE)
        claims = first.query_claims(ClaimQuery()).items
    finally:
        first.close()
    exported = tmp_path / "claims.geojson"
    exported.write_text(json.dumps(feature_collection([claim_feature(c) for c in claims])), encoding="utf-8")
    db = str(tmp_path / "second.gpkg")
    assert main(["import", "geojson", str(exported), "--db", db]) == 0
    assert "8 new" in capsys.readouterr().out
    assert main(["import", "geojson", str(exported), "--db", db, "--json"]) == 0
    assert '"unchanged": 8' in capsys.readouterr().out
    second = open_store(db)
    try:
        again = {c.id: c for c in second.query_claims(ClaimQuery()).items}
    finally:
        second.close()
    assert set(again) == {c.id for c in claims}
    assert again["acled:PSE900001"].claimant == "Sitmap test outlet A; Sitmap test outlet B"


def test_excel_style_file_with_bom_and_crlf(gpkg_store, tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = import_acled(gpkg_store, path)
    assert (result.inserted, result.error_count) == (8, 0)
    assert "\r" not in _all(gpkg_store)["acled:PSE900007"].quote


def test_cli_progress_bar_path_on_a_terminal(tmp_path: Path, capsys, monkeypatch) -> None:
    import sys

    from rich.progress import Progress

    import api.cli as cli

    updates: list[float] = []
    real_update = Progress.update

    def spy(self, task_id, **kwargs):
        updates.append(kwargs.get("completed", 0))
        return real_update(self, task_id, **kwargs)

    monkeypatch.setattr(Progress, "update", spy)
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli.main(["import", "acled", str(FIXTURE), "--db", str(tmp_path / "tty.gpkg")]) == 0
    assert "8 new" in capsys.readouterr().out
    assert updates and updates[-1] == FIXTURE.stat().st_size


def test_mortar_fire_by_a_non_state_actor_stays_shelling() -> None:
    assert map_event_type(
        "Explosions/Remote violence", "Shelling/artillery/missile attack", "PIJ", "mortar shells"
    ) == ("shelling")


def test_strict_progress_runs_once_from_zero_to_the_file_size(gpkg_store) -> None:
    seen: list[int] = []
    import_acled(gpkg_store, FIXTURE, strict=True, progress=lambda done, total: seen.append(done))
    size = FIXTURE.stat().st_size
    assert seen == sorted(seen) and seen[-1] == size and seen[0] <= size // 2


def test_a_new_timestamp_alone_is_not_a_new_version(gpkg_store, tmp_path: Path) -> None:
    import_acled(gpkg_store, FIXTURE)
    cols, rows = _rows()
    for r in rows:
        r["timestamp"] = "1800000000"
    again = import_acled(gpkg_store, _write(tmp_path / "reexport.csv", rows, cols))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)


def test_regional_precision_gets_each_rows_own_governorate(gpkg_store, tmp_path: Path) -> None:
    cols, rows = _rows()
    a, b = dict(rows[0]), dict(rows[0])
    a.update(event_id_cnty="PSE900101", geo_precision="3", latitude="31.3460", longitude="34.3060")  # Khan Younis
    b.update(event_id_cnty="PSE900102", geo_precision="3", latitude="31.5280", longitude="34.4830")  # Jabalia
    import_acled(gpkg_store, _write(tmp_path / "regional.csv", [a, b], cols))
    claims = _all(gpkg_store)
    ra, rb = claims["acled:PSE900101"].uncertainty, claims["acled:PSE900102"].uncertainty
    assert ra.region is not None and rb.region is not None and not ra.region.equals(rb.region)
    assert ra.region.contains(claims["acled:PSE900101"].geometry)
    assert rb.region.contains(claims["acled:PSE900102"].geometry)
    assert ra.geo_precision == rb.geo_precision == 3
