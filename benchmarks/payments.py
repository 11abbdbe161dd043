"""Payments benchmark: Stripe webhooks over HTTP on PostgreSQL against a bare endpoint, and the
booking of a 50,000-line bank statement against bulk ledger writes, each in the same run.

1. Webhooks. A fresh PostgreSQL database (``cobro_bench_pay_<pid>``, dropped at the end) is
   migrated; each pass seeds ``--accounts`` accounts (default 5,000), each with its debtor, its
   opening ledger charge and one open link for the balance, and makes one Stripe-shaped
   ``checkout.session.completed`` event per link (the fields and size of a real one, ~2 KB)
   plus 20% duplicates (events sent again), shuffled with a fixed seed.

   Every pass posts its events over ``--clients`` keep-alive connections (default 32: Stripe
   delivers concurrently) from one asyncio thread (``_common.post_concurrently``: a sender of a
   few microseconds a request, so the server is what is measured), to uvicorn with
   ``--server-workers`` processes (default 2):

   - ``bare``: ``benchmarks/bare_webhook_app.py``, the baseline: the JSON body parsed and its
     id inserted once (``ON CONFLICT DO NOTHING``), one commit per request, no signature;
   - ``webhook``: the real app, ``POST /api/v1/payments/webhooks/stripe``, each request
     signed for ``STRIPE_WEBHOOK_SECRET`` and verified by the ``stripe`` library, the events
     that arrive together handled as one group (``backend.payments.batching``);
   - ``before`` (with ``--before COMMIT``): the real app as it was at that commit, from
     ``git archive``, the same way.

   Each server is warmed up first; the passes alternate ``--repeat`` times (default 3), each on
   fresh links. Reported per pass, medians over the repeats: events/s (answers over wall
   time), p50/p99 latency, CPU milliseconds per event of the server processes, of the
   database's backends serving them and of the sender, and for the app the number of groups
   (one commit each). ``ratio = bare events/s / webhook events/s``. Checked on every pass:
   every answer 2xx, the outcomes (one ``processed`` per link, every duplicate
   ``duplicate``), exactly one payment per link; at the end, every balance equal to its
   ledger sum. A request unanswered after 30 s means the server is wedged: the pass stops and
   is reported ``stalled``.

2. Bank statement: ``--statement-accounts`` accounts (default 20,000; a tenth of the debtors
   with two accounts; ``--plans`` of them (default 10%) in an active plan of three
   instalments, ``--promises`` (default 5%) with an open promise) and a ``--lines`` CSV
   (default 50,000: 70% naming one account's reference (for an account in a plan, half of
   them for the first instalment's amount), 10% ambiguous (two references, or the document
   of a debtor with two accounts), 15% unmatched, 5% debits), uploaded through
   ``statements.service.upload_in_chunks`` (the background job's path: parse, then match and
   book 1,000 lines per committed transaction) and read back as the report: lines/s. Also
   timed: the in-memory matching alone, and a baseline in the same run: as many ledger rows
   as booked lines written directly in chunks of 1,000 (one multi-row INSERT and one batched
   balance UPDATE per commit); ``ratio = baseline rows/s / lines/s``. On PostgreSQL, and on
   SQLite unless ``--skip-sqlite``. Checked: the counts as planned, no balance off its ledger;
   ``booked_digest`` fingerprints what was booked where. With ``--before COMMIT`` this script
   also runs the statement benchmark on that commit's code first, on the same seed (digests
   equal: the same bookings).

Prints a table, writes ``benchmarks/results/payments.json`` and ``payments.png`` (matplotlib).

Usage: ``python benchmarks/payments.py [--accounts 5000] [--repeat 3] [--clients 32]
[--server-workers 2] [--before COMMIT] [--lines 50000] [--statement-accounts 20000]
[--plans 0.1] [--promises 0.05] [--skip-sqlite] [--skip-webhooks] [--skip-statements]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from sqlalchemy import Engine, bindparam, func, insert, select, text, update  # noqa: E402

from backend.accounts.models import Account  # noqa: E402
from backend.audit.service import Actor  # noqa: E402
from backend.core.clock import utcnow  # noqa: E402
from backend.core.db import make_engine, session_scope  # noqa: E402
from backend.core.migrate import upgrade  # noqa: E402
from backend.creditors.models import Creditor, Portfolio  # noqa: E402
from backend.debtors.models import Debtor, document_index  # noqa: E402
from backend.imports.commands import TerminalProgress  # noqa: E402
from backend.ledger.models import LedgerEntry  # noqa: E402
from backend.payments.models import Payment, PaymentLink, ProviderEvent  # noqa: E402
from backend.payments.providers import builtin  # noqa: E402
from backend.plans.models import Plan, PlanInstalment  # noqa: E402
from backend.promises.models import Promise  # noqa: E402
from backend.statements import parser, repository  # noqa: E402
from backend.statements import service as statements  # noqa: E402
from backend.statements.matching import Matcher  # noqa: E402
from backend.users.models import User  # noqa: E402
from benchmarks._common import (  # noqa: E402
    Running,
    cpu_seconds,
    default_database,
    environment,
    post_concurrently,
    postgres_database,
    server_process,
    source_tree,
    sqlite_database,
    stripe_signature,
)
from shared.schemas.enums import (  # noqa: E402
    AccountStatus,
    ActionChannel,
    EntryKind,
    LinkPurpose,
    NationalIdType,
    PlanKind,
    Role,
)

RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_PG = os.environ.get("COBRO_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
DUPLICATES = 0.20
HTTP_TIMEOUT = 30.0
WEBHOOK_SECRET = f"whsec_{secrets.token_hex(16)}"  # this run only
STRIPE_PATH = "/api/v1/payments/webhooks/stripe"
CHUNK = 2000
WARM_UP = 300  # events each server answers before it is measured


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
    engine: Engine,
    name: str,
    accounts: int,
    *,
    links: bool,
    pairs: float,
    seed: int,
    plans: float = 0.0,
    promises: float = 0.0,
) -> Seeded:
    """``accounts`` active PEN accounts (``pairs`` of the debtors own two), inserted in bulk;
    ``plans`` of them in an active plan of three monthly instalments, ``promises`` of the
    others with an open promise of a tenth of their balance."""
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
        # A Core insert skips the model's event that fills the document's blind index.
        debtors.append({**debtor.model_dump(), "id_number_index": document_index(number)})
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
    planned, promised = _agreements(rows, rnd, plans, promises)
    _insert(engine, Debtor, debtors)
    _insert(engine, Account, rows)
    _insert(engine, LedgerEntry, entries)
    _insert(engine, Plan, [plan for plan, _ in planned.values()])
    _insert(engine, PlanInstalment, [i for _, made in planned.values() for i in made])
    _insert(engine, Promise, promised)
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
            "instalment_minor": (
                planned[row["id"]][1][0]["amount_minor"] if row["id"] in planned else None
            ),
        }
        for row in rows
    ]
    return Seeded(portfolio.id, summary, made)


def _agreements(
    rows: list[dict[str, Any]], rnd: random.Random, plans: float, promises: float
) -> tuple[dict[uuid.UUID, tuple[dict[str, Any], list[dict[str, Any]]]], list[dict[str, Any]]]:
    """Active plans (with their instalments) and open promises for some of the accounts: the
    accounts in a plan are ``in_plan``."""
    planned: dict[uuid.UUID, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    promised: list[dict[str, Any]] = []
    made = utcnow() - timedelta(days=2)
    for row in rows:
        roll = rnd.random()
        balance = row["balance_minor"]
        if roll < plans:
            row["status"] = AccountStatus.in_plan
            plan = Plan(
                account_id=row["id"],
                kind=PlanKind.instalments,
                currency="PEN",
                balance_at_agreement_minor=balance,
                total_minor=balance,
                frequency="monthly",
                created_at=made,
            ).model_dump()
            share = balance // 3
            instalments = [
                PlanInstalment(
                    plan_id=plan["id"],
                    number=n,
                    due_date=date.today() + timedelta(days=30 * n - 20),
                    amount_minor=share if n < 3 else balance - 2 * share,
                    principal_minor=share if n < 3 else balance - 2 * share,
                ).model_dump()
                for n in (1, 2, 3)
            ]
            planned[row["id"]] = (plan, instalments)
        elif roll < plans + promises:
            promise = Promise(
                account_id=row["id"],
                amount_minor=balance // 10,
                currency="PEN",
                due_date=date.today() + timedelta(days=5),
                channel=ActionChannel.api,
                recorded_by_kind="agent",
                created_at=made,
            )
            promised.append(promise.model_dump())
    return planned, promised


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


def stripe_event(link: PaymentLink, created: int) -> dict[str, Any]:
    """A ``checkout.session.completed`` event for the link, with the fields (and so the size)
    of one Stripe sends (API 2024-06-20)."""
    event = builtin.sandbox_completion_event(link)
    session = event["data"]["object"]
    amount = session["amount_total"]
    session.update(
        adaptive_pricing={"enabled": False},
        after_expiration=None,
        allow_promotion_codes=None,
        amount_subtotal=amount,
        automatic_tax={"enabled": False, "liability": None, "status": None},
        billing_address_collection=None,
        cancel_url=link.url,
        client_secret=None,
        consent=None,
        consent_collection=None,
        created=created - 120,
        currency_conversion=None,
        custom_fields=[],
        custom_text={
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        customer=None,
        customer_creation="if_required",
        customer_details={
            "address": {
                "city": "Lima",
                "country": "PE",
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": "rosa.quispe@example.com",
            "name": "ROSA QUISPE",
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
        customer_email=None,
        expires_at=created + 86_400,
        invoice=None,
        invoice_creation={
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        livemode=False,
        locale="es",
        mode="payment",
        payment_link=None,
        payment_method_collection="if_required",
        payment_method_configuration_details=None,
        payment_method_options={"card": {"request_three_d_secure": "automatic"}},
        payment_method_types=["card"],
        phone_number_collection={"enabled": False},
        recovered_from=None,
        saved_payment_method_options=None,
        setup_intent=None,
        shipping_address_collection=None,
        shipping_cost=None,
        shipping_details=None,
        shipping_options=[],
        status="complete",
        submit_type=None,
        subscription=None,
        success_url=f"{link.url}?status=done",
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        ui_mode="hosted",
        url=None,
    )
    return {
        "id": event["id"],
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event["type"],
    }


def events_for(links: list[PaymentLink], seed: int) -> list[dict[str, Any]]:
    """One completion event per link, 20% of them again, shuffled."""
    rnd = random.Random(seed)
    created = int(time.time())
    events = [stripe_event(link, created) for link in links]
    events += rnd.sample(events, int(len(events) * DUPLICATES))
    rnd.shuffle(events)
    return events


def sign(payload: bytes) -> str:
    return stripe_signature(payload, WEBHOOK_SECRET)


def signed(events: list[dict[str, Any]]) -> list[tuple[bytes, dict[str, str]]]:
    """Each event as Stripe posts it: its JSON body and a fresh ``Stripe-Signature``."""
    requests = []
    for event in events:
        payload = json.dumps(event).encode()
        headers = {"Stripe-Signature": sign(payload), "Content-Type": "application/json"}
        requests.append((payload, headers))
    return requests


@dataclass(frozen=True, slots=True)
class Target:
    """A server under test: what it runs, where it answers."""

    name: str
    running: Running
    path: str


def backends(engine: Engine) -> list[int]:
    """Process ids of the database's other client connections (the servers'; autovacuum
    workers are left out)."""
    with engine.connect() as conn:
        query = text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return list(conn.execute(query).scalars())


def measure(
    engine: Engine, target: Target, requests: list[tuple[bytes, dict[str, str]]], clients: int
) -> dict[str, Any]:
    """One pass: the requests over ``clients`` connections; answers, latency and CPU time."""
    before_db = {pid: cpu_seconds([pid]) for pid in backends(engine)}
    before_server = cpu_seconds([target.running.pid], children=True)
    before_sender = time.process_time()
    started = time.perf_counter()
    latencies, answers, stalled = post_concurrently(
        target.running.base, target.path, requests, clients, HTTP_TIMEOUT
    )
    wall = time.perf_counter() - started
    sender = time.process_time() - before_sender
    served = cpu_seconds([target.running.pid], children=True) - before_server
    database = sum(cpu_seconds([pid]) - before_db.get(pid, 0.0) for pid in backends(engine))
    outcomes = Counter(
        str(json.loads(body)["outcome"]) if status == 200 else f"http_{status}"
        for status, body in answers
        if status
    )
    done = sum(n for outcome, n in outcomes.items() if not outcome.startswith("http_"))
    latencies.sort()
    per_event = 1000 / max(len(latencies), 1)
    return {
        "items": len(requests),
        "done": done,
        "stalled": stalled,
        "seconds": round(wall, 2),
        "per_second": round(done / wall, 1),
        "p50_ms": pct(latencies, 0.50),
        "p99_ms": pct(latencies, 0.99),
        "cpu_ms_per_event": {
            "server": round(served * per_event, 3),
            "postgres": round(database * per_event, 3),
            "sender": round(sender * per_event, 3),
        },
        "outcomes": dict(outcomes),
    }


def pct(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def groups(engine: Engine, events: list[dict[str, Any]]) -> int:
    """How many groups handled these events: each writes its outcomes at one time."""
    ids = list({str(event["id"]) for event in events})
    with engine.connect() as conn:
        query = select(func.count(func.distinct(ProviderEvent.processed_at))).where(
            ProviderEvent.event_id.in_(bindparam("ids", expanding=True))
        )
        return int(conn.execute(query, {"ids": ids}).scalar_one())


def bare_stored(engine: Engine, events: list[dict[str, Any]]) -> int:
    ids = list({str(event["id"]) for event in events})
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM bench_webhook_inbox WHERE event_id = ANY(:ids)")
        return int(conn.execute(query, {"ids": ids}).scalar_one())


def webhook_pass(
    engine: Engine, target: Target, args: argparse.Namespace, round_: int
) -> dict[str, Any]:
    """Fresh links, their events posted to the target, and the checks."""
    fresh = seed_portfolio(
        engine, f"{target.name} {round_}", args.accounts, links=True, pairs=0.0, seed=round_
    )
    events = events_for(fresh.links, args.seed + round_)
    log(f"  [{round_ + 1}/{args.repeat}] {target.name}: {len(events):,} events")
    result = measure(engine, target, signed(events), args.clients)
    expected = {"processed": len(fresh.links), "duplicate": len(events) - len(fresh.links)}
    result["outcomes_as_expected"] = result["outcomes"] == expected
    if target.name == "bare":
        result["check"] = {"stored_ids": bare_stored(engine, events)}
    else:
        result["check"] = check_links(engine, fresh.links)
        result["groups"] = groups(engine, events)
    log(
        f"      {result['per_second']:,} events/s, p50 {result['p50_ms']} ms, "
        f"{result['outcomes']}, CPU ms/event {result['cpu_ms_per_event']}"
    )
    return result


def warm_up(engine: Engine, target: Target) -> None:
    fresh = seed_portfolio(engine, f"warm {target.name}", WARM_UP, links=True, pairs=0, seed=1)
    post_concurrently(
        target.running.base, target.path, signed(events_for(fresh.links, 1)), 8, HTTP_TIMEOUT
    )


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repeats (each run kept under ``runs``)."""

    def median(values: list[Any]) -> Any:
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 3) if present else None

    cpu = {k: median([r["cpu_ms_per_event"][k] for r in runs]) for k in runs[0]["cpu_ms_per_event"]}
    result: dict[str, Any] = {
        "items": runs[0]["items"],
        "per_second": median([r["per_second"] for r in runs]),
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
        "cpu_ms_per_event": cpu,
        "all_answered": all(r["done"] == r["items"] and not r["stalled"] for r in runs),
        "outcomes_as_expected": all(r["outcomes_as_expected"] for r in runs),
        "runs": runs,
    }
    if "groups" in runs[0]:
        result["events_per_group"] = median([r["items"] / max(r["groups"], 1) for r in runs])
        result["paid_once"] = all(
            r["check"]["links_with_one_payment"] == r["check"]["links"] for r in runs
        )
    return result


