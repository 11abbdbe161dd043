"""Telegram reminders go only to debtors who linked a chat, end to end: the debtor opens a chat
link in Telegram (the bots' webhook, the real python-telegram-bot, the real backend), the day is
planned, and the reminder goes to that chat through the real PTB sender against the Bot API
stand-in. A debtor without a linked chat gets the step's next channel; a chat unlinked after
planning (the debtor wrote "BAJA") fails over at send time, with the reason recorded."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from backend.app import create_app
from backend.contact.models import ContactAttempt
from backend.conversations import links
from backend.conversations.service import ensure_bot_identity
from backend.core.clock import pinned, utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import DebtorChat
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.channels.telegram import TelegramSender
from backend.outbound.models import MessageTemplate, OutboxMessage, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.sending import send_due
from bots.app import core_conversation, create_bots_app
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel, Language
from tests import builders as b
from tests.channels.conftest import BOTS_URL, FakePlatforms, settings, tg_message
from tests.outbound.standins import TG_TOKEN, StandIns, serve_apis
from tests.outbound.test_sending import DAY, MORNING, SYSTEM

ANA_CHAT = 4242


@pytest.fixture
def apis() -> Iterator[StandIns]:
    with serve_apis() as standins:
        yield standins


@pytest.fixture
def backend(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The API's requests (the bots' calls) use the committed database."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    return committed_engine


def _seed(session: Session, channels: tuple[str, ...]) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """A portfolio whose one step reminds Ana's and Beto's accounts 7 days past due; the
    portfolio and each debtor's account."""
    portfolio = b.portfolio(session, contact_rules={})
    session.add(
        MessageTemplate(
            portfolio_id=portfolio.id,
            name="saldo",
            language=Language.es,
            body="Hola {{ first_name }}, debe {{ balance }}.",
        )
    )
    step = {
        "id": "mora7",
        "trigger": {"kind": "days_past_due", "days": 7},
        "channels": list(channels),
        "template": "saldo",
    }
    session.add(
        Strategy(
            portfolio_id=portfolio.id, name="cobranza", version=1, definition={"steps": [step]}
        )
    )
    accounts = {}
    for name in ("Ana", "Beto"):
        debtor = b.debtor(session, portfolio, phone=f"+5198{b.n():07d}", first_name=name)
        account = b.account(
            session, portfolio, owner=debtor, due_date=DAY - timedelta(days=7), principal=150_000
        )
        accounts[name] = account.id
    session.flush()
    return portfolio.id, accounts


def _debtor_of(session: Session, account_id: uuid.UUID) -> uuid.UUID:
    from backend.accounts.models import Account

    account = session.get(Account, account_id)
    assert account is not None
    return account.debtor_id


def _chat_with_the_bot(engine: Engine, *texts: str) -> FakePlatforms:
    """Ana writes ``texts`` in her Telegram chat (the bots' webhook, the backend in-process)."""
    with session_scope(engine) as session:
        token = ensure_bot_identity(session)
    api = httpx.ASGITransport(app=create_app())
    platforms = FakePlatforms()
    app = create_bots_app(
        core_conversation("http://cobro.test", lambda: token, transport=api),
        settings(),
        transport=platforms,
    )

    headers = {"X-Telegram-Bot-Api-Secret-Token": settings().telegram_webhook_secret}

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BOTS_URL) as http:
            try:
                for text in texts:
                    update = tg_message(b.n(), text, chat_id=ANA_CHAT)  # a new message id
                    answer = await http.post("/webhooks/telegram", json=update, headers=headers)
                    assert answer.status_code == 200, answer.text
            finally:
                await app.state.bots.aclose()

    asyncio.run(scenario())
    return platforms


def _link_for(engine: Engine, account_id: uuid.UUID) -> str:
    with session_scope(engine) as session:
        debtor_id = _debtor_of(session, account_id)
    return links.sign(debtor_id, utcnow() + timedelta(hours=1), get_settings().secret_key)


def _plan(engine: Engine, portfolio_id: uuid.UUID) -> None:
    with session_scope(engine) as session:
        plan_portfolio(session, SYSTEM, portfolio_id, DAY, now=MORNING)


def _attempts(engine: Engine) -> dict[tuple[uuid.UUID, Channel], ContactAttempt]:
    with session_scope(engine) as session:
        rows = session.execute(select(ContactAttempt)).scalars()
        return {(row.account_id, row.channel): row for row in rows}  # type: ignore[misc]


def _send(engine: Engine, apis: StandIns) -> None:
    telegram = TelegramSender(token=TG_TOKEN, base_url=apis.url)
    try:
        with pinned(MORNING):
            send_due({Channel.telegram: telegram}, LocalLimiter({}), engine)
    finally:
        telegram.close()


