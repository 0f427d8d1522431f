"""`sitmap places NAME`: the gazetteer entries a name may mean, for reviewers and curators."""

from __future__ import annotations

import json

import pytest

from api.cli import main


def test_places_lists_every_candidate_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", "Rafah", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["gazetteer_id"] for r in rows}
    assert {"geonames:281102", "geonames:350350"} <= ids
    gaza_rafah = next(r for r in rows if r["gazetteer_id"] == "geonames:281102")
    assert gaza_rafah["country"] == "PS" and gaza_rafah["radius_m"] > 0 and gaza_rafah["origin"]


def test_places_table_and_spellings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", "خان يونس"]) == 0
    out = capsys.readouterr().out
    assert "geonames:281124" in out and "Khan Younis" in out and "km" in out


def test_places_fuzzy_and_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", "Nusseyrat"]) == 0  # only the consonant skeleton meets Nuseirat
    assert "geonames:281109" in capsys.readouterr().out
    assert main(["places", "Nusseyrat", "--exact"]) == 2
    assert "no gazetteer entry for 'Nusseyrat'" in capsys.readouterr().err


def test_places_unknown_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", "Qwertyabad"]) == 2
    assert "sitmap: error: no gazetteer entry for 'Qwertyabad'" in capsys.readouterr().err
    assert main(["places", "  "]) == 2
    assert "a place name is required" in capsys.readouterr().err
