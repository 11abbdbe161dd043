"""What a free-text search matches besides names: documents and phones, exactly, through
their blind indexes (both are sealed at rest, so no partial match on them is possible)."""

from __future__ import annotations

import re

from sqlalchemy import BindParameter, ColumnElement, exists, or_, select
from sqlmodel import Session, col

from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorPhone, document_index, phone_index
from shared.identity import IdentityError, normalize_phone

_SEPARATORS = re.compile(r"[\s.\-/]")
_PHONE = re.compile(r"^\+?[\d\s().\-]{6,24}$")


def search_keys(session: Session, query: str) -> list[str]:
    """The blind indexes ``query`` may stand for: a document (separators stripped,
    upper-cased, as ``shared.identity.normalize_id`` stores it) and a phone, read as E.164
    or as a national number of any portfolio's country."""
    keys: list[str] = []
    document = _SEPARATORS.sub("", query).upper()
    if document.isalnum() and len(document) <= 32:
        keys.append(document_index(document))
    if _PHONE.match(query.strip()):
        countries = session.execute(select(Portfolio.country).distinct()).scalars()
        phones: set[str] = set()
        for region in (None, *countries):
            try:
                phones.add(normalize_phone(query, region))
            except IdentityError:
                continue
        keys.extend(phone_index(phone) for phone in sorted(phones))
    return keys


def matches(keys: list[str] | BindParameter[list[str]]) -> ColumnElement[bool]:
    """``Debtor`` holds one of these blind indexes (a list, or an expanding bind parameter of
    one) as its document or as one of its phones."""
    phone = exists().where(
        DebtorPhone.debtor_id == Debtor.id, col(DebtorPhone.e164_index).in_(keys)
    )
    return or_(col(Debtor.id_number_index).in_(keys), phone)
