"""Sixty-odd writers at once against a real server, on SQLite and on PostgreSQL.

Ledger posts on one account, field payments on another, sandbox payments, field syncs, bot
turns of different debtors and an import all start together (with replays of some of them):
no answer is a 5xx, every write is applied exactly once, and every balance equals the sum of
its ledger entries.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, func, select

from backend.accounts.models import Account
from backend.app import create_app
from backend.audit.service import Actor
from backend.conversations.service import ensure_bot_identity
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink
from backend.payments.service import LinkRequest
from backend.users.models import User
from bots.core.engine import ConversationCore
from bots.core.messages import Incoming
from shared.i18n import t
from shared.schemas.enums import EntryKind, LinkPurpose, Role
from tests import builders as b
from tests.field import helpers as field
from tests.live import serve
from tests.plans.helpers import lima, today

LEDGER_POSTS = 16
FIELD_PAYMENTS = 14
SANDBOX_LINKS = 6
SYNCS = 6
DEBTORS = 6


@dataclass
class Scene:
    admin: User
    agent: User
    portfolio_id: uuid.UUID
    ledger_account: uuid.UUID
    field_account: uuid.UUID
    sync_accounts: list[Account]
    tokens: list[str]
    bot_token: str


def _scene(engine: Engine) -> Scene:
    with session_scope(engine) as session:
        portfolio = lima(session)
        admin = b.user(session, Role.admin)
        _, agent = field.team(session)
        ledger_account = b.account(session, portfolio, principal=1_000_000)
        field_account = b.account(session, portfolio, agent=agent, principal=1_000_000)
        sync_accounts = [
            field.located_account(session, portfolio, agent, field.north(50 * i), principal=90_000)
            for i in range(SYNCS)
        ]
        tokens = []
        for _ in range(SANDBOX_LINKS):
            account = b.account(session, portfolio, principal=50_000)
            link, _ = payments.create_link(
                session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
            )
            tokens.append(link.url.rsplit("/", 1)[-1])
        bot_token = ensure_bot_identity(session)
        return Scene(
            admin,
            agent,
            portfolio.id,
            ledger_account.id,
            field_account.id,
            sync_accounts,
            tokens,
            bot_token,
        )


def _csv(rows: int) -> bytes:
    header = (
        "id_type,id_number,first_name,last_name,phones,external_ref,product,principal,currency,"
        "due_date"
    )
    lines = [header]
    for i in range(rows):
        lines.append(
            f"DNI,{70000000 + i},Ana,Pérez {i},98765{i:04d},IMP-{uuid.uuid4().hex[:8]},Préstamo,"
            f"1200.00,PEN,2025-01-15"
        )
    return ("\n".join(lines) + "\n").encode()


def _bot_turns(base: str, token: str, failures: list[str]) -> None:
    """Each debtor writes twice (and one message arrives twice) through the real core."""

    async def chat(core: ConversationCore, person: int) -> None:
        user = f"5198700{person:04d}"
        for message in (f"m{person}-1", f"m{person}-1", f"m{person}-2"):
            incoming = Incoming("whatsapp", user, message, text="hola")
            reply = await core.handle(incoming)
            if reply.duplicate:
                continue
            texts = " ".join(outgoing.text for outgoing in reply.messages)
            if reply.retry or t("bot.error", "es") in texts:
                failures.append(f"{user}: {texts}")
            await core.settle(incoming, delivered=True)

    async def run() -> None:
        core = ConversationCore.connect(base, token=token)
        try:
            await asyncio.gather(*(chat(core, person) for person in range(DEBTORS)))
        finally:
            await core.aclose()

    asyncio.run(run())


@pytest.mark.slow
def test_mixed_concurrent_writers_apply_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, builtin_provider
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    scene = _scene(committed_engine)
    admin, agent = b.headers(scene.admin), b.headers(scene.agent)
    answers: list[tuple[int, str]] = []
    bot_failures: list[str] = []
    lock = threading.Lock()

    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=120) as http:

        def call(method: str, url: str, **kw: object) -> Callable[[], None]:
            def run() -> None:
                response = http.request(method, url, **kw)  # type: ignore[arg-type]
                with lock:
                    answers.append((response.status_code, f"{url} {response.text[:300]}"))

            return run

        jobs: list[Callable[[], None]] = []
        for i in range(LEDGER_POSTS):
            body = {
                "kind": "payment",
                "amount": "10.00",
                "currency": "PEN",
                "effective_date": today().isoformat(),
                "idempotency_key": f"post-{i % (LEDGER_POSTS - 4)}",  # four replays
            }
            jobs.append(
                call(
                    "POST",
                    f"/api/v1/accounts/{scene.ledger_account}/ledger",
                    json=body,
                    headers=admin,
                )
            )
        for i in range(FIELD_PAYMENTS):
            body = {
                "client_id": f"cash-0000-{i % (FIELD_PAYMENTS - 4)}",  # four replays
                "amount": "5.00",
                "currency": "PEN",
                "method": "cash",
                "paid_on": today().isoformat(),
                "receipt_number": f"R-{i}",
            }
            jobs.append(
                call(
                    "POST",
                    f"/api/v1/accounts/{scene.field_account}/field-payments",
                    json=body,
                    headers=agent,
                )
            )
        for token in scene.tokens:
            jobs += [call("POST", f"/pay/{token}/sandbox", follow_redirects=False)] * 2
        for account in scene.sync_accounts:
            actions = [
                field.visit(account, field.north(0), outcome="paid"),
                field.payment(account, "100.00", f"S-{account.id.hex[-8:]}"),
            ]
            body = {"device_id": f"phone-{account.id.hex[-8:]}", "cursor": None, "actions": actions}
            jobs += [call("POST", "/api/v1/field/sync", json=body, headers=agent)] * 2
        jobs.append(
            call(
                "POST",
                f"/api/v1/imports?portfolio_id={scene.portfolio_id}",
                files={"file": ("batch.csv", _csv(20), "text/csv")},
                headers=admin,
            )
        )
        jobs.append(lambda: _bot_turns(base, scene.bot_token, bot_failures))

        barrier = threading.Barrier(len(jobs))

        def start(job: Callable[[], None]) -> None:
            barrier.wait(timeout=60)
            job()

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            for future in [pool.submit(start, job) for job in jobs]:
                future.result()

    assert len(jobs) >= 50
    assert [a for a in answers if a[0] >= 500] == []
    assert [a for a in answers if a[0] >= 400] == []
    assert bot_failures == []
    with session_scope(committed_engine) as session:

        def count(*where: object) -> int:
            return session.execute(select(func.count()).where(*where)).scalar_one()

        posted = LedgerEntry.account_id == scene.ledger_account
        assert count(posted, LedgerEntry.kind == EntryKind.payment) == LEDGER_POSTS - 4
        assert count(Payment.account_id == scene.field_account) == FIELD_PAYMENTS - 4
        paid_links = count(PaymentLink.status == "paid")
        assert paid_links == SANDBOX_LINKS
        for account in scene.sync_accounts:
            assert count(Payment.account_id == account.id) == 1
        assert count(Account.portfolio_id == scene.portfolio_id) == (2 + SYNCS + SANDBOX_LINKS + 20)
        sums = dict(
            session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor)).group_by(
                    LedgerEntry.account_id
                )
            ).all()
        )
        for account_id, balance in session.execute(select(Account.id, Account.balance_minor)):
            assert balance == sums.get(account_id, 0), account_id
