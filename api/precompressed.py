"""Static bodies compressed once, at the strongest levels, and served with long-lived caching.

The map pages load the same scripts, styles, boundaries and basemap on every visit.
Compressing them per request (gzip 5 / zstd 3 in the middlewares) costs CPU each time
and sends more bytes than needed; compressed once here (zstd 19, gzip 9) they are
about a fifth smaller on the wire (Leaflet 45 -> 39 kB, the boundaries 47 -> 32 kB).

A page references each of them with ``?v=<version>`` (a hash of the content), so the
URL names one content for ever: such a request is answered
``Cache-Control: public, max-age=31536000, immutable`` and a reader's browser never
asks again until the file changes. A URL without (or with an outdated) version still
works, with a one-day max-age.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from api.caching import IMMUTABLE
from api.compression import accepted_q, prefers_zstd, zstd

#: The scope key under which ``ZstdMiddleware`` keeps the client's own ``Accept-Encoding``
#: (it hides zstd and gzip from the inner app when it takes the response itself).
ACCEPT_ENCODING_KEY = "sitmap.accept_encoding"
#: Cache-Control of a static body asked for without its current version.
SHORT_CACHE = "public, max-age=86400"


@dataclass(frozen=True)
class Precompressed:
    """One body in every coding sitmap offers, and its version (a content hash)."""

    identity: bytes
    gzip: bytes
    zstd: bytes | None
    version: str

    @classmethod
    def of(cls, body: bytes, version: str | None = None) -> Precompressed:
        """Compress ``body`` with gzip 9 (no timestamp, so the bytes are stable) and zstd 19.

        ``version`` defaults to the hash of ``body``; a minified file keeps its source's.
        The compressed bodies are kept in :data:`CACHE_DIR` under the hash of ``body``
        (``make install`` fills it), so a restarted server reads them instead of
        compressing again while its first readers wait.
        """
        key = content_version(body)
        gz = _cached(key, "gz", lambda: gzip.compress(body, 9, mtime=0))
        z = _cached(key, "zst", lambda: zstd.compress(body, level=19)) if zstd is not None else None
        return cls(body, gz, z, version or key)


#: Compressed bodies by the hash of what they compress (built at install, else on first use).
CACHE_DIR = Path(__file__).parent / "render" / "static" / ".precompressed"


def _cached(key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
    """The compressed body ``key.suffix`` from :data:`CACHE_DIR`, made (and kept, where writable) if missing."""
    path = CACHE_DIR / f"{key}.{suffix}"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    try:
        CACHE_DIR.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{suffix}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:  # a read-only install compresses in memory only
        pass
    return data


def minify_js(source: bytes) -> bytes:
    """``source`` without comments and needless whitespace (``rjsmin``; as it is without it).

    rjsmin only removes what no statement depends on (it keeps the line breaks that
    automatic semicolon insertion needs and never renames), so the script runs the
    same: sitmap's own scripts shrink by about a fifth on the wire.
    """
    try:
        import rjsmin
    except ImportError:  # pragma: no cover - a declared dependency
        return source
    out: str = rjsmin.jsmin(source.decode("utf-8"))
    return out.encode("utf-8")


def content_version(body: bytes) -> str:
    """The version a URL carries for ``body``: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(body).hexdigest()[:12]


_lock = threading.Lock()
_files: dict[Path, tuple[tuple[int, int], Precompressed]] = {}
_versions: dict[Path, tuple[tuple[int, int], str]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def file_version(path: Path) -> str:
    """The content version of the file at ``path`` (cached until the file changes)."""
    stamp = _stamp(path)
    with _lock:
        hit = _versions.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    version = content_version(path.read_bytes())
    with _lock:
        _versions[path] = (stamp, version)
    return version


def precompressed_file(path: Path, *, minify: bool = False) -> Precompressed:
    """The file at ``path`` compressed once per process (again only when the file changes).

    ``minify``: a script served minified (:func:`minify_js`); its version is still the
    hash of the file, so the URLs the pages write match.
    """
    stamp = _stamp(path)
    with _lock:
        hit = _files.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    raw = path.read_bytes()
    pc = Precompressed.of(minify_js(raw) if minify else raw, content_version(raw))
    with _lock:
        _files[path] = (stamp, pc)
        _versions[path] = (stamp, pc.version)
    return pc


def client_accept_encoding(request: Request) -> str:
    """The ``Accept-Encoding`` the client sent (``ZstdMiddleware`` may have rewritten the header)."""
    kept = request.scope.get(ACCEPT_ENCODING_KEY)
    return kept if isinstance(kept, str) else request.headers.get("accept-encoding", "")


def precompressed_response(request: Request, pc: Precompressed, media_type: str) -> Response:
    """``pc`` in the best coding the client accepts, immutable when the URL names its version.

    The ETag is the version; the zstd body's ends in ``-zstd`` and the gzip body's gets
    ``-gzip`` from ``GzipETagMiddleware``, as for every other compressed answer, so a
    revalidation by any client is answered 304.
    """
    cache = IMMUTABLE if request.query_params.get("v") == pc.version else SHORT_CACHE
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding", "ETag": f'"{pc.version}"'}
    if request.headers.get("if-none-match", "").strip() in (f'"{pc.version}"', f'W/"{pc.version}"'):
        return Response(status_code=304, headers=headers)
    accept = client_accept_encoding(request)
    body = pc.identity
    if pc.zstd is not None and prefers_zstd(accept):
        body = pc.zstd
        headers.update({"Content-Encoding": "zstd", "ETag": f'"{pc.version}-zstd"'})
    elif accepted_q(accept, "gzip") > 0:
        body = pc.gzip
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=headers)


# The context boundaries are built from shipped data, not read from a file: their body
# and versioned URL live here, beside the other static bodies, for the map routes (which
# write the URL) and the static route (which serves it) alike.
@cache
def boundaries_json() -> bytes:
    """The boundaries collection as served (compact JSON)."""
    from api.render.mapbuilder import boundaries_geojson  # the renderer imports this module's helpers

    return json.dumps(boundaries_geojson(), separators=(",", ":")).encode()


@cache
def boundaries_body() -> Precompressed:
    """The boundaries collection as served, compressed once."""
    return Precompressed.of(boundaries_json())


def boundaries_url() -> str:
    """The boundaries' URL with its content version (what the map pages reference; nothing is compressed here)."""
    return f"/static/boundaries.geojson?v={content_version(boundaries_json())}"
