"""Payment vouchers sent in chat are kept on the account with a task to check them, once per
message; offers shown again keep their ids and do not spend the self-service quota."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.tasks.models import Task
from backend.uploads import evidence as vouchers
from backend.uploads.models import PaymentEvidence
from shared.schemas.enums import Role, TaskKind
from tests import builders as b
from tests.conversations.conftest import Seed, chat, verify

JPEG = b"\xff\xd8\xff\xe0" + b"voucher" * 100


def send(client, seed: Seed, message_id: str, content: bytes = JPEG, kind: str = "image/jpeg"):
    return client.post(
        f"{chat()}/evidence",
        headers=seed.headers,
        params={"message_id": message_id, "caption": "voucher de pago"},
        files={"file": ("photo.jpg", content, kind)},
    )


def test_a_voucher_is_kept_with_a_task_and_a_redelivery_stores_nothing_twice(
    client, session: Session, seed: Seed
) -> None:
    assert send(client, seed, "m-1").json()["code"] == "verification_required"
    verify(client, seed)
    first = send(client, seed, "m-2")
    again = send(client, seed, "m-2")
    assert first.status_code == 201, first.text
    assert first.json() == again.json()
    assert first.json()["account_id"] == str(seed.account.id)
    [row] = session.exec(select(PaymentEvidence)).all()
    assert row.content == JPEG and row.caption == "voucher de pago" and row.channel == "telegram"
    task = session.get(Task, row.task_id)
    assert task is not None and task.kind == TaskKind.payment_evidence
    assert task.assignee_id == seed.agent.id and task.payload["evidence_id"] == str(row.id)

    # The agent downloads it; a stranger cannot.
    got = client.get(f"/api/v1/evidence/{row.id}", headers=b.headers(seed.agent))
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("attachment")
    stranger = b.headers(b.user(session, Role.agent))
    assert client.get(f"/api/v1/evidence/{row.id}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/evidence/{uuid.uuid4()}", headers=stranger).status_code == 404


def test_only_pictures_and_pdfs_of_a_sane_size(client, seed: Seed) -> None:
    verify(client, seed)
    refused = send(client, seed, "m-1", b"MZ\x90\x00", "application/x-msdownload")
    assert refused.status_code == 415 and refused.json()["code"] == "voucher_type"
    huge = send(client, seed, "m-2", b"%PDF" + b"0" * (5 * 1024 * 1024 + 1), "application/pdf")
    assert huge.status_code == 413
    assert send(client, seed, "m-3", b"%PDF-1.7 ...", "application/pdf").status_code == 201


def test_concurrent_redeliveries_store_one_voucher(committed_engine: Engine) -> None:
    """Two workers take the same redelivered message at once: one voucher, one task."""
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session)
        account = b.account(session, portfolio, owner=b.debtor(session, portfolio))
        account_id = account.id
    barrier = threading.Barrier(4)

    def store(_: int) -> uuid.UUID:
        barrier.wait()
        with session_scope(committed_engine) as session:
            found = session.get(Account, account_id)
            assert found is not None
            row, _ = vouchers.record(
                session,
                Actor.system(),
                found,
                date(2026, 12, 10),
                client_key="bot:same-message",
                channel="whatsapp",
                filename="photo.jpg",
                content_type="image/jpeg",
                content=JPEG,
                caption=None,
            )
            return row.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(store, range(4)))
    assert len(ids) == 1
    with session_scope(committed_engine) as session:
        assert len(session.exec(select(PaymentEvidence)).all()) == 1
        tasks = session.exec(select(Task).where(Task.kind == TaskKind.payment_evidence)).all()
        assert len(tasks) == 1


def test_offers_asked_again_are_the_same_ones(client, seed: Seed) -> None:
    verify(client, seed)
    url = f"{chat()}/accounts/{seed.account.id}/offers"
    first = client.post(url, headers=seed.headers).json()
    for _ in range(5):  # well past the policy's self-service quota if each one counted
        assert [o["id"] for o in client.post(url, headers=seed.headers).json()] == [
            o["id"] for o in first
        ]
