"""A dry run of a day's reminders, over the API and from a shell: counts per step, channel,
outcome and rule, and nothing kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from backend.cli import app
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.outbound.models import StrategyEnrolment
from shared.schemas.enums import Role
from tests import builders as b
from tests.outbound.test_planner import DAY, EARLY, _account, _portfolio


def _count(session: Session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_api_previews_a_day_and_keeps_nothing(session: Session, client) -> None:
    portfolio = _portfolio(session)
    _account(session, portfolio, DAY - timedelta(days=7))
    _account(session, portfolio, DAY - timedelta(days=7), phone=False)
    headers = b.headers(b.user(session, Role.supervisor))
    with pinned(EARLY):
        response = client.get(
            f"/api/v1/portfolios/{portfolio.id}/reminders/plan",
            params={"date": DAY.isoformat()},
            headers=headers,
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["planned"], body["enrolled"]) == (1, 2)
    assert {(x["channel"], x["outcome"], x["rule"], x["count"]) for x in body["lines"]} == {
        ("whatsapp", "planned", "hours", 1),
        ("whatsapp", "refused", "no_contact_data", 1),
    }
    assert _count(session, ContactAttempt) == 0 and _count(session, StrategyEnrolment) == 0
    agent = client.get(
        f"/api/v1/portfolios/{portfolio.id}/reminders/plan",
        params={"date": DAY.isoformat()},
        headers=b.headers(b.user(session, Role.agent)),
    )
    assert agent.status_code == 403


def test_the_command_line_prints_the_same_counts(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        portfolio = _portfolio(session)
        _account(session, portfolio, DAY - timedelta(days=7))
        portfolio_id = str(portfolio.id)
    with pinned(EARLY):
        result = CliRunner().invoke(
            app,
            [
                "reminders",
                "plan",
                "--date",
                DAY.isoformat(),
                "--portfolio",
                portfolio_id,
                "--dry-run",
            ],
        )
    assert result.exit_code == 0, result.output
    assert "1 planned, 1 would join a strategy" in result.output
    assert "mora7" in result.output and "[hours] 1" in result.output
    with session_scope(committed_engine) as session:
        assert _count(session, ContactAttempt) == 0
    bad = CliRunner().invoke(app, ["reminders", "plan", "--date", "mañana"])
    assert bad.exit_code == 2
    get_settings.cache_clear()
