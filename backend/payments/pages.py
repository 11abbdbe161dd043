"""Public HTML: the built-in payment page and the field receipt. Every value is escaped.

The pages carry one constant stylesheet and one constant script (the receipt's print button),
allowed by their hashes in :data:`CONTENT_SECURITY_POLICY`: nothing else may run or load.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from html import escape

from shared.i18n import formats, t

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
background:#f4f6f8;color:#1c2430}
main{max-width:420px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:14px;padding:22px;box-shadow:0 2px 10px #0001}
h1{font-size:1.3rem;margin:0 0 4px} .muted{color:#5b6675;font-size:.95rem}
.amount{font-size:2.2rem;font-weight:700;margin:14px 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:14px 0} dt{color:#5b6675}
dd{margin:0;font-weight:600} button,a.btn{display:block;width:100%;padding:14px;border:0;
border-radius:10px;font-size:1.05rem;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.pay{background:#0a7d4f;color:#fff} .sandbox{border:2px dashed #b26a00;background:#fff4e0;
color:#6b3f00;padding:10px;border-radius:10px;margin:16px 0 10px;font-size:.9rem}
.sbtn{background:#b26a00;color:#fff}
.ok{background:#e6f6ee;color:#0a5c3a;padding:12px;border-radius:10px}
.warn{background:#fdecec;color:#8a1c1c;padding:12px;border-radius:10px}
@media print{.noprint{display:none} body{background:#fff}}
"""
_PRINT_SCRIPT = 'document.getElementById("print").addEventListener("click",()=>window.print())'


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_PRINT_SCRIPT)}; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}


def page(lang: str, title: str, body: str) -> str:
    """A public page: the shared shell (style, viewport) around ``body``, which the caller
    built with every value escaped. The unsubscribe and certificate pages use it too."""
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><div class="card">{body}</div></main></body></html>'
    )


@dataclass(frozen=True, slots=True)
class PayView:
    lang: str
    creditor: str
    concept: str
    first_name: str
    amount_minor: int
    currency: str
    country: str
    pay_by: date
    purpose: str
    status: str
    provider_url: str | None
    sandbox_action: str | None  # form action when the sandbox button is shown


def pay_page(view: PayView) -> str:
    lang = view.lang
    amount = formats.money(view.amount_minor, view.currency, lang, view.country)
    parts = [
        f"<h1>{escape(t('pay.greeting', lang, name=view.first_name))}</h1>",
        f'<p class="muted">{escape(t("pay.title", lang))}</p>',
        f'<div class="amount">{escape(amount)}</div>',
        "<dl>",
        f"<dt>{escape(t('pay.creditor', lang))}</dt><dd>{escape(view.creditor)}</dd>",
        f"<dt>{escape(t('pay.concept', lang))}</dt>"
        f"<dd>{escape(t(f'pay.purpose.{view.purpose}', lang))} · {escape(view.concept)}</dd>",
        f"<dt>{escape(t('pay.due', lang))}</dt>"
        f"<dd>{escape(formats.day(view.pay_by, lang, view.country))}</dd>",
        "</dl>",
    ]
    if view.status == "paid":
        parts.append(f'<p class="ok">{escape(t("pay.status.paid", lang))}</p>')
    elif view.status in ("expired", "cancelled"):
        parts.append(f'<p class="warn">{escape(t(f"pay.status.{view.status}", lang))}</p>')
    elif view.sandbox_action:
        parts.append(
            f'<div class="sandbox" role="note">{escape(t("pay.sandbox.label", lang))}</div>'
            f'<form method="post" action="{escape(view.sandbox_action)}">'
            f'<button class="sbtn" type="submit">{escape(t("pay.sandbox.button", lang))}</button>'
            "</form>"
        )
    elif view.provider_url:
        parts.append(
            f'<a class="btn pay" href="{escape(view.provider_url)}">{escape(t("pay.go", lang))}</a>'
        )
    return page(lang, t("pay.title", lang), "".join(parts))


@dataclass(frozen=True, slots=True)
class ReceiptView:
    lang: str
    code: str
    creditor: str
    debtor: str
    account_ref: str
    amount_minor: int
    currency: str
    country: str
    paid_on: date
    method: str
    receipt_number: str
    agent: str


def receipt_page(view: ReceiptView) -> str:
    lang = view.lang
    amount = formats.money(view.amount_minor, view.currency, lang, view.country)
    rows = [
        ("receipt.code", view.code),
        ("receipt.number", view.receipt_number),
        ("receipt.date", formats.day(view.paid_on, lang, view.country)),
        ("receipt.method", t(f"receipt.method.{view.method}", lang)),
        ("receipt.debtor", view.debtor),
        ("receipt.reference", view.account_ref),
        ("pay.creditor", view.creditor),
        ("receipt.agent", view.agent),
    ]
    body = (
        f"<h1>{escape(t('receipt.title', lang))}</h1>"
        f'<p class="ok">{escape(t("receipt.valid", lang))}</p>'
        f'<div class="amount">{escape(amount)}</div>'
        "<dl>"
        + "".join(f"<dt>{escape(t(k, lang))}</dt><dd>{escape(v)}</dd>" for k, v in rows)
        + "</dl>"
        f'<button id="print" class="pay noprint">{escape(t("receipt.print", lang))}</button>'
        f"<script>{_PRINT_SCRIPT}</script>"
    )
    return page(lang, t("receipt.title", lang), body)


def mask_name(first: str | None, last: str | None) -> str:
    """ "Rosa Q." — enough for the debtor to recognise, not enough to expose them."""
    initial = f" {last[0]}." if last else ""
    return f"{first or ''}{initial}".strip()
