"""The bot API: staff views show a bot nothing; state, inbox, binding, scoping, actions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.conversations import service
from backend.conversations.models import Conversation, InboxMessage
from backend.core.clock import utcnow
from backend.core.security import decode_access_token
from backend.tasks.models import Task
from backend.users.models import User
from shared.schemas.enums import Role, TaskKind
from tests import builders as b
from tests.conversations.conftest import PHONE, Seed, chat, verify
from tests.plans.helpers import lima


def test_staff_endpoints_refuse_the_bot(client, seed: Seed) -> None:
    h = seed.headers
    for path in (
        "/api/v1/accounts",
        "/api/v1/debtors",
        "/api/v1/tasks",
        "/api/v1/creditors",
        "/api/v1/portfolios",
        "/api/v1/users/me",
        f"/api/v1/accounts/{seed.account.id}",
        f"/api/v1/debtors/{seed.debtor.id}",
    ):
        answer = client.get(path, headers=h)
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden", path
    offers = client.post(f"/api/v1/accounts/{seed.account.id}/offers", headers=h, json={})
    assert offers.status_code == 403
    link = client.post(f"/api/v1/debtors/{seed.debtor.id}/chat-link", headers=h, json={})
    assert link.status_code == 403


def test_the_bot_api_is_for_bots_only(client, session: Session, seed: Seed) -> None:
    for who in (b.user(session, Role.admin), seed.agent):
        answer = client.get(f"{chat()}/state", headers=b.headers(who))
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert client.get(f"{chat()}/state").status_code == 401


def test_state_round_trip_and_idle_expiry(client, session: Session, seed: Seed) -> None:
    fresh = client.get(f"{chat()}/state", headers=seed.headers).json()
    assert fresh["step"] == "start" and fresh["data"] == {} and not fresh["verified"]
    body = {"step": "ask_id", "data": {"pending": {"action": "balance"}}, "language": "en"}
    saved = client.put(f"{chat()}/state", headers=seed.headers, json=body).json()
    assert saved["step"] == "ask_id" and saved["language"] == "en"
    assert client.get(f"{chat()}/state", headers=seed.headers).json()["data"] == body["data"]
    row = session.exec(select(Conversation).where(Conversation.user_id == "1001")).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.flush()
    expired = client.get(f"{chat()}/state", headers=seed.headers).json()
    assert expired["step"] == "start" and expired["data"] == {} and expired["language"] == "en"
    huge = {"step": "x", "data": {"blob": "x" * 20_000}}
    too_big = client.put(f"{chat()}/state", headers=seed.headers, json=huge)
    assert too_big.status_code == 422 and too_big.json()["code"] == "validation_error"


def test_inbox_answers_a_message_once(client, seed: Seed) -> None:
    def claim(user_id: str, message_id: str) -> bool:
        answer = client.post(
            f"{chat(user_id)}/inbox", headers=seed.headers, json={"message_id": message_id}
        )
        return answer.json()["duplicate"]

    assert claim("1001", "m-1") is False
    assert claim("1001", "m-1") is True
    assert claim("2002", "m-1") is False  # Telegram message ids are per chat


def test_a_failed_delivery_releases_the_message(client, session: Session, seed: Seed) -> None:
    def claim(message_id: str) -> bool:
        answer = client.post(
            f"{chat()}/inbox", headers=seed.headers, json={"message_id": message_id}
        )
        return not answer.json()["duplicate"]

    def settle(message_id: str, delivered: bool) -> None:
        body = {"message_id": message_id, "delivered": delivered}
        assert client.post(f"{chat()}/inbox/settle", headers=seed.headers, json=body).is_success

    assert claim("m-1")
    settle("m-1", False)  # sending the reply failed
    assert claim("m-1")  # so the redelivery is answered
    settle("m-1", True)
    assert not claim("m-1")  # answered for good
    settle("m-1", False)  # a late failure report changes nothing
    assert not claim("m-1")

    assert claim("m-2")  # the worker dies before settling...
    assert not claim("m-2")  # ...a prompt redelivery is still in flight
    row = session.exec(select(InboxMessage).where(InboxMessage.message_id == "m-2")).one()
    row.received_at = utcnow() - timedelta(minutes=5)
    session.add(row)
    session.flush()
    assert claim("m-2")  # an abandoned claim is taken again


def test_the_claim_brings_the_state_and_a_delivered_settlement_stores_it(
    client, seed: Seed
) -> None:
    h = seed.headers

    def claim() -> dict:
        return client.post(f"{chat()}/inbox", headers=h, json={"message_id": "m-1"}).json()

    def settle(delivered: bool) -> None:
        body = {"message_id": "m-1", "delivered": delivered, "state": {"step": "ask_id"}}
        assert client.post(f"{chat()}/inbox/settle", headers=h, json=body).is_success

    def step() -> str:
        return client.get(f"{chat()}/state", headers=h).json()["step"]

    first = claim()
    assert first["duplicate"] is False and first["reply"] is None
    assert first["state"] == client.get(f"{chat()}/state", headers=h).json()
    settle(False)  # the turn failed before it had a reply: released, the state not stored
    assert step() == "start"
    assert claim()["state"]["step"] == "start"
    settle(True)
    assert step() == "ask_id"
    assert claim() == {"duplicate": True, "state": None, "reply": None}


def test_a_reply_that_could_not_be_sent_is_kept_and_sent_again_as_is(
    client, session: Session, seed: Seed
) -> None:
    """The turn happened (its side effects too): its state and its reply settle together, and
    every redelivery of the message gets that same reply until one is delivered."""
    h = seed.headers
    reply = [
        {
            "text": "¡Listo! Su acuerdo quedó registrado.",
            "buttons": [{"id": "pay:x", "label": "Pagar"}],
        }
    ]

    def claim() -> dict:
        return client.post(f"{chat()}/inbox", headers=h, json={"message_id": "m-1"}).json()

    def settle(body: dict) -> None:
        answer = client.post(
            f"{chat()}/inbox/settle", headers=h, json={"message_id": "m-1", **body}
        )
        assert answer.is_success, answer.text

    assert claim()["reply"] is None
    settle({"delivered": False, "state": {"step": "menu"}, "reply": reply})
    assert client.get(f"{chat()}/state", headers=h).json()["step"] == "menu"
    again = claim()
    assert again["duplicate"] is False and again["reply"] == [
        {**reply[0], "list_title": None, "url": None}
    ]
    assert claim()["duplicate"] is True  # that redelivery is being answered
    settle({"delivered": False})  # its send failed too: the stored reply stays
    assert claim()["reply"][0]["text"] == reply[0]["text"]
    settle({"delivered": True})
    assert claim()["duplicate"] is True
    row = session.exec(select(InboxMessage).where(InboxMessage.message_id == "m-1")).one()
    assert row.done_at is not None and row.reply is not None


def test_verify_by_phone_or_birth_date_then_list_accounts(client, seed: Seed) -> None:
    h = seed.headers
    assert client.get(f"{chat()}/accounts", headers=h).json()["code"] == "verification_required"
    verify(client, seed)
    accounts = client.get(f"{chat()}/accounts", headers=h).json()
    assert [a["id"] for a in accounts] == [str(seed.account.id)]
    assert accounts[0]["balance_minor"] == 120_000 and accounts[0]["currency"] == "PEN"
    state = client.get(f"{chat()}/state", headers=h).json()
    assert state["verified"] and state["first_name"] == "Rosa"
    by_birth = client.post(
        f"{chat('3003')}/identify",
        headers=h,
        json={"id_type": "DNI", "id_number": "4567-8912", "birth_date": "1985-03-15"},
    )
    assert by_birth.json()["status"] == "verified"


def test_binding_expires(client, session: Session, seed: Seed) -> None:
    verify(client, seed)
    row = session.exec(select(Conversation).where(Conversation.user_id == "1001")).one()
    row.bound_until = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.flush()
    answer = client.get(f"{chat()}/accounts", headers=seed.headers)
    assert answer.status_code == 403 and answer.json()["code"] == "verification_required"
    assert not client.get(f"{chat()}/state", headers=seed.headers).json()["verified"]


def test_a_bound_chat_reaches_only_its_debtors_accounts(client, seed: Seed) -> None:
    verify(client, seed)
    h, other = seed.headers, seed.other.id
    assert client.get(f"{chat()}/accounts/{other}", headers=h).status_code == 404
    assert client.post(f"{chat()}/accounts/{other}/offers", headers=h).status_code == 404
    link = {"purpose": "balance", "message_id": "m-9"}
    assert (
        client.post(f"{chat()}/accounts/{other}/payment-links", headers=h, json=link).status_code
        == 404
    )
    offers = client.post(
        f"/api/v1/accounts/{other}/offers", headers=b.headers(seed.agent), json={}
    ).json()
    accept = client.post(f"{chat()}/offers/{offers[0]['id']}/accept", headers=h)
    assert accept.status_code == 404
    # Another chat, unverified, gets nothing about the first chat's debtor either.
    mine = seed.account.id
    assert client.get(f"{chat('5005')}/accounts/{mine}", headers=h).status_code == 403


def test_chat_link_binds_without_typing(client, session: Session, seed: Seed, monkeypatch) -> None:
    monkeypatch.setenv("COBRO_TELEGRAM_BOT_USERNAME", "@CobroBot")
    monkeypatch.setenv("COBRO_WHATSAPP_NUMBER", "+51 900 000 000")
    made = client.post(
        f"/api/v1/debtors/{seed.debtor.id}/chat-link",
        headers=b.headers(seed.agent),
        json={"valid_hours": 2},
    )
    assert made.status_code == 201, made.text
    link = made.json()
    token = link["token"]
    assert len(token) <= 64 and link["telegram_url"] == f"https://t.me/CobroBot?start={token}"
    assert link["whatsapp_url"] == f"https://wa.me/51900000000?text={token}"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = client.post(f"{chat()}/identify/token", headers=seed.headers, json={"token": forged})
    assert bad.json() == {**bad.json(), "status": "failed"}
    good = client.post(f"{chat()}/identify/token", headers=seed.headers, json={"token": token})
    assert good.json()["status"] == "verified" and good.json()["first_name"] == "Rosa"
    stranger = b.headers(b.user(session, Role.agent))
    refused = client.post(f"/api/v1/debtors/{seed.debtor.id}/chat-link", headers=stranger, json={})
    assert refused.status_code == 404


def test_payment_link_and_promise_replay_per_message(client, seed: Seed) -> None:
    verify(client, seed)
    h, account = seed.headers, seed.account.id
    body = {"purpose": "balance", "message_id": "m-1", "language": "en"}
    first = client.post(f"{chat()}/accounts/{account}/payment-links", headers=h, json=body)
    again = client.post(f"{chat()}/accounts/{account}/payment-links", headers=h, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["created_by_kind"] == "bot"
    due = (utcnow() + timedelta(days=3)).date().isoformat()
    promise = {"amount": "300.00", "due_date": due, "message_id": "m-2"}
    made = client.post(f"{chat()}/accounts/{account}/promises", headers=h, json=promise)
    replay = client.post(f"{chat()}/accounts/{account}/promises", headers=h, json=promise)
    assert (made.status_code, replay.status_code) == (201, 200)
    assert made.json()["recorded_by_kind"] == "bot" and made.json()["channel"] == "telegram"
    detail = client.get(f"{chat()}/accounts/{account}", headers=h).json()
    assert detail["promise"]["amount_minor"] == 30_000 and detail["plan"] is None
    # The list carries each account's detail, so a balance check needs no second call.
    assert client.get(f"{chat()}/accounts", headers=h).json() == [detail]


def test_handoff_creates_one_callback_for_the_agent(client, session: Session, seed: Seed) -> None:
    verify(client, seed, user_id="51987654321", channel="whatsapp")
    url = chat("51987654321", "whatsapp")
    first = client.post(f"{url}/handoff", headers=seed.headers, json={"message_id": "m-1"})
    second = client.post(f"{url}/handoff", headers=seed.headers, json={"message_id": "m-2"})
    assert first.status_code == 201 and first.json() == second.json()
    task = session.get(Task, uuid.UUID(first.json()["task_ids"][0]))
    assert task is not None and task.kind == TaskKind.callback_request
    assert task.assignee_id == seed.agent.id
    assert task.payload["contact"] == "51987654321" and task.payload["channel"] == "whatsapp"


def test_opt_out_is_honoured_on_that_channel(client, session: Session, seed: Seed) -> None:
    verify(client, seed, user_id="51987654321", channel="whatsapp")
    url = chat("51987654321", "whatsapp")
    out = client.post(f"{url}/opt-out", headers=seed.headers).json()
    assert out == {"opted_out": True, "debtors": 1}
    assert client.post(f"{url}/opt-out", headers=seed.headers).json()["debtors"] == 0
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == ["whatsapp"]
    assert client.get(f"{url}/state", headers=seed.headers).json()["opted_out"]
    actions = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"conversation.opted_out", "debtor.updated"} <= actions
    back = client.post(f"{url}/opt-in", headers=seed.headers).json()
    assert back == {"opted_out": False, "debtors": 1}
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == []


def test_one_national_id_binds_its_debtors_in_every_portfolio(
    client, session: Session, seed: Seed
) -> None:
    elsewhere = lima(session)
    twin = b.debtor(session, elsewhere, phone=PHONE, id_number=seed.debtor.id_number)
    second = b.account(session, elsewhere, owner=twin, principal=30_000)
    b.debtor(session, lima(session), phone="+51911111111", id_number=seed.debtor.id_number)
    verify(client, seed)
    ids = {a["id"] for a in client.get(f"{chat()}/accounts", headers=seed.headers).json()}
    assert ids == {str(seed.account.id), str(second.id)}


def test_bot_identity_is_created_once_and_guarded(session: Session) -> None:
    claims = decode_access_token(service.ensure_bot_identity(session))
    again = decode_access_token(service.ensure_bot_identity(session, days=1))
    user = session.get(User, uuid.UUID(claims["sub"]))
    assert user is not None and user.role == Role.bot and again["sub"] == claims["sub"]
    assert claims["exp"] - claims["iat"] == service.BOT_TOKEN_DAYS * 24 * 3600
    user.role = Role.admin  # someone took the address: no bot token for an admin
    session.add(user)
    session.flush()
    with pytest.raises(service.BotIdentityUnusable):
        service.ensure_bot_identity(session)


def test_refusals_are_named_so_the_bot_can_say_which(client, seed: Seed) -> None:
    """A plain 409 ``conflict`` tells a bot nothing to say; the bot API names the reason."""
    verify(client, seed)
    h, account = seed.headers, seed.account.id
    offers = client.post(f"{chat()}/accounts/{account}/offers", headers=h).json()
    accepted = client.post(f"{chat()}/offers/{offers[0]['id']}/accept", headers=h)
    assert accepted.status_code == 201
    again = client.post(f"{chat()}/offers/{offers[0]['id']}/accept", headers=h)
    assert (again.status_code, again.json()["code"]) == (409, "offer_already_accepted")
    other = client.post(f"{chat()}/offers/{offers[1]['id']}/accept", headers=h)
    assert other.status_code == 409 and other.json()["code"] in ("plan_active", "offer_superseded")
    more = client.post(f"{chat()}/accounts/{account}/offers", headers=h)
    assert (more.status_code, more.json()["code"]) == (409, "plan_active")
    assert more.json()["message"] == "The account already has an active plan."


def test_contact_preferences_set_exactly_the_channels_listed(
    client, session: Session, seed: Seed
) -> None:
    url = f"{chat('p1', 'portal')}/contact-preferences"
    assert client.get(url, headers=seed.headers).json()["code"] == "verification_required"
    verify(client, seed, "p1", "portal")
    answer = client.put(url, headers=seed.headers, json={"opted_out": ["sms", "email"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"opted_out": ["sms", "email"]}
    session.refresh(seed.debtor)
    assert sorted(seed.debtor.opt_outs) == ["email", "sms"]
    answer = client.put(url, headers=seed.headers, json={"opted_out": ["email"]})
    assert answer.json() == {"opted_out": ["email"]}
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == ["email"]
    events = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(seed.debtor.id))
    ).all()
    assert events.count("debtor.updated") == 3  # sms off, email off, sms on again
    refused = client.put(url, headers=seed.headers, json={"opted_out": ["visit"]})
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
    assert client.get(url, headers=seed.headers).json() == {"opted_out": ["email"]}
