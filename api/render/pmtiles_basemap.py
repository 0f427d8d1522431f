"""A basemap from a local PMTiles archive, served by sitmap itself (``SITMAP_TILES=/path/to/x.pmtiles``).

A newsroom with its own tiles (a raster extract, a Protomaps build) points
``SITMAP_TILES`` at the ``.pmtiles`` file: sitmap reads it with the ``pmtiles``
package and answers ``/basemap/tiles/{z}/{x}/{y}`` from it, so the map still needs no
network beyond sitmap. The credit shown is ``SITMAP_TILES_ATTRIBUTION`` when set, else
the archive's own ``attribution`` metadata (as plain text: an archive is data, not
markup), else its name: the attribution always names what is drawn.

Leaflet draws raster archives (PNG, JPEG, WebP, AVIF) as an ordinary tile layer, up to
the archive's deepest zoom and enlarged beyond it. A vector archive (MVT) is served
too, but the map pages have no style to draw it with: they keep sitmap's own offline
basemap (and its credits) and the server logs why.
"""

from __future__ import annotations

import gzip
import html
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The URL template the map pages use for a PMTiles basemap.
TILE_ROUTE = "/basemap/tiles/{z}/{x}/{y}"
#: Media types of the tile types PMTiles names (pmtiles.tile.TileType values).
_MEDIA = {1: "application/vnd.mapbox-vector-tile", 2: "image/png", 3: "image/jpeg", 4: "image/webp", 5: "image/avif"}
_RASTER = frozenset({2, 3, 4, 5})


def pmtiles_path(tiles: str | None) -> Path | None:
    """The archive ``SITMAP_TILES`` names, when it names a local ``.pmtiles`` file (else ``None``)."""
    value = (tiles or "").strip()
    if value.startswith("file://"):
        value = value[len("file://") :]
    if not value.lower().endswith(".pmtiles") or "://" in value:
        return None
    return Path(value).expanduser()


def plain_text(markup: str, limit: int = 300) -> str:
    """``markup`` as text: tags dropped, entities decoded, whitespace folded, at most ``limit`` characters."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return " ".join(text.split())[:limit]


@dataclass(frozen=True)
class Archive:
    """An open PMTiles archive: what it holds and how to read one tile."""

    path: Path
    tile_type: int
    tile_gzipped: bool
    min_zoom: int
    max_zoom: int
    metadata: dict[str, Any]
    _reader: Any

    @property
    def raster(self) -> bool:
        """True for image tiles, which Leaflet draws as they are."""
        return self.tile_type in _RASTER

    @property
    def media_type(self) -> str:
        """The media type of its tiles."""
        return _MEDIA.get(self.tile_type, "application/octet-stream")

    def attribution(self, configured: str = "") -> str:
        """What the map credits: the configured text, else the archive's attribution, else its name."""
        if configured.strip():
            return configured
        for key in ("attribution", "name"):
            value = self.metadata.get(key)
            if isinstance(value, str) and plain_text(value):
                return html.escape(plain_text(value))
        return html.escape(f"Basemap tiles: {self.path.name}")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes of tile ``z/x/y`` (``None`` when the archive has none there)."""
        if not (self.min_zoom <= z <= self.max_zoom) or not (0 <= x < 2**z and 0 <= y < 2**z):
            return None
        with _lock:  # the reader walks directories through one mmap
            data = self._reader.get(z, x, y)
        return bytes(data) if data else None


_lock = threading.Lock()
_open: dict[Path, tuple[tuple[int, int], Archive]] = {}


def open_archive(path: Path) -> Archive:
    """The archive at ``path``, opened once per process (again when the file changes).

    Raises ``OSError`` when it cannot be read and ``ValueError`` when it is no PMTiles v3.
    """
    import mmap

    from pmtiles import reader as pmtiles_reader

    make_reader: Any = pmtiles_reader.Reader  # untyped
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _open.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with path.open("rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        reader: Any = make_reader(lambda offset, length: mapped[offset : offset + length])
        header = reader.header()
        metadata = reader.metadata()
    except Exception as exc:
        mapped.close()
        raise ValueError(f"{path} is not a PMTiles v3 archive: {exc}") from exc
    archive = Archive(
        path=path,
        tile_type=int(getattr(header["tile_type"], "value", header["tile_type"])),
        tile_gzipped=int(getattr(header["tile_compression"], "value", header["tile_compression"])) == 2,
        min_zoom=int(header["min_zoom"]),
        max_zoom=int(header["max_zoom"]),
        metadata=metadata if isinstance(metadata, dict) else {},
        _reader=reader,
    )
    with _lock:
        _open[path] = (stamp, archive)
    return archive


def drawable_archive(tiles: str | None) -> Archive | None:
    """The raster archive the map pages draw for ``SITMAP_TILES``, or ``None``.

    ``None`` when the setting names no ``.pmtiles`` file, or one that cannot be read or
    holds vector tiles (logged: the pages then keep the offline basemap and its credits).
    """
    path = pmtiles_path(tiles)
    if path is None:
        return None
    try:
        archive = open_archive(path)
    except (OSError, ValueError) as exc:
        log.warning("SITMAP_TILES %s cannot be read (%s): maps draw the offline basemap", path, exc)
        return None
    if not archive.raster:
        log.warning("SITMAP_TILES %s holds vector tiles, which the map pages cannot style: offline basemap", path)
        return None
    return archive


def tile_body(archive: Archive, data: bytes, accept_encoding: str) -> tuple[bytes, dict[str, str]]:
    """A tile's bytes as sent, and the headers saying how (a gzipped vector tile stays gzipped if accepted)."""
    if not archive.tile_gzipped:
        return data, {}
    from api.compression import accepted_q

    if accepted_q(accept_encoding, "gzip") > 0:
        return data, {"Content-Encoding": "gzip"}
    return gzip.decompress(data), {}
