"""The built-in provider: our own payment page at ``/pay/{token}`` (the embedded default).

Its sandbox button completes a payment by building the same event a provider webhook would
deliver and handing it to the same handler, so the demo exercises the real reconciliation path.
"""

from __future__ import annotations

from typing import Any

from backend.payments.models import PaymentLink
from backend.payments.providers.base import CreatedLink, LinkContext, link_metadata

NAME = "builtin"


class BuiltinProvider:
    name = NAME

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")

    def create(self, link: PaymentLink, context: LinkContext) -> CreatedLink:
        return CreatedLink(
            url=f"{self.public_url}/pay/{link.token}", reference=f"cs_builtin_{link.id.hex}"
        )


def sandbox_completion_event(link: PaymentLink) -> dict[str, Any]:
    """A ``checkout.session.completed`` event in Stripe's shape for a sandbox payment."""
    return {
        "id": f"evt_builtin_{link.id.hex}",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "object": "checkout.session",
                "id": link.provider_reference,
                "client_reference_id": str(link.id),
                "payment_status": "paid",
                "amount_total": link.amount_minor,
                "currency": link.currency.lower(),
                "payment_intent": f"pi_builtin_{link.id.hex}",
                "metadata": link_metadata(link),
            }
        },
    }
