"""The database drops the API's connections (``pg_terminate_backend``, as a failover or an
administrator does) while requests run: each request that met a dead connection answers 503
``database_unavailable`` (never 500), nothing it did stays half-written, the clients' retries
succeed, and once the storm is over the pool has recovered: every later request succeeds at
the first attempt."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.faults.clients import Desk, Senders, Write, wait_for
from tests.processes import api_processes

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

WRITES = 60
TERMINATE = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


class Storm(threading.Thread):
    """Terminates every other connection to the database every 50 ms until stopped."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.dropped = 0
        self.halt = threading.Event()

    def run(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.halt.wait(0.05):
                self.dropped += conn.execute(TERMINATE).scalar_one()


def test_dropped_connections_answer_503_and_the_pool_recovers(
    committed_engine: Engine, db_kind: str
) -> None:
    if db_kind != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    desk = Desk.seed(committed_engine)
    enough = threading.Event()
    with api_processes(committed_engine) as (api,):
        senders = Senders(api.base, desk.mix(WRITES, until=enough), threads=4).start()
        storm = Storm(committed_engine)
        storm.start()
        try:  # until some requests met a dropped connection
            wait_for(lambda: senders.answers["503"] >= 3, "503s", seconds=60)
        finally:
            storm.halt.set()
            storm.join(timeout=10)
            enough.set()  # the clients finish what they hold
        senders.join()
        after = _sequential(api.base, [desk.ledger_post(i) for i in range(5)])
        after += _sequential(api.base, [desk.field_sync(i) for i in range(5)])
        after += _sequential(api.base, [desk.read(i) for i in range(5)])

    assert storm.dropped > 0
    assert senders.done and not senders.unexpected, (senders.unexpected, senders.answers)
    assert senders.acknowledged == desk.sent >= WRITES
    assert after == [201] * 5 + [200] * 10  # posts created, syncs and reads answered
    held = desk.check(committed_engine)
    posts, syncs = len(desk.ledger_keys), len(desk.sync_ids)
    assert held["entries"] == {1: posts}
    assert held["payments"] == held["visits"] == {1: syncs}
    assert held["balances"] == desk.expected_balances()
    assert held["off_ledger"] == held["entries_without_one_audit_event"] == 0


def _sequential(base: str, writes: list[Write]) -> list[int]:
    """Each sent once (no retry): the status it got."""
    statuses = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for write in writes:
            if write.body is None:
                response = http.get(write.path, headers=write.headers)
            else:
                response = http.post(write.path, json=write.body, headers=write.headers)
            statuses.append(response.status_code)
    return statuses