def test_the_reminder_goes_to_the_chat_the_debtor_linked(backend: Engine, apis: StandIns) -> None:
    with session_scope(backend) as session:
        portfolio_id, accounts = _seed(session, ("telegram", "sms"))
    bot = _chat_with_the_bot(backend, f"/start {_link_for(backend, accounts['Ana'])}")
    assert "Ana" in bot.of("sendMessage")[0].body["text"]  # verified, without typing
    with session_scope(backend) as session:
        [link] = session.execute(select(DebtorChat)).scalars()
        assert (link.debtor_id, link.channel, link.chat_id) == (
            _debtor_of(session, accounts["Ana"]),
            Channel.telegram,
            str(ANA_CHAT),
        )

    _plan(backend, portfolio_id)
    planned = _attempts(backend)
    assert set(planned) == {(accounts["Ana"], Channel.telegram), (accounts["Beto"], Channel.sms)}
    _send(backend, apis)

    [call] = apis.telegram.received  # through PTB's Bot.send_message, to Ana's chat only
    assert call.path == f"/bot{TG_TOKEN}/sendMessage"
    assert call.body["chat_id"] == str(ANA_CHAT)
    assert call.body["text"].startswith("Hola Ana, debe S/\xa01,500.00.")
    sent = _attempts(backend)[(accounts["Ana"], Channel.telegram)]
    assert (sent.status, sent.provider_ref) == (AttemptStatus.sent, f"{ANA_CHAT}:1")
    with session_scope(backend) as session:  # Beto linked no chat: his reminder went by SMS
        [sms] = session.execute(select(OutboxMessage)).scalars()
    assert sms.channel == "sms" and sms.text.startswith("Hola Beto")


def test_without_a_linked_chat_a_telegram_only_step_is_refused_for_want_of_contact_data(
    backend: Engine,
) -> None:
    with session_scope(backend) as session:
        portfolio_id, accounts = _seed(session, ("telegram",))
    _plan(backend, portfolio_id)
    for account_id in accounts.values():
        attempt = _attempts(backend)[(account_id, Channel.telegram)]
        assert (attempt.status, attempt.rule) == (AttemptStatus.refused, "no_contact_data")


def test_a_chat_unlinked_after_planning_fails_over_to_the_next_channel(
    backend: Engine, apis: StandIns
) -> None:
    with session_scope(backend) as session:
        portfolio_id, accounts = _seed(session, ("telegram", "sms"))
    _chat_with_the_bot(backend, f"/start {_link_for(backend, accounts['Ana'])}")
    _plan(backend, portfolio_id)
    assert (accounts["Ana"], Channel.telegram) in _attempts(backend)

    bot = _chat_with_the_bot(backend, "BAJA")  # before the reminder goes out
    assert "No le enviaremos" in bot.of("sendMessage")[0].body["text"]
    with session_scope(backend) as session:
        assert session.execute(select(DebtorChat)).first() is None
    _send(backend, apis)  # the Telegram reminder fails over to SMS
    _send(backend, apis)  # which goes out on the next round

    assert apis.telegram.received == []
    attempts = _attempts(backend)
    failed = attempts[(accounts["Ana"], Channel.telegram)]
    # BAJA opted her out of Telegram too: the planned reminder is cancelled for that reason.
    assert (failed.status, failed.rule) == (AttemptStatus.cancelled, "opted_out")
    fallback = attempts[(accounts["Ana"], Channel.sms)]
    assert (fallback.key, fallback.status) == (f"{failed.key}|sms", AttemptStatus.sent)
    with session_scope(backend) as session:
        texts = sorted(m.text for m in session.execute(select(OutboxMessage)).scalars())
    assert [t.split(",")[0] for t in texts] == ["Hola Ana", "Hola Beto"]


def test_a_chat_that_blocked_the_bot_is_unlinked_and_the_reminder_fails_over(
    backend: Engine, apis: StandIns
) -> None:
    with session_scope(backend) as session:
        portfolio_id, accounts = _seed(session, ("telegram", "sms"))
    _chat_with_the_bot(backend, f"/start {_link_for(backend, accounts['Ana'])}")
    _plan(backend, portfolio_id)
    apis.telegram.fail_next("blocked")  # Ana blocked the bot since
    _send(backend, apis)
    _send(backend, apis)

    failed = _attempts(backend)[(accounts["Ana"], Channel.telegram)]
    assert (failed.status, failed.rule) == (AttemptStatus.failed, "unreachable")
    assert _attempts(backend)[(accounts["Ana"], Channel.sms)].status == AttemptStatus.sent
    with session_scope(backend) as session:
        assert session.execute(select(DebtorChat)).first() is None  # no more Telegram reminders
