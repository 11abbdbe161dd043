"""Bank statements (admins and supervisors): upload a CSV, read the matching report, confirm or
reject the lines that were not booked automatically. See docs/bank-statements.md."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.auth.deps import Lang, SessionDep, Staff, actor_of
from backend.core.config import get_settings
from backend.core.pagination import (
    CursorQuery,
    LimitQuery,
    PageParams,
    next_cursor,
    number_cursor,
    page_params,
)
from backend.core.routing import DomainRouter, run_unit
from backend.imports.upload import read_upload
from backend.statements import repository, service, tasks
from backend.statements.guards import KnownStatement
from backend.uploads import service as uploads
from backend.uploads.models import Upload
from shared.schemas.common import Page
from shared.schemas.statements import (
    LineConfirm,
    StatementLineRead,
    StatementLineStatus,
    StatementRead,
    StatementReport,
)
from shared.schemas.uploads import UploadRead

router = DomainRouter(prefix="/statements", tags=["bank statements"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (UTF-8, ';' or ','): date, amount, reference, "
                            "description; see docs/bank-statements.md",
                        }
                    },
                }
            }
        },
    }
}


class LinePage(BaseModel):
    after_line: int | None = None
    limit: int = 100


def line_page(cursor: CursorQuery = None, limit: LimitQuery = 100) -> LinePage:
    return LinePage(after_line=number_cursor(cursor), limit=limit)


@router.post(
    "",
    response_model=StatementRead,
    status_code=201,
    responses={
        200: {"model": StatementRead, "description": "This exact file was uploaded before"},
        202: {"model": UploadRead, "description": "Queued: follow GET /uploads/{id}"},
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload_statement(
    request: Request,
    session: SessionDep,
    user: Staff,
    lang: Lang,
    portfolio_id: uuid.UUID,
    response: Response,
    prefer: Annotated[str | None, Header()] = None,
) -> StatementRead | JSONResponse:
    """Match every credit line and book those with exactly one candidate. A file with any bad
    row answers 422 ``statement_invalid`` with ``details.errors: [{row, column, code, reason}]``
    and writes nothing.

    Files larger than ``COBRO_INLINE_UPLOAD_BYTES``, or sent with ``Prefer: respond-async``, are
    processed by a background job: the answer is 202 with the upload (``Location`` points at
    ``GET /uploads/{id}``, which shows the progress and then the statement or the error)."""
    upload = await read_upload(request, get_settings().max_upload_bytes)
    try:
        data = await upload.read()
    finally:
        await upload.close()
    filename = upload.filename or ""
    if uploads.in_background(prefer, len(data)):

        def queue() -> StatementRead | Upload:
            earlier = service.earlier_upload(session, portfolio_id, data)
            if earlier is not None:
                return service.to_read(session, earlier, replayed=True)
            return uploads.queue(
                session,
                actor_of(user),
                user,
                kind="statement",
                job=tasks.JOB,
                portfolio_id=portfolio_id,
                filename=filename,
                data=data,
                language=lang,
            )

        answer = await run_unit(session, queue)
        if isinstance(answer, Upload):
            return uploads.accepted(answer)
        response.status_code = 200
        return answer

    def work() -> StatementRead:
        result = service.upload(session, actor_of(user), portfolio_id, data, filename, lang=lang)
        return service.to_read(session, result.statement, replayed=result.replayed)

    read = await run_unit(session, work)
    if read.replayed:
        response.status_code = 200
    return read


@router.get("", response_model=Page[StatementRead])
def list_statements(
    session: SessionDep,
    _: Staff,
    paging: Annotated[PageParams, Depends(page_params)],
    portfolio_id: uuid.UUID | None = None,
) -> object:
    """Statements, newest first."""
    rows = repository.statements_page(session, portfolio_id, paging.cursor, paging.limit)
    items = [service.to_read(session, statement) for statement in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.get("/{statement_id}", response_model=StatementReport)
def statement_report(
    session: SessionDep,
    user: Staff,
    statement: KnownStatement,
    paging: Annotated[LinePage, Depends(line_page)],
    status: StatementLineStatus | None = None,
) -> StatementReport:
    """Counts and amounts by status, and the lines (by line number) with their candidates."""
    rows = repository.lines_page(session, statement.id, status, paging.after_line, paging.limit)
    items = service.line_reads(session, user, statement, rows[: paging.limit])
    return StatementReport(
        statement=service.to_read(session, statement),
        lines=Page(
            items=items, next_cursor=next_cursor(rows, paging.limit, key=lambda r: r.line_no)
        ),
    )


@router.post("/{statement_id}/lines/{line_id}/confirm", response_model=StatementLineRead)
def confirm_line(
    session: SessionDep,
    user: Staff,
    statement: KnownStatement,
    line_id: uuid.UUID,
    body: LineConfirm,
) -> StatementLineRead:
    """Book the line to one of its candidates (any account in your scope when it has none).
    Confirming again with the same account answers the same payment and books nothing."""
    line, _ = service.confirm(session, actor_of(user), user, statement.id, line_id, body.account_id)
    return service.line_reads(session, user, statement, [line])[0]


@router.post("/{statement_id}/lines/{line_id}/reject", response_model=StatementLineRead)
def reject_line(
    session: SessionDep, user: Staff, statement: KnownStatement, line_id: uuid.UUID
) -> StatementLineRead:
    """Mark an ambiguous or unmatched line as not a debtor's payment (it can be confirmed
    later); a booked line cannot be rejected."""
    line = service.reject(session, actor_of(user), statement.id, line_id)
    return service.line_reads(session, user, statement, [line])[0]
