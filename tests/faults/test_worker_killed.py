"""kill -9 of a job worker in the middle of a real job that commits as it goes.

``tests/jobs/test_pg_workers.py`` proves a sample job (one transaction) killed mid-run is run
again once by a worker started afterwards. What remains is a real job that has already
committed part of its work when its worker dies, taken over by a worker that was running all
along: a bank statement upload (``statements.process_upload``) booking 1,000 lines per
committed chunk. The first worker books the first chunk and is then held on one account's row
lock (taken by the test) in the second; it is killed there; the other worker's stalled-job
check gives the job back to the queue, and its second run books the rest. Every line is booked
exactly once, and every balance equals its ledger sum."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.payments.models import Payment
from backend.statements import tasks
from backend.statements.models import StatementLine
from backend.statements.service import CHUNK_LINES
from backend.uploads import service as uploads
from backend.uploads.models import Upload
from tests.faults.clients import wait_for
from tests.processes import workers
from tests.statements.helpers import Desk, csv_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

TAIL = 10  # lines of the second chunk, all for the held account
TASK = {"task": tasks.JOB}


def test_a_worker_killed_mid_statement_leaves_the_rest_to_the_other_once(
    committed_engine: Engine, db_kind: str
) -> None:
    if db_kind != "postgresql":
        pytest.skip("cobro worker runs procrastinate on PostgreSQL")
    engine = committed_engine
    with session_scope(engine) as session:
        desk = Desk(session)
        refs = [desk.account(f"PE-{3000 + i}", principal=900_000).external_ref for i in range(10)]
        held = desk.account("PE-3999", principal=900_000).id
        rows = [("20/01/2025", "1,00", "", f"Abono {refs[i % 10]}") for i in range(CHUNK_LINES)]
        rows += [("20/01/2025", "1,00", "", "Abono PE-3999")] * TAIL
        upload = uploads.queue(
            session,
            Actor("user", desk.admin.id),
            desk.admin,
            kind="statement",
            job=tasks.JOB,
            portfolio_id=desk.portfolio.id,
            filename="extracto.csv",
            data=csv_bytes(rows),
            language="es",
        ).id
    lock = engine.connect()
    holding = lock.begin()
    lock.execute(select(Account.id).where(Account.id == held).with_for_update())
    try:
        with workers(engine, 1) as (first,):
            wait_for(lambda: _job_status(engine) == "doing", "the first worker", 120)
            with workers(engine, 1, numbered_from=1):  # it never sees the job being done
                wait_for(lambda: _registered(engine) == 2, "the second worker", 120)
                wait_for(lambda: _booked(engine) == CHUNK_LINES and _waiting(engine), "chunk 1")
                first.kill()  # SIGKILL: its open transaction (the second chunk) never commits
                first.wait(timeout=10)
                holding.rollback()
                wait_for(lambda: _status(engine, upload) == "succeeded", "the retry", 60)
    finally:
        if holding.is_active:
            holding.rollback()
        lock.close()

    assert _booked(engine) == CHUNK_LINES + TAIL
    with Session(engine) as session:
        payments = session.execute(
            select(func.count(), func.count(func.distinct(Payment.external_id))).where(
                Payment.external_id.like("statement:%")
            )
        ).one()
        lines = session.execute(select(func.count()).select_from(StatementLine)).scalar_one()
        attempts = session.execute(
            text("SELECT attempts FROM procrastinate_jobs WHERE task_name = :task"), TASK
        ).scalar_one()
        off_ledger = session.execute(
            text(
                "SELECT count(*) FROM accounts a WHERE a.balance_minor <> "
                "(SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e "
                "WHERE e.account_id = a.id)"
            )
        ).scalar_one()
        balance = session.get(Account, held)
    assert tuple(payments) == (CHUNK_LINES + TAIL, CHUNK_LINES + TAIL)  # each line once
    assert lines == CHUNK_LINES + TAIL
    assert attempts >= 2  # the job did run twice
    assert off_ledger == 0
    assert balance is not None and balance.balance_minor == 900_000 - TAIL * 100


def _booked(engine: Engine) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(Payment.external_id.like("statement:%"))
        return session.execute(query).scalar_one()


def _waiting(engine: Engine) -> bool:
    """A connection is waiting for a row lock (the worker, on the held account)."""
    with Session(engine) as session:
        query = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return session.execute(query).scalar_one() > 0


def _job_status(engine: Engine) -> str | None:
    with Session(engine) as session:
        query = text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :task")
        return session.execute(query, TASK).scalar_one_or_none()


def _registered(engine: Engine) -> int:
    with Session(engine) as session:
        query = text("SELECT count(*) FROM procrastinate_workers")
        return session.execute(query).scalar_one()


def _status(engine: Engine, upload_id: object) -> str | None:
    with Session(engine) as session:
        upload = session.get(Upload, upload_id)
        return upload.status if upload else None
