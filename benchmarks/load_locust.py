"""The whole system under load (Locust): 200 concurrent users mixing field agents syncing,
debtors chatting, payment webhooks arriving and supervisors reading dashboards, on PostgreSQL
with 2 API processes and 2 job workers; against a read-only run of the same users in the same
run; every acknowledged write checked to be applied exactly once.

1. A scratch PostgreSQL database (``cobro_bench_locust_<pid>``, dropped at the end) is migrated
   and seeded with the mixed-load benchmark's helpers: a portfolio of ``--rows`` imported
   accounts spread over ``--agents`` agents in the teams of ``--supervisors`` supervisors, an
   admin; the bots benchmark's debtors with signed chat links (one account each, default
   negotiation policy), one per debtor user; and the payments benchmark's portfolio with one
   open payment link per account, with one Stripe-shaped ``checkout.session.completed`` event
   per link plus 20% duplicates, shuffled.
2. Processes: ``cobro serve --workers 2`` (the API with the chat webhooks mounted at the same
   address, Telegram and WhatsApp configured) and two ``cobro worker --concurrency 4``
   (procrastinate). The platforms' outbound calls (Telegram's Bot API, Meta's Graph API) go to
   a local stand-in, the bots benchmark's recording transport served over HTTP in this
   process, which also receives the creditors' webhooks: every creditor subscribes it to
   payments, promises and plans, so the job workers deliver events during the load. Nothing
   leaves the machine. Every seeded person logs in once (``POST /auth/token``); the users
   reuse the tokens.
3. Two Locust runs (``benchmarks/locustfile.py``, headless, ``--users`` users spawned at
   ``--spawn-rate`` a second, then ``--warmup`` and ``--seconds`` more, ``--wait`` seconds of
   think time between a user's requests): ``reads_only`` (the same users, each doing only its
   reads) and ``mixed``.
   Users, by default: 80 field agents (one device per agent), 60 debtors (half Telegram, half
   WhatsApp), 20 Stripe deliverers, 40 supervisor dashboards (5 per supervisor); ``--mix``
   changes the shares. See the locustfile for what each does.

   Reported per run, over the steady part (requests started ``--warmup`` seconds after every
   user was spawned and before the run time ended): requests, requests/s, p50/p90/p99/max for
   reads and for writes and per request name, answers by status, timeouts; the same for the
   ramp (requests started before the steady part: every user's log-in work, an agent's full
   pull and a debtor's verification, arrives within the spawn, and the queue it leaves takes
   a few seconds to drain); the load average of the machine (1 min, sampled every 2 s) and
   the PostgreSQL sessions of the scratch database (most at once, idle in transaction). Every
   5xx or timeout, in the ramp too, is a failure.
4. After the mixed run the job workers are given up to ``--drain`` seconds to deliver the
   creditors' webhooks; then, with every process stopped: each field visit and payment
   acknowledged is in the database exactly once (refused ones never; the mixed-load
   benchmark's judge), each Stripe event acknowledged paid its link exactly once and no link
   was paid twice, each chat message acknowledged was taken once and settled, every payment
   booked during the load has exactly one ``payment.received`` delivery, delivered (the
   stand-in received its event id), no job failed, and every account's balance equals the sum
   of its ledger entries.

Writes ``benchmarks/results/load_locust.json`` (one entry per ``--label``, kept across runs;
``--fresh`` starts again) and ``load_locust.png``. Exit status 1 on a 5xx, a timeout or a
correctness failure.

Usage: ``python benchmarks/load_locust.py [--users 200] [--spawn-rate 20] [--warmup 10]
[--seconds 60] [--wait 1 3] [--rows 3000] [--label NAME]`` (the locust command it runs is
printed). The figures of the recorded runs, and how to read them: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

from fastapi import FastAPI, Request, Response  # noqa: E402
from sqlalchemy import Engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.core.db import make_engine  # noqa: E402
from backend.field.models import Visit  # noqa: E402
from backend.integrations.models import WebhookDelivery  # noqa: E402
from backend.payments.models import Payment  # noqa: E402
from backend.users.models import User  # noqa: E402
from benchmarks import bots, payments  # noqa: E402
from benchmarks._common import (  # noqa: E402
    DEFAULT_PG,
    RESULTS,
    cobro,
    cobro_serve,
    cpu_seconds,
    default_database,
    environment,
    log,
    percentile_ms,
    postgres_database,
)
from benchmarks.mixed_load import (  # noqa: E402
    ActivityMonitor,
    Sent,
    commit_of,
    counted,
    judge,
    note_sync,
    prepare,
)
from tests.live import serve  # noqa: E402

RESULTS_JSON = RESULTS / "load_locust.json"
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
PASSWORD = "benchmark"  # noqa: S105 (the seeded users')
SYNC_VISIT, SYNC_PAYMENT = "lcs-v-", "lcs-p-"  # as in the locustfile
STALE = "stale connection"  # as in the locustfile
DEFAULT_MIX = {"agent": 80, "debtor": 60, "provider": 20, "supervisor": 40}
CREDITOR_EVENTS = ["payment.received", "promise.created", "plan.accepted"]
PHASES = ("reads_only", "mixed")


# --- the platforms' and creditors' stand-in ------------------------------------------------------


class StandIn:
    """Telegram's Bot API and Meta's Graph API (the bots benchmark's ``Platforms``) and the
    creditors' webhook receiver, over HTTP; ``GET /_buttons/<chat>`` tells a debtor user the
    buttons the bot last showed them."""

    def __init__(self) -> None:
        self.platforms = bots.Platforms()
        self.creditor_events: Counter[str] = Counter()
        self.app = FastAPI()

        @self.app.get("/_buttons/{user}")
        async def buttons(user: str) -> list[str]:
            return self.platforms.buttons.get(user, [])

        @self.app.post("/creditor-hook")
        async def creditor(request: Request) -> Response:
            self.creditor_events[request.headers["cobro-event-id"]] += 1
            return Response(status_code=204)

        @self.app.post("/{path:path}")
        async def platform(path: str, request: Request) -> Response:
            call = httpx.Request(
                "POST", str(request.url), headers=request.headers.raw, content=await request.body()
            )
            answer = await self.platforms.handle_async_request(call)
            return Response(answer.content, answer.status_code, media_type="application/json")


# --- the world -----------------------------------------------------------------------------------


def scaled_mix(users: int, mix: dict[str, int]) -> dict[str, int]:
    """``mix`` scaled to ``users`` in all (the largest share takes the rounding)."""
    total = sum(mix.values())
    counts = {kind: users * share // total for kind, share in mix.items()}
    counts[max(mix, key=mix.__getitem__)] += users - sum(counts.values())
    return counts


def seed_world(url: str, args: argparse.Namespace, counts: dict[str, int]) -> dict[str, Any]:
    """Everything the users need that does not depend on the servers: accounts per agent,
    chats, payment links and Stripe events."""
    team, seeding = prepare(url, args.rows, counts["agent"], args.supervisors)
    with default_database(url):
        chats, _ = bots.seed(max(counts["debtor"], 1), 0, random.Random(args.seed))
    engine = make_engine(url)
    try:
        stripe = payments.seed_portfolio(
            engine,
            "Pagos en línea",
            args.links + len(chats),
            links=True,
            pairs=0.0,
            seed=args.seed,
        )
        with Session(engine) as session:
            emails = dict(session.execute(select(User.id, User.email)).all())
            supervisors = sorted(
                email for email in emails.values() if email.startswith("supervisor")
            )
    finally:
        engine.dispose()
    sold = stripe.links[: args.links]
    events = [json.dumps(e) for e in payments.events_for(sold, args.seed)]
    return {
        "team": team,
        "emails": emails,
        "supervisors": supervisors,
        "chats": [
            {"n": chat.n, "token": chat.token, "link": link.token}
            for chat, link in zip(chats, stripe.links[args.links :], strict=True)
        ],
        "links": {f"evt_builtin_{link.id.hex}": str(link.id) for link in sold},
        "events": events,
        "stripe_accounts": [str(a["id"]) for a in stripe.accounts],
        "seeding": seeding | {"chats": len(chats), "links": len(sold), "events": len(events)},
    }


def server_env(standin: str, args: argparse.Namespace) -> dict[str, str]:
    """The API's and the workers' settings: both chat channels on the stand-in, Stripe's
    webhook secret, every other outbound channel and provider off."""
    return {
        "COBRO_WORKER_THREADS": str(args.worker_threads),
        # One login per person for the whole run (access tokens last 15 minutes by default).
        "COBRO_TOKEN_MINUTES": "240",
        "COBRO_LOG_FORMAT": "json",  # read back by ``log_problems``
        "COBRO_WEBHOOKS_ALLOW_PRIVATE": "true",
        "STRIPE_WEBHOOK_SECRET": payments.WEBHOOK_SECRET,
        "STRIPE_API_KEY": "",
        "COBRO_PAYMENT_PROVIDER": "",
        "TELEGRAM_BOT_TOKEN": bots.TG_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": bots.TG_SECRET,
        "TELEGRAM_API_BASE_URL": standin,
        "WHATSAPP_TOKEN": "bench",
        "WHATSAPP_PHONE_NUMBER_ID": bots.WA_PHONE,
        "WHATSAPP_APP_SECRET": bots.WA_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "bench",
        "WHATSAPP_API_BASE_URL": standin,
        "COBRO_BOT_TOKEN": "",
        "COBRO_WHATSAPP_TOKEN": "",
        "COBRO_TELEGRAM_BOT_TOKEN": "",
        "COBRO_TWILIO_ACCOUNT_SID": "",
        "COBRO_SMTP_HOST": "",
    }


def log_in(base: str, emails: list[str]) -> dict[str, str]:
    """One ``POST /auth/token`` per person (four at a time), waiting out a 429's or a 503's
    ``Retry-After``; their access tokens by e-mail."""

    def one(email: str) -> tuple[str, str]:
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(20):
                response = http.post(
                    "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
                )
                if response.status_code in (429, 503):  # throttled, or the hashing gate full
                    time.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                response.raise_for_status()
                return email, response.json()["access_token"]
        raise RuntimeError(f"{email} could not log in")

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, emails))


def subscribe_creditors(base: str, admin: str, standin: str) -> int:
    """Every creditor's systems subscribed (through the API) to the stand-in."""
    headers = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        creditors = http.get("/api/v1/creditors", params={"limit": 100}).raise_for_status()
        for creditor in creditors.json()["items"]:
            http.post(
                f"/api/v1/creditors/{creditor['id']}/webhook-endpoints",
                json={"url": f"{standin}/creditor-hook", "events": CREDITOR_EVENTS},
            ).raise_for_status()
        return len(creditors.json()["items"])


# --- the runs ------------------------------------------------------------------------------------


class LoadAverage(threading.Thread):
    """The 1-minute load average every 2 s while a run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(2):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> dict[str, float | None]:
        self.halt.set()
        self.join(timeout=5)
        s = self.samples
        if not s:
            return {"min": None, "mean": None, "max": None}
        return {"min": round(min(s), 2), "mean": round(sum(s) / len(s), 2), "max": round(max(s), 2)}


def locust_command(base: str, args: argparse.Namespace) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{math.ceil(args.users / args.spawn_rate + args.warmup + args.seconds)}s",
        "--stop-timeout",
        str(int(args.timeout) + 10),
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def run_locust(
    phase: str, base: str, config: Path, log_file: Path, args: argparse.Namespace
) -> None:
    command = locust_command(base, args)
    env = {
        **os.environ,
        "COBRO_LOAD_CONFIG": str(config),
        "COBRO_LOAD_PHASE": phase,
        "PYTHONPATH": str(ROOT),
    }
    log(f"[{phase}] {' '.join(command[2:])}")
    with log_file.open("a") as output:
        output.write(f"\n=== {phase}\n")
        output.flush()
        subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=output, check=False)


def figures(records: list[list[Any]], seconds: float) -> dict[str, Any]:
    """Requests answered (or timed out, or failed) and their latencies; requests sent again
    at once because their kept-alive connection was found closed are counted apart."""
    stale = sum(r[2] == STALE for r in records)
    records = [r for r in records if r[2] != STALE]
    latencies = sorted(r[4] for r in records)
    statuses = Counter(r[2] for r in records)
    return {
        "requests": len(records),
        "resent_on_stale_connection": stale,
        "rps": round(len(records) / seconds, 1) if seconds else None,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p90_ms": percentile_ms(latencies, 0.90),
        "p99_ms": percentile_ms(latencies, 0.99),
        "max_ms": percentile_ms(latencies, 1.0),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "timeouts": statuses.get("timeout", 0),
        "transport_errors": statuses.get("error", 0),
    }


def summarize(output: dict[str, Any], warmup: float) -> dict[str, Any]:
    """Figures over the steady part, over the ramp before it, and the whole run's counts."""
    marks = output["marks"]
    start = marks.get("spawned", marks["started"]) + warmup
    end = marks.get("ended", marks["stopped"])
    records = output["records"]
    steady = [r for r in records if start <= r[3] <= end]
    ramp = [r for r in records if r[3] < start]
    seconds = end - start
    names = sorted({r[0] for r in steady})
    return {
        "steady_seconds": round(seconds, 1),
        "all": figures(steady, seconds),
        "reads": figures([r for r in steady if r[1] == "read"], seconds),
        "writes": figures([r for r in steady if r[1] == "write"], seconds),
        "by_name": {n: figures([r for r in steady if r[0] == n], seconds) for n in names},
        "ramp": {
            kind: figures([r for r in ramp if r[1] == kind], start - marks["started"])
            for kind in ("read", "write")
        },
        "whole_run": figures(records, marks["stopped"] - marks["started"]),
    }


def log_problems(path: Path) -> dict[str, Any]:
    """Warnings and errors in a process's JSON log, by event, and the exceptions they carry,
    by type; lines that are not JSON (a crash before logging was set up) are counted apart."""
    levels: Counter[str] = Counter()
    events: Counter[str] = Counter()
    exceptions: Counter[str] = Counter()
    other = 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            other += bool(line.strip())
            continue
        level = str(entry.get("level", ""))
        if level not in ("warning", "error", "critical"):
            continue
        levels[level] += 1
        events[f"{level}: {str(entry.get('event', ''))[:120]}"] += 1
        for raised in entry.get("exception") or []:
            if isinstance(raised, dict):
                exceptions[f"{raised.get('exc_type')}: {str(raised.get('exc_value'))[:120]}"] += 1
    return {
        "levels": dict(levels),
        "events": dict(events.most_common(10)),
        "exceptions": dict(exceptions.most_common(10)),
        "lines_not_json": other,
    }


def cpu(api: int, job_workers: list[int], database: Engine) -> dict[str, Any]:
    """CPU seconds so far of the API processes, the job workers, the Locust runs (ended
    children of this process) and each PostgreSQL backend serving the scratch database."""
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "api": cpu_seconds([api], children=True),
        "job_workers": cpu_seconds(job_workers, children=True),
        "locust": own.ru_utime + own.ru_stime,
        "postgres": {pid: cpu_seconds([pid]) for pid in payments.backends(database)},
    }


