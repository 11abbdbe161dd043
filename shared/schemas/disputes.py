"""API shapes of disputes (a debtor says a debt is not theirs, already paid or wrong), of the
notices that tell the debtor how a dispute ended, of evidence files, and of the documents a
debtor asks for (paid-in-full certificates)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    CertificateBasis,
    DisputeReason,
    DisputeStatus,
    Language,
)

MAX_EVIDENCE = 10
Statement = Field(min_length=1, max_length=2000, description="the debtor's own words")
Evidence = Field(
    default_factory=list,
    max_length=MAX_EVIDENCE,
    description="ids of evidence files uploaded for this account (POST .../evidence)",
)
Outcome = Literal["upheld", "rejected", "corrected"]


class DebtorMessage(BaseModel):
    """What to tell the debtor: ``text`` in the language asked for, and the message ``key``
    with its plain ``params`` (ISO dates, minor units) for clients that render it themselves
    (``shared/i18n/catalog/disputes.py``)."""

    key: str
    params: dict[str, Any]
    text: str


class DisputeCreate(BaseModel):
    """Staff open a dispute for a debtor (on the phone, in a visit, by letter)."""

    reason: DisputeReason
    statement: str = Statement
    evidence: list[uuid.UUID] = Evidence
    channel: Literal["agent", "api", "web"] = "agent"
    client_key: str | None = Field(
        default=None, min_length=1, max_length=100, description="the same key again replays"
    )


class BotDisputeCreate(BaseModel):
    """A debtor disputes an account in chat; the same ``message_id`` again replays."""

    reason: DisputeReason
    statement: str = Statement
    evidence: list[uuid.UUID] = Evidence
    message_id: str = Field(min_length=1, max_length=128)
    language: Language = Language.es


class DisputeResolve(BaseModel):
    """``upheld``: nothing is owed (the balance is adjusted to zero and the account closed);
    ``rejected``: the debt stands; ``corrected``: ``adjustment`` (major units, e.g. "150.50")
    is taken off the balance, which must stay above zero."""

    outcome: Outcome
    note: str = Field(min_length=1, max_length=1000)
    adjustment: Decimal | None = Field(default=None, gt=0, max_digits=18)

    @model_validator(mode="after")
    def _adjustment_only_when_corrected(self) -> DisputeResolve:
        if (self.outcome == "corrected") != (self.adjustment is not None):
            raise ValueError("adjustment is given with outcome 'corrected', and only then")
        return self


class DisputeRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    debtor_id: uuid.UUID
    reason: DisputeReason
    statement: str
    evidence: list[uuid.UUID]
    status: DisputeStatus
    previous_status: AccountStatus
    channel: ActionChannel
    opened_by_id: uuid.UUID | None
    task_id: uuid.UUID | None
    respond_by: date = Field(description="the date the debtor was told they will hear back by")
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_id: uuid.UUID | None
    resolution_note: str | None
    adjustment_minor: int | None
    adjustment_entry_id: uuid.UUID | None


class DisputeOpened(BaseModel):
    """The dispute (the open one, when the account already had one) and what to tell the
    debtor: what happens next and by when."""

    dispute: DisputeRead
    message: DebtorMessage


class BotDispute(BaseModel):
    """A dispute as a debtor may see it: no staff names, no internal notes."""

    id: uuid.UUID
    account_id: uuid.UUID
    reason: DisputeReason
    status: DisputeStatus
    respond_by: date
    created_at: datetime
    resolved_at: datetime | None
    message: DebtorMessage = Field(description="where the dispute stands, for the debtor")


class NoticeRead(BaseModel):
    """Something the debtor must be told (a dispute's outcome), not shown yet."""

    id: uuid.UUID
    account_id: uuid.UUID
    dispute_id: uuid.UUID | None
    created_at: datetime
    message: DebtorMessage


class EvidenceRead(BaseModel):
    """A file kept as evidence for an account (a voucher photo, a police report)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


class CertificateRead(BaseModel):
    """A paid-in-full certificate ("constancia de no adeudo"): anyone can check ``code`` at
    ``verify_url``; ``valid`` turns false for good if money is owed on the account again (a
    reversed payment, a new charge)."""

    id: uuid.UUID
    account_id: uuid.UUID
    code: str
    basis: CertificateBasis
    closed_on: date = Field(description="the day the account was paid in full (or closed)")
    issued_at: datetime
    valid: bool
    verify_url: str


class BotPayment(BaseModel):
    """A payment of one of the chat's accounts, for choosing a receipt to send."""

    id: uuid.UUID
    amount_minor: int
    currency: str
    paid_on: date
    method: str
