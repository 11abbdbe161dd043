from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas.enums import EntryKind

# Reversals are not posted directly: they go through ``POST /ledger/{entry_id}/reverse``.
PostableKind = Literal[
    EntryKind.charge, EntryKind.interest, EntryKind.fee, EntryKind.payment, EntryKind.discount
]


class EntryCreate(BaseModel):
    """Post an entry. ``amount`` is positive; the kind gives the sign (payments lower the balance).
    Reversals are posted with ``POST /ledger/{entry_id}/reverse`` instead."""

    kind: PostableKind
    amount: Decimal = Field(gt=0, max_digits=18, description="e.g. '150.50' (major units)")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    effective_date: date
    idempotency_key: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=300)
    approve_overpayment: bool = Field(
        default=False,
        description="post a payment or discount even beyond the balance plus the portfolio's "
        "tolerance (otherwise 409 overpayment_needs_approval)",
    )


class ReversalCreate(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=300)
    effective_date: date | None = None


class EntryRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    kind: EntryKind
    amount_minor: int
    currency: str
    effective_date: date
    source: str
    idempotency_key: str
    reverses_entry_id: uuid.UUID | None
    description: str | None
    created_by_id: uuid.UUID | None
    created_at: datetime
