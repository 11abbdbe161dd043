"""Sync: push the outbox in order, pull what changed, and keep going offline when it can't.

One :meth:`SyncEngine.sync` sends the pending actions oldest first in batches through
``POST /field/sync``; each answer carries the results of its batch and the accounts changed
since the cursor, stored together in one transaction. Then the visit photos whose visit is
now on the server are uploaded (:mod:`mobile.photos`). When the API cannot be reached
(:class:`~shared.client.ApiUnavailable`) nothing is lost: the actions stay pending, the app
stays usable offline, and :class:`Backoff` spaces out the next tries. A crash between sending
and storing the answer is safe: the same ``client_id`` sent again is answered ``duplicate``.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mobile import photos
from mobile.outbox import Outbox, now
from mobile.store import Store
from shared.client import ApiError, ApiUnavailable, AuthError
from shared.schemas.field import SyncAction, SyncResponse, SyncResult, SyncStatus

#: Actions per request: small enough for a weak signal, well under the API's 500.
BATCH_SIZE = 50


class FieldSyncApi(photos.PhotoApi, Protocol):
    """The part of :class:`~shared.client.CobroClient` that sync uses."""

    async def sync(
        self, device_id: str, actions: list[SyncAction], *, cursor: str | None = None
    ) -> SyncResponse: ...


class SyncState(StrEnum):
    """How the last sync ended."""

    never = "never"
    ok = "ok"
    offline = "offline"  # the API could not be reached: try again later
    expired = "expired"  # the token is no longer accepted: log in again (the outbox stays)
    failed = "failed"  # the API refused the request as a whole (reported, retried later)


@dataclass(slots=True)
class SyncReport:
    """What one sync did."""

    state: SyncState
    sent: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    attention: list[SyncResult] = field(default_factory=list)
    accounts_changed: int = 0
    accounts_removed: int = 0
    photos_sent: int = 0
    error: str | None = None


class Backoff:
    """Delays between tries while offline: ``base`` doubling up to ``cap`` seconds, with
    jitter so that a team's phones don't all retry at the same instant."""

    def __init__(self, base: float = 5.0, cap: float = 300.0) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1

    def succeeded(self) -> None:
        self.failures = 0

    def delay(self, normal: float) -> float:
        """Seconds until the next try: ``normal`` when the last one worked."""
        if not self.failures:
            return normal
        ceiling = min(self.cap, self.base * 2 ** (self.failures - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class SyncEngine:
    """Pushes a user's outbox and pulls their accounts; one sync at a time."""

    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        api: FieldSyncApi,
        *,
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.api = api
        self.batch_size = batch_size
        self.clock = clock
        self.backoff = Backoff()
        self.last = SyncReport(SyncState.never)
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def sync(self) -> SyncReport:
        """Push everything pending (in order), pull the changes; see :class:`SyncReport`."""
        async with self._lock:
            report = await self._sync()
            if report.state is SyncState.offline:
                self.backoff.failed()
            elif report.state is SyncState.ok:
                self.backoff.succeeded()
            self.last = report
            return report

    async def _sync(self) -> SyncReport:
        self.outbox.flush_pings()
        report = SyncReport(SyncState.ok)
        while True:
            batch = self.outbox.pending(limit=self.batch_size)
            self.store.count_attempt(action.client_id for action in batch)
            try:
                response = await self.api.sync(
                    self.store.device_id(), batch, cursor=self.store.get("cursor")
                )
            except ApiUnavailable as exc:
                return _ended(report, SyncState.offline, exc.message)
            except AuthError as exc:
                expired = exc.status == 401  # 403: this role does not sync (supervisors)
                return _ended(
                    report, SyncState.expired if expired else SyncState.failed, exc.message
                )
            except ApiError as exc:
                return _ended(report, SyncState.failed, exc.message)
            self.store.apply_sync(response, self.clock())
            report.sent += len(batch)
            report.answered.update(result.status.value for result in response.results)
            report.attention += [r for r in response.results if _needs_attention(r)]
            report.accounts_changed += len(response.changes.accounts)
            report.accounts_removed += len(response.changes.removed_account_ids)
            if len(batch) < self.batch_size:
                self.outbox.prune()
                return await self._photos(report)

    async def _photos(self, report: SyncReport) -> SyncReport:
        """Upload the visit photos whose visit is now on the server."""
        try:
            report.photos_sent = await photos.upload_pending(self.store, self.api)
        except ApiUnavailable as exc:
            return _ended(report, SyncState.offline, exc.message)
        except AuthError as exc:
            state = SyncState.expired if exc.status == 401 else SyncState.failed
            return _ended(report, state, exc.message)
        return report


def _needs_attention(result: SyncResult) -> bool:
    if result.status is SyncStatus.duplicate:
        return result.original_status in (SyncStatus.conflict, SyncStatus.rejected)
    return result.status in (SyncStatus.conflict, SyncStatus.rejected)


def _ended(report: SyncReport, state: SyncState, error: str) -> SyncReport:
    report.state = state
    report.error = error
    return report
