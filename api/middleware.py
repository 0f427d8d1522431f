"""Pure ASGI middlewares: request body limit, security headers, last-resort problem+json.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so streamed downloads stay
streamed and the per-request cost stays a few dict operations.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from geo.errors import SitmapError, TooLarge

log = logging.getLogger("sitmap.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: CSP for sitmap's own HTML pages (landing, collections); map pages set their own.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def _problem_body(status: int, code: str, title: str, detail: str, instance: str) -> bytes:
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    return json.dumps(body).encode()


async def _send_problem(send: Send, status: int, code: str, title: str, detail: str, instance: str) -> None:
    body = _problem_body(status, code, title, detail, instance)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies above ``max_bytes`` with 413, declared or chunked.

    A declared ``Content-Length`` above the limit is refused before reading; a
    chunked body is counted as it arrives and reading stops at the limit, raising
    :class:`geo.errors.TooLarge` to the endpoint (mapped to 413 by the error table).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await _send_problem(
                        send,
                        413,
                        "too_large",
                        "Content too large",
                        f"the request body of {declared} bytes is above the limit of {self.max_bytes} bytes",
                        scope.get("path", ""),
                    )
                    return
        seen = 0
        limit = self.max_bytes
        timeout = self.timeout_s
        body_done = False

        async def counted() -> Message:
            nonlocal seen, body_done
            if body_done or timeout is None:
                # After the body, receive() only waits for a disconnect (streamed downloads): no timeout.
                message = await receive()
            else:
                try:
                    message = await asyncio.wait_for(receive(), timeout)
                except TimeoutError:
                    raise SitmapError(
                        f"the request body stalled for more than {timeout:g} s; send it at once",
                        code="request_timeout",
                    ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if not message.get("more_body", False):
                    body_done = True
                if seen > limit:
                    raise TooLarge(f"the request body is above the limit of {limit} bytes")
            return message

        await self.app(scope, counted, send)


class NulGuardMiddleware:
    """Refuse (400) a request whose path or query string holds a NUL character.

    No sitmap id, name or filter contains NUL, and PostgreSQL text cannot hold one:
    refusing it here turns a would-be store error into a clear client error.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            query: bytes = scope.get("query_string", b"")
            if "\x00" in path or b"%00" in query or b"\x00" in query:
                from urllib.parse import parse_qsl

                names = [k for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if "\x00" in k + v]
                where = f"query parameter {names[0]!r}" if names else "request path"
                body = _problem_body(
                    400,
                    "invalid_parameter" if names else "invalid_input",
                    "Invalid input",
                    f"the {where} contains a NUL character (%00)",
                    path.replace("\x00", "%00"),
                )
                if names:
                    body = body[:-1] + b', "parameter": ' + json.dumps(names[0]).encode() + b"}"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Add security headers to every response, and answer any unhandled error with a 500 problem.

    Headers are only set when the response does not already carry them, so the map
    pages (``/maps``, ``/embed``) can set their own CSP and framing policy. ``/embed``
    gets no ``X-Frame-Options`` (it is meant to be framed; its CSP ``frame-ancestors``
    decides where).
    """

    def __init__(self, app: ASGIApp, *, embed_prefixes: tuple[str, ...] = ("/embed",)) -> None:
        self.app = app
        self.embed_prefixes = embed_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        embeddable = path.startswith(self.embed_prefixes)
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                is_html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                if not embeddable:
                    extra.append((b"x-frame-options", b"SAMEORIGIN"))
                if is_html:
                    extra.append((b"content-security-policy", DEFAULT_CSP.encode()))
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:
            log.error("unhandled error on %s %s", scope.get("method"), path, exc_info=exc)
            if started:
                raise  # a streamed body broke midway; the connection will be closed
            await _send_problem(
                with_headers,
                500,
                "internal",
                "Internal server error",
                "an unexpected error occurred; it has been logged",
                path,
            )


class GzipETagMiddleware:
    """Keep strong ETags honest under gzip: a compressed body gets ``-gzip`` appended.

    Sits outside Starlette's ``GZipMiddleware``. On the way in, ``-gzip`` is stripped
    from ``If-None-Match`` so a revalidation of the compressed body still matches.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        asked_gzip = any(k == b"if-none-match" and b'-gzip"' in v for k, v in headers)
        if asked_gzip:
            scope = dict(scope)
            scope["headers"] = [(k, v.replace(b'-gzip"', b'"') if k == b"if-none-match" else v) for k, v in headers]

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                gz = any(k.lower() == b"content-encoding" and v == b"gzip" for k, v in hdrs)
                if gz or (asked_gzip and message.get("status") == 304):
                    message["headers"] = [
                        (k, v[:-1] + b'-gzip"' if k.lower() == b"etag" and v.endswith(b'"') else v) for k, v in hdrs
                    ]
            await send(message)

        await self.app(scope, receive, tagged)


class HeadMiddleware:
    """Answer ``HEAD`` for every ``GET`` resource: the GET response's status and headers, no body.

    Link checkers, CDNs and CMS embed previews use HEAD; FastAPI routes declare only GET.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["method"] = "GET"
        finished = False

        async def headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not finished and not message.get("more_body", False):
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive, headers_only)
