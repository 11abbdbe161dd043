"""Every query of the field domain. Lists are fetched in batches (one query per kind of row),
never one query per account, so a worklist or a sync of ~100 accounts stays a handful of
round trips."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES
from backend.audit.models import AuditEvent
from backend.core.sums import exact_sum, joined
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorAddress
from backend.field.models import (
    AgentShift,
    FieldNote,
    LocationPing,
    PlannedStop,
    StopEvent,
    SyncRecord,
    Visit,
    VisitPhoto,
)
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from backend.users.models import User
from shared.schemas.enums import InstalmentStatus, PaymentMethod, PlanStatus, PromiseStatus, Role
from shared.schemas.field import SyncActionType

# --- worklist ---------------------------------------------------------------------------------


def _held_by(agent_ids: list[uuid.UUID]) -> list[ColumnElement[bool]]:
    """The worklist's accounts of several agents: assigned to one of them, open, owed."""
    return [
        col(Account.assigned_agent_id).in_(agent_ids),
        col(Account.status).in_(OPEN_STATUSES),
        Account.balance_minor > 0,
    ]


def _with_primary_address(query: Any) -> Any:
    """``query`` (which selects ``Debtor``) joined to the debtor's primary address, the one of
    lowest position (None without one; two sharing it both come, callers keep one)."""
    primary = (
        select(DebtorAddress.debtor_id, func.min(DebtorAddress.position).label("position"))
        .group_by(DebtorAddress.debtor_id)
        .subquery()
    )
    return query.outerjoin(primary, primary.c.debtor_id == Debtor.id).outerjoin(
        DebtorAddress,
        and_(DebtorAddress.debtor_id == Debtor.id, DebtorAddress.position == primary.c.position),
    )


def worklist_rows(
    session: Session, agent_ids: list[uuid.UUID]
) -> list[tuple[Account, Debtor, DebtorAddress | None]]:
    """Open accounts of the agents with their debtor and the debtor's primary address (the one
    of lowest position), in one query."""
    query = _with_primary_address(
        select(Account, Debtor, DebtorAddress).join(Debtor, Debtor.id == Account.debtor_id)
    )
    query = query.where(*_held_by(agent_ids)).order_by(col(Account.id), col(DebtorAddress.id))
    seen: set[uuid.UUID] = set()
    rows: list[tuple[Account, Debtor, DebtorAddress | None]] = []
    for account, debtor, address in session.execute(query):
        if account.id not in seen:  # two addresses sharing the lowest position: keep one
            seen.add(account.id)
            rows.append((account, debtor, address))
    return rows


def promises_due(session: Session, agent_ids: list[uuid.UUID], day: date) -> dict[uuid.UUID, int]:
    """Open promises due on ``day`` on the agents' open accounts: account -> amount."""
    query = (
        select(Promise.account_id, Promise.amount_minor)
        .join(Account, Account.id == Promise.account_id)
        .where(Promise.status == PromiseStatus.open, Promise.due_date == day, *_held_by(agent_ids))
    )
    return {account_id: amount for account_id, amount in session.execute(query)}


def instalments_due(
    session: Session, agent_ids: list[uuid.UUID], day: date
) -> dict[uuid.UUID, tuple[int, date]]:
    """Unpaid instalments of active plans due on or before ``day``: account -> (amount still
    due, earliest due date). An account of an active plan missing here is in good standing."""
    query = (
        select(
            Plan.account_id,
            PlanInstalment.amount_minor - PlanInstalment.paid_minor,
            PlanInstalment.due_date,
        )
        .join(Plan, Plan.id == PlanInstalment.plan_id)
        .join(Account, Account.id == Plan.account_id)
        .where(
            Plan.status == PlanStatus.active,
            PlanInstalment.due_date <= day,
            PlanInstalment.status != InstalmentStatus.paid,
            *_held_by(agent_ids),
        )
    )
    due: dict[uuid.UUID, tuple[int, date]] = {}
    for account_id, amount, due_date in session.execute(query):
        total, first = due.get(account_id, (0, due_date))
        due[account_id] = (total + int(amount), min(first, due_date))
    return due


