"""The demo's past: promises to pay, reminders sent and field visits in the weeks before today.

Drawn from the debtor's hidden willingness, the habit behind their payments (so that a
propensity model finds signal in them too), with a random stream of the debtor's own: the rest
of the demo is what it was for a seed. Consistent with the ledger: a promise is kept or
partially kept by the payments effective from the day it was made through its date plus the
demo policy's grace days, and a broken one had none. A willing debtor reads their reminders
and keeps their promises; an unwilling one breaks them and refuses agents at the door.

Every contact is one the country's contact rules allowed at that time (hours, holidays, caps,
Colombia's one channel a week), chosen as the reminder planner chooses, and all of it ends
:data:`QUIET` before today: the contact rules look back :data:`HISTORY`, so nothing here holds a
contact back today or changes today's field worklist; no promise is open.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from backend.contact.policy import Attempt, Consent, decide
from backend.contact.rules import rules_for
from backend.contact.service import HISTORY
from backend.demo.catalog import Market
from backend.demo.policies import demo_policy
from backend.demo.reminders import STRATEGY
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import CREDIT_KINDS, Channel, EntryKind, PromiseStatus
from shared.schemas.field import VisitOutcome

if TYPE_CHECKING:
    from backend.demo.generator import AccountSpec, DebtorSpec

WINDOW = timedelta(days=90)
QUIET = HISTORY + timedelta(days=1)
GRACE = timedelta(days=demo_policy("PEN")["grace_days"])
MOST_AHEAD = timedelta(days=7)  # a kept promise was made at most this long before its payment
LONGEST_TERM = timedelta(days=10)  # between making a broken promise and its date
LONGEST_BROKEN = LONGEST_TERM + GRACE + timedelta(days=1)  # from making it to its breaking
SOON = timedelta(days=2)  # a contact the rules hold back longer than this is not made
VISIT = "visit"
STEPS = {step.id: step for step in STRATEGY.steps}
# (step, days from the due date) of the strategy's steps that follow the due date.
DUE_STEPS = (("antes", -3), ("mora7", 7), ("mora30", 30))
VISIT_COUNTS, VISIT_COUNT_WEIGHTS = (0, 1, 2, 3), (40, 35, 18, 7)
FAR_SHARE = 0.04


@dataclass(frozen=True, slots=True)
class PromiseSpec:
    made_at: datetime  # UTC
    due_date: date
    amount_minor: int
    paid_minor: int  # credits from the day it was made, when it was resolved
    status: PromiseStatus
    resolved_at: datetime  # UTC
    by_agent: bool  # recorded by the account's agent; else made through the WhatsApp bot


@dataclass(frozen=True, slots=True)
class ReminderSpec:
    step: str
    channel: Channel
    at: datetime  # UTC
    status: AttemptStatus


@dataclass(frozen=True, slots=True)
class VisitSpec:
    checked_in_at: datetime  # UTC
    minutes: int
    outcome: VisitOutcome
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class History:
    promises: tuple[PromiseSpec, ...] = ()
    reminders: tuple[ReminderSpec, ...] = ()
    visits: tuple[VisitSpec, ...] = ()


def with_history(
    rng: random.Random, market: Market, today: date, debtor: DebtorSpec, willing: float
) -> DebtorSpec:
    """``debtor`` with each account's history of the :data:`WINDOW` up to :data:`QUIET`
    before ``today``."""
    return _Past(rng, market, today, debtor, willing).debtor()


def reachable(debtor: DebtorSpec) -> frozenset[Channel]:
    """The channels the debtor's file gives contact data for (as ``contact.consent_facts``)."""
    found = {Channel.visit}  # every demo debtor has an address
    if debtor.phones:
        found |= {Channel.phone, Channel.sms, Channel.whatsapp}
    if debtor.emails:
        found.add(Channel.email)
    return frozenset(found)


def _credits(account: AccountSpec, start: date, end: date) -> int:
    return sum(
        e.amount_minor
        for e in account.entries
        if e.kind in CREDIT_KINDS and start <= e.effective_date <= end
    )


def _open_on(account: AccountSpec, day: date) -> bool:
    """Whether the account still owed something at the start of ``day``."""
    before = sum(e.signed_minor for e in account.entries if e.effective_date < day)
    return account.principal_minor + before > 0


