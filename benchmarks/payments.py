"""Payments benchmark: webhook events per second on PostgreSQL against direct ledger inserts, and
the matching time of a 50,000-line bank statement.

1. A fresh PostgreSQL database (``cobro_bench_pay_<pid>``, dropped at the end) is migrated and
   seeded in bulk with rows consistent with the models: ``--accounts`` accounts (default 5,000),
   each with its debtor, its opening ledger charge (balance = sum of entries) and one open
   built-in payment link for the balance (provider reference ``cs_builtin_<hex>``).
2. Webhooks: one ``builtin.sandbox_completion_event`` per link plus 20% duplicates (random
   events sent again), shuffled with a fixed seed, handled by ``payments.service.handle_event``
   with one ``session_scope`` (one commit) per event, as the webhook endpoint does, on 2 worker
   threads. Reported: events/s, p50/p99 per event; checked: exactly one payment per link, every
   duplicate answered ``duplicate``, every balance equal to its ledger sum.
3. Baseline, same run, same database: as many ledger rows as events inserted directly (one
   INSERT and one atomic balance UPDATE per row, one commit per row, 2 threads). The figure that
   travels between machines is ``ratio = baseline rows/s / webhook events/s``.
4. Unless ``--skip-http``: the same through ``POST /api/v1/payments/webhooks/stripe`` with
   Stripe-signed events (``STRIPE_WEBHOOK_SECRET``) against uvicorn on a free local port, for
   ``--http-accounts`` fresh links each pass: 2 clients against one uvicorn process, then
   ``--http-clients`` concurrent clients (default 32: Stripe delivers concurrently) against
   ``--server-workers`` uvicorn processes (default 2; each groups the events it receives into
   one transaction, ``backend.payments.batching``), and with ``--http-sequential`` 1 client.
   The clients run in this process on the same machine, so their CPU is part of the figure. A
   request unanswered after 30 s means the server is wedged: that pass stops and is reported
   ``stalled``.
5. Bank statement: ``--statement-accounts`` accounts (default 20,000; a tenth of the debtors
   with two accounts) and a ``--lines`` CSV (default 50,000: 70% naming one account's reference,
   10% ambiguous (two references, or the document of a debtor with two accounts), 15% unmatched,
   5% debits), uploaded through ``statements.service.upload_in_chunks`` (the background job's
   path: parse, then match and book 1,000 lines per committed transaction) and read back as the
   report: lines/s. Also timed: the in-memory matching alone, and a baseline in the same run:
   as many ledger rows as booked lines written directly in chunks of 1,000 (one multi-row
   INSERT and one batched balance UPDATE per commit); ``ratio = baseline rows/s / lines/s``.
   On PostgreSQL, and on SQLite unless ``--skip-sqlite``.

Prints a table, writes ``benchmarks/results/payments.json`` and ``payments.png`` (matplotlib).

Usage: ``python benchmarks/payments.py [--accounts 5000] [--lines 50000]
[--statement-accounts 20000] [--skip-http] [--skip-sqlite] [--skip-webhooks]
[--skip-statements] [--http-clients 32] [--server-workers 2]``
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import platform
import queue
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from sqlalchemy import (  # noqa: E402
    Engine,
    bindparam,
    create_engine,
    func,
    insert,
    select,
    text,
    update,
)

from backend.accounts.models import Account  # noqa: E402
from backend.audit.service import Actor  # noqa: E402
from backend.core.clock import utcnow  # noqa: E402
from backend.core.db import make_engine, session_scope  # noqa: E402
from backend.core.ids import uuid7  # noqa: E402
from backend.core.migrate import upgrade  # noqa: E402
from backend.creditors.models import Creditor, Portfolio  # noqa: E402
from backend.debtors.models import Debtor  # noqa: E402
from backend.imports.commands import TerminalProgress  # noqa: E402
from backend.ledger.models import LedgerEntry  # noqa: E402
from backend.payments import service as payments  # noqa: E402
from backend.payments.models import Payment, PaymentLink, ProviderEvent  # noqa: E402
from backend.payments.providers import builtin  # noqa: E402
from backend.statements import parser, repository  # noqa: E402
from backend.statements import service as statements  # noqa: E402
from backend.statements.matching import Matcher  # noqa: E402
from backend.users.models import User  # noqa: E402
from benchmarks._common import (  # noqa: E402
    default_database,
    post_concurrently,
    postgres_database,
    sqlite_database,
)
from shared.schemas.enums import EntryKind, LinkPurpose, NationalIdType, Role  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_PG = os.environ.get("COBRO_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
WORKERS = 2
DUPLICATES = 0.20
HTTP_TIMEOUT = 30.0
WEBHOOK_SECRET = f"whsec_{secrets.token_hex(16)}"  # this run only
CHUNK = 2000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


# --- seeding -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seeded:
    portfolio_id: uuid.UUID
    accounts: list[dict[str, Any]]  # id, external_ref, balance_minor, debtor id_number
    links: list[PaymentLink]


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(model.__table__), rows[start : start + CHUNK])


def seed_portfolio(
    engine: Engine, name: str, accounts: int, *, links: bool, pairs: float, seed: int
) -> Seeded:
    """``accounts`` active PEN accounts (``pairs`` of the debtors own two), inserted in bulk."""
    rnd = random.Random(seed)
    creditor = Creditor(name=f"{name} {uuid.uuid4().hex[:6]}", country="PE")
    portfolio = Portfolio(
        creditor_id=creditor.id, name=name, currency="PEN", country="PE", timezone="America/Lima"
    )
    _insert(engine, Creditor, [creditor.model_dump()])
    _insert(engine, Portfolio, [portfolio.model_dump()])
    debtors: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    today = date.today()
    ids = rnd.sample(range(10_000_000, 99_999_999), accounts)
    while len(rows) < accounts:
        number = str(ids[len(debtors)])
        debtor = Debtor(
            portfolio_id=portfolio.id,
            id_type=NationalIdType.DNI,
            id_number=number,
            first_name="Rosa",
            last_name=f"Quispe {len(debtors)}",
            search_text=f"rosa quispe {number}",
        )
        debtors.append(debtor.model_dump())
        for _ in range(2 if rnd.random() < pairs else 1):
            if len(rows) == accounts:
                break
            principal = rnd.randrange(50_000, 900_000)
            account = Account(
                portfolio_id=portfolio.id,
                debtor_id=debtor.id,
                external_ref=f"CB-{len(rows):07d}",
                product="Tarjeta de crédito",
                principal_minor=principal,
                currency="PEN",
                due_date=today - timedelta(days=rnd.randrange(10, 400)),
                balance_minor=principal,
            )
            rows.append(account.model_dump())
            entry = LedgerEntry(
                account_id=account.id,
                kind=EntryKind.charge,
                amount_minor=principal,
                currency="PEN",
                effective_date=account.due_date,
                source="origination",
                idempotency_key="origination:principal",
            )
            entries.append(entry.model_dump())
    _insert(engine, Debtor, debtors)
    _insert(engine, Account, rows)
    _insert(engine, LedgerEntry, entries)
    made = [_link(row) for row in rows] if links else []
    _insert(engine, PaymentLink, [link.model_dump() for link in made])
    by_debtor = {d["id"]: d["id_number"] for d in debtors}
    summary = [
        {
            "id": row["id"],
            "external_ref": row["external_ref"],
            "balance_minor": row["balance_minor"],
            "id_number": by_debtor[row["debtor_id"]],
            "debtor_id": row["debtor_id"],
        }
        for row in rows
    ]
    return Seeded(portfolio.id, summary, made)


def _link(account: dict[str, Any]) -> PaymentLink:
    link = PaymentLink(
        account_id=account["id"],
        purpose=LinkPurpose.balance,
        amount_minor=account["balance_minor"],
        currency="PEN",
        provider=builtin.NAME,
        token=secrets.token_urlsafe(24),
        created_by_kind="bot",
        expires_at=utcnow() + timedelta(hours=72),
    )
    link.provider_reference = f"cs_builtin_{link.id.hex}"
    link.url = f"http://127.0.0.1:8000/pay/{link.token}"
    return link


# --- webhooks ------------------------------------------------------------------------------------


def events_for(links: list[PaymentLink], seed: int) -> list[dict[str, Any]]:
    """One completion event per link, 20% of them again, shuffled."""
    rnd = random.Random(seed)
    events = [builtin.sandbox_completion_event(link) for link in links]
    events += rnd.sample(events, int(len(events) * DUPLICATES))
    rnd.shuffle(events)
    return events


def run_workers(
    items: list[Any],
    work: Callable[[Any], str],
    workers: int = WORKERS,
    *,
    stop_on_error: bool = False,
) -> dict[str, Any]:
    """``workers`` threads share the items; per-item latency and outcomes are collected. An
    exception is an ``error:<type>`` outcome; with ``stop_on_error`` it stops every worker (a
    wedged server would only pile up timeouts)."""
    pending: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                outcome = work(item)
            except Exception as exc:  # measured and reported, not raised: the run goes on
                outcome = f"error:{type(exc).__name__}"
                if stop_on_error:
                    stop.set()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                outcomes[outcome] += 1
                if len(latencies) % 1000 == 0:
                    log(f"    {len(latencies):,}/{len(items):,}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    done = sum(n for outcome, n in outcomes.items() if not outcome.startswith("error:"))
    return {
        "items": len(items),
        "done": done,
        "workers": workers,
        "stalled": stop.is_set(),
        "seconds": round(wall, 2),
        "per_second": round(done / wall, 1),
        "p50_ms": pct(latencies, 0.50),
        "p99_ms": pct(latencies, 0.99),
        "outcomes": dict(outcomes),
    }


def webhook_run(engine: Engine, events: list[dict[str, Any]]) -> dict[str, Any]:
    def handle(event: dict[str, Any]) -> str:
        with session_scope(engine) as session:
            return payments.handle_event(session, builtin.NAME, event)

    return run_workers(events, handle)


def baseline_run(engine: Engine, accounts: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    """The floor: a bare ledger INSERT plus the balance increment, committed one by one."""
    table = LedgerEntry.__table__  # type: ignore[attr-defined]
    today = date.today()

    def write(index: int) -> str:
        account_id = accounts[index % len(accounts)]["id"]
        with engine.begin() as conn:
            conn.execute(
                insert(table).values(
                    id=uuid7(),
                    account_id=account_id,
                    kind=EntryKind.payment,
                    amount_minor=-1,
                    currency="PEN",
                    effective_date=today,
                    source="bench",
                    idempotency_key=f"bench:{index}",
                    created_at=utcnow(),
                )
            )
            conn.execute(
                update(Account)
                .where(Account.id == account_id)
                .values(balance_minor=Account.balance_minor - 1)
            )
        return "inserted"

    return run_workers(list(range(rows)), write)


def check_links(engine: Engine, links: list[PaymentLink]) -> dict[str, int]:
    ids = [link.id for link in links]
    with engine.connect() as conn:
        per_link = Counter(
            conn.execute(select(Payment.link_id).where(Payment.link_id.in_(ids))).scalars()
        )
    return {
        "links": len(ids),
        "links_with_one_payment": sum(1 for i in ids if per_link[i] == 1),
        "links_with_more": sum(1 for i in ids if per_link[i] > 1),
    }


def balance_mismatches(engine: Engine) -> int:
    sums = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor).label("total"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    query = (
        select(func.count())
        .select_from(Account)
        .join(sums, sums.c.account_id == Account.id)
        .where(sums.c.total != Account.balance_minor)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# --- webhooks over HTTP --------------------------------------------------------------------------


def sign(payload: bytes) -> str:
    ts = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{ts}.".encode() + payload, hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, workers: int = 1) -> Iterator[str]:
    """uvicorn serving the real app with a webhook secret, on a free port, with ``workers``
    processes (each groups the events it receives); stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # several workers import the app at once
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_run(
    url: str, events: list[dict[str, Any]], workers: int, server_workers: int = 1
) -> dict[str, Any]:
    """Signed events posted by ``workers`` concurrent clients to a fresh server with
    ``server_workers`` uvicorn processes; a request that takes ``HTTP_TIMEOUT`` seconds means
    the server is wedged: the run stops and says so."""
    local = threading.local()
    with server(url, server_workers) as base:

        def post(event: dict[str, Any]) -> str:
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=base, timeout=HTTP_TIMEOUT)
            payload = json.dumps(event).encode()
            response = local.client.post(
                "/api/v1/payments/webhooks/stripe",
                content=payload,
                headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
            )
            if response.status_code != 200:
                return f"http_{response.status_code}"
            return str(response.json()["outcome"])

        return run_workers(events, post, workers, stop_on_error=True)


