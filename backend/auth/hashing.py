"""Password checks without letting logins starve everything else.

Checking an argon2 hash costs a few hundred milliseconds of CPU and tens of MB of memory, on a
worker thread. Unchecked, 40 parallel logins take every core (and every request thread) of the
process and every other request waits. Here at most ``COBRO_LOGIN_HASH_SLOTS`` checks run at
once (default: half the CPUs, at least one) and at most ``COBRO_LOGIN_QUEUE`` more wait for a
slot, *on the event loop* (a waiting login holds no thread and no connection); any login beyond
that answers 503 ``login_busy`` with ``Retry-After`` at once.

The gate is per process and per event loop (tests run several loops in one process).
"""

from __future__ import annotations

import asyncio
import os
import weakref

from starlette.concurrency import run_in_threadpool

from backend.auth.errors import LoginBusy
from backend.core.config import get_settings
from backend.core.security import verify_password


class HashingGate:
    def __init__(self, slots: int, queue: int) -> None:
        self.slots = slots
        self.capacity = slots + queue
        self._semaphore = asyncio.Semaphore(slots)
        self.admitted = 0  # running or waiting

    async def verify(self, password: str, password_hash: str) -> bool:
        if self.admitted >= self.capacity:
            raise LoginBusy(retry_after_seconds=1)
        self.admitted += 1
        try:
            async with self._semaphore:
                return await run_in_threadpool(verify_password, password, password_hash)
        finally:
            self.admitted -= 1


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, HashingGate] = (
    weakref.WeakKeyDictionary()
)


def gate() -> HashingGate:
    """This event loop's gate, sized from the settings when first used."""
    loop = asyncio.get_running_loop()
    found = _gates.get(loop)
    if found is None:
        settings = get_settings()
        slots = settings.login_hash_slots or max(1, (os.cpu_count() or 2) // 2)
        found = _gates[loop] = HashingGate(slots, settings.login_queue)
    return found
