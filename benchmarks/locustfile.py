"""The users of the Locust load test; ``benchmarks/load_locust.py`` prepares their world and runs
this file (read it there). On its own, point it at a server that runner seeded:

    COBRO_LOAD_CONFIG=world.json COBRO_LOAD_PHASE=mixed locust -f benchmarks/locustfile.py ...

``COBRO_LOAD_CONFIG`` is the JSON the runner writes (tokens, accounts, chats, Stripe events,
the stand-in's address, the user counts and think time); ``COBRO_LOAD_PHASE`` is
``reads_only`` (every user only reads) or ``mixed``. Four kinds of user, each a fixed count:

- ``FieldAgent``: an agent's phone. Reads its worklist, account bundles and accounts, pulls
  changes (a sync with nothing to push); in ``mixed`` also pushes a paid visit (a visit and a
  cash payment, each with a client id) and, as a flaky network does, sometimes sends a push
  again as it was, or twice at once.
- ``Debtor``: a debtor on Telegram or WhatsApp. In ``mixed``: opens the chat with its signed
  link, then asks for the balance, the payment options, accepts an offer or counters, now and
  then delivered twice at once by the platform, and delivered again after an answer other
  than 2xx or 4xx (as Telegram and Meta do); reads a payment page (one link of the Stripe
  portfolio's per debtor user). In ``reads_only`` it only reads that page.
- ``PaymentProvider``: Stripe delivering ``checkout.session.completed`` events, signed, 20%
  of them again (duplicates, sometimes concurrent). In ``reads_only``: staff reading the
  payments that came in.
- ``Supervisor``: dashboards only: promise KPIs, the route summary and routes of the day,
  the team's accounts and tasks.

Every request is recorded (name, read or write, outcome, when, latency), and every write's
answer with what it names (client ids, event ids, chat messages), into ``output`` of the
config when Locust quits; the runner turns that into the report and the correctness check.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import urllib.request
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gevent
from locust import FastHttpUser, between, events

from benchmarks._common import field_sync_actions, stripe_signature
from benchmarks.bots import COUNTER, Chat, signed_webhook

CONFIG: dict[str, Any] = json.loads(Path(os.environ["COBRO_LOAD_CONFIG"]).read_text())
PHASE = os.environ.get("COBRO_LOAD_PHASE", "mixed")
MIXED = PHASE == "mixed"
LIMA = ZoneInfo("America/Lima")
SYNC_VISIT, SYNC_PAYMENT = "lcs-v-", "lcs-p-"  # client id prefixes, to find the rows again
# A kept-alive connection the server closed while idle (uvicorn closes them after 5 s) found
# closed when the next request goes out on it: sent again at once on a new connection, as
# HTTP clients do (every request here is safe to repeat), and not counted as an answer.
STALE = "stale connection"

# What happened, dumped when Locust quits.
RECORDS: list[tuple[str, str, str, float, float]] = []  # name, kind, outcome, start, seconds
SYNCS: list[dict[str, Any]] = []  # per push: actions, HTTP outcome, per-action results
STRIPE: list[tuple[str, str]] = []  # event id, outcome
CHATS: list[tuple[str, str]] = []  # "channel:user:update", outcome
MARKS: dict[str, float] = {"started": time.time()}

_slots = {kind: itertools.count() for kind in ("agent", "debtor", "provider", "supervisor")}
_events: deque[str] = deque(CONFIG["stripe"]["events"])
_sent_events: list[str] = []


def _outcome(response: Any, exception: BaseException | None) -> str:
    status = getattr(response, "status_code", 0) or 0
    if status:
        return str(status)
    name = type(exception).__name__ if exception else ""
    if name == "HTTPConnectionClosed":
        return STALE
    return "timeout" if "timeout" in name.lower() or "timed out" in str(exception) else "error"


@events.request.add_listener
def _record(
    name: str,
    response_time: float,
    response: Any,
    context: dict[str, Any],
    exception: BaseException | None,
    start_time: float,
    **_: Any,
) -> None:
    kind = context.get("kind")
    if kind:  # the stand-in's side channel carries none
        RECORDS.append(
            (name, kind, _outcome(response, exception), start_time, response_time / 1000)
        )


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_: Any) -> None:
    MARKS["spawned"] = time.time()


@events.test_stop.add_listener
def _ended(**_: Any) -> None:
    MARKS.setdefault("ended", time.time())  # the run time is over: users finish their task


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    MARKS["stopped"] = time.time()
    output = {
        "phase": PHASE,
        "marks": MARKS,
        "records": RECORDS,
        "syncs": SYNCS,
        "stripe": STRIPE,
        "chats": CHATS,
    }
    Path(CONFIG["output"][PHASE]).write_text(json.dumps(output))


def _think() -> Any:
    low, high = CONFIG["wait"]
    return between(low, high)


class CobroUser(FastHttpUser):
    abstract = True
    wait_time = _think()
    network_timeout = CONFIG["timeout"]
    connection_timeout = CONFIG["timeout"]

    def _call(
        self, kind: str, name: str, method: str, path: str, headers: dict[str, str], **kw: Any
    ) -> Any:
        """One request, recorded as ``kind`` (read or write) under ``name``."""
        for _ in range(3):
            with self.client.request(
                method,
                path,
                name=name,
                headers=headers,
                context={"kind": kind},
                catch_response=True,
                **kw,
            ) as response:
                if response.status_code and response.status_code < 500:
                    response.success()  # 4xx are counted by status in the report
            if _outcome(response, getattr(response, "error", None)) != STALE:
                break
        return response


class FieldAgent(CobroUser):
    fixed_count = CONFIG["users"]["agent"]

    def on_start(self) -> None:
        slot = next(_slots["agent"])
        agent = CONFIG["agents"][slot % len(CONFIG["agents"])]
        self.headers = {"Authorization": f"Bearer {agent['token']}"}
        self.accounts: list[str] = agent["accounts"]
        self.device = f"load-{PHASE}-{slot}"
        self.rnd = random.Random(CONFIG["seed"] * 1000 + slot)
        self.cursor: str | None = None
        self.recent: deque[list[dict[str, Any]]] = deque(maxlen=50)
        self.pull()  # as the app does at log-in

    def _sync(self, name: str, kind: str, actions: list[dict[str, Any]]) -> Any:
        body = {"device_id": self.device, "cursor": self.cursor, "actions": actions}
        response = self._call(kind, name, "POST", "/api/v1/field/sync", self.headers, json=body)
        ok = 200 <= (response.status_code or 0) < 300
        results = response.json()["results"] if ok else []
        if actions:
            outcome = _outcome(response, getattr(response, "error", None))
            SYNCS.append({"actions": actions, "status": outcome, "results": results})
        if ok:
            self.cursor = response.json()["cursor"]
        return response

    def pull(self) -> None:
        self._sync("field_sync_pull", "read", [])

    def worklist(self) -> None:
        self._call("read", "field_worklist", "GET", "/api/v1/field/worklist", self.headers)

    def bundle(self) -> None:
        path = f"/api/v1/field/accounts/{self.rnd.choice(self.accounts)}"
        self._call("read", "field_account_bundle", "GET", path, self.headers)

    def account(self) -> None:
        path = f"/api/v1/accounts/{self.rnd.choice(self.accounts)}"
        self._call("read", "get_account", "GET", path, self.headers)

    def push(self) -> None:
        """A paid visit; or a push sent again as it was (its answer was lost); sometimes the
        same push twice at once (a retry racing the original)."""
        if self.recent and self.rnd.random() < CONFIG["replay_share"]:
            self._sync("field_sync_push", "write", self.rnd.choice(self.recent))
            return
        tag = uuid.uuid4().hex
        actions = field_sync_actions(
            self.rnd.choice(self.accounts),
            visit_id=SYNC_VISIT + tag,
            payment_id=SYNC_PAYMENT + tag,
            amount=f"{self.rnd.randrange(50, 301) / 100:.2f}",
            receipt=f"L-{tag[:16]}",
            day=datetime.now(LIMA).date().isoformat(),
            recorded_at=datetime.now(UTC).isoformat(),
        )
        self.recent.append(actions)
        if self.rnd.random() < CONFIG["double_share"]:
            twice = [gevent.spawn(self._sync, "field_sync_push", "write", actions) for _ in "ab"]
            gevent.joinall(twice)
        else:
            self._sync("field_sync_push", "write", actions)

    tasks = {bundle: 3, worklist: 2, account: 2, pull: 1} | ({push: 3} if MIXED else {})


class Debtor(CobroUser):
    fixed_count = CONFIG["users"]["debtor"]

    def on_start(self) -> None:
        slot = next(_slots["debtor"])
        seeded = CONFIG["chats"][slot % len(CONFIG["chats"])]
        self.chat = Chat(seeded["n"], seeded["token"])
        self.link = seeded["link"]
        self.rnd = random.Random(CONFIG["seed"] * 7000 + slot)
        self.updates = itertools.count(self.chat.n * 100_000)
        if MIXED:
            self.say(
                "chat_verify", text=("/start " if self.chat.telegram else "") + self.chat.token
            )

    def say(self, name: str, *, text: str = "", press: str = "") -> None:
        """One thing the debtor did in the chat, as the platform delivers it (sometimes twice at
        once: platforms redeliver when an answer is slow)."""
        update = next(self.updates)
        path, body, headers = signed_webhook(self.chat, update, text=text, press=press)
        key = f"{'telegram' if self.chat.telegram else 'whatsapp'}:{self.chat.user}:{update}"

        def deliver() -> None:
            for attempt in range(4):  # a failed delivery is redelivered, as the platforms do
                response = self._call("write", name, "POST", path, headers, data=body)
                outcome = _outcome(response, getattr(response, "error", None))
                CHATS.append((key, outcome))
                if outcome.startswith(("2", "4")):
                    return
                gevent.sleep(1 + attempt)

        if self.rnd.random() < CONFIG["double_share"]:
            gevent.joinall([gevent.spawn(deliver) for _ in "ab"])
        else:
            deliver()

    def balance(self) -> None:
        self.say("chat_balance", press="menu:balance")

    def offers(self) -> None:
        self.say("chat_offers", press="menu:offers")

    def answer(self) -> None:
        """Accept the first offer the bot showed last, or counter with an amount."""
        url = f"{CONFIG['standin']}/_buttons/{self.chat.user}"
        with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 (loopback stand-in)
            shown = [b for b in json.loads(reply.read()) if b.startswith("offer:")]
        if shown:
            self.say("chat_accept", press=shown[0])
        else:
            self.say("chat_counter", text=COUNTER)

    def pay_page(self) -> None:
        self._call("read", "pay_page", "GET", f"/pay/{self.link}", {})

    tasks = {balance: 3, offers: 2, answer: 1, pay_page: 1} if MIXED else {pay_page: 1}


class PaymentProvider(CobroUser):
    fixed_count = CONFIG["users"]["provider"]

    def on_start(self) -> None:
        slot = next(_slots["provider"])
        self.rnd = random.Random(CONFIG["seed"] * 9000 + slot)
        self.admin = {"Authorization": f"Bearer {CONFIG['admin']}"}

    def deliver(self) -> None:
        """The next event of the (shuffled, 20% repeated) queue; once it is empty, events
        already sent again, as Stripe retries."""
        payload = _events.popleft() if _events else self.rnd.choice(_sent_events)
        _sent_events.append(payload)
        body = payload.encode()
        secret = CONFIG["stripe"]["secret"]
        headers = {
            "Stripe-Signature": stripe_signature(body, secret),
            "Content-Type": "application/json",
        }
        response = self._call(
            "write",
            "stripe_webhook",
            "POST",
            "/api/v1/payments/webhooks/stripe",
            headers,
            data=body,
        )
        STRIPE.append(
            (json.loads(payload)["id"], _outcome(response, getattr(response, "error", None)))
        )

    def payments(self) -> None:
        account = self.rnd.choice(CONFIG["stripe"]["accounts"])
        path = f"/api/v1/accounts/{account}/payments?limit=20"
        self._call("read", "account_payments", "GET", path, self.admin)

    tasks = {deliver: 1} if MIXED else {payments: 1}


class Supervisor(CobroUser):
    fixed_count = CONFIG["users"]["supervisor"]

    def on_start(self) -> None:
        slot = next(_slots["supervisor"])
        token = CONFIG["supervisors"][slot % len(CONFIG["supervisors"])]
        self.headers = {"Authorization": f"Bearer {token}"}

    def kpis(self) -> None:
        self._call("read", "promise_kpis", "GET", "/api/v1/promises/kpis", self.headers)

    def routes_summary(self) -> None:
        self._call("read", "routes_summary", "GET", "/api/v1/field/routes/summary", self.headers)

    def routes(self) -> None:
        self._call("read", "routes", "GET", "/api/v1/field/routes", self.headers)

    def accounts(self) -> None:
        path = "/api/v1/accounts?status=active&limit=50"
        self._call("read", "team_accounts", "GET", path, self.headers)

    def open_tasks(self) -> None:
        self._call("read", "team_tasks", "GET", "/api/v1/tasks?limit=50", self.headers)

    tasks = {kpis: 2, routes_summary: 2, routes: 1, accounts: 2, open_tasks: 1}  # noqa: RUF012
