"""A payment arriving is confirmed in the debtor's chat, once, through the outbound engine's
channel adapters (the real pywa and python-telegram-bot against the local stand-ins): a
session message inside WhatsApp's 24-hour window, the approved template outside it, Telegram
in the linked chat; the bot blocked marks the channel; nothing for a debtor with no chat."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.conversations import notices
from backend.conversations.models import Conversation, InboxMessage, PaymentNotice
from backend.core.clock import today_in, utcnow
from backend.core.db import session_scope
from backend.debtors import chats
from backend.debtors.models import Debtor
from backend.outbound.channels.base import Sender
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.channels.telegram import TelegramSender
from backend.outbound.models import MessageTemplate
from backend.payments import service as payments
from backend.payments.service import IncomingPayment
from shared.schemas.enums import Channel, Language, PaymentMethod
from tests import builders as b
from tests.outbound.channels.test_whatsapp import sender_for
from tests.outbound.standins import TG_TOKEN, StandIns, serve_apis

PHONE = "+51987654321"
SYSTEM = Actor.system()


@pytest.fixture
def apis() -> Iterator[StandIns]:
    with serve_apis() as standins:
        yield standins


@pytest.fixture
def senders(apis: StandIns) -> Iterator[dict[Channel, Sender]]:
    whatsapp = sender_for(apis.url)
    telegram = TelegramSender(token=TG_TOKEN, base_url=apis.url)
    yield {Channel.whatsapp: whatsapp, Channel.telegram: telegram}
    whatsapp.close()
    telegram.close()


@dataclass
class Seeded:
    debtor_id: uuid.UUID
    account_id: uuid.UUID
    portfolio_id: uuid.UUID


def seed(engine: Engine, *, wrote_ago: timedelta | None = timedelta(minutes=5)) -> Seeded:
    """Rosa owes S/ 1,200.00 and wrote to the bot on WhatsApp ``wrote_ago`` (None: never)."""
    with session_scope(engine) as session:
        portfolio = b.portfolio(session, creditor=b.creditor(session, name="Banco Andino"))
        debtor = b.debtor(session, portfolio, phone=PHONE, first_name="Rosa")
        account = b.account(session, portfolio, owner=debtor, principal=120_000)
        if wrote_ago is not None:
            user_id = PHONE.lstrip("+")
            session.add(Conversation(channel="whatsapp", user_id=user_id, language=Language.es))
            session.add(
                InboxMessage(
                    channel="whatsapp",
                    user_id=user_id,
                    message_id=f"wamid.{b.n()}",
                    received_at=utcnow() - wrote_ago,
                    done_at=utcnow() - wrote_ago,
                )
            )
        return Seeded(debtor.id, account.id, portfolio.id)


def pay(engine: Engine, seeded: Seeded, amount: int = 30_000, key: str = "field-1") -> None:
    """A cash payment an agent took (it has a verifiable receipt)."""
    with session_scope(engine) as session:
        payments.record_payment(
            session,
            SYSTEM,
            seeded.account_id,
            IncomingPayment(
                amount_minor=amount,
                currency="PEN",
                paid_on=today_in("America/Lima"),
                method=PaymentMethod.cash,
                client_id=key,
                receipt_number=key,
            ),
        )


def run(engine: Engine, senders: dict[Channel, Sender]) -> notices.NoticeReport:
    with session_scope(engine) as session:
        notices.collect(session, utcnow())
    return notices.send_due(senders, LocalLimiter({}), engine)


def notices_of(engine: Engine) -> list[PaymentNotice]:
    with session_scope(engine) as session:
        return list(session.execute(select(PaymentNotice)).scalars())


def test_inside_the_window_a_session_message_with_balance_and_receipt(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine)
    pay(committed_engine, seeded)
    report = run(committed_engine, senders)
    assert report.sent == 1
    [sent] = apis.whatsapp.received
    text = sent.body["text"]["body"]
    assert sent.body["to"] == PHONE and "template" not in sent.body
    assert "Recibimos su pago de S/\xa0300.00" in text and "Banco Andino" in text
    assert "Su saldo ahora es S/\xa0900.00" in text
    assert "/receipts/" in text
    assert run(committed_engine, senders).sent == 0  # once
    [notice] = notices_of(committed_engine)
    assert (notice.status, notice.channel, notice.provider_ref) == (
        "sent",
        "whatsapp",
        "wamid.OUT1",
    )


def test_outside_the_window_the_approved_template(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine, wrote_ago=timedelta(days=2))
    with session_scope(committed_engine) as session:
        session.add(
            MessageTemplate(
                portfolio_id=seeded.portfolio_id,
                name=notices.TEMPLATE,
                language=Language.es,
                body="Recibimos {{ amount }}. Saldo: {{ balance }}.",
                whatsapp_name="pago_recibido",
                whatsapp_params=["amount", "balance", "payment_link"],
            )
        )
    pay(committed_engine, seeded)
    assert run(committed_engine, senders).sent == 1
    [sent] = apis.whatsapp.received
    template = sent.body["template"]
    assert template["name"] == "pago_recibido"
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[:2] == ["S/\xa0300.00", "S/\xa0900.00"] and "/receipts/" in values[2]


def test_outside_the_window_without_a_template_nothing_is_sent(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine, wrote_ago=timedelta(days=2))
    pay(committed_engine, seeded)
    assert run(committed_engine, senders).skipped == 1
    assert apis.whatsapp.received == []
    [notice] = notices_of(committed_engine)
    assert (notice.status, notice.reason) == ("skipped", "no_whatsapp_template")


def test_a_debtor_who_never_chatted_gets_nothing(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine, wrote_ago=None)
    pay(committed_engine, seeded)
    assert run(committed_engine, senders).skipped == 1
    assert apis.whatsapp.received == [] and apis.telegram.received == []


def test_the_chat_last_written_from_and_a_blocked_bot_marks_the_channel(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine, wrote_ago=timedelta(hours=3))
    with session_scope(committed_engine) as session:
        debtor = session.get(Debtor, seeded.debtor_id)
        assert debtor is not None
        chats.link(session, SYSTEM, debtor, Channel.telegram, "4242")
        session.add(Conversation(channel="telegram", user_id="4242", language=Language.en))
        session.add(
            InboxMessage(channel="telegram", user_id="4242", message_id="4242:1", done_at=utcnow())
        )
    pay(committed_engine, seeded, key="field-1")
    assert run(committed_engine, senders).sent == 1
    [sent] = apis.telegram.received
    assert sent.body["chat_id"] == "4242"
    assert "We received your payment of S/\xa0300.00" in sent.body["text"]  # the chat's language

    apis.telegram.fail_next("blocked")
    pay(committed_engine, seeded, amount=10_000, key="field-2")
    assert run(committed_engine, senders).failed == 1
    with session_scope(committed_engine) as session:
        assert chats.chat_of(session, seeded.debtor_id, Channel.telegram) is None
    pay(committed_engine, seeded, amount=10_000, key="field-3")
    assert run(committed_engine, senders).sent == 1  # WhatsApp, the other chat
    assert len(apis.whatsapp.received) == 1


def test_several_workers_send_each_notice_once(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    seeded = seed(committed_engine)
    for n in range(6):
        pay(committed_engine, seeded, amount=1_000, key=f"field-{n}")
    with session_scope(committed_engine) as session:
        assert notices.collect(session, utcnow()) == 6
        assert notices.collect(session, utcnow()) == 0  # collected once
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            while notices.send_due(senders, LocalLimiter({}), committed_engine, limit=2).sent:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(apis.whatsapp.received) == 6
    assert {n.status for n in notices_of(committed_engine)} == {"sent"}
    with session_scope(committed_engine) as session:
        account = session.get(Account, seeded.account_id)
        assert account is not None and account.balance_minor == 114_000
