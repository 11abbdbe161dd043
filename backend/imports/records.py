"""Plain records passed between the import stages: what the file says, what the database holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from backend.debtors.models import document_index
from shared.schemas.enums import AccountStatus, DebtorKind, Language, NationalIdType
from shared.text import fold

DebtorKey = tuple[NationalIdType, str]

# Cumulative financial columns, in booking order.
COMPONENTS: tuple[str, ...] = ("principal", "interest", "fees", "paid")


def debtor_text(key: DebtorKey) -> str:
    """A debtor's key as one string (``digests.DigestMap`` keys)."""
    return f"{key[0].value}\x1f{key[1]}"


def indexed_debtor_text(key: DebtorKey) -> str:
    """A debtor's key with its document's blind index (the portfolio's debtors as read from
    the database, where documents are sealed: ``repository.portfolio_keys``)."""
    return stored_debtor_text(key[0], document_index(key[1]))


def stored_debtor_text(id_type: NationalIdType, index: str) -> str:
    return f"{id_type.value}\x1f{index}"


@dataclass(slots=True)
class AddressIn:
    line1: str
    district: str | None = None
    city: str | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Two addresses are the same when line, district and city match (case/accents aside)."""
        return address_key(self.line1, self.district, self.city)


def address_key(line1: str, district: str | None, city: str | None) -> tuple[str, str, str]:
    return folded(line1), folded(district or ""), folded(city or "")


@lru_cache(maxsize=16384)
def folded(text: str) -> str:
    """``shared.text.fold``, remembered: an import folds the same names, streets and cities
    over and over."""
    return fold(text)


@dataclass(slots=True)
class DebtorIn:
    """A debtor as the file describes it (merged over all its rows)."""

    row: int  # the first row naming this debtor
    id_type: NationalIdType
    id_number: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    birth_date: date | None = None
    language: Language | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[AddressIn] = field(default_factory=list)
    # Earlier chunks of the file named this debtor too: what they left (``rows.Seen``).
    earlier: int | None = None

    @property
    def key(self) -> DebtorKey:
        return self.id_type, self.id_number


@dataclass(slots=True)
class AccountIn:
    """One row's account. ``None`` figures were left blank (kept as they are on re-import)."""

    row: int
    debtor_key: DebtorKey
    external_ref: str
    product: str
    principal: int
    interest: int | None
    fees: int | None
    paid: int | None
    origination_date: date | None
    due_date: date
    agent_id: uuid.UUID | None


@dataclass(slots=True)
class ExistingDebtor:
    id: uuid.UUID
    kind: DebtorKind
    first_name: str | None
    last_name: str | None
    company_name: str | None
    birth_date: date | None
    language: Language
    emails: list[str]
    phones: list[str] = field(default_factory=list)
    address_keys: set[tuple[str, str, str]] = field(default_factory=set)
    address_count: int = 0
    visible: bool = True  # the importing user may see this debtor (else: not theirs to touch)


@dataclass(slots=True)
class ExistingAccount:
    id: uuid.UUID
    debtor_id: uuid.UUID
    product: str
    principal_minor: int
    origination_date: date | None
    due_date: date
    assigned_agent_id: uuid.UUID | None
    status: AccountStatus
    balance_minor: int
    debtor_key: DebtorKey
    visible: bool = True  # the importing user may see this account (else: not theirs to touch)
