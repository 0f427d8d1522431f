"""Request bodies of the write routes: JSON only, read once, with clear refusals.

Every write (``/reports``, ``/claims``, ``/zones``, layer definitions) reads its body
here: another media type is a 415, an empty, non-UTF-8, NUL-carrying, too deeply
nested or broken JSON body a 400 naming what is wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from api.errors import HttpProblem
from geo.errors import InvalidInput

#: The media types a JSON body may be sent as.
JSON_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


async def read_json(request: Request) -> Any:
    """The request body as JSON: 415 for another media type, 400 for broken JSON."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in JSON_TYPES:
        shown = ctype or "none"
        raise HttpProblem(
            "unsupported_media_type",
            f"Content-Type {shown!r} is not accepted here; send application/json or application/geo+json",
        )
    body = await request.body()
    if not body.strip():
        raise InvalidInput("the request body is empty; send a JSON document")
    if _JSON_NUL.search(body):
        # PostgreSQL text cannot hold NUL and no sitmap field needs it: refuse it on every backend alike.
        raise InvalidInput("the request body has a NUL character (\\u0000) in a string; remove it")
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8 text") from None
    except RecursionError:
        raise InvalidInput("the request body is nested too deeply to be read") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
