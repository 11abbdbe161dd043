"""Field writes from several clients at once, against a real server on both databases: shift
edits leave one shift, two team plans of the same day do not both win (the loser gets a clean
409), and replays of one skip racing each other store it once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, func, select

from backend.app import create_app
from backend.audit.models import AuditEvent
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.field.models import AgentShift, PlannedStop, StopEvent
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.live import serve
from tests.plans.helpers import lima

API = "/api/v1/field"
LIMA = ZoneInfo("America/Lima")


@pytest.fixture
def live(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """A server of its own on the committed database, and a client for it."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=120) as http:
        yield http


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together; their answers in call order."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def count(engine: Engine, model: type, *where: Any) -> int:
    with session_scope(engine) as session:
        query = select(func.count()).select_from(model).where(*where)
        return session.execute(query).scalar_one()


def test_two_shift_edits_at_once_leave_one_shift(
    committed_engine: Engine, live: httpx.Client
) -> None:
    with session_scope(committed_engine) as session:
        supervisor, agent = h.team(session)
        admin = b.user(session, Role.admin)
        editors = [b.headers(supervisor), b.headers(admin)]
    url = f"{API}/agents/{agent.id}/shift"
    bodies = [
        {"start_time": "07:00", "end_time": "15:00", "mode": "walking", "visit_minutes": 12},
        {"start_time": "09:00", "end_time": "18:00", "mode": "motorbike", "visit_minutes": 20},
    ]
    calls = [
        lambda i=i: live.put(url, json=bodies[i % 2], headers=editors[i % 2]) for i in range(6)
    ]

    answers = at_once(calls)

    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert count(committed_engine, AgentShift, AgentShift.agent_id == agent.id) == 1
    stored = live.get(url, headers=editors[0]).json()
    written = {(b["start_time"], b["mode"], b["visit_minutes"]) for b in bodies}
    assert (stored["start_time"][:5], stored["mode"], stored["visit_minutes"]) in written
    assert count(committed_engine, AuditEvent, AuditEvent.action == "field.shift_updated") == 6


def test_two_team_plans_of_one_day_at_once_one_wins_the_other_gets_409(
    committed_engine: Engine, live: httpx.Client
) -> None:
    with session_scope(committed_engine) as session:
        portfolio = lima(session)
        supervisor, first = h.team(session)
        second = b.user(session, Role.agent, supervisor=supervisor)
        admin = b.user(session, Role.admin)
        h.shift(session, first)
        h.shift(session, second, start=h.north(3_000), hours=(time(8), time(12)))
        for i in range(16):
            h.located_account(session, portfolio, (first, second)[i % 2], h.north(200 * i + 50))
        planners = [b.headers(supervisor), b.headers(admin)]
        agents = [str(first.id), str(second.id)]
    tomorrow = (datetime.now(LIMA) + timedelta(days=1)).date().isoformat()
    body = {"date": tomorrow, "agent_ids": agents}

    answers = at_once(
        [lambda i=i: live.post(f"{API}/plans", json=body, headers=planners[i]) for i in range(2)]
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    [won] = [a for a in answers if a.status_code == 200]
    [lost] = [a for a in answers if a.status_code == 409]
    assert lost.json()["code"] == "team_plan_conflict"
    stored = live.get(f"{API}/plans", params={"date": tomorrow}, headers=planners[0]).json()
    assert stored["agents"] == won.json()["agents"]
    planned = sum(len(a["stops"]) for a in won.json()["agents"])
    assert count(committed_engine, PlannedStop) == planned > 0
    assert count(committed_engine, AuditEvent, AuditEvent.action == "field.team_planned") == 1
    # Planning again later (not at once) replaces the plan.
    again = live.post(f"{API}/plans", json=body, headers=planners[1])
    assert again.status_code == 200, again.text


def test_replays_of_one_skip_racing_store_it_once(
    committed_engine: Engine, live: httpx.Client
) -> None:
    with session_scope(committed_engine) as session:
        portfolio = lima(session)
        _, agent = h.team(session)
        h.shift(session, agent)
        account = h.located_account(session, portfolio, agent, h.north(200))
        headers = b.headers(agent)
    today = datetime.now(LIMA).date().isoformat()
    change = {
        "client_id": h.client_id(),
        "kind": "skip",
        "date": today,
        "debtor_id": str(account.debtor_id),
        "reason": "wrong_address",
    }
    action = h.action("stop", {k: v for k, v in change.items() if k != "client_id"})
    sync = {"device_id": "phone-1", "actions": [action]}
    rest = [lambda: live.post(f"{API}/stop-events", json=change, headers=headers)] * 4
    synced = [lambda: live.post(f"{API}/sync", json=sync, headers=headers)] * 4

    answers = at_once(rest + synced)

    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers[:4]}) == 1
    results = [a.json()["results"][0]["status"] for a in answers[4:]]
    assert sorted(results) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert count(committed_engine, StopEvent) == 2  # one per client id
    skipped = count(committed_engine, AuditEvent, AuditEvent.action == "field.stop_skipped")
    assert skipped == 2
    day = live.get(f"{API}/worklist", headers=headers).json()
    assert [s["skipped"] for s in day["stops"]] == ["wrong_address"]
