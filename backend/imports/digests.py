"""A compact map from text keys to small integers, for what a streamed import remembers of the
rows it has passed (``rows.Seen``).

A ``dict`` of a million references costs about 120 bytes a key; this keeps 24 bytes a slot,
between 32 and 64 a key (the table is kept from three eighths to three quarters full): a 128-bit
digest of the key (two keyed SipHash values: Python's own string hash of the key and of the key
with a marker appended) and the value, in flat arrays with open addressing. Two different keys
share a digest with a probability near 2^-128 per pair: never, in practice.
"""

from __future__ import annotations

from array import array

_MASK = (1 << 64) - 1


class DigestMap:
    """``str`` -> ``int`` (0 <= value < 2^64)."""

    __slots__ = ("_high", "_low", "_mask", "_size", "_values")

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self._high = array("Q", bytes(8 * capacity))
        self._low = array("Q", bytes(8 * capacity))
        self._values = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def get(self, key: str) -> int | None:
        high, low = hash(key) & _MASK, (hash(key + "\x1f") & _MASK) | 1
        mask, highs, lows = self._mask, self._high, self._low
        slot = high & mask
        while found := lows[slot]:
            if found == low and highs[slot] == high:
                return self._values[slot]
            slot = (slot + 1) & mask
        return None

    def __setitem__(self, key: str, value: int) -> None:
        high, low = hash(key) & _MASK, (hash(key + "\x1f") & _MASK) | 1
        self._put(high, low, value)
        if 4 * self._size > 3 * self._mask:  # keep it at most three quarters full
            self._grow()

    def _put(self, high: int, low: int, value: int) -> None:
        mask, highs, lows = self._mask, self._high, self._low
        slot = high & mask
        while found := lows[slot]:
            if found == low and highs[slot] == high:
                break
            slot = (slot + 1) & mask
        else:
            highs[slot], lows[slot] = high, low
            self._size += 1
        self._values[slot] = value

    def _grow(self) -> None:
        highs, lows, values = self._high, self._low, self._values
        self._allocate(2 * (self._mask + 1))
        for index, low in enumerate(lows):
            if low:
                self._put(highs[index], low, values[index])
