from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import stripe
from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts.guards import VisibleAccount
from backend.accounts.models import Account
from backend.auth.deps import CurrentUser, SessionDep, Staff, actor_of
from backend.core.config import get_settings
from backend.core.errors import CurrencyMismatch, DomainError, Forbidden, NotFound
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.responses import json_response
from backend.core.routing import DomainRouter
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor
from backend.ledger.guards import VisibleEntry
from backend.payments import batching, pages, repository, service
from backend.payments.models import Payment
from backend.payments.providers import builtin, stripe_provider
from backend.payments.service import IncomingPayment, LinkRequest
from backend.users.models import User
from shared.i18n import normalize_language
from shared.money import from_decimal
from shared.observability.metrics import counted_webhook
from shared.schemas.common import ErrorBody, Page
from shared.schemas.enums import PaymentMethod, Role
from shared.schemas.ledger import EntryCreate, EntryRead, ReversalCreate
from shared.schemas.payments import (
    FieldPaymentCreate,
    PaymentLinkCreate,
    PaymentLinkRead,
    PaymentRead,
    WebhookAck,
)

router = DomainRouter(tags=["payments"])
public = DomainRouter(
    tags=["public pages"],
    responses={status: {"model": ErrorBody} for status in (404, 422)},
)


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"


class ChannelNotConfigured(DomainError):
    status = 404
    code = "channel_not_configured"


@router.post(
    "/accounts/{account_id}/payment-links",
    response_model=PaymentLinkRead,
    status_code=201,
    responses={200: {"model": PaymentLinkRead, "description": "Replay of the same client_key"}},
)
def create_link(
    session: SessionDep,
    user: CurrentUser,
    account: VisibleAccount,
    body: PaymentLinkCreate,
    response: Response,
) -> object:
    """A link for the balance, the settlement, an instalment or the open promise."""
    link, created = service.create_link(
        session,
        actor_of(user),
        account.id,
        LinkRequest(
            purpose=body.purpose,
            created_by_kind=body.created_by or user.role.value,
            instalment_id=body.instalment_id,
            client_key=body.client_key,
            language=body.language.value,
        ),
    )
    if not created:
        response.status_code = 200
    return link


