"""Offers, proposals and plans: the negotiation engine applied to stored accounts.

* Offers are persisted with the balance they were computed for and an expiry; accepting one
  re-checks both (409 ``offer_expired`` / ``offer_stale``) and locks the account row, and
  ``plans.offer_id`` is unique, so two simultaneous accepts create one plan.
* A plan keeps its own terms (instalments, grace days, missed-to-break), so later policy changes
  never alter it. Plan interest is booked as a ledger ``interest`` entry when the plan is agreed
  and reversed if the plan breaks or is cancelled.
* Allocation is derived, not accumulated: the money received since the plan was agreed
  (payments net of their reversals) is applied to the instalments in order, oldest first, and
  overpayment rolls forward. Recomputing it after every payment or reversal is idempotent.
* A paid settlement books its discount as a ledger ``discount`` entry, which closes the account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import days_past_due
from backend.amounts import ceiling, check_amount
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.bulk import scratch
from backend.core.clock import today_in, utcnow
from backend.core.db import expire_loaded
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.creditors import repository as creditors_repository
from backend.creditors.models import Portfolio
from backend.ledger import repository as ledger_repository
from backend.ledger import service as ledger
from backend.negotiation import engine
from backend.negotiation.limits import Violation
from backend.negotiation.policy import NegotiationPolicy, effective_policy
from backend.negotiation.proposals import (
    PlanByAmount,
    PlanByCount,
    Proposal,
    SettlementRequest,
    Terms,
)
from backend.negotiation.schedule import Frequency, Schedule
from backend.negotiation.settlement import Settlement
from backend.plans import repository
from backend.plans.models import Offer, Plan, PlanInstalment
from backend.policies.service import policy_of, resolved_for, segment_of
from backend.tasks import service as tasks
from backend.tasks.models import Task
from shared.money import from_decimal
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    EntryKind,
    InstalmentStatus,
    OfferStatus,
    PlanKind,
    PlanStatus,
    TaskKind,
)
from shared.schemas.negotiation import (
    InstalmentRead,
    OfferRead,
    PlanRead,
    ProposalRequest,
)

NEGOTIABLE = (AccountStatus.active, AccountStatus.disputed)


def local_today(session: Session, account: Account) -> date:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    return today_in(portfolio.timezone)


def _negotiable(session: Session, account_id: uuid.UUID) -> tuple[Account, Portfolio, date]:
    """The account, locked, if a new arrangement may be made on it today."""
    account = ledger_repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    if repository.active_plan(session, account.id) is not None:
        raise Conflict("error.plan_active")
    if account.status not in NEGOTIABLE:
        raise Conflict("error.account_not_open", status=account.status.value)
    if account.balance_minor <= 0:
        raise Conflict("error.nothing_to_negotiate")
    portfolio = _portfolio(session, account)
    return account, portfolio, today_in(portfolio.timezone)


def _snapshot(session: Session, account: Account, today: date) -> engine.AccountSnapshot:
    return engine.AccountSnapshot(
        balance_minor=account.balance_minor,
        currency=account.currency,
        days_past_due=days_past_due(account, today),
        segment=segment_of(session, account),
    )


def _instalment_rows(terms: Terms) -> list[dict[str, object]]:
    if isinstance(terms, Settlement):
        return [
            {
                "number": 1,
                "due_date": terms.due_date.isoformat(),
                "amount_minor": terms.amount_minor,
                "principal_minor": terms.amount_minor,
                "interest_minor": 0,
            }
        ]
    return [
        {
            "number": i.number,
            "due_date": i.due_date.isoformat(),
            "amount_minor": i.amount_minor,
            "principal_minor": i.principal_minor,
            "interest_minor": i.interest_minor,
        }
        for i in terms.instalments
    ]


def _store_offer(
    session: Session,
    account: Account,
    offer: engine.Offer,
    channel: ActionChannel,
    batch_id: uuid.UUID | None,
    explanation: list[dict[str, object]] | None = None,
) -> Offer:
    terms = offer.terms
    is_settlement = isinstance(terms, Settlement)
    row = Offer(
        account_id=account.id,
        kind=offer.kind.value,
        plan_kind=PlanKind.settlement if is_settlement else PlanKind.instalments,
        balance_minor=account.balance_minor,
        currency=account.currency,
        total_minor=terms.amount_minor if is_settlement else terms.total_minor,
        discount_minor=terms.discount_minor if is_settlement else 0,
        frequency=None if is_settlement else terms.frequency.value,
        monthly_rate=Decimal(0) if is_settlement else terms.monthly_rate,
        schedule=_instalment_rows(terms),
        explanation=explanation or [],
        channel=channel,
        batch_id=batch_id,
        expires_at=offer.expires_at,
    )
    session.add(row)
    return row


def _check_quota(
    session: Session,
    account: Account,
    policy: NegotiationPolicy,
    timezone: str,
    today: date,
    channel: ActionChannel,
) -> None:
    """Self-service channels may open only ``max_negotiations`` per period and account; the
    period's days are the portfolio's (an evening's opening in Lima is already tomorrow in
    UTC, and counted by its UTC date it fell outside the window and did not count)."""
    if channel not in repository.SELF_SERVICE:
        return
    snapshot = _snapshot(session, account, today)
    resolved = effective_policy(
        policy, snapshot.bucket, max(account.balance_minor, 0), snapshot.segment
    )
    since = utcnow() - timedelta(days=resolved.negotiation_period_days)
    opened = repository.self_service_openings(session, account.id, since)
    zone = ZoneInfo(timezone)
    remaining = engine.negotiations_remaining(
        snapshot, policy, [when.astimezone(zone).date() for when in opened], today
    )
    if remaining <= 0:
        raise Conflict("error.negotiation_limit")


def _portfolio(session: Session, account: Account) -> Portfolio:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    return portfolio


def generate_offers(
    session: Session, actor: Actor, account_id: uuid.UUID, channel: ActionChannel
) -> list[Offer]:
    """Fresh one-tap offers; earlier open offers of the account are superseded."""
    account, portfolio, today = _negotiable(session, account_id)
    policy = policy_of(portfolio)
    _check_quota(session, account, policy, portfolio.timezone, today, channel)
    computed = engine.offers(
        _snapshot(session, account, today),
        policy,
        today,
        issued_at=utcnow(),
    )
    repository.supersede_open_offers(session, account.id)
    batch = uuid.uuid4()
    rows = [_store_offer(session, account, offer, channel, batch) for offer in computed]
    session.flush()
    audit.record(
        session,
        actor,
        "offers.generated",
        "account",
        account.id,
        after={"channel": channel.value, "offers": [str(r.id) for r in rows]},
        account_id=account.id,
    )
    return rows


def _to_proposal(req: ProposalRequest, currency: str, limit_minor: int) -> Proposal:
    def minor(value: Decimal | None) -> int | None:
        if value is None:
            return None
        return check_amount(from_decimal(value, currency), limit_minor)  # MoneyError: a 422

    down_bps = None
    if req.down_payment_percent is not None:
        bps = req.down_payment_percent * 100
        if bps != bps.to_integral_value():
            raise ValidationFailed("error.invalid_proposal", reason="percent with > 2 decimals")
        down_bps = int(bps)
    settlement, instalment, down = (
        minor(req.settlement_amount),
        minor(req.instalment_amount),
        minor(req.down_payment),
    )
    frequency = Frequency(req.frequency)
    try:
        if settlement is not None and req.kind == "settlement":
            return SettlementRequest(settlement, req.pay_on)
        if instalment is not None and req.kind == "plan_by_amount":
            return PlanByAmount(instalment, frequency, req.first_due, down, down_bps)
        assert req.instalments is not None  # the schema requires the kind's field
        return PlanByCount(req.instalments, frequency, req.first_due, down, down_bps)
    except ValueError as exc:
        raise ValidationFailed("error.invalid_proposal", reason=str(exc)) from None


@dataclass
class ProposalOutcome:
    status: engine.EvaluationStatus
    offer: Offer | None
    violations: list[dict[str, object]]
    task: Task | None = None


def _violations(items: tuple[Violation, ...]) -> list[dict[str, object]]:
    return [v.as_dict() for v in items]


def propose(
    session: Session, actor: Actor, account_id: uuid.UUID, req: ProposalRequest
) -> ProposalOutcome:
    """Evaluate a counter-proposal: accepted and countered terms come back as an offer to
    accept; out-of-limit requests become an approval task for the supervisor."""
    account, portfolio, today = _negotiable(session, account_id)
    proposal = _to_proposal(req, account.currency, ceiling(portfolio))
    evaluation = engine.evaluate(
        _snapshot(session, account, today),
        policy_of(portfolio),
        proposal,
        today,
        insist=req.insist,
        issued_at=utcnow(),
    )
    violations = _violations(evaluation.violations)
    repository.supersede_open_offers(session, account.id)
    offer = (
        _store_offer(session, account, evaluation.offer, req.channel, None, violations)
        if evaluation.offer
        else None
    )
    session.flush()
    task = None
    if evaluation.needs_approval:
        requested = evaluation.requested
        task = tasks.open_task(
            session,
            actor,
            account,
            TaskKind.approval_request,
            today,
            {
                "channel": req.channel.value,
                "proposal": req.model_dump(mode="json"),
                "violations": violations,
                "balance_minor": account.balance_minor,
                "requested": _instalment_rows(requested) if requested else None,
                "requested_kind": (
                    PlanKind.settlement.value
                    if isinstance(requested, Settlement)
                    else PlanKind.instalments.value
                ),
                "requested_total_minor": _total(requested) if requested else None,
                "requested_discount_minor": (
                    requested.discount_minor if isinstance(requested, Settlement) else 0
                ),
                "requested_frequency": (
                    requested.frequency.value if isinstance(requested, Schedule) else None
                ),
                "requested_monthly_rate": (
                    str(requested.monthly_rate) if isinstance(requested, Schedule) else "0"
                ),
            },
        )
    audit.record(
        session,
        actor,
        f"proposal.{evaluation.status.value}",
        "account",
        account.id,
        after={
            "proposal": req.model_dump(mode="json"),
            "violations": violations,
            "offer_id": str(offer.id) if offer else None,
            "task_id": str(task.id) if task else None,
        },
        account_id=account.id,
    )
    return ProposalOutcome(evaluation.status, offer, violations, task)


def _total(terms: Terms) -> int:
    return terms.amount_minor if isinstance(terms, Settlement) else terms.total_minor


def accept(session: Session, actor: Actor, offer_id: uuid.UUID, channel: ActionChannel) -> Plan:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound()
    account = ledger_repository.lock_account(session, offer.account_id)
    assert account is not None  # foreign key
    session.refresh(offer)  # the lock orders us after a concurrent accept: read its result
    if offer.status == OfferStatus.accepted:
        raise Conflict("error.offer_already_accepted")
    if offer.status == OfferStatus.superseded:
        raise Conflict("error.offer_superseded")
    if offer.status == OfferStatus.expired or offer.expires_at <= utcnow():
        raise Conflict("error.offer_expired")
    if offer.balance_minor != account.balance_minor:
        raise Conflict("error.offer_stale")
    _negotiable(session, account.id)
    plan = _create_plan(
        session,
        actor,
        account,
        channel,
        kind=offer.plan_kind,
        offer_id=offer.id,
        total=offer.total_minor,
        discount=offer.discount_minor,
        frequency=offer.frequency,
        rate=offer.monthly_rate,
        rows=offer.schedule,
    )
    offer.status = OfferStatus.accepted
    session.add(offer)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the unique offer_id: another worker accepted it first
        raise Conflict("error.offer_already_accepted") from None
    return plan


def approve(session: Session, actor: Actor, task: Task) -> Plan:
    """A supervisor approves an out-of-limit request: the requested terms become the plan."""
    payload = task.payload
    if not payload.get("requested"):
        raise Conflict("error.task_not_approval")
    account, _, _ = _negotiable(session, task.account_id)
    if payload["balance_minor"] != account.balance_minor:
        raise Conflict("error.offer_stale")
    return _create_plan(
        session,
        actor,
        account,
        ActionChannel(payload["channel"]),
        kind=PlanKind(payload["requested_kind"]),
        offer_id=None,
        total=payload["requested_total_minor"],
        discount=payload["requested_discount_minor"],
        frequency=payload["requested_frequency"],
        rate=Decimal(payload["requested_monthly_rate"]),
        rows=payload["requested"],
    )


def _create_plan(
    session: Session,
    actor: Actor,
    account: Account,
    channel: ActionChannel,
    *,
    kind: PlanKind,
    offer_id: uuid.UUID | None,
    total: int,
    discount: int,
    frequency: str | None,
    rate: Decimal,
    rows: list[dict[str, object]],
) -> Plan:
    today = local_today(session, account)
    policy = resolved_for(session, account, today)
    plan = Plan(
        account_id=account.id,
        offer_id=offer_id,
        kind=kind,
        status=PlanStatus.active,
        currency=account.currency,
        balance_at_agreement_minor=account.balance_minor,
        total_minor=total,
        discount_minor=discount,
        frequency=frequency,
        monthly_rate=rate,
        grace_days=policy.grace_days,
        missed_to_break=policy.missed_instalments_to_break,
        channel=channel,
        created_by_id=actor.id if actor.kind == "user" else None,
    )
    session.add(plan)
    session.flush()
    for row in rows:
        session.add(
            PlanInstalment(
                plan_id=plan.id,
                number=int(row["number"]),  # type: ignore[call-overload]
                due_date=date.fromisoformat(str(row["due_date"])),
                amount_minor=int(row["amount_minor"]),  # type: ignore[call-overload]
                principal_minor=int(row["principal_minor"]),  # type: ignore[call-overload]
                interest_minor=int(row["interest_minor"]),  # type: ignore[call-overload]
            )
        )
    before_status = account.status
    account.status = AccountStatus.in_plan
    session.add(account)
    session.flush()
    interest = sum(int(r["interest_minor"]) for r in rows)  # type: ignore[call-overload]
    if interest > 0:
        ledger.post(
            session,
            actor,
            account.id,
            kind=EntryKind.interest,
            amount_minor=interest,
            currency=account.currency,
            effective_date=today,
            source="plan",
            idempotency_key=f"plan:{plan.id}:interest",
            description="Plan interest",
        )
    audit.record(
        session,
        actor,
        "plan.accepted",
        "plan",
        plan.id,
        before={"account_status": before_status.value},
        after={**(audit.snapshot(plan) or {}), "channel": channel.value},
        account_id=account.id,
    )
    return plan


def cancel(session: Session, actor: Actor, plan: Plan, reason: str, channel: ActionChannel) -> Plan:
    account = ledger_repository.lock_account(session, plan.account_id)
    assert account is not None  # foreign key
    session.refresh(plan)
    if plan.status != PlanStatus.active:
        raise Conflict("error.plan_not_active")
    _close(
        session,
        actor,
        plan,
        account,
        PlanStatus.cancelled,
        {"reason": reason, "channel": channel.value},
    )
    return plan


def _close(
    session: Session,
    actor: Actor,
    plan: Plan,
    account: Account,
    status: PlanStatus,
    details: dict[str, object],
) -> None:
    """End a plan that was not completed: unearned plan interest is reversed and the account
    goes back to active."""
    plan.status = status
    plan.closed_at = utcnow()
    session.add(plan)
    interest = ledger_repository.by_key(session, account.id, f"plan:{plan.id}:interest")
    if interest is not None:
        ledger.reverse(
            session,
            actor,
            interest.id,
            idempotency_key=f"plan:{plan.id}:interest:reversal",
            source="plan",
            description=f"Plan {status.value}",
        )
        session.refresh(account)
    if account.status == AccountStatus.in_plan:
        account.status = AccountStatus.active
        session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        f"plan.{status.value}",
        "plan",
        plan.id,
        before={"status": "active"},
        after={"status": status.value, **details},
        account_id=account.id,
    )


@dataclass(frozen=True, slots=True)
class Received:
    """Money received for a plan: an amount, and the instalment it was paid for, if any."""

    amount_minor: int
    instalment_id: uuid.UUID | None = None


def allocate(
    session: Session,
    actor: Actor,
    account: Account,
    plan: Plan,
    rows: list[PlanInstalment],
    received: Received,
) -> None:
    """Apply one new payment to the active plan's instalments (in number order)."""
    apply_received(rows, received)
    _settle_instalments(session, actor, account, plan, rows)


