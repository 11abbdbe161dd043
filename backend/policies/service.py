"""Negotiation policies are data per portfolio (``portfolios.negotiation_policy``), validated by
``backend.negotiation.policy.NegotiationPolicy`` when saved. Plans keep their own terms, so a
policy change never alters a plan already agreed."""

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
from backend.core.errors import ValidationFailed
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.negotiation.policy import (
    NegotiationPolicy,
    ResolvedPolicy,
    default_policy,
    effective_policy,
)
from shared.schemas.enums import bucket_for


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


def resolved_for(session: Session, account: Account, today: date) -> ResolvedPolicy:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    bucket = bucket_for(days_past_due(account, today))
    return effective_policy(policy_of(portfolio), bucket, max(account.balance_minor, 0))


def resolved_sql(
    field: str,
    policies: dict[uuid.UUID, NegotiationPolicy],
    todays: dict[uuid.UUID, date],
    account: Any,
) -> ColumnElement[Any]:
    """``resolved_for(...).<field>`` in SQL for the rows of ``account`` (the accounts table or
    an alias): its portfolio's policy in ``policies``, its aging bucket on its portfolio's day in
    ``todays``, its balance; the first override that matches them decides (with the policy's
    own value if it does not set the field). NULL for a portfolio not in ``policies`` (which
    names at least one)."""
    balance = case((account.c.balance_minor > 0, account.c.balance_minor), else_=0)
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
            if override.min_balance_minor is not None:
                criteria.append(balance >= override.min_balance_minor)
            if override.max_balance_minor is not None:
                criteria.append(balance <= override.max_balance_minor)
            value = getattr(override, field)
            whens.append((and_(*criteria), base if value is None else value))
        by_portfolio[portfolio_id] = case(*whens, else_=base) if whens else literal(base)
    return case(by_portfolio, value=account.c.portfolio_id)


def replace(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, body: dict[str, Any]
) -> NegotiationPolicy:
    portfolio = get_portfolio(session, portfolio_id)
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
