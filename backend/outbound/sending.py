"""Send the planned reminders whose time has come, each exactly once.

A worker claims a batch of due contacts (``planned`` -> ``sending`` with a lease; on
PostgreSQL ``FOR UPDATE SKIP LOCKED``, so several workers on several machines share the work),
then handles them one by one, never holding a database connection while a provider answers:

1. In one unit of work: stop if the account no longer wants a reminder (paid, disputed, paused:
   ``cancelled``) or the debtor opted out of the channel since it was planned (``cancelled``,
   and the step's next channel is planned), else render the template in the debtor's language
   with a payment link made for this contact (idempotent on its key), a signed chat link and,
   for an e-mail, a signed unsubscribe link (``backend.outbound.unsubscribe``). The recipient
   is the debtor's first phone (WhatsApp, SMS), first e-mail address, or the Telegram chat
   they verified (``backend.debtors.chats``); without one (a chat unlinked since planning) the
   contact fails with ``no_contact_data`` and the step's next channel is planned.
2. Send through the channel's provider at the pace its limiter allows; a channel with no
   provider configured writes to the development outbox instead, in the same unit of work as
   the result.
3. In one unit of work: ``sent`` with the provider's id; a failure worth retrying goes back to
   ``planned`` a little later (at most :data:`MAX_TRIES` tries); any other failure is
   ``failed`` and the step's next channel is planned by the contact rules. A recipient the
   provider says can never be reached there (the Telegram bot blocked, WhatsApp 131026) also
   marks the debtor's channel unreachable until they write on it again.

A worker that dies mid-send leaves its contacts ``sending``; once the lease has run out they are
claimed again. None of these providers takes an idempotency key (the WhatsApp Cloud API, the Bot
API, Twilio's Messages API and SMTP have none), so a message is marked ``handed_at`` in its own
unit of work just before the provider is called: one claimed again without that mark is sent;
one with it may be out already and is not sent again but logged ``sent`` with its answer lost
(``answer_lost``): a contact counted once, never a second message. The key rides along
(WhatsApp's callback data, Twilio's status callback URL, the e-mail's Message-ID), so the
provider's delivery reports still find it, and fail it over if it never went out. A timeout is
another matter: the provider answered nothing, it counts as retryable, and a retry can repeat a
message the provider did take.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact import service as contact
from backend.contact.models import ContactAttempt
from backend.contact.service import ContactRequest
from backend.conversations import links
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.creditors.models import Creditor, Portfolio
from backend.debtors import chats
from backend.debtors.models import Debtor
from backend.experiments import service as experiments
from backend.outbound import repository, unsubscribe
from backend.outbound.channels.base import (
    OutboundMessage,
    Sender,
    SendResult,
    WhatsAppTemplate,
)
from backend.outbound.channels.ratelimit import RateLimiter, pace
from backend.outbound.models import OutboxMessage, Strategy
from backend.outbound.planner import MAX_DELAY
from backend.outbound.templates import MessageFacts, TemplateError, render, variables
from backend.payments import service as payments
from backend.payments.service import LinkRequest
from shared.observability.metrics import SENDS
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import AccountStatus, Channel, Language, LinkPurpose
from shared.schemas.outbound import Step, StrategyDefinition

LEASE = timedelta(minutes=5)
BATCH = 50
MAX_TRIES = 5
RETRY_AFTER = timedelta(minutes=5)
CHAT_LINK_DAYS = 7
WHATSAPP_WINDOW = timedelta(hours=24)
SYSTEM = Actor.system()


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    outbox: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    unconfirmed: int = 0  # handed over by a worker that died before the answer: not sent again
    errors: list[str] = field(default_factory=list)
    # (channel, outcome) -> reminders: ``cobro_outbound_sends_total`` once the round ends.
    by_channel: Counter[tuple[str, str]] = field(default_factory=Counter)

    def tally(self, outcome: str, channel: Channel) -> None:
        """One reminder's outcome (sent, outbox, retried, failed, cancelled) on its channel."""
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_channel[channel.value, outcome] += 1


@dataclass(frozen=True, slots=True)
class _Ready:
    attempt_id: uuid.UUID
    portfolio_id: uuid.UUID
    message: OutboundMessage


