"""Stripe Checkout Sessions through the official library.

Amounts cross the boundary here only: our minor units follow ISO 4217, and Stripe agrees for the
currencies we support (CLP and PYG are zero-decimal on both sides, COP/PEN/MXN two-decimal).
Every create carries an idempotency key derived from the link id, so a retry after a timeout
returns the same session instead of a second one.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from stripe import StripeClient

from backend.core.errors import DomainError
from backend.payments.models import PaymentLink
from backend.payments.providers.base import CreatedLink, LinkContext, link_metadata

NAME = "stripe"

# Currencies where Stripe's unit differs from ISO 4217's minor unit. None of ours do today;
# a currency listed here must be converted explicitly before it can be enabled.
STRIPE_SPECIAL_CASES = frozenset({"HUF", "TWD", "ISK", "UGX"})


class ProviderUnavailable(DomainError):
    status = 503
    code = "payment_provider_unavailable"


class UnsupportedCurrency(DomainError):
    status = 422
    code = "unknown_currency"


def to_stripe_amount(amount_minor: int, currency: str) -> int:
    if currency in STRIPE_SPECIAL_CASES:
        raise UnsupportedCurrency(currency=currency)
    return amount_minor


def from_stripe_amount(amount: int, currency: str) -> int:
    return to_stripe_amount(amount, currency.upper())


class StripeProvider:
    name = NAME

    def __init__(self, api_key: str, api_base: str, max_network_retries: int = 2) -> None:
        self.client = StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=max_network_retries,
        )

    def create(self, link: PaymentLink, context: LinkContext) -> CreatedLink:
        metadata = link_metadata(link)
        params = {
            "mode": "payment",
            "client_reference_id": str(link.id),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": link.currency.lower(),
                        "unit_amount": to_stripe_amount(link.amount_minor, link.currency),
                        "product_data": {"name": context.description[:250]},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(link.expires_at.timestamp()),
            "success_url": f"{context.return_url}?status=done",
            "cancel_url": context.return_url,
            "locale": context.language,
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"cobro-link-{link.id}"},
            )
        except stripe.StripeError as exc:
            raise ProviderUnavailable(details={"provider": NAME, "error": str(exc)[:200]}) from None
        return CreatedLink(url=str(session.url), reference=str(session.id))


def verify_event(payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The event as a dict, or ``stripe.SignatureVerificationError`` / ``ValueError``.

    The signature and its age are checked by the library's own ``WebhookSignature``, as
    ``Webhook.construct_event`` does; the verified body is then parsed as plain JSON, without
    building the library's ``StripeObject`` tree only to turn it back into a dict."""
    stripe.WebhookSignature.verify_header(
        payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE
    )
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise ValueError("not a Stripe event")
    if event.get("object") == "v2.core.event":  # thin events are refused, as the library does
        raise ValueError("a thin event notification, not a webhook body")
    return event
