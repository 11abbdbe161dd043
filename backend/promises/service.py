"""Promises to pay: at most one open per account (a new one supersedes the old), judged by a
daily job. Kept when the money received from the promise's day up to its date plus the
portfolio's grace days covers it; partially kept when some arrived; broken when none did.
A promise already covered before its date is marked kept at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES, days_past_due
from backend.amounts import ceiling, check_amount
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import Conflict, IdempotencyConflict, NotFound, ValidationFailed
from backend.creditors.models import Portfolio
from backend.ledger import repository as ledger_repository
from backend.negotiation.policy import NegotiationPolicy, ResolvedPolicy, effective_policy
from backend.policies.service import policy_of, resolved_for
from backend.promises import repository
from backend.promises.models import Promise
from backend.tasks import service as tasks
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


def check_open_promises(
    session: Session, actor: Actor, *, today_by_portfolio: dict[uuid.UUID, date], chunk: int = 1000
) -> CheckResult:
    """Resolve every open promise that is covered or past its date plus grace. Idempotent:
    resolved promises are no longer open, and follow-up tasks carry a dedupe key."""
    result = CheckResult()
    policies = _Policies(session)
    horizon = max(today_by_portfolio.values(), default=date.today())
    after: uuid.UUID | None = None
    while batch := repository.open_page(session, after=after, limit=chunk):
        after = batch[-1].id
        accounts = repository.accounts(session, [p.account_id for p in batch])
        since = min(p.created_at.date() for p in batch) - timedelta(days=1)  # any timezone
        received: dict[uuid.UUID, list[tuple[date, int]]] = defaultdict(list)
        for account_id, day, amount in repository.payment_rows(session, list(accounts), since):
            received[account_id].append((day, amount))
        for promise in batch:
            account = accounts[promise.account_id]
            today = today_by_portfolio.get(account.portfolio_id, horizon)
            _judge(session, actor, promise, account, today, received[account.id], result, policies)
    return result


def promise_day(promise: Promise, timezone: str) -> date:
    """The day a promise was made in its portfolio's timezone: payments' effective dates are
    local days, so a promise made at 21:30 in Lima and paid that evening counts as covered."""
    return promise.created_at.astimezone(ZoneInfo(timezone)).date()


class _Policies:
    """Each portfolio's policy parsed once per job, and resolved once per (bucket, override)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.portfolios: dict[uuid.UUID, Portfolio] = {}
        self.parsed: dict[uuid.UUID, NegotiationPolicy] = {}
        self.resolved: dict[tuple[uuid.UUID, str, int], ResolvedPolicy] = {}

    def _portfolio(self, account: Account) -> Portfolio:
        portfolio = self.portfolios.get(account.portfolio_id)
        if portfolio is None:
            portfolio = self.session.get(Portfolio, account.portfolio_id)
            assert portfolio is not None  # foreign key
            self.portfolios[account.portfolio_id] = portfolio
        return portfolio

    def local_day(self, account: Account, promise: Promise) -> date:
        return promise_day(promise, self._portfolio(account).timezone)

    def for_account(self, account: Account, today: date) -> ResolvedPolicy:
        policy = self.parsed.get(account.portfolio_id)
        if policy is None:
            policy = self.parsed[account.portfolio_id] = policy_of(self._portfolio(account))
        bucket = bucket_for(days_past_due(account, today))
        balance = max(account.balance_minor, 0)
        override = next(
            (i for i, o in enumerate(policy.overrides) if o.matches(bucket, balance)), -1
        )
        key = (account.portfolio_id, bucket.value, override)
        if key not in self.resolved:
            self.resolved[key] = effective_policy(policy, bucket, balance)
        return self.resolved[key]


def _judge(
    session: Session,
    actor: Actor,
    promise: Promise,
    account: Account,
    today: date,
    received: list[tuple[date, int]],
    result: CheckResult,
    policies: _Policies,
) -> None:
    grace = policies.for_account(account, today).grace_days
    deadline = promise.due_date + timedelta(days=grace)
    start = policies.local_day(account, promise)
    paid = sum(amount for day, amount in received if start <= day <= deadline)
    if paid >= promise.amount_minor:
        status = PromiseStatus.kept
    elif today <= deadline:
        result.still_open += 1
        return
    else:
        status = PromiseStatus.partially_kept if paid > 0 else PromiseStatus.broken
    _resolve(session, actor, promise, status, paid)
    setattr(result, status.value, getattr(result, status.value) + 1)
    if status != PromiseStatus.kept and account.status in OPEN_STATUSES:
        task = tasks.open_task(
            session,
            actor,
            account,
            TaskKind.follow_up_broken_promise,
            today,
            {
                "promise_id": str(promise.id),
                "amount_minor": promise.amount_minor,
                "paid_minor": paid,
                "days_past_due": days_past_due(account, today),
            },
            dedupe_key=f"promise:{promise.id}:{status.value}",
        )
        result.tasks.append(task.id)


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


def received_since_made(session: Session, promise: Promise, timezone: str) -> int:
    """Money received on the account from the promise's day on (payments net of reversals)."""
    since = promise_day(promise, timezone)
    return sum(a for _, _, a in repository.payment_rows(session, [promise.account_id], since))


def settle(session: Session, actor: Actor, promise: Promise, received_minor: int) -> None:
    """Keep the open promise if ``received_minor`` (money received since its day) covers it."""
    if received_minor >= promise.amount_minor:
        _resolve(session, actor, promise, PromiseStatus.kept, received_minor)
