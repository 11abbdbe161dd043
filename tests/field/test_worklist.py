"""The worklist: suggested order from the start (the tour solver), unlocated stops last,
filters, due-today flags, access, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session

from backend.audit.service import Actor
from backend.plans import service as plans
from backend.promises import service as promises
from backend.promises.service import PromiseRequest
from shared.schemas.enums import ActionChannel, EntryKind, Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, today

URL = "/api/v1/field/worklist"


def _get(client, user, **params):
    response = client.get(URL, params=params, headers=b.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_day_starts_at_the_shift_with_etas_in_lima_time(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    h.shift(session, agent)
    far = h.located_account(session, portfolio, agent, h.north(900))
    near = h.located_account(session, portfolio, agent, h.north(150))
    nowhere = h.located_account(session, portfolio, agent, None)
    middle = h.located_account(session, portfolio, agent, h.north(400))
    h.located_account(session, portfolio, b.user(session, Role.agent), h.north(50))  # not hers

    body = _get(client, agent)

    ids = [s["account_id"] for s in body["stops"]]
    assert ids == [str(a.id) for a in (near, middle, far)]
    first = body["stops"][0]
    assert first["position"] == 1 and 145 <= first["leg_m"] <= 155
    assert abs(first["arrival_s"] - first["leg_m"] / 1.2) <= 1
    begin = datetime.fromisoformat(body["shift_start"])
    assert begin.utcoffset() == timedelta(hours=-5) and (begin.hour, begin.minute) == (8, 0)
    eta = datetime.fromisoformat(first["eta"])
    assert eta.utcoffset() == timedelta(hours=-5)  # Lima time, not UTC
    assert eta == begin + timedelta(seconds=first["arrival_s"])
    assert body["stops"][2]["cumulative_m"] == body["total_m"]
    assert [(s["account_id"], s["reason"]) for s in body["not_today"]] == [
        (str(nowhere.id), "no_location")
    ]
    assert body["unlocated"] == 1 and body["timezone"] == "America/Lima"
    assert first["debtor_name"] == "Rosa Quispe" and first["phones"][0].startswith("+5199")
    assert first["balance_minor"] == 100_000 and first["days_past_due"] == 45
    assert body["start_latitude"] == h.START[0]
    motorbike = _get(client, agent, mode="motorbike")
    assert motorbike["stops"][0]["arrival_s"] < first["arrival_s"]


def test_filters_and_due_today_flags(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    fresh = h.located_account(session, portfolio, agent, h.north(100), days_past_due=10)
    promised = h.located_account(session, portfolio, agent, h.north(200))
    in_plan = h.located_account(session, portfolio, agent, h.north(300), principal=80_000)
    visited = h.located_account(session, portfolio, agent, h.north(400))
    actor = Actor("user", agent.id)
    promises.create(
        session,
        actor,
        promised.id,
        PromiseRequest(30_000, "PEN", today(), ActionChannel.agent, "agent"),
    )
    offers = plans.generate_offers(session, actor, in_plan.id, ActionChannel.agent)
    plan = plans.accept(session, actor, offers[0].id, ActionChannel.agent)
    first_due = plans.plan_to_read(session, plan).instalments[0]
    h.sync(client, agent, [h.visit(visited, h.north(400), outcome="refused")])

    body = _get(client, agent, lat=h.START[0], lon=h.START[1])
    by_id = {s["account_id"]: s for s in body["stops"]}
    assert by_id[str(promised.id)]["promise_due_today"] is True
    assert by_id[str(promised.id)]["promise_amount_minor"] == 30_000
    assert by_id[str(visited.id)]["visited_today"] is True
    assert by_id[str(visited.id)]["last_outcome"] == "refused"
    assert by_id[str(fresh.id)]["visited_today"] is False

    on_due = _get(client, agent, date=first_due.due_date.isoformat())
    row = next(s for s in on_due["stops"] if s["account_id"] == str(in_plan.id))
    assert row["instalment_due_today"] is True
    assert row["instalment_amount_minor"] == first_due.amount_minor
    due = _get(client, agent, promise_due=True, date=first_due.due_date.isoformat())
    assert str(in_plan.id) in {s["account_id"] for s in due["stops"]}

    bucket = _get(client, agent, bucket="1-30")
    assert [s["account_id"] for s in bucket["stops"]] == [str(fresh.id)]
    not_visited = _get(client, agent, not_visited=True)
    assert str(visited.id) not in {s["account_id"] for s in not_visited["stops"]}
    # The plan is in good standing until its first instalment falls due: no visit today.
    assert {s["account_id"] for s in not_visited["stops"]} == {str(fresh.id), str(promised.id)}
    promise_due = _get(client, agent, promise_due=True)
    assert str(promised.id) in {s["account_id"] for s in promise_due["stops"]}
    assert str(fresh.id) not in {s["account_id"] for s in promise_due["stops"]}


def test_without_start_the_route_begins_at_the_most_valuable_stop(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    big = h.located_account(
        session, portfolio, agent, h.north(800), days_past_due=120, principal=900_000
    )
    h.located_account(session, portfolio, agent, h.north(100), days_past_due=20)

    body = _get(client, agent)

    assert body["stops"][0]["account_id"] == str(big.id)
    assert body["stops"][0]["leg_m"] == 0
    assert body["start_latitude"] is None


def test_paid_and_closed_accounts_are_not_stops(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    paid = h.located_account(session, portfolio, agent, h.north(100))
    b.ledger_entry(session, paid, kind=EntryKind.payment, amount_minor=100_000)
    open_one = h.located_account(session, portfolio, agent, h.north(200))

    body = _get(client, agent)

    assert [s["account_id"] for s in body["stops"]] == [str(open_one.id)]


def test_access_agents_see_their_own_supervisors_their_team(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    other_supervisor, other_agent = h.team(session)
    h.located_account(session, portfolio, agent, h.north(100))

    assert client.get(URL, headers=b.headers(agent)).status_code == 200
    own = client.get(URL, params={"agent_id": str(agent.id)}, headers=b.headers(agent))
    assert own.status_code == 200
    peek = client.get(URL, params={"agent_id": str(other_agent.id)}, headers=b.headers(agent))
    assert peek.status_code == 404
    team = _get(client, supervisor, agent_id=str(agent.id))
    assert len(team["stops"]) == 1
    outside = client.get(
        URL, params={"agent_id": str(agent.id)}, headers=b.headers(other_supervisor)
    )
    assert outside.status_code == 404
    missing = client.get(URL, headers=b.headers(supervisor))
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    half = client.get(URL, params={"lat": 1.0}, headers=b.headers(agent))
    assert half.status_code == 422


def test_queries_do_not_grow_with_the_number_of_stops(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    engine = session.get_bind().engine
    counts = []
    for batch in (3, 40):
        for i in range(batch):
            h.located_account(session, portfolio, agent, h.north(50 * i + 10))
        statements: list[str] = []

        def count(*args, statements=statements) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        started = datetime.now(UTC)
        _get(client, agent, lat=h.START[0], lon=h.START[1])
        elapsed = datetime.now(UTC) - started
        event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert elapsed < timedelta(seconds=2)
