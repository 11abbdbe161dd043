"""Bank statement answers: the statement, its per-status totals, its lines and their candidates.

See docs/bank-statements.md for the file format and the matching rules.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.schemas.common import Page


class StatementLineStatus(StrEnum):
    matched = "matched"  # one candidate: booked at upload
    ambiguous = "ambiguous"  # several candidates: a supervisor confirms one
    unmatched = "unmatched"  # no candidate: a supervisor may confirm any account
    ignored = "ignored"  # a debit or a zero amount: never booked
    confirmed = "confirmed"  # booked by a supervisor's confirmation
    rejected = "rejected"  # a supervisor decided it is not a debtor's payment (for now)


class MatchReason(StrEnum):
    payment_link = "payment_link"  # an open link's id, token prefix or provider reference
    external_ref = "external_ref"  # an account's reference
    national_id = "national_id"  # the debtor's identity document number
    already_booked = "already_booked"  # the same line, from an earlier statement, was booked


class StatementCandidate(BaseModel):
    """An account a line may belong to, as it was when the statement was matched."""

    account_id: uuid.UUID
    external_ref: str
    debtor_name: str | None = Field(description="null when the account is outside your scope")
    balance_minor: int | None = Field(description="at matching time; null outside your scope")
    reason: MatchReason
    link_id: uuid.UUID | None = None
    visible: bool = True


class StatementLineRead(BaseModel):
    id: uuid.UUID
    statement_id: uuid.UUID
    line_no: int = Field(description="row as a spreadsheet shows it: the header is row 1")
    value_date: date
    amount_minor: int = Field(description="credits positive, debits negative")
    currency: str
    reference: str
    description: str
    status: StatementLineStatus
    candidates: list[StatementCandidate]
    account_id: uuid.UUID | None = Field(description="the account the line was booked to")
    link_id: uuid.UUID | None
    instalment_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    decided_by_id: uuid.UUID | None
    decided_at: datetime | None


class StatusTotal(BaseModel):
    count: int
    amount_minor: int


class StatementRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    filename: str
    sha256: str
    currency: str
    line_count: int
    totals: dict[StatementLineStatus, StatusTotal] = Field(
        description="lines and amounts by their current status"
    )
    uploaded_by_id: uuid.UUID | None
    created_at: datetime
    replayed: bool = Field(
        default=False, description="true when this exact file was uploaded before: nothing changed"
    )


class StatementReport(BaseModel):
    statement: StatementRead
    lines: Page[StatementLineRead] = Field(description="by line number; filter with ?status=")


class LineConfirm(BaseModel):
    account_id: uuid.UUID = Field(
        description="one of the line's candidates; for a line without candidates, any account "
        "of the statement's portfolio in your scope"
    )
