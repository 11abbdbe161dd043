"""The upload a path names (``/uploads/{upload_id}``), loaded and checked in the endpoint's
unit of work (``backend.core.guards``): admins see every upload, others the ones they sent;
404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.uploads import service
from backend.uploads.models import Upload


def _visible_upload(session: Session, user: CurrentUser, upload_id: uuid.UUID) -> Upload:
    return service.get_visible(session, user, upload_id)


VisibleUpload = Annotated[Upload, guard(_visible_upload)]
