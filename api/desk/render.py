"""Rendering the desk pages: Jinja2 templates with autoescaping, one strict CSP, own static files.

Every value reaches the HTML through Jinja2's autoescape (text, never markup), and
every user-supplied string sits in a ``<bdi>`` or a ``dir="auto"`` element, so a
right-to-left name cannot reorder the text around it. The pages load one script
and one stylesheet of their own (``/desk/static/``) and Leaflet from ``/static/``;
there is no inline script or style, so the CSP forbids ``unsafe-inline``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.desk.session import DeskSession, csrf_token
from geo.errors import NotFound

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"
STATIC_FILES = {"desk.js": "text/javascript", "desk.css": "text/css"}


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from api.render.words import describe_time
    from layers.review import review_words

    env.filters["when"] = lambda c: describe_time(c.valid_from, c.valid_to, c.time_precision)
    env.filters["review_words"] = review_words
    env.filters["isotime"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC") if d else ""
    env.filters["isodate"] = lambda d: d.strftime("%Y-%m-%d") if d else ""
    return env


def desk_csp(request: Request) -> str:
    """The CSP of the desk pages: own scripts and styles only, the basemap host for images."""
    tiles = request.app.state.settings.tiles or ""
    img = "'self' data:"
    if tiles.startswith(("http://", "https://")):
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        img += f" {parts.scheme}://{host}"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def render(
    request: Request,
    template: str,
    session: DeskSession | None,
    *,
    status: int = 200,
    title: str,
    **context: Any,
) -> HTMLResponse:
    """One desk page: the template with the session's CSRF token, sent with the desk CSP, never cached."""
    html = (
        _env()
        .get_template(template)
        .render(
            title=title,
            session=session,
            csrf=csrf_token(request, session) if session else "",
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": desk_csp(request),
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
        },
    )


def static_file(name: str) -> tuple[bytes, str]:
    """The bytes and media type of one of the desk's own static files (``NotFound`` otherwise)."""
    media = STATIC_FILES.get(name)
    if media is None:
        raise NotFound(f"no desk file {name[:60]!r}")
    return (STATIC_DIR / name).read_bytes(), media
