"""What an account's features know on a cutoff is only what was known then."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.promises.models import Promise
from backend.scoring import features
from shared.schemas.enums import ActionChannel, EntryKind, PromiseStatus
from tests import builders as b
from tests.scoring.history import CUTOFF


def _promise(
    session: Session, account_id, status: PromiseStatus, due_days: int, resolved_days: int
) -> None:
    """A promise due ``due_days`` before the cutoff, judged ``resolved_days`` before it (a
    negative number: after it)."""
    session.add(
        Promise(
            account_id=account_id,
            amount_minor=1_000,
            currency="PEN",
            due_date=CUTOFF - timedelta(days=due_days),
            channel=ActionChannel.agent,
            recorded_by_kind="agent",
            status=status,
            resolved_at=datetime.combine(CUTOFF - timedelta(days=resolved_days), time(9), UTC),
        )
    )


def test_a_promise_counts_only_once_it_was_judged_before_the_cutoff(session: Session) -> None:
    portfolio: Portfolio = b.portfolio(session)
    account = b.account(session, portfolio, due_date=CUTOFF - timedelta(days=40))
    session.add(
        LedgerEntry(
            account_id=account.id,
            kind=EntryKind.charge,
            amount_minor=100_000,
            currency=portfolio.currency,
            effective_date=CUTOFF - timedelta(days=60),
            source="test",
            idempotency_key="charge",
        )
    )
    _promise(session, account.id, PromiseStatus.kept, due_days=20, resolved_days=19)
    _promise(session, account.id, PromiseStatus.broken, due_days=30, resolved_days=24)
    # Due two days before the cutoff, judged broken five days after it (its grace ran out):
    # on the cutoff nobody knew yet whether it would be kept.
    _promise(session, account.id, PromiseStatus.broken, due_days=2, resolved_days=-5)
    _promise(session, account.id, PromiseStatus.kept, due_days=1, resolved_days=-3)
    session.flush()

    [row] = [
        r
        for r in features.rows(session, portfolio.creditor_id, CUTOFF)
        if r.account_id == account.id
    ]

    assert (row.numeric["promises_kept"], row.numeric["promises_broken"]) == (1.0, 1.0)
