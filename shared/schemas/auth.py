from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from shared.schemas.enums import Language, Role


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    supervisor_id: uuid.UUID | None
    language: Language
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    supervisor_id: uuid.UUID | None = None
    language: Language = Language.es


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    supervisor_id: uuid.UUID | None = None
    language: Language | None = None
    is_active: bool | None = None
