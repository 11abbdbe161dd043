"""Deciding and logging a contact is one step per debtor: logged once per key, refusals and
deferrals logged with their rule, and caps held when several workers decide at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.contact.policy import Attempt
from backend.contact.rules import rules_for
from backend.contact.service import ContactRequest, reserve
from backend.core.db import new_session, unit_of_work
from backend.debtors.models import Debtor
from shared.schemas.contact import COUNTED_STATUSES, AttemptStatus
from shared.schemas.enums import AccountStatus, Channel
from tests import builders as b
from tests.conftest import Database
from tests.contact.test_policy_properties import breaches

SANTIAGO = ZoneInfo("America/Santiago")
SYSTEM = Actor("system", None)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SANTIAGO)


def _request(account, key: str, channel: Channel = Channel.sms, at: datetime = MONDAY):
    return ContactRequest(key, account.debtor_id, account.id, channel, at, "reminder")


def _chilean_account(session: Session, **kw):
    portfolio = b.portfolio(
        session, currency="CLP", country="CL", tz="America/Santiago", contact_rules={}
    )
    return b.account(
        session, portfolio, owner=b.debtor(session, portfolio, phone="+56912345678"), **kw
    )


def test_a_key_is_logged_once_with_one_audit_event(session: Session) -> None:
    account = _chilean_account(session)
    first = reserve(session, SYSTEM, _request(account, "step-1:2026-11-30"))
    again = reserve(session, SYSTEM, _request(account, "step-1:2026-11-30"))
    assert first.id == again.id and first.status == AttemptStatus.planned
    assert session.execute(select(func.count()).select_from(ContactAttempt)).scalar() == 1
    logged = select(AuditEvent).where(AuditEvent.entity_type == "contact_attempt")
    events = session.execute(logged).scalars().all()
    assert [(e.action, e.entity_id) for e in events] == [("contact.planned", str(first.id))]


def test_deferrals_and_refusals_are_logged_with_their_rule(session: Session) -> None:
    account = _chilean_account(session)
    reserve(session, SYSTEM, _request(account, "a"))
    spaced = reserve(session, SYSTEM, _request(account, "b", at=MONDAY + timedelta(hours=3)))
    assert (spaced.status, spaced.rule) == (AttemptStatus.deferred, "spacing")
    assert spaced.until == MONDAY + timedelta(days=2)
    colombia = b.portfolio(session, currency="COP", country="CO", tz="America/Bogota")
    colombia.contact_rules = {}  # authorised channels only: the file has no e-mail address
    in_colombia = b.account(session, colombia, owner=b.debtor(session, colombia))
    no_email = reserve(session, SYSTEM, _request(in_colombia, "c", Channel.email))
    assert (no_email.status, no_email.rule) == (AttemptStatus.refused, "not_authorised")
    disputed = _chilean_account(session, status=AccountStatus.disputed)
    frozen = reserve(session, SYSTEM, _request(disputed, "d"))
    assert (frozen.status, frozen.rule, frozen.until) == (AttemptStatus.refused, "disputed", None)
    debtor = session.get(Debtor, account.debtor_id)
    assert debtor is not None
    debtor.opt_outs = ["whatsapp"]
    session.add(debtor)
    opted = reserve(session, SYSTEM, _request(account, "e", Channel.whatsapp))
    assert (opted.status, opted.rule) == (AttemptStatus.refused, "opted_out")


WORKERS = 8


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(offsets=st.lists(st.integers(0, 6 * 24 * 60), min_size=WORKERS, max_size=WORKERS))
def test_concurrent_workers_never_break_a_cap(database: Database, offsets: list[int]) -> None:
    """Eight workers ask at once to message one Chilean debtor at random times of one week:
    written channels two a week, 48 hours apart. Whatever the interleaving, the planned
    contacts keep the rules."""
    engine = database.fresh_copy()
    try:
        with Session(engine) as session:
            account = _chilean_account(session)
            session.commit()
            session.refresh(account)
        barrier = threading.Barrier(WORKERS)
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            request = _request(account, f"w{n}", at=MONDAY + timedelta(minutes=offsets[n]))
            session = new_session(engine)
            try:
                barrier.wait()
                unit_of_work(session, lambda: reserve(session, SYSTEM, request))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                session.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with Session(engine) as session:
            rows = session.execute(select(ContactAttempt)).scalars().all()
        assert len(rows) == WORKERS
        planned = [Attempt(r.at, r.channel) for r in rows if r.status in COUNTED_STATUSES]
        assert planned
        assert breaches(rules_for("CL"), SANTIAGO, planned) == []
    finally:
        engine.dispose()
