"""Time-ordered UUIDs (RFC 9562 version 7): unguessable enough for ids, sortable for cursors.

Within one process they also increase strictly (RFC 9562's monotonic random, method 2): an id
made in the same millisecond as the previous one continues from it by a random step, so rows
written one after another sort in that order, however fast."""

from __future__ import annotations

import os
import threading
import time
import uuid

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
