"""Sending the day's reminders: through a provider (Twilio's library against its stand-in) or
the development outbox, each once, stopped when the account no longer wants one, and moved to
the step's next channel when a channel fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned
from backend.core.db import session_scope
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.channels.sms import TwilioSender
from backend.outbound.models import MessageTemplate, OutboxMessage, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.sending import send_due
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel, Language
from tests import builders as b
from tests.outbound.channels.test_sms import sender_for
from tests.outbound.standins import StandIns, serve_apis

LIMA = ZoneInfo("America/Lima")
DAY = date(2026, 12, 10)  # a Thursday
MORNING = datetime(2026, 12, 10, 10, 0, tzinfo=LIMA)
SYSTEM = Actor("system", None)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def apis() -> Iterator[StandIns]:
    with serve_apis() as standins:
        yield standins


def _seed(session: Session, accounts: int = 1, channels: tuple[str, ...] = ("sms", "email")):
    """A Peruvian portfolio whose one step reminds accounts 7 days past due."""
    portfolio = b.portfolio(
        session, contact_rules={}, creditor=b.creditor(session, name="Banco Andino")
    )
    session.add(
        MessageTemplate(
            portfolio_id=portfolio.id,
            name="saldo",
            language=Language.es,
            subject="Su deuda",
            body="Hola {{ first_name }}, debe {{ balance }}. Pague aquí: {{ payment_link }}",
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
    made = []
    for i in range(accounts):
        debtor = b.debtor(
            session, portfolio, phone=f"+5198{b.n():07d}", emails=[f"d{i}@example.com"]
        )
        made.append(
            b.account(
                session,
                portfolio,
                owner=debtor,
                due_date=DAY - timedelta(days=7),
                principal=150_000,
            )
        )
    session.flush()
    plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=MORNING)
    return portfolio, made


def _attempts(engine: Engine) -> list[ContactAttempt]:
    with session_scope(engine) as session:
        return list(
            session.execute(select(ContactAttempt).order_by(ContactAttempt.created_at)).scalars()
        )


def _outbox(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(session.execute(select(OutboxMessage)).scalars())


def test_without_providers_messages_land_in_the_outbox_once(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        _seed(session)
    with pinned(MORNING):
        report = send_due({}, LocalLimiter({}), committed_engine)
        again = send_due({}, LocalLimiter({}), committed_engine)
    assert (report.claimed, report.outbox, again.claimed) == (1, 1, 0)
    [message] = _outbox(committed_engine)
    assert message.channel == "sms" and message.recipient.startswith("+5198")
    assert message.text.startswith("Hola Rosa, debe S/\xa01,500.00. Pague aquí: http")
    assert "/pay/" in message.text and "Responda BAJA" in message.text
    [attempt] = _attempts(committed_engine)
    assert attempt.status == AttemptStatus.sent and attempt.provider_ref == f"outbox:{attempt.id}"


def test_through_twilio_and_on_to_the_next_channel_when_it_fails(
    committed_engine: Engine, apis: StandIns
) -> None:
    with session_scope(committed_engine) as session:
        _seed(session, accounts=2)
    sms = sender_for(apis.url)
    apis.twilio.fail_next("bad_number")
    try:
        with pinned(MORNING):
            first = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
            second = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
    finally:
        sms.close()
    assert (first.failed, first.sent, second.outbox) == (1, 1, 1)
    assert len(apis.twilio.received) == 2
    assert "debe S/\xa01,500.00" in apis.twilio.received[1].body["Body"]
    by_status = {(a.channel, a.status) for a in _attempts(committed_engine)}
    assert by_status == {
        (Channel.sms, AttemptStatus.failed),
        (Channel.sms, AttemptStatus.sent),
        (Channel.email, AttemptStatus.sent),
    }
    [mail] = _outbox(committed_engine)
    assert mail.channel == "email" and mail.subject == "Su deuda"


def test_a_paid_account_gets_no_reminder(committed_engine: Engine) -> None:
    from backend.accounts.models import Account

    with session_scope(committed_engine) as session:
        _, [account] = _seed(session)
        row = session.get(Account, account.id)
        row.balance_minor = 0
        session.add(row)
    with pinned(MORNING):
        report = send_due({}, LocalLimiter({}), committed_engine)
    assert (report.cancelled, report.outbox) == (1, 0)
    [attempt] = _attempts(committed_engine)
    assert (attempt.status, attempt.rule) == (AttemptStatus.cancelled, "paid")


def test_several_workers_send_each_reminder_once(
    committed_engine: Engine, apis: StandIns, db_kind: str
) -> None:
    with session_scope(committed_engine) as session:
        _seed(session, accounts=12, channels=("sms",))
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        sms: TwilioSender = sender_for(apis.url)
        try:
            start.wait()
            with pinned(MORNING):
                while send_due(
                    {Channel.sms: sms}, LocalLimiter({}), committed_engine, limit=3
                ).claimed:
                    pass
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            sms.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    with pinned(MORNING):  # once, for every thread: the clock is one for the process
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    recipients = [r.body["To"] for r in apis.twilio.received]
    assert len(recipients) == 12 and len(set(recipients)) == 12
    assert {a.status for a in _attempts(committed_engine)} == {AttemptStatus.sent}


def test_whatsapp_takes_a_template_outside_the_24_hours_after_the_debtor_wrote(
    committed_engine: Engine,
) -> None:
    from backend.conversations.models import InboxMessage
    from backend.debtors.models import DebtorPhone

    with session_scope(committed_engine) as session:
        _, (quiet, talked) = _seed(session, accounts=2, channels=("whatsapp", "sms"))
        template = session.execute(select(MessageTemplate)).scalar_one()
        template.whatsapp_name, template.whatsapp_params = "saldo_v1", ["first_name", "balance"]
        phone = session.execute(
            select(DebtorPhone.e164).where(DebtorPhone.debtor_id == talked.debtor_id)
        ).scalar_one()
        session.add(
            InboxMessage(
                channel="whatsapp",
                user_id=phone.lstrip("+"),
                message_id="wamid.1",
                received_at=MORNING - timedelta(hours=2),
            )
        )
        quiet_id, talked_id = quiet.id, talked.id
    with pinned(MORNING):
        send_due({}, LocalLimiter({}), committed_engine)
    with session_scope(committed_engine) as session:
        by_account = {
            a.account_id: m
            for m, a in session.execute(
                select(OutboxMessage, ContactAttempt).join(
                    ContactAttempt, ContactAttempt.id == OutboxMessage.attempt_id
                )
            )
        }
    assert by_account[quiet_id].whatsapp_template == "saldo_v1"
    assert by_account[talked_id].whatsapp_template is None  # a session message


def test_without_an_approved_template_whatsapp_moves_on_to_sms(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        _seed(session, channels=("whatsapp", "sms"))
    with pinned(MORNING):
        first = send_due({}, LocalLimiter({}), committed_engine)
        second = send_due({}, LocalLimiter({}), committed_engine)
    assert (first.failed, second.outbox) == (1, 1)
    rules = {(a.channel, a.status, a.rule) for a in _attempts(committed_engine)}
    assert (Channel.whatsapp, AttemptStatus.failed, "no_whatsapp_template") in rules
    assert [m.channel for m in _outbox(committed_engine)] == ["sms"]


def test_a_worker_that_died_after_claiming_leaves_the_reminder_to_another(
    committed_engine: Engine, apis: StandIns
) -> None:
    """A worker claimed a reminder and died before sending: nobody sends it while its lease
    lasts; then the next worker claims it and it goes out once."""
    from backend.outbound import repository
    from backend.outbound.sending import LEASE

    with session_scope(committed_engine) as session:
        _seed(session, channels=("sms",))
    with pinned(MORNING), session_scope(committed_engine) as session:
        [claimed] = repository.claim_due(session, MORNING, MORNING + LEASE, 10)  # then it died
    sms = sender_for(apis.url)
    try:
        with pinned(MORNING + LEASE / 2):
            assert send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine).claimed == 0
        with pinned(MORNING + LEASE + timedelta(seconds=1)):
            report = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
    finally:
        sms.close()
    assert (report.claimed, report.sent) == (1, 1) and len(apis.twilio.received) == 1
    [attempt] = _attempts(committed_engine)
    assert attempt.id == claimed and attempt.status == AttemptStatus.sent


@pytest.mark.slow
def test_a_worker_killed_after_handing_a_message_over_is_not_sent_again(
    committed_engine: Engine, apis: StandIns
) -> None:
    """A real worker process claims the reminder, hands it to Twilio (the stand-in holds its
    answer) and is killed (SIGKILL) before it hears back. Twilio's API takes no idempotency
    key, so the next worker, once the lease has run out, must not send it again: it is logged
    sent with its answer lost, and Twilio's status callback (which names the attempt's key)
    still finds it."""
    from backend.outbound import deliveries, repository
    from backend.outbound.channels.base import DeliveryUpdate
    from backend.outbound.sending import LEASE

    with session_scope(committed_engine) as session:
        _seed(session, channels=("sms", "email"))
    apis.twilio.delay_next(5)  # the answer the killed worker never reads (killed at once)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.outbound.send_worker",
            committed_engine.url.render_as_string(hide_password=False),
            apis.url,
            MORNING.isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not apis.twilio.received:  # claimed, prepared, handed over
            assert worker.poll() is None and time.monotonic() < deadline, "no send arrived"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    [claimed] = _attempts(committed_engine)
    assert claimed.status == AttemptStatus.sending

    sms = sender_for(apis.url)
    try:
        with pinned(MORNING + LEASE + timedelta(seconds=1)):
            report = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
            again = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
    finally:
        sms.close()
    assert (report.claimed, report.unconfirmed, report.sent, again.claimed) == (1, 1, 0, 0)
    assert len(apis.twilio.received) == 1  # one message, whoever sent it
    [attempt] = _attempts(committed_engine)  # and no fall-back to e-mail
    assert (attempt.status, attempt.rule, attempt.provider_ref) == (
        AttemptStatus.sent,
        "answer_lost",
        None,
    )
    sid = f"SM{1:032x}"  # the stand-in's id for its first message
    update = DeliveryUpdate(sid, "delivered", MORNING, key=attempt.key)
    with session_scope(committed_engine) as session:
        assert deliveries.record(session, [update]) == 1
        found = repository.attempt_for_delivery(session, sid, None)
        assert found is not None and found.status == AttemptStatus.delivered


def test_of_two_workers_that_both_hold_a_claim_one_at_most_hands_it_over(
    session: Session,
) -> None:
    """A worker whose lease ran out while it paced or rendered, and the worker that claimed the
    reminder again: only the current claim may hand it to the provider, and only once."""
    from backend.outbound import repository
    from backend.outbound.sending import LEASE

    _seed(session, channels=("sms",))
    first_lease = MORNING + LEASE
    [claimed] = repository.claim_due(session, MORNING, first_lease, 10)
    later = first_lease + timedelta(seconds=1)
    assert repository.claim_due(session, later, later + LEASE, 10) == [claimed]

    assert not repository.hand_over(session, claimed, first_lease, later)  # the stale claim
    assert repository.hand_over(session, claimed, later + LEASE, later)
    assert not repository.hand_over(session, claimed, later + LEASE, later)  # once
