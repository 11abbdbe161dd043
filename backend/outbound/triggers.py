"""Which accounts of a strategy a step fires for on one local day: one SQL query per step,
whatever the number of accounts.

Each query returns ``(account_id, debtor_id, occurrence, event_at)``: ``occurrence`` names what
the step is about (the due date, an instalment, a promise, a plan, a link, an earlier message),
so a step fires once per occurrence however often the day is planned; ``event_at`` is when a
timed trigger (a link unpaid for N hours, N hours after another step) comes due, else None.
Stop conditions are part of each query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import col

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.outbound.models import OutboundPause, StrategyEnrolment
from backend.payments.models import PaymentLink
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import (
    AccountStatus,
    InstalmentStatus,
    LinkStatus,
    PlanStatus,
    PromiseStatus,
)
from shared.schemas.outbound import Step

OPEN = (AccountStatus.active, AccountStatus.in_plan, AccountStatus.disputed)
SENT = (AttemptStatus.sent, AttemptStatus.delivered, AttemptStatus.read)


@dataclass(frozen=True, slots=True)
class Day:
    """The local day being planned, as dates and as UTC instants [start, end)."""

    day: date
    start: datetime
    end: datetime


def firing(strategy_id: uuid.UUID, step: Step, day: Day) -> Select[Any]:
    """The accounts of the strategy ``step`` fires for on ``day``."""
    trigger = step.trigger
    days = timedelta(days=trigger.days or 0)
    hours = timedelta(hours=trigger.hours or 0)
    base = [
        StrategyEnrolment.strategy_id == strategy_id,
        col(Account.status).in_(OPEN),
        Account.balance_minor > 0,
        ~exists().where(OutboundPause.account_id == Account.id),
        *_stops(step, day),
    ]
    accounts = select(Account.id, Account.debtor_id).join(
        StrategyEnrolment, StrategyEnrolment.account_id == Account.id
    )
    due = cast(Account.due_date, String)
    nothing = literal(None)
    kind = trigger.kind
    if kind == "due_in_days":
        return accounts.add_columns(due.label("occurrence"), nothing.label("event_at")).where(
            *base, Account.due_date == day.day + days
        )
    if kind == "days_past_due":
        return accounts.add_columns(due.label("occurrence"), nothing.label("event_at")).where(
            *base, Account.due_date == day.day - days
        )
    if kind in ("instalment_due_in_days", "instalment_overdue_days"):
        on = day.day + days if kind == "instalment_due_in_days" else day.day - days
        return (
            accounts.add_columns(
                cast(PlanInstalment.id, String).label("occurrence"), nothing.label("event_at")
            )
            .join(Plan, and_(Plan.account_id == Account.id, Plan.status == PlanStatus.active))
            .join(PlanInstalment, PlanInstalment.plan_id == Plan.id)
            .where(
                *base,
                PlanInstalment.due_date == on,
                PlanInstalment.status != InstalmentStatus.paid,
            )
        )
    if kind in ("promise_due", "promise_broken"):
        promise = [Promise.account_id == Account.id]
        if kind == "promise_due":
            promise += [Promise.status == PromiseStatus.open, Promise.due_date == day.day]
        else:
            promise += [
                Promise.status == PromiseStatus.broken,
                col(Promise.resolved_at) >= day.start,
                col(Promise.resolved_at) < day.end,
            ]
        return (
            accounts.add_columns(
                cast(Promise.id, String).label("occurrence"), nothing.label("event_at")
            )
            .join(Promise, and_(*promise))
            .where(*base)
        )
    if kind == "plan_broken":
        return (
            accounts.add_columns(
                cast(Plan.id, String).label("occurrence"), nothing.label("event_at")
            )
            .join(
                Plan,
                and_(
                    Plan.account_id == Account.id,
                    Plan.status == PlanStatus.broken,
                    col(Plan.closed_at) >= day.start,
                    col(Plan.closed_at) < day.end,
                ),
            )
            .where(*base)
        )
    if kind == "link_unpaid_hours":
        return (
            accounts.add_columns(
                cast(PaymentLink.id, String).label("occurrence"),
                PaymentLink.created_at.label("event_at"),
            )
            .join(
                PaymentLink,
                and_(
                    PaymentLink.account_id == Account.id,
                    PaymentLink.status == LinkStatus.open,
                    PaymentLink.created_at >= day.start - hours,
                    PaymentLink.created_at < day.end - hours,
                ),
            )
            .where(*base)
        )
    if kind == "imported":
        return accounts.add_columns(
            literal("imported").label("occurrence"), nothing.label("event_at")
        ).where(*base, Account.created_at >= day.start, Account.created_at < day.end)
    if kind == "after_step":
        earlier = ContactAttempt.__table__.alias("earlier")
        return (
            accounts.add_columns(
                cast(earlier.c.id, String).label("occurrence"), earlier.c.at.label("event_at")
            )
            .join(
                earlier,
                and_(
                    earlier.c.account_id == Account.id,
                    earlier.c.strategy_id == strategy_id,
                    earlier.c.step == trigger.step,
                    earlier.c.status.in_([s.value for s in SENT]),
                    earlier.c.at >= day.start - hours,
                    earlier.c.at < day.end - hours,
                ),
            )
            .where(*base)
        )
    raise AssertionError(f"unknown trigger {kind}")


def _stops(step: Step, day: Day) -> list[ColumnElement[bool]]:
    """The step's stop conditions as SQL (``opted_out`` is the contact rules' to judge, per
    channel; ``paid`` is the open, owing base of every query)."""
    found: list[ColumnElement[bool]] = []
    # Aliases: the trigger's own join may use the same tables.
    promise, plan, instalment = aliased(Promise), aliased(Plan), aliased(PlanInstalment)
    if "disputed" in step.stop_when:
        found.append(Account.status != AccountStatus.disputed)
    if "promise_open" in step.stop_when:
        found.append(
            ~exists().where(
                promise.account_id == Account.id,
                promise.status == PromiseStatus.open,
                promise.due_date > day.day,
            )
        )
    if "plan_current" in step.stop_when:
        overdue = exists().where(
            instalment.plan_id == plan.id,
            instalment.due_date < day.day,
            instalment.status != InstalmentStatus.paid,
        )
        found.append(
            ~exists().where(
                plan.account_id == Account.id, plan.status == PlanStatus.active, ~overdue
            )
        )
    return found
