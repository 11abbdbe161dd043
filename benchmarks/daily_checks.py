"""Daily checks benchmark: the promise and plan checks over N accounts on PostgreSQL.

What is measured
----------------
A fresh database is migrated and seeded **set-based** (``INSERT ... SELECT`` over
``generate_series``, no Python per row) with ``--accounts`` accounts over two portfolios (PEN in
Lima, CLP in Santiago, the policy of :data:`POLICY`: grace 3 / 5 / 10 days by bucket, plans
broken at the 1st or 2nd missed instalment), each with its principal charge and, by
``i % 100``:

* 0-29: an open promise (due from 19 days ago to 5 days ahead, made 7-11 days before), 35 %
  covered, 15 % half paid, 45 % unpaid, 5 % paid then reversed;
* 30-49: an active plan of 3-6 monthly instalments (first due 110 days ago to 10 days ahead,
  half with interest booked as a ledger entry), 50 % on track, 20 % stopped after the first,
  15 % half of the first paid, 15 % never paid; grace 3/5/10 days, broken at 1 or 2 missed;
* 50-52 paid off, 53-54 disputed, 55-59 an open offer (half expired), the rest nothing.

Timed, each twice (the second run must change nothing: every table's row count and every
status count are compared): ``promises.tasks.run_promise_check`` and
``plans.tasks.run_plan_check``, the jobs as the worker runs them (a unit of work per page).
Each run counts its SQL statements.

**Baseline**, same data, same run: ``SELECT count(*), sum(amount_minor) FROM ledger_entries``
(a full scan of the biggest table), median of 3; ratio = job seconds / scan seconds.

**Before / after** (``--before-accounts``, default 100,000; 0 skips): a smaller seeded
database is copied twice; the code at ``--before-commit`` (2734f7f, the per-row checks) runs
on one copy in a subprocess, today's code on the other, and their outcomes (status counts of
promises, plans, instalments, accounts, tasks by kind, audit events by action, ledger entries
by kind with sums) must be identical.

Writes ``benchmarks/results/daily_checks.json``. Databases it creates are dropped at the end.

Usage: ``python benchmarks/daily_checks.py [--accounts 1000000] [--before-accounts 100000]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-that-is-long-enough-for-hs256")

from sqlalchemy import Engine, event, text

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import make_engine
from backend.core.migrate import upgrade
from benchmarks._common import (
    DEFAULT_PG,
    RESULTS,
    create_database,
    drop_database,
    environment,
    source_tree,
)

BEFORE_COMMIT = "2734f7f"
began = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)


def policy(currency: str, unit: int) -> dict[str, Any]:
    return {
        "currency": currency,
        "min_instalments": 2,
        "max_instalments": 12,
        "frequencies": ["monthly"],
        "min_down_payment_bps": 1000,
        "min_instalment_minor": 50 * unit,
        "max_days_first_payment": 7,
        "monthly_interest_rate": "0.01",
        "max_plan_days": 366,
        "grace_days": 5,
        "missed_instalments_to_break": 2,
        "settlement_deadline_days": 7,
        "max_promise_days": 30,
        "overrides": [
            {"buckets": ["current", "1-30"], "grace_days": 3},
            {"buckets": ["91-180", "181+"], "grace_days": 10, "missed_instalments_to_break": 1},
        ],
    }


PORTFOLIOS = (("PEN", "PE", "America/Lima", 100), ("CLP", "CL", "America/Santiago", 250))

# Per-account facts, derived from i alone (deterministic): the seed table the inserts read.
# Ordered ids (like the app's uuid7): index inserts append instead of landing at random.
ID_FUNCTION = """
CREATE FUNCTION pg_temp.bench_id(prefix text, i bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
AS $$ SELECT (prefix || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$
"""

SEED_TABLE = """
CREATE UNLOGGED TABLE bench_seed AS
SELECT i,
       pg_temp.bench_id('d0000000', i) AS debtor_id,
       pg_temp.bench_id('a0000000', i) AS account_id,
       pg_temp.bench_id('e0000003', i) AS pay_id,
       pg_temp.bench_id('b0000000', i) AS plan_id,
       p.id AS portfolio_id, p.currency, p.unit, p.today,
       i % 100 AS cat,
       (i / 100) % 20 AS sub,
       (30 + (i::bigint * 7919) % 6000)::int * p.unit AS principal,
       p.today - ((i * 31) % 400) AS due_date,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE (CAST(:agents AS uuid[]))[1 + i % 10] END AS agent_id
FROM generate_series(1, :n) AS i
JOIN (SELECT id, currency,
             CASE currency WHEN 'PEN' THEN 100 ELSE 250 END AS unit,
             (now() AT TIME ZONE timezone)::date AS today,
             row_number() OVER (ORDER BY currency) - 1 AS slot
      FROM portfolios) AS p ON p.slot = i % 2
"""

PROMISE_TABLE = """
CREATE UNLOGGED TABLE bench_promise AS
SELECT s.*, pg_temp.bench_id('c0000000', s.i) AS promise_id,
       s.principal / 4 AS amount,
       s.today + 5 - ((s.i * 13) % 25) AS promise_due,
       CASE WHEN s.sub < 7 THEN s.principal / 4
            WHEN s.sub < 10 THEN s.principal / 8
            WHEN s.sub = 19 THEN s.principal / 4 ELSE 0 END AS paid
FROM bench_seed s WHERE s.cat < 30
"""

PLAN_TABLE = """
CREATE UNLOGGED TABLE bench_plan AS
SELECT s.*, 3 + s.i % 4 AS k,
       s.today + 10 - ((s.i * 17) % 120) AS first_due,
       CASE WHEN s.i % 2 = 0 THEN s.principal / 100 ELSE 0 END AS interest_each,
       (ARRAY[3, 5, 10])[1 + s.i % 3] AS grace, 1 + (s.i / 7) % 2 AS to_break
FROM bench_seed s WHERE s.cat BETWEEN 30 AND 49
"""

INSTALMENT_TABLE = """
CREATE UNLOGGED TABLE bench_instalment AS
SELECT p.plan_id, p.account_id, p.i, n, p.first_due + 30 * (n - 1) AS due,
       p.principal / p.k + p.interest_each AS amount, p.interest_each,
       CASE
         WHEN p.sub < 10 AND p.first_due + 30 * (n - 1) < p.today
           THEN p.principal / p.k + p.interest_each
         WHEN p.sub BETWEEN 10 AND 13 AND n = 1 THEN p.principal / p.k + p.interest_each
         WHEN p.sub BETWEEN 14 AND 16 AND n = 1 THEN (p.principal / p.k + p.interest_each) / 2
         ELSE 0 END AS paid
FROM bench_plan p, generate_series(1, p.k) AS n
"""

INSERTS = [
    """
INSERT INTO debtors (id, portfolio_id, kind, id_type, id_number, first_name, last_name,
    emails, preferred_language, opt_outs, search_text, created_at, updated_at)
SELECT debtor_id, portfolio_id, 'person', 'DNI', lpad(i::text, 8, '0'), 'Rosa', 'Quispe',
    '[]', 'es', '[]', 'rosa quispe ' || lpad(i::text, 8, '0'), now(), now()
FROM bench_seed
""",
    """
INSERT INTO accounts (id, portfolio_id, debtor_id, external_ref, product, principal_minor,
    currency, origination_date, due_date, status, assigned_agent_id, balance_minor,
    created_at, updated_at)
SELECT account_id, portfolio_id, debtor_id, 'BENCH-' || lpad(i::text, 9, '0'), 'Tarjeta',
    principal, currency, due_date - 400, due_date,
    CASE WHEN cat BETWEEN 30 AND 49 THEN 'in_plan' WHEN cat BETWEEN 50 AND 52 THEN 'paid'
         WHEN cat BETWEEN 53 AND 54 THEN 'disputed' ELSE 'active' END,
    agent_id, principal, now(), now()
FROM bench_seed
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000001', i),
    account_id, 'charge', principal, currency, due_date, 'bench',
    'principal', now()
FROM bench_seed
""",
    # paid-off accounts
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000002', i),
    account_id, 'payment', -principal, currency, today - 30, 'bench',
    'payoff', now()
FROM bench_seed WHERE cat BETWEEN 50 AND 52
""",
    """
UPDATE accounts a SET balance_minor = 0 FROM bench_seed s
WHERE a.id = s.account_id AND s.cat BETWEEN 50 AND 52
""",
    # promises, their payments and reversals
    """
INSERT INTO promises (id, account_id, amount_minor, currency, due_date, channel,
    recorded_by_kind, status, paid_minor, created_at)
SELECT promise_id, account_id, amount, currency, promise_due, 'agent', 'agent', 'open', 0,
    (promise_due - 7 - i % 5)::timestamp AT TIME ZONE 'UTC' + make_interval(hours => i % 24)
FROM bench_promise
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pay_id, account_id, 'payment', -paid, currency, promise_due - 6 + i % 3, 'bench',
    'promise-pay', now()
FROM bench_promise WHERE paid > 0
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, reverses_entry_id, created_at)
SELECT pg_temp.bench_id('e0000004', i),
    account_id, 'reversal', paid, currency, promise_due - 5 + i % 3,
    'bench', 'promise-pay:reversal', pay_id, now()
FROM bench_promise WHERE sub = 19
""",
    """
UPDATE accounts a SET balance_minor = a.balance_minor - p.paid FROM bench_promise p
WHERE a.id = p.account_id AND p.sub < 10
""",
    # plans, instalments, interest and payments
    """
INSERT INTO plans (id, account_id, kind, status, currency, balance_at_agreement_minor,
    total_minor, discount_minor, frequency, monthly_rate, grace_days, missed_to_break,
    channel, created_at)
SELECT plan_id, account_id, 'instalments', 'active', currency, principal,
    k * (principal / k + interest_each), 0, 'monthly',
    CASE WHEN interest_each > 0 THEN 0.01 ELSE 0 END, grace, to_break, 'agent',
    (first_due - 10)::timestamp AT TIME ZONE 'UTC'
FROM bench_plan
""",
    """
INSERT INTO plan_instalments (id, plan_id, number, due_date, amount_minor, principal_minor,
    interest_minor, paid_minor, status)
SELECT pg_temp.bench_id('b1000000', i * 8 + n),
    plan_id, n, due, amount, amount - interest_each, interest_each,
    paid, CASE WHEN paid >= amount THEN 'paid' WHEN paid > 0 THEN 'partial' ELSE 'pending' END
FROM bench_instalment
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000005', i),
    account_id, 'interest', k * interest_each, currency, first_due - 10,
    'plan', 'plan:' || plan_id::text || '\\:interest', now()
FROM bench_plan WHERE interest_each > 0
""",
    """
INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date,
    source, idempotency_key, created_at)
SELECT pg_temp.bench_id('e0000006', min(s.i)), account_id, 'payment', -sum(paid), min(s.currency),
    min(s.today) - 1, 'bench', 'plan-pay', now()
FROM bench_instalment JOIN bench_seed s USING (account_id)
GROUP BY account_id HAVING sum(paid) > 0
""",
    """
UPDATE accounts a SET balance_minor = a.balance_minor + p.k * p.interest_each - x.paid
FROM bench_plan p JOIN (SELECT account_id, sum(paid) AS paid FROM bench_instalment
                        GROUP BY account_id) x USING (account_id)
WHERE a.id = p.account_id
""",
    # offers, half of them expired
    """
INSERT INTO offers (id, account_id, kind, plan_kind, balance_minor, currency, total_minor,
    discount_minor, monthly_rate, schedule, explanation, status, channel, expires_at,
    created_at)
SELECT pg_temp.bench_id('f0000000', i), account_id, 'fewest_instalments', 'instalments', principal,
    currency, principal, 0, 0, '[]', '[]', 'open', 'agent',
    now() + CASE WHEN i % 2 = 0 THEN interval '-1 day' ELSE interval '1 day' END, now()
FROM bench_seed WHERE cat BETWEEN 55 AND 59
""",
]


def seed(url: str, n: int) -> dict[str, Any]:
    """Migrate and seed ``n`` accounts set-based; returns row counts and seconds."""
    t0 = time.perf_counter()
    db = make_engine(url)
    try:
        with db.begin() as conn:
            upgrade(conn)
        with db.begin() as conn:
            creditor = conn.execute(
                text(
                    "INSERT INTO creditors (id, name, country, created_at) "
                    "VALUES (gen_random_uuid(), 'Bench', 'PE', now()) RETURNING id"
                )
            ).scalar_one()
            for currency, country, tz, unit in PORTFOLIOS:
                conn.execute(
                    text(
                        "INSERT INTO portfolios (id, creditor_id, name, currency, country, "
                        "timezone, negotiation_policy, contact_rules, "
                        "overpayment_tolerance_minor, created_at) VALUES (gen_random_uuid(), "
                        ":c, :name, :cur, :country, :tz, CAST(:policy AS json), '{}', 0, now())"
                    ),
                    {
                        "c": creditor,
                        "name": f"Bench {currency}",
                        "cur": currency,
                        "country": country,
                        "tz": tz,
                        "policy": json.dumps(policy(currency, unit)),
                    },
                )
            agents = [
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, full_name, password_hash, role, "
                        "language, is_active, created_at) VALUES (gen_random_uuid(), :e, "
                        "'Agent', 'x', 'agent', 'es', true, now()) RETURNING id"
                    ),
                    {"e": f"agent{k}@bench.cobro"},
                ).scalar_one()
                for k in range(10)
            ]
            params = {"n": n, "agents": [str(a) for a in agents]}
            # The seed is consistent by construction: skip per-row foreign key triggers.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in (ID_FUNCTION, SEED_TABLE, PROMISE_TABLE, PLAN_TABLE, INSTALMENT_TABLE):
                conn.execute(text(statement), params)
            for statement in INSERTS:
                t1 = time.perf_counter()
                conn.execute(text(statement))
                log(f"    {time.perf_counter() - t1:6.1f} s {' '.join(statement.split()[:3])}")
            for table in ("bench_seed", "bench_promise", "bench_plan", "bench_instalment"):
                conn.execute(text(f"DROP TABLE {table}"))
        with db.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        counts = table_counts(db)
    finally:
        db.dispose()
    return {"seconds": round(time.perf_counter() - t0, 1), "rows": counts}


