"""``GET /uploads/{id}``: where a background upload stands."""

from __future__ import annotations

from backend.core.routing import DomainRouter
from backend.uploads import service
from backend.uploads.guards import VisibleUpload
from shared.schemas.uploads import UploadRead

router = DomainRouter(prefix="/uploads", tags=["uploads"])


@router.get("/{upload_id}", response_model=UploadRead)
def get_upload(upload: VisibleUpload) -> UploadRead:
    """Stage, rows done and total, rate and time left; then the result, or the error with its
    code and message (e.g. ``statement_invalid`` with the rows at fault)."""
    return service.to_read(upload)
