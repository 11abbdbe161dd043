from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Uuid,
    and_,
    case,
    false,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.dates import add_days
from backend.core.pagination import keyset
from backend.core.sqlbuild import among, json_object, uuid_text
from backend.ledger.models import LedgerEntry
from backend.plans.models import Offer, Plan, PlanInstalment
from backend.tasks.service import follow_up_id
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    EntryKind,
    InstalmentStatus,
    OfferStatus,
    PlanStatus,
    TaskKind,
)

SELF_SERVICE = (ActionChannel.whatsapp, ActionChannel.telegram, ActionChannel.web)


def active_plan(session: Session, account_id: uuid.UUID) -> Plan | None:
    query = select(Plan).where(Plan.account_id == account_id, Plan.status == PlanStatus.active)
    return session.execute(query).scalars().first()


def instalments(session: Session, plan_id: uuid.UUID) -> list[PlanInstalment]:
    query = (
        select(PlanInstalment)
        .where(PlanInstalment.plan_id == plan_id)
        .order_by(col(PlanInstalment.number))
    )
    return list(session.execute(query).scalars())


def supersede_open_offers(session: Session, account_id: uuid.UUID) -> None:
    session.execute(
        update(Offer)
        .where(Offer.account_id == account_id, Offer.status == OfferStatus.open)
        .values(status=OfferStatus.superseded)
        .execution_options(synchronize_session="fetch")
    )


def self_service_openings(
    session: Session, account_id: uuid.UUID, since: datetime
) -> list[datetime]:
    """When self-service negotiations were opened (one per batch of offers)."""
    query = (
        select(func.min(Offer.created_at))
        .where(
            Offer.account_id == account_id,
            col(Offer.channel).in_(SELF_SERVICE),
            Offer.created_at >= since,
            col(Offer.batch_id).is_not(None),
        )
        .group_by(Offer.batch_id)
    )
    return [row for row in session.execute(query).scalars()]


def payments_since(
    session: Session, account_id: uuid.UUID, since: datetime
) -> list[tuple[uuid.UUID, int]]:
    """(entry id, amount received) of payments booked at or after ``since`` and not reversed."""
    reversed_ids = select(LedgerEntry.reverses_entry_id).where(
        LedgerEntry.account_id == account_id, col(LedgerEntry.reverses_entry_id).is_not(None)
    )
    query = (
        select(LedgerEntry.id, LedgerEntry.amount_minor)
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind == EntryKind.payment,
            LedgerEntry.created_at >= since,
            col(LedgerEntry.id).not_in(reversed_ids),
        )
        .order_by(col(LedgerEntry.id))
    )
    return [(entry_id, -amount) for entry_id, amount in session.execute(query)]


def plans_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Plan]:
    query = select(Plan).where(Plan.account_id == account_id)
    return keyset(session, query, Plan.id, after, limit)


def expire_offers(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Offer)
        .where(Offer.status == OfferStatus.open, Offer.expires_at < now)
        .values(status=OfferStatus.expired)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: The daily check's working rows (``backend.core.bulk.scratch``): a page's plans with a late
#: instalment, their accounts locked, then each one's verdict, interest and follow-up.
VERDICTS = Table(
    "plan_verdicts",
    MetaData(),
    Column("plan_id", Uuid, primary_key=True),
    Column("account_id", Uuid, nullable=False),
    Column("today", Date, nullable=False),  # the check's day for the portfolio
    Column("local_today", Date, nullable=False),  # the portfolio's own date (reversals)
    Column("grace_days", Integer, nullable=False),
    Column("missed_to_break", Integer, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),  # still active under the lock
    Column("paid_minor", BigInteger),
    Column("broken", Boolean),
    Column("assignee_id", Uuid),
    Column("interest_id", Uuid),  # the plan's interest entry, if booked and not reversed
    Column("dedupe_key", String(120)),
    Column("task_id", Uuid),
    prefixes=["TEMPORARY"],
)


def nth_active_after(session: Session, after: uuid.UUID | None, n: int) -> uuid.UUID | None:
    """The id of the ``n``-th active plan after ``after`` (id order), None if there are fewer:
    a page's upper bound."""
    query = select(Plan.id).where(Plan.status == PlanStatus.active)
    if after:
        query = query.where(Plan.id > after)
    query = query.order_by(col(Plan.id)).offset(n - 1).limit(1)
    return session.execute(query).scalar_one_or_none()


