"""The portal's account pages: the balance with the offers (or the plan), accepting an offer,
proposing a plan to the negotiation engine, paying, promising, disputing, and the documents
(schedule, receipts, certificate) as PDF downloads. Every page names an account of the
session's verified debtors (anyone else's answers 404, as the bot API does)."""

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
from bots.portal.web import Page, account_of, field, message_id, page_for, posted
from shared.client.errors import ApiError, ApiValidationError, ConflictError, NotFoundError
from shared.money import MoneyError, from_decimal
from shared.schemas.conversations import BotAccountDetail
from shared.schemas.enums import AccountStatus, DisputeReason, LinkPurpose
from shared.schemas.negotiation import Frequency

TOP_OFFERS = 3
PAID = (AccountStatus.paid,)
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
STATEMENT_CHARS = 2000
PROPOSAL_FIELDS = ("kind", "count", "instalment", "frequency", "amount", "first", "down", "insist")
FREQUENCIES: tuple[Frequency, ...] = ("weekly", "biweekly", "monthly")


async def documents_page(page: Page, detail: BotAccountDetail) -> Response:
    payments = await page.chat.payments(detail.id)
    return page.html(
        "documents.html", account=detail, payments=payments, paid=detail.status in PAID
    )


def account_routes(sessions: Sessions) -> APIRouter:
    router = APIRouter(prefix="/accounts/{account_id}")

    def get(request: Request) -> Page:
        return page_for(request, sessions)

    @router.get("")
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

    @router.post("/accept")
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

    @router.post("/pay")
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

    @router.get("/propose")
    async def propose_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("propose.html", account=detail, values={}, frequencies=FREQUENCIES)

    @router.post("/propose")
    async def propose(request: Request, account_id: str) -> Response:
        page, form = await posted(request, sessions)
        detail = await account_of(page, account_id)
        values = {name: field(form, name) for name in PROPOSAL_FIELDS}
        try:
            terms = _terms(values, detail.currency)
        except (ValueError, InvalidOperation, MoneyError):
            return page.html(
                "propose.html",
                422,
                account=detail,
                values=values,
                frequencies=FREQUENCIES,
                error=page.t("portal.propose.invalid"),
            )
        try:
            result = await page.chat.propose(detail.id, currency=detail.currency, **terms)
        except (ConflictError, NotFoundError, ApiValidationError) as exc:
            return page.html(
                "propose.html",
                409,
                account=detail,
                values=values,
                frequencies=FREQUENCIES,
                error=page.refusal(exc),
            )
        reason = render.violation(result.violations, detail.currency, page.lang, detail.country)
        return page.html("proposal.html", account=detail, result=result, reason=reason)

    @router.get("/promise")
    async def promise_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("promise.html", account=detail, values={})

    @router.post("/promise")
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

    @router.get("/dispute")
    async def dispute_form(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        return page.html("dispute.html", account=detail, reasons=list(DisputeReason))

    @router.post("/dispute")
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

    @router.get("/documents")
    async def documents(request: Request, account_id: str) -> Response:
        page = get(request)
        return await documents_page(page, await account_of(page, account_id))

    def pdf(page: Page, content: bytes, name: str) -> Response:
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return page.keep(Response(content, media_type="application/pdf", headers=headers))

    @router.get("/schedule.pdf")
    async def schedule(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        content = await page.chat.schedule_pdf(detail.id, page.language)
        return pdf(page, content, f"cronograma-{detail.reference}.pdf")

    @router.get("/receipts/{payment_id}.pdf")
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

    @router.get("/certificate.pdf")
    async def certificate(request: Request, account_id: str) -> Response:
        page = get(request)
        detail = await account_of(page, account_id)
        await page.chat.certificate(detail.id)
        content = await page.chat.certificate_pdf(detail.id, page.language)
        return pdf(page, content, f"constancia-{detail.reference}.pdf")

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
    chosen = [f for f in FREQUENCIES if f == (values["frequency"] or "monthly")]
    if not chosen:
        raise ValueError("frequency")
    plan: dict[str, Any] = {
        "frequency": chosen[0],
        "first_due": first,
        "down_payment_minor": down or None,
        "insist": insist,
    }
    if values["kind"] == "amount":
        instalment = from_decimal(Decimal(values["instalment"]), currency)
        if instalment <= 0:
            raise ValueError("instalment")
        return {"kind": "plan_by_amount", "instalment_amount_minor": instalment, **plan}
    count = int(values["count"])
    if not 1 <= count <= 600:
        raise ValueError("count")
    return {"kind": "plan_by_count", "instalments": count, **plan}
