"""Clients that keep sending idempotent writes until each is acknowledged, as the field app and
a well-behaved integration do: on a cut connection, a refused one or a 503 they send the same
write again (same idempotency key, same client ids), to whichever server is current."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.db import session_scope
from backend.field.models import Visit
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, today

# Answers after which the same write is simply sent again.
RETRY = {"503", "connect", "cut", "timeout"}


@dataclass(frozen=True, slots=True)
class Write:
    """A request to send until it is acknowledged (a read, when it has no body)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class Desk:
    """An admin posting payments to a Lima portfolio's accounts, and the agent who works them
    syncing paid visits."""

    accounts: list[uuid.UUID]
    admin: dict[str, str]
    agent: dict[str, str]
    principal: int = 100_000
    ledger_keys: list[str] = field(default_factory=list)
    sync_ids: list[str] = field(default_factory=list)
    paid: Counter[uuid.UUID] = field(default_factory=Counter)
    sent: int = 0

    @classmethod
    def seed(cls, engine: Engine, accounts: int = 4) -> Desk:
        with session_scope(engine) as session:
            portfolio = lima(session)
            admin = b.user(session, Role.admin)
            _, agent = h.team(session)
            rows = [
                h.located_account(session, portfolio, agent, h.north(100 * (i + 1)))
                for i in range(accounts)
            ]
            return cls([a.id for a in rows], b.headers(admin), b.headers(agent))

    def mix(self, at_least: int, until: threading.Event) -> Iterator[Write]:
        """Ledger posts, field syncs and reads in turn: ``at_least`` of them, and more until
        ``until`` is set; ``sent`` counts them."""
        while self.sent < at_least or not until.is_set():
            yield (self.ledger_post, self.field_sync, self.read)[self.sent % 3](self.sent)
            self.sent += 1

    def read(self, number: int) -> Write:
        """The agent's view of one of the accounts."""
        return Write(f"/api/v1/accounts/{self.accounts[number % len(self.accounts)]}", self.agent)

    def ledger_post(self, number: int) -> Write:
        """A payment of 1.00 plus ``number`` cents, under its own idempotency key."""
        account = self.accounts[number % len(self.accounts)]
        key = f"fault-post-{uuid.uuid4().hex}"
        self.ledger_keys.append(key)
        self.paid[account] += 100 + number
        body = {
            "kind": "payment",
            "amount": f"{(100 + number) / 100:.2f}",
            "currency": "PEN",
            "effective_date": today().isoformat(),
            "idempotency_key": key,
        }
        return Write(f"/api/v1/accounts/{account}/ledger", self.admin, body)

    def field_sync(self, number: int) -> Write:
        """A paid visit (a visit and a cash payment of 2.00 plus ``number`` cents)."""
        account = self.accounts[number % len(self.accounts)]
        tag = uuid.uuid4().hex
        self.sync_ids.append(tag)
        self.paid[account] += 200 + number
        now = datetime.now(UTC).isoformat()
        payment = {
            "amount": f"{(200 + number) / 100:.2f}",
            "currency": "PEN",
            "method": "cash",
            "receipt_number": f"R-{tag[:12]}",
            "paid_on": today().isoformat(),
        }
        actions = [
            _action(f"visit-{tag}", "visit", account, now, {"outcome": "paid"}),
            _action(f"pay-{tag}", "payment", account, now, payment),
        ]
        body = {"device_id": f"phone-{number % 3}", "cursor": None, "actions": actions}
        return Write("/api/v1/field/sync", self.agent, body)

    def check(self, engine: Engine) -> dict[str, Any]:
        """What the database holds of the writes: rows per key, and balances."""
        with Session(engine) as session:
            entries = _per(session, LedgerEntry.idempotency_key, self.ledger_keys)
            payments = _per(session, Payment.client_id, [f"pay-{t}" for t in self.sync_ids])
            visits = _per(session, Visit.client_id, [f"visit-{t}" for t in self.sync_ids])
            balances = dict(
                session.execute(
                    select(Account.id, Account.balance_minor).where(Account.id.in_(self.accounts))
                ).all()
            )
            entry_ids = [
                str(i)
                for i in session.execute(
                    select(LedgerEntry.id).where(LedgerEntry.idempotency_key.in_(self.ledger_keys))
                ).scalars()
            ]
            audited = Counter(
                session.execute(
                    select(AuditEvent.entity_id).where(
                        AuditEvent.entity_type == "ledger_entry",
                        AuditEvent.entity_id.in_(entry_ids),
                    )
                ).scalars()
            )
            off_ledger = session.execute(
                text(
                    "SELECT count(*) FROM accounts a WHERE a.balance_minor <> "
                    "(SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e "
                    "WHERE e.account_id = a.id)"
                )
            ).scalar_one()
        return {
            "entries": entries,
            "payments": payments,
            "visits": visits,
            "balances": balances,
            "off_ledger": off_ledger,
            "entries_without_one_audit_event": sum(audited[i] != 1 for i in entry_ids),
        }

    def expected_balances(self) -> dict[uuid.UUID, int]:
        return {a: self.principal - self.paid[a] for a in self.accounts}


