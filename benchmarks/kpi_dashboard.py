"""KPI dashboard benchmark: the three reads the dashboard makes, over N accounts on PostgreSQL.

What is measured
----------------
A fresh database is migrated and seeded **set-based** (``INSERT ... SELECT`` over
``generate_series``) with ``--accounts`` accounts in one PEN portfolio, placed over the last
365 days and shared by 50 agents in two teams, each with its charge and, by ``i % 20``: a
payment (40 %: field, bank statement, chat or agent link, some paying off), a promise (10 %,
of every status), a plan of 4 monthly instalments (5 %), a visit (30 %), a reminder (50 %,
WhatsApp or SMS, sent/delivered/read/failed); and 20 location fixes per agent per day. Rows
are stamped when they happened (ledger entries, visits and fixes received, reminders last
changed), so the day's run of the facts finds no late changes among them.

Then the snapshot job's own functions write the aging of every ``--snapshot-every`` days of
the window and the rolls of its months (timed per day: what the periodic job costs), and
the daily KPI facts (``backend.analytics.daily``) up to yesterday: the whole history once,
then one day's run of the job (which rewrites the last 8 days), timed. The database is then
vacuumed and analysed (what autovacuum does after bulk inserts; without a visibility map
PostgreSQL cannot answer the reach's agent filter from ``ix_accounts_agent_id`` alone).

Timed, median of ``--repeats`` (5): ``service.portfolio``, ``service.agents`` and
``service.channels`` for an admin and for a supervisor (half the agents), over the default
180-day window, and their sum (the dashboard's load); and the first page of the accounts
behind three figures. The budget is 2 s for the dashboard's load.

Writes ``benchmarks/results/kpi_dashboard_<N>.json``; the database is dropped at the end.

Usage: ``python benchmarks/kpi_dashboard.py [--accounts 1000000] [--snapshot-every 7]``
(``--no-facts``: the same without the daily facts, to ``kpi_dashboard_<N>_raw.json``)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-that-is-long-enough-for-hs256")

from sqlalchemy import Engine, text
from sqlmodel import Session

import backend.models  # noqa: F401  (registers every table)
from backend.aging import Clock
from backend.analytics import daily, service, snapshots
from backend.analytics.filters import Filters
from backend.core.clock import utcnow
from backend.core.db import make_engine
from backend.core.migrate import upgrade
from benchmarks._common import (
    DEFAULT_PG,
    RESULTS,
    create_database,
    database_url,
    environment,
    postgres_database,
)

began = time.perf_counter()
AGENTS = 50


def log(message: str) -> None:
    print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)


ID_FUNCTION = """
CREATE FUNCTION pg_temp.bench_id(prefix text, i bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
AS $$ SELECT (prefix || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$
"""

SEED = """
CREATE UNLOGGED TABLE bench_seed AS
SELECT i, pg_temp.bench_id('d0000000', i) AS debtor_id,
       pg_temp.bench_id('a0000000', i) AS account_id,
       CAST(:portfolio AS uuid) AS portfolio_id,
       (CAST(:agents AS uuid[]))[1 + i % 50] AS agent_id,
       CAST(:today AS date) - (i * 37 % 365)::int AS placed,
       CAST(:today AS date) - (i * 37 % 365)::int + 30 AS due_date,
       (30 + (i * 7919) % 6000)::bigint * 100 AS principal,
       i % 20 AS cat, (i / 20) % 12 AS sub
FROM generate_series(CAST(1 AS bigint), :n) AS i
"""

PAYMENTS = """
CREATE UNLOGGED TABLE bench_pay AS
SELECT s.*, LEAST(s.principal, s.principal * (1 + s.sub % 4) / 4) AS amount,
       s.due_date + (s.i * 13 % 200)::int AS paid_on
FROM bench_seed s
WHERE s.cat < 8 AND s.due_date + (s.i * 13 % 200)::int <= CAST(:today AS date)
"""

INSERTS = [
    """
INSERT INTO debtors (id, portfolio_id, kind, id_type, id_number, id_number_index, first_name,
    last_name, emails, preferred_language, opt_outs, search_text, created_at, updated_at)
SELECT debtor_id, portfolio_id, 'person', 'DNI', lpad(i::text, 8, '0'), md5(i::text), 'Rosa',
    'Quispe',
    '[]', 'es', CAST(CASE WHEN i % 97 = 0 THEN '["whatsapp"]' ELSE '[]' END AS json),
    'rosa quispe', now(), now()
FROM bench_seed
""",
    """
INSERT INTO accounts (id, portfolio_id, debtor_id, external_ref, product, principal_minor,
    currency, due_date, status, assigned_agent_id, balance_minor, created_at, updated_at)
SELECT s.account_id, s.portfolio_id, s.debtor_id, 'BENCH-' || lpad(s.i::text, 9, '0'),
    'Tarjeta', s.principal, 'PEN', s.due_date,
    CASE WHEN p.amount = s.principal THEN 'paid' ELSE 'active' END, s.agent_id,
    s.principal - COALESCE(p.amount, 0), s.placed::timestamp AT TIME ZONE 'UTC', now()
FROM bench_seed s LEFT JOIN bench_pay p ON p.i = s.i
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000001', i), account_id, 'charge', principal, 'PEN', placed,
    'bench', 'principal', now()
FROM bench_seed
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000002', i), account_id, 'payment', -amount, 'PEN', paid_on,
    'bench', 'payment', paid_on::timestamp AT TIME ZONE 'UTC'
FROM bench_pay
""",
    """
INSERT INTO payment_links (id, account_id, purpose, amount_minor, currency, provider, token,
    status, created_by_kind, expires_at, paid_at, created_at)
SELECT pg_temp.bench_id('f0000001', i), account_id, 'balance', amount, 'PEN', 'builtin',
    'bench' || i, 'paid', CASE WHEN cat % 4 = 2 THEN 'bot' ELSE 'agent' END, now(), now(), now()
FROM bench_pay WHERE cat % 4 >= 2
""",
    """
INSERT INTO payments (id, account_id, ledger_entry_id, link_id, method, amount_minor, currency,
    paid_on, agent_id, details, created_at)
SELECT pg_temp.bench_id('f0000002', i), account_id, pg_temp.bench_id('e0000002', i),
    CASE WHEN cat % 4 >= 2 THEN pg_temp.bench_id('f0000001', i) END,
    CASE cat % 4 WHEN 0 THEN 'cash' WHEN 1 THEN 'bank_statement' ELSE 'online' END,
    amount, 'PEN', paid_on, CASE WHEN cat % 4 = 0 THEN agent_id END, '{}', now()
FROM bench_pay
""",
    """
INSERT INTO promises (id, account_id, amount_minor, currency, due_date, channel,
    recorded_by_kind, recorded_by_id, status, paid_minor, created_at)
SELECT pg_temp.bench_id('c0000000', i), account_id, principal / 4, 'PEN',
    CAST(:today AS date) - (i * 11 % 180)::int + 7, 'agent', 'agent', agent_id,
    (ARRAY['kept', 'partially_kept', 'broken', 'open', 'superseded'])[1 + sub % 5],
    CASE sub % 5 WHEN 0 THEN principal / 4 WHEN 1 THEN principal / 8 ELSE 0 END,
    (CAST(:today AS date) - (i * 11 % 180)::int)::timestamp AT TIME ZONE 'UTC'
FROM bench_seed WHERE cat IN (8, 9)
""",
    """
INSERT INTO plans (id, account_id, kind, status, currency, balance_at_agreement_minor,
    total_minor, discount_minor, monthly_rate, grace_days, missed_to_break, channel, created_at)
SELECT pg_temp.bench_id('b0000000', i), account_id, 'instalments',
    CASE WHEN sub % 3 = 1 THEN 'broken' ELSE 'active' END, 'PEN', principal, principal, 0, 0,
    0, 1, 'agent', (CAST(:today AS date) - (i * 7 % 170)::int)::timestamp AT TIME ZONE 'UTC'
FROM bench_seed WHERE cat = 10
""",
    """
INSERT INTO plan_instalments (id, plan_id, number, due_date, amount_minor, principal_minor,
    interest_minor, paid_minor, status)
SELECT gen_random_uuid(), pg_temp.bench_id('b0000000', s.i), n,
    CAST(:today AS date) - (s.i * 7 % 170)::int + 30 * n, s.principal / 4, s.principal / 4, 0,
    0, CASE WHEN CAST(:today AS date) - (s.i * 7 % 170)::int + 30 * n >= CAST(:today AS date)
            THEN 'pending' WHEN s.sub % 3 = 1 AND n >= 1 + s.sub % 2 THEN 'missed'
            ELSE 'paid' END
FROM bench_seed s, generate_series(1, 4) AS n WHERE s.cat = 10
""",
    """
INSERT INTO visits (id, client_id, agent_id, account_id, checked_in_at, checked_out_at,
    received_at, far, outcome)
SELECT pg_temp.bench_id('90000000', i), 'v' || i, agent_id, account_id,
    (CAST(:today AS date) - (i * 3 % 180)::int)::timestamp AT TIME ZONE 'UTC'
        + make_interval(hours => CAST(9 + i % 8 AS int)),
    (CAST(:today AS date) - (i * 3 % 180)::int)::timestamp AT TIME ZONE 'UTC'
        + make_interval(hours => CAST(9 + i % 8 AS int), mins => CAST(5 + i % 30 AS int)),
    (CAST(:today AS date) - (i * 3 % 180)::int)::timestamp AT TIME ZONE 'UTC'
        + make_interval(hours => CAST(10 + i % 8 AS int)), i % 7 = 0,
    (ARRAY['paid', 'promise', 'plan_agreed', 'not_home', 'moved', 'refused', 'wrong_address',
           'other'])[1 + i % 8]
FROM bench_seed WHERE cat BETWEEN 11 AND 16
""",
    """
INSERT INTO contact_attempts (id, key, portfolio_id, debtor_id, account_id, channel, source,
    at, status, step, tries, created_at, updated_at)
SELECT pg_temp.bench_id('80000000', i), 'r' || i, portfolio_id, debtor_id, account_id,
    CASE WHEN i % 4 = 0 THEN 'sms' ELSE 'whatsapp' END, 'reminder', at,
    (ARRAY['sent', 'delivered', 'read', 'failed', 'delivered', 'read'])[1 + sub % 6],
    'd' || (i % 3), 1, at, at
FROM (SELECT *, (CAST(:today AS date) - (i * 5 % 180)::int)::timestamp AT TIME ZONE 'UTC'
          + make_interval(hours => 14) AS at
      FROM bench_seed WHERE i % 2 = 0) AS s
""",
    """
INSERT INTO location_pings (id, agent_id, recorded_at, latitude, longitude, received_at)
SELECT gen_random_uuid(), a.id,
    (CAST(:today AS date) - d)::timestamp AT TIME ZONE 'UTC'
        + make_interval(hours => 9, mins => 20 * k),
    -12.05 + 0.001 * k + 0.0001 * a.n, -77.04 + 0.0007 * k,
    (CAST(:today AS date) - d)::timestamp AT TIME ZONE 'UTC' + make_interval(hours => 18)
FROM unnest(CAST(:agents AS uuid[])) WITH ORDINALITY AS a(id, n),
     generate_series(1, 180) AS d, generate_series(0, 19) AS k
""",
]


def seed(db: Engine, n: int, today: date) -> dict[str, Any]:
    t0 = time.perf_counter()
    with db.begin() as conn:
        upgrade(conn)
    with db.begin() as conn:

        def one(sql: str, **params: Any) -> Any:
            return conn.execute(text(sql), params).scalar_one()

        creditor = one(
            "INSERT INTO creditors (id, name, country, created_at) "
            "VALUES (gen_random_uuid(), 'Bench', 'PE', now()) RETURNING id"
        )
        portfolio = one(
            "INSERT INTO portfolios (id, creditor_id, name, currency, country, timezone, "
            "negotiation_policy, contact_rules, overpayment_tolerance_minor, created_at) "
            "VALUES (gen_random_uuid(), :c, 'Bench PEN', 'PEN', 'PE', 'America/Lima', '{}', "
            "'{}', 0, now()) RETURNING id",
            c=creditor,
        )
        user = (
            "INSERT INTO users (id, email, full_name, password_hash, role, supervisor_id, "
            "language, is_active, token_version, is_demo, created_at) VALUES "
            "(gen_random_uuid(), :e, :name, 'x', :role, :sup, 'es', true, 0, false, now()) "
            "RETURNING id"
        )
        admin = one(user, e="admin@bench.cobro", name="Admin", role="admin", sup=None)
        supervisors = [
            one(user, e=f"sup{k}@bench.cobro", name=f"Sup {k}", role="supervisor", sup=None)
            for k in range(2)
        ]
        agents = [
            one(
                user,
                e=f"agent{k}@bench.cobro",
                name=f"Agent {k:02d}",
                role="agent",
                sup=supervisors[k % 2],
            )
            for k in range(AGENTS)
        ]
        params = {
            "n": n,
            "agents": [str(a) for a in agents],
            "portfolio": str(portfolio),
            "today": today,
        }
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in (ID_FUNCTION, SEED, PAYMENTS, *INSERTS):
            t1 = time.perf_counter()
            conn.execute(text(statement), params)
            log(f"    {time.perf_counter() - t1:6.1f} s {' '.join(statement.split()[:3])}")
        conn.execute(text("DROP TABLE bench_pay"))
        conn.execute(text("DROP TABLE bench_seed"))
    with db.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with db.connect() as conn:
        rows = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
            for t in (
                "accounts",
                "ledger_entries",
                "payments",
                "promises",
                "plans",
                "visits",
                "contact_attempts",
                "location_pings",
            )
        }
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "rows": rows,
        "portfolio": portfolio,
        "admin": admin,
        "supervisor": supervisors[0],
    }


def write_snapshots(db: Engine, portfolio: Any, first: date, last: date, every: int) -> dict:
    days, aging_times, roll_times = [], [], []
    day = first
    while day <= last:
        days.append(day)
        day += timedelta(days=every)
    months = sorted({d.replace(day=1) for d in days})
    for day in days:
        t0 = time.perf_counter()
        with Session(db) as session:
            snapshots.write_aging(session, portfolio, day)
            session.commit()
        aging_times.append(time.perf_counter() - t0)
    for month in months:
        t0 = time.perf_counter()
        with Session(db) as session:
            snapshots.write_rolls(session, portfolio, month)
            session.commit()
        roll_times.append(time.perf_counter() - t0)
    with db.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("ANALYZE aging_snapshots; ANALYZE roll_snapshots")
        )
    log(f"  snapshots: {len(days)} days, {len(months)} months")
    return {
        "days": len(days),
        "months": len(months),
        "aging_seconds_per_day_median": round(statistics.median(aging_times), 3),
        "roll_seconds_per_month_median": round(statistics.median(roll_times), 3),
    }


def write_facts(db: Engine, portfolio: Any) -> dict[str, Any]:
    with Session(db) as session:
        yesterday = Clock(session).today(portfolio) - timedelta(days=1)
    t0 = time.perf_counter()
    with Session(db) as session:
        daily.rebuild(session, portfolio, yesterday - timedelta(days=1))
        session.commit()
    history = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Session(db) as session:
        daily.write_days(session, portfolio, yesterday)
        session.commit()
    one_day = time.perf_counter() - t0
    with db.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(
                "ANALYZE kpi_payment_days; ANALYZE kpi_reminder_days; ANALYZE kpi_cohort_days; "
                "ANALYZE kpi_cohort_payments; ANALYZE kpi_promise_days"
            )
        )
    log(f"  daily facts: history {history:.1f} s, one day's run {one_day:.1f} s")
    return {"history_seconds": round(history, 3), "one_day_seconds": round(one_day, 3)}


def timed(db: Engine, work: Callable[[Session], Any], repeats: int) -> dict[str, Any]:
    times = []
    for _ in range(repeats):
        with Session(db) as session:
            t0 = time.perf_counter()
            work(session)
            times.append(time.perf_counter() - t0)
            session.rollback()
    return {"median_s": round(statistics.median(times), 3), "all_s": [round(t, 3) for t in times]}


class Who:
    def __init__(self, user_id: Any, role: str) -> None:
        from shared.schemas.enums import Role

        self.id = user_id
        self.role = Role(role)


def dashboard(db: Engine, who: Who, window: dict[str, date], repeats: int) -> dict[str, Any]:
    f = Filters.of(who, **window)  # type: ignore[arg-type]
    parts = {
        "portfolio": timed(db, lambda s: service.portfolio(s, f), repeats),
        "agents": timed(db, lambda s: service.agents(s, f), repeats),
        "channels": timed(db, lambda s: service.channels(s, f), repeats),
    }
    total = round(sum(p["median_s"] for p in parts.values()), 3)
    log(f"  {who.role.value}: {total} s " + str({k: v["median_s"] for k, v in parts.items()}))
    return {"parts": parts, "total_median_s": total, "under_2s": total < 2}


def drill(db: Engine, who: Who, window: dict[str, date], figures: list[str]) -> dict[str, Any]:
    f = Filters.of(who, **window)  # type: ignore[arg-type]
    return {
        figure: timed(db, lambda s, fig=figure: service.account_rows(s, f, fig, None, 50), 3)
        for figure in figures
    }


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[str]:
    if args.reuse:
        yield database_url(args.pg, args.reuse)
        return
    if args.keep:
        yield create_database(args.pg, args.keep)
        return
    with postgres_database(args.pg, f"cobro_kpi_{os.getpid()}") as url:
        yield url


def _seeded(db: Engine) -> dict[str, Any]:
    """The ids a seeded database's timings need."""
    with db.connect() as conn:

        def one(sql: str) -> Any:
            return conn.execute(text(sql)).scalar_one()

        return {
            "portfolio": one("SELECT id FROM portfolios"),
            "admin": one("SELECT id FROM users WHERE email = 'admin@bench.cobro'"),
            "supervisor": one("SELECT id FROM users WHERE email = 'sup0@bench.cobro'"),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--snapshot-every", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time an already seeded database (kept, not dropped) instead of seeding one",
    )
    parser.add_argument("--keep", metavar="DATABASE", help="seed into this database and keep it")
    parser.add_argument(
        "--no-facts",
        action="store_true",
        help="time the raw queries alone (no daily facts): the before of a comparison",
    )
    args = parser.parse_args()
    today = utcnow().date()
    window = {"date_from": today - timedelta(days=180), "date_to": today}
    result: dict[str, Any] = {"accounts": args.accounts, "environment": environment(args.pg)}
    with _database(args) as url:
        db = make_engine(url)
        try:
            if args.reuse:
                with db.begin() as conn:
                    upgrade(conn)
                seeded = _seeded(db)
            else:
                log(f"seeding {args.accounts:,} accounts")
                seeded = seed(db, args.accounts, today)
                result["seed"] = {"seconds": seeded["seconds"], "rows": seeded["rows"]}
                log(f"  seeded in {seeded['seconds']} s: {seeded['rows']}")
                result["snapshots"] = write_snapshots(
                    db, seeded["portfolio"], window["date_from"], today, args.snapshot_every
                )
            if args.no_facts:
                with db.begin() as conn:
                    conn.execute(text("DELETE FROM kpi_daily_marks"))
                result["daily_facts"] = "none: every figure from the raw rows"
            else:
                result["daily_facts"] = write_facts(db, seeded["portfolio"])
            t0 = time.perf_counter()
            with db.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            log(f"  vacuumed in {time.perf_counter() - t0:.1f} s")
            admin = Who(seeded["admin"], "admin")
            supervisor = Who(seeded["supervisor"], "supervisor")
            result["dashboard"] = {
                "admin": dashboard(db, admin, window, args.repeats),
                "supervisor": dashboard(db, supervisor, window, args.repeats),
            }
            month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
            last = (today - timedelta(days=today.weekday() + 2)).isoformat()
            result["drill_first_page"] = drill(
                db,
                admin,
                window,
                [
                    "promises:kept",
                    "collected:chat",
                    f"roll:{month}:1-30:31-60",
                    f"aging:{last}:1-30",
                ],
            )
            log(f"  drill: { {k: v['median_s'] for k, v in result['drill_first_page'].items()} }")
        finally:
            db.dispose()
    RESULTS.mkdir(exist_ok=True)
    suffix = "_raw" if args.no_facts else ""
    out = RESULTS / f"kpi_dashboard_{args.accounts}{suffix}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
