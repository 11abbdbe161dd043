"""Provider rate limits shared by every worker: ``acquire(channel)`` reserves the next slot of
that channel's sender and answers how many seconds to wait before sending in it.

The schedule is one timestamp per sender, the next free slot (GCRA without a burst): slots are
``1 / rate`` seconds apart, so no second holds more than ``rate`` messages; after a quiet spell
the next slot is now. With COBRO_REDIS_URL set the timestamp lives in Redis and one Lua script
reads and moves it atomically on Redis's own clock, so all processes on all machines share one
schedule; without it (the `make run` default) each process keeps its own. A channel without a
rate is not paced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

from shared.schemas.enums import Channel


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` messages a second for the sender named ``scope`` (a number, a bot)."""

    scope: str
    per_second: float

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


class RateLimiter(Protocol):
    def acquire(self, channel: Channel) -> float:
        """Reserve the channel's next slot; seconds to wait before using it (0: now)."""
        ...


def pace(
    limiter: RateLimiter, channel: Channel, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Reserve a slot and wait for it."""
    wait = limiter.acquire(channel)
    if wait > 0:
        sleep(wait)


class LocalLimiter:
    """This process's schedule (threads share it)."""

    def __init__(
        self, rates: Mapping[Channel, Rate], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rates = dict(rates)
        self._clock = clock
        self._next: dict[Channel, float] = {}
        self._lock = threading.Lock()

    def acquire(self, channel: Channel) -> float:
        rate = self._rates.get(channel)
        if rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(self._next.get(channel, now), now)
            self._next[channel] = slot + rate.interval
        return slot - now


# KEYS[1]: the sender's key. ARGV[1]: the interval in microseconds. Returns the slot and
# Redis's present time in microseconds. The key expires once its slot is in the past.
_NEXT_SLOT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or now)
if slot < now then slot = now end
local following = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', following),
           'PX', math.ceil((following - now) / 1000) + 1000)
return {string.format('%d', slot), string.format('%d', now)}
"""


class RedisLimiter:
    """One schedule per scope in Redis, for every process that uses the same Redis."""

    def __init__(
        self, redis: Redis, rates: Mapping[Channel, Rate], *, prefix: str = "cobro:rate"
    ) -> None:
        self._rates = dict(rates)
        self._prefix = prefix
        self._script = redis.register_script(_NEXT_SLOT)

    def reserve(self, channel: Channel) -> tuple[float, float]:
        """Reserve the next slot: (when it falls, now), in seconds on Redis's clock."""
        rate = self._rates[channel]
        slot, now = self._script(
            keys=[f"{self._prefix}:{rate.scope}"], args=[round(rate.interval * 1e6)]
        )
        return int(slot) / 1e6, int(now) / 1e6

    def acquire(self, channel: Channel) -> float:
        if channel not in self._rates:
            return 0.0
        slot, now = self.reserve(channel)
        return slot - now
