"""Promises to pay: at most one open per account (a new one supersedes the old), judged by a
daily job. Kept when the money received from the promise's day up to its date plus the
portfolio's grace days covers it; partially kept when some arrived; broken when none did.
A promise already covered before its date is marked kept at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlmodel import Session

from backend.aging import OPEN_STATUSES, overdue_days
from backend.amounts import ceiling, check_amount
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.db import expire_loaded
from backend.core.errors import Conflict, IdempotencyConflict, NotFound, ValidationFailed
from backend.creditors.models import Portfolio
from backend.ledger import repository as ledger_repository
from backend.negotiation.policy import ResolvedPolicy, effective_policy
from backend.policies.service import policy_of, resolved_for
from backend.promises import repository
from backend.promises.models import Promise
from backend.tasks import service as tasks
from backend.tasks.service import FollowUp
from shared.schemas.enums import ActionChannel, PromiseStatus, TaskKind, bucket_for
from shared.schemas.negotiation import PromiseKpis


@dataclass(frozen=True, slots=True)
class PromiseRequest:
    amount_minor: int
    currency: str
    due_date: date
    channel: ActionChannel
    recorded_by_kind: str
    client_id: str | None = None


def create(
    session: Session, actor: Actor, account_id: uuid.UUID, req: PromiseRequest
) -> tuple[Promise, bool]:
    """The promise and whether it was created now (False: a replay of the same client id)."""
    if req.client_id and (existing := repository.by_client_id(session, req.client_id)):
        same = (existing.account_id, existing.amount_minor, existing.due_date) == (
            account_id,
            req.amount_minor,
            req.due_date,
        )
        if not same:
            raise IdempotencyConflict()
        return existing, False
    account = ledger_repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    if account.status not in OPEN_STATUSES:
        raise Conflict("error.account_not_open", status=account.status.value)
    if req.currency != account.currency:
        raise ValidationFailed(
            "error.currency_mismatch", given=req.currency, expected=account.currency
        )
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    check_amount(req.amount_minor, ceiling(portfolio))
    if not 0 < req.amount_minor <= account.balance_minor:
        raise ValidationFailed("error.promise_amount", balance_minor=account.balance_minor)
    today = today_in(portfolio.timezone)
    policy = resolved_for(session, account, today)
    if not today <= req.due_date <= today + timedelta(days=policy.max_promise_days):
        raise ValidationFailed("error.promise_date", max_days=policy.max_promise_days)
    promise = Promise(
        account_id=account.id,
        amount_minor=req.amount_minor,
        currency=req.currency,
        due_date=req.due_date,
        channel=req.channel,
        recorded_by_kind=req.recorded_by_kind,
        recorded_by_id=actor.id if actor.kind == "user" else None,
        client_id=req.client_id,
    )
    previous = repository.open_for_account(session, account.id)
    if previous is not None:
        previous.status = PromiseStatus.superseded
        previous.resolved_at = utcnow()
        session.add(previous)
        session.flush()  # free the one-open-promise slot before the new row
    session.add(promise)
    session.flush()
    if previous is not None:
        previous.superseded_by_id = promise.id
        session.add(previous)
        session.flush()
        audit.record(
            session,
            actor,
            "promise.superseded",
            "promise",
            previous.id,
            before={"status": "open"},
            after={"status": "superseded", "superseded_by": str(promise.id)},
            account_id=account.id,
        )
    audit.record(
        session,
        actor,
        "promise.created",
        "promise",
        promise.id,
        after=audit.snapshot(promise),
        account_id=account.id,
    )
    return promise, True


@dataclass
class CheckResult:
    kept: int = 0
    partially_kept: int = 0
    broken: int = 0
    still_open: int = 0
    tasks: list[uuid.UUID] = field(default_factory=list)


#: Promises judged per page: a few round trips and one commit (in the job) per page.
PAGE = 5000


def check_open_promises(
    session: Session, actor: Actor, *, today_by_portfolio: dict[uuid.UUID, date], chunk: int = PAGE
) -> CheckResult:
    """Resolve every open promise that is covered or past its date plus grace, page by page in
    this session. Idempotent: resolved promises are no longer open, and follow-up tasks carry
    a dedupe key. ``still_open`` counts the open promises left."""
    result = CheckResult()
    after: uuid.UUID | None = None
    while True:
        after = check_promise_page(
            session,
            actor,
            today_by_portfolio=today_by_portfolio,
            after=after,
            limit=chunk,
            result=result,
        )
        if after is None:
            break
    result.still_open = repository.count_open(session)
    return result


def check_promise_page(
    session: Session,
    actor: Actor,
    *,
    today_by_portfolio: dict[uuid.UUID, date],
    after: uuid.UUID | None,
    limit: int,
    result: CheckResult,
) -> uuid.UUID | None:
    """Judge one page of candidate promises (id order, after ``after``): the accounts locked
    in one query, the promises re-read under that lock, the page's payments summed per account
    and day in one grouped query, then bulk writes. Returns the cursor of the next page, or
    None after the last. Each page is idempotent on its own, so a job may commit per page."""
    policies = _Policies.load(session)
    horizon = max(today_by_portfolio.values(), default=date.today())
    todays = {pid: today_by_portfolio.get(pid, horizon) for pid in policies.portfolios}
    cutoffs = {pid: day - timedelta(days=policies.min_grace(pid)) for pid, day in todays.items()}
    page = repository.judgeable_page(
        session, cutoffs=cutoffs, otherwise=horizon, after=after, limit=limit
    )
    if not page:
        return None
    accounts = ledger_repository.lock_accounts(session, sorted({a for _, a in page}))
    rows = repository.open_rows(session, [p for p, _ in page])
    if rows:
        since = min(r.created_at.date() for r in rows) - timedelta(days=1)  # any timezone
        received = repository.received_by_day(session, list(accounts), since)
        verdicts = []
        for row in rows:
            account = accounts[row.account_id]
            today = todays.get(account.portfolio_id, horizon)
            verdict = _verdict(row, account, today, received.get(row.account_id, []), policies)
            if verdict is not None:
                verdicts.append(verdict)
        _apply(session, actor, verdicts, result)
    return page[-1][0] if len(page) == limit else None


def promise_day(promise: Promise, timezone: str) -> date:
    """The day a promise was made in its portfolio's timezone: payments' effective dates are
    local days, so a promise made at 21:30 in Lima and paid that evening counts as covered."""
    return local_day(promise.created_at, timezone)


def local_day(created_at: datetime, timezone: str) -> date:
    return created_at.astimezone(ZoneInfo(timezone)).date()


class AccountFacts(Protocol):
    """What judging reads of an account (an ``Account`` or a locked page row)."""

    @property
    def portfolio_id(self) -> uuid.UUID: ...

    @property
    def balance_minor(self) -> int: ...

    @property
    def due_date(self) -> date: ...


class _Policies:
    """Every portfolio's timezone and policy read once (one query), the policy resolved once
    per (portfolio, bucket, override)."""

    def __init__(self, portfolios: dict[uuid.UUID, Portfolio]) -> None:
        self.portfolios = portfolios
        self.parsed = {pid: policy_of(p) for pid, p in portfolios.items()}
        self.resolved: dict[tuple[uuid.UUID, str, int], ResolvedPolicy] = {}

    @classmethod
    def load(cls, session: Session) -> _Policies:
        return cls(repository.portfolios(session))

    def timezone(self, portfolio_id: uuid.UUID) -> str:
        return self.portfolios[portfolio_id].timezone

    def min_grace(self, portfolio_id: uuid.UUID) -> int:
        """The fewest grace days any account of the portfolio can get (for the SQL filter)."""
        policy = self.parsed[portfolio_id]
        overrides = [o.grace_days for o in policy.overrides if o.grace_days is not None]
        return min([policy.grace_days, *overrides])

    def for_account(self, account: AccountFacts, today: date) -> ResolvedPolicy:
        policy = self.parsed[account.portfolio_id]
        bucket = bucket_for(overdue_days(account.balance_minor, account.due_date, today))
        balance = max(account.balance_minor, 0)
        override = next(
            (i for i, o in enumerate(policy.overrides) if o.matches(bucket, balance)), -1
        )
        key = (account.portfolio_id, bucket.value, override)
        if key not in self.resolved:
            self.resolved[key] = effective_policy(policy, bucket, balance)
        return self.resolved[key]


@dataclass(frozen=True, slots=True)
class _Verdict:
    promise_id: uuid.UUID
    account_id: uuid.UUID
    amount_minor: int
    status: PromiseStatus
    paid: int
    follow_up: FollowUp | None


def _verdict(
    row: Row[Any],
    account: Row[Any],
    today: date,
    received: list[tuple[date, int]],
    policies: _Policies,
) -> _Verdict | None:
    """Kept, partially kept or broken (None: still open), exactly as the rule reads."""
    grace = policies.for_account(account, today).grace_days
    deadline = row.due_date + timedelta(days=grace)
    start = local_day(row.created_at, policies.timezone(account.portfolio_id))
    paid = sum(amount for day, amount in received if start <= day <= deadline)
    if paid >= row.amount_minor:
        status = PromiseStatus.kept
    elif today <= deadline:
        return None
    else:
        status = PromiseStatus.partially_kept if paid > 0 else PromiseStatus.broken
    follow_up = None
    if status != PromiseStatus.kept and account.status in OPEN_STATUSES:
        follow_up = FollowUp(
            account_id=row.account_id,
            agent_id=account.assigned_agent_id,
            kind=TaskKind.follow_up_broken_promise,
            due_date=today,
            payload={
                "promise_id": str(row.id),
                "amount_minor": row.amount_minor,
                "paid_minor": paid,
                "days_past_due": overdue_days(account.balance_minor, account.due_date, today),
            },
            dedupe_key=f"promise:{row.id}:{status.value}",
        )
    return _Verdict(row.id, row.account_id, row.amount_minor, status, paid, follow_up)


def _apply(session: Session, actor: Actor, verdicts: list[_Verdict], result: CheckResult) -> None:
    """One executemany of the promise updates, one INSERT of their audit events, then the
    follow-up tasks (deduplicated) with theirs."""
    if not verdicts:
        return
    now = utcnow()
    repository.resolve_many(
        session,
        [
            {"promise": v.promise_id, "new_status": v.status, "paid": max(v.paid, 0), "at": now}
            for v in verdicts
        ],
    )
    expire_loaded(session, Promise, [v.promise_id for v in verdicts])
    audit.record_many(
        session,
        [
            audit.event_row(
                actor,
                f"promise.{v.status.value}",
                "promise",
                v.promise_id,
                before={"status": "open"},
                after={"status": v.status.value, "paid_minor": v.paid},
                account_id=v.account_id,
            )
            for v in verdicts
        ],
    )
    for v in verdicts:
        setattr(result, v.status.value, getattr(result, v.status.value) + 1)
    follow_ups = [v.follow_up for v in verdicts if v.follow_up is not None]
    result.tasks.extend(tasks.open_follow_ups(session, actor, follow_ups))


def kpis(
    session: Session,
    *,
    portfolio_id: uuid.UUID | None,
    date_from: date | None,
    date_to: date | None,
) -> list[PromiseKpis]:
    """Promises made in the window (by creation day), by currency: counts per outcome, the
    amount promised, and the amount received against resolved promises."""
    by_currency: dict[str, PromiseKpis] = {}
    for currency, status, count, promised, paid in repository.kpi_rows(
        session, portfolio_id, date_from, date_to
    ):
        row = by_currency.setdefault(
            currency,
            PromiseKpis(
                currency=currency,
                made=0,
                kept=0,
                partially_kept=0,
                broken=0,
                open=0,
                amount_promised_minor=0,
                amount_kept_minor=0,
            ),
        )
        if status == PromiseStatus.superseded:
            continue  # replaced by a newer promise, which is counted instead
        row.made += count
        row.amount_promised_minor += promised
        if status in (
            PromiseStatus.kept,
            PromiseStatus.partially_kept,
            PromiseStatus.broken,
            PromiseStatus.open,
        ):
            setattr(row, status.value, getattr(row, status.value) + count)
        if status in (PromiseStatus.kept, PromiseStatus.partially_kept):
            row.amount_kept_minor += min(paid, promised)
    return sorted(by_currency.values(), key=lambda k: k.currency)


def _resolve(
    session: Session, actor: Actor, promise: Promise, status: PromiseStatus, paid: int
) -> None:
    promise.status = status
    promise.paid_minor = max(paid, 0)
    promise.resolved_at = utcnow()
    session.add(promise)
    audit.record(
        session,
        actor,
        f"promise.{status.value}",
        "promise",
        promise.id,
        before={"status": "open"},
        after={"status": status.value, "paid_minor": paid},
        account_id=promise.account_id,
    )


def settle(session: Session, actor: Actor, promise: Promise, received_minor: int) -> None:
    """Keep the open promise if ``received_minor`` (money received since its day) covers it."""
    if received_minor >= promise.amount_minor:
        _resolve(session, actor, promise, PromiseStatus.kept, received_minor)