def send_due(
    senders: dict[Channel, Sender],
    limiter: RateLimiter,
    engine: Engine | None = None,
    *,
    limit: int = BATCH,
) -> SendReport:
    """Claim up to ``limit`` due reminders and send them; what happened, counted (and in the
    metrics, even when a later reminder's unit of work fails)."""
    report = SendReport()
    try:
        _send_due(senders, limiter, engine, limit, report)
    finally:
        for (channel, outcome), count in report.by_channel.items():
            SENDS.labels(channel, outcome).inc(count)
    return report


def _send_due(
    senders: dict[Channel, Sender],
    limiter: RateLimiter,
    engine: Engine | None,
    limit: int,
    report: SendReport,
) -> None:
    now = utcnow()
    lease = now + LEASE
    with session_scope(engine) as session:
        claimed = repository.claim_due(session, now, lease, limit)
    report.claimed = len(claimed)
    for attempt_id in claimed:
        with session_scope(engine) as session:
            ready = _prepare(session, attempt_id, report)
        if ready is None:
            continue
        sender = senders.get(ready.message.channel)
        if sender is None:
            with session_scope(engine) as session:
                _to_outbox(session, ready)
            report.tally("outbox", ready.message.channel)
            continue
        pace(limiter, ready.message.channel)
        with session_scope(engine) as session:
            if not repository.hand_over(session, attempt_id, lease, utcnow()):
                continue  # the lease ran out meanwhile: the contact is another worker's now
        result = sender.send(ready.message)
        with session_scope(engine) as session:
            _record(session, attempt_id, result, report)


