"""Payments: links, reconciliation of provider events, field payments, refunds.

Every payment lands once: a ``Payment`` row with a unique external id (provider session,
statement line) or client id (field submissions), booked as one ledger ``payment`` entry whose
idempotency key derives from the same id. The account row is locked first, so two workers
handling the same event serialise, and the loser finds the winner's payment.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES
from backend.amounts import ceiling, check_amount, check_overpayment
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.config import get_settings
from backend.core.errors import Conflict, IdempotencyConflict, NotFound, ValidationFailed
from backend.core.ids import uuid7
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor
from backend.ledger import repository as ledger_repository
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry
from backend.payments import repository
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from backend.payments.providers import builtin, stripe_provider
from backend.payments.providers.base import LinkContext, PaymentProvider
from backend.plans import repository as plans_repository
from backend.plans import service as plans
from backend.plans.models import PlanInstalment
from backend.promises import repository as promises_repository
from backend.promises import service as promises
from shared.schemas.enums import (
    AccountStatus,
    EntryKind,
    InstalmentStatus,
    LinkPurpose,
    LinkStatus,
    PaymentMethod,
    PlanKind,
    PlanStatus,
    PromiseStatus,
)


def provider() -> PaymentProvider:
    settings = get_settings()
    if settings.active_payment_provider == stripe_provider.NAME:
        return stripe_provider.StripeProvider(settings.stripe_api_key, settings.stripe_api_base)
    return builtin.BuiltinProvider(settings.public_url)


@dataclass(frozen=True, slots=True)
class LinkRequest:
    purpose: LinkPurpose
    created_by_kind: str
    instalment_id: uuid.UUID | None = None
    client_key: str | None = None
    language: str = "es"


def _amount_for(
    session: Session, account: Account, req: LinkRequest
) -> tuple[int, uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
    """(amount, plan, instalment, promise) a link of this purpose asks for today."""
    if req.purpose == LinkPurpose.balance:
        return account.balance_minor, None, None, None
    if req.purpose == LinkPurpose.promise:
        promise = promises_repository.open_for_account(session, account.id)
        if promise is None:
            raise Conflict("error.no_open_promise")
        return min(promise.amount_minor, account.balance_minor), None, None, promise.id
    plan = plans_repository.active_plan(session, account.id)
    if plan is None or (req.purpose == LinkPurpose.settlement) != (
        plan.kind == PlanKind.settlement
    ):
        raise Conflict("error.no_matching_plan", purpose=req.purpose.value)
    rows = plans_repository.instalments(session, plan.id)
    unpaid = [r for r in rows if r.status != InstalmentStatus.paid]
    chosen = (
        next((r for r in unpaid if r.id == req.instalment_id), None)
        if req.instalment_id
        else (unpaid[0] if unpaid else None)
    )
    if chosen is None:
        raise NotFound()
    return chosen.amount_minor - chosen.paid_minor, plan.id, chosen.id, None


def create_link(
    session: Session, actor: Actor, account_id: uuid.UUID, req: LinkRequest
) -> tuple[PaymentLink, bool]:
    """A payment link (and whether it is new: a replayed ``client_key`` returns the first)."""
    if req.client_key and (existing := repository.link_by_client_key(session, req.client_key)):
        if existing.account_id != account_id or existing.purpose != req.purpose:
            raise IdempotencyConflict()
        return existing, False
    account = ledger_repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    if account.status not in OPEN_STATUSES or account.balance_minor <= 0:
        raise Conflict("error.account_not_open", status=account.status.value)
    amount, plan_id, instalment_id, promise_id = _amount_for(session, account, req)
    if amount <= 0:
        raise Conflict("error.nothing_to_negotiate")
    check_amount(amount, ceiling(_portfolio(session, account)))
    same = repository.open_link_for(session, instalment_id, utcnow()) if instalment_id else None
    if same is not None and same.amount_minor == amount:
        return same, False  # one open link per instalment: no second provider call
    settings = get_settings()
    active = provider()
    link = PaymentLink(
        account_id=account.id,
        purpose=req.purpose,
        plan_id=plan_id,
        instalment_id=instalment_id,
        promise_id=promise_id,
        amount_minor=amount,
        currency=account.currency,
        provider=active.name,
        token=secrets.token_urlsafe(24),  # 192 bits
        created_by_kind=req.created_by_kind,
        created_by_id=actor.id if actor.kind == "user" else None,
        client_key=req.client_key,
        expires_at=utcnow() + timedelta(hours=settings.payment_link_hours),
    )
    session.add(link)
    session.flush()
    context = LinkContext(
        description=_description(session, account),
        language=req.language,
        return_url=f"{settings.public_url.rstrip('/')}/pay/{link.token}",
    )
    created = active.create(link, context)
    link.url, link.provider_reference = created.url, created.reference
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        "payment_link.created",
        "payment_link",
        link.id,
        after=audit.snapshot(link, exclude=frozenset({"token"})),
        account_id=account.id,
    )
    return link, True


def _portfolio(session: Session, account: Account) -> Portfolio:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    return portfolio


def _description(session: Session, account: Account) -> str:
    portfolio = _portfolio(session, account)
    creditor = session.get(Creditor, portfolio.creditor_id)
    return f"{creditor.name if creditor else 'Cobro'} - {account.product} ({account.external_ref})"


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    amount_minor: int
    currency: str
    paid_on: date
    method: PaymentMethod
    external_id: str | None = None
    client_id: str | None = None
    provider: str | None = None
    provider_reference: str | None = None
    link_id: uuid.UUID | None = None
    instalment_id: uuid.UUID | None = None
    promise_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    receipt_number: str | None = None
    photo_ref: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    details: dict[str, Any] | None = None
    # Money an agent took: beyond the balance plus the portfolio's tolerance it needs a
    # supervisor. Money that already arrived (provider, bank statement) is booked regardless.
    limit_overpayment: bool = False


def record_payment(
    session: Session, actor: Actor, account_id: uuid.UUID, incoming: IncomingPayment
) -> tuple[Payment, bool]:
    """Book money received, exactly once (see the module docstring): the ledger entry, the
    payment row, its allocation to the plan's instalments and the promise it keeps, with their
    audit events, written by one flush after one locking read."""
    key = incoming.external_id or incoming.client_id
    if not key:
        raise ValueError("a payment needs an external id or a client id")
    context = repository.booking_context(
        session,
        account_id,
        external_id=incoming.external_id,
        client_id=incoming.client_id,
        agent_id=incoming.agent_id,
        receipt_number=incoming.receipt_number,
    )
    if context is None:
        raise NotFound()
    account = context.account
    if context.existing_id is not None:
        existing = session.get(Payment, context.existing_id)
        assert existing is not None  # just read
        if (existing.account_id, existing.amount_minor) != (account.id, incoming.amount_minor):
            raise IdempotencyConflict()
        return existing, False
    if context.receipt_taken:
        raise Conflict("error.receipt_number_used", receipt_number=incoming.receipt_number)
    if incoming.limit_overpayment:
        tolerance = context.portfolio.overpayment_tolerance_minor
        check_overpayment(account.balance_minor, incoming.amount_minor, tolerance)
    promise, received = context.promise, 0
    if promise is not None:  # money in since the promise's local day, this payment included
        since = promises.promise_day(promise, context.portfolio.timezone)
        received = sum(amount for day, amount in context.received if day >= since)
        if incoming.paid_on >= since:
            received += incoming.amount_minor
    entry = ledger.append(
        session,
        actor,
        account,
        context.portfolio,
        LedgerEntry(
            account_id=account.id,
            kind=EntryKind.payment,
            amount_minor=ledger.signed(EntryKind.payment, incoming.amount_minor),
            currency=incoming.currency,
            effective_date=incoming.paid_on,
            source=incoming.provider or incoming.method.value,
            idempotency_key=f"payment:{key}",
            description=_payment_description(incoming),
            created_by_id=actor.id if actor.kind == "user" else None,
        ),
    )
    payment = _payment_row(account.id, entry, incoming)
    session.add(payment)
    if context.plan is not None:
        allocated = plans.Received(incoming.amount_minor, incoming.instalment_id)
        plans.allocate(session, actor, account, context.plan, context.instalments, allocated)
    if promise is not None:
        promises.settle(session, actor, promise, received)
    audit.record(
        session,
        actor,
        "payment.received",
        "payment",
        payment.id,
        after=audit.snapshot(payment, exclude=frozenset({"verification_code"})),
        account_id=account.id,
    )
    session.flush()
    return payment, True


def _key_of(incoming: IncomingPayment) -> tuple[str, str]:
    if incoming.external_id:
        return ("external", incoming.external_id)
    if incoming.client_id:
        return ("client", incoming.client_id)
    raise ValueError("a payment needs an external id or a client id")


def record_payments(
    session: Session, actor: Actor, items: Sequence[tuple[uuid.UUID, IncomingPayment]]
) -> list[tuple[Payment, bool]]:
    """``record_payment`` for many payments at once, with the same outcome as calling it for
    each in order (the same ledger entries, balances, statuses, payments, allocations to
    instalments, promises kept and audit events; a replayed id returns the first payment, a
    conflicting one raises), in a constant number of statements: one locking read of every
    account with its portfolio (in id order); with accounts that have an active plan or an
    open promise, one read of those (instalments, money received since the promise); one
    read of the ids already booked (and one of the receipt numbers used, if any); then one
    bulk INSERT each of entries, payments and audit events and one batched UPDATE of
    balances (``BulkBooking.write``), and the ORM's batched UPDATEs of instalments and
    promises. Only an account whose plan grants a discount on completion goes through
    ``record_payment`` one by one (the discount is a ledger post of its own)."""
    booking = book_payments(session, actor, items)
    booking.write(session)
    return booking.results


@dataclass(slots=True)
class BulkBooking:
    """Payments booked in memory by ``book_payments``, written by ``write``: the caller may add
    audit events of its own to the same INSERT."""

    results: list[tuple[Payment, bool]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    moves: dict[uuid.UUID, tuple[int, int, AccountStatus]] = field(default_factory=dict)
    payments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    links_paid: dict[uuid.UUID, None] = field(default_factory=dict)  # in order, once
    paid_at: datetime = field(default_factory=utcnow)

    def link_paid(
        self,
        actor: Actor,
        link_id: uuid.UUID,
        account_id: uuid.UUID,
        before: LinkStatus,
        payment_id: uuid.UUID,
    ) -> None:
        """A link this booking pays (found not paid): marked paid by ``write``, audited."""
        if before == LinkStatus.paid or link_id in self.links_paid:
            return
        self.links_paid[link_id] = None
        self.events.append(
            audit.event_row(
                actor,
                "payment_link.paid",
                "payment_link",
                link_id,
                account_id=account_id,
                before={"status": before.value},
                after={"status": "paid", "payment_id": str(payment_id)},
                at=self.paid_at,
            )
        )

    def write(self, session: Session) -> None:
        ledger.append_many(session, self.entries, self.moves)
        repository.insert_payments(session, self.payments)
        audit.record_many(session, self.events)
        repository.mark_links_paid(session, list(self.links_paid), self.paid_at)


def book_payments(
    session: Session,
    actor: Actor,
    items: Sequence[tuple[uuid.UUID, IncomingPayment]],
    *,
    locked: dict[uuid.UUID, repository.LockedAccount] | None = None,
) -> BulkBooking:
    """``record_payments`` up to its writes: the accounts locked and read (unless the caller
    did, ``locked``), every payment checked and its rows built, instalments and promises
    changed in the session; entries, payments and audit events not yet written."""
    booking = BulkBooking()
    if not items:
        return booking
    keys = [_key_of(incoming) for _, incoming in items]
    accounts = locked
    if accounts is None:
        accounts = repository.lock_accounts(session, [account_id for account_id, _ in items])
    # Read after the locks were granted: what their holders committed is seen.
    states = repository.booking_states(
        session, [a.id for a in accounts.values() if a.has_plan or a.has_promise]
    )
    booked = repository.payments_by_keys(
        session,
        [value for kind, value in keys if kind == "external"],
        [value for kind, value in keys if kind == "client"],
    )
    receipts = repository.receipts_used(
        session,
        {(i.agent_id, i.receipt_number) for _, i in items if i.agent_id and i.receipt_number},
    )
    balances: dict[uuid.UUID, tuple[int, AccountStatus]] = {}
    deltas: dict[uuid.UUID, int] = {}
    for (account_id, incoming), key in zip(items, keys, strict=True):
        account = accounts.get(account_id)
        if account is None:
            raise NotFound()
        if (existing := booked.get(key)) is not None:
            if (existing.account_id, existing.amount_minor) != (account_id, incoming.amount_minor):
                raise IdempotencyConflict()
            booking.results.append((existing, False))
            continue
        receipt = (incoming.agent_id, incoming.receipt_number)
        if incoming.agent_id and incoming.receipt_number:
            if receipt in receipts:
                raise Conflict("error.receipt_number_used", receipt_number=incoming.receipt_number)
            receipts.add(receipt)  # type: ignore[arg-type]
        state = states.get(account_id)
        if state is not None and state.plan is not None and state.plan.discount_minor > 0:
            result = record_payment(session, actor, account_id, incoming)  # see the docstring
            booked[key] = result[0]
            booking.results.append(result)
            continue
        balance, status = balances.get(account_id, (account.balance_minor, account.status))
        payment, balances[account_id] = _book_one(
            booking, actor, account, balance, status, key, incoming
        )
        deltas[account_id] = deltas.get(account_id, 0) - incoming.amount_minor
        if state is not None:
            _allocate_and_settle(session, actor, account, state, incoming)
        written = PaymentRow(**payment)
        booked[key] = written  # type: ignore[assignment]
        booking.results.append((written, True))  # type: ignore[arg-type]
    booking.moves = {
        account_id: (delta, *balances[account_id]) for account_id, delta in deltas.items()
    }
    return booking


def _book_one(
    booking: BulkBooking,
    actor: Actor,
    account: repository.LockedAccount,
    balance: int,
    status: AccountStatus,
    key: tuple[str, str],
    incoming: IncomingPayment,
) -> tuple[dict[str, Any], tuple[int, AccountStatus]]:
    """The entry, the payment and their audit events as ``record_payment`` writes them, as
    plain rows (building thousands of model instances costs more than the SQL): the payment's
    row, and the account's balance and status after it."""
    portfolio = account.portfolio
    if incoming.limit_overpayment:
        check_overpayment(balance, incoming.amount_minor, portfolio.overpayment_tolerance_minor)
    now = utcnow()
    entry: dict[str, Any] = {
        "id": uuid7(),
        "account_id": account.id,
        "kind": EntryKind.payment,
        "amount_minor": ledger.signed(EntryKind.payment, incoming.amount_minor),
        "currency": incoming.currency,
        "effective_date": incoming.paid_on,
        "source": incoming.provider or incoming.method.value,
        "idempotency_key": f"payment:{key[1]}",
        "reverses_entry_id": None,
        "description": _payment_description(incoming),
        "created_by_id": actor.id if actor.kind == "user" else None,
        "created_at": now,
    }
    new_balance, new_status = ledger.booked(
        account.currency, portfolio, balance, status, entry["currency"], entry["amount_minor"]
    )
    events = booking.events
    events.append(
        audit.event_row(
            actor,
            "ledger.payment",
            "ledger_entry",
            entry["id"],
            account_id=account.id,
            after=audit.plain(entry),
            at=now,
        )
    )
    if new_status != status:
        events.append(
            audit.event_row(
                actor,
                "account.status_changed",
                "account",
                account.id,
                account_id=account.id,
                before={"status": status.value},
                after={"status": new_status.value},
                at=now,
            )
        )
    payment = _payment_dict(account.id, entry["id"], incoming, now)
    events.append(
        audit.event_row(
            actor,
            "payment.received",
            "payment",
            payment["id"],
            account_id=account.id,
            after=audit.plain(payment, exclude=frozenset({"verification_code"})),
            at=now,
        )
    )
    booking.entries.append(entry)
    booking.payments.append(payment)
    return payment, (new_balance, new_status)


