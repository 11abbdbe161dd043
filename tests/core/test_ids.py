"""Ids are RFC 9562 version 7 UUIDs, time-ordered, and strictly increasing within a process
even when many are made in the same millisecond (rows written one after another sort so)."""

from __future__ import annotations

import time
import uuid

from backend.core.ids import uuid7


def test_ids_made_in_a_burst_increase_strictly() -> None:
    ids = [uuid7() for _ in range(20_000)]  # thousands per millisecond
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)


def test_an_id_carries_the_millisecond_it_was_made_in() -> None:
    uuid7()  # the last id is this millisecond's at most: the next one starts from the clock
    time.sleep(0.002)
    before = time.time_ns() // 1_000_000
    made = uuid7()
    assert before <= made.int >> 80 <= time.time_ns() // 1_000_000
