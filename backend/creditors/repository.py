from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from backend.creditors.models import Creditor, Portfolio


def creditors_page(session: Session, *, after: uuid.UUID | None, limit: int) -> list[Creditor]:
    query = select(Creditor).order_by(col(Creditor.id))
    if after:
        query = query.where(Creditor.id > after)
    return list(session.exec(query.limit(limit + 1)))


def creditor_by_name(session: Session, name: str) -> Creditor | None:
    return session.exec(select(Creditor).where(Creditor.name == name)).first()


def portfolios_page(
    session: Session, *, after: uuid.UUID | None, limit: int, creditor_id: uuid.UUID | None
) -> list[Portfolio]:
    query = select(Portfolio).order_by(col(Portfolio.id))
    if after:
        query = query.where(Portfolio.id > after)
    if creditor_id:
        query = query.where(Portfolio.creditor_id == creditor_id)
    return list(session.exec(query.limit(limit + 1)))


def timezones(session: Session) -> dict[uuid.UUID, str]:
    return {pid: tz for pid, tz in session.exec(select(Portfolio.id, Portfolio.timezone))}
