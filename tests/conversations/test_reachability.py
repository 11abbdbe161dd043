"""Chats the platforms refuse to deliver to are recorded on the debtors' channel, until the
person writes again (``backend.conversations.reachability``)."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.contact.repository import consent_facts
from backend.debtors import chats
from backend.debtors.models import DebtorChannelBlock
from shared.schemas.enums import Channel
from tests.conversations.conftest import PHONE, Seed, chat, verify

WA_CHAT = PHONE.lstrip("+")


def reachable(session: Session, seed: Seed) -> frozenset[Channel]:
    return consent_facts(session, [seed.debtor.id])[seed.debtor.id][0]


def claim(client, seed: Seed, url: str, message_id: str) -> dict:
    answer = client.post(f"{url}/inbox", headers=seed.headers, json={"message_id": message_id})
    return answer.json()


def test_telegram_blocked_unlinks_the_chat_until_the_person_writes_again(
    client, session: Session, seed: Seed
) -> None:
    verify(client, seed, user_id="4242")
    assert chats.chat_of(session, seed.debtor.id, Channel.telegram) == "4242"
    assert Channel.telegram in reachable(session, seed)
    report = {"reason": "blocked", "detail": "Forbidden: bot was blocked by the user"}
    answer = client.post(f"{chat('4242')}/unreachable", headers=seed.headers, json=report)
    assert answer.json() == {"debtors": 1}
    assert chats.chat_of(session, seed.debtor.id, Channel.telegram) is None
    assert Channel.telegram not in reachable(session, seed)  # reminders stop planning it
    again = client.post(f"{chat('4242')}/unreachable", headers=seed.headers, json=report)
    assert again.json() == {"debtors": 0}  # recorded once

    assert claim(client, seed, chat("4242"), "m-1")["duplicate"] is False  # unblocked, wrote
    assert chats.chat_of(session, seed.debtor.id, Channel.telegram) == "4242"
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("debtor.channel_unreachable") == 1
    assert actions.count("debtor.channel_reachable") == 1
    assert {"conversation.unreachable", "conversation.reachable"} <= set(actions)


def test_whatsapp_undeliverable_blocks_the_channel_of_the_phone_owner(
    client, session: Session, seed: Seed
) -> None:
    url = chat(WA_CHAT, "whatsapp")  # never verified: the phone on file says whose it is
    assert Channel.whatsapp in reachable(session, seed)
    report = {"reason": "undeliverable", "detail": "whatsapp 131026"}
    assert client.post(f"{url}/unreachable", headers=seed.headers, json=report).json() == {
        "debtors": 1
    }
    [block] = session.exec(select(DebtorChannelBlock)).all()
    assert (block.debtor_id, block.channel, block.chat_id) == (
        seed.debtor.id,
        Channel.whatsapp,
        WA_CHAT,
    )
    assert Channel.whatsapp not in reachable(session, seed)
    assert Channel.sms in reachable(session, seed)  # the phone still takes SMS
    claim(client, seed, url, "wamid.1")
    assert session.exec(select(DebtorChannelBlock)).all() == []
    assert Channel.whatsapp in reachable(session, seed)


def test_a_closed_window_marks_only_the_chat(client, session: Session, seed: Seed) -> None:
    url = chat(WA_CHAT, "whatsapp")
    report = {"reason": "window_closed", "detail": "whatsapp 131047"}
    assert client.post(f"{url}/unreachable", headers=seed.headers, json=report).json() == {
        "debtors": 0
    }
    assert Channel.whatsapp in reachable(session, seed)  # templates still reach the debtor
