"""How wrong verification answers slow a chat down without locking the debtor out.

* **Per chat identity** (the channel and the channel's id for the person): :data:`MAX_FAILURES`
  wrong answers within :data:`COUNTED` lock that chat for :data:`DELAYS` ``[0]`` after the last
  one; every further wrong answer within :data:`COUNTED` locks it again for the next, longer
  delay (5 minutes, 15 minutes, an hour, four hours, a day). A success clears the chat's count.
* **Per national ID, across chats**: wrong answers for one ID never lock that ID, so nobody who
  knows a DNI can lock its owner out from another phone. From :data:`DOCUMENT_ALERT` failures
  within :data:`COUNTED` (from any chats) a supervisor is alerted instead (a
  ``verification_alert`` task on the ID's debtors' accounts, at most one a day per ID), and the
  owner keeps verifying from their own chat. On the web portal, where a new session (a chat
  identity) costs nothing, ID attempts for that document then pause as a locked chat's do, with
  the same growing delays (:func:`document_locked_until`): the owner still signs in there with
  a link (a reminder's, or one their chat sends), and in their chats by ID.

Failures are stored as keyed hashes of the ID (``verification.id_key``), never the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from backend.conversations import repository

MAX_FAILURES = 3
COUNTED = timedelta(hours=24)
DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=24),
)
DOCUMENT_ALERT = 5
# Channels where a new chat identity costs nothing (a browser session of the web portal): there,
# ID attempts for a document at the alert threshold are paused as a chat's are (see above).
DOCUMENT_LOCKED_CHANNELS = frozenset({"portal"})
# Failures older than this can no longer lock anything (the clean-up job deletes them).
KEPT = COUNTED + DELAYS[-1]


def chat_failures(session: Session, channel: str, user_id: str, now: datetime) -> list[datetime]:
    """When the chat's counted failures happened, newest first."""
    return repository.failures_of_chat(session, channel, user_id, now - COUNTED)


def lock_end(newest_first: list[datetime], now: datetime) -> datetime | None:
    """When the lock these failures put on a chat ends, if it is locked now."""
    if len(newest_first) < MAX_FAILURES:
        return None
    delay = DELAYS[min(len(newest_first) - MAX_FAILURES, len(DELAYS) - 1)]
    end = newest_first[0] + delay
    return end if now < end else None


def chat_locked_until(
    session: Session, channel: str, user_id: str, now: datetime
) -> datetime | None:
    return lock_end(chat_failures(session, channel, user_id, now), now)


def attempts_left(newest_first: list[datetime]) -> int:
    return max(0, MAX_FAILURES - len(newest_first))


def document_locked_until(session: Session, id_key: str, now: datetime) -> datetime | None:
    """When ID attempts for this document may resume on a :data:`DOCUMENT_LOCKED_CHANNELS`
    channel: from :data:`DOCUMENT_ALERT` failures within :data:`COUNTED` (from any chats), for
    :data:`DELAYS` after the last one, longer with each further one, as a chat's lock."""
    failures = repository.failures_of_id(session, id_key, now - COUNTED)
    if len(failures) < DOCUMENT_ALERT:
        return None
    delay = DELAYS[min(len(failures) - DOCUMENT_ALERT, len(DELAYS) - 1)]
    end = failures[0] + delay  # newest first
    return end if now < end else None


def document_alert_due(session: Session, id_key: str, now: datetime) -> bool:
    """Whether failures for this ID just reached the alert threshold (or went past it again
    by another multiple), counted across every chat."""
    count = len(repository.failures_of_id(session, id_key, now - COUNTED))
    return count >= DOCUMENT_ALERT and count % DOCUMENT_ALERT == 0
