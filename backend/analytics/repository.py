"""Portfolio KPI queries. Each KPI is a *fact* query (one row per account and figure, with
the columns that name the figure) that the aggregate groups and the drill-down
(``backend.analytics.figures``) filters: a figure and the accounts behind it come from the
same SQL. Aging and rolls (and the cure rate from the rolls) are read from the snapshots,
narrowed by the segment each snapshot row recorded; their drill-down recomputes the
snapshot's own query for the accounts, kept to the accounts' stored segment today."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from backend.accounts.models import Account
from backend.analytics.filters import Filters
from backend.analytics.models import AgingSnapshot, RollSnapshot
from backend.analytics.sql import month_start
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment, PaymentLink
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import InstalmentStatus, PaymentMethod, PlanStatus, PromiseStatus

SURVIVAL_INSTALMENTS = (1, 2, 3)


def aging(session: Session, f: Filters) -> list[tuple[date, str, str, int, int]]:
    """(day, bucket, currency, accounts, balance) from the snapshots of the window."""
    query = (
        select(
            AgingSnapshot.day,
            AgingSnapshot.bucket,
            Portfolio.currency,
            func.sum(AgingSnapshot.accounts),
            func.sum(AgingSnapshot.balance_minor),
        )
        .join(Portfolio, Portfolio.id == AgingSnapshot.portfolio_id)
        .where(
            *f.between(AgingSnapshot.day),
            *f.portfolios(AgingSnapshot.portfolio_id),
            *f.agents(AgingSnapshot.agent_id),
            *f.snapshot_segments(AgingSnapshot.segment),
        )
        .group_by(AgingSnapshot.day, AgingSnapshot.bucket, Portfolio.currency)
        .order_by(AgingSnapshot.day, AgingSnapshot.bucket)
    )
    return [(d, b, c, int(n), int(s)) for d, b, c, n, s in session.execute(query)]


def rolls(session: Session, f: Filters) -> list[tuple[date, str, str, int, int]]:
    """(month, from, to, accounts, opening balance) of the months starting in the window."""
    query = (
        select(
            RollSnapshot.month,
            RollSnapshot.from_bucket,
            RollSnapshot.to_bucket,
            func.sum(RollSnapshot.accounts),
            func.sum(RollSnapshot.balance_minor),
        )
        .where(
            *f.between(RollSnapshot.month),
            *f.portfolios(RollSnapshot.portfolio_id),
            *f.agents(RollSnapshot.agent_id),
            *f.snapshot_segments(RollSnapshot.segment),
        )
        .group_by(RollSnapshot.month, RollSnapshot.from_bucket, RollSnapshot.to_bucket)
        .order_by(RollSnapshot.month)
    )
    return [(m, a, b, int(n), int(s)) for m, a, b, n, s in session.execute(query)]


def promise_facts(f: Filters) -> Any:
    """Promises made in the window in the caller's reach (a superseded one is counted through
    the promise that replaced it)."""
    query = select(
        Promise.account_id,
        Promise.currency,
        Promise.status,
        Promise.amount_minor,
        Promise.paid_minor,
        Promise.recorded_by_id,
        Promise.created_at,
    ).where(*f.on(Promise.created_at), Promise.status != PromiseStatus.superseded)
    return f.reach(query, Promise.account_id)


def received(facts: Any) -> Any:
    """SQL: the money a promise of ``promise_facts`` received, up to the amount promised."""
    return case(
        (facts.c.paid_minor < facts.c.amount_minor, facts.c.paid_minor),
        else_=facts.c.amount_minor,
    )


def promises(session: Session, f: Filters) -> list[tuple[str, str, int, int, int]]:
    """(currency, status, count, promised, received up to the promised amount)."""
    facts = promise_facts(f).subquery()
    query = select(
        facts.c.currency,
        facts.c.status,
        func.count(),
        func.coalesce(func.sum(facts.c.amount_minor), 0),
        func.coalesce(func.sum(received(facts)), 0),
    ).group_by(facts.c.currency, facts.c.status)
    return [(c, str(s), int(n), int(a), int(p)) for c, s, n, a, p in session.execute(query)]


def promises_by_agent(session: Session, f: Filters) -> list[tuple[Any, str, int]]:
    """(agent who recorded them, status, count) of the promises made in the window."""
    facts = promise_facts(f).subquery()
    query = (
        select(facts.c.recorded_by_id, facts.c.status, func.count())
        .where(facts.c.recorded_by_id.is_not(None))
        .group_by(facts.c.recorded_by_id, facts.c.status)
    )
    return [(a, str(s), int(n)) for a, s, n in session.execute(query)]


def survival_facts(f: Filters, as_of: date) -> Any:
    """Per plan agreed in the window and each of its first instalments already due by
    ``as_of``: whether the plan was still current then (none of its instalments up to that
    one missed). Offered and cancelled plans are left out. Each plan's due instalment joined
    to its first missed one, if any: no grouping of every instalment per plan."""
    due = PlanInstalment
    missed = aliased(PlanInstalment)
    first_missed = (
        select(missed.plan_id, func.min(missed.number).label("number"))
        .where(
            missed.status == InstalmentStatus.missed,
            missed.number <= max(SURVIVAL_INSTALMENTS),
        )
        .group_by(missed.plan_id)
        .subquery("first_missed")
    )
    lapsed = first_missed.c.number
    query = (
        select(
            Plan.account_id,
            Plan.id.label("plan_id"),
            due.number.label("instalments"),
            case((and_(lapsed.is_not(None), lapsed <= due.number), 0), else_=1).label("current"),
        )
        .join(due, due.plan_id == Plan.id)
        .outerjoin(first_missed, first_missed.c.plan_id == Plan.id)
        .where(
            *f.on(Plan.created_at),
            Plan.status.not_in([PlanStatus.offered, PlanStatus.cancelled]),
            due.number.in_(SURVIVAL_INSTALMENTS),
            due.due_date < as_of,
        )
    )
    return f.reach(query, Plan.account_id)


def survival(session: Session, f: Filters, as_of: date) -> list[tuple[int, int, int]]:
    """(instalments, plans, plans still current)."""
    facts = survival_facts(f, as_of).subquery()
    query = (
        select(facts.c.instalments, func.count(), func.coalesce(func.sum(facts.c.current), 0))
        .group_by(facts.c.instalments)
        .order_by(facts.c.instalments)
    )
    return [(int(k), int(n), int(c)) for k, n, c in session.execute(query)]


def channel_of_payment() -> Any:
    """SQL: the channel a payment came through: ``bank_statement`` (matched from a statement),
    ``field`` (an agent took it), ``chat`` (a link the bots made), ``portal`` (a link the
    debtor made), ``link`` (any other payment link: agents', reminders'), else ``other``."""
    return case(
        (Payment.method == PaymentMethod.bank_statement, "bank_statement"),
        (Payment.agent_id.is_not(None), "field"),
        (PaymentLink.created_by_kind == "bot", "chat"),
        (PaymentLink.created_by_kind == "debtor", "portal"),
        (Payment.link_id.is_not(None), "link"),
        else_="other",
    )


def not_reversed() -> Any:
    reversal = LedgerEntry.__table__.alias("reversal")
    return ~exists().where(reversal.c.reverses_entry_id == Payment.ledger_entry_id)


def payment_facts(f: Filters) -> Any:
    """Payments received in the window (not reversed) on accounts in reach."""
    query = (
        select(
            Payment.account_id,
            Payment.currency,
            Payment.amount_minor,
            Payment.agent_id,
            Payment.paid_on,
            channel_of_payment().label("channel"),
        )
        .outerjoin(PaymentLink, PaymentLink.id == Payment.link_id)
        .where(*f.between(Payment.paid_on), not_reversed())
    )
    return f.reach(query, Payment.account_id)


def collected(session: Session, f: Filters) -> list[tuple[str, str, int, int]]:
    """(channel, currency, payments, amount)."""
    facts = payment_facts(f).subquery()
    query = select(
        facts.c.channel, facts.c.currency, func.count(), func.sum(facts.c.amount_minor)
    ).group_by(facts.c.channel, facts.c.currency)
    return [(ch, c, int(n), int(a)) for ch, c, n, a in session.execute(query)]


def cohort_facts(f: Filters) -> Any:
    """Accounts placed (arrived) in the window, with the month they arrived in (UTC)."""
    return select(
        Account.id.label("account_id"),
        month_start(Account.created_at).label("cohort"),
        Account.currency,
        Account.principal_minor,
        Account.portfolio_id,
        Account.assigned_agent_id.label("agent_id"),
        Account.created_at.label("placed_at"),
    ).where(*f.accounts(), *f.on(Account.created_at))


def cohorts(session: Session, f: Filters) -> list[tuple[date, str, int, int]]:
    """(cohort month, currency, accounts placed, principal placed)."""
    facts = cohort_facts(f).subquery()
    query = select(
        facts.c.cohort, facts.c.currency, func.count(), func.sum(facts.c.principal_minor)
    ).group_by(facts.c.cohort, facts.c.currency)
    return [(day(m), c, int(n), int(p)) for m, c, n, p in session.execute(query)]


def cohort_collections(
    session: Session, f: Filters, paid_after: Mapping[date, Iterable[Any]] | None = None
) -> list[tuple[date, str, date, int]]:
    """(cohort month, currency, month paid, amount) of every payment (not reversed, whenever
    received) on the accounts placed in the window; with ``paid_after`` (a day: the ids of
    the portfolios it applies to) only those received after the day of their portfolio."""
    facts = cohort_facts(f).subquery()
    paid = month_start(Payment.paid_on).label("paid")
    query = (
        select(facts.c.cohort, facts.c.currency, paid, func.sum(Payment.amount_minor))
        .select_from(facts)
        .join(Payment, Payment.account_id == facts.c.account_id)
        .where(not_reversed())
        .group_by(facts.c.cohort, facts.c.currency, paid)
    )
    if paid_after is not None:
        query = query.where(
            or_(
                false(),
                *(
                    and_(facts.c.portfolio_id.in_(list(ids)), Payment.paid_on > day)
                    for day, ids in paid_after.items()
                ),
            )
        )
    return [(day(m), c, day(p), int(a)) for m, c, p, a in session.execute(query)]


def day(value: Any) -> date:
    """A date column's value (SQLite answers functions' dates as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
