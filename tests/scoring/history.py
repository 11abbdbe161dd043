"""A creditor's small synthetic history with behaviour a model can learn: each account has a
habit of paying (``willing``), which drives its monthly payments before the cutoff, its
promises kept or broken, and whether it is paid in the 30 days after; older debts pay less.
Days past due alone explains part of it (the baseline); the history explains more.

Rows are added directly (accounts with their balance, ledger entries), not through the ledger
service: the features read only what is stored."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from backend.accounts.models import Account
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.promises.models import Promise
from shared.schemas.enums import ActionChannel, EntryKind, PromiseStatus
from tests import builders as b

CUTOFF = date(2026, 10, 1)
TODAY = CUTOFF + timedelta(days=30)


def history(session: Session, portfolio: Portfolio, accounts: int, seed: int) -> list[Account]:
    rng = random.Random(seed)
    owner = b.debtor(session, portfolio)
    made = []
    for _ in range(accounts):
        willing = rng.betavariate(0.5, 0.5)  # most accounts pay by habit or hardly ever
        late = rng.randint(5, 300)  # days past due on the cutoff
        principal = rng.randint(20, 400) * 1_000
        due = CUTOFF - timedelta(days=late)
        entries = [(EntryKind.charge, principal, due - timedelta(days=60))]
        for month in range(1, min(6, late // 30) + 1):
            if rng.random() < willing:
                day = CUTOFF - timedelta(days=30 * month - rng.randint(0, 9))
                entries.append((EntryKind.payment, -1_000, day))
        if rng.random() < willing * (1 - late / 600):
            day = CUTOFF + timedelta(days=rng.randint(1, 30))
            entries.append((EntryKind.payment, -1_000, day))
        account = Account(
            portfolio_id=portfolio.id,
            debtor_id=owner.id,
            external_ref=f"SYN-{uuid.uuid4().hex[:12]}",
            product=rng.choice(("Tarjeta", "Préstamo")),
            principal_minor=principal,
            currency=portfolio.currency,
            due_date=due,
            balance_minor=sum(amount for _, amount, _ in entries),
        )
        session.add(account)
        session.flush()
        session.add_all(
            LedgerEntry(
                account_id=account.id,
                kind=kind,
                amount_minor=amount,
                currency=portfolio.currency,
                effective_date=day,
                source="test",
                idempotency_key=f"syn-{n}",
            )
            for n, (kind, amount, day) in enumerate(entries)
        )
        if rng.random() < 0.5:
            session.add(
                Promise(
                    account_id=account.id,
                    amount_minor=1_000,
                    currency=portfolio.currency,
                    due_date=(promised := CUTOFF - timedelta(days=rng.randint(3, 60))),
                    channel=ActionChannel.agent,
                    recorded_by_kind="agent",
                    status=PromiseStatus.kept if rng.random() < willing else PromiseStatus.broken,
                    resolved_at=datetime.combine(promised + timedelta(days=1), time(9), UTC),
                )
            )
        made.append(account)
    session.flush()
    return made
