"""Debtors: identity validated on the way in, contact data normalised, opt-outs kept.

* A document is unique per portfolio. Creating one that exists answers 409 ``conflict``
  (``details.debtor_id``) when the caller may see that debtor, and 409 ``not_available``
  otherwise: the same answer whatever the debtor behind it, so documents outside the caller's
  scope are never confirmed nor described.
* Staff may add opt-outs; only the debtor (bot opt-in, portal) or an admin with a recorded
  reason (``opt_in``) lifts one.
* A change of a verification factor (phones, birth date) by staff is audited masked and makes
  every chat bound to the debtor verify again (``factors``).
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.scope import NotAvailable, debtor_visibility, visible_debtor
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.conversations.bindings import unbind_debtors
from backend.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from backend.creditors.service import get_portfolio
from backend.debtors import chats, factors, repository
from backend.debtors.models import Debtor, DebtorAddress, DebtorCreator
from backend.users.models import User
from shared.identity import IdentityError, normalize_id, normalize_phone
from shared.schemas.debtors import AddressIn, DebtorCreate, DebtorRead, DebtorUpdate, OptIn
from shared.schemas.enums import Channel, NationalIdType
from shared.text import fold


class DebtorErased(DomainError):
    """The debtor's personal data was erased (``backend.privacy``): nothing may be added back."""

    status = 409
    code = "debtor_erased"


def clean_id(id_type: NationalIdType, id_number: str) -> str:
    try:
        return normalize_id(id_type, id_number)
    except IdentityError as exc:
        raise ValidationFailed(f"error.{exc.code}", reason=str(exc)) from None


def clean_phones(raw: list[str], region: str) -> list[str]:
    phones: list[str] = []
    for value in raw:
        try:
            e164 = normalize_phone(value, region)
        except IdentityError as exc:
            raise ValidationFailed("error.invalid_phone", reason=str(exc)) from None
        if e164 not in phones:
            phones.append(e164)
    return phones


_UNAUDITED = frozenset({"search_text", "id_number_index"})


def search_text(debtor: Debtor) -> str:
    """The folded name: documents and phones are sealed, found by their blind indexes."""
    return fold(debtor.display_name)[:600]


def _addresses(items: list[AddressIn]) -> list[DebtorAddress]:
    return [DebtorAddress(**item.model_dump()) for item in items]


class OptOutClearForbidden(Forbidden):
    """Staff may record an opt-out, never lift one (only the debtor, or an admin with a
    reason through ``POST /debtors/{id}/opt-in``)."""

    code = "opt_out_clear_forbidden"


def create(session: Session, actor: Actor, user: User, data: DebtorCreate) -> Debtor:
    portfolio = get_portfolio(session, data.portfolio_id)
    id_number = clean_id(data.id_type, data.id_number)
    phones = clean_phones(data.phones, portfolio.country)
    _check_document_free(session, user, portfolio.id, data.id_type, id_number)
    fields = data.model_dump(exclude={"phones", "addresses", "id_number"})
    debtor = Debtor(**fields, id_number=id_number)
    debtor.emails = [str(e).lower() for e in data.emails]
    debtor.search_text = search_text(debtor)
    try:
        with session.begin_nested():
            session.add(debtor)
            session.flush()
    except IntegrityError:  # a concurrent create of the same national id committed first
        _check_document_free(session, user, portfolio.id, data.id_type, id_number)
        raise
    session.add(DebtorCreator(debtor_id=debtor.id, created_by_id=user.id))
    repository.replace_phones(session, debtor.id, phones)
    repository.replace_addresses(session, debtor.id, _addresses(data.addresses))
    session.flush()
    after = audit.snapshot(debtor, exclude=_UNAUDITED) or {}
    after["phones"] = phones
    audit.record(session, actor, "debtor.created", "debtor", debtor.id, after=after)
    return debtor


def _check_document_free(
    session: Session,
    user: User,
    portfolio_id: uuid.UUID,
    id_type: NationalIdType,
    id_number: str,
) -> None:
    existing = repository.by_national_id(session, portfolio_id, id_type, id_number)
    if existing is None:
        return
    if repository.is_visible(session, existing.id, debtor_visibility(user)):
        raise Conflict("error.duplicate_debtor", details={"debtor_id": str(existing.id)})
    raise NotAvailable()


