"""Field writes (visits, notes, location pings) and the account state shown with conflicts.

Rules:
- An agent acts only on accounts assigned to them (``own_account``); anything else, including
  an unknown id, is ``not_your_account``.
- A visit's ``distance_m`` is the WGS-84 geodesic (geopy) from the check-in position to the
  debtor's primary address (lowest position); it is None when either lacks coordinates. The
  visit is ``far`` when that distance exceeds ``COBRO_VISIT_FAR_METERS`` (see ``config``).
- Location pings are unique per (agent, device time): replays and overlapping batches add
  nothing.
- Every write is audited in the same session; services flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import days_past_due
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact import service as contact
from backend.contact.service import ContactRequest
from backend.core.clock import utcnow
from backend.core.errors import DomainError
from backend.core.ids import uuid7
from backend.field import repository
from backend.field.config import field_settings
from backend.field.models import FieldNote, Visit
from backend.ledger import repository as ledger_repository
from backend.plans import repository as plans_repository
from backend.promises import repository as promises_repository
from backend.routing.geo import geodesic_m
from backend.users.models import User
from shared.schemas.enums import Channel, InstalmentStatus, bucket_for
from shared.schemas.field import (
    AccountState,
    LocationPayload,
    NotePayload,
    VisitPayload,
)
from shared.schemas.negotiation import InstalmentRead, PromiseRead


class NotYourAccount(DomainError):
    status = 404
    code = "not_your_account"


def own_account(session: Session, user: User, account_id: uuid.UUID | None) -> Account:
    """The account, locked for the rest of the transaction, if it is assigned to ``user``."""
    account = ledger_repository.lock_account(session, account_id) if account_id else None
    if account is None or account.assigned_agent_id != user.id:
        raise NotYourAccount()
    return account


@dataclass(frozen=True, slots=True)
class VisitRequest:
    client_id: str
    recorded_at: datetime
    payload: VisitPayload


def record_visit(
    session: Session, actor: Actor, user: User, account: Account, req: VisitRequest
) -> Visit:
    """Store a visit with its distance to the debtor's address and its far flag."""
    data = req.payload
    distance = _distance_to_address(session, account, data.latitude, data.longitude)
    visit = Visit(
        client_id=req.client_id,
        agent_id=user.id,
        account_id=account.id,
        checked_in_at=data.checked_in_at or req.recorded_at,
        checked_out_at=data.checked_out_at,
        latitude=data.latitude,
        longitude=data.longitude,
        accuracy_m=data.accuracy_m,
        distance_m=distance,
        far=distance is not None and distance > field_settings().visit_far_meters,
        outcome=data.outcome,
        note=data.note,
        photo_ref=data.photo_ref,
        next_action_date=data.next_action_date,
    )
    session.add(visit)
    session.flush()
    audit.record(
        session,
        actor,
        "visit.recorded",
        "visit",
        visit.id,
        after=audit.snapshot(visit),
        account_id=account.id,
    )
    contact.record_made(
        session,
        actor,
        ContactRequest(
            key=f"visit:{visit.client_id}",
            debtor_id=account.debtor_id,
            account_id=account.id,
            channel=Channel.visit,
            at=visit.checked_in_at,
            source="visit",
        ),
        outcome=visit.outcome.value,
    )
    return visit


def _distance_to_address(
    session: Session, account: Account, lat: float | None, lon: float | None
) -> int | None:
    if lat is None or lon is None:
        return None
    address = repository.primary_address(session, account.debtor_id)
    if address is None or address.latitude is None or address.longitude is None:
        return None
    return round(geodesic_m((lat, lon), (address.latitude, address.longitude)))


def add_note(
    session: Session,
    actor: Actor,
    user: User,
    account: Account,
    client_id: str,
    recorded_at: datetime,
    payload: NotePayload,
) -> FieldNote:
    note = FieldNote(
        client_id=client_id,
        agent_id=user.id,
        account_id=account.id,
        text=payload.text,
        recorded_at=recorded_at,
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        actor,
        "field_note.added",
        "field_note",
        note.id,
        after=audit.snapshot(note),
        account_id=account.id,
    )
    return note


def store_pings(
    session: Session, actor: Actor, user: User, payload: LocationPayload
) -> tuple[int, int]:
    """(stored, skipped) after inserting the points not stored yet."""
    now = utcnow()
    rows = {
        point.recorded_at: {
            "id": uuid7(),
            "agent_id": user.id,
            "recorded_at": point.recorded_at,
            "latitude": point.latitude,
            "longitude": point.longitude,
            "accuracy_m": point.accuracy_m,
            "received_at": now,
        }
        for point in payload.points
    }
    stored = repository.insert_pings(session, list(rows.values()))
    if stored:
        audit.record(
            session,
            actor,
            "location.pinged",
            "user",
            user.id,
            after={
                "stored": stored,
                "first": min(rows).isoformat(),
                "last": max(rows).isoformat(),
            },
        )
    return stored, len(payload.points) - stored


def account_state(session: Session, user: User, account: Account, today: date) -> AccountState:
    """What the server holds now for an account: balance, status, open promise, plan."""
    promise = promises_repository.open_for_account(session, account.id)
    plan = plans_repository.active_plan(session, account.id)
    next_instalment = None
    if plan is not None:
        unpaid = [
            r
            for r in plans_repository.instalments(session, plan.id)
            if r.status != InstalmentStatus.paid
        ]
        if unpaid:
            next_instalment = InstalmentRead.model_validate(unpaid[0].model_dump())
    dpd = days_past_due(account, today)
    return AccountState(
        account_id=account.id,
        status=account.status,
        currency=account.currency,
        balance_minor=account.balance_minor,
        days_past_due=dpd,
        aging_bucket=bucket_for(dpd),
        assigned_to_you=account.assigned_agent_id == user.id,
        open_promise=PromiseRead.model_validate(promise, from_attributes=True) if promise else None,
        active_plan_id=plan.id if plan else None,
        next_instalment=next_instalment,
        updated_at=account.updated_at,
    )
