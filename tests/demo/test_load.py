"""Loading the demo through the services: logins, buckets, balances, once only."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import typer
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from backend.accounts.models import Account
from backend.aging import days_past_due
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import today_in
from backend.core.config import Settings
from backend.core.db import make_engine, session_scope
from backend.core.migrate import upgrade
from backend.core.security import verify_password
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.demo import commands
from backend.demo.commands import banner, load
from backend.field.models import Visit
from backend.ledger.models import LedgerEntry
from backend.plans import service as plans
from backend.promises.models import Promise
from backend.users.models import User
from shared.schemas.enums import AccountStatus, ActionChannel, AgingBucket, Role, bucket_for
from tests import builders as b

DEBTORS = 36
DEMO_LOGINS = {
    "admin@demo.cobro": Role.admin,
    "supervisor@demo.cobro": Role.supervisor,
    "agent1@demo.cobro": Role.agent,
    "agent2@demo.cobro": Role.agent,
    "banco@demo.cobro": Role.creditor,
}
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
    Promise,
    ContactAttempt,
    Visit,
)


def counts(session: Session) -> dict[str, int]:
    return {
        table.__name__: session.exec(select(func.count()).select_from(table)).one()
        for table in TABLES
    }


def users_by_email(session: Session) -> dict[str, User]:
    return {u.email: u for u in session.exec(select(User))}


def test_load_adds_the_portfolio_through_the_services(session: Session) -> None:
    summary = load(session, debtors=DEBTORS, seed=7)
    assert summary is not None
    rows = counts(session)
    assert rows["Portfolio"] == summary.portfolios == 3
    assert rows["Debtor"] == summary.debtors == DEBTORS
    assert rows["Account"] == summary.accounts
    assert rows["LedgerEntry"] == summary.entries
    assert rows["DebtorAddress"] == DEBTORS and rows["DebtorPhone"] >= DEBTORS
    actions = Counter(session.exec(select(AuditEvent.action)))
    assert actions["user.created"] == 5  # the four staff and the Lima bank's user
    assert actions["debtor.created"] == DEBTORS
    assert actions["account.created"] == summary.accounts


def test_demo_logins_use_the_password_demo(session: Session) -> None:
    load(session, debtors=3, seed=7)
    users = users_by_email(session)
    assert {email: users[email].role for email in DEMO_LOGINS} == DEMO_LOGINS
    for email in DEMO_LOGINS:
        assert verify_password("demo", users[email].password_hash)
    supervisor = users["supervisor@demo.cobro"]
    assert users["agent1@demo.cobro"].supervisor_id == supervisor.id
    assert users["agent2@demo.cobro"].supervisor_id == supervisor.id
    bank = session.get(Creditor, users["banco@demo.cobro"].creditor_id)
    assert bank is not None and bank.name == "Banco Vicuña del Perú"
    assert not users["banco@demo.cobro"].can_write


def test_every_aging_bucket_today_in_each_portfolio(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    for portfolio in session.exec(select(Portfolio)):
        today = today_in(portfolio.timezone)
        accounts = session.exec(select(Account).where(Account.portfolio_id == portfolio.id))
        buckets = {bucket_for(days_past_due(a, today)) for a in accounts}
        assert buckets == set(AgingBucket), portfolio.name


def test_the_api_finds_every_aging_bucket(session: Session, client) -> None:
    load(session, debtors=DEBTORS, seed=7)
    admin = users_by_email(session)["admin@demo.cobro"]
    for aging in AgingBucket:
        response = client.get(
            "/api/v1/accounts", params={"aging_bucket": aging.value}, headers=b.headers(admin)
        )
        assert response.status_code == 200, response.text
        assert response.json()["items"], aging


def test_balances_equal_the_sum_of_ledger_entries(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    sums = dict(
        session.exec(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor)).group_by(
                LedgerEntry.account_id
            )
        ).all()
    )
    accounts = list(session.exec(select(Account)))
    assert all(a.balance_minor == sums[a.id] for a in accounts)
    statuses = Counter(a.status for a in accounts)
    assert statuses[AccountStatus.paid] >= 1 and statuses[AccountStatus.disputed] >= 1
    assert all((a.balance_minor == 0) == (a.status == AccountStatus.paid) for a in accounts)


def test_agents_are_assigned_their_city(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    users = users_by_email(session)
    countries = {p.id: p.country for p in session.exec(select(Portfolio))}
    by_agent: dict[object, set[str]] = {}
    for account in session.exec(select(Account)):
        by_agent.setdefault(account.assigned_agent_id, set()).add(countries[account.portfolio_id])
    assert by_agent[users["agent1@demo.cobro"].id] == {"PE"}
    assert by_agent[users["agent2@demo.cobro"].id] == {"CO"}
    assert "MX" in by_agent[None]


def test_loading_twice_changes_nothing(session: Session) -> None:
    assert load(session, debtors=6, seed=7) is not None
    before = counts(session)
    assert load(session, debtors=6, seed=7) is None
    assert load(session, debtors=6, seed=8) is None
    assert counts(session) == before


def test_force_adds_a_second_batch_beside_the_first(session: Session) -> None:
    load(session, debtors=6, seed=7)
    summary = load(session, debtors=6, seed=7, force=True)
    assert summary is not None and summary.debtors == 6
    names = sorted(session.exec(select(Portfolio.name)))
    assert len(names) == 6 and sum(name.endswith(" (2)") for name in names) == 3
    assert counts(session)["User"] == 5
    assert counts(session)["Creditor"] == 3


def test_demo_data_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    production = Settings(env="production", secret_key="x" * 40)
    monkeypatch.setattr(commands, "get_settings", lambda: production)
    with pytest.raises(typer.Exit):
        commands.load_demo(debtors=3, seed=7, force=False)


def test_banner_lists_the_demo_logins_only_once_loaded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'banner.db'}")
    try:
        unmigrated = banner("0.0.0.0", 8000, engine=engine)  # noqa: S104
        assert "http://127.0.0.1:8000/docs" in unmigrated and "/healthz" in unmigrated
        with engine.begin() as connection:
            upgrade(connection)
        assert "admin@demo.cobro" not in banner(engine=engine)
        with session_scope(engine) as session:
            load(session, debtors=3, seed=7)
        loaded = banner(port=8123, engine=engine)
    finally:
        engine.dispose()
    assert "http://127.0.0.1:8123/api/v1" in loaded
    assert all(email in loaded for email in DEMO_LOGINS) and '"demo"' in loaded


def test_every_demo_portfolio_can_negotiate(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    for portfolio in session.exec(select(Portfolio)):
        assert portfolio.negotiation_policy["currency"] == portfolio.currency
        account = session.exec(
            select(Account).where(
                Account.portfolio_id == portfolio.id,
                Account.status == AccountStatus.active,
                Account.balance_minor > 100_000,
            )
        ).first()
        assert account is not None
        offers = plans.generate_offers(session, Actor.system(), account.id, ActionChannel.agent)
        assert {o.plan_kind for o in offers} == {"settlement", "instalments"}
