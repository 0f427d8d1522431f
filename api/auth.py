"""Bearer tokens: parsed from settings, kept as SHA-256 hashes, compared in constant time.

A token has a name (recorded as ``recorded_by`` on every write) and a scope:
``read-private`` (may read private layers, never write; ``read`` is accepted as an
alias), ``write`` (read-private + writes, the default) or ``admin`` (everything).
The plain tokens never leave :func:`parse_token_line`.

Tokens come from two places. ``SITMAP_TOKENS`` (the environment) is read once when
the app is built. The token file (``SITMAP_TOKEN_FILE``; managed with ``sitmap
tokens add|list|revoke``) is re-read by :class:`TokenRegistry` whenever its inode,
size or times change, so a revocation takes effect on a running service without a
restart. A token file that becomes unreadable or malformed fails closed: every token
from it is refused (the environment's tokens still work) and an error is logged
until the file is fixed.

Token file lines are ``name:sha256:<hex>[:scope]`` (or ``name:token[:scope]``);
blank lines and ``#`` comments are ignored, also a trailing ``  # added <when>``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo.errors import InvalidInput, NotFound
from layers.errors import Forbidden, Unauthorized

Scope = Literal["read-private", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read-private", "write", "admin")
#: Other spellings accepted in ``SITMAP_TOKENS``, token files and the CLI.
SCOPE_ALIASES: dict[str, Scope] = {"read": "read-private"}
DEFAULT_SCOPE: Scope = "write"
_RANK: dict[Scope, int] = {"read-private": 0, "write": 1, "admin": 2}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_HEX_RE = re.compile(r"[0-9a-fA-F]{64}")
#: A comment after an entry needs whitespace before its ``#`` (a plain token may contain ``#``).
_TRAILING_COMMENT = re.compile(r"\s+#(.*)$")
_ADDED_RE = re.compile(r"^\s*added\s+(\S+)")

log = logging.getLogger("sitmap.auth")


@dataclass(frozen=True)
class Principal:
    """Who made a request: the token's name and its scope."""

    name: str
    scope: Scope

    def allows(self, needed: Scope) -> bool:
        """True if this principal's scope covers ``needed``."""
        return _RANK[self.scope] >= _RANK[needed]


@dataclass(frozen=True)
class TokenEntry:
    """One configured token: name, scope, the SHA-256 digest of the secret and when it was added."""

    name: str
    scope: Scope
    digest: bytes
    added: str | None = None


