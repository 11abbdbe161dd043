"""Agent and channel KPI queries, as fact queries like ``repository``'s: one row per account
and figure, grouped for the figure and filtered for the accounts behind it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String as SAString
from sqlalchemy import and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from backend.accounts.models import Account
from backend.analytics.filters import Filters
from backend.analytics.repository import not_reversed
from backend.analytics.sql import metres, plus_days, seconds_between
from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.conversations.models import Conversation, InboxMessage
from backend.core.sqlbuild import local_date, uuid_text
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.field.models import LocationPing, Visit
from backend.payments.models import Payment
from backend.users.models import User
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Role
from shared.schemas.field import VisitOutcome

# Outcomes in which the agent spoke with the debtor.
CONTACT_OUTCOMES = (
    VisitOutcome.paid,
    VisitOutcome.promise,
    VisitOutcome.plan_agreed,
    VisitOutcome.refused,
)
SENT = (AttemptStatus.sent, AttemptStatus.delivered, AttemptStatus.read)
DELIVERED = (AttemptStatus.delivered, AttemptStatus.read)
WINDOW_DAYS = 7  # a reply, payment or opt-out counts for a message this many days after it


def agents(session: Session, f: Filters) -> list[tuple[uuid.UUID, str]]:
    """The agents in reach, by name."""
    query = (
        select(User.id, User.full_name)
        .where(User.role == Role.agent, *f.agents(User.id))
        .order_by(User.full_name, User.id)
    )
    return [(i, n) for i, n in session.execute(query)]


def visit_facts(f: Filters) -> Any:
    """Visits checked in during the window by agents in reach, on accounts of the portfolios
    asked for."""
    query = select(
        Visit.account_id,
        Visit.agent_id,
        Visit.checked_in_at,
        case((Visit.far, 1), else_=0).label("far"),
        case((Visit.outcome.in_(CONTACT_OUTCOMES), 1), else_=0).label("contact"),
        func.coalesce(seconds_between(Visit.checked_out_at, Visit.checked_in_at), 0).label(
            "stop_seconds"
        ),
    ).where(*f.agents(Visit.agent_id), *f.on(Visit.checked_in_at))
    return f.reach(query, Visit.account_id, by_agent=False)


def visits(session: Session, f: Filters) -> dict[uuid.UUID, tuple[int, int, int, float]]:
    """Per agent: (visits, far from the address, contacts, seconds at stops)."""
    facts = visit_facts(f).subquery()
    query = select(
        facts.c.agent_id,
        func.count(),
        func.sum(facts.c.far),
        func.sum(facts.c.contact),
        func.sum(facts.c.stop_seconds),
    ).group_by(facts.c.agent_id)
    return {
        a: (int(n), int(far), int(c), float(s or 0)) for a, n, far, c, s in session.execute(query)
    }


def route_metres(session: Session, f: Filters) -> dict[uuid.UUID, int]:
    """Per agent: the length of the path through their location fixes in the window."""
    previous = select(
        LocationPing.agent_id,
        LocationPing.latitude,
        LocationPing.longitude,
        func.lag(LocationPing.latitude)
        .over(partition_by=LocationPing.agent_id, order_by=LocationPing.recorded_at)
        .label("lat0"),
        func.lag(LocationPing.longitude)
        .over(partition_by=LocationPing.agent_id, order_by=LocationPing.recorded_at)
        .label("lon0"),
    ).where(*f.agents(LocationPing.agent_id), *f.on(LocationPing.recorded_at))
    legs = previous.subquery()
    query = (
        select(
            legs.c.agent_id,
            func.sum(metres(legs.c.lat0, legs.c.lon0, legs.c.latitude, legs.c.longitude)),
        )
        .where(legs.c.lat0.is_not(None))
        .group_by(legs.c.agent_id)
    )
    return {a: round(m or 0) for a, m in session.execute(query)}


def route_days(f: Filters) -> Any:
    """Per agent and UTC day of the window: the metres of the path through that day's fixes
    and its first and last fix (``route_metres`` is these days' metres plus the legs from
    each day's last fix to the next day's first)."""
    day = local_date(LocationPing.recorded_at, literal("UTC"))
    order = {"partition_by": (LocationPing.agent_id, day), "order_by": LocationPing.recorded_at}
    fixes = (
        select(
            LocationPing.agent_id,
            day.label("day"),
            LocationPing.latitude,
            LocationPing.longitude,
            func.lag(LocationPing.latitude).over(**order).label("lat0"),
            func.lag(LocationPing.longitude).over(**order).label("lon0"),
            func.row_number().over(**order).label("first"),
            func.row_number()
            .over(partition_by=order["partition_by"], order_by=LocationPing.recorded_at.desc())
            .label("last"),
        )
        .where(*f.agents(LocationPing.agent_id), *f.on(LocationPing.recorded_at))
        .subquery()
    )

    def at(which: str, column: Any) -> Any:
        return func.max(case((fixes.c[which] == 1, column), else_=None))

    return select(
        fixes.c.agent_id,
        fixes.c.day,
        func.coalesce(
            func.sum(metres(fixes.c.lat0, fixes.c.lon0, fixes.c.latitude, fixes.c.longitude)), 0
        ).label("metres"),
        at("first", fixes.c.latitude).label("first_lat"),
        at("first", fixes.c.longitude).label("first_lon"),
        at("last", fixes.c.latitude).label("last_lat"),
        at("last", fixes.c.longitude).label("last_lon"),
    ).group_by(fixes.c.agent_id, fixes.c.day)


def collected_by_agent(session: Session, f: Filters) -> list[tuple[uuid.UUID, str, int]]:
    """(agent, currency, amount) of the payments agents took in the window."""
    query = f.reach(
        select(Payment.agent_id, Payment.currency, func.sum(Payment.amount_minor)).where(
            Payment.agent_id.is_not(None),
            *f.agents(Payment.agent_id),
            *f.between(Payment.paid_on),
            not_reversed(),
        ),
        Payment.account_id,
        by_agent=False,
    ).group_by(Payment.agent_id, Payment.currency)
    return [(a, c, int(s)) for a, c, s in session.execute(query)]


def _sent(f: Filters, attempt: Any) -> list[Any]:
    """Reminders sent in the window (of any account: the outer query applies the reach)."""
    return [
        attempt.source == "reminder",
        attempt.status.in_(SENT),
        *f.on(attempt.at),
    ]


def attempt_facts(f: Filters) -> Any:
    """Reminders sent in the window on accounts in reach, with what followed each within
    ``WINDOW_DAYS``: delivered, read, a reply (a chat message from a chat bound to the
    debtor, on the channel), a payment (received on the account, not reversed), an opt-out
    (the debtor is opted out of the channel and their opt-outs changed in that time).

    Each follow-up is the set of reminders it happened to, selected once for the window
    (one hashed set each, not a lookup per reminder)."""
    a = aliased(ContactAttempt)
    until = plus_days(a.at, literal(WINDOW_DAYS))
    debtor_text = uuid_text(a.debtor_id)
    replied = (
        select(a.id)
        .join(
            Conversation,
            and_(
                Conversation.channel == cast(a.channel, SAString()),
                cast(Conversation.debtor_ids, SAString()).contains(debtor_text),
            ),
        )
        .join(
            InboxMessage,
            and_(
                InboxMessage.channel == Conversation.channel,
                InboxMessage.user_id == Conversation.user_id,
            ),
        )
        .where(*_sent(f, a), InboxMessage.received_at >= a.at, InboxMessage.received_at < until)
    )
    owner = aliased(Account)
    home = aliased(Portfolio)
    paid = (
        select(a.id)
        .join(owner, owner.id == a.account_id)
        .join(home, home.id == owner.portfolio_id)
        .join(Payment, Payment.account_id == a.account_id)
        .where(
            *_sent(f, a),
            Payment.paid_on >= local_date(a.at, home.timezone),
            Payment.paid_on <= local_date(until, home.timezone),
            not_reversed(),
        )
    )
    opted_out = (
        select(a.id)
        .join(Debtor, Debtor.id == a.debtor_id)
        .join(AuditEvent, AuditEvent.entity_id == debtor_text)
        .where(
            *_sent(f, a),
            cast(Debtor.opt_outs, SAString()).contains('"' + cast(a.channel, SAString()) + '"'),
            AuditEvent.action == "debtor.updated",
            AuditEvent.entity_type == "debtor",
            AuditEvent.at >= a.at,
            AuditEvent.at < until,
        )
    )
    replied_flag = ContactAttempt.id.in_(replied)
    paid_flag = ContactAttempt.id.in_(paid)
    opted_flag = ContactAttempt.id.in_(opted_out)

    def flag(condition: Any, name: str) -> Any:
        return case((condition, 1), else_=0).label(name)

    query = select(
        ContactAttempt.account_id,
        ContactAttempt.channel,
        func.coalesce(ContactAttempt.step, "").label("step"),
        ContactAttempt.at,
        flag(ContactAttempt.status.in_(DELIVERED), "delivered"),
        flag(ContactAttempt.status == AttemptStatus.read, "read"),
        flag(replied_flag, "replied"),
        flag(paid_flag, "paid"),
        flag(opted_flag, "opted_out"),
    ).where(*_sent(f, ContactAttempt))
    return f.reach(query, ContactAttempt.account_id)


STAGES = ("delivered", "read", "replied", "paid", "opted_out")


def channels(session: Session, f: Filters) -> list[tuple[str, str, int, int, int, int, int, int]]:
    """(channel, step, sent, delivered, read, replied, paid within 7 days, opted out)."""
    facts = attempt_facts(f).subquery()
    query = (
        select(
            facts.c.channel,
            facts.c.step,
            func.count(),
            *(func.sum(facts.c[stage]) for stage in STAGES),
        )
        .group_by(facts.c.channel, facts.c.step)
        .order_by(facts.c.channel, facts.c.step)
    )
    return [
        (str(ch), st, int(n), *(int(v) for v in rest))  # type: ignore[misc]
        for ch, st, n, *rest in session.execute(query)
    ]
