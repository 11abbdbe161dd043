"""The worklist obeys the contact rules: no visit suggested on a day or at an hour the debtor's
country forbids, and every account held back says by which rule and until when."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.core.clock import pinned
from backend.debtors.models import Debtor
from shared.schemas.enums import AccountStatus, Role
from tests import builders as b
from tests.field import helpers as h

URL = "/api/v1/field/worklist"
LIMA = ZoneInfo("America/Lima")
SANTIAGO = ZoneInfo("America/Santiago")


def _get(client, headers, **params):
    """The worklist; ``headers`` are made before pinning the clock (a token minted at a pinned
    time would not be valid now)."""
    response = client.get(
        URL, params={"lat": h.START[0], "lon": h.START[1], **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _peru(session: Session):
    """A Peruvian portfolio under the law's rules (visits Monday to Friday, 07:00-20:00)."""
    return b.portfolio(session, contact_rules={})


def _held(body) -> dict[str, dict]:
    return {s["account_id"]: s["hold"] for s in body["held_back"]}


def test_no_visits_on_a_saturday_in_peru(session: Session, client) -> None:
    portfolio = _peru(session)
    _, agent = h.team(session)
    auth = b.headers(agent)
    accounts = [h.located_account(session, portfolio, agent, h.north(100 * i)) for i in (1, 2)]
    with pinned(datetime(2026, 12, 5, 10, 0, tzinfo=LIMA)):
        body = _get(client, auth)
    assert body["stops"] == []
    held = _held(body)
    assert set(held) == {str(a.id) for a in accounts}
    monday = datetime(2026, 12, 7, 7, 0, tzinfo=LIMA)
    assert all(hold["rule"] == "hours" for hold in held.values())
    assert all(datetime.fromisoformat(hold["until"]) == monday for hold in held.values())


def test_a_shift_starting_before_opening_waits_until_seven(session: Session, client) -> None:
    portfolio = _peru(session)
    _, agent = h.team(session)
    h.shift(session, agent, hours=(time(6), time(14)))
    auth = b.headers(agent)
    h.located_account(session, portfolio, agent, h.north(120))
    with pinned(datetime(2026, 12, 10, 5, 30, tzinfo=LIMA)):  # a Thursday
        body = _get(client, auth)
    assert body["held_back"] == []
    eta = datetime.fromisoformat(body["stops"][0]["eta"])
    assert eta.astimezone(LIMA).time() >= datetime(2026, 12, 10, 7, 0).time()
    assert eta - datetime(2026, 12, 10, 7, 0, tzinfo=LIMA) < timedelta(minutes=5)


def test_stops_the_route_reaches_after_closing_wait_for_the_next_working_day(
    session: Session, client
) -> None:
    portfolio = _peru(session)
    _, agent = h.team(session)
    auth = b.headers(agent)
    h.shift(session, agent, hours=(time(19, 50), time(22)))
    near = h.located_account(session, portfolio, agent, h.north(100))
    far = h.located_account(session, portfolio, agent, h.north(3_000))
    # An evening shift from 19:50 on Friday: the near stop is reached before 20:00, the far one
    # (2.9 km on foot) after.
    with pinned(datetime(2026, 12, 4, 12, 0, tzinfo=LIMA)):
        body = _get(client, auth)
    assert [s["account_id"] for s in body["stops"]] == [str(near.id)]
    assert body["stops"][0]["position"] == 1 and body["stops"][0]["eta"] is not None
    hold = _held(body)[str(far.id)]
    assert hold["rule"] == "hours"
    assert datetime.fromisoformat(hold["until"]) == datetime(2026, 12, 7, 7, 0, tzinfo=LIMA)


def test_disputes_and_opt_outs_hold_an_account_back_until_they_change(
    session: Session, client
) -> None:
    portfolio = _peru(session)
    _, agent = h.team(session)
    auth = b.headers(agent)
    disputed = h.located_account(session, portfolio, agent, h.north(100))
    disputed.status = AccountStatus.disputed
    opted = h.located_account(session, portfolio, agent, h.north(200))
    debtor = session.get(Debtor, opted.debtor_id)
    assert debtor is not None
    debtor.opt_outs = ["visit"]
    session.add_all([disputed, debtor])
    session.flush()
    with pinned(datetime(2026, 12, 10, 11, 0, tzinfo=LIMA)):
        body = _get(client, auth)
    assert body["stops"] == []
    assert _held(body) == {
        str(disputed.id): {"rule": "disputed", "until": None},
        str(opted.id): {"rule": "opted_out", "until": None},
    }


def test_chile_one_visit_a_week_counts_visits_on_any_account_of_the_debtor(
    session: Session, client
) -> None:
    portfolio = b.portfolio(
        session, currency="CLP", country="CL", tz="America/Santiago", contact_rules={}
    )
    _, agent = h.team(session)
    auth = b.headers(agent)
    first = h.located_account(session, portfolio, agent, h.north(100))
    second = b.account(session, portfolio, agent=agent, owner=session.get(Debtor, first.debtor_id))
    tuesday = datetime(2026, 12, 8, 10, 0, tzinfo=SANTIAGO)
    with pinned(tuesday):  # the visit arrives through the app's sync, logged as a contact
        synced = client.post(
            "/api/v1/field/sync",
            json={"device_id": "phone-1", "actions": [h.visit(first, h.north(100), when=tuesday)]},
            headers=auth,
        )
    assert synced.json()["results"][0]["status"] == "applied", synced.text
    with pinned(tuesday + timedelta(days=1)):
        body = _get(client, auth)
    assert body["stops"] == []
    for account in (first, second):
        hold = _held(body)[str(account.id)]
        assert hold["rule"] == "cap_week"
        monday = datetime(2026, 12, 14, 8, 0, tzinfo=SANTIAGO)
        assert datetime.fromisoformat(hold["until"]) == monday
    with pinned(datetime(2026, 12, 14, 9, 0, tzinfo=SANTIAGO)):
        [stop] = _get(client, auth)["stops"]  # one debtor at one address: one stop
    assert {a["account_id"] for a in stop["accounts"]} == {str(first.id), str(second.id)}
    assert stop["balance_minor"] == 200_000


def test_a_day_asked_ahead_is_judged_as_a_whole(session: Session, client) -> None:
    portfolio = _peru(session)
    _, agent = h.team(session)
    auth = b.headers(agent)
    account = h.located_account(session, portfolio, agent, h.north(100))
    with pinned(datetime(2026, 12, 10, 21, 0, tzinfo=LIMA)):  # Thursday night
        friday = _get(client, auth, date="2026-12-11")
        sunday = _get(client, auth, date="2026-12-13")
    assert [s["account_id"] for s in friday["stops"]] == [str(account.id)]
    assert _held(sunday)[str(account.id)]["rule"] == "hours"


def test_the_account_shows_its_contact_log(session: Session, client) -> None:
    portfolio = _peru(session)
    supervisor, agent = h.team(session)
    auth = b.headers(agent)
    account = h.located_account(session, portfolio, agent, h.north(100))
    h.sync(client, agent, [h.visit(account, h.north(100), outcome="promise")])
    url = f"/api/v1/accounts/{account.id}/contacts"
    body = client.get(url, headers=auth).json()
    [visit] = body["items"]
    assert (visit["channel"], visit["source"], visit["status"], visit["outcome"]) == (
        "visit",
        "visit",
        "done",
        "promise",
    )
    assert body["next_cursor"] is None
    assert client.get(url, headers=b.headers(supervisor)).status_code == 200
    stranger = b.headers(b.user(session, Role.agent))
    assert client.get(url, headers=stranger).status_code == 404
