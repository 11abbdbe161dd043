"""The provider interface: create a hosted payment page for a link; verify its webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from backend.payments.models import PaymentLink


@dataclass(frozen=True, slots=True)
class LinkContext:
    description: str  # what the debtor sees: "Banco Andino - Tarjeta de crédito"
    language: str
    return_url: str  # our own page for the link, where the provider sends the debtor back


@dataclass(frozen=True, slots=True)
class CreatedLink:
    url: str
    reference: str  # the provider's id for the payment attempt (Checkout Session id)


class PaymentProvider(Protocol):
    name: str

    def create(self, link: PaymentLink, context: LinkContext) -> CreatedLink: ...


def link_metadata(link: PaymentLink) -> dict[str, Any]:
    """Ids that tie a provider's payment back to our records (strings only, no empties)."""
    values = {
        "link_id": link.id,
        "account_id": link.account_id,
        "plan_id": link.plan_id,
        "instalment_id": link.instalment_id,
        "promise_id": link.promise_id,
        "purpose": link.purpose.value,
    }
    return {key: str(value) for key, value in values.items() if value is not None}
