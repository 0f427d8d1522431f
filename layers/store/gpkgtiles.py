"""Claim tiles read from a GeoPackage: only the tile's claims, only the columns a tile carries.

The same tile as :func:`layers.tiles.layer_tile` builds from contract features, and as
:mod:`layers.store.pgtiles` builds in PostGIS, without turning a claim into a record:
the R-tree picks the claims whose envelope meets the tile's lon/lat box, the query's
filters (time window, types, as-of, status...) are the store's own
(:func:`layers.store.rows.claim_where`), and of those rows only what the tile carries is
read. A crowded tile (more than :data:`layers.tiles.TILE_MAX_FEATURES` claims) reads
four columns per claim (geometry, type, start, end) and is aggregated into grid
clusters with numpy; a sparse one reads the popup columns of at most that many claims.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from layers.store import rows as R
from layers.store.base import ClaimQuery
from layers.store.gpkg_binary import GPKG_DIALECT, gpkg_decode, wkb_offset

if TYPE_CHECKING:
    from layers.tiles import TileAddress

#: Fetch(sql, params) -> rows, inside one read transaction.
Fetch = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

#: The popup columns of a claim in a tile, in :data:`layers.tiles.CLAIM_TILE_PROPERTIES` order.
_FEATURE_COLUMNS = (
    "c.fid, c.geom, c.id, c.event_type, c.valid_from_us, c.valid_to_us, c.time_precision, "
    "c.uncertainty_m, c.claimant, c.source, c.status"
)


def _candidates(query: ClaimQuery, columns: str) -> tuple[str, list[Any]]:
    """SQL of the query's claims whose R-tree envelope meets ``query.bbox`` (in no particular order)."""
    assert query.bbox is not None, "a tile query always has the tile's box"
    where, params = R.claim_where(GPKG_DIALECT, query, "c")
    minx, miny, maxx, maxy = (float(v) for v in query.bbox)
    table = R.CLAIM_TABLE
    sql = (
        f"SELECT {columns} FROM {table} c WHERE c.fid IN (SELECT id FROM rtree_{table}_geom "
        f"WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?) AND {' AND '.join(where)}"
    )
    return sql, [maxx, minx, maxy, miny, *params]


#: A little-endian WKB 2D point's first five bytes (byte order 1, type 1).
_WKB_POINT = np.array([1, 1, 0, 0, 0], dtype=np.uint8)


def _point_coordinates(blobs: Sequence[bytes | None]) -> np.ndarray | None:
    """(lon, lat) rows of ``blobs`` read straight from the bytes when every one is a 2D point of one layout.

    Synthetic and imported layers are mostly points with the same header: reading their
    16 coordinate bytes in numpy is ten times faster than decoding each through shapely.
    ``None`` (decode them) when any blob is NULL, not a point, or laid out differently.
    """
    if not blobs or any(b is None for b in blobs):
        return None
    first = blobs[0]
    assert first is not None
    size = len(first)
    offset = wkb_offset(first)
    joined = b"".join(blobs)  # type: ignore[arg-type]  # none is None (checked above)
    if size != offset + 21 or len(joined) != size * len(blobs):
        return None
    rows = np.frombuffer(joined, dtype=np.uint8).reshape(len(blobs), size)
    if not (rows[:, 3] == first[3]).all() or not (rows[:, offset : offset + 5] == _WKB_POINT).all():
        return None
    return np.ascontiguousarray(rows[:, offset + 5 :]).view("<f8").reshape(len(blobs), 2)


