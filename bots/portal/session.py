"""The portal's browser session: a signed cookie naming the session (the portal "chat") and
its language, and the CSRF token every form carries.

The cookie is ``<session id>.<language>.<signature>``: HMAC-SHA256 over the first two with the
portal's secret, so neither can be forged or changed; HttpOnly, SameSite=Strict, Secure when the
portal is served over HTTPS. The session id is 32 random URL-safe characters: the chat's user id
at the backend, where the binding (24 hours), the lockouts and the state live. The CSRF token is
an HMAC of the session id under another label: a form posted from elsewhere has none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES

COOKIE = "cobro_portal"
MAX_AGE_SECONDS = 24 * 60 * 60  # the backend's binding lasts as long


def _mac(secret: bytes, label: str, value: str) -> str:
    digest = hmac.new(secret, f"{label}|{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


@dataclass(frozen=True, slots=True)
class PortalSession:
    sid: str
    lang: str
    fresh: bool = False  # made by this request: the cookie must be set


class Sessions:
    def __init__(self, secret: str, *, secure: bool) -> None:
        self._secret = hashlib.sha256(f"cobro-portal|{secret}".encode()).digest()
        self.secure = secure

    def new(self, lang: str = DEFAULT_LANGUAGE) -> PortalSession:
        return PortalSession(secrets.token_urlsafe(24), lang, fresh=True)

    def read(self, cookie: str | None) -> PortalSession | None:
        """The session a cookie names, or None for a missing, malformed or forged one."""
        parts = (cookie or "").split(".")
        if len(parts) != 3:
            return None
        sid, lang, signature = parts
        expected = _mac(self._secret, "cookie", f"{sid}.{lang}")
        if not hmac.compare_digest(signature, expected) or lang not in LANGUAGES:
            return None
        return PortalSession(sid, lang)

    def cookie(self, session: PortalSession) -> str:
        value = f"{session.sid}.{session.lang}"
        return f"{value}.{_mac(self._secret, 'cookie', value)}"

    def csrf(self, session: PortalSession) -> str:
        return _mac(self._secret, "csrf", session.sid)

    def csrf_ok(self, session: PortalSession, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf(session))
