"""Chat links are single-use: the first chat that uses one owns it. That chat may use it again
(a second tap, a redelivered webhook); any other chat is refused, audited, and asked to verify
by ID (``tests/bots_core/test_scenarios.py``). Chats racing for one link: exactly one wins, on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations import links, verification
from backend.conversations.models import ChatLinkRedemption, Conversation
from backend.conversations.service import Chat
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import new_session, session_scope, unit_of_work
from shared.schemas.conversations import CHAT_TOKEN_PATTERN, TokenIdentify
from tests import builders as b
from tests.conversations.conftest import Seed, chat

HOUR = timedelta(hours=1)


def _token(debtor_id, hours: int = 1) -> str:
    return links.sign(debtor_id, utcnow() + hours * HOUR, get_settings().secret_key)


def _identify(client, seed: Seed, token: str, user_id: str, channel: str = "telegram") -> str:
    answer = client.post(
        f"{chat(user_id, channel)}/identify/token", headers=seed.headers, json={"token": token}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


def _redemptions(session: Session) -> list[ChatLinkRedemption]:
    return list(session.execute(select(ChatLinkRedemption)).scalars())


def test_a_link_is_the_first_chat_s_and_only_that_chat_may_use_it_again(
    client, session: Session, seed: Seed
) -> None:
    token = _token(seed.debtor.id)

    assert _identify(client, seed, token, "1001") == "verified"
    assert _identify(client, seed, token, "1001") == "verified"  # a second tap, a redelivery
    assert _identify(client, seed, token, "2002") == "failed"  # forwarded to someone else
    assert _identify(client, seed, token, "1001", channel="whatsapp") == "failed"  # other app

    [redemption] = _redemptions(session)
    assert (redemption.channel, redemption.user_id, redemption.debtor_id) == (
        "telegram",
        "1001",
        seed.debtor.id,
    )
    assert client.get(f"{chat('2002')}/state", headers=seed.headers).json()["verified"] is False
    assert client.get(f"{chat('1001')}/state", headers=seed.headers).json()["verified"] is True
    stranger = session.execute(
        select(Conversation).where(Conversation.user_id == "2002")
    ).scalar_one()
    [refused] = session.execute(
        select(AuditEvent).where(
            AuditEvent.action == "conversation.chat_link_refused",
            AuditEvent.entity_id == str(stranger.id),
        )
    ).scalars()
    assert refused.after == {"channel": "telegram", "reason": "used_by_another_chat"}


def test_every_link_signed_is_a_link_of_its_own(client, seed: Seed) -> None:
    """Two links for one debtor, made in the same second, still bind two chats."""
    expires = utcnow() + HOUR
    first, second = (
        links.sign(seed.debtor.id, expires, get_settings().secret_key) for _ in range(2)
    )
    assert first != second and len(first) <= 64  # Telegram's /start parameter
    assert all(re.fullmatch(CHAT_TOKEN_PATTERN, t) for t in (first, second))

    assert _identify(client, seed, first, "1001") == "verified"
    assert _identify(client, seed, second, "2002") == "verified"


def test_expired_and_forged_links_verify_nobody_and_are_not_recorded(
    client, session: Session, seed: Seed
) -> None:
    expired = links.sign(seed.debtor.id, utcnow() - HOUR, get_settings().secret_key)
    forged = links.sign(seed.debtor.id, utcnow() + HOUR, "another-secret-key-of-some-length")

    assert _identify(client, seed, expired, "1001") == "failed"
    assert _identify(client, seed, forged, "1001") == "failed"
    assert _redemptions(session) == []


ROUNDS, CHATS = 3, 4


def test_chats_racing_for_one_link_one_wins(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        debtor = b.debtor(session, b.portfolio(session))
        tokens = [_token(debtor.id) for _ in range(ROUNDS)]
    bot = Actor.system()
    outcomes: dict[str, list[tuple[str, str]]] = {token: [] for token in tokens}
    errors: list[BaseException] = []

    def redeem(token: str, user_id: str, barrier: threading.Barrier) -> None:
        session = new_session(committed_engine)
        try:
            barrier.wait()
            result = unit_of_work(
                session,
                lambda: verification.identify_by_token(
                    session, bot, Chat("telegram", user_id), TokenIdentify(token=token)
                ),
            )
            outcomes[token].append((user_id, result.status))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            session.close()

    for token in tokens:
        barrier = threading.Barrier(CHATS)
        threads = [
            threading.Thread(target=redeem, args=(token, f"{900 + n}", barrier))
            for n in range(CHATS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    with session_scope(committed_engine) as session:
        owners = {r.digest: r.user_id for r in _redemptions(session)}
        refusals = session.execute(
            select(func.count()).where(AuditEvent.action == "conversation.chat_link_refused")
        ).scalar_one()
    assert len(owners) == ROUNDS and refusals == ROUNDS * (CHATS - 1)
    for token in tokens:
        [winner] = [user for user, status in outcomes[token] if status == "verified"]
        assert sorted(status for _, status in outcomes[token]) == ["failed"] * (CHATS - 1) + [
            "verified"
        ]
        link = links.verify(token, get_settings().secret_key, utcnow())
        assert link is not None and owners[link.digest] == winner