def http_concurrent_run(
    url: str, events: list[dict[str, Any]], clients: int, server_workers: int
) -> dict[str, Any]:
    """Signed events from ``clients`` concurrent keep-alive connections of a light asyncio
    client (``_common.post_concurrently``: the sender's CPU stays out of the figure, as
    Stripe's does) to a fresh server with ``server_workers`` uvicorn processes."""
    requests = []
    for event in events:
        payload = json.dumps(event).encode()
        headers = {"Stripe-Signature": sign(payload), "Content-Type": "application/json"}
        requests.append((payload, headers))
    with server(url, server_workers) as base:
        started = time.perf_counter()
        latencies, answers, stalled = post_concurrently(
            base, "/api/v1/payments/webhooks/stripe", requests, clients, HTTP_TIMEOUT
        )
        wall = time.perf_counter() - started
    outcomes: Counter[str] = Counter(
        str(json.loads(body)["outcome"]) if status == 200 else f"http_{status}"
        for status, body in answers
        if status
    )
    done = sum(outcomes.values())
    return {
        "items": len(events),
        "done": done,
        "workers": clients,
        "stalled": stalled,
        "seconds": round(wall, 2),
        "per_second": round(done / wall, 1),
        "p50_ms": pct(latencies, 0.50) if latencies else None,
        "p99_ms": pct(latencies, 0.99) if latencies else None,
        "outcomes": dict(outcomes),
    }


