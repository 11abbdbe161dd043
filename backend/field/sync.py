"""Offline sync: push the device's outbox, pull what changed since the last sync.

Push rules (``POST /field/sync``):

- Actions are applied in the order sent, each in its own savepoint: one refused action rolls
  back only its own writes; the request commits once at the end.
- Every action is answered once per ``client_id``. Its answer is stored in ``sync_actions``
  (claimed first, under a unique constraint), so a replay after a crash or a timeout is
  answered ``duplicate`` with the first answer (``original_status``, ``code``, ``entity_id``)
  and nothing is applied again. A ``client_id`` already used for a different action (type,
  account or agent) is ``rejected`` with ``idempotency_conflict``.
- Only the agent's own accounts: an account not assigned to the caller (or unknown) is
  ``rejected`` with ``not_your_account`` and nothing is written, visits included (the app keeps
  the action for the agent to see; a supervisor can reassign and the agent re-records it).
- Conflicts (the server changed under the agent) are explicit, with ``server_state``:
  a visit on an account that is now paid (``account_paid``) or written off
  (``account_closed``) is still recorded (a visit with outcome ``paid`` on a paid account is
  simply applied: it agrees with the server); a promise or a payment on such an account is not;
  a payment larger than the balance (within the portfolio's overpayment tolerance) is booked
  and answered ``overpayment``, beyond it not booked (``overpayment_needs_approval``: a
  supervisor books it); a receipt number
  the agent already used is ``receipt_number_used`` (not booked).
- Invalid payloads and refused rules (amount, date, currency) are ``rejected`` with the
  error's code (its message key without ``error.``), never a 500, and write nothing.
- Skips and moves of the day's stops (``stop``) go through ``backend.field.stops.record``,
  keyed by the action's ``client_id`` too; they name no account (the stop is a debtor).
- Promises go through ``backend.promises.service.create`` and payments through
  ``backend.payments.service.record_payment``, both keyed by the action's ``client_id``; an
  entity already created with that id through the REST API is answered ``duplicate``.

Pull rules: the cursor is opaque (the server time of the previous sync minus a two-minute
overlap, so rows written by transactions still in flight then are not missed; the device
upserts, so seeing a bundle twice is harmless). Without a cursor the changes are every open
account of the agent. With one: the agent's accounts where anything shown changed since, and
the ids of accounts unassigned from the agent since (drop them).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.errors import (
    CurrencyMismatch,
    DomainError,
    Forbidden,
    IdempotencyConflict,
)
from backend.core.pagination import InvalidCursor
from backend.documents.service import receipt_url
from backend.field import bundles, repository, service, stops
from backend.field.models import SyncRecord
from backend.payments.models import Payment
from backend.payments.service import IncomingPayment, record_payment
from backend.promises import service as promises
from backend.promises.service import PromiseRequest
from backend.users.models import User
from shared.i18n import t
from shared.money import MoneyError, from_decimal
from shared.schemas.enums import AccountStatus, ActionChannel, PaymentMethod, Role
from shared.schemas.field import (
    LocationPayload,
    NotePayload,
    PaymentPayload,
    PromisePayload,
    StopPayload,
    SyncAction,
    SyncActionType,
    SyncChanges,
    SyncRequest,
    SyncResponse,
    SyncResult,
    SyncStatus,
    VisitOutcome,
    VisitPayload,
)

CURSOR_OVERLAP = timedelta(minutes=2)
_CURSOR_PREFIX = "v1|"
_REFUSALS = (DomainError, ValidationError, MoneyError, DataError)


@dataclass(slots=True)
class _Outcome:
    status: SyncStatus
    entity_id: uuid.UUID | None = None
    code: str | None = None
    message_key: str | None = None
    details: dict[str, Any] | None = None
    show_state: bool = False


@dataclass(slots=True)
class _Push:
    session: Session
    user: User
    actor: Actor
    device_id: str
    lang: str
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.session)


def sync(session: Session, user: User, request: SyncRequest, lang: str) -> SyncResponse:
    """Apply the pushed actions in order, then answer the changes since the cursor."""
    if user.role != Role.agent:
        raise Forbidden()
    since = decode_cursor(request.cursor) if request.cursor else None
    now = utcnow()
    push = _Push(session, user, Actor("user", user.id), request.device_id, lang)
    results = [_push_one(push, action) for action in request.actions]
    return SyncResponse(
        results=results,
        changes=pull(session, user, since),
        cursor=encode_cursor(now - CURSOR_OVERLAP),
        server_time=now,
    )


# --- push -------------------------------------------------------------------------------------


def _push_one(push: _Push, action: SyncAction) -> SyncResult:
    session = push.session
    if (existing := repository.sync_record(session, action.client_id)) is not None:
        return _replay(push, action, existing)
    try:
        with session.begin_nested():
            record = _record(push, action, _Outcome(SyncStatus.applied))
            session.add(record)
            session.flush()  # claims the client id before anything is applied
            outcome = _apply(push, action)
            _fill(record, outcome)
            session.add(record)
            session.flush()
        return _result(push, action, outcome)
    except IntegrityError:
        if (winner := repository.sync_record(session, action.client_id)) is not None:
            return _replay(push, action, winner)  # a concurrent push of the same action won
        outcome = _Outcome(SyncStatus.rejected, code="conflict", message_key="error.conflict")
    except _REFUSALS as exc:
        outcome = _refusal(exc)
    with session.begin_nested():
        session.add(_record(push, action, outcome))
        session.flush()
    return _result(push, action, outcome)


def _apply(push: _Push, action: SyncAction) -> _Outcome:
    if action.type == SyncActionType.location:
        stored, skipped = service.store_pings(
            push.session, push.actor, push.user, LocationPayload.model_validate(action.payload)
        )
        return _Outcome(SyncStatus.applied, details={"stored": stored, "skipped": skipped})
    if action.type == SyncActionType.stop:
        event, created = stops.record(
            push.session,
            push.actor,
            push.user,
            action.client_id,
            action.recorded_at,
            StopPayload.model_validate(action.payload),
        )
        return _Outcome(SyncStatus.applied if created else SyncStatus.duplicate, event.id)
    account = service.own_account(push.session, push.user, action.account_id)
    return _HANDLERS[action.type](push, action, account)


def _visit(push: _Push, action: SyncAction, account: Account) -> _Outcome:
    request = service.VisitRequest(
        action.client_id, action.recorded_at, VisitPayload.model_validate(action.payload)
    )
    visit = service.record_visit(push.session, push.actor, push.user, account, request)
    code = _closed(account)
    if code and not (code == "account_paid" and visit.outcome == VisitOutcome.paid):
        return _conflict(code, visit.id)
    return _Outcome(SyncStatus.applied, visit.id)


def _promise(push: _Push, action: SyncAction, account: Account) -> _Outcome:
    data = PromisePayload.model_validate(action.payload)
    if code := _closed(account):
        return _conflict(code)
    promise, created = promises.create(
        push.session,
        push.actor,
        account.id,
        PromiseRequest(
            amount_minor=from_decimal(data.amount, data.currency),
            currency=data.currency,
            due_date=data.due_date,
            channel=ActionChannel.agent,
            recorded_by_kind=push.user.role.value,
            client_id=action.client_id,
        ),
    )
    return _Outcome(SyncStatus.applied if created else SyncStatus.duplicate, promise.id)


def _payment(push: _Push, action: SyncAction, account: Account) -> _Outcome:
    data = PaymentPayload.model_validate(action.payload)
    if code := _closed(account):
        return _conflict(code)
    if data.currency != account.currency:
        raise CurrencyMismatch(given=data.currency, expected=account.currency)
    amount = from_decimal(data.amount, data.currency)
    balance = account.balance_minor
    payment, created = record_payment(
        push.session,
        push.actor,
        account.id,
        IncomingPayment(
            amount_minor=amount,
            currency=data.currency,
            paid_on=data.paid_on,
            method=PaymentMethod(data.method),
            client_id=action.client_id,
            agent_id=push.user.id,
            receipt_number=data.receipt_number,
            photo_ref=data.photo_ref,
            latitude=data.latitude,
            longitude=data.longitude,
            limit_overpayment=True,
        ),
    )
    if not created:
        return _Outcome(SyncStatus.duplicate, payment.id, details=_receipt(payment))
    if amount > balance:
        outcome = _conflict("overpayment", payment.id)
        outcome.details = {"balance_minor": balance, "amount_minor": amount, **_receipt(payment)}
        return outcome
    return _Outcome(SyncStatus.applied, payment.id, details=_receipt(payment))


def _receipt(payment: Payment) -> dict[str, Any]:
    """What the agent shows the debtor at once: the receipt's code and its public URL (the
    QR code of ``GET /payments/{id}/receipt-qr.png``)."""
    return {"receipt_code": payment.verification_code, "receipt_url": receipt_url(payment)}


def _note(push: _Push, action: SyncAction, account: Account) -> _Outcome:
    note = service.add_note(
        push.session,
        push.actor,
        push.user,
        account,
        action.client_id,
        action.recorded_at,
        NotePayload.model_validate(action.payload),
    )
    return _Outcome(SyncStatus.applied, note.id)


_HANDLERS: dict[SyncActionType, Callable[[_Push, SyncAction, Account], _Outcome]] = {
    SyncActionType.visit: _visit,
    SyncActionType.promise: _promise,
    SyncActionType.payment: _payment,
    SyncActionType.note: _note,
}


def _closed(account: Account) -> str | None:
    """Why nothing more can be collected on the account, if so."""
    if account.status == AccountStatus.paid or account.balance_minor <= 0:
        return "account_paid"
    if account.status == AccountStatus.written_off:
        return "account_closed"
    return None


def _conflict(code: str, entity_id: uuid.UUID | None = None) -> _Outcome:
    return _Outcome(
        SyncStatus.conflict, entity_id, code=code, message_key=f"error.{code}", show_state=True
    )


def _refusal(exc: Exception) -> _Outcome:
    """The answer to an action refused by validation or by a domain rule (nothing written)."""
    if isinstance(exc, ValidationError):
        errors = [
            {"loc": [str(p) for p in e["loc"]], "type": e["type"], "msg": e["msg"]}
            for e in exc.errors()
        ]
        return _rejected("validation_error", {"errors": errors})
    if isinstance(exc, MoneyError):
        return _rejected(exc.code, exc.params)
    if isinstance(exc, DataError):
        return _rejected("validation_error", None)
    assert isinstance(exc, DomainError)
    key = exc.message_key
    code = key.removeprefix("error.") if key.startswith("error.") else exc.code
    params = to_jsonable_python(exc.params) or None
    if exc.status == 409 and not isinstance(exc, IdempotencyConflict):
        return _Outcome(
            SyncStatus.conflict, code=code, message_key=key, details=params, show_state=True
        )
    outcome = _rejected(code, params)
    outcome.message_key = key
    outcome.show_state = exc.code != service.NotYourAccount.code
    return outcome


def _rejected(code: str, details: dict[str, Any] | None) -> _Outcome:
    return _Outcome(SyncStatus.rejected, code=code, message_key=f"error.{code}", details=details)


def _record(push: _Push, action: SyncAction, outcome: _Outcome) -> SyncRecord:
    record = SyncRecord(
        client_id=action.client_id,
        agent_id=push.user.id,
        device_id=push.device_id,
        type=action.type,
        account_id=action.account_id,
        recorded_at=action.recorded_at,
        status=outcome.status,
    )
    _fill(record, outcome)
    return record


def _fill(record: SyncRecord, outcome: _Outcome) -> None:
    record.status = outcome.status
    record.code = outcome.code
    record.message_key = outcome.message_key
    record.details = outcome.details
    record.entity_id = outcome.entity_id


def _replay(push: _Push, action: SyncAction, record: SyncRecord) -> SyncResult:
    """The first answer again, for a client id seen before (nothing is applied)."""
    same = (record.agent_id, record.type, record.account_id) == (
        push.user.id,
        action.type,
        action.account_id,
    )
    if not same:
        return _result(push, action, _rejected("idempotency_conflict", None))
    first = _Outcome(
        SyncStatus.duplicate,
        record.entity_id,
        code=record.code,
        message_key=record.message_key,
        details=record.details,
        show_state=record.status == SyncStatus.conflict,
    )
    result = _result(push, action, first)
    result.original_status = record.status
    return result


def _result(push: _Push, action: SyncAction, outcome: _Outcome) -> SyncResult:
    message = None
    if outcome.message_key:
        message = t(outcome.message_key, push.lang, **(outcome.details or {}))
    return SyncResult(
        client_id=action.client_id,
        status=outcome.status,
        code=outcome.code,
        message=message,
        details=outcome.details,
        entity_id=outcome.entity_id,
        server_state=_state(push, action) if outcome.show_state else None,
    )


def _state(push: _Push, action: SyncAction) -> Any:
    account = push.session.get(Account, action.account_id) if action.account_id else None
    if account is None or account.assigned_agent_id != push.user.id:
        return None
    push.session.refresh(account)
    today = push.clock.today(account.portfolio_id)
    return service.account_state(push.session, push.user, account, today)


# --- pull -------------------------------------------------------------------------------------


def pull(session: Session, user: User, since: datetime | None) -> SyncChanges:
    if since is None:
        ids, removed = repository.open_account_ids(session, user.id), []
    else:
        ids = repository.changed_account_ids(session, user.id, since)
        removed = repository.unassigned_since(session, user.id, since)
    return SyncChanges(accounts=bundles.for_accounts(session, ids), removed_account_ids=removed)


def encode_cursor(at: datetime) -> str:
    raw = _CURSOR_PREFIX + at.astimezone(UTC).isoformat()
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> datetime:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(raw)
        at = datetime.fromisoformat(raw.removeprefix(_CURSOR_PREFIX))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor() from None
    if at.tzinfo is None:
        raise InvalidCursor()
    return at
