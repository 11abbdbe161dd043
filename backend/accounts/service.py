"""Accounts (one debt each): creation with its opening charge, updates, assignment, aging."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from backend.accounts import repository
from backend.accounts.models import Account
from backend.accounts.scope import NotAvailable, account_visibility, visible_debtor
from backend.accounts.visibility import visibility
from backend.aging import Clock, days_past_due
from backend.amounts import ceiling, check_amount
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.errors import Conflict, CurrencyMismatch, NotFound, ValidationFailed
from backend.creditors.service import get_portfolio
from backend.debtors.models import Debtor, display_name
from backend.ledger import service as ledger
from backend.users.models import User
from shared.money import from_decimal
from shared.schemas.accounts import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    AssignRequest,
    DebtorSummary,
)
from shared.schemas.common import Page
from shared.schemas.enums import AgingBucket, EntryKind, Role, bucket_for


def to_read(account: Account, debtor: Debtor | None, today: date) -> AccountRead:
    dpd = days_past_due(account, today)
    return AccountRead.model_validate(
        {
            **account.model_dump(),
            "debtor": DebtorSummary(
                id=debtor.id,
                display_name=debtor.display_name,
                id_type=debtor.id_type,
                id_number=debtor.id_number,
            )
            if debtor
            else None,
            "days_past_due": dpd,
            "aging_bucket": bucket_for(dpd),
        }
    )


_ACCOUNT_KEYS = tuple(c.key for c in Account.__table__.columns)  # type: ignore[attr-defined]
_DEBTOR_AT = len(_ACCOUNT_KEYS)  # where a read row's debtor columns begin
_PAGE = Page[AccountRead]


class Todays:
    """Each timezone's date, computed once per request."""

    __slots__ = ("_by_zone",)

    def __init__(self) -> None:
        self._by_zone: dict[str, date] = {}

    def __call__(self, timezone: str) -> date:
        found = self._by_zone.get(timezone)
        if found is None:
            found = self._by_zone[timezone] = today_in(timezone)
        return found


def _read_data(row: Row[Any], today: date) -> dict[str, Any]:
    """What ``to_read`` answers, as the input of ``AccountRead`` (ids as the driver read them),
    from a row of ``repository.READ_COLUMNS``: no ORM objects built first."""
    read = dict(zip(_ACCOUNT_KEYS, row, strict=False))  # the account's columns come first
    company, first, last, id_type, id_number = row[_DEBTOR_AT : _DEBTOR_AT + 5]
    balance, due = read["balance_minor"], read["due_date"]
    dpd = 0 if balance <= 0 or due >= today else (today - due).days
    read["debtor"] = {
        "id": read["debtor_id"],
        "display_name": display_name(company, first, last),
        "id_type": id_type,
        "id_number": id_number,
    }
    read["days_past_due"] = dpd
    read["aging_bucket"] = bucket_for(dpd)
    return read


def read_from_row(row: Row[Any], today: date) -> AccountRead:
    """``to_read`` from a row of ``repository.READ_COLUMNS``."""
    return AccountRead.model_validate(_read_data(row, today))


def read_visible(session: Session, user: User, account_id: uuid.UUID) -> AccountRead:
    """One visible account as the API shows it (404 outside the caller's scope)."""
    row = repository.read_one(session, account_id, visibility(user))
    if row is None:
        raise NotFound()
    return read_from_row(row, today_in(row.portfolio_timezone))


def read_page(
    session: Session,
    user: User,
    *,
    after: uuid.UUID | None,
    limit: int,
    filters: repository.ListFilters,
) -> Page[AccountRead]:
    """A keyset page of the accounts ``user`` may see, as the API shows them: one query for
    the rows, and one validation of the whole page."""
    rows = repository.read_page(
        session, visible=visibility(user), after=after, limit=limit, filters=filters
    )
    today = Todays()
    items = [_read_data(row, today(row.portfolio_timezone)) for row in rows[:limit]]
    page = _PAGE.model_validate({"items": items})
    if len(rows) > limit:
        page.next_cursor = str(page.items[-1].id)
    return page


