"""Shared set-up for field tests: a Lima team, located accounts, sync actions."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Account
from backend.creditors.models import Portfolio
from backend.debtors.models import DebtorAddress
from backend.field.models import AgentShift
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.plans.helpers import today

#: Plaza Mayor, Lima: where the agent starts.
START = (-12.0464, -77.0300)
#: Degrees of latitude per metre, near enough for placing test stops.
DEG_PER_M = 1 / 111_320
_ids = itertools.count(1)


def team(session: Session) -> tuple[User, User]:
    supervisor = b.user(session, Role.supervisor)
    return supervisor, b.user(session, Role.agent, supervisor=supervisor)


def north(metres: float, of: tuple[float, float] = START) -> tuple[float, float]:
    return (of[0] + metres * DEG_PER_M, of[1])


def located_account(
    session: Session,
    portfolio: Portfolio,
    agent: User | None,
    at: tuple[float, float] | None,
    **kw: Any,
) -> Account:
    """An account whose debtor lives at ``at`` (None: an address without coordinates)."""
    debtor = b.debtor(session, portfolio, phone=f"+5199{next(_ids):07d}")
    session.add(
        DebtorAddress(
            debtor_id=debtor.id,
            line1=f"Jr. de la Unión {next(_ids)}",
            city="Lima",
            country="PE",
            latitude=at[0] if at else None,
            longitude=at[1] if at else None,
        )
    )
    session.flush()
    return b.account(session, portfolio, agent=agent, owner=debtor, **kw)


def client_id() -> str:
    return f"dev1-{uuid.uuid4().hex}"


def action(
    kind: str,
    payload: dict[str, Any],
    account: Account | None = None,
    *,
    at: datetime | None = None,
    cid: str | None = None,
) -> dict[str, Any]:
    return {
        "client_id": cid or client_id(),
        "type": kind,
        "account_id": str(account.id) if account else None,
        "recorded_at": (at or datetime.now(UTC)).isoformat(),
        "payload": payload,
    }


def visit(
    account: Account,
    at: tuple[float, float] | None = None,
    *,
    when: datetime | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """A visit checked in at ``at`` (GPS) at device time ``when`` (default now)."""
    payload: dict[str, Any] = {"outcome": kw.pop("outcome", "not_home"), **kw}
    if at:
        payload |= {"latitude": at[0], "longitude": at[1], "accuracy_m": 12.5}
    return action("visit", payload, account, at=when)


def payment(account: Account, amount: str, receipt: str, **kw: Any) -> dict[str, Any]:
    payload = {
        "amount": amount,
        "currency": account.currency,
        "method": "cash",
        "receipt_number": receipt,
        "paid_on": today().isoformat(),
        **kw,
    }
    return action("payment", payload, account)


def promise(account: Account, amount: str, days_ahead: int = 3) -> dict[str, Any]:
    due = today() + timedelta(days=days_ahead)
    payload = {"amount": amount, "currency": account.currency, "due_date": due.isoformat()}
    return action("promise", payload, account)


def pings(*points: tuple[datetime, tuple[float, float]]) -> dict[str, Any]:
    return action(
        "location",
        {
            "points": [
                {"recorded_at": t.isoformat(), "latitude": p[0], "longitude": p[1]}
                for t, p in points
            ]
        },
    )


def sync(
    client: TestClient,
    user: User,
    actions: list[dict[str, Any]],
    cursor: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/field/sync",
        json={"device_id": "phone-1", "cursor": cursor, "actions": actions},
        headers=b.headers(user, lang),
    )
    assert response.status_code == 200, response.text
    return response.json()


def statuses(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["code"]) for r in body["results"]]


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop as :func:`backend.routing.tour.order_stops` takes it."""

    id: uuid.UUID
    lat: float | None
    lon: float | None


def shift(
    session: Session,
    agent: User,
    *,
    start: tuple[float, float] | None = START,
    hours: tuple[time, time] = (time(8), time(17)),
    mode: str = "walking",
    visit_minutes: int = 10,
) -> AgentShift:
    """A stored shift for ``agent`` (by default: from Plaza Mayor, 08:00-17:00 on foot)."""
    row = AgentShift(
        agent_id=agent.id,
        start_latitude=start[0] if start else None,
        start_longitude=start[1] if start else None,
        start_time=hours[0],
        end_time=hours[1],
        mode=mode,
        visit_minutes=visit_minutes,
    )
    session.add(row)
    session.flush()
    return row
