"""Negotiation benchmark: the engine per call, the services over a database, the daily checks.

What is measured
----------------
1. **Engine** (pure, no database): ``--engine-accounts`` seeded random accounts (PEN and CLP,
   balances log-uniform from about S/ 30 to S/ 60,000, every aging bucket) under a realistic
   per-currency policy with overrides by bucket and by balance (:func:`policy_body`). For each
   account, interleaved so that machine noise hits every row alike, one call of:

   * the **baseline**: one plain ``schedule.build_schedule`` (12 monthly instalments, 10 % down,
     1.5 % a month), so a ratio says how many schedules' worth of work a call costs;
   * ``negotiation.engine.offers``;
   * ``negotiation.engine.evaluate`` of a seeded proposal: 40 % PlanByAmount, 35 % PlanByCount,
     25 % SettlementRequest, 10 % of them with ``insist``; also reported per proposal kind;
   * ``NegotiationPolicy.model_validate`` of the stored policy JSON, which
     ``policies.service.policy_of`` does on every service call and every judged promise.

   Per call: p50, p99, mean and calls per second (1 / mean, one core); ratio = p50 / baseline p50.

2. **Service layer** (``--service-accounts``, SQLite file and PostgreSQL): the same kind of
   accounts bulk-seeded into a migrated database; per account, each call in its own unit of
   work (session, service call, commit, as a request would): ``plans.service.generate_offers``
   (WhatsApp channel, so the self-service quota is checked), ``propose`` of the account's
   proposal and ``accept`` of the offer it returned (if any). Interleaved with the bare engine
   calls (``offers``, ``evaluate``) on the same snapshot, policy already parsed; ratio = service
   p50 / bare engine p50 (the database and service overhead). The first 20 accounts warm up.

3. **Daily checks** (PostgreSQL): a fresh database ``cobro_bench_neg_<pid>`` migrated with
   ``backend.core.migrate.upgrade`` and bulk-seeded with ``--accounts`` accounts (ledger
   entries summing to ``accounts.balance_minor``), ~30 % with an open promise (made 0-25 days
   ago, due past and future, some covered, partly covered or paid-then-reversed), ~20 % with an
   active plan (built with ``build_schedule``, payments allocated oldest first as
   ``plans.service.reallocate`` does, on track / stopped / partial / never paying), 3 % paid,
   2 % disputed, some open offers (expired or not) and resolved historic promises; then
   ``ANALYZE``. Timed: ``run_promise_check`` and ``run_plan_check``, each run twice; the second
   run must change nothing (every table count compared). Each run also counts SQL statements
   and the time spent inside the driver (cursor execute), so round trips and Python are told
   apart. The first-run outcomes are checked against an independent model of the seed.
   **Baseline**: ``SELECT account_id, sum(amount_minor) FROM ledger_entries GROUP BY
   account_id`` fully fetched, median of 3; ratio = job seconds / that scan.
   ``--profile`` also runs each first run under cProfile on a copy of the seeded database.

Prints a table, writes ``benchmarks/results/negotiation.json`` and ``negotiation.png`` (and
``negotiation_profile.txt`` with ``--profile``). Databases it creates are dropped at the end.

Usage: ``python benchmarks/negotiation.py [--accounts 100000] [--engine-accounts 10000]
[--service-accounts 1000] [--skip-postgres] [--profile] [--seed 7]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import backend.models  # noqa: F401  (registers every table)
from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.db import make_engine, new_session
from backend.core.errors import DomainError
from backend.core.ids import uuid7
from backend.core.migrate import upgrade
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor
from backend.ledger.models import LedgerEntry
from backend.negotiation import engine as negotiation
from backend.negotiation.breach import missed_instalments
from backend.negotiation.limits import required_down_payment
from backend.negotiation.policy import NegotiationPolicy, effective_policy
from backend.negotiation.proposals import PlanByAmount, PlanByCount, Proposal, SettlementRequest
from backend.negotiation.schedule import Frequency, ScheduleError, build_schedule
from backend.negotiation.settlement import max_settlement_discount
from backend.plans import service as plans
from backend.plans.models import Offer, Plan, PlanInstalment
from backend.plans.tasks import run_plan_check
from backend.promises.models import Promise
from backend.promises.tasks import run_promise_check
from backend.tasks.models import Task
from backend.users.models import User
from shared.money import to_decimal
from shared.schemas.enums import (
    BUCKET_RANGES,
    AccountStatus,
    ActionChannel,
    DebtorKind,
    EntryKind,
    InstalmentStatus,
    Language,
    NationalIdType,
    OfferStatus,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    Role,
    bucket_for,
)
from shared.schemas.negotiation import ProposalRequest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_URL = os.environ.get("COBRO_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
#: The engine part runs on a fixed date so its outcomes are the same on every run.
ENGINE_AS_OF = date(2025, 6, 16)
CURRENCIES: dict[str, tuple[str, str]] = {
    "PEN": ("PE", "America/Lima"),
    "CLP": ("CL", "America/Santiago"),
}
#: Minor units worth about one Peruvian sol (CLP has no decimals; roughly 250 CLP per sol).
PER_SOL = {"PEN": 100, "CLP": 250}
PROPOSAL_KINDS = ("plan_by_amount", "plan_by_count", "settlement")
SYSTEM = Actor.system()
BOT = Actor("bot")
WARM_UP = 20

began = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------- seeded data


def policy_body(currency: str) -> dict[str, Any]:
    """A realistic portfolio policy: stricter for young debt, longer and interest-free plans
    with bigger settlement discounts for old debt, longer plans for large balances."""
    unit = PER_SOL[currency]
    body: dict[str, Any] = {
        "currency": currency,
        "min_instalments": 2,
        "max_instalments": 12,
        "frequencies": ["monthly", "biweekly", "weekly"],
        "min_down_payment_bps": 1000,
        "min_instalment_minor": 50 * unit,
        "max_days_first_payment": 7,
        "monthly_interest_rate": "0.015",
        "max_plan_days": 366,
        "grace_days": 5,
        "missed_instalments_to_break": 2,
        "settlement_deadline_days": 7,
        "max_promise_days": 30,
        "overrides": [
            {
                "buckets": ["current", "1-30"],
                "frequencies": ["monthly"],
                "max_instalments": 6,
                "max_plan_days": 200,
                "grace_days": 3,
            },
            {
                "buckets": ["91-180", "181+"],
                "max_instalments": 24,
                "max_plan_days": 740,
                "monthly_interest_rate": "0",
                "min_down_payment_bps": 500,
                "grace_days": 10,
                "missed_instalments_to_break": 1,
                "settlement_discount_by_bucket": {"91-180": 3000, "181+": 5000},
            },
            {
                "min_balance_minor": 20_000 * unit,
                "max_instalments": 36,
                "max_plan_days": 1110,
                "min_down_payment_bps": 1500,
                "min_instalment_minor": 200 * unit,
            },
        ],
    }
    # Stored as the policies service stores it: validated, then dumped as JSON.
    return NegotiationPolicy.model_validate(body).model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class ProposalSpec:
    """A debtor's proposal with its dates as day offsets, so it can be made on any date."""

    kind: str  # plan_by_amount | plan_by_count | settlement
    amount_minor: int = 0  # the instalment (by amount) or the settlement amount
    instalments: int = 0
    frequency: Frequency = Frequency.MONTHLY
    day: int | None = None  # first_due / pay_on, days after the evaluation date
    down_minor: int | None = None
    down_bps: int | None = None
    insist: bool = False

    def proposal(self, as_of: date) -> Proposal:
        when = None if self.day is None else as_of + timedelta(days=self.day)
        if self.kind == "settlement":
            return SettlementRequest(self.amount_minor, when)
        if self.kind == "plan_by_amount":
            return PlanByAmount(self.amount_minor, self.frequency, when, None, self.down_bps)
        return PlanByCount(self.instalments, self.frequency, when, self.down_minor)

    def request(self, as_of: date, currency: str, channel: ActionChannel) -> ProposalRequest:
        when = None if self.day is None else as_of + timedelta(days=self.day)
        common: dict[str, Any] = {"insist": self.insist, "channel": channel}
        if self.kind == "settlement":
            return ProposalRequest(
                kind="settlement",
                settlement_amount=to_decimal(self.amount_minor, currency),
                pay_on=when,
                **common,
            )
        plan: dict[str, Any] = {"frequency": self.frequency.value, "first_due": when, **common}
        if self.kind == "plan_by_amount":
            percent = None if self.down_bps is None else Decimal(self.down_bps) / 100
            return ProposalRequest(
                kind="plan_by_amount",
                instalment_amount=to_decimal(self.amount_minor, currency),
                down_payment_percent=percent,
                **plan,
            )
        down = None if self.down_minor is None else to_decimal(self.down_minor, currency)
        return ProposalRequest(
            kind="plan_by_count", instalments=self.instalments, down_payment=down, **plan
        )


