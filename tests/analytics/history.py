"""A synthetic history with every KPI worked out by hand (``docs/analytics.md`` shows the
arithmetic). Rows are written directly, with the dates the story needs.

Portfolio P (PEN, Lima). Supervisor S leads agents A1 and A2; supervisor S2 leads B1.

| account | agent | arrived | charge (effective) | due   | payments (effective)                 |
|---------|-------|---------|--------------------|-------|--------------------------------------|
| acc1    | A1    | 01-05   | 10,000 (01-10)     | 01-10 | 1,000 link 03-10, reversed 03-11     |
| acc2    | A1    | 01-05   | 20,000 (01-20)     | 01-20 | 20,000 field by A1 02-15             |
| acc3    | A2    | 02-03   | 30,000 (02-10)     | 02-10 | 10,000 bank statement 03-05          |
| acc4    | A2    | 02-01   | 40,000 (02-01)     | 03-15 | 5,000 chat link 03-20                |
| acc5    | B1    | 01-05   | 50,000 (01-15)     | 01-15 |                                      |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.conversations.models import Conversation, InboxMessage
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.field.models import LocationPing, Visit
from backend.ledger import service as ledger
from backend.payments.models import Payment, PaymentLink
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from backend.users.models import User
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import (
    ActionChannel,
    Channel,
    EntryKind,
    InstalmentStatus,
    LinkPurpose,
    LinkStatus,
    PaymentMethod,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    Role,
)
from shared.schemas.field import VisitOutcome
from tests import builders as b

Y = 2026


def d(month: int, day: int) -> date:
    return date(Y, month, day)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(Y, month, day, hour, minute, tzinfo=UTC)


@dataclass
class History:
    portfolio: Portfolio
    admin: User
    s: User
    a1: User
    a2: User
    s2: User
    b1: User
    acc: dict[int, Account]

    def ids(self, *numbers: int) -> set[uuid.UUID]:
        return {self.acc[n].id for n in numbers}


def _account(
    session: Session, p: Portfolio, agent: User, arrived: date, charge: int, on: date, due: date
) -> Account:
    row = b.account(session, p, agent=agent, principal=0, due_date=due)
    row.principal_minor = charge
    row.created_at = datetime.combine(arrived, datetime.min.time(), UTC)
    session.add(row)
    session.flush()
    b.ledger_entry(session, row, EntryKind.charge, charge, effective_date=on)
    return row


def _pay(
    session: Session,
    account: Account,
    amount: int,
    on: date,
    method: PaymentMethod,
    *,
    agent: User | None = None,
    link_by: str | None = None,
) -> Payment:
    entry = b.ledger_entry(session, account, EntryKind.payment, amount, effective_date=on)
    link = None
    if link_by is not None:
        link = PaymentLink(
            account_id=account.id,
            purpose=LinkPurpose.balance,
            amount_minor=amount,
            currency=account.currency,
            provider="builtin",
            token=uuid.uuid4().hex,
            status=LinkStatus.paid,
            created_by_kind=link_by,
            expires_at=at(12, 31),
        )
        session.add(link)
        session.flush()
    row = Payment(
        account_id=account.id,
        ledger_entry_id=entry.id,
        link_id=link.id if link else None,
        method=method,
        amount_minor=amount,
        currency=account.currency,
        paid_on=on,
        agent_id=agent.id if agent else None,
    )
    session.add(row)
    session.flush()
    return row


def _promise(
    session: Session,
    account: Account,
    by: User,
    amount: int,
    made: datetime,
    status: PromiseStatus,
    paid: int = 0,
) -> None:
    session.add(
        Promise(
            account_id=account.id,
            amount_minor=amount,
            currency=account.currency,
            due_date=made.date() + timedelta(days=7),
            channel=ActionChannel.agent,
            recorded_by_kind="agent",
            recorded_by_id=by.id,
            status=status,
            paid_minor=paid,
            created_at=made,
        )
    )
    session.flush()


def _plan(
    session: Session,
    account: Account,
    made: datetime,
    status: PlanStatus,
    instalments: list[tuple[date, InstalmentStatus]],
) -> None:
    plan = Plan(
        account_id=account.id,
        kind=PlanKind.instalments,
        status=status,
        currency=account.currency,
        balance_at_agreement_minor=account.principal_minor,
        total_minor=account.principal_minor,
        created_at=made,
    )
    session.add(plan)
    session.flush()
    for number, (due, state) in enumerate(instalments, start=1):
        session.add(
            PlanInstalment(
                plan_id=plan.id, number=number, due_date=due, amount_minor=1_000, status=state
            )
        )
    session.flush()


def _visit(
    session: Session,
    agent: User,
    account: Account,
    start: datetime,
    minutes: int | None,
    outcome: VisitOutcome,
    far: bool = False,
) -> None:
    session.add(
        Visit(
            client_id=uuid.uuid4().hex,
            agent_id=agent.id,
            account_id=account.id,
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=minutes) if minutes is not None else None,
            outcome=outcome,
            far=far,
        )
    )
    session.flush()


def _attempt(
    session: Session,
    account: Account,
    channel: Channel,
    step: str,
    when: datetime,
    status: AttemptStatus,
) -> None:
    session.add(
        ContactAttempt(
            key=uuid.uuid4().hex,
            portfolio_id=account.portfolio_id,
            debtor_id=account.debtor_id,
            account_id=account.id,
            channel=channel,
            source="reminder",
            at=when,
            status=status,
            step=step,
        )
    )
    session.flush()


def build(session: Session) -> History:
    p = b.portfolio(session)
    admin = b.user(session, Role.admin)
    s = b.user(session, Role.supervisor)
    a1 = b.user(session, Role.agent, supervisor=s, full_name="Ana Uno")
    a2 = b.user(session, Role.agent, supervisor=s, full_name="Beto Dos")
    s2 = b.user(session, Role.supervisor)
    b1 = b.user(session, Role.agent, supervisor=s2, full_name="Carla Tres")
    acc = {
        1: _account(session, p, a1, d(1, 5), 10_000, d(1, 10), d(1, 10)),
        2: _account(session, p, a1, d(1, 5), 20_000, d(1, 20), d(1, 20)),
        3: _account(session, p, a2, d(2, 3), 30_000, d(2, 10), d(2, 10)),
        4: _account(session, p, a2, d(2, 1), 40_000, d(2, 1), d(3, 15)),
        5: _account(session, p, b1, d(1, 5), 50_000, d(1, 15), d(1, 15)),
    }
    h = History(p, admin, s, a1, a2, s2, b1, acc)

    # Payments: field, bank statement, chat, and a link payment reversed the next day.
    _pay(session, acc[2], 20_000, d(2, 15), PaymentMethod.cash, agent=a1)
    _pay(session, acc[3], 10_000, d(3, 5), PaymentMethod.bank_statement)
    _pay(session, acc[4], 5_000, d(3, 20), PaymentMethod.online, link_by="bot")
    undone = _pay(session, acc[1], 1_000, d(3, 10), PaymentMethod.online, link_by="agent")
    ledger.reverse(
        session,
        b.SYSTEM,
        undone.ledger_entry_id,
        idempotency_key="undo",
        source="test",
        effective_date=d(3, 11),
    )

    _promise(session, acc[1], a1, 5_000, at(1, 20), PromiseStatus.kept, 5_000)
    _promise(session, acc[1], a1, 6_000, at(2, 5), PromiseStatus.broken)
    _promise(session, acc[3], a2, 8_000, at(2, 20), PromiseStatus.partially_kept, 3_000)
    _promise(session, acc[3], a2, 9_000, at(1, 25), PromiseStatus.superseded)
    _promise(session, acc[5], b1, 7_000, at(3, 1), PromiseStatus.open)

    paid, missed, pending = InstalmentStatus.paid, InstalmentStatus.missed, InstalmentStatus.pending
    _plan(
        session,
        acc[3],
        at(2, 21),
        PlanStatus.active,
        [(d(3, 1), paid), (d(3, 15), paid), (d(3, 29), missed), (d(4, 12), pending)],
    )
    _plan(
        session,
        acc[4],
        at(3, 1),
        PlanStatus.broken,
        [(d(3, 5), missed), (d(3, 19), missed), (d(4, 2), pending)],
    )
    _plan(session, acc[1], at(2, 2), PlanStatus.cancelled, [(d(2, 10), missed)])

    _visit(session, a1, acc[1], at(2, 1, 10), 30, VisitOutcome.promise)
    _visit(session, a1, acc[2], at(2, 15, 11), 20, VisitOutcome.paid, far=True)
    _visit(session, a1, acc[1], at(3, 1, 9), None, VisitOutcome.not_home)
    _visit(session, a2, acc[3], at(2, 20, 15), 45, VisitOutcome.refused)
    for minute, (lat, lon) in enumerate([(0.0, 0.0), (0.0, 0.01), (0.01, 0.01)]):
        session.add(
            LocationPing(
                agent_id=a1.id, recorded_at=at(2, 1, 8, minute), latitude=lat, longitude=lon
            )
        )
    session.flush()

    wa, sms = Channel.whatsapp, Channel.sms
    _attempt(session, acc[1], wa, "d1", at(3, 2), AttemptStatus.read)
    _attempt(session, acc[3], wa, "d1", at(3, 1), AttemptStatus.delivered)
    _attempt(session, acc[4], wa, "d1", at(3, 15), AttemptStatus.sent)
    _attempt(session, acc[2], wa, "d1", at(3, 1), AttemptStatus.failed)
    _attempt(session, acc[1], sms, "d3", at(3, 5), AttemptStatus.sent)
    # acc1's debtor answers on WhatsApp the next day; acc4's opts out of WhatsApp.
    session.add(
        Conversation(channel="whatsapp", user_id="51911", debtor_ids=[str(acc[1].debtor_id)])
    )
    session.add(
        InboxMessage(channel="whatsapp", user_id="51911", message_id="m1", received_at=at(3, 3))
    )
    debtor4 = session.get(Debtor, acc[4].debtor_id)
    assert debtor4 is not None
    debtor4.opt_outs = ["whatsapp"]
    session.add(debtor4)
    session.add(
        AuditEvent(
            at=at(3, 16),
            action="debtor.updated",
            entity_type="debtor",
            entity_id=str(debtor4.id),
            after={"opt_outs": ["whatsapp"]},
        )
    )
    session.flush()
    return h
