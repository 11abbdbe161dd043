"""Mixed read/write load: 200 concurrent clients against the real app, reads alone and then
reads with writes, in the same run; every write checked to be applied exactly once.

1. A scratch database (PostgreSQL ``cobro_bench_mixed_<pid>`` by default, dropped at the end;
   ``--sqlite`` for a temporary SQLite file) is migrated and seeded with the import benchmark's
   helpers: a creditor, a PEN portfolio, 2 supervisors, 20 agents, an admin, and ``--rows``
   imported accounts (spread over the agents).
2. One uvicorn process serves ``backend.main:app`` from ``--tree`` (default: this repository;
   ``--tree /work/wt-before`` measures an older checkout with the same load) on a free local
   port. Each agent syncs once without actions, to get its sync cursor.
3. Phases, each capped at ``--seconds`` and ``--max-requests``, ``--clients`` asyncio httpx
   clients each (every client is one agent's device; client *i* is agent *i* mod 20):

   - ``warmup`` (``--warmup`` seconds, reads), not compared;
   - ``reads_only``, the baseline: an agent's ``GET /api/v1/accounts/{id}`` (50%), the agent's
     filtered list ``GET /api/v1/accounts?status=active&aging_bucket=181+`` (17%), and
     ``GET /api/v1/accounts/{id}/ledger`` (33%);
   - ``mixed``: the same reads (60% in all) with writes (40%): the admin's
     ``POST /api/v1/accounts/{id}/ledger`` (kind ``payment``, 0.50 to 3.00, a new idempotency
     key each), an agent's ``POST /api/v1/accounts/{id}/field-payments`` (new ``client_id`` and
     receipt number) and ``POST /api/v1/field/sync`` (a visit and a payment action, with the
     cursor of the agent's previous sync). 15% of the writes replay an earlier body as it was,
     and 5% of the new ones are sent twice at once.

   Reported per phase: requests, rps, p50/p90/p99/max latency (timeouts count at the time they
   took), answers by status, timeouts and transport errors (every 5xx is a failure), and the
   ratios mixed / reads-only (the figures that travel between machines). On PostgreSQL,
   ``pg_stat_activity`` of the scratch database is sampled every 0.25 s: the most sessions
   ``idle in transaction`` seen at once and the longest such a session had been idle.
4. After the load, with the server stopped: every ledger key, field payment and synced action
   acknowledged with a 2xx is in the database exactly once (and nothing refused or unsent is),
   all the answers for one key name the same entity, and every account's ``balance_minor``
   equals the sum of its ledger entries.

Writes ``benchmarks/results/mixed_load.json`` (one entry per database and ``--label``, kept
across runs: run it once per tree to record before and after side by side; ``--fresh`` starts
the file again) and ``mixed_load.png``. Exit status 1 when a 5xx or a correctness failure was
seen.

Usage: ``python benchmarks/mixed_load.py [--sqlite] [--tree PATH] [--label NAME]
[--seconds 60] [--clients 200] [--rows 3000] [--timeout 60] [--max-requests 100000]``

Figures of one run each (200 clients, 60 s phases, 3,000 accounts, 2 cores shared with three
other engineers' test suites, load average 4 to 7, so absolute rates are low; ``before`` is
c2e63ec, ``after`` 506dbe0, the unit-of-work fix):

=========== ====== ========= ======= ======== ======== ===== ======== =========== ==========
database    code   phase     answers rps      p50 ms   5xx   timeouts mixed/reads idle in tx
=========== ====== ========= ======= ======== ======== ===== ======== =========== ==========
PostgreSQL  before reads     268     2.5      63,345   40    200      (wedged)    40, 166 s
PostgreSQL  before mixed     204     2.8      64,131   0     204      x1.12 rps
PostgreSQL  after  reads     2,115   33.5     3,600    0     0                    22, 0.4 s
PostgreSQL  after  mixed     876     12.4     9,712    0     0        x0.37 rps   32, 2.3 s
SQLite      before reads     280     2.5      63,700   40    200      (wedged)
SQLite      before mixed     204     2.5      64,688   0     204      x1.00 rps
SQLite      after  reads     3,535   57.4     2,696    0     0
SQLite      after  mixed     1,213   17.2     9,387    0     0        x0.30 rps
=========== ====== ========= ======= ======== ======== ===== ======== =========== ==========

(idle in tx: the most PostgreSQL sessions ``idle in transaction`` at once, and the longest.)
Before the fix the server wedged in the warm-up on both databases and never recovered: the pool
ran dry (``QueuePool limit ... reached`` after 30 s: 560 tracebacks on PostgreSQL, 480 on
SQLite), PostgreSQL showing all 40 pooled sessions idle in transaction for up to 166 s, and no
write got through. After it: no 5xx, no timeout, every acknowledged write found exactly once
(PostgreSQL: 110 ledger posts, 106 field payments, 65 synced payments and visits, plus about 20
replays of each answered with the first entity; SQLite: 144, 149, 90) and every balance equal to
its ledger sum. Idle-in-transaction moments after the fix are short (at most 2.3 s, on a
starved CPU). The mixed phase runs at a third of the reads-only rate (mixed p50 about 9 s for
reads and writes alike); the busy machine did not allow profiling where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.accounts.models import Account  # noqa: E402
from backend.core.db import make_engine  # noqa: E402
from backend.core.security import create_access_token, hash_password  # noqa: E402
from backend.field.models import Visit  # noqa: E402
from backend.ledger.models import LedgerEntry  # noqa: E402
from backend.payments.models import Payment  # noqa: E402
from backend.users.models import User  # noqa: E402
from benchmarks._common import (  # noqa: E402
    DEFAULT_PG,
    RESULTS,
    environment,
    field_sync_actions,
    log,
    percentile_ms,
    postgres_database,
    server,
    sqlite_database,
)
from benchmarks.import_and_api import AGENTS, generate_csv, seed, time_import  # noqa: E402
from shared.schemas.enums import Role  # noqa: E402

LIMA = ZoneInfo("America/Lima")
LIST_PATH = "/api/v1/accounts?status=active&aging_bucket=181%2B&limit=50"
READS_ONLY = {"get_account": 50, "agent_list": 17, "ledger_read": 33}
MIXED = {
    "get_account": 30,
    "agent_list": 10,
    "ledger_read": 20,
    "ledger_post": 15,
    "field_payment": 15,
    "field_sync": 10,
}
WRITES = ("ledger_post", "field_payment", "field_sync")
# Prefixes of the keys this benchmark sends, to find its rows again.
POST_KEY, PAYMENT_ID, SYNC_PAYMENT_ID, SYNC_VISIT_ID = "mlp-", "mlf-", "mls-p-", "mls-v-"
BOOKED = {"applied", "duplicate"}  # sync answers of an action that is (or already was) booked
RESULTS_JSON = RESULTS / "mixed_load.json"


# --- seeding -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Team:
    admin_id: uuid.UUID
    agents: dict[uuid.UUID, list[str]]  # agent id -> the accounts assigned to them
    accounts: list[str]


def prepare(
    url: str, rows: int, agents: int = AGENTS, supervisors: int = 2
) -> tuple[Team, dict[str, Any]]:
    """Migrate and seed (the import benchmark's team and an imported portfolio), add an
    admin; answer who works which accounts."""
    seeded = seed(url, agents, supervisors)
    with tempfile.TemporaryDirectory(prefix="cobro_bench_csv_") as folder:
        data = Path(folder) / "cartera.csv"
        generate_csv(data, rows, agents=agents)
        imported = time_import(url, data, seeded.portfolio_id, rows)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            admin = User(
                email="admin@bench.cobro",
                full_name="Admin",
                password_hash=hash_password("benchmark"),
                role=Role.admin,
            )
            session.add(admin)
            session.commit()
            agents: dict[uuid.UUID, list[str]] = {}
            accounts = []
            query = select(Account.id, Account.assigned_agent_id).where(
                Account.portfolio_id == seeded.portfolio_id
            )
            for account_id, agent_id in session.execute(query):
                accounts.append(str(account_id))
                if agent_id is not None:
                    agents.setdefault(agent_id, []).append(str(account_id))
    finally:
        engine.dispose()
    return Team(admin.id, agents, accounts), {
        "accounts": len(accounts),
        "agents": len(agents),
        "import_seconds": imported["seconds"],
        "balance_mismatches_after_import": imported["balance_mismatches"],
    }


# --- PostgreSQL activity -------------------------------------------------------------------------

ACTIVITY = text(
    "SELECT count(*) FILTER (WHERE state = 'idle in transaction'),"
    " coalesce(max(extract(epoch FROM now() - state_change))"
    " FILTER (WHERE state = 'idle in transaction'), 0),"
    " count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
)


class ActivityMonitor(threading.Thread):
    """Samples ``pg_stat_activity`` of one database every 0.25 s, per named phase."""

    def __init__(self, admin_url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.database = database
        self.phase = "setup"
        self.stats: dict[str, dict[str, Any]] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.halt.wait(0.25):
                idle, oldest, sessions = conn.execute(ACTIVITY, {"db": self.database}).one()
                stat = self.stats.setdefault(
                    self.phase,
                    {
                        "samples": 0,
                        "samples_with_idle_in_transaction": 0,
                        "max_idle_in_transaction": 0,
                        "max_idle_in_transaction_seconds": 0.0,
                        "max_sessions": 0,
                    },
                )
                stat["samples"] += 1
                stat["samples_with_idle_in_transaction"] += idle > 0
                stat["max_idle_in_transaction"] = max(stat["max_idle_in_transaction"], idle)
                stat["max_idle_in_transaction_seconds"] = round(
                    max(stat["max_idle_in_transaction_seconds"], float(oldest)), 3
                )
                stat["max_sessions"] = max(stat["max_sessions"], sessions)

    def stop(self) -> dict[str, dict[str, Any]]:
        self.halt.set()
        self.join(timeout=10)
        self.engine.dispose()
        return self.stats


# --- load ----------------------------------------------------------------------------------------


def device_of(agent_id: uuid.UUID) -> str:
    return f"bench-{agent_id.hex[:12]}"


@dataclass(slots=True)
class Sent:
    """One write (a ledger key, a field payment's client id or a synced action's client id)
    and every answer it got."""

    statuses: Counter[str] = field(default_factory=Counter)
    entity_ids: set[str] = field(default_factory=set)

    @property
    def acknowledged(self) -> bool:
        return any(s.startswith("2") or s in BOOKED for s in self.statuses)

    @property
    def refused(self) -> bool:
        """Every answer was a definite no (4xx, or a sync action not booked)."""
        return bool(self.statuses) and all(
            s.startswith("4") or s.startswith("sync:") for s in self.statuses
        )


def note_sync(
    sent: dict[str, dict[str, Sent]],
    tally: Counter[str],
    actions: list[dict[str, Any]],
    status: str,
    results: list[dict[str, Any]],
) -> None:
    """Record a field sync's answer for each action it pushed (``sent["sync_payment"]`` and
    ``sent["sync_visit"]`` by client id): the action's own result, or the HTTP ``status`` when
    the answer has none for it (an error, a timeout)."""
    by_id = {r["client_id"]: r for r in results}
    for action in actions:
        kind = "sync_payment" if action["type"] == "payment" else "sync_visit"
        one = sent[kind].setdefault(action["client_id"], Sent())
        result = by_id.get(action["client_id"])
        if result is None:
            one.statuses[status] += 1
            continue
        tally[f"{action['type']}:{result['status']}"] += 1
        booked = result["status"] in BOOKED or result.get("entity_id") is not None
        one.statuses[result["status"] if booked else f"sync:{result['status']}"] += 1
        if result.get("entity_id"):
            one.entity_ids.add(result["entity_id"])


@dataclass(slots=True)
class Phase:
    name: str
    weights: dict[str, int]
    seconds: float
    max_requests: int
    started: int = 0
    records: list[tuple[str, str, float]] = field(default_factory=list)
    wall: float = 0.0


def _bearer(user_id: uuid.UUID, role: str) -> dict[str, str]:
    """A token for a user the run created (version 0), valid longer than any run."""
    token = create_access_token(user_id, role, version=0, minutes=240)
    return {"Authorization": f"Bearer {token}"}


class Load:
    """The clients' shared state: tokens, accounts, what was sent and what came back."""

    def __init__(self, base: str, team: Team, args: argparse.Namespace) -> None:
        self.base = base
        self.args = args
        self.admin = _bearer(team.admin_id, "admin")
        self.agents = [
            (agent_id, _bearer(agent_id, "agent"), ids)
            for agent_id, ids in sorted(team.agents.items())
        ]
        self.accounts = team.accounts
        self.cursors: dict[uuid.UUID, str | None] = {a: None for a, _, _ in self.agents}
        self.devices = {device_of(a): a for a, _, _ in self.agents}
        self.sent: dict[str, dict[str, Sent]] = {
            "ledger_post": {},
            "field_payment": {},
            "sync_payment": {},
            "sync_visit": {},
        }
        # Recent bodies of each write kind, for replays: (path, headers, body).
        self.recent: dict[str, deque[tuple[str, dict[str, str], dict[str, Any]]]] = {
            kind: deque(maxlen=500) for kind in WRITES
        }
        self.sync_results: Counter[str] = Counter()

    # one request

    async def send(
        self,
        http: httpx.AsyncClient,
        phase: Phase,
        op: str,
        path: str,
        headers: dict[str, str],
        body: dict[str, Any] | None = None,
    ) -> httpx.Response | None:
        sent = time.perf_counter()
        response: httpx.Response | None = None
        try:
            if body is None:
                response = await http.get(path, headers=headers)
            else:
                response = await http.post(path, headers=headers, json=body)
            outcome = str(response.status_code)
        except httpx.TimeoutException:
            outcome = "timeout"
        except httpx.HTTPError:
            outcome = "error"
        phase.records.append((op, outcome, time.perf_counter() - sent))
        return response

    # writes

    def _today(self) -> str:
        return datetime.now(LIMA).date().isoformat()

    def _new_write(
        self, op: str, agent: tuple[uuid.UUID, dict[str, str], list[str]], rnd: random.Random
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        agent_id, headers, ids = agent
        amount = f"{rnd.randrange(50, 301) / 100:.2f}"
        tag = uuid.uuid4().hex
        if op == "ledger_post":
            body = {
                "kind": "payment",
                "amount": amount,
                "currency": "PEN",
                "effective_date": self._today(),
                "idempotency_key": POST_KEY + tag,
                "description": "mixed load",
            }
            return f"/api/v1/accounts/{rnd.choice(self.accounts)}/ledger", self.admin, body
        if op == "field_payment":
            body = {
                "client_id": PAYMENT_ID + tag,
                "amount": amount,
                "currency": "PEN",
                "method": "cash",
                "paid_on": self._today(),
                "receipt_number": f"F-{tag[:16]}",
            }
            return f"/api/v1/accounts/{rnd.choice(ids)}/field-payments", headers, body
        actions = field_sync_actions(
            rnd.choice(ids),
            visit_id=SYNC_VISIT_ID + tag,
            payment_id=SYNC_PAYMENT_ID + tag,
            amount=amount,
            receipt=f"S-{tag[:16]}",
            day=self._today(),
            recorded_at=datetime.now(UTC).isoformat(),
        )
        body = {"device_id": device_of(agent_id), "cursor": None, "actions": actions}
        return "/api/v1/field/sync", headers, body

    def _answer(self, op: str, body: dict[str, Any], response: httpx.Response | None) -> None:
        status = "no answer" if response is None else str(response.status_code)
        ok = response is not None and response.is_success
        if op == "field_sync":
            results = response.json()["results"] if ok else []
            note_sync(self.sent, self.sync_results, body["actions"], status, results)
            if ok:
                self.cursors[self.devices[body["device_id"]]] = response.json()["cursor"]
            return
        key = body["idempotency_key"] if op == "ledger_post" else body["client_id"]
        sent = self.sent[op].setdefault(key, Sent())
        sent.statuses[status] += 1
        if ok:
            sent.entity_ids.add(response.json()["id"])

    async def write(
        self,
        http: httpx.AsyncClient,
        phase: Phase,
        op: str,
        agent: tuple[uuid.UUID, dict[str, str], list[str]],
        rnd: random.Random,
    ) -> None:
        recent = self.recent[op]
        if recent and rnd.random() < self.args.replay_share:
            path, headers, body = rnd.choice(recent)  # a replay, as it was sent
            copies = 1
        else:
            path, headers, body = self._new_write(op, agent, rnd)
            recent.append((path, headers, body))
            copies = 2 if rnd.random() < self.args.double_share else 1
        if op == "field_sync":
            body = {**body, "cursor": self.cursors[agent[0]]}
        responses = await asyncio.gather(
            *(self.send(http, phase, op, path, headers, body) for _ in range(copies))
        )
        for response in responses:
            self._answer(op, body, response)

    # reads

    async def read(
        self,
        http: httpx.AsyncClient,
        phase: Phase,
        op: str,
        agent: tuple[uuid.UUID, dict[str, str], list[str]],
        rnd: random.Random,
    ) -> None:
        _, headers, ids = agent
        if op == "get_account":
            path = f"/api/v1/accounts/{rnd.choice(ids)}"
        elif op == "agent_list":
            path = LIST_PATH
        else:
            path = f"/api/v1/accounts/{rnd.choice(ids)}/ledger?limit=20"
        await self.send(http, phase, op, path, headers)

    # phases

    async def client(self, number: int, phase: Phase, deadline: float) -> None:
        rnd = random.Random(self.args.seed * 1000 + number)
        agent = self.agents[number % len(self.agents)]
        ops, weights = list(phase.weights), list(phase.weights.values())
        async with httpx.AsyncClient(base_url=self.base, timeout=self.args.timeout) as http:
            while time.perf_counter() < deadline and phase.started < phase.max_requests:
                op = rnd.choices(ops, weights)[0]
                phase.started += 1
                if op in WRITES:
                    await self.write(http, phase, op, agent, rnd)
                else:
                    await self.read(http, phase, op, agent, rnd)

    async def run(self, phase: Phase) -> Phase:
        started = time.perf_counter()
        deadline = started + phase.seconds
        await asyncio.gather(*(self.client(i, phase, deadline) for i in range(self.args.clients)))
        phase.wall = time.perf_counter() - started
        return phase

    async def first_syncs(self) -> None:
        """Each agent's device syncs once with nothing to push, as the app does at log-in."""
        async with httpx.AsyncClient(base_url=self.base, timeout=self.args.timeout) as http:
            for agent_id, headers, _ in self.agents:
                body = {"device_id": device_of(agent_id), "cursor": None, "actions": []}
                response = await http.post("/api/v1/field/sync", headers=headers, json=body)
                response.raise_for_status()
                self.cursors[agent_id] = response.json()["cursor"]


def summarize(phase: Phase) -> dict[str, Any]:
    def figures(records: list[tuple[str, str, float]], wall: float) -> dict[str, Any]:
        latencies = sorted(r[2] for r in records)
        statuses = Counter(r[1] for r in records)
        return {
            "requests": len(records),
            "rps": round(len(records) / wall, 1) if wall else None,
            "p50_ms": percentile_ms(latencies, 0.50),
            "p90_ms": percentile_ms(latencies, 0.90),
            "p99_ms": percentile_ms(latencies, 0.99),
            "max_ms": percentile_ms(latencies, 1.0),
            "statuses": dict(sorted(statuses.items())),
            "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
            "timeouts": statuses.get("timeout", 0),
            "transport_errors": statuses.get("error", 0),
        }

    summary = figures(phase.records, phase.wall)
    summary["seconds"] = round(phase.wall, 2)
    summary["by_operation"] = {
        op: figures([r for r in phase.records if r[0] == op], phase.wall) for op in phase.weights
    }
    return summary


# --- correctness ---------------------------------------------------------------------------------


def judge(sent: dict[str, Sent], found: Counter[str]) -> dict[str, Any]:
    """Acknowledged writes are in the database exactly once; refused ones and strangers are not;
    every answer for one key names the same entity."""
    missing = [k for k, s in sent.items() if s.acknowledged and found[k] == 0]
    duplicated = [k for k, n in found.items() if n > 1]
    refused_but_applied = [k for k, s in sent.items() if s.refused and found[k]]
    unanswered_applied = [
        k for k, s in sent.items() if not s.acknowledged and not s.refused and found[k]
    ]
    strangers = [k for k in found if k not in sent]
    split_answers = [k for k, s in sent.items() if len(s.entity_ids) > 1]
    answers = Counter()
    for s in sent.values():
        answers.update(s.statuses)
    return {
        "keys_sent": len(sent),
        "keys_acknowledged": sum(s.acknowledged for s in sent.values()),
        "keys_refused": sum(s.refused for s in sent.values()),
        "rows_found": sum(found.values()),
        "answers": dict(sorted(answers.items())),
        "missing": len(missing),
        "duplicated": len(duplicated),
        "refused_but_applied": len(refused_but_applied),
        "unanswered_but_applied": len(unanswered_applied),
        "strangers": len(strangers),
        "answers_naming_different_entities": len(split_answers),
        "ok": not (missing or duplicated or refused_but_applied or strangers or split_answers),
        "examples": (missing + duplicated + refused_but_applied + strangers + split_answers)[:5],
    }


def counted(session: Session, column: Any, prefix: str) -> Counter[str]:
    """Rows per value of ``column`` among values starting with ``prefix``."""
    query = select(column, func.count()).where(column.like(prefix + "%")).group_by(column)
    return Counter(dict(session.execute(query).all()))


def verify(url: str, load: Load) -> dict[str, Any]:
    engine: Engine = make_engine(url)
    try:
        with Session(engine) as session:
            checks = {
                "ledger_post": judge(
                    load.sent["ledger_post"],
                    counted(session, LedgerEntry.idempotency_key, POST_KEY),
                ),
                "field_payment": judge(
                    load.sent["field_payment"], counted(session, Payment.client_id, PAYMENT_ID)
                ),
                "sync_payment": judge(
                    load.sent["sync_payment"],
                    counted(session, Payment.client_id, SYNC_PAYMENT_ID),
                ),
                "sync_visit": judge(
                    load.sent["sync_visit"], counted(session, Visit.client_id, SYNC_VISIT_ID)
                ),
            }
            mismatches = session.execute(
                text(
                    "SELECT count(*) FROM accounts a WHERE a.balance_minor <> "
                    "(SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e "
                    "WHERE e.account_id = a.id)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    checks["balances"] = {"mismatches": mismatches, "ok": mismatches == 0}
    checks["sync_results"] = dict(sorted(load.sync_results.items()))
    checks["ok"] = all(c["ok"] for c in checks.values() if isinstance(c, dict) and "ok" in c)
    return checks


# --- one run -------------------------------------------------------------------------------------


def server_failures(path: Path) -> dict[str, Any]:
    """Tracebacks in the server's output and the exceptions they ended with, most common
    first."""
    tracebacks = 0
    exceptions: Counter[str] = Counter()
    inside = False
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            tracebacks += 1
            inside = True
        elif inside and line.strip() and not line.startswith(" "):
            exceptions[line[:200]] += 1
            inside = False
    return {"tracebacks": tracebacks, "exceptions": dict(exceptions.most_common(8))}


def commit_of(tree: Path) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{kind}] migrating, seeding and importing {args.rows:,} accounts")
    team, seeding = prepare(url, args.rows)
    monitor = None
    if kind == "postgresql":
        monitor = ActivityMonitor(args.pg_url, make_url(url).database or "")
        monitor.start()
    env = {"COBRO_WORKER_THREADS": str(args.worker_threads)} if args.worker_threads else {}
    phases: dict[str, Phase] = {}
    with tempfile.TemporaryDirectory(prefix="cobro_bench_log_") as folder:
        server_log = Path(folder) / "server.log"
        with (
            server_log.open("w") as output,
            server("backend.main:app", url, tree=args.tree, env=env, output=output) as base,
        ):
            load = Load(base, team, args)

            async def drive() -> None:
                await load.first_syncs()
                plan = [
                    Phase("warmup", READS_ONLY, args.warmup, args.max_requests),
                    Phase("reads_only", READS_ONLY, args.seconds, args.max_requests),
                    Phase("mixed", MIXED, args.seconds, args.max_requests),
                ]
                for phase in plan:
                    if monitor:
                        monitor.phase = phase.name
                    log(f"[{kind}] {phase.name}: {args.clients} clients, {phase.seconds:g} s")
                    phases[phase.name] = await load.run(phase)
                    if monitor:
                        monitor.phase = "between phases"
                    await asyncio.sleep(2)

            asyncio.run(drive())
        failures = server_failures(server_log)
    activity = monitor.stop() if monitor else None
    log(f"[{kind}] checking every write")
    correctness = verify(url, load)
    summaries = {name: summarize(phase) for name, phase in phases.items()}
    reads, mixed = summaries["reads_only"], summaries["mixed"]
    ratios = {
        "rps": round(mixed["rps"] / reads["rps"], 3),
        "p50": round(mixed["p50_ms"] / reads["p50_ms"], 2),
        "p99": round(mixed["p99_ms"] / reads["p99_ms"], 2),
    }
    server_errors = sum(s["server_errors"] for s in summaries.values())
    return {
        "database": kind,
        "label": args.label,
        "tree": str(args.tree),
        "commit": commit_of(args.tree),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "max_requests": args.max_requests,
            "timeout": args.timeout,
            "replay_share": args.replay_share,
            "double_share": args.double_share,
            "worker_threads": args.worker_threads or "app default",
            "mix": MIXED,
        },
        "seeding": seeding,
        "phases": summaries,
        "mixed_over_reads_only": ratios,
        "pg_activity": activity,
        "server_log": failures,
        "correctness": correctness,
        "server_errors": server_errors,
        "ok": server_errors == 0 and correctness["ok"],
    }


# --- report --------------------------------------------------------------------------------------


def print_run(name: str, res: dict[str, Any]) -> None:
    print(f"\n{name}: {res['tree']} @ {res['commit']}, {res['parameters']['clients']} clients")
    print(
        f"{'phase':<12}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'5xx':>6}{'timeouts':>9}  statuses"
    )
    for phase in ("reads_only", "mixed"):
        m = res["phases"][phase]
        print(
            f"{phase:<12}{m['requests']:>9}{m['rps']:>8}{m['p50_ms']:>9}{m['p90_ms']:>9}"
            f"{m['p99_ms']:>9}{m['server_errors']:>6}{m['timeouts']:>9}  {m['statuses']}"
        )
    r = res["mixed_over_reads_only"]
    print(f"mixed / reads-only: rps x{r['rps']}, p50 x{r['p50']}, p99 x{r['p99']}")
    if res["pg_activity"]:
        act = res["pg_activity"].get("mixed", {})
        print(
            f"idle in transaction during mixed: at most {act.get('max_idle_in_transaction')} "
            f"sessions, longest {act.get('max_idle_in_transaction_seconds')} s"
        )
    c = res["correctness"]
    for kind in ("ledger_post", "field_payment", "sync_payment", "sync_visit"):
        k = c[kind]
        print(
            f"{kind:<14} sent {k['keys_sent']:>6}  acknowledged {k['keys_acknowledged']:>6}  "
            f"rows {k['rows_found']:>6}  {'ok' if k['ok'] else 'FAILED ' + json.dumps(k)}"
        )
    print(f"balances = ledger sums: {'ok' if c['balances']['ok'] else c['balances']}")
    print(f"server tracebacks: {res['server_log']['tracebacks']}; overall: {res['ok']}")


def chart(runs: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        (f"{name}\n{phase.replace('_', ' ')}", runs[name]["phases"][phase])
        for name in sorted(runs)
        for phase in ("reads_only", "mixed")
    ]
    xs = list(range(len(groups)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, 1.4 * len(groups)), 8))
    width = 0.27
    for k, q in enumerate(("p50_ms", "p90_ms", "p99_ms")):
        top.bar([x + (k - 1) * width for x in xs], [g[1][q] for g in groups], width, label=q[:3])
    top.set_yscale("log")
    top.set_title("latency (ms, log scale; timeouts count at the time they took)")
    top.legend()
    failed = [g[1]["server_errors"] or g[1]["timeouts"] for g in groups]
    bottom.bar(
        xs,
        [g[1]["rps"] for g in groups],
        0.6,
        color=["tab:red" if f else "tab:blue" for f in failed],
    )
    bottom.set_title("requests per second (red: some 5xx or timeouts)")
    for axis in (top, bottom):
        axis.set_xticks(xs, [g[0] for g in groups], fontsize=8)
    fig.suptitle("Mixed load: reads only, then reads + writes (same run, same clients)")
    fig.tight_layout()
    fig.savefig(path)
    log(f"chart: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="where to create the scratch db")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code the server runs")
    parser.add_argument("--label", help="name of this run in the results (default: commit)")
    parser.add_argument("--seconds", type=float, default=60, help="time cap per phase")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per phase")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rows", type=int, default=3000, help="accounts imported")
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--replay-share", type=float, default=0.15)
    parser.add_argument("--double-share", type=float, default=0.05)
    parser.add_argument("--worker-threads", type=int, help="COBRO_WORKER_THREADS for the server")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="forget earlier runs in the JSON")
    parser.add_argument("--chart-only", action="store_true", help="redraw the chart from the JSON")
    args = parser.parse_args()
    if args.chart_only:
        chart(json.loads(RESULTS_JSON.read_text())["runs"], RESULTS / "mixed_load.png")
        return
    args.tree = args.tree.resolve()
    args.label = args.label or commit_of(args.tree)

    kind = "sqlite" if args.sqlite else "postgresql"
    if kind == "sqlite":
        with sqlite_database() as url:
            result = run(kind, url, args)
    else:
        with postgres_database(args.pg_url, f"cobro_bench_mixed_{os.getpid()}") as url:
            result = run(kind, url, args)
    result["environment"] = environment(None if args.sqlite else args.pg_url)

    stored: dict[str, Any] = {}
    if RESULTS_JSON.exists() and not args.fresh:
        stored = json.loads(RESULTS_JSON.read_text())
    runs = stored.setdefault("runs", {})
    name = f"{kind} {args.label}"
    runs[name] = result
    RESULTS.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(stored, indent=2, default=str) + "\n")
    print_run(name, result)
    print(f"\nresults: {RESULTS_JSON}")
    chart(runs, RESULTS / "mixed_load.png")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
