"""The set-based path of the streamed import: statements per chunk, chunk boundaries, all or
nothing across chunks, re-imports, and a debtor created beside a running import."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.debtors.models import Debtor, DebtorPhone, document_index
from backend.imports import service, stream
from backend.imports.errors import ImportConflict, ImportInvalid
from tests import builders as b
from tests.imports.helpers import (
    assert_balances_are_ledger_sums,
    audit_actions,
    committed_portfolio,
    counts,
    csv_bytes,
    data_counts,
    row,
    run,
)

CHUNK = 10


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_ROWS", CHUNK)


def _rows(count: int, pairs: bool = True, **values: str) -> list[dict[str, str]]:
    """``count`` accounts; with ``pairs``, every third debtor has a second account on the next
    row (so a chunk may hold a row more than ``CHUNK_ROWS``)."""
    made: list[dict[str, str]] = []
    debtor = 0
    while len(made) < count:
        debtor += 1
        for _ in range(2 if pairs and debtor % 3 == 0 else 1):
            made.append(
                row(
                    id_number=f"{40_000_000 + debtor}",
                    external_ref=f"R-{len(made) + 1}",
                    phones=f"9{debtor:08d}",
                    email=f"d{debtor}@example.pe",
                )
                | values
            )
    return made[:count]


@contextmanager
def _statements(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the database runs for this session while the block runs, one per
    execution (an executemany counts each of its rows): SQLite's trace hook, psycopg's
    cursor calls on PostgreSQL (from any thread). SQLite reports each trigger a statement
    fires with that statement's text again, right after it: repeats in a row count once."""
    ran: list[str] = []
    if session.get_bind().dialect.name == "sqlite":

        def traced(sql: str) -> None:
            if not ran or ran[-1] != sql:
                ran.append(sql)

        raw = session.connection().connection.driver_connection
        raw.set_trace_callback(traced)
        try:
            yield ran
        finally:
            raw.set_trace_callback(None)
        return
    cursor = psycopg.Cursor

    def counted(method: Any, many: bool = False) -> Any:
        def run_counted(self: Any, query: Any, params: Any = None, *args: Any, **kw: Any) -> Any:
            ran.extend([str(query)] * (len(params) if many else 1))
            return method(self, query, params, *args, **kw)

        return run_counted

    with monkeypatch.context() as patch:
        patch.setattr(cursor, "execute", counted(cursor.execute))
        patch.setattr(cursor, "executemany", counted(cursor.executemany, many=True))
        patch.setattr(cursor, "copy", counted(cursor.copy))
        yield ran


def _count(session: Session, monkeypatch: pytest.MonkeyPatch, portfolio: Any, data: bytes) -> int:
    with _statements(session, monkeypatch) as ran:
        run(session, portfolio, data)
    return len(ran)


def _per_chunk(session: Session, monkeypatch: pytest.MonkeyPatch, rows: int) -> dict[str, float]:
    """Statements per chunk of ``rows`` rows, for a new file, a changed re-import (accounts and
    debtors updated) and an unchanged one: what four chunks run beyond two, halved."""
    monkeypatch.setattr(stream, "CHUNK_ROWS", rows)
    ran: dict[tuple[str, int], int] = {}
    for chunks in (2, 4):
        portfolio = b.portfolio(session)
        first = _rows(chunks * rows, pairs=False)
        changed = _rows(chunks * rows, pairs=False, interest="150.00", last_name="Quispe H")
        ran["new", chunks] = _count(session, monkeypatch, portfolio, csv_bytes(first))
        ran["changed", chunks] = _count(session, monkeypatch, portfolio, csv_bytes(changed))
        again = csv_bytes(changed) + b"\r\n"  # other bytes, the same rows
        ran["unchanged", chunks] = _count(session, monkeypatch, portfolio, again)
        assert_balances_are_ledger_sums(session, portfolio)
    return {kind: (ran[kind, 4] - ran[kind, 2]) / 2 for kind in ("new", "changed", "unchanged")}


def test_statements_per_chunk_do_not_grow_with_rows(session, monkeypatch) -> None:
    """Lookups, inserts and updates run per chunk, never per row: a chunk of twice the rows
    runs the same statements, a dozen at most."""
    small, large = _per_chunk(session, monkeypatch, 6), _per_chunk(session, monkeypatch, 12)
    assert small == large
    assert all(0 < count <= 12 for count in large.values()), large


def test_the_changed_and_unchanged_reimports_book_exactly_the_changes(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes(_rows(3 * CHUNK)))
    changed = csv_bytes(_rows(3 * CHUNK, interest="150.00"))
    entries_before = counts(session)["ledger_entries"]

    result = run(session, portfolio, changed)
    again = run(session, portfolio, changed + b"\r\n")

    assert result.summary["accounts_updated"] == 3 * CHUNK
    assert result.summary["ledger_entries"] == 3 * CHUNK  # interest +50.00 each, booked once
    assert counts(session)["ledger_entries"] == entries_before + 3 * CHUNK
    assert len(audit_actions(session, "account.updated")) == 3 * CHUNK
    assert not again.replayed
    assert again.summary["unchanged"] == 3 * CHUNK
    assert again.summary["accounts_updated"] == again.summary["ledger_entries"] == 0
    assert len(audit_actions(session, "account.updated")) == 3 * CHUNK  # nothing more
    assert_balances_are_ledger_sums(session, portfolio)


