"""A debtor's personal data: who read it, its export, and its erasure (``docs/privacy.md``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response

from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.debtors.guards import VisibleDebtor
from backend.privacy import export, reads, repository, service
from shared.schemas.common import Page
from shared.schemas.privacy import (
    ErasureRequest,
    ErasureResult,
    ExportFormat,
    PersonalDataReadRead,
)

router = DomainRouter(prefix="/debtors", tags=["privacy"])

_MEDIA = {ExportFormat.json: "application/json", ExportFormat.csv: "application/zip"}


@router.get("/{debtor_id}/reads", response_model=Page[PersonalDataReadRead])
def list_reads(
    session: SessionDep,
    _: Staff,
    debtor: VisibleDebtor,
    paging: Annotated[PageParams, Depends(page_params)],
    actor_id: uuid.UUID | None = None,
) -> object:
    """Who was shown this debtor's personal data, newest first. Reads reach this list within
    about a second (``COBRO_READ_LOG_SECONDS``)."""
    rows = repository.reads_page(
        session, debtor.id, after=paging.cursor, limit=paging.limit, actor_id=actor_id
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.get(
    "/{debtor_id}/export",
    response_class=Response,
    responses={200: {"content": {media: {} for media in _MEDIA.values()}}},
)
def export_debtor(
    session: SessionDep,
    user: Staff,
    debtor: VisibleDebtor,
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.json,
) -> Response:
    """Everything held about the debtor (the data subject's access and portability request):
    personal data, accounts, ledger, payments, promises, plans and instalments, contact
    attempts, visits and field notes, messages and chats, and opt-out history. As JSON, or
    as a zip of one CSV per section. The export is recorded in the read log."""
    sections = service.export(session, debtor)
    reads.note(actor_of(user), [debtor.id], reads.EXPORTED)
    body = export.as_json(sections) if fmt == ExportFormat.json else export.as_zip(sections)
    name = f"debtor-{debtor.id}.{'json' if fmt == ExportFormat.json else 'zip'}"
    return Response(
        body,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{debtor_id}/erase", response_model=ErasureResult)
def erase_debtor(
    session: SessionDep, user: Admin, debtor: VisibleDebtor, data: ErasureRequest
) -> ErasureResult:
    """Erase the debtor's personal data; the debt (accounts, ledger, payments, plans) stays.
    Refused with ``409 erasure_blocked`` while an account has a balance or an active plan,
    unless ``legal_order`` is set (name the order in ``reason``). Repeating it changes
    nothing (``already_erased``)."""
    return service.erase(session, actor_of(user), debtor.id, data)