def _anchors(tile: TileAddress, blobs: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Web-mercator (x, y) of each geometry's anchor (the point, or a point on an area) and whether it is in the tile.

    The tile is the half-open square ``[west, east) x [south, north)``, as
    :func:`layers.tiles._inside` and the PostGIS tiles have it.
    """
    from layers.tiles import to_mercator_xy

    n = len(blobs)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    points = _point_coordinates(blobs)
    if points is not None:
        xs, ys = to_mercator_xy(points[:, 0], points[:, 1])
    else:
        geoms = np.array(gpkg_decode(blobs), dtype=object)
        present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) if n else np.zeros(0, dtype=bool)
        if present.any():
            anchors = geoms[present]
            areas = shapely.get_type_id(anchors) != 0
            if areas.any():
                anchors[areas] = shapely.point_on_surface(anchors[areas])
            coords = shapely.get_coordinates(anchors)
            mx, my = to_mercator_xy(coords[:, 0], coords[:, 1])
            xs[present], ys[present] = mx, my
    w, s, e, n_ = tile.mercator_bounds
    with np.errstate(invalid="ignore"):
        inside = (xs >= w) & (xs < e) & (ys >= s) & (ys < n_)
    return xs, ys, inside


def _claim_order(row: tuple[Any, ...]) -> tuple[bool, int, str]:
    """The store's claim order of a :data:`_FEATURE_COLUMNS` row: (valid_from, id), claims without a time last."""
    vf = row[4]
    return vf is None, vf or 0, row[2]


def _feature_layer(rows: list[tuple[Any, ...]], tile: TileAddress, name: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """One point per claim of ``rows`` (:data:`_FEATURE_COLUMNS`) whose anchor is in the tile, in the claim order."""
    from shapely.geometry import Point

    from layers.tiles import stamp

    rows = sorted(rows, key=_claim_order)
    xs, ys, inside = _anchors(tile, [r[1] for r in rows])
    parse = GPKG_DIALECT.parse_ts
    feats = []
    for row, x, y, ok in zip(rows, xs, ys, inside, strict=True):
        if not ok:
            continue
        _fid, _geom, cid, etype, vf, vt, precision, radius, claimant, source, status = row
        props = {
            "id": cid,
            "event_type": etype,
            "valid_from": stamp(parse(vf)),
            "valid_to": stamp(parse(vt)),
            "time_precision": precision,
            "uncertainty_m": None if radius is None else float(radius),
            "claimant": claimant,
            "source": source,
            "status": status,
        }
        clean = {k: v for k, v in props.items() if v is not None and v != ""}
        feats.append({"geometry": Point(float(x), float(y)), "properties": clean})
    return [(name, feats)] if feats else []


def _cluster_layer(
    tile: TileAddress, name: str, xs: np.ndarray, ys: np.ndarray, types: Sequence[str | None], vfs: Any, vts: Any
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Grid clusters (:func:`layers.tiles.cluster`'s): count, commonest type, time span and mean point per cell."""
    from shapely.geometry import Point

    from layers.tiles import CLUSTER_CELLS, stamp

    w, s, _e, _n = tile.mercator_bounds
    cell = tile.size_m / CLUSTER_CELLS
    cx = np.floor((xs - w) / cell).astype(np.int64)
    cy = np.floor((ys - s) / cell).astype(np.int64)
    key = cx * (CLUSTER_CELLS + 1) + cy  # cells in (column, row) order, as the other stores sort them
    names = sorted({str(t or "") for t in types})
    index = {t: i for i, t in enumerate(names)}
    code = np.array([index[str(t or "")] for t in types], dtype=np.int64)
    big = np.iinfo(np.int64).max
    vf = np.array([big if v is None else v for v in vfs], dtype=np.int64)
    vt = np.array([-big if v is None else v for v in vts], dtype=np.int64)

    cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    sum_x = np.bincount(inverse, weights=xs)
    sum_y = np.bincount(inverse, weights=ys)
    first = np.full(len(cells), big, dtype=np.int64)
    np.minimum.at(first, inverse, vf)
    last = np.full(len(cells), -big, dtype=np.int64)
    np.maximum.at(last, inverse, vt)
    # the commonest type per cell, ties to the alphabetically first: most members first, then the code
    pair = inverse * len(names) + code
    pairs, per_pair = np.unique(pair, return_counts=True)
    pair_cell, pair_code = pairs // len(names), pairs % len(names)
    order = np.lexsort((pair_code, -per_pair, pair_cell))
    top = np.full(len(cells), -1, dtype=np.int64)
    for i in order[::-1]:  # the last write per cell is the first of the sorted order
        top[pair_cell[i]] = pair_code[i]
    parse = GPKG_DIALECT.parse_ts
    feats = []
    for i in range(len(cells)):
        props = {
            "count": int(counts[i]),
            "event_type": names[top[i]] if top[i] >= 0 else None,
            "valid_from": stamp(parse(int(first[i]))) if first[i] != big else None,
            "valid_to": stamp(parse(int(last[i]))) if last[i] != -big else None,
        }
        clean = {k: v for k, v in props.items() if v is not None and v != ""}
        point = Point(float(sum_x[i] / counts[i]), float(sum_y[i] / counts[i]))
        feats.append({"geometry": point, "properties": clean})
    return [(f"{name}-clusters", feats)]


def claim_tile_layers(
    fetch: Fetch, query: ClaimQuery, tile: TileAddress, *, name: str, cap: int, clusters_only: bool = False
) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """The MVT layers of ``query``'s claims in ``tile``: points, or grid clusters above ``cap`` claims.

    With ``clusters_only`` a tile holding at most ``cap`` claims gives ``None`` (the
    caller draws it another way: incidents).
    """
    # a sparse tile is one statement: its candidates (envelopes meeting the box bound the
    # claims in the tile), read no further than one beyond the cap
    sql, params = _candidates(query, _FEATURE_COLUMNS)
    rows = fetch(f"{sql} LIMIT ?", [*params, cap + 1])
    if len(rows) <= cap:
        return None if clusters_only else _feature_layer(rows, tile, name)
    sql, params = _candidates(query, "c.fid, c.geom, c.event_type, c.valid_from_us, c.valid_to_us")
    rows = fetch(sql, params)
    xs, ys, inside = _anchors(tile, [r[1] for r in rows])
    idx = np.flatnonzero(inside)
    if len(idx) <= cap:  # the box held more than the square: points after all (rare: read again)
        if clusters_only:
            return None
        sql, params = _candidates(query, _FEATURE_COLUMNS)
        return _feature_layer(fetch(sql, params), tile, name)
    return _cluster_layer(
        tile,
        name,
        xs[idx],
        ys[idx],
        [rows[i][2] for i in idx],
        [rows[i][3] for i in idx],
        [rows[i][4] for i in idx],
    )
