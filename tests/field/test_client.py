"""The field endpoints through the typed client, as the app calls them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from sqlmodel import Session

from shared.client import CobroClient
from shared.client.field import sync_action
from shared.schemas.field import (
    PaymentPayload,
    SyncActionType,
    SyncStatus,
    VisitOutcome,
    VisitPayload,
)
from tests.client.conftest import BASE_URL, token_of
from tests.field import helpers as h
from tests.plans.helpers import lima, today


def test_the_app_flow(session: Session, app) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(250))
    now = datetime.now(UTC)
    outbox = [
        sync_action(
            SyncActionType.visit,
            VisitPayload(outcome=VisitOutcome.paid, latitude=h.north(250)[0], longitude=h.START[1]),
            client_id=h.client_id(),
            recorded_at=now,
            account_id=account.id,
        ),
        sync_action(
            SyncActionType.payment,
            PaymentPayload(
                amount=Decimal("99.90"),
                currency="PEN",
                method="card_terminal",
                receipt_number="POS-1",
                paid_on=today(),
            ),
            client_id=h.client_id(),
            recorded_at=now,
            account_id=account.id,
        ),
    ]

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with CobroClient(BASE_URL, transport=transport, token=token_of(agent)) as api:
            worklist = await api.get_worklist(lat=h.START[0], lon=h.START[1], mode="motorbike")
            assert [s.account_id for s in worklist.stops] == [account.id]
            bundle = await api.get_account_bundle(account.id)
            assert bundle.debtor.display_name == "Rosa Quispe"
            first = await api.sync("phone-1", outbox)
            assert [r.status for r in first.results] == [SyncStatus.applied] * 2
            again = await api.sync("phone-1", outbox, cursor=first.cursor)
            assert [r.status for r in again.results] == [SyncStatus.duplicate] * 2
            assert again.changes.accounts[0].account.balance_minor == 100_000 - 9_990
        async with CobroClient(BASE_URL, transport=transport, token=token_of(supervisor)) as api:
            [route] = await api.get_routes(day=today(), agent_id=agent.id)
            assert route.collected[0].amount_minor == 9_990
            summary = await api.get_routes_summary(day=today())
            assert [row.agent_id for row in summary.agents] == [agent.id]

    asyncio.run(scenario())
