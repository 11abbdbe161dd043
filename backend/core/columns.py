"""Column helpers so every table spells ids, timestamps and JSON the same way."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field

from backend.core.clock import utcnow
from backend.core.db import UTCDateTime
from backend.core.ids import uuid7


def id_field() -> Any:
    return Field(default_factory=uuid7, primary_key=True)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def updated_at_field() -> Any:
    """Set on insert and refreshed by every UPDATE of the row (ORM flushes and Core inserts
    and updates)."""
    return Field(
        default_factory=utcnow,
        sa_column=Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    )


def datetime_field(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_field(default_factory: Any = dict, nullable: bool = False) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=nullable))


def enum_field(enum_cls: type[StrEnum], default: Any = ..., index: bool = False) -> Any:
    """Enums stored as their string values in a VARCHAR (no native DB enum to migrate)."""
    column_type = SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=max(20, *(len(member.value) for member in enum_cls)),
        values_callable=lambda cls: [member.value for member in cls],
    )
    kwargs: dict[str, Any] = {"sa_type": column_type, "index": index}
    if default is not ...:
        kwargs["default"] = default
    return Field(**kwargs)


__all__ = [
    "created_at_field",
    "datetime",
    "datetime_field",
    "enum_field",
    "id_field",
    "json_field",
    "updated_at_field",
    "utcnow",
    "uuid",
]
