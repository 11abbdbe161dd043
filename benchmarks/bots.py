"""Bots benchmark: webhooks through the channels and the conversation core, on PostgreSQL.

What is measured
----------------
A fresh PostgreSQL database ``cobro_bench_bots_<pid>`` is migrated and seeded with ``--chats``
debtors (one PEN account each, S/ 300 to S/ 6,000, default negotiation policy). The API app
runs in-process; the conversation core reaches it through ``shared.client`` over an ASGI
transport (exactly as ``backend/main.py`` wires the single-process default). The webhooks app
(``bots.app.create_bots_app``) has both channels configured; Telegram's Bot API and Meta's
Graph API are an in-process recording transport that answers at once.

Each chat, half on Telegram and half on WhatsApp, sends five webhooks in order:

1. ``verify``: the signed chat link (``/start <token>`` on Telegram, the token as text on
   WhatsApp), which binds the chat and shows the balance with the three best options (the
   backend generates them within the policy);
2. ``balance`` twice: the "my balance" button;
3. ``offers``: the "payment options" button (the offers shown at verification, read again);
4. ``accept`` (even chats: press the first offer's button) or ``counter`` (odd chats: type
   "puedo pagar 100 soles al mes", which the backend evaluates as a counter-proposal).

Chats run ``--concurrency`` at a time (1 = pure latency; more = throughput on one event loop).
Per webhook: **reply latency** = from the moment the webhook body is handed to the app to the
first outbound reply call (``sendMessage`` / ``POST /messages``); **total** = until the webhook
is answered. **Backend alone**: the time spent inside the core's API calls for that webhook
(each call timed at its transport), measured in the same run; the ratio total / backend alone
is what the channels and the core add. Messages per second = webhooks / wall time.

Prints a table and writes ``benchmarks/results/bots.json``. The database is dropped at the end.

Usage: ``python benchmarks/bots.py [--chats 60] [--concurrency 1 8] [--warmup 4] [--seed 7]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import hashlib
import hmac
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_URL = os.environ.get("COBRO_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
DB_NAME = f"cobro_bench_bots_{os.getpid()}"
# Made-up credentials: nothing leaves the process.
TG_TOKEN = "123456:BENCH"  # noqa: S105
TG_SECRET = "bench-secret"  # noqa: S105
WA_SECRET = "bench-app-secret"  # noqa: S105
WA_PHONE = "1098765432"
COUNTER = "puedo pagar 100 soles al mes"
JSON = {"Content-Type": "application/json"}

began = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------- measurement


@dataclass
class Webhook:
    """One webhook's timings (seconds, perf_counter)."""

    channel: str
    kind: str
    received: float
    replied: float | None = None
    answered: float | None = None
    backend: float = 0.0
    backend_calls: int = 0


_current: contextvars.ContextVar[Webhook | None] = contextvars.ContextVar("webhook", default=None)


