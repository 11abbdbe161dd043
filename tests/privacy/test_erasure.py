"""Erasure: a debtor's personal data goes, the debt stays; refused while a claim is open
unless a legal order is recorded; idempotent, also under concurrent requests; and the
retention job erases, a page at a time, debtors whose country's retention ran out."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.conversations.models import Conversation
from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.field.models import Visit
from backend.jobs import registry
from backend.ledger.models import LedgerEntry
from backend.outbound.models import OutboxMessage
from backend.payments.models import Payment
from backend.privacy import retention, service
from backend.privacy.tasks import run_retention
from backend.statements.models import BankStatement, StatementLine
from backend.tasks.models import Task
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import AccountStatus, Channel, Role
from shared.schemas.privacy import ErasureRequest
from shared.schemas.statements import StatementLineStatus
from tests import builders as b
from tests.field import helpers as field
from tests.plans.helpers import pay
from tests.privacy.conftest import World

API = "/api/v1"
CHAT = "51987654321"


def erase(client: TestClient, world: World, debtor: Debtor, **body) -> dict:
    answer = client.post(
        f"{API}/debtors/{debtor.id}/erase",
        json={"reason": "Data subject's request of 2026-12-01", **body},
        headers=b.headers(world.admin),
    )
    return {"status": answer.status_code, **answer.json()}


def events(session: Session, debtor: Debtor) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.action == "debtor.erased", AuditEvent.entity_id == str(debtor.id)
    )
    return list(session.execute(query).scalars())


def test_refused_while_a_claim_is_open_unless_a_legal_order(
    client: TestClient, session: Session, world: World
) -> None:
    refused = erase(client, world, world.debtor_a)
    assert refused["status"] == 409 and refused["code"] == "erasure_blocked"
    assert refused["details"] == {"account_ids": [str(world.account_a.id)]}
    assert session.get(Debtor, world.debtor_a.id).erased_at is None  # type: ignore[union-attr]
    as_supervisor = client.post(
        f"{API}/debtors/{world.debtor_a.id}/erase",
        json={"reason": "please"},
        headers=b.headers(world.supervisor),
    )
    assert as_supervisor.status_code == 403
    ordered = erase(client, world, world.debtor_a, legal_order=True, reason="Order 123-2026")
    assert ordered["status"] == 200 and ordered["already_erased"] is False
    [event] = events(session, world.debtor_a)
    assert event.actor_id == world.admin.id
    assert event.after == {
        "reason": "Order 123-2026",
        "legal_order": True,
        "open_account_ids": [str(world.account_a.id)],
    }


def test_personal_data_goes_and_the_debt_stays(
    client: TestClient, session: Session, world: World
) -> None:
    debtor, account = world.debtor_a, world.account_a
    session.add(DebtorAddress(debtor_id=debtor.id, line1="Av. Arequipa 1234", country="PE"))
    debtor.emails, debtor.birth_date = ["rosa@example.pe"], utcnow().date() - timedelta(days=9000)
    session.add(debtor)
    session.flush()
    bot = b.user(session, Role.bot)
    _bind_chat(client, session, bot, debtor)
    shared_chat = Conversation(
        channel="telegram",
        user_id="777",
        debtor_ids=[str(debtor.id), str(world.debtor_b.id)],
        bound_until=utcnow() + timedelta(hours=3),
    )
    session.add(shared_chat)
    cash = field.payment(
        account, "10.00", "R-77", latitude=-12.04, longitude=-77.03, photo_ref="r/77.jpg"
    )
    visit, paid = (
        r["entity_id"]
        for r in field.sync(
            client,
            world.agent_a,
            [field.visit(account, (-12.04, -77.03), note="Vive con su hija"), cash],
        )["results"]
    )
    outbox = _outbox_message(session, debtor)
    booked, doubtful = _statement_lines(session, world)
    session.refresh(account)
    pay(session, account, account.balance_minor, "settled")
    ledger_before = _ledger(session, account)

    erased = erase(client, world, debtor)

    assert erased["status"] == 200, erased
    session.expire_all()
    row = session.get(Debtor, debtor.id)
    assert row is not None and row.erased_at is not None
    assert (row.first_name, row.last_name, row.company_name) == ("—", None, None)
    assert row.id_number == debtor.id.hex and row.birth_date is None
    assert (row.emails, row.search_text, row.preferred_channel) == ([], "", None)
    assert sorted(row.opt_outs) == sorted(c.value for c in Channel)
    for model in (DebtorPhone, DebtorAddress):
        assert _count(session, model, model.debtor_id == debtor.id) == 0
    assert _count(session, Conversation, Conversation.user_id == CHAT) == 0
    assert session.get(Conversation, shared_chat.id).debtor_ids == [str(world.debtor_b.id)]  # type: ignore[union-attr]
    assert session.get(OutboxMessage, outbox) is None
    stored = session.get(Visit, uuid.UUID(visit))
    assert stored is not None and (stored.note, stored.latitude, stored.longitude) == (None,) * 3
    cash_paid = session.get(Payment, uuid.UUID(paid))
    assert cash_paid is not None and cash_paid.amount_minor == 1000
    assert (cash_paid.latitude, cash_paid.longitude, cash_paid.photo_ref) == (None,) * 3
    booked_line, doubtful_line = (
        session.get(StatementLine, booked),
        session.get(StatementLine, doubtful),
    )
    assert booked_line is not None and booked_line.description == ""
    assert booked_line.reference == "OP-1" and booked_line.amount_minor == 5000
    assert [c["debtor_name"] for c in booked_line.candidates] == ["—"]
    assert doubtful_line is not None and doubtful_line.description == "TRANSF QUISPE"  # not booked
    assert [c["debtor_name"] for c in doubtful_line.candidates] == ["—", "Luis Torres"]
    [callback] = session.execute(select(Task).where(Task.account_id == account.id)).scalars()
    assert "contact" not in callback.payload
    # the debt stays: account, ledger, payments
    assert _ledger(session, account) == ledger_before
    assert session.get(Account, account.id).balance_minor == 0  # type: ignore[union-attr]
    # found by nothing personal any more, and closed to new personal data
    h = b.headers(world.admin)
    assert client.get(f"{API}/debtors", params={"q": "41234567"}, headers=h).json()["items"] == []
    patched = client.patch(f"{API}/debtors/{debtor.id}", json={"phones": ["987000111"]}, headers=h)
    assert patched.status_code == 409 and patched.json()["code"] == "debtor_erased"
    shown = client.get(f"{API}/debtors/{debtor.id}", headers=h).json()
    assert shown["display_name"] == "—" and shown["erased_at"] and shown["phones"] == []


def test_repeating_it_changes_nothing(client: TestClient, session: Session, world: World) -> None:
    account = world.account_a
    pay(session, account, account.balance_minor, "settled")
    first = erase(client, world, world.debtor_a)
    again = erase(client, world, world.debtor_a, reason="asked twice")
    assert first["status"] == again["status"] == 200
    assert (first["already_erased"], again["already_erased"]) == (False, True)
    assert first["erased_at"] == again["erased_at"]
    assert len(events(session, world.debtor_a)) == 1


def test_erasure_ends_the_debtor_s_chat_links(
    client: TestClient, session: Session, world: World
) -> None:
    """A link sent before the erasure opens no chat after it, and staff get no new one: a chat
    bound to an erased debtor would show a stranger the debt's bookkeeping."""
    debtor, account = world.debtor_a, world.account_a
    h = b.headers(world.admin)
    sent = client.post(f"{API}/debtors/{debtor.id}/chat-link", json={"valid_hours": 24}, headers=h)
    assert sent.status_code == 201, sent.text
    pay(session, account, account.balance_minor, "settled")
    assert erase(client, world, debtor)["status"] == 200

    bot = b.headers(b.user(session, Role.bot))
    opened = client.post(
        f"{API}/bot/telegram/4242/identify/token", json={"token": sent.json()["token"]}, headers=bot
    )
    assert opened.status_code == 200 and opened.json()["status"] == "failed"
    assert _count(session, Conversation, Conversation.user_id == "4242") == 0
    again = client.post(f"{API}/debtors/{debtor.id}/chat-link", json={"valid_hours": 24}, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "debtor_erased"


def test_concurrent_erasures_erase_once(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as s:
        portfolio = b.portfolio(s)
        debtor = b.debtor(s, portfolio, phone="+51987654321")
        b.account(s, portfolio, owner=debtor, principal=0, status=AccountStatus.paid)
        debtor_id = debtor.id
    admin = Actor("user", uuid.uuid4())
    results, errors = [], []
    barrier = threading.Barrier(4)

    def request() -> None:
        barrier.wait()
        try:
            with session_scope(committed_engine) as s:
                s.get(Debtor, debtor_id)  # as the endpoint's guard loads it, before the lock
                results.append(service.erase(s, admin, debtor_id, ErasureRequest(reason="asked")))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.already_erased for r in results) == [False, True, True, True]
    assert len({r.erased_at for r in results}) == 1
    with Session(committed_engine) as s:
        erased = s.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "debtor.erased", AuditEvent.entity_id == str(debtor_id))
        ).scalar_one()
        assert erased == 1
        assert _count(s, DebtorPhone, DebtorPhone.debtor_id == debtor_id) == 0


