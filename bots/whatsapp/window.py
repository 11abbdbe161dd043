"""WhatsApp's customer service window: free-form messages only within 24 hours of the person's
last message; outside it only approved templates may be sent.

The window is measured from the timestamp WhatsApp gives the person's message (not from when
the webhook arrived, so a late redelivery does not reopen it). The times are kept in this
process, bounded; a person it does not know counts as outside the window, so a restart or
another process errs on the side of templates.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

SERVICE_WINDOW = timedelta(hours=24)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ServiceWindow:
    def __init__(self, *, clock: Clock = utcnow, capacity: int = 100_000) -> None:
        self._clock = clock
        self._capacity = capacity
        self._last: OrderedDict[str, datetime] = OrderedDict()

    def record_inbound(self, user_id: str, at: datetime) -> None:
        """The person wrote at ``at`` (updates arrive unordered: the latest time wins)."""
        previous = self._last.pop(user_id, None)
        self._last[user_id] = at if previous is None else max(previous, at)
        while len(self._last) > self._capacity:
            self._last.popitem(last=False)

    def last_inbound(self, user_id: str) -> datetime | None:
        return self._last.get(user_id)

    def is_open(self, user_id: str) -> bool:
        """Whether a free-form message may be sent to ``user_id`` now."""
        last = self._last.get(user_id)
        return last is not None and self._clock() - last < SERVICE_WINDOW
