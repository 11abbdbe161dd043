"""``GET /uploads/{id}``: where a background upload stands; ``GET /evidence/{id}``: a payment
voucher a debtor sent in chat."""

from __future__ import annotations

from fastapi import Response

from backend.core.routing import DomainRouter
from backend.uploads import service
from backend.uploads.guards import VisibleEvidence, VisibleUpload
from shared.schemas.uploads import UploadRead

router = DomainRouter(tags=["uploads"])


@router.get("/uploads/{upload_id}", response_model=UploadRead)
def get_upload(upload: VisibleUpload) -> UploadRead:
    """Stage, rows done and total, rate and time left; then the result, or the error with its
    code and message (e.g. ``statement_invalid`` with the rows at fault)."""
    return service.to_read(upload)


@router.get(
    "/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}},
)
def get_evidence(evidence: VisibleEvidence) -> Response:
    """The voucher file as the debtor sent it (its task says which account and chat), for the
    agent who checks it against the money received; downloaded, never rendered inline."""
    return Response(
        evidence.content,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="voucher-{evidence.id}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
