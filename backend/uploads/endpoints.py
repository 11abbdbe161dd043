"""``GET /uploads/{id}``: where a background upload stands."""

from __future__ import annotations

import uuid

from backend.auth.deps import CurrentUser, SessionDep
from backend.core.routing import DomainRouter
from backend.uploads import service
from shared.schemas.uploads import UploadRead

router = DomainRouter(prefix="/uploads", tags=["uploads"])


@router.get("/{upload_id}", response_model=UploadRead)
def get_upload(session: SessionDep, user: CurrentUser, upload_id: uuid.UUID) -> UploadRead:
    """Stage, rows done and total, rate and time left; then the result, or the error with its
    code and message (e.g. ``statement_invalid`` with the rows at fault)."""
    return service.to_read(service.get_visible(session, user, upload_id))
