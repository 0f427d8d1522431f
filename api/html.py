"""Plain, escaped HTML views of the OGC API resources (landing page, collections, items).

No template engine and no script: every value passes through ``html.escape``; the
pages only link. The interactive maps are the maps part's (``/maps/{collection}``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;"
    "vertical-align:top}th{background:#f3f3f3}code{background:#f3f3f3;padding:0 3px}a{color:#0b5cad}"
    ".wide{overflow-x:auto;max-width:100%}td,h1{overflow-wrap:anywhere}"
)


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute context."""
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False)
    return html.escape(str(value), quote=True)


def page(title: str, body: str, *, lang: str = "en") -> str:
    """A complete HTML document with the given (already escaped) body."""
    return (
        f'<!doctype html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def link_list(links: Iterable[Mapping[str, Any]]) -> str:
    """An HTML list of OGC links (title or rel as the text)."""
    items = []
    for link in links:
        text = link.get("title") or link.get("rel")
        items.append(
            f'<li><a href="{esc(link["href"])}">{esc(text)}</a> <small>({esc(link.get("type", ""))})</small></li>'
        )
    return "<ul>" + "".join(items) + "</ul>"


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """An HTML table of ``rows`` with the given columns."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows)
    # wide tables scroll inside their box: on a phone the page itself must not scroll sideways
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
