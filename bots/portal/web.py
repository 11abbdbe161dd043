"""What every portal page shares: the request's session and chat, rendering, redirects and
the checks on posted forms (CSRF token, the form's one-time id)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from bots.core import render
from bots.core.debts import capitalised
from bots.core.turn import REFUSALS
from bots.portal.session import COOKIE, MAX_AGE_SECONDS, PortalSession, Sessions
from shared.client.bot import BotApi, BotChat
from shared.client.errors import ApiError, NotFoundError
from shared.i18n import formats, t
from shared.schemas.conversations import BotAccountDetail
from shared.schemas.enums import Language

CHANNEL = "portal"
MOUNT = "/portal"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class FormRefused(Exception):
    """A POST without this session's CSRF token (or without a session): answered 403."""


@dataclass
class Page:
    """One request to the portal: its browser session, the chat it is at the backend."""

    request: Request
    sessions: Sessions
    session: PortalSession
    chat: BotChat

    @property
    def lang(self) -> str:
        return self.session.lang

    @property
    def language(self) -> Language:
        return Language(self.lang)

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def money(self, minor: int, currency: str, country: str = "") -> str:
        return formats.money(minor, currency, self.lang, country)

    def day(self, value: date, country: str = "") -> str:
        return formats.long_day(value, self.lang, country)

    def refusal(self, error: ApiError) -> str:
        """Why the API refused, in the debtor's words (the chat's refusal texts)."""
        params = error.details if isinstance(error.details, dict) else {}
        return self.t(REFUSALS.get(error.code, "bot.refused.other"), **params)

    def with_language(self, lang: str) -> None:
        self.session = PortalSession(self.session.sid, lang, fresh=True)

    def html(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = _env.get_template(template).render(
            page=self,
            t=self.t,
            money=self.money,
            day=self.day,
            terms=lambda offer, country="": capitalised(render.terms(offer, self.lang, country)),
            plan_terms=lambda plan, country="": capitalised(
                render.plan_terms(plan, self.lang, country)
            ),
            csrf=self.sessions.csrf(self.session),
            nonce=secrets.token_urlsafe(12),
            base=MOUNT,
            path=self.request.url.path,
            **context,
        )
        return self.keep(HTMLResponse(body, status))

    def redirect(self, to: str) -> Response:
        return self.keep(RedirectResponse(MOUNT + to, status_code=303))

    def keep(self, response: Response) -> Response:
        """Set the cookie when this request made or changed the session."""
        if self.session.fresh:
            response.set_cookie(
                COOKIE,
                self.sessions.cookie(self.session),
                max_age=MAX_AGE_SECONDS,
                path=MOUNT,
                httponly=True,
                secure=self.sessions.secure,
                samesite="strict",
            )
        return response


def api_of(request: Request) -> BotApi:
    """The bot API client serving this request (the app's, set by its middleware)."""
    return request.state.api


def page_for(request: Request, sessions: Sessions) -> Page:
    """The request's page: its session (a new one when it has none)."""
    session = sessions.read(request.cookies.get(COOKIE))
    if session is None:
        accepted = request.headers.get("accept-language", "").lower()
        session = sessions.new("en" if accepted.startswith("en") else "es")
    return Page(request, sessions, session, api_of(request).chat(CHANNEL, session.sid))


async def posted(request: Request, sessions: Sessions) -> tuple[Page, FormData]:
    """A posted form of an existing session carrying its CSRF token; else :class:`FormRefused`."""
    session = sessions.read(request.cookies.get(COOKIE))
    if session is None:  # refused before the body is read
        raise FormRefused()
    form = await request.form()
    token = form.get("csrf")
    if not sessions.csrf_ok(session, token if isinstance(token, str) else None):
        raise FormRefused()
    return Page(request, sessions, session, api_of(request).chat(CHANNEL, session.sid)), form


async def account_of(page: Page, account_id: str) -> BotAccountDetail:
    """An account of the session's verified debtors (404 for anything else, a malformed id
    too; an unverified session gets the API's ``verification_required``)."""
    try:
        wanted = uuid.UUID(account_id)
    except ValueError:
        raise NotFoundError(404, "not_found", "not found") from None
    return await page.chat.account(wanted)


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def message_id(form: FormData) -> str:
    """The form's one-time id (rendered into it): a form sent twice is one write."""
    return "portal:" + (field(form, "nonce")[:64] or secrets.token_urlsafe(12))