# --- bank statement ------------------------------------------------------------------------------


def statement_csv(seeded: Seeded, lines: int, seed: int) -> tuple[bytes, Counter[str]]:
    """``lines`` lines: 70% one reference, 10% ambiguous, 15% unmatched, 5% debits."""
    rnd = random.Random(seed)
    accounts = seeded.accounts
    shared: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for account in accounts:
        shared.setdefault(account["debtor_id"], []).append(account)
    pairs = [owned for owned in shared.values() if len(owned) == 2]
    planned: Counter[str] = Counter()
    out = ["Fecha;Importe;Nro. Operación;Glosa"]
    start = date.today() - timedelta(days=30)
    for index in range(lines):
        roll = rnd.random()
        amount = rnd.randrange(1_000, 30_000)
        day = (start + timedelta(days=rnd.randrange(30))).strftime("%d/%m/%Y")
        if roll < 0.70:
            kind, text = "matched", f"ABONO {rnd.choice(accounts)['external_ref']} TRANSF"
        elif roll < 0.80 and index % 2:
            one, two = rnd.sample(accounts, 2)
            kind, text = "ambiguous", f"PAGO {one['external_ref']} {two['external_ref']}"
        elif roll < 0.80:
            kind, text = "ambiguous", f"DEP EFECTIVO DNI {rnd.choice(pairs)[0]['id_number']}"
        elif roll < 0.95:
            kind, text = "unmatched", f"DEPOSITO VARIOS {rnd.randrange(10**9, 10**10)}"
        else:
            kind, text, amount = "ignored", "COMISION MANTENIMIENTO", -amount
        planned[kind] += 1
        money = f"{amount / 100:.2f}".replace(".", ",")
        out.append(f"{day};{money};{index + 100_000_000:010d};{text}")
    return ("\r\n".join(out) + "\r\n").encode(), planned


