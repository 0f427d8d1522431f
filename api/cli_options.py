"""What every ``sitmap`` command shares: the ``--db`` option and who a command-line write is recorded as.

Its own module so that the command groups (``api/cli.py``, ``api/cli_layer.py``, ...)
import it without importing one another.
"""

from __future__ import annotations

import getpass
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
