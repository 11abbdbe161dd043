"""Shared set-up for negotiation tests: a Lima portfolio with an explicit policy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.creditors.models import Portfolio
from backend.payments import service as payments
from backend.users.models import User
from shared.schemas.enums import EntryKind, Role
from tests import builders as b

POLICY: dict[str, Any] = {
    "currency": "PEN",
    "min_instalments": 2,
    "max_instalments": 6,
    "frequencies": ["monthly"],
    "min_down_payment_bps": 1000,
    "min_instalment_minor": 5_000,
    "max_days_first_payment": 10,
    "monthly_interest_rate": "0",
    "max_plan_days": 200,
    "grace_days": 3,
    "missed_instalments_to_break": 1,
    "settlement_max_discount_bps": 2000,
    "settlement_deadline_days": 7,
    "offer_validity_hours": 48,
    "max_negotiations": 2,
    "negotiation_period_days": 30,
}


def lima(session: Session, **policy: Any) -> Portfolio:
    return b.portfolio(session, negotiation_policy={**POLICY, **policy})


def today() -> date:
    return today_in("America/Lima")


def team(session: Session) -> tuple[User, User]:
    supervisor = b.user(session, Role.supervisor)
    return supervisor, b.user(session, Role.agent, supervisor=supervisor)


def pay(session: Session, account: Account, amount: int, key: str, on: date | None = None) -> None:
    """A payment posted by hand (through payments, so plans and promises see it)."""
    payments.post_entry(
        session,
        Actor.system(),
        account.id,
        kind=EntryKind.payment,
        amount_minor=amount,
        currency=account.currency,
        effective_date=on or today(),
        idempotency_key=key,
        description=None,
        approve_overpayment=True,
    )


def days(n: int) -> date:
    return today() + timedelta(days=n)
