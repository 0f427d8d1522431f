"""``sitmap db encode``: every current claim's download texts kept before any download."""

from __future__ import annotations

from typing import Any

import pytest

from api.cli import main
from layers.export import csv_columns, iter_csv_rows
from layers.store import ClaimQuery, open_store
from layers.store.rows import encoded as E
from tests.layers.store.conftest import claim


def test_db_encode_keeps_the_texts_a_download_then_reads(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    store: Any = open_store(store_url)
    try:
        store.add_claims([claim("a", day=1), claim("b", day=2, quote="=sum(1)"), claim("c", day=3)])
        store.retract_claim("c")
    finally:
        store.close()
    assert main(["db", "encode", "--db", store_url]) == 0
    assert "texts of 2 claims" in capsys.readouterr().out
    store = open_store(store_url)
    try:
        for table in E.TABLES.values():
            assert store._fetch(f"SELECT count(*) FROM {table}")[0][0] == 2
        q, columns = ClaimQuery(), csv_columns(None)
        kept = [t.decode() for block in store.iter_claim_text_blocks(q) for t in block]
        assert kept == store.claim_feature_page(q, count_budget=0).texts
        lines = b"".join(line for block in store.iter_claim_csv_blocks(q, columns) for line in block)
        assert lines == b"".join(iter_csv_rows(store.claim_csv_page(q, columns)[0], columns)).split(b"\r\n", 1)[1]
    finally:
        store.close()


def test_import_keeps_the_download_texts_unless_told_not_to(
    store_url: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sitmap import` did not encode: the first download after an import wrote every text."""
    import json

    def feature(i: int) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": f"imp-{i}",
            "geometry": {"type": "Point", "coordinates": [34.45, 31.5 + i / 100]},
            "properties": {
                "event_type": "airstrike",
                "claimant": "Civil defence",
                "source": "Example Wire",
                "valid_from": f"2023-12-0{i}",
                "valid_to": f"2023-12-0{i}",
                "uncertainty_m": 500,
            },
        }

    first, second = tmp_path / "a.geojson", tmp_path / "b.geojson"
    first.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(1), feature(2)]}))
    second.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(3)]}))

    def kept() -> list[int]:
        store: Any = open_store(store_url)
        try:
            return [store._fetch(f"SELECT count(*) FROM {table}")[0][0] for table in E.TABLES.values()]
        finally:
            store.close()

    assert main(["import", "geojson", str(first), "--db", store_url, "--no-encode"]) == 0
    assert kept() == [0, 0]
    assert main(["import", "geojson", str(second), "--db", store_url]) == 0
    assert kept() == [3, 3]  # every current claim, the earlier import's too
    assert "download texts of 3 claims" in capsys.readouterr().err
    assert main(["import", "geojson", str(second), "--db", store_url, "--json"]) == 0  # nothing new: no work
    json.loads(capsys.readouterr().out)  # --json output stays one JSON document
