"""What every ``sitmap`` command shares: the ``--db`` option and who a command-line write is recorded as.

Its own module so that the command groups (``api/cli.py``, ``api/cli_layer.py``, ...)
import it without importing one another.
"""

from __future__ import annotations

import getpass
import unicodedata
from typing import Annotated

import typer

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="SITMAP_DB",
        help="Store URL: a GeoPackage path (default sitmap.gpkg) or postgresql://user@host/db.",
    ),
]
DEFAULT_DB = "sitmap.gpkg"


def cli_user(action: str | None = None) -> str:
    """``recorded_by`` of a change made from the command line: ``cli:<login name>``.

    The person comes first on every command-line write, as a token's name does on a
    service write; ``action`` names the command where several kinds of write land in
    the same history (``cli:alice (import:acled)``).
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        user = "unknown"
    return f"cli:{user}" if action is None else f"cli:{user} ({action})"


#: Bidirectional overrides and isolates: they reorder the rest of a terminal line.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_safe(text: object, *, newlines: bool = False) -> str:
    """``text`` for a terminal: control characters and bidi overrides shown as escapes, never sent.

    A layer title, a claimant, a file's column name or a feed's error is anyone's text;
    sent raw, an ESC starts a sequence that recolours, retitles or clears the terminal (or
    writes its clipboard), and a newline forges a line. ``newlines`` keeps line breaks.
    """
    out = []
    for ch in str(text):
        if (ch == "\n" and newlines) or ch == "\t" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)
