"""Disputes for staff: open one for a debtor, list and read them, resolve them (supervisors of
the account's team and admins), and the evidence files debtors send. The bots' side is
``backend/conversations/requests_endpoints.py``. See docs/disputes.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Response, UploadFile

from backend.accounts.guards import VisibleAccount
from backend.accounts.scope import account_visibility
from backend.auth.deps import CurrentUser, Lang, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.disputes import repository, service
from backend.disputes.guards import DisputeEvidence, VisibleDispute
from backend.disputes.models import Dispute
from backend.disputes.service import Opening
from backend.uploads.models import Upload
from shared.schemas.common import ErrorBody, Page
from shared.schemas.disputes import (
    DisputeCreate,
    DisputeOpened,
    DisputeRead,
    DisputeResolve,
    EvidenceRead,
)
from shared.schemas.enums import ActionChannel, DisputeStatus

router = DomainRouter(tags=["disputes"])


def to_read(dispute: Dispute) -> DisputeRead:
    return DisputeRead.model_validate(dispute, from_attributes=True)


def evidence_read(upload: Upload) -> EvidenceRead:
    return EvidenceRead(
        id=upload.id,
        filename=upload.filename,
        content_type=upload.options.get("content_type", "application/octet-stream"),
        size_bytes=upload.size_bytes,
        created_at=upload.created_at,
    )


@router.post(
    "/accounts/{account_id}/disputes",
    response_model=DisputeOpened,
    status_code=201,
    responses={
        200: {"model": DisputeOpened, "description": "The dispute already open, or a replay"},
        409: {"model": ErrorBody, "description": "account_not_disputable"},
    },
)
def open_dispute(
    session: SessionDep,
    user: CurrentUser,
    account: VisibleAccount,
    body: DisputeCreate,
    lang: Lang,
    response: Response,
) -> DisputeOpened:
    """Open a dispute for the debtor (by phone, in a visit, by letter): the account is
    disputed, contact stops, a supervisor's review task opens; ``message`` is what to tell the
    debtor (in the caller's language). While one is open this answers it (200)."""
    dispute, created = service.open_dispute(
        session,
        actor_of(user),
        account.id,
        Opening(
            reason=body.reason,
            statement=body.statement,
            channel=ActionChannel(body.channel),
            evidence=body.evidence,
            client_key=f"staff:{body.client_key}" if body.client_key else None,
        ),
    )
    if not created:
        response.status_code = 200
    return DisputeOpened(
        dispute=to_read(dispute), message=service.opened_message(session, dispute, lang)
    )


@router.get("/accounts/{account_id}/disputes", response_model=list[DisputeRead])
def account_disputes(session: SessionDep, account: VisibleAccount) -> list[DisputeRead]:
    """The account's disputes, newest first."""
    return [to_read(d) for d in repository.of_account(session, account.id)]


@router.get("/disputes", response_model=Page[DisputeRead])
def list_disputes(
    session: SessionDep,
    user: CurrentUser,
    paging: Annotated[PageParams, Depends(page_params)],
    status: DisputeStatus | None = None,
) -> object:
    """Disputes of the accounts the caller sees (``status=open``: the review queue)."""
    rows = repository.page(
        session,
        visible=account_visibility(user),
        after=paging.cursor,
        limit=paging.limit,
        status=status,
        account_id=None,
    )
    items = [to_read(d) for d in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.get("/disputes/{dispute_id}", response_model=DisputeRead)
def get_dispute(dispute: VisibleDispute) -> DisputeRead:
    return to_read(dispute)


@router.post(
    "/disputes/{dispute_id}/resolve",
    response_model=DisputeRead,
    responses={409: {"model": ErrorBody, "description": "dispute_already_resolved"}},
)
def resolve_dispute(
    session: SessionDep, user: Staff, dispute: VisibleDispute, body: DisputeResolve
) -> DisputeRead:
    """Upheld, rejected or corrected, with a note: audited, the review task closed, the debtor
    told (a notice the bot and the portal show). Resolved already: 409
    ``dispute_already_resolved``."""
    return to_read(service.resolve(session, actor_of(user), user, dispute, body))


@router.post("/accounts/{account_id}/evidence", response_model=EvidenceRead, status_code=201)
def upload_evidence(
    session: SessionDep,
    user: CurrentUser,
    account: VisibleAccount,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or PDF, up to 10 MiB")],
) -> EvidenceRead:
    """Keep a file as evidence for the account (then name it in a dispute's ``evidence``)."""
    upload = service.store_evidence(
        session,
        actor_of(user),
        user,
        account,
        filename=file.filename or "evidence",
        content_type=file.content_type or "",
        data=file.file.read(service.MAX_EVIDENCE_BYTES + 1),
    )
    return evidence_read(upload)


@router.get(
    "/disputes/{dispute_id}/evidence/{upload_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def evidence_file(session: SessionDep, found: DisputeEvidence) -> Response:
    """One of the dispute's evidence files, as it was sent."""
    upload = found.upload
    return Response(
        repository.evidence_content(session, upload.id),
        media_type=upload.options.get("content_type", "application/octet-stream"),
        headers={"Content-Disposition": f'inline; filename="{_safe(upload.filename)}"'},
    )


def _safe(filename: str) -> str:
    return "".join(c for c in filename if c.isalnum() or c in "._-") or "evidence"
