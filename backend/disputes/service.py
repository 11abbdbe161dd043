"""Disputes: a debtor (in chat, later in the portal) or staff for them say an account's debt
is not theirs, already paid, the product of identity theft or the wrong amount.

* Opening one locks the account, makes it ``disputed`` (every channel's contact rules then
  refuse it: reminders are neither planned nor sent, the field worklist holds it back), opens
  a ``dispute_review`` task for the agent's supervisor due on the date the debtor is told they
  will hear back by (today plus the portfolio's ``dispute_review_days``), and is audited. While
  one is open, opening again answers the open one (new evidence is added to it); a retried
  request with the same client key answers the dispute it opened.
* A supervisor (of the account's team) or an admin resolves it once: ``upheld`` (not owed: the
  active plan and open promise are cancelled, the rest of the balance is taken off with an
  ``adjustment`` entry and the account is closed as written off, or as paid if a payment booked
  meanwhile already cleared it), ``rejected`` (the debt stands: the account goes back to
  collection) or ``corrected`` (an ``adjustment`` entry takes the wrong part off; the active
  plan, made for the old amount, is cancelled). The ledger is never edited. The review task
  closes, everything is audited, and a notice for the debtor is recorded (``DebtorNotice``),
  which the bot or the portal shows the next time the debtor is there. Two supervisors at once:
  the account lock orders them; the second gets 409 ``dispute_already_resolved``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import (
    DomainError,
    IdempotencyConflict,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from backend.creditors.models import Creditor, Portfolio
from backend.disputes import messages, repository
from backend.disputes.models import DebtorNotice, Dispute
from backend.ledger import repository as ledger_repository
from backend.ledger import service as ledger
from backend.plans import repository as plans_repository
from backend.plans import service as plans
from backend.promises import service as promises
from backend.tasks import service as tasks
from backend.tasks.models import Task
from backend.uploads.models import Upload
from backend.users.models import User
from shared.money import from_decimal
from shared.schemas.disputes import DebtorMessage, DisputeResolve
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    DisputeReason,
    DisputeStatus,
    EntryKind,
    Language,
    TaskKind,
    TaskStatus,
)

# An account already disputed by hand (before disputes were recorded) may get its record.
DISPUTABLE = (AccountStatus.active, AccountStatus.in_plan, AccountStatus.disputed)
EVIDENCE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


def evidence_body_bytes() -> int:
    """The request body an evidence upload may send: the file and its multipart framing."""
    return MAX_EVIDENCE_BYTES + 64 * 1024


class AccountNotDisputable(DomainError):
    """Only an account still collected can be disputed (a paid or closed one owes nothing)."""

    status = 409
    code = "account_not_disputable"


class DisputeAlreadyResolved(DomainError):
    """Someone resolved the dispute first (or it was resolved earlier)."""

    status = 409
    code = "dispute_already_resolved"


@dataclass(frozen=True, slots=True)
class Opening:
    reason: DisputeReason
    statement: str
    channel: ActionChannel
    evidence: list[uuid.UUID] = field(default_factory=list)
    client_key: str | None = None


def open_dispute(
    session: Session, actor: Actor, account_id: uuid.UUID, opening: Opening
) -> tuple[Dispute, bool]:
    """The account's dispute: a new one (True) or the one already open, or opened under the
    same client key (False)."""
    account = ledger_repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    if opening.client_key and (done := repository.by_client_key(session, opening.client_key)):
        if done.account_id != account.id:
            raise IdempotencyConflict()
        return done, False
    evidence = _evidence_of(session, account, opening.evidence)
    current = repository.open_for_account(session, account.id)
    if current is not None:
        _add_evidence(session, actor, current, evidence)
        return current, False
    if account.status not in DISPUTABLE:
        raise AccountNotDisputable(status=account.status.value)
    portfolio = _portfolio(session, account)
    dispute = Dispute(
        account_id=account.id,
        debtor_id=account.debtor_id,
        reason=opening.reason,
        statement=opening.statement,
        evidence=evidence,
        previous_status=account.status,
        channel=opening.channel,
        opened_by_id=actor.id if actor.kind == "user" else None,
        client_key=opening.client_key,
        respond_by=today_in(portfolio.timezone) + timedelta(days=portfolio.dispute_review_days),
    )
    session.add(dispute)
    session.flush()
    task = tasks.open_task(
        session,
        actor,
        account,
        TaskKind.dispute_review,
        dispute.respond_by,
        {"dispute_id": str(dispute.id), "reason": dispute.reason.value},
        dedupe_key=f"dispute:{dispute.id}",
    )
    dispute.task_id = task.id
    session.add(dispute)
    audit.record(
        session,
        actor,
        "dispute.opened",
        "dispute",
        dispute.id,
        after=audit.snapshot(dispute),
        account_id=account.id,
    )
    _set_status(session, actor, account, AccountStatus.disputed)
    return dispute, True


def _evidence_of(session: Session, account: Account, ids: list[uuid.UUID]) -> list[str]:
    """The evidence ids, each an evidence file uploaded for this account (422 otherwise)."""
    wanted = list(dict.fromkeys(ids))
    found = {
        upload.id
        for upload in repository.evidence(session, wanted)
        if upload.options.get("account_id") == str(account.id)
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ValidationFailed("error.evidence_unknown", details={"missing": missing})
    return [str(i) for i in wanted]


def _add_evidence(session: Session, actor: Actor, dispute: Dispute, evidence: list[str]) -> None:
    added = [i for i in evidence if i not in dispute.evidence]
    if not added:
        return
    dispute.evidence = [*dispute.evidence, *added]
    session.add(dispute)
    session.flush()
    audit.record(
        session,
        actor,
        "dispute.evidence_added",
        "dispute",
        dispute.id,
        after={"evidence": added},
        account_id=dispute.account_id,
    )


def resolve(
    session: Session, actor: Actor, user: User, dispute: Dispute, body: DisputeResolve
) -> Dispute:
    """Resolve an open dispute the caller may see (their guard loaded it; the endpoint lets
    supervisors and admins only)."""
    account = ledger_repository.lock_account(session, dispute.account_id)
    assert account is not None  # foreign key
    session.refresh(dispute)  # after the lock: what a resolver who went first committed
    if dispute.status != DisputeStatus.open:
        raise DisputeAlreadyResolved(status=dispute.status.value)
    portfolio = _portfolio(session, account)
    today = today_in(portfolio.timezone)
    outcome = DisputeStatus(body.outcome)
    if outcome in (DisputeStatus.upheld, DisputeStatus.corrected):
        _end_arrangements(session, actor, account, outcome)
    if outcome == DisputeStatus.upheld:
        if account.balance_minor > 0:
            _adjust(session, actor, dispute, account, account.balance_minor, today, body.note)
        settled = AccountStatus.written_off if dispute.adjustment_minor else AccountStatus.paid
    else:
        if outcome == DisputeStatus.corrected:
            amount = _correction(account, body)
            _adjust(session, actor, dispute, account, amount, today, body.note)
        settled = restored_status(session, account)
    dispute.status = outcome
    dispute.resolved_at = utcnow()
    dispute.resolved_by_id = user.id
    dispute.resolution_note = body.note
    session.add(dispute)
    session.flush()
    _set_status(session, actor, account, settled)
    audit.record(
        session,
        actor,
        "dispute.resolved",
        "dispute",
        dispute.id,
        before={"status": DisputeStatus.open.value},
        after={
            "status": outcome.value,
            "note": body.note,
            "adjustment_minor": dispute.adjustment_minor,
            "account_status": settled.value,
        },
        account_id=account.id,
    )
    task = session.get(Task, dispute.task_id) if dispute.task_id else None
    if task is not None and task.status == TaskStatus.open:
        resolution = f"{outcome.value}: {body.note}"[:500]
        tasks.finish(session, actor, user, task, TaskStatus.done, resolution)
    _notify(session, dispute, account, portfolio, today)
    return dispute


def _correction(account: Account, body: DisputeResolve) -> int:
    assert body.adjustment is not None  # the schema requires it for a correction
    amount = from_decimal(body.adjustment, account.currency)
    if amount >= account.balance_minor:
        raise ValidationFailed(
            "error.adjustment_not_below_balance", balance_minor=account.balance_minor
        )
    return amount


def _end_arrangements(
    session: Session, actor: Actor, account: Account, outcome: DisputeStatus
) -> None:
    """A plan made for an amount found wrong (or not owed) is cancelled, with its unearned
    interest; a promise to pay what is not owed is cancelled."""
    plan = plans_repository.active_plan(session, account.id)
    if plan is not None:
        plans.cancel(session, actor, plan, f"dispute {outcome.value}", ActionChannel.system)
    if outcome == DisputeStatus.upheld:
        promises.cancel_open(session, actor, account.id)


def _adjust(
    session: Session,
    actor: Actor,
    dispute: Dispute,
    account: Account,
    amount_minor: int,
    today: date,
    note: str,
) -> None:
    posted = ledger.post(
        session,
        actor,
        account.id,
        kind=EntryKind.adjustment,
        amount_minor=amount_minor,
        currency=account.currency,
        effective_date=today,
        source="dispute",
        idempotency_key=f"dispute:{dispute.id}",
        description=f"Dispute {dispute.id}: {note}"[:300],
    )
    dispute.adjustment_minor = amount_minor
    dispute.adjustment_entry_id = posted.entry.id


def restored_status(session: Session, account: Account) -> AccountStatus:
    """What the account is once no longer disputed: what its balance and plan say now (a plan
    may have ended, or a payment cleared the balance, while the dispute was open)."""
    if account.balance_minor <= 0:
        return AccountStatus.paid
    if plans_repository.active_plan(session, account.id) is not None:
        return AccountStatus.in_plan
    return AccountStatus.active


def _set_status(session: Session, actor: Actor, account: Account, status: AccountStatus) -> None:
    before = account.status
    if before == status:
        return
    account.status = status
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "account.status_changed",
        "account",
        account.id,
        before={"status": before.value},
        after={"status": status.value},
        account_id=account.id,
    )


def _portfolio(session: Session, account: Account) -> Portfolio:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    return portfolio


# --- what the debtor is told --------------------------------------------------------------------


def _facts(session: Session, account: Account, portfolio: Portfolio) -> dict[str, object]:
    creditor = session.get(Creditor, portfolio.creditor_id)
    return {
        "creditor": creditor.name if creditor else "",
        "reference": account.external_ref[-4:],
        "currency": account.currency,
        "country": portfolio.country,
    }


def opened_message(session: Session, dispute: Dispute, lang: str) -> DebtorMessage:
    """What happens next and by when, for a dispute just opened (or still open)."""
    account = session.get(Account, dispute.account_id)
    assert account is not None  # foreign key
    params = {
        **_facts(session, account, _portfolio(session, account)),
        "respond_by": dispute.respond_by.isoformat(),
    }
    return messages.render(f"dispute.opened.{dispute.reason.value}", params, lang)


def status_message(session: Session, dispute: Dispute, lang: str) -> DebtorMessage:
    """Where a dispute stands: under review until its date, or how it ended."""
    if dispute.status == DisputeStatus.open:
        account = session.get(Account, dispute.account_id)
        assert account is not None  # foreign key
        params = {
            **_facts(session, account, _portfolio(session, account)),
            "respond_by": dispute.respond_by.isoformat(),
        }
        return messages.render("dispute.status.open", params, lang)
    notice = repository.notice_of(session, dispute.id)
    if notice is None:  # resolved before notices were recorded
        raise NotFound()
    return notice_message(notice, lang)


def _notify(
    session: Session, dispute: Dispute, account: Account, portfolio: Portfolio, today: date
) -> None:
    """Record what the debtor is to be told (once per dispute and outcome)."""
    notice = DebtorNotice(
        debtor_id=dispute.debtor_id,
        account_id=account.id,
        dispute_id=dispute.id,
        kind=f"dispute.notice.{dispute.status.value}",
        params={
            **_facts(session, account, portfolio),
            "balance_minor": max(account.balance_minor, 0),
            "adjustment_minor": dispute.adjustment_minor,
            "resolved_on": today.isoformat(),
        },
    )
    session.add(notice)
    session.flush()


def notice_message(notice: DebtorNotice, lang: str) -> DebtorMessage:
    return messages.render(notice.kind, notice.params, lang)


def pending_notices(session: Session, debtor_ids: list[uuid.UUID]) -> list[DebtorNotice]:
    return repository.pending_notices(session, debtor_ids)


def mark_shown(session: Session, notice: DebtorNotice, channel: str) -> DebtorNotice:
    """The notice reached the debtor (shown in a chat or the portal); again changes nothing."""
    if notice.shown_at is None:
        notice.shown_at = utcnow()
        notice.shown_channel = channel
        session.add(notice)
        session.flush()
    return notice


# --- evidence files ----------------------------------------------------------------------------


def store_evidence(
    session: Session,
    actor: Actor,
    user: User,
    account: Account,
    *,
    filename: str,
    content_type: str,
    data: bytes,
) -> Upload:
    """Keep a file as evidence for an account (a voucher photo, a police report): an upload of
    kind ``evidence``, stored whole, that a dispute of the account may then name."""
    if content_type not in EVIDENCE_TYPES:
        raise ValidationFailed("error.evidence_type", allowed=", ".join(sorted(EVIDENCE_TYPES)))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise PayloadTooLarge(limit=MAX_EVIDENCE_BYTES)
    if not data:
        raise ValidationFailed("error.evidence_empty")
    now = utcnow()
    upload = Upload(
        kind=repository.EVIDENCE,
        portfolio_id=account.portfolio_id,
        created_by_id=user.id,
        filename=(filename or "evidence")[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        language=Language.es,
        options={"account_id": str(account.id), "content_type": content_type},
        content=data,
        status="succeeded",
        finished_at=now,
    )
    session.add(upload)
    session.flush()
    audit.record(
        session,
        actor,
        "evidence.stored",
        "upload",
        upload.id,
        after=audit.snapshot(upload, exclude=frozenset({"content"})),
        account_id=account.id,
    )
    return upload
