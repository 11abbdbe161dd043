"""Portfolio import: validate the whole file first, then write it in bulk, all or nothing.

1. The file is hashed; the same content already imported into the portfolio answers with that
   batch's summary and changes nothing (``replayed``).
2. Every row is parsed and validated in memory (``rows``). Then the portfolio row is locked
   (imports into one portfolio run one at a time on PostgreSQL) and the rows are compared with
   the portfolio's current debtors, accounts and imported ledger figures, loaded with one query
   each (``plan``). Any error at all rejects the file with the full report; nothing is written.
3. The plan is written with multi-row statements in chunks: the ``ImportBatch`` row first (its
   unique hash makes a concurrent import of the same file wait and replay), debtors and their
   contacts, accounts, ledger entries; existing accounts' balances move by atomic increments of
   exactly their new entries, then statuses settle as the ledger service settles them.
4. Audit: one ``import.completed`` event for the batch (new debtors and accounts are summarised
   there; their ledger entries carry ``source = import:<batch>``), one ``account.updated`` /
   ``debtor.updated`` event per changed account / debtor with the before and after of the
   changed fields, and ``account.status_changed`` when a status moves.

Services never commit: the request or ``session_scope`` commits once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, NoReturn

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import NotFound
from backend.core.ids import uuid7
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.imports import reader, repository
from backend.imports.columns import Header, match_header
from backend.imports.errors import (
    ImportConflict,
    ImportEmpty,
    ImportInvalid,
    ImportTooManyRows,
    Report,
)
from backend.imports.mapping import merged
from backend.imports.mapping import saved as saved_mapping
from backend.imports.models import ImportBatch
from backend.imports.plan import Existing, Plan, PlanContext, audit_row, make_plan, settled_status
from backend.imports.progress import EVERY, NoProgress, Progress
from backend.imports.rows import FileRows, RowContext, collect, validate_row
from backend.ledger.models import LedgerEntry
from backend.users.models import User
from shared.schemas.enums import Role

MAX_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ImportResult:
    summary: dict[str, Any]
    replayed: bool


def import_file(
    session: Session,
    actor: Actor,
    user: User | None,
    portfolio_id: uuid.UUID,
    stream: BinaryIO,
    filename: str,
    *,
    lang: str = "es",
    progress: Progress | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Import ``stream`` into the portfolio. ``user`` (None for the command line) limits the
    agents a supervisor may assign to their team; ``lang`` is the language of the report;
    ``mapping`` (validated, see ``mapping``) adds to the portfolio's saved column mapping."""
    progress = progress or NoProgress()
    portfolio = get_portfolio(session, portfolio_id)
    info = reader.inspect(stream, filename)
    earlier = repository.batch_by_hash(session, portfolio.id, info.sha256)
    if earlier is not None:
        return ImportResult(earlier.summary, replayed=True)

    supervisor_id = user.id if user is not None and user.role == Role.supervisor else None
    agents = repository.agents(session, supervisor_id)
    today = today_in(portfolio.timezone)
    report = Report()
    columns = merged(saved_mapping(session, portfolio.id), mapping or {})
    batch = ImportBatch(
        id=uuid7(),
        portfolio_id=portfolio.id,
        filename=filename[-255:],
        sha256=info.sha256,
        created_by_id=user.id if user is not None else None,
    )
    read = _read(stream, info, portfolio, agents, today, report, columns, progress)
    if read is None:
        _reject(session, actor, batch, report, lang)
    content, header, rows = read
    batch.rows = rows

    progress.update("loading", 0, None)
    repository.lock_portfolio(session, portfolio.id)
    earlier = repository.batch_by_hash(session, portfolio.id, info.sha256)
    if earlier is not None:  # the same file, imported meanwhile
        return ImportResult(earlier.summary, replayed=True)
    existing = Existing(
        debtors=repository.debtors_of(session, portfolio.id),
        accounts=repository.accounts_of(session, portfolio.id),
        figures=repository.imported_figures(session, portfolio.id),
    )
    ctx = PlanContext(
        batch_id=batch.id,
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        country=portfolio.country,
        today=today,
        now=utcnow(),
        actor=actor,
        header=header,
    )
    plan = make_plan(content, existing, ctx, report)
    if report:
        _reject(session, actor, batch, report, lang)
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:  # the same file, imported concurrently, committed first
        winner = repository.batch_by_hash(session, portfolio.id, info.sha256)
        if winner is None:
            raise ImportConflict() from None
        return ImportResult(winner.summary, replayed=True)
    try:
        _write(session, plan, ctx, progress)
    except IntegrityError:  # another import created the same debtors or references meanwhile
        raise ImportConflict() from None
    batch.summary = plan.summary(batch.id, rows) | {"warnings": report.warnings.total}
    batch.report = report.stored()
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor,
        "import.completed",
        "import_batch",
        batch.id,
        after={
            **batch.summary,
            "portfolio_id": str(portfolio.id),
            "filename": batch.filename,
            "sha256": batch.sha256,
        },
    )
    return ImportResult(batch.summary, replayed=False)