def reallocate(
    session: Session, actor: Actor, account: Account, targets: dict[uuid.UUID, uuid.UUID]
) -> None:
    """Recompute the allocation from every payment received since the plan was agreed (not
    reversed), after a payment is reversed or refunded; ``targets`` maps a payment's ledger
    entry to the instalment it was made for. Idempotent: reversals undo it exactly."""
    plan = repository.active_plan(session, account.id)
    if plan is None:
        return
    rows = repository.instalments(session, plan.id)
    for row in rows:
        row.paid_minor = 0
    for entry_id, amount in repository.payments_since(session, account.id, plan.created_at):
        apply_received(rows, Received(amount, targets.get(entry_id)))
    _settle_instalments(session, actor, account, plan, rows)


def apply_received(rows: list[PlanInstalment], received: Received) -> None:
    """A payment made for a given instalment (a link for it) goes there first; everything
    else, and any excess, goes to the oldest unpaid instalment, rolling forward. (Bank
    statements run it on copies, to know what the next line of a file will find unpaid.)"""
    amount = received.amount_minor
    for row in sorted(rows, key=lambda r: r.id != received.instalment_id):
        applied = min(max(amount, 0), row.amount_minor - row.paid_minor)
        row.paid_minor += applied
        amount -= applied


def _settle_instalments(
    session: Session, actor: Actor, account: Account, plan: Plan, rows: list[PlanInstalment]
) -> None:
    for row in rows:
        if row.paid_minor >= row.amount_minor:
            row.status = InstalmentStatus.paid
        elif row.status != InstalmentStatus.missed:
            row.status = InstalmentStatus.partial if row.paid_minor else InstalmentStatus.pending
        session.add(row)
    if all(row.status == InstalmentStatus.paid for row in rows):
        _complete(session, actor, plan, account)


