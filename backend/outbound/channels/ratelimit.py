"""Provider rate limits shared by every worker: ``acquire(channel)`` reserves the next slot of
that channel's sender and answers how many seconds to wait before sending in it.

The schedule is GCRA (a token bucket kept as one timestamp, the theoretical arrival time): slots
are ``1 / rate`` seconds apart, and ``burst`` slots may fall at once after a quiet spell. With
COBRO_REDIS_URL set the timestamp lives in Redis and one Lua script reads and moves it
atomically on Redis's own clock, so all processes on all machines share one schedule; without
it (the `make run` default) each process keeps its own. A channel without a rate is not paced.
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
    burst: int = 1

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


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
        self._arrival: dict[Channel, float] = {}
        self._lock = threading.Lock()

    def acquire(self, channel: Channel) -> float:
        rate = self._rates.get(channel)
        if rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            arrival = max(self._arrival.get(channel, now), now)
            start = max(now, arrival - rate.tolerance)
            self._arrival[channel] = arrival + rate.interval
        return start - now


# KEYS[1]: the scope's key. ARGV: interval and tolerance in microseconds. Returns the wait in
# microseconds. The key expires once its schedule is in the past.
_GCRA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local arrival = tonumber(redis.call('GET', KEYS[1]) or now)
if arrival < now then arrival = now end
local start = arrival - tolerance
if start < now then start = now end
local next_arrival = arrival + interval
redis.call('SET', KEYS[1], string.format('%d', next_arrival),
           'PX', math.ceil((next_arrival - now) / 1000) + 1000)
return start - now
"""


class RedisLimiter:
    """One schedule per scope in Redis, for every process that uses the same Redis."""

    def __init__(
        self, redis: Redis, rates: Mapping[Channel, Rate], *, prefix: str = "cobro:rate"
    ) -> None:
        self._rates = dict(rates)
        self._prefix = prefix
        self._script = redis.register_script(_GCRA)

    def acquire(self, channel: Channel) -> float:
        rate = self._rates.get(channel)
        if rate is None:
            return 0.0
        wait = self._script(
            keys=[f"{self._prefix}:{rate.scope}"],
            args=[round(rate.interval * 1e6), round(rate.tolerance * 1e6)],
        )
        return int(wait) / 1e6
