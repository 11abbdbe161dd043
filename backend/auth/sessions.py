"""Sessions: short-lived access tokens renewed with rotating refresh tokens.

* A login issues an access token (``COBRO_TOKEN_MINUTES``, 15 by default) and a refresh token
  that starts a *family*. ``POST /auth/refresh`` takes the refresh token and answers a new
  pair; the token presented is spent (rotated) and its successor joins the family. A refresh
  token unused for ``COBRO_REFRESH_DAYS`` (30) expires: an agent offline for longer logs in
  again (their outbox stays on the device).
* Presenting a spent token is a sign that it was copied: the whole family is revoked and the
  answer is 401 ``session_expired`` (the thief and the owner both log in again). One exception
  keeps weak mobile signal from logging agents out: a spent token presented again within
  ``COBRO_REFRESH_REUSE_GRACE_SECONDS`` (60) of its rotation is a client retrying an answer it
  never received; it gets a new pair, and the successor it never received is revoked.
* A refresh token, like an access token, carries its user's ``token_version``: a password
  change, a deactivation or a role change ends every session of the user.
* The row of the token presented is locked while it is judged, so two uses of one token are
  judged one after the other, on both databases.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import NoReturn

from sqlmodel import Session

from backend.audit import service as audit
from backend.auth import repository
from backend.auth.errors import SessionExpired
from backend.auth.models import RefreshToken
from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.ids import uuid7
from backend.core.security import create_access_token, new_refresh_secret, refresh_digest
from backend.users import service as users
from backend.users.models import User
from shared.schemas.auth import Token


def access_token(user: User, minutes: int | None = None) -> str:
    """An access token of ``user`` as they are now (role, token version)."""
    return create_access_token(
        user.id, user.role.value, version=user.token_version, minutes=minutes
    )


def issue(session: Session, user: User, family_id: uuid.UUID | None = None) -> Token:
    """A new access token and refresh token (of a new family unless ``family_id``)."""
    settings = get_settings()
    secret, digest = new_refresh_secret()
    session.add(
        RefreshToken(
            family_id=family_id or uuid7(),
            user_id=user.id,
            token_hash=digest,
            version=user.token_version,
            expires_at=utcnow() + timedelta(days=settings.refresh_days),
        )
    )
    session.flush()
    return Token(
        access_token=access_token(user, settings.token_minutes),
        expires_in=settings.token_minutes * 60,
        refresh_token=secret,
        refresh_expires_in=settings.refresh_days * 24 * 3600,
    )


def refresh(session: Session, presented: str) -> Token:
    """A new pair for a usable refresh token (see the module doc for reuse)."""
    row = repository.refresh_token_for_update(session, refresh_digest(presented))
    now = utcnow()  # once the row is ours: a use judged after another is also later than it
    if row is None or row.expires_at <= now:
        raise SessionExpired()
    user = session.get(User, row.user_id)
    if row.revoked_at is not None:  # revoked: a successor it lost to a retry, or logged out
        _revoke(session, row, now)
    if not users.usable(user) or user.token_version != row.version:
        _revoke(session, row, now)
    if row.rotated_at is not None:
        if not _retry_within_grace(row.rotated_at, now):
            _revoke(session, row, now)
        repository.revoke_live_successors(session, row.family_id, now)
    else:
        row.rotated_at = now
        session.add(row)
    return issue(session, user, row.family_id)


def logout(session: Session, presented: str) -> None:
    """End the session (the family) of a refresh token; unknown tokens are ignored."""
    row = repository.refresh_token_for_update(session, refresh_digest(presented))
    if row is not None:
        repository.revoke_family(session, row.family_id, utcnow())


def _retry_within_grace(rotated_at: datetime, now: datetime) -> bool:
    grace = timedelta(seconds=get_settings().refresh_reuse_grace_seconds)
    return now - rotated_at < grace


def _revoke(session: Session, row: RefreshToken, now: datetime) -> NoReturn:
    """Revoke the family of ``row`` and refuse (``SessionExpired`` commits the revocation).
    Live tokens revoked here mean someone else holds this session: that is audited."""
    if repository.revoke_family(session, row.family_id, now):
        audit.record(
            session,
            Actor.system(),
            "user.session_reused",
            "user",
            row.user_id,
            after={"family_id": str(row.family_id)},
        )
    raise SessionExpired()
