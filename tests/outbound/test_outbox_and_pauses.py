"""The development outbox (API and `cobro reminders outbox`), and pausing reminders for a
portfolio or one account."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from backend.audit.models import AuditEvent
from backend.cli import app
from backend.core.clock import pinned
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.models import OutboundPause
from backend.outbound.sending import send_due
from shared.schemas.enums import Role
from tests import builders as b
from tests.outbound.test_sending import MORNING, _attempts, _seed


def test_pausing_and_resuming_is_audited_and_idempotent(session: Session, client) -> None:
    portfolio = b.portfolio(session)
    supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent, supervisor=supervisor)
    account = b.account(session, portfolio, agent=agent)
    headers = b.headers(supervisor)
    url = f"/api/v1/portfolios/{portfolio.id}/reminders/pause"
    assert client.put(url, headers=headers).json() == {
        "scope": f"portfolio:{portfolio.id}",
        "paused": True,
    }
    assert client.put(url, headers=headers).json()["paused"] is True
    assert client.delete(url, headers=headers).json()["paused"] is False
    mine = f"/api/v1/accounts/{account.id}/reminders/pause"
    assert client.put(mine, headers=headers).json()["paused"] is True
    stranger = b.headers(b.user(session, Role.supervisor))
    assert client.put(mine, headers=stranger).status_code == 404
    assert client.put(mine, headers=b.headers(agent)).status_code == 403
    actions = (
        session.execute(select(AuditEvent.action).where(AuditEvent.action.like("outbound.%")))
        .scalars()
        .all()
    )
    assert sorted(actions) == ["outbound.paused", "outbound.paused", "outbound.resumed"]


def test_a_paused_account_gets_nothing_and_the_outbox_shows_the_rest(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, client
) -> None:
    with session_scope(committed_engine) as session:
        portfolio, (paused, _) = _seed(session, accounts=2)
        session.add(
            OutboundPause(
                scope=f"account:{paused.id}", portfolio_id=portfolio.id, account_id=paused.id
            )
        )
        portfolio_id = portfolio.id
    with pinned(MORNING):
        report = send_due({}, LocalLimiter({}), committed_engine)
    assert (report.cancelled, report.outbox) == (1, 1)
    rules = {a.account_id: a.rule for a in _attempts(committed_engine)}
    assert rules[paused.id] == "paused"

    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    printed = CliRunner().invoke(app, ["reminders", "outbox", "--portfolio", str(portfolio_id)])
    assert printed.exit_code == 0, printed.output
    assert "sms → +5198" in printed.output and "Pague aquí" in printed.output
    get_settings.cache_clear()


def test_the_outbox_api_is_for_admins(session: Session, client) -> None:
    listed = client.get("/api/v1/outbound/outbox", headers=b.headers(b.user(session, Role.admin)))
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    supervisor = b.headers(b.user(session, Role.supervisor))
    assert client.get("/api/v1/outbound/outbox", headers=supervisor).status_code == 403
