"""Payment confirmations pushed to the debtor's chat when a payment arrives.

The audit log is the announcement (as for creditors' webhooks, ``backend.integrations``): every
payment booked writes a ``payment.received`` event in its own transaction. Once a minute a job
turns the new events into notices (:func:`collect`: one per payment, a unique key, reading back
:data:`OVERLAP` before the newest notice so that a transaction that committed late is still
seen, never further back than :data:`MAX_AGE`), then sends the due ones (:func:`send_due`):
claimed with a lease (``SKIP LOCKED`` on PostgreSQL, so any number of workers share them), sent
through the outbound engine's channel adapters at their pace, with no database connection held
while a provider answers.

Where a notice goes: the debtor's chat they last wrote from: their linked Telegram chat, or the
WhatsApp chat of a phone on file they wrote from. A channel the debtor opted out of, or that
is blocked for them, is never used. A debtor with no chat gets nothing (``skipped``,
``no_chat``), except the receipt of money a field agent took: that goes to their first phone,
by the WhatsApp template when the portfolio has one, else by SMS (``_receipt_target``). On
WhatsApp, inside the 24 hours after the debtor last wrote it is a session
message; outside, the portfolio's approved template :data:`TEMPLATE` (its variables:
``amount`` the payment, ``balance`` the new balance, ``due_date`` the next instalment's date,
``payment_link`` the receipt), or nothing without one (``no_whatsapp_template``).

What it says: the amount received and its day, the new balance, the plan's next instalment
(amount and date) when there is one, and the receipt's link (the verifiable receipt of a field
or bank payment, the paid payment page of an online one). A provider's refusal that can never
succeed (the bot blocked, WhatsApp undeliverable) marks the debtor's channel unreachable
(``backend.debtors.chats``); a failure worth retrying is retried with growing delays.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations.models import Conversation, PaymentNotice
from backend.core import leases
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.ids import uuid7
from backend.creditors.models import Creditor, Portfolio
from backend.debtors import chats
from backend.debtors.models import Debtor, DebtorChannelBlock, DebtorPhone
from backend.outbound import repository as outbound
from backend.outbound.channels.base import OutboundMessage, Sender, SendResult, WhatsAppTemplate
from backend.outbound.channels.ratelimit import RateLimiter, pace
from backend.outbound.channels.registry import build_limiter, configured_senders
from backend.outbound.templates import MessageFacts, variables
from backend.payments.models import Payment, PaymentLink
from backend.plans import repository as plans
from shared.i18n import formats, t
from shared.schemas.enums import Channel, InstalmentStatus, Language

OVERLAP = timedelta(minutes=15)
MAX_AGE = timedelta(days=1)
LEASE = timedelta(minutes=5)
BATCH = 50
MAX_TRIES = 5
RETRY_AFTER = timedelta(minutes=2)
WINDOW = timedelta(hours=24)
TEMPLATE = "payment_received"
SYSTEM = Actor.system()


@dataclass
class NoticeReport:
    collected: int = 0
    sent: int = 0
    outbox: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def collect(session: Session, now: datetime) -> int:
    """A pending notice for each payment received since the newest notice (see the module
    docstring); payments already noticed are skipped by the unique key. How many were added."""
    newest = session.execute(select(func.max(PaymentNotice.event_at))).scalar_one_or_none()
    since = max((newest or now) - OVERLAP, now - MAX_AGE)
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.account_id, AuditEvent.at).where(
            AuditEvent.action == "payment.received",
            col(AuditEvent.at) >= since,
            col(AuditEvent.at) <= now,
            col(AuditEvent.account_id).is_not(None),
        )
    ).all()
    rows = [
        {
            "id": uuid7(),
            "payment_id": uuid.UUID(entity_id),
            "account_id": account_id,
            "event_at": at,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for entity_id, account_id, at in events
    ]
    if not rows:
        return 0
    table = PaymentNotice.__table__  # type: ignore[attr-defined]
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert_(table).on_conflict_do_nothing(index_elements=["payment_id"]).returning(table.c.id)
    )
    return len(session.execute(statement, rows).all())


@dataclass(frozen=True, slots=True)
class _Target:
    channel: Channel
    to: str  # where the adapter sends (a Telegram chat id, an E.164 phone)
    chat_id: str  # the chat's id in the bots' inbox (Telegram chat id, WhatsApp digits)
    language: Language
    last_inbound: datetime | None


def send_due(
    senders: dict[Channel, Sender],
    limiter: RateLimiter,
    engine: Engine | None = None,
    *,
    limit: int = BATCH,
) -> NoticeReport:
    """Claim up to ``limit`` due notices and send them; what happened, counted."""
    report = NoticeReport()
    now = utcnow()
    with session_scope(engine) as session:
        claimed = leases.claim_due(session, PaymentNotice, now, now + LEASE, limit)
    for notice_id in claimed:
        with session_scope(engine) as session:
            message = _prepare(session, notice_id, report)
        if message is None:
            continue
        sender = senders.get(message.channel)
        if sender is None:  # no provider configured: the notice row is the outbox
            with session_scope(engine) as session:
                _finish(session, notice_id, "outbox")
            report.outbox += 1
            continue
        pace(limiter, message.channel)
        result = sender.send(message)
        with session_scope(engine) as session:
            _record(session, notice_id, result, report)
    return report


def _prepare(
    session: Session, notice_id: uuid.UUID, report: NoticeReport
) -> OutboundMessage | None:
    notice = session.get(PaymentNotice, notice_id)
    if notice is None or notice.status != "sending":
        return None
    payment = session.get(Payment, notice.payment_id)
    account = session.get(Account, notice.account_id)
    assert payment is not None and account is not None  # foreign keys
    debtor = session.get(Debtor, account.debtor_id)
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert debtor is not None and portfolio is not None  # foreign keys
    target = _target(session, debtor)
    if target is None and payment.agent_id is not None:
        target = _receipt_target(session, debtor, portfolio)
    if target is None:
        _finish(session, notice_id, "skipped", reason="no_chat")
        report.skipped += 1
        return None
    facts, next_due = _facts(session, payment, account, debtor, portfolio, target.language)
    notice.channel, notice.recipient = target.channel.value, target.to
    notice.text = _text(facts, payment, next_due)[:2000]
    template = None
    if target.channel == Channel.whatsapp and not _in_window(target.last_inbound):
        found = outbound.template_for(session, portfolio.id, TEMPLATE, target.language)
        if found is None or not found.whatsapp_name:
            session.add(notice)
            _finish(session, notice_id, "skipped", reason="no_whatsapp_template")
            report.skipped += 1
            return None
        values = variables(facts)
        template = WhatsAppTemplate(
            found.whatsapp_name,
            found.language.value,
            tuple(values[name] for name in found.whatsapp_params),
        )
        notice.template = found.whatsapp_name
    session.add(notice)
    return OutboundMessage(
        key=f"payment-notice:{notice.id}",
        channel=target.channel,
        to=target.to,
        text=notice.text,
        template=template,
    )


def _in_window(last_inbound: datetime | None) -> bool:
    return last_inbound is not None and utcnow() - last_inbound < WINDOW


def _target(session: Session, debtor: Debtor) -> _Target | None:
    """The debtor's chat they last wrote from, on a channel that may reach them."""
    blocked = _blocked(session, debtor)
    usable = {
        c for c in (Channel.telegram, Channel.whatsapp) if c.value not in debtor.opt_outs
    } - blocked
    found: list[_Target] = []
    telegram = chats.chat_of(session, debtor.id, Channel.telegram)
    if Channel.telegram in usable and telegram is not None:
        found += _chats(session, debtor, Channel.telegram, {telegram: telegram})
    if Channel.whatsapp in usable:
        phones = session.execute(
            select(DebtorPhone.e164).where(DebtorPhone.debtor_id == debtor.id)
        ).scalars()
        found += _chats(session, debtor, Channel.whatsapp, {p.lstrip("+"): p for p in phones})
    if not found:
        return None
    epoch = datetime.min.replace(tzinfo=utcnow().tzinfo)
    return max(found, key=lambda target: target.last_inbound or epoch)


