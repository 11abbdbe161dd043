"""The bank statement a path names (``/statements/{statement_id}...``), loaded in the
endpoint's unit of work (``backend.core.guards``); 404 when missing. Statements are the
staff's (``Staff`` on the endpoints); the accounts a line is booked to are checked against the
caller's scope by the service, and its lines are read within the statement."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.guards import guard
from backend.statements import service
from backend.statements.models import BankStatement


def _statement(session: Session, statement_id: uuid.UUID) -> BankStatement:
    return service.get_statement(session, statement_id)


KnownStatement = Annotated[BankStatement, guard(_statement)]
