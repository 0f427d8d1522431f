"""Per-client token-bucket rate limits on writes and expensive reads, answered with 429 and ``Retry-After``.

A client is its token's name when the request carries a valid bearer token, else its
IP address (an invalid token does not buy a fresh bucket). Three request classes are
limited, each with its own rate and burst from :class:`api.settings.Settings`:

* ``write``: any POST, PATCH, PUT or DELETE;
* ``tiles``: raster tiles (a map view fetches dozens at once, so the burst is large);
* ``expensive``: the likelihood GeoTIFF, map PNGs, and full downloads (items as
  csv, gpkg, parquet, kml or geojson without a ``limit``).

Everything else (pages, item pages, metadata) is not limited here: it is cached and
cheap. The buckets live in the worker's memory (one set per worker process); the
table is bounded, the least recently seen clients are forgotten first.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from api.auth import TokenRegistry
from api.middleware import ASGIApp, Receive, Scope, Send
from api.settings import Settings
from geo.errors import SitmapError

RequestClass = Literal["write", "tiles", "expensive"]

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
#: Item formats that are downloads of a whole layer when no ``limit`` is given.
DOWNLOAD_FORMATS = frozenset({"csv", "gpkg", "parquet", "kml", "geojson"})
#: Clients remembered per worker; beyond this the least recently seen are dropped.
MAX_CLIENTS = 50_000


@dataclass(frozen=True)
class Limit:
    """A bucket shape: ``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        """Refill rate in tokens per second."""
        return self.per_minute / 60.0


class RateLimiter:
    """Token buckets keyed by (client, request class); thread-safe enough for one event loop.

    ``clock`` is injectable so tests can move time without sleeping.
    """

    def __init__(
        self,
        limits: dict[RequestClass, Limit],
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.limits = dict(limits)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """The limiter configured by ``settings.rate_*``."""
        return cls(
            {
                "write": Limit(settings.rate_writes_per_min, settings.rate_writes_burst),
                "expensive": Limit(settings.rate_expensive_per_min, settings.rate_expensive_burst),
                "tiles": Limit(settings.rate_tiles_per_min, settings.rate_tiles_burst),
            }
        )

    def take(self, client: str, kind: RequestClass) -> float:
        """Spend one token of ``client``'s ``kind`` bucket: 0.0 if allowed, else seconds until one is free."""
        limit = self.limits[kind]
        now = self.clock()
        key = (client, kind)
        tokens, last = self._buckets.pop(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - last) * limit.per_second)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / limit.per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def classify(method: str, path: str, query_string: bytes) -> RequestClass | None:
    """The limited class of a request, or ``None`` when it is not limited."""
    if method in WRITE_METHODS:
        return "write"
    if method not in ("GET", "HEAD"):
        return None
    if path.startswith("/collections/") and "/tiles/" in path:
        return "tiles"
    if path.endswith("/likelihood.tif") or (path.startswith("/maps/") and path.endswith(".png")):
        return "expensive"
    if path.startswith("/collections/") and path.endswith("/items"):
        query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
        fmt = (query.get("f") or [""])[0].strip().lower()
        if fmt in DOWNLOAD_FORMATS and "limit" not in query:
            return "expensive"
    return None


def client_key(scope: Scope, tokens: TokenRegistry) -> str:
    """``token:<name>`` for a valid bearer token, else ``ip:<address>``."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            try:
                principal = tokens.identify(value.decode("latin-1"))
            except SitmapError:
                principal = None
            if principal is not None:
                return f"token:{principal.name}"
            break
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimitMiddleware:
    """Answer a limited request over its client's budget with 429 problem+json and ``Retry-After``."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, tokens: TokenRegistry) -> None:
        self.app = app
        self.limiter = limiter
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = classify(scope.get("method", "GET"), scope.get("path", ""), scope.get("query_string", b""))
        if kind is None:
            await self.app(scope, receive, send)
            return
        client = client_key(scope, self.tokens)
        wait = self.limiter.take(client, kind)
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        limit = self.limiter.limits[kind]
        body = json.dumps(
            {
                "type": "/problems/rate_limited",
                "title": "Too many requests",
                "status": 429,
                "detail": f"rate limit for {kind} requests ({limit.per_minute:g}/min, burst {limit.burst}) "
                f"reached; retry after {retry} s",
                "code": "rate_limited",
                "instance": scope.get("path", ""),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
