"""The daily job: broken plans and promises, idempotent when run twice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from backend.audit.service import Actor
from backend.plans import service as plans
from backend.plans.models import Plan
from backend.promises import service as promises
from backend.promises.service import PromiseRequest
from backend.tasks.models import Task
from shared.schemas.enums import ActionChannel
from tests import builders as b
from tests.plans.helpers import days, lima, pay, team, today

SYSTEM = Actor.system()


def _plan(client, session, agent, account) -> dict:
    offers = client.post(
        f"/api/v1/accounts/{account.id}/offers", headers=b.headers(agent), json={}
    ).json()
    offer = next(o for o in offers if o["kind"] == "fewest_instalments")
    return client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()


def test_missed_instalment_after_grace_breaks_the_plan_once(client, session: Session) -> None:
    _, agent = team(session)
    portfolio = lima(session)
    account = b.account(session, portfolio, agent=agent, principal=60_000)
    plan = _plan(client, session, agent, account)
    first_due = date.fromisoformat(plan["instalments"][0]["due_date"])

    on_grace_end = {portfolio.id: first_due + timedelta(days=3)}
    result = plans.check_active_plans(session, SYSTEM, today_by_portfolio=on_grace_end)
    assert result.broken == 0 and result.still_active == 1

    after_grace = {portfolio.id: first_due + timedelta(days=4)}
    result = plans.check_active_plans(session, SYSTEM, today_by_portfolio=after_grace)
    assert result.broken == 1
    row = session.get(Plan, uuid.UUID(plan["id"]))
    session.refresh(account)
    assert row.status == "broken" and account.status == "active"
    task = session.exec(select(Task).where(Task.account_id == account.id)).one()
    assert task.kind == "follow_up_broken_plan" and task.assignee_id == agent.id

    again = plans.check_active_plans(session, SYSTEM, today_by_portfolio=after_grace)
    assert again.broken == 0
    assert len(session.exec(select(Task).where(Task.account_id == account.id)).all()) == 1


def test_paid_instalment_keeps_the_plan(client, session: Session) -> None:
    _, agent = team(session)
    portfolio = lima(session)
    account = b.account(session, portfolio, agent=agent, principal=60_000)
    plan = _plan(client, session, agent, account)
    pay(session, account, plan["instalments"][0]["amount_minor"], "first")
    first_due = date.fromisoformat(plan["instalments"][0]["due_date"])
    result = plans.check_active_plans(
        session, SYSTEM, today_by_portfolio={portfolio.id: first_due + timedelta(days=10)}
    )
    assert result.broken == 0 and result.still_active == 1


def _promise(session, account, amount, due, client_id=None):
    return promises.create(
        session,
        SYSTEM,
        account.id,
        PromiseRequest(amount, account.currency, due, ActionChannel.agent, "agent", client_id),
    )[0]


def test_promises_kept_partial_and_broken(session: Session) -> None:
    portfolio = lima(session)
    kept, partial, broken = (b.account(session, portfolio, principal=50_000) for _ in range(3))
    for account in (kept, partial, broken):
        _promise(session, account, 20_000, days(2))
    pay(session, kept, 20_000, "k")
    pay(session, partial, 5_000, "p")
    before_deadline = promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={portfolio.id: days(2)}
    )
    assert (before_deadline.kept, before_deadline.still_open) == (1, 2)
    after = promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={portfolio.id: days(6)}
    )
    assert (after.partially_kept, after.broken) == (1, 1)
    assert len(after.tasks) == 2
    twice = promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={portfolio.id: days(6)}
    )
    assert (twice.kept, twice.partially_kept, twice.broken, twice.tasks) == (0, 0, 0, [])


def test_new_promise_supersedes_and_client_id_replays(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    url = f"/api/v1/accounts/{account.id}/promises"
    body = {
        "amount": "100.00",
        "currency": "PEN",
        "due_date": days(3).isoformat(),
        "channel": "agent",
        "client_id": "device-1-000001",
    }
    first = client.post(url, headers=b.headers(agent), json=body)
    assert first.status_code == 201, first.text
    replay = client.post(url, headers=b.headers(agent), json=body)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    second = client.post(
        url, headers=b.headers(agent), json={**body, "client_id": "device-1-000002"}
    )
    listed = client.get(url, headers=b.headers(agent)).json()["items"]
    assert [p["status"] for p in listed] == ["superseded", "open"]
    assert listed[0]["superseded_by_id"] == second.json()["id"]
    too_much = client.post(
        url, headers=b.headers(agent), json={**body, "amount": "600.00", "client_id": None}
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "validation_error"
    too_far = client.post(
        url,
        headers=b.headers(agent),
        json={**body, "due_date": days(40).isoformat(), "client_id": None},
    )
    assert too_far.status_code == 422
    assert len(client.get(url, headers=b.headers(agent)).json()["items"]) == 2


def test_promise_kpis(client, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session)
    account = b.account(session, portfolio, agent=agent, principal=50_000)
    _promise(session, account, 20_000, today())
    pay(session, account, 20_000, "k")
    promises.check_open_promises(session, SYSTEM, today_by_portfolio={portfolio.id: today()})
    kpis = client.get(
        "/api/v1/promises/kpis",
        headers=b.headers(supervisor),
        params={"portfolio_id": str(portfolio.id)},
    ).json()
    assert kpis == [
        {
            "currency": "PEN",
            "made": 1,
            "kept": 1,
            "partially_kept": 0,
            "broken": 0,
            "open": 0,
            "amount_promised_minor": 20_000,
            "amount_kept_minor": 20_000,
        }
    ]


def test_a_promise_paid_the_evening_it_was_made_is_kept(session: Session) -> None:
    """Made at 21:30 in Lima (02:30 UTC the next day) and paid that evening: the payment's
    effective date is the local day, which is the promise's first day too."""
    portfolio = lima(session)
    account = b.account(session, portfolio, principal=50_000)
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=ZoneInfo("America/Lima"))
    promise = _promise(session, account, 20_000, today())
    promise.created_at = evening.astimezone(UTC)
    promise.due_date = date(2026, 3, 12)
    session.add(promise)
    session.flush()
    pay(session, account, 20_000, "evening", on=date(2026, 3, 10))
    result = promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={portfolio.id: date(2026, 3, 20)}
    )
    assert (result.kept, result.broken) == (1, 0)
