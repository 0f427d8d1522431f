"""``sitmap tokens add|list|revoke``: bearer tokens in the token file, kept as SHA-256 hashes.

The file is ``--file``, else ``$SITMAP_TOKEN_FILE``, else ``sitmap-tokens.txt`` in the
current directory (beside the default ``sitmap.gpkg``); the service reads it when
``SITMAP_TOKEN_FILE`` names it, and re-reads it when it changes, so a revocation needs
no restart. ``add`` prints the new secret once on stdout and writes only its digest.
Every change rewrites the file atomically (a temporary file in the same directory,
then ``os.replace``) with mode 0600, under an exclusive lock on ``<file>.lock`` so two
concurrent commands never lose each other's change. Any malformed line stops the
command before anything is written.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.auth import (
    TokenEntry,
    check_name,
    format_token_line,
    hash_token,
    is_entry_line,
    parse_scope,
    parse_token_env,
    parse_token_line,
)
from geo.errors import InvalidInput, NotFound

DEFAULT_TOKEN_FILE = "sitmap-tokens.txt"  # noqa: S105 - a file name, not a secret
_HEADER = "# sitmap bearer tokens: name:sha256:<hex>:scope (managed by 'sitmap tokens'; secrets are never stored)\n"

tokens_app = typer.Typer(
    help="Add, list and revoke bearer tokens (the token file keeps only SHA-256 digests).",
    no_args_is_help=True,
)

FileOption = Annotated[
    Path,
    typer.Option(
        "--file",
        envvar="SITMAP_TOKEN_FILE",
        help=f"Token file (default $SITMAP_TOKEN_FILE, else ./{DEFAULT_TOKEN_FILE}).",
    ),
]


@dataclass(frozen=True)
class _Line:
    """One line of a token file as written, and the token on it (``None`` for blanks and comments)."""

    text: str
    entry: TokenEntry | None


def _read_lines(path: Path) -> list[_Line]:
    """Every line of the token file, each token parsed; the first malformed line is an error naming it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"token file {path} does not exist (create it with 'sitmap tokens add NAME')") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"token file {path} is not UTF-8 text") from None
    lines = []
    for n, line in enumerate(text.splitlines(), 1):
        entry = parse_token_line(line, where=f"{path}:{n}") if is_entry_line(line) else None
        lines.append(_Line(line, entry))
    return lines


def _env_names() -> set[str]:
    """Names of the tokens given in ``SITMAP_TOKENS`` (which this command cannot change)."""
    return {entry.name for entry in parse_token_env(os.environ.get("SITMAP_TOKENS"))}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<file>.lock`` (the file itself is replaced, so it cannot carry the lock)."""
    import fcntl

    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(path: Path, lines: list[str]) -> None:
    """Replace ``path`` by ``lines`` in one step: a 0600 temporary file, fsync, ``os.replace``, fsync the dir."""
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write("".join(line + "\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@tokens_app.command("add")
def tokens_add(
    name: Annotated[str, typer.Argument(help="Token name, recorded as recorded_by on every write it makes.")],
    scope: Annotated[
        str, typer.Option("--scope", help="read-private (read private layers), write (default) or admin.")
    ] = "write",
    file: FileOption = Path(DEFAULT_TOKEN_FILE),
) -> None:
    """Make a new random token NAME; print its secret once on stdout, store only its digest."""
    check_name(name, where="sitmap tokens add")
    canonical = parse_scope(scope, where="--scope")
    if name in _env_names():
        raise InvalidInput(f"a token named {name!r} is already given in SITMAP_TOKENS; choose another name")
    if not file.parent.is_dir():
        raise NotFound(f"directory {file.parent} of the token file does not exist")
    secret = secrets.token_urlsafe(32)
    entry = TokenEntry(name=name, scope=canonical, digest=hash_token(secret), added=_now())
    with _locked(file):
        lines = _read_lines(file) if file.exists() else []
        if any(line.entry is not None and line.entry.name == name for line in lines):
            raise InvalidInput(f"a token named {name!r} already exists in {file}; revoke it first or choose another")
        texts = [line.text for line in lines] or [_HEADER.rstrip("\n")]
        _write_atomically(file, [*texts, format_token_line(entry)])
    sys.stdout.write(secret + "\n")
    sys.stdout.flush()
    typer.echo(
        f"added token {name!r} (scope {canonical}) to {file}; the secret above is shown only this once. "
        "The service uses it when SITMAP_TOKEN_FILE names this file.",
        err=True,
    )


@tokens_app.command("list")
def tokens_list(
    file: FileOption = Path(DEFAULT_TOKEN_FILE),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of a table.")] = False,
) -> None:
    """Name, scope, when added and the first 8 hex digits of each token's digest (never the digest itself)."""
    from api.cli import echo_json

    def row(entry: TokenEntry, where: str) -> dict[str, str | None]:
        return {
            "name": entry.name,
            "scope": entry.scope,
            "added": entry.added,
            "digest": entry.digest.hex()[:8],
            "in": where,
        }

    rows = [row(line.entry, str(file)) for line in _read_lines(file) if line.entry is not None]
    rows += [row(entry, "SITMAP_TOKENS") for entry in parse_token_env(os.environ.get("SITMAP_TOKENS"))]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo(f"no tokens in {file}")
        return
    width = max(len("name"), *(len(str(r["name"])) for r in rows))
    typer.echo(f"{'name':<{width}}  {'scope':<12}  {'added':<20}  {'digest':<8}  in")
    for r in rows:
        typer.echo(f"{r['name']:<{width}}  {r['scope']:<12}  {r['added'] or '-':<20}  {r['digest']:<8}  {r['in']}")


@tokens_app.command("revoke")
def tokens_revoke(
    name: Annotated[str, typer.Argument(help="Name of the token to remove from the token file.")],
    file: FileOption = Path(DEFAULT_TOKEN_FILE),
) -> None:
    """Remove token NAME from the token file; a running service refuses it from its next request."""
    in_env = name in _env_names()
    only_in_env = InvalidInput(
        f"token {name!r} is given in SITMAP_TOKENS (the environment), not in {file}; "
        "the CLI cannot revoke it: remove it from SITMAP_TOKENS and restart the service"
    )
    if not file.exists():
        raise only_in_env if in_env else NotFound(f"token file {file} does not exist")
    with _locked(file):
        lines = _read_lines(file)
        kept = [line for line in lines if line.entry is None or line.entry.name != name]
        if len(kept) == len(lines):
            raise only_in_env if in_env else NotFound(f"no token named {name!r} in {file}")
        _write_atomically(file, [line.text for line in kept])
    removed = len(lines) - len(kept)
    typer.echo(f"revoked token {name!r} ({removed} line{'s' if removed > 1 else ''} removed from {file})", err=True)
    if in_env:
        typer.echo(
            f"note: a token named {name!r} is also given in SITMAP_TOKENS, which the CLI cannot change; "
            "remove it there and restart the service",
            err=True,
        )
