"""The supervisor's route view: trail, visits with time at stop and far flags, planned vs
visited, collected and promised per agent, team-only access."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.field.routes import _path_m
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, today

URL = "/api/v1/field/routes"


def _at(hour: int, minute: int) -> datetime:
    return datetime.combine(today(), time(hour, minute), ZoneInfo("America/Lima"))


def _day(session: Session, client):
    """Agent ``ana`` works a morning; ``beto`` (same team) makes one visit."""
    portfolio = lima(session)
    supervisor, ana = h.team(session)
    beto = b.user(session, Role.agent, supervisor=supervisor, full_name="Beto")
    home1, home2 = h.north(300), h.north(900)
    first = h.located_account(session, portfolio, ana, home1)
    second = h.located_account(session, portfolio, ana, home2)
    h.located_account(session, portfolio, ana, None)  # planned, not visited
    theirs = h.located_account(session, portfolio, beto, h.north(50))
    trail = [
        (_at(10, 0), h.START),
        (_at(10, 5), home1),
        (_at(10, 20), h.north(20, home1)),
        (_at(10, 25), h.north(500, home1)),  # left the first stop
        (_at(10, 39), h.north(400, home2)),
    ]
    h.sync(
        client,
        ana,
        [
            h.pings(*trail),
            h.visit(first, h.north(10, home1), when=_at(10, 6), outcome="promise"),
            h.promise(first, "250.00"),
            h.visit(
                second,
                h.north(400, home2),
                when=_at(10, 40),
                outcome="paid",
                checked_out_at=_at(10, 55).isoformat(),
            ),
            h.payment(second, "120.50", "R-77"),
        ],
    )
    h.sync(client, beto, [h.visit(theirs, h.north(50), when=_at(11, 0))])
    return supervisor, ana, beto, trail


def test_an_agents_route_for_the_day(session: Session, client) -> None:
    supervisor, ana, _, trail = _day(session, client)

    response = client.get(
        URL,
        params={"agent_id": str(ana.id), "date": today().isoformat()},
        headers=b.headers(supervisor),
    )

    assert response.status_code == 200, response.text
    [route] = response.json()
    assert route["timezone"] == "America/Lima" and route["date"] == today().isoformat()
    assert [p["latitude"] for p in route["trail"]] == [p[0] for _, p in trail]
    assert route["trail_m"] == _path_m([p for _, p in trail])
    first, second = route["visits"]
    assert first["stop_s"] == 19 * 60  # until the ping away from the stop
    assert second["stop_s"] == 15 * 60  # explicit check-out
    assert (first["far"], second["far"]) == (False, True)
    assert 390 <= second["distance_m"] <= 410 and first["outcome"] == "promise"
    assert route["far_visits"] == 1
    assert (route["planned"], route["visited"]) == (3, 2)
    assert route["collected"] == [{"currency": "PEN", "count": 1, "amount_minor": 12_050}]
    assert route["promised"] == [{"currency": "PEN", "count": 1, "amount_minor": 25_000}]


def test_summary_has_one_row_per_agent_of_the_team(session: Session, client) -> None:
    supervisor, ana, beto, _ = _day(session, client)
    _, stranger = h.team(session)

    response = client.get(f"{URL}/summary", headers=b.headers(supervisor))

    assert response.status_code == 200, response.text
    rows = {row["agent_id"]: row for row in response.json()["agents"]}
    assert set(rows) == {str(ana.id), str(beto.id)}
    assert str(stranger.id) not in rows
    ana_row = rows[str(ana.id)]
    assert (ana_row["visits"], ana_row["visited"], ana_row["far_visits"]) == (2, 2, 1)
    assert ana_row["pings"] == 5 and ana_row["first_at"].startswith(today().isoformat())
    assert rows[str(beto.id)]["collected"] == []
    assert rows[str(beto.id)]["visits"] == 1


def test_route_access(session: Session, client) -> None:
    supervisor, ana, beto, _ = _day(session, client)
    other_supervisor, _ = h.team(session)
    admin = b.user(session, Role.admin)

    def get(user, **params):
        return client.get(URL, params=params, headers=b.headers(user))

    assert get(other_supervisor, agent_id=str(ana.id)).status_code == 404
    own = get(ana)
    assert own.status_code == 200 and [r["agent_id"] for r in own.json()] == [str(ana.id)]
    assert get(ana, agent_id=str(beto.id)).status_code == 404
    team = {r["agent_id"] for r in get(supervisor).json()}
    assert team == {str(ana.id), str(beto.id)}
    assert str(ana.id) in {r["agent_id"] for r in get(admin).json()}
    assert get(b.user(session, Role.bot)).status_code == 403
    assert get(supervisor, tz="Mars/Olympus").status_code == 422


def test_another_day_is_empty(session: Session, client) -> None:
    supervisor, ana, _, _ = _day(session, client)

    response = client.get(
        URL,
        params={"agent_id": str(ana.id), "date": (today() - timedelta(days=1)).isoformat()},
        headers=b.headers(supervisor),
    )

    [route] = response.json()
    assert route["trail"] == [] and route["visits"] == [] and route["collected"] == []
    assert route["planned"] == 3  # planned stops are not snapshotted: today's assignment
