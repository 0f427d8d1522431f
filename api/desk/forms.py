"""Reading the desk's HTML forms: url-encoded bodies only, one value per field, bounded."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from geo.errors import InvalidInput

#: The largest form the desk accepts (a pasted report text and its fields).
MAX_FORM_BYTES = 2_500_000


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded form body (the last value of a repeated field wins)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise InvalidInput("the desk accepts its own forms only (application/x-www-form-urlencoded)")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput(f"the form is larger than {MAX_FORM_BYTES:,} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the form is not UTF-8 text") from None
    fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=100))
    if any("\x00" in v for v in fields.values()):
        raise InvalidInput("the form holds a NUL character")
    return fields


def local_path(value: str | None, default: str) -> str:
    """``value`` if it is a path on this site under ``/desk`` (for redirects after a form), else ``default``."""
    plain = bool(value) and all(ch.isprintable() and ch not in " <>\"'\\" for ch in value or "")
    if value and plain and value.startswith("/desk") and not value.startswith("//"):
        return value
    return default
