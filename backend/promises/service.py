"""Promises to pay: at most one open per account (a new one supersedes the old), judged by a
daily job. Kept when the money received from the promise's day up to its date plus the
portfolio's grace days covers it; partially kept when some arrived; broken when none did.
A promise already covered before its date is marked kept at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, literal
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES
from backend.amounts import ceiling, check_amount
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.bulk import scratch
from backend.core.clock import today_in, utcnow
from backend.core.db import expire_loaded
from backend.core.errors import Conflict, IdempotencyConflict, NotFound, ValidationFailed
from backend.creditors.models import Portfolio
from backend.ledger import repository as ledger_repository
from backend.negotiation.policy import NegotiationPolicy
from backend.policies.service import policy_of, resolved_for, resolved_sql
from backend.promises import repository
from backend.promises.models import Promise
from backend.tasks import service as tasks
from shared.schemas.enums import ActionChannel, PromiseStatus
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


#: Open promises per page: a constant number of statements and one commit (in the job) each.
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
    """Judge the next ``limit`` open promises (id order, after ``after``) in SQL, with the same
    14 statements whatever the page holds: the promises that can be resolved (due before
    their portfolio's day minus its least grace, or with money in since they were made) and
    their accounts, locked in id order; then, under those locks, each judged on its
    portfolio's day (``today_by_portfolio``, the latest of them for a portfolio not listed) with
    the grace its account's bucket and balance get, and one statement per kind of write:
    promises resolved, their audit events, follow-up tasks and theirs. No row passes through
    Python but the page's outcome. Returns the cursor of the next page, or None after the last.
    A page is idempotent on its own, so a job may commit per page."""
    portfolios = repository.portfolios(session)
    if not portfolios:  # no portfolio, no promise
        return None
    upto = repository.nth_open_after(session, after, limit)
    horizon = max(today_by_portfolio.values(), default=date.today())
    todays = {pid: today_by_portfolio.get(pid, horizon) for pid in portfolios}
    policies = {pid: policy_of(p) for pid, p in portfolios.items()}
    cutoffs = {pid: todays[pid] - timedelta(days=_least_grace(p)) for pid, p in policies.items()}
    account = Account.__table__
    scratch(session, repository.VERDICTS)
    repository.take_judgeable(session, after=after, upto=upto, cutoffs=cutoffs, otherwise=horizon)
    ledger_repository.lock_accounts(session, repository.judgeable_accounts())
    repository.read_facts(
        session,
        today=_by_portfolio(todays, horizon, account),
        grace=resolved_sql("grace_days", policies, todays, account),
    )
    repository.judge(session)
    repository.name_follow_ups(session)
    now = utcnow()
    repository.resolve_judged(session, now)
    audit.record_selected(session, actor, repository.judged_events(), at=now)
    tasks.open_selected(session, actor, repository.follow_ups(), at=now)
    expire_loaded(session, Promise)
    for status, task_id in repository.outcomes(session):
        setattr(result, status, getattr(result, status) + 1)
        if task_id is not None:
            result.tasks.append(task_id)
    return upto


def _least_grace(policy: NegotiationPolicy) -> int:
    """The fewest grace days any account under ``policy`` can get (for the candidates)."""
    overrides = [o.grace_days for o in policy.overrides if o.grace_days is not None]
    return min([policy.grace_days, *overrides])


def _by_portfolio(values: dict[uuid.UUID, date], otherwise: date, account: Any) -> Any:
    """SQL: the day ``values`` (not empty) gives the row's portfolio, ``otherwise`` for one not
    listed."""
    return case(values, value=account.c.portfolio_id, else_=literal(otherwise, Date()))


def promise_day(promise: Promise, timezone: str) -> date:
    """The day a promise was made in its portfolio's timezone: payments' effective dates are
    local days, so a promise made at 21:30 in Lima and paid that evening counts as covered."""
    return promise.created_at.astimezone(ZoneInfo(timezone)).date()


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


def cancel_open(session: Session, actor: Actor, account_id: uuid.UUID) -> None:
    """Cancel the account's open promise, if any (the debt it promised to pay was found not
    owed); the caller holds the account's lock."""
    promise = repository.open_for_account(session, account_id)
    if promise is not None:
        _resolve(session, actor, promise, PromiseStatus.cancelled, promise.paid_minor)


def settle(session: Session, actor: Actor, promise: Promise, received_minor: int) -> None:
    """Keep the open promise if ``received_minor`` (money received since its day) covers it."""
    if received_minor >= promise.amount_minor:
        _resolve(session, actor, promise, PromiseStatus.kept, received_minor)
