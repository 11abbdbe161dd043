"""What an uploads path names, loaded and checked in the endpoint's unit of work
(``backend.core.guards``): an upload (``/uploads/{upload_id}``; admins see every upload, others
the ones they sent) or a debtor's payment voucher (``/evidence/{evidence_id}``; whoever sees its
account); 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.uploads import service
from backend.uploads.models import PaymentEvidence, Upload


def _visible_upload(session: Session, user: CurrentUser, upload_id: uuid.UUID) -> Upload:
    return service.get_visible(session, user, upload_id)


VisibleUpload = Annotated[Upload, guard(_visible_upload)]


def _visible_evidence(
    session: Session, user: CurrentUser, evidence_id: uuid.UUID
) -> PaymentEvidence:
    return visible_through_account(session, user, PaymentEvidence, evidence_id)


VisibleEvidence = Annotated[PaymentEvidence, guard(_visible_evidence)]
