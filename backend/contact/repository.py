"""Every query of the contact domain."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.contact.policy import Attempt
from backend.core.pagination import keyset
from backend.debtors.models import (
    Debtor,
    DebtorAddress,
    DebtorChannelBlock,
    DebtorChat,
    DebtorPhone,
)
from shared.schemas.contact import COUNTED_STATUSES
from shared.schemas.enums import AccountStatus, Channel

CHANNEL_VALUES = frozenset(c.value for c in Channel)


def by_key(session: Session, key: str) -> ContactAttempt | None:
    return session.execute(
        select(ContactAttempt).where(ContactAttempt.key == key)
    ).scalar_one_or_none()


def lock_debtor(session: Session, debtor_id: uuid.UUID) -> Debtor | None:
    """The debtor, locked until the transaction ends, so deciding and recording a contact
    with them is one step for concurrent workers (SQLite's write transactions are already
    serial: ``BEGIN IMMEDIATE``). Read afresh, whatever the session held of it before."""
    query = select(Debtor).where(Debtor.id == debtor_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def histories(
    session: Session, debtor_ids: set[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[Attempt]]:
    """The contacts each debtor had or will have in [start, end), on every channel."""
    found: dict[uuid.UUID, list[Attempt]] = defaultdict(list)
    if not debtor_ids:
        return found
    query = select(
        ContactAttempt.debtor_id, ContactAttempt.at, ContactAttempt.channel, ContactAttempt.outcome
    ).where(
        col(ContactAttempt.debtor_id).in_(debtor_ids),
        ContactAttempt.at >= start,
        ContactAttempt.at < end,
        col(ContactAttempt.status).in_(COUNTED_STATUSES),
    )
    for debtor_id, at, channel, outcome in session.execute(query):
        found[debtor_id].append(Attempt(at, Channel(channel), outcome))
    return found


def disputed(session: Session, debtor_id: uuid.UUID, account_id: uuid.UUID | None) -> bool:
    """Whether the account named (else any account of the debtor) is in dispute."""
    query = select(Account.id).where(
        Account.debtor_id == debtor_id, Account.status == AccountStatus.disputed
    )
    if account_id is not None:
        query = query.where(Account.id == account_id)
    return session.execute(query.limit(1)).first() is not None


def insert_new(session: Session, values: dict[str, object]) -> bool:
    """Insert one attempt unless its key exists; whether it was inserted."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = ContactAttempt.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def of_account(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[ContactAttempt]:
    """The account's contacts, newest logged first."""
    query = select(ContactAttempt).where(ContactAttempt.account_id == account_id)
    return keyset(session, query, ContactAttempt.id, after, limit, newest_first=True)


def lock_debtors(session: Session, debtor_ids: list[uuid.UUID]) -> None:
    """Lock many debtors' rows in id order (so two planners cannot deadlock), as
    :func:`lock_debtor` does for one."""
    if session.get_bind().dialect.name != "postgresql" or not debtor_ids:
        return
    for chunk in _chunks(sorted(debtor_ids)):
        session.execute(
            select(Debtor.id).where(col(Debtor.id).in_(chunk)).order_by(Debtor.id).with_for_update()
        ).all()


def consent_facts(
    session: Session, debtor_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[frozenset[Channel], frozenset[Channel]]]:
    """Each debtor's (reachable channels, opted-out channels), in six queries per 1,000. A
    phone reaches WhatsApp, SMS and calls, an address visits, an e-mail address e-mail, and a
    chat the debtor verified (``debtor_chats``) its channel (Telegram); a channel the platform
    refused to deliver on (``debtor_channel_blocks``) reaches nobody until they write on it."""
    found: dict[uuid.UUID, tuple[frozenset[Channel], frozenset[Channel]]] = {}
    for chunk in _chunks(debtor_ids):
        phones = set(
            session.execute(
                select(DebtorPhone.debtor_id).where(col(DebtorPhone.debtor_id).in_(chunk))
            ).scalars()
        )
        chats: dict[uuid.UUID, set[Channel]] = defaultdict(set)
        for debtor_id, channel in session.execute(
            select(DebtorChat.debtor_id, DebtorChat.channel).where(
                col(DebtorChat.debtor_id).in_(chunk)
            )
        ):
            chats[debtor_id].add(channel)
        addresses = set(
            session.execute(
                select(DebtorAddress.debtor_id).where(col(DebtorAddress.debtor_id).in_(chunk))
            ).scalars()
        )
        blocked: dict[uuid.UUID, set[Channel]] = defaultdict(set)
        for debtor_id, channel in session.execute(
            select(DebtorChannelBlock.debtor_id, DebtorChannelBlock.channel).where(
                col(DebtorChannelBlock.debtor_id).in_(chunk)
            )
        ):
            blocked[debtor_id].add(channel)
        rows = session.execute(
            select(Debtor.id, Debtor.emails, Debtor.opt_outs).where(col(Debtor.id).in_(chunk))
        )
        for debtor_id, emails, opt_outs in rows:
            reachable = set(chats.get(debtor_id, ()))
            if debtor_id in phones:
                reachable |= {Channel.phone, Channel.sms, Channel.whatsapp}
            if debtor_id in addresses:
                reachable.add(Channel.visit)
            if emails:
                reachable.add(Channel.email)
            reachable -= blocked.get(debtor_id, set())
            opted = frozenset(Channel(c) for c in opt_outs or () if c in CHANNEL_VALUES)
            found[debtor_id] = (frozenset(reachable), opted)
    return found


def insert_many(session: Session, rows: list[dict[str, object]]) -> list[uuid.UUID]:
    """Insert attempts whose keys are new (one executemany); the ids of those inserted."""
    if not rows:
        return []
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = ContactAttempt.__table__
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    return list(session.execute(statement, rows).scalars())


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        query = select(ContactAttempt.key).where(col(ContactAttempt.key).in_(chunk))
        found |= set(session.execute(query).scalars())
    return found


def _chunks(items: list, size: int = 1000) -> list[list]:  # type: ignore[type-arg]
    return [items[i : i + size] for i in range(0, len(items), size)]
