"""The background job of an import upload (see ``backend.uploads``): the same all-or-nothing
import as the request path, in the job's one transaction, with its progress readable."""

from __future__ import annotations

import io
import uuid

from backend.core.db import session_scope
from backend.core.errors import DomainError
from backend.imports import service
from backend.jobs.registry import job
from backend.uploads import service as uploads
from backend.users.models import User

JOB = "imports.process_upload"


@job(JOB, max_attempts=3)
def process_upload(upload_id: str) -> None:
    started = uploads.start(uuid.UUID(upload_id))
    if started is None:  # finished by an earlier run
        return
    try:
        with session_scope() as session:
            result = service.import_file(
                session,
                started.actor,
                session.get(User, started.created_by_id),
                started.portfolio_id,
                io.BytesIO(started.content),
                started.filename,
                lang=started.language,
                progress=uploads.UploadProgress(started.id),
            )
            summary = {**result.summary, "replayed": result.replayed}
            uploads.finish(session, started.id, {"summary": summary})
    except DomainError as error:  # a refused file (its report is kept): final
        uploads.fail(started.id, error, started.language)
