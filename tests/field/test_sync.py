"""Sync push: actions applied in order, visit distances and far flags, notes, pings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend.field.config import field_settings
from backend.field.models import FieldNote, LocationPing, SyncRecord, Visit
from backend.payments.models import Payment
from backend.promises.models import Promise
from backend.routing.geo import geodesic_m
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima


def count(session: Session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_visit_records_distance_to_the_address_and_far_flag(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    home = h.north(1000)
    account = h.located_account(session, portfolio, agent, home)
    nowhere = h.located_account(session, portfolio, agent, None)
    near_at, far_at = h.north(120, home), h.north(450, home)

    body = h.sync(
        client,
        agent,
        [
            h.visit(account, near_at, note="Vecina dice que vuelve a las 6"),
            h.visit(account, far_at, outcome="wrong_address", next_action_date="2030-01-02"),
            h.visit(account, None, outcome="other"),
            h.visit(nowhere, near_at),
        ],
    )

    assert h.statuses(body) == [("applied", None)] * 4
    visits = {v.id: v for v in session.execute(select(Visit)).scalars()}
    near, far, blind, unlocated = (visits[h.uuid.UUID(r["entity_id"])] for r in body["results"])
    assert near.distance_m == round(geodesic_m(near_at, home)) and 110 < near.distance_m < 130
    assert near.far is False and near.accuracy_m == 12.5 and near.note.startswith("Vecina")
    assert far.far is True and far.distance_m > field_settings().visit_far_meters
    assert far.outcome.value == "wrong_address" and str(far.next_action_date) == "2030-01-02"
    assert blind.distance_m is None and blind.far is False
    assert unlocated.distance_m is None
    assert near.agent_id == agent.id and near.received_at >= near.checked_in_at


def test_far_threshold_is_a_setting(session: Session, client, monkeypatch) -> None:
    monkeypatch.setenv("COBRO_VISIT_FAR_METERS", "100")
    field_settings.cache_clear()
    try:
        portfolio = lima(session)
        _, agent = h.team(session)
        home = h.north(1000)
        account = h.located_account(session, portfolio, agent, home)
        body = h.sync(client, agent, [h.visit(account, h.north(120, home))])
        visit = session.get(Visit, h.uuid.UUID(body["results"][0]["entity_id"]))
        assert visit is not None and visit.far is True
    finally:
        field_settings.cache_clear()


def test_actions_apply_in_order(session: Session, client) -> None:
    """A payment then a promise for the rest: the promise is judged on the new balance."""
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))

    body = h.sync(
        client,
        agent,
        [
            h.visit(account, h.north(100), outcome="paid"),
            h.payment(account, "400.00", "R-001"),
            h.promise(account, "600.00"),
            h.promise(account, "600.01"),  # more than what is left after the payment
            h.action("note", {"text": "Pagará el resto el viernes"}, account),
        ],
    )

    assert h.statuses(body) == [
        ("applied", None),
        ("applied", None),
        ("applied", None),
        ("rejected", "promise_amount"),
        ("applied", None),
    ]
    session.refresh(account)
    assert account.balance_minor == 60_000
    payment = session.get(Payment, h.uuid.UUID(body["results"][1]["entity_id"]))
    assert payment is not None and payment.agent_id == agent.id
    assert (payment.method.value, payment.receipt_number) == ("cash", "R-001")
    assert payment.client_id == body["results"][1]["client_id"]
    promise = session.get(Promise, h.uuid.UUID(body["results"][2]["entity_id"]))
    assert promise is not None and promise.amount_minor == 60_000
    assert promise.channel.value == "agent" and promise.recorded_by_id == agent.id
    assert count(session, FieldNote, FieldNote.account_id == account.id) == 1
    rejected = body["results"][3]
    assert rejected["server_state"]["balance_minor"] == 60_000
    assert rejected["message"]
    stored = session.execute(
        select(SyncRecord.status).where(SyncRecord.client_id == rejected["client_id"])
    ).scalar_one()
    assert stored.value == "rejected"


def test_pings_are_stored_once_per_device_time(session: Session, client) -> None:
    _, agent = h.team(session)
    t0 = datetime(2030, 3, 4, 14, 0, tzinfo=UTC)
    first = h.pings((t0, h.START), (t0 + timedelta(minutes=1), h.north(60)))
    overlapping = h.pings(
        (t0 + timedelta(minutes=1), h.north(60)),
        (t0 + timedelta(minutes=2), h.north(120)),
        (t0 + timedelta(minutes=2), h.north(120)),
    )

    body = h.sync(client, agent, [first, overlapping])

    assert [r["details"] for r in body["results"]] == [
        {"stored": 2, "skipped": 0},
        {"stored": 1, "skipped": 2},
    ]
    assert count(session, LocationPing, LocationPing.agent_id == agent.id) == 3


@pytest.mark.parametrize("role", [Role.supervisor, Role.admin, Role.bot])
def test_only_agents_sync(session: Session, client, role: Role) -> None:
    user = b.user(session, role)
    response = client.post(
        "/api/v1/field/sync",
        json={"device_id": "d", "actions": []},
        headers=b.headers(user),
    )
    assert response.status_code == 403
