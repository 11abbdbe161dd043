"""A small world for API tests (two teams and their accounts) and a row counter."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.ledger.models import LedgerEntry
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b

TABLES: tuple[type[SQLModel], ...] = (
    User,
    Creditor,
    Portfolio,
    Debtor,
    DebtorPhone,
    DebtorAddress,
    Account,
    LedgerEntry,
    AuditEvent,
)


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, to show that a rejected request wrote nothing."""
    return {
        table.__name__: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in TABLES
    }


@dataclass
class World:
    admin: User
    supervisor: User  # leads agent_a and agent_b
    other_supervisor: User  # leads agent_c
    agent_a: User
    agent_b: User
    agent_c: User
    portfolio: Portfolio
    debtor_a: Debtor
    debtor_b: Debtor
    account_a: Account
    account_b: Account
    account_c: Account
    unassigned: Account


@pytest.fixture
def world(session: Session) -> World:
    admin = b.user(session, Role.admin)
    supervisor = b.user(session, Role.supervisor)
    other_supervisor = b.user(session, Role.supervisor)
    agent_a = b.user(session, Role.agent, supervisor=supervisor)
    agent_b = b.user(session, Role.agent, supervisor=supervisor)
    agent_c = b.user(session, Role.agent, supervisor=other_supervisor)
    portfolio = b.portfolio(session)
    debtor_a = b.debtor(
        session,
        portfolio,
        phone="+51987654321",
        first_name="Rosa",
        last_name="Quispe",
        id_number="41234567",
    )
    debtor_b = b.debtor(
        session,
        portfolio,
        phone="+51912345678",
        first_name="Juan",
        last_name="Mamani",
        id_number="42345678",
    )
    debtor_c = b.debtor(session, portfolio, first_name="Luz", last_name="Huaman")
    debtor_u = b.debtor(session, portfolio, first_name="Ana", last_name="Flores")
    world = World(
        admin=admin,
        supervisor=supervisor,
        other_supervisor=other_supervisor,
        agent_a=agent_a,
        agent_b=agent_b,
        agent_c=agent_c,
        portfolio=portfolio,
        debtor_a=debtor_a,
        debtor_b=debtor_b,
        account_a=b.account(session, portfolio, agent=agent_a, owner=debtor_a, external_ref="A-1"),
        account_b=b.account(session, portfolio, agent=agent_b, owner=debtor_b, external_ref="B-1"),
        account_c=b.account(session, portfolio, agent=agent_c, owner=debtor_c, external_ref="C-1"),
        unassigned=b.account(session, portfolio, owner=debtor_u, external_ref="U-1"),
    )
    return world
