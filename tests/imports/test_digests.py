"""DigestMap: what a streamed import remembers of the keys it has passed, in ~32 bytes a key."""

from __future__ import annotations

import sys

from backend.imports.digests import DigestMap


def test_it_maps_keys_to_values_through_growth() -> None:
    found = DigestMap(capacity=4)
    keys = [f"CTA-{i:08d}" for i in range(20_000)]
    for number, key in enumerate(keys):
        found[key] = number
    found[keys[7]] = 2**64 - 1  # replaced, not added

    assert len(found) == len(keys)
    assert [found.get(key) for key in keys[:7]] == list(range(7))
    assert found.get(keys[7]) == 2**64 - 1
    assert found.get(keys[-1]) == len(keys) - 1
    assert found.get("CTA-99999999") is None
    assert found.get("") is None


def test_it_keeps_far_less_than_the_keys_themselves() -> None:
    found = DigestMap()
    for number in range(100_000):
        found[f"CTA-{number:08d}"] = number
    kept = sum(sys.getsizeof(part) for part in (found._high, found._low, found._values))
    assert kept / len(found) <= 72  # a dict of these strings and ints costs ~120 bytes a key
