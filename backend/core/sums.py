"""Exact SQL sums of money columns that cannot overflow on either database.

PostgreSQL sums BIGINT into NUMERIC (exact, unbounded). SQLite sums into a 64-bit integer and
raises past 2^63. So a sum is taken in two parts: ``column // 2^32`` and ``column % 2^32``
(both databases truncate toward zero and give the remainder the dividend's sign, so the parts
add back exactly). With every stored amount within 10^15, SQLite would need billions of rows
to overflow either part.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

_SPLIT = 2**32


def exact_sum(column: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The two partial sums of ``column`` (0 over no rows); ``joined`` adds them back."""
    return (
        func.coalesce(func.sum(column // _SPLIT), 0),
        func.coalesce(func.sum(column % _SPLIT), 0),
    )


def joined(high: Any, low: Any) -> int:
    """The sum from its two parts (``Decimal`` on PostgreSQL, ``int`` on SQLite)."""
    return int(high) * _SPLIT + int(low)
