"""Planning a day: accounts join the strategy their segment matches, each step fires for the
accounts its trigger names, the contact rules pick the channel and the time, stop conditions
and pauses hold, and planning again adds nothing."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned
from backend.debtors.models import Debtor
from backend.outbound.models import MessageTemplate, OutboundPause, Strategy
from backend.outbound.planner import plan_portfolio
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import AccountStatus, ActionChannel, Channel, Language
from tests import builders as b

LIMA = ZoneInfo("America/Lima")
DAY = date(2026, 12, 10)  # a Thursday
EARLY = datetime(2026, 12, 10, 6, 0, tzinfo=LIMA)
SYSTEM = Actor("system", None)
STEPS = [
    {
        "id": "mora7",
        "trigger": {"kind": "days_past_due", "days": 7},
        "channels": ["whatsapp", "sms"],
        "template": "saldo",
    },
    {
        "id": "antes",
        "trigger": {"kind": "due_in_days", "days": 3},
        "channels": ["sms"],
        "template": "saldo",
    },
]


def _portfolio(session: Session):
    portfolio = b.portfolio(session, contact_rules={})  # Peru's law: Mon-Fri 07:00-20:00
    session.add(
        MessageTemplate(
            portfolio_id=portfolio.id,
            name="saldo",
            language=Language.es,
            body="Saldo {{ balance }}",
        )
    )
    session.add(
        Strategy(
            portfolio_id=portfolio.id,
            name="cobranza",
            version=1,
            definition={"segment": {"aging_buckets": ["current", "1-30"]}, "steps": STEPS},
        )
    )
    session.flush()
    return portfolio


def _account(session: Session, portfolio, due: date, phone: bool = True, **kw):
    debtor = b.debtor(session, portfolio, phone=f"+5198{b.n():07d}" if phone else None)
    return b.account(session, portfolio, owner=debtor, due_date=due, **kw)


def _attempts(session: Session) -> dict:
    rows = session.execute(select(ContactAttempt)).scalars().all()
    return {r.account_id: r for r in rows}


def test_a_day_planned_by_the_rules(session: Session) -> None:
    portfolio = _portfolio(session)
    overdue = _account(session, portfolio, DAY - timedelta(days=7))
    soon = _account(session, portfolio, DAY + timedelta(days=3))
    no_whatsapp = _account(session, portfolio, DAY - timedelta(days=7))
    debtor = session.get(Debtor, no_whatsapp.debtor_id)
    debtor.opt_outs = ["whatsapp"]
    session.add(debtor)
    no_phone = _account(session, portfolio, DAY - timedelta(days=7), phone=False)
    _account(session, portfolio, DAY - timedelta(days=7), status=AccountStatus.disputed)
    _account(session, portfolio, DAY - timedelta(days=45))  # another segment
    _account(session, portfolio, DAY - timedelta(days=6))  # no step today
    session.flush()

    report = plan_portfolio(
        session, SYSTEM, portfolio.id, DAY, now=EARLY.astimezone(ZoneInfo("UTC"))
    )

    seven = datetime(2026, 12, 10, 7, 0, tzinfo=LIMA)
    logged = _attempts(session)
    assert set(logged) == {overdue.id, soon.id, no_whatsapp.id, no_phone.id}
    assert (logged[overdue.id].channel, logged[overdue.id].status) == (
        Channel.whatsapp,
        AttemptStatus.planned,
    )
    assert logged[overdue.id].at == seven and logged[overdue.id].rule == "hours"
    assert (logged[soon.id].step, logged[soon.id].channel) == ("antes", Channel.sms)
    assert logged[no_whatsapp.id].channel == Channel.sms
    assert (logged[no_phone.id].status, logged[no_phone.id].rule) == (
        AttemptStatus.refused,
        "no_contact_data",
    )
    assert report.enrolled == 6 and report.planned == 3
    assert report.counts[("mora7", "whatsapp", "planned", "hours")] == 1
    events = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_type == "contact_attempt")
    ).scalar()
    assert events == 4

    again = plan_portfolio(
        session, SYSTEM, portfolio.id, DAY, now=EARLY.astimezone(ZoneInfo("UTC"))
    )
    assert again.enrolled == 0 and sum(again.counts.values()) == 0
    assert len(_attempts(session)) == 4


def test_caps_hold_within_one_run_and_pauses_stop_everything(session: Session) -> None:
    portfolio = _portfolio(session)
    portfolio.contact_rules = {"caps": [{"limit": 1, "period": "day"}]}
    session.add(portfolio)
    debtor = b.debtor(session, portfolio, phone="+51987000111")
    first = b.account(session, portfolio, owner=debtor, due_date=DAY - timedelta(days=7))
    second = b.account(session, portfolio, owner=debtor, due_date=DAY - timedelta(days=7))
    session.flush()

    plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=EARLY.astimezone(ZoneInfo("UTC")))

    logged = _attempts(session)
    times = sorted(logged[a.id].at for a in (first, second))
    assert times[1].astimezone(LIMA).date() > times[0].astimezone(LIMA).date()  # next day

    paused = b.portfolio(session)
    session.add(OutboundPause(scope=f"portfolio:{paused.id}", portfolio_id=paused.id))
    session.flush()
    assert plan_portfolio(session, SYSTEM, paused.id, DAY).paused


def test_every_trigger_runs_and_a_promise_due_today_fires(session: Session) -> None:
    from backend.outbound.triggers import Day, firing
    from backend.promises.models import Promise
    from shared.schemas.outbound import Step

    portfolio = _portfolio(session)
    promised = _account(session, portfolio, DAY - timedelta(days=20))
    session.add(
        Promise(
            account_id=promised.id,
            amount_minor=10_000,
            currency="PEN",
            due_date=DAY,
            channel=ActionChannel.agent,
            recorded_by_kind="agent",
        )
    )
    session.flush()
    start = datetime(2026, 12, 10, tzinfo=LIMA)
    span = Day(DAY, start, start + timedelta(days=1))
    strategy = session.execute(select(Strategy)).scalar_one()
    kinds = {
        "due_in_days": {"days": 1},
        "days_past_due": {"days": 1},
        "instalment_due_in_days": {"days": 1},
        "instalment_overdue_days": {"days": 1},
        "promise_due": {},
        "promise_broken": {},
        "plan_broken": {},
        "link_unpaid_hours": {"hours": 24},
        "imported": {},
        "after_step": {"step": "mora7", "hours": 24},
    }
    plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=EARLY)  # enrol the account
    fired = {}
    for kind, extra in kinds.items():
        step = Step.model_validate(
            {
                "id": "x",
                "trigger": {"kind": kind, **extra},
                "channels": ["sms"],
                "template": "saldo",
            }
        )
        fired[kind] = session.execute(firing(strategy.id, step, span)).all()
    promise_id = session.execute(select(Promise.id)).scalar_one()
    # The occurrence is the promise's id as the database writes it as text.
    assert [(a, uuid.UUID(o)) for a, _, o, _ in fired["promise_due"]] == [(promised.id, promise_id)]
    assert fired["days_past_due"] == [] and fired["plan_broken"] == []


def test_a_contact_held_back_is_logged_on_the_channel_that_held_it_back(
    session: Session,
) -> None:
    """Not on the first channel tried: a channel the debtor cannot be reached on held nothing
    back, and a channel open again in four days came closer than one opted out of."""
    from backend.outbound.service import preview_plan

    portfolio = _portfolio(session)
    sms_on_mondays = {"channels": ["sms"], "days": {"0": [["08:00", "12:00"]]}}
    weekdays = {"days": {str(d): [["07:00", "20:00"]] for d in range(5)}}
    portfolio.contact_rules = {"hours": [sms_on_mondays, weekdays]}
    strategy = session.execute(select(Strategy)).scalar_one()
    step = {**STEPS[0], "channels": ["whatsapp", "sms", "email"]}
    strategy.definition = {**strategy.definition, "steps": [step]}
    session.add_all([portfolio, strategy])
    overdue = DAY - timedelta(days=7)
    no_phone = _account(session, portfolio, overdue, phone=False)
    no_phone_debtor = session.get(Debtor, no_phone.debtor_id)
    no_phone_debtor.emails, no_phone_debtor.opt_outs = ["rosa@example.com"], ["email"]
    no_whatsapp = _account(session, portfolio, overdue)
    no_whatsapp_debtor = session.get(Debtor, no_whatsapp.debtor_id)
    no_whatsapp_debtor.opt_outs = ["whatsapp"]
    session.add_all([no_phone_debtor, no_whatsapp_debtor])
    session.flush()
    now = EARLY.astimezone(ZoneInfo("UTC"))

    with pinned(EARLY):
        preview = preview_plan(session, SYSTEM, portfolio.id, DAY)
    report = plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=now)

    logged = _attempts(session)
    opted_out = logged[no_phone.id]
    assert (opted_out.channel, opted_out.status, opted_out.rule) == (
        Channel.email,
        AttemptStatus.refused,
        "opted_out",
    )
    monday = datetime(2026, 12, 14, 8, 0, tzinfo=LIMA)
    later = logged[no_whatsapp.id]
    assert (later.channel, later.status, later.rule, later.until) == (
        Channel.sms,
        AttemptStatus.deferred,
        "hours",
        monday,
    )
    expected = {
        ("mora7", "email", "refused", "opted_out"): 1,
        ("mora7", "sms", "deferred", "hours"): 1,
    }
    assert dict(report.counts) == expected
    lines = {(x.step, x.channel, x.outcome, x.rule or ""): x.count for x in preview.lines}
    assert lines == expected
