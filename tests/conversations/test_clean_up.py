"""The periodic chat clean-up: old inbox claims, failure counters and redemptions of expired
chat links go, stale chats forget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from backend.conversations.lockout import KEPT
from backend.conversations.models import (
    ChatLinkRedemption,
    Conversation,
    InboxMessage,
    VerificationFailure,
)
from backend.conversations.tasks import INBOX_KEPT, clean_up
from backend.core.clock import utcnow
from backend.core.db import session_scope
from tests import builders as b

DAY = timedelta(days=1)


def test_clean_up_keeps_what_still_matters(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    now = utcnow()
    with session_scope(committed_engine) as session:
        old, recent = now - INBOX_KEPT - timedelta(hours=1), now - timedelta(days=6)
        for at, message in ((old, "old"), (recent, "recent")):
            session.add(
                InboxMessage(
                    channel="whatsapp", user_id="u1", message_id=message, received_at=at, done_at=at
                )
            )
        for at in (now - KEPT - timedelta(minutes=1), now - timedelta(hours=30)):
            session.add(VerificationFailure(channel="whatsapp", user_id="u1", id_key="k", at=at))
        session.add(
            Conversation(
                channel="whatsapp",
                user_id="stale",
                step="ask_factor",
                data={"id_number": "45678912"},
                expires_at=now - timedelta(1),
                debtor_ids=["d1"],
                bound_until=now - timedelta(hours=1),
                bound_via="national_id",
            )
        )
        session.add(
            Conversation(
                channel="whatsapp",
                user_id="live",
                step="ask_factor",
                data={"x": 1},
                expires_at=now + timedelta(minutes=20),
                debtor_ids=["d2"],
                bound_until=now + timedelta(hours=2),
            )
        )

        debtor = b.debtor(session, b.portfolio(session))
        for digest, expires in (("expired", now - timedelta(minutes=1)), ("live", now + DAY)):
            session.add(
                ChatLinkRedemption(
                    digest=digest,
                    channel="telegram",
                    user_id="42",
                    debtor_id=debtor.id,
                    expires_at=expires,
                )
            )

    result = clean_up()

    assert (
        result.inbox,
        result.failures,
        result.chats_reset,
        result.bindings_dropped,
        result.redemptions,
    ) == (1, 1, 1, 1, 1)
    with session_scope(committed_engine) as session:
        left = session.execute(select(InboxMessage.message_id)).scalars().all()
        assert left == ["recent"]  # WhatsApp may still redeliver it
        count = select(func.count()).select_from(VerificationFailure)
        assert session.execute(count).scalar_one() == 1  # still counts towards a lockout
        chats = {c.user_id: c for c in session.execute(select(Conversation)).scalars()}
        assert (chats["stale"].step, chats["stale"].data, chats["stale"].debtor_ids) == (
            "start",
            {},
            [],
        )
        assert (chats["live"].step, chats["live"].debtor_ids) == ("ask_factor", ["d2"])
        kept = session.execute(select(ChatLinkRedemption.digest)).scalars().all()
        assert kept == ["live"]  # its link still verifies: still only its first chat's
    assert clean_up() == type(result)(0, 0, 0, 0, 0)  # a re-run changes nothing
