"""A data subject's rights: their export, their erasure, and erasure once retention ran out.

Erasure removes the personal data and keeps the debt: accounts, ledger, payments, promises,
plans and the contact log stay (the law asks to keep them), now naming a debtor row without a
name, national ID, birth date, phones, e-mails or addresses. It is refused while an account
still holds a claim (a balance, an active plan), unless an admin records a legal order.
Repeating it changes nothing. ``backend.privacy.repository.erase`` lists what it touches.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.core.errors import DomainError, NotFound
from backend.debtors import service as debtors
from backend.debtors.models import Debtor
from backend.privacy import repository, retention
from shared.schemas.privacy import ErasureRequest, ErasureResult

# Left out of the export: credentials (a receipt's verification code opens its public page)
# and the importer's bookkeeping and the blind indexes (keyed hashes of values exported).
_EXCLUDED = frozenset(
    {
        "verification_code",
        "token",
        "search_text",
        "idempotency_key",
        "id_number_index",
        "e164_index",
    }
)
PAGE = 200  # debtors erased per unit of work by the retention job


class ErasureBlocked(DomainError):
    """Accounts of the debtor still hold a claim: the data is kept while the debt exists."""

    status = 409
    code = "erasure_blocked"


def erase(
    session: Session, actor: Actor, debtor_id: uuid.UUID, req: ErasureRequest
) -> ErasureResult:
    """Erase one debtor's personal data at an admin's request (its guard checked the debtor).
    The row is locked first, so two requests at once erase once and record one event."""
    debtor = repository.lock_debtor(session, debtor_id)
    if debtor is None:
        raise NotFound()
    if debtor.erased_at is not None:
        return ErasureResult(debtor_id=debtor.id, erased_at=debtor.erased_at, already_erased=True)
    still_open = repository.open_accounts(session, debtor.id)
    if still_open and not req.legal_order:
        raise ErasureBlocked(details={"account_ids": [str(a) for a in still_open]})
    now = utcnow()
    repository.erase(session, [debtor.id], now)
    audit.record(
        session,
        actor,
        "debtor.erased",
        "debtor",
        debtor.id,
        after={
            "reason": req.reason,
            "legal_order": req.legal_order,
            "open_account_ids": [str(a) for a in still_open],
        },
    )
    return ErasureResult(debtor_id=debtor.id, erased_at=now, already_erased=False)


def erase_expired_page(
    session: Session, actor: Actor, now: datetime, after: uuid.UUID | None
) -> list[uuid.UUID]:
    """Erase one page (``PAGE``, in id order after ``after``) of the debtors whose retention
    ran out, with an audit event each; the ids erased."""
    cutoffs, default = retention.cutoffs(now)
    ids = repository.due_for_erasure(session, cutoffs, default, after=after, limit=PAGE)
    if not ids:
        return ids
    repository.erase(session, ids, now)
    years = retention.years_by_country()
    countries = repository.countries_of(session, ids)
    audit.record_many(
        session,
        [
            audit.event_row(
                actor,
                "debtor.erased",
                "debtor",
                debtor_id,
                after={
                    "reason": "retention",
                    "country": countries[debtor_id],
                    "retention_years": years.get(countries[debtor_id], retention.DEFAULT_YEARS),
                },
                at=now,
            )
            for debtor_id in ids
        ],
    )
    return ids


# --- export ----------------------------------------------------------------------------------


def export(session: Session, debtor: Debtor) -> dict[str, Any]:
    """Everything Cobro holds about the debtor, per section, as JSON values."""
    records = repository.debtor_records(session, debtor.id)
    sections: dict[str, Any] = {
        "debtor": debtors.to_read(session, [debtor])[0].model_dump(mode="json"),
    }
    for name, rows in records.items():
        sections[name] = [_row(row) for row in rows]
    sections["opt_outs"] = [
        {
            "at": event.at.isoformat(),
            "actor_kind": event.actor_kind,
            "before": (event.before or {}).get("opt_outs"),
            "after": (event.after or {}).get("opt_outs"),
        }
        for event in repository.debtor_events(session, debtor.id)
        if "opt_outs" in (event.after or {})
    ]
    return {"exported_at": utcnow().isoformat(), **sections}


def _row(row: Any) -> dict[str, Any]:
    return audit.plain(row.model_dump(), exclude=_EXCLUDED)
