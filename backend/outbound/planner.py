"""Plan a portfolio's reminders for one local day.

1. Accounts not yet in a strategy join the first whose segment takes them (lowest priority
   first), at its newest version, and keep that version (one INSERT ... SELECT per strategy).
   A strategy naming ``segments`` takes only accounts the last segment evaluation put in one
   of them (``backend.segments``).
2. Each step of each strategy version in use finds the accounts it fires for that day
   (``triggers``: one query per step, stop conditions included).
3. Each candidate is judged by the contact rules, channel by channel in the step's order: the
   first channel allowed (now, or within :data:`MAX_DELAY`) is planned at that time; when none
   is, what held it back is logged on the channel it held back, with its rule (see
   :func:`_choose`). Candidates are judged in
   time order against the debtor's log plus what this run already planned, so caps hold within
   the run; the debtors are locked first, so they hold against other writers too.
4. The contacts are logged in the contact-attempt log under a key per (strategy version, step,
   account, occurrence): planning a day again adds nothing. An account planned for a step
   with a running experiment gets its variant then (``backend.experiments``).

The work is a fixed number of queries per step and per 1,000 candidates; the rules are judged
in Python only for accounts a step fires for.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact import repository as contacts
from backend.contact.policy import Attempt, Consent, Decision, day_start, decide
from backend.contact.rules import RuleSet
from backend.contact.service import HISTORY, rules_of
from backend.core.clock import utcnow
from backend.core.ids import uuid7
from backend.creditors.service import get_portfolio
from backend.experiments import service as experiments
from backend.outbound import repository
from backend.outbound.models import StrategyEnrolment
from backend.outbound.triggers import OPEN, Day, firing
from backend.segments import repository as segments
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import BUCKET_RANGES, AgingBucket, Channel
from shared.schemas.outbound import Step, StrategyDefinition

# A reminder the rules hold back is planned later only this far; beyond, it is logged deferred.
MAX_DELAY = timedelta(days=3)


@dataclass
class PlanReport:
    portfolio_id: uuid.UUID
    day: date
    paused: bool = False
    enrolled: int = 0
    # (step, channel, outcome, rule) -> contacts
    counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)

    @property
    def planned(self) -> int:
        return sum(n for (_, _, outcome, _), n in self.counts.items() if outcome == "planned")


@dataclass(frozen=True, slots=True)
class _Candidate:
    key: str
    strategy_id: uuid.UUID
    step: Step
    account_id: uuid.UUID
    debtor_id: uuid.UUID
    earliest: datetime


def plan_portfolio(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, day: date, now: datetime | None = None
) -> PlanReport:
    portfolio = get_portfolio(session, portfolio_id)
    zone = ZoneInfo(portfolio.timezone)
    span = Day(day, day_start(day, zone), day_start(day + timedelta(days=1), zone))
    report = PlanReport(portfolio_id, day)
    if repository.portfolio_paused(session, portfolio_id):
        report.paused = True
        return report
    report.enrolled = _enrol(session, portfolio_id, span)
    from_ = max(span.start, now or utcnow())
    candidates = _candidates(session, portfolio_id, span, from_)
    known = contacts.existing_keys(session, [c.key for c in candidates])
    candidates = [c for c in candidates if c.key not in known]
    if not candidates:
        return report
    debtor_ids = sorted({c.debtor_id for c in candidates})
    contacts.lock_debtors(session, debtor_ids)
    consent = contacts.consent_facts(session, debtor_ids)
    disputed = repository.disputed_accounts(session, [c.account_id for c in candidates])
    history: dict[uuid.UUID, list[Attempt]] = defaultdict(list)
    history.update(
        contacts.histories(session, set(debtor_ids), span.start - HISTORY, span.end + HISTORY)
    )
    last = repository.last_reminders(session, [c.account_id for c in candidates])
    rules = rules_of(portfolio)
    rows = []
    for c in sorted(candidates, key=lambda c: (c.earliest, c.key)):
        reachable, opted_out = consent[c.debtor_id]
        debtor_consent = Consent(reachable, opted_out, c.account_id in disputed)
        earliest = c.earliest
        if c.account_id in last:
            earliest = max(earliest, last[c.account_id] + timedelta(hours=c.step.wait_hours))
        channel, decision = _choose(
            c.step, earliest, history[c.debtor_id], debtor_consent, reachable, rules, zone
        )
        planned = decision.at is not None and decision.at - earliest <= MAX_DELAY
        status = (
            AttemptStatus.planned
            if planned
            else AttemptStatus.refused
            if decision.outcome == "refused"
            else AttemptStatus.deferred
        )
        at = decision.at if planned and decision.at else earliest
        if planned:
            history[c.debtor_id].append(Attempt(at, channel))
            last[c.account_id] = at
        rows.append(_row(c, portfolio.id, channel, at, status, decision))
    inserted = set(contacts.insert_many(session, rows))
    experiments.assign_planned(
        session,
        portfolio.id,
        [
            (row["strategy_id"], row["step"], row["account_id"])  # type: ignore[misc]
            for row in rows
            if row["id"] in inserted and row["status"] is AttemptStatus.planned
        ],
        day,
    )
    for row in rows:  # what this run logged (a concurrent run may have logged a key first)
        if row["id"] in inserted:
            key = (str(row["step"]), row["channel"].value, row["status"].value, row["rule"] or "")
            report.counts[key] += 1
    audit.record_many(
        session,
        [
            audit.event_row(
                actor,
                f"contact.{row['status'].value}",
                "contact_attempt",
                row["id"],
                after={
                    "channel": row["channel"].value,
                    "at": row["at"].isoformat(),
                    "rule": row["rule"],
                },
                account_id=row["account_id"],
            )
            for row in rows
            if row["id"] in inserted
        ],
    )
    return report


def _choose(
    step: Step,
    earliest: datetime,
    history: list[Attempt],
    consent: Consent,
    reachable: frozenset[Channel],
    rules: RuleSet,
    zone: ZoneInfo,
) -> tuple[Channel, Decision]:
    """The first of the step's channels the debtor can be reached on and the rules allow soon
    enough. Else what held the contact back, on the channel it held back: the earliest deferral
    among the channels the debtor can be reached on, else the first of their refusals, else
    (reachable on none) the step's first channel, refused for want of contact data."""
    deferrals: list[tuple[datetime, Channel, Decision]] = []
    refused: tuple[Channel, Decision] | None = None
    for channel in step.channels:
        if channel not in reachable:  # no number or address to send it to
            continue
        decision = decide(rules, zone, consent, history, channel, earliest)
        if decision.at is None:
            refused = refused or (channel, decision)
        elif decision.at - earliest <= MAX_DELAY:
            return channel, decision
        else:
            deferrals.append((decision.at, channel, decision))
    if deferrals:
        _, channel, decision = min(deferrals, key=lambda found: found[0])
        return channel, decision
    return refused or (step.channels[0], Decision("refused", None, "no_contact_data"))


