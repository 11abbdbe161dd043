"""Negotiation policies are data per portfolio (``portfolios.negotiation_policy``), validated by
``backend.negotiation.policy.NegotiationPolicy`` when saved. Plans keep their own terms, so a
policy change never alters a plan already agreed.

Who changes a policy: an admin's policy applies; a supervisor's applies when it stays within
the portfolio's ceilings (``ceilings``, set by admins), and otherwise becomes a
``PolicyChange`` waiting for an admin to approve or reject it (both audited). An approval
applies the policy as asked, and only over the policy it was asked against: if the policy
changed meanwhile the change is stale (409) and must be asked again. Asking again for the same
policy over the same one answers the pending change (a retried request makes one); deciding
again the way it was decided answers the change as it stands.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, case, literal, or_
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import days_past_due, in_bucket_sql
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.negotiation.policy import (
    NegotiationPolicy,
    ResolvedPolicy,
    default_policy,
    effective_policy,
)
from backend.policies import ceilings, repository
from backend.policies.models import PolicyCeilingSet, PolicyChange
from backend.users.models import User
from shared.schemas.enums import Role, bucket_for
from shared.schemas.policies import (
    CeilingExceeded,
    PolicyCeilings,
    PolicyCeilingsUpdate,
    PolicyChangeRead,
    PolicyChangeStatus,
)


class InvalidPolicy(ValidationFailed):
    code = "invalid_policy"


def policy_of(portfolio: Portfolio) -> NegotiationPolicy:
    """The portfolio's validated policy (parsed once per distinct policy: jobs ask per row)."""
    if not portfolio.negotiation_policy:
        return _default(portfolio.currency)
    return _parse(json.dumps(portfolio.negotiation_policy, sort_keys=True))


@lru_cache(maxsize=256)
def _parse(policy_json: str) -> NegotiationPolicy:
    return NegotiationPolicy.model_validate_json(policy_json)


@lru_cache(maxsize=64)
def _default(currency: str) -> NegotiationPolicy:
    return default_policy(currency)


def segment_of(session: Session, account: Account) -> str | None:
    """The account's stored segment, which segment overrides match (None: no rule took it)."""
    return repository.segment_of(session, account.id)


def resolved_for(session: Session, account: Account, today: date) -> ResolvedPolicy:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    bucket = bucket_for(days_past_due(account, today))
    return effective_policy(
        policy_of(portfolio),
        bucket,
        max(account.balance_minor, 0),
        segment_of(session, account),
    )


def resolved_sql(
    field: str,
    policies: dict[uuid.UUID, NegotiationPolicy],
    todays: dict[uuid.UUID, date],
    account: Any,
) -> ColumnElement[Any]:
    """``resolved_for(...).<field>`` in SQL for the rows of ``account`` (the accounts table or
    an alias): its portfolio's policy in ``policies``, its aging bucket on its portfolio's day in
    ``todays``, its balance, its stored segment; the first override that matches them decides
    (with the policy's own value if it does not set the field). NULL for a portfolio not in
    ``policies`` (which names at least one)."""
    balance = case((account.c.balance_minor > 0, account.c.balance_minor), else_=0)
    segment = repository.segment_sql(account)
    by_portfolio: dict[uuid.UUID, ColumnElement[Any]] = {}
    for portfolio_id, policy in policies.items():
        base = getattr(policy, field)
        today = todays[portfolio_id]
        whens = []
        for override in policy.overrides:
            criteria = []
            if override.buckets is not None:
                criteria.append(
                    or_(
                        *(
                            in_bucket_sql(b, account.c.balance_minor, account.c.due_date, today)
                            for b in sorted(override.buckets)
                        )
                    )
                )
            if override.segments is not None:
                criteria.append(segment.in_(sorted(override.segments)))
            if override.min_balance_minor is not None:
                criteria.append(balance >= override.min_balance_minor)
            if override.max_balance_minor is not None:
                criteria.append(balance <= override.max_balance_minor)
            value = getattr(override, field)
            whens.append((and_(*criteria), base if value is None else value))
        by_portfolio[portfolio_id] = case(*whens, else_=base) if whens else literal(base)
    return case(by_portfolio, value=account.c.portfolio_id)


class PolicyChangeDecided(Conflict):
    code = "policy_change_decided"


class PolicyChangeStale(Conflict):
    code = "policy_change_stale"


def put(
    session: Session, actor: Actor, user: User, portfolio: Portfolio, body: dict[str, Any]
) -> NegotiationPolicy | PolicyChange:
    """The policy applied (admins; supervisors within the ceilings) or the change waiting for
    an admin (supervisors beyond them)."""
    policy = validated(portfolio, body)
    if user.role == Role.admin:
        return apply(session, actor, portfolio, policy)
    over = ceilings.exceeded(policy, ceilings_of(session, portfolio))
    if not over:
        return apply(session, actor, portfolio, policy)
    return _ask(session, actor, user, portfolio, policy, over)


def validated(portfolio: Portfolio, body: dict[str, Any]) -> NegotiationPolicy:
    body = {**body, "currency": body.get("currency", portfolio.currency)}
    try:
        policy = NegotiationPolicy.model_validate(body)
    except ValidationError as exc:
        details = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise InvalidPolicy(details=details) from None
    if policy.currency != portfolio.currency:
        raise ValidationFailed(
            "error.currency_mismatch", given=policy.currency, expected=portfolio.currency
        )
    return policy


