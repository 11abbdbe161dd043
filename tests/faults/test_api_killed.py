"""kill -9 of an API process in the middle of requests: clients posting idempotent writes
(ledger posts with idempotency keys, field syncs with client ids) to a real ``cobro serve``
see their requests cut, send everything not acknowledged again to the process that replaces
it, and in the end each write is in the database exactly once, with balances equal to their
ledger sums. On SQLite (a process dying mid-transaction in WAL mode) and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.faults.clients import Desk, Senders, wait_for
from tests.processes import api_processes

pytestmark = pytest.mark.slow

WRITES = 48


def test_a_killed_api_process_loses_nothing_and_doubles_nothing(
    committed_engine: Engine,
) -> None:
    desk = Desk.seed(committed_engine)
    writes = [desk.ledger_post(i) if i % 2 else desk.field_sync(i) for i in range(WRITES)]
    # The replacement starts beside the first (as another replica would), so the test waits for
    # one start-up, not two.
    with api_processes(committed_engine, 2) as (first, replacement):
        senders = Senders(first.base, writes, threads=4).start()
        wait_for(lambda: senders.acknowledged >= WRITES // 3, "a third of the writes")
        wait_for(lambda: senders.in_flight > 0, "a request in flight")
        first.kill()
        senders.base = replacement.base
        senders.join()

    assert senders.done and not senders.unexpected, senders.answers
    assert senders.acknowledged == WRITES
    assert senders.answers["cut"] >= 1, senders.answers  # killed with requests in flight
    held = desk.check(committed_engine)
    assert held["entries"] == {1: WRITES // 2}  # each ledger key exactly once
    assert held["payments"] == held["visits"] == {1: WRITES // 2}  # each sync action once
    assert held["balances"] == desk.expected_balances()
    assert held["off_ledger"] == held["entries_without_one_audit_event"] == 0