def _allocate_and_settle(
    session: Session,
    actor: Actor,
    account: repository.LockedAccount,
    state: repository.BookingState,
    incoming: IncomingPayment,
) -> None:
    """What ``record_payment`` does after the entry: the money allocated to the active plan's
    instalments, and the open promise kept if the money received since its local day covers
    it (this payment and the earlier ones of the same call included)."""
    promise = (
        state.promise if state.promise and state.promise.status == PromiseStatus.open else None
    )
    received = 0
    if promise is not None:
        since = promises.promise_day(promise, account.portfolio.timezone)
        received = sum(amount for day, amount in state.received if day >= since)
        if incoming.paid_on >= since:
            received += incoming.amount_minor
    state.received.append((incoming.paid_on, incoming.amount_minor))
    plan = state.plan
    if plan is not None and plan.status == PlanStatus.active:
        allocated = plans.Received(incoming.amount_minor, incoming.instalment_id)
        plans.allocate(session, actor, state.account, plan, state.instalments, allocated)
    if promise is not None:
        promises.settle(session, actor, promise, received)


class PaymentRow(SimpleNamespace):
    """A payment ``record_payments`` wrote in bulk: its columns as attributes (not an ORM
    object; ``session.get(Payment, row.id)`` loads one)."""


def _payment_dict(
    account_id: uuid.UUID, entry_id: uuid.UUID, incoming: IncomingPayment, now: Any
) -> dict[str, Any]:
    """The row ``_payment_row`` builds, as a plain dict (same columns, same values)."""
    return {
        "id": uuid7(),
        "account_id": account_id,
        "ledger_entry_id": entry_id,
        "link_id": incoming.link_id,
        "instalment_id": incoming.instalment_id,
        "promise_id": incoming.promise_id,
        "method": incoming.method,
        "amount_minor": incoming.amount_minor,
        "currency": incoming.currency,
        "paid_on": incoming.paid_on,
        "provider": incoming.provider,
        "provider_reference": incoming.provider_reference,
        "external_id": incoming.external_id,
        "client_id": incoming.client_id,
        "agent_id": incoming.agent_id,
        "receipt_number": incoming.receipt_number,
        "verification_code": (
            _verification_code() if incoming.method != PaymentMethod.online else None
        ),
        "photo_ref": incoming.photo_ref,
        "latitude": incoming.latitude,
        "longitude": incoming.longitude,
        "details": incoming.details or {},
        "created_at": now,
    }


