"""Every payment an agent takes gets its receipt to the debtor, once: by SMS (or the
portfolio's WhatsApp template) when the debtor has no chat, with the amount and new balance
as their country writes them and the receipt's code and public URL; a replayed sync sends
nothing more. The receipt's QR code (shown on the agent's screen) decodes to that URL, and
the URL answers for that code."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.conversations import notices
from backend.conversations.models import PaymentNotice
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import Debtor, DebtorPhone
from backend.field import sync as field_sync
from backend.outbound.channels.base import Sender
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.models import MessageTemplate
from backend.payments.models import Payment
from backend.users.models import User
from shared.schemas.enums import Channel, Language
from shared.schemas.field import SyncAction, SyncRequest
from tests import builders as b
from tests.field import helpers as h
from tests.outbound.channels.test_sms import sender_for as sms_sender
from tests.outbound.channels.test_whatsapp import sender_for as whatsapp_sender
from tests.outbound.standins import StandIns, serve_apis
from tests.plans.helpers import lima


@pytest.fixture
def apis() -> Iterator[StandIns]:
    with serve_apis() as standins:
        yield standins


@pytest.fixture
def senders(apis: StandIns) -> Iterator[dict[Channel, Sender]]:
    sms, whatsapp = sms_sender(apis.url), whatsapp_sender(apis.url)
    yield {Channel.sms: sms, Channel.whatsapp: whatsapp}
    sms.close()
    whatsapp.close()


def seeded(engine: Engine, **debtor: object) -> tuple[User, uuid.UUID, str]:
    """An agent and their account of S/ 1,200.00 (a debtor who never wrote to the bots); the
    agent, the account and the debtor's phone."""
    with session_scope(engine) as session:
        _, agent = h.team(session)
        account = h.located_account(session, lima(session), agent, h.north(50), principal=120_000)
        owner = session.get(Debtor, account.debtor_id)
        assert owner is not None
        for name, value in debtor.items():
            setattr(owner, name, value)
        phone = session.execute(
            select(DebtorPhone.e164).where(DebtorPhone.debtor_id == owner.id)
        ).scalar_one()
        return agent, account.id, phone


def push(engine: Engine, agent: User, actions: list[dict]) -> list[str]:
    request = SyncRequest(
        device_id="phone-1", actions=[SyncAction.model_validate(a) for a in actions]
    )
    with session_scope(engine) as session:
        response = field_sync.sync(session, agent, request, "es")
    return [r.status.value for r in response.results]


def run(engine: Engine, senders: dict[Channel, Sender]) -> notices.NoticeReport:
    with session_scope(engine) as session:
        notices.collect(session, utcnow())
    return notices.send_due(senders, LocalLimiter({}), engine)


def account_of(engine: Engine, account_id: uuid.UUID) -> Account:
    with session_scope(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account


def test_a_field_payment_sends_one_sms_receipt_even_when_replayed(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    agent, account_id, phone = seeded(committed_engine)
    payment = h.payment(account_of(committed_engine, account_id), "250.00", "R-7")

    assert push(committed_engine, agent, [payment]) == ["applied"]
    first = run(committed_engine, senders)
    assert push(committed_engine, agent, [payment]) == ["duplicate"]  # the phone retried
    second = run(committed_engine, senders)

    assert (first.sent, second.sent + second.skipped + second.outbox) == (1, 0)
    [sms] = apis.twilio.received
    with session_scope(committed_engine) as session:
        [row] = session.execute(select(Payment)).scalars().all()
        code = row.verification_code
        [notice] = session.execute(select(PaymentNotice)).scalars().all()
    assert code and (notice.channel, notice.status) == ("sms", "sent")
    text = sms.body["Body"]
    url = f"{get_settings().public_url.rstrip('/')}/receipts/{code}"
    assert sms.body["To"] == phone
    assert "S/\xa0250.00" in text  # the amount, as Peru writes it
    assert "S/\xa0950.00" in text  # the new balance
    assert f"Recibo {code}, verifíquelo en {url}" in text
    assert apis.whatsapp.received == []


def test_with_a_whatsapp_template_the_receipt_goes_by_whatsapp(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    agent, account_id, phone = seeded(committed_engine)
    account = account_of(committed_engine, account_id)
    with session_scope(committed_engine) as session:
        session.add(
            MessageTemplate(
                portfolio_id=account.portfolio_id,
                name=notices.TEMPLATE,
                language=Language.es,
                body="Recibimos {{ amount }}. Saldo: {{ balance }}. {{ payment_link }}",
                whatsapp_name="pago_recibido",
                whatsapp_params=["amount", "balance", "payment_link"],
            )
        )
    push(committed_engine, agent, [h.payment(account, "1200.00", "R-8")])

    assert run(committed_engine, senders).sent == 1

    [sent] = apis.whatsapp.received
    values = [p["text"] for p in sent.body["template"]["components"][0]["parameters"]]
    assert sent.body["to"] == phone
    assert values[:2] == ["S/\xa01,200.00", "S/\xa00.00"]
    assert re.fullmatch(r"http.*/receipts/[A-Z2-9]{10}", values[2])
    assert apis.twilio.received == []


def test_channels_the_debtor_opted_out_of_are_not_used(
    committed_engine: Engine, apis: StandIns, senders: dict[Channel, Sender]
) -> None:
    agent, account_id, _ = seeded(committed_engine, opt_outs=["sms", "whatsapp"])
    push(committed_engine, agent, [h.payment(account_of(committed_engine, account_id), "10", "R")])

    report = run(committed_engine, senders)

    assert (report.sent, report.skipped) == (0, 1)
    assert apis.twilio.received == [] and apis.whatsapp.received == []


def test_the_receipt_qr_decodes_to_the_verification_url(
    session: Session, client: TestClient
) -> None:
    _, agent = h.team(session)
    account = h.located_account(session, lima(session), agent, h.north(50))
    action = h.payment(account, "80.00", "R-9")
    [result] = h.sync(client, agent, [action])["results"]
    [replayed] = h.sync(client, agent, [action])["results"]
    payment_id = result["entity_id"]
    code = session.get(Payment, uuid.UUID(payment_id)).verification_code
    assert result["details"]["receipt_code"] == code  # the app shows it once synced
    assert replayed["details"] == result["details"]

    qr = client.get(f"/api/v1/payments/{payment_id}/receipt-qr.png", headers=b.headers(agent))

    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.content)))
    url = f"{get_settings().public_url.rstrip('/')}/receipts/{code}"
    assert decoded.text == url == result["details"]["receipt_url"]
    page = client.get(f"/receipts/{code}")
    assert page.status_code == 200 and code in page.text
    assert client.get("/receipts/AAAAAAAAAA").status_code == 404