def cpu_spent(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds between two ``cpu`` readings; for PostgreSQL, of the backends alive at the
    end (those that ended meanwhile are not counted)."""
    spent = {k: after[k] - before[k] for k in ("api", "job_workers", "locust")}
    old = before["postgres"]
    spent["postgres"] = sum(v - old.get(pid, 0.0) for pid, v in after["postgres"].items())
    return {k: round(v, 2) for k, v in spent.items()}


# --- after the load ------------------------------------------------------------------------------


def drain(url: str, since: datetime, seconds: float) -> dict[str, Any]:
    """Wait (up to ``seconds``) until every payment booked since ``since`` has its
    ``payment.received`` delivery and nothing is left to deliver."""
    engine = make_engine(url)
    started = time.monotonic()
    try:
        while True:
            with Session(engine) as session:
                booked = session.execute(
                    select(func.count()).where(Payment.created_at >= since)
                ).scalar_one()
                deliveries = Counter(
                    dict(
                        session.execute(
                            select(WebhookDelivery.status, func.count()).group_by(
                                WebhookDelivery.status
                            )
                        ).all()
                    )
                )
                received = session.execute(
                    select(func.count()).where(WebhookDelivery.event_type == "payment.received")
                ).scalar_one()
            waiting = deliveries["pending"] + deliveries["sending"]
            if (received >= booked and not waiting) or time.monotonic() - started > seconds:
                return {
                    "seconds": round(time.monotonic() - started, 1),
                    "payments_booked": booked,
                    "payment_received_deliveries": received,
                    "deliveries": dict(deliveries),
                }
            time.sleep(2)
    finally:
        engine.dispose()


def verify(
    url: str, world: dict[str, Any], outputs: dict[str, dict[str, Any]], standin: StandIn
) -> dict[str, Any]:
    mixed = outputs["mixed"]
    sent: dict[str, dict[str, Sent]] = {"sync_payment": {}, "sync_visit": {}}
    tally: Counter[str] = Counter()
    for push in mixed["syncs"]:
        note_sync(sent, tally, push["actions"], push["status"], push["results"])
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            checks: dict[str, Any] = {
                "sync_payment": judge(
                    sent["sync_payment"], counted(session, Payment.client_id, SYNC_PAYMENT)
                ),
                "sync_visit": judge(
                    sent["sync_visit"], counted(session, Visit.client_id, SYNC_VISIT)
                ),
                "sync_results": dict(sorted(tally.items())),
            }
            checks["stripe"] = check_stripe(session, world, mixed["stripe"])
            checks["chats"] = check_chats(session, mixed["chats"])
            checks["creditor_webhooks"] = check_deliveries(session, standin)
            checks["jobs"] = check_jobs(session)
        mismatches = payments.balance_mismatches(engine)
    finally:
        engine.dispose()
    checks["balances"] = {"mismatches": mismatches, "ok": mismatches == 0}
    checks["ok"] = all(c["ok"] for c in checks.values() if isinstance(c, dict) and "ok" in c)
    return checks


def _acknowledged(outcomes: list[str]) -> bool:
    return any(o.startswith("2") for o in outcomes)


def check_stripe(
    session: Session, world: dict[str, Any], answers: list[list[str]]
) -> dict[str, Any]:
    """An acknowledged event paid its link once; no link paid twice; a link whose event was
    never sent unpaid."""
    outcomes: dict[str, list[str]] = defaultdict(list)
    for event_id, outcome in answers:
        outcomes[event_id].append(outcome)
    paid = Counter(
        str(link)
        for link in session.execute(
            select(Payment.link_id).where(Payment.link_id.is_not(None))
        ).scalars()
    )
    links: dict[str, str] = world["links"]
    acked = {e for e, o in outcomes.items() if _acknowledged(o)}
    unpaid_acked = [e for e in acked if paid[links[e]] != 1]
    twice = [link for link, n in paid.items() if n > 1]
    never_sent_paid = [e for e, link in links.items() if e not in outcomes and paid[link]]
    answered = Counter(o for each in outcomes.values() for o in each)
    return {
        "deliveries": len(answers),
        "events": len(outcomes),
        "events_acknowledged": len(acked),
        "answers": dict(sorted(answered.items())),
        "acknowledged_not_paid_once": len(unpaid_acked),
        "links_paid_twice": len(twice),
        "never_sent_but_paid": len(never_sent_paid),
        "ok": not (unpaid_acked or twice or never_sent_paid),
    }


def check_chats(session: Session, answers: list[list[str]]) -> dict[str, Any]:
    """Each message acknowledged was taken into the bot inbox once, and settled."""
    outcomes: dict[str, list[str]] = defaultdict(list)
    for key, outcome in answers:
        outcomes[key].append(outcome)
    acked = sum(_acknowledged(o) for o in outcomes.values())
    unanswered = sum(not _acknowledged(o) for o in outcomes.values())
    rows, unsettled = session.execute(
        text("SELECT count(*), count(*) FILTER (WHERE done_at IS NULL) FROM bot_inbox")
    ).one()
    answered = Counter(o for each in outcomes.values() for o in each)
    return {
        "deliveries": len(answers),
        "messages": len(outcomes),
        "messages_acknowledged": acked,
        "answers": dict(sorted(answered.items())),
        "inbox_rows": rows,
        "inbox_unsettled": unsettled,
        "ok": unsettled == 0 and acked <= rows <= acked + unanswered,
    }


def check_deliveries(session: Session, standin: StandIn) -> dict[str, Any]:
    """Every payment booked after the subscriptions has one ``payment.received`` delivery;
    every delivery marked delivered reached the stand-in."""
    subscribed = session.execute(text("SELECT min(created_at) FROM webhook_endpoints")).scalar()
    if subscribed is None:
        return {"ok": False, "error": "no endpoint"}
    booked = session.execute(
        select(func.count()).where(Payment.created_at >= subscribed)
    ).scalar_one()
    by_type = Counter(
        dict(
            session.execute(
                select(WebhookDelivery.event_type, func.count()).group_by(
                    WebhookDelivery.event_type
                )
            ).all()
        )
    )
    statuses = Counter(
        dict(
            session.execute(
                select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
            ).all()
        )
    )
    delivered = [
        str(i)
        for i in session.execute(
            select(WebhookDelivery.id).where(WebhookDelivery.status == "delivered")
        ).scalars()
    ]
    not_received = [i for i in delivered if standin.creditor_events[i] == 0]
    return {
        "payments_booked": booked,
        "by_type": dict(sorted(by_type.items())),
        "statuses": dict(sorted(statuses.items())),
        "received_by_stand_in": len(standin.creditor_events),
        "received_more_than_once": sum(n > 1 for n in standin.creditor_events.values()),
        "delivered_not_received": len(not_received),
        "ok": by_type["payment.received"] == booked
        and statuses["delivered"] == sum(statuses.values())
        and not not_received,
    }


def check_jobs(session: Session) -> dict[str, Any]:
    rows = session.execute(
        text(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs "
            "GROUP BY task_name, status ORDER BY task_name, status"
        )
    ).all()
    jobs = {f"{task} {status}": n for task, status, n in rows}
    failed = sum(n for _, status, n in rows if status == "failed")
    return {"jobs": jobs, "failed": failed, "ok": failed == 0}


# --- one run -------------------------------------------------------------------------------------


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    counts = scaled_mix(args.users, args.mix)
    log(f"seeding: {args.rows:,} accounts, {counts['agent']} agents, users {counts}")
    world = seed_world(url, args, counts)
    team = world["team"]
    monitor = ActivityMonitor(args.pg_url, make_url(url).database or "")
    monitor.start()
    standin = StandIn()
    database = make_engine(url)  # to read the CPU time of its backends
    outputs: dict[str, dict[str, Any]] = {}
    loads: dict[str, dict[str, float | None]] = {}
    spent: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="cobro_locust_") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        # Keep-alive as long as the real APIs', so a reply never races the stand-in closing an
        # idle connection (uvicorn's default is 5 s).
        standin_url = stack.enter_context(serve(standin.app, timeout_keep_alive=300))
        env = server_env(standin_url, args)
        server_log, worker_log = folder / "server.log", folder / "workers.log"
        log(f"starting cobro serve --workers {args.api_workers} and {args.job_workers} workers")
        api = stack.enter_context(
            cobro_serve(
                url,
                workers=args.api_workers,
                env=env,
                output=stack.enter_context(server_log.open("w")),
            )
        )
        worker_output = stack.enter_context(worker_log.open("w"))
        job_workers = [
            stack.enter_context(
                cobro(
                    ["worker", "--concurrency", "4", "--name", f"load-{i}"],
                    url,
                    env=env | {"COBRO_LOG_LEVEL": "WARNING"},
                    output=worker_output,
                )
            ).pid
            for i in range(args.job_workers)
        ]
        agent_ids = sorted(team.agents, key=lambda a: world["emails"][a])
        people = [
            "admin@bench.cobro",
            *world["supervisors"],
            *(world["emails"][a] for a in agent_ids),
        ]
        started = time.perf_counter()
        tokens = log_in(api.base, people)
        login_seconds = round(time.perf_counter() - started, 1)
        log(f"{len(tokens)} logins in {login_seconds} s")
        creditors = subscribe_creditors(api.base, tokens["admin@bench.cobro"], standin_url)
        subscribed = datetime.now(UTC)
        config = folder / "world.json"
        config.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "wait": args.wait,
                    "timeout": args.timeout,
                    "users": counts,
                    "replay_share": args.replay_share,
                    "double_share": args.double_share,
                    "agents": [
                        {"token": tokens[world["emails"][a]], "accounts": team.agents[a]}
                        for a in agent_ids
                    ],
                    "supervisors": [tokens[s] for s in world["supervisors"]],
                    "admin": tokens["admin@bench.cobro"],
                    "chats": world["chats"],
                    "stripe": {
                        "events": world["events"],
                        "secret": payments.WEBHOOK_SECRET,
                        "accounts": world["stripe_accounts"],
                    },
                    "standin": standin_url,
                    "output": {phase: str(folder / f"{phase}.json") for phase in PHASES},
                }
            )
        )
        locust_log = folder / "locust.log"
        for phase in PHASES:
            monitor.phase = phase
            average = LoadAverage()
            average.start()
            before = cpu(api.pid, job_workers, database)
            run_locust(phase, api.base, config, locust_log, args)
            loads[phase] = average.stop()
            spent[phase] = cpu_spent(before, cpu(api.pid, job_workers, database))
            monitor.phase = "between runs"
            outputs[phase] = json.loads((folder / f"{phase}.json").read_text())
            log(f"[{phase}] {len(outputs[phase]['records'])} requests; load {loads[phase]}")
            time.sleep(5)
        monitor.phase = "drain"
        log(f"waiting up to {args.drain:g} s for the workers to deliver the creditors' webhooks")
        drained = drain(url, subscribed, args.drain)
        stack.close()  # every process stopped before the check
        failures = {
            "api": log_problems(server_log),
            "workers": log_problems(worker_log),
            "locust_tail": locust_log.read_text(errors="replace")[-3000:],
        }
    activity = monitor.stop()
    database.dispose()
    log("checking every write")
    correctness = verify(url, world, outputs, standin)
    summaries = {phase: summarize(outputs[phase], args.warmup) for phase in PHASES}
    for phase, summary in summaries.items():
        requests = summary["whole_run"]["requests"]
        summary["cpu_seconds"] = spent[phase]
        summary["cpu_ms_per_request"] = {
            k: round(v * 1000 / requests, 1) if requests else None for k, v in spent[phase].items()
        }
    reads, mixed = summaries["reads_only"]["all"], summaries["mixed"]["all"]
    problems = sum(
        s["whole_run"]["server_errors"] + s["whole_run"]["timeouts"] for s in summaries.values()
    )
    return {
        "label": args.label,
        "commit": commit_of(ROOT),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "users": counts,
            "spawn_rate": args.spawn_rate,
            "warmup": args.warmup,
            "seconds": args.seconds,
            "wait_seconds": args.wait,
            "api_workers": args.api_workers,
            "job_workers": args.job_workers,
            "worker_threads": args.worker_threads,
            "timeout": args.timeout,
            "replay_share": args.replay_share,
            "double_share": args.double_share,
        },
        "seeding": world["seeding"] | {"logins": len(tokens), "login_seconds": login_seconds},
        "creditors_subscribed": creditors,
        "phases": summaries,
        "mixed_over_reads_only": {
            "rps": round(mixed["rps"] / reads["rps"], 3) if reads["rps"] else None,
            "p99": round(mixed["p99_ms"] / reads["p99_ms"], 2) if reads["p99_ms"] else None,
        },
        "load_average": loads,
        "pg_activity": activity,
        "drain": drained,
        "process_logs": failures,
        "correctness": correctness,
        "targets": {
            "no_5xx": problems == 0,
            "write_p99_under_1s": (summaries["mixed"]["writes"]["p99_ms"] or 0) < 1000,
        },
        "ok": problems == 0 and correctness["ok"],
    }


# --- report --------------------------------------------------------------------------------------


def print_run(name: str, res: dict[str, Any]) -> None:
    p = res["parameters"]
    print(
        f"\n{name} @ {res['commit']}: {sum(p['users'].values())} users {p['users']}, "
        f"think {p['wait_seconds'][0]:g}-{p['wait_seconds'][1]:g} s, "
        f"{p['api_workers']} API processes, {p['job_workers']} job workers"
    )
    print(
        f"{'run':<11}{'kind':<8}{'requests':>9}{'rps':>7}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'5xx':>5}{'t/o':>5}  load avg"
    )
    for phase in PHASES:
        load = res["load_average"][phase]
        for kind in ("all", "reads", "writes"):
            m = res["phases"][phase][kind]
            if not m["requests"]:
                continue
            print(
                f"{phase:<11}{kind:<8}{m['requests']:>9}{m['rps']:>7}{m['p50_ms']:>9}"
                f"{m['p90_ms']:>9}{m['p99_ms']:>9}{m['max_ms']:>9}{m['server_errors']:>5}"
                f"{m['timeouts']:>5}  {load['min']}-{load['max']}"
            )
        for kind in ("read", "write"):
            m = res["phases"][phase].get("ramp", {}).get(kind)
            if m and m["requests"]:
                print(
                    f"{phase:<11}{'ramp ' + kind[0]:<8}{m['requests']:>9}{m['rps']:>7}"
                    f"{m['p50_ms']:>9}{m['p90_ms']:>9}{m['p99_ms']:>9}{m['max_ms']:>9}"
                    f"{m['server_errors']:>5}{m['timeouts']:>5}"
                )
    stale = {phase: res["phases"][phase]["all"]["resent_on_stale_connection"] for phase in PHASES}
    print(f"sent again at once on a stale kept-alive connection (not counted above): {stale}")
    for phase in PHASES:
        per = res["phases"][phase].get("cpu_ms_per_request", {})
        print(f"CPU ms per request, {phase}: " + ", ".join(f"{k} {v}" for k, v in per.items()))
    print("mixed run, per request:")
    for op, m in res["phases"]["mixed"]["by_name"].items():
        print(
            f"  {op:<22}{m['requests']:>7}{m['p50_ms']:>9}{m['p90_ms']:>9}{m['p99_ms']:>9}  "
            f"{m['statuses']}"
        )
    c = res["correctness"]
    for kind in ("sync_payment", "sync_visit"):
        k = c[kind]
        print(
            f"{kind:<14} sent {k['keys_sent']:>6}  acknowledged {k['keys_acknowledged']:>6}  "
            f"rows {k['rows_found']:>6}  {'ok' if k['ok'] else 'FAILED ' + json.dumps(k)}"
        )
    for kind in ("stripe", "chats", "creditor_webhooks", "jobs", "balances"):
        print(f"{kind:<18} {'ok' if c[kind]['ok'] else 'FAILED'} {json.dumps(c[kind])}")
    for name in ("api", "workers"):
        logged = res["process_logs"][name]
        print(f"{name} log: {logged['levels']} {logged['events']} {logged['exceptions']}")
    print(f"targets: {res['targets']}; overall ok: {res['ok']}")


def chart(runs: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        (
            f"{name}\n{phase.replace('_', ' ')} {kind}\n"
            f"load {runs[name]['load_average'][phase]['mean']}",
            runs[name]["phases"][phase][kind],
        )
        for name in sorted(runs)
        for phase in PHASES
        for kind in ("reads", "writes")
        if runs[name]["phases"][phase][kind]["requests"]
    ]
    xs = list(range(len(groups)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, 1.5 * len(groups)), 8))
    width = 0.27
    for k, q in enumerate(("p50_ms", "p90_ms", "p99_ms")):
        top.bar([x + (k - 1) * width for x in xs], [g[1][q] for g in groups], width, label=q[:3])
    top.axhline(1000, color="grey", linestyle="--", linewidth=1, label="1 s")
    top.set_yscale("log")
    top.set_title("latency (ms, log scale), steady part of each run")
    top.legend()
    failed = [g[1]["server_errors"] or g[1]["timeouts"] for g in groups]
    bottom.bar(
        xs,
        [g[1]["rps"] for g in groups],
        0.6,
        color=["tab:red" if f else "tab:blue" for f in failed],
    )
    bottom.set_title("requests per second of each kind (red: some 5xx or timeouts)")
    for axis in (top, bottom):
        axis.set_xticks(xs, [g[0] for g in groups], fontsize=7)
    fig.suptitle("Locust: 200 users, reads only vs mixed (2 API processes, 2 job workers)")
    fig.tight_layout()
    fig.savefig(path)
    log(f"chart: {path}")


def parse_mix(value: str) -> dict[str, int]:
    mix = dict(DEFAULT_MIX)
    for part in value.split(","):
        kind, _, share = part.partition("=")
        if kind not in mix:
            raise argparse.ArgumentTypeError(f"unknown user kind {kind!r}")
        mix[kind] = int(share)
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="where to create the scratch db")
    parser.add_argument("--label", help="name of this run in the results")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds after the spawn left out of the figures"
    )
    parser.add_argument("--seconds", type=float, default=60, help="steady part of each run")
    parser.add_argument("--wait", type=float, nargs=2, default=[1.0, 3.0], help="think time")
    parser.add_argument("--mix", type=parse_mix, default=DEFAULT_MIX, help="e.g. agent=80,...")
    parser.add_argument("--rows", type=int, default=3000, help="accounts imported")
    parser.add_argument("--supervisors", type=int, default=8)
    parser.add_argument("--links", type=int, default=1500, help="links Stripe events pay")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--job-workers", type=int, default=2)
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=16,
        help="COBRO_WORKER_THREADS per API process (its pool holds that many + 8 connections)",
    )
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--replay-share", type=float, default=0.15)
    parser.add_argument("--double-share", type=float, default=0.05)
    parser.add_argument("--drain", type=float, default=150, help="seconds for the job workers")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="forget earlier runs in the JSON")
    parser.add_argument("--chart-only", action="store_true", help="redraw the chart from the JSON")
    args = parser.parse_args()
    if args.chart_only:
        chart(json.loads(RESULTS_JSON.read_text())["runs"], RESULTS / "load_locust.png")
        return
    args.label = args.label or f"think {args.wait[0]:g}-{args.wait[1]:g} s"
    with postgres_database(args.pg_url, f"cobro_bench_locust_{os.getpid()}") as url:
        result = run(url, args)
    result["environment"] = environment(args.pg_url)
    stored: dict[str, Any] = {}
    if RESULTS_JSON.exists() and not args.fresh:
        stored = json.loads(RESULTS_JSON.read_text())
    stored.setdefault("runs", {})[args.label] = result
    RESULTS.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(stored, indent=2, default=str) + "\n")
    print_run(args.label, result)
    print(f"\nresults: {RESULTS_JSON}")
    chart(stored["runs"], RESULTS / "load_locust.png")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