def plan_states(
    session: Session, agent_ids: list[uuid.UUID], since: datetime
) -> dict[uuid.UUID, PlanStatus]:
    """Accounts with an active plan (``active``) or a plan broken since ``since``
    (``broken``; an active one wins)."""
    query = (
        select(Plan.account_id, Plan.status)
        .join(Account, Account.id == Plan.account_id)
        .where(
            or_(
                Plan.status == PlanStatus.active,
                and_(Plan.status == PlanStatus.broken, col(Plan.closed_at) >= since),
            ),
            *_held_by(agent_ids),
        )
    )
    found: dict[uuid.UUID, PlanStatus] = {}
    for account_id, status in session.execute(query):
        if found.get(account_id) != PlanStatus.active:
            found[account_id] = status
    return found


def outcomes_between(
    session: Session, agent_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, Any]:
    """The latest visit outcome in [start, end) on each of the agents' open accounts (a visit
    by anyone counts)."""
    query = (
        select(Visit.account_id, Visit.outcome)
        .join(Account, Account.id == Visit.account_id)
        .where(Visit.checked_in_at >= start, Visit.checked_in_at < end, *_held_by(agent_ids))
        .order_by(col(Visit.checked_in_at), col(Visit.id))
    )
    return {account_id: outcome for account_id, outcome in session.execute(query)}


# --- timezones --------------------------------------------------------------------------------


