"""``Sealed``: a column whose values are encrypted at rest (``backend.core.crypto``).

Values are sealed on the way in (ORM, Core statements, the import's bulk writer: all go
through the bind processor) and opened on the way out. The ciphertext is random per value,
so comparing the column with a value in SQL can never mean anything: ``==``, ``in_``,
``like`` and every other operator but ``IS [NOT] NULL`` raise ``SealedComparisonError`` when
the query is built, instead of silently matching nothing (``==`` between two columns stays:
SQLAlchemy finds columns in lists with it). Lookups go through the blind index columns.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from sqlalchemy import BindParameter, ColumnElement, Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from backend.core.crypto import seal, unseal

Kind = Literal["text", "date", "json"]
_ALLOWED = frozenset({operators.is_, operators.is_not})
_BETWEEN_COLUMNS = frozenset({operators.eq, operators.ne})


class SealedComparisonError(TypeError):
    """A SQL comparison on a sealed column (compare its blind index instead)."""


class Sealed(TypeDecorator[Any]):
    """``Sealed("id_number")``: text; ``kind="date"``: a ``date`` (ISO text inside);
    ``kind="json"``: a JSON value. ``context`` (the column's name) is the associated data."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, kind: Kind = "text") -> None:
        super().__init__()
        self.context = context
        self.kind = kind

    class comparator_factory(TypeDecorator.Comparator[Any]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            # Column against column stays (SQLAlchemy itself finds a column in a list by ==).
            columns = other and all(
                isinstance(o, ColumnElement) and not isinstance(o, BindParameter) for o in other
            )
            if op not in _ALLOWED and not (op in _BETWEEN_COLUMNS and columns):
                raise SealedComparisonError(f"{op.__name__} on a sealed column")
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            raise SealedComparisonError(f"{op.__name__} on a sealed column")

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if self.kind == "date":
            text = value.isoformat()
        elif self.kind == "json":
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            text = str(value)
        return seal(text, self.context)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        text = unseal(value, self.context)
        if self.kind == "date":
            return date.fromisoformat(text)
        if self.kind == "json":
            return json.loads(text)
        return text
