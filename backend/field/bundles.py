"""Account bundles: everything the app keeps offline for one account, built for many accounts
at once with one query per kind of row (accounts and debtors, phones, addresses, ledger, plans,
promises, visits, notes) plus one per active plan for its instalments."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.accounts import service as accounts_service
from backend.aging import Clock
from backend.debtors import service as debtors_service
from backend.field import repository
from backend.plans.service import plan_to_read
from shared.schemas.field import AccountBundle, NoteRead, VisitRead
from shared.schemas.ledger import EntryRead
from shared.schemas.negotiation import PromiseRead

LEDGER_ENTRIES = 20
VISITS = 10
NOTES = 10


def for_accounts(session: Session, ids: list[uuid.UUID]) -> list[AccountBundle]:
    """Bundles of these accounts (in id order); callers have checked who may see them."""
    rows = repository.accounts_with_debtors(session, ids)
    if not rows:
        return []
    account_ids = [account.id for account, _ in rows]
    debtors = {debtor.id: debtor for _, debtor in rows}
    debtor_reads = {d.id: d for d in debtors_service.to_read(session, list(debtors.values()))}
    entries = repository.latest_entries(session, account_ids, LEDGER_ENTRIES)
    plans = repository.active_plans(session, account_ids)
    promises = repository.open_promises(session, account_ids)
    visits = repository.latest_visits(session, account_ids, VISITS)
    notes = repository.latest_notes(session, account_ids, NOTES)
    photos = repository.photo_ids(session, [v.id for shown in visits.values() for v in shown])
    clock = Clock(session)
    bundles = []
    for account, debtor in rows:
        plan = plans.get(account.id)
        promise = promises.get(account.id)
        bundles.append(
            AccountBundle(
                account=accounts_service.to_read(
                    account, debtor, clock.today(account.portfolio_id)
                ),
                debtor=debtor_reads[debtor.id],
                ledger=[
                    EntryRead.model_validate(e, from_attributes=True)
                    for e in entries.get(account.id, [])
                ],
                plan=plan_to_read(session, plan) if plan else None,
                promise=PromiseRead.model_validate(promise, from_attributes=True)
                if promise
                else None,
                visits=[
                    VisitRead.model_validate({**v.model_dump(), "photo_ids": photos.get(v.id, [])})
                    for v in visits.get(account.id, [])
                ],
                notes=[
                    NoteRead.model_validate(n, from_attributes=True)
                    for n in notes.get(account.id, [])
                ],
            )
        )
    return bundles
