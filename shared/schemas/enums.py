"""Enumerations of the API contract, shared by the backend tables and every client."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    agent = "agent"
    bot = "bot"  # the chat bots' service identity: only the /bot API, never staff views
    # A creditor's (a bank's, a retailer's) own staff: only their creditor's portfolios,
    # read-only unless granted writes (``User.can_write``); their admin manages their users.
    creditor = "creditor"
    creditor_admin = "creditor_admin"


CREDITOR_ROLES = frozenset({Role.creditor, Role.creditor_admin})


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
    # A correction of what was charged, lowering the balance (a dispute upheld or corrected):
    # never money received, never a discount granted.
    adjustment = "adjustment"


# Kinds that increase what the debtor owes; payment, discount and adjustment decrease it; a
# reversal negates the entry it reverses.
DEBIT_KINDS = frozenset({EntryKind.charge, EntryKind.interest, EntryKind.fee})
CREDIT_KINDS = frozenset({EntryKind.payment, EntryKind.discount, EntryKind.adjustment})


class AgingBucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    DAYS_91_180 = "91-180"
    DAYS_181_PLUS = "181+"


# Inclusive day ranges of each bucket; the last is open-ended.
BUCKET_RANGES: dict[AgingBucket, tuple[int, int | None]] = {
    AgingBucket.CURRENT: (0, 0),
    AgingBucket.DAYS_1_30: (1, 30),
    AgingBucket.DAYS_31_60: (31, 60),
    AgingBucket.DAYS_61_90: (61, 90),
    AgingBucket.DAYS_91_180: (91, 180),
    AgingBucket.DAYS_181_PLUS: (181, None),
}


def bucket_for(days_past_due: int) -> AgingBucket:
    """The aging bucket of an account ``days_past_due`` days late (0 or less is current)."""
    for bucket, (_, high) in BUCKET_RANGES.items():
        if high is None or days_past_due <= high:
            return bucket
    raise AssertionError("the last bucket is open-ended")


class PlanStatus(StrEnum):
    offered = "offered"
    active = "active"
    completed = "completed"
    broken = "broken"
    cancelled = "cancelled"


class PlanKind(StrEnum):
    instalments = "instalments"
    settlement = "settlement"


class OfferStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    expired = "expired"
    superseded = "superseded"


class InstalmentStatus(StrEnum):
    pending = "pending"
    partial = "partial"
    paid = "paid"
    missed = "missed"


class PromiseStatus(StrEnum):
    open = "open"
    kept = "kept"
    partially_kept = "partially_kept"
    broken = "broken"
    superseded = "superseded"
    cancelled = "cancelled"


class TaskKind(StrEnum):
    follow_up_broken_plan = "follow_up_broken_plan"
    follow_up_broken_promise = "follow_up_broken_promise"
    approval_request = "approval_request"
    callback_request = "callback_request"
    dispute_review = "dispute_review"  # a debtor disputes the debt: a supervisor decides
    verification_alert = "verification_alert"  # many wrong answers for one ID (supervisor)
    payment_evidence = "payment_evidence"  # a voucher a debtor sent in chat, to be checked


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"


class ActionChannel(StrEnum):
    """Through which channel an action (plan acceptance, promise) was taken."""

    agent = "agent"
    whatsapp = "whatsapp"
    telegram = "telegram"
    web = "web"
    api = "api"
    system = "system"


class LinkPurpose(StrEnum):
    balance = "balance"
    settlement = "settlement"
    instalment = "instalment"
    promise = "promise"


class LinkStatus(StrEnum):
    open = "open"
    paid = "paid"
    expired = "expired"
    cancelled = "cancelled"


class PaymentMethod(StrEnum):
    online = "online"  # through a payment link
    cash = "cash"
    transfer = "transfer"
    card_terminal = "card_terminal"
    bank_statement = "bank_statement"


class DisputeReason(StrEnum):
    """Why a debtor disputes an account ("no reconozco esta deuda", "ya pagué", ...)."""

    not_recognised = "not_recognised"
    already_paid = "already_paid"
    identity_theft = "identity_theft"
    wrong_amount = "wrong_amount"
    other = "other"


class DisputeStatus(StrEnum):
    open = "open"
    upheld = "upheld"  # the debt is not owed: the account is closed
    rejected = "rejected"  # the debt stands: the account is collected again
    corrected = "corrected"  # the amount was wrong: adjusted, then collected again


class CertificateBasis(StrEnum):
    """Why nothing is owed on an account with a paid-in-full certificate."""

    paid = "paid"
    dispute_upheld = "dispute_upheld"
