"""The creditor or portfolio a path names (``/creditors/{creditor_id}``,
``/portfolios/{portfolio_id}...``), loaded in the endpoint's unit of work
(``backend.core.guards``); 404 when missing.

Every signed-in person sees every creditor and portfolio (they are the agency's clients, not
debtors' data); who may change one is the endpoint's role (``Admin``, ``Staff``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.guards import guard
from backend.creditors import service
from backend.creditors.models import Creditor, Portfolio


def _creditor(session: Session, creditor_id: uuid.UUID) -> Creditor:
    return service.get_creditor(session, creditor_id)


def _portfolio(session: Session, portfolio_id: uuid.UUID) -> Portfolio:
    return service.get_portfolio(session, portfolio_id)


KnownCreditor = Annotated[Creditor, guard(_creditor)]
KnownPortfolio = Annotated[Portfolio, guard(_portfolio)]
