"""Concurrent confirmations and uploads book once (PostgreSQL, real commits)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine, func, select

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.statements import service
from backend.statements.models import StatementLine
from backend.users.models import User
from shared.schemas.enums import EntryKind, Role
from tests import builders as b
from tests.statements.helpers import csv_bytes

pytestmark = pytest.mark.postgres_only


def test_two_concurrent_confirms_book_once(committed_engine: Engine, db_kind: str) -> None:
    if db_kind != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session)
        admin = b.user(session, Role.admin)
        short = b.account(session, portfolio, external_ref="AB-1002")
        long = b.account(session, portfolio, external_ref="AB-10020")
        result = service.upload(
            session,
            Actor("user", admin.id),
            portfolio.id,
            csv_bytes([("2025-01-20", "250", "AB10020", "")]),
            "extracto.csv",
        )
        statement_id = result.statement.id
        line_id = session.execute(
            select(StatementLine.id).where(StatementLine.statement_id == statement_id)
        ).scalar_one()
    barrier = threading.Barrier(2)
    answers: list[tuple[uuid.UUID | None, bool]] = []
    failures: list[BaseException] = []

    def confirm() -> None:
        try:
            with session_scope(committed_engine) as session:
                user = session.get(User, admin.id)
                assert user is not None
                barrier.wait()
                line, created = service.confirm(
                    session, Actor("user", admin.id), user, statement_id, line_id, long.id
                )
                answers.append((line.payment_id, created))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    (first, created_first), (second, created_second) = answers
    assert first == second is not None
    assert sorted([created_first, created_second]) == [False, True]
    with session_scope(committed_engine) as session:
        assert (
            session.execute(
                select(func.count()).select_from(Payment).where(Payment.account_id == long.id)
            ).scalar_one()
            == 1
        )
        assert (
            session.execute(
                select(func.count())
                .select_from(LedgerEntry)
                .where(
                    LedgerEntry.account_id.in_([short.id, long.id]),
                    LedgerEntry.kind == EntryKind.payment,
                )
            ).scalar_one()
            == 1
        )


def test_the_same_file_uploaded_twice_at_once_is_stored_and_booked_once(
    committed_engine: Engine, db_kind: str
) -> None:
    if db_kind != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session)
        admin = b.user(session, Role.admin)
        account = b.account(session, portfolio, external_ref="PE-0001")
    data = csv_bytes([("2025-01-20", "250", "PE-0001", ""), ("2025-01-21", "100", "PE-0001", "")])
    barrier = threading.Barrier(2)
    answers: list[tuple[uuid.UUID, bool]] = []
    failures: list[BaseException] = []

    def upload() -> None:
        try:
            with session_scope(committed_engine) as session:
                barrier.wait()
                result = service.upload(
                    session, Actor("user", admin.id), portfolio.id, data, "extracto.csv"
                )
                answers.append((result.statement.id, result.replayed))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    (first, replayed_first), (second, replayed_second) = answers
    assert first == second and sorted([replayed_first, replayed_second]) == [False, True]
    with session_scope(committed_engine) as session:
        assert (
            session.execute(
                select(func.count()).select_from(Payment).where(Payment.account_id == account.id)
            ).scalar_one()
            == 2
        )