def statement_run(engine: Engine, seeded: Seeded, data: bytes, admin_id: uuid.UUID) -> dict:
    lines = parser.parse(data, "PEN", "es")
    with session_scope(engine) as session:
        started = time.perf_counter()
        matcher = Matcher(
            repository.open_accounts(session, seeded.portfolio_id),
            repository.open_links(session, seeded.portfolio_id),
        )
        kinds = Counter(
            min(len(matcher.match(x.reference, x.description, x.amount_minor)), 2)
            for x in lines
            if x.amount_minor > 0
        )
        matching_only = time.perf_counter() - started
    log(f"    in-memory matching alone: {matching_only:.2f} s ({dict(kinds)})")
    actor = Actor("user", admin_id)
    with session_scope(engine) as session:
        started = time.perf_counter()
    statement_id = statements.upload_in_chunks(
        actor, seeded.portfolio_id, data, "extracto.csv", progress=TerminalProgress(sys.stderr)
    )
    uploaded = time.perf_counter() - started
    with session_scope(engine) as session:
        statement = statements.get_statement(session, statement_id)
        read = statements.to_read(session, statement)
        page = repository.lines_page(session, statement_id, None, None, 100)
    total = time.perf_counter() - started
    log(f"    background path (chunks of {statements.CHUNK_LINES}) done in {total:.1f} s")
    return {
        "lines": len(lines),
        "path": f"statements.service.upload_in_chunks, {statements.CHUNK_LINES} lines per commit",
        "matching_only_seconds": round(matching_only, 2),
        "upload_seconds": round(uploaded, 2),
        "upload_to_report_seconds": round(total, 2),
        "lines_per_second": round(len(lines) / total, 1),
        "counts": {status.value: t.count for status, t in read.totals.items()},
        "report_page": len(page[:100]),
    }


