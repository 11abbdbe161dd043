"""Channel tests: the real python-telegram-bot and pywa, fed webhook bodies, no network.

Outbound calls (Telegram's Bot API, Meta's Graph API) go through :class:`FakePlatforms`, an
httpx transport that records every request and answers as the platforms do. The conversation
core is :class:`FakeConversation`: it records each ``Incoming`` and answers canned messages;
a message id it has seen before gets ``Reply(duplicate=True)`` as the core's contract says; it
records the delivery statuses relayed to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx

from bots.app import create_bots_app
from bots.config import BotSettings
from bots.core.messages import Button, Incoming, Outgoing, Reply
from shared.client.errors import ApiUnavailable
from shared.schemas.outbound import DeliveryReport

TG_TOKEN = "123456:TEST-token"
TG_SECRET = "tg-webhook-secret"
WA_SECRET = "wa-app-secret"
WA_VERIFY = "wa-verify-token"
WA_PHONE_ID = "1098765432"
WA_USER = "51987654321"
BOTS_URL = "http://bots.test"
MEDIA_HOST = "lookaside.fbsbx.com"  # where the Graph API says media can be downloaded

T = TypeVar("T")

GREETING = Outgoing(
    "Hola Ana, tu saldo es S/\xa01,250.00.",
    buttons=(Button("pay:balance", "Pagar el saldo total"), Button("offers", "Ver opciones")),
)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class FakeConversation:
    def __init__(self, messages: tuple[Outgoing, ...] = (GREETING,)) -> None:
        self.messages = messages
        self.incoming: list[Incoming] = []
        self.failing = False  # the backend fails: turns answer Reply(retry=True), as the core does
        self._seen: set[str] = set()
        self.settled: list[tuple[str, bool]] = []
        self.reports: list[DeliveryReport] = []  # delivery statuses relayed
        self.unreachable_chats: list[tuple[str, str, str, str]] = []

    async def handle(self, incoming: Incoming) -> Reply:
        if incoming.message_id in self._seen:
            return Reply(duplicate=True)
        self._seen.add(incoming.message_id)
        if self.failing:
            return Reply([Outgoing("Lo siento, algo salió mal.")], retry=True)
        self.incoming.append(incoming)
        return Reply(list(self.messages))

    async def settle(self, incoming: Incoming, *, delivered: bool) -> None:
        self.settled.append((incoming.message_id, delivered))
        if not delivered:  # released: the redelivery is answered, as the real core does
            self._seen.discard(incoming.message_id)

    async def report_deliveries(self, reports: list[DeliveryReport]) -> None:
        if self.failing:  # the backend unreachable: the client raises
            raise ApiUnavailable("the API is down")
        self.reports.extend(reports)

    async def unreachable(self, channel: str, user_id: str, reason: str, detail: str) -> None:
        if self.failing:
            raise ApiUnavailable("the API is down")
        self.unreachable_chats.append((channel, user_id, reason, detail))

    @asynccontextmanager
    async def factory(self) -> AsyncIterator[FakeConversation]:
        yield self


@dataclass
class Call:
    """One outbound request: its URL, method name (the path's last part) and parsed body."""

    url: str
    method: str
    body: dict[str, Any]
    headers: httpx.Headers


@dataclass
class FakePlatforms(httpx.AsyncBaseTransport):
    """Telegram's Bot API and Meta's Graph API as far as the bots use them."""

    calls: list[Call] = field(default_factory=list)
    telegram_429: list[int] = field(default_factory=list)  # retry_after of the next sends
    telegram_updates: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    telegram_blocked: set[int] = field(default_factory=set)  # chats that blocked the bot
    whatsapp_errors: list[int] = field(default_factory=list)  # error codes of the next sends
    _sent: int = 0

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        method = request.url.path.rsplit("/", 1)[-1]
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(content)
        else:  # PTB posts form-encoded bodies; its JSON fields are JSON strings
            body = {
                key: _maybe_json(values[0]) for key, values in parse_qs(content.decode()).items()
            }
        if request.url.host == MEDIA_HOST or "/file/bot" in request.url.path:
            method = "download"  # a file's bytes (WhatsApp's CDN, Telegram's file server)
        self.calls.append(Call(str(request.url), method, body, request.headers))
        if method == "download":
            name = request.url.params.get("mid") or request.url.path.rsplit("/", 1)[-1]
            return httpx.Response(200, content=f"{name} bytes".encode())
        if "/bot" in request.url.path:
            return self._telegram(method, body)
        if request.method == "GET":  # the Graph API's media URL for a media id
            url = f"https://{MEDIA_HOST}/whatsapp_business/attachments/?mid={method}"
            media = {"url": url, "mime_type": "image/jpeg", "sha256": "x", "file_size": 17}
            return httpx.Response(
                200, json={**media, "id": method, "messaging_product": "whatsapp"}
            )
        if self.whatsapp_errors:
            code = self.whatsapp_errors.pop(0)
            error = {"message": f"(#{code}) refused", "type": "OAuthException", "code": code}
            return httpx.Response(400, json={"error": error | {"fbtrace_id": "A"}})
        self._sent += 1
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.OUT{self._sent}"}],
            },
        )

    def _telegram(self, method: str, body: dict[str, Any]) -> httpx.Response:
        if method == "getMe":
            bot = {"id": 123456, "is_bot": True, "first_name": "Cobro", "username": "cobro_bot"}
            return httpx.Response(200, json={"ok": True, "result": bot})
        if method == "getUpdates":
            updates, self.telegram_updates = self.telegram_updates, []
            return httpx.Response(200, json={"ok": True, "result": updates})
        if method == "getFile":
            found = {"file_id": body["file_id"], "file_unique_id": "u1", "file_size": 17}
            path = f"photos/{body['file_id']}.jpg"
            return httpx.Response(200, json={"ok": True, "result": found | {"file_path": path}})
        if method == "sendMessage" and int(body["chat_id"]) in self.telegram_blocked:
            blocked = "Forbidden: bot was blocked by the user"
            return httpx.Response(
                403, json={"ok": False, "error_code": 403, "description": blocked}
            )
        if method == "sendMessage":
            if self.telegram_429:
                retry_after = self.telegram_429.pop(0)
                return httpx.Response(
                    429,
                    json={
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry_after}",
                        "parameters": {"retry_after": retry_after},
                    },
                )
            self._sent += 1
            chat = {"id": int(body["chat_id"]), "type": "private"}
            message = {"message_id": self._sent, "date": 1, "chat": chat, "text": body["text"]}
            return httpx.Response(200, json={"ok": True, "result": message})
        return httpx.Response(200, json={"ok": True, "result": True})


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value) if value[:1] in "{[" else value
    except ValueError:
        return value


