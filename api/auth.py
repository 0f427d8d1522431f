"""Bearer tokens: parsed from settings, kept as SHA-256 hashes, compared in constant time.

A token has a name (recorded as ``recorded_by`` on every write) and a scope:
``read`` (may read private layers), ``write`` (read + write, the default) or
``admin``. The plain tokens never leave :func:`load_tokens`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal

from geo.errors import Forbidden, InvalidInput, Unauthorized

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
_RANK = {"read": 0, "write": 1, "admin": 2}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


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
    """One configured token: name, scope and the SHA-256 digest of the secret."""

    name: str
    scope: Scope
    digest: bytes


def hash_token(token: str) -> bytes:
    """The SHA-256 digest under which a token is kept."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def parse_token_line(line: str, *, where: str = "tokens") -> TokenEntry:
    """Read ``name:token[:scope]`` or ``name:sha256:<hex>[:scope]`` into a :class:`TokenEntry`."""
    parts = line.strip().split(":")
    if len(parts) < 2:
        raise InvalidInput(f"{where}: expected name:token, got an entry with no ':'")
    name = parts[0]
    if not _NAME_RE.match(name):
        raise InvalidInput(f"{where}: token name {name!r} must be letters, digits, '.', '_', '@' or '-'")
    if parts[1] == "sha256" and len(parts) >= 3:
        hexdigest, rest = parts[2], parts[3:]
        if not re.fullmatch(r"[0-9a-fA-F]{64}", hexdigest):
            raise InvalidInput(f"{where}: token {name!r} has a malformed sha256 digest")
        digest = bytes.fromhex(hexdigest)
    else:
        secret, rest = parts[1], parts[2:]
        if len(secret) < 8:
            raise InvalidInput(f"{where}: token {name!r} is shorter than 8 characters")
        digest = hash_token(secret)
    scope = rest[0] if rest else "write"
    if scope not in SCOPES:
        raise InvalidInput(f"{where}: token {name!r} has unknown scope {scope!r} (read, write or admin)")
    return TokenEntry(name=name, scope=scope, digest=digest)


def load_tokens(tokens: str | None, token_file: str | None = None) -> list[TokenEntry]:
    """All tokens from the settings string (comma-separated) and the token file."""
    entries: list[TokenEntry] = []
    if tokens:
        for item in tokens.split(","):
            if item.strip():
                entries.append(parse_token_line(item, where="SITMAP_TOKENS"))
    if token_file:
        with open(token_file, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip() and not line.lstrip().startswith("#"):
                    entries.append(parse_token_line(line, where=f"{token_file}:{n}"))
    return entries


class TokenRegistry:
    """Checks bearer tokens against the configured hashes in constant time."""

    def __init__(self, entries: list[TokenEntry]) -> None:
        self._entries = list(entries)

    def __len__(self) -> int:
        return len(self._entries)

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
        for entry in self._entries:  # no early exit: the time does not reveal which entry matched
            if hmac.compare_digest(entry.digest, digest):
                found = entry
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