# --- retention -------------------------------------------------------------------------------


@pytest.fixture
def retention_env(monkeypatch: pytest.MonkeyPatch):
    def set_years(value: str) -> None:
        monkeypatch.setenv("COBRO_RETENTION_YEARS", value)
        get_settings.cache_clear()

    yield set_years
    monkeypatch.delenv("COBRO_RETENTION_YEARS", raising=False)
    get_settings.cache_clear()


def test_retention_erases_closed_debtors_past_their_countrys_period(
    committed_engine: Engine, retention_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(committed_engine) as s:
        pe = b.portfolio(s)
        cl = b.portfolio(s, currency="CLP", country="CL", tz="America/Santiago")
        us = b.portfolio(s, currency="USD", country="US", tz="America/New_York")
        closed_pe = [_closed_debtor(s, pe) for _ in range(4)]
        written_off = b.account(s, pe, status=AccountStatus.written_off)  # closed with a balance
        closed_pe.append(written_off.debtor_id)
        open_pe = b.account(s, pe).debtor_id  # still owes
        closed_cl, closed_us = _closed_debtor(s, cl), _closed_debtor(s, us)
        no_accounts = b.debtor(s, pe).id

    def erased() -> set[uuid.UUID]:
        with Session(committed_engine) as s:
            query = select(Debtor.id).where(col(Debtor.erased_at).is_not(None))
            return set(s.execute(query).scalars())

    now = utcnow()
    assert run_retention(committed_engine, now=now + timedelta(days=6 * 366)) == 1
    assert erased() == {closed_cl}  # Chile keeps five years; the US seven, Peru ten
    retention_env("US=5")
    assert run_retention(committed_engine, now=now + timedelta(days=6 * 366)) == 1
    assert erased() == {closed_cl, closed_us}
    monkeypatch.setattr(service, "PAGE", 2)  # six debtors: three pages and an empty one
    assert run_retention(committed_engine, now=now + timedelta(days=11 * 366)) == 6
    assert erased() == {closed_cl, closed_us, no_accounts, *closed_pe}
    assert open_pe not in erased()
    assert run_retention(committed_engine, now=now + timedelta(days=11 * 366)) == 0
    with Session(committed_engine) as s:
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "debtor.erased"))
            .scalars()
            .all()
        )
        assert len(events) == 8
        by_debtor = {e.entity_id: e.after for e in events}
        assert by_debtor[str(closed_cl)] == {
            "reason": "retention",
            "country": "CL",
            "retention_years": 5,
        }
        assert _count(s, DebtorPhone, DebtorPhone.debtor_id == closed_cl) == 0