def post_entry(
    session: Session,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    kind: EntryKind,
    amount_minor: int,
    currency: str,
    effective_date: date,
    idempotency_key: str,
    description: str | None,
    approve_overpayment: bool,
) -> ledger.Posted:
    """A manual post (admins and supervisors). A payment or discount beyond the balance plus
    the portfolio's tolerance needs ``approve_overpayment``; a payment is allocated to the
    plan's instalments."""
    posted = ledger.post(
        session,
        actor,
        account_id,
        kind=kind,
        amount_minor=amount_minor,
        currency=currency,
        effective_date=effective_date,
        source="manual",
        idempotency_key=idempotency_key,
        description=description,
        limit_overpayment=not approve_overpayment,
    )
    if posted.created and ledger.moves_money_in(session, posted.entry):
        _money_moved(session, actor, account_id)
    return posted


def reverse_entry(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    idempotency_key: str,
    description: str | None,
    effective_date: date | None,
) -> ledger.Posted:
    """A manual correction: the entry reversed; a reversed payment is taken back from the plan."""
    posted = ledger.reverse(
        session,
        actor,
        entry_id,
        idempotency_key=idempotency_key,
        source="manual",
        description=description,
        effective_date=effective_date,
    )
    if posted.created and ledger.moves_money_in(session, posted.entry):
        _money_moved(session, actor, posted.entry.account_id)
    return posted


