"""The portal's session pages: sign-in (by link or by ID and a second factor), the accounts,
the language, contact preferences, a person, sign-out. Each handler makes one or a few calls of
the bot API for the session's chat and renders a template; every POST carries the session's
CSRF token (and, for writes, a one-time form id: the write's message id)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bots.portal.accounts import documents_page
from bots.portal.session import Sessions
from bots.portal.web import Page, account_of, field, message_id, page_for, posted
from shared.client.errors import (
    ApiValidationError,
)
from shared.i18n import LANGUAGES
from shared.schemas.enums import Channel

# The channels a debtor may turn off here (the backend's ``SELF_SERVICE_OPT_OUTS``).
CHOICES = (Channel.whatsapp, Channel.telegram, Channel.sms, Channel.email, Channel.phone)


def routes(sessions: Sessions) -> APIRouter:
    router = APIRouter()

    def get(request: Request) -> Page:
        return page_for(request, sessions)

    async def home(page: Page, **context: Any) -> Response:
        state = await page.chat.state()
        if not state.verified:
            return verify_page(page, locked=state.locked_until is not None, **context)
        accounts = await page.chat.accounts()
        paid = await page.chat.paid_accounts()
        receipts = await asyncio.gather(*(page.chat.payments(a.id) for a in paid))
        return page.html(
            "accounts.html",
            name=state.first_name,
            accounts=accounts,
            paid=list(zip(paid, receipts, strict=True)),
            **context,
        )

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
                client_address=request.client.host if request.client else None,
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
        await page.chat.unbind()  # the old session id verifies nobody any more
        page.session = sessions.new(page.lang)
        return page.redirect("/")

    @router.get("/preferences")
    async def preferences(request: Request) -> Response:
        page = get(request)
        current = await page.chat.contact_preferences()
        return page.html("preferences.html", choices=CHOICES, off=set(current.opted_out))

    @router.post("/preferences")
    async def save_preferences(request: Request) -> Response:
        page, form = await posted(request, sessions)
        off = [c for c in CHOICES if c.value in form.getlist("off")]
        saved = await page.chat.set_contact_preferences(off)
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
        await page.chat.handoff(
            message_id=message_id(form),
            account_id=detail.id if detail else None,
            reason=field(form, "reason")[:300] or None,
        )
        return page.html("done.html", 201, account=detail, message=page.t("portal.agent.done"))

    return router
