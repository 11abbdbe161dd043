from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, select
from sqlmodel import Session, col

from backend.core.pagination import keyset
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone


def by_national_id(
    session: Session, portfolio_id: uuid.UUID, id_type: str, id_number: str
) -> Debtor | None:
    query = select(Debtor).where(
        Debtor.portfolio_id == portfolio_id,
        Debtor.id_type == id_type,
        Debtor.id_number == id_number,
    )
    return session.exec(query).scalars().first()  # type: ignore[call-overload]


def is_visible(session: Session, debtor_id: uuid.UUID, visible: ColumnElement[bool]) -> bool:
    query = select(Debtor.id).where(Debtor.id == debtor_id, visible)
    return session.execute(query).first() is not None


def phones_of(session: Session, debtor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    ids = list(debtor_ids)
    if not ids:
        return found
    query = (
        select(DebtorPhone.debtor_id, DebtorPhone.e164)
        .where(col(DebtorPhone.debtor_id).in_(ids))
        .order_by(DebtorPhone.debtor_id, DebtorPhone.position)
    )
    for debtor_id, e164 in session.execute(query):
        found[debtor_id].append(e164)
    return found


def addresses_of(
    session: Session, debtor_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[DebtorAddress]]:
    found: dict[uuid.UUID, list[DebtorAddress]] = defaultdict(list)
    ids = list(debtor_ids)
    if not ids:
        return found
    query = (
        select(DebtorAddress)
        .where(col(DebtorAddress.debtor_id).in_(ids))
        .order_by(DebtorAddress.debtor_id, DebtorAddress.position)
    )
    for address in session.execute(query).scalars():
        found[address.debtor_id].append(address)
    return found


def replace_phones(session: Session, debtor_id: uuid.UUID, phones: list[str]) -> None:
    session.execute(delete(DebtorPhone).where(DebtorPhone.debtor_id == debtor_id))
    for position, e164 in enumerate(phones):
        session.add(DebtorPhone(debtor_id=debtor_id, e164=e164, position=position))


def replace_addresses(
    session: Session, debtor_id: uuid.UUID, addresses: list[DebtorAddress]
) -> None:
    session.execute(delete(DebtorAddress).where(DebtorAddress.debtor_id == debtor_id))
    for position, address in enumerate(addresses):
        address.debtor_id = debtor_id
        address.position = position
        session.add(address)


def page(
    session: Session,
    *,
    visible: ColumnElement[bool],
    after: uuid.UUID | None,
    limit: int,
    portfolio_id: uuid.UUID | None,
    text: str | None,
) -> list[Debtor]:
    """The debtors the caller may see (``visible`` is ``scope.debtor_visibility``)."""
    query = select(Debtor).where(visible)
    if portfolio_id:
        query = query.where(Debtor.portfolio_id == portfolio_id)
    if text:
        query = query.where(col(Debtor.search_text).contains(text, autoescape=True))
    return keyset(session, query, Debtor.id, after, limit)
