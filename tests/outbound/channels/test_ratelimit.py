"""Provider rate limits: slots 1/rate apart, per process without Redis, across processes with."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from redis import Redis

from backend.outbound.channels.ratelimit import LocalLimiter, Rate, RedisLimiter, pace
from shared.schemas.enums import Channel
from tests.outbound.channels.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[3]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_one_interval_apart_and_a_quiet_spell_resets_the_schedule() -> None:
    clock = FakeClock()
    limiter = LocalLimiter({Channel.sms: Rate("twilio:x", 4.0)}, clock=clock)

    assert [limiter.acquire(Channel.sms) for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    clock.now += 0.5  # half the queue has gone out
    assert limiter.acquire(Channel.sms) == 0.5
    clock.now += 10
    assert limiter.acquire(Channel.sms) == 0.0


def test_a_channel_without_a_rate_is_not_paced() -> None:
    limiter = LocalLimiter({Channel.sms: Rate("twilio:x", 1.0)})

    assert [limiter.acquire(Channel.telegram) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_threads_of_one_process_share_the_schedule() -> None:
    clock = FakeClock()
    limiter = LocalLimiter({Channel.whatsapp: Rate("whatsapp:x", 80.0)}, clock=clock)

    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: limiter.acquire(Channel.whatsapp), range(160)))

    assert sorted(waits) == pytest.approx([n / 80 for n in range(160)])


def test_pace_sleeps_until_the_reserved_slot() -> None:
    clock = FakeClock()
    limiter = LocalLimiter({Channel.sms: Rate("twilio:x", 2.0)}, clock=clock)
    slept: list[float] = []

    pace(limiter, Channel.sms, sleep=slept.append)
    pace(limiter, Channel.sms, sleep=slept.append)

    assert slept == [0.5]


def test_redis_keeps_one_schedule_per_scope(redis_prefix: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    limiter = RedisLimiter(
        redis,
        {Channel.sms: Rate("twilio:a", 20.0), Channel.email: Rate("smtp:b", 20.0)},
        prefix=redis_prefix,
    )

    sms = [limiter.reserve(Channel.sms) for _ in range(4)]
    email, asked = limiter.reserve(Channel.email)

    first, now = sms[0]
    assert first == now  # an idle schedule: at once
    assert [slot - first for slot, _ in sms] == pytest.approx([0, 0.05, 0.1, 0.15], abs=1e-5)
    assert email == asked  # another sender's schedule: at once
    assert 0 < redis.pttl(f"{redis_prefix}:twilio:a") <= 1250  # forgotten once in the past
    assert limiter.acquire(Channel.telegram) == 0.0
    assert 0 < limiter.acquire(Channel.sms) <= 0.2


def test_two_processes_sharing_redis_never_share_a_slot(redis_prefix: str) -> None:
    per_second, count = 20, 20  # each process's slots would span a second of their own
    start_at = time.time() + 3  # both processes are up and waiting by then
    command = [
        sys.executable, "-m", "tests.outbound.channels.rate_worker",
        REDIS_URL, redis_prefix, str(per_second), str(count), str(start_at),
    ]  # fmt: skip
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]

    first, second = (json.loads(output) for output in outputs)
    slots = sorted(first + second)
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert len(slots) == 2 * count
    # Both processes asked at the same time (schedules of their own would both start then),
    # yet every slot is one interval after the last.
    assert gaps == pytest.approx([1 / per_second] * (2 * count - 1), abs=1e-5)
