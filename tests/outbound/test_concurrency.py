"""Reminders under concurrent writers, on committed data (SQLite serialises writers; PostgreSQL
runs them at once): planners of the same day, and a provider's status callbacks to a real
server arriving together and out of order."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import Engine, func, select
from twilio.request_validator import RequestValidator

from backend.app import create_app
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import Debtor
from backend.outbound.channels.sms import STATUS_CALLBACK_PATH
from backend.outbound.models import StrategyEnrolment
from backend.outbound.planner import PlanReport, plan_portfolio
from backend.outbound.service import preview_plan
from shared.schemas.contact import AttemptStatus
from tests import builders as b
from tests.live import serve
from tests.outbound.test_planner import DAY, EARLY, _account, _portfolio
from tests.outbound.test_sending import _seed

T = TypeVar("T")
SYSTEM = Actor.system()
TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://cobro.example.com"
ACCOUNTS = 28  # in _planned_world


def at_once(task: Callable[[int], T], count: int) -> list[T]:
    """``task(i)`` in ``count`` threads released together."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _count(engine: Engine, query) -> int:
    with session_scope(engine, write=False) as session:
        return session.execute(query).scalar_one()


# --- planners -------------------------------------------------------------------------------


def _planned_world(engine: Engine):
    """Two steps firing today for 24 accounts: most reachable, some without a phone, some
    opted out of WhatsApp, and debtors with two accounts under a one-a-day cap."""
    with session_scope(engine) as session:
        portfolio = _portfolio(session)
        portfolio.contact_rules = {"caps": [{"limit": 1, "period": "day"}]}
        session.add(portfolio)
        for i in range(24):
            due = DAY - timedelta(days=7) if i % 3 else DAY + timedelta(days=3)
            account = _account(session, portfolio, due, phone=i % 8 != 0)
            if i % 5 == 0:
                debtor = session.get(Debtor, account.debtor_id)
                debtor.opt_outs = ["whatsapp"]
                session.add(debtor)
            if i % 6 == 0:  # a second account of the same debtor
                owner = session.get(Debtor, account.debtor_id)
                b.account(session, portfolio, owner=owner, due_date=DAY - timedelta(days=7))
        return portfolio.id


@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "new-accounts"])
def test_two_planners_at_once_plan_each_contact_once(
    committed_engine: Engine, enrolled: bool
) -> None:
    """As the quarter-hourly job finds them (the accounts already follow their strategy, so
    neither planner waits on the other's enrolments and both find the day's contacts new), and
    on the first day (both enrol the same accounts)."""
    portfolio_id = _planned_world(committed_engine)
    if enrolled:
        with session_scope(committed_engine) as session:  # the day before: plans nothing
            day_before = DAY - timedelta(days=1)
            before = plan_portfolio(session, SYSTEM, portfolio_id, day_before, now=EARLY)
        assert before.enrolled == ACCOUNTS and not before.counts
    with session_scope(committed_engine) as session:  # a single run, rolled back
        single = preview_plan(session, SYSTEM, portfolio_id, DAY)
    expected = Counter(
        {(x.step, x.channel, x.outcome, x.rule or ""): x.count for x in single.lines}
    )
    assert single.planned > 10 and len(expected) >= 4  # planned, deferred and refused contacts
    assert single.enrolled == (0 if enrolled else ACCOUNTS)

    def plan(_: int) -> PlanReport:
        with session_scope(committed_engine) as session:
            return plan_portfolio(session, SYSTEM, portfolio_id, DAY, now=EARLY)

    reports = at_once(plan, 2)

    assert sum((r.counts for r in reports), Counter()) == expected
    assert sum(r.enrolled for r in reports) == single.enrolled
    logged = sum(expected.values())
    attempts = select(func.count()).select_from(ContactAttempt)
    keys = select(func.count(func.distinct(ContactAttempt.key)))
    events = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_type == "contact_attempt")
    )
    enrolments = select(func.count()).select_from(StrategyEnrolment)
    assert _count(committed_engine, attempts) == _count(committed_engine, keys) == logged
    assert _count(committed_engine, events) == logged
    assert _count(committed_engine, enrolments) == ACCOUNTS


# --- status callbacks ---------------------------------------------------------------------