def _row(
    c: _Candidate,
    portfolio_id: uuid.UUID,
    channel: Channel,
    at: datetime,
    status: AttemptStatus,
    decision: Decision,
) -> dict[str, object]:
    return {
        "id": uuid7(),
        "key": c.key,
        "portfolio_id": portfolio_id,
        "debtor_id": c.debtor_id,
        "account_id": c.account_id,
        "channel": channel,
        "source": "reminder",
        "at": at,
        "status": status,
        "rule": decision.rule,
        "until": decision.at if status is AttemptStatus.deferred else None,
        "outcome": None,
        "strategy_id": c.strategy_id,
        "step": c.step.id,
        "created_at": utcnow(),
    }


def _candidates(
    session: Session, portfolio_id: uuid.UUID, span: Day, from_: datetime
) -> list[_Candidate]:
    found = []
    for strategy in repository.strategies_in_use(session, portfolio_id):
        definition = StrategyDefinition.model_validate(strategy.definition)
        for step in definition.steps:
            wait = timedelta(hours=step.trigger.hours or 0)
            for account_id, debtor_id, occurrence, event_at in session.execute(
                firing(strategy.id, step, span)
            ):
                earliest = max(from_, event_at + wait) if event_at else from_
                key = f"r:{strategy.id}:{step.id}:{account_id}:{occurrence}"
                found.append(_Candidate(key, strategy.id, step, account_id, debtor_id, earliest))
    return found


def _enrol(session: Session, portfolio_id: uuid.UUID, span: Day) -> int:
    """Accounts of the portfolio in no strategy join the first whose segment takes them."""
    strategies = sorted(
        repository.latest_strategies(session, portfolio_id),
        key=lambda s: (StrategyDefinition.model_validate(s.definition).priority, s.name),
    )
    enrolled = 0
    for strategy in strategies:
        segment = StrategyDefinition.model_validate(strategy.definition).segment
        conditions = [
            Account.portfolio_id == portfolio_id,
            col(Account.status).in_(OPEN),
            Account.balance_minor > 0,
            Account.balance_minor >= segment.min_balance_minor,
        ]
        if segment.max_balance_minor is not None:
            conditions.append(Account.balance_minor <= segment.max_balance_minor)
        if segment.products:
            conditions.append(col(Account.product).in_(segment.products))
        if segment.aging_buckets:
            conditions.append(_in_buckets(segment.aging_buckets, span.day))
        if segment.segments:
            conditions.append(segments.in_segments(segment.segments))
        chosen = select(Account.id, literal(strategy.id), literal(utcnow())).where(*conditions)
        # ON CONFLICT, not NOT EXISTS: an anti-join of a table with itself while it fills is
        # planned as a nested loop when its statistics say it is empty (quadratic).
        table = StrategyEnrolment.__table__
        statement = (
            _insert(session)(table)
            .from_select(["account_id", "strategy_id", "enrolled_at"], chosen)
            .on_conflict_do_nothing(index_elements=["account_id"])
            .returning(table.c.account_id)
        )
        enrolled += len(session.execute(statement).all())
    return enrolled


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _in_buckets(buckets: list[AgingBucket], day: date) -> ColumnElement[bool]:
    """The account's days past due on ``day`` fall in one of ``buckets`` (as due-date ranges)."""
    ranges: list[ColumnElement[bool]] = []
    for bucket in buckets:
        low, high = BUCKET_RANGES[bucket]
        if low == 0:  # current: not past due yet
            ranges.append(Account.due_date >= day)
            continue
        overdue = Account.due_date <= day - timedelta(days=low)
        if high is not None:
            overdue = and_(overdue, Account.due_date >= day - timedelta(days=high))
        ranges.append(overdue)
    return or_(*ranges)
