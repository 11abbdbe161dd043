from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from shared.schemas.enums import Language, Role


class Token(BaseModel):
    """An access token (``expires_in`` seconds) and, for people, the refresh token that renews
    it (``POST /auth/refresh``; rotated on each use, ``refresh_expires_in`` seconds after its
    last use). Service credentials (the bots') come without one."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class BotTokenRequest(BaseModel):
    days: int = Field(default=90, ge=1, le=365, description="how long the credential is valid")
    rotate: bool = Field(
        default=False, description="revoke every earlier bot credential (in-process bots renew)"
    )


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    supervisor_id: uuid.UUID | None
    creditor_id: uuid.UUID | None = None
    can_write: bool = False
    language: Language
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    supervisor_id: uuid.UUID | None = None
    creditor_id: uuid.UUID | None = Field(
        default=None,
        description="the creditor of a creditor's user (roles creditor, creditor_admin) only; "
        "a creditor admin's users are always of their own creditor",
    )
    can_write: bool = Field(
        default=False,
        description="a creditor's user may change their accounts (payments, promises, notes); "
        "without it they only read",
    )
    language: Language = Language.es


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    supervisor_id: uuid.UUID | None = None
    language: Language | None = None
    is_active: bool | None = None
    can_write: bool | None = Field(default=None, description="creditor's users only")


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what uses it")
    user_id: uuid.UUID = Field(description="the user it acts as (its role and scope)")
    days: int | None = Field(default=None, ge=1, le=3650, description="none: until revoked")


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """Answered once, on creation: send ``key`` as ``Authorization: Bearer <key>``."""

    key: str