def settings(**overrides: str) -> BotSettings:
    values = {
        "telegram_bot_token": TG_TOKEN,
        "telegram_webhook_secret": TG_SECRET,
        "telegram_api_base_url": "https://api.telegram.org",
        "whatsapp_token": "wa-token",
        "whatsapp_phone_number_id": WA_PHONE_ID,
        "whatsapp_app_secret": WA_SECRET,
        "whatsapp_verify_token": WA_VERIFY,
        "whatsapp_api_base_url": "https://graph.facebook.com",
    }
    return BotSettings(**(values | overrides))


@dataclass
class Bots:
    """The webhooks app driven over ASGI, with its fakes."""

    http: httpx.AsyncClient
    app: Any
    platforms: FakePlatforms
    conversation: FakeConversation

    async def telegram(
        self, update: dict[str, Any], secret: str | None = TG_SECRET
    ) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.http.post("/webhooks/telegram", json=update, headers=headers)

    async def whatsapp(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        if signature == "sign":
            signature = sign(body)
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.http.post("/webhooks/whatsapp", content=body, headers=headers)


@asynccontextmanager
async def bots_app(
    conversation: FakeConversation | None = None,
    bot_settings: BotSettings | None = None,
    platforms: FakePlatforms | None = None,
) -> AsyncIterator[Bots]:
    conversation = conversation or FakeConversation()
    platforms = platforms or FakePlatforms()
    app = create_bots_app(conversation.factory, bot_settings or settings(), transport=platforms)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BOTS_URL) as http:
        try:
            yield Bots(http, app, platforms, conversation)
        finally:
            await app.state.bots.aclose()


def sign(body: bytes, secret: str = WA_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Telegram updates in the Bot API's JSON.


def tg_message(
    update_id: int, text: str, *, chat_id: int = 42, chat_type: str = "private"
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id + 1000,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": chat_type, "first_name": "Ana"},
        "from": {"id": 42, "is_bot": False, "first_name": "Ana", "language_code": "es"},
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def tg_press(update_id: int, data: str, *, query_id: str = "cq-1") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": {"id": 42, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "chat_instance": "ci-42",
            "data": data,
            "message": {
                "message_id": 7,
                "date": 1_700_000_000,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 123456, "is_bot": True, "first_name": "Cobro"},
                "text": "Hola",
            },
        },
    }


# WhatsApp Cloud API webhook bodies.


def wa_body(value: dict[str, Any]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA_PHONE_ID},
        **value,
    }
    change = {"value": value, "field": "messages"}
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "WABA-1", "changes": [change]}]}
    ).encode()


def wa_contact(*, user_id: bool = True) -> dict[str, Any]:
    contact: dict[str, Any] = {"profile": {"name": "Ana"}, "wa_id": WA_USER}
    if user_id:  # current payloads carry the business-scoped user id
        contact["user_id"] = "PE.1234567890123"
    return contact


def wa_message(
    kind: str, content: dict[str, Any], *, wamid: str = "wamid.IN1", age: float = 0.0
) -> dict[str, Any]:
    """A message sent ``age`` seconds ago (the 24-hour window counts from its timestamp)."""
    timestamp = str(int(time.time() - age))
    message = {"from": WA_USER, "id": wamid, "timestamp": timestamp, "type": kind}
    if kind == "interactive":  # replies quote the message that carried the buttons
        message["context"] = {"from": "15550001111", "id": "wamid.OUT1"}
    return message | {kind: content}


def wa_text(text: str, *, user_id: bool = True, **options: Any) -> bytes:
    message = wa_message("text", {"body": text}, **options)
    return wa_body({"contacts": [wa_contact(user_id=user_id)], "messages": [message]})


def wa_button_reply(button_id: str, title: str, **options: Any) -> bytes:
    reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    message = wa_message("interactive", reply, **options)
    return wa_body({"contacts": [wa_contact()], "messages": [message]})


def wa_list_reply(row_id: str, title: str, **options: Any) -> bytes:
    reply = {"type": "list_reply", "list_reply": {"id": row_id, "title": title, "description": ""}}
    message = wa_message("interactive", reply, **options)
    return wa_body({"contacts": [wa_contact()], "messages": [message]})


def wa_status(
    status: str, *, wamid: str = "wamid.OUT1", code: int | None = None, key: str | None = None
) -> bytes:
    """A status of a message we sent; ``key``: the tracker it was sent with, echoed."""
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": "1700000100",
        "recipient_id": WA_USER,
    }
    if key is not None:
        entry["biz_opaque_callback_data"] = key
    if code is not None:  # failed deliveries carry errors and no contacts
        entry["errors"] = [{"code": code, "title": "Re-engagement message", "message": "..."}]
    return wa_body({"statuses": [entry]})
