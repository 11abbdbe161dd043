"""The same signed webhook delivered twice at once to a real server answers both (PostgreSQL).

The handler waits on the row lock the first delivery holds; it must wait in a worker thread,
not on the event loop, or the first delivery could never commit and the server would hang.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from backend.app import create_app
from backend.audit.service import Actor
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.service import LinkRequest
from shared.schemas.enums import EntryKind, LinkPurpose
from tests import builders as b
from tests.payments.conftest import SECRET
from tests.payments.stripe_stub import checkout_event, sign
from tests.plans.helpers import lima

pytestmark = pytest.mark.postgres_only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_concurrent_deliveries_both_answer(
    committed_engine: Engine, db_kind: str, stripe_stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_kind != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        account = b.account(session, lima(session), principal=70_000)
        link, _ = payments.create_link(
            session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
        )
        stub_session = stripe_stub.by_key[f"cobro-link-{link.id}"]
        event = checkout_event("evt_twice", stub_session, str(link.id))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    payload = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign(payload, SECRET), "Content-Type": "application/json"}
    answers: list[str] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        url = f"http://127.0.0.1:{port}/api/v1/payments/webhooks/stripe"
        response = httpx.post(url, content=payload, headers=headers, timeout=20)
        answers.append(response.json()["outcome"])

    try:
        workers = [threading.Thread(target=deliver) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sorted(answers) == ["duplicate", "processed"]
    with session_scope(committed_engine) as session:
        booked = session.execute(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.payment)
        ).scalar_one()
    assert booked == 1
