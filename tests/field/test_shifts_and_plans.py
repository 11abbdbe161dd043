"""Shifts as data (defaults, edited by the supervisor), a full day that fits the shift, and the
team plan for tomorrow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.debtors.models import Debtor
from backend.field.config import field_settings
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima

LIMA = ZoneInfo("America/Lima")
SHIFT = {"start_time": "08:00:00", "end_time": "17:00:00", "mode": "walking", "visit_minutes": 15}


def test_a_shift_has_defaults_and_only_the_supervisor_or_an_admin_edits_it(
    session: Session, client
) -> None:
    supervisor, agent = h.team(session)
    other_supervisor, _ = h.team(session)
    url = f"/api/v1/field/agents/{agent.id}/shift"
    default = client.get(url, headers=b.headers(agent)).json()
    assert default["is_default"] is True and default["start_time"] == "08:00:00"
    body = {**SHIFT, "start_latitude": h.START[0], "start_longitude": h.START[1]}
    assert client.put(url, json=body, headers=b.headers(agent)).status_code == 403
    assert client.put(url, json=body, headers=b.headers(other_supervisor)).status_code == 404
    bad = client.put(url, json={**SHIFT, "end_time": "07:00:00"}, headers=b.headers(supervisor))
    assert bad.status_code == 422
    for _ in range(2):  # the same edit twice leaves one shift
        saved = client.put(url, json=body, headers=b.headers(supervisor))
        assert saved.status_code == 200, saved.text
    assert saved.json()["is_default"] is False and saved.json()["visit_minutes"] == 15
    assert client.get(url, headers=b.headers(agent)).json()["start_latitude"] == h.START[0]
    events = session.query(AuditEvent).filter(AuditEvent.action == "field.shift_updated").all()
    assert len(events) == 2


def test_a_full_day_is_shift_sized_one_stop_per_debtor_no_current_accounts(
    session: Session, client
) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    h.shift(session, agent)
    accounts = [
        h.located_account(session, portfolio, agent, h.north(700 * i + 100)) for i in range(60)
    ]
    # Three more accounts of the first debtor (same address), and current accounts.
    debtor = session.get(Debtor, accounts[0].debtor_id)
    extra = [b.account(session, portfolio, agent=agent, owner=debtor) for _ in range(3)]
    current = [
        h.located_account(session, portfolio, agent, h.north(50 * i), days_past_due=0)
        for i in range(5)
    ]

    body = client.get("/api/v1/field/worklist", headers=b.headers(agent)).json()

    stops = body["stops"]
    assert 15 <= len(stops) <= 30
    debtors = [s["debtor_id"] for s in stops]
    assert len(debtors) == len(set(debtors))
    ids = {a["account_id"] for s in stops + body["not_today"] for a in s["accounts"]}
    assert not ids & {str(a.id) for a in current}
    first = next(s for s in stops + body["not_today"] if s["debtor_id"] == str(debtor.id))
    assert {a["account_id"] for a in first["accounts"]} == {
        str(a.id) for a in [accounts[0], *extra]
    }
    begin = datetime.fromisoformat(body["shift_start"])
    end = datetime.fromisoformat(body["shift_end"])
    for stop in stops:
        eta = datetime.fromisoformat(stop["eta"])
        assert eta.utcoffset() == timedelta(hours=-5)
        assert begin <= eta and eta + timedelta(minutes=10) <= end
    assert all(s["reason"] == "shift_full" for s in body["not_today"])
    assert len(stops) + len(body["not_today"]) == 60


@pytest.fixture
def quick_plans(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A one-second search (the default 8 s is for real teams)."""
    monkeypatch.setenv("COBRO_FIELD_TEAM_PLAN_SECONDS", "1")
    field_settings.cache_clear()
    yield
    field_settings.cache_clear()


@pytest.mark.usefixtures("quick_plans")
def test_the_team_plan_splits_stops_once_inside_each_shift(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, first = h.team(session)
    second = b.user(session, Role.agent, supervisor=supervisor)
    h.shift(session, first)
    h.shift(session, second, start=h.north(6_000), mode="motorbike")
    for i in range(40):
        owner = first if i % 2 else second
        h.located_account(session, portfolio, owner, h.north(150 * i + 50))
    tomorrow = (datetime.now(LIMA) + timedelta(days=1)).date()

    made = client.post("/api/v1/field/plans", json={}, headers=b.headers(supervisor))
    assert made.status_code == 200, made.text
    plan = made.json()
    assert plan["date"] == tomorrow.isoformat() and plan["timezone"] == "America/Lima"
    assert plan["candidates"] == 40
    planned = [s["debtor_id"] for a in plan["agents"] for s in a["stops"]]
    assert len(planned) == len(set(planned)) and len(planned) + plan["dropped"] == 40
    for agent in plan["agents"]:
        assert agent["stops"], agent["agent_name"]
        for stop in agent["stops"]:
            eta = datetime.fromisoformat(stop["eta"])
            assert eta.utcoffset() == timedelta(hours=-5)
            assert (
                eta.hour >= 8
                and (eta + timedelta(minutes=10)).time() <= datetime(2000, 1, 1, 17, 0).time()
            )
    stored = client.get(
        "/api/v1/field/plans", params={"date": tomorrow.isoformat()}, headers=b.headers(supervisor)
    ).json()
    assert stored["agents"] == plan["agents"]
    again = client.post("/api/v1/field/plans", json={}, headers=b.headers(supervisor)).json()
    assert sum(len(a["stops"]) for a in again["agents"]) == len(planned)  # replaced, not added
    assert client.post("/api/v1/field/plans", json={}, headers=b.headers(first)).status_code == 403