def _reject(
    session: Session, actor: Actor, batch: ImportBatch, report: Report, lang: str
) -> NoReturn:
    """Keep the refused file's batch and report (for download), then refuse it. Nothing of
    the file is written; the unit of work commits the batch and its audit event."""
    batch.status = "rejected"
    batch.summary = {"rows": batch.rows, "errors": report.total, "warnings": report.warnings.total}
    batch.report = report.stored()
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor,
        "import.rejected",
        "import_batch",
        batch.id,
        after={
            **batch.summary,
            "portfolio_id": str(batch.portfolio_id),
            "filename": batch.filename,
            "sha256": batch.sha256,
        },
    )
    raise ImportInvalid(
        total=report.total,
        details={**report.details(lang), "batch_id": str(batch.id), **report_links(batch.id)},
    )


def report_links(batch_id: uuid.UUID) -> dict[str, dict[str, str]]:
    base = f"/api/v1/imports/{batch_id}/report"
    return {"report": {"csv": f"{base}.csv", "xlsx": f"{base}.xlsx"}}


def _read(
    stream: BinaryIO,
    info: reader.FileInfo,
    portfolio: Portfolio,
    agents: dict[str, uuid.UUID],
    today: date,
    report: Report,
    columns: dict[str, str],
    progress: Progress,
) -> tuple[FileRows, Header, int] | None:
    """Parse and validate every row; header problems stop at once (``None``: nothing else
    would make sense), row problems are all collected."""
    sheet = reader.open_sheet(stream, info)
    try:
        header = match_header([str(cell) for cell in sheet.header], report, columns)
        if report:
            return None
        ctx = RowContext(header, portfolio.currency, portfolio.country, today, agents)
        content = FileRows()
        rows = 0
        progress.update("validating", 0, sheet.estimated_rows)
        for number, cells in sheet.rows:
            if all(reader.is_blank(cell) for cell in cells):
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise ImportTooManyRows(limit=MAX_ROWS)
            parsed = validate_row(number, cells, ctx, report)
            if parsed is not None:
                collect(content, *parsed, header, report)
            if rows % EVERY == 0:
                progress.update("validating", rows, sheet.estimated_rows)
        progress.update("validating", rows, rows)
    finally:
        sheet.close()
    if rows == 0:
        raise ImportEmpty()
    return content, header, rows


def _write(session: Session, plan: Plan, ctx: PlanContext, progress: Progress) -> None:
    total = (
        sum(
            len(rows)
            for rows in (plan.debtors, plan.phones, plan.addresses, plan.accounts, plan.entries)
        )
        + len(plan.debtor_updates)
        + len(plan.account_updates)
    )
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress.update("writing", done, total)

    progress.update("writing", 0, total)
    repository.insert_rows(session, Debtor, plan.debtors, advance)
    repository.update_debtors(session, plan.debtor_updates)
    advance(len(plan.debtor_updates))
    repository.insert_rows(session, DebtorPhone, plan.phones, advance)
    repository.insert_rows(session, DebtorAddress, plan.addresses, advance)
    repository.insert_rows(session, Account, plan.accounts, advance)
    repository.update_accounts(session, plan.account_updates)
    advance(len(plan.account_updates))
    repository.insert_rows(session, LedgerEntry, plan.entries, advance)
    repository.insert_audit(session, plan.audit + _settle(session, plan, ctx))


def _settle(session: Session, plan: Plan, ctx: PlanContext) -> list[dict[str, Any]]:
    """Statuses of existing accounts whose balance moved, read after the increments."""
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for account_id, balance, status in repository.balances(session, plan.moved):
        new_status = settled_status(balance, status)
        if new_status == status:
            continue
        changes.append({"b_id": account_id, "status": new_status, "updated_at": ctx.now})
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


def batches(
    session: Session, *, before: uuid.UUID | None, limit: int, portfolio_id: uuid.UUID | None
) -> list[ImportBatch]:
    return repository.batches_page(session, before=before, limit=limit, portfolio_id=portfolio_id)


def get_batch(session: Session, batch_id: uuid.UUID) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    return batch