def update(session: Session, actor: Actor, debtor: Debtor, data: DebtorUpdate) -> Debtor:
    """Change a debtor the caller may see (their guard loaded it). Opt-outs may only be added
    here; a change of phones or birth date unbinds the debtor's chats."""
    if debtor.erased_at is not None:
        raise DebtorErased()
    portfolio = get_portfolio(session, debtor.portfolio_id)
    fields = data.model_dump(exclude_unset=True)
    if (opt_outs := fields.get("opt_outs")) is not None:
        if set(debtor.opt_outs) - {Channel(c).value for c in opt_outs}:
            raise OptOutClearForbidden()
        fields["opt_outs"] = list(dict.fromkeys([*debtor.opt_outs, *(c.value for c in opt_outs)]))
    before = audit.snapshot(debtor, exclude=_UNAUDITED) or {}
    before["phones"] = repository.phones_of(session, [debtor.id]).get(debtor.id, [])
    phones = before["phones"]
    if (raw_phones := fields.pop("phones", None)) is not None:
        phones = clean_phones(raw_phones, portfolio.country)
        repository.replace_phones(session, debtor.id, phones)
    if (addresses := data.addresses) is not None:
        fields.pop("addresses")
        repository.replace_addresses(session, debtor.id, _addresses(addresses))
    if "emails" in fields and fields["emails"] is not None:
        fields["emails"] = [str(e).lower() for e in fields["emails"]]
    for key, value in fields.items():
        if value is not None or key in {"preferred_channel", "birth_date"}:
            setattr(debtor, key, value)
    debtor.search_text = search_text(debtor)
    session.add(debtor)
    session.flush()
    after = audit.snapshot(debtor, exclude=_UNAUDITED) or {}
    after["phones"] = phones
    old, new = audit.changes(before, after)
    if factors.changed(before, after):
        new["verification_reset"] = unbind_debtors(
            session, actor, [debtor.id], "verification_factors_changed"
        )
    # Masked by the audit trail (backend.audit.masking): never a factor's answer.
    audit.record(session, actor, "debtor.updated", "debtor", debtor.id, before=old, after=new)
    if "opt_outs" in fields:  # no messages in a chat the debtor opted out of
        for channel in chats.LINKED_CHANNELS & {Channel(c) for c in debtor.opt_outs}:
            chats.unlink(session, actor, debtor.id, channel)
    return debtor


def opt_in(session: Session, actor: Actor, debtor: Debtor, data: OptIn) -> Debtor:
    """An admin lifts opt-outs on the debtor's word, with the reason recorded in the audit
    event. Lifting one that is not there changes nothing."""
    lifted = [c.value for c in data.channels if c.value in debtor.opt_outs]
    if not lifted:
        return debtor
    before = list(debtor.opt_outs)
    debtor.opt_outs = [c for c in before if c not in lifted]
    session.add(debtor)
    session.flush()
    audit.record(
        session,
        actor,
        "debtor.opted_in",
        "debtor",
        debtor.id,
        before={"opt_outs": before},
        after={"opt_outs": debtor.opt_outs, "lifted": lifted, "reason": data.reason},
    )
    return debtor


def get_visible(session: Session, user: User, debtor_id: uuid.UUID) -> Debtor:
    """A debtor the caller may see (``scope.debtor_visibility``); ``NotFound`` otherwise."""
    return visible_debtor(session, user, debtor_id)


def to_read(session: Session, debtors: list[Debtor]) -> list[DebtorRead]:
    ids = [d.id for d in debtors]
    phones = repository.phones_of(session, ids)
    addresses = repository.addresses_of(session, ids)
    return [
        DebtorRead.model_validate(
            {
                **d.model_dump(),
                "display_name": d.display_name,
                "phones": phones.get(d.id, []),
                "addresses": [a.model_dump() for a in addresses.get(d.id, [])],
            }
        )
        for d in debtors
    ]