def _complete(session: Session, actor: Actor, plan: Plan, account: Account) -> None:
    plan.status = PlanStatus.completed
    plan.closed_at = utcnow()
    session.add(plan)  # written by the caller's flush, its audit event with the others
    audit.record(
        session,
        actor,
        "plan.completed",
        "plan",
        plan.id,
        before={"status": "active"},
        after={"status": "completed"},
        account_id=account.id,
    )
    if plan.discount_minor > 0:
        ledger.post(
            session,
            actor,
            account.id,
            kind=EntryKind.discount,
            amount_minor=plan.discount_minor,
            currency=account.currency,
            effective_date=local_today(session, account),
            source="settlement",
            idempotency_key=f"plan:{plan.id}:discount",
            description="Settlement discount",
        )
    elif account.status == AccountStatus.in_plan and account.balance_minor > 0:
        account.status = AccountStatus.active
        session.add(account)
        session.flush()


@dataclass
class PlanCheck:
    broken: int = 0
    still_active: int = 0
    offers_expired: int = 0
    tasks: list[uuid.UUID] = field(default_factory=list)


#: Plans checked per page: a few round trips and one commit (in the job) per page.
PAGE = 5000


def check_active_plans(
    session: Session, actor: Actor, *, today_by_portfolio: dict[uuid.UUID, date], chunk: int = PAGE
) -> PlanCheck:
    """Break plans with too many missed instalments (after each plan's own grace days), mark
    missed instalments, expire old offers, page by page in this session. Idempotent: a broken
    plan is no longer active and its follow-up task has a dedupe key. ``still_active`` counts
    the active plans left."""
    result = PlanCheck(offers_expired=repository.expire_offers(session, utcnow()))
    after: uuid.UUID | None = None
    while True:
        after = check_plan_page(
            session,
            actor,
            today_by_portfolio=today_by_portfolio,
            after=after,
            limit=chunk,
            result=result,
        )
        if after is None:
            break
    result.still_active = repository.count_active(session)
    return result