@dataclass(frozen=True, slots=True)
class AccountSpec:
    currency: str
    balance_minor: int
    days_past_due: int
    proposal: ProposalSpec


def random_proposal(rng: random.Random, balance: int) -> ProposalSpec:
    frequency = rng.choice(list(Frequency))
    insist = rng.random() < 0.10
    r = rng.random()
    if r < 0.40:
        return ProposalSpec(
            "plan_by_amount",
            amount_minor=max(1, round(balance * rng.uniform(0.03, 0.5))),
            frequency=frequency,
            day=None if rng.random() < 0.5 else rng.randint(0, 15),
            down_bps=rng.choice([0, 1000, 2000, 3000]) if rng.random() < 0.3 else None,
            insist=insist,
        )
    if r < 0.75:
        return ProposalSpec(
            "plan_by_count",
            instalments=rng.randint(1, 40),
            frequency=frequency,
            day=None if rng.random() < 0.5 else rng.randint(-2, 20),
            down_minor=round(balance * rng.uniform(0, 0.4)) if rng.random() < 0.3 else None,
            insist=insist,
        )
    return ProposalSpec(
        "settlement",
        amount_minor=max(1, round(balance * rng.uniform(0.4, 1.0))),
        day=None if rng.random() < 0.5 else rng.randint(-1, 14),
        insist=insist,
    )


def make_accounts(n: int, seed: int) -> list[AccountSpec]:
    """Seeded accounts: 60 % PEN / 40 % CLP, log-uniform balances, buckets uniform."""
    rng = random.Random(seed)
    buckets = list(BUCKET_RANGES.values())
    low, high = math.log(30), math.log(60_000)
    specs = []
    for _ in range(n):
        currency = "PEN" if rng.random() < 0.6 else "CLP"
        balance = max(1, round(math.exp(rng.uniform(low, high)) * PER_SOL[currency]))
        first, last = rng.choice(buckets)
        dpd = rng.randint(first, 900 if last is None else last)
        specs.append(AccountSpec(currency, balance, dpd, random_proposal(rng, balance)))
    return specs


# --------------------------------------------------------------------------- statistics


def stats(ns: np.ndarray) -> dict[str, float]:
    """Per-call figures from per-call nanoseconds."""
    us = ns.astype(np.float64) / 1000.0
    mean = float(us.mean())
    return {
        "calls": len(us),
        "p50_us": round(float(np.percentile(us, 50)), 2),
        "p99_us": round(float(np.percentile(us, 99)), 2),
        "mean_us": round(mean, 2),
        "calls_per_s": round(1e6 / mean, 1),
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


# --------------------------------------------------------------------------- 1. engine


def bench_engine(specs: list[AccountSpec], as_of: date) -> dict[str, Any]:
    """Interleaved per-call timings of the baseline schedule, offers, evaluate, policy parse."""
    policies = {c: NegotiationPolicy.model_validate(policy_body(c)) for c in CURRENCIES}
    stored = {c: policy_body(c) for c in CURRENCIES}
    names = ("build_schedule", "offers", "evaluate", "policy_validate")
    times = {name: np.empty(len(specs), dtype=np.int64) for name in names}
    kinds: list[str] = []
    statuses: Counter[str] = Counter()
    offer_counts: Counter[int] = Counter()
    rate = Decimal("0.015")
    clock = time.perf_counter_ns
    for spec in specs[: min(200, len(specs))]:  # warm-up, untimed
        snapshot = negotiation.AccountSnapshot(
            spec.balance_minor, spec.currency, spec.days_past_due
        )
        negotiation.offers(snapshot, policies[spec.currency], as_of)
        negotiation.evaluate(
            snapshot, policies[spec.currency], spec.proposal.proposal(as_of), as_of
        )
    step = max(1, len(specs) // 10)
    for i, spec in enumerate(specs):
        policy = policies[spec.currency]
        snapshot = negotiation.AccountSnapshot(
            spec.balance_minor, spec.currency, spec.days_past_due
        )
        proposal = spec.proposal.proposal(as_of)
        down = -(-spec.balance_minor // 10)
        t0 = clock()
        build_schedule(
            spec.balance_minor,
            spec.currency,
            12,
            Frequency.MONTHLY,
            as_of + timedelta(days=7),
            rate,
            down_payment_minor=down,
            as_of=as_of,
        )
        t1 = clock()
        offers = negotiation.offers(snapshot, policy, as_of)
        t2 = clock()
        evaluation = negotiation.evaluate(
            snapshot, policy, proposal, as_of, insist=spec.proposal.insist
        )
        t3 = clock()
        NegotiationPolicy.model_validate(stored[spec.currency])
        t4 = clock()
        times["build_schedule"][i] = t1 - t0
        times["offers"][i] = t2 - t1
        times["evaluate"][i] = t3 - t2
        times["policy_validate"][i] = t4 - t3
        kinds.append(spec.proposal.kind)
        statuses[f"{spec.proposal.kind}:{evaluation.status.value}"] += 1
        offer_counts[len(offers)] += 1
        if (i + 1) % step == 0:
            log(f"engine: {i + 1:,}/{len(specs):,} accounts")
    calls = {name: stats(values) for name, values in times.items()}
    kind_array = np.array(kinds)
    for kind in PROPOSAL_KINDS:
        selected = times["evaluate"][kind_array == kind]
        if len(selected):
            calls[f"evaluate:{kind}"] = stats(selected)
    base = calls["build_schedule"]["p50_us"]
    for row in calls.values():
        row["ratio_to_build_schedule_p50"] = ratio(row["p50_us"], base)
    return {
        "as_of": as_of.isoformat(),
        "accounts": len(specs),
        "calls": calls,
        "evaluation_outcomes": dict(sorted(statuses.items())),
        "offers_per_account": {str(k): v for k, v in sorted(offer_counts.items())},
        "samples_us": {
            name: (times[name][:: max(1, len(specs) // 2000)] / 1000).round(1).tolist()
            for name in ("offers", "evaluate", "build_schedule")
        },
    }


# --------------------------------------------------------------------------- databases


def pg_admin() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def create_pg_database(admin: Engine, name: str, template: str | None = None) -> None:
    suffix = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))


def drop_pg_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrated(url: str) -> Engine:
    db = make_engine(url)
    with db.begin() as conn:
        upgrade(conn)
    return db


def bulk_insert(
    session: Session, model: Any, rows: list[dict[str, Any]], chunk: int = 5000
) -> None:
    table = model.__table__
    for start in range(0, len(rows), chunk):
        session.execute(insert(table), rows[start : start + chunk])


def at(day: date, tz: ZoneInfo, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time on ``day`` as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


FIRST_NAMES = ("Rosa", "Juan", "María", "Luis", "Carmen", "José", "Ana", "Pedro", "Lucía", "Jorge")
LAST_NAMES = ("Quispe", "Flores", "Rojas", "Huamán", "González", "Muñoz", "Soto", "Díaz", "Vargas")


@dataclass
class PortfolioInfo:
    id: Any
    currency: str
    tz: ZoneInfo
    today: date
    policy: NegotiationPolicy


class Rows:
    """Rows per table, flushed in foreign-key order."""

    ORDER: tuple[tuple[str, Any], ...] = (
        ("users", User),
        ("creditors", Creditor),
        ("portfolios", Portfolio),
        ("debtors", Debtor),
        ("accounts", Account),
        ("ledger", LedgerEntry),
        ("reversals", LedgerEntry),  # after the entries they reverse
        ("offers", Offer),
        ("plans", Plan),
        ("instalments", PlanInstalment),
        ("promises", Promise),
        ("tasks", Task),
    )

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.tables[table].append(row)
        return row

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())

    def flush(self, db: Engine) -> int:
        written = self.count()
        with Session(db) as session:
            for name, model in self.ORDER:
                if self.tables.get(name):
                    bulk_insert(session, model, self.tables[name])
            session.commit()
        self.tables.clear()
        return written


def creditor_and_portfolios(
    rows: Rows, currencies: list[str], now: datetime, tag: str
) -> list[PortfolioInfo]:
    infos = []
    for i, currency in enumerate(currencies):
        country, tz = CURRENCIES[currency]
        creditor = rows.add(
            "creditors",
            {
                "id": uuid7(),
                "name": f"Bench {tag} creditor {i}",
                "tax_id": None,
                "country": country,
                "created_at": now,
            },
        )
        body = policy_body(currency)
        portfolio = rows.add(
            "portfolios",
            {
                "id": uuid7(),
                "creditor_id": creditor["id"],
                "name": f"Bench {tag} {currency} {i}",
                "currency": currency,
                "country": country,
                "timezone": tz,
                "negotiation_policy": body,
                "contact_rules": {},
                "created_at": now,
            },
        )
        infos.append(
            PortfolioInfo(
                portfolio["id"],
                currency,
                ZoneInfo(tz),
                today_in(tz),
                NegotiationPolicy.model_validate(body),
            )
        )
    return infos


def debtor_and_account(
    rows: Rows,
    rng: random.Random,
    i: int,
    portfolio: PortfolioInfo,
    *,
    principal: int,
    due_date: date,
    origination: date,
    status: AccountStatus,
    agent: Any,
    now: datetime,
) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    id_number = f"{i:08d}"
    debtor = rows.add(
        "debtors",
        {
            "id": uuid7(),
            "portfolio_id": portfolio.id,
            "kind": DebtorKind.person,
            "id_type": NationalIdType.DNI if portfolio.currency == "PEN" else NationalIdType.RUT,
            "id_number": id_number,
            "first_name": first,
            "last_name": last,
            "company_name": None,
            "birth_date": None,
            "emails": [],
            "preferred_language": Language.es,
            "preferred_channel": None,
            "opt_outs": [],
            "search_text": f"{first} {last} {id_number}".lower(),
            "created_at": now,
            "updated_at": now,
        },
    )
    return rows.add(
        "accounts",
        {
            "id": uuid7(),
            "portfolio_id": portfolio.id,
            "debtor_id": debtor["id"],
            "external_ref": f"BENCH-{i:09d}",
            "product": "Tarjeta de crédito",
            "principal_minor": principal,
            "currency": portfolio.currency,
            "origination_date": origination,
            "due_date": due_date,
            "status": status,
            "assigned_agent_id": agent,
            "balance_minor": 0,  # set to the sum of its entries by ``entry``
            "created_at": now,
            "updated_at": now,
        },
    )


@dataclass(frozen=True, slots=True)
class Book:
    """Posts ledger entries of one account, keeping ``balance_minor`` equal to their sum."""

    rows: Rows
    account: dict[str, Any]
    tz: ZoneInfo

    def post(
        self,
        kind: EntryKind,
        amount: int,
        day: date,
        key: str,
        source: str = "cash",
        *,
        reverses: dict[str, Any] | None = None,
        hour: int = 12,
    ) -> dict[str, Any]:
        """One entry of signed ``amount`` effective on ``day``, booked at ``hour`` local time."""
        self.account["balance_minor"] += amount
        return self.rows.add(
            "reversals" if reverses else "ledger",
            {
                "id": uuid7(),
                "account_id": self.account["id"],
                "kind": kind,
                "amount_minor": amount,
                "currency": self.account["currency"],
                "effective_date": day,
                "source": source,
                "idempotency_key": key,
                "reverses_entry_id": reverses["id"] if reverses else None,
                "description": None,
                "created_by_id": None,
                "created_at": at(day, self.tz, hour),
            },
        )


def users(rows: Rows, now: datetime, tag: str) -> list[Any]:
    """5 supervisors with 10 agents each; returns the agent ids."""
    agents = []
    for s in range(5):
        supervisor = rows.add(
            "users", user_row(f"sup{s}-{tag}@bench.cobro", Role.supervisor, None, now)
        )
        for a in range(10):
            email = f"agent{s}-{a}-{tag}@bench.cobro"
            agents.append(
                rows.add("users", user_row(email, Role.agent, supervisor["id"], now))["id"]
            )
    return agents


def user_row(email: str, role: Role, supervisor: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "email": email,
        "full_name": email.split("@")[0],
        "password_hash": "not-a-hash-benchmark-users-never-log-in",
        "role": role,
        "supervisor_id": supervisor,
        "language": Language.es,
        "is_active": True,
        "created_at": now,
    }


# --------------------------------------------------------------------------- 2. service layer


def seed_plain(
    db: Engine, specs: list[AccountSpec]
) -> list[tuple[Any, AccountSpec, PortfolioInfo]]:
    """One portfolio per currency; each spec becomes an active account with one charge."""
    rng = random.Random(11)
    rows = Rows()
    now = utcnow()
    infos = {p.currency: p for p in creditor_and_portfolios(rows, list(CURRENCIES), now, "svc")}
    seeded = []
    for i, spec in enumerate(specs):
        portfolio = infos[spec.currency]
        dpd = spec.days_past_due
        due = portfolio.today - timedelta(days=dpd) if dpd else portfolio.today + timedelta(days=10)
        origination = due - timedelta(days=365)
        account = debtor_and_account(
            rows,
            rng,
            i,
            portfolio,
            principal=spec.balance_minor,
            due_date=due,
            origination=origination,
            status=AccountStatus.active,
            agent=None,
            now=now,
        )
        book = Book(rows, account, portfolio.tz)
        book.post(
            EntryKind.charge,
            spec.balance_minor,
            origination,
            "origination:principal",
            "origination",
        )
        seeded.append((account["id"], spec, portfolio))
    rows.flush(db)
    return seeded


class SqlMeter:
    """Counts statements and the seconds spent inside cursor execute, by statement kind."""

    _TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)

    def __init__(self, db: Engine) -> None:
        self.reset()
        event.listen(db, "before_cursor_execute", self._before)
        event.listen(db, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self._start = 0.0

    def _before(self, *_args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        elapsed = time.perf_counter() - self._start
        self.count += 1
        self.seconds += elapsed
        kind = self.kinds[self.kind_of(statement)]
        kind[0] += 1
        kind[1] += elapsed

    @classmethod
    def kind_of(cls, statement: str) -> str:
        words = statement.split(None, 1)
        verb = words[0].upper() if words else "?"
        table = cls._TABLE.search(statement)
        name = f"{verb} {table.group(1)}" if table else verb
        return name + (" FOR UPDATE" if "FOR UPDATE" in statement else "")

    def top(self, k: int = 10) -> list[dict[str, Any]]:
        ordered = sorted(self.kinds.items(), key=lambda item: -item[1][1])[:k]
        return [
            {"statement": name, "count": int(count), "seconds": round(seconds, 3)}
            for name, (count, seconds) in ordered
        ]


def unit_of_work(db: Engine, call: Callable[[Session], Any]) -> tuple[Any, int]:
    """``core.db.session_scope`` spelled out so the commit is timed: (result, commit ns)."""
    session = new_session(db)
    try:
        result = call(session)
        started = time.perf_counter_ns()
        session.commit()
        return result, time.perf_counter_ns() - started
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SERVICE_CALLS = ("generate_offers", "propose", "accept")


def bench_service(label: str, db: Engine, specs: list[AccountSpec]) -> dict[str, Any]:
    """Service calls, one unit of work each, beside the bare engine on the same snapshot.

    Besides the wall time of each call, records its SQL statements, the time inside cursor
    execute and the commit, so the overhead can be split into engine, SQL, commit and the rest
    (ORM, validation, audit rows)."""
    log(f"service/{label}: seeding {len(specs):,} accounts")
    seeded = seed_plain(db, specs)
    meter = SqlMeter(db)
    policies = {c: NegotiationPolicy.model_validate(policy_body(c)) for c in CURRENCIES}
    times: dict[str, list[int]] = defaultdict(list)
    parts: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in SERVICE_CALLS}
    outcomes: Counter[str] = Counter()
    clock = time.perf_counter_ns
    step = max(1, len(seeded) // 5)

    def measured(name: str, record: bool, call: Callable[[Session], Any]) -> Any:
        meter.reset()
        started = clock()
        result, commit_ns = unit_of_work(db, call)
        if record:
            times[name].append(clock() - started)
            parts[name]["sql_statements"].append(meter.count)
            parts[name]["sql_execute_us"].append(meter.seconds * 1e6)
            parts[name]["commit_us"].append(commit_ns / 1000)
        return result

    for i, (account_id, spec, portfolio) in enumerate(seeded):
        record = i >= WARM_UP
        today = today_in(portfolio.tz.key)
        snapshot = negotiation.AccountSnapshot(
            spec.balance_minor, spec.currency, spec.days_past_due
        )
        policy = policies[spec.currency]
        proposal = spec.proposal.proposal(today)
        request = spec.proposal.request(today, spec.currency, ActionChannel.whatsapp)
        t0 = clock()
        negotiation.offers(snapshot, policy, today, issued_at=utcnow())
        t1 = clock()
        measured(
            "generate_offers",
            record,
            lambda s, a=account_id: plans.generate_offers(s, BOT, a, ActionChannel.whatsapp),
        )
        t2 = clock()
        negotiation.evaluate(
            snapshot, policy, proposal, today, insist=spec.proposal.insist, issued_at=utcnow()
        )
        t3 = clock()
        outcome = measured(
            "propose", record, lambda s, a=account_id, r=request: plans.propose(s, BOT, a, r)
        )
        outcomes[outcome.status.value] += 1
        if record:
            times["bare_offers"].append(t1 - t0)
            times["bare_evaluate"].append(t3 - t2)
        if outcome.offer is not None:
            offer_id = outcome.offer.id
            try:
                measured(
                    "accept",
                    record,
                    lambda s, o=offer_id: plans.accept(s, BOT, o, ActionChannel.whatsapp),
                )
                outcomes["accepted_plan"] += 1
            except DomainError as exc:
                outcomes[f"accept_refused:{exc.message_key}"] += 1
        if (i + 1) % step == 0:
            log(f"service/{label}: {i + 1:,}/{len(seeded):,} accounts")
    order = ("bare_offers", "generate_offers", "bare_evaluate", "propose", "accept")
    calls = {name: stats(np.array(times[name])) for name in order if times[name]}
    for name, bare in (("generate_offers", "bare_offers"), ("propose", "bare_evaluate")):
        calls[name]["ratio_to_bare_engine_p50"] = ratio(
            calls[name]["p50_us"], calls[bare]["p50_us"]
        )
    for name in SERVICE_CALLS:
        for part, values in parts[name].items():
            if values and name in calls:
                calls[name][f"{part}_median"] = round(statistics.median(values), 1)
    return {
        "accounts": len(seeded) - WARM_UP,
        "warm_up_accounts": WARM_UP,
        "calls": calls,
        "outcomes": dict(sorted(outcomes.items())),
    }


# --------------------------------------------------------------------------- 3. daily checks


@dataclass
class Expected:
    """What the first runs must find, from an independent model of the seeded data."""

    promises_open: int = 0
    kept: int = 0
    partially_kept: int = 0
    broken: int = 0
    still_open: int = 0
    # Promises the documented rule (money from the promise's *local* day) judges differently
    # from the backend, which takes the UTC date of ``created_at``.
    promise_local_day_disagreements: int = 0
    plans_active: int = 0
    plans_broken: int = 0
    plans_still_active: int = 0
    instalments_newly_missed: int = 0
    interest_reversals: int = 0
    offers_expired: int = 0
    seed_mix: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class Due:
    due_date: date
    amount_minor: int


def dpd_on(balance: int, due: date, today: date) -> int:
    """``aging.days_past_due`` on plain values."""
    return 0 if balance <= 0 or due >= today else (today - due).days


class DailySeeder:
    """Builds the rows of the daily-check database, account by account, and the expectation."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.rows = Rows()
        self.expected = Expected()
        self.agents = users(self.rows, now, f"{os.getpid()}")
        currencies = ["PEN", "PEN", "CLP", "CLP"]
        self.portfolios = creditor_and_portfolios(self.rows, currencies, now, "daily")
        self.by_currency = {c: [p for p in self.portfolios if p.currency == c] for c in CURRENCIES}

    def account(self, i: int, spec: AccountSpec) -> None:
        rng, now = self.rng, self.now
        portfolio = rng.choice(self.by_currency[spec.currency])
        today, tz = portfolio.today, portfolio.tz
        dpd = spec.days_past_due
        due = today - timedelta(days=dpd) if dpd else today + timedelta(days=rng.randint(1, 25))
        origination = due - timedelta(days=rng.randint(60, 720))
        agent = rng.choice(self.agents) if rng.random() < 0.7 else None
        principal = spec.balance_minor
        category = rng.random()
        status = (
            AccountStatus.paid
            if category < 0.03
            else AccountStatus.disputed
            if category < 0.05
            else AccountStatus.in_plan
            if 0.35 <= category < 0.55
            else AccountStatus.active
        )
        account = debtor_and_account(
            self.rows,
            rng,
            i,
            portfolio,
            principal=principal,
            due_date=due,
            origination=origination,
            status=status,
            agent=agent,
            now=now,
        )
        book = Book(self.rows, account, tz)
        book.post(EntryKind.charge, principal, origination, "origination:principal", "origination")
        if due + timedelta(days=5) < today and rng.random() < 0.25:
            fee = max(1, principal * 3 // 100)
            book.post(EntryKind.fee, fee, due + timedelta(days=5), "fee:late", "collections")
        latest_history = min(today - timedelta(days=35), origination + timedelta(days=400))
        if latest_history > origination and rng.random() < 0.35:
            day = origination + timedelta(days=rng.randint(1, (latest_history - origination).days))
            amount = max(1, round(principal * rng.uniform(0.05, 0.3)))
            paid = book.post(EntryKind.payment, -amount, day, "payment:history")
            if rng.random() < 0.05:
                book.post(
                    EntryKind.reversal,
                    amount,
                    day + timedelta(days=3),
                    "payment:history:reversal",
                    reverses=paid,
                )
        if category < 0.03:
            self.expected.seed_mix["paid"] += 1
            day = today - timedelta(days=rng.randint(1, 30))
            book.post(EntryKind.payment, -account["balance_minor"], day, "payment:full", "transfer")
        elif category < 0.05:
            self.expected.seed_mix["disputed"] += 1
        elif category < 0.35:
            self.promise(book, portfolio, due)
        elif category < 0.55:
            self.plan(book, portfolio, due)
        else:
            self.expected.seed_mix["no_arrangement"] += 1
            if rng.random() < 0.2:
                self.historic_promise(account, portfolio)
            if rng.random() < 0.05:
                self.offers(account)

    def promise(self, book: Book, portfolio: PortfolioInfo, due_date: date) -> None:
        rng, rows, tz, today = self.rng, self.rows, portfolio.tz, portfolio.today
        account = book.account
        balance0 = account["balance_minor"]
        made = today - timedelta(days=rng.randint(0, 25))
        created_at = at(
            made,
            tz,
            rng.randint(9, 18) if rng.random() < 0.85 else rng.randint(19, 23),
            rng.randint(0, 59),
        )
        limits = effective_policy(
            portfolio.policy, bucket_for(dpd_on(balance0, due_date, made)), balance0
        )
        due = made + timedelta(days=rng.randint(0, limits.max_promise_days))
        amount = max(1, min(balance0 - 1, round(balance0 * rng.uniform(0.05, 0.6))))
        payments: list[tuple[date, int]] = []

        def pay_day(latest: date) -> date:
            return made + timedelta(days=rng.randint(0, max(0, (min(latest, today) - made).days)))

        behaviour = rng.random()
        if behaviour < 0.35 and balance0 > 1:
            mix = "covered"
            day = pay_day(due)
            book.post(EntryKind.payment, -amount, day, "promise:payment", hour=20)
            payments.append((day, amount))
        elif behaviour < 0.50 and amount > 1:
            mix = "partly_covered"
            part = max(1, round(amount * rng.uniform(0.2, 0.8)))
            day = pay_day(today)
            book.post(EntryKind.payment, -part, day, "promise:payment", hour=20)
            payments.append((day, part))
        elif behaviour < 0.53 and made < today and balance0 > 1:
            mix = "paid_then_reversed"
            day = pay_day(today - timedelta(days=1))
            paid = book.post(EntryKind.payment, -amount, day, "promise:payment")
            back = day + timedelta(days=1)
            book.post(EntryKind.reversal, amount, back, "promise:payment:reversal", reverses=paid)
            payments += [(day, amount), (back, -amount)]
        else:
            mix = "no_payment"
        self.expected.seed_mix[f"promise:{mix}"] += 1
        rows.add(
            "promises",
            {
                "id": uuid7(),
                "account_id": account["id"],
                "amount_minor": amount,
                "currency": account["currency"],
                "due_date": due,
                "channel": rng.choice([ActionChannel.agent, ActionChannel.whatsapp]),
                "recorded_by_kind": "agent",
                "recorded_by_id": None,
                "status": PromiseStatus.open,
                "paid_minor": 0,
                "superseded_by_id": None,
                "client_id": None,
                "created_at": created_at,
                "resolved_at": None,
            },
        )
        # What the daily job must decide today, with the grace of the account as it is now.
        balance = account["balance_minor"]
        grace = effective_policy(
            portfolio.policy, bucket_for(dpd_on(balance, due_date, today)), max(balance, 0)
        ).grace_days
        deadline = due + timedelta(days=grace)

        def outcome(start: date) -> str:
            paid = sum(value for day, value in payments if start <= day <= deadline)
            if paid >= amount:
                return "kept"
            if today <= deadline:
                return "still_open"
            return "partially_kept" if paid > 0 else "broken"

        backend_rule = outcome(created_at.date())  # the UTC date, as the service does
        expected = self.expected
        expected.promises_open += 1
        setattr(expected, backend_rule, getattr(expected, backend_rule) + 1)
        if outcome(made) != backend_rule:
            expected.promise_local_day_disagreements += 1

    def historic_promise(self, account: dict[str, Any], portfolio: PortfolioInfo) -> None:
        made = portfolio.today - timedelta(days=self.rng.randint(60, 120))
        status = self.rng.choice([PromiseStatus.kept, PromiseStatus.broken])
        self.rows.add(
            "promises",
            {
                "id": uuid7(),
                "account_id": account["id"],
                "amount_minor": max(1, account["balance_minor"] // 4),
                "currency": account["currency"],
                "due_date": made + timedelta(days=7),
                "channel": ActionChannel.agent,
                "recorded_by_kind": "agent",
                "recorded_by_id": None,
                "status": status,
                "paid_minor": 0,
                "superseded_by_id": None,
                "client_id": None,
                "created_at": at(made, portfolio.tz, 11),
                "resolved_at": at(made + timedelta(days=13), portfolio.tz, 6),
            },
        )

    def offers(self, account: dict[str, Any]) -> None:
        """An open batch of 3 offers, expired (made 56-96 h ago) or not (1-40 h ago)."""
        hours = self.rng.choice([self.rng.randint(1, 40), self.rng.randint(56, 96)])
        created = self.now - timedelta(hours=hours)
        batch = uuid7()
        for kind in ("settlement", "fewest_instalments", "lowest_instalment"):
            self.rows.add(
                "offers",
                {
                    "id": uuid7(),
                    "account_id": account["id"],
                    "kind": kind,
                    "plan_kind": PlanKind.settlement
                    if kind == "settlement"
                    else PlanKind.instalments,
                    "balance_minor": account["balance_minor"],
                    "currency": account["currency"],
                    "total_minor": account["balance_minor"],
                    "discount_minor": 0,
                    "frequency": None if kind == "settlement" else "monthly",
                    "monthly_rate": Decimal(0),
                    "schedule": [],
                    "explanation": [],
                    "status": OfferStatus.open,
                    "channel": ActionChannel.whatsapp,
                    "batch_id": batch,
                    "expires_at": created + timedelta(hours=48),
                    "created_at": created,
                },
            )
        if hours > 48:
            self.expected.offers_expired += 3

    def plan(self, book: Book, portfolio: PortfolioInfo, due_date: date) -> None:
        rng, rows, tz, today = self.rng, self.rows, portfolio.tz, portfolio.today
        account = book.account
        balance0 = account["balance_minor"]
        settlement = rng.random() < 0.15
        agreed = today - timedelta(days=rng.randint(0, 12) if settlement else rng.randint(3, 240))
        limits = effective_policy(
            portfolio.policy, bucket_for(dpd_on(balance0, due_date, agreed)), balance0
        )
        plan_id = uuid7()
        schedule = None
        if not settlement:
            frequency = rng.choice(sorted(limits.frequencies))
            try:
                schedule = build_schedule(
                    balance0,
                    account["currency"],
                    rng.randint(limits.min_instalments, limits.max_instalments),
                    frequency,
                    agreed + timedelta(days=rng.randint(0, limits.max_days_first_payment)),
                    limits.monthly_interest_rate,
                    down_payment_minor=required_down_payment(limits, balance0),
                    as_of=agreed,
                )
            except ScheduleError:
                schedule = None
        if schedule is None:
            discount = max_settlement_discount(limits, balance0)
            amount = balance0 - discount
            pay_on = agreed + timedelta(days=rng.randint(0, limits.settlement_deadline_days))
            dues = [(1, pay_on, amount, amount, 0)]
            kind, frequency_value, rate, total = PlanKind.settlement, None, Decimal(0), amount
        else:
            discount = 0
            dues = [
                (i.number, i.due_date, i.amount_minor, i.principal_minor, i.interest_minor)
                for i in schedule.instalments
            ]
            kind, frequency_value = PlanKind.instalments, schedule.frequency.value
            rate, total = schedule.monthly_rate, schedule.total_minor
        interest = sum(d[4] for d in dues)
        if interest > 0:
            book.post(
                EntryKind.interest, interest, agreed, f"plan:{plan_id}:interest", "plan", hour=10
            )
        # Payments on the instalments due so far, by behaviour; never the whole plan (a fully
        # paid plan would be completed, not active).
        due_so_far = [d for d in dues if d[1] <= today]
        behaviour = rng.random()
        if behaviour < 0.55:
            mix, paid_rows = "on_track", [(d[1], d[2]) for d in due_so_far]
        elif behaviour < 0.75:
            mix = "stopped_paying"
            keep = max(0, len(due_so_far) - rng.randint(1, 3))
            paid_rows = [(d[1], d[2]) for d in due_so_far[:keep]]
        elif behaviour < 0.85:
            mix, paid_rows = "half_paying", [(d[1], max(1, d[2] // 2)) for d in due_so_far]
        else:
            mix, paid_rows = "never_paid", []
        if paid_rows and sum(amount for _, amount in paid_rows) >= total:
            paid_rows = paid_rows[:-1]
        self.expected.seed_mix[f"plan:{kind.value}:{mix}"] += 1
        for k, (day, amount) in enumerate(paid_rows):
            book.post(EntryKind.payment, -amount, day, f"plan-payment:{k}", hour=15)
        rows.add(
            "plans",
            {
                "id": plan_id,
                "account_id": account["id"],
                "offer_id": None,
                "kind": kind,
                "status": PlanStatus.active,
                "currency": account["currency"],
                "balance_at_agreement_minor": balance0,
                "total_minor": total,
                "discount_minor": discount,
                "frequency": frequency_value,
                "monthly_rate": rate,
                "grace_days": limits.grace_days,
                "missed_to_break": limits.missed_instalments_to_break,
                "channel": rng.choice([ActionChannel.agent, ActionChannel.whatsapp]),
                "created_by_id": None,
                "created_at": at(agreed, tz, 9),
                "closed_at": None,
            },
        )
        remaining = sum(amount for _, amount in paid_rows)
        received = remaining
        newly_missed = 0
        for number, day, amount, principal, interest_part in dues:
            paid = min(remaining, amount)
            remaining -= paid
            rows.add(
                "instalments",
                {
                    "id": uuid7(),
                    "plan_id": plan_id,
                    "number": number,
                    "due_date": day,
                    "amount_minor": amount,
                    "principal_minor": principal,
                    "interest_minor": interest_part,
                    "paid_minor": paid,
                    "status": InstalmentStatus.paid
                    if paid >= amount
                    else InstalmentStatus.partial
                    if paid
                    else InstalmentStatus.pending,
                },
            )
            if today > day + timedelta(days=limits.grace_days) and paid < amount:
                newly_missed += 1
        expected = self.expected
        expected.plans_active += 1
        expected.instalments_newly_missed += newly_missed
        missed = missed_instalments(
            [Due(d[1], d[2]) for d in dues], received, today, limits.grace_days
        )
        if missed >= limits.missed_instalments_to_break:
            expected.plans_broken += 1
            expected.interest_reversals += interest > 0
        else:
            expected.plans_still_active += 1


def seed_daily(db: Engine, n: int, seed: int) -> tuple[Expected, list[PortfolioInfo], int]:
    """Seed ``n`` accounts in chunks of 10,000, with progress; returns the expectation."""
    now = utcnow()
    seeder = DailySeeder(seed, now)
    specs = make_accounts(n, seed + 1)
    written = 0
    chunk = 10_000
    started = time.perf_counter()
    for start in range(0, n, chunk):
        for i in range(start, min(n, start + chunk)):
            seeder.account(i, specs[i])
        written += seeder.rows.flush(db)
        elapsed = time.perf_counter() - started
        log(
            f"seed: {min(n, start + chunk):,}/{n:,} accounts, {written:,} rows "
            f"({written / elapsed:,.0f} rows/s)"
        )
    return seeder.expected, seeder.portfolios, written


COUNT_QUERIES: dict[str, str] = {
    "accounts": "SELECT status, count(*) FROM accounts GROUP BY status",
    "promises": "SELECT status, count(*) FROM promises GROUP BY status",
    "plans": "SELECT status, count(*) FROM plans GROUP BY status",
    "plan_instalments": "SELECT status, count(*) FROM plan_instalments GROUP BY status",
    "offers": "SELECT status, count(*) FROM offers GROUP BY status",
    "tasks": "SELECT kind, count(*) FROM tasks GROUP BY kind",
    "ledger_entries": "SELECT kind, count(*) FROM ledger_entries GROUP BY kind",
    "audit_events": "SELECT action, count(*) FROM audit_events GROUP BY action",
}
BALANCE_MISMATCHES = (
    "SELECT count(*) FROM accounts a LEFT JOIN (SELECT account_id, sum(amount_minor) AS s "
    "FROM ledger_entries GROUP BY account_id) l ON l.account_id = a.id "
    "WHERE a.balance_minor <> coalesce(l.s, 0)"
)
SCAN = "SELECT account_id, sum(amount_minor) FROM ledger_entries GROUP BY account_id"


def db_counts(db: Engine) -> dict[str, Any]:
    with db.connect() as conn:
        counts: dict[str, Any] = {
            table: {str(k): int(v) for k, v in conn.execute(text(sql))}
            for table, sql in COUNT_QUERIES.items()
        }
        counts["balance_mismatches"] = int(conn.execute(text(BALANCE_MISMATCHES)).scalar_one())
        counts["sum_balance_minor"] = int(
            conn.execute(text("SELECT coalesce(sum(balance_minor), 0) FROM accounts")).scalar_one()
        )
    return counts


def scan_baseline(db: Engine, repeats: int = 3) -> dict[str, Any]:
    times = []
    rows = 0
    for _ in range(repeats):
        with db.connect() as conn:
            t0 = time.perf_counter()
            rows = len(conn.execute(text(SCAN)).all())
            times.append(time.perf_counter() - t0)
    return {
        "sql": SCAN,
        "seconds_median": round(statistics.median(times), 4),
        "seconds_all": [round(t, 4) for t in times],
        "rows": rows,
    }


@contextmanager
def heartbeat(label: str, meter: SqlMeter, every: float = 15.0) -> Iterator[None]:
    """Progress lines while an opaque job runs: elapsed time and statements so far."""
    stop = threading.Event()
    started = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every):
            log(f"  {label}: {time.perf_counter() - started:.0f} s, {meter.count:,} SQL statements")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def timed_job(
    label: str, job: Callable[[Engine], Any], db: Engine, meter: SqlMeter
) -> tuple[Any, dict[str, Any]]:
    log(f"{label}: running")
    meter.reset()
    with heartbeat(label, meter):
        t0 = time.perf_counter()
        result = job(db)
        seconds = time.perf_counter() - t0
    figures = {
        "seconds": round(seconds, 3),
        "sql_statements": meter.count,
        "sql_seconds": round(meter.seconds, 3),
        "python_seconds": round(seconds - meter.seconds, 3),
        "top_statements": meter.top(),
    }
    log(
        f"{label}: {seconds:.2f} s, {meter.count:,} statements, {meter.seconds:.2f} s in the driver"
    )
    return result, figures


def summary(result: Any) -> dict[str, Any]:
    values = asdict(result)
    values["tasks"] = len(values["tasks"])
    return values


def profile_jobs(url: str) -> dict[str, Any]:
    """cProfile of the first runs on a copy of the seeded database."""
    db = make_engine(url)
    report: dict[str, Any] = {}
    text_parts = []
    try:
        for label, job in (("promise_check", run_promise_check), ("plan_check", run_plan_check)):
            log(f"profile: {label} under cProfile")
            profiler = cProfile.Profile()
            profiler.enable()
            job(db)
            profiler.disable()
            stream = io.StringIO()
            profile = pstats.Stats(profiler, stream=stream)
            stream.write(f"==== {label}: by own time ====\n")
            profile.sort_stats("tottime").print_stats(25)
            stream.write(f"==== {label}: by cumulative time ====\n")
            profile.sort_stats("cumulative").print_stats(40)
            text_parts.append(stream.getvalue())
            report[label] = profile_summary(profile)
    finally:
        db.dispose()
    (RESULTS / "negotiation_profile.txt").write_text("\n".join(text_parts))
    return report


def profile_summary(profile: pstats.Stats) -> dict[str, Any]:
    """Own time by package, and the heaviest backend functions by cumulative time."""
    raw: dict[Any, Any] = profile.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw.values())
    by_package: Counter[str] = Counter()
    backend_cumulative = []
    for (filename, line, name), (_, calls, own, cumulative, _) in raw.items():
        by_package[package_of(filename, name)] += own
        if "/backend/" in filename:
            short = filename.split("/backend/", 1)[1]
            backend_cumulative.append((cumulative, calls, f"backend/{short}:{line}({name})"))
    backend_cumulative.sort(reverse=True)
    return {
        "total_own_seconds": round(total, 2),
        "own_time_by_package": {
            name: round(seconds, 2) for name, seconds in by_package.most_common(12)
        },
        "backend_by_cumulative": [
            {"function": where, "calls": calls, "cumulative_s": round(cum, 2)}
            for cum, calls, where in backend_cumulative[:20]
        ],
    }


def package_of(filename: str, name: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/backend/" in filename:
        return "backend." + filename.split("/backend/", 1)[1].split("/", 1)[0]
    if "/shared/" in filename:
        return "shared"
    if filename == "~":
        return f"builtin {name}"
    return "stdlib"


def bench_daily(n: int, seed: int, profile: bool) -> dict[str, Any]:
    admin = pg_admin()
    name = f"cobro_bench_neg_{os.getpid()}"
    copy = f"{name}_prof"
    created = [name]
    db: Engine | None = None
    try:
        log(f"daily: creating and migrating database {name}")
        create_pg_database(admin, name)
        db = migrated(pg_url(name))
        expected, portfolios, written = seed_daily(db, n, seed)
        with db.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            pg_settings = {
                name: conn.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers")
            }
        if profile:
            db.dispose()
            log(f"daily: copying the seeded database to {copy} for profiling")
            create_pg_database(admin, copy, template=name)
            created.append(copy)
        meter = SqlMeter(db)
        log("daily: baseline scan (median of 3)")
        baseline = scan_baseline(db)
        before = db_counts(db)
        if before["balance_mismatches"]:
            raise AssertionError(
                f"seed broke the balance invariant: {before['balance_mismatches']}"
            )
        runs: dict[str, Any] = {}
        checks: dict[str, Any] = {}
        counts = before
        # Items: the open promises / active plans each run finds (the second run finds only
        # those the first one left open).
        for label, job, items, left in (
            ("promise_check", run_promise_check, expected.promises_open, "still_open"),
            ("plan_check", run_plan_check, expected.plans_active, "still_active"),
        ):
            first, first_figures = timed_job(f"{label} run 1", job, db, meter)
            after_first = db_counts(db)
            second, second_figures = timed_job(f"{label} run 2", job, db, meter)
            after_second = db_counts(db)
            for figures, found in ((first_figures, items), (second_figures, getattr(first, left))):
                figures["accounts_per_s"] = round(n / figures["seconds"], 1)
                figures["items"] = found
                figures["items_per_s"] = round(found / figures["seconds"], 1)
                figures["ratio_to_scan"] = ratio(figures["seconds"], baseline["seconds_median"])
            first_figures["result"] = summary(first)
            second_figures["result"] = summary(second)
            runs[label] = {"run_1": first_figures, "run_2": second_figures}
            checks[label] = {
                "second_run_changed_nothing": after_second == after_first,
                "counts_before": counts,
                "counts_after_run_1": after_first,
                "differences_run_2": {
                    table: [after_first[table], after_second[table]]
                    for table in after_first
                    if after_first[table] != after_second[table]
                },
            }
            counts = after_first
        verification = verify(expected, runs, before, counts, portfolios)
        profile_report = None
        if profile:
            db.dispose()
            profile_report = profile_jobs(pg_url(copy))
        return {
            "postgres": pg_settings,
            "accounts": n,
            "rows_seeded": written,
            "seed_mix": dict(sorted(expected.seed_mix.items())),
            "baseline_scan": baseline,
            "runs": runs,
            "idempotency": checks,
            "verification": verification,
            "profile": profile_report,
        }
    finally:
        if db is not None:
            db.dispose()
        for database in created:
            drop_pg_database(admin, database)
        admin.dispose()
        log(f"daily: dropped {', '.join(created)}")


# --------------------------------------------------------------------------- report


def verify(
    expected: Expected,
    runs: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    portfolios: list[PortfolioInfo],
) -> dict[str, Any]:
    """First runs against the model of the seed; second runs must have done nothing."""
    promise_1, promise_2 = (runs["promise_check"][r]["result"] for r in ("run_1", "run_2"))
    plan_1, plan_2 = (runs["plan_check"][r]["result"] for r in ("run_1", "run_2"))
    promise_fields = ("kept", "partially_kept", "broken", "still_open")
    missed = after["plan_instalments"].get("missed", 0)
    reversals = after["ledger_entries"].get("reversal", 0) - before["ledger_entries"].get(
        "reversal", 0
    )
    return {
        "expected": {k: v for k, v in asdict(expected).items() if k != "seed_mix"},
        "promise_outcomes_match": all(promise_1[f] == getattr(expected, f) for f in promise_fields),
        "promise_tasks_match": promise_1["tasks"] == expected.partially_kept + expected.broken,
        "promise_second_run_zero": all(promise_2[f] == 0 for f in (*promise_fields[:3], "tasks")),
        "plan_outcomes_match": (plan_1["broken"], plan_1["still_active"], plan_1["offers_expired"])
        == (expected.plans_broken, expected.plans_still_active, expected.offers_expired),
        "plan_second_run_zero": plan_2["broken"]
        == plan_2["offers_expired"]
        == plan_2["tasks"]
        == 0,
        "instalments_marked_missed": missed,
        "instalments_missed_match": missed == expected.instalments_newly_missed,
        "interest_reversals": reversals,
        "interest_reversals_match": reversals == expected.interest_reversals,
        "balance_mismatches_after": after["balance_mismatches"],
        "local_dates_unchanged_during_run": all(today_in(p.tz.key) == p.today for p in portfolios),
    }


def cells(values: list[Any], widths: list[int]) -> str:
    """One table line: the first cell left-aligned, the rest right-aligned."""
    first, *rest = values
    return f"{first:<{widths[0]}}" + "".join(
        f"{v:>{w}}" for v, w in zip(rest, widths[1:], strict=True)
    )


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    widths = [48, 10, 11, 11, 10, 9]
    if results.get("engine") or results.get("service"):
        header = cells(["per call", "p50 us", "p99 us", "mean us", "calls/s", "ratio"], widths)
        lines += [header, "-" * len(header)]
    engine = results.get("engine")
    if engine:
        for name, row in engine["calls"].items():
            rel = row["ratio_to_build_schedule_p50"]
            lines.append(cells([f"engine {name}", *per_call(row), f"{rel:.1f}x"], widths))
        lines.append("  engine ratio: p50 / build_schedule p50")
    for label, service in results.get("service", {}).items():
        for name, row in service["calls"].items():
            rel = row.get("ratio_to_bare_engine_p50")
            rel_text = "" if rel is None else f"{rel:.1f}x"
            lines.append(cells([f"service {label} {name}", *per_call(row), rel_text], widths))
    if results.get("service"):
        lines.append("  service ratio: service p50 / bare engine p50 on the same snapshot")
        for label, service in results["service"].items():
            for name in SERVICE_CALLS:
                row = service["calls"].get(name)
                if row:
                    lines.append(
                        f"  {label} {name}: median {row['sql_statements_median']:.0f} SQL "
                        f"statements, {row['sql_execute_us_median'] / 1000:.2f} ms executing "
                        f"them, {row['commit_us_median'] / 1000:.2f} ms commit"
                    )
    daily = results.get("daily")
    if daily:
        widths = [26, 9, 12, 10, 11, 12, 9]
        head = ["daily check", "seconds", "accounts/s", "items/s", "SQL stmts", "in driver s"]
        header = cells([*head, "x scan"], widths)
        lines += ["", header, "-" * len(header)]
        scan = daily["baseline_scan"]["seconds_median"]
        rate = f"{daily['accounts'] / scan:,.0f}"
        lines.append(cells(["baseline scan", f"{scan:.3f}", rate, "", "1", "", "1.0x"], widths))
        for label, runs in daily["runs"].items():
            for run, row in runs.items():
                values = [
                    f"{label} {run}",
                    f"{row['seconds']:.2f}",
                    f"{row['accounts_per_s']:,.0f}",
                    f"{row['items_per_s']:,.0f}",
                    f"{row['sql_statements']:,}",
                    f"{row['sql_seconds']:.2f}",
                    f"{row['ratio_to_scan']:.1f}x",
                ]
                lines.append(cells(values, widths))
    return "\n".join(lines)


def per_call(row: dict[str, Any]) -> list[str]:
    return [
        f"{row['p50_us']:.1f}",
        f"{row['p99_us']:.1f}",
        f"{row['mean_us']:.1f}",
        f"{row['calls_per_s']:,.0f}",
    ]


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(15, 10))
    engine = results.get("engine")
    ax = axes[0][0]
    if engine:
        names = [n for n in engine["calls"] if n != "evaluate"]
        p50 = [engine["calls"][n]["p50_us"] for n in names]
        p99 = [engine["calls"][n]["p99_us"] for n in names]
        x = np.arange(len(names))
        ax.bar(x - 0.2, p50, 0.4, label="p50")
        ax.bar(x + 0.2, p99, 0.4, label="p99")
        for xi, name, value in zip(x, names, p50, strict=True):
            ax.annotate(
                f"{engine['calls'][name]['ratio_to_build_schedule_p50']:.1f}x",
                (xi - 0.2, value),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(x, [n.replace("evaluate:", "evaluate\n") for n in names], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("µs per call (log)")
        ax.set_title(
            f"Engine per call, {engine['accounts']:,} accounts (label: p50 ÷ build_schedule p50)"
        )
        ax.legend()
    ax = axes[0][1]
    if engine:
        for name in ("build_schedule", "offers", "evaluate"):
            values = np.sort(np.array(engine["samples_us"][name]))
            ax.plot(values, np.linspace(0, 1, len(values)), label=name)
        ax.set_xscale("log")
        ax.set_xlabel("µs per call (log)")
        ax.set_ylabel("share of calls")
        ax.set_title("Engine latency distribution (CDF)")
        ax.axhline(0.5, color="grey", lw=0.5)
        ax.axhline(0.99, color="grey", lw=0.5)
        ax.legend()
    ax = axes[1][0]
    services = results.get("service", {})
    if services:
        service_chart(ax, services)
    ax = axes[1][1]
    daily = results.get("daily")
    if daily:
        labels, driver, python = ["scan"], [daily["baseline_scan"]["seconds_median"]], [0.0]
        for job, runs in daily["runs"].items():
            for run, row in runs.items():
                labels.append(f"{job.replace('_check', '')}\n{run.replace('_', ' ')}")
                driver.append(row["sql_seconds"])
                python.append(row["python_seconds"])
        x = np.arange(len(labels))
        ax.bar(x, driver, label="inside the DB driver (round trips)")
        ax.bar(x, python, bottom=driver, label="Python (ORM, service code)")
        for xi, d, p in zip(x, driver, python, strict=True):
            ax.annotate(
                f"{d + p:.1f} s\n{(d + p) / driver[0]:.0f}x scan",
                (xi, d + p),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylabel("seconds")
        ax.set_ylim(0, max(d + p for d, p in zip(driver, python, strict=True)) * 1.18)
        ax.set_title(f"Daily checks over {daily['accounts']:,} accounts (PostgreSQL)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def service_breakdown(call: dict[str, Any], bare: float) -> dict[str, float]:
    """A service call's p50 split into medians: engine, SQL execute, commit, the rest (ms)."""
    engine = bare / 1000
    sql = call.get("sql_execute_us_median", 0) / 1000
    commit = call.get("commit_us_median", 0) / 1000
    rest = max(0.0, call["p50_us"] / 1000 - engine - sql - commit)
    return {
        "engine": engine,
        "SQL execute": sql,
        "commit": commit,
        "rest (ORM, service code, pool checkout)": rest,
    }


def service_chart(ax: Any, services: dict[str, Any]) -> None:
    bars: list[tuple[str, dict[str, float], float | None]] = []
    for label, service in services.items():
        calls = service["calls"]
        for name, bare in (
            ("generate_offers", "bare_offers"),
            ("propose", "bare_evaluate"),
            ("accept", None),
        ):
            if name in calls:
                base = calls[bare]["p50_us"] if bare else 0.0
                parts = service_breakdown(calls[name], base)
                bars.append(
                    (f"{label}\n{name}", parts, calls[name].get("ratio_to_bare_engine_p50"))
                )
    x = np.arange(len(bars))
    bottom = np.zeros(len(bars))
    for part in ("engine", "SQL execute", "commit", "rest (ORM, service code, pool checkout)"):
        values = np.array([parts[part] for _, parts, _ in bars])
        ax.bar(x, values, bottom=bottom, label=part)
        bottom += values
    for xi, (_, _, rel), top in zip(x, bars, bottom, strict=True):
        if rel:
            ax.annotate(f"{rel:.0f}x bare", (xi, top), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, float(bottom.max()) * 1.12)
    ax.set_xticks(x, [name for name, _, _ in bars], fontsize=7)
    ax.set_ylabel("ms per call (p50 split by medians)")
    ax.set_title("Service layer: one unit of work per call (label: service p50 / bare engine p50)")
    ax.legend(fontsize=8)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--accounts", type=int, default=100_000, help="daily-check accounts (0: skip)"
    )
    parser.add_argument(
        "--engine-accounts", type=int, default=10_000, help="engine accounts (0: skip)"
    )
    parser.add_argument(
        "--service-accounts", type=int, default=1_000, help="service-layer accounts (0: skip)"
    )
    parser.add_argument(
        "--skip-postgres", action="store_true", help="SQLite service layer and engine only"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the daily checks on a copy"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # Nothing measured here reads the settings; this only keeps them from writing var/secret_key.
    os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-that-is-long-enough-for-hs256")

    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "meta": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "started_at": utcnow().isoformat(timespec="seconds"),
            "args": vars(args),
        }
    }
    if args.engine_accounts:
        log(f"engine: {args.engine_accounts:,} accounts on {ENGINE_AS_OF}")
        results["engine"] = bench_engine(
            make_accounts(args.engine_accounts, args.seed), ENGINE_AS_OF
        )
    if args.service_accounts:
        specs = make_accounts(args.service_accounts + WARM_UP, args.seed + 2)
        results["service"] = {}
        with tempfile.TemporaryDirectory() as tmp:
            db = migrated(f"sqlite:///{tmp}/bench.db")
            try:
                results["service"]["sqlite"] = bench_service("sqlite", db, specs)
            finally:
                db.dispose()
        if not args.skip_postgres:
            admin = pg_admin()
            name = f"cobro_bench_neg_{os.getpid()}_svc"
            try:
                create_pg_database(admin, name)
                db = migrated(pg_url(name))
                try:
                    results["service"]["postgresql"] = bench_service("postgresql", db, specs)
                finally:
                    db.dispose()
            finally:
                drop_pg_database(admin, name)
                admin.dispose()
    if args.accounts and not args.skip_postgres:
        results["daily"] = bench_daily(args.accounts, args.seed, args.profile)
    results["meta"]["seconds"] = round(time.perf_counter() - began, 1)
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]

    print()
    print(table(results))
    if "daily" in results:
        print()
        print(json.dumps(results["daily"]["verification"], indent=2))
    out = RESULTS / "negotiation.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    png = RESULTS / "negotiation.png"
    chart(results, png)
    log(f"wrote {out.relative_to(ROOT)} and {png.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