@pytest.fixture
def server(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API on a real server over the committed database, with Twilio configured."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    monkeypatch.setenv("COBRO_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("COBRO_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("COBRO_TWILIO_FROM", "+15005550006")
    monkeypatch.setenv("COBRO_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    with serve(create_app()) as url:
        yield url
    get_settings.cache_clear()


def _sent_sms(engine: Engine) -> ContactAttempt:
    """A reminder sent by SMS (its step falls back to e-mail), as the sender leaves it."""
    with session_scope(engine) as session:
        _seed(session)
        attempt = session.execute(select(ContactAttempt)).scalar_one()
        attempt.status, attempt.provider_ref = AttemptStatus.sent, "SM" + "0" * 31 + "7"
        session.add(attempt)
        return attempt


def _post_status(url: str, attempt: ContactAttempt, status: str, **extra: str) -> int:
    query = urlencode({"key": attempt.key})
    form = {"MessageSid": str(attempt.provider_ref), "MessageStatus": status, **extra}
    signature = RequestValidator(TOKEN).compute_signature(
        f"{PUBLIC}{STATUS_CALLBACK_PATH}?{query}", form
    )
    response = httpx.post(
        f"{url}{STATUS_CALLBACK_PATH}?{query}",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )
    return response.status_code


def _state(engine: Engine, attempt: ContactAttempt) -> tuple[AttemptStatus, list[str], int]:
    """The attempt's status, its audit actions in order, and how many contacts its step has."""
    with session_scope(engine, write=False) as session:
        status = session.get(ContactAttempt, attempt.id).status
        actions = list(
            session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity_id == str(attempt.id))
                .order_by(AuditEvent.at, AuditEvent.id)
            ).scalars()
        )
        contacts = session.execute(
            select(func.count()).where(ContactAttempt.account_id == attempt.account_id)
        ).scalar_one()
    return status, actions, contacts


def test_the_same_callback_at_once_changes_the_reminder_once(
    committed_engine: Engine, server: str
) -> None:
    attempt = _sent_sms(committed_engine)
    _, before, _ = _state(committed_engine, attempt)

    answers = at_once(lambda _: _post_status(server, attempt, "delivered"), 4)

    assert answers == [204] * 4
    status, actions, contacts = _state(committed_engine, attempt)
    assert status == AttemptStatus.delivered
    assert actions[len(before) :] == ["contact.delivered"] and contacts == 1


def test_statuses_out_of_order_at_once_end_at_the_furthest(
    committed_engine: Engine, server: str
) -> None:
    attempt = _sent_sms(committed_engine)
    _, before, _ = _state(committed_engine, attempt)
    statuses = ["read", "delivered", "sent", "delivered", "read", "sent"]

    answers = at_once(lambda i: _post_status(server, attempt, statuses[i]), len(statuses))

    assert answers == [204] * len(statuses)
    status, actions, contacts = _state(committed_engine, attempt)
    assert status == AttemptStatus.read and contacts == 1
    changes = [AttemptStatus(a.removeprefix("contact.")) for a in actions[len(before) :]]
    # One event per real change: each moved the reminder forward, the last to read.
    assert changes[-1] == AttemptStatus.read and changes in (
        [AttemptStatus.read],
        [AttemptStatus.delivered, AttemptStatus.read],
    )


def test_failures_at_once_fall_back_once(committed_engine: Engine, server: str) -> None:
    attempt = _sent_sms(committed_engine)
    _, before, _ = _state(committed_engine, attempt)
    statuses = ["undelivered", "failed", "delivered", "undelivered"]

    answers = at_once(
        lambda i: _post_status(server, attempt, statuses[i], ErrorCode="30003"), len(statuses)
    )

    assert answers == [204] * len(statuses)
    status, actions, contacts = _state(committed_engine, attempt)
    assert status == AttemptStatus.failed
    assert actions[len(before) :].count("contact.failed") == 1
    assert set(actions[len(before) :]) <= {"contact.delivered", "contact.failed"}
    assert contacts == 2  # the one fall-back, to e-mail
    fallbacks = select(func.count()).where(ContactAttempt.key == f"{attempt.key}|email")
    assert _count(committed_engine, fallbacks) == 1
