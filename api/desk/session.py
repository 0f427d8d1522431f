"""Browser sessions for the review desk: signed, expiring, revocable with the token; CSRF tokens.

A signed-in editor carries one cookie, ``sitmap_session``: ``v1.<payload>.<signature>``
where the payload names a random session id, a fingerprint of the token used to sign
in (never the token), and the expiry; the signature is HMAC-SHA256 under the app's
session key (``SITMAP_SESSION_SECRET``, else a random key per process). On every
request the fingerprint must still match a token in force, so revoking the token
(``sitmap tokens revoke``) ends its sessions at once, and the editor's name and scope
are always the token's current ones. Signing out records the session id as ended in
the store, so a copy of the cookie stops working too.

Every desk form carries a CSRF token: an HMAC of the session id (of a short-lived
``sitmap_session_signin`` nonce cookie on the sign-in form). The cookies are HttpOnly,
SameSite=Strict, and Secure when the request came over https.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from api.auth import Principal, TokenRegistry, hash_token

COOKIE = "sitmap_session"
SIGNIN_COOKIE = "sitmap_session_signin"
#: How long the sign-in form stays valid (its CSRF nonce cookie).
SIGNIN_SECONDS = 1800
_ENDED = "app:session-ended:"


@dataclass(frozen=True)
class DeskSession:
    """A signed-in editor: who (the token's current name and scope), the session id, its expiry."""

    principal: Principal
    sid: str
    expires: int

    @property
    def can_edit(self) -> bool:
        """True when the session's token has the ``write`` scope (``read-private`` may only look)."""
        return self.principal.allows("write")


def new_session_key(secret: str | None) -> bytes:
    """The key that signs sessions: derived from ``SITMAP_SESSION_SECRET``, else random for this app."""
    return hashlib.sha256(b"sitmap-session\n" + secret.encode()).digest() if secret else secrets.token_bytes(32)


def session_key(request: Request) -> bytes:
    """The app's session key (made once in ``create_app``)."""
    key: bytes = request.app.state.session_key
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, value: str) -> str:
    return _b64(hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest())


def fingerprint(digest: bytes) -> str:
    """A token's fingerprint kept in the cookie: derived from its stored hash, useless to sign in with."""
    return hashlib.sha256(b"sitmap-desk\n" + digest).hexdigest()[:32]


def is_https(request: Request) -> bool:
    """True when the page was served over https (the cookie is then ``Secure``)."""
    settings = request.app.state.settings
    return request.url.scheme == "https" or bool(settings.base_url and settings.base_url.startswith("https://"))


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def start_session(request: Request, response: Response, token: str) -> DeskSession | None:
    """Sign in with a bearer token: set the session cookie, or ``None`` when the token is unknown."""
    tokens: TokenRegistry = request.app.state.tokens
    digest = hash_token(token.strip())
    found = None
    for entry in tokens.entries():  # constant time over all entries, as for bearer tokens
        if hmac.compare_digest(entry.digest, digest):
            found = entry
    if found is None:
        return None
    hours = float(request.app.state.settings.session_hours)
    expires = int(time.time() + hours * 3600)
    sid = secrets.token_hex(16)
    payload = _b64(json.dumps({"sid": sid, "tk": fingerprint(found.digest), "exp": expires}).encode())
    value = f"v1.{payload}.{_mac(session_key(request), 'session', payload)}"
    _set_cookie(request, response, COOKIE, value, int(hours * 3600))
    response.delete_cookie(SIGNIN_COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request))
    return DeskSession(Principal(found.name, found.scope), sid, expires)


def read_session(request: Request) -> DeskSession | None:
    """The editor of this request, or ``None`` (no cookie, bad signature, expired, ended, token revoked)."""
    value = request.cookies.get(COOKIE)
    if not value or len(value) > 1000:
        return None
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != "v1":
        return None
    payload, signature = parts[1], parts[2]
    if not hmac.compare_digest(_mac(session_key(request), "session", payload), signature):
        return None
    try:
        data = json.loads(_unb64(payload))
        sid, tk, expires = str(data["sid"]), str(data["tk"]), int(data["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires <= time.time():
        return None
    tokens: TokenRegistry = request.app.state.tokens
    current = [e for e in tokens.entries() if hmac.compare_digest(fingerprint(e.digest), tk)]
    if not current:
        return None  # the token was revoked: its sessions end with it
    store = getattr(request.app.state, "store", None)
    if store is not None and store.get_meta(_ENDED + sid):
        return None
    entry = current[-1]
    return DeskSession(Principal(entry.name, entry.scope), sid, expires)


def end_session(request: Request, response: Response, session: DeskSession | None) -> None:
    """Sign out: remember the session id as ended until it would have expired, and clear the cookie."""
    store = getattr(request.app.state, "store", None)
    if session is not None and store is not None:
        now = time.time()
        stale: dict[str, str | None] = {k: None for k, v in store.get_meta(_ENDED).items() if _expired(v, now)}
        until = datetime.fromtimestamp(session.expires, UTC).isoformat()
        store.put_meta({**stale, _ENDED + session.sid: until})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request))


def _expired(value: str, now: float) -> bool:
    try:
        return datetime.fromisoformat(value).timestamp() < now
    except ValueError:
        return True


def csrf_token(request: Request, session: DeskSession) -> str:
    """The CSRF token every desk form of this session carries."""
    return _mac(session_key(request), "csrf", session.sid)


def check_csrf(request: Request, session: DeskSession, given: str | None) -> bool:
    """True when ``given`` is this session's CSRF token and the request is same-origin."""
    if not given or not same_origin(request):
        return False
    return hmac.compare_digest(csrf_token(request, session), given)


def signin_csrf(request: Request) -> tuple[str, str]:
    """The nonce and CSRF token of a sign-in form; set the nonce with :func:`set_signin_cookie`."""
    nonce = request.cookies.get(SIGNIN_COOKIE)
    if not nonce or len(nonce) != 32:
        nonce = secrets.token_hex(16)
    return nonce, _mac(session_key(request), "signin", nonce)


def set_signin_cookie(request: Request, response: Response, nonce: str) -> None:
    """Bind the sign-in form on ``response`` to its nonce (a short-lived cookie)."""
    _set_cookie(request, response, SIGNIN_COOKIE, nonce, SIGNIN_SECONDS)


def check_signin_csrf(request: Request, given: str | None) -> bool:
    """True when the sign-in form's CSRF token matches its nonce cookie and the request is same-origin."""
    nonce = request.cookies.get(SIGNIN_COOKIE)
    if not nonce or not given or not same_origin(request):
        return False
    return hmac.compare_digest(_mac(session_key(request), "signin", nonce), given)


def same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site (``Sec-Fetch-Site``, ``Origin``).

    The ``Origin`` must name this site: the ``Host`` the request came to (or, behind a
    proxy, its ``X-Forwarded-Host``), or ``SITMAP_BASE_URL``'s host. A proxy that drops
    the port from ``Host`` still matches, since only the host names are compared then.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null" or "://" not in origin:
        return False
    given = origin.split("://", 1)[1].lower()
    base_url = request.app.state.settings.base_url
    ours = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    if base_url:
        ours.add(base_url.split("://", 1)[1].split("/", 1)[0])
    ours = {h.strip().lower() for h in ours if h and h.strip()}
    return given in ours or given.rsplit(":", 1)[0] in {h.rsplit(":", 1)[0] for h in ours if ":" not in h}
