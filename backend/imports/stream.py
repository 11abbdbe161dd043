"""The streamed import: rows are read, validated, planned and written one chunk at a time.

Memory stays bounded by the chunk (``CHUNK_ROWS`` rows) plus ``rows.Seen``: at most 64 bytes
per reference and per debtor of the file and of the portfolio (``digests.DigestMap``), which is
what cross-row rules need (a reference appears once; a debtor's later rows may not contradict
its earlier ones) and what tells which keys can be in the database at all. A chunk is closed
only between two debtors, so adjacent rows of one debtor are planned together.

Each chunk loads the state of just the debtors and accounts it names that can exist, with a
constant number of queries whatever its size (so a debtor written by an earlier chunk is found
in the database like any existing one), is planned (``plan``) and, while the file has no error,
written with set-based statements (``bulk``; on PostgreSQL by ``_Writer`` on a thread of its
own, while the next chunk is read and validated; on SQLite with a larger page cache,
``repository.larger_cache``). After the first error nothing more is
written but every row is still validated and planned, so the report is complete; the caller
then rolls back what earlier chunks wrote: all or nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, true
from sqlmodel import Session

from backend.accounts.models import Account
from backend.conversations.bindings import unbind_debtors
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.imports import reader, repository
from backend.imports.errors import ImportEmpty, ImportTooManyRows, Report
from backend.imports.plan import Existing, Plan, PlanContext, audit_row, make_plan, settled_status
from backend.imports.progress import EVERY, Progress
from backend.imports.rows import FileRows, RowContext, Seen, collect, validate_row
from backend.ledger.models import LedgerEntry

MAX_ROWS = 1_000_000
CHUNK_ROWS = 5000


@dataclass(slots=True)
class Totals:
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, plan: Plan) -> None:
        for name, count in plan.counts().items():
            self.counts[name] = self.counts.get(name, 0) + count


class Scope(NamedTuple):
    """What the importing user may touch: ``scope.account_visibility`` and
    ``scope.debtor_visibility``, evaluated in the query that reads each chunk's accounts and
    debtors (so the check costs no query of its own)."""

    accounts: ColumnElement[bool]
    debtors: ColumnElement[bool]


EVERYTHING = Scope(true(), true())


def import_rows(
    session: Session,
    rows: Iterator[reader.Row],
    row_ctx: RowContext,
    ctx: PlanContext,
    report: Report,
    progress: Progress,
    estimated: int | None,
    scope: Scope = EVERYTHING,
) -> Totals:
    """Validate and write every row; the report holds the problems (the caller decides)."""
    totals = Totals()
    seen = Seen()
    seen.existing_refs, seen.existing_debtors = repository.portfolio_keys(session, ctx.portfolio_id)
    chunk = FileRows()
    progress.update("importing", 0, estimated)
    with _collector_paused(), repository.larger_cache(session), _Writer(session, ctx) as writer:
        for number, cells in rows:
            if all(reader.is_blank(cell) for cell in cells):
                continue
            totals.rows += 1
            if totals.rows > MAX_ROWS:
                raise ImportTooManyRows(limit=MAX_ROWS)
            parsed = validate_row(number, cells, row_ctx, report)
            if parsed is not None:
                if len(chunk.accounts) >= CHUNK_ROWS and parsed[0].key not in chunk.debtors:
                    _flush(session, chunk, seen, ctx, scope, report, totals, writer)
                    chunk = FileRows()
                collect(chunk, seen, *parsed, row_ctx.header, report)
            if totals.rows % EVERY == 0:
                progress.update("importing", totals.rows, estimated)
        _flush(session, chunk, seen, ctx, scope, report, totals, writer)
    if totals.rows == 0:
        raise ImportEmpty()
    progress.update("importing", totals.rows, totals.rows)
    return totals


def _flush(
    session: Session,
    chunk: FileRows,
    seen: Seen,
    ctx: PlanContext,
    scope: Scope,
    report: Report,
    totals: Totals,
    writer: _Writer,
) -> None:
    if not chunk.accounts:
        return
    refs = [a.external_ref for a in chunk.accounts if seen.stored_account(a.external_ref)]
    keys = {key for key in chunk.debtors if seen.stored_debtor(key)}
    if refs or keys:
        writer.wait()  # this chunk reads what the previous one wrote
    accounts = repository.accounts_of(session, ctx.portfolio_id, refs, scope.accounts)
    existing = Existing(
        debtors=repository.debtors_of(session, ctx.portfolio_id, keys, scope.debtors),
        accounts=accounts,
        figures=repository.imported_figures(
            session, [a.id for a in accounts.values() if a.visible]
        ),
    )
    plan = make_plan(chunk, existing, ctx, report)
    if not report:
        writer.write(plan)
        for key, debtor in chunk.debtors.items():
            seen.remember(debtor, plan.flags.get(key, 0))
    totals.add(plan)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the rows stream. A chunk allocates hundreds
    of thousands of dicts and tuples, none of them in a cycle, and each allocation burst set
    off collections that walked every object of the process (the app's modules included): a
    third of the import's time. Nothing here makes cycles (cell errors drop their tracebacks),
    so memory is freed as usual by reference counts; the collector is back on afterwards
    unless it was off before (another import running in this process turns it back on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Writer:
    """Writes each chunk's plan. On PostgreSQL on a thread of its own while the next chunk is
    read and validated (the server does the work, and psycopg waits for it without the GIL);
    one chunk at a time, on the session's connection: the reading thread waits for the write
    before it queries again (``wait``), and leaving the block waits for the last one, so the
    connection is never used by both threads at once and the caller's commit or rollback
    comes after every write. A failed write raises in the reading thread. SQLite runs inside
    this process and needs the GIL for much of its work (binding the values), so there a
    second thread only adds hand-offs: the plan is written at once."""

    def __init__(self, session: Session, ctx: PlanContext) -> None:
        self._session = session
        self._ctx = ctx
        threaded = session.get_bind().dialect.name == "postgresql"
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
            if threaded
            else None
        )
        self._pending: Future[None] | None = None

    def write(self, plan: Plan) -> None:
        self.wait()
        if self._pool is None:
            _write(self._session, plan, self._ctx)
        else:
            self._pending = self._pool.submit(_write, self._session, plan, self._ctx)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


def _write(session: Session, plan: Plan, ctx: PlanContext) -> None:
    repository.insert_rows(session, Debtor, plan.debtors)
    repository.update_debtors(session, plan.debtor_updates)
    repository.insert_rows(session, DebtorPhone, plan.phones)
    repository.insert_rows(session, DebtorAddress, plan.addresses)
    repository.insert_rows(session, Account, plan.accounts)
    repository.update_accounts(session, plan.account_updates)
    repository.insert_rows(session, LedgerEntry, plan.entries)
    repository.insert_audit(session, plan.audit + _settle(session, plan, ctx))
    unbind_debtors(session, ctx.actor, plan.factors_changed, "verification_factors_changed")


def _settle(session: Session, plan: Plan, ctx: PlanContext) -> list[dict[str, Any]]:
    """Statuses of existing accounts whose balance moved, read after the increments."""
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for account_id, balance, status in repository.balances(session, plan.moved):
        new_status = settled_status(balance, status)
        if new_status == status:
            continue
        changes.append({"id": account_id, "status": new_status, "updated_at": ctx.now})
        events.append(
            audit_row(
                ctx,
                "account.status_changed",
                "account",
                account_id,
                before={"status": status.value},
                after={"status": new_status.value},
                account_id=account_id,
            )
        )
    repository.set_statuses(session, changes)
    return events
