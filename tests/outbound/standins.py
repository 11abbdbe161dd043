"""Local stand-ins of the providers the outbound channels call: real servers on loopback.

:func:`serve_apis` serves, on one free port, the WhatsApp Cloud API messages endpoint
(``POST /v<version>/<phone id>/messages``), the Telegram Bot API ``sendMessage``
(``POST /bot<token>/sendMessage``) and Twilio's ``Messages.json``
(``POST /2010-04-01/Accounts/<sid>/Messages.json``); point each adapter's base URL at it.
:func:`serve_smtp` runs an aiosmtpd SMTP server (STARTTLS and AUTH when asked).

Each stand-in records what it received (:class:`Received`), checks the credentials the real
provider checks, answers as the provider does, and answers the failure queued with
``fail_next(kind)`` instead (``rate_limit``, ``bad_number``, ``server_error``...), or answers
late after ``delay_next(seconds)``.

Run them by hand (then set the printed variables for `cobro serve` / `cobro worker`):
    python -m tests.outbound.standins
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, ClassVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.live import free_port, serve

WA_TOKEN = "wa-test-token"
WA_PHONE_ID = "1098765432"
TG_TOKEN = "123456:TEST-outbound-token"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
SMTP_USER, SMTP_PASSWORD = "mailer", "mailer-secret"

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def _whatsapp_error(status: int, code: int, message: str, **extra: Any) -> Answer:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace"}
    return status, {"error": error | extra}


def _telegram_error(status: int, description: str, **extra: Any) -> Answer:
    return status, {"ok": False, "error_code": status, "description": description, **extra}


def _twilio_error(status: int, code: int, message: str) -> Answer:
    info = f"https://www.twilio.com/docs/errors/{code}"
    return status, {"code": code, "message": message, "more_info": info, "status": status}


WHATSAPP_ERRORS: dict[str, Answer] = {
    "rate_limit": _whatsapp_error(429, 130429, "(#130429) Rate limit hit"),
    "bad_number": _whatsapp_error(400, 100, "(#100) Invalid parameter"),
    "no_template": _whatsapp_error(
        404, 132001, "(#132001) Template name does not exist in the translation"
    ),
    "server_error": _whatsapp_error(500, 131000, "Something went wrong"),
    "undeliverable": _whatsapp_error(400, 131026, "(#131026) Message Undeliverable"),
}
TELEGRAM_ERRORS: dict[str, Answer] = {
    "rate_limit": _telegram_error(
        429, "Too Many Requests: retry after 7", parameters={"retry_after": 7}
    ),
    "bad_number": _telegram_error(400, "Bad Request: chat not found"),
    "blocked": _telegram_error(403, "Forbidden: bot was blocked by the user"),
    "server_error": _telegram_error(500, "Internal Server Error"),
}
TWILIO_ERRORS: dict[str, Answer] = {
    "rate_limit": _twilio_error(429, 20429, "Too Many Requests"),
    "bad_number": _twilio_error(400, 21211, "Invalid 'To' Phone Number"),
    "server_error": _twilio_error(500, 20500, "Internal Server Error"),
}


class Provider:
    """What one stand-in received and the answers queued for its next requests."""

    def __init__(self, errors: dict[str, Answer]) -> None:
        self.received: list[Received] = []
        self._errors = errors
        self._queued: deque[Answer] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def fail_next(self, kind: str, times: int = 1) -> None:
        with self._lock:
            self._queued.extend([self._errors[kind]] * times)

    def delay_next(self, seconds: float) -> None:
        with self._lock:
            self._delays.append(seconds)

    async def take(self, request: Request, body: dict[str, Any]) -> tuple[int, Answer | None]:
        """Record the request; its sequence number and the queued failure, if any."""
        with self._lock:
            self.received.append(Received(request.url.path, dict(request.headers), body))
            number = next(self._ids)
            delay = self._delays.popleft() if self._delays else 0.0
            queued = self._queued.popleft() if self._queued else None
        if delay:
            await asyncio.sleep(delay)
        return number, queued


@dataclass
class StandIns:
    url: str
    whatsapp: Provider = field(default_factory=lambda: Provider(WHATSAPP_ERRORS))
    telegram: Provider = field(default_factory=lambda: Provider(TELEGRAM_ERRORS))
    twilio: Provider = field(default_factory=lambda: Provider(TWILIO_ERRORS))


def _answer(answer: Answer) -> JSONResponse:
    return JSONResponse(answer[1], status_code=answer[0])


async def _form(request: Request) -> dict[str, Any]:
    return {key: value for key, value in (await request.form()).items()}


def build_app(standins: StandIns) -> FastAPI:
    app = FastAPI()

    @app.post("/{version}/{phone_id}/messages")
    async def whatsapp(version: str, phone_id: str, request: Request) -> JSONResponse:
        body = await request.json()
        number, failure = await standins.whatsapp.take(request, body)
        if request.headers.get("authorization") != f"Bearer {WA_TOKEN}":
            return _answer(_whatsapp_error(401, 190, "Invalid OAuth access token"))
        if failure or phone_id != WA_PHONE_ID:
            return _answer(failure or _whatsapp_error(400, 100, "Unknown phone number id"))
        to = str(body["to"])
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                "messages": [{"id": f"wamid.OUT{number}", "message_status": "accepted"}],
            }
        )

    @app.post("/bot{token}/sendMessage")
    async def telegram(token: str, request: Request) -> JSONResponse:
        body = await _form(request)
        number, failure = await standins.telegram.take(request, body)
        if token != TG_TOKEN:
            return _answer(_telegram_error(401, "Unauthorized"))
        if failure:
            return _answer(failure)
        chat = int(body["chat_id"])
        message = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Ana"},
            "text": body["text"],
        }
        return JSONResponse({"ok": True, "result": message})

    @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
    async def twilio(sid: str, request: Request) -> JSONResponse:
        body = await _form(request)
        number, failure = await standins.twilio.take(request, body)
        if not _twilio_auth(request) or sid != TWILIO_SID:
            return _answer(_twilio_error(401, 20003, "Authenticate"))
        if failure:
            return _answer(failure)
        message = {
            "sid": f"SM{number:032x}",
            "account_sid": sid,
            "status": "queued",
            "to": body["To"],
            "from": body.get("From"),
            "messaging_service_sid": body.get("MessagingServiceSid"),
            "body": body["Body"],
            "direction": "outbound-api",
            "num_segments": "1",
            "api_version": "2010-04-01",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        }
        return JSONResponse(message, status_code=201)

    return app


def _twilio_auth(request: Request) -> bool:
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {expected}"


@contextmanager
def serve_apis() -> Iterator[StandIns]:
    """The WhatsApp, Telegram and Twilio stand-ins on one free loopback port."""
    standins = StandIns(url="")
    with serve(build_app(standins)) as url:
        standins.url = url
        yield standins


@dataclass(frozen=True, slots=True)
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool  # the message came over a STARTTLS-protected session
    login: str | None  # the authenticated user


class SmtpHandler:
    """Records each message; refuses recipients in ``refuse`` (550) and answers queued DATA
    failures (``busy``: 451, ``rejected``: 554)."""

    _DATA_ERRORS: ClassVar[dict[str, str]] = {
        "busy": "451 4.3.0 Try again later",
        "rejected": "554 5.7.1 Rejected",
    }

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self._queued: deque[str] = deque()

    def fail_next(self, kind: str) -> None:
        self._queued.append(self._DATA_ERRORS[kind])

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._queued:
            return self._queued.popleft()
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if session.authenticated else None
        tls = session.ssl is not None
        self.mails.append(
            Mail(str(envelope.mail_from), list(envelope.rcpt_tos), message, tls, login)
        )
        return "250 Message accepted for delivery"


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpStandIn:
    host: str
    port: int
    handler: SmtpHandler


@contextmanager
def serve_smtp(tls_context: Any = None) -> Iterator[SmtpStandIn]:
    """An SMTP server on a free loopback port; with ``tls_context`` it offers STARTTLS and
    requires it, and AUTH (``SMTP_USER``/``SMTP_PASSWORD``) only over TLS."""
    handler = SmtpHandler()
    port = free_port()
    options: dict[str, Any] = {}
    if tls_context is not None:
        options = {
            "tls_context": tls_context,
            "require_starttls": True,
            "authenticator": _authenticator,
            "auth_require_tls": True,
        }
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpStandIn("127.0.0.1", port, handler)
    finally:
        controller.stop()


def main() -> None:
    """Serve every stand-in until interrupted, printing what arrives."""
    with serve_apis() as apis, serve_smtp() as smtp:
        print(
            "\n".join(
                (
                    f"COBRO_WHATSAPP_API_BASE_URL={apis.url}",
                    f"COBRO_WHATSAPP_TOKEN={WA_TOKEN}",
                    f"COBRO_WHATSAPP_PHONE_NUMBER_ID={WA_PHONE_ID}",
                    f"COBRO_TELEGRAM_API_BASE_URL={apis.url}",
                    f"COBRO_TELEGRAM_BOT_TOKEN={TG_TOKEN}",
                    f"COBRO_TWILIO_API_BASE_URL={apis.url}",
                    f"COBRO_TWILIO_ACCOUNT_SID={TWILIO_SID}",
                    f"COBRO_TWILIO_AUTH_TOKEN={TWILIO_TOKEN}",
                    "COBRO_TWILIO_FROM=+15005550006",
                    f"COBRO_SMTP_HOST={smtp.host}",
                    f"COBRO_SMTP_PORT={smtp.port}",
                    "COBRO_SMTP_STARTTLS=false",
                    "COBRO_SMTP_FROM=Cobro <cobranzas@cobro.test>",
                )
            ),
            flush=True,
        )
        sources = {"whatsapp": apis.whatsapp, "telegram": apis.telegram, "twilio": apis.twilio}
        shown = dict.fromkeys([*sources, "smtp"], 0)
        try:
            while True:
                time.sleep(0.5)
                for name, provider in sources.items():
                    for call in provider.received[shown[name] :]:
                        print(f"{name} {call.path} {json.dumps(call.body)}", flush=True)
                    shown[name] = len(provider.received)
                for mail in smtp.handler.mails[shown["smtp"] :]:
                    print(f"smtp {mail.rcpt_tos} {mail.message['Subject']}", flush=True)
                shown["smtp"] = len(smtp.handler.mails)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
