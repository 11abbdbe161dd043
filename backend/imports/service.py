"""Portfolio import: stream the file in chunks, all or nothing.

1. The file is hashed; the same content already imported into the portfolio answers with that
   batch's summary and changes nothing (``replayed``).
2. The header is matched (aliases, then the portfolio's saved mapping and the caller's); a bad
   header rejects the file at once. Then the portfolio row is locked (imports into one
   portfolio run one at a time on PostgreSQL) and the rows stream through ``stream``: each
   chunk is validated (``rows``), compared with the current state of the debtors and accounts
   it names (``plan``) and written with set-based statements (``bulk``: COPY on PostgreSQL,
   multi-row INSERTs on SQLite), all inside one savepoint. The ``ImportBatch`` row is written first
   (its unique hash makes a concurrent import of the same file wait and replay).
3. Any error at all rolls the savepoint back: nothing of the file is written. The refused
   file is kept as a ``rejected`` batch with its report (errors and warnings, for download)
   and an ``import.rejected`` audit event; ``ImportInvalid`` lets the unit of work commit them.
4. Audit: one ``import.completed`` event for the batch (new debtors and accounts are summarised
   there; their ledger entries carry ``source = import:<batch>``), one ``account.updated`` /
   ``debtor.updated`` event per changed account / debtor (per chunk naming it) with the before
   and after of the changed fields, and ``account.status_changed`` when a status moves.

Services never commit: the request or ``session_scope`` commits once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.scope import account_visibility, debtor_visibility
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import NotFound
from backend.core.ids import uuid7
from backend.creditors.service import get_portfolio
from backend.imports import reader, repository
from backend.imports import stream as streaming
from backend.imports.columns import match_header
from backend.imports.errors import (
    ImportConflict,
    ImportInvalid,
    Report,
)
from backend.imports.mapping import merged
from backend.imports.mapping import saved as saved_mapping
from backend.imports.models import ImportBatch
from backend.imports.plan import PlanContext
from backend.imports.progress import NoProgress, Progress
from backend.imports.rows import RowContext
from backend.users.models import User
from shared.schemas.enums import Role


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
    accounts and debtors the file may update to those they may see (``plan``: others are
    ``reference_not_available``) and the agents a supervisor may assign to their team;
    ``lang`` is the language of the report;
    ``mapping`` (validated, see ``mapping``) adds to the portfolio's saved column mapping."""
    progress = progress or NoProgress()
    portfolio = get_portfolio(session, portfolio_id)
    info = reader.inspect(stream, filename)
    earlier = repository.batch_by_hash(session, portfolio.id, info.sha256)
    if earlier is not None:
        return ImportResult(earlier.summary, replayed=True)

    batch = ImportBatch(
        id=uuid7(),
        portfolio_id=portfolio.id,
        filename=filename[-255:],
        sha256=info.sha256,
        created_by_id=user.id if user is not None else None,
    )
    report = Report()
    sheet = reader.open_sheet(stream, info)
    try:
        columns = merged(saved_mapping(session, portfolio.id), mapping or {})
        header = match_header([str(cell) for cell in sheet.header], report, columns)
        if report:  # nothing else would make sense
            _reject(session, actor, batch, report, lang)
        supervisor_id = user.id if user is not None and user.role == Role.supervisor else None
        today = today_in(portfolio.timezone)
        row_ctx = RowContext(
            header,
            portfolio.currency,
            portfolio.country,
            today,
            repository.agents(session, supervisor_id),
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
        progress.update("loading", 0, None)
        repository.lock_portfolio(session, portfolio.id)
        earlier = repository.batch_by_hash(session, portfolio.id, info.sha256)
        if earlier is not None:  # the same file, imported meanwhile
            return ImportResult(earlier.summary, replayed=True)
        scope = (
            streaming.EVERYTHING
            if user is None
            else streaming.Scope(account_visibility(user), debtor_visibility(user))
        )
        return _import(session, actor, batch, sheet, row_ctx, ctx, scope, report, lang, progress)
    finally:
        sheet.close()


def _import(
    session: Session,
    actor: Actor,
    batch: ImportBatch,
    sheet: reader.Sheet,
    row_ctx: RowContext,
    ctx: PlanContext,
    scope: streaming.Scope,
    report: Report,
    lang: str,
    progress: Progress,
) -> ImportResult:
    """Everything the file writes happens in one savepoint, rolled back when it has errors."""
    work = session.begin_nested()
    try:
        try:
            with session.begin_nested():
                session.add(batch)
                session.flush()
        except IntegrityError:  # the same file, imported concurrently, committed first
            work.rollback()
            winner = repository.batch_by_hash(session, batch.portfolio_id, batch.sha256)
            if winner is None:
                raise ImportConflict() from None
            return ImportResult(winner.summary, replayed=True)
        try:
            totals = streaming.import_rows(
                session, sheet.rows, row_ctx, ctx, report, progress, sheet.estimated_rows, scope
            )
        except IntegrityError:  # another import created the same debtors or references
            raise ImportConflict() from None
        if report:
            work.rollback()
            _reject(session, actor, _rejected_copy(batch, totals.rows), report, lang)
        batch.rows = totals.rows
        batch.summary = {
            "batch_id": str(batch.id),
            "rows": totals.rows,
            **totals.counts,
            "warnings": report.warnings.total,
        }
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
                "portfolio_id": str(batch.portfolio_id),
                "filename": batch.filename,
                "sha256": batch.sha256,
            },
        )
        work.commit()
    except BaseException:
        if work.is_active:
            work.rollback()
        raise
    return ImportResult(batch.summary, replayed=False)


def _rejected_copy(batch: ImportBatch, rows: int) -> ImportBatch:
    """A new row for the refused file (the batch row itself was rolled back with the data)."""
    return ImportBatch(
        id=batch.id,
        portfolio_id=batch.portfolio_id,
        filename=batch.filename,
        sha256=batch.sha256,
        rows=rows,
        created_by_id=batch.created_by_id,
    )


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


def batches(
    session: Session,
    user: User,
    *,
    before: uuid.UUID | None,
    limit: int,
    portfolio_id: uuid.UUID | None,
) -> list[ImportBatch]:
    return repository.batches_page(
        session,
        before=before,
        limit=limit,
        portfolio_id=portfolio_id,
        created_by=None if user.role == Role.admin else user.id,
    )


def get_visible_batch(session: Session, user: User, batch_id: uuid.UUID) -> ImportBatch:
    """Admins see every batch; others the ones they imported; ``NotFound`` otherwise."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or (user.role != Role.admin and batch.created_by_id != user.id):
        raise NotFound()
    return batch
