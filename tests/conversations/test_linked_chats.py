"""A Telegram chat verified for a debtor stays their linked chat (where Telegram reminders go)
after the 24-hour binding ends; it goes when the chat opts out or the debtor opts out of
Telegram. Two chats linking one debtor at once leave one link, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations import links, verification
from backend.conversations.models import Conversation
from backend.conversations.service import Chat
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import new_session, session_scope, unit_of_work
from backend.debtors.models import DebtorChat
from shared.schemas.conversations import TokenIdentify
from shared.schemas.enums import Channel, Role
from tests import builders as b
from tests.conversations.conftest import PHONE, Seed, chat, verify


def _token(debtor_id) -> str:
    return links.sign(debtor_id, utcnow() + timedelta(hours=1), get_settings().secret_key)


def _links(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(DebtorChat).order_by(DebtorChat.chat_id)).scalars()
    return [(row.channel.value, row.chat_id) for row in rows]


def _actions(session: Session, action: str) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.action == action)
        .order_by(AuditEvent.at, AuditEvent.id)  # unordered, PostgreSQL may answer any order
    )
    return list(session.execute(query).scalars())


def _expire_binding(session: Session, user_id: str) -> None:
    row = session.execute(select(Conversation).where(Conversation.user_id == user_id)).scalar_one()
    row.bound_until = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.flush()


def test_a_verified_telegram_chat_is_the_debtor_s_linked_chat(
    client, session: Session, seed: Seed
) -> None:
    token = _token(seed.debtor.id)
    client.post(f"{chat('1001')}/identify/token", headers=seed.headers, json={"token": token})
    assert _links(session) == [("telegram", "1001")]
    [linked] = _actions(session, "debtor.chat_linked")
    assert (linked.entity_id, linked.after) == (
        str(seed.debtor.id),
        {"channel": "telegram", "chat_id": "1001"},
    )
    verify(client, seed, user_id="1001")  # verifying again (by ID) changes nothing
    assert len(_actions(session, "debtor.chat_linked")) == 1

    verify(client, seed, user_id="2002")  # the debtor's newer chat replaces it
    assert _links(session) == [("telegram", "2002")]
    latest = _actions(session, "debtor.chat_linked")[-1]
    assert (latest.before, latest.after) == (
        {"channel": "telegram", "chat_id": "1001"},
        {"channel": "telegram", "chat_id": "2002"},
    )


def test_whatsapp_and_web_chats_link_nothing(client, session: Session, seed: Seed) -> None:
    verify(client, seed, user_id=PHONE.lstrip("+"), channel="whatsapp")
    verify(client, seed, user_id="web-1", channel="simulator")
    assert _links(session) == []


def test_a_debtor_opted_out_of_telegram_gets_no_link(client, session: Session, seed: Seed) -> None:
    seed.debtor.opt_outs = ["telegram"]
    session.add(seed.debtor)
    session.flush()
    verify(client, seed, user_id="1001")
    assert _links(session) == []


def test_baja_in_the_chat_unlinks_it_even_after_the_binding_ended(
    client, session: Session, seed: Seed
) -> None:
    verify(client, seed, user_id="1001")
    _expire_binding(session, "1001")  # a day later: the chat is no longer bound

    out = client.post(f"{chat('1001')}/opt-out", headers=seed.headers).json()

    assert out == {"opted_out": True, "debtors": 1}
    assert _links(session) == []
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == ["telegram"]
    [unlinked] = _actions(session, "debtor.chat_unlinked")
    assert unlinked.before == {"channel": "telegram", "chat_id": "1001"}


def test_alta_in_a_bound_chat_links_it_again(client, session: Session, seed: Seed) -> None:
    verify(client, seed, user_id="1001")
    client.post(f"{chat('1001')}/opt-out", headers=seed.headers)
    assert _links(session) == []

    back = client.post(f"{chat('1001')}/opt-in", headers=seed.headers).json()

    assert back == {"opted_out": False, "debtors": 1}
    assert _links(session) == [("telegram", "1001")]


def test_opting_out_of_telegram_on_the_file_unlinks_the_chat(
    client, session: Session, seed: Seed
) -> None:
    verify(client, seed, user_id="1001")
    admin = b.headers(b.user(session, Role.admin))
    url = f"/api/v1/debtors/{seed.debtor.id}"
    assert client.patch(url, headers=admin, json={"opt_outs": ["sms"]}).is_success
    assert _links(session) == [("telegram", "1001")]

    no_telegram = {"opt_outs": ["sms", "telegram"]}
    answer = client.patch(url, headers=admin, json=no_telegram)

    assert answer.status_code == 200, answer.text
    assert _links(session) == []
    assert len(_actions(session, "debtor.chat_unlinked")) == 1


WORKERS = 4


def test_chats_linking_one_debtor_at_once_leave_one_link(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        debtor = b.debtor(session, b.portfolio(session))
        tokens = [_token(debtor.id) for _ in range(WORKERS)]  # a link each
    barrier = threading.Barrier(WORKERS)
    answers: list[str] = []
    errors: list[BaseException] = []

    def open_link(n: int) -> None:
        session = new_session(committed_engine)
        try:
            barrier.wait()
            result = unit_of_work(
                session,
                lambda: verification.identify_by_token(
                    session,
                    Actor.system(),
                    Chat("telegram", f"70{n}"),
                    TokenIdentify(token=tokens[n]),
                ),
            )
            answers.append(result.status)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=open_link, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and answers == ["verified"] * WORKERS
    with session_scope(committed_engine) as session:
        [link] = session.execute(select(DebtorChat)).scalars()
        assert link.debtor_id == debtor.id and link.channel == Channel.telegram
        changes = _actions(session, "debtor.chat_linked")
    # One chat linked first; each later one left an event naming the chat it replaced.
    assert len(changes) == WORKERS
    assert sum(1 for e in changes if e.before is None) == 1
    assert link.chat_id in {e.after["chat_id"] for e in changes}
