"""A disputed account is contacted on no channel: a reminder planned before the dispute is
cancelled when its time comes, none is planned while it is open (even by a strategy that does
not list ``disputed`` among its stop conditions), the field worklist holds the account back;
once the dispute is rejected, contact resumes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned
from backend.core.db import session_scope
from backend.disputes import service
from backend.disputes.models import Dispute
from backend.disputes.service import Opening
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.models import MessageTemplate, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.sending import send_due
from shared.schemas.contact import AttemptStatus
from shared.schemas.disputes import DisputeResolve
from shared.schemas.enums import ActionChannel, DisputeReason, Language, Role
from tests import builders as b
from tests.disputes.conftest import API, resolve
from tests.field import helpers as h

LIMA = ZoneInfo("America/Lima")
DAY = date(2026, 12, 10)
MORNING = datetime(2026, 12, 10, 10, 0, tzinfo=LIMA)
SYSTEM = Actor.system()


def _seed(session: Session):
    """A portfolio whose strategy reminds by SMS at 7, 8 and 9 days past due, without
    ``disputed`` among its stop conditions (the contact rules still refuse), and an account 7
    days past due on ``DAY``."""
    portfolio = b.portfolio(session)
    session.add(
        MessageTemplate(
            portfolio_id=portfolio.id, name="saldo", language=Language.es, body="Debe {{ balance }}"
        )
    )
    steps = [
        {
            "id": f"mora{days}",
            "trigger": {"kind": "days_past_due", "days": days},
            "channels": ["sms"],
            "template": "saldo",
            "stop_when": ["paid"],
        }
        for days in (7, 8, 9)
    ]
    session.add(
        Strategy(portfolio_id=portfolio.id, name="cobranza", version=1, definition={"steps": steps})
    )
    debtor = b.debtor(session, portfolio, phone=f"+5198{b.n():07d}")
    account = b.account(
        session, portfolio, owner=debtor, due_date=DAY - timedelta(days=7), principal=150_000
    )
    supervisor = b.user(session, Role.supervisor)
    return portfolio.id, account.id, supervisor


def _attempts(engine: Engine) -> list[ContactAttempt]:
    with session_scope(engine) as session:
        query = select(ContactAttempt).order_by(ContactAttempt.created_at)
        return list(session.execute(query).scalars())


def test_no_reminder_is_sent_or_planned_while_disputed(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        portfolio_id, account_id, supervisor = _seed(session)
        plan_portfolio(session, SYSTEM, portfolio_id, DAY, now=MORNING)
    [planned] = _attempts(committed_engine)
    assert planned.status == AttemptStatus.planned
    with session_scope(committed_engine) as session:
        dispute, _ = service.open_dispute(
            session,
            SYSTEM,
            account_id,
            Opening(DisputeReason.not_recognised, "No es mía", ActionChannel.whatsapp),
        )
        dispute_id = dispute.id
    with pinned(MORNING):
        report = send_due({}, LocalLimiter({}), committed_engine)
    assert (report.cancelled, report.outbox, report.sent) == (1, 0, 0)
    [cancelled] = _attempts(committed_engine)
    assert (cancelled.status, cancelled.rule) == (AttemptStatus.cancelled, "disputed")

    next_day = MORNING + timedelta(days=1)
    with session_scope(committed_engine) as session:
        held = plan_portfolio(session, SYSTEM, portfolio_id, DAY + timedelta(days=1), now=next_day)
    assert held.planned == 0
    refused = [a for a in _attempts(committed_engine) if a.step == "mora8"]
    assert [(a.status, a.rule) for a in refused] == [(AttemptStatus.refused, "disputed")]

    # Rejected: the debt stands and the next reminder is planned (the one refused stays so).
    with session_scope(committed_engine) as session:
        row = session.get(Dispute, dispute_id)
        service.resolve(
            session,
            Actor("user", supervisor.id),
            supervisor,
            row,
            DisputeResolve(outcome="rejected", note="La deuda es correcta"),
        )
    later = next_day + timedelta(days=1)
    with session_scope(committed_engine) as session:
        resumed = plan_portfolio(session, SYSTEM, portfolio_id, DAY + timedelta(days=2), now=later)
    assert resumed.planned == 1
    [again] = [a for a in _attempts(committed_engine) if a.step == "mora9"]
    assert again.status == AttemptStatus.planned


def _worklist(client, headers) -> dict:
    answer = client.get(
        f"{API}/field/worklist", params={"lat": h.START[0], "lon": h.START[1]}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_worklist_holds_a_disputed_account_until_rejected(session: Session, client) -> None:
    supervisor, agent = h.team(session)
    account = h.located_account(session, b.portfolio(session), agent, h.north(150))
    auth = b.headers(agent)
    assert [s["account_id"] for s in _worklist(client, auth)["stops"]] == [str(account.id)]
    opened = client.post(
        f"{API}/accounts/{account.id}/disputes",
        headers=auth,
        json={"reason": "identity_theft", "statement": "Le robaron el DNI"},
    )
    assert opened.status_code == 201
    held = _worklist(client, auth)
    assert held["stops"] == []
    assert [(s["account_id"], s["hold"]) for s in held["held_back"]] == [
        (str(account.id), {"rule": "disputed", "until": None})
    ]
    rejected = resolve(client, supervisor, opened.json()["dispute"]["id"], "rejected")
    assert rejected.status_code == 200, rejected.text
    assert [s["account_id"] for s in _worklist(client, auth)["stops"]] == [str(account.id)]