def _action(
    client_id: str, kind: str, account: uuid.UUID, at: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "type": kind,
        "account_id": str(account),
        "recorded_at": at,
        "payload": payload,
    }


def _per(session: Session, column: Any, keys: list[str]) -> Counter[int]:
    """How many keys have 0, 1, 2... rows."""
    found = Counter(
        dict(
            session.execute(
                select(column, func.count()).where(column.in_(keys)).group_by(column)
            ).all()
        )
    )
    return Counter(found[k] for k in keys)


def acknowledged(write: Write, response: httpx.Response) -> bool:
    """2xx, and for a sync every action applied or a duplicate of one applied."""
    if not response.is_success:
        return False
    if write.path != "/api/v1/field/sync":
        return True
    statuses = {r["status"] for r in response.json()["results"]}
    return statuses <= {"applied", "duplicate"}


class Senders:
    """``threads`` threads taking ``writes`` in turn (a list, or a generator that ends when
    enough was sent); each is sent until acknowledged, to ``base`` as it is when sent (set it
    to move the clients to another server)."""

    def __init__(
        self, base: str, writes: Iterable[Write], threads: int, timeout: float = 30
    ) -> None:
        self.base = base
        self.answers: Counter[str] = Counter()  # every answer: status, or how it failed
        self.acknowledged = 0
        self.in_flight = 0
        self.unexpected: list[tuple[str, str]] = []  # non-retryable, non-2xx answers
        self._writes = iter(writes)
        self._lock = threading.Lock()
        self._timeout = timeout
        self._deadline = time.monotonic() + 120
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> Senders:
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=max(self._deadline - time.monotonic(), 0) + 5)

    @property
    def done(self) -> bool:
        return not any(t.is_alive() for t in self._threads)

    def _next(self) -> Write | None:
        with self._lock:
            return next(self._writes, None)

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as http:
            while (write := self._next()) is not None:
                self._until_acknowledged(http, write)

    def _until_acknowledged(self, http: httpx.Client, write: Write) -> None:
        while time.monotonic() < self._deadline:
            answer = self._send(http, write)
            if answer == "ok":
                with self._lock:
                    self.acknowledged += 1
                return
            if answer not in RETRY:
                with self._lock:
                    self.unexpected.append((write.path, answer))
                return
            time.sleep(0.05)

    def _send(self, http: httpx.Client, write: Write) -> str:
        with self._lock:
            self.in_flight += 1
        try:
            if write.body is None:
                response = http.get(self.base + write.path, headers=write.headers)
            else:
                response = http.post(self.base + write.path, json=write.body, headers=write.headers)
            answer = "ok" if acknowledged(write, response) else str(response.status_code)
            if answer != "ok" and response.is_success:
                answer = f"sync {response.json()['results']}"
        except httpx.ConnectError:
            answer = "connect"
        except httpx.TimeoutException:
            answer = "timeout"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            answer = "cut"  # the server went away with the request in flight
        finally:
            with self._lock:
                self.in_flight -= 1
        with self._lock:
            self.answers[answer] += 1
        return answer


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)
