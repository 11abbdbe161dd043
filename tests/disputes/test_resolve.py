"""Resolving a dispute (supervisors of the account's team, admins): upheld closes the account
with an adjustment entry, rejected puts it back where it was, corrected takes the wrong part
off with an adjustment entry; each closes the review task, is audited, and leaves a notice the
bot shows the debtor once. Two supervisors at once: one wins, the other gets 409."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.disputes import service
from backend.disputes.models import Dispute
from backend.disputes.service import DisputeAlreadyResolved, Opening
from backend.ledger.models import LedgerEntry
from backend.plans.models import Plan
from backend.promises import service as promises
from backend.promises.models import Promise
from backend.promises.service import PromiseRequest
from backend.tasks.models import Task
from shared.schemas.disputes import DisputeResolve
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    DisputeReason,
    DisputeStatus,
    EntryKind,
    PlanStatus,
    PromiseStatus,
    Role,
    TaskStatus,
)
from tests import builders as b
from tests.disputes.conftest import World, dispute, instalment_plan, resolve, verify
from tests.plans.helpers import days, pay


def _open(client, world: World, **body) -> str:
    verify(client, world)
    answer = dispute(client, world, **body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _account(session: Session, world: World) -> Account:
    account = session.get(Account, world.account.id)
    session.refresh(account)
    return account


def _notices(client, world: World, language: str = "es") -> list[dict]:
    answer = client.get(
        world.url("/notices"), headers=world.bot_headers, params={"language": language}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_upheld_closes_the_account_with_an_adjustment(
    client, session: Session, world: World
) -> None:
    promises.create(
        session,
        Actor.system(),
        world.account.id,
        PromiseRequest(30_000, "PEN", days(5), ActionChannel.agent, "agent"),
    )
    plan = instalment_plan(session, world.account)
    owed = _account(session, world).balance_minor
    dispute_id = _open(client, world, reason="identity_theft")
    answer = resolve(client, world.supervisor, dispute_id, "upheld")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "upheld" and body["resolved_by_id"] == str(world.supervisor.id)

    account = _account(session, world)
    assert (account.status, account.balance_minor) == (AccountStatus.written_off, 0)
    entry = session.get(LedgerEntry, uuid.UUID(body["adjustment_entry_id"]))
    assert (entry.kind, entry.source) == (EntryKind.adjustment, "dispute")
    # The plan's unearned interest was reversed first; the adjustment took off the rest.
    assert body["adjustment_minor"] == -entry.amount_minor <= owed
    assert session.get(Plan, plan.id).status == PlanStatus.cancelled
    promise = session.scalars(select(Promise).where(Promise.account_id == account.id)).one()
    assert promise.status == PromiseStatus.cancelled
    row = session.get(Dispute, uuid.UUID(dispute_id))
    task = session.get(Task, row.task_id)
    assert task.status == TaskStatus.done and task.resolution.startswith("upheld: ")
    resolved = session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_id == dispute_id, AuditEvent.action == "dispute.resolved"
        )
    ).one()
    assert resolved.after["account_status"] == "written_off"

    # The debtor is told once, in their language.
    [notice] = _notices(client, world)
    assert notice["message"]["key"] == "dispute.notice.upheld"
    assert "tiene razón, no debe nada" in notice["message"]["text"]
    assert "7781" in notice["message"]["text"]
    english = _notices(client, world, "en")[0]["message"]["text"]
    assert "you owe nothing on this account" in english
    shown = client.post(world.url(f"/notices/{notice['id']}/shown"), headers=world.bot_headers)
    assert shown.status_code == 200
    assert client.post(
        world.url(f"/notices/{notice['id']}/shown"), headers=world.bot_headers
    ).is_success  # again: nothing changes
    assert _notices(client, world) == []
    # Where the dispute stands, asked later, is the same outcome in words.
    [status] = client.get(
        world.url(f"/accounts/{world.account.id}/disputes"), headers=world.bot_headers
    ).json()
    assert status["status"] == "upheld"
    assert status["message"]["key"] == "dispute.notice.upheld"


def test_upheld_after_the_missing_payment_was_booked_closes_as_paid(
    client, session: Session, world: World
) -> None:
    dispute_id = _open(client, world, reason="already_paid")
    pay(session, world.account, 120_000, "voucher-agosto")  # booked from the debtor's voucher
    session.commit()
    assert _account(session, world).status == AccountStatus.disputed  # a payment does not end it
    body = resolve(client, world.admin, dispute_id, "upheld").json()
    assert body["adjustment_minor"] is None and body["adjustment_entry_id"] is None
    assert _account(session, world).status == AccountStatus.paid


def test_rejected_puts_the_account_back_in_its_plan(client, session: Session, world: World) -> None:
    plan = instalment_plan(session, world.account)
    session.commit()
    assert _account(session, world).status == AccountStatus.in_plan
    dispute_id = _open(client, world)
    assert _account(session, world).status == AccountStatus.disputed
    answer = resolve(client, world.supervisor, dispute_id, "rejected")
    assert answer.status_code == 200, answer.text
    account = _account(session, world)
    assert account.status == AccountStatus.in_plan
    assert session.get(Plan, plan.id).status == PlanStatus.active
    [notice] = _notices(client, world)
    assert notice["message"]["key"] == "dispute.notice.rejected"
    assert "S/" in notice["message"]["text"] and "la deuda se mantiene" in notice["message"]["text"]
    entries = select(func.count()).where(
        LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.adjustment
    )
    assert session.scalar(entries) == 0


def test_corrected_takes_the_wrong_part_off(client, session: Session, world: World) -> None:
    dispute_id = _open(client, world, reason="wrong_amount")
    too_much = resolve(client, world.supervisor, dispute_id, "corrected", adjustment="1200.00")
    assert too_much.status_code == 422
    missing = resolve(client, world.supervisor, dispute_id, "corrected")
    assert missing.status_code == 422
    answer = resolve(client, world.supervisor, dispute_id, "corrected", adjustment="250.50")
    assert answer.status_code == 200, answer.text
    assert answer.json()["adjustment_minor"] == 25_050
    account = _account(session, world)
    assert (account.status, account.balance_minor) == (AccountStatus.active, 120_000 - 25_050)
    [notice] = _notices(client, world)
    text = notice["message"]["text"]
    assert "S/\xa0250.50" in text and "S/\xa0949.50" in text, text


def test_who_may_resolve(client, session: Session, world: World) -> None:
    dispute_id = _open(client, world)
    assert resolve(client, world.agent, dispute_id, "upheld").status_code == 403
    other_supervisor = b.user(session, Role.supervisor)
    assert resolve(client, other_supervisor, dispute_id, "upheld").status_code == 404
    assert resolve(client, world.bot, dispute_id, "upheld").status_code == 403
    assert resolve(client, world.supervisor, dispute_id, "rejected").status_code == 200
    again = resolve(client, world.admin, dispute_id, "upheld")
    assert again.status_code == 409 and again.json()["code"] == "dispute_already_resolved"
    assert again.json()["details"] == {"status": "rejected"}


def test_two_supervisors_resolving_at_once(committed_engine: Engine) -> None:
    """Both read the dispute open; the account lock orders them: one resolves, the other is
    told it was resolved first. One adjustment, one notice, one closed task."""
    with session_scope(committed_engine) as session:
        supervisor = b.user(session, Role.supervisor)
        admin = b.user(session, Role.admin)
        account_id = b.account(session, b.portfolio(session), principal=80_000).id
        dispute, _ = service.open_dispute(
            session,
            Actor.system(),
            account_id,
            Opening(DisputeReason.wrong_amount, "Cobran de más", ActionChannel.whatsapp),
        )
        dispute_id = dispute.id
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def resolve_as(user, body: DisputeResolve) -> None:
        with session_scope(committed_engine, write=False) as session:
            assert session.get(Dispute, dispute_id).status == DisputeStatus.open
        barrier.wait()  # both saw it open; both decide at once
        try:
            with session_scope(committed_engine) as session:
                row = session.get(Dispute, dispute_id)
                service.resolve(session, Actor("user", user.id), user, row, body)
            outcomes.append(body.outcome)
        except DisputeAlreadyResolved as exc:
            outcomes.append(exc.code)

    threads = [
        threading.Thread(
            target=resolve_as,
            args=(supervisor, DisputeResolve(outcome="corrected", note="a", adjustment="100")),
        ),
        threading.Thread(
            target=resolve_as, args=(admin, DisputeResolve(outcome="upheld", note="b"))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [loser] = [o for o in outcomes if o == "dispute_already_resolved"]
    [winner] = [o for o in outcomes if o != loser]
    with session_scope(committed_engine) as session:
        row = session.get(Dispute, dispute_id)
        assert row.status.value == winner
        adjustments = select(func.count()).where(LedgerEntry.kind == EntryKind.adjustment)
        assert session.scalar(adjustments) == 1
        resolved = select(func.count()).where(AuditEvent.action == "dispute.resolved")
        assert session.scalar(resolved) == 1
