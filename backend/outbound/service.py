"""Message templates and reminder strategies per portfolio: validated when saved, audited and
versioned; templates previewed with sample facts or a real account's."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session

from backend.accounts.models import Account
from backend.accounts.scope import visible_account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact.service import rules_of
from backend.core.config import get_settings
from backend.core.errors import NotFound, ValidationFailed
from backend.creditors.models import Creditor, Portfolio
from backend.creditors.service import get_portfolio
from backend.debtors.models import Debtor
from backend.outbound import repository
from backend.outbound.guards import StrategySlot, TemplateSlot
from backend.outbound.models import MessageTemplate, OutboundPause, OutboxMessage, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.strategies import problems
from backend.outbound.templates import (
    VARIABLES,
    MessageFacts,
    TemplateError,
    check,
    render,
    variables,
)
from backend.users.models import User
from shared.schemas.enums import Language
from shared.schemas.outbound import (
    PauseRead,
    PlanLine,
    PlanPreviewRead,
    PreviewRead,
    StrategyDefinition,
    TemplateWrite,
)

EDITABLE = ("body", "subject", "whatsapp_name", "whatsapp_params")


class InvalidTemplate(ValidationFailed):
    code = "invalid_template"


def list_templates(session: Session, portfolio: Portfolio) -> list[MessageTemplate]:
    return repository.templates_of(session, portfolio.id)


def put_template(
    session: Session, actor: Actor, slot: TemplateSlot, data: TemplateWrite
) -> MessageTemplate:
    """Create or replace a template; a change bumps its version. 422 ``invalid_template``
    says what would not render."""
    _validate(data)
    template = slot.template
    before = {k: getattr(template, k) for k in EDITABLE} if template else None
    after = data.model_dump(include=set(EDITABLE))
    if template is None:
        template = MessageTemplate(
            portfolio_id=slot.portfolio.id, name=slot.name, language=slot.language, **after
        )
    elif before == after:
        return template
    else:
        for key, value in after.items():
            setattr(template, key, value)
        template.version += 1
    session.add(template)
    session.flush()
    audit.record(
        session,
        actor,
        "template.saved",
        "message_template",
        template.id,
        before=before,
        after={**after, "version": template.version},
    )
    return template


def _validate(data: TemplateWrite) -> None:
    try:
        check(data.body, data.subject)
    except TemplateError as exc:
        raise InvalidTemplate(details=[str(exc)]) from None
    unknown = sorted(set(data.whatsapp_params) - VARIABLES)
    if unknown:
        raise InvalidTemplate(details=[f"unknown variables: {', '.join(unknown)}"])
    if data.whatsapp_params and not data.whatsapp_name:
        raise InvalidTemplate(details=["whatsapp_params need whatsapp_name"])


def preview(
    session: Session, user: User, template: MessageTemplate, account_id: uuid.UUID | None
) -> PreviewRead:
    """The template rendered for an account the caller may see (in this portfolio), or for a
    sample debtor. Links are placeholders: real ones are made when a message is sent."""
    portfolio = get_portfolio(session, template.portfolio_id)
    language = template.language
    facts = (
        _account_facts(session, user, portfolio, account_id, language)
        if account_id
        else _sample_facts(session, portfolio, language)
    )
    try:
        rendered = render(template.body, template.subject, facts)
    except TemplateError as exc:
        raise InvalidTemplate(details=[str(exc)]) from None
    values = variables(facts)
    return PreviewRead(
        subject=rendered.subject,
        text=rendered.text,
        whatsapp_parameters=[values[p] for p in template.whatsapp_params],
        variables=values,
    )


def _creditor_name(session: Session, portfolio: Portfolio) -> str:
    creditor = session.get(Creditor, portfolio.creditor_id)
    return creditor.name if creditor else ""


def _links(language: Language) -> tuple[str, str, str]:
    base = get_settings().public_url.rstrip("/")
    word = "ejemplo" if language == Language.es else "example"
    return f"{base}/pay/{word}", f"{base}/chat/{word}", f"{base}/portal/start/{word}"


def _sample_facts(session: Session, portfolio: Portfolio, language: Language) -> MessageFacts:
    pay, chat, portal = _links(language)
    return MessageFacts(
        language=language.value,
        country=portfolio.country,
        currency=portfolio.currency,
        first_name="María",
        full_name="María Quispe Mamani",
        creditor=_creditor_name(session, portfolio),
        agency=get_settings().agency_name,
        reference="0001234567",
        amount_minor=125_050,
        balance_minor=1_926_450,
        due_date=date(2026, 12, 15),
        payment_link=pay,
        chat_link=chat,
        portal_link=portal,
    )


def _account_facts(
    session: Session,
    user: User,
    portfolio: Portfolio,
    account_id: uuid.UUID,
    language: Language,
) -> MessageFacts:
    account = visible_account(session, user, account_id)
    if account.portfolio_id != portfolio.id:
        raise NotFound()
    debtor = session.get(Debtor, account.debtor_id)
    assert debtor is not None  # foreign key
    pay, chat, portal = _links(language)
    return MessageFacts(
        language=language.value,
        country=portfolio.country,
        currency=account.currency,
        first_name=debtor.first_name or debtor.display_name,
        full_name=debtor.display_name,
        creditor=_creditor_name(session, portfolio),
        agency=get_settings().agency_name,
        reference=account.external_ref,
        amount_minor=account.balance_minor,
        balance_minor=account.balance_minor,
        due_date=account.due_date,
        payment_link=pay,
        chat_link=chat,
        portal_link=portal,
    )


# --- strategies ---------------------------------------------------------------------------------


class InvalidStrategy(ValidationFailed):
    code = "invalid_strategy"


def list_strategies(session: Session, portfolio: Portfolio) -> list[Strategy]:
    return repository.latest_strategies(session, portfolio.id)


def put_strategy(
    session: Session, actor: Actor, slot: StrategySlot, definition: StrategyDefinition
) -> Strategy:
    """Save a strategy: a new version when it changed (accounts already in it keep theirs).
    422 ``invalid_strategy`` lists every step that could never fire, names an unknown template
    or loops."""
    portfolio = slot.portfolio
    found = problems(
        definition, repository.template_names(session, portfolio.id), rules_of(portfolio)
    )
    if found:
        raise InvalidStrategy(details=found)
    versions = slot.versions
    stored = definition.model_dump(mode="json")
    if versions and versions[0].definition == stored:
        return versions[0]
    strategy = Strategy(
        portfolio_id=portfolio.id,
        name=slot.name,
        version=versions[0].version + 1 if versions else 1,
        definition=stored,
        created_by_id=actor.id,
    )
    session.add(strategy)
    session.flush()
    audit.record(
        session,
        actor,
        "strategy.saved",
        "strategy",
        strategy.id,
        before=versions[0].definition if versions else None,
        after={**stored, "version": strategy.version},
    )
    return strategy


# --- planning -----------------------------------------------------------------------------------


def preview_plan(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, day: date
) -> PlanPreviewRead:
    """Who would be contacted on ``day``, on which channel, and who is held back by which rule:
    the day is planned inside a savepoint that is rolled back, so nothing is kept."""
    nested = session.begin_nested()
    try:
        report = plan_portfolio(session, actor, portfolio_id, day)
    finally:
        nested.rollback()
    return PlanPreviewRead(
        portfolio_id=portfolio_id,
        date=day,
        paused=report.paused,
        enrolled=report.enrolled,
        planned=report.planned,
        lines=[
            PlanLine(step=step, channel=channel, outcome=outcome, rule=rule or None, count=n)
            for (step, channel, outcome, rule), n in sorted(report.counts.items())
        ],
    )


# --- the development outbox and pauses ----------------------------------------------------------


def outbox(session: Session, portfolio_id: uuid.UUID | None, limit: int) -> list[OutboxMessage]:
    """What would have been sent on channels with no provider, newest first."""
    return repository.outbox(session, portfolio_id, limit)


def set_pause(
    session: Session,
    actor: Actor,
    *,
    portfolio: Portfolio | None = None,
    account: Account | None = None,
    paused: bool,
) -> PauseRead:
    """Pause or resume reminders for a portfolio or one account. Repeating either changes
    nothing."""
    if account is not None:
        portfolio_id, account_id = account.portfolio_id, account.id
        scope = f"account:{account.id}"
    else:
        assert portfolio is not None
        portfolio_id, account_id, scope = portfolio.id, None, f"portfolio:{portfolio.id}"
    existing = repository.pause(session, scope)
    if paused == (existing is not None):
        return PauseRead(scope=scope, paused=paused)
    if paused:
        session.add(
            OutboundPause(
                scope=scope, portfolio_id=portfolio_id, account_id=account_id, paused_by_id=actor.id
            )
        )
    else:
        session.delete(existing)
    session.flush()
    audit.record(
        session,
        actor,
        "outbound.paused" if paused else "outbound.resumed",
        "account" if account_id else "portfolio",
        account_id or portfolio_id,
        account_id=account_id,
    )
    return PauseRead(scope=scope, paused=paused)
