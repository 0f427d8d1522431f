"""sitmap's offline basemap: what it holds, how it is served, and that the PNG draws it too."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.render.basemap import BASEMAP_ATTRIBUTION, basemap_geojson, build_basemap
from api.render.mapbuilder import MapConfig
from api.render.png import LAND, SEA, render_png
from api.settings import Settings


def _kinds(fc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in fc["features"]:
        out.setdefault(f["properties"]["kind"], []).append(f)
    return out


def test_basemap_holds_land_neighbourhoods_wadi_and_labels_in_three_scripts() -> None:
    import shapely
    from shapely.geometry import Point, shape

    fc = build_basemap()
    kinds = _kinds(fc)
    assert set(kinds) == {"land", "neighbourhood", "wadi", "label"}
    land = shapely.union_all([shape(f["geometry"]) for f in kinds["land"]])
    assert land.contains(Point(34.30, 31.35))  # Khan Younis is on land
    assert land.contains(Point(34.80, 31.25))  # the Negev too
    assert not land.contains(Point(34.10, 31.45))  # the Mediterranean west of the Strip is not
    assert not land.contains(Point(35.50, 31.50))  # nor the Dead Sea
    assert len(kinds["neighbourhood"]) >= 10
    assert kinds["wadi"][0]["properties"]["name"] == "Wadi Gaza"
    labels = {f["properties"]["name"]: f["properties"] for f in kinds["label"]}
    ky = labels["Khan Younis"]
    assert ky["name_ar"] == "خان يونس" and ky["name_he"].endswith("יונס") and ky["minzoom"] <= 10
    assert labels["Shuja'iyya"]["minzoom"] > labels["Gaza City"]["minzoom"]  # neighbourhoods only close up
    assert fc["attribution"] == BASEMAP_ATTRIBUTION and "OpenStreetMap contributors (ODbL)" in BASEMAP_ATTRIBUTION


def test_basemap_is_served_as_a_static_file_and_maps_use_it_unless_tiles_are_set(tmp_path: Any) -> None:
    with TestClient(create_app(Settings(db=str(tmp_path / "b.gpkg")))) as c:
        r = c.get("/static/sitmap/basemap.geojson")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
        assert r.json()["attribution"] == BASEMAP_ATTRIBUTION
        page = c.get("/maps/all").text
        assert "/static/sitmap/basemap.geojson" in page and "/static/sitmap/sitmap-basemap.js" in page
        assert "openstreetmap.org" not in page  # no tile server by default, and no credit for one
    own = MapConfig(title="t", layers=()).js_config()["offline_basemap"]
    assert own.startswith("/static/sitmap/basemap.geojson?v=")  # versioned: served immutable
    tiled = MapConfig(title="t", layers=(), tiles="https://tiles.example/{z}/{x}/{y}.png")
    assert tiled.js_config()["offline_basemap"] is None


@pytest.mark.parametrize("bbox", [(34.0, 31.0, 35.0, 31.7)])
def test_png_draws_the_same_basemap(bbox: tuple[float, float, float, float]) -> None:
    from PIL import Image

    png = render_png([], title="Basemap", when="all dates", bbox=bbox)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {c for _n, c in img.getcolors(1_000_000) or []}

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        h = hex_colour.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)

    assert rgb(SEA) in colours and rgb(LAND) in colours
    assert basemap_geojson()["attribution"] == BASEMAP_ATTRIBUTION
