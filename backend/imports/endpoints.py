"""Portfolio imports: upload a CSV/XLSX file (admins and supervisors), list and read batches,
download a batch's report (errors and warnings) as CSV or XLSX."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from backend.auth.deps import Lang, SessionDep, Staff, actor_of
from backend.core.config import get_settings
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter, run_unit
from backend.creditors.service import get_portfolio
from backend.imports import report, service, tasks
from backend.imports.guards import VisibleBatch
from backend.imports.models import ImportBatch
from backend.imports.upload import read_upload
from backend.uploads import service as uploads
from shared.schemas.common import ErrorBody, Page
from shared.schemas.imports import ImportBatchRead, ImportSummary
from shared.schemas.uploads import UploadRead

router = DomainRouter(prefix="/imports", tags=["imports"])

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
                            "description": "CSV (UTF-8, ';' or ',') or XLSX; "
                            "see docs/import-format.md",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    response_model=ImportSummary,
    status_code=201,
    responses={
        200: {"model": ImportSummary, "description": "This exact file was imported before"},
        202: {"model": UploadRead, "description": "Queued: follow GET /uploads/{id}"},
        415: {"model": ErrorBody, "description": "Not a CSV or XLSX file"},
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload_import(
    request: Request,
    session: SessionDep,
    user: Staff,
    lang: Lang,
    portfolio_id: uuid.UUID,
    response: Response,
    prefer: Annotated[str | None, Header()] = None,
) -> ImportSummary | JSONResponse:
    """Import debtors and accounts, all or nothing, with the portfolio's saved column mapping.
    A file with any bad row answers 422 ``import_invalid`` with
    ``details.errors: [{row, column, reason, code}]`` and ``details.report`` (download links
    of the rejected batch's full report).

    Files larger than ``COBRO_INLINE_UPLOAD_BYTES``, or sent with ``Prefer: respond-async``, are
    imported by a background job: 202 with the upload; ``GET /uploads/{id}`` shows the rows
    done, then ``result.summary`` or the ``import_invalid`` error with its report links."""
    upload = await read_upload(request, get_settings().max_upload_bytes)
    try:
        size = upload.file.seek(0, 2)
        upload.file.seek(0)
        if uploads.in_background(prefer, size):
            data = await upload.read()
            queued = await run_unit(
                session,
                lambda: uploads.queue(
                    session,
                    actor_of(user),
                    user,
                    kind="import",
                    job=tasks.JOB,
                    portfolio_id=get_portfolio(session, portfolio_id).id,
                    filename=upload.filename or "",
                    data=data,
                    language=lang,
                ),
            )
            return uploads.accepted(queued)

        def work() -> service.ImportResult:
            upload.file.seek(0)  # a retried unit reads the file again from its start
            return service.import_file(
                session,
                actor_of(user),
                user,
                portfolio_id,
                upload.file,
                upload.filename or "",
                lang=lang,
            )

        result = await run_unit(session, work)
    finally:
        await upload.close()
    if result.replayed:
        response.status_code = 200
    return ImportSummary.model_validate({**result.summary, "replayed": result.replayed})


def _read(batch: ImportBatch) -> ImportBatchRead:
    return ImportBatchRead.model_validate(batch.model_dump(exclude={"report"}))


@router.get("", response_model=Page[ImportBatchRead])
def list_imports(
    session: SessionDep,
    user: Staff,
    paging: Annotated[PageParams, Depends(page_params)],
    portfolio_id: uuid.UUID | None = None,
) -> object:
    """Batches, newest first: every batch for admins, a supervisor's own for them."""
    rows = service.batches(
        session, user, before=paging.cursor, limit=paging.limit, portfolio_id=portfolio_id
    )
    items = [_read(batch) for batch in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.get("/{batch_id}", response_model=ImportBatchRead)
def get_import(_: Staff, batch: VisibleBatch) -> object:
    return _read(batch)


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/{batch_id}/report.{fmt}",
    response_class=Response,
    responses={200: {"content": {media: {} for media in _MEDIA.values()}}},
)
def download_report(
    _: Staff, lang: Lang, batch: VisibleBatch, fmt: Literal["csv", "xlsx"]
) -> Response:
    """Every error and warning of a batch (rejected or completed), in the caller's language."""
    render = report.as_csv if fmt == "csv" else report.as_xlsx
    name = f"import-{batch.id}-report.{fmt}"
    return Response(
        render(batch.report, lang),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