@router.get("/accounts/{account_id}/payment-links", response_model=Page[PaymentLinkRead])
def list_links(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    rows = repository.links_page(session, account.id, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


def _payment_read(payment: Payment) -> PaymentRead:
    read = PaymentRead.model_validate(payment, from_attributes=True)
    read.expected_minor = payment.details.get("expected_minor")
    read.refunded_minor = payment.details.get("refunded_minor", 0)
    if read.verification_code:
        base = get_settings().public_url.rstrip("/")
        read.receipt_url = f"{base}/receipts/{read.verification_code}"
    return read


@router.get("/accounts/{account_id}/payments", response_model=Page[PaymentRead])
def list_payments(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    rows = repository.payments_page(session, account.id, paging.cursor, paging.limit)
    items = [_payment_read(p) for p in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.post(
    "/accounts/{account_id}/field-payments",
    response_model=PaymentRead,
    status_code=201,
    responses={200: {"model": PaymentRead, "description": "Replay of the same client_id"}},
)
def field_payment(
    session: SessionDep,
    user: CurrentUser,
    account: VisibleAccount,
    body: FieldPaymentCreate,
    response: Response,
) -> object:
    """Cash, transfer or card-terminal payment taken by an agent, with a verifiable receipt."""
    if body.approve_overpayment and user.role not in (Role.supervisor, Role.admin):
        raise Forbidden()
    amount_minor = from_decimal(body.amount, body.currency)
    if not repository.payment_by_client_id(session, body.client_id):  # replays answer as before
        service.require_field_amount(session, amount_minor, account)
    payment, created = service.record_payment(
        session,
        actor_of(user),
        account.id,
        IncomingPayment(
            amount_minor=amount_minor,
            currency=body.currency,
            paid_on=body.paid_on,
            method=PaymentMethod(body.method),
            client_id=body.client_id,
            agent_id=user.id,
            receipt_number=body.receipt_number,
            photo_ref=body.photo_ref,
            latitude=body.latitude,
            longitude=body.longitude,
            limit_overpayment=not body.approve_overpayment,
        ),
    )
    if not created:
        response.status_code = 200
    return _payment_read(payment)


# Manual ledger posts and reversals live here: money in and out goes through payments.
@router.post(
    "/accounts/{account_id}/ledger",
    tags=["ledger"],
    response_model=EntryRead,
    status_code=201,
    responses={200: {"model": EntryRead, "description": "Replay of an earlier post"}},
)
def post_entry(
    session: SessionDep, user: Staff, account: VisibleAccount, data: EntryCreate, response: Response
) -> object:
    """Admins and supervisors post charges, interest, fees, payments and discounts.
    The same ``idempotency_key`` again answers 200 with the first entry."""
    if data.currency != account.currency:  # before reading the amount in the wrong currency
        raise CurrencyMismatch(given=data.currency, expected=account.currency)
    posted = service.post_entry(
        session,
        actor_of(user),
        account.id,
        kind=data.kind,
        amount_minor=from_decimal(data.amount, data.currency),
        currency=data.currency,
        effective_date=data.effective_date,
        idempotency_key=data.idempotency_key,
        description=data.description,
        approve_overpayment=data.approve_overpayment,
    )
    if not posted.created:
        response.status_code = 200
    return posted.entry


@router.post(
    "/ledger/{entry_id}/reverse",
    tags=["ledger"],
    response_model=EntryRead,
    status_code=201,
    responses={200: {"model": EntryRead, "description": "Replay of an earlier reversal"}},
)
def reverse_entry(
    session: SessionDep, user: Staff, entry: VisibleEntry, data: ReversalCreate, response: Response
) -> object:
    posted = service.reverse_entry(
        session,
        actor_of(user),
        entry.id,
        idempotency_key=data.idempotency_key,
        description=data.description,
        effective_date=data.effective_date,
    )
    if not posted.created:
        response.status_code = 200
    return posted.entry


@router.post("/payments/webhooks/stripe", response_model=WebhookAck)
@counted_webhook("stripe")
async def stripe_webhook(
    request: Request,
    session: SessionDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> Response:
    """Verified with STRIPE_WEBHOOK_SECRET; forged, stale or unsigned calls answer 400 and
    write nothing. Each event id is handled once; the answer comes once the event was handled
    and committed, with the events that arrived at the same time (``batching``); a failure
    answers 5xx, so Stripe delivers it again."""
    secret = get_settings().stripe_webhook_secret
    if not secret:
        raise ChannelNotConfigured()
    payload = await request.body()
    try:
        event = stripe_provider.verify_event(payload, stripe_signature or "", secret)
    except (stripe.SignatureVerificationError, ValueError):
        raise InvalidSignature() from None
    # The handler locks rows and waits on other transactions: never on the event loop.
    outcome = await batching.submit(session, stripe_provider.NAME, event)
    return json_response(WebhookAck(outcome=outcome))


def _pay_view(session: SessionDep, token: str, lang: str) -> pages.PayView:
    link = service.link_by_token(session, token)
    account = session.get(Account, link.account_id)
    portfolio = session.get(Portfolio, account.portfolio_id) if account else None
    creditor = session.get(Creditor, portfolio.creditor_id) if portfolio else None
    if account is None or portfolio is None or creditor is None:
        raise NotFound()
    instalment = service.instalment_of(session, link.instalment_id)
    # The day the link lapses there: 24 hours from an evening in Lima end the next evening,
    # not on the UTC date after it.
    expires_on = link.expires_at.astimezone(ZoneInfo(portfolio.timezone)).date()
    sandbox = link.provider == builtin.NAME and not get_settings().is_production
    return pages.PayView(
        lang=lang,
        creditor=creditor.name,
        concept=f"{account.product} ({account.external_ref})",
        first_name=service.debtor_first_name(session, account),
        amount_minor=link.amount_minor,
        currency=link.currency,
        country=portfolio.country,
        pay_by=instalment.due_date if instalment else expires_on,
        purpose=link.purpose.value,
        status=link.status.value,
        provider_url=None if link.provider == builtin.NAME else link.url,
        sandbox_action=f"/pay/{token}/sandbox" if sandbox else None,
    )


def _page_language(request: Request, lang: str | None) -> str:
    return normalize_language(lang or request.headers.get("accept-language"))


@public.get("/pay/{token}", response_class=HTMLResponse)
def pay_page(
    request: Request,
    session: SessionDep,
    token: str,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    """The built-in payment page (a link's public URL): who, what, how much, by when."""
    view = _pay_view(session, token, _page_language(request, lang))
    return HTMLResponse(pages.pay_page(view), headers=pages.HEADERS)


@public.post("/pay/{token}/sandbox", response_class=RedirectResponse, status_code=303)
def pay_sandbox(session: SessionDep, token: str) -> RedirectResponse:
    """SANDBOX ONLY (refused when COBRO_ENV=production): completes the payment through the
    same handler a provider webhook uses."""
    service.ensure_sandbox_allowed()
    link = service.link_by_token(session, token)
    if link.provider != builtin.NAME:
        raise NotFound()
    if link.status.value == "open":
        service.handle_event(session, builtin.NAME, builtin.sandbox_completion_event(link))
    return RedirectResponse(f"/pay/{token}", status_code=303)


@public.get("/receipts/{code}", response_class=HTMLResponse)
def receipt(
    request: Request,
    session: SessionDep,
    code: str,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    """A field payment's receipt: the debtor checks it by its verification code."""
    payment = repository.payment_by_code(session, code.strip().upper())
    if payment is None:
        raise NotFound()
    account = session.get(Account, payment.account_id)
    debtor = session.get(Debtor, account.debtor_id) if account else None
    portfolio = session.get(Portfolio, account.portfolio_id) if account else None
    creditor = session.get(Creditor, portfolio.creditor_id) if portfolio else None
    agent = session.get(User, payment.agent_id) if payment.agent_id else None
    if account is None or debtor is None or creditor is None:
        raise NotFound()
    view = pages.ReceiptView(
        lang=_page_language(request, lang),
        code=payment.verification_code or "",
        creditor=creditor.name,
        debtor=debtor.company_name or pages.mask_name(debtor.first_name, debtor.last_name),
        account_ref=account.external_ref,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        country=portfolio.country if portfolio else "",
        paid_on=payment.paid_on,
        method=payment.method.value,
        receipt_number=payment.receipt_number or "",
        agent=agent.full_name if agent else "",
    )
    return HTMLResponse(pages.receipt_page(view), headers=pages.HEADERS)
