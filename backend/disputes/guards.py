"""What dispute paths name, loaded and checked in the endpoint's unit of work
(``backend.core.guards``): a dispute (``/disputes/{dispute_id}``) joined to its account and kept
only when the caller may see that account; one of its evidence files; and, for the bot API, a
notice of one of the chat's verified debtors. 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated, NamedTuple

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.conversations.guards import ChatDep
from backend.conversations.service import bound_debtors
from backend.core.errors import NotFound
from backend.core.guards import guard
from backend.disputes import repository
from backend.disputes.models import DebtorNotice, Dispute
from backend.uploads.models import Upload


class DisputeFile(NamedTuple):
    dispute: Dispute
    upload: Upload


def _visible_dispute(session: Session, user: CurrentUser, dispute_id: uuid.UUID) -> Dispute:
    return visible_through_account(session, user, Dispute, dispute_id)


def _dispute_evidence(
    session: Session, user: CurrentUser, dispute_id: uuid.UUID, upload_id: uuid.UUID
) -> DisputeFile:
    dispute = visible_through_account(session, user, Dispute, dispute_id)
    if str(upload_id) not in dispute.evidence:
        raise NotFound()
    found = repository.evidence(session, [upload_id])
    if not found:
        raise NotFound()
    return DisputeFile(dispute, found[0])


def _chat_notice(session: Session, chat: ChatDep, notice_id: uuid.UUID) -> DebtorNotice:
    notice = session.get(DebtorNotice, notice_id)
    if notice is None or notice.debtor_id not in bound_debtors(session, chat):
        raise NotFound()
    return notice


VisibleDispute = Annotated[Dispute, guard(_visible_dispute)]
DisputeEvidence = Annotated[DisputeFile, guard(_dispute_evidence)]
ChatNotice = Annotated[DebtorNotice, guard(_chat_notice)]
