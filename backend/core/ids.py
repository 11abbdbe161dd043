"""Time-ordered UUIDs (RFC 9562 version 7): unguessable enough for ids, sortable for cursors.

Within one process they also increase strictly (RFC 9562's monotonic random, method 2): an id
made in the same millisecond as the previous one continues from it by a random step, so rows
written one after another sort in that order, however fast."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

_TAIL_BITS = 74  # rand_a (12 bits) and rand_b (62 bits)
_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, tail) of the latest id


def uuid7() -> uuid.UUID:
    global _last
    ms = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    with _lock:
        last_ms, last_tail = _last
        if ms > last_ms:
            tail = random >> (80 - _TAIL_BITS)
        else:  # the same millisecond (or the clock went back): after the previous one
            ms, tail = last_ms, last_tail + 1 + (random & 0xFFFFFFFF)
            if tail >> _TAIL_BITS:
                ms, tail = ms + 1, random >> (80 - _TAIL_BITS)
        _last = (ms, tail)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (tail >> 62) << 64
    value |= 0b10 << 62
    value |= tail & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def uuid7s(count: int) -> list[uuid.UUID]:
    """``count`` version-7 ids of this millisecond at once (one clock and one random read),
    for writers that create thousands of rows. Unlike :func:`uuid7` they are not ordered among
    themselves (nor after ids of the same millisecond): use them where only the millisecond's
    order matters."""
    head = ((time.time_ns() // 1_000_000) & ((1 << 48) - 1)) << 80 | 0x7 << 76 | 0b10 << 62
    noise = os.urandom(10 * count)
    return [
        _from_int(head | ((rand >> 62) & 0xFFF) << 64 | (rand & ((1 << 62) - 1)))
        for rand in map(int.from_bytes, (noise[i : i + 10] for i in range(0, 10 * count, 10)))
    ]


_UNKNOWN_SAFETY = uuid.SafeUUID.unknown


def _from_int(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` without its argument checks (a third of the cost of an id),
    as Python 3.14's ``UUID._from_int`` does; ``value`` is a 128-bit version-7 value here."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN_SAFETY)
    return made


def uuid7_stream(batch: int = 1024) -> Iterator[uuid.UUID]:
    """Version-7 ids without end, made ``batch`` at a time (``next(ids)`` for each new row)."""
    while True:
        yield from uuid7s(batch)