def plan_todays(
    timezones: dict[uuid.UUID, str], today_by_portfolio: dict[uuid.UUID, date]
) -> dict[uuid.UUID, date]:
    """Each portfolio's today: the given one, else its own local date."""
    return {pid: today_by_portfolio.get(pid) or today_in(tz) for pid, tz in timezones.items()}


def check_plan_page(
    session: Session,
    actor: Actor,
    *,
    today_by_portfolio: dict[uuid.UUID, date],
    after: uuid.UUID | None,
    limit: int,
    result: PlanCheck,
) -> uuid.UUID | None:
    """Check the next ``limit`` active plans (id order, after ``after``) in SQL, with the same
    statements whatever the page holds: the plans with an instalment late past their grace
    days and their accounts, locked in id order; then, under those locks, each judged on its
    portfolio's day and one statement per kind of write: missed instalments, broken plans,
    their interest reversed (``ledger.reverse_selected``), accounts back to active, audit
    events, follow-up tasks. No row passes through Python but the tasks' ids. Returns the
    cursor of the next page, or None after the last. Each page is idempotent on its own."""
    timezones = creditors_repository.timezones(session)
    if not timezones:  # no portfolio, no plan
        return None
    upto = repository.nth_active_after(session, after, limit)
    scratch(session, repository.VERDICTS)
    repository.take_late(
        session,
        after=after,
        upto=upto,
        todays=plan_todays(timezones, today_by_portfolio),
        local_todays=plan_todays(timezones, {}),
    )
    ledger_repository.lock_accounts(session, repository.late_accounts())
    repository.judge(session)
    repository.mark_missed(session)
    repository.name_breaks(session)
    now = utcnow()
    repository.close_broken(session, now)
    ledger.reverse_selected(
        session,
        actor,
        repository.interest_to_reverse(),
        source="plan",
        description=f"Plan {PlanStatus.broken.value}",
        at=now,
    )
    repository.reactivate_broken(session)
    audit.record_selected(session, actor, repository.broken_events(), at=now)
    tasks.open_selected(session, actor, repository.follow_ups(), at=now)
    expire_loaded(session, Plan, PlanInstalment, Account)
    broken = repository.broken_tasks(session)
    result.broken += len(broken)
    result.tasks.extend(broken)
    return upto


def offer_to_read(offer: Offer) -> OfferRead:
    return OfferRead.model_validate(
        {
            **offer.model_dump(),
            "instalments": [InstalmentRead.model_validate(r) for r in offer.schedule],
        }
    )


def plan_to_read(session: Session, plan: Plan) -> PlanRead:
    rows = repository.instalments(session, plan.id)
    items = [InstalmentRead.model_validate(r.model_dump()) for r in rows]
    next_due = next((i for i in items if i.status != InstalmentStatus.paid), None)
    return PlanRead.model_validate(
        {
            **plan.model_dump(),
            "instalments": items,
            "paid_minor": sum(r.paid_minor for r in rows),
            "next_due": next_due,
        }
    )
