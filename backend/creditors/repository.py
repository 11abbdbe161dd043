from __future__ import annotations

import uuid

from sqlmodel import Session, select

from backend.core.pagination import keyset
from backend.creditors.models import Creditor, Portfolio


def creditors_page(
    session: Session, *, after: uuid.UUID | None, limit: int, only: uuid.UUID | None = None
) -> list[Creditor]:
    query = select(Creditor)
    if only is not None:
        query = query.where(Creditor.id == only)
    return keyset(session, query, Creditor.id, after, limit)


def creditor_by_name(session: Session, name: str) -> Creditor | None:
    return session.exec(select(Creditor).where(Creditor.name == name)).first()


def portfolios_page(
    session: Session, *, after: uuid.UUID | None, limit: int, creditor_id: uuid.UUID | None
) -> list[Portfolio]:
    query = select(Portfolio)
    if creditor_id:
        query = query.where(Portfolio.creditor_id == creditor_id)
    return keyset(session, query, Portfolio.id, after, limit)


def timezones(session: Session) -> dict[uuid.UUID, str]:
    return {pid: tz for pid, tz in session.exec(select(Portfolio.id, Portfolio.timezone))}
