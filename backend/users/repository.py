from __future__ import annotations

import uuid

from sqlmodel import Session, select

from backend.core.pagination import keyset
from backend.users.models import User
from shared.schemas.enums import Role


def by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def page(
    session: Session,
    *,
    after: uuid.UUID | None,
    limit: int,
    role: Role | None = None,
    supervisor_id: uuid.UUID | None = None,
    creditor_id: uuid.UUID | None = None,
) -> list[User]:
    query = select(User)
    if role:
        query = query.where(User.role == role)
    if supervisor_id:
        query = query.where(User.supervisor_id == supervisor_id)
    if creditor_id:
        query = query.where(User.creditor_id == creditor_id)
    return keyset(session, query, User.id, after, limit)
