"""Payment vouchers debtors send in chat: kept on the account, checked by a person.

A voucher is a photo or a document (``ACCEPTED`` types, at most :data:`MAX_BYTES`). Storing it
opens a ``payment_evidence`` task for the account's agent, who matches it against the money
received (nothing is booked from a picture). The bots call :func:`record` with a key derived
from the chat message, so a redelivered message returns the voucher already stored.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.errors import DomainError, PayloadTooLarge
from backend.tasks import service as tasks
from backend.uploads.models import PaymentEvidence
from shared.schemas.enums import TaskKind

MAX_BYTES = 5 * 1024 * 1024
ACCEPTED = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/gif", "application/pdf"}
)


class EvidenceType(DomainError):
    status = 415
    code = "voucher_type"


def check(content_type: str, size: int) -> str:
    """The voucher's media type (without parameters) if it may be stored."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in ACCEPTED:
        raise EvidenceType(accepted=sorted(ACCEPTED))
    if size > MAX_BYTES:
        raise PayloadTooLarge(limit=MAX_BYTES)
    return media


def record(
    session: Session,
    actor: Actor,
    account: Account,
    today: date,
    *,
    client_key: str,
    channel: str,
    filename: str,
    content_type: str,
    content: bytes,
    caption: str | None,
) -> tuple[PaymentEvidence, bool]:
    """Store the voucher and open its task (``created`` False: that key's voucher, stored
    before). A concurrent twin loses the unique key and gets the winner's."""
    media = check(content_type, len(content))
    if (existing := _by_key(session, client_key)) is not None:
        return existing, False
    evidence = PaymentEvidence(
        account_id=account.id,
        client_key=client_key,
        channel=channel,
        content_type=media,
        filename=filename[-255:] or "voucher",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        caption=(caption or "")[:1000] or None,
    )
    try:
        with session.begin_nested():
            session.add(evidence)
            session.flush()
    except IntegrityError:
        found = _by_key(session, client_key)
        assert found is not None  # stored by the concurrent twin
        return found, False
    task = tasks.open_task(
        session,
        actor,
        account,
        TaskKind.payment_evidence,
        today,
        {"evidence_id": str(evidence.id), "channel": channel, "caption": evidence.caption},
        dedupe_key=f"evidence:{evidence.id}",
    )
    evidence.task_id = task.id
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        actor,
        "payment_evidence.received",
        "payment_evidence",
        evidence.id,
        after={
            "channel": channel,
            "content_type": media,
            "size_bytes": evidence.size_bytes,
            "sha256": evidence.sha256,
            "task_id": str(task.id),
        },
        account_id=account.id,
    )
    return evidence, True


def _by_key(session: Session, client_key: str) -> PaymentEvidence | None:
    query = select(PaymentEvidence).where(PaymentEvidence.client_key == client_key)
    return session.execute(query).scalars().first()
