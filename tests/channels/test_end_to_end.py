"""Both channels with the real conversation core against the real backend (in-process).

The webhooks app gets ``ConversationCore`` through ``core_conversation`` with an ASGI transport
over the API app of the ``app`` fixture, so every backend call runs inside the test's
transaction, on SQLite and on PostgreSQL. Telegram and Meta are the recording fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from backend.conversations import links
from backend.conversations.models import Conversation
from backend.conversations.service import ensure_bot_identity
from backend.core.clock import utcnow
from backend.core.config import get_settings
from bots.app import core_conversation, create_bots_app
from tests import builders as b
from tests.channels.conftest import (
    BOTS_URL,
    WA_USER,
    Bots,
    FakeConversation,
    FakePlatforms,
    run,
    settings,
    tg_message,
    tg_press,
    wa_button_reply,
    wa_list_reply,
    wa_text,
)
from tests.client.conftest import Recorder


@pytest.fixture
def chat_token(session: Session) -> str:
    """A signed chat link for a debtor owing S/\xa01,000.00 on one account."""
    portfolio = b.portfolio(session)
    debtor = b.debtor(session, portfolio, phone=f"+{WA_USER}", first_name="Ana")
    b.account(session, portfolio, owner=debtor, principal=100_000)
    expires = utcnow() + timedelta(hours=1)
    return links.sign(debtor.id, expires, get_settings().secret_key)


@pytest.fixture
def bot_token(session: Session) -> str:
    return ensure_bot_identity(session)


@asynccontextmanager
async def real_bots(
    app: Any, bot_token: str, api: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Bots]:
    api = api or httpx.ASGITransport(app=app)
    factory = core_conversation("http://cobro.test", lambda: bot_token, transport=api)
    platforms = FakePlatforms()
    bots_app = create_bots_app(factory, settings(), transport=platforms)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bots_app), base_url=BOTS_URL
    ) as http:
        try:
            yield Bots(http, bots_app, platforms, FakeConversation())
        finally:
            await bots_app.state.bots.aclose()


def buttons_of(call: Any) -> list[str]:
    markup = call.body.get("reply_markup") or {"inline_keyboard": []}
    return [row[0].get("callback_data") or row[0]["url"] for row in markup["inline_keyboard"]]


def test_telegram_deep_link_balance_and_a_replayed_press(
    app: Any, bot_token: str, chat_token: str
) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.telegram(tg_message(1, f"/start {chat_token}"))).status_code == 200
            welcome, overview = bots.platforms.of("sendMessage")
            assert "Ana" in welcome.body["text"]
            assert "S/\xa01,000.00" in overview.body["text"]  # the balance and the options
            assert [b for b in buttons_of(overview) if b.startswith("offer:")]

            press = tg_press(2, "menu:balance", query_id="cq-balance")
            assert (await bots.telegram(press)).status_code == 200
            balance = bots.platforms.of("sendMessage")[-1]
            assert "1,000.00" in balance.body["text"]

            sent = len(bots.platforms.of("sendMessage"))
            assert (await bots.telegram(press)).status_code == 200  # delivered again
            assert len(bots.platforms.of("sendMessage")) == sent

    run(scenario())


def test_a_balance_check_is_three_api_calls_and_an_unsent_reply_is_sent_again_as_is(
    app: Any, bot_token: str, chat_token: str, session: Session
) -> None:
    """The claim brings the chat's state, the accounts their plans and promises, and the
    state is stored with the settlement. A reply that could not be sent is kept with the claim
    (with the state the turn left): Telegram's redelivery gets that same reply, and the turn is
    not run again."""
    api = Recorder(httpx.ASGITransport(app=app))

    def state() -> tuple[str, dict[str, Any]]:
        row = session.exec(select(Conversation).where(Conversation.user_id == "42")).one()
        session.refresh(row)
        return row.step, row.data

    def calls() -> list[tuple[str, str]]:
        found = [(r.method, r.url.path.split("/telegram/42")[1]) for r in api.requests]
        api.requests.clear()
        return found

    async def scenario() -> None:
        async with real_bots(app, bot_token, api) as bots:
            assert (await bots.telegram(tg_message(1, f"/start {chat_token}"))).status_code == 200
            assert state()[0] == "offers"  # the balance and the options, at once
            calls()
            assert (
                await bots.telegram(tg_press(2, "menu:balance", query_id="q1"))
            ).status_code == 200
            assert calls() == [("POST", "/inbox"), ("GET", "/accounts"), ("POST", "/inbox/settle")]
            assert state()[0] == "menu"

            assert (await bots.telegram(tg_message(3, "opciones de pago"))).status_code == 200
            calls()
            bots.platforms.telegram_429 = [3600]  # the balance can't be sent: not delivered
            pressed = tg_press(4, "menu:balance", query_id="q2")
            assert (await bots.telegram(pressed)).status_code == 503
            assert calls() == [("POST", "/inbox"), ("GET", "/accounts"), ("POST", "/inbox/settle")]
            assert state()[0] == "menu"  # the turn happened: its state is kept with its reply

            assert (await bots.telegram(pressed)).status_code == 200  # Telegram redelivers
            assert calls() == [("POST", "/inbox"), ("POST", "/inbox/settle")]  # not run again
            resent = bots.platforms.of("sendMessage")[-1]
            assert "1,000.00" in resent.body["text"]
            assert (await bots.telegram(pressed)).status_code == 200  # delivered: once
            assert bots.platforms.of("sendMessage")[-1] is resent

    run(scenario())


def test_whatsapp_verify_offers_accept_and_a_replayed_webhook(
    app: Any, bot_token: str, chat_token: str
) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.whatsapp(wa_text(chat_token, wamid="wamid.E1"))).status_code == 200
            overview = bots.platforms.calls[-1].body
            assert overview["to"] == WA_USER
            assert overview["interactive"]["type"] == "list"  # more than 3 options
            rows = overview["interactive"]["action"]["sections"][0]["rows"]
            assert "menu:pay" in [row["id"] for row in rows]
            assert all(len(row["title"]) <= 24 for row in rows)
            # Each option says what it is; the full words go in the row's description.
            labels = [row.get("description") or row["title"] for row in rows]
            assert any(label.startswith("Pago único S/ 900.00 hasta el") for label in labels)

            await bots.whatsapp(wa_list_reply("menu:offers", "Opciones", wamid="wamid.E2"))
            offers = bots.platforms.calls[-1].body["interactive"]
            ids = _choice_ids(offers)
            offer_ids = [i for i in ids if i.startswith("offer:")]
            assert offer_ids, ids

            accept = wa_button_reply(offer_ids[0], "Opción 1", wamid="wamid.E3")
            assert (await bots.whatsapp(accept)).status_code == 200
            calls = len(bots.platforms.calls)
            assert (await bots.whatsapp(accept)).status_code == 200  # Meta retried
            assert len(bots.platforms.calls) == calls

    run(scenario())


def _choice_ids(interactive: dict[str, Any]) -> list[str]:
    action = interactive["action"]
    if interactive["type"] == "button":
        return [button["reply"]["id"] for button in action["buttons"]]
    return [row["id"] for section in action["sections"] for row in section["rows"]]
