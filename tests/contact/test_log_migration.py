"""Visits made before the contact log existed are logged by its migration, so the rules count
them from the first day."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text
from sqlmodel import Session

from backend.contact.models import ContactAttempt
from backend.core.migrate import alembic_config, upgrade
from backend.field.models import Visit
from backend.users.models import User
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel, Role
from shared.schemas.field import VisitOutcome
from tests import builders as b
from tests.conftest import Database


def _agent_of_then(session: Session) -> User:
    """An agent as that revision's ``users`` table holds one (later columns left out)."""
    agent = User(email="early@test.cobro", full_name="Early", password_hash="x", role=Role.agent)
    session.execute(
        text(
            "INSERT INTO users (id, email, full_name, password_hash, role, language, is_active,"
            " created_at) VALUES (:id, :email, 'Early', 'x', 'agent', 'es', :yes,"
            " CURRENT_TIMESTAMP)"
        ),
        {"id": agent.id.hex, "email": agent.email, "yes": True},
    )
    return agent


def test_the_migration_logs_earlier_visits(database: Database) -> None:
    engine = database.fresh_copy()
    try:
        # The rows are built at head, with today's models, then taken back to before the log.
        with Session(engine) as session:
            account = b.account(session, b.portfolio(session), agent=_agent_of_then(session))
            at = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
            session.add(
                Visit(
                    client_id="dev1-early",
                    agent_id=account.assigned_agent_id,
                    account_id=account.id,
                    checked_in_at=at,
                    outcome=VisitOutcome.promise,
                )
            )
            session.commit()
            debtor_id, account_id = account.debtor_id, account.id
        # No transaction around them: SQLite rebuilds tables other rows refer to (the debtors,
        # 0037) with foreign keys off, which it only allows outside a transaction.
        with engine.connect() as conn:
            command.downgrade(alembic_config(conn), "0011_uploads")
            conn.commit()
        with engine.connect() as conn:
            upgrade(conn)
            conn.commit()
        with Session(engine) as session:
            logged = session.execute(select(ContactAttempt)).scalar_one()
        assert (logged.key, logged.debtor_id, logged.account_id) == (
            "visit:dev1-early",
            debtor_id,
            account_id,
        )
        assert logged.channel == Channel.visit and logged.status == AttemptStatus.done
        assert logged.at == at and logged.outcome == "promise"
    finally:
        engine.dispose()