def _money_moved(session: Session, actor: Actor, account_id: uuid.UUID) -> None:
    """The plan follows money that came in or went back outside a new payment row (manual
    posts, reversals, refunds). Promises are judged on those by the daily job."""
    account = session.get(Account, account_id)
    assert account is not None  # the entry's foreign key
    plans.reallocate(session, actor, account, repository.targets_since(session, account.id))
    session.flush()


def _payment_row(account_id: uuid.UUID, entry: LedgerEntry, incoming: IncomingPayment) -> Payment:
    return Payment(**_payment_dict(account_id, entry.id, incoming, utcnow()))


def _payment_description(incoming: IncomingPayment) -> str:
    if incoming.receipt_number:
        return f"{incoming.method.value} receipt {incoming.receipt_number}"
    return f"{incoming.method.value} {incoming.external_id or ''}".strip()


def _verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I; 32 letters: 5 bits each
    # One read of the system's randomness, not one per letter (bulk booking makes thousands);
    # a byte's low 5 bits pick a letter uniformly, as secrets.choice did.
    return "".join(alphabet[byte & 31] for byte in secrets.token_bytes(10))


def handle_event(session: Session, provider_name: str, event: dict[str, Any]) -> str:
    """Store a provider event once and act on it. Returns the outcome; ``duplicate`` when the
    event id was seen before (nothing is done twice)."""
    obj = event.get("data", {}).get("object", {}) or {}
    row = ProviderEvent(
        provider=provider_name,
        event_id=str(event["id"]),
        type=str(event.get("type", "")),
        reference=_reference(event.get("type", ""), obj),
        payload=event,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return "duplicate"
    row.outcome = _dispatch(session, provider_name, row.type, obj)
    row.processed_at = utcnow()
    session.add(row)
    session.flush()
    return row.outcome


PAID_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


def handle_events(session: Session, provider_name: str, events: list[dict[str, Any]]) -> list[str]:
    """``handle_event`` for events delivered at the same time, in one transaction and a
    constant number of statements: the events are claimed with one INSERT that skips those
    already in the inbox (an event another transaction claims meanwhile is a ``duplicate``
    once that one commits), with the outcome they will most likely have (a paid checkout:
    ``processed``); their links are read and their accounts locked at once, the paid
    checkouts booked with ``book_payments``; one UPDATE corrects the outcomes that differ, if
    any. Other event types (expiry, refunds) are dispatched one by one as ``handle_event``
    does. Outcomes in the order of ``events``."""
    ids = [str(event["id"]) for event in events]
    rows: dict[str, dict[str, Any]] = {}  # inbox rows, plain: thousands of models cost more
    now = utcnow()
    for event, event_id in sorted(zip(events, ids, strict=True), key=lambda pair: pair[1]):
        if event_id in rows:
            continue
        kind = str(event.get("type", ""))
        obj = event.get("data", {}).get("object", {}) or {}
        rows[event_id] = {
            "id": uuid7(),
            "provider": provider_name,
            "event_id": event_id,
            "type": kind,
            "reference": _reference(kind, obj),
            "payload": event,
            "outcome": _expected_outcome(kind, obj),
            "received_at": now,
            "processed_at": now,
        }
    claimed = repository.claim_events(session, list(rows.values()))  # in event id order
    outcomes: dict[str, str] = {}
    paid: list[dict[str, Any]] = []
    for event_id in claimed:
        row = rows[event_id]
        if row["outcome"] == "processed":
            paid.append(row)
        elif row["outcome"] == "awaiting_payment":
            outcomes[event_id] = "awaiting_payment"
    outcomes.update(_checkouts_paid(session, Actor("provider"), provider_name, paid))
    for event_id in claimed:
        if event_id not in outcomes:
            row = rows[event_id]
            obj = row["payload"].get("data", {}).get("object", {}) or {}
            outcomes[event_id] = _dispatch(session, provider_name, row["type"], obj)
    corrected = [
        {"event": rows[event_id]["id"], "new_outcome": outcome}
        for event_id, outcome in outcomes.items()
        if outcome != rows[event_id]["outcome"]
    ]
    repository.set_outcomes(session, corrected, utcnow())
    answered: list[str] = []
    first: set[str] = set()
    for event_id in ids:
        fresh = event_id in outcomes and event_id not in first
        first.add(event_id)
        answered.append(outcomes[event_id] if fresh else "duplicate")
    return answered


def _expected_outcome(event_type: str, obj: dict[str, Any]) -> str:
    """What ``handle_events`` will most likely answer, stored when the event is claimed."""
    if event_type not in PAID_TYPES:
        return "received"
    return "processed" if obj.get("payment_status") == "paid" else "awaiting_payment"


def _checkouts_paid(
    session: Session, actor: Actor, provider_name: str, rows: list[dict[str, Any]]
) -> dict[str, str]:
    """``_checkout_paid`` for many events: links read and their accounts locked at once, the
    payments booked in bulk, the links marked paid with one UPDATE (their audit events in the
    payments' INSERT), deferred refunds applied."""
    outcomes: dict[str, str] = {}
    objects = {row["event_id"]: row["payload"]["data"]["object"] for row in rows}
    link_ids = {event_id: _link_id(obj) for event_id, obj in objects.items()}
    links, accounts = repository.links_to_pay(session, {i for i in link_ids.values() if i})
    paying: list[tuple[str, repository.LinkToPay, tuple[uuid.UUID, IncomingPayment]]] = []
    for event_id, obj in objects.items():
        link = links.get(link_ids[event_id]) if link_ids[event_id] else None
        if link is None:
            outcomes[event_id] = "unknown_link"
            continue
        portfolio = accounts[link.account_id].portfolio
        currency = str(obj.get("currency", link.currency)).upper()
        amount = stripe_provider.from_stripe_amount(int(obj.get("amount_total", 0)), currency)
        if currency != link.currency or amount <= 0:
            outcomes[event_id] = "currency_mismatch"
            continue
        if amount > ceiling(portfolio):
            outcomes[event_id] = "amount_too_large"
            continue
        incoming = _online_payment(provider_name, obj, link, amount, currency, portfolio)
        paying.append((event_id, link, (link.account_id, incoming)))
    booking = book_payments(session, actor, [item for _, _, item in paying], locked=accounts)
    references: list[str] = []
    for (event_id, link, _), (payment, created) in zip(paying, booking.results, strict=True):
        booking.link_paid(actor, link.id, link.account_id, link.status, payment.id)
        if payment.provider_reference:
            references.append(payment.provider_reference)
        outcomes[event_id] = "processed" if created else "already_recorded"
    booking.write(session)
    session.flush()  # any row the per-payment path left pending
    for deferred in repository.deferred_events_for(session, references):
        deferred.outcome = _refunded(session, actor, deferred.payload["data"]["object"])
        deferred.processed_at = utcnow()
        session.add(deferred)
    session.flush()
    return outcomes


def _online_payment(
    provider_name: str,
    obj: dict[str, Any],
    link: PaymentLink | repository.LinkToPay,
    amount: int,
    currency: str,
    portfolio: Portfolio,
) -> IncomingPayment:
    return IncomingPayment(
        amount_minor=amount,
        currency=currency,
        paid_on=today_in(portfolio.timezone),
        method=PaymentMethod.online,
        external_id=f"{provider_name}:{obj['id']}",
        provider=provider_name,
        provider_reference=obj.get("payment_intent"),
        link_id=link.id,
        instalment_id=link.instalment_id,
        promise_id=link.promise_id,
        details={
            "expected_minor": link.amount_minor,
            "difference_minor": amount - link.amount_minor,
        },
    )


def _link_id(obj: dict[str, Any]) -> uuid.UUID | None:
    raw = (obj.get("metadata") or {}).get("link_id") or obj.get("client_reference_id")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _reference(event_type: str, obj: dict[str, Any]) -> str | None:
    if event_type.startswith("charge."):
        return obj.get("payment_intent")
    return obj.get("id")


def _dispatch(session: Session, provider_name: str, event_type: str, obj: dict[str, Any]) -> str:
    actor = Actor("provider")
    if event_type in PAID_TYPES:
        return _checkout_paid(session, actor, provider_name, obj)
    if event_type == "checkout.session.expired":
        return _checkout_expired(session, actor, obj)
    if event_type == "charge.refunded":
        return _refunded(session, actor, obj)
    return "ignored"


def _link_of(session: Session, obj: dict[str, Any]) -> PaymentLink | None:
    link_id = _link_id(obj)
    return session.get(PaymentLink, link_id) if link_id else None


def _checkout_paid(session: Session, actor: Actor, provider_name: str, obj: dict[str, Any]) -> str:
    if obj.get("payment_status") != "paid":
        return "awaiting_payment"  # delayed methods complete later (async_payment_succeeded)
    link = _link_of(session, obj)
    if link is None:
        return "unknown_link"
    currency = str(obj.get("currency", link.currency)).upper()
    amount = stripe_provider.from_stripe_amount(int(obj.get("amount_total", 0)), currency)
    if currency != link.currency or amount <= 0:
        return "currency_mismatch"
    account = session.get(Account, link.account_id)
    assert account is not None  # foreign key
    portfolio = _portfolio(session, account)
    if amount > ceiling(portfolio):
        return "amount_too_large"  # no real payment; answering an error would only be retried
    incoming = _online_payment(provider_name, obj, link, amount, currency, portfolio)
    payment, created = record_payment(session, actor, link.account_id, incoming)
    if link.status != LinkStatus.paid:
        before = link.status.value
        link.status, link.paid_at = LinkStatus.paid, utcnow()
        session.add(link)
        audit.record(
            session,
            actor,
            "payment_link.paid",
            "payment_link",
            link.id,
            before={"status": before},
            after={"status": "paid", "payment_id": str(payment.id)},
            account_id=link.account_id,
        )
    if payment.provider_reference:
        for deferred in repository.deferred_events(session, payment.provider_reference):
            deferred.outcome = _refunded(session, actor, deferred.payload["data"]["object"])
            deferred.processed_at = utcnow()
            session.add(deferred)
    return "processed" if created else "already_recorded"


def _checkout_expired(session: Session, actor: Actor, obj: dict[str, Any]) -> str:
    link = _link_of(session, obj)
    if link is None:
        return "unknown_link"
    if link.status != LinkStatus.open:
        return "ignored"  # paid (events out of order) or cancelled
    link.status = LinkStatus.expired
    session.add(link)
    audit.record(
        session,
        actor,
        "payment_link.expired",
        "payment_link",
        link.id,
        before={"status": "open"},
        after={"status": "expired"},
        account_id=link.account_id,
    )
    return "processed"


def _refunded(session: Session, actor: Actor, obj: dict[str, Any]) -> str:
    """A refund reverses the payment's ledger entry; a partial refund re-books the rest.
    ``amount_refunded`` is cumulative, so replays and reordering converge on one state."""
    intent = obj.get("payment_intent")
    payment = repository.payment_by_intent(session, intent) if intent else None
    if payment is None:
        return "deferred"  # the payment's own event has not arrived yet
    refunded = min(int(obj.get("amount_refunded", 0)), payment.amount_minor)
    if refunded <= payment.details.get("refunded_minor", 0):
        return "ignored"
    original = ledger_repository.by_key(
        session, payment.account_id, f"payment:{payment.external_id}"
    )
    assert original is not None  # booked with the payment
    if ledger_repository.reversal_of(session, original.id) is None:
        ledger.reverse(
            session,
            actor,
            original.id,
            idempotency_key=f"refund:{payment.id}",
            source="refund",
            description="Refund",
        )
    previous_rest = payment.details.get("rest_entry_id")
    if previous_rest:
        ledger.reverse(
            session,
            actor,
            uuid.UUID(previous_rest),
            idempotency_key=f"refund:{payment.id}:rest:{previous_rest}",
            source="refund",
        )
    details = {**payment.details, "refunded_minor": refunded, "rest_entry_id": None}
    if refunded < payment.amount_minor:
        rest = ledger.post(
            session,
            actor,
            payment.account_id,
            kind=EntryKind.payment,
            amount_minor=payment.amount_minor - refunded,
            currency=payment.currency,
            effective_date=payment.paid_on,
            source="refund",
            idempotency_key=f"refund:{payment.id}:kept:{refunded}",
            description="Payment kept after partial refund",
        )
        details["rest_entry_id"] = str(rest.entry.id)
    payment.details = details
    session.add(payment)
    _money_moved(session, actor, payment.account_id)
    audit.record(
        session,
        actor,
        "payment.refunded",
        "payment",
        payment.id,
        after={"refunded_minor": refunded},
        account_id=payment.account_id,
    )
    return "processed"


def instalment_of(session: Session, instalment_id: uuid.UUID | None) -> PlanInstalment | None:
    return session.get(PlanInstalment, instalment_id) if instalment_id else None


def debtor_first_name(session: Session, account: Account) -> str:
    debtor = session.get(Debtor, account.debtor_id)
    if debtor is None:
        return ""
    return debtor.first_name or debtor.company_name or ""


def link_by_token(session: Session, token: str) -> PaymentLink:
    link = repository.link_by_token(session, token)
    if link is None:
        raise NotFound()
    if link.status == LinkStatus.open and link.expires_at <= utcnow():
        link.status = LinkStatus.expired
        session.add(link)
        session.flush()
    return link


def ensure_sandbox_allowed() -> None:
    if get_settings().is_production:
        raise NotFound()


def require_field_amount(session: Session, amount_minor: int, account: Account) -> None:
    if amount_minor <= 0:
        raise ValidationFailed("error.invalid_amount")
    check_amount(amount_minor, ceiling(_portfolio(session, account)))
    if account.status not in OPEN_STATUSES:
        raise Conflict("error.account_not_open", status=account.status.value)