def _blocked(session: Session, debtor: Debtor) -> set[str]:
    """The channels whose platform refused the debtor (until they write again)."""
    query = select(DebtorChannelBlock.channel).where(DebtorChannelBlock.debtor_id == debtor.id)
    return set(session.execute(query).scalars())


def _receipt_target(session: Session, debtor: Debtor, portfolio: Portfolio) -> _Target | None:
    """Where the receipt of money an agent took goes when the debtor has no chat: their first
    phone, on WhatsApp with the portfolio's approved template, else by SMS; a channel they
    opted out of or that refused them is never used. A receipt is transactional: it is sent
    outside the contact rules' hours and caps, which govern collection contacts."""
    phone = outbound.first_phone(session, debtor.id)
    if phone is None:
        return None
    blocked = _blocked(session, debtor)
    language = debtor.preferred_language
    whatsapp = Channel.whatsapp
    if whatsapp.value not in debtor.opt_outs and whatsapp.value not in blocked:
        template = outbound.template_for(session, portfolio.id, TEMPLATE, language)
        if template is not None and template.whatsapp_name:
            return _Target(whatsapp, phone, phone.lstrip("+"), language, None)
    if Channel.sms.value not in debtor.opt_outs:
        return _Target(Channel.sms, phone, phone.lstrip("+"), language, None)
    return None


