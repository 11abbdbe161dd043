"""The portal's pages. Each handler makes one or a few calls of the bot API for the session's
chat and renders a template; every POST carries the session's CSRF token and a one-time form id
(the message id of its write, so a form sent twice is one write)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from bots.core import render
from bots.portal.session import Sessions
from bots.portal.web import Page, field, message_id, page_for, posted
from shared.client.errors import (
    ApiError,
    ApiValidationError,
    AuthError,
    ConflictError,
    NotFoundError,
)
from shared.i18n import LANGUAGES
from shared.money import MoneyError, from_decimal
from shared.schemas.conversations import BotAccountDetail
from shared.schemas.enums import AccountStatus, Channel, DisputeReason, LinkPurpose

TOP_OFFERS = 3
CHOICES = (Channel.whatsapp, Channel.telegram, Channel.sms, Channel.email, Channel.phone)
PAID = (AccountStatus.paid,)
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
STATEMENT_CHARS = 2000
PROPOSAL_FIELDS = ("kind", "count", "amount", "first", "down", "insist")


class NotVerified(Exception):
    """The session's chat is not (or no longer) verified: show the verify page."""


def routes(sessions: Sessions) -> APIRouter:
    router = APIRouter()

    def get(request: Request) -> Page:
        return page_for(request, sessions)

    async def account_of(page: Page, account_id: str) -> BotAccountDetail:
        try:
            return await page.chat.account(uuid.UUID(account_id))
        except ValueError:
            raise NotFoundError(404, "not_found", "not found") from None
        except AuthError as exc:
            if exc.code == "verification_required":
                raise NotVerified() from None
            raise

    async def home(page: Page, **context: Any) -> Response:
        state = await page.chat.state()
        if not state.verified:
            return verify_page(page, locked=state.locked_until is not None, **context)
        accounts = await page.chat.accounts()
        return page.html("accounts.html", name=state.first_name, accounts=accounts, **context)

    def verify_page(page: Page, status: int = 200, **context: Any) -> Response:
        return page.html("verify.html", status, **context)

    def verify_error(page: Page, status: int, key: str, id_number: str, **params: Any) -> Response:
        return verify_page(page, status, error=page.t(key, **params), id_number=id_number)

    @router.get("/")
    async def index(request: Request) -> Response:
        return await home(get(request))

    @router.get("/start/{token}")
    async def start(request: Request, token: str, documents: str | None = None) -> Response:
        """A chat link from a reminder (or, with ``documents``, from a chat asking for its
        documents): verified at once. The page is rendered here rather than redirected to, so
        the browser keeps the cookie it is given on a cross-site click (SameSite=Strict
        cookies are not sent on a redirect that started elsewhere)."""
        page = get(request)
        result = await page.chat.identify_by_token(token[:128])
        if result.status != "verified":
            return verify_page(page, 400, error=page.t("portal.link_refused"))
        if result.language is not None and result.language.value != page.lang:
            page.with_language(result.language.value)
        if documents:
            return await documents_page(page, await account_of(page, documents))
        return await home(page)

    @router.post("/verify")
    async def verify(request: Request) -> Response:
        page, form = await posted(request, sessions)
        id_number = field(form, "id_number")[:32]
        last4 = field(form, "phone_last4") or None
        born = field(form, "birth_date") or None
        if not id_number or (last4 is None and born is None):
            return verify_page(
                page, 422, error=page.t("portal.verify.missing"), id_number=id_number
            )
        try:
            birth = date.fromisoformat(born) if born else None
            result = await page.chat.identify(
                id_number,
                phone_last4=None if birth else last4,
                birth_date=birth,
            )
        except (ValueError, ApiValidationError):
            return verify_page(
                page, 422, error=page.t("portal.verify.invalid"), id_number=id_number
            )
        if result.status == "verified":
            if result.language is not None and result.language.value != page.lang:
                page.with_language(result.language.value)
            return page.redirect("/")
        if result.status == "locked":
            minutes = max(1, -(-(result.retry_after_seconds or 60) // 60))
            error = page.t("portal.verify.locked", count=minutes)
            return verify_page(page, 429, error=error, locked=True)
        if result.status == "factor_required":
            return verify_page(
                page, 422, error=page.t("portal.verify.missing"), id_number=id_number
            )
        left = result.attempts_left or 0
        return verify_error(page, 401, "portal.verify.failed", id_number, count=left)

    @router.post("/language")
    async def language(request: Request) -> Response:
        page, form = await posted(request, sessions)
        lang = field(form, "lang")
        if lang in LANGUAGES:
            page.with_language(lang)
        back = field(form, "next")
        return page.redirect(back if back.startswith("/") and "//" not in back else "/")

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        page, _ = await posted(request, sessions)
        page.session = sessions.new(page.lang)
        return page.redirect("/")

    @router.get("/accounts/{account_id}")
    async def account(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        offers = []
        if detail.plan is None and detail.status not in PAID and detail.balance_minor > 0:
            try:
                offers = (await page.chat.offers(detail.id))[:TOP_OFFERS]
            except (ConflictError, NotFoundError):
                offers = []  # no self-service negotiation left here: pay or ask a person
        return page.html("account.html", account=detail, offers=offers, paid=detail.status in PAID)

    @router.post("/accounts/{account_id}/accept")
    async def accept(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        try:
            plan = await page.chat.accept(uuid.UUID(field(form, "offer_id")))
        except ValueError:
            raise NotFoundError(404, "not_found", "not found") from None
        except (ConflictError, NotFoundError) as exc:
            return page.html("done.html", 409, account=detail, error=page.refusal(exc))
        return page.html("plan.html", 201, account=detail, plan=plan)

    @router.post("/accounts/{account_id}/pay")
    async def pay(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        try:
            purpose = LinkPurpose(field(form, "purpose"))
            link = await page.chat.payment_link(
                detail.id, purpose, message_id=message_id(form), language=page.language
            )
        except ValueError:
            return page.html("done.html", 422, account=detail, error=page.t("bot.refused.other"))
        except (ConflictError, NotFoundError, ApiValidationError) as exc:
            return page.html("done.html", 409, account=detail, error=page.refusal(exc))
        return page.keep(Response(status_code=303, headers={"Location": link.url}))

    @router.get("/accounts/{account_id}/propose")
    async def propose_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("propose.html", account=detail, values={})

    @router.post("/accounts/{account_id}/propose")
    async def propose(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        values = {
            name: field(form, name)
            for name in ("kind", "count", "amount", "first", "down", "insist")
        }
        try:
            terms = _terms(values, detail.currency)
        except (ValueError, InvalidOperation, MoneyError):
            return page.html(
                "propose.html",
                422,
                account=detail,
                values=values,
                error=page.t("portal.propose.invalid"),
            )
        try:
            result = await page.chat.propose(detail.id, currency=detail.currency, **terms)
        except (ConflictError, NotFoundError, ApiValidationError) as exc:
            return page.html(
                "propose.html", 409, account=detail, values=values, error=page.refusal(exc)
            )
        reason = render.violation(result.violations, detail.currency, page.lang, detail.country)
        return page.html("proposal.html", account=detail, result=result, reason=reason)

    @router.get("/accounts/{account_id}/promise")
    async def promise_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("promise.html", account=detail, values={})

    @router.post("/accounts/{account_id}/promise")
    async def promise(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        values = {"amount": field(form, "amount"), "date": field(form, "date")}
        try:
            minor = from_decimal(Decimal(values["amount"]), detail.currency)
            due = date.fromisoformat(values["date"])
        except (ValueError, InvalidOperation, MoneyError):
            return page.html(
                "promise.html",
                422,
                account=detail,
                values=values,
                error=page.t("portal.promise.invalid"),
            )
        try:
            made = await page.chat.promise(
                detail.id,
                amount_minor=minor,
                currency=detail.currency,
                due_date=due,
                message_id=message_id(form),
            )
        except (ConflictError, NotFoundError, ApiValidationError) as exc:
            return page.html(
                "promise.html", 409, account=detail, values=values, error=page.refusal(exc)
            )
        text = page.t(
            "portal.promise.done",
            amount=page.money(made.amount_minor, made.currency, detail.country),
            date=page.day(made.due_date, detail.country),
        )
        return page.html("done.html", 201, account=detail, message=text)

    @router.get("/accounts/{account_id}/dispute")
    async def dispute_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("dispute.html", account=detail, reasons=list(DisputeReason))

    @router.post("/accounts/{account_id}/dispute")
    async def dispute(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        statement = field(form, "statement")[:STATEMENT_CHARS]
        try:
            reason = DisputeReason(field(form, "reason"))
        except ValueError:
            reason = None
        if reason is None or not statement:
            return page.html(
                "dispute.html",
                422,
                account=detail,
                reasons=list(DisputeReason),
                error=page.t("portal.dispute.missing"),
                statement=statement,
            )
        evidence = []
        upload = form.get("evidence")
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(MAX_EVIDENCE_BYTES + 1)
            try:
                kept = await page.chat.send_evidence(
                    detail.id,
                    filename=upload.filename,
                    content=content,
                    content_type=upload.content_type or "application/octet-stream",
                )
            except ApiError:
                return page.html(
                    "dispute.html",
                    422,
                    account=detail,
                    reasons=list(DisputeReason),
                    error=page.t("portal.dispute.file"),
                    statement=statement,
                )
            evidence.append(kept.id)
        answer = await page.chat.dispute(
            detail.id,
            reason=reason,
            statement=statement,
            message_id=message_id(form),
            language=page.language,
            evidence=evidence,
        )
        return page.html("done.html", 201, account=detail, message=answer.message.text)

    async def documents_page(page: Page, detail: BotAccountDetail) -> Response:
        payments = await page.chat.payments(detail.id)
        return page.html(
            "documents.html", account=detail, payments=payments, paid=detail.status in PAID
        )

    @router.get("/accounts/{account_id}/documents")
    async def documents(request: Request, account_id: str) -> Response:
        page = get(request)
        return await documents_page(page, await account_of(page, account_id))

    def pdf(page: Page, content: bytes, name: str) -> Response:
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return page.keep(Response(content, media_type="application/pdf", headers=headers))

    @router.get("/accounts/{account_id}/schedule.pdf")
    async def schedule(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        content = await page.chat.schedule_pdf(detail.id, page.language)
        return pdf(page, content, f"cronograma-{detail.reference}.pdf")

    @router.get("/accounts/{account_id}/receipts/{payment_id}.pdf")
    async def receipt(request: Request, account_id: str, payment_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        try:
            paid = uuid.UUID(payment_id)
        except ValueError:
            raise NotFoundError(404, "not_found", "not found") from None
        if paid not in {p.id for p in await page.chat.payments(detail.id)}:
            raise NotFoundError(404, "not_found", "not found")
        content = await page.chat.receipt_pdf(paid, page.language)
        return pdf(page, content, f"recibo-{detail.reference}.pdf")

    @router.get("/accounts/{account_id}/certificate.pdf")
    async def certificate(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        await page.chat.certificate(detail.id)
        content = await page.chat.certificate_pdf(detail.id, page.language)
        return pdf(page, content, f"constancia-{detail.reference}.pdf")

    @router.get("/preferences")
    async def preferences(request: Request) -> Response:
        page = get(request)
        try:
            current = await page.chat.contact_preferences()
        except AuthError:
            raise NotVerified() from None
        return page.html("preferences.html", choices=CHOICES, off=set(current.opted_out))

    @router.post("/preferences")
    async def save_preferences(request: Request) -> Response:
        page, form = await posted(request, sessions)
        off = [c for c in CHOICES if c.value in form.getlist("off")]
        try:
            saved = await page.chat.set_contact_preferences(off)
        except AuthError:
            raise NotVerified() from None
        return page.html(
            "preferences.html",
            choices=CHOICES,
            off=set(saved.opted_out),
            message=page.t("portal.preferences.saved"),
        )

    @router.post("/agent")
    async def agent(request: Request) -> Response:
        page, form = await posted(request, sessions)
        chosen = field(form, "account_id")
        detail = await account_of(page, chosen) if chosen else None
        try:
            await page.chat.handoff(
                message_id=message_id(form),
                account_id=detail.id if detail else None,
                reason=field(form, "reason")[:300] or None,
            )
        except AuthError:
            raise NotVerified() from None
        return page.html("done.html", 201, account=detail, message=page.t("portal.agent.done"))

    return router


def _terms(values: dict[str, str], currency: str) -> dict[str, Any]:
    """The proposal form as the bot API's terms (amounts in minor units)."""
    first = date.fromisoformat(values["first"]) if values["first"] else None
    down = from_decimal(Decimal(values["down"]), currency) if values["down"] else None
    insist = values["insist"] == "on"
    if values["kind"] == "settlement":
        amount = from_decimal(Decimal(values["amount"]), currency)
        if amount <= 0:
            raise ValueError("amount")
        return {
            "kind": "settlement",
            "settlement_amount_minor": amount,
            "first_due": first,
            "insist": insist,
        }
    count = int(values["count"])
    if not 1 <= count <= 600:
        raise ValueError("count")
    return {
        "kind": "plan_by_count",
        "instalments": count,
        "first_due": first,
        "down_payment_minor": down or None,
        "insist": insist,
    }
