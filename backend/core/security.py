"""Password hashing (argon2 via pwdlib), signed expiring access tokens (JWT, HS256) and the
opaque secrets of refresh tokens.

An access token names its user (``sub``), their role and their ``token_version`` at issue
(``ver``): a token whose ``ver`` is not the user's current one is refused (see
``backend.auth.deps``)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from backend.core.clock import utcnow
from backend.core.config import get_settings

_hasher = PasswordHash.recommended()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


# Verifying against this keeps a login for an unknown email as slow as for a known one.
DUMMY_HASH = hash_password("cobro-timing-equaliser")


def create_access_token(
    subject: uuid.UUID, role: str, *, version: int, minutes: int | None = None
) -> str:
    """A token for user ``subject`` whose ``token_version`` is ``version``."""
    settings = get_settings()
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": str(subject),
        "role": role,
        "ver": version,
        "iat": now,
        "exp": now + timedelta(minutes=minutes or settings.token_minutes),
        "typ": "access",
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict[str, Any]:
    """Raises ``jwt.PyJWTError`` for forged, malformed or expired tokens."""
    claims = jwt.decode(
        token,
        get_settings().secret_key,
        algorithms=[ALGORITHM],
        options={"require": ["exp", "sub", "iat", "ver"]},
    )
    if claims.get("typ") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


def new_refresh_secret() -> tuple[str, str]:
    """A new refresh token and the digest it is stored as."""
    token = secrets.token_urlsafe(32)
    return token, refresh_digest(token)


def refresh_digest(token: str) -> str:
    """Refresh tokens are 256 random bits: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
