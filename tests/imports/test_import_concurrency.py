"""Two imports into one portfolio at the same time (PostgreSQL row locks)."""

from __future__ import annotations

import io
import threading

import pytest
from sqlmodel import Session

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.imports import service
from tests.imports.helpers import (
    account,
    assert_balances_are_ledger_sums,
    committed_portfolio,
    csv_bytes,
    entries,
    row,
)


class _Meet:
    """Progress that holds each import at the portfolio lock until both have arrived."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self.barrier = barrier

    def update(self, stage: str, done: int, total: int | None) -> None:
        if stage == "loading":
            self.barrier.wait(timeout=30)


def test_concurrent_imports_of_one_portfolio_run_one_after_the_other(engine, db_kind) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")
    portfolio = committed_portfolio(engine)
    with session_scope(engine) as session:
        service.import_file(
            session, Actor.system(), None, portfolio.id, io.BytesIO(csv_bytes([row()])), "a.csv"
        )
    changed = {"interest": "150.00", "fees": "9.00"}
    files = [csv_bytes([row(**changed)]), csv_bytes([row(**changed, product="Tarjeta Oro")])]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def work(data: bytes) -> None:
        try:
            with session_scope(engine) as session:
                result = service.import_file(
                    session,
                    Actor.system(),
                    None,
                    portfolio.id,
                    io.BytesIO(data),
                    "b.csv",
                    progress=_Meet(barrier),
                )
            outcomes.append(result.summary["ledger_entries"])
        except Exception as exc:  # reported by the assertion below
            outcomes.append(exc)

    threads = [threading.Thread(target=work, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [0, 2]  # interest +50 and the fees discount, booked once
    with Session(engine) as session:
        tc1 = account(session, portfolio, "TC-1")
        interest = [e.amount_minor for e in entries(session, tc1.id) if e.kind == "interest"]
        assert sum(interest) == 15_000  # booked once: the second import saw the first's figures
        assert_balances_are_ledger_sums(session, portfolio)
