"""The creditor or portfolio a path names (``/creditors/{creditor_id}``,
``/portfolios/{portfolio_id}...``), loaded in the endpoint's unit of work
(``backend.core.guards``); 404 when missing.

The agency's staff see every creditor and portfolio (they are the agency's clients, not
debtors' data); a creditor's users only their own creditor and its portfolios (others are
missing to them). Who may change one is the endpoint's role (``Admin``, ``Staff``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import Principal
from backend.core.guards import guard
from backend.creditors import service
from backend.creditors.models import Creditor, Portfolio


def _creditor(session: Session, viewer: Principal, creditor_id: uuid.UUID) -> Creditor:
    creditor = service.get_creditor(session, creditor_id)
    service.check_creditor_scope(viewer, creditor.id)
    return creditor


def _portfolio(session: Session, viewer: Principal, portfolio_id: uuid.UUID) -> Portfolio:
    portfolio = service.get_portfolio(session, portfolio_id)
    service.check_creditor_scope(viewer, portfolio.creditor_id)
    return portfolio


KnownCreditor = Annotated[Creditor, guard(_creditor)]
KnownPortfolio = Annotated[Portfolio, guard(_portfolio)]
