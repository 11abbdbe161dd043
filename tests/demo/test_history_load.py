"""The demo's past once loaded: rows consistent with the accounts, invisible to today's contact
rules and field day, and visible to the KPI dashboard and the propensity model's features."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.accounts.models import Account
from backend.analytics import service as analytics
from backend.analytics.filters import Filters
from backend.contact import repository as contacts
from backend.contact.models import ContactAttempt
from backend.contact.service import HISTORY
from backend.core.clock import today_in, utcnow
from backend.creditors.models import Creditor
from backend.debtors.models import Debtor
from backend.demo.catalog import MARKETS
from backend.demo.commands import load
from backend.field import repository as field
from backend.field.models import Visit
from backend.promises.models import Promise
from backend.scoring import features
from backend.users.models import User
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import PromiseStatus

DEBTORS = 60


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def test_the_past_is_loaded_with_each_account_and_its_agent(session: Session) -> None:
    summary = load(session, debtors=DEBTORS, seed=7)
    assert summary is not None and summary.promises and summary.visits
    assert count(session, Promise) == summary.promises
    assert count(session, Visit) == summary.visits
    assert count(session, ContactAttempt) == summary.contacts > summary.visits
    statuses = Counter(session.exec(select(Promise.status)))
    assert statuses[PromiseStatus.kept] and statuses[PromiseStatus.broken]
    assert not statuses[PromiseStatus.open]
    holders = dict(session.exec(select(Account.id, Account.assigned_agent_id)).all())
    attempts = {a.key: a for a in session.exec(select(ContactAttempt))}
    for visit in session.exec(select(Visit)):
        assert visit.agent_id == holders[visit.account_id]  # only the agent holding it
        logged = attempts[f"visit:{visit.client_id}"]
        assert logged.status == AttemptStatus.done and logged.at == visit.checked_in_at
        assert logged.outcome == visit.outcome.value
    for promise in session.exec(select(Promise).where(col(Promise.recorded_by_id).is_not(None))):
        assert promise.recorded_by_id == holders[promise.account_id]


def test_nothing_of_it_holds_a_contact_back_or_changes_the_field_day(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    now = utcnow()
    quiet = now - HISTORY
    assert session.exec(select(func.max(ContactAttempt.at))).one() < quiet
    assert session.exec(select(func.max(Visit.checked_in_at))).one() < quiet
    assert session.exec(select(func.max(Promise.resolved_at))).one() < quiet
    debtors = set(session.exec(select(Debtor.id)))
    assert not contacts.histories(session, debtors, now - HISTORY, now + HISTORY)
    agents = [user(session, m.agent).id for m in MARKETS if m.agent]
    today = today_in(MARKETS[0].timezone)
    assert not field.promises_due(session, agents, today)
    assert not field.outcomes_between(session, agents, quiet, now + HISTORY)


def test_the_dashboard_and_the_model_see_the_past(session: Session) -> None:
    load(session, debtors=DEBTORS, seed=7)
    today = utcnow().date()
    admin = user(session, "admin@demo.cobro")
    f = Filters.of(admin, date_from=today - timedelta(days=180), date_to=today)
    promises = analytics.portfolio(session, f).promises
    assert sum(p.made for p in promises) and sum(p.kept for p in promises)
    assert sum(p.broken for p in promises) and sum(p.received_minor for p in promises)
    channels = analytics.channels(session, f)
    assert {c.channel for c in channels} == {"whatsapp", "sms"}
    assert sum(c.read for c in channels) and sum(c.delivered for c in channels)
    agents = analytics.agents(session, f)
    assert all(a.visits and a.contacts and a.promises for a in agents)
    totals: Counter[str] = Counter()
    for creditor_id in session.exec(select(Creditor.id)):
        for row in features.rows(session, creditor_id, today - timedelta(days=30)):
            totals.update(row.numeric)
    for name in ("promises_kept", "promises_broken", "contacts_90d", "replies_90d", "visits_90d"):
        assert totals[name] > 0, name
