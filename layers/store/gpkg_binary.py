"""GeoPackage binary geometry and the SQL functions its R-tree triggers call.

A GeoPackage geometry is a small header (magic ``GP``, version, flags, SRS id, an
envelope) followed by plain WKB. :func:`gpkg_encode` / :func:`gpkg_decode` convert
whole batches with shapely; :func:`register_functions` gives every connection the
``ST_IsEmpty`` and ``ST_MinX`` .. ``ST_MaxY`` the spec's triggers need, reading the
envelope from the header, so the same triggers work in sitmap, GDAL and QGIS.
:data:`GPKG_DIALECT` is how the shared store code binds values in such a file.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable, Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from layers.store import rows as R

SRS_ID = 4326


#: Envelope byte length by the header's envelope-contents indicator (bits 1-3 of flags).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = struct.Struct("<2sBBi4d")  # magic, version, flags, srs_id, minx, maxx, miny, maxy
_FLAGS_XY_LE = 0b0000_0011  # little-endian, envelope [minx, maxx, miny, maxy]


def gpkg_encode(geoms: Sequence[BaseGeometry | None]) -> list[bytes | None]:
    """GeoPackage binary blobs (header with XY envelope + ISO WKB) for many geometries at once."""
    present = [i for i, g in enumerate(geoms) if g is not None]
    out: list[bytes | None] = [None] * len(geoms)
    if not present:
        return out
    arr = [geoms[i] for i in present]
    wkbs = shapely.to_wkb(arr, byte_order=1, flavor="iso")
    bounds = shapely.bounds(arr)
    pack = _HEADER.pack
    for j, i in enumerate(present):
        minx, miny, maxx, maxy = bounds[j]
        out[i] = pack(b"GP", 0, _FLAGS_XY_LE, SRS_ID, minx, maxx, miny, maxy) + wkbs[j]
    return out


def wkb_offset(blob: bytes) -> int:
    """Where the WKB starts in a GeoPackage geometry blob (after the header and its envelope)."""
    return 8 + _ENVELOPE_BYTES.get((blob[3] >> 1) & 0b111, 0)


def gpkg_decode(blobs: Sequence[bytes | None]) -> list[BaseGeometry | None]:
    """Shapely geometries from GeoPackage binary blobs (``None`` for NULL)."""
    present = [i for i, b in enumerate(blobs) if b is not None]
    out: list[BaseGeometry | None] = [None] * len(blobs)
    if not present:
        return out
    wkbs = []
    for i in present:
        b = blobs[i]
        assert b is not None
        wkbs.append(bytes(b[wkb_offset(b) :]))
    for i, g in zip(present, shapely.from_wkb(wkbs), strict=True):
        out[i] = g
    return out


def envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry: from its header, else from its WKB."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b1_0000:  # empty geometry flag
        return None
    if (flags >> 1) & 0b111:
        order = "<" if flags & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    geom = shapely.from_wkb(bytes(blob[wkb_offset(blob) :]))
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def _st(index: int) -> Callable[[bytes | None], float | None]:
    def fn(blob: bytes | None) -> float | None:
        env = envelope(blob)
        return None if env is None else env[index]

    return fn


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return 1 if envelope(blob) is None else 0


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions the GeoPackage R-tree triggers call."""
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _st(i), deterministic=True)


GPKG_DIALECT = R.Dialect(
    name="gpkg",
    ts=R.epoch_us,
    parse_ts=R.from_epoch_us,
    geom_param="?",
    geom_select=lambda col: col,
    geom_encode=gpkg_encode,
    geom_decode=gpkg_decode,
    shadow_times=True,
    display_ts=R.iso_ms,
    span_bound=(
        "{vf} >= ? - coalesce((SELECT CAST(value AS INTEGER) FROM sitmap_meta WHERE key = 'max_claim_span_us'), "
        "4000000000000000000)"
    ),
    span_max="max(valid_to_us - valid_from_us)",
)


def geometry_blob(geom: BaseGeometry) -> bytes:
    """One geometry as a GeoPackage binary blob (for tests and tools)."""
    blob = gpkg_encode([geom])[0]
    assert blob is not None
    return blob
