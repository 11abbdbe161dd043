"""Queries of the privacy domain: the read log, a data subject's records, and the set-based
statements that erase a page of debtors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    cast,
    delete,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlmodel import Session, SQLModel, col

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.conversations.models import Conversation, InboxMessage, VerificationFailure
from backend.core.db import UTCDateTime
from backend.core.pagination import keyset
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone, document_index
from backend.field.models import FieldNote, Visit
from backend.ledger.models import LedgerEntry
from backend.outbound.models import OutboxMessage
from backend.payments.models import Payment
from backend.plans.models import Plan, PlanInstalment
from backend.privacy.models import PersonalDataRead
from backend.promises.models import Promise
from backend.statements.models import BankStatement, StatementLine
from backend.tasks.models import Task
from shared.schemas.enums import AccountStatus, Channel, PlanStatus, TaskKind

# An account is closed (and its debtor's data only kept for the retention period) once paid or
# written off; active, in-plan and disputed accounts are still being collected.
CLOSED = (AccountStatus.paid, AccountStatus.written_off)
ERASED_NAME = "—"
ALL_CHANNELS = [channel.value for channel in Channel]


# --- the read log ----------------------------------------------------------------------------


def reads_page(
    session: Session,
    debtor_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    actor_id: uuid.UUID | None,
) -> list[PersonalDataRead]:
    query = select(PersonalDataRead).where(PersonalDataRead.debtor_id == debtor_id)
    if actor_id is not None:
        query = query.where(PersonalDataRead.actor_id == actor_id)
    return keyset(session, query, PersonalDataRead.id, after, limit, newest_first=True)


# --- a data subject's records ----------------------------------------------------------------


def lock_debtor(session: Session, debtor_id: uuid.UUID) -> Debtor | None:
    """The debtor, its row locked until the transaction ends (PostgreSQL; SQLite's write
    transaction holds the whole database), read afresh even if the session holds it (its
    guard loaded it before a concurrent erasure committed)."""
    query = (
        select(Debtor)
        .where(Debtor.id == debtor_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalars().first()


def rows_of(
    session: Session, model: type[SQLModel], where: ColumnElement[bool], *order: Any
) -> list[Any]:
    return list(session.execute(select(model).where(where).order_by(*order)).scalars())


def account_ids(session: Session, debtor_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(Account.id).where(Account.debtor_id == debtor_id).order_by(Account.id)
    return list(session.execute(query).scalars())


def debtor_records(session: Session, debtor_id: uuid.UUID) -> dict[str, list[Any]]:
    """Every row about the debtor, per section of the export, oldest first."""
    accounts = account_ids(session, debtor_id)
    of_accounts = col(Account.id).in_(accounts)
    plans = rows_of(session, Plan, col(Plan.account_id).in_(accounts), Plan.id)
    attempts = rows_of(
        session, ContactAttempt, ContactAttempt.debtor_id == debtor_id, ContactAttempt.at
    )
    return {
        "accounts": rows_of(session, Account, of_accounts, Account.id),
        "ledger": rows_of(
            session,
            LedgerEntry,
            col(LedgerEntry.account_id).in_(accounts),
            LedgerEntry.account_id,
            LedgerEntry.id,
        ),
        "payments": rows_of(session, Payment, col(Payment.account_id).in_(accounts), Payment.id),
        "promises": rows_of(session, Promise, col(Promise.account_id).in_(accounts), Promise.id),
        "plans": plans,
        "instalments": rows_of(
            session,
            PlanInstalment,
            col(PlanInstalment.plan_id).in_([p.id for p in plans]),
            PlanInstalment.plan_id,
            PlanInstalment.number,
        ),
        "contact_attempts": attempts,
        "visits": rows_of(session, Visit, col(Visit.account_id).in_(accounts), Visit.id),
        "field_notes": rows_of(
            session, FieldNote, col(FieldNote.account_id).in_(accounts), FieldNote.id
        ),
        "messages": rows_of(
            session,
            OutboxMessage,
            col(OutboxMessage.attempt_id).in_([a.id for a in attempts]),
            OutboxMessage.id,
        ),
        "conversations": bound_conversations(session, [debtor_id]),
    }


def debtor_events(session: Session, debtor_id: uuid.UUID) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == "debtor", AuditEvent.entity_id == str(debtor_id))
        .order_by(AuditEvent.id)
    )
    return list(session.execute(query).scalars())


def bound_conversations(session: Session, debtor_ids: Sequence[uuid.UUID]) -> list[Conversation]:
    """The chats bound to any of ``debtor_ids`` now (bindings last a day, so few are)."""
    if not debtor_ids:
        return []
    text = cast(Conversation.debtor_ids, String)
    query = (
        select(Conversation)
        .where(
            col(Conversation.bound_until).is_not(None),
            or_(*(text.contains(str(debtor_id)) for debtor_id in debtor_ids)),
        )
        .order_by(Conversation.id)
    )
    wanted = {str(debtor_id) for debtor_id in debtor_ids}
    return [c for c in session.execute(query).scalars() if wanted & set(c.debtor_ids)]


# --- erasure ---------------------------------------------------------------------------------


def open_accounts(session: Session, debtor_id: uuid.UUID) -> list[uuid.UUID]:
    """The debtor's accounts that still hold a claim: not closed, or with a balance left
    (written off), or with an active plan."""
    active_plan = exists().where(Plan.account_id == Account.id, Plan.status == PlanStatus.active)
    query = (
        select(Account.id)
        .where(
            Account.debtor_id == debtor_id,
            or_(
                col(Account.status).not_in(CLOSED),
                Account.balance_minor > 0,
                active_plan,
            ),
        )
        .order_by(Account.id)
    )
    return list(session.execute(query).scalars())


def erase(session: Session, debtor_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """Remove the personal data of ``debtor_ids``, in a few statements whatever their number:
    names become a placeholder, the national ID a stand-in unique per debtor (its own id),
    birth date, e-mails and search text are cleared, phones and addresses deleted, every
    channel opted out; their chats are unbound (a chat bound to no one else is deleted with its
    bookkeeping), the development outbox's copies of messages to them deleted, callback tasks
    lose the chat id, visits and field notes lose their free text, photos and coordinates,
    payments their coordinates and receipt photo, and bank statement lines their description
    and the debtors' names (``_scrub_statement_lines``). Accounts, ledger, payments, promises,
    plans and the contact log stay."""
    ids = list(debtor_ids)
    if not ids:
        return
    session.execute(
        sql_update(Debtor)
        .where(col(Debtor.id).in_(ids))
        .values(
            first_name=ERASED_NAME,
            last_name=None,
            company_name=case((col(Debtor.company_name).is_(None), None), else_=ERASED_NAME),
            birth_date=None,
            emails=[],
            preferred_channel=None,
            opt_outs=ALL_CHANNELS,
            search_text="",
            erased_at=now,
        )
    )
    # The document becomes the debtor's own id (unique, meaningless), sealed and indexed like
    # any document: ORM bulk update by primary key, so each value goes through its column type.
    placeholders = [
        {"id": i, "id_number": i.hex, "id_number_index": document_index(i.hex)} for i in ids
    ]
    session.execute(sql_update(Debtor), placeholders)
    session.execute(delete(DebtorPhone).where(col(DebtorPhone.debtor_id).in_(ids)))
    session.execute(delete(DebtorAddress).where(col(DebtorAddress.debtor_id).in_(ids)))
    _unbind_chats(session, ids)
    of_debtors = select(Account.id).where(col(Account.debtor_id).in_(ids))
    attempts = select(ContactAttempt.id).where(col(ContactAttempt.debtor_id).in_(ids))
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.attempt_id).in_(attempts)))
    session.execute(
        sql_update(Visit)
        .where(col(Visit.account_id).in_(of_debtors))
        .values(note=None, photo_ref=None, latitude=None, longitude=None, accuracy_m=None)
    )
    session.execute(
        sql_update(FieldNote).where(col(FieldNote.account_id).in_(of_debtors)).values(text="")
    )
    session.execute(  # where the debtor paid an agent, and the photo of the receipt
        sql_update(Payment)
        .where(col(Payment.account_id).in_(of_debtors))
        .values(photo_ref=None, latitude=None, longitude=None)
    )
    _scrub_statement_lines(session, ids, of_debtors)
    callbacks = select(Task).where(
        col(Task.account_id).in_(of_debtors), Task.kind == TaskKind.callback_request
    )
    for task in session.execute(callbacks).scalars():
        if "contact" in task.payload:
            task.payload = {k: v for k, v in task.payload.items() if k != "contact"}
            session.add(task)
    session.flush()


def _scrub_statement_lines(
    session: Session, ids: list[uuid.UUID], of_debtors: Select[tuple[uuid.UUID]]
) -> None:
    """Bank statement lines booked to the debtors' accounts lose their free text (the bank's
    description, which names the payer), and lines of any status lose the debtors' names
    among their match candidates; amounts, dates and the bank's reference stay."""
    session.execute(
        sql_update(StatementLine)
        .where(col(StatementLine.account_id).in_(of_debtors))
        .values(description="")
    )
    accounts = [str(a) for a in session.execute(of_debtors).scalars()]
    if not accounts:
        return
    portfolios = select(Debtor.portfolio_id).where(col(Debtor.id).in_(ids))
    candidates = cast(StatementLine.candidates, String)
    named = (
        select(StatementLine.id, StatementLine.candidates)
        .join(BankStatement, BankStatement.id == StatementLine.statement_id)
        .where(
            col(BankStatement.portfolio_id).in_(portfolios),
            or_(*(candidates.contains(f'"{account}"') for account in accounts)),
        )
    )
    gone = set(accounts)
    scrubbed = [
        {
            "id": line_id,
            "candidates": [
                {**c, "debtor_name": ERASED_NAME} if c.get("account_id") in gone else c
                for c in listed
            ],
        }
        for line_id, listed in session.execute(named)
    ]
    if scrubbed:
        session.execute(sql_update(StatementLine), scrubbed)