class _Past:
    def __init__(
        self, rng: random.Random, market: Market, today: date, debtor: DebtorSpec, willing: float
    ) -> None:
        self.rng = rng
        self.market = market
        self.debtor_spec = debtor
        self.willing = willing
        self.first = today - WINDOW
        self.last = today - QUIET
        self.zone = ZoneInfo(market.timezone)
        self.rules = rules_for(market.country)
        self.reachable = reachable(debtor)
        self.consent = Consent(authorised=self.reachable, opted_out=frozenset(debtor.opt_outs))

    def at(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC) + timedelta(minutes=minute)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def debtor(self) -> DebtorSpec:
        accounts = self.debtor_spec.accounts
        promises = [self.promises(a) for a in accounts]
        candidates: list[tuple[datetime, int, str]] = []
        for index, account in enumerate(accounts):
            if account.disputed:  # a dispute freezes contact; its past is left out
                continue
            candidates += [
                (at, index, step) for at, step in self.occurrences(account, promises[index])
            ]
            if account.agent:
                candidates += [
                    (at, index, VISIT) for at in self.visit_times(account, promises[index])
                ]
        reminders: dict[int, list[ReminderSpec]] = defaultdict(list)
        visits: dict[int, list[VisitSpec]] = defaultdict(list)
        made: list[Attempt] = []
        for at, index, step in sorted(candidates):
            channels = (Channel.visit,) if step == VISIT else STEPS[step].channels
            chosen = self.allowed(made, channels, at)
            if chosen is None:
                continue
            channel, when = chosen
            made.append(Attempt(when, channel))
            if step == VISIT:
                visits[index].append(self.visit(accounts[index], promises[index], when))
            else:
                reminders[index].append(ReminderSpec(step, channel, when, self.status(channel)))
        return replace(
            self.debtor_spec,
            accounts=tuple(
                replace(
                    account,
                    history=History(tuple(promises[i]), tuple(reminders[i]), tuple(visits[i])),
                )
                for i, account in enumerate(accounts)
            ),
        )

    def allowed(
        self, made: list[Attempt], channels: tuple[Channel, ...], at: datetime
    ) -> tuple[Channel, datetime] | None:
        """The first of ``channels`` the debtor is reachable on and the rules allowed soon
        after ``at`` (and before the quiet days), as the reminder planner chooses."""
        for channel in channels:
            if channel not in self.reachable:
                continue
            decision = decide(self.rules, self.zone, self.consent, made, channel, at, SOON)
            if decision.at is not None and self.local_day(decision.at) <= self.last:
                return channel, decision.at
        return None

    def rounded(self, amount: int) -> int:
        step = self.market.payment_step
        return max(step, amount // step * step)

    # --- promises -----------------------------------------------------------------------------

    def promises(self, account: AccountSpec) -> list[PromiseSpec]:
        """Promises behind some of the window's payments (more of a willing debtor's), then
        the promises an unwilling debtor broke, none overlapping another."""
        if account.disputed:
            return []
        rng, found = self.rng, []
        taken: list[tuple[date, date]] = []
        payments = [
            e
            for e in account.entries
            if e.kind == EntryKind.payment
            and self.first + MOST_AHEAD <= e.effective_date <= self.last
        ]
        for payment in payments:
            if rng.random() >= 0.3 + 0.5 * self.willing:
                continue
            made = payment.effective_date - timedelta(days=rng.randint(1, MOST_AHEAD.days))
            due = min(payment.effective_date + timedelta(days=rng.randint(0, 4)), self.last)
            amount = payment.amount_minor
            if rng.random() < 0.3 and due + GRACE < self.last:  # promised more than came
                amount = self.rounded(amount * 3 // 2)
            found += self.promise(account, taken, made, due, amount)
        latest = (self.last - self.first - LONGEST_BROKEN).days
        for _ in range(3):
            if rng.random() >= 0.5 * (1 - self.willing):
                continue
            made = self.first + timedelta(days=rng.randint(0, latest))
            due = made + timedelta(days=rng.randint(3, LONGEST_TERM.days))
            amount = self.rounded(account.principal_minor * rng.randint(4, 12) // 100)
            if account.due_date < made and _open_on(account, made):
                found += self.promise(account, taken, made, due, amount)
        return sorted(found, key=lambda p: p.made_at)

    def promise(
        self,
        account: AccountSpec,
        taken: list[tuple[date, date]],
        made: date,
        due: date,
        amount: int,
    ) -> list[PromiseSpec]:
        """The promise, resolved as the promise check would have; none if it overlaps
        another or could still be open after the quiet days began."""
        closes = due + GRACE + timedelta(days=1)
        if any(made <= end and start <= closes for start, end in taken):
            return []
        paid = _credits(account, made, due + GRACE)
        if paid >= amount:
            status = PromiseStatus.kept
            closes = next(
                e.effective_date
                for e in account.entries
                if e.effective_date >= made and _credits(account, made, e.effective_date) >= amount
            )
        else:
            status = PromiseStatus.partially_kept if paid else PromiseStatus.broken
        if closes > self.last:
            return []
        taken.append((made, closes))
        rng = self.rng
        return [
            PromiseSpec(
                made_at=self.at(made, rng.randint(10 * 60, 17 * 60)),
                due_date=due,
                amount_minor=amount,
                paid_minor=_credits(account, made, closes)
                if status is PromiseStatus.kept
                else paid,
                status=status,
                resolved_at=self.at(closes, rng.randint(6 * 60, 7 * 60)),
                by_agent=account.agent is not None and rng.random() < 0.5,
            )
        ]

    # --- contacts -----------------------------------------------------------------------------

    def occurrences(
        self, account: AccountSpec, promises: list[PromiseSpec]
    ) -> list[tuple[datetime, str]]:
        """When each step of the demo strategy fell due for the account in the window."""
        days = [(account.due_date + timedelta(days=offset), step) for step, offset in DUE_STEPS]
        for promise in promises:
            if (
                _credits(
                    account, self.local_day(promise.made_at), promise.due_date - timedelta(days=1)
                )
                < promise.amount_minor
            ):
                days.append((promise.due_date, "promesa"))
            if promise.status is PromiseStatus.broken:
                days.append((self.local_day(promise.resolved_at), "promesa_rota"))
        return [
            (self.at(day, self.rng.randint(8 * 60, 11 * 60)), step)
            for day, step in days
            if self.first <= day <= self.last and _open_on(account, day)
        ]

    def visit_times(self, account: AccountSpec, promises: list[PromiseSpec]) -> list[datetime]:
        """The agent's visits: one where each promise they took was made, and a few more on
        days the account was past due."""
        rng = self.rng
        times = [p.made_at - timedelta(minutes=20) for p in promises if p.by_agent]
        start = max(self.first, account.due_date + timedelta(days=8))
        if start <= self.last:
            for _ in range(rng.choices(VISIT_COUNTS, weights=VISIT_COUNT_WEIGHTS)[0]):
                day = start + timedelta(days=rng.randint(0, (self.last - start).days))
                if _open_on(account, day):
                    times.append(self.at(day, rng.randint(9 * 60 + 30, 17 * 60)))
        return times

    def visit(self, account: AccountSpec, promises: list[PromiseSpec], at: datetime) -> VisitSpec:
        rng, day = self.rng, self.local_day(at)
        if any(p.by_agent and self.local_day(p.made_at) == day for p in promises):
            outcome = VisitOutcome.promise
        elif any(e.kind == EntryKind.payment and e.effective_date == day for e in account.entries):
            outcome = VisitOutcome.paid
        else:
            outcome = rng.choices(
                (
                    VisitOutcome.not_home,
                    VisitOutcome.refused,
                    VisitOutcome.other,
                    VisitOutcome.moved,
                ),
                weights=(40, 5 + 30 * (1 - self.willing), 10, 2),
            )[0]
        spread = 0.004 if rng.random() < FAR_SHARE else 0.0003  # about 400 m, or 30 m
        address = self.debtor_spec.address
        return VisitSpec(
            checked_in_at=at,
            minutes=rng.randint(5, 25),
            outcome=outcome,
            latitude=round(address.latitude + rng.uniform(-spread, spread), 6),
            longitude=round(address.longitude + rng.uniform(-spread, spread), 6),
        )

    def status(self, channel: Channel) -> AttemptStatus:
        """How far a reminder got: SMS is never read back; a willing debtor reads more."""
        rng = self.rng
        if rng.random() < 0.04:
            return AttemptStatus.failed
        if channel is Channel.email:
            return (
                AttemptStatus.read
                if rng.random() < 0.1 + 0.4 * self.willing
                else AttemptStatus.sent
            )
        if rng.random() < 0.08:
            return AttemptStatus.sent
        if channel is not Channel.sms and rng.random() < 0.2 + 0.65 * self.willing:
            return AttemptStatus.read
        return AttemptStatus.delivered