def bucket_filter(clock: Clock, bucket: AgingBucket) -> repository.BucketFilter:
    return repository.BucketFilter.of(bucket, clock.all())


def _check_agent(session: Session, user: User, agent_id: uuid.UUID | None) -> None:
    if agent_id is None:
        return
    agent = session.get(User, agent_id)
    if agent is None or agent.role != Role.agent or not agent.is_active:
        raise ValidationFailed("error.invalid_agent")
    if user.role == Role.supervisor and agent.supervisor_id != user.id:
        raise ValidationFailed("error.invalid_agent")


def create(session: Session, actor: Actor, user: User, data: AccountCreate) -> Account:
    portfolio = get_portfolio(session, data.portfolio_id)
    if data.currency != portfolio.currency:
        raise CurrencyMismatch(given=data.currency, expected=portfolio.currency)
    principal = check_amount(from_decimal(data.principal, data.currency), ceiling(portfolio))
    debtor = visible_debtor(session, user, data.debtor_id)  # 404 as if missing otherwise
    if debtor.portfolio_id != portfolio.id:
        raise ValidationFailed("error.debtor_portfolio_mismatch")
    _check_agent(session, user, data.assigned_agent_id)
    if existing := repository.by_external_ref(session, portfolio.id, data.external_ref):
        if repository.visible_one(session, existing.id, account_visibility(user)) is None:
            raise NotAvailable()
        raise Conflict("error.duplicate_external_ref", external_ref=data.external_ref)
    account = Account(
        **data.model_dump(exclude={"principal"}), principal_minor=principal, balance_minor=0
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "account.created",
        "account",
        account.id,
        after=audit.snapshot(account),
        account_id=account.id,
    )
    ledger.post(
        session,
        actor,
        account.id,
        kind=EntryKind.charge,
        amount_minor=principal,
        currency=account.currency,
        effective_date=data.origination_date or data.due_date,
        source="origination",
        idempotency_key="origination:principal",
        description="Principal",
    )
    return account


def update(
    session: Session, actor: Actor, user: User, account: Account, data: AccountUpdate
) -> Account:
    """Change a visible account (the caller's guard loaded it)."""
    fields = data.model_dump(exclude_unset=True)
    if "assigned_agent_id" in fields:
        _check_agent(session, user, fields["assigned_agent_id"])
    before = audit.snapshot(account)
    for key, value in fields.items():
        if value is not None or key == "assigned_agent_id":
            setattr(account, key, value)
    session.add(account)
    session.flush()
    old, new = audit.changes(before, audit.snapshot(account))
    audit.record(
        session,
        actor,
        "account.updated",
        "account",
        account.id,
        before=old,
        after=new,
        account_id=account.id,
    )
    return account


def assign(session: Session, actor: Actor, user: User, data: AssignRequest) -> int:
    """All or nothing: every id must exist and be the caller's to assign."""
    _check_agent(session, user, data.agent_id)
    ids = list(dict.fromkeys(data.account_ids))
    visible = account_visibility(user)
    if user.role == Role.supervisor:  # supervisors also hand out unassigned accounts
        visible = visible | Account.assigned_agent_id.is_(None)  # type: ignore[union-attr]
    accounts = repository.by_ids(session, ids, visible)
    if len(accounts) != len(ids):
        missing = sorted(str(i) for i in set(ids) - {a.id for a in accounts})
        raise NotFound(details={"missing": missing})
    for account in accounts:
        if account.assigned_agent_id == data.agent_id:
            continue
        before = {"assigned_agent_id": str(account.assigned_agent_id or "") or None}
        account.assigned_agent_id = data.agent_id
        session.add(account)
        audit.record(
            session,
            actor,
            "account.assigned",
            "account",
            account.id,
            before=before,
            after={"assigned_agent_id": str(data.agent_id) if data.agent_id else None},
            account_id=account.id,
        )
    session.flush()
    return len(accounts)