class TimedApi(httpx.AsyncBaseTransport):
    """The API in-process; each call's time is added to the webhook being handled."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = await self._inner.handle_async_request(request)
        await response.aread()
        webhook = _current.get()
        if webhook is not None:
            webhook.backend += time.perf_counter() - start
            webhook.backend_calls += 1
        return response


@dataclass
class Platforms(httpx.AsyncBaseTransport):
    """Telegram's Bot API and Meta's Graph API answering at once; remembers each chat's last
    buttons (to press an offer) and stamps the first reply call of a webhook."""

    buttons: dict[str, list[str]] = field(default_factory=dict)
    sent: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        now = time.perf_counter()
        content = await request.aread()
        method = request.url.path.rsplit("/", 1)[-1]
        if method in ("sendMessage", "messages"):
            webhook = _current.get()
            if webhook is not None and webhook.replied is None:
                webhook.replied = now
        self.sent += 1
        if "/bot" in request.url.path:
            return self._telegram(method, content)
        body = json.loads(content)
        self.buttons[body["to"]] = _wa_ids(body)
        contacts = [{"input": body["to"], "wa_id": body["to"]}]
        answer = {"contacts": contacts, "messages": [{"id": f"wamid.{self.sent}"}]}
        return httpx.Response(200, json={"messaging_product": "whatsapp", **answer})

    def _telegram(self, method: str, content: bytes) -> httpx.Response:
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Cobro", "username": "cobro_bot"}
            return httpx.Response(200, json={"ok": True, "result": me})
        if method != "sendMessage":
            return httpx.Response(200, json={"ok": True, "result": True})
        form = {k: v[0] for k, v in parse_qs(content.decode()).items()}
        markup = json.loads(form.get("reply_markup", '{"inline_keyboard": []}'))
        ids = [row[0].get("callback_data", "") for row in markup["inline_keyboard"]]
        self.buttons[form["chat_id"]] = ids
        chat = {"id": int(form["chat_id"]), "type": "private"}
        message = {"message_id": self.sent, "date": 0, "chat": chat, "text": form["text"]}
        return httpx.Response(200, json={"ok": True, "result": message})


def _wa_ids(body: dict[str, Any]) -> list[str]:
    interactive = body.get("interactive")
    if not interactive:
        return []
    action = interactive["action"]
    if interactive["type"] == "button":
        return [b["reply"]["id"] for b in action["buttons"]]
    if interactive["type"] == "list":
        return [row["id"] for s in action["sections"] for row in s["rows"]]
    return []


# --------------------------------------------------------------------------- webhooks


def tg_update(update_id: int, chat: int, *, text: str = "", press: str = "") -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Ana", "language_code": "es"}
    if press:
        message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}}
        query = {"id": f"q{update_id}", "from": user, "chat_instance": "c", "data": press}
        return {"update_id": update_id, "callback_query": query | {"message": message}}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private"},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    return {"update_id": update_id, "message": message}


def wa_update(wamid: str, wa_id: str, *, text: str = "", press: str = "") -> bytes:
    message: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time()))}
    if press:
        reply = {"type": "list_reply", "list_reply": {"id": press, "title": "x"}}
        if not press.startswith("menu:"):
            reply = {"type": "button_reply", "button_reply": {"id": press, "title": "x"}}
        message |= {"type": "interactive", "interactive": reply, "context": {"id": "wamid.0"}}
    else:
        message |= {"type": "text", "text": {"body": text}}
    contact = {"profile": {"name": "Ana"}, "wa_id": wa_id, "user_id": f"PE.{wa_id}"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1555", "phone_number_id": WA_PHONE},
        "contacts": [contact],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change]}]}
    ).encode()


@dataclass
class Chat:
    n: int
    token: str

    @property
    def telegram(self) -> bool:
        return self.n % 2 == 0

    @property
    def user(self) -> str:
        return str(700_000 + self.n) if self.telegram else f"5198{self.n:07d}"


async def converse(http: httpx.AsyncClient, chat: Chat, platforms: Platforms) -> list[Webhook]:
    steps: list[tuple[str, str, str]] = [
        ("verify", chat.token, ""),
        ("balance", "", "menu:balance"),
        ("balance", "", "menu:balance"),
        ("offers", "", "menu:offers"),
        ("counter", COUNTER, "") if chat.n % 4 in (1, 3) else ("accept", "", "offer"),
    ]
    done = []
    for number, (kind, typed, press) in enumerate(steps):
        if press == "offer":
            offers = [i for i in platforms.buttons.get(chat.user, []) if i.startswith("offer:")]
            if not offers:
                continue
            press = offers[0]
        webhook = Webhook("telegram" if chat.telegram else "whatsapp", kind, 0.0)
        token = _current.set(webhook)
        try:
            webhook.received = time.perf_counter()
            response = await _post(http, chat, number, typed, press)
            webhook.answered = time.perf_counter()
        finally:
            _current.reset(token)
        if response.status_code != 200:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text}")
        done.append(webhook)
    return done


async def _post(
    http: httpx.AsyncClient, chat: Chat, number: int, typed: str, press: str
) -> httpx.Response:
    text = f"/start {typed}" if chat.telegram and number == 0 else typed
    path, body, headers = signed_webhook(chat, chat.n * 100 + number, text=text, press=press)
    return await http.post(path, content=body, headers=headers)


def signed_webhook(
    chat: Chat, update: int, *, text: str = "", press: str = ""
) -> tuple[str, bytes, dict[str, str]]:
    """The platform's POST for one thing the person did (typed ``text`` or pressed the button
    ``press``) as the ``update``-th of the run: webhook path, body and headers (Telegram's
    secret token, or Meta's ``X-Hub-Signature-256``)."""
    if chat.telegram:
        update_body = tg_update(update, int(chat.user), text=text, press=press)
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        return "/webhooks/telegram", json.dumps(update_body).encode(), headers | JSON
    body = wa_update(f"wamid.{chat.n}.{update}", chat.user, text=text, press=press)
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return "/webhooks/whatsapp", body, {"X-Hub-Signature-256": signature} | JSON


# --------------------------------------------------------------------------- setup


def create_database() -> str:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=DB_NAME).render_as_string(hide_password=False)


