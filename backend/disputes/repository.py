"""Queries on disputes, debtor notices and evidence files."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.pagination import keyset
from backend.disputes.models import DebtorNotice, Dispute
from backend.uploads.models import Upload
from shared.schemas.enums import DisputeStatus

EVIDENCE = "evidence"  # the upload kind of evidence files


def by_client_key(session: Session, key: str) -> Dispute | None:
    return session.execute(select(Dispute).where(Dispute.client_key == key)).scalars().first()


def open_for_account(session: Session, account_id: uuid.UUID) -> Dispute | None:
    query = select(Dispute).where(
        Dispute.account_id == account_id, Dispute.status == DisputeStatus.open
    )
    return session.execute(query).scalars().first()


def of_account(session: Session, account_id: uuid.UUID) -> list[Dispute]:
    """The account's disputes, newest first."""
    query = (
        select(Dispute)
        .where(Dispute.account_id == account_id)
        .order_by(col(Dispute.created_at).desc(), col(Dispute.id).desc())
    )
    return list(session.execute(query).scalars())


def page(
    session: Session,
    *,
    visible: ColumnElement[bool],
    after: uuid.UUID | None,
    limit: int,
    status: DisputeStatus | None,
    account_id: uuid.UUID | None,
) -> list[Dispute]:
    query = select(Dispute).join(Account, Account.id == Dispute.account_id).where(visible)
    if status is not None:
        query = query.where(Dispute.status == status)
    if account_id is not None:
        query = query.where(Dispute.account_id == account_id)
    return keyset(session, query, Dispute.id, after, limit)


def evidence(session: Session, ids: Iterable[uuid.UUID]) -> list[Upload]:
    """Evidence files by id, without their content."""
    wanted = list(ids)
    if not wanted:
        return []
    query = (
        select(Upload)
        .where(col(Upload.id).in_(wanted), Upload.kind == EVIDENCE)
        .options(defer(Upload.content))
    )
    return list(session.execute(query).scalars())


def evidence_content(session: Session, upload_id: uuid.UUID) -> bytes:
    return session.execute(select(Upload.content).where(Upload.id == upload_id)).scalar_one() or b""


def pending_notices(session: Session, debtor_ids: list[uuid.UUID]) -> list[DebtorNotice]:
    """Notices not shown yet to these debtors, oldest first."""
    query = (
        select(DebtorNotice)
        .where(col(DebtorNotice.debtor_id).in_(debtor_ids), col(DebtorNotice.shown_at).is_(None))
        .order_by(col(DebtorNotice.created_at), col(DebtorNotice.id))
    )
    return list(session.execute(query).scalars())


def notice_of(session: Session, dispute_id: uuid.UUID) -> DebtorNotice | None:
    """The notice of a resolved dispute's outcome."""
    query = select(DebtorNotice).where(DebtorNotice.dispute_id == dispute_id)
    return session.execute(query).scalars().first()