TABLES = (
    "accounts",
    "ledger_entries",
    "promises",
    "plans",
    "plan_instalments",
    "offers",
    "tasks",
    "audit_events",
)


def table_counts(db: Engine) -> dict[str, int]:
    with db.connect() as conn:
        count = "SELECT count(*) FROM {}"  # constant table names
        return {t: conn.execute(text(count.format(t))).scalar_one() for t in TABLES}


OUTCOME_QUERIES = {
    "promises": "SELECT status, count(*), sum(paid_minor) FROM promises GROUP BY 1",
    "plans": "SELECT status, count(*), count(closed_at) FROM plans GROUP BY 1",
    "instalments": "SELECT status, count(*), sum(paid_minor) FROM plan_instalments GROUP BY 1",
    "accounts": "SELECT status, count(*), sum(balance_minor) FROM accounts GROUP BY 1",
    "offers": "SELECT status, count(*), 0 FROM offers GROUP BY 1",
    "tasks": "SELECT kind, count(*), count(DISTINCT dedupe_key) FROM tasks GROUP BY 1",
    "audit": "SELECT action, count(*), count(DISTINCT entity_id) FROM audit_events GROUP BY 1",
    "ledger": "SELECT kind, count(*), sum(amount_minor) FROM ledger_entries GROUP BY 1",
}


