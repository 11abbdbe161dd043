from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    json_field,
    updated_at_field,
)
from backend.core.crypto import blind_index
from backend.core.sealed import Sealed
from shared.schemas.enums import Channel, DebtorKind, Language, NationalIdType


class Debtor(SQLModel, table=True):
    __tablename__ = "debtors"
    __table_args__ = (
        UniqueConstraint(
            "portfolio_id", "id_type", "id_number_index", name="uq_debtor_national_id"
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")  # uq_debtor_national_id
    kind: DebtorKind = enum_field(DebtorKind, DebtorKind.person)
    id_type: NationalIdType = enum_field(NationalIdType)
    # Sealed at rest (backend.core.sealed); found by its blind index (``document_index``).
    id_number: str = Field(sa_column=Column(Sealed("id_number"), nullable=False))
    # Filled from ``id_number`` on every ORM flush (below); Core inserts must give it.
    id_number_index: str = Field(
        default="", sa_column=Column(String(64), nullable=False, index=True)
    )
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = Field(default=None, sa_column=Column(Sealed("birth_date", "date")))
    emails: list[str] = Field(
        default_factory=list, sa_column=Column(Sealed("emails", "json"), nullable=False)
    )
    preferred_language: Language = enum_field(Language, Language.es)
    preferred_channel: Channel | None = enum_field(Channel, None)
    opt_outs: list[str] = json_field(list)
    # The lower-cased, accent-free name for one LIKE search (documents and phones are found
    # through their blind indexes: backend.debtors.search).
    search_text: str = Field(default="", max_length=600)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    # Set when the personal data was erased (backend.privacy): the row stays for the ledger.
    erased_at: datetime | None = datetime_field()

    @property
    def display_name(self) -> str:
        return display_name(self.company_name, self.first_name, self.last_name)


def display_name(company_name: str | None, first_name: str | None, last_name: str | None) -> str:
    """A company's name, or a person's first and last names."""
    if company_name:
        return company_name
    return " ".join(p for p in (first_name, last_name) if p)


class DebtorPhone(SQLModel, table=True):
    __tablename__ = "debtor_phones"
    __table_args__ = (UniqueConstraint("debtor_id", "e164_index", name="uq_debtor_phone"),)

    id: uuid.UUID = id_field()
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")  # uq_debtor_phone
    e164: str = Field(sa_column=Column(Sealed("e164"), nullable=False))
    e164_index: str = Field(default="", sa_column=Column(String(64), nullable=False, index=True))
    kind: str = Field(default="mobile", max_length=10)
    position: int = 0


def document_index(id_number: str) -> str:
    """The blind index of a normalised national ID number (``Debtor.id_number_index``)."""
    return blind_index(id_number, "id_number")


def phone_index(e164: str) -> str:
    """The blind index of an E.164 phone (``DebtorPhone.e164_index``)."""
    return blind_index(e164, "e164")


@event.listens_for(Debtor, "before_insert")
@event.listens_for(Debtor, "before_update")
def _index_document(_mapper: Any, _connection: Any, debtor: Debtor) -> None:
    debtor.id_number_index = document_index(debtor.id_number)


@event.listens_for(DebtorPhone, "before_insert")
@event.listens_for(DebtorPhone, "before_update")
def _index_phone(_mapper: Any, _connection: Any, phone: DebtorPhone) -> None:
    phone.e164_index = phone_index(phone.e164)


class DebtorChat(SQLModel, table=True):
    """The chat a debtor verified on a channel that only reaches people through a chat they
    started (Telegram: the chat id reminders go to). One per debtor and channel, the latest
    verified; removed when that chat opts out or the debtor opts out of the channel."""

    __tablename__ = "debtor_chats"
    __table_args__ = (
        UniqueConstraint("debtor_id", "channel", name="uq_debtor_chat"),
        Index("ix_debtor_chats_chat", "channel", "chat_id"),
    )

    id: uuid.UUID = id_field()
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    channel: Channel = enum_field(Channel)
    chat_id: str = Field(max_length=64)
    linked_at: datetime = created_at_field()


class DebtorChannelBlock(SQLModel, table=True):
    """A channel on which the platform refused to reach the debtor's chat (WhatsApp: the
    message is undeliverable, 131026): the contact rules count the channel as unreachable until
    the person writes on that chat again. One per debtor and channel."""

    __tablename__ = "debtor_channel_blocks"
    __table_args__ = (UniqueConstraint("debtor_id", "channel", name="uq_debtor_channel_block"),)

    id: uuid.UUID = id_field()
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    channel: Channel = enum_field(Channel)
    chat_id: str = Field(max_length=64)
    reason: str = Field(max_length=20)
    blocked_at: datetime = created_at_field()


class DebtorAddress(SQLModel, table=True):
    __tablename__ = "debtor_addresses"

    id: uuid.UUID = id_field()
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id", index=True)
    line1: str = Field(max_length=300)
    district: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=120)
    region: str | None = Field(default=None, max_length=120)
    country: str = Field(max_length=2)
    postal_code: str | None = Field(default=None, max_length=20)
    # Coordinates are not money; floats are the right type for degrees.
    latitude: float | None = None
    longitude: float | None = None
    position: int = 0


class DebtorCreator(SQLModel, table=True):
    """Who created a debtor through the API (``POST /debtors``): until the debtor has an
    account, the only non-admin who sees it (``backend.accounts.scope.debtor_visibility``)."""

    __tablename__ = "debtor_creators"

    debtor_id: uuid.UUID = Field(foreign_key="debtors.id", primary_key=True)
    created_by_id: uuid.UUID = Field(foreign_key="users.id", index=True)
