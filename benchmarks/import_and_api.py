"""Import and API benchmark: rows per second of a portfolio import, then API latency against a
bare baseline measured on the same data in the same run.

For SQLite (a temporary file, the embedded default) and PostgreSQL (a fresh database
``cobro_bench_<pid>``, dropped at the end):

1. migrate a new database, create a creditor, a PEN portfolio, supervisors and agents;
2. import a generated file of ``--rows`` accounts (Spanish headers, ``;``, decimal commas, valid
   DNIs/RUCs and Peruvian mobiles, a fifth of the debtors with several accounts) through the
   service the ``cobro import`` command uses, in one transaction, timed end to end;
3. start uvicorn (one worker each) for the real app (``backend.main:app``) and for
   ``benchmarks/bare_select_app.py`` (one indexed select, no auth) on free local ports, and hit
   them with ``--clients`` concurrent httpx clients (``--requests`` requests per endpoint, capped
   at ``--seconds``): an agent's ``GET /api/v1/accounts/{id}`` (random accounts of theirs), the
   agent's filtered list ``GET /api/v1/accounts?status=active&aging_bucket=181+``, and the bare
   ``GET /accounts/{id}``. Reported: p50/p99 latency, requests per second, and the ratios to
   the bare endpoint, which are the figures that travel between machines.

The load generator shares the machine with the server, so absolute numbers are modest; both
sides of each ratio pay the same. Prints a table and writes
``benchmarks/results/import_and_api.json`` (and ``.png`` when matplotlib is installed).

Usage: ``python benchmarks/import_and_api.py [--rows 100000] [--requests 2000]
[--skip-postgres] [--clients 32] [--seconds 60]``
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from sqlalchemy import select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.accounts.models import Account  # noqa: E402
from backend.audit.service import Actor  # noqa: E402
from backend.core.db import make_engine, session_scope  # noqa: E402
from backend.core.migrate import upgrade  # noqa: E402
from backend.core.security import create_access_token, hash_password  # noqa: E402
from backend.creditors.models import Creditor, Portfolio  # noqa: E402
from backend.imports import service  # noqa: E402
from backend.imports.commands import TerminalProgress  # noqa: E402
from backend.users.models import User  # noqa: E402
from benchmarks._common import (  # noqa: E402
    DEFAULT_PG,
    RESULTS,
    environment,
    log,
    percentile_ms,
    postgres_database,
    server,
    sqlite_database,
)
from shared.identity import ruc_check_digit  # noqa: E402
from shared.schemas.enums import Role  # noqa: E402

AGENTS = 20

FIRST = [
    "Rosa",
    "Juan",
    "María",
    "José",
    "Luis",
    "Ana",
    "Carlos",
    "Lucía",
    "Jorge",
    "Carmen",
    "Miguel",
    "Elena",
    "Pedro",
    "Julia",
    "Víctor",
    "Sofía",
    "Raúl",
    "Patricia",
]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "García",
    "Rodríguez",
    "Sánchez",
    "Torres",
    "Ramírez",
    "Chávez",
    "Vargas",
    "Castillo",
    "Rojas",
    "Mendoza",
    "Gutiérrez",
    "Díaz",
]
DISTRICTS = [
    "Lince",
    "San Isidro",
    "Miraflores",
    "Surco",
    "San Juan de Lurigancho",
    "Comas",
    "Ate",
    "La Victoria",
    "Breña",
    "Jesús María",
    "Los Olivos",
    "Chorrillos",
]
STREETS = [
    "Av. Arequipa",
    "Jr. Huallaga",
    "Av. Brasil",
    "Calle Los Pinos",
    "Av. Túpac Amaru",
    "Jr. Lampa",
    "Av. Javier Prado",
    "Calle Las Begonias",
]
PRODUCTS = ["Tarjeta de crédito", "Préstamo personal", "Crédito vehicular", "Línea de capital"]
HEADER = [
    "tipo_documento",
    "numero_documento",
    "nombres",
    "apellidos",
    "razon_social",
    "telefonos",
    "correo",
    "direccion",
    "distrito",
    "ciudad",
    "latitud",
    "longitud",
    "referencia",
    "producto",
    "capital",
    "intereses",
    "gastos",
    "pagado",
    "moneda",
    "fecha_desembolso",
    "fecha_vencimiento",
    "gestor",
]


# --- data --------------------------------------------------------------------------------------


def _decimal_comma(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}".replace(".", ",")


def generate_csv(path: Path, rows: int, seed: int = 7, agents: int = AGENTS) -> None:
    """``rows`` accounts, spread over ``agents``; about one debtor in five has two or three
    accounts."""
    rnd = random.Random(seed)
    today = date.today()
    written = debtor = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        while written < rows:
            debtor += 1
            company = rnd.random() < 0.05
            if company:
                body = f"20{debtor:08d}"  # unique: random ones collide in a large file
                identity = [
                    "RUC",
                    body + ruc_check_digit(body),
                    "",
                    "",
                    f"Comercial {rnd.choice(LAST)} {debtor} S.A.C.",
                ]
            else:
                identity = [
                    "DNI",
                    f"{10_000_000 + debtor:08d}",
                    rnd.choice(FIRST),
                    f"{rnd.choice(LAST)} {rnd.choice(LAST)}",
                    "",
                ]
            phones = " | ".join(
                f"9{rnd.randrange(10**8):08d}" for _ in range(rnd.choice((1, 1, 1, 2)))
            )
            email = f"deudor{debtor}@correo.pe" if rnd.random() < 0.6 else ""
            lat, lon = -12.05 + rnd.uniform(-0.1, 0.1), -77.03 + rnd.uniform(-0.08, 0.08)
            contact = [
                phones,
                email,
                f"{rnd.choice(STREETS)} {rnd.randrange(100, 3000)}",
                rnd.choice(DISTRICTS),
                "Lima",
                f"{lat:.6f}".replace(".", ","),
                f"{lon:.6f}".replace(".", ","),
            ]
            for _ in range(rnd.choice((1, 1, 1, 1, 2, 3))):
                if written == rows:
                    break
                written += 1
                principal = rnd.randrange(20_000, 5_000_000)
                interest = rnd.randrange(0, principal // 3)
                fees = rnd.choice((0, 0, 1_500, 3_500))
                paid = rnd.randrange(0, principal // 2) if rnd.random() < 0.4 else 0
                due = today - timedelta(days=rnd.randrange(1, 900))
                origination = due - timedelta(days=rnd.randrange(180, 1500))
                writer.writerow(
                    [
                        *identity,
                        *contact,
                        f"CTA-{written:08d}",
                        rnd.choice(PRODUCTS),
                        _decimal_comma(principal),
                        _decimal_comma(interest),
                        _decimal_comma(fees),
                        _decimal_comma(paid),
                        "PEN",
                        origination.isoformat(),
                        due.strftime("%d/%m/%Y"),
                        f"agente{written % agents}@bench.cobro",
                    ]
                )


@dataclass(frozen=True, slots=True)
class Seeded:
    portfolio_id: uuid.UUID
    agent_id: uuid.UUID


def seed(url: str, agents: int = AGENTS, supervisors: int = 2) -> Seeded:
    """Migrate; a creditor and its PEN portfolio, ``supervisors`` and ``agents`` (each in a
    supervisor's team in turn), all with the password ``benchmark``."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            upgrade(conn)
        with Session(engine, expire_on_commit=False) as session:
            creditor = Creditor(name="Banco Andino (benchmark)", country="PE")
            session.add(creditor)
            session.flush()
            portfolio = Portfolio(
                creditor_id=creditor.id,
                name="Tarjetas 2024",
                currency="PEN",
                country="PE",
                timezone="America/Lima",
            )
            password = hash_password("benchmark")
            leads = [
                User(
                    email=f"supervisor{i}@bench.cobro",
                    full_name=f"Supervisor {i}",
                    password_hash=password,
                    role=Role.supervisor,
                )
                for i in range(supervisors)
            ]
            session.add_all([portfolio, *leads])
            session.flush()
            team = [
                User(
                    email=f"agente{i}@bench.cobro",
                    full_name=f"Agente {i}",
                    password_hash=password,
                    role=Role.agent,
                    supervisor_id=leads[i % supervisors].id,
                )
                for i in range(agents)
            ]
            session.add_all(team)
            session.commit()
            return Seeded(portfolio.id, team[0].id)
    finally:
        engine.dispose()


def time_import(url: str, path: Path, portfolio_id: uuid.UUID, rows: int) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        progress = TerminalProgress(sys.stderr)
        started = time.perf_counter()
        with session_scope(engine) as session, path.open("rb") as stream:
            result = service.import_file(
                session, Actor.system(), None, portfolio_id, stream, path.name, progress=progress
            )
        seconds = time.perf_counter() - started
        progress.finish()
        with Session(engine) as session:
            mismatches = session.execute(
                text(
                    "SELECT count(*) FROM accounts a WHERE a.balance_minor <> "
                    "(SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e "
                    "WHERE e.account_id = a.id)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return {
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "summary": result.summary,
        "balance_mismatches": mismatches,
    }


def agent_accounts(url: str, agent_id: uuid.UUID) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            query = select(Account.id).where(Account.assigned_agent_id == agent_id)
            return [str(i) for i in session.execute(query).scalars()]
    finally:
        engine.dispose()


# --- servers and load ----------------------------------------------------------------------------


async def _load(
    base: str, paths: list[str], headers: dict[str, str], clients: int, seconds: float
) -> dict[str, Any]:
    """``clients`` concurrent keep-alive clients share the path list until it is done or the
    time cap passes; latency is per request, wall clock from first send to last answer."""
    latencies: list[float] = []
    errors = 0
    pending = iter(paths)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            for path in pending:
                if time.perf_counter() > deadline:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.get(path)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()

    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "rps": round(len(latencies) / wall, 1),
    }


def measure(
    base: str, paths: list[str], headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    asyncio.run(_load(base, paths[: max(args.clients, 64)], headers, args.clients, 30))  # warm-up
    return asyncio.run(_load(base, paths, headers, args.clients, args.seconds))


def api_benchmark(url: str, seeded: Seeded, args: argparse.Namespace) -> dict[str, Any]:
    rnd = random.Random(11)
    ids = agent_accounts(url, seeded.agent_id)
    picks = [rnd.choice(ids) for _ in range(args.requests)]
    token = create_access_token(seeded.agent_id, Role.agent.value, version=0, minutes=240)
    auth = {"Authorization": f"Bearer {token}"}
    results: dict[str, Any] = {"agent_accounts": len(ids)}
    with server("backend.main:app", url) as base:
        log("  GET /api/v1/accounts/{id} ...")
        results["get_account"] = measure(base, [f"/api/v1/accounts/{i}" for i in picks], auth, args)
        log("  GET /api/v1/accounts?status=active&aging_bucket=181+ ...")
        listing = "/api/v1/accounts?status=active&aging_bucket=181%2B&limit=50"
        results["agent_list"] = measure(base, [listing] * args.requests, auth, args)
    with server("benchmarks.bare_select_app:app", url) as base:
        log("  bare GET /accounts/{id} ...")
        results["bare_select"] = measure(base, [f"/accounts/{i}" for i in picks], {}, args)
    bare = results["bare_select"]
    for name in ("get_account", "agent_list"):
        mine = results[name]
        mine["p50_ratio"] = round(mine["p50_ms"] / bare["p50_ms"], 2)
        mine["p99_ratio"] = round(mine["p99_ms"] / bare["p99_ms"], 2)
        mine["rps_ratio"] = round(mine["rps"] / bare["rps"], 3)
    return results


# --- databases -----------------------------------------------------------------------------------


def run_backend(kind: str, url: str, data: Path, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{kind}] migrating and seeding")
    seeded = seed(url)
    log(f"[{kind}] importing {args.rows:,} rows")
    imported = time_import(url, data, seeded.portfolio_id, args.rows)
    log(f"[{kind}] {imported['rows_per_second']:,} rows/s; API under {args.clients} clients")
    return {"import": imported, "api": api_benchmark(url, seeded, args)}


def print_table(results: dict[str, Any]) -> None:
    print(f"\nImport of {results['rows']:,} rows")
    print(f"{'database':<12}{'seconds':>10}{'rows/s':>12}{'balance=ledger':>16}")
    for kind, res in results["backends"].items():
        imp = res["import"]
        check = "yes" if imp["balance_mismatches"] == 0 else f"NO ({imp['balance_mismatches']})"
        print(f"{kind:<12}{imp['seconds']:>10}{imp['rows_per_second']:>12,}{check:>16}")
    print(f"\nAPI, {results['clients']} concurrent clients (ratios against the bare select)")
    print(
        f"{'database':<12}{'endpoint':<14}{'requests':>9}{'errors':>7}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'rps':>9}{'p50 x':>8}{'p99 x':>8}{'rps x':>8}"
    )
    for kind, res in results["backends"].items():
        for name in ("get_account", "agent_list", "bare_select"):
            m = res["api"][name]
            print(
                f"{kind:<12}{name:<14}{m['requests']:>9}{m['errors']:>7}{m['p50_ms']:>9}"
                f"{m['p99_ms']:>9}{m['rps']:>9}{m.get('p50_ratio', 1.0):>8}"
                f"{m.get('p99_ratio', 1.0):>8}{m.get('rps_ratio', 1.0):>8}"
            )


def chart(results: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no chart (the JSON has every figure)")
        return
    kinds = list(results["backends"])
    names = ("get_account", "agent_list", "bare_select")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(kinds)
    for k, kind in enumerate(kinds):
        api = results["backends"][kind]["api"]
        xs = [i + k * width for i in range(len(names))]
        left.bar(xs, [api[n]["p50_ms"] for n in names], width, label=f"{kind} p50")
        right.bar(xs, [api[n]["rps"] for n in names], width, label=kind)
    for axis, title in ((left, "p50 latency (ms)"), (right, "requests per second")):
        axis.set_xticks([i + width * (len(kinds) - 1) / 2 for i in range(len(names))], names)
        axis.set_title(title)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path)
    log(f"chart: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60, help="time cap per endpoint")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="an existing database to connect to")
    args = parser.parse_args()

    results: dict[str, Any] = {
        "rows": args.rows,
        "clients": args.clients,
        "requests_per_endpoint": args.requests,
        "environment": environment(None if args.skip_postgres else args.pg_url),
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="cobro_bench_csv_") as folder:
        data = Path(folder) / "cartera.csv"
        log(f"generating {args.rows:,} rows")
        generate_csv(data, args.rows)
        with sqlite_database() as url:
            results["backends"]["sqlite"] = run_backend("sqlite", url, data, args)
        if not args.skip_postgres:
            with postgres_database(args.pg_url) as url:
                results["backends"]["postgresql"] = run_backend("postgresql", url, data, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "import_and_api.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"\nresults: {out}")
    chart(results, RESULTS / "import_and_api.png")


if __name__ == "__main__":
    main()