def take_late(
    session: Session,
    *,
    after: uuid.UUID | None,
    upto: uuid.UUID | None,
    todays: dict[uuid.UUID, date],
    local_todays: dict[uuid.UUID, date],
) -> None:
    """Fill ``VERDICTS`` with the active plans in ``(after, upto]`` that have an instalment not
    fully paid more than the plan's grace days after its due date on its portfolio's day in
    ``todays`` (every portfolio's; at least one), with their terms and days: the only plans
    the check can change (a missed instalment, by the breach rule, is one of them: with
    instalments due in number order, money short of what was owed by a due date leaves one of
    those instalments not fully paid)."""
    portfolio = select(Account.portfolio_id).where(Account.id == Plan.account_id)
    late = (  # the account joined inside, so its one row is read by its key
        select(PlanInstalment.id)
        .join_from(PlanInstalment, Account, Account.id == Plan.account_id)
        .where(
            PlanInstalment.plan_id == Plan.id,
            PlanInstalment.paid_minor < PlanInstalment.amount_minor,
            add_days(PlanInstalment.due_date, Plan.grace_days)
            < case(todays, value=Account.portfolio_id),
        )
        .exists()
    )
    query = select(
        Plan.id,
        Plan.account_id,
        case(todays, value=portfolio.scalar_subquery()),
        case(local_todays, value=portfolio.scalar_subquery()),
        Plan.grace_days,
        Plan.missed_to_break,
        Plan.total_minor,
        false(),
    ).where(Plan.status == PlanStatus.active, late)
    if after:
        query = query.where(Plan.id > after)
    if upto:
        query = query.where(Plan.id <= upto)
    names = [
        "plan_id",
        "account_id",
        "today",
        "local_today",
        "grace_days",
        "missed_to_break",
        "total_minor",
        "active",
    ]
    session.execute(insert(VERDICTS).from_select(names, query))


def late_accounts() -> Select[Any]:
    """The accounts of the plans in ``VERDICTS`` (to lock)."""
    return select(VERDICTS.c.account_id)


def judge(session: Session) -> None:
    """Judge the plans in ``VERDICTS`` still active, as ``missed_instalments`` counts: the
    instalments in number order more than the grace days late on the day while the money paid
    in total is short of what was owed up to them; broken at the plan's ``missed_to_break``."""
    v = VERDICTS
    i = PlanInstalment.__table__
    running = (
        select(
            i.c.plan_id,
            i.c.due_date,
            func.sum(i.c.amount_minor)
            .over(partition_by=i.c.plan_id, order_by=i.c.number)
            .label("owed"),
            func.sum(i.c.paid_minor).over(partition_by=i.c.plan_id).label("paid"),
        )
        .join_from(v, i, i.c.plan_id == v.c.plan_id)
        .where(among(i.c.plan_id, select(v.c.plan_id)))
        .subquery("running")
    )
    judged = v.alias("judged")
    missed = and_(
        judged.c.today > add_days(running.c.due_date, judged.c.grace_days),
        running.c.paid < running.c.owed,
    )
    per_plan = (
        select(
            running.c.plan_id,
            func.max(running.c.paid).label("paid"),
            func.sum(case((missed, 1), else_=0)).label("missed"),
        )
        .join_from(running, judged, judged.c.plan_id == running.c.plan_id)
        .group_by(running.c.plan_id)
        .subquery("per_plan")
    )
    session.execute(
        update(v)
        .where(
            v.c.plan_id == per_plan.c.plan_id,
            Plan.id == v.c.plan_id,
            Plan.status == PlanStatus.active,
            Account.id == v.c.account_id,
        )
        .values(
            active=true(),
            paid_minor=per_plan.c.paid,
            broken=per_plan.c.missed >= v.c.missed_to_break,
            assignee_id=Account.assigned_agent_id,
        )
    )


