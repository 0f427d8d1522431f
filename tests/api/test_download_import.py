"""The service's downloads import back: CSV, GeoPackage and Parquet give the claims and zones its GeoJSON gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.importers.geojson import import_geojson
from layers.importers.tabular import import_table
from layers.store import open_store
from tests.layers.test_importer_tabular import contract


def _imported(tmp_path: Path, name: str, data: bytes, fmt: str) -> tuple[dict, dict]:
    path = tmp_path / f"{name}.{fmt}"
    path.write_bytes(data)
    store = open_store(tmp_path / f"{name}-{fmt}-store.gpkg")
    try:
        result = import_geojson(store, path) if fmt == "geojson" else import_table(store, path, fmt)
        assert result.error_count == 0 and result.inserted > 0, result.errors
        return contract(store)
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["csv", "gpkg", "parquet"])
@pytest.mark.parametrize("collection", ["all", "evacuation-orders"])
def test_a_download_imports_to_what_its_geojson_gives(ro_client, tmp_path: Path, collection: str, fmt: str) -> None:
    url = f"/collections/{collection}/items?limit=50&f="
    geojson = ro_client.get(url + "geojson")
    table = ro_client.get(url + fmt)
    assert geojson.status_code == 200 and table.status_code == 200
    want = _imported(tmp_path, collection, geojson.content, "geojson")
    assert _imported(tmp_path, collection, table.content, fmt) == want
