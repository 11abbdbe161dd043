"""Sending reminders through the Twilio stand-in with 1 and 4 workers, on PostgreSQL, beside
the same messages sent straight through the same adapter (no database) in the same run.

For each worker count: a fresh database with N accounts 7 days past due in a Peruvian portfolio
whose strategy reminds them by SMS, planned for Thursday 10 December 2026 at 10:00 Lima; then
``send_due`` is run by that many threads (each its own Twilio adapter) until nothing is left.
The baseline sends N messages through one ``TwilioSender`` per thread without claiming,
rendering or recording anything. Every message must arrive exactly once.

Writes ``benchmarks/results/outbound_send.json``: messages/s for each, and the ratios.

Usage: ``python benchmarks/outbound_send.py [--accounts 2000]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)
os.environ.setdefault("COBRO_PAYMENT_PROVIDER", "builtin")

from _common import DEFAULT_PG, RESULTS, environment, log, postgres_database  # noqa: E402

MORNING = datetime(2026, 12, 10, 10, 0, tzinfo=ZoneInfo("America/Lima"))


def _threads(count: int, work) -> float:
    """Seconds for ``count`` threads to run ``work(n)`` from one start line."""
    start = threading.Barrier(count + 1)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def seed(url: str, accounts: int) -> None:
    from backend.audit.service import Actor
    from backend.core.db import make_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.outbound.planner import plan_portfolio
    from tests.outbound.test_sending import DAY, _seed

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    with session_scope(engine) as session:
        portfolio, _ = _seed(session, accounts=accounts, channels=("sms",))
        plan_portfolio(session, Actor.system(), portfolio.id, DAY, now=MORNING)
    engine.dispose()


def measure(url: str, workers: int, standins_url: str, received) -> dict[str, float]:
    from backend.core.clock import pinned
    from backend.core.db import make_engine
    from backend.outbound.channels.ratelimit import LocalLimiter
    from backend.outbound.sending import send_due
    from shared.schemas.enums import Channel
    from tests.outbound.channels.test_sms import sender_for

    engine = make_engine(url)
    before = len(received)

    def work(_: int) -> None:
        sms = sender_for(standins_url)
        try:
            while send_due({Channel.sms: sms}, LocalLimiter({}), engine, limit=20).claimed:
                pass
        finally:
            sms.close()

    with pinned(MORNING + timedelta(minutes=1)):
        seconds = _threads(workers, work)
    engine.dispose()
    sent = len(received) - before
    recipients = {r.body["To"] for r in received[before:]}
    assert len(recipients) == sent, "a reminder went out twice"
    return {"seconds": round(seconds, 2), "messages": sent, "per_second": round(sent / seconds, 1)}


def baseline(workers: int, messages: int, standins_url: str) -> dict[str, float]:
    from backend.outbound.channels.base import OutboundMessage
    from shared.schemas.enums import Channel
    from tests.outbound.channels.test_sms import sender_for

    share = messages // workers

    def work(n: int) -> None:
        sms = sender_for(standins_url)
        try:
            for i in range(share):
                sms.send(
                    OutboundMessage(
                        key=f"b{n}-{i}", channel=Channel.sms, to=f"+5197{n:02d}{i:05d}", text="x"
                    )
                )
        finally:
            sms.close()

    seconds = _threads(workers, work)
    total = share * workers
    return {
        "seconds": round(seconds, 2),
        "messages": total,
        "per_second": round(total / seconds, 1),
    }


def main() -> None:
    from tests.outbound.standins import serve_apis

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()
    results: dict[str, dict[str, float]] = {}
    with serve_apis() as apis:
        for workers in (1, 4):
            with postgres_database(DEFAULT_PG, f"cobro_bench_send_{os.getpid()}") as url:
                log(f"seeding {args.accounts} reminders")
                seed(url, args.accounts)
                results[f"send_{workers}"] = measure(url, workers, apis.url, apis.twilio.received)
                log(f"  {workers} worker(s): {results[f'send_{workers}']}")
            results[f"bare_{workers}"] = baseline(workers, args.accounts, apis.url)
            log(f"  bare adapter, {workers} thread(s): {results[f'bare_{workers}']}")
    summary = {
        "benchmark": "outbound_send",
        "accounts": args.accounts,
        "environment": environment(DEFAULT_PG),
        "load_average_at_start": [round(x, 2) for x in load],
        "results": results,
        "ratio_1_worker_to_bare": round(
            results["send_1"]["per_second"] / results["bare_1"]["per_second"], 2
        ),
        "ratio_4_workers_to_bare": round(
            results["send_4"]["per_second"] / results["bare_4"]["per_second"], 2
        ),
        "speed_up_4_over_1": round(
            results["send_4"]["per_second"] / results["send_1"]["per_second"], 2
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "outbound_send.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
