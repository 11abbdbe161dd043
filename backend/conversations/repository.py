from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.conversations.models import (
    ChatLinkRedemption,
    Conversation,
    InboxMessage,
    VerificationFailure,
)
from backend.core.clock import utcnow
from backend.core.ids import uuid7
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor, DebtorPhone, document_index, phone_index
from backend.plans.models import Offer
from backend.tasks.models import Task
from shared.schemas.enums import AccountStatus, OfferStatus, TaskKind, TaskStatus


def conversation(
    session: Session, channel: str, user_id: str, *, lock: bool = False
) -> Conversation | None:
    query = select(Conversation).where(
        Conversation.channel == channel, Conversation.user_id == user_id
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def get_or_create(session: Session, channel: str, user_id: str) -> Conversation:
    """The chat's row, locked until commit (created first if new; a concurrent creator wins
    the unique constraint and its row is used)."""
    found = conversation(session, channel, user_id, lock=True)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(Conversation(channel=channel, user_id=user_id))
            session.flush()
    except IntegrityError:
        pass
    found = conversation(session, channel, user_id, lock=True)
    assert found is not None  # just created, by us or by a concurrent request
    return found


class Claim(NamedTuple):
    """Whether this worker answers the message, and the reply an earlier delivery of it stored
    when its send failed (send that again, do not answer anew)."""

    taken: bool
    reply: list[dict[str, Any]] | None = None


def claim_message(
    session: Session, channel: str, user_id: str, message_id: str, stale_before: datetime
) -> Claim:
    """Take the message: its first claim, a claim whose reply could not be sent (released), or
    a claim never settled and older than ``stale_before`` (the worker that took it died).

    The first claim is one ``INSERT .. ON CONFLICT DO NOTHING`` (a concurrent claim of the same
    message is waited for by the unique index, then loses); a retake locks the row, so of two
    redeliveries racing for a released reply one sends it."""
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert_(table)
        .values(
            id=uuid7(),
            channel=channel,
            user_id=user_id,
            message_id=message_id,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "user_id", "message_id"])
        .returning(table.c.id)
    )
    if session.execute(statement).first() is not None:
        return Claim(True)
    row = _inbox_row(session, channel, user_id, message_id)
    if row is None or row.done_at is not None:
        return Claim(False)
    if row.released_at is None and row.received_at > stale_before:
        return Claim(False)  # being answered by another worker
    row.received_at, row.released_at = utcnow(), None
    session.add(row)
    session.flush()
    return Claim(True, row.reply)


def redeem_link(
    session: Session,
    digest: str,
    channel: str,
    user_id: str,
    debtor_id: uuid.UUID,
    expires_at: datetime,
) -> tuple[str, str]:
    """The chat (channel, user id) that owns a chat link: this one when it is the first to use
    it. The first use is one ``INSERT .. ON CONFLICT DO NOTHING`` on the link's digest (a
    concurrent first use waits for the unique index, then loses and reads the winner's row)."""
    table = ChatLinkRedemption.__table__  # type: ignore[attr-defined]
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert_(table)
        .values(
            id=uuid7(),
            digest=digest,
            channel=channel,
            user_id=user_id,
            debtor_id=debtor_id,
            expires_at=expires_at,
            redeemed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(table.c.id)
    )
    if session.execute(statement).first() is not None:
        return channel, user_id
    query = select(ChatLinkRedemption.channel, ChatLinkRedemption.user_id).where(
        ChatLinkRedemption.digest == digest
    )
    owner = session.execute(query).one()
    return owner[0], owner[1]


def settle_message(
    session: Session,
    channel: str,
    user_id: str,
    message_id: str,
    delivered: bool,
    reply: list[dict[str, Any]] | None = None,
) -> None:
    """Delivered: the message is answered for good. Not delivered: keep the reply that could
    not be sent (given now, or stored by an earlier delivery) for the redelivery to send again;
    with no reply at all, release the claim (the row goes) so the redelivery runs the turn."""
    row = _inbox_row(session, channel, user_id, message_id)
    if row is None or row.done_at is not None:
        return
    if delivered:
        row.done_at = utcnow()
        session.add(row)
    elif reply is not None or row.reply is not None:
        row.reply = reply if reply is not None else row.reply
        row.released_at = utcnow()
        session.add(row)
    else:
        session.delete(row)
    session.flush()


def _inbox_row(
    session: Session, channel: str, user_id: str, message_id: str
) -> InboxMessage | None:
    query = (
        select(InboxMessage)
        .where(
            InboxMessage.channel == channel,
            InboxMessage.user_id == user_id,
            InboxMessage.message_id == message_id,
        )
        .with_for_update()
    )
    return session.execute(query).scalars().first()


def failures_of_chat(
    session: Session, channel: str, user_id: str, since: datetime
) -> list[datetime]:
    """When the chat's recent verification failures happened, newest first."""
    query = (
        select(VerificationFailure.at)
        .where(
            VerificationFailure.channel == channel,
            VerificationFailure.user_id == user_id,
            VerificationFailure.at >= since,
        )
        .order_by(col(VerificationFailure.at).desc())
    )
    return list(session.execute(query).scalars())