def agent_timezones(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each agent's timezone: that of the portfolio holding most of their accounts."""
    query = (
        select(Account.assigned_agent_id, Portfolio.timezone, func.count())
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .where(col(Account.assigned_agent_id).in_(agent_ids))
        .group_by(Account.assigned_agent_id, Portfolio.timezone)
    )
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for agent_id, tz, count in session.execute(query):
        counts[agent_id][tz] += int(count)
    return {agent: _most_common(c) for agent, c in counts.items()}


def common_timezone(session: Session) -> str | None:
    """The timezone most portfolios use, if there is any portfolio."""
    found = Counter(session.execute(select(Portfolio.timezone)).scalars())
    return _most_common(found) if found else None


def _most_common(counter: Counter[str]) -> str:
    return min(counter, key=lambda tz: (-counter[tz], tz))


# --- account bundles --------------------------------------------------------------------------


def accounts_with_debtors(session: Session, ids: list[uuid.UUID]) -> list[tuple[Account, Debtor]]:
    query = (
        select(Account, Debtor)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(col(Account.id).in_(ids))
        .order_by(col(Account.id))
    )
    return [(a, d) for a, d in session.execute(query)]


def _latest_per_account(
    session: Session, model: type[SQLModel], order: Any, ids: list[uuid.UUID], per: int
) -> dict[uuid.UUID, list[Any]]:
    """The ``per`` newest rows of ``model`` per account (by ``order`` then id), newest first."""
    table_id, account_id = model.id, model.account_id  # type: ignore[attr-defined]
    rank = (
        func.row_number()
        .over(partition_by=account_id, order_by=(order.desc(), table_id.desc()))
        .label("rank")
    )
    ranked = select(table_id, rank).where(account_id.in_(ids)).subquery()
    query = (
        select(model)
        .join(ranked, ranked.c.id == table_id)
        .where(ranked.c.rank <= per)
        .order_by(account_id, order.desc(), table_id.desc())
    )
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in session.execute(query).scalars():
        found[row.account_id].append(row)
    return found


def latest_entries(
    session: Session, ids: list[uuid.UUID], per: int
) -> dict[uuid.UUID, list[LedgerEntry]]:
    return _latest_per_account(session, LedgerEntry, col(LedgerEntry.created_at), ids, per)


def latest_visits(session: Session, ids: list[uuid.UUID], per: int) -> dict[uuid.UUID, list[Visit]]:
    return _latest_per_account(session, Visit, col(Visit.checked_in_at), ids, per)


def latest_notes(
    session: Session, ids: list[uuid.UUID], per: int
) -> dict[uuid.UUID, list[FieldNote]]:
    return _latest_per_account(session, FieldNote, col(FieldNote.recorded_at), ids, per)


def active_plans(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Plan]:
    query = select(Plan).where(col(Plan.account_id).in_(ids), Plan.status == PlanStatus.active)
    return {plan.account_id: plan for plan in session.execute(query).scalars()}


def open_promises(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Promise]:
    query = select(Promise).where(
        col(Promise.account_id).in_(ids), Promise.status == PromiseStatus.open
    )
    return {promise.account_id: promise for promise in session.execute(query).scalars()}


def primary_address(session: Session, debtor_id: uuid.UUID) -> DebtorAddress | None:
    query = (
        select(DebtorAddress)
        .where(DebtorAddress.debtor_id == debtor_id)
        .order_by(col(DebtorAddress.position), col(DebtorAddress.id))
        .limit(1)
    )
    return session.execute(query).scalars().first()


# --- sync -------------------------------------------------------------------------------------


def sync_record(session: Session, client_id: str) -> SyncRecord | None:
    query = select(SyncRecord).where(SyncRecord.client_id == client_id)
    return session.execute(query).scalars().first()


def insert_pings(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert pings, skipping any (agent, recorded_at) already stored; returns how many were
    new. ``ON CONFLICT DO NOTHING`` keeps concurrent replays safe on both databases."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(LocationPing)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["agent_id", "recorded_at"])
        .returning(LocationPing.id)
    )
    return len(session.execute(statement).all())


def open_account_ids(session: Session, agent_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(Account.id).where(*_held_by([agent_id])).order_by(col(Account.id))
    return list(session.execute(query).scalars())


def changed_account_ids(session: Session, agent_id: uuid.UUID, since: datetime) -> list[uuid.UUID]:
    """The agent's accounts (any status) where something the app shows changed since
    ``since``: the account row (balance, status, assignment), a ledger entry, a promise made or
    resolved, a plan made or closed, a visit or a note."""

    def since_on(model: Any, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        # EXISTS per account: each table's account_id index keeps this to the agent's rows.
        return exists().where(model.account_id == Account.id, or_(*conditions))

    touched = or_(
        Account.updated_at > since,
        since_on(LedgerEntry, LedgerEntry.created_at > since),
        since_on(Promise, Promise.created_at > since, col(Promise.resolved_at) > since),
        since_on(Plan, Plan.created_at > since, col(Plan.closed_at) > since),
        since_on(Visit, Visit.received_at > since),
        since_on(FieldNote, FieldNote.received_at > since),
    )
    query = (
        select(Account.id)
        .where(Account.assigned_agent_id == agent_id, touched)
        .order_by(col(Account.id))
    )
    return list(session.execute(query).scalars())


def unassigned_since(session: Session, agent_id: uuid.UUID, since: datetime) -> list[uuid.UUID]:
    """Accounts taken from the agent since ``since`` and not given back, read from the audit
    trail of assignments (bulk assign and account update)."""
    query = (
        select(AuditEvent.account_id, AuditEvent.before, Account.assigned_agent_id)
        .join(Account, Account.id == AuditEvent.account_id)
        .where(
            col(AuditEvent.action).in_(("account.assigned", "account.updated")),
            AuditEvent.at > since,
        )
    )
    removed: set[uuid.UUID] = set()
    for account_id, before, current in session.execute(query):
        if (before or {}).get("assigned_agent_id") == str(agent_id) and current != agent_id:
            removed.add(account_id)
    return sorted(removed)


# --- supervisor routes ------------------------------------------------------------------------


def agents(
    session: Session, ids: list[uuid.UUID] | None, supervisor_id: uuid.UUID | None
) -> list[User]:
    """Agents, by name: these ids, else the active ones; optionally only one supervisor's
    team."""
    query = select(User).where(User.role == Role.agent).order_by(col(User.full_name), col(User.id))
    if ids is not None:
        query = query.where(col(User.id).in_(ids))
    else:
        query = query.where(col(User.is_active).is_(True))
    if supervisor_id is not None:
        query = query.where(User.supervisor_id == supervisor_id)
    return list(session.execute(query).scalars())


def pings_between(
    session: Session, agent_ids: list[uuid.UUID], start: datetime, end: datetime
) -> list[LocationPing]:
    query = (
        select(LocationPing)
        .where(
            col(LocationPing.agent_id).in_(agent_ids),
            LocationPing.recorded_at >= start,
            LocationPing.recorded_at < end,
        )
        .order_by(col(LocationPing.agent_id), col(LocationPing.recorded_at))
    )
    return list(session.execute(query).scalars())


def visits_between(
    session: Session, agent_ids: list[uuid.UUID], start: datetime, end: datetime
) -> list[tuple[Visit, Account, Debtor]]:
    query = (
        select(Visit, Account, Debtor)
        .join(Account, Account.id == Visit.account_id)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(
            col(Visit.agent_id).in_(agent_ids),
            Visit.checked_in_at >= start,
            Visit.checked_in_at < end,
        )
        .order_by(col(Visit.checked_in_at), col(Visit.id))
    )
    return [(v, a, d) for v, a, d in session.execute(query)]


def open_accounts_by_agent(
    session: Session, agent_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    query = select(Account.assigned_agent_id, Account.id).where(
        col(Account.assigned_agent_id).in_(agent_ids),
        col(Account.status).in_(OPEN_STATUSES),
        Account.balance_minor > 0,
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for agent_id, account_id in session.execute(query):
        found[agent_id].add(account_id)
    return found


def collected(
    session: Session, agent_ids: list[uuid.UUID], day: date
) -> list[tuple[uuid.UUID, str, int, int]]:
    """(agent, currency, count, amount) of the payments agents took on ``day``."""
    query = (
        select(Payment.agent_id, Payment.currency, func.count(), *exact_sum(Payment.amount_minor))
        .where(col(Payment.agent_id).in_(agent_ids), Payment.paid_on == day)
        .group_by(Payment.agent_id, Payment.currency)
    )
    return [(a, c, int(n), joined(high, low)) for a, c, n, high, low in session.execute(query)]


def promised(
    session: Session, agent_ids: list[uuid.UUID], start: datetime, end: datetime
) -> list[tuple[uuid.UUID, str, int, int]]:
    """(agent, currency, count, amount) of promises agents recorded in [start, end), by device
    time when they came through sync (server time otherwise); superseded ones are left out."""
    at = func.coalesce(SyncRecord.recorded_at, Promise.created_at)
    query = (
        select(
            Promise.recorded_by_id, Promise.currency, func.count(), *exact_sum(Promise.amount_minor)
        )
        .outerjoin(
            SyncRecord,
            and_(SyncRecord.entity_id == Promise.id, SyncRecord.type == SyncActionType.promise),
        )
        .where(
            col(Promise.recorded_by_id).in_(agent_ids),
            Promise.status != PromiseStatus.superseded,
            at >= start,
            at < end,
        )
        .group_by(Promise.recorded_by_id, Promise.currency)
    )
    return [(a, c, int(n), joined(high, low)) for a, c, n, high, low in session.execute(query)]


def portfolios_by_id(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Portfolio]:
    if not ids:
        return {}
    query = select(Portfolio).where(col(Portfolio.id).in_(ids))
    return {p.id: p for p in session.scalars(query)}


# --- shifts and team plans --------------------------------------------------------------------


def shifts(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentShift]:
    if not agent_ids:
        return {}
    query = select(AgentShift).where(col(AgentShift.agent_id).in_(agent_ids))
    return {row.agent_id: row for row in session.scalars(query)}


def upsert_shift(session: Session, agent_id: uuid.UUID, values: dict[str, Any]) -> None:
    """One statement: concurrent edits of the same agent's shift cannot make two rows."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = AgentShift(agent_id=agent_id, **values)
    statement = insert(AgentShift).values(row.model_dump())
    statement = statement.on_conflict_do_update(
        index_elements=["agent_id"],
        set_={**{k: statement.excluded[k] for k in values}, "updated_at": row.updated_at},
    )
    session.execute(statement)
    session.expire_all()


def replace_planned(
    session: Session,
    day: date,
    agent_ids: list[uuid.UUID],
    rows: list[PlannedStop],
    started: datetime,
) -> None:
    """The day's plan of these agents becomes ``rows`` (a debtor planned once a day: a
    concurrent plan of the same day fails on the unique constraints instead of doubling).
    Only rows stored before ``started`` are replaced: a plan committed after this request began
    stays, so this one fails on it even when it committed just after the caller's check."""
    session.execute(
        PlannedStop.__table__.delete().where(  # type: ignore[attr-defined]
            PlannedStop.day == day,
            col(PlannedStop.agent_id).in_(agent_ids),
            col(PlannedStop.planned_at) <= started,
        )
    )
    session.add_all(rows)
    session.flush()


def planned(
    session: Session, day: date, agent_ids: list[uuid.UUID]
) -> list[tuple[PlannedStop, Debtor, DebtorAddress | None]]:
    query = _with_primary_address(
        select(PlannedStop, Debtor, DebtorAddress).join(Debtor, Debtor.id == PlannedStop.debtor_id)
    )
    query = query.where(PlannedStop.day == day, col(PlannedStop.agent_id).in_(agent_ids)).order_by(
        col(PlannedStop.agent_id), col(PlannedStop.position), col(DebtorAddress.id)
    )
    seen: set[uuid.UUID] = set()
    found = []
    for stop, debtor, address in session.execute(query):
        if stop.id not in seen:
            seen.add(stop.id)
            found.append((stop, debtor, address))
    return found


def latest_planned_at(session: Session, day: date, agent_ids: list[uuid.UUID]) -> datetime | None:
    """When the day's stored plan of these agents was last written (None: no plan)."""
    query = select(func.max(PlannedStop.planned_at)).where(
        PlannedStop.day == day, col(PlannedStop.agent_id).in_(agent_ids)
    )
    return session.execute(query).scalar_one()


def planned_debtor_ids(session: Session, day: date) -> set[uuid.UUID]:
    """Every debtor some agent's stored plan visits on ``day``."""
    query = select(PlannedStop.debtor_id).where(PlannedStop.day == day)
    return set(session.execute(query).scalars())


def holder_of(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each assigned account's agent."""
    if not account_ids:
        return {}
    query = select(Account.id, Account.assigned_agent_id).where(col(Account.id).in_(account_ids))
    return {account: agent for account, agent in session.execute(query) if agent is not None}


def holds_debtor(session: Session, agent_id: uuid.UUID, debtor_id: uuid.UUID) -> bool:
    """Whether the agent holds an open account of the debtor (a stop of their own day)."""
    query = select(Account.id).where(Account.debtor_id == debtor_id, *_held_by([agent_id]))
    return session.execute(query.limit(1)).first() is not None


# --- skips and moves --------------------------------------------------------------------------


def stop_event(session: Session, client_id: str) -> StopEvent | None:
    query = select(StopEvent).where(StopEvent.client_id == client_id)
    return session.execute(query).scalars().first()


def stop_events(session: Session, agent_id: uuid.UUID, day: date) -> list[StopEvent]:
    """The agent's skips and moves of ``day`` in the order they were made on the device."""
    query = (
        select(StopEvent)
        .where(StopEvent.agent_id == agent_id, StopEvent.day == day)
        .order_by(col(StopEvent.recorded_at), col(StopEvent.received_at), col(StopEvent.id))
    )
    return list(session.execute(query).scalars())


def stop_events_of(
    session: Session, agent_ids: list[uuid.UUID], day: date
) -> list[tuple[StopEvent, str]]:
    """The agents' skips and moves of ``day`` with each debtor's name, per agent in the order
    they were made."""
    if not agent_ids:
        return []
    query = (
        select(StopEvent, Debtor)
        .join(Debtor, Debtor.id == StopEvent.debtor_id)
        .where(col(StopEvent.agent_id).in_(agent_ids), StopEvent.day == day)
        .order_by(
            col(StopEvent.agent_id),
            col(StopEvent.recorded_at),
            col(StopEvent.received_at),
            col(StopEvent.id),
        )
    )
    return [(event, debtor.display_name) for event, debtor in session.execute(query)]


def cash_payments(
    session: Session, agent_id: uuid.UUID, day: date
) -> list[tuple[Payment, Account, Debtor]]:
    """The cash payments the agent took on ``day`` (the day paid), in booking order."""
    query = (
        select(Payment, Account, Debtor)
        .join(Account, Account.id == Payment.account_id)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(
            Payment.agent_id == agent_id,
            Payment.method == PaymentMethod.cash,
            Payment.paid_on == day,
        )
        .order_by(col(Payment.created_at), col(Payment.id))
    )
    return [(p, a, d) for p, a, d in session.execute(query)]


def photo_ids(session: Session, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The photos of these visits, oldest first (ids only: the images stay in the database)."""
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not visit_ids:
        return found
    query = (
        select(VisitPhoto.visit_id, VisitPhoto.id)
        .where(col(VisitPhoto.visit_id).in_(visit_ids))
        .order_by(col(VisitPhoto.received_at), col(VisitPhoto.id))
    )
    for visit_id, photo_id in session.execute(query):
        found[visit_id].append(photo_id)
    return found
