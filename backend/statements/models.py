from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field, json_field
from shared.schemas.statements import StatementLineStatus


class BankStatement(SQLModel, table=True):
    """One uploaded bank statement file. The same content twice for a portfolio is recognised by
    its hash. The counts are those of the upload; lines move on as supervisors decide."""

    __tablename__ = "bank_statements"
    __table_args__ = (UniqueConstraint("portfolio_id", "sha256", name="uq_statement_content"),)

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    line_count: int = 0
    matched_count: int = 0
    ambiguous_count: int = 0
    unmatched_count: int = 0
    ignored_count: int = 0
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()


class StatementLine(SQLModel, table=True):
    """One line of a statement: what the bank says, what it matched and what was booked.
    ``fingerprint`` identifies the line across files (see ``parser.fingerprints``)."""

    __tablename__ = "statement_lines"
    __table_args__ = (UniqueConstraint("statement_id", "line_no", name="uq_statement_line_no"),)

    id: uuid.UUID = id_field()
    statement_id: uuid.UUID = Field(foreign_key="bank_statements.id")
    line_no: int
    value_date: date
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    reference: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=1000)
    fingerprint: str = Field(max_length=64)
    status: StatementLineStatus = enum_field(StatementLineStatus)
    candidates: list[dict[str, Any]] = json_field(list)
    account_id: uuid.UUID | None = Field(default=None, foreign_key="accounts.id")
    link_id: uuid.UUID | None = Field(default=None, foreign_key="payment_links.id")
    instalment_id: uuid.UUID | None = Field(default=None, foreign_key="plan_instalments.id")
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="payments.id")
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = datetime_field()
