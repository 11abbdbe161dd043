"""The demo's past: promises, reminders and visits consistent with the ledger and the contact
rules, ending before the days the rules look back on, and deterministic per seed."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from backend.contact.service import HISTORY
from backend.demo import generator
from backend.demo.generator import AccountSpec, DemoData, generate
from backend.demo.history import GRACE, QUIET, WINDOW, History
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import CREDIT_KINDS, Channel, EntryKind, PromiseStatus
from shared.schemas.field import VisitOutcome

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(300, 7, TODAY)


def accounts(demo: DemoData) -> list[tuple[str, AccountSpec]]:
    return [(p.market.timezone, a) for p in demo.portfolios for d in p.debtors for a in d.accounts]


def credits(account: AccountSpec, start: date, end: date) -> int:
    return sum(
        e.amount_minor
        for e in account.entries
        if e.kind in CREDIT_KINDS and start <= e.effective_date <= end
    )


def local(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def test_every_kind_of_history_is_there(demo: DemoData) -> None:
    found = [a.history for _, a in accounts(demo)]
    promises = Counter(p.status for h in found for p in h.promises)
    assert promises[PromiseStatus.kept] >= 20 and promises[PromiseStatus.broken] >= 20
    assert promises[PromiseStatus.partially_kept] >= 5
    assert set(promises) <= {PromiseStatus.kept, PromiseStatus.partially_kept, PromiseStatus.broken}
    reminders = Counter((r.channel, r.status) for h in found for r in h.reminders)
    assert reminders[(Channel.whatsapp, AttemptStatus.read)] >= 50
    assert reminders[(Channel.sms, AttemptStatus.delivered)] >= 20
    assert not reminders[(Channel.sms, AttemptStatus.read)]  # SMS is never read back
    assert {r.step for h in found for r in h.reminders} == {
        "antes",
        "mora7",
        "mora30",
        "promesa",
        "promesa_rota",
    }
    visits = Counter(v.outcome for h in found for v in h.visits)
    assert visits[VisitOutcome.not_home] >= 20 and visits[VisitOutcome.promise] >= 10


def test_nothing_is_dated_in_the_days_the_contact_rules_look_back_on(demo: DemoData) -> None:
    assert QUIET > HISTORY  # the rules' look-back: nothing here holds a contact back today
    first, last = TODAY - WINDOW, TODAY - QUIET
    for timezone, account in accounts(demo):
        history = account.history
        moments = [
            *(r.at for r in history.reminders),
            *(v.checked_in_at for v in history.visits),
            *(p.made_at for p in history.promises),
            *(p.resolved_at for p in history.promises),
        ]
        assert all(first <= local(m, timezone) <= last for m in moments)
        assert all(p.due_date <= last for p in history.promises)


def test_promises_match_the_ledger(demo: DemoData) -> None:
    for timezone, account in accounts(demo):
        spans = []
        for promise in account.history.promises:
            made = local(promise.made_at, timezone)
            closed = local(promise.resolved_at, timezone)
            assert made < promise.due_date <= made + timedelta(days=30)  # the policy's limit
            received = credits(account, made, promise.due_date + GRACE)
            if promise.status is PromiseStatus.kept:
                # Its payments came from the day it was made up to the day it was resolved,
                # on or before its date (plus the grace days).
                assert closed <= promise.due_date + GRACE
                assert promise.paid_minor == credits(account, made, closed)
                assert promise.paid_minor >= promise.amount_minor
                assert any(
                    e.kind == EntryKind.payment and made <= e.effective_date <= closed
                    for e in account.entries
                )
            elif promise.status is PromiseStatus.partially_kept:
                assert 0 < promise.paid_minor == received < promise.amount_minor
            else:
                assert promise.paid_minor == received == 0
            spans.append((made, closed))
        spans.sort()
        assert all(a[1] < b[0] for a, b in pairwise(spans))  # none overlaps another


def test_visits_are_the_assigned_agents_and_disputes_have_no_past(demo: DemoData) -> None:
    for _, account in accounts(demo):
        if account.agent is None:
            assert not account.history.visits
            assert not any(p.by_agent for p in account.history.promises)
        if account.disputed:
            assert account.history == History()
    assert sum(len(a.history.visits) for _, a in accounts(demo)) >= 100


def test_colombian_debtors_get_one_contact_a_day_and_one_channel_a_week(demo: DemoData) -> None:
    (bogota,) = [p for p in demo.portfolios if p.market.country == "CO"]
    zone = ZoneInfo(bogota.market.timezone)
    for debtor in bogota.debtors:
        contacts = [
            (r.at.astimezone(zone), r.channel) for a in debtor.accounts for r in a.history.reminders
        ] + [
            (v.checked_in_at.astimezone(zone), Channel.visit)
            for a in debtor.accounts
            for v in a.history.visits
        ]
        days = Counter(at.date() for at, _ in contacts)
        assert all(n == 1 for n in days.values()), debtor.id_number
        weeks: dict[tuple[int, int], set[Channel]] = defaultdict(set)
        for at, channel in contacts:
            weeks[at.isocalendar()[:2]].add(channel)
            assert at.weekday() < 6 and 7 <= at.hour < 19  # Ley 2300's hours
        assert all(len(channels) == 1 for channels in weeks.values())


def strip(demo: DemoData) -> DemoData:
    return replace(
        demo,
        portfolios=tuple(
            replace(
                p,
                debtors=tuple(
                    replace(d, accounts=tuple(replace(a, history=History()) for a in d.accounts))
                    for d in p.debtors
                ),
            )
            for p in demo.portfolios
        ),
    )


def test_history_is_deterministic_and_leaves_the_rest_of_the_demo_alone(
    demo: DemoData, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = generate(300, 7, TODAY)
    assert [a.history for _, a in accounts(again)] == [a.history for _, a in accounts(demo)]
    other = generate(300, 8, TODAY)
    assert [a.history for _, a in accounts(other)] != [a.history for _, a in accounts(demo)]
    # The past draws from a stream of its own: without it the demo is the same.
    monkeypatch.setattr(generator, "with_history", lambda rng, market, today, debtor, w: debtor)
    assert generate(300, 7, TODAY) == strip(demo)