def outcomes(db: Engine) -> dict[str, dict[str, list[int]]]:
    """Status counts (and sums) of everything the checks change: equal runs, equal outcomes."""
    with db.connect() as conn:
        return {
            name: {
                str(key): [int(count), int(extra or 0)]
                for key, count, extra in conn.execute(text(query))
            }
            for name, query in OUTCOME_QUERIES.items()
        }


def scan_baseline(db: Engine, repeats: int = 3) -> dict[str, Any]:
    sql = "SELECT count(*), sum(amount_minor) FROM ledger_entries"
    times, rows = [], 0
    with db.connect() as conn:
        for _ in range(repeats):
            t0 = time.perf_counter()
            rows = conn.execute(text(sql)).one()[0]
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "sql": sql,
        "seconds_median": round(median, 4),
        "seconds_all": [round(t, 4) for t in times],
        "rows": rows,
        "rows_per_s": round(rows / median),
    }


@contextmanager
def counting(db: Engine) -> Iterator[list[int]]:
    count = [0]

    def on_execute(*_: Any) -> None:
        count[0] += 1

    event.listen(db, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        event.remove(db, "before_cursor_execute", on_execute)


def summary(result: Any) -> dict[str, Any]:
    values = dict(vars(result))
    values["tasks"] = len(values.get("tasks", []))
    return values


def run_new(url: str, accounts: int) -> dict[str, Any]:
    """Today's jobs, in this process, each twice; the second must change nothing."""
    from backend.plans.tasks import run_plan_check
    from backend.promises.tasks import run_promise_check

    db = make_engine(url)
    jobs: dict[str, Callable[[Engine], Any]] = {
        "promise_check": run_promise_check,
        "plan_check": run_plan_check,
    }
    runs: dict[str, Any] = {}
    try:
        for name, job in jobs.items():
            runs[name] = {}
            for run in ("run_1", "run_2"):
                before = outcomes(db)
                with counting(db) as statements:
                    t0 = time.perf_counter()
                    result = job(db)
                    seconds = time.perf_counter() - t0
                runs[name][run] = {
                    "seconds": round(seconds, 3),
                    "sql_statements": statements[0],
                    "accounts_per_s": round(accounts / seconds),
                    "result": summary(result),
                }
                if run == "run_2":
                    unchanged = outcomes(db) == before
                    runs[name][run]["changed_nothing"] = unchanged
                    assert unchanged, f"{name}: the second run changed something"
                log(f"  new {name} {run}: {seconds:.2f} s, {statements[0]} statements")
        return {"runs": runs, "outcomes": outcomes(db)}
    finally:
        db.dispose()


OLD_RUNNER = """
import json, sys, time
import backend.models
from backend.core.db import make_engine
from backend.promises.tasks import run_promise_check
from backend.plans.tasks import run_plan_check
db = make_engine(sys.argv[1])
out = {}
for name, job in (("promise_check", run_promise_check), ("plan_check", run_plan_check)):
    out[name] = {}
    for run in ("run_1", "run_2"):
        t0 = time.perf_counter()
        result = job(db)
        seconds = time.perf_counter() - t0
        values = dict(vars(result))
        values["tasks"] = len(values.get("tasks", []))
        out[name][run] = {"seconds": round(seconds, 3), "result": values}
        print(f"  old {name} {run}: {seconds:.2f} s", file=sys.stderr, flush=True)
print(json.dumps(out))
"""


def run_old(url: str, tree: Path, accounts: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", OLD_RUNNER, url],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    for job in runs.values():
        for row in job.values():
            row["accounts_per_s"] = round(accounts / row["seconds"])
    db = make_engine(url)
    try:
        return {"runs": runs, "outcomes": outcomes(db)}
    finally:
        db.dispose()


def with_ratios(block: dict[str, Any], scan: float) -> dict[str, Any]:
    for job in block["runs"].values():
        for row in job.values():
            row["ratio_to_scan"] = round(row["seconds"] / scan, 1)
    return block


def before_after(n: int, commit: str) -> dict[str, Any]:
    """The per-row code at ``commit`` and today's on two copies of the same seeded data."""
    base = f"cobro_bench_daily_{os.getpid()}_ba"
    names = {"seed": base, "old": f"{base}_old", "new": f"{base}_new"}
    try:
        log(f"before/after: seeding {n:,} accounts")
        seeded = seed(create_database(DEFAULT_PG, names["seed"]), n)
        log(f"  seeded in {seeded['seconds']} s: {seeded['rows']}")
        old_url = create_database(DEFAULT_PG, names["old"], template=names["seed"])
        new_url = create_database(DEFAULT_PG, names["new"], template=names["seed"])
        db = make_engine(new_url)
        try:
            scan = scan_baseline(db)
        finally:
            db.dispose()
        with source_tree(commit) as tree:
            log(f"before ({commit}, per row)")
            old = with_ratios(run_old(old_url, tree, n), scan["seconds_median"])
        log("after (set-based)")
        new = with_ratios(run_new(new_url, n), scan["seconds_median"])
        same = old["outcomes"] == new["outcomes"]
        speedup = {
            job: {
                run: round(old["runs"][job][run]["seconds"] / new["runs"][job][run]["seconds"], 1)
                for run in ("run_1", "run_2")
            }
            for job in new["runs"]
        }
        return {
            "accounts": n,
            "seed": seeded,
            "baseline_scan": scan,
            "before": {"commit": commit, **old},
            "after": new,
            "same_outcomes": same,
            "speedup_before_over_after": speedup,
        }
    finally:
        for name in names.values():
            drop_database(DEFAULT_PG, name)


def at_scale(n: int) -> dict[str, Any]:
    name = f"cobro_bench_daily_{os.getpid()}"
    try:
        log(f"at scale: seeding {n:,} accounts")
        url = create_database(DEFAULT_PG, name)
        seeded = seed(url, n)
        log(f"  seeded in {seeded['seconds']} s: {seeded['rows']}")
        db = make_engine(url)
        try:
            scan = scan_baseline(db)
        finally:
            db.dispose()
        log(f"  baseline scan {scan['seconds_median']} s over {scan['rows']:,} rows")
        return {
            "accounts": n,
            "seed": seeded,
            "baseline_scan": scan,
            **with_ratios(run_new(url, n), scan["seconds_median"]),
        }
    finally:
        drop_database(DEFAULT_PG, name)


def table(results: dict[str, Any]) -> str:
    lines = ["job            run    accounts   seconds  accounts/s  x scan  statements  note"]
    blocks = []
    if "before_after" in results:
        ba = results["before_after"]
        blocks += [("before", ba["accounts"], ba["before"]), ("after", ba["accounts"], ba["after"])]
    if "scale" in results:
        blocks.append(("after", results["scale"]["accounts"], results["scale"]))
    for label, n, block in blocks:
        for job, runs in block["runs"].items():
            for run, row in runs.items():
                lines.append(
                    f"{job:14} {run:6} {n:>9,} {row['seconds']:>9.2f} {row['accounts_per_s']:>11,}"
                    f" {row['ratio_to_scan']:>7} {row.get('sql_statements', '-'):>11}  {label}"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000, help="0: skip")
    parser.add_argument("--before-accounts", type=int, default=100_000, help="0: skip")
    parser.add_argument("--before-commit", default=BEFORE_COMMIT)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "meta": {
            **environment(DEFAULT_PG),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "args": vars(args),
        }
    }
    if args.before_accounts:
        results["before_after"] = before_after(args.before_accounts, args.before_commit)
    if args.accounts:
        results["scale"] = at_scale(args.accounts)
    results["meta"]["seconds"] = round(time.perf_counter() - began, 1)
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(table(results))
    out = RESULTS / "daily_checks.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
