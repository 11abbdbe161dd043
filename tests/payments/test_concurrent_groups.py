"""Webhooks delivered many at once, each several times, land exactly once on both databases:
through ``handle_events`` groups that overlap, run by concurrent workers, and through the real
server, where concurrent signed deliveries are grouped by ``batching``. Every event id gets one
answer that is not ``duplicate``, every link one payment, every balance its ledger sum."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.app import create_app
from backend.audit.service import Actor
from backend.core.config import get_settings
from backend.core.db import new_session, session_scope, unit_of_work
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from backend.payments.providers import builtin
from backend.payments.service import LinkRequest
from shared.schemas.enums import LinkPurpose
from tests import builders as b
from tests.live import serve
from tests.payments.conftest import SECRET
from tests.payments.stripe_stub import checkout_event, sign
from tests.plans.helpers import lima


def _links(engine: Engine, count: int) -> list[PaymentLink]:
    with session_scope(engine) as session:
        portfolio = lima(session)
        links = []
        for _ in range(count):
            account = b.account(session, portfolio, principal=70_000)
            link, _ = payments.create_link(
                session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
            )
            links.append(link)
        return links


def _check(engine: Engine, links: list[PaymentLink], answers: list[tuple[str, str]]) -> None:
    """One answer per event id that is not a duplicate, one payment per link, balances equal
    to their ledger, one inbox row per event id."""
    fresh = Counter(event_id for event_id, outcome in answers if outcome != "duplicate")
    ids = {event_id for event_id, _ in answers}
    assert fresh == Counter(ids), [(e, n) for e, n in fresh.items() if n != 1]
    with session_scope(engine) as session:
        paid = Counter(
            session.execute(
                select(Payment.link_id).where(Payment.link_id.in_([link.id for link in links]))
            ).scalars()
        )
        assert all(paid[link.id] == 1 for link in links)
        assert session.execute(select(func.count()).select_from(ProviderEvent)).scalar_one() == (
            len(ids)
        )
        sums = dict(
            session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor)).group_by(
                    LedgerEntry.account_id
                )
            ).all()
        )
        for account in session.execute(select(Account)).scalars():
            assert account.balance_minor == sums[account.id]


def test_overlapping_groups_book_each_event_once(committed_engine: Engine) -> None:
    links = _links(committed_engine, 12)
    events = [builtin.sandbox_completion_event(link) for link in links]
    rnd = random.Random(5)
    # Six workers, each with every event of its half of the links and a third of the others,
    # shuffled, in groups of four: each event is in two to four workers' groups.
    deliveries = []
    for worker in range(6):
        mine = [e for i, e in enumerate(events) if i % 2 == worker % 2 or rnd.random() < 0.34]
        rnd.shuffle(mine)
        deliveries.append([mine[start : start + 4] for start in range(0, len(mine), 4)])
    answers: list[tuple[str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(deliveries))

    def deliver(groups: list[list[dict[str, Any]]]) -> None:
        barrier.wait()
        for group in groups:
            session: Session = new_session(committed_engine)
            try:
                outcomes = unit_of_work(
                    session,
                    lambda s=session, g=group: payments.handle_events(s, builtin.NAME, g),
                )
            finally:
                session.close()
            with lock:
                answers.extend(
                    (event["id"], outcome) for event, outcome in zip(group, outcomes, strict=True)
                )

    with ThreadPoolExecutor(len(deliveries)) as pool:
        list(pool.map(deliver, deliveries))

    assert len(answers) == sum(len(g) for groups in deliveries for g in groups)
    assert Counter(o for _, o in answers if o != "duplicate") == {"processed": len(links)}
    _check(committed_engine, links, answers)


def test_concurrent_signed_deliveries_through_the_server(
    committed_engine: Engine, stripe_stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        portfolio = lima(session)
        accounts = [b.account(session, portfolio, principal=70_000) for _ in range(15)]
        made = [
            payments.create_link(
                session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
            )[0]
            for account in accounts
        ]
    events = [
        checkout_event(
            f"evt_{uuid.uuid4().hex[:12]}",
            stripe_stub.by_key[f"cobro-link-{link.id}"],
            str(link.id),
            payment_intent=f"pi_{link.id.hex}",
        )
        for link in made
    ]
    deliveries = events * 3  # each event delivered three times, all at once
    random.Random(3).shuffle(deliveries)

    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=60) as http:

        def deliver(event: dict[str, Any]) -> tuple[str, str]:
            payload = json.dumps(event).encode()
            response = http.post(
                "/api/v1/payments/webhooks/stripe",
                content=payload,
                headers={"Stripe-Signature": sign(payload, SECRET)},
            )
            assert response.status_code == 200, response.text
            return event["id"], response.json()["outcome"]

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(deliver, deliveries))

    assert Counter(o for _, o in answers) == {"processed": 15, "duplicate": 30}
    _check(committed_engine, made, answers)
    with session_scope(committed_engine) as session:
        paid = session.execute(
            select(func.count()).select_from(PaymentLink).where(PaymentLink.status == "paid")
        ).scalar_one()
        assert paid == len(made)
