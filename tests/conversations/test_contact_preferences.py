"""Contact preferences set from several chats (portal sessions) of one debtor at once: each
change is decided under the debtor's lock, so the opt-outs end as the last writer set them
and every change is audited exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, select

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations import links, service, verification
from backend.conversations.service import Chat
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import new_session, session_scope, unit_of_work
from backend.debtors.models import Debtor
from shared.schemas.conversations import ContactPreferences, TokenIdentify
from shared.schemas.enums import Channel
from tests import builders as b

WORKERS = 4


def test_sessions_setting_preferences_at_once_change_each_channel_once(
    committed_engine: Engine,
) -> None:
    with session_scope(committed_engine) as session:
        debtor = b.debtor(session, b.portfolio(session))
        debtor_id = debtor.id
        expires = utcnow() + timedelta(hours=1)
        for n in range(WORKERS):
            token = links.sign(debtor.id, expires, get_settings().secret_key)
            chat = Chat("portal", f"s{n}")
            found = verification.identify_by_token(
                session, Actor.system(), chat, TokenIdentify(token=token)
            )
            assert found.status == "verified"
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    wanted = ContactPreferences(opted_out=[Channel.sms, Channel.email])

    def save(n: int) -> None:
        session = new_session(committed_engine)
        try:
            barrier.wait()
            unit_of_work(
                session,
                lambda: service.set_contact_preferences(
                    session, Actor.system(), Chat("portal", f"s{n}"), wanted
                ),
            )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with session_scope(committed_engine) as session:
        saved = session.get(Debtor, debtor_id)
        assert saved is not None and sorted(saved.opt_outs) == ["email", "sms"]
        events = session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "debtor.updated", AuditEvent.entity_id == str(debtor_id)
            )
        ).scalars()
        assert len(list(events)) == 2  # sms off, e-mail off: once each, whoever won
