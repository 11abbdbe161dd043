"""The unsubscribe link of reminder e-mails (``backend.outbound.unsubscribe``), outside the
API: no login and no cookies, the link is the credential. Its pages name no one, and nothing
is cached or passed on as a referrer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query
from fastapi.responses import HTMLResponse

from backend.auth.deps import SessionDep
from backend.core.config import get_settings
from backend.core.routing import DomainRouter
from backend.outbound import pages, unsubscribe
from backend.outbound.guards import UnsubscribeTarget
from shared.i18n import normalize_language
from shared.schemas.common import ErrorBody

public = DomainRouter(
    tags=["public pages"],
    responses={status: {"model": ErrorBody} for status in (400, 404, 410, 422)},
)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
Lang = Annotated[str | None, Query(max_length=5, description="es or en; else the debtor's")]


def _language(target: unsubscribe.Target, lang: str | None) -> str:
    return normalize_language(lang or target.debtor.preferred_language.value)


@public.get(f"{unsubscribe.PATH}/{{token}}", response_class=HTMLResponse)
def unsubscribe_page(target: UnsubscribeTarget, lang: Lang = None) -> HTMLResponse:
    """Asks whether to stop reminder e-mails, in the debtor's language, with a button that
    confirms. Opening the link changes nothing (mail scanners open links)."""
    html = pages.ask_page(_language(target, lang), get_settings().agency_name)
    return HTMLResponse(html, headers=PRIVATE)


@public.post(f"{unsubscribe.PATH}/{{token}}", response_class=HTMLResponse)
def unsubscribe_one_click(
    session: SessionDep,
    target: UnsubscribeTarget,
    one_click: Annotated[str | None, Form(alias="List-Unsubscribe")] = None,
    lang: Lang = None,
) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe (body ``List-Unsubscribe=One-Click``): the debtor is
    opted out of e-mail, audited; again, nothing changes. A forged or altered link answers
    400 ``invalid_unsubscribe_link``, an expired one 410 ``expired_unsubscribe_link``, and
    nothing is written."""
    unsubscribe.unsubscribe(session, target, one_click)
    html = pages.done_page(_language(target, lang), get_settings().agency_name)
    return HTMLResponse(html, headers=PRIVATE)
