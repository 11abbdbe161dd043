"""Which worklist stops the contact rules hold back, and from when the others may be visited.

A visit is a contact like any other (``backend.contact``): each stop is judged by the rules of
its portfolio, in the portfolio's time zone, against the debtor's contact log (visits
on any of their accounts by anyone, and messages), their opt-outs and an open dispute. A debtor
with an address on file has authorised visits there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.accounts.models import Account
from backend.contact import repository as contact_repository
from backend.contact.policy import Attempt, Consent, day_start, decide
from backend.contact.rules import RuleSet
from backend.contact.service import HISTORY, rules_of
from backend.debtors.models import Debtor
from backend.field import repository
from shared.schemas.contact import ContactHold
from shared.schemas.enums import AccountStatus, Channel


@dataclass(frozen=True, slots=True)
class Reach:
    """What decides whether one stop may be visited."""

    rules: RuleSet
    zone: ZoneInfo
    consent: Consent
    history: tuple[Attempt, ...]

    def first_visit(self, at: datetime, until: datetime) -> datetime | ContactHold:
        """The first moment from ``at`` a visit is allowed, if before ``until``; else why not."""
        decision = decide(self.rules, self.zone, self.consent, self.history, Channel.visit, at)
        if decision.at is not None and decision.at < until:
            return decision.at
        return ContactHold(rule=decision.rule or "hours", until=decision.at)


def reaches(
    session: Session, rows: list[tuple[Account, Debtor, bool]], around: datetime
) -> dict[uuid.UUID, Reach]:
    """Each account's :class:`Reach`, from (account, debtor, has an address) rows, with the
    contacts within :data:`HISTORY` of ``around``; two queries whatever the number of rows."""
    portfolios = repository.portfolios_by_id(session, {a.portfolio_id for a, _, _ in rows})
    contacts = contact_repository.histories(
        session, {d.id for _, d, _ in rows}, around - HISTORY, around + HISTORY
    )
    found = {}
    for account, debtor, has_address in rows:
        portfolio = portfolios[account.portfolio_id]
        consent = Consent(
            authorised=frozenset({Channel.visit}) if has_address else frozenset(),
            opted_out=frozenset(
                Channel(c) for c in debtor.opt_outs if c in contact_repository.CHANNEL_VALUES
            ),
            disputed=account.status == AccountStatus.disputed,
        )
        history = tuple(contacts.get(debtor.id, ()))
        found[account.id] = Reach(
            rules_of(portfolio), ZoneInfo(portfolio.timezone), consent, history
        )
    return found


def day_span(reach: Reach, day: date) -> tuple[datetime, datetime]:
    return day_start(day, reach.zone), day_start(day + timedelta(days=1), reach.zone)
