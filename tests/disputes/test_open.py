"""Opening a dispute: from a verified chat or by staff, the account becomes disputed, a
supervisor's review task opens due on the date the debtor is told, everything is audited, and
opening again (a redelivered message, another message, staff) answers the open one."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.disputes import service
from backend.disputes.models import Dispute
from backend.disputes.service import Opening
from backend.tasks.models import Task
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    DisputeReason,
    Role,
    TaskKind,
    TaskStatus,
)
from tests import builders as b
from tests.disputes.conftest import API, World, dispute, verify
from tests.plans.helpers import today


def test_a_debtor_disputes_in_chat(client, session: Session, world: World) -> None:
    verify(client, world)
    answer = dispute(client, world, reason="already_paid", statement="Ya pagué en agosto")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    respond_by = today() + timedelta(days=15)
    assert body["status"] == "open" and body["reason"] == "already_paid"
    assert body["respond_by"] == respond_by.isoformat()
    # What happens next and by when, in the debtor's language, the date as Peru writes it.
    message = body["message"]
    assert message["key"] == "dispute.opened.already_paid"
    assert message["params"]["respond_by"] == respond_by.isoformat()
    assert "7781" in message["text"] and "Banco Andino" in message["text"]
    assert respond_by.strftime("%d/%m/%Y") in message["text"]
    assert "no le enviaremos mensajes ni visitas" in message["text"]

    account = session.get(Account, world.account.id)
    session.refresh(account)
    assert account.status == AccountStatus.disputed
    row = session.get(Dispute, uuid.UUID(body["id"]))
    assert (row.statement, row.previous_status, row.channel) == (
        "Ya pagué en agosto",
        AccountStatus.active,
        ActionChannel.telegram,
    )
    task = session.get(Task, row.task_id)
    assert (task.kind, task.status, task.due_date) == (
        TaskKind.dispute_review,
        TaskStatus.open,
        respond_by,
    )
    assert task.assignee_id == world.supervisor.id  # the agent's supervisor decides
    actions = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.account_id == world.account.id))
    )
    assert {"dispute.opened", "task.created", "account.status_changed"} <= actions


def test_english_and_the_portfolio_review_window(client, session: Session, world: World) -> None:
    admin = b.headers(world.admin)
    patched = client.patch(
        f"{API}/portfolios/{world.portfolio.id}", headers=admin, json={"dispute_review_days": 30}
    )
    assert patched.status_code == 200 and patched.json()["dispute_review_days"] == 30
    too_long = client.patch(
        f"{API}/portfolios/{world.portfolio.id}", headers=admin, json={"dispute_review_days": 365}
    )
    assert too_long.status_code == 422
    verify(client, world)
    body = dispute(client, world, reason="identity_theft", language="en").json()
    respond_by = today() + timedelta(days=30)
    assert body["respond_by"] == respond_by.isoformat()
    assert body["message"]["text"].startswith("We have recorded that the account ending in 7781")
    assert respond_by.strftime("%d/%m/%Y") in body["message"]["text"]


def test_opening_again_answers_the_open_dispute(client, session: Session, world: World) -> None:
    verify(client, world)
    first = dispute(client, world, "m-1")
    replay = dispute(client, world, "m-1")  # the same message delivered again
    again = dispute(client, world, "m-2", reason="wrong_amount")  # another message
    staff = client.post(
        f"{API}/accounts/{world.account.id}/disputes",
        headers=b.headers(world.agent),
        json={"reason": "other", "statement": "Llamó para reclamar"},
    )
    assert first.status_code == 201
    assert [r.status_code for r in (replay, again, staff)] == [200, 200, 200]
    ids = {r.json()["id"] for r in (replay, again)} | {staff.json()["dispute"]["id"]}
    assert ids == {first.json()["id"]}
    assert replay.json()["message"] == first.json()["message"]  # the same words again
    assert again.json()["message"]["key"] == "dispute.status.open"
    assert session.scalar(select(func.count()).select_from(Dispute)) == 1
    reviews = select(func.count()).where(
        Task.account_id == world.account.id, Task.kind == TaskKind.dispute_review
    )
    assert session.scalar(reviews) == 1


def test_staff_open_for_a_debtor_and_replay_their_key(client, world: World) -> None:
    body = {"reason": "wrong_amount", "statement": "Carta del cliente", "client_key": "k-1"}
    headers = b.headers(world.agent)
    url = f"{API}/accounts/{world.account.id}/disputes"
    first = client.post(url, headers=headers, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["dispute"]["channel"] == "agent"
    assert first.json()["dispute"]["opened_by_id"] == str(world.agent.id)
    assert client.post(url, headers=headers, json=body).status_code == 200
    other = client.post(f"{API}/accounts/{world.other.id}/disputes", headers=headers, json=body)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    listed = client.get(f"{API}/disputes?status=open", headers=b.headers(world.supervisor))
    assert [d["id"] for d in listed.json()["items"]] == [first.json()["dispute"]["id"]]
    read = client.get(f"{API}/disputes/{first.json()['dispute']['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["statement"] == "Carta del cliente"


def test_who_may_dispute_what(client, session: Session, world: World) -> None:
    assert dispute(client, world).json()["code"] == "verification_required"  # not verified
    verify(client, world)
    other = client.post(
        world.url(f"/accounts/{world.other.id}/disputes"),
        headers=world.bot_headers,
        json={"reason": "other", "statement": "x", "message_id": "m-9"},
    )
    assert other.status_code == 404  # another debtor's account
    staff = client.post(
        world.url(f"/accounts/{world.account.id}/disputes"),
        headers=b.headers(world.admin),
        json={"reason": "other", "statement": "x", "message_id": "m-9"},
    )
    assert staff.status_code == 403  # the bot API is for bots
    paid = session.get(Account, world.account.id)
    paid.status, paid.balance_minor = AccountStatus.paid, 0
    session.add(paid)
    session.flush()
    closed = dispute(client, world)
    assert closed.status_code == 409 and closed.json()["code"] == "account_not_disputable"


def test_the_review_task_closes_only_with_its_dispute(client, session: Session, world: World):
    verify(client, world)
    row = session.get(Dispute, uuid.UUID(dispute(client, world).json()["id"]))
    closed = client.post(
        f"{API}/tasks/{row.task_id}/close",
        headers=b.headers(world.supervisor),
        json={"status": "done", "resolution": "hecho"},
    )
    assert closed.status_code == 409 and closed.json()["code"] == "conflict"
    assert (
        "resolver su reclamo"
        in client.post(
            f"{API}/tasks/{row.task_id}/close",
            headers={**b.headers(world.supervisor), "Accept-Language": "es"},
            json={"status": "done"},
        ).json()["message"]
    )


def test_evidence_files_from_the_chat(client, session: Session, world: World) -> None:
    verify(client, world)
    photo = b"\xff\xd8\xff\xe0 a voucher photo"
    sent = client.post(
        world.url(f"/accounts/{world.account.id}/evidence"),
        headers=world.bot_headers,
        files={"file": ("voucher.jpg", photo, "image/jpeg")},
    )
    assert sent.status_code == 201, sent.text
    evidence_id = sent.json()["id"]
    assert sent.json()["content_type"] == "image/jpeg"
    wrong_type = client.post(
        world.url(f"/accounts/{world.account.id}/evidence"),
        headers=world.bot_headers,
        files={"file": ("a.exe", b"MZ", "application/x-msdownload")},
    )
    assert wrong_type.status_code == 422
    unknown = dispute(client, world, "m-0", evidence=[str(uuid.uuid4())])
    assert unknown.status_code == 422 and unknown.json()["code"] == "validation_error"
    opened = dispute(client, world, "m-1", reason="already_paid", evidence=[evidence_id])
    assert opened.status_code == 201
    dispute_id = opened.json()["id"]
    # Staff read the file through the dispute; the account's agent sees it, a stranger does not.
    got = client.get(
        f"{API}/disputes/{dispute_id}/evidence/{evidence_id}", headers=b.headers(world.agent)
    )
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg"
    stranger = b.user(session, Role.agent)
    hidden = client.get(
        f"{API}/disputes/{dispute_id}/evidence/{evidence_id}", headers=b.headers(stranger)
    )
    assert hidden.status_code == 404
    # Evidence sent later is added to the open dispute.
    later = client.post(
        world.url(f"/accounts/{world.account.id}/evidence"),
        headers=world.bot_headers,
        files={"file": ("denuncia.pdf", b"%PDF-1.4 report", "application/pdf")},
    ).json()["id"]
    assert dispute(client, world, "m-2", evidence=[later]).status_code == 200
    assert session.get(Dispute, uuid.UUID(dispute_id)).evidence == [evidence_id, later]


def test_concurrent_openings_open_one_dispute(committed_engine: Engine) -> None:
    """Several writers (chat redeliveries, another channel, staff) at once: one dispute, one
    review task, one status change."""
    with session_scope(committed_engine) as session:
        account_id = b.account(session, b.portfolio(session)).id
    barrier = threading.Barrier(4)
    results: list[tuple[uuid.UUID, bool]] = []
    errors: list[BaseException] = []

    def open_one(i: int) -> None:
        try:
            barrier.wait()
            with session_scope(committed_engine) as session:
                row, created = service.open_dispute(
                    session,
                    Actor.system(),
                    account_id,
                    Opening(
                        reason=DisputeReason.not_recognised,
                        statement="No es mía",
                        channel=ActionChannel.whatsapp,
                        client_key=f"key-{i % 2}",
                    ),
                )
                results.append((row.id, created))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r for r, _ in results}) == 1 and sum(c for _, c in results) == 1
    with session_scope(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 1
        assert session.scalar(select(func.count()).select_from(Task)) == 1
        changes = select(func.count()).where(AuditEvent.action == "account.status_changed")
        assert session.scalar(changes) == 1
