"""Planning a day's reminders for N accounts on PostgreSQL, beside a plain SQL scan of the same
rows in the same run.

Seeds (set-based, ``generate_series``) one Peruvian portfolio of N accounts, one debtor with a
phone each, due dates spread over 120 days, templates and a strategy of three steps (3 days
before the due date on WhatsApp then SMS, 7 and 30 days after on WhatsApp and SMS); a twentieth
of the debtors opted out of WhatsApp. Then times, on a Thursday at 06:00 Lima:

- ``scan``: ``SELECT count(*), sum(balance_minor) FROM accounts`` (the same rows, read once);
- ``plan``: ``backend.outbound.planner.plan_portfolio`` for the day, first run (enrols every
  account, logs every contact) and second run (nothing new to do).

Writes ``benchmarks/results/outbound_plan.json``: seconds, contacts planned, and the ratio of
each run to the scan. Target (issue 10): 1,000,000 accounts planned in under 60 s.

Usage: ``python benchmarks/outbound_plan.py [--accounts 1000000] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from _common import DEFAULT_PG, RESULTS, environment, log, postgres_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

DAY = date(2026, 12, 10)  # a Thursday
NOW = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)  # 06:00 in Lima
STRATEGY = {
    "steps": [
        {"id": "antes", "trigger": {"kind": "due_in_days", "days": 3},
         "channels": ["whatsapp", "sms"], "template": "saldo"},
        {"id": "mora7", "trigger": {"kind": "days_past_due", "days": 7},
         "channels": ["whatsapp", "sms"], "template": "saldo"},
        {"id": "mora30", "trigger": {"kind": "days_past_due", "days": 30},
         "channels": ["sms"], "template": "saldo"},
    ]
}  # fmt: skip

SEED = [
    """
CREATE FUNCTION pg_temp.bench_id(prefix text, i bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
AS $$ SELECT (prefix || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$
""",
    """
INSERT INTO debtors (id, portfolio_id, kind, id_type, id_number, first_name, last_name,
    emails, preferred_language, opt_outs, search_text, created_at, updated_at)
SELECT pg_temp.bench_id('d0000000', i), :portfolio, 'person', 'DNI', lpad(i::text, 8, '0'),
    'Rosa', 'Quispe', '[]', 'es',
    CASE WHEN i % 20 = 0 THEN '["whatsapp"]' ELSE '[]' END::json, 'rosa', now(), now()
FROM generate_series(1, :n) AS i
""",
    """
INSERT INTO debtor_phones (id, debtor_id, e164, kind, position)
SELECT pg_temp.bench_id('f0000000', i), pg_temp.bench_id('d0000000', i),
    '+5198' || lpad(i::text, 7, '0'), 'mobile', 0
FROM generate_series(1, :n) AS i
""",
    """
INSERT INTO accounts (id, portfolio_id, debtor_id, external_ref, product, principal_minor,
    currency, due_date, status, balance_minor, created_at, updated_at)
SELECT pg_temp.bench_id('a0000000', i), :portfolio, pg_temp.bench_id('d0000000', i),
    'B-' || i, 'Tarjeta', 100000, 'PEN', CAST(:day AS date) + 5 - (i % 120), 'active', 100000,
    now() - interval '30 days', now()
FROM generate_series(1, :n) AS i
""",
]


def seed(url: str, accounts: int) -> str:
    from backend.core.db import make_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.creditors.models import Creditor, Portfolio
    from backend.outbound.models import MessageTemplate, Strategy
    from shared.schemas.enums import Language

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    with session_scope(engine) as session:
        creditor = Creditor(name="Banco Andino", country="PE")
        session.add(creditor)
        session.flush()
        portfolio = Portfolio(
            creditor_id=creditor.id, name="Lima", currency="PEN", country="PE",
            timezone="America/Lima",
        )  # fmt: skip
        session.add(portfolio)
        session.flush()
        session.add(
            MessageTemplate(
                portfolio_id=portfolio.id, name="saldo", language=Language.es,
                body="Hola {{ first_name }}, debe {{ balance }}: {{ payment_link }}",
            )
        )  # fmt: skip
        session.add(Strategy(portfolio_id=portfolio.id, name="c", version=1, definition=STRATEGY))
        portfolio_id = str(portfolio.id)
    with engine.begin() as conn:
        for statement in SEED:
            conn.execute(text(statement), {"portfolio": portfolio_id, "n": accounts, "day": DAY})
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return portfolio_id


def timed(url: str, portfolio_id: str) -> dict[str, object]:
    import uuid

    from backend.audit.service import Actor
    from backend.core.db import make_engine, session_scope
    from backend.outbound.planner import plan_portfolio

    engine = make_engine(url)
    scans = []
    for _ in range(3):
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*), sum(balance_minor) FROM accounts")).one()
        scans.append(time.perf_counter() - started)
    scan = statistics.median(scans)
    runs = []
    for label in ("first", "second"):
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = plan_portfolio(session, Actor.system(), uuid.UUID(portfolio_id), DAY, NOW)
        seconds = time.perf_counter() - started
        runs.append(
            {
                "run": label,
                "seconds": round(seconds, 2),
                "enrolled": report.enrolled,
                "planned": report.planned,
                "contacts": sum(report.counts.values()),
                "ratio_to_scan": round(seconds / scan, 1),
            }
        )
        log(f"  {label}: {seconds:.1f} s, {report.planned} planned")
    engine.dispose()
    return {"scan_seconds": round(scan, 4), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()
    results = []
    for n in range(args.repeat):
        with postgres_database(DEFAULT_PG, f"cobro_bench_plan_{os.getpid()}_{n}") as url:
            log(f"seeding {args.accounts:,} accounts")
            started = time.perf_counter()
            portfolio_id = seed(url, args.accounts)
            log(f"  seeded in {time.perf_counter() - started:.1f} s")
            results.append(timed(url, portfolio_id))
    first = statistics.median(r["runs"][0]["seconds"] for r in results)  # type: ignore[index]
    summary = {
        "benchmark": "outbound_plan",
        "accounts": args.accounts,
        "environment": environment(DEFAULT_PG),
        "load_average_at_start": [round(x, 2) for x in load],
        "results": results,
        "median_first_run_seconds": first,
        "target_seconds": 60,
        "meets_target": first < 60,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "outbound_plan.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