def test_retention_is_a_daily_job_and_its_overrides_are_checked(retention_env) -> None:
    assert registry.get("privacy.retention").cron == "40 4 * * *"
    retention_env("PE=0")
    with pytest.raises(ValueError, match="CC=years"):
        retention.cutoffs(utcnow())


# --- helpers ---------------------------------------------------------------------------------


def _closed_debtor(session: Session, portfolio) -> uuid.UUID:
    debtor = b.debtor(session, portfolio, phone=f"+5199{uuid.uuid4().int % 10**7:07d}")
    b.account(session, portfolio, owner=debtor, principal=0, status=AccountStatus.paid)
    return debtor.id


def _bind_chat(client: TestClient, session: Session, bot, debtor: Debtor) -> None:
    url = f"{API}/bot/whatsapp/{CHAT}"
    phone = session.execute(
        select(DebtorPhone.e164).where(DebtorPhone.debtor_id == debtor.id)
    ).scalar_one()
    identify = {"id_number": debtor.id_number, "phone_last4": phone[-4:]}
    h = b.headers(bot)
    assert client.post(f"{url}/identify", headers=h, json=identify).json()["status"] == "verified"
    assert client.post(f"{url}/handoff", headers=h, json={"message_id": "m-1"}).status_code == 201


def _outbox_message(session: Session, debtor: Debtor) -> uuid.UUID:
    attempt = ContactAttempt(
        key=f"test:{uuid.uuid4()}",
        portfolio_id=debtor.portfolio_id,
        debtor_id=debtor.id,
        channel=Channel.sms,
        source="reminder",
        at=utcnow(),
        status=AttemptStatus.sent,
    )
    session.add(attempt)
    session.flush()
    message = OutboxMessage(
        attempt_id=attempt.id,
        portfolio_id=debtor.portfolio_id,
        channel="sms",
        recipient="+51987654321",
        text="Rosa, su deuda vence hoy",
    )
    session.add(message)
    session.flush()
    return message.id


