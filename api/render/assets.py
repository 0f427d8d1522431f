"""Self-hosted JavaScript and CSS for the maps: no CDN is ever referenced.

Leaflet and Leaflet.markercluster come from the ``xstatic-leaflet`` and
``xstatic-leaflet-markercluster`` Python packages; sitmap's own map glue lives next
to this module in ``static/``. :func:`resolve_asset` maps a URL path under
``/static/`` to a file, refusing anything outside the known folders.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo.errors import NotFound

#: Where the map pages find their assets; every URL the maps reference starts with this.
STATIC_PREFIX = "/static"

_OWN_DIR = Path(__file__).parent / "static"


@cache
def _roots() -> dict[str, Path]:
    """The folders served under ``/static/<name>/``, read from the installed packages."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    return {
        "leaflet": Path(leaflet.BASE_DIR),
        "markercluster": Path(markercluster.BASE_DIR),
        "sitmap": _OWN_DIR,
    }


@dataclass(frozen=True)
class Asset:
    """A static file to serve: its path on disk and its media type."""

    path: Path
    media_type: str


def resolve_asset(url_path: str) -> Asset:
    """The file behind ``/static/<url_path>``; ``NotFound`` for anything unknown or outside.

    Path traversal (``..``), hidden files and folders other than the three known
    ones are refused, so this can never serve an arbitrary file.
    """
    parts = [p for p in url_path.split("/") if p]
    if len(parts) < 2 or any(p.startswith(".") for p in parts):
        raise NotFound(f"no static file {url_path!r}")
    root = _roots().get(parts[0])
    if root is None:
        raise NotFound(f"no static file {url_path!r}")
    if parts == ["sitmap", "basemap.geojson"]:
        from api.render.basemap import ensure_basemap_file

        # built by make install; a plain pip install builds it here once
        return Asset(path=ensure_basemap_file(), media_type="application/geo+json")
    path = root.joinpath(*parts[1:]).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        raise NotFound(f"no static file {url_path!r}")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media_type = "text/javascript"
    elif path.suffix == ".geojson":
        media_type = "application/geo+json"
    return Asset(path=path, media_type=media_type)


#: Served compressed once (zstd 19 / gzip 9, api.precompressed); anything else is sent as stored.
TEXT_SUFFIXES = frozenset({".js", ".css", ".json", ".geojson", ".svg"})


def asset_url(url_path: str, prefix: str = STATIC_PREFIX, *, versioned: bool = True) -> str:
    """The URL of ``/static/<url_path>``, with ``?v=<content hash>`` when ``versioned``.

    A versioned URL names one content for ever, so it is served immutable (a year's
    caching); the hash changes whenever the file does.
    """
    url = f"{prefix}/{url_path}"
    if not versioned:
        return url
    from api.precompressed import file_version

    return f"{url}?v={file_version(resolve_asset(url_path).path)}"


def map_js(prefix: str = STATIC_PREFIX, *, versioned: bool = False) -> list[tuple[str, str]]:
    """The (name, url) scripts every map page loads, for folium's ``default_js``."""
    names = [
        ("leaflet", "leaflet/leaflet.js"),
        ("sitmap_basemap", "sitmap/sitmap-basemap.js"),
        ("sitmap", "sitmap/sitmap-map.js"),
        ("sitmap_tiles", "sitmap/sitmap-tiles.js"),
        ("sitmap_reader", "sitmap/sitmap-reader.js"),
    ]
    return [(name, asset_url(path, prefix, versioned=versioned)) for name, path in names]


def map_css(prefix: str = STATIC_PREFIX, *, versioned: bool = False) -> list[tuple[str, str]]:
    """The (name, url) stylesheets every map page loads, for folium's ``default_css``."""
    names = [("leaflet_css", "leaflet/leaflet.css"), ("sitmap_css", "sitmap/sitmap-map.css")]
    return [(name, asset_url(path, prefix, versioned=versioned)) for name, path in names]
