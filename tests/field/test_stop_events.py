"""The agent's day follows the supervisor's stored team plan; the agent skips and moves stops
with a reason, online or through the outbox, once per client id, only on their own day."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.debtors.models import Debtor
from backend.field.models import StopEvent
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima

LIMA = ZoneInfo("America/Lima")
API = "/api/v1/field"


def _tomorrow() -> str:
    return (datetime.now(LIMA) + timedelta(days=1)).date().isoformat()


def _today() -> str:
    return datetime.now(LIMA).date().isoformat()


def _worklist(client, agent, day: str) -> dict[str, Any]:
    answer = client.get(f"{API}/worklist", params={"date": day}, headers=b.headers(agent))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _change(debtor_id: object, kind: str = "skip", **kw: Any) -> dict[str, Any]:
    return {
        "client_id": kw.pop("client_id", h.client_id()),
        "kind": kind,
        "date": kw.pop("date", _today()),
        "debtor_id": str(debtor_id),
        "reason": kw.pop("reason", "not_home"),
        **kw,
    }


def _events(session: Session, **where: Any) -> int:
    query = select(func.count()).select_from(StopEvent).filter_by(**where)
    return session.execute(query).scalar_one()


def test_the_agents_day_is_the_stored_team_plan(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, first = h.team(session)
    second = b.user(session, Role.agent, supervisor=supervisor)
    h.shift(session, first)
    h.shift(session, second, start=h.north(4_000))
    for i in range(24):
        h.located_account(session, portfolio, first if i % 3 else second, h.north(170 * i + 40))
    tomorrow = _tomorrow()
    before = _worklist(client, first, tomorrow)
    assert before["planned_by_team"] is False

    made = client.post(f"{API}/plans", json={"date": tomorrow}, headers=b.headers(supervisor))
    assert made.status_code == 200, made.text
    plans = {p["agent_id"]: p["stops"] for p in made.json()["agents"]}

    for agent in (first, second):
        day = _worklist(client, agent, tomorrow)
        plan = plans[str(agent.id)]
        assert plan, "every agent got stops"
        assert day["planned_by_team"] is True
        assert [s["debtor_id"] for s in day["stops"]] == [s["debtor_id"] for s in plan]
        assert [s["position"] for s in day["stops"]] == list(range(1, len(plan) + 1))
        assert [datetime.fromisoformat(s["eta"]) for s in day["stops"]] == [
            datetime.fromisoformat(s["eta"]) for s in plan
        ]
        assert all(s["eta"].endswith("-05:00") for s in day["stops"])
        assert [s["leg_m"] for s in day["stops"]] == [s["leg_m"] for s in plan]
        assert day["total_m"] == sum(s["leg_m"] for s in plan)
    # Another day has no team plan: the agent's own shift plan again.
    assert _worklist(client, first, _today())["planned_by_team"] is False


def test_skip_and_move_reshape_the_day_once_per_client_id(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    h.shift(session, agent)
    for i in range(5):
        h.located_account(session, portfolio, agent, h.north(300 * i + 200))
    day = _worklist(client, agent, _today())
    order = [s["debtor_id"] for s in day["stops"]]
    assert len(order) == 5

    skip = _change(order[1], reason="danger")
    first = client.post(f"{API}/stop-events", json=skip, headers=b.headers(agent))
    again = client.post(f"{API}/stop-events", json=skip, headers=b.headers(agent))
    move = _change(order[4], "move", after_debtor_id=None, reason="appointment")
    moved = client.post(f"{API}/stop-events", json=move, headers=b.headers(agent))

    assert first.status_code == again.status_code == moved.status_code == 200, moved.text
    assert again.json()["id"] == first.json()["id"]
    assert _events(session, agent_id=agent.id) == 2
    audited = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.in_(("field.stop_skipped", "field.stop_moved")))  # type: ignore[attr-defined]
    ).scalar_one()
    assert audited == 2
    after = _worklist(client, agent, _today())
    stops = after["stops"]
    assert [s["debtor_id"] for s in stops] == [order[4], order[0], order[1], order[2], order[3]]
    assert [s["position"] for s in stops] == [1, 2, 3, 4, 5]
    assert [s["skipped"] for s in stops] == [None, None, "danger", None, None]
    assert stops[2]["eta"] is None and stops[2]["leg_m"] is None
    etas = [datetime.fromisoformat(s["eta"]) for s in stops if s["skipped"] is None]
    assert etas == sorted(etas) and len(set(etas)) == 4
    assert etas[0] == datetime.fromisoformat(after["shift_start"]) + timedelta(
        seconds=stops[0]["arrival_s"]
    )
    assert after["applied_events"] == [skip["client_id"], move["client_id"]]

    # The same client id for another change, a stop of someone else's day, a supervisor.
    clash = {**skip, "reason": "other"}
    answer = client.post(f"{API}/stop-events", json=clash, headers=b.headers(agent))
    assert (answer.status_code, answer.json()["code"]) == (409, "idempotency_conflict")
    stranger = h.located_account(session, portfolio, b.user(session, Role.agent), h.north(50))
    answer = client.post(
        f"{API}/stop-events", json=_change(stranger.debtor_id), headers=b.headers(agent)
    )
    assert (answer.status_code, answer.json()["code"]) == (404, "stop_not_in_day")
    answer = client.post(
        f"{API}/stop-events",
        json=_change(order[0], "move", after_debtor_id=str(stranger.debtor_id)),
        headers=b.headers(agent),
    )
    assert (answer.status_code, answer.json()["code"]) == (404, "stop_not_in_day")
    by_supervisor = _change(order[0])
    answer = client.post(f"{API}/stop-events", json=by_supervisor, headers=b.headers(supervisor))
    assert answer.status_code == 403
    bad = _change(order[0], after_debtor_id=str(order[1]))  # a skip names no place
    assert client.post(f"{API}/stop-events", json=bad, headers=b.headers(agent)).status_code == 422
    assert _events(session, agent_id=agent.id) == 2


def test_the_team_plan_keeps_debtors_with_their_holder_and_lists_what_it_dropped(
    session: Session, client
) -> None:
    """A stop only goes to the agent holding the debtor's accounts, so the agent can open
    every account of their planned day; what a holder's shift cannot hold is listed as
    dropped (shift_full, or no_location), never handed to someone who cannot open it."""
    portfolio = lima(session)
    supervisor, first = h.team(session)
    second = b.user(session, Role.agent, supervisor=supervisor)
    h.shift(session, first, hours=(time(8), time(10)))  # too short for all of their stops
    h.shift(session, second, start=h.north(5_000))
    mine = [h.located_account(session, portfolio, first, h.north(400 * i + 100)) for i in range(12)]
    nowhere = h.located_account(session, portfolio, first, None)
    shared = mine[0]  # the debtor also has an account the second agent holds
    debtor = session.get(Debtor, shared.debtor_id)
    b.account(session, portfolio, agent=second, owner=debtor, principal=50_000)
    tomorrow = _tomorrow()
    made = client.post(f"{API}/plans", json={"date": tomorrow}, headers=b.headers(supervisor))
    assert made.status_code == 200, made.text
    plan = made.json()
    plans = {p["agent_id"]: p["stops"] for p in plan["agents"]}
    firsts = {s["debtor_id"] for s in plans[str(first.id)]}
    seconds = {s["debtor_id"] for s in plans[str(second.id)]}
    own = {str(a.debtor_id) for a in [*mine, nowhere]}
    assert firsts and firsts <= own
    assert seconds <= {str(shared.debtor_id)}, "nobody gets another agent's debtors"
    dropped = {d["debtor_id"]: d for d in plan["dropped_stops"]}
    assert len(dropped) == plan["dropped"] == plan["candidates"] - len(firsts) - len(seconds)
    assert set(dropped) | firsts | seconds == own
    assert dropped[str(nowhere.debtor_id)]["reason"] == "no_location"
    overflow = [d for d in plan["dropped_stops"] if d["reason"] == "shift_full"]
    assert overflow and all(d["agent_ids"] == [str(first.id)] for d in overflow)
    values = [d["value_minor"] for d in plan["dropped_stops"]]
    assert values == sorted(values, reverse=True)
    stored = client.get(f"{API}/plans", params={"date": tomorrow}, headers=b.headers(supervisor))
    assert stored.json()["dropped_stops"] == plan["dropped_stops"]

    # Every planned stop's accounts are the agent's own: each opens.
    for agent, stops in ((first, plans[str(first.id)]), (second, plans[str(second.id)])):
        for stop in stops:
            for account_id in stop["account_ids"]:
                opened = client.get(f"{API}/accounts/{account_id}", headers=b.headers(agent))
                assert opened.status_code == 200, opened.text
        day = _worklist(client, agent, tomorrow)
        assert [s["debtor_id"] for s in day["stops"]] == [s["debtor_id"] for s in stops]

    planned = plans[str(first.id)][0]["debtor_id"]
    dropped_one = overflow[0]["debtor_id"]
    ok = client.post(
        f"{API}/stop-events", json=_change(planned, date=tomorrow), headers=b.headers(first)
    )
    by_second = client.post(
        f"{API}/stop-events", json=_change(planned, date=tomorrow), headers=b.headers(second)
    )
    not_planned = client.post(
        f"{API}/stop-events", json=_change(dropped_one, date=tomorrow), headers=b.headers(first)
    )
    assert ok.status_code == 200, ok.text
    assert by_second.status_code == not_planned.status_code == 404
    day = _worklist(client, first, tomorrow)
    assert day["stops"][0]["debtor_id"] == planned and day["stops"][0]["skipped"] == "not_home"


def test_a_plan_whose_account_moved_since_shows_it_to_nobody_who_cannot_open_it(
    session: Session, client
) -> None:
    portfolio = lima(session)
    supervisor, first = h.team(session)
    second = b.user(session, Role.agent, supervisor=supervisor)
    h.shift(session, first)
    h.shift(session, second, start=h.north(3_000))
    accounts = [h.located_account(session, portfolio, first, h.north(200 * i)) for i in range(3)]
    tomorrow = _tomorrow()
    made = client.post(f"{API}/plans", json={"date": tomorrow}, headers=b.headers(supervisor))
    assert {s["debtor_id"] for a in made.json()["agents"] for s in a["stops"]} == {
        str(a.debtor_id) for a in accounts
    }
    accounts[1].assigned_agent_id = second.id  # reassigned after the plan was made
    session.add(accounts[1])
    session.flush()
    day = _worklist(client, first, tomorrow)
    assert str(accounts[1].debtor_id) not in {s["debtor_id"] for s in day["stops"]}
    assert len(day["stops"]) == 2


def test_the_outbox_sends_skips_and_moves_as_stop_actions(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    h.shift(session, agent)
    for i in range(3):
        h.located_account(session, portfolio, agent, h.north(250 * i + 100))
    order = [s["debtor_id"] for s in _worklist(client, agent, _today())["stops"]]
    payload = {k: v for k, v in _change(order[0]).items() if k != "client_id"}
    move = {**payload, "kind": "move", "debtor_id": order[0], "after_debtor_id": order[2]}
    actions = [h.action("stop", payload), h.action("stop", move)]
    stranger = h.located_account(session, portfolio, b.user(session, Role.agent), h.north(50))
    foreign = h.action("stop", {**payload, "debtor_id": str(stranger.debtor_id)})

    first = h.sync(client, agent, [*actions, foreign])
    again = h.sync(client, agent, actions)

    assert h.statuses(first) == [
        ("applied", None),
        ("applied", None),
        ("rejected", "stop_not_in_day"),
    ]
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["entity_id"] for r in again["results"]] == [
        r["entity_id"] for r in first["results"][:2]
    ]
    assert _events(session, agent_id=agent.id) == 2
    stops = _worklist(client, agent, _today())["stops"]
    assert [s["debtor_id"] for s in stops] == [order[1], order[2], order[0]]
    assert stops[2]["skipped"] == "not_home"
    assert uuid.UUID(first["results"][0]["entity_id"])


def test_supervisors_read_the_days_skips_and_moves_of_their_team_only(
    session: Session, client
) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    teammate = b.user(session, Role.agent, supervisor=supervisor)
    other_supervisor, stranger = h.team(session)
    for who in (agent, teammate):
        h.shift(session, who)
    mine = [h.located_account(session, portfolio, agent, h.north(300 * i + 100)) for i in range(3)]
    theirs = h.located_account(session, portfolio, teammate, h.north(900))
    skip = _change(mine[1].debtor_id, reason="danger")
    move = _change(mine[2].debtor_id, "move", after_debtor_id=None, reason="appointment")
    other = _change(theirs.debtor_id, reason="wrong_address")
    for body, who in ((skip, agent), (move, agent), (other, teammate)):
        answer = client.post(f"{API}/stop-events", json=body, headers=b.headers(who))
        assert answer.status_code == 200, answer.text

    def read(who: Any, **params: Any) -> Any:
        return client.get(
            f"{API}/stop-events", params={"date": _today(), **params}, headers=b.headers(who)
        )

    team = read(supervisor)
    assert team.status_code == 200, team.text
    assert {e["client_id"] for e in team.json()} == {
        skip["client_id"],
        move["client_id"],
        other["client_id"],
    }
    one = read(supervisor, agent_id=str(agent.id)).json()
    assert [(e["kind"], e["reason"]) for e in one] == [("skip", "danger"), ("move", "appointment")]
    assert one[0]["debtor_name"] and one[0]["debtor_id"] == str(mine[1].debtor_id)
    assert [e["client_id"] for e in read(agent).json()] == [skip["client_id"], move["client_id"]]
    assert read(agent, date=_tomorrow()).json() == []
    assert read(agent, agent_id=str(teammate.id)).status_code == 404
    assert read(other_supervisor, agent_id=str(agent.id)).status_code == 404
    assert read(other_supervisor).json() == []
    assert read(stranger).json() == []