def test_a_stored_debtor_named_in_two_chunks_is_updated_once(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row(phones="987654321")]))
    others = _rows(2 * CHUNK)
    rows = [
        row(external_ref="TC-1", phones="987654321", last_name=""),
        *others[:CHUNK],
        row(external_ref="TC-2", phones="912345678", last_name="Quispe H"),
        *others[CHUNK:],
    ]

    result = run(session, portfolio, csv_bytes(rows))

    assert result.summary["debtors_updated"] == 1
    assert result.summary["accounts_created"] == 1 + 2 * CHUNK
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    session.refresh(rosa)
    phones = session.execute(
        select(DebtorPhone.e164)
        .where(DebtorPhone.debtor_id == rosa.id)
        .order_by(DebtorPhone.position)
    ).scalars()
    assert list(phones) == ["+51987654321", "+51912345678"]
    assert rosa.last_name == "Quispe H"
    assert [e.entity_id for e in audit_actions(session, "debtor.updated")] == [str(rosa.id)]
    assert_balances_are_ledger_sums(session, portfolio)


def test_a_reference_repeated_across_a_chunk_boundary_is_refused(session) -> None:
    portfolio = b.portfolio(session)
    rows = _rows(2 * CHUNK)
    rows[CHUNK] = rows[CHUNK] | {"external_ref": rows[CHUNK - 1]["external_ref"]}
    before = data_counts(session)

    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes(rows))

    errors = exc.value.params["details"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(CHUNK + 2, "duplicate_external_ref")]
    assert f"row {CHUNK + 1}" in errors[0]["reason"]
    assert data_counts(session) == before


def test_an_error_in_the_third_chunk_leaves_nothing_of_the_first_two(session) -> None:
    portfolio = b.portfolio(session)
    rows = _rows(3 * CHUNK)
    rows[-1] = rows[-1] | {"principal": "mil"}
    before = data_counts(session)

    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes(rows))

    errors = exc.value.params["details"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(3 * CHUNK + 1, "invalid_amount")]
    assert data_counts(session) == before  # chunks 1 and 2 were written, then rolled back
    assert len(audit_actions(session, "import.rejected")) == 1


def _garbage_after_import(session: Session, rows: int) -> int:
    portfolio = b.portfolio(session)
    bad = [r | {"principal": f"x{n}", "phones": f"12{n}"} for n, r in enumerate(_rows(rows))]
    gc.collect()
    with pytest.raises(ImportInvalid):
        run(session, portfolio, csv_bytes(bad))
    return gc.collect()


def test_an_import_leaves_no_reference_cycles_per_row(session) -> None:
    """The collector is paused while rows stream, so nothing per row may need it: a file of
    ten times the rows (each with a refused cell and a refused phone) leaves no more cycles."""
    _garbage_after_import(session, 5)  # warm up what is made once
    few, many = _garbage_after_import(session, 20), _garbage_after_import(session, 200)
    assert many <= few + 20, (few, many)
    assert gc.isenabled()


def test_a_debtor_added_beside_a_running_import_is_never_doubled(engine: Engine, db_kind) -> None:
    """The import learns the portfolio's keys once, after locking its row; a debtor added
    meanwhile by someone else meets the import on the unique key: one of the two is refused
    (the import as a retryable conflict, and its retry updates that debtor), never both
    written."""
    if db_kind != "postgresql":
        pytest.skip("SQLite lets one writer at a time: nothing can be added meanwhile")
    portfolio = committed_portfolio(engine)
    added: list[str] = []

    def add_rosa() -> None:
        try:
            with Session(engine) as other:
                b.debtor(other, portfolio, id_number="45871236", first_name="Rosa")
                other.commit()
            added.append("added")
        except DBAPIError:
            added.append("refused")

    adding = threading.Thread(target=add_rosa)

    class AddRosaMeanwhile:
        def update(self, stage: str, done: int, total: int | None) -> None:
            if stage == "importing" and done == 0:
                adding.start()
                adding.join(timeout=1)

    data = csv_bytes([*_rows(CHUNK), row(), *_rows(2 * CHUNK)[CHUNK:]])

    def run_import(progress: Any = None) -> dict[str, Any]:
        with session_scope(engine) as session:
            result = service.import_file(
                session,
                Actor.system(),
                None,
                portfolio.id,
                io.BytesIO(data),
                "a.csv",
                progress=progress,
            )
        return result.summary

    try:
        summary = run_import(AddRosaMeanwhile())
        first = "imported"
    except (ImportConflict, OperationalError):  # a unique violation, or a deadlock
        first = "conflict"
        summary = run_import()
    adding.join(timeout=30)

    assert (first, *added) in {("imported", "refused"), ("conflict", "added")}
    assert summary["accounts_created"] == 2 * CHUNK + 1
    with Session(engine) as session:
        same = select(func.count()).where(Debtor.id_number_index == document_index("45871236"))
        assert session.execute(same).scalar_one() == 1
        assert_balances_are_ledger_sums(session, portfolio)
