"""Documents on request in chat: "mi cronograma" (or "constancia", "recibo") answers a
single-use portal link that opens on the account's documents in the first browser only."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.core.security import create_access_token
from bots.core import parsing
from bots.core.engine import ConversationCore
from bots.core.messages import Incoming
from shared.schemas.enums import Role
from tests import builders as b
from tests.portal.conftest import ID_NUMBER, PHONE, Seeded


@pytest.mark.parametrize(
    "text", ["mi cronograma", "necesito mi constancia de no adeudo", "send me my receipts"]
)
def test_asking_for_documents_is_understood(text: str) -> None:
    found = parsing.understand(text, today=date(2026, 12, 7), lang="es", currency="PEN")
    assert found.intent == parsing.Intent.documents


def test_the_chat_sends_a_portal_link_to_the_documents(
    app: FastAPI, browser: TestClient, session: Session, seeded: Seeded
) -> None:
    bot = b.user(session, Role.bot)
    token = create_access_token(bot.id, Role.bot.value, version=bot.token_version)

    async def chat() -> str:
        core = ConversationCore.connect(
            "http://cobro.test", token=token, transport=httpx.ASGITransport(app)
        )
        try:
            verified = await core.api.chat("telegram", "555").identify(
                ID_NUMBER, phone_last4=PHONE[-4:]
            )
            assert verified.status == "verified"
            reply = await core.handle(
                Incoming(channel="telegram", user_id="555", message_id="m1", text="mi cronograma")
            )
        finally:
            await core.aclose()
        [message] = reply.messages
        assert message.url and message.url in message.text
        return message.url

    url = httpx.URL(asyncio.run(chat()))
    assert url.path.startswith("/portal/start/cb2_")
    assert url.params["documents"] == str(seeded.account.id)
    page = browser.get(f"{url.path}?{url.query.decode()}")
    assert page.status_code == 200 and "Mis documentos" in page.text
    assert f"/portal/accounts/{seeded.account.id}" in page.text
    with TestClient(app) as other:  # single-use: another browser gets the ID form
        assert other.get(f"{url.path}?{url.query.decode()}").status_code == 400
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(seeded.debtor.id))
    ).all()
    assert "debtor.portal_link_created" in actions