def mark_missed(session: Session) -> None:
    """Mark missed the judged plans' instalments not fully paid past due plus grace."""
    v = VERDICTS
    i = PlanInstalment.__table__
    session.execute(
        update(i)
        .where(
            i.c.plan_id == v.c.plan_id,
            among(i.c.plan_id, select(v.c.plan_id).where(v.c.active == true())),
            v.c.active == true(),
            v.c.today > add_days(i.c.due_date, v.c.grace_days),
            i.c.paid_minor < i.c.amount_minor,
            i.c.status != InstalmentStatus.missed.value,
        )
        .values(status=InstalmentStatus.missed.value)
    )


def name_breaks(session: Session) -> None:
    """For each broken plan: its interest entry still to reverse (key ``plan:<id>:interest``)
    and its follow-up (dedupe key ``plan:<id>:broken``, the task's id)."""
    v = VERDICTS
    entry = LedgerEntry.__table__
    reversal = entry.alias("reversal")
    interest = (
        select(entry.c.id)
        .where(
            entry.c.account_id == v.c.account_id,
            entry.c.idempotency_key == literal("plan:") + uuid_text(v.c.plan_id) + ":interest",
            ~select(reversal.c.id).where(reversal.c.reverses_entry_id == entry.c.id).exists(),
        )
        .scalar_subquery()
    )
    key = literal("plan:") + uuid_text(v.c.plan_id) + ":" + PlanStatus.broken.value
    session.execute(
        update(v)
        .where(v.c.broken == true())
        .values(interest_id=interest, dedupe_key=key, task_id=follow_up_id(key))
    )


def close_broken(session: Session, at: datetime) -> None:
    """End the broken plans (still active: a concurrent check left them alone), one UPDATE."""
    v = VERDICTS
    table = Plan.__table__
    session.execute(
        update(table)
        .where(
            table.c.id == v.c.plan_id,
            among(table.c.id, select(v.c.plan_id).where(v.c.broken == true())),
            v.c.broken == true(),
            table.c.status == PlanStatus.active.value,
        )
        .values(status=PlanStatus.broken.value, closed_at=literal(at, table.c.closed_at.type))
    )


def interest_to_reverse() -> Select[Any]:
    """The broken plans' interest entries, with the day to reverse them on
    (``ledger.reverse_selected``)."""
    v = VERDICTS
    return select(v.c.interest_id.label("id"), v.c.local_today.label("effective_date")).where(
        v.c.interest_id.is_not(None)
    )


def reactivate_broken(session: Session) -> None:
    """Accounts of broken plans still ``in_plan`` go back to active, in one UPDATE."""
    v = VERDICTS
    broken = select(v.c.account_id).where(v.c.broken == true())
    session.execute(
        update(Account)
        .where(among(Account.id, broken), Account.status == AccountStatus.in_plan)
        .values(status=AccountStatus.active)
    )


def broken_events() -> Select[Any]:
    """The audit events of the broken plans (``audit.record_selected``)."""
    v = VERDICTS
    return select(
        literal(f"plan.{PlanStatus.broken.value}").label("action"),
        literal("plan").label("entity_type"),
        uuid_text(v.c.plan_id).label("entity_id"),
        v.c.account_id.label("account_id"),
        json_object("status", PlanStatus.active.value).label("before"),
        json_object("status", PlanStatus.broken.value, "paid_minor", v.c.paid_minor).label("after"),
    ).where(v.c.broken == true())


def follow_ups() -> Select[Any]:
    """The follow-up tasks of the broken plans (``tasks.open_selected``)."""
    v = VERDICTS
    payload = json_object(
        *("plan_id", uuid_text(v.c.plan_id), "paid_minor", v.c.paid_minor),
        *("total_minor", v.c.total_minor),
    )
    return select(
        v.c.task_id.label("id"),
        v.c.account_id,
        v.c.assignee_id,
        literal(TaskKind.follow_up_broken_plan.value).label("kind"),
        v.c.today.label("due_date"),
        payload.label("payload"),
        v.c.dedupe_key,
    ).where(v.c.broken == true())


def broken_tasks(session: Session) -> list[uuid.UUID]:
    """The follow-up task of each plan the page broke, in plan order."""
    v = VERDICTS
    query = select(v.c.task_id).where(v.c.broken == true()).order_by(v.c.plan_id)
    return list(session.execute(query).scalars())


def count_active(session: Session) -> int:
    query = select(func.count()).select_from(Plan).where(Plan.status == PlanStatus.active)
    return int(session.execute(query).scalar_one())