def failures_of_id(session: Session, id_key: str, since: datetime) -> list[datetime]:
    """When recent verification failures for one national ID happened (any chat), newest
    first."""
    query = (
        select(VerificationFailure.at)
        .where(VerificationFailure.id_key == id_key, VerificationFailure.at >= since)
        .order_by(col(VerificationFailure.at).desc())
    )
    return list(session.execute(query).scalars())


def clear_chat_failures(session: Session, channel: str, user_id: str) -> None:
    session.execute(
        delete(VerificationFailure).where(
            VerificationFailure.channel == channel, VerificationFailure.user_id == user_id
        )
    )


def debtors_by_id_number(session: Session, id_number: str, id_type: str | None) -> list[Debtor]:
    """Debtors holding this national ID in any portfolio (optionally of one document type)."""
    query = select(Debtor).where(Debtor.id_number_index == document_index(id_number))
    if id_type is not None:
        query = query.where(Debtor.id_type == id_type)
    return list(session.execute(query.order_by(col(Debtor.id))).scalars())


def phones_ending(session: Session, debtor_ids: Sequence[uuid.UUID], last4: str) -> set[uuid.UUID]:
    """The debtors among ``debtor_ids`` with a phone on file ending in ``last4`` (phones are
    sealed: the candidates' few phones are opened and compared here)."""
    if not debtor_ids:
        return set()
    query = select(DebtorPhone.debtor_id, DebtorPhone.e164).where(
        col(DebtorPhone.debtor_id).in_(debtor_ids)
    )
    return {debtor_id for debtor_id, e164 in session.execute(query) if e164.endswith(last4)}


def phone_holders(session: Session, debtor_ids: Sequence[uuid.UUID], e164: str) -> set[uuid.UUID]:
    """The debtors among ``debtor_ids`` with exactly this phone on file."""
    if not debtor_ids:
        return set()
    query = select(DebtorPhone.debtor_id).where(
        col(DebtorPhone.debtor_id).in_(debtor_ids), DebtorPhone.e164_index == phone_index(e164)
    )
    return set(session.execute(query).scalars())


def debtors_with_phone(session: Session, e164: str) -> list[uuid.UUID]:
    """Every debtor with this phone on file, in id order."""
    query = (
        select(DebtorPhone.debtor_id)
        .where(DebtorPhone.e164_index == phone_index(e164))
        .distinct()
        .order_by(DebtorPhone.debtor_id)
    )
    return list(session.execute(query).scalars())


def accounts_of(
    session: Session, debtor_ids: Sequence[uuid.UUID], statuses: Sequence[AccountStatus]
) -> list[tuple[Account, Portfolio, Creditor]]:
    """These debtors' accounts in ``statuses`` with their portfolio and creditor, oldest
    first."""
    if not debtor_ids:
        return []
    query = (
        select(Account, Portfolio, Creditor)
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .join(Creditor, Creditor.id == Portfolio.creditor_id)
        .where(col(Account.debtor_id).in_(debtor_ids), col(Account.status).in_(statuses))
        .order_by(col(Account.id))
    )
    return [(a, p, c) for a, p, c in session.execute(query).all()]


def account_context(
    session: Session, account_id: uuid.UUID
) -> tuple[Account, Portfolio, Creditor] | None:
    query = (
        select(Account, Portfolio, Creditor)
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .join(Creditor, Creditor.id == Portfolio.creditor_id)
        .where(Account.id == account_id)
    )
    row = session.execute(query).first()
    return (row[0], row[1], row[2]) if row else None


def open_offer_batch(
    session: Session, account_id: uuid.UUID, balance_minor: int, valid_after: datetime
) -> list[Offer]:
    """The account's newest batch of one-tap offers while all of it can still be accepted
    (open, for this balance, not expiring before ``valid_after``); empty otherwise."""
    newest = (
        select(Offer.batch_id)
        .where(Offer.account_id == account_id, col(Offer.batch_id).is_not(None))
        .order_by(col(Offer.created_at).desc(), col(Offer.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Offer)
        .where(Offer.account_id == account_id, Offer.batch_id == newest)
        .order_by(col(Offer.id))
    )
    rows = list(session.execute(query).scalars())
    usable = all(
        r.status == OfferStatus.open
        and r.balance_minor == balance_minor
        and r.expires_at > valid_after
        for r in rows
    )
    return rows if usable else []


def open_callback(session: Session, account_id: uuid.UUID) -> Task | None:
    """The account's callback request still waiting for a person, if any."""
    query = select(Task).where(
        Task.account_id == account_id,
        Task.kind == TaskKind.callback_request,
        Task.status == TaskStatus.open,
    )
    return session.execute(query).scalars().first()


def sample_debtor(session: Session, statuses: Sequence[AccountStatus]) -> tuple[Debtor, str] | None:
    """A person with an owing account in ``statuses`` and a phone: (debtor, phone)."""
    query = (
        select(Debtor, DebtorPhone.e164)
        .join(DebtorPhone, DebtorPhone.debtor_id == Debtor.id)
        .join(Account, Account.debtor_id == Debtor.id)
        .where(
            col(Account.status).in_(statuses),
            Account.balance_minor > 0,
            col(Debtor.first_name).is_not(None),
        )
        .order_by(col(Debtor.id))
        .limit(1)
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None
