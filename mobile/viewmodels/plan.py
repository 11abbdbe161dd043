"""Plan: the negotiation engine's offers for the account, accepted with the debtor present,
or a payment link sent to the debtor by WhatsApp. Both need the server (online only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mobile.outbox import new_client_id
from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from mobile.viewmodels.account import whatsapp_url
from mobile.viewmodels.confirm import Confirmation, plan_confirmation, plan_summary
from shared.client import ApiError, ApiUnavailable
from shared.i18n import t
from shared.schemas.enums import ActionChannel, Language, LinkPurpose, PlanKind
from shared.schemas.field import AccountBundle
from shared.schemas.negotiation import OfferRead


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer_id: uuid.UUID
    title: str
    detail: str


class PlanViewModel:
    """Offers of one account; :attr:`message` tells the agent what happened."""

    def __init__(self, ctx: AppContext, bundle: AccountBundle) -> None:
        self.ctx = ctx
        self.bundle = bundle
        self.offers: list[OfferRead] = []
        self.message: str | None = None
        self.loaded = False

    async def load(self) -> None:
        """Ask the engine for this account's offers (within the portfolio's limits)."""
        self.message = None
        try:
            self.offers = await self.ctx.session.api.create_offers(
                self.bundle.account.id, channel=ActionChannel.agent
            )
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.plan.online_only")
            return
        except ApiError as exc:
            self.message = exc.message
            return
        self.loaded = True
        if not self.offers:
            self.message = self.ctx.t("mobile.plan.none")

    def rows(self) -> list[OfferRow]:
        return [self._row(offer) for offer in self.offers]

    async def accept(self, offer_id: uuid.UUID) -> bool:
        """Accept an offer with the debtor present; the plan shows after the next sync."""
        try:
            await self.ctx.session.api.accept_offer(offer_id, channel=ActionChannel.agent)
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.plan.online_only")
            return False
        except ApiError as exc:
            self.message = exc.message
            return False
        self.message = self.ctx.t("mobile.plan.accepted")
        await self.ctx.session.engine.sync()
        return True

    async def payment_link(self) -> str | None:
        """A WhatsApp URL with a payment link for what is due (the plan's next instalment, the
        open promise, or the balance), or ``None`` with :attr:`message` set."""
        debtor = self.bundle.debtor
        if not debtor.phones:
            self.message = self.ctx.t("mobile.plan.no_phone")
            return None
        if self.bundle.plan is not None:
            purpose = LinkPurpose.instalment
        elif self.bundle.promise is not None:
            purpose = LinkPurpose.promise
        else:
            purpose = LinkPurpose.balance
        try:
            link = await self.ctx.session.api.create_payment_link(
                self.bundle.account.id,
                purpose,
                client_key=new_client_id(),
                language=Language(debtor.preferred_language),
            )
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.error.offline")
            return None
        except ApiError as exc:
            self.message = exc.message
            return None
        lang = debtor.preferred_language.value
        text = t(
            "mobile.plan.link_text",
            lang,
            name=debtor.display_name,
            amount=fmt.money(link.amount_minor, link.currency, lang),
            url=link.url or "",
        )
        return whatsapp_url(debtor.phones[0], text)

    def confirmation(self, offer_id: uuid.UUID) -> Confirmation:
        """What the debtor agrees to: down payment, each instalment with its date, the total."""
        return plan_confirmation(self.ctx, self._offer(offer_id))

    def _offer(self, offer_id: uuid.UUID) -> OfferRead:
        return next(offer for offer in self.offers if offer.id == offer_id)

    def _row(self, offer: OfferRead) -> OfferRow:
        lang = self.ctx.lang
        first = min(offer.instalments, key=lambda i: i.number) if offer.instalments else None
        when = "mobile.plan.on" if offer.plan_kind is PlanKind.settlement else "mobile.plan.from"
        detail = " · ".join(
            part
            for part in (
                self.ctx.t(when, date=fmt.day(first.due_date, lang)) if first else "",
                self.ctx.t(f"mobile.frequency.{offer.frequency}") if offer.frequency else "",
            )
            if part
        )
        return OfferRow(offer.id, plan_summary(self.ctx, offer), detail)
