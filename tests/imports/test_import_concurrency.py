"""Two imports into one portfolio at the same time (PostgreSQL row locks); an erasure of a
debtor that an import is writing (both databases)."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorPhone
from backend.imports import service, stream
from backend.privacy import service as privacy
from shared.schemas.privacy import ErasureRequest
from tests import builders
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


class _HeldImport:
    """An import of ``data`` on a thread of its own, held once it has read the chunk's
    debtors and accounts and before it writes anything, until ``release``."""

    def __init__(self, engine: Engine, portfolio_id: Any, data: bytes, monkeypatch) -> None:
        self.loaded, self._go = threading.Event(), threading.Event()
        self.failures: list[BaseException] = []
        make_plan = stream.make_plan

        def held(*args: Any, **kwargs: Any) -> Any:
            self.loaded.set()
            self._go.wait(timeout=30)
            return make_plan(*args, **kwargs)

        monkeypatch.setattr(stream, "make_plan", held)

        def run() -> None:
            try:
                with session_scope(engine) as session:
                    service.import_file(
                        session, Actor.system(), None, portfolio_id, io.BytesIO(data), "b.csv"
                    )
            except BaseException as exc:  # reported by the callers' assertions
                self.failures.append(exc)

        self._thread = threading.Thread(target=run)
        self._thread.start()
        assert self.loaded.wait(timeout=30)

    def release(self) -> float:
        released = time.monotonic()
        self._go.set()
        self._thread.join(timeout=60)
        return released


def _imported(engine: Engine) -> Portfolio:
    portfolio = committed_portfolio(engine)
    with session_scope(engine) as session:
        service.import_file(
            session, Actor.system(), None, portfolio.id, io.BytesIO(csv_bytes([row()])), "a.csv"
        )
    return portfolio


def test_an_erasure_during_an_import_of_its_debtor_waits_for_it(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import has read the debtor and is about to write its new name and phone when an
    admin erases them: the erasure waits for the import to commit and then erases what it
    wrote, instead of the import writing personal data back onto an erased debtor."""
    portfolio = _imported(engine)
    with Session(engine) as session:
        debtor_id = account(session, portfolio, "TC-1").debtor_id
    update = csv_bytes([row(first_name="Rosa María", phones="912345678")])
    held = _HeldImport(engine, portfolio.id, update, monkeypatch)
    erased: list[float] = []
    asked = threading.Event()

    def erasing() -> None:
        try:
            request = ErasureRequest(reason="Data subject's request", legal_order=True)
            asked.set()
            with session_scope(engine) as session:
                privacy.erase(session, Actor.system(), debtor_id, request)
            erased.append(time.monotonic())
        except BaseException as exc:
            held.failures.append(exc)

    eraser = threading.Thread(target=erasing)
    eraser.start()
    assert asked.wait(timeout=30)
    time.sleep(0.5)  # time enough to erase, were it not waiting for the import
    assert erased == []
    released = held.release()
    eraser.join(timeout=60)

    assert held.failures == [] and len(erased) == 1 and erased[0] > released
    with Session(engine) as session:
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None and debtor.erased_at is not None
        assert (debtor.first_name, debtor.last_name) == ("—", None)
        phones = select(func.count()).where(DebtorPhone.debtor_id == debtor_id)
        assert session.execute(phones).scalar_one() == 0


def test_an_import_leaves_the_rest_of_its_portfolio_writable(
    engine, db_kind, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an import holds its portfolio (so that imports into it run one at a time), rows
    naming the portfolio elsewhere are still written at once: PostgreSQL's foreign-key check
    takes a key-share lock on the portfolio, which the import's lock leaves free."""
    if db_kind != "postgresql":
        pytest.skip("SQLite lets one writer at a time: the other write waits for the import")
    portfolio = _imported(engine)
    held = _HeldImport(engine, portfolio.id, csv_bytes([row(interest="150.00")]), monkeypatch)
    try:
        with session_scope(engine) as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            other = builders.debtor(session, portfolio, id_number="70112233")
            other_id = other.id
    finally:
        held.release()
    assert held.failures == []
    with Session(engine) as session:
        assert session.get(Debtor, other_id) is not None