def _unbind_chats(session: Session, ids: list[uuid.UUID]) -> None:
    gone = {str(debtor_id) for debtor_id in ids}
    for chat in bound_conversations(session, ids):
        left = [d for d in chat.debtor_ids if d not in gone]
        if left:
            chat.debtor_ids = left
            session.add(chat)
            continue
        session.execute(
            delete(InboxMessage).where(
                InboxMessage.channel == chat.channel, InboxMessage.user_id == chat.user_id
            )
        )
        session.execute(
            delete(VerificationFailure).where(
                VerificationFailure.channel == chat.channel,
                VerificationFailure.user_id == chat.user_id,
            )
        )
        session.delete(chat)
    session.flush()


def due_for_erasure(
    session: Session,
    cutoffs: dict[str, datetime],
    default: datetime,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """Debtors not erased yet whose every account is closed (paid or written off), and who,
    like their accounts, have not changed since their country's cutoff (``now`` minus its
    retention years): an account's last change is when it closed, or later."""

    def instant(at: datetime) -> ColumnElement[datetime]:
        return literal(at, UTCDateTime())  # stored as the column stores it (UTC)

    cutoff = case(
        *((Portfolio.country == country, instant(at)) for country, at in cutoffs.items()),
        else_=instant(default),
    )
    still_open = exists().where(
        Account.debtor_id == Debtor.id,
        or_(col(Account.status).not_in(CLOSED), Account.updated_at >= cutoff),
    )
    query = (
        select(Debtor.id)
        .join(Portfolio, Portfolio.id == Debtor.portfolio_id)
        .where(col(Debtor.erased_at).is_(None), Debtor.updated_at < cutoff, ~still_open)
        .order_by(Debtor.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Debtor.id > after)
    return list(session.execute(query).scalars())


def countries_of(session: Session, debtor_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    query = (
        select(Debtor.id, Portfolio.country)
        .join(Portfolio, Portfolio.id == Debtor.portfolio_id)
        .where(col(Debtor.id).in_(debtor_ids))
    )
    return {debtor_id: country for debtor_id, country in session.execute(query)}
