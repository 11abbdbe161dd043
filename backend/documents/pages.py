"""The public page that checks a paid-in-full certificate by its code: only what checking it
needs (creditor, the account reference's last four characters, the holder's initials, the day
nothing was owed any more, valid or revoked). Every value is escaped."""

from __future__ import annotations

from html import escape

from backend.documents.service import Verification
from backend.payments.pages import page
from shared.i18n import formats, t


def verification_page(view: Verification, lang: str) -> str:
    status = "doc.certificate.valid" if view.valid else "doc.certificate.revoked"
    rows = [
        (t("receipt.code", lang), view.code),
        (t("pay.creditor", lang), view.creditor),
        (t("receipt.reference", lang), view.reference),
        (t("doc.certificate.holder", lang), view.initials),
        (
            t(f"doc.certificate.closed_on.{view.basis.value}", lang),
            formats.day(view.closed_on, lang, view.country),
        ),
        (t("doc.certificate.issued_on", lang), formats.day(view.issued_on, lang, view.country)),
    ]
    body = (
        f"<h1>{escape(t('doc.certificate.title', lang))}</h1>"
        f'<p class="{"ok" if view.valid else "warn"}" role="status">{escape(t(status, lang))}</p>'
        "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"
        f'<p class="muted">{escape(t("doc.certificate.public_note", lang))}</p>'
    )
    return page(lang, t("doc.certificate.title", lang), body)