@contextmanager
def targets(url: str, args: argparse.Namespace) -> Iterator[list[Target]]:
    """The servers under test, started (and stopped) together."""
    env = {"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    workers = args.server_workers
    with ExitStack() as stack:
        found = [
            Target(
                "bare",
                stack.enter_context(
                    server_process("benchmarks.bare_webhook_app:app", url, workers=workers)
                ),
                "/webhook",
            ),
            Target(
                "webhook",
                stack.enter_context(
                    server_process("backend.main:app", url, env=env, workers=workers)
                ),
                STRIPE_PATH,
            ),
        ]
        if args.before:
            tree = stack.enter_context(source_tree(args.before))
            running = server_process("backend.main:app", url, tree=tree, env=env, workers=workers)
            found.append(Target("before", stack.enter_context(running), STRIPE_PATH))
        yield found


def webhooks_benchmark(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = migrated(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("CREATE TABLE bench_webhook_inbox (event_id varchar(255) PRIMARY KEY)")
            )
        log(
            f"[postgresql] webhooks: {args.clients} connections, {args.server_workers} uvicorn "
            f"worker(s) per server, {args.repeat} rounds of {args.accounts:,} links"
        )
        runs: dict[str, list[dict[str, Any]]] = {}
        load = [os.getloadavg()[0]]
        with targets(url, args) as found:
            for target in found:
                warm_up(engine, target)
            for round_ in range(args.repeat):
                order = found if round_ % 2 == 0 else found[::-1]
                for target in order:
                    runs.setdefault(target.name, []).append(
                        webhook_pass(engine, target, args, round_)
                    )
                load.append(os.getloadavg()[0])
        result: dict[str, Any] = {name: summary(each) for name, each in runs.items()}
        bare = result["bare"]["per_second"]
        for name in runs:
            result[name]["ratio"] = round(bare / max(result[name]["per_second"], 0.1), 2)
        result.update(
            links_per_pass=args.accounts,
            events_per_pass=result["webhook"]["items"],
            clients=args.clients,
            server_workers=args.server_workers,
            repeat=args.repeat,
            before_commit=args.before,
            load_average=[round(x, 2) for x in load],
            balance_mismatches=balance_mismatches(engine),
        )
        return result
    finally:
        engine.dispose()


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
            account = rnd.choice(accounts)
            kind, text = "matched", f"ABONO {account['external_ref']} TRANSF"
            if account["instalment_minor"] and rnd.random() < 0.5:
                amount = account["instalment_minor"]  # pays the next instalment, if it is due
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


def booked_digest(engine: Engine, portfolio_id: uuid.UUID) -> str:
    """A fingerprint of everything the statement booked, free of ids and times (accounts by
    reference, instalments by number): two runs of the same file on the same seed match
    exactly when they booked the same money to the same places."""
    ref = Account.external_ref
    queries = [
        select(ref, Account.balance_minor, Account.status)
        .where(Account.portfolio_id == portfolio_id)
        .order_by(ref),
        select(ref, PlanInstalment.number, PlanInstalment.paid_minor, PlanInstalment.status)
        .join(Plan, Plan.account_id == Account.id)
        .join(PlanInstalment, PlanInstalment.plan_id == Plan.id)
        .where(Account.portfolio_id == portfolio_id)
        .order_by(ref, PlanInstalment.number),
        select(ref, Plan.status)
        .join(Plan, Plan.account_id == Account.id)
        .where(Account.portfolio_id == portfolio_id)
        .order_by(ref),
        select(ref, Promise.status, Promise.paid_minor)
        .join(Promise, Promise.account_id == Account.id)
        .where(Account.portfolio_id == portfolio_id)
        .order_by(ref),
        select(ref, Payment.amount_minor, Payment.paid_on, Payment.instalment_id.is_(None))
        .join(Payment, Payment.account_id == Account.id)
        .where(Account.portfolio_id == portfolio_id)
        .order_by(ref, Payment.paid_on, Payment.amount_minor),
    ]
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for query in queries:  # sorted whole: rows equal in the ORDER BY may come either way
            for row in sorted(tuple(str(value) for value in row) for row in conn.execute(query)):
                digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


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


def statement_benchmark(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = migrated(url)
    try:
        log(f"[{kind}] seeding {args.statement_accounts:,} accounts for the statement")
        seeded = seed_portfolio(
            engine,
            "Extractos",
            args.statement_accounts,
            links=False,
            pairs=0.1,
            seed=args.seed,
            plans=args.plans,
            promises=args.promises,
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
        result["accounts_in_plans"], result["accounts_with_promises"] = args.plans, args.promises
        result["counts_as_planned"] = all(result["counts"][k] == v for k, v in planned.items())
        result["booked_digest"] = booked_digest(engine, seeded.portfolio_id)
        result["balance_mismatches"] = balance_mismatches(engine)
        log(f"[{kind}] {result['lines_per_second']:,} lines/s")
        return result
    finally:
        engine.dispose()


def print_table(results: dict[str, Any]) -> None:
    if "webhooks" in results:
        _print_webhooks(results["webhooks"])
    if results["statements"]:
        _print_statements(results)


def _print_webhooks(hooks: dict[str, Any]) -> None:
    print(
        f"\nStripe webhooks on PostgreSQL: {hooks['events_per_pass']:,} events per pass "
        f"({hooks['links_per_pass']:,} links, 20% duplicates, shuffled), {hooks['clients']} "
        f"connections, {hooks['server_workers']} uvicorn workers; medians of {hooks['repeat']}"
    )
    print(
        f"{'pass':<10}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}"
        f"{'server':>8}{'pg':>7}{'sender':>8}{'ev/group':>10}  checks"
    )
    for name in ("bare", "webhook", "before"):
        if name not in hooks:
            continue
        m, cpu = hooks[name], hooks[name]["cpu_ms_per_event"]
        checks = "ok" if m["all_answered"] and m["outcomes_as_expected"] else "FAILED"
        if "paid_once" in m and not m["paid_once"]:
            checks = "PAID TWICE"
        group = m.get("events_per_group")
        print(
            f"{name:<10}{m['per_second']:>10}{m['p50_ms']:>9}{m['p99_ms']:>9}{m['ratio']:>7}"
            f"{cpu['server']:>8}{cpu['postgres']:>7}{cpu['sender']:>8}"
            f"{group if group is not None else '':>10}  {checks}"
        )
    print(
        "ratio = bare events/s / events/s; CPU in ms per event (server processes, their "
        f"PostgreSQL backends, the sender); load average {hooks['load_average']}; "
        f"balance mismatches {hooks['balance_mismatches']}"
    )


def _print_statements(results: dict[str, Any]) -> None:
    _print_statement_runs(results, "statements", "")
    if "statements_before" in results:
        _print_statement_runs(results, "statements_before", " (before)")
        now, before = results["statements"], results["statements_before"]
        speedups = ", ".join(
            f"{kind} {now[kind]['lines_per_second'] / before[kind]['lines_per_second']:.2f}x"
            for kind in now
            if kind in before
        )
        print(f"lines/s, this code against before: {speedups}")


def _print_statement_runs(results: dict[str, Any], key: str, label: str) -> None:
    print(f"\nBank statement of {results['lines']:,} lines{label}")
    print(
        f"{'database':<12}{'match only s':>13}{'upload s':>10}{'to report s':>12}{'lines/s':>9}"
        f"{'base/s':>9}{'ratio':>7}  checks  digest            counts"
    )
    for kind, s in results[key].items():
        checks = "ok" if s["counts_as_planned"] and not s["balance_mismatches"] else "FAILED"
        print(
            f"{kind:<12}{s['matching_only_seconds']:>13}{s['upload_seconds']:>10}"
            f"{s['upload_to_report_seconds']:>12}{s['lines_per_second']:>9}"
            f"{s['baseline']['per_second']:>9}{s['ratio']:>7}  {checks:<6}  "
            f"{s['booked_digest']}  {s['counts']}"
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
    names = [n for n in ("bare", "webhook", "before") if n in hooks]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    left.bar(names, [hooks[n]["per_second"] for n in names], color=[f"C{i}" for i in range(3)])
    left.set_title(f"PostgreSQL webhooks: events/s (bare / webhook = {hooks['webhook']['ratio']}x)")
    kinds = list(results["statements"])
    before = results.get("statements_before", {})
    width = 0.4 if before else 0.8
    now = [results["statements"][k]["lines_per_second"] for k in kinds]
    right.bar([i - width / 2 * bool(before) for i in range(len(kinds))], now, width, label="now")
    if before:
        then = [before[k]["lines_per_second"] if k in before else 0 for k in kinds]
        right.bar([i + width / 2 for i in range(len(kinds))], then, width, label="before")
        right.legend()
    right.set_xticks(range(len(kinds)), kinds)
    right.set_title(f"{results['lines']:,}-line statement: lines/s")
    fig.tight_layout()
    fig.savefig(path)
    log(f"chart: {path}")


def statements_before(args: argparse.Namespace) -> dict[str, Any]:
    """The statement benchmark (this script, on the same seed) run on the code of
    ``--before``: its results by database."""
    log(f"[before] the statement benchmark on {args.before}'s code")
    with source_tree(args.before) as tree:
        shutil.rmtree(tree / "benchmarks", ignore_errors=True)
        shutil.copytree(ROOT / "benchmarks", tree / "benchmarks")
        command = [sys.executable, "benchmarks/payments.py", "--skip-webhooks"]
        command += [
            "--lines",
            str(args.lines),
            "--statement-accounts",
            str(args.statement_accounts),
        ]
        command += ["--plans", str(args.plans), "--promises", str(args.promises)]
        command += ["--seed", str(args.seed), "--pg-url", args.pg_url]
        command += ["--skip-sqlite"] if args.skip_sqlite else []
        env = {**os.environ, "PYTHONPATH": str(tree)}
        subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
        before = json.loads((tree / "benchmarks" / "results" / "payments.json").read_text())
    return dict(before["statements"])


def main() -> None:
    parser_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser_.add_argument("--accounts", type=int, default=5000, help="links paid per pass")
    parser_.add_argument("--repeat", type=int, default=3, help="rounds of the webhook passes")
    parser_.add_argument(
        "--clients", type=int, default=32, help="concurrent connections (Stripe's deliveries)"
    )
    parser_.add_argument("--server-workers", type=int, default=2, help="uvicorn processes")
    parser_.add_argument("--before", help="also measure the app at this commit")
    parser_.add_argument("--lines", type=int, default=50_000, help="statement lines")
    parser_.add_argument("--statement-accounts", type=int, default=20_000)
    parser_.add_argument(
        "--plans", type=float, default=0.1, help="share of statement accounts in a plan"
    )
    parser_.add_argument("--promises", type=float, default=0.05, help="share with an open promise")
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
    if not args.skip_statements and args.before:
        results["statements_before"] = statements_before(args)
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
