from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, enum_field, id_field
from shared.schemas.enums import CertificateBasis


class Certificate(SQLModel, table=True):
    """A paid-in-full certificate ("constancia de no adeudo") anyone can check by its code.

    ``debits_minor`` is the sum of the account's entries that raised the balance when it was
    issued. The ledger only appends, so that sum only grows: a certificate is valid while the
    account is still closed as it was and the sum is unchanged, and revoked for good once
    anything raised the balance again (a reversed payment, a new charge), even if it is paid
    again later (that payment gets a certificate of its own). The same sum makes issuing
    idempotent: one certificate per account and closing."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("account_id", "debits_minor", name="uq_certificate_account_debits"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    code: str = Field(max_length=16, unique=True)
    basis: CertificateBasis = enum_field(CertificateBasis)
    closed_on: date
    debits_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    issued_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    issued_at: datetime = created_at_field()
