"""Providers' delivery reports on reminders: ``sent`` -> ``delivered`` -> ``read`` only move
forward, a failure fails the contact and moves the step on to its next channel, and a report
heard twice (providers retry their callbacks) changes nothing the second time. A report is
matched by the provider's message id, else by the contact's key the provider echoed; the
contact is locked while it is judged, so the same report heard twice at once applies once.

Reports come from Twilio's signed callbacks (``channels.sms_status``) and from the bots, who
relay WhatsApp's statuses from Meta's signed webhook (:func:`from_reports`)."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.outbound import repository
from backend.outbound.channels.base import DeliveryUpdate
from backend.outbound.sending import SendReport, fail_and_fall_back
from shared.schemas.contact import AttemptStatus
from shared.schemas.outbound import DeliveryReport

PROGRESS = {
    AttemptStatus.sending: 0,
    AttemptStatus.sent: 1,
    AttemptStatus.delivered: 2,
    AttemptStatus.read: 3,
}


def record(session: Session, updates: list[DeliveryUpdate]) -> int:
    """Apply the reports; how many changed a contact."""
    changed = 0
    for update in updates:
        attempt = repository.attempt_for_delivery(session, update.provider_ref, update.key)
        if attempt is None or attempt.status not in PROGRESS:
            continue  # unknown, or already failed or cancelled: nothing to move
        attempt.provider_ref = attempt.provider_ref or update.provider_ref
        if update.status == "failed":
            fail_and_fall_back(
                session, attempt, "undelivered", SendReport(), detail=update.error or "failed"
            )
            changed += 1
            continue
        status = AttemptStatus(update.status)
        if PROGRESS[status] <= PROGRESS[attempt.status]:
            continue
        attempt.status = status
        session.add(attempt)
        audit.record(
            session,
            Actor.system(),
            f"contact.{status.value}",
            "contact_attempt",
            attempt.id,
            after={"provider_ref": attempt.provider_ref, "at": update.at.isoformat()},
            account_id=attempt.account_id,
        )
        changed += 1
    return changed


def from_reports(reports: list[DeliveryReport]) -> list[DeliveryUpdate]:
    """The updates of the reports a bot relays."""
    return [
        DeliveryUpdate(
            provider_ref=r.message_id, status=r.status, at=r.at, error=r.error, key=r.key
        )
        for r in reports
    ]