def bulk_baseline(engine: Engine, accounts: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    """The floor for booking in chunks: ``rows`` ledger payment rows (and their balance
    updates) written directly, 1,000 per transaction (one multi-row INSERT, one batched
    UPDATE), on one thread. ``ratio = baseline rows/s / statement lines/s``."""
    rnd = random.Random(3)
    table, accounts_table = LedgerEntry.__table__, Account.__table__  # type: ignore[attr-defined]
    bump = (
        update(accounts_table)
        .where(accounts_table.c.id == bindparam("account_id"))
        .values(balance_minor=accounts_table.c.balance_minor - bindparam("delta"))
    )
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        chunk = [rnd.choice(accounts) for _ in range(min(1000, rows - start))]
        entries = [
            LedgerEntry(
                account_id=a["id"],
                kind=EntryKind.payment,
                amount_minor=-100,
                currency="PEN",
                effective_date=date.today(),
                source="baseline",
                idempotency_key=f"bulk-baseline:{start + i}",
            ).model_dump()
            for i, a in enumerate(chunk)
        ]
        with engine.begin() as conn:
            conn.execute(insert(table), entries)
            conn.execute(bump, [{"account_id": e["account_id"], "delta": 100} for e in entries])
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "per_second": round(rows / seconds, 1)}


def admin_user(engine: Engine) -> uuid.UUID:
    user = User(
        email="admin@bench.cobro",
        full_name="Admin",
        password_hash=secrets.token_hex(16),
        role=Role.admin,
    )
    _insert(engine, User, [user.model_dump()])
    return user.id


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    return engine


# --- the runs ------------------------------------------------------------------------------------