def _statement_lines(session: Session, world: World) -> tuple[uuid.UUID, uuid.UUID]:
    """A line booked to the debtor's account, and one that could be theirs or debtor B's."""
    statement = BankStatement(
        portfolio_id=world.portfolio.id, filename="bcp.csv", sha256="0" * 64, currency="PEN"
    )
    session.add(statement)
    session.flush()

    def named(account: Account, name: str) -> dict:
        return {"account_id": str(account.id), "debtor_name": name, "reason": "reference"}

    lines = [
        StatementLine(
            statement_id=statement.id,
            line_no=n,
            value_date=utcnow().date(),
            amount_minor=5000,
            reference=f"OP-{n}",
            description=description,
            fingerprint=f"{n:064d}",
            status=status,
            candidates=candidates,
            account_id=booked_to,
        )
        for n, description, status, candidates, booked_to in (
            (
                1,
                "PAGO ROSA QUISPE",
                StatementLineStatus.matched,
                [named(world.account_a, "Rosa Quispe")],
                world.account_a.id,
            ),
            (
                2,
                "TRANSF QUISPE",
                StatementLineStatus.ambiguous,
                [named(world.account_a, "Rosa Quispe"), named(world.account_b, "Luis Torres")],
                None,
            ),
        )
    ]
    session.add_all(lines)
    session.flush()
    return lines[0].id, lines[1].id


def _ledger(session: Session, account: Account) -> list[tuple[str, int]]:
    query = select(LedgerEntry.kind, LedgerEntry.amount_minor).where(
        LedgerEntry.account_id == account.id
    )
    return sorted((str(kind), amount) for kind, amount in session.execute(query))


def _count(session: Session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
