from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.clock import utcnow
from backend.core.pagination import keyset
from backend.debtors.models import (
    Debtor,
    DebtorAddress,
    DebtorChannelBlock,
    DebtorChat,
    DebtorPhone,
    document_index,
)
from backend.debtors.search import matches
from shared.schemas.enums import Channel


def by_national_id(
    session: Session, portfolio_id: uuid.UUID, id_type: str, id_number: str
) -> Debtor | None:
    query = select(Debtor).where(
        Debtor.portfolio_id == portfolio_id,
        Debtor.id_type == id_type,
        Debtor.id_number_index == document_index(id_number),
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
    keys: list[str],
) -> list[Debtor]:
    """The debtors the caller may see (``visible`` is ``scope.debtor_visibility``); ``text``
    matches names, ``keys`` documents and phones (``backend.debtors.search``)."""
    query = select(Debtor).where(visible)
    if portfolio_id:
        query = query.where(Debtor.portfolio_id == portfolio_id)
    if text:
        query = query.where(
            or_(col(Debtor.search_text).contains(text, autoescape=True), matches(keys))
        )
    return keyset(session, query, Debtor.id, after, limit)


def visible_one(
    session: Session, debtor_id: uuid.UUID, visible: ColumnElement[bool]
) -> Debtor | None:
    """The debtor when one of their accounts is ``visible``."""
    query = select(Debtor).where(
        Debtor.id == debtor_id, exists().where(Account.debtor_id == Debtor.id, visible)
    )
    return session.execute(query).scalars().first()


def chat(
    session: Session, debtor_id: uuid.UUID, channel: Channel, *, lock: bool = False
) -> DebtorChat | None:
    query = select(DebtorChat).where(
        DebtorChat.debtor_id == debtor_id, DebtorChat.channel == channel
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def put_chat(
    session: Session, debtor_id: uuid.UUID, channel: Channel, chat_id: str
) -> tuple[bool, str | None]:
    """Make ``chat_id`` the debtor's chat on ``channel``: (changed, the chat it replaced). A
    concurrent first link of the same debtor loses the unique constraint and updates the
    winner's row instead."""
    found = chat(session, debtor_id, channel, lock=True)
    if found is None:
        try:
            with session.begin_nested():
                session.add(DebtorChat(debtor_id=debtor_id, channel=channel, chat_id=chat_id))
                session.flush()
            return True, None
        except IntegrityError:
            found = chat(session, debtor_id, channel, lock=True)
            assert found is not None  # inserted by the concurrent linker
    if found.chat_id == chat_id:
        return False, None
    previous, found.chat_id, found.linked_at = found.chat_id, chat_id, utcnow()
    session.add(found)
    session.flush()
    return True, previous


def drop_chat(session: Session, debtor_id: uuid.UUID, channel: Channel) -> str | None:
    """Remove the debtor's chat on ``channel``; the chat id it was, if there was one."""
    found = chat(session, debtor_id, channel, lock=True)
    if found is None:
        return None
    session.delete(found)
    session.flush()
    return found.chat_id


def debtors_of_chat(session: Session, channel: Channel, chat_id: str) -> list[uuid.UUID]:
    """The debtors whose chat on ``channel`` is ``chat_id``, in id order."""
    query = (
        select(DebtorChat.debtor_id)
        .where(DebtorChat.channel == channel, DebtorChat.chat_id == chat_id)
        .order_by(col(DebtorChat.debtor_id))
    )
    return list(session.execute(query).scalars())


def put_block(
    session: Session, debtor_id: uuid.UUID, channel: Channel, chat_id: str, reason: str
) -> bool:
    """Record that ``channel`` cannot reach the debtor (through ``chat_id``); False when it was
    already recorded. A concurrent first record loses the unique constraint and keeps the
    winner's."""
    query = select(DebtorChannelBlock).where(
        DebtorChannelBlock.debtor_id == debtor_id, DebtorChannelBlock.channel == channel
    )
    if session.execute(query.with_for_update()).scalars().first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                DebtorChannelBlock(
                    debtor_id=debtor_id, channel=channel, chat_id=chat_id, reason=reason
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def drop_block(session: Session, debtor_id: uuid.UUID, channel: Channel, chat_id: str) -> bool:
    """Forget that ``chat_id`` could not reach the debtor on ``channel``."""
    result = session.execute(
        delete(DebtorChannelBlock).where(
            DebtorChannelBlock.debtor_id == debtor_id,
            DebtorChannelBlock.channel == channel,
            DebtorChannelBlock.chat_id == chat_id,
        )
    )
    return bool(result.rowcount)