def webhooks_benchmark(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = migrated(url)
    try:
        log(f"[postgresql] seeding {args.accounts:,} accounts with one open link each")
        seeded = seed_portfolio(
            engine, "Webhooks", args.accounts, links=True, pairs=0.0, seed=args.seed
        )
        events = events_for(seeded.links, args.seed)
        log(f"[postgresql] {len(events):,} webhook events (20% duplicates), {WORKERS} workers")
        hooks = webhook_run(engine, events)
        hooks["check"] = check_links(engine, seeded.links)
        with engine.connect() as conn:
            hooks["check"]["stored_events"] = conn.execute(
                select(func.count()).select_from(ProviderEvent)
            ).scalar_one()
        log(f"[postgresql] baseline: {len(events):,} direct ledger rows, one commit each")
        base = baseline_run(engine, seeded.accounts, len(events))
        result: dict[str, Any] = {
            "accounts": args.accounts,
            "events": len(events),
            "duplicates": len(events) - args.accounts,
            "webhook": hooks,
            "baseline": base,
            "ratio": round(base["per_second"] / hooks["per_second"], 2),
        }
        hooks["ratio"], base["ratio"] = result["ratio"], 1.0
        if not args.skip_http:
            passes = [
                ("http", WORKERS, 1),
                ("http_concurrent", args.http_clients, args.server_workers),
            ]
            if args.http_sequential:
                passes.append(("http_sequential", 1, 1))
            for name, workers, server_workers in passes:
                log(
                    f"[postgresql] HTTP, {workers} client(s), {server_workers} server "
                    f"worker(s): {args.http_accounts:,} fresh links"
                )
                fresh = seed_portfolio(
                    engine, name, args.http_accounts, links=True, pairs=0.0, seed=args.seed + 1
                )
                run = http_run(url, events_for(fresh.links, args.seed + 1), workers, server_workers)
                run["clients"], run["server_workers"] = workers, server_workers
                run["check"] = check_links(engine, fresh.links)
                run["ratio"] = round(base["per_second"] / max(run["per_second"], 0.1), 2)
                result[name] = run
        result["balance_mismatches"] = balance_mismatches(engine)
        return result
    finally:
        engine.dispose()


def statement_benchmark(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = migrated(url)
    try:
        log(f"[{kind}] seeding {args.statement_accounts:,} accounts for the statement")
        seeded = seed_portfolio(
            engine, "Extractos", args.statement_accounts, links=False, pairs=0.1, seed=args.seed
        )
        admin_id = admin_user(engine)
        data, planned = statement_csv(seeded, args.lines, args.seed)
        log(f"[{kind}] uploading a {args.lines:,}-line statement ({len(data) / 1e6:.1f} MB)")
        with default_database(url):
            result = statement_run(engine, seeded, data, admin_id)
        log(f"[{kind}] baseline: {result['counts']['matched']:,} ledger rows in bulk chunks")
        base = bulk_baseline(engine, seeded.accounts, result["counts"]["matched"])
        result["baseline"] = base
        result["ratio"] = round(base["per_second"] / result["lines_per_second"], 2)
        result["planned"] = dict(planned)
        result["counts_as_planned"] = all(result["counts"][k] == v for k, v in planned.items())
        result["balance_mismatches"] = balance_mismatches(engine)
        log(f"[{kind}] {result['lines_per_second']:,} lines/s")
        return result
    finally:
        engine.dispose()


def environment(pg_url: str) -> dict[str, Any]:
    with create_engine(pg_url).connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": version,
    }


PATHS = (
    ("webhook", "handle_event, commit per event"),
    ("http", f"HTTP Stripe webhook, {WORKERS} clients"),
    ("http_concurrent", "HTTP, 32 conns, 2 uvicorn workers"),
    ("http_sequential", "HTTP Stripe webhook, 1 client"),
    ("baseline", "baseline: INSERT+UPDATE, commit"),
)


def print_table(results: dict[str, Any]) -> None:
    if "webhooks" in results:
        _print_webhooks(results["webhooks"])
    if results["statements"]:
        _print_statements(results)


def _print_webhooks(hooks: dict[str, Any]) -> None:
    print(
        f"\nWebhooks on PostgreSQL: {hooks['events']:,} events "
        f"({hooks['duplicates']:,} duplicates), shuffled"
    )
    print(
        f"{'path':<34}{'items':>8}{'done':>8}{'seconds':>9}{'per s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'ratio':>8}"
    )
    for key, name in PATHS:
        if key not in hooks:
            continue
        m = hooks[key]
        stalled = "  STALLED (server wedged)" if m.get("stalled") else ""
        print(
            f"{name:<34}{m['items']:>8,}{m['done']:>8,}{m['seconds']:>9}{m['per_second']:>9}"
            f"{m['p50_ms']:>9}{m['p99_ms']:>9}{m['ratio']:>8}{stalled}"
        )
    check = hooks["webhook"]["check"]
    print(
        f"ratio = baseline rows/s / events/s. Links paid exactly once: "
        f"{check['links_with_one_payment']:,}/{check['links']:,}; outcomes "
        f"{hooks['webhook']['outcomes']}; balance mismatches {hooks['balance_mismatches']}"
    )


def _print_statements(results: dict[str, Any]) -> None:
    print(f"\nBank statement of {results['lines']:,} lines")
    print(
        f"{'database':<12}{'match only s':>13}{'upload s':>10}{'to report s':>12}{'lines/s':>9}"
        f"{'base/s':>9}{'ratio':>7}  counts"
    )
    for kind, s in results["statements"].items():
        print(
            f"{kind:<12}{s['matching_only_seconds']:>13}{s['upload_seconds']:>10}"
            f"{s['upload_to_report_seconds']:>12}{s['lines_per_second']:>9}"
            f"{s['baseline']['per_second']:>9}{s['ratio']:>7}  {s['counts']}"
        )


def chart(results: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no chart (the JSON has every figure)")
        return
    if "webhooks" not in results or not results["statements"]:
        return
    hooks = results["webhooks"]
    keys = [key for key, _ in PATHS if key in hooks]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    left.bar(
        keys, [hooks[k]["per_second"] for k in keys], color=[f"C{i}" for i in range(len(keys))]
    )
    left.set_title(f"PostgreSQL: per second (baseline / webhook = {hooks['ratio']}x)")
    left.tick_params(axis="x", labelrotation=15)
    kinds = list(results["statements"])
    right.bar(kinds, [results["statements"][k]["upload_to_report_seconds"] for k in kinds])
    right.set_title(f"{results['lines']:,}-line statement: upload to report (s)")
    fig.tight_layout()
    fig.savefig(path)
    log(f"chart: {path}")


def main() -> None:
    parser_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser_.add_argument("--accounts", type=int, default=5000, help="links paid by webhooks")
    parser_.add_argument("--lines", type=int, default=50_000, help="statement lines")
    parser_.add_argument("--statement-accounts", type=int, default=20_000)
    parser_.add_argument("--skip-http", action="store_true", help="no webhooks over HTTP")
    parser_.add_argument("--http-accounts", type=int, default=1000)
    parser_.add_argument(
        "--http-clients", type=int, default=32, help="concurrent senders (Stripe's deliveries)"
    )
    parser_.add_argument("--server-workers", type=int, default=2, help="uvicorn processes")
    parser_.add_argument("--http-sequential", action="store_true", help="also 1 client")
    parser_.add_argument("--skip-sqlite", action="store_true")
    parser_.add_argument("--skip-webhooks", action="store_true", help="statements only")
    parser_.add_argument("--skip-statements", action="store_true", help="webhooks only")
    parser_.add_argument("--seed", type=int, default=7)
    parser_.add_argument("--pg-url", default=DEFAULT_PG, help="an existing database to connect to")
    args = parser_.parse_args()

    results: dict[str, Any] = {
        "lines": args.lines,
        "environment": environment(args.pg_url),
        "statements": {},
    }
    if not args.skip_webhooks:
        with postgres_database(args.pg_url, f"cobro_bench_pay_{os.getpid()}") as url:
            results["webhooks"] = webhooks_benchmark(url, args)
    if not args.skip_statements:
        with postgres_database(args.pg_url, f"cobro_bench_pay_{os.getpid()}") as url:
            results["statements"]["postgresql"] = statement_benchmark("postgresql", url, args)
    if not args.skip_sqlite and not args.skip_statements:
        with sqlite_database() as url:
            results["statements"]["sqlite"] = statement_benchmark("sqlite", url, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "payments.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"\nresults: {out}")
    chart(results, RESULTS / "payments.png")


if __name__ == "__main__":
    main()