def apply(
    session: Session, actor: Actor, portfolio: Portfolio, policy: NegotiationPolicy
) -> NegotiationPolicy:
    before = portfolio.negotiation_policy or None
    portfolio.negotiation_policy = policy.model_dump(mode="json")
    session.add(portfolio)
    session.flush()
    audit.record(
        session,
        actor,
        "policy.negotiation_updated",
        "portfolio",
        portfolio.id,
        before=before,
        after=portfolio.negotiation_policy,
    )
    return policy


# --- ceilings --------------------------------------------------------------------------------


def ceilings_of(session: Session, portfolio: Portfolio) -> PolicyCeilings:
    stored = session.get(PolicyCeilingSet, portfolio.id)
    return ceilings.effective(stored.ceilings if stored else {}, portfolio.currency)


def set_ceilings(
    session: Session, actor: Actor, portfolio: Portfolio, data: PolicyCeilingsUpdate
) -> PolicyCeilings:
    stored = session.get(PolicyCeilingSet, portfolio.id)
    before = stored.ceilings if stored else None
    given = data.model_dump(exclude_none=True)
    if stored is None:
        stored = PolicyCeilingSet(portfolio_id=portfolio.id)
    stored.ceilings = given
    stored.updated_by_id = actor.id if actor.kind == "user" else None
    session.add(stored)
    session.flush()
    audit.record(
        session,
        actor,
        "policy.ceilings_updated",
        "portfolio",
        portfolio.id,
        before=before,
        after=given,
    )
    return ceilings.effective(given, portfolio.currency)


# --- changes waiting for an admin ------------------------------------------------------------


def _ask(
    session: Session,
    actor: Actor,
    user: User,
    portfolio: Portfolio,
    policy: NegotiationPolicy,
    over: list[CeilingExceeded],
) -> PolicyChange:
    repository.lock_portfolio(session, portfolio.id)
    session.refresh(portfolio)
    proposed = policy.model_dump(mode="json")
    base = portfolio.negotiation_policy or {}
    same = repository.pending_change(session, portfolio.id, user.id, proposed, base)
    if same is not None:
        return same
    change = PolicyChange(
        portfolio_id=portfolio.id,
        proposed=proposed,
        base=base,
        exceeded=[item.model_dump() for item in over],
        requested_by_id=user.id,
    )
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor,
        "policy.change_requested",
        "policy_change",
        change.id,
        after={"portfolio_id": str(portfolio.id), "exceeded": change.exceeded},
    )
    return change


def approve(session: Session, actor: Actor, change: PolicyChange, note: str | None) -> PolicyChange:
    change = repository.locked_change(session, change.id)
    if change.status == PolicyChangeStatus.approved:
        return change
    if change.status != PolicyChangeStatus.pending:
        raise PolicyChangeDecided(status=change.status.value)
    repository.lock_portfolio(session, change.portfolio_id)
    portfolio = get_portfolio(session, change.portfolio_id)
    session.refresh(portfolio)
    if (portfolio.negotiation_policy or {}) != change.base:
        raise PolicyChangeStale()
    apply(session, actor, portfolio, validated(portfolio, change.proposed))
    _decide(session, actor, change, PolicyChangeStatus.approved, note)
    return change


def reject(session: Session, actor: Actor, change: PolicyChange, reason: str) -> PolicyChange:
    change = repository.locked_change(session, change.id)
    if change.status == PolicyChangeStatus.rejected:
        return change
    if change.status != PolicyChangeStatus.pending:
        raise PolicyChangeDecided(status=change.status.value)
    _decide(session, actor, change, PolicyChangeStatus.rejected, reason)
    return change


def _decide(
    session: Session,
    actor: Actor,
    change: PolicyChange,
    status: PolicyChangeStatus,
    note: str | None,
) -> None:
    change.status = status
    change.decided_by_id = actor.id
    change.decided_at = utcnow()
    change.decision_note = note
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor,
        f"policy.change_{status.value}",
        "policy_change",
        change.id,
        before={"status": PolicyChangeStatus.pending.value},
        after={
            "status": status.value,
            "portfolio_id": str(change.portfolio_id),
            "decision_note": note,
        },
    )


def visible_change(session: Session, user: User, change_id: uuid.UUID) -> PolicyChange:
    """Admins see every change; a supervisor the ones they asked for; 404 otherwise."""
    change = session.get(PolicyChange, change_id)
    if change is None or (user.role != Role.admin and change.requested_by_id != user.id):
        raise NotFound()
    return change


def changes_page(
    session: Session,
    user: User,
    *,
    after: uuid.UUID | None,
    limit: int,
    portfolio_id: uuid.UUID | None,
    status: PolicyChangeStatus | None,
) -> list[PolicyChange]:
    return repository.changes_page(
        session,
        requested_by=None if user.role == Role.admin else user.id,
        after=after,
        limit=limit,
        portfolio_id=portfolio_id,
        status=status,
    )


def to_read(change: PolicyChange) -> PolicyChangeRead:
    return PolicyChangeRead.model_validate(change, from_attributes=True)
