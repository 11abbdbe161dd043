"""Periodic jobs of the chats: payment confirmations to debtors' chats every minute
(``notices``), and the hourly clean-up of chat bookkeeping that has served its purpose.

* Inbox claims: kept while a platform may still redeliver the message (WhatsApp retries for up
  to seven days), then deleted.
* Verification failures: kept while they can still count towards a lockout, then deleted
  (they are only counters; the audit log keeps what happened).
* Chats idle past their expiry lose their half-finished step and its data, and bindings to
  debtors past ``bound_until`` are dropped: nothing about a debt stays in a stale chat.
* Chat-link redemptions go once their link expired (it verifies nobody any more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update

from backend.conversations import notices
from backend.conversations.lockout import KEPT
from backend.conversations.models import (
    ChatLinkRedemption,
    Conversation,
    InboxMessage,
    VerificationFailure,
)
from backend.conversations.notices import NoticeReport
from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs.registry import job

INBOX_KEPT = timedelta(days=14)


@dataclass(frozen=True)
class Cleanup:
    inbox: int
    failures: int
    chats_reset: int
    bindings_dropped: int
    redemptions: int


def clean_up() -> Cleanup:
    now = utcnow()
    with session_scope() as session:
        inbox = session.execute(
            delete(InboxMessage).where(InboxMessage.received_at < now - INBOX_KEPT)
        ).rowcount
        failures = session.execute(
            delete(VerificationFailure).where(VerificationFailure.at < now - KEPT)
        ).rowcount
        chats = session.execute(
            update(Conversation)
            .where(Conversation.expires_at < now)
            .values(step="start", data={}, expires_at=None)
        ).rowcount
        bindings = session.execute(
            update(Conversation)
            .where(Conversation.bound_until < now)
            .values(debtor_ids=[], bound_until=None, bound_via=None)
        ).rowcount
        redemptions = session.execute(
            delete(ChatLinkRedemption).where(ChatLinkRedemption.expires_at < now)
        ).rowcount
    return Cleanup(inbox, failures, chats, bindings, redemptions)


@job("conversations.clean_up", cron="20 * * * *")
def clean_up_job() -> None:
    clean_up()


@job("conversations.payment_notices", cron="* * * * *")
def payment_notices_job() -> NoticeReport:
    return notices.run()
