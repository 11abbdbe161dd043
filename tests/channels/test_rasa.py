"""Rasa custom actions: rasa-sdk trackers in, the core's replies uttered with payload buttons."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sqlmodel import Session

from backend.conversations import links
from backend.conversations.service import ensure_bot_identity
from backend.core.clock import utcnow
from backend.core.config import get_settings
from bots.app import LazyConversation, core_conversation
from bots.core.messages import Button, Incoming, Outgoing
from bots.rasa import actions
from tests import builders as b
from tests.channels.conftest import FakeConversation, run

OFFERS = Outgoing(
    "Opciones:",
    buttons=(Button("offer:0c1d", "Pago único"), Button("pay:balance", "Pagar todo")),
    url="https://pay.cobro.test/l/1",
)


def tracker(text: str = "", *, entities: dict[str, str] | None = None, **extra: Any) -> Tracker:
    entity_list = [{"entity": k, "value": v} for k, v in (entities or {}).items()]
    latest = {"text": text, "entities": entity_list, "message_id": "rasa-m1"}
    return Tracker.from_dict(
        {"sender_id": extra.pop("sender_id", "u-1"), "latest_message": latest | extra}
    )


def act(action: actions.CobroAction, state: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert run(action.run(dispatcher, state, {})) == []
    return dispatcher.messages


def test_an_action_sends_its_choice_and_utters_the_reply_with_payload_buttons() -> None:
    fake = FakeConversation((OFFERS,))
    messages = act(actions.Offers(LazyConversation(fake.factory)), tracker("¿qué opciones hay?"))
    assert fake.incoming == [
        Incoming(channel="rasa", user_id="u-1", message_id="rasa-m1", choice="menu:offers")
    ]
    [message] = messages
    assert message["text"] == "Opciones:"
    assert message["buttons"] == [
        {"title": OFFERS.url, "url": OFFERS.url, "type": "web_url"},
        {"title": "Pago único", "payload": '/accept_offer{"choice": "offer:0c1d"}'},
        {"title": "Pagar todo", "payload": '/payment_link{"choice": "pay:balance"}'},
    ]


@pytest.mark.parametrize(
    ("action", "state", "text", "choice"),
    [
        (actions.CheckBalance, tracker("saldo"), "", "menu:balance"),
        (actions.AcceptOffer, tracker(entities={"choice": "offer:0c1d"}), "", "offer:0c1d"),
        (actions.AcceptOffer, tracker("acepto"), "", "menu:offers"),
        (actions.CounterProposal, tracker("puedo 200 al mes"), "puedo 200 al mes", None),
        (actions.CounterProposal, tracker("otra propuesta"), "", "neg:counter"),
        (actions.PaymentLink, tracker(entities={"choice": "pay:settlement"}), "", "pay:settlement"),
        (actions.PaymentLink, tracker("quiero pagar"), "", "menu:pay"),
        (actions.Promise, tracker("pago el 15/12"), "pago el 15/12", None),
        (actions.Promise, tracker("prometo pagar"), "", "menu:promise"),
        (actions.Handoff, tracker("un asesor"), "", "menu:agent"),
        (actions.OptOut, tracker("no me escriban"), "BAJA", None),
        (actions.Choose, tracker(entities={"choice": "acct:9f"}), "", "acct:9f"),
        (actions.FreeText, tracker("12345678"), "12345678", None),
    ],
)
def test_each_capability_reaches_the_core_as_the_same_choice_a_channel_sends(
    action: type[actions.CobroAction], state: Tracker, text: str, choice: str | None
) -> None:
    fake = FakeConversation()
    act(action(LazyConversation(fake.factory)), state)
    [incoming] = fake.incoming
    assert (incoming.text, incoming.choice) == (text, choice)


def test_a_replayed_message_is_answered_once() -> None:
    fake = FakeConversation()
    action = actions.CheckBalance(LazyConversation(fake.factory))
    assert act(action, tracker("saldo")) != []
    assert act(action, tracker("saldo")) == []


def test_sender_ids_the_api_would_refuse_are_hashed_stably() -> None:
    fake = FakeConversation()
    action = actions.FreeText(LazyConversation(fake.factory))
    act(action, tracker("hola", sender_id="web chat #1"))
    act(action, tracker("hola", sender_id="web chat #1", message_id="rasa-m2"))
    first, second = (i.user_id for i in fake.incoming)
    assert first == second and first.startswith("h.") and len(first) <= 64


def test_the_action_server_runs_them_against_the_real_backend(app: Any, session: Session) -> None:
    portfolio = b.portfolio(session)
    debtor = b.debtor(session, portfolio, first_name="Ana")
    b.account(session, portfolio, owner=debtor, principal=100_000)
    token = links.sign(debtor.id, utcnow() + timedelta(hours=1), get_settings().secret_key)
    bot_token = ensure_bot_identity(session)

    async def scenario() -> list[Any]:
        api = httpx.ASGITransport(app=app)
        core = LazyConversation(
            core_conversation("http://cobro.test", lambda: bot_token, transport=api)
        )
        executor = ActionExecutor()
        executor.register_action(actions.FreeText(core))
        executor.register_action(actions.CheckBalance(core))
        results = []
        for n, (action, text) in enumerate(
            [("action_cobro_reply", token), ("action_check_balance", "mi saldo")]
        ):
            call = {
                "next_action": action,
                "sender_id": "rasa-user-1",
                "tracker": {
                    "sender_id": "rasa-user-1",
                    "latest_message": {"text": text, "entities": [], "message_id": f"r{n}"},
                    "events": [],
                },
                "domain": {},
            }
            results.append(await executor.run(call))
        await core.aclose()
        return results

    verified, balance = run(scenario())
    assert "Ana" in verified.responses[-1]["text"]
    assert any("1.000,00" in r["text"] or "1,000.00" in r["text"] for r in balance.responses), (
        balance.responses
    )


@pytest.mark.slow
def test_python_m_bots_rasa_serves_health_actions_and_the_webhook() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"COBRO_API_URL": "http://127.0.0.1:9", "COBRO_BOT_TOKEN": "unused"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bots.rasa", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        names = {a["name"] for a in httpx.get(f"{base}/actions").json()}
        assert {"action_check_balance", "action_opt_out", "action_handoff"} <= names
        call = {
            "next_action": "action_check_balance",
            "sender_id": "u1",
            "tracker": {"sender_id": "u1", "latest_message": {"text": "saldo"}, "events": []},
            "domain": {},
        }
        response = httpx.post(f"{base}/webhook", content=json.dumps(call), timeout=30)
        assert response.status_code == 200
        [message] = response.json()["responses"]  # the API is down: the core says so
        assert message["text"]
    finally:
        server.terminate()
        server.wait(timeout=60)  # Sanic stops gracefully: seconds on a loaded machine


def test_the_documented_example_domain_matches_the_actions() -> None:
    import yaml

    root = Path(__file__).parents[2] / "docs" / "rasa"
    domain = yaml.safe_load((root / "domain.yml").read_text())
    executor = ActionExecutor()
    executor.register_package("bots.rasa.actions")
    assert set(domain["actions"]) == set(executor.actions)
    intents = set(domain["intents"]) | {"nlu_fallback"}
    payload_intents = {actions.payload(i).split("{")[0][1:] for i in ("offer:x", "pay:x", "x")}
    assert payload_intents <= intents
    steps = [
        step
        for name, key in (("rules.yml", "rules"), ("stories.yml", "stories"))
        for flow in yaml.safe_load((root / "data" / name).read_text())[key]
        for step in flow["steps"]
    ]
    assert len(steps) > 30
    assert {s["intent"] for s in steps if "intent" in s} <= intents
    assert {s["action"] for s in steps if "action" in s} <= set(domain["actions"])
    nlu = yaml.safe_load((root / "data" / "nlu.yml").read_text())["nlu"]
    assert {item["intent"] for item in nlu} <= intents
