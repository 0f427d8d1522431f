"""RFC 9457 problem details: the one table from sitmap's error codes to HTTP statuses.

Every error the service returns is ``application/problem+json`` with ``type``,
``title``, ``status``, ``detail`` and ``instance`` (plus ``code`` and, for a bad query
parameter, ``parameter``). Domain errors (``geo.errors``) are mapped here and only
here; 5xx are logged with their stack and never show it to the client.
"""

from __future__ import annotations

import http
import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from geo.errors import InvalidInput, SitmapError
from geo.model import format_validation_error
from layers.errors import Forbidden as Forbidden  # re-exported: defined beside Unauthorized, free of FastAPI

log = logging.getLogger("sitmap.api")


PROBLEM_JSON = "application/problem+json"

#: sitmap error code -> (HTTP status, title). The single source of truth.
STATUS_BY_CODE: dict[str, tuple[int, str]] = {
    "invalid_input": (400, "Invalid input"),
    "invalid_parameter": (400, "Invalid query parameter"),
    "unknown_parameter": (400, "Unknown query parameter"),
    "unsupported": (400, "Unsupported request"),
    "unauthorized": (401, "Authentication required"),
    "forbidden": (403, "Forbidden"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "not_acceptable": (406, "Not acceptable"),
    "conflict": (409, "Conflict"),
    "precondition_failed": (412, "Precondition failed"),
    "too_large": (413, "Content too large"),
    "request_timeout": (408, "Request timeout"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "unprocessable": (422, "Unprocessable content"),
    "rate_limited": (429, "Too many requests"),
    "internal": (500, "Internal server error"),
    "store_error": (503, "Store unavailable"),
    "store_busy": (503, "Store busy"),
    "unavailable": (503, "Service unavailable"),
}

#: What each problem type means, served at ``/problems/{code}`` (the ``type`` URI).
PROBLEM_DOCS: dict[str, str] = {
    "invalid_input": "A value in the request (body or parameter) cannot be accepted; detail names it.",
    "invalid_parameter": "A query parameter has a malformed or out-of-range value; 'parameter' names it.",
    "unknown_parameter": "The request has a query parameter this endpoint does not define (OGC API - Features "
    "requires a 400 here rather than silently ignoring it).",
    "unsupported": "The request asks for a format or operation sitmap does not offer.",
    "unauthorized": "Writes, and reads of private layers, need 'Authorization: Bearer <token>' with a valid token.",
    "forbidden": "The token is valid but its scope does not allow this operation.",
    "not_found": "No such collection, feature, claim, zone or page.",
    "method_not_allowed": "The resource exists but does not support this HTTP method.",
    "not_acceptable": "None of the media types in Accept can be produced.",
    "conflict": "The write contradicts stored state (for example a stale expected version).",
    "precondition_failed": "If-Match named a version that is no longer current: fetch the claim again, then retry.",
    "too_large": "The request body is larger than the configured maximum.",
    "request_timeout": "The request body arrived too slowly (a pause longer than the configured body timeout).",
    "unsupported_media_type": "The request body's Content-Type is not one this endpoint reads.",
    "unprocessable": "The body is well-formed JSON but does not describe a valid claim, zone or report.",
    "rate_limited": "Too many requests from this client; retry after the given delay.",
    "internal": "An unexpected error; it was logged on the server.",
    "store_error": "The store cannot be used at the moment.",
    "store_busy": "The store is locked by another writer; retry shortly.",
    "unavailable": "The service is starting or stopping.",
}

_CODE_BY_STATUS = {status: code for code, (status, _t) in reversed(STATUS_BY_CODE.items())}


class BadParameter(InvalidInput):
    """A query parameter with a wrong value; the problem names the parameter."""

    code = "invalid_parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class UnknownParameter(InvalidInput):
    """A query parameter that the endpoint does not define."""

    code = "unknown_parameter"

    def __init__(self, parameter: str, allowed: list[str]) -> None:
        super().__init__(f"unknown query parameter {parameter!r}; this endpoint takes: {', '.join(sorted(allowed))}")
        self.parameter = parameter


class HttpProblem(SitmapError):
    """A service-level error with an explicit code (precondition failed, media type...)."""

    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code)
        self.headers = headers or {}


def status_for(code: str) -> int:
    """The HTTP status for a sitmap error code (500 for an unknown code)."""
    return STATUS_BY_CODE.get(code, (500, ""))[0]


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Build an ``application/problem+json`` response."""
    code = code or _CODE_BY_STATUS.get(status, "internal" if status >= 500 else "invalid_input")
    title = STATUS_BY_CODE.get(code, (status, ""))[1] or _phrase(status)
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


#: A file-system path of two or more parts (``/srv/data/sitmap.gpkg``, ``C:\\data\\x.gpkg``).
_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"\\/:;,()]+){2,}[\\/]?")


def public_message(status: int, message: str) -> str:
    """The message a client sees: a server error names no file of the server (the log has it whole)."""
    if status < 500:
        return message
    return _SERVER_PATH.sub("<server path>", message)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _instance(request: Request) -> str:
    return request.url.path


async def _sitmap_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SitmapError)
    status = status_for(exc.code)
    if status == 500 and not isinstance(exc, HttpProblem):
        # A SitmapError subclass with a code we do not know: a client error by intent.
        status = 400
    headers = dict(getattr(exc, "headers", {}) or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="sitmap"')
    if status == 503:
        headers.setdefault("Retry-After", "2")
        log.warning("store unavailable: %s (%s)", exc.message, exc.detail or "")
    extra: dict[str, Any] = {}
    parameter = getattr(exc, "parameter", None)
    if parameter:
        extra["parameter"] = parameter
    message = public_message(status, exc.message)
    return problem_response(status, message, code=exc.code, instance=_instance(request), headers=headers, extra=extra)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _phrase(exc.status_code)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        exc.status_code, detail, instance=_instance(request), headers=dict(exc.headers or {}) or None
    )


def _validation_detail(errors: list[Any]) -> tuple[str, str | None]:
    parts = []
    first_param = None
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else ""
        name = ".".join(loc[1:]) if len(loc) > 1 else where
        if where in ("query", "path", "header") and first_param is None:
            first_param = name
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{name}: {msg}")
    return "; ".join(parts), first_param


async def _request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    detail, param = _validation_detail(errors)
    in_params = all(str(e.get("loc", ("",))[0]) in ("query", "path", "header") for e in errors)
    if in_params:
        return problem_response(
            400,
            detail,
            code="invalid_parameter",
            instance=_instance(request),
            extra={"parameter": param} if param else None,
        )
    return problem_response(422, detail, code="unprocessable", instance=_instance(request))


async def _pydantic_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    return problem_response(422, format_validation_error(exc), code="unprocessable", instance=_instance(request))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500,
        "an unexpected error occurred; it has been logged",
        code="internal",
        instance=_instance(request),
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers for every error the service can meet."""
    app.add_exception_handler(SitmapError, _sitmap_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(ValidationError, _pydantic_error)
    app.add_exception_handler(Exception, _unexpected)


#: OpenAPI fragment for a problem+json response, used in route ``responses=``.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "parameter": {"type": "string"},
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting problem+json for the given statuses."""
    return {
        status: {
            "description": _phrase(status),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }
