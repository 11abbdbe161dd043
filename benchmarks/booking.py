"""Booking single payments: ``payments.service.record_payment``, one committed unit of work
each, on accounts of four kinds, on SQLite and PostgreSQL, this code against ``--before`` in
the same run.

Each pass migrates a fresh database with its code's migrations, seeds ``--accounts`` accounts
of each kind (a 600.00 balance; ``plan``: an active plan of three 200.00 instalments;
``promise``: an open promise of 200.00; ``plan+promise``: both) and books one 200.00 payment
per account (for the plan's first instalment, where there is one), each in its own
``session_scope`` (commit included), timed. Reported per database, code and kind: median and
p90 milliseconds per booking, the booking process's CPU milliseconds per booking (all of it
on SQLite; PostgreSQL's server side not included), and SQL statements per booking counted at
the cursor (the unit of work's BEGIN included; COMMIT is not a cursor statement). The two
codes alternate, ``--repeat`` passes each; figures are medians over the passes,
``ratio = before ms / this ms`` (median latency) and ``cpu_ratio`` likewise for CPU.
Checked on every pass: every balance equal to its ledger sum, every promise kept, every first
instalment paid, one payment per booking.

Prints a table and writes ``benchmarks/results/booking.json``.

Usage: ``python benchmarks/booking.py [--accounts 200] [--repeat 3] [--before COMMIT]
[--skip-sqlite] [--pg-url URL]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

KINDS = ("plain", "plan", "promise", "plan+promise")
AMOUNT = 20_000


def _seed(engine: Any, kind: str, count: int) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """``count`` accounts of ``kind``: (account id, first instalment id or None)."""
    from datetime import timedelta

    from backend.core.clock import utcnow
    from backend.core.db import session_scope
    from backend.plans.models import Plan, PlanInstalment
    from backend.promises.models import Promise
    from shared.schemas.enums import PlanKind
    from tests import builders as b
    from tests.plans.helpers import days, lima

    seeded: list[tuple[uuid.UUID, uuid.UUID | None]] = []
    with session_scope(engine) as session:
        portfolio = lima(session)
        for _ in range(count):
            account = b.account(session, portfolio, principal=3 * AMOUNT)
            first = None
            if "plan" in kind:
                plan = Plan(
                    account_id=account.id,
                    kind=PlanKind.instalments,
                    currency="PEN",
                    balance_at_agreement_minor=3 * AMOUNT,
                    total_minor=3 * AMOUNT,
                    created_at=utcnow() - timedelta(minutes=1),
                )
                session.add(plan)
                session.flush()
                rows = [
                    PlanInstalment(
                        plan_id=plan.id, number=n, due_date=days(30 * n), amount_minor=AMOUNT
                    )
                    for n in (1, 2, 3)
                ]
                session.add_all(rows)
                first = rows[0].id
            if "promise" in kind:
                session.add(
                    Promise(
                        account_id=account.id,
                        amount_minor=AMOUNT,
                        currency="PEN",
                        due_date=days(3),
                        channel="api",
                        recorded_by_kind="agent",
                    )
                )
            seeded.append((account.id, first))
    return seeded


def _check(engine: Any, count: int) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {
            "balances_off_ledger": conn.execute(
                text(
                    "SELECT count(*) FROM accounts AS a WHERE a.balance_minor <> (SELECT "
                    "sum(e.amount_minor) FROM ledger_entries AS e WHERE e.account_id = a.id)"
                )
            ).scalar_one(),
            "promises_not_kept": conn.execute(
                text("SELECT count(*) FROM promises WHERE status <> 'kept'")
            ).scalar_one(),
            "first_instalments_unpaid": conn.execute(
                text("SELECT count(*) FROM plan_instalments WHERE number = 1 AND status <> 'paid'")
            ).scalar_one(),
            "payments_missing": 4 * count
            - conn.execute(text("SELECT count(*) FROM payments")).scalar_one(),
        }


def worker(url: str, count: int) -> dict[str, Any]:
    """One pass on the database at ``url`` with the code on ``PYTHONPATH``."""
    os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)
    os.environ.setdefault("COBRO_ENV", "test")
    from sqlalchemy import event

    from backend.audit.service import Actor
    from backend.core.db import make_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.payments import service as payments
    from backend.payments.service import IncomingPayment
    from shared.schemas.enums import PaymentMethod
    from tests.plans.helpers import days

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    seeded = {kind: _seed(engine, kind, count) for kind in KINDS}
    statements = [0]

    def counted(*_: Any) -> None:
        statements[0] += 1

    result: dict[str, Any] = {}
    for kind in KINDS:
        times: list[float] = []
        statements[0] = 0
        event.listen(engine, "before_cursor_execute", counted)
        cpu = time.process_time()
        for account_id, instalment_id in seeded[kind]:
            started = time.perf_counter()
            with session_scope(engine) as session:
                payments.record_payment(
                    session,
                    Actor.system(),
                    account_id,
                    IncomingPayment(
                        amount_minor=AMOUNT,
                        currency="PEN",
                        paid_on=days(0),
                        method=PaymentMethod.cash,
                        client_id=uuid.uuid4().hex,
                        instalment_id=instalment_id,
                    ),
                )
            times.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu
        event.remove(engine, "before_cursor_execute", counted)
        times.sort()
        result[kind] = {
            "median_ms": round(statistics.median(times) * 1000, 3),
            "p90_ms": round(times[int(0.9 * (len(times) - 1))] * 1000, 3),
            "cpu_ms": round(cpu / count * 1000, 3),
            "statements_per_booking": statements[0] / count,
        }
    result["check"] = _check(engine, count)
    engine.dispose()
    return result


def _pass(tree: Path, kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from _common import postgres_database, sqlite_database

    database = sqlite_database() if kind == "sqlite" else postgres_database(args.pg_url)
    with database as url:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", url]
        command += ["--accounts", str(args.accounts)]
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
    result = json.loads(done.stdout)
    if any(result["check"].values()):
        raise SystemExit(f"check failed ({kind}, {tree}): {result['check']}")
    return result


def _medians(passes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        kind: {
            key: round(statistics.median(p[kind][key] for p in passes), 3)
            for key in ("median_ms", "p90_ms", "cpu_ms", "statements_per_booking")
        }
        for kind in KINDS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=200, help="bookings per kind per pass")
    parser.add_argument("--repeat", type=int, default=3, help="passes of each code")
    parser.add_argument("--before", help="also measure the code at this commit")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    from _common import DEFAULT_PG

    parser.add_argument("--pg-url", default=DEFAULT_PG, help="the server to make databases on")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.accounts)))
        return
    from _common import RESULTS, ROOT, environment, log, source_tree

    kinds = ["postgresql"] if args.skip_sqlite else ["sqlite", "postgresql"]
    output: dict[str, Any] = {"accounts_per_kind": args.accounts, "repeat": args.repeat}
    output["environment"] = environment(args.pg_url)
    output["load_average"] = os.getloadavg()
    with ExitStack() as stack:
        codes = {"this": ROOT}
        if args.before:
            codes["before"] = stack.enter_context(source_tree(args.before))
        for kind in kinds:
            passes: dict[str, list[dict[str, Any]]] = {code: [] for code in codes}
            for round_ in range(args.repeat):
                for code, tree in codes.items():
                    log(f"[{kind}] pass {round_ + 1}/{args.repeat}: {code}")
                    passes[code].append(_pass(tree, kind, args))
            output[kind] = {code: _medians(runs) for code, runs in passes.items()}
            if args.before:
                for name in KINDS:
                    this, before = output[kind]["this"][name], output[kind]["before"][name]
                    this["ratio"] = round(before["median_ms"] / this["median_ms"], 2)
                    this["cpu_ratio"] = round(before["cpu_ms"] / this["cpu_ms"], 2)
    output["before"] = args.before
    output["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "booking.json").write_text(json.dumps(output, indent=1) + "\n")
    for kind in kinds:
        for code in output[kind]:
            for name, row in output[kind][code].items():
                print(f"{kind:10} {code:6} {name:13} {json.dumps(row)}")


if __name__ == "__main__":
    main()