def _prepare(session: Session, attempt_id: uuid.UUID, report: SendReport) -> _Ready | None:
    attempt = session.get(ContactAttempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.sending or attempt.account_id is None:
        return None
    if attempt.handed_at is not None:  # its worker died after handing it over: it may be out
        _finish(session, attempt, AttemptStatus.sent, rule="answer_lost")
        report.unconfirmed += 1
        return None
    account = session.get(Account, attempt.account_id)
    debtor = session.get(Debtor, attempt.debtor_id)
    portfolio = session.get(Portfolio, attempt.portfolio_id)
    assert account is not None and debtor is not None and portfolio is not None
    stop = _stop_reason(session, account)
    if stop is not None:
        _finish(session, attempt, AttemptStatus.cancelled, rule=stop)
        report.tally("cancelled", attempt.channel)
        return None
    if attempt.channel.value in debtor.opt_outs:  # since it was planned (an unsubscribe link)
        _finish(session, attempt, AttemptStatus.cancelled, rule="opted_out")
        report.cancelled += 1
        _fall_back(session, attempt)
        return None
    recipient = _recipient(session, debtor, attempt.channel)
    step = _step(session, attempt)
    name = (
        experiments.template_name(
            session, portfolio.id, step_strategy(attempt), step.id, account.id, step.template
        )
        if step
        else ""
    )
    template = repository.template_for(session, portfolio.id, name, debtor.preferred_language)
    if recipient is None or template is None:
        reason = "no_contact_data" if recipient is None else "no_template"
        fail_and_fall_back(session, attempt, reason, report)
        return None
    unsubscribe_url = None
    if attempt.channel == Channel.email:
        unsubscribe_url = unsubscribe.url_for(debtor.id, recipient, utcnow())
    facts = _facts(
        session, attempt, account, debtor, portfolio, template.language, unsubscribe_url or ""
    )
    try:
        rendered = render(template.body, template.subject, facts)
    except TemplateError as exc:
        fail_and_fall_back(session, attempt, "template_error", report, detail=str(exc))
        return None
    whatsapp = None
    if attempt.channel == Channel.whatsapp and not _in_window(session, recipient):
        # Outside the 24 hours after the debtor last wrote, WhatsApp takes approved templates only.
        if not template.whatsapp_name:
            fail_and_fall_back(session, attempt, "no_whatsapp_template", report)
            return None
        values = variables(facts)
        whatsapp = WhatsAppTemplate(
            template.whatsapp_name,
            template.language.value,
            tuple(values[name] for name in template.whatsapp_params),
        )
    message = OutboundMessage(
        key=attempt.key,
        channel=attempt.channel,
        to=recipient,
        text=rendered.text,
        subject=rendered.subject,
        template=whatsapp,
        unsubscribe_url=unsubscribe_url,
    )
    return _Ready(attempt.id, portfolio.id, message)


def _in_window(session: Session, phone: str) -> bool:
    """Whether the debtor wrote to us on WhatsApp in the last 24 hours (the inbox the bots keep
    in the database, so every worker sees the same window)."""
    last = repository.last_inbound(session, "whatsapp", phone.lstrip("+"))
    return last is not None and utcnow() - last < WHATSAPP_WINDOW


def _stop_reason(session: Session, account: Account) -> str | None:
    if account.balance_minor <= 0 or account.status == AccountStatus.paid:
        return "paid"
    if account.status == AccountStatus.disputed:
        return "disputed"
    if account.status not in (AccountStatus.active, AccountStatus.in_plan):
        return "closed"
    if repository.paused(session, account.portfolio_id, account.id):
        return "paused"
    return None


def _recipient(session: Session, debtor: Debtor, channel: Channel) -> str | None:
    if channel in (Channel.whatsapp, Channel.sms):
        return repository.first_phone(session, debtor.id)
    if channel == Channel.email:
        return debtor.emails[0] if debtor.emails else None
    if channel in chats.LINKED_CHANNELS:  # Telegram: the chat the debtor verified, if any
        return chats.chat_of(session, debtor.id, channel)
    return None


def step_strategy(attempt: ContactAttempt) -> uuid.UUID:
    assert attempt.strategy_id is not None  # a step is found only through its strategy
    return attempt.strategy_id


def _step(session: Session, attempt: ContactAttempt) -> Step | None:
    strategy = session.get(Strategy, attempt.strategy_id) if attempt.strategy_id else None
    if strategy is None:
        return None
    steps = StrategyDefinition.model_validate(strategy.definition).steps
    return next((s for s in steps if s.id == attempt.step), None)


def _facts(
    session: Session,
    attempt: ContactAttempt,
    account: Account,
    debtor: Debtor,
    portfolio: Portfolio,
    language: Language,
    unsubscribe_link: str,
) -> MessageFacts:
    settings = get_settings()
    link, _ = payments.create_link(
        session,
        SYSTEM,
        account.id,
        LinkRequest(
            purpose=LinkPurpose.balance,
            created_by_kind="system",
            client_key=f"reminder:{attempt.id}",
            language=language.value,
        ),
    )
    expires = utcnow() + timedelta(days=CHAT_LINK_DAYS)
    token = links.sign(debtor.id, expires, settings.secret_key)
    telegram, whatsapp = links.channel_urls(token)
    # A link of its own (each is single-use, owned by the first chat that opens it).
    portal = links.sign(debtor.id, expires, settings.secret_key)
    creditor = session.get(Creditor, portfolio.creditor_id)
    return MessageFacts(
        language=language.value,
        country=portfolio.country,
        currency=account.currency,
        first_name=debtor.first_name or debtor.display_name,
        full_name=debtor.display_name,
        creditor=creditor.name if creditor else "",
        agency=settings.agency_name,
        reference=account.external_ref,
        amount_minor=link.amount_minor,
        balance_minor=account.balance_minor,
        due_date=account.due_date,
        payment_link=f"{settings.public_url.rstrip('/')}/pay/{link.token}",
        chat_link=(whatsapp if attempt.channel == Channel.whatsapp else telegram)
        or whatsapp
        or telegram
        or "",
        unsubscribe_link=unsubscribe_link,
        portal_link=f"{settings.public_url.rstrip('/')}/portal/start/{portal}",
    )


def _to_outbox(session: Session, ready: _Ready) -> None:
    attempt = session.get(ContactAttempt, ready.attempt_id)
    if attempt is None or attempt.status != AttemptStatus.sending:
        return
    message = ready.message
    session.add(
        OutboxMessage(
            attempt_id=attempt.id,
            portfolio_id=ready.portfolio_id,
            channel=message.channel.value,
            recipient=message.to,
            subject=message.subject,
            text=message.text,
            whatsapp_template=message.template.name if message.template else None,
        )
    )
    attempt.provider_ref = f"outbox:{attempt.id}"
    _finish(session, attempt, AttemptStatus.sent)


def _record(
    session: Session, attempt_id: uuid.UUID, result: SendResult, report: SendReport
) -> None:
    attempt = session.get(ContactAttempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.sending:
        return
    attempt.tries += 1
    if result.status == "sent":
        attempt.provider_ref = result.provider_ref
        _finish(session, attempt, AttemptStatus.sent)
        report.tally("sent", attempt.channel)
    elif result.retryable and attempt.tries < MAX_TRIES:
        wait = timedelta(seconds=result.retry_after) if result.retry_after else RETRY_AFTER
        attempt.at = utcnow() + wait * attempt.tries
        attempt.until = None
        attempt.handed_at = None  # the provider refused it: the next try may send it
        _finish(session, attempt, AttemptStatus.planned, rule="retry")
        report.tally("retried", attempt.channel)
    elif result.unreachable:
        _unreachable(session, attempt)
        fail_and_fall_back(session, attempt, "unreachable", report, detail=result.error)
    else:
        fail_and_fall_back(session, attempt, "send_failed", report, detail=result.error)


def _unreachable(session: Session, attempt: ContactAttempt) -> None:
    """The provider says the recipient can never be reached on the channel (the Telegram bot
    blocked, WhatsApp undeliverable): the debtor's channel is marked so, until they write on it
    again (``backend.debtors.chats``), so the contact rules stop planning it."""
    debtor = session.get(Debtor, attempt.debtor_id)
    recipient = _recipient(session, debtor, attempt.channel) if debtor else None
    if recipient is None:
        return
    reason = "blocked" if attempt.channel == Channel.telegram else "undeliverable"
    chats.mark_unreachable(
        session, SYSTEM, attempt.debtor_id, attempt.channel, recipient.lstrip("+"), reason
    )


def _finish(
    session: Session, attempt: ContactAttempt, status: AttemptStatus, rule: str | None = None
) -> None:
    attempt.status = status
    attempt.rule = rule or attempt.rule
    if status is not AttemptStatus.planned:
        attempt.until = None
    session.add(attempt)
    audit.record(
        session,
        SYSTEM,
        f"contact.{status.value}",
        "contact_attempt",
        attempt.id,
        after={
            "channel": attempt.channel.value,
            "rule": rule,
            "provider_ref": attempt.provider_ref,
        },
        account_id=attempt.account_id,
    )


def fail_and_fall_back(
    session: Session,
    attempt: ContactAttempt,
    reason: str,
    report: SendReport,
    detail: str | None = None,
) -> None:
    """The contact failed on its channel: log why, and fall back to the step's next channel."""
    attempt.outcome = (detail or reason)[:40]
    _finish(session, attempt, AttemptStatus.failed, rule=reason)
    report.tally("failed", attempt.channel)
    if detail:
        report.errors.append(f"{attempt.key}: {detail}")
    _fall_back(session, attempt)


def _fall_back(session: Session, attempt: ContactAttempt) -> None:
    """Ask the contact rules for the step's channel after the attempt's (a new contact of its
    own, sent on a later round)."""
    step = _step(session, attempt)
    if step is None or attempt.channel not in step.channels:
        return
    later = step.channels[step.channels.index(attempt.channel) + 1 :]
    if not later:
        return
    base = attempt.key.split("|", 1)[0]
    contact.reserve(
        session,
        SYSTEM,
        ContactRequest(
            key=f"{base}|{later[0].value}",
            debtor_id=attempt.debtor_id,
            account_id=attempt.account_id,
            channel=later[0],
            at=utcnow(),
            source="reminder",
        ),
        strategy_id=attempt.strategy_id,
        step=attempt.step,
        within=MAX_DELAY,
    )


def add(total: SendReport, more: SendReport) -> None:
    """Add ``more``'s counts to ``total``."""
    for name in ("claimed", "sent", "outbox", "retried", "failed", "cancelled", "unconfirmed"):
        setattr(total, name, getattr(total, name) + getattr(more, name))
    total.errors += more.errors
    total.by_channel.update(more.by_channel)
