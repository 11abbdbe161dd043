"""Builders: plain functions that add rows and flush, never commit. Defaults are valid data."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.security import create_access_token, hash_password
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor, DebtorPhone
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry
from backend.users.models import User
from shared.schemas.enums import AccountStatus, EntryKind, NationalIdType, Role

_seq = itertools.count(1)
_FAST_HASH = hash_password("password123")  # hashing once keeps builders fast
SYSTEM = Actor.system()


def n() -> int:
    return next(_seq)


def user(session: Session, role: Role = Role.agent, supervisor: User | None = None, **kw) -> User:
    row = User(
        email=kw.pop("email", f"user{n()}-{uuid.uuid4().hex[:6]}@test.cobro"),
        full_name=kw.pop("full_name", f"User {n()}"),
        password_hash=_FAST_HASH,
        role=role,
        supervisor_id=supervisor.id if supervisor else None,
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def headers(who: User, lang: str = "en") -> dict[str, str]:
    token = create_access_token(who.id, who.role.value, version=who.token_version)
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def creditor(session: Session, **kw) -> Creditor:
    row = Creditor(
        name=kw.pop("name", f"Creditor {n()} {uuid.uuid4().hex[:6]}"), country="PE", **kw
    )
    session.add(row)
    session.flush()
    return row


# Contact allowed at any hour of any day, so tests do not depend on the wall clock; the tests of
# the contact rules give their portfolios the country's rules (``contact_rules={}``) and pin the
# clock (``backend.core.clock.pinned``).
ANYTIME: dict[str, object] = {
    "hours": [{"days": {str(day): [["00:00", "24:00"]] for day in range(7)}}],
    "caps": [],
    "spacings": [],
    "holiday_channels": None,
    "channels_per_week": None,
    "authorised_only": False,
}


def portfolio(
    session: Session, currency: str = "PEN", country: str = "PE", tz: str = "America/Lima", **kw
) -> Portfolio:
    owner = kw.pop("creditor", None) or creditor(session)
    row = Portfolio(
        creditor_id=owner.id,
        name=kw.pop("name", f"Portfolio {n()}"),
        contact_rules=kw.pop("contact_rules", ANYTIME),
        currency=currency,
        country=country,
        timezone=tz,
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def debtor(session: Session, in_portfolio: Portfolio, phone: str | None = None, **kw) -> Debtor:
    row = Debtor(
        portfolio_id=in_portfolio.id,
        id_type=kw.pop("id_type", NationalIdType.DNI),
        id_number=kw.pop("id_number", f"{n():08d}"[-8:]),
        first_name=kw.pop("first_name", "Rosa"),
        last_name=kw.pop("last_name", "Quispe"),
        **kw,
    )
    row.search_text = f"{row.first_name} {row.last_name}".lower()
    session.add(row)
    session.flush()
    if phone:
        session.add(DebtorPhone(debtor_id=row.id, e164=phone))
        session.flush()
    return row


def account(
    session: Session,
    in_portfolio: Portfolio | None = None,
    *,
    agent: User | None = None,
    principal: int = 100_000,
    days_past_due: int = 45,
    owner: Debtor | None = None,
    **kw,
) -> Account:
    in_portfolio = in_portfolio or portfolio(session)
    owner = owner or debtor(session, in_portfolio)
    row = Account(
        portfolio_id=in_portfolio.id,
        debtor_id=owner.id,
        external_ref=kw.pop("external_ref", f"REF-{n()}-{uuid.uuid4().hex[:6]}"),
        product=kw.pop("product", "Tarjeta de crédito"),
        principal_minor=principal,
        currency=in_portfolio.currency,
        # Days past due count in the portfolio's own day, as the backend counts them (the
        # machine's date is a day ahead of Lima's every evening).
        due_date=kw.pop(
            "due_date", today_in(in_portfolio.timezone) - timedelta(days=days_past_due)
        ),
        status=kw.pop("status", AccountStatus.active),
        assigned_agent_id=agent.id if agent else None,
        **kw,
    )
    session.add(row)
    session.flush()
    if principal:
        ledger.post(
            session,
            SYSTEM,
            row.id,
            kind=EntryKind.charge,
            amount_minor=principal,
            currency=row.currency,
            effective_date=row.due_date,
            source="test",
            idempotency_key="principal",
        )
        session.refresh(row)
    return row


def ledger_entry(
    session: Session,
    of: Account,
    kind: EntryKind = EntryKind.charge,
    amount_minor: int = 1_000,
    **kw,
) -> LedgerEntry:
    """Posted through the ledger service, so the balance and audit trail follow."""
    return ledger.post(
        session,
        SYSTEM,
        of.id,
        kind=kind,
        amount_minor=amount_minor,
        currency=of.currency,
        effective_date=kw.pop("effective_date", of.due_date),
        source="test",
        idempotency_key=kw.pop("idempotency_key", f"entry-{n()}"),
        **kw,
    ).entry
