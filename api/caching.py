"""ETags and Cache-Control for reads: strong validators from the query and the store's clock.

The store is append-only, so a URL carrying ``as_of`` in the past can never change:
it is served ``public, max-age=31536000, immutable`` and its ETag does not depend on
later writes. Other reads get a short max-age and an ETag built from the request and
the store's ``last_recorded_at``, so a revalidation costs one cheap store call and
answers 304 without running the query.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.requests import Request

#: An ``as_of`` this close to now may still gain records from in-flight writes or clock skew.
IMMUTABLE_MARGIN = timedelta(seconds=60)
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class CachePolicy:
    """The validator and caching headers for one read."""

    etag: str
    cache_control: str
    vary: str = "Accept, Accept-Encoding, Authorization"

    def headers(self) -> dict[str, str]:
        """The response headers carrying this policy."""
        return {"ETag": self.etag, "Cache-Control": self.cache_control, "Vary": self.vary}


def is_frozen(as_of: datetime | None, *, delay: timedelta | None = None, now: datetime | None = None) -> bool:
    """True if a view ``as_of`` that instant can no longer change (it lies safely in the past).

    ``delay`` is a publication delay: records hidden from anonymous readers until
    they are that old keep appearing in old views until the delay has passed.
    """
    if as_of is None:
        return False
    now = now or datetime.now(UTC)
    margin = max(IMMUTABLE_MARGIN, delay or timedelta(0))
    return as_of <= now - margin


def cache_policy(
    request: Request,
    *,
    parts: Iterable[str],
    last_recorded_at: datetime | None,
    frozen: bool,
    public: bool,
    max_age: int,
) -> CachePolicy:
    """A strong ETag from the path, the sorted query, ``parts`` and (unless frozen) the store clock."""
    h = hashlib.sha256()
    h.update(request.url.path.encode())
    for key, value in sorted(request.query_params.multi_items()):
        h.update(b"\x00" + key.encode() + b"=" + value.encode())
    for part in parts:
        h.update(b"\x01" + part.encode())
    if not frozen:
        h.update(b"\x02" + (last_recorded_at.isoformat() if last_recorded_at else "-").encode())
    etag = '"' + h.hexdigest()[:32] + '"'
    if not public:
        control = "private, no-cache"
    elif frozen:
        control = IMMUTABLE
    else:
        control = f"public, max-age={max_age}, must-revalidate"
    return CachePolicy(etag=etag, cache_control=control)


def not_modified(request: Request, etag: str) -> bool:
    """True if the request's ``If-None-Match`` matches ``etag`` (weak comparison, RFC 9110)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


class ResponseCache:
    """A byte-bounded LRU of rendered read responses, keyed by their strong ETag.

    The ETag already names everything a response depends on (path, query, layer
    definition, reader kind, store clock), so a hit is exactly the response the query
    would produce again: a breaking-news spike on one embedded map costs one query.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._flights: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def flight(self, etag: str) -> Iterator[None]:
        """Hold the lock for ``etag`` while its response is computed (single flight per key)."""
        with self._lock:
            lock, users = self._flights.get(etag, (None, 0))
            if lock is None:
                lock = threading.Lock()
            self._flights[etag] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._flights[etag]
                if users <= 1:
                    del self._flights[etag]
                else:
                    self._flights[etag] = (lock, users - 1)

    def get(self, etag: str) -> tuple[bytes, str] | None:
        """The cached (body, media type) for ``etag``, or ``None``."""
        with self._lock:
            hit = self._items.get(etag)
            if hit is not None:
                self._items.move_to_end(etag)
            return hit

    def put(self, etag: str, body: bytes, media_type: str) -> None:
        """Keep a response (bodies above a quarter of the budget are not kept)."""
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(etag, None)
            if old is not None:
                self._size -= len(old[0])
            self._items[etag] = (body, media_type)
            self._size += len(body)
            while self._size > self.max_bytes and self._items:
                _key, (dropped, _mt) = self._items.popitem(last=False)
                self._size -= len(dropped)