def _chats(
    session: Session, debtor: Debtor, channel: Channel, addresses: dict[str, str]
) -> list[_Target]:
    """The chats among ``addresses`` (inbox id -> where to send) the person wrote from and did
    not opt out of, nor have the platform refuse."""
    if not addresses:
        return []
    rows = session.execute(
        select(Conversation.user_id, Conversation.language).where(
            Conversation.channel == channel.value,
            col(Conversation.user_id).in_(list(addresses)),
            col(Conversation.opted_out_at).is_(None),
            col(Conversation.unreachable_at).is_(None),
        )
    ).all()
    return [
        _Target(
            channel,
            addresses[user_id],
            user_id,
            language or debtor.preferred_language,
            outbound.last_inbound(session, channel.value, user_id),
        )
        for user_id, language in rows
    ]


def _facts(
    session: Session,
    payment: Payment,
    account: Account,
    debtor: Debtor,
    portfolio: Portfolio,
    language: Language,
) -> tuple[MessageFacts, int | None]:
    """What the notice may say (as a template's variables), and what is left of the plan's
    next instalment."""
    creditor = session.get(Creditor, portfolio.creditor_id)
    plan = plans.active_plan(session, account.id)
    due = None
    if plan is not None:
        due = next(
            (i for i in plans.instalments(session, plan.id) if i.status != InstalmentStatus.paid),
            None,
        )
    facts = MessageFacts(
        language=language.value,
        country=portfolio.country,
        currency=account.currency,
        first_name=debtor.first_name or debtor.display_name,
        full_name=debtor.display_name,
        creditor=creditor.name if creditor else "",
        agency=get_settings().agency_name,
        reference=account.external_ref,
        amount_minor=payment.amount_minor,
        balance_minor=max(account.balance_minor, 0),
        due_date=due.due_date if due else None,
        payment_link=_receipt_url(session, payment),
        chat_link="",
    )
    return facts, (due.amount_minor - due.paid_minor) if due else None


def _receipt_url(session: Session, payment: Payment) -> str:
    base = get_settings().public_url.rstrip("/")
    if payment.verification_code:
        return f"{base}/receipts/{payment.verification_code}"
    link = session.get(PaymentLink, payment.link_id) if payment.link_id else None
    return f"{base}/pay/{link.token}" if link else ""


