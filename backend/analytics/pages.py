"""The dashboard page at ``/analytics``: one server-rendered shell (Jinja2) in the caller's
language, its stylesheet and script, and the vendored Chart.js, all served from here. The
script logs in against ``/api/v1/auth/token`` and reads ``/api/v1/analytics`` with the token:
nothing is loaded from anywhere else, which the page's Content-Security-Policy enforces."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.core.errors import NotFound
from shared.i18n import messages, normalize_language
from shared.i18n.formats import money_style
from shared.money import CURRENCY_EXPONENTS

HERE = Path(__file__).parent
STATIC = HERE / "static"
ASSETS = {
    "chart.umd.min.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

pages = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )


def texts(lang: str) -> dict[str, str]:
    """The dashboard's texts in ``lang`` (the script fills their ``{placeholders}``)."""
    return {
        key.removeprefix("dash."): value.get(lang) or value["es"]
        for key, value in messages().items()
        if key.startswith("dash.")
    }


def money_styles(lang: str) -> dict[str, dict[str, str | int]]:
    """How every supported currency's amounts are written for ``lang`` readers (the script
    writes the figures with them; each currency in its usual country)."""
    return {currency: money_style(currency, lang) for currency in sorted(CURRENCY_EXPONENTS)}


@pages.get("/analytics", response_class=HTMLResponse)
def dashboard(request: Request, lang: str | None = None) -> HTMLResponse:
    language = normalize_language(lang or request.headers.get("accept-language"))
    words = texts(language)
    html = (
        _environment()
        .get_template("dashboard.html")
        .render(
            lang=language,
            t=words,
            texts_json=json.dumps(words, ensure_ascii=False),
            money_json=json.dumps(money_styles(language), ensure_ascii=False),
        )
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@pages.get("/analytics/static/{name}")
def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound()
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
