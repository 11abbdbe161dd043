"""The e-mail unsubscribe page: it asks, then confirms. Public, so it names no one: no name,
no address, no debt; only the agency. Every value is escaped."""

from __future__ import annotations

from html import escape

from backend.outbound.unsubscribe import ONE_CLICK
from backend.payments.pages import page
from shared.i18n import t


def ask_page(lang: str, agency: str) -> str:
    """The question and a button that posts RFC 8058's one-click body to the same link."""
    body = (
        f"<h1>{escape(t('unsubscribe.title', lang))}</h1>"
        f'<p class="muted">{escape(t("unsubscribe.ask", lang, agency=agency))}</p>'
        '<form method="post">'
        f'<input type="hidden" name="List-Unsubscribe" value="{ONE_CLICK}">'
        f'<button class="pay" type="submit">{escape(t("unsubscribe.button", lang))}</button>'
        "</form>"
    )
    return page(lang, t("unsubscribe.title", lang), body)


def done_page(lang: str, agency: str) -> str:
    body = (
        f"<h1>{escape(t('unsubscribe.done.title', lang))}</h1>"
        f'<p class="ok">{escape(t("unsubscribe.done", lang, agency=agency))}</p>'
    )
    return page(lang, t("unsubscribe.title", lang), body)
