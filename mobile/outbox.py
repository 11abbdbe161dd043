"""The outbox: every action the agent records, kept in order until the server answers it.

An action gets its ``client_id`` (a UUID made on the device) and the device time when it is
recorded, and it is written to the store before anything is sent. :mod:`mobile.sync` sends the
pending ones in order; the server's answer (``applied``, ``duplicate``, ``conflict`` or
``rejected``) is final and stored with the action. Sending an action twice is harmless: the
server recognises the ``client_id`` and answers ``duplicate`` with the first result.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from mobile.store import OutboxRow, Store
from shared.schemas.field import (
    LocationPayload,
    LocationPoint,
    SyncAction,
    SyncActionType,
    SyncStatus,
)

PENDING = "pending"
#: Answers that need the agent to look (shown until acknowledged).
ATTENTION = (SyncStatus.conflict.value, SyncStatus.rejected.value)
#: How long answered actions stay visible in the sync screen.
KEEP_ANSWERED = timedelta(days=7)


def now() -> datetime:
    """The device's time, with its offset (what ``recorded_at`` means)."""
    return datetime.now().astimezone()


def new_client_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    attention: int


class Outbox:
    """Record actions and their answers in a user's :class:`~mobile.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        type_: SyncActionType,
        payload: BaseModel,
        *,
        account_id: uuid.UUID | None,
        recorded_at: datetime | None = None,
    ) -> str:
        """Queue one action and return its ``client_id``."""
        client_id = new_client_id()
        self.store.insert_action(
            client_id=client_id,
            type_=type_.value,
            account_id=None if account_id is None else str(account_id),
            recorded_at=recorded_at or now(),
            payload=payload.model_dump(mode="json", exclude_none=True),
        )
        return client_id

    def record_many(
        self, actions: Sequence[tuple[SyncActionType, BaseModel]], *, account_id: uuid.UUID
    ) -> list[str]:
        """Queue actions taken together (a visit and its promise) in one write, in order."""
        recorded_at = now()
        client_ids = [new_client_id() for _ in actions]
        with self.store.transaction() as db:
            for client_id, (type_, payload) in zip(client_ids, actions, strict=True):
                self.store.insert_action(
                    client_id=client_id,
                    type_=type_.value,
                    account_id=str(account_id),
                    recorded_at=recorded_at,
                    payload=payload.model_dump(mode="json", exclude_none=True),
                    db=db,
                )
        return client_ids

    def buffer_ping(self, point: LocationPoint) -> None:
        """Keep a location ping; :meth:`flush_pings` turns the buffer into one action."""
        self.store.add_ping(point)

    def flush_pings(self) -> str | None:
        """Move the buffered pings into one ``location`` action (one transaction)."""
        with self.store.transaction() as db:
            points = self.store.take_pings(db)
            if not points:
                return None
            client_id = new_client_id()
            self.store.insert_action(
                client_id=client_id,
                type_=SyncActionType.location.value,
                account_id=None,
                recorded_at=now(),
                payload=LocationPayload(points=points).model_dump(mode="json"),
                db=db,
            )
        return client_id

    def pending(self, limit: int | None = None) -> list[SyncAction]:
        """The actions still to send, oldest first, as the API takes them."""
        return [_action(row) for row in self.store.outbox(statuses=[PENDING], limit=limit)]

    def counts(self) -> OutboxCounts:
        return OutboxCounts(self.store.count_outbox(PENDING), self.store.count_attention())

    def rows(self, account_id: uuid.UUID | None = None) -> list[OutboxRow]:
        """Every action kept, oldest first (of one account with ``account_id``)."""
        return self.store.outbox(account_id=None if account_id is None else str(account_id))

    def needing_attention(self, account_id: uuid.UUID | None = None) -> list[OutboxRow]:
        """Conflicts and rejections not yet acknowledged by the agent."""
        rows = self.store.outbox(
            statuses=ATTENTION, account_id=None if account_id is None else str(account_id)
        )
        return [row for row in rows if not row.dismissed]

    def acknowledge(self, client_id: str) -> None:
        """The agent has seen a conflict or rejection: stop showing it."""
        self.store.dismiss(client_id)

    def prune(self) -> None:
        self.store.prune_answered(now() - KEEP_ANSWERED)


def _action(row: OutboxRow) -> SyncAction:
    return SyncAction(
        client_id=row.client_id,
        type=SyncActionType(row.type),
        account_id=None if row.account_id is None else uuid.UUID(row.account_id),
        recorded_at=row.recorded_at,
        payload=row.payload,
    )
