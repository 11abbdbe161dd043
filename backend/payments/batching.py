"""Provider events that arrive together are handled together: one transaction, one commit.

Stripe delivers events concurrently. Handled one per transaction, each event pays a commit (a
WAL flush) and a dozen statements; handled as a set (``service.handle_events``) a whole group
shares them. Every request still answers only once its own event was handled and committed:

- ``submit`` queues the event and waits for its outcome;
- at most ``RUNNERS`` groups per process are in flight; while they run, newly arrived events
  queue up and form the next group (up to ``MAX_GROUP``), so a lone event is handled at once
  and a burst is handled in a few large groups;
- a group runs as one unit of work on a worker thread (``unit_of_work``: commit, or a whole
  retry after a deadlock); if it still fails, each of its events runs alone
  (``handle_event``), so one bad event answers 5xx (and is redelivered) without failing the
  others.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.core.db import unit_of_work
from backend.payments import service

log = logging.getLogger("cobro.payments")

MAX_GROUP = 200
RUNNERS = 2

Handler = Callable[[list[Session], str, list[dict[str, Any]]], list[Any]]


def handle_group(sessions: list[Session], provider: str, events: list[dict[str, Any]]) -> list[Any]:
    """One unit of work for the group, in the first request's session (every request of the
    group waits for it); on failure each event alone in its own request's session (the
    exception, for an event whose own unit failed)."""
    session = sessions[0]
    try:
        return unit_of_work(session, lambda: service.handle_events(session, provider, events))
    except Exception:
        log.exception("%d %s events failed together; one by one now", len(events), provider)
    return [_alone(own, provider, event) for own, event in zip(sessions, events, strict=True)]


def _alone(session: Session, provider: str, event: dict[str, Any]) -> Any:
    try:
        return unit_of_work(session, lambda: service.handle_event(session, provider, event))
    except Exception as exc:  # answered to this event's sender only
        return exc


@dataclass
class _Batcher:
    handler: Handler
    queue: list[tuple[Session, str, dict[str, Any], asyncio.Future[str]]] = field(
        default_factory=list
    )
    running: int = 0

    async def submit(self, session: Session, provider: str, event: dict[str, Any]) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.queue.append((session, provider, event, future))
        if self.running < RUNNERS:
            self.running += 1
            asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _run(self) -> None:
        try:
            while self.queue:
                provider = self.queue[0][1]
                group = [item for item in self.queue if item[1] == provider][:MAX_GROUP]
                taken = {id(item) for item in group}
                self.queue = [item for item in self.queue if id(item) not in taken]
                sessions = [session for session, _, _, _ in group]
                events = [event for _, _, event, _ in group]
                try:
                    outcomes = await run_in_threadpool(self.handler, sessions, provider, events)
                except Exception as exc:  # the handler answers per event; this is a bug
                    outcomes = [exc] * len(group)
                for (_, _, _, future), outcome in zip(group, outcomes, strict=True):
                    if future.done():
                        continue  # the request went away
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self.running -= 1


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher] = (
    weakref.WeakKeyDictionary()
)


async def submit(
    session: Session, provider: str, event: dict[str, Any], handler: Handler = handle_group
) -> str:
    """The event's outcome once it was handled and committed (with whichever events arrived
    with it); raises what handling it alone raised."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = _Batcher(handler)
    return await batcher.submit(session, provider, event)
