"""zstd content coding (RFC 8878) beside Starlette's gzip, negotiated by ``Accept-Encoding``.

A client that accepts zstd at least as much as gzip gets zstd: smaller than gzip and
several times cheaper to compress, so large JSON, GeoJSON and CSV downloads stream
faster. The middleware sits outside ``GZipMiddleware``: when it takes a response it
hides ``gzip`` from the inner app's ``Accept-Encoding`` (so nothing is compressed
twice), compresses each body chunk as it comes (a streamed download stays streamed)
and appends ``-zstd`` to a strong ETag, stripping it again from ``If-None-Match``.
zstd comes from the standard library from Python 3.14 (``compression.zstd``) and
from ``backports.zstd`` before; without either, only gzip is offered.
"""

from __future__ import annotations

import importlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _load_zstd() -> Any:
    for name in ("compression.zstd", "backports.zstd"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


#: The zstd module, or ``None`` when neither the standard library nor the backport has it.
zstd: Any = _load_zstd()

#: Media types never compressed: already compressed, or a stream of events.
_INCOMPRESSIBLE = (
    b"image/png",
    b"image/jpeg",
    b"image/webp",
    b"image/tiff",
    b"application/vnd.apache.parquet",
    b"application/zip",
    b"application/gzip",
    b"application/zstd",
    b"text/event-stream",
)


def accepted_q(accept_encoding: str, coding: str) -> float:
    """The q-value ``Accept-Encoding`` gives ``coding`` (``*`` counts when it is not named; 0 if absent)."""
    star = 0.0
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name == coding:
            return q
        if name == "*":
            star = q
    return star


def prefers_zstd(accept_encoding: str) -> bool:
    """True when zstd is offered here and the client accepts it at least as much as gzip."""
    if zstd is None or not accept_encoding:
        return False
    q = accepted_q(accept_encoding, "zstd")
    return q > 0 and q >= accepted_q(accept_encoding, "gzip")


class ZstdMiddleware:
    """Compress responses of at least ``minimum_size`` bytes (or streamed) with zstd when preferred."""

    def __init__(self, app: ASGIApp, *, minimum_size: int = 1000, level: int = 3) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        accept = b",".join(v for k, v in headers if k == b"accept-encoding").decode("latin-1")
        if not prefers_zstd(accept):
            await self.app(scope, receive, send)
            return
        inner = dict(scope)
        # what the client accepts stays readable (api.precompressed serves zstd bodies made once)
        inner["sitmap.accept_encoding"] = accept
        inner["headers"] = [
            (k, b"identity" if k == b"accept-encoding" else v.replace(b'-zstd"', b'"') if k == b"if-none-match" else v)
            for k, v in headers
        ]
        asked = any(k == b"if-none-match" and b'-zstd"' in v for k, v in headers)
        await self.app(inner, receive, _ZstdResponder(send, self.minimum_size, self.level, asked).send)


class _ZstdResponder:
    """Holds the response start until the first body chunk says whether to compress."""

    def __init__(self, send: Send, minimum_size: int, level: int, revalidating_zstd: bool) -> None:
        self._send = send
        self._revalidating = revalidating_zstd
        self._minimum = minimum_size
        self._level = level
        self._start: Message | None = None
        self._compressor: Any = None
        self._passthrough = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            status = message.get("status", 200)
            hdrs = message.get("headers", [])
            if status == 304:
                await self._send({**message, "headers": _tag_etag(hdrs) if self._revalidating else hdrs})
                self._passthrough = True
                return
            self._start = message
            return
        if kind != "http.response.body" or self._passthrough or self._start is None:
            await self._send(message)
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self._compressor is None:
            if not self._worth_it(body, more):
                self._passthrough = True
                await self._send(self._start)
                await self._send(message)
                return
            self._compressor = zstd.ZstdCompressor(level=self._level)
            await self._send_start(streamed=more)
        if more:
            data = self._compressor.compress(body, mode=zstd.ZstdCompressor.FLUSH_BLOCK) if body else b""
        else:
            data = self._compressor.compress(body) + self._compressor.flush(zstd.ZstdCompressor.FLUSH_FRAME)
        if data or not more:
            await self._send({"type": "http.response.body", "body": data, "more_body": more})

    def _worth_it(self, body: bytes, more: bool) -> bool:
        assert self._start is not None
        hdrs = self._start.get("headers", [])
        for k, v in hdrs:
            key = k.lower()
            if key == b"content-encoding":
                return False
            if key == b"content-type" and v.split(b";")[0].strip().lower() in _INCOMPRESSIBLE:
                return False
        return more or len(body) >= self._minimum

    async def _send_start(self, *, streamed: bool) -> None:
        assert self._start is not None
        hdrs = [(k, v) for k, v in self._start.get("headers", []) if k.lower() != b"content-length"]
        vary = [v for k, v in hdrs if k.lower() == b"vary"]
        hdrs = [(k, v) for k, v in hdrs if k.lower() != b"vary"]
        varies = b", ".join(vary) if vary else b""
        if b"accept-encoding" not in varies.lower():
            varies = (varies + b", Accept-Encoding") if varies else b"Accept-Encoding"
        hdrs += [(b"content-encoding", b"zstd"), (b"vary", varies)]
        await self._send({**self._start, "headers": _tag_etag(hdrs)})


def _tag_etag(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Strong ETags of the zstd representation end in ``-zstd"``: another representation, another tag."""
    return [(k, v[:-1] + b'-zstd"' if k.lower() == b"etag" and v.endswith(b'"') else v) for k, v in headers]
