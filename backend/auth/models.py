"""Session bookkeeping: refresh tokens (by family), login throttles, and machine clients' API
keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, id_field


class RefreshToken(SQLModel, table=True):
    """One refresh token, kept as its SHA-256 (the token itself is only ever with the client).

    A login starts a *family*; each use rotates the token (``rotated_at`` set, a successor
    issued in the same family). A token is usable while neither rotated nor revoked, before
    ``expires_at``, and while its user's ``token_version`` is still ``version``."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    id: uuid.UUID = id_field()
    family_id: uuid.UUID
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    version: int
    created_at: datetime = created_at_field()
    expires_at: datetime = datetime_field(nullable=False, index=True)
    rotated_at: datetime | None = datetime_field()
    revoked_at: datetime | None = datetime_field()


class LoginThrottle(SQLModel, table=True):
    """Login failures of one account or one client address (``key``: a SHA-256 of
    ``account:<email>`` or ``address:<ip or IPv6 /64>``, so no e-mail or address is stored).
    Attempts are refused until ``blocked_until``."""

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_at: datetime = datetime_field(nullable=False, index=True)
    blocked_until: datetime | None = datetime_field()


class ApiKey(SQLModel, table=True):
    """A machine client's credential (a creditor's system, an integration): it acts as the
    user it belongs to, with that user's role and scope. Kept as its SHA-256; ``prefix``, the
    key's public part, finds it. Usable until revoked or expired, while its user is active."""

    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_by_id: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    expires_at: datetime | None = datetime_field()
    revoked_at: datetime | None = datetime_field()