def hash_token(token: str) -> bytes:
    """The SHA-256 digest under which a token is kept."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def parse_scope(value: str, *, where: str = "tokens") -> Scope:
    """The canonical scope for ``value`` (``read`` is read as ``read-private``)."""
    text = value.strip().lower()
    if text in SCOPE_ALIASES:
        return SCOPE_ALIASES[text]
    for scope in SCOPES:
        if text == scope:
            return scope
    raise InvalidInput(f"{where}: unknown scope {value!r} (read-private, write or admin)")


def check_name(name: str, *, where: str = "tokens") -> str:
    """``name`` if it is a valid token name (it ends up in ``recorded_by`` and in the token file)."""
    if not NAME_RE.match(name):
        raise InvalidInput(
            f"{where}: token name {name!r} must be 1-100 letters, digits, '.', '_', '@' or '-' "
            "(starting with a letter or digit)"
        )
    return name


def parse_token_line(line: str, *, where: str = "tokens") -> TokenEntry:
    """Read ``name:token[:scope]`` or ``name:sha256:<hex>[:scope]`` (plus an optional ``# added ...``)."""
    text = line.strip()
    added = None
    comment = _TRAILING_COMMENT.search(text)
    if comment:
        text = text[: comment.start()]
        found = _ADDED_RE.match(comment.group(1))
        added = found.group(1) if found else None
    parts = text.split(":")
    if len(parts) < 2:
        raise InvalidInput(f"{where}: expected name:token or name:sha256:<hex>, got an entry with no ':'")
    name = check_name(parts[0], where=where)
    if parts[1] == "sha256" and len(parts) >= 3:
        hexdigest, rest = parts[2], parts[3:]
        if not _HEX_RE.fullmatch(hexdigest):
            raise InvalidInput(f"{where}: token {name!r} has a malformed sha256 digest (64 hex digits expected)")
        digest = bytes.fromhex(hexdigest)
    else:
        secret, rest = parts[1], parts[2:]
        if len(secret) < 8:
            raise InvalidInput(f"{where}: token {name!r} is shorter than 8 characters")
        digest = hash_token(secret)
    if len(rest) > 1:
        raise InvalidInput(f"{where}: token {name!r} has more fields than name:token:scope")
    scope = parse_scope(rest[0], where=f"{where}: token {name!r}") if rest else DEFAULT_SCOPE
    return TokenEntry(name=name, scope=scope, digest=digest, added=added)


def format_token_line(entry: TokenEntry) -> str:
    """The token file line for ``entry``: only the digest, never the secret."""
    line = f"{entry.name}:sha256:{entry.digest.hex()}:{entry.scope}"
    return f"{line}  # added {entry.added}" if entry.added else line


def is_entry_line(line: str) -> bool:
    """True for a line of a token file that holds a token (not blank, not a comment)."""
    text = line.strip()
    return bool(text) and not text.startswith("#")


def parse_token_env(tokens: str | None) -> list[TokenEntry]:
    """The tokens of a ``SITMAP_TOKENS`` value: comma-separated ``name:token[:scope]``."""
    entries: list[TokenEntry] = []
    for item in (tokens or "").split(","):
        if item.strip():
            entries.append(parse_token_line(item, where="SITMAP_TOKENS"))
    return entries


def parse_token_text(text: str, *, where: str) -> list[TokenEntry]:
    """The tokens in the text of a token file; an error names ``where:<line number>``."""
    return [
        parse_token_line(line, where=f"{where}:{n}")
        for n, line in enumerate(text.splitlines(), 1)
        if is_entry_line(line)
    ]


def read_token_file(path: str | Path) -> list[TokenEntry]:
    """The tokens in a token file (:class:`NotFound` if it does not exist, :class:`InvalidInput` if malformed)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise NotFound(f"token file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"token file {path} is not UTF-8 text") from None
    return parse_token_text(text, where=str(path))


def load_tokens(tokens: str | None, token_file: str | Path | None = None) -> list[TokenEntry]:
    """All tokens from the settings string (comma-separated) and the token file, read once."""
    entries = parse_token_env(tokens)
    if token_file:
        entries.extend(read_token_file(token_file))
    return entries


_Signature = tuple[int, int, int, int, int]


class TokenRegistry:
    """Checks bearer tokens against the configured hashes in constant time.

    ``entries`` are fixed (``SITMAP_TOKENS``). With ``token_file`` the registry also
    holds that file's tokens and re-reads it whenever ``os.stat`` shows a change
    (checked on every authenticated request; anonymous requests cost nothing). A file
    that cannot be read or parsed contributes no tokens until it is fixed (fail closed).
    """

    def __init__(self, entries: Iterable[TokenEntry] = (), *, token_file: str | Path | None = None) -> None:
        self._fixed = tuple(entries)
        self._file = Path(token_file) if token_file else None
        self._file_entries: tuple[TokenEntry, ...] = ()
        self._signature: _Signature | None = None
        self._broken: str | None = None
        self._lock = threading.Lock()
        if self._file is not None:
            self._load_file(strict=True)

    @classmethod
    def from_config(cls, tokens: str | None, token_file: str | Path | None) -> TokenRegistry:
        """The registry for ``SITMAP_TOKENS`` and ``SITMAP_TOKEN_FILE``; errors in either stop the start."""
        return cls(parse_token_env(tokens), token_file=token_file)

    @property
    def token_file(self) -> Path | None:
        """The watched token file, if any."""
        return self._file

    def entries(self) -> tuple[TokenEntry, ...]:
        """Every token in force now: the environment's, then the token file's."""
        self.refresh()
        return self._fixed + self._file_entries

    def __len__(self) -> int:
        return len(self.entries())

    def refresh(self) -> None:
        """Re-read the token file if it changed since it was last read (one ``os.stat`` when it did not)."""
        if self._file is None:
            return
        try:
            st = os.stat(self._file)
            signature: _Signature | None = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except OSError:
            signature = None
        if signature is not None and signature == self._signature:
            return
        with self._lock:
            self._load_file(strict=False)

    def _load_file(self, *, strict: bool) -> None:
        """Read the token file; on failure raise (``strict``, at start) or drop its tokens and log once."""
        assert self._file is not None
        path = self._file
        signature: _Signature | None = None
        try:
            with open(path, encoding="utf-8") as fh:
                st = os.fstat(fh.fileno())
                signature = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                if signature == self._signature:
                    return  # another thread read this version meanwhile
                text = fh.read()
            entries = parse_token_text(text, where=str(path))
        except (OSError, UnicodeDecodeError, InvalidInput) as exc:
            if isinstance(exc, InvalidInput):
                reason = exc.message
            elif isinstance(exc, FileNotFoundError):
                reason = f"token file {path} does not exist"
            elif isinstance(exc, UnicodeDecodeError):
                reason = f"token file {path} is not UTF-8 text"
            else:
                reason = f"token file {path} cannot be read: {exc.strerror or exc}"
            if strict:
                raise (NotFound if isinstance(exc, FileNotFoundError) else InvalidInput)(reason) from None
            if reason != self._broken:
                log.error("%s; refusing every token from this file until it is fixed", reason)
            # Fail closed: the broken version's tokens are not used, nor the ones read before it.
            self._file_entries = ()
            self._signature = signature
            self._broken = reason
            return
        if not strict:
            log.info("token file %s re-read: %d token(s) in force from it", path, len(entries))
        self._file_entries = tuple(entries)
        self._signature = signature
        self._broken = None

    def identify(self, authorization: str | None) -> Principal | None:
        """The principal for an ``Authorization`` header; ``None`` when there is none.

        A header that is present but malformed or names an unknown token raises
        :class:`Unauthorized`: a client that tried to authenticate is told it failed.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        digest = hash_token(token.strip())
        found: TokenEntry | None = None
        entries = self.entries()
        for entry in entries:  # no early exit: the time does not reveal which entry matched
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        if found is None and not self._fixed and self._file is None:
            # `sitmap tokens add` writes ./sitmap-tokens.txt, which the service reads only when told:
            # say so, or the writer keeps retrying a token that can never be valid here
            raise Unauthorized(
                "the bearer token is not valid: this service has no tokens; start it with "
                "SITMAP_TOKEN_FILE=<the file sitmap tokens add wrote> or SITMAP_TOKENS=name:token"
            )
        if found is None:
            raise Unauthorized("the bearer token is not valid")
        return Principal(name=found.name, scope=found.scope)

    def require(self, authorization: str | None, scope: Scope) -> Principal:
        """The principal for the header, which must exist and cover ``scope``."""
        principal = self.identify(authorization)
        if principal is None:
            raise Unauthorized("this operation needs 'Authorization: Bearer <token>'")
        if not principal.allows(scope):
            raise Forbidden(f"token {principal.name!r} has scope {principal.scope!r}; this needs {scope!r}")
        return principal
