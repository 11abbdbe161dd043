"""Time-ordered UUIDs (RFC 9562 version 7): unguessable enough for ids, sortable for cursors."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def uuid7s(count: int) -> list[uuid.UUID]:
    """``count`` version-7 ids of this millisecond at once (one clock and one random read),
    for writers that create thousands of rows."""
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
