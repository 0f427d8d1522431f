"""Hostile GeoJSON through ``sitmap import geojson``: every bad feature reported by index, none stored.

The same geometries the service refuses (invalid, empty, out of range, nested,
unknown type), malformed features and properties, and a 1M-vertex polygon (refused
by the per-feature vertex limit before shapely builds it). ``--strict`` stores
nothing when any feature is bad; without it, the good features are stored and the
bad ones listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from geo.errors import SitmapError
from layers.importers.geojson import MAX_VERTICES, records_from_geojson
from tests.api.test_hostile_geometry import BAD_GEOMETRIES, CLAIM_PROPS, ZONE_PROPS

ZONE = {**ZONE_PROPS, "effective_from": "2023-12-02"}


def _bad_features() -> list[Any]:
    feats: list[Any] = []
    for name, (geometry, _m) in sorted(BAD_GEOMETRIES.items()):
        feats.append({"type": "Feature", "id": f"c-{name}", "geometry": geometry, "properties": dict(CLAIM_PROPS)})
        feats.append({"type": "Feature", "id": f"z-{name}", "geometry": geometry, "properties": dict(ZONE)})
    point = {"type": "Point", "coordinates": [34.4, 31.4]}
    feats += [
        "not a feature",
        None,
        {"type": "Feature", "id": "c-props-list", "geometry": point, "properties": [1, 2]},
        {"type": "Feature", "id": "c-count", "geometry": point, "properties": {**CLAIM_PROPS, "fatalities": "many"}},
        {"type": "Feature", "id": "c-neg", "geometry": point, "properties": {**CLAIM_PROPS, "fatalities": -3}},
        {"type": "Feature", "id": "c-when", "geometry": point, "properties": {**CLAIM_PROPS, "valid_from": "' OR 1=1"}},
        {"type": "Feature", "id": "z-blocks-str", "geometry": None, "properties": {**ZONE, "block_ids": {"a": 1}}},
        {"type": "Feature", "id": "c-neither", "geometry": point, "properties": {"claimant": "x"}},
    ]
    return feats


def _good() -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "id": "c-good",
            "geometry": {"type": "Point", "coordinates": [34.42, 31.47]},
            "properties": dict(CLAIM_PROPS),
        }
    ]


def _write(tmp_path: Path, features: list[Any]) -> Path:
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _stats(db: Path) -> tuple[int, int]:
    from layers.store import open_store

    store = open_store(str(db))
    try:
        s = store.stats()
        return s.claims, s.zones
    finally:
        store.close()


def test_every_bad_feature_is_reported_and_none_is_read() -> None:
    feats = _bad_features()
    claims, zones, errors = records_from_geojson({"type": "FeatureCollection", "features": feats})
    assert claims == [] and zones == []
    assert sorted(e.line for e in errors) == list(range(len(feats)))
    assert all(str(e) for e in errors)


def test_cli_import_stores_only_good_features_and_lists_the_bad(tmp_path: Path) -> None:
    db = tmp_path / "store.gpkg"
    path = _write(tmp_path, [*_good(), *_bad_features()])
    result = CliRunner().invoke(app, ["import", "geojson", str(path), "--db", str(db), "--json"])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, (SystemExit, SitmapError)), repr(result.exception)
    assert _stats(db) == (1, 0)


def test_cli_strict_import_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "strict.gpkg"
    path = _write(tmp_path, [*_good(), *_bad_features()])
    result = CliRunner().invoke(app, ["import", "geojson", str(path), "--db", str(db), "--strict"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, (SystemExit, SitmapError)), repr(result.exception)
    if db.exists():
        assert _stats(db) == (0, 0)


@pytest.mark.parametrize("what", ["claim", "zone"])
def test_a_million_vertices_is_refused_by_the_vertex_limit(what: str) -> None:
    n = 1_000_000
    ring = [[34.40, 31.45], [34.45, 31.45]] * (n // 2)  # shared pairs: cheap to build, counted all the same
    ring += [[34.45, 31.50], [34.40, 31.50], ring[0]]
    props = dict(CLAIM_PROPS) if what == "claim" else dict(ZONE)
    feature = {
        "type": "Feature",
        "id": "huge",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }
    claims, zones, errors = records_from_geojson({"type": "FeatureCollection", "features": [feature]})
    assert claims == [] and zones == [] and len(errors) == 1
    assert f"at most {MAX_VERTICES}" in str(errors[0]) and "1000003 vertices" in str(errors[0])


def test_not_json_and_wrong_top_level_are_clear_errors(tmp_path: Path) -> None:
    for text in ("{not json", "[1, 2]", '{"type": "Polygon", "coordinates": []}', "\u0000"):
        path = tmp_path / "bad.geojson"
        path.write_text(text)
        result = CliRunner().invoke(app, ["import", "geojson", str(path), "--db", str(tmp_path / "x.gpkg")])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        assert isinstance(result.exception, (SystemExit, SitmapError)), repr(result.exception)


def test_cli_main_prints_one_line_for_a_hostile_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": 7}')
    code = main(["import", "geojson", str(path), "--db", str(tmp_path / "y.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("sitmap: error:") and "features" in err and "Traceback" not in err