def drop_database() -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def seed(chats: int, first: int, rng: random.Random) -> tuple[list[Chat], str]:
    """Migrate, add one debtor and account per chat (chats numbered from ``first``), sign
    their chat links, mint a bot token."""
    from backend.conversations import links
    from backend.conversations.service import ensure_bot_identity
    from backend.core.clock import utcnow
    from backend.core.config import get_settings
    from backend.core.db import get_engine, session_scope
    from backend.core.migrate import upgrade
    from tests import builders as b

    with get_engine().begin() as conn:
        upgrade(conn)
    expires = utcnow() + timedelta(hours=6)
    secret = get_settings().secret_key
    found = []
    with session_scope() as session:
        portfolio = b.portfolio(session)
        for n in range(first, first + chats):
            debtor = b.debtor(session, portfolio, first_name=f"Ana{n}")
            principal = rng.randrange(300, 6000) * 100
            b.account(session, portfolio, owner=debtor, principal=principal)
            found.append(Chat(n, links.sign(debtor.id, expires, secret)))
        token = ensure_bot_identity(session)
    return found, token


@asynccontextmanager
async def bots_client(token: str, platforms: Platforms) -> Any:
    from backend.app import create_app
    from bots.app import core_conversation, create_bots_app
    from bots.config import BotSettings

    api = create_app()
    settings = BotSettings(
        telegram_bot_token=TG_TOKEN,
        telegram_webhook_secret=TG_SECRET,
        whatsapp_token="bench",  # noqa: S106
        whatsapp_phone_number_id=WA_PHONE,
        whatsapp_app_secret=WA_SECRET,
        whatsapp_verify_token="bench",  # noqa: S106
    )
    factory = core_conversation("http://cobro.bench", lambda: token, transport=TimedApi(api))
    app = create_bots_app(factory, settings, transport=platforms)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bots.bench") as http:
        try:
            yield http
        finally:
            await app.state.bots.aclose()


# --------------------------------------------------------------------------- runs


