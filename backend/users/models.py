from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, enum_field, id_field
from shared.schemas.enums import Language, Role


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: Role = enum_field(Role)
    supervisor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    # A creditor's user (``Role.creditor`` / ``creditor_admin``): whose portfolios they see,
    # and whether they may change those accounts or only read them.
    creditor_id: uuid.UUID | None = Field(default=None, foreign_key="creditors.id", index=True)
    can_write: bool = Field(default=False)
    language: Language = enum_field(Language, Language.es)
    is_active: bool = True
    # Part of every token issued to the user: raising it (password change, deactivation, role
    # change, bot credential rotation) makes every earlier access and refresh token stale.
    token_version: int = Field(default=0)
    # A login of the demo data (``cobro demo-data``): refused in production.
    is_demo: bool = Field(default=False)
    created_at: datetime = created_at_field()
