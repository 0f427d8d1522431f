"""`sitmap geocode`: one RFC 7946 FeatureCollection of claims (or mentions) on stdout, nothing stored."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from api.cli import main

REPORT = (
    "Israeli strikes killed 11 people in Rafah on Wednesday, medics said. "
    "On Thursday, rockets were fired at Sderot, Magen David Adom said.\n"
)

#: The properties every claim feature carries (the contract names).
CLAIM_PROPERTIES = {
    "event_type",
    "place_text",
    "place_name",
    "gazetteer_id",
    "uncertainty_m",
    "geo_precision",
    "where_prec",
    "placement_method",
    "valid_from",
    "valid_to",
    "time_precision",
    "claimant",
    "source",
    "url",
    "quote",
    "confidence",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "injured_low",
    "injured_high",
    "targets",
    "block_ids",
    "alternatives",
}
MENTION_PROPERTIES = {
    "place_text",
    "place_name",
    "gazetteer_id",
    "start",
    "end",
    "uncertainty_m",
    "confidence",
    "alternatives",
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_geocode_prints_claims(report: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(
        ["geocode", str(report), "--published", "2024-02-29", "--source", "Wire", "--url", "https://example.org/r"],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["type"] == "FeatureCollection"
    feats = doc["features"]
    assert [f["properties"]["event_type"] for f in feats] == ["airstrike", "rocket_launch"]
    for f in feats:
        assert f["type"] == "Feature"
        assert set(f["properties"]) >= CLAIM_PROPERTIES
        assert f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert 34 < lon < 35 and 31 < lat < 32  # RFC 7946: lon, lat
        assert f["properties"]["source"] == "Wire" and f["properties"]["url"] == "https://example.org/r"
        assert f["properties"]["valid_from"].endswith("Z") and f["properties"]["time_precision"] == "day"
    rafah = feats[0]["properties"]
    assert rafah["place_text"] == "Rafah" and rafah["claimant"] == "medics" and rafah["fatalities"] == 11
    assert rafah["valid_from"] == "2024-02-28T00:00:00Z"
    assert feats[1]["properties"]["claimant"] == "Magen David Adom"
    # nothing was written next to the input (no store, no cache files)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_geocode_mentions(report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["geocode", str(report), "--mentions"], capsys)
    assert code == 0, err
    feats = json.loads(out)["features"]
    names = [f["properties"]["place_text"] for f in feats]
    assert names[:2] == ["Rafah", "Sderot"]
    for f in feats:
        assert set(f["properties"]) >= MENTION_PROPERTIES
        p = f["properties"]
        assert REPORT[p["start"] : p["end"]] == p["place_text"]
    rafah = feats[0]["properties"]
    assert any(a["country"] == "EG" for a in rafah["alternatives"])  # the Egyptian Rafah, kept with its score


def test_geocode_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(REPORT.encode()), encoding="utf-8"))
    code, out, err = run(["geocode", "-", "--published", "2024-02-29"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["features"]) == 2


def test_unresolved_place_has_null_geometry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.txt"
    path.write_text("Shells hit the market on Monday, residents said.", encoding="utf-8")
    code, out, _ = run(["geocode", str(path), "--published", "2024-01-10"], capsys)
    assert code == 0
    [f] = json.loads(out)["features"]
    assert f["geometry"] is None
    assert f["properties"]["placement_method"] == "unresolved" and f["properties"]["uncertainty_m"] is None


def test_empty_and_no_event_texts_give_an_empty_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for content in ("", "Prices of flour in Rafah have risen tenfold, traders said."):
        path = tmp_path / "r.txt"
        path.write_text(content, encoding="utf-8")
        code, out, _ = run(["geocode", str(path)], capsys)
        assert code == 0
        assert json.loads(out) == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (REPORT.encode(), ["--published", "29/02/2024"], "expected YYYY-MM-DD or ISO 8601"),
        (b"Shells\xff\xfe hit Rafah.", [], "not valid UTF-8"),
        (b"\x00\x01\x02binary\x00", [], "binary"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, args: list[str], message: str
) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(content)
    code, out, err = run(["geocode", str(path), *args], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("sitmap: error: ") and message in err


def test_too_large_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"Shells hit Rafah. " * (2 * 1024 * 1024 // 18 + 10))
    code, out, err = run(["geocode", str(path)], capsys)
    assert code == 2 and out == ""
    assert "over the limit of 2,097,152 bytes" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["geocode", str(tmp_path / "nope.txt")], capsys)
    # bad input, like `sitmap import` given a path that is not there: exit 2, one line
    assert code == 2 and out == ""
    assert err == f"sitmap: error: no such file: {tmp_path / 'nope.txt'}\n"
    code, out, err = run(["geocode", str(tmp_path)], capsys)
    assert code == 2 and out == "" and err == f"sitmap: error: no such file: {tmp_path}\n"
