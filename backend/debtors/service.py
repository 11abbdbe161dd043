"""Debtors: identity validated on the way in, contact data normalised, opt-outs kept."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.scope import account_visibility
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from backend.creditors.service import get_portfolio
from backend.debtors import chats, repository
from backend.debtors.models import Debtor, DebtorAddress
from backend.users.models import User
from shared.identity import IdentityError, normalize_id, normalize_phone
from shared.schemas.debtors import AddressIn, DebtorCreate, DebtorRead, DebtorUpdate
from shared.schemas.enums import Channel, NationalIdType, Role
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


def search_text(debtor: Debtor, phones: list[str]) -> str:
    return fold(" ".join([debtor.display_name, debtor.id_number, *phones]))[:600]


def _addresses(items: list[AddressIn]) -> list[DebtorAddress]:
    return [DebtorAddress(**item.model_dump()) for item in items]


def create(session: Session, actor: Actor, data: DebtorCreate) -> Debtor:
    portfolio = get_portfolio(session, data.portfolio_id)
    id_number = clean_id(data.id_type, data.id_number)
    phones = clean_phones(data.phones, portfolio.country)
    if repository.by_national_id(session, portfolio.id, data.id_type, id_number):
        raise Conflict("error.duplicate_debtor")
    fields = data.model_dump(exclude={"phones", "addresses", "id_number"})
    debtor = Debtor(**fields, id_number=id_number)
    debtor.emails = [str(e).lower() for e in data.emails]
    debtor.search_text = search_text(debtor, phones)
    session.add(debtor)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same national id
        raise Conflict("error.duplicate_debtor") from None
    repository.replace_phones(session, debtor.id, phones)
    repository.replace_addresses(session, debtor.id, _addresses(data.addresses))
    session.flush()
    after = audit.snapshot(debtor, exclude=frozenset({"search_text"})) or {}
    after["phones"] = phones
    audit.record(session, actor, "debtor.created", "debtor", debtor.id, after=after)
    return debtor


def update(session: Session, actor: Actor, debtor: Debtor, data: DebtorUpdate) -> Debtor:
    """Change a debtor the caller may see (their guard loaded it)."""
    if debtor.erased_at is not None:
        raise DebtorErased()
    portfolio = get_portfolio(session, debtor.portfolio_id)
    fields = data.model_dump(exclude_unset=True)
    before = audit.snapshot(debtor, exclude=frozenset({"search_text"})) or {}
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
    debtor.search_text = search_text(debtor, phones)
    session.add(debtor)
    session.flush()
    after = audit.snapshot(debtor, exclude=frozenset({"search_text"})) or {}
    after["phones"] = phones
    old, new = audit.changes(before, after)
    audit.record(session, actor, "debtor.updated", "debtor", debtor.id, before=old, after=new)
    if "opt_outs" in fields:  # no messages in a chat the debtor opted out of
        for channel in chats.LINKED_CHANNELS & {Channel(c) for c in debtor.opt_outs}:
            chats.unlink(session, actor, debtor.id, channel)
    return debtor


def get_visible(session: Session, user: User, debtor_id: uuid.UUID) -> Debtor:
    """A debtor the caller may see: admins any; others only through a visible account."""
    if user.role == Role.admin:
        debtor = session.get(Debtor, debtor_id)
    else:
        debtor = repository.visible_one(session, debtor_id, account_visibility(user))
    if debtor is None:
        raise NotFound()
    return debtor


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
