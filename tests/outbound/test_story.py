"""The whole story, on committed data: accounts are imported, the day is planned, a reminder
goes out at an allowed hour (into the development outbox), the debtor taps its chat link and
lands verified, pays through its payment link, and the strategy's later steps stop."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.security import create_access_token
from backend.main import app
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.models import MessageTemplate, OutboxMessage, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.sending import send_due
from bots.core.engine import ConversationCore
from bots.core.messages import Incoming
from shared.schemas.enums import Language, Role
from tests import builders as b
from tests.imports.helpers import csv_bytes, row

LIMA = ZoneInfo("America/Lima")
DAY = date(2026, 12, 10)  # a Thursday
STEPS = [
    {
        "id": "mora7",
        "trigger": {"kind": "days_past_due", "days": 7},
        "channels": ["whatsapp"],
        "template": "saldo",
    },
    {
        "id": "mora8",
        "trigger": {"kind": "days_past_due", "days": 8},
        "channels": ["sms"],
        "template": "saldo",
    },
]


def test_import_plan_send_tap_pay_and_stop(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, builtin_provider: None
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    monkeypatch.setenv("COBRO_WHATSAPP_NUMBER", "+51 900 000 000")
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session, contact_rules={})  # Peru's law
        session.add(
            MessageTemplate(
                portfolio_id=portfolio.id,
                name="saldo",
                language=Language.es,
                body="Hola {{ first_name }}, debe {{ balance }}. Pague: {{ payment_link }} "
                "o escríbanos: {{ chat_link }} o entre a {{ portal_link }}",
                whatsapp_name="saldo_v1",  # outside the 24-hour window: an approved template
                whatsapp_params=["first_name", "balance", "payment_link", "chat_link"],
            )
        )
        session.add(
            Strategy(
                portfolio_id=portfolio.id, name="cobranza", version=1, definition={"steps": STEPS}
            )
        )
        admin_headers = b.headers(b.user(session, Role.admin))
        bot = b.user(session, Role.bot)
        portfolio_id = portfolio.id
    due = (DAY - timedelta(days=7)).isoformat()
    data = csv_bytes([row(due_date=due, principal="300.00", interest="0", fees="0", paid="0")])
    with TestClient(app) as client:
        imported = client.post(
            f"/api/v1/imports?portfolio_id={portfolio_id}",
            headers=admin_headers,
            files={"file": ("cartera.csv", data, "text/csv")},
        )
    assert imported.status_code == 201, imported.text

    morning = datetime(2026, 12, 10, 10, 0, tzinfo=LIMA)
    with pinned(morning):
        with session_scope(committed_engine) as session:
            report = plan_portfolio(session, Actor.system(), portfolio_id, DAY)
        sent = send_due({}, LocalLimiter({}), committed_engine)
    assert (report.planned, sent.outbox) == (1, 1)
    with session_scope(committed_engine) as session:
        message = session.execute(select(OutboxMessage)).scalar_one()
    assert message.channel == "whatsapp" and message.recipient == "+51987654321"
    assert message.whatsapp_template == "saldo_v1"
    pay_url = re.search(r"(http\S+/pay/\S+)", message.text).group(1)
    token = re.search(r"https://wa\.me/51900000000\?text=(\S+)", message.text).group(1)

    async def debtor() -> str:
        transport = httpx.ASGITransport(app=app)
        core = ConversationCore.connect(
            "http://cobro.test",
            token=create_access_token(bot.id, Role.bot.value, version=bot.token_version),
            transport=transport,
        )
        try:
            reply = await core.handle(
                Incoming(channel="whatsapp", user_id="51987654321", message_id="m1", text=token)
            )
            async with httpx.AsyncClient(transport=transport, base_url="http://cobro.test") as web:
                paid = await web.post(f"{httpx.URL(pay_url).path}/sandbox")
                assert paid.status_code == 303, paid.text
            return "\n".join(m.text for m in reply.messages)
        finally:
            await core.aclose()

    portal = re.search(r"(http\S+/portal/start/cb2_\S+)", message.text).group(1)
    with TestClient(app) as browser:  # before the chat: the balance is still owed
        page = browser.get(httpx.URL(portal).path)
    assert page.status_code == 200 and "S/\xa0300.00" in page.text, page.text

    welcome = asyncio.run(debtor())
    assert "Gracias, Rosa. Su identidad está verificada" in welcome

    with session_scope(committed_engine) as session:
        account = session.execute(select(Account)).scalar_one()
        assert account.balance_minor == 0
    next_day = DAY + timedelta(days=1)  # the day mora8 would have fired
    with pinned(morning + timedelta(days=1)), session_scope(committed_engine) as session:
        later = plan_portfolio(session, Actor.system(), portfolio_id, next_day)
    assert sum(later.counts.values()) == 0
    with session_scope(committed_engine) as session:
        steps = session.execute(select(ContactAttempt.step)).scalars().all()
    assert steps == ["mora7"]
    get_settings.cache_clear()
