"""Every other client method once against the real API: right path, body and answer model."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlmodel import Session

from shared.client import ApiValidationError, paginate
from shared.schemas.accounts import AccountUpdate
from shared.schemas.auth import UserCreate, UserUpdate
from shared.schemas.creditors import (
    CreditorCreate,
    CreditorUpdate,
    PortfolioCreate,
    PortfolioUpdate,
)
from shared.schemas.debtors import DebtorCreate, DebtorUpdate
from shared.schemas.enums import AccountStatus, NationalIdType, PlanStatus, Role, TaskStatus
from tests import builders as b
from tests.client.conftest import ClientFactory, token_of
from tests.plans.helpers import POLICY, lima, team

CSV = (
    b"id_type,id_number,first_name,last_name,external_ref,product,principal,currency,due_date\n"
    b"DNI,45871236,Rosa,Quispe,TC-000123,Tarjeta,2500.00,PEN,2024-06-15\n"
)


def test_users_creditors_portfolios_and_policy(connect: ClientFactory, session: Session) -> None:
    admin = b.user(session, Role.admin)
    supervisor = b.user(session, Role.supervisor)

    async def scenario() -> None:
        async with connect(token=token_of(admin)) as api:
            agent = await api.create_user(
                UserCreate(
                    email="nuevo@test.cobro",
                    full_name="Agente Nuevo",
                    password="long-enough-password",
                    role=Role.agent,
                    supervisor_id=supervisor.id,
                )
            )
            assert await api.get_user(agent.id) == agent
            renamed = await api.update_user(agent.id, UserUpdate(full_name="Agente Uno"))
            assert (renamed.full_name, renamed.supervisor_id) == ("Agente Uno", supervisor.id)
            team_page = await api.list_users(role=Role.agent, supervisor_id=supervisor.id)
            assert [u.id for u in team_page.items] == [agent.id]

            creditor = await api.create_creditor(CreditorCreate(name="Banco Andino", country="PE"))
            assert await api.get_creditor(creditor.id) == creditor
            creditor = await api.update_creditor(creditor.id, CreditorUpdate(name="Banco SAA"))
            assert creditor.name == "Banco SAA"
            assert creditor.id in [c.id for c in (await api.list_creditors(limit=500)).items]

            portfolio = await api.create_portfolio(
                PortfolioCreate(
                    creditor_id=creditor.id,
                    name="Tarjetas",
                    currency="PEN",
                    country="PE",
                    timezone="America/Lima",
                )
            )
            assert await api.get_portfolio(portfolio.id) == portfolio
            portfolio = await api.update_portfolio(portfolio.id, PortfolioUpdate(name="TC"))
            listed = await api.list_portfolios(creditor_id=creditor.id)
            assert [p.id for p in listed.items] == [portfolio.id]

            assert (await api.get_negotiation_policy(portfolio.id))["currency"] == "PEN"
            saved = await api.put_negotiation_policy(portfolio.id, POLICY)
            assert saved["max_instalments"] == 6
            assert await api.get_negotiation_policy(portfolio.id) == saved
            with pytest.raises(ApiValidationError) as invalid:
                await api.put_negotiation_policy(
                    portfolio.id, {**POLICY, "min_instalments": 9, "max_instalments": 3}
                )
            assert invalid.value.code == "invalid_policy" and invalid.value.details

    asyncio.run(scenario())


def test_debtors_accounts_timeline_and_audit(connect: ClientFactory, session: Session) -> None:
    admin, agent = b.user(session, Role.admin), b.user(session, Role.agent)
    portfolio = b.portfolio(session)

    async def scenario() -> None:
        async with connect(token=token_of(admin)) as api:
            debtor = await api.create_debtor(
                DebtorCreate(
                    portfolio_id=portfolio.id,
                    id_type=NationalIdType.DNI,
                    id_number="41234567",
                    first_name="Rosa",
                    last_name="Quispe",
                )
            )
            assert (await api.get_debtor(debtor.id)).display_name == debtor.display_name
            debtor = await api.update_debtor(debtor.id, DebtorUpdate(first_name="Rosa María"))
            found = await api.list_debtors(portfolio_id=portfolio.id, q="41234567")
            assert [d.id for d in found.items] == [debtor.id]

            account = await api.create_account(
                portfolio_id=portfolio.id,
                debtor_id=debtor.id,
                external_ref="TC-1",
                product="Tarjeta",
                principal_minor=150_050,
                currency="PEN",
                due_date=date(2025, 1, 31),
            )
            assert (account.principal_minor, account.balance_minor) == (150_050, 150_050)
            account = await api.update_account(
                account.id, AccountUpdate(status=AccountStatus.disputed)
            )
            assert (account.status, account.product) == (AccountStatus.disputed, "Tarjeta")
            assert (await api.assign_accounts([account.id], agent.id)).assigned == 1
            assert (await api.get_account(account.id)).assigned_agent_id == agent.id
            listed = await api.list_accounts(debtor_id=debtor.id, status=AccountStatus.disputed)
            assert [a.id for a in listed.items] == [account.id]

            first = await api.list_timeline(account.id, limit=2)
            assert len(first.items) == 2 and first.next_cursor
            timeline = [item async for item in paginate(api.list_timeline, account.id, limit=2)]
            assert timeline[:2] == first.items and len(timeline) > 2
            assert [item.at for item in timeline] == sorted(
                (item.at for item in timeline), reverse=True
            )
            events = await api.list_audit_events(entity_type="account", entity_id=str(account.id))
            assert "account.created" in [event.action for event in events.items]

    asyncio.run(scenario())


def test_proposals_tasks_plans_and_kpis(connect: ClientFactory, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session)
    account = b.account(session, portfolio, agent=agent, principal=90_000)

    async def scenario() -> None:
        async with connect(token=token_of(agent)) as api:
            settled = await api.propose(
                account.id, kind="settlement", currency="PEN", settlement_amount_minor=85_000
            )
            assert settled.outcome == "accepted" and settled.offer is not None
            assert settled.offer.total_minor == 85_000
            asked = [
                await api.propose(
                    account.id, kind="plan_by_count", currency="PEN", instalments=12, insist=True
                )
                for _ in range(2)
            ]
            assert [r.outcome for r in asked] == ["needs_approval"] * 2
        async with connect(token=token_of(supervisor)) as api:
            open_tasks = await api.list_tasks(status=TaskStatus.open, account_id=account.id)
            assert {t.id for t in open_tasks.items} == {r.task_id for r in asked}
            rejected = await api.close_task(asked[0].task_id, "rejected", resolution="too long")
            assert (rejected.status, rejected.resolution) == (TaskStatus.rejected, "too long")
            assert (await api.get_task(asked[0].task_id)) == rejected
            plan = await api.approve_task(asked[1].task_id)
            assert plan.status == PlanStatus.active
            cancelled = await api.cancel_plan(plan.id, "debtor changed their mind")
            assert cancelled.status == PlanStatus.cancelled
            await api.create_promise(
                account.id, amount_minor=10_000, currency="PEN", due_date=date.today()
            )
            [kpis] = await api.promise_kpis(portfolio_id=portfolio.id)
            assert (kpis.currency, kpis.made, kpis.amount_promised_minor) == ("PEN", 1, 10_000)

    asyncio.run(scenario())


def test_imports_and_health(connect: ClientFactory, session: Session) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)

    async def scenario() -> None:
        async with connect(token=token_of(admin)) as api:
            assert await api.health() == {"status": "ok"}
            summary = await api.upload_import(portfolio.id, "cartera.csv", CSV)
            assert (summary.rows, summary.accounts_created, summary.replayed) == (1, 1, False)
            assert (await api.upload_import(portfolio.id, "cartera.csv", CSV)).replayed
            batch = await api.get_import(summary.batch_id)
            assert (batch.filename, batch.summary.accounts_created) == ("cartera.csv", 1)
            listed = await api.list_imports(portfolio_id=portfolio.id)
            assert [item.id for item in listed.items] == [summary.batch_id]

    asyncio.run(scenario())