def _text(facts: MessageFacts, payment: Payment, next_due: int | None) -> str:
    lang, country = facts.language, facts.country

    def money(minor: int) -> str:
        return formats.money(minor, facts.currency, lang, country)

    lines = [
        t(
            "bot.payment.received",
            lang,
            name=facts.first_name,
            amount=money(payment.amount_minor),
            date=formats.day(payment.paid_on, lang, country),
            creditor=facts.creditor,
        ),
        t("bot.payment.balance", lang, balance=money(facts.balance_minor))
        if facts.balance_minor > 0
        else t("bot.payment.paid_off", lang, creditor=facts.creditor),
    ]
    if facts.due_date is not None and next_due is not None:
        lines.append(
            t(
                "bot.payment.next",
                lang,
                amount=money(next_due),
                date=formats.day(facts.due_date, lang, country),
            )
        )
    if payment.verification_code and facts.payment_link:
        code, url = payment.verification_code, facts.payment_link
        lines.append(t("bot.payment.receipt_code", lang, code=code, url=url))
    elif facts.payment_link:
        lines.append(t("bot.payment.receipt", lang, url=facts.payment_link))
    return "\n".join(lines)


def _record(
    session: Session, notice_id: uuid.UUID, result: SendResult, report: NoticeReport
) -> None:
    notice = session.get(PaymentNotice, notice_id)
    if notice is None or notice.status != "sending":
        return
    notice.attempts += 1
    if result.status == "sent":
        notice.provider_ref = result.provider_ref
        _finish(session, notice_id, "sent")
        report.sent += 1
    elif result.retryable and notice.attempts < MAX_TRIES:
        wait = timedelta(seconds=result.retry_after) if result.retry_after else RETRY_AFTER
        notice.status, notice.next_attempt_at = "pending", utcnow() + wait * notice.attempts
        notice.reason = (result.error or "retry")[:40]
        session.add(notice)
        report.retried += 1
    else:
        if result.unreachable and notice.channel:
            _unreachable(session, notice)
        _finish(session, notice_id, "failed", reason=(result.error or "send_failed")[:40])
        report.failed += 1
        report.errors.append(f"{notice_id}: {result.error}")


def _unreachable(session: Session, notice: PaymentNotice) -> None:
    account = session.get(Account, notice.account_id)
    assert account is not None and notice.channel and notice.recipient
    chat_id = notice.recipient.lstrip("+")
    reason = "blocked" if notice.channel == Channel.telegram.value else "undeliverable"
    chats.mark_unreachable(
        session, SYSTEM, account.debtor_id, Channel(notice.channel), chat_id, reason
    )


def _finish(
    session: Session, notice_id: uuid.UUID, status: str, *, reason: str | None = None
) -> None:
    notice = session.get(PaymentNotice, notice_id)
    assert notice is not None
    notice.status, notice.reason = status, reason or notice.reason
    session.add(notice)
    session.flush()
    audit.record(
        session,
        SYSTEM,
        f"payment_notice.{status}",
        "payment_notice",
        notice.id,
        after={
            "payment_id": str(notice.payment_id),
            "channel": notice.channel,
            "reason": reason,
            "provider_ref": notice.provider_ref,
        },
        account_id=notice.account_id,
    )


@lru_cache(maxsize=1)
def channels() -> tuple[dict[Channel, Sender], RateLimiter]:
    """This process's channel adapters and limiter, built once from the settings."""
    settings = get_settings()
    return configured_senders(settings), build_limiter(settings)


def run(engine: Engine | None = None, *, max_batches: int = 20) -> NoticeReport:
    """Collect, then send batches until none is full (the next run takes the rest)."""
    total = NoticeReport()
    with session_scope(engine) as session:
        total.collected = collect(session, utcnow())
    senders, limiter = channels()
    for _ in range(max_batches):
        report = send_due(senders, limiter, engine)
        done = 0
        for name in ("sent", "outbox", "skipped", "retried", "failed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
            done += getattr(report, name)
        total.errors += report.errors
        if done < BATCH:
            break
    return total
