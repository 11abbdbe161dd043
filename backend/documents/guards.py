"""What document paths name, loaded and checked in the endpoint's unit of work
(``backend.core.guards``): a payment (``/payments/{payment_id}``) joined to its account and
kept only when the caller may see that account, or, for the bot API, only when it is an
account of the chat's verified debtors; a certificate by its public code. 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.conversations.guards import ChatDep
from backend.conversations.service import bound_account
from backend.core.errors import NotFound
from backend.core.guards import guard
from backend.documents import repository
from backend.documents.models import Certificate
from backend.payments.models import Payment


def _visible_payment(session: Session, user: CurrentUser, payment_id: uuid.UUID) -> Payment:
    return visible_through_account(session, user, Payment, payment_id)


def _chat_payment(session: Session, chat: ChatDep, payment_id: uuid.UUID) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound()
    bound_account(session, chat, payment.account_id)
    return payment


def _certificate(session: Session, code: str) -> Certificate:
    """The code is the credential: anyone holding it may check the certificate."""
    certificate = repository.certificate_by_code(session, code.strip().upper()[:16])
    if certificate is None:
        raise NotFound()
    return certificate


VisiblePayment = Annotated[Payment, guard(_visible_payment)]
ChatPayment = Annotated[Payment, guard(_chat_payment)]
CertificateByCode = Annotated[Certificate, guard(_certificate)]
