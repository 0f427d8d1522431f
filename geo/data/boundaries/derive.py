"""Rebuild the shipped boundary files from the originals (run by hand, not at run time).

OCHA COD-AB adm2 polygons are simplified as one coverage (shared edges stay shared,
no gaps or slivers) with a 20 m tolerance in UTM 36N, rounded to 1e-6 degrees; adm1
and adm0 are the unions of the simplified adm2 units, so the three levels nest
exactly. Natural Earth admin-0 is copied with ISO alpha-3 codes added.

Usage: python geo/data/boundaries/derive.py /path/to/shared/data/boundaries
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).parent
TOLERANCE_M = 20.0
ISO_A3 = {"376": "ISR", "275": "PSE", "422": "LBN", "760": "SYR", "400": "JOR", "818": "EGY"}


def _write(path: Path, features: list[dict[str, object]]) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def _feature(geom: shapely.Geometry, props: dict[str, object]) -> dict[str, object]:
    geom = shapely.orient_polygons(geom)  # RFC 7946: exterior rings counter-clockwise
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def main(root: Path) -> None:
    """Write adm0/adm1/adm2 and Natural Earth countries into this folder."""
    src = json.loads((root / "ocha_cod_ab_pse/pse_admbnda_adm2_pamop_20231019_DERIVED.geojson").read_text())
    fw = pyproj.Transformer.from_crs(4326, 32636, always_xy=True)
    bw = pyproj.Transformer.from_crs(32636, 4326, always_xy=True)
    feats = src["features"]
    metric = np.array([shapely.transform(shape(f["geometry"]), fw.transform, interleaved=False) for f in feats])
    simple = shapely.coverage_simplify(metric, TOLERANCE_M)
    lonlat = [shapely.set_precision(shapely.transform(g, bw.transform, interleaved=False), 1e-6) for g in simple]
    adm2 = []
    for f, g in zip(feats, lonlat, strict=True):
        p = f["properties"]
        props = {
            "pcode": p["ADM2_PCODE"],
            "name": p["ADM2_EN"],
            "level": "adm2",
            "parent_pcode": p["ADM1_PCODE"],
            "area_km2": round(p["AREA_SQKM"], 3),
            "valid_on": p["validOn"],
        }
        adm2.append(_feature(g, props))
    _write(HERE / "pse_adm2.geojson", adm2)
    adm1 = []
    for pcode in sorted({f["properties"]["ADM1_PCODE"] for f in feats}):
        members = [g for f, g in zip(feats, lonlat, strict=True) if f["properties"]["ADM1_PCODE"] == pcode]
        name = next(f["properties"]["ADM1_EN"] for f in feats if f["properties"]["ADM1_PCODE"] == pcode)
        area = sum(f["properties"]["AREA_SQKM"] for f in feats if f["properties"]["ADM1_PCODE"] == pcode)
        geom = shapely.set_precision(shapely.union_all(members), 1e-6)
        props = {"pcode": pcode, "name": name, "level": "adm1", "parent_pcode": "PS", "area_km2": round(area, 3)}
        adm1.append(_feature(geom, props))
    _write(HERE / "pse_adm1.geojson", adm1)
    total = sum(f["properties"]["AREA_SQKM"] for f in feats)
    geom0 = shapely.set_precision(shapely.union_all(lonlat), 1e-6)
    props0 = {"pcode": "PS", "name": "State of Palestine", "level": "adm0", "parent_pcode": None}
    _write(HERE / "pse_adm0.geojson", [_feature(geom0, {**props0, "area_km2": round(total, 3)})])
    ne = json.loads((root / "natural_earth_10m/ne_10m_admin0_ISR_PSE_neighbours.geojson").read_text())
    countries = []
    for f in ne["features"]:
        p = f["properties"]
        props = {"pcode": ISO_A3[p["iso_n3"]], "name": p["name"], "level": "country", "iso_n3": p["iso_n3"]}
        countries.append(_feature(shape(f["geometry"]), props))
    _write(HERE / "ne_10m_admin0_countries.geojson", countries)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
