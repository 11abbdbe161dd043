"""Each portfolio's contact rules: its country's rule set with the portfolio's overrides
(``portfolios.contact_rules``), validated when saved and audited."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact import repository
from backend.contact.models import ContactAttempt
from backend.contact.policy import Consent, Decision, decide
from backend.contact.rules import RuleError, RuleSet, rule_set_to_dict, rules_for
from backend.core.clock import utcnow
from backend.core.errors import NotFound, ValidationFailed
from backend.core.ids import uuid7
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.debtors.models import Debtor
from shared.schemas.contact import AttemptStatus, ContactRulesRead
from shared.schemas.enums import Channel

OVERRIDABLE = frozenset(rule_set_to_dict(rules_for("PE"))) - {"country"}


class InvalidContactRules(ValidationFailed):
    code = "invalid_contact_rules"


def rules_of(portfolio: Portfolio) -> RuleSet:
    """The portfolio's effective rule set (parsed once per distinct set: worklists ask per
    stop)."""
    return _parse(portfolio.country, json.dumps(portfolio.contact_rules or {}, sort_keys=True))


@lru_cache(maxsize=256)
def _parse(country: str, overrides_json: str) -> RuleSet:
    return rules_for(country, json.loads(overrides_json))


def read(portfolio: Portfolio) -> ContactRulesRead:
    return ContactRulesRead(
        portfolio_id=portfolio.id,
        country=portfolio.country,
        overrides=portfolio.contact_rules or {},
        effective=rule_set_to_dict(rules_of(portfolio)),
    )


def replace(
    session: Session, actor: Actor, portfolio: Portfolio, overrides: dict[str, Any]
) -> ContactRulesRead:
    """Replace the portfolio's overrides of its country's rules ({} goes back to the law's).
    Unknown keys and impossible rules answer 422 ``invalid_contact_rules`` with the reason."""
    unknown = sorted(set(overrides) - OVERRIDABLE)
    if unknown:
        raise InvalidContactRules(details=[f"unknown rule: {key}" for key in unknown])
    try:
        rules_for(portfolio.country, overrides)
    except RuleError as exc:
        raise InvalidContactRules(details=[str(exc)]) from None
    before = portfolio.contact_rules or None
    portfolio.contact_rules = overrides
    session.add(portfolio)
    session.flush()
    audit.record(
        session,
        actor,
        "policy.contact_updated",
        "portfolio",
        portfolio.id,
        before=before,
        after=overrides,
    )
    return read(portfolio)


# --- deciding and recording contacts ----------------------------------------------------------

# Contacts far enough back (and already planned ahead) for weekly and rolling caps and spacings
# of up to a week.
HISTORY = timedelta(days=15)


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """A contact to decide on and log: ``key`` identifies it for good (a reminder step's
    occurrence, a visit's client id), so asking twice logs it once."""

    key: str
    debtor_id: uuid.UUID
    account_id: uuid.UUID | None
    channel: Channel
    at: datetime
    source: str


def consent_of(session: Session, debtor: Debtor, account_id: uuid.UUID | None) -> Consent:
    """What the debtor allows: the channels their file gives contact data for (phones, e-mail
    addresses, addresses), minus opt-outs; a dispute on the account (or, for a contact about no
    account, on any) freezes contact."""
    reachable, opted_out = repository.consent_facts(session, [debtor.id])[debtor.id]
    return Consent(
        authorised=reachable,
        opted_out=opted_out,
        disputed=repository.disputed(session, debtor.id, account_id),
    )


def decide_for(
    session: Session, debtor: Debtor, account_id: uuid.UUID | None, channel: Channel, at: datetime
) -> Decision:
    """``decide`` for this debtor now, from the log (read only)."""
    portfolio = get_portfolio(session, debtor.portfolio_id)
    history = repository.histories(session, {debtor.id}, at - HISTORY, at + HISTORY)
    return decide(
        rules_of(portfolio),
        ZoneInfo(portfolio.timezone),
        consent_of(session, debtor, account_id),
        history.get(debtor.id, []),
        channel,
        at,
    )


def reserve(
    session: Session,
    actor: Actor,
    request: ContactRequest,
    *,
    within: timedelta | None = None,
    strategy_id: uuid.UUID | None = None,
    step: str | None = None,
) -> ContactAttempt:
    """Decide on a contact and log it, as one step per debtor: planned when allowed (or, with
    ``within``, planned at a deferral's time when it is that close), else deferred (with when)
    or refused, with the rule. Concurrent workers wait for the debtor's lock, so caps hold; a
    key already logged returns its attempt unchanged."""
    existing = repository.by_key(session, request.key)
    if existing is not None:
        return existing
    debtor = repository.lock_debtor(session, request.debtor_id)
    if debtor is None:
        raise NotFound()
    existing = repository.by_key(session, request.key)  # logged while we waited for the lock
    if existing is not None:
        return existing
    decision = decide_for(session, debtor, request.account_id, request.channel, request.at)
    status = {
        "allowed": AttemptStatus.planned,
        "deferred": AttemptStatus.deferred,
        "refused": AttemptStatus.refused,
    }[decision.outcome]
    soon = decision.at is not None and within is not None and decision.at - request.at <= within
    if status is AttemptStatus.deferred and soon:
        status = AttemptStatus.planned
        request = dataclasses.replace(request, at=decision.at)
    return _log(
        session,
        actor,
        request,
        debtor,
        status=status,
        rule=decision.rule,
        until=decision.at if status is AttemptStatus.deferred else None,
        strategy_id=strategy_id,
        step=step,
    )


def record_made(
    session: Session, actor: Actor, request: ContactRequest, outcome: str | None = None
) -> ContactAttempt:
    """Log a contact that already happened (a visit), so the rules count it."""
    existing = repository.by_key(session, request.key)
    if existing is not None:
        return existing
    debtor = session.get(Debtor, request.debtor_id)
    if debtor is None:
        raise NotFound()
    return _log(session, actor, request, debtor, status=AttemptStatus.done, outcome=outcome)


def _log(
    session: Session,
    actor: Actor,
    request: ContactRequest,
    debtor: Debtor,
    *,
    status: AttemptStatus,
    rule: str | None = None,
    until: datetime | None = None,
    outcome: str | None = None,
    strategy_id: uuid.UUID | None = None,
    step: str | None = None,
) -> ContactAttempt:
    values = {
        "id": uuid7(),
        "key": request.key,
        "portfolio_id": debtor.portfolio_id,
        "debtor_id": debtor.id,
        "account_id": request.account_id,
        "channel": request.channel,
        "source": request.source,
        "at": request.at,
        "status": status,
        "rule": rule,
        "until": until,
        "outcome": outcome,
        "strategy_id": strategy_id,
        "step": step,
        "created_at": utcnow(),
    }
    if not repository.insert_new(session, values):  # a concurrent writer logged the key first
        found = repository.by_key(session, request.key)
        assert found is not None
        return found
    attempt = repository.by_key(session, request.key)
    assert attempt is not None
    audit.record(
        session,
        actor,
        f"contact.{status.value}",
        "contact_attempt",
        attempt.id,
        after={"channel": request.channel.value, "at": request.at.isoformat(), "rule": rule},
        account_id=request.account_id,
    )
    return attempt


# --- opt-outs ---------------------------------------------------------------------------------


def set_opt_out(
    session: Session,
    actor: Actor,
    debtor: Debtor,
    channel: Channel,
    opted_out: bool = True,
    *,
    source: str,
    address: str | None = None,
) -> bool:
    """Opt the debtor out of ``channel`` (or back in): the opt-out :func:`decide` honours, so
    nothing is planned or sent to them on it afterwards. Decided under the debtor's lock, so
    concurrent requests change it once; whether it changed. Each change is one
    ``debtor.updated`` event naming its ``source`` (and the ``address`` it came from)."""
    locked = repository.lock_debtor(session, debtor.id)
    if locked is None:
        raise NotFound()
    if (channel.value in locked.opt_outs) == opted_out:
        return False
    before = list(locked.opt_outs)
    locked.opt_outs = (
        [*before, channel.value] if opted_out else [c for c in before if c != channel.value]
    )
    session.add(locked)
    session.flush()
    after: dict[str, Any] = {"opt_outs": locked.opt_outs, "source": source}
    if address:
        after["email"] = address  # masked by the audit trail
    audit.record(
        session,
        actor,
        "debtor.updated",
        "debtor",
        locked.id,
        before={"opt_outs": before},
        after=after,
    )
    return True
