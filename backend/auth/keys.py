"""API keys for machine clients (a creditor's system, an integration): a long-lived credential
that acts as one user (an admin makes it for a service user with the role and scope the client
needs), sent as ``Authorization: Bearer cobro_key_<prefix>_<secret>``.

Only the key's SHA-256 is stored; ``prefix`` (public, unique) finds the row and the hash is
compared in constant time. A key stops working when it is revoked, when it expires, or when its
user is deactivated; this process forgets it at once, others within the principal cache's few
seconds (``backend.users.principals``), as for tokens. Creation and revocation are audited; the
key itself is shown once, in the answer that creates it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from sqlmodel import Session, col, select

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.auth.models import ApiKey
from backend.core.clock import utcnow
from backend.core.errors import NotFound, ValidationFailed
from backend.users import principals
from backend.users import service as users
from backend.users.models import User
from shared.schemas.auth import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from shared.schemas.enums import Role

PREFIX = "cobro_key_"
_FAR = 10 * 365 * 24 * 3600.0  # cache bound of a key without expiry (seconds)


class ApiKeyUserRefused(ValidationFailed):
    code = "api_key_user_refused"


def is_key(token: str) -> bool:
    return token.startswith(PREFIX)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(session: Session, actor: Actor, data: ApiKeyCreate) -> ApiKeyCreated:
    user = session.get(User, data.user_id)
    if not users.usable(user):
        raise NotFound()
    if user.role == Role.bot:  # the bots have their own rotatable credential
        raise ApiKeyUserRefused()
    prefix = secrets.token_hex(6)
    key = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        user_id=user.id,
        name=data.name,
        prefix=prefix,
        key_hash=_digest(key),
        created_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=data.days) if data.days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "api_key.created",
        "api_key",
        row.id,
        after={"name": row.name, "prefix": prefix, "user_id": str(user.id)},
    )
    return ApiKeyCreated(
        **ApiKeyRead.model_validate(row, from_attributes=True).model_dump(), key=key
    )


def revoke(session: Session, actor: Actor, row: ApiKey) -> ApiKey:
    """Revoked at once (revoking again changes nothing)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "api_key.revoked", "api_key", row.id, after={"prefix": row.prefix}
        )
        principals.forget(row.user_id)
    return row


def get(session: Session, key_id: uuid.UUID) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound()
    return row


def page(session: Session, after: uuid.UUID | None, limit: int) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id)).limit(limit + 1)
    if after is not None:
        query = query.where(col(ApiKey.id) > after)
    return list(session.execute(query).scalars())


def principal_of(session: Session, key: str) -> tuple[User, float] | None:
    """The user a presented key acts as, and until when it may be cached; None when the key
    is unknown, forged, revoked or expired, or its user may not act."""
    prefix = key[len(PREFIX) :].split("_", 1)[0]
    row = session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalars().first()
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
        return None
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if not users.usable(user):
        return None
    until = row.expires_at.timestamp() if row.expires_at else now.timestamp() + _FAR
    return user, until
