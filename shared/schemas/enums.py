"""Enumerations of the API contract, shared by the backend tables and every client."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    agent = "agent"


class Language(StrEnum):
    es = "es"
    en = "en"


class Channel(StrEnum):
    whatsapp = "whatsapp"
    telegram = "telegram"
    sms = "sms"
    email = "email"
    phone = "phone"
    visit = "visit"


class DebtorKind(StrEnum):
    person = "person"
    company = "company"


class NationalIdType(StrEnum):
    DNI = "DNI"  # Peru, 8 digits
    RUC = "RUC"  # Peru tax id, 11 digits with check digit
    CE = "CE"  # carné de extranjería
    CC = "CC"  # Colombia cédula de ciudadanía
    NIT = "NIT"  # Colombia tax id, check digit
    CURP = "CURP"  # Mexico
    RFC = "RFC"  # Mexico tax id
    RUT = "RUT"  # Chile, check digit (0-9 or K)
    SSN = "SSN"  # United States
    PASSPORT = "PASSPORT"


class AccountStatus(StrEnum):
    active = "active"
    in_plan = "in_plan"
    paid = "paid"
    written_off = "written_off"
    disputed = "disputed"


class EntryKind(StrEnum):
    charge = "charge"
    interest = "interest"
    fee = "fee"
    payment = "payment"
    discount = "discount"
    reversal = "reversal"


# Kinds that increase what the debtor owes; payment and discount decrease it; a reversal
# negates the entry it reverses.
DEBIT_KINDS = frozenset({EntryKind.charge, EntryKind.interest, EntryKind.fee})
CREDIT_KINDS = frozenset({EntryKind.payment, EntryKind.discount})


class AgingBucket(StrEnum):
    current = "current"
    d1_30 = "1-30"
    d31_60 = "31-60"
    d61_90 = "61-90"
    d91_180 = "91-180"
    d181_plus = "181+"


# Inclusive day ranges of each bucket; the last is open-ended.
BUCKET_RANGES: dict[AgingBucket, tuple[int, int | None]] = {
    AgingBucket.current: (0, 0),
    AgingBucket.d1_30: (1, 30),
    AgingBucket.d31_60: (31, 60),
    AgingBucket.d61_90: (61, 90),
    AgingBucket.d91_180: (91, 180),
    AgingBucket.d181_plus: (181, None),
}


def bucket_for(days_past_due: int) -> AgingBucket:
    for bucket, (low, high) in BUCKET_RANGES.items():
        if days_past_due >= low and (high is None or days_past_due <= high):
            return bucket
    return AgingBucket.current
