"""Creditors and their portfolios (currency, country, timezone; policies are added as data)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.errors import Conflict, NotFound, UnknownCurrency, ValidationFailed
from backend.creditors import repository
from backend.creditors.models import Creditor, Portfolio
from backend.users.models import User
from shared.money import is_supported
from shared.schemas.creditors import (
    CreditorCreate,
    CreditorUpdate,
    PortfolioCreate,
    PortfolioUpdate,
)
from shared.schemas.enums import CREDITOR_ROLES


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
        raise ValidationFailed("error.invalid_timezone", timezone=name) from None


# What a creditor's user without a creditor (never made so, but not assumed) sees: nothing.
_NO_CREDITOR = uuid.UUID(int=0)


def viewers_creditor(viewer: User) -> uuid.UUID | None:
    """The only creditor a viewer may see: their own for a creditor's user, None (every one)
    for the agency's staff."""
    if viewer.role in CREDITOR_ROLES:
        return viewer.creditor_id or _NO_CREDITOR
    return None


def check_creditor_scope(viewer: User, creditor_id: uuid.UUID) -> None:
    """A creditor's user asking for another creditor (or its portfolio) finds nothing."""
    only = viewers_creditor(viewer)
    if only is not None and only != creditor_id:
        raise NotFound()


def get_creditor(session: Session, creditor_id: uuid.UUID) -> Creditor:
    creditor = session.get(Creditor, creditor_id)
    if creditor is None:
        raise NotFound()
    return creditor


def create_creditor(session: Session, actor: Actor, data: CreditorCreate) -> Creditor:
    if repository.creditor_by_name(session, data.name):
        raise Conflict("error.duplicate_creditor")
    creditor = Creditor(**data.model_dump())
    session.add(creditor)
    session.flush()
    audit.record(
        session, actor, "creditor.created", "creditor", creditor.id, after=audit.snapshot(creditor)
    )
    return creditor


def update_creditor(
    session: Session, actor: Actor, creditor: Creditor, data: CreditorUpdate
) -> Creditor:
    fields = data.model_dump(exclude_unset=True)
    name = fields.get("name")
    if name and name != creditor.name and repository.creditor_by_name(session, name):
        raise Conflict("error.duplicate_creditor")
    before = audit.snapshot(creditor)
    for key, value in fields.items():
        if value is not None or key == "tax_id":  # null leaves the required name as it is
            setattr(creditor, key, value)
    session.add(creditor)
    session.flush()
    old, new = audit.changes(before, audit.snapshot(creditor))
    audit.record(session, actor, "creditor.updated", "creditor", creditor.id, before=old, after=new)
    return creditor


def get_portfolio(session: Session, portfolio_id: uuid.UUID) -> Portfolio:
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise NotFound()
    return portfolio


def create_portfolio(session: Session, actor: Actor, data: PortfolioCreate) -> Portfolio:
    get_creditor(session, data.creditor_id)
    if not is_supported(data.currency):
        raise UnknownCurrency(currency=data.currency)
    _check_timezone(data.timezone)
    portfolio = Portfolio(**data.model_dump())
    session.add(portfolio)
    session.flush()
    audit.record(
        session,
        actor,
        "portfolio.created",
        "portfolio",
        portfolio.id,
        after=audit.snapshot(portfolio),
    )
    return portfolio


def update_portfolio(
    session: Session, actor: Actor, portfolio: Portfolio, data: PortfolioUpdate
) -> Portfolio:
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    if "timezone" in fields:
        _check_timezone(fields["timezone"])
    before = audit.snapshot(portfolio)
    for key, value in fields.items():
        setattr(portfolio, key, value)
    session.add(portfolio)
    session.flush()
    old, new = audit.changes(before, audit.snapshot(portfolio))
    audit.record(
        session, actor, "portfolio.updated", "portfolio", portfolio.id, before=old, after=new
    )
    return portfolio