async def run_level(chats: list[Chat], token: str, concurrency: int, warmup: int) -> dict[str, Any]:
    """The first ``warmup`` chats run before the clock starts (connections, caches, getMe)."""
    platforms = Platforms()
    async with bots_client(token, platforms) as http:
        for chat in chats[:warmup]:
            await converse(http, chat, platforms)
        queue: asyncio.Queue[Chat] = asyncio.Queue()
        for chat in chats[warmup:]:
            queue.put_nowait(chat)
        webhooks: list[Webhook] = []

        async def worker() -> None:
            while not queue.empty():
                webhooks.extend(await converse(http, queue.get_nowait(), platforms))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return summarize(webhooks, wall, concurrency)


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def summarize(webhooks: list[Webhook], wall: float, concurrency: int) -> dict[str, Any]:
    missing = [w for w in webhooks if w.replied is None]
    if missing:
        raise RuntimeError(f"{len(missing)} webhooks got no reply")

    def block(group: list[Webhook]) -> dict[str, Any]:
        backend = [w.backend for w in group]
        total = [w.answered - w.received for w in group]  # type: ignore[operator]
        return {
            "count": len(group),
            "reply_latency": ms([w.replied - w.received for w in group]),  # type: ignore[operator]
            "total": ms(total),
            "backend_alone": ms(backend),
            "backend_calls_per_message": round(statistics.fmean(w.backend_calls for w in group), 2),
            "ratio_total_to_backend": round(statistics.fmean(total) / statistics.fmean(backend), 2),
        }

    by_kind: dict[str, list[Webhook]] = defaultdict(list)
    by_channel: dict[str, list[Webhook]] = defaultdict(list)
    for webhook in webhooks:
        by_kind[webhook.kind].append(webhook)
        by_channel[webhook.channel].append(webhook)
    return {
        "concurrency": concurrency,
        "messages": len(webhooks),
        "wall_s": round(wall, 2),
        "messages_per_s": round(len(webhooks) / wall, 1),
        "all": block(webhooks),
        "by_kind": {kind: block(group) for kind, group in sorted(by_kind.items())},
        "by_channel": {name: block(group) for name, group in sorted(by_channel.items())},
    }


def table(levels: list[dict[str, Any]]) -> str:
    rows = [
        f"{'run':<16}{'n':>5}{'msg/s':>8}{'reply p50':>11}{'reply p99':>11}"
        f"{'backend p50':>13}{'backend p99':>13}{'calls':>7}{'total/backend':>15}"
    ]
    for level in levels:
        groups = {"all": level["all"], **level["by_kind"], **level["by_channel"]}
        for name, g in groups.items():
            label = f"c={level['concurrency']} {name}"
            rate = f"{level['messages_per_s']:>8}" if name == "all" else f"{'':>8}"
            rows.append(
                f"{label:<16}{g['count']:>5}{rate}{g['reply_latency']['p50_ms']:>11}"
                f"{g['reply_latency']['p99_ms']:>11}{g['backend_alone']['p50_ms']:>13}"
                f"{g['backend_alone']['p99_ms']:>13}{g['backend_calls_per_message']:>7}"
                f"{g['ratio_total_to_backend']:>15}"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=60)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--warmup", type=int, default=4, help="chats run before timing")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = create_database()
    os.environ.setdefault("COBRO_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256")
    os.environ.setdefault("COBRO_ENV", "test")
    try:
        rng = random.Random(args.seed)
        levels = []
        for level, concurrency in enumerate(args.concurrency):
            size = args.chats + args.warmup
            log(f"seeding {size} chats (fresh debtors) for concurrency {concurrency}")
            chats, token = seed(size, level * size, rng)
            log("running")
            levels.append(asyncio.run(run_level(chats, token, concurrency, args.warmup)))
            log(f"{levels[-1]['messages']} webhooks, {levels[-1]['messages_per_s']} msg/s")
    finally:
        from backend.core.db import get_engine

        get_engine().dispose()
        drop_database()
    results = {
        "benchmark": "bots",
        "database": "postgresql",
        "chats": args.chats,
        "warmup_chats": args.warmup,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "levels": levels,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bots.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(levels))
    for level in levels:  # the figure: a balance check's turn, end to end
        balance = level["by_kind"].get("balance")
        if balance:
            print(
                f"balance check, concurrency {level['concurrency']}: p50 "
                f"{balance['total']['p50_ms']} ms per turn ({balance['backend_calls_per_message']}"
                " API calls)"
            )
    print(f"wrote {RESULTS / 'bots.json'}")


if __name__ == "__main__":
    main()
