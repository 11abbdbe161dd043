"""Security headers on every response the backend serves.

* Every response: ``X-Content-Type-Options: nosniff``.
* HTML pages (payment pages, receipts, the field app's shell, the API docs): a
  Content-Security-Policy, ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``),
  ``Referrer-Policy: no-referrer`` (payment links carry their token in the URL) and
  ``Cache-Control: no-store`` (they show personal data). A page's own policy wins (the payment
  pages allow exactly their inline style and script by hash); else the policy registered for
  its path prefix (:func:`page_policy`: the field app, the docs); else :data:`STRICT_POLICY`.
* API responses (``/api/``): ``Cache-Control: no-store`` unless the endpoint set one: they carry
  personal data that no browser or proxy cache should keep.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_POLICY = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
_STATE = "cobro_page_policies"


def page_policy(app: Starlette, prefix: str, policy: str) -> None:
    """HTML served under ``prefix`` gets ``policy`` unless it sets its own."""
    policies: list[tuple[str, str]] = getattr(app.state, _STATE, [])
    policies.append((prefix, policy))
    policies.sort(key=lambda item: -len(item[0]))  # the longest prefix first
    setattr(app.state, _STATE, policies)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policies: list[tuple[str, str]] = getattr(scope["app"].state, _STATE, [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    if "content-security-policy" not in headers:
                        headers["Content-Security-Policy"] = next(
                            (policy for prefix, policy in policies if path.startswith(prefix)),
                            STRICT_POLICY,
                        )
                    headers["X-Frame-Options"] = "DENY"
                    headers["Referrer-Policy"] = "no-referrer"
                    headers["Cache-Control"] = "no-store"
                elif path.startswith("/api/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
