"""What staff may change of what the bot relies on: opt-outs only grow under staff hands (the
debtor, or an admin with a reason, lifts them), and a change of the verification factors
(phones, birth date) is audited masked and makes the debtor's chats verify again."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.imports import service as imports
from shared.schemas.enums import Role
from tests import builders as b
from tests.api.conftest import row_counts
from tests.conversations.conftest import BORN, PHONE, Seed, chat, verify
from tests.imports.helpers import csv_bytes, row

API = "/api/v1"


def _events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)
    return list(session.execute(query).scalars())


def _verified(client: Any, seed: Seed, user_id: str = "1001") -> bool:
    return client.get(f"{chat(user_id)}/state", headers=seed.headers).json()["verified"]


def _supervisor_of(session: Session, seed: Seed) -> Any:
    assert seed.agent.supervisor_id is not None
    return session.get(type(seed.agent), seed.agent.supervisor_id)


# Opt-outs ------------------------------------------------------------------------------------


def test_staff_may_add_an_opt_out_but_never_lift_one(
    client: Any, session: Session, seed: Seed
) -> None:
    url = f"{API}/debtors/{seed.debtor.id}"
    added = client.patch(url, json={"opt_outs": ["sms"]}, headers=b.headers(seed.agent))
    assert added.status_code == 200 and added.json()["opt_outs"] == ["sms"]
    admin = b.user(session, Role.admin)
    for who in (seed.agent, _supervisor_of(session, seed), admin):
        before = row_counts(session)
        for body in ({"opt_outs": []}, {"opt_outs": ["whatsapp"]}):
            refused = client.patch(url, json=body, headers=b.headers(who))
            assert (refused.status_code, refused.json()["code"]) == (
                403,
                "opt_out_clear_forbidden",
            ), who.role
        assert row_counts(session) == before
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == ["sms"]
    # Sending the opt-outs there are, plus one, keeps them all.
    more = client.patch(url, json={"opt_outs": ["whatsapp", "sms"]}, headers=b.headers(admin))
    assert more.json()["opt_outs"] == ["sms", "whatsapp"]


def test_an_admin_lifts_an_opt_out_with_the_reason_on_record(
    client: Any, session: Session, seed: Seed
) -> None:
    seed.debtor.opt_outs = ["sms", "whatsapp"]
    session.add(seed.debtor)
    session.flush()
    url = f"{API}/debtors/{seed.debtor.id}/opt-in"
    body = {"channels": ["sms"], "reason": "Asked at the branch, signed form 4411"}
    supervisor = b.headers(_supervisor_of(session, seed))
    assert client.post(url, json=body, headers=supervisor).status_code == 403
    admin = b.headers(b.user(session, Role.admin))
    no_reason = client.post(url, json={"channels": ["sms"]}, headers=admin)
    assert no_reason.status_code == 422
    lifted = client.post(url, json=body, headers=admin)
    assert lifted.status_code == 200 and lifted.json()["opt_outs"] == ["whatsapp"]
    [event] = _events(session, "debtor.opted_in")
    assert event.before == {"opt_outs": ["sms", "whatsapp"]}
    assert event.after == {"opt_outs": ["whatsapp"], "lifted": ["sms"], "reason": body["reason"]}
    again = client.post(url, json=body, headers=admin)  # nothing left to lift: no event
    assert again.status_code == 200 and len(_events(session, "debtor.opted_in")) == 1


def test_the_debtor_still_opts_back_in_through_the_bot(
    client: Any, session: Session, seed: Seed
) -> None:
    verify(client, seed, user_id="51987654321", channel="whatsapp")
    url = chat("51987654321", "whatsapp")
    assert client.post(f"{url}/opt-out", headers=seed.headers).json()["debtors"] == 1
    assert client.post(f"{url}/opt-in", headers=seed.headers).json()["debtors"] == 1
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == []


# Verification factors ------------------------------------------------------------------------


def test_new_phones_from_staff_make_the_chat_verify_again(
    client: Any, session: Session, seed: Seed
) -> None:
    verify(client, seed)
    # Another debtor's chat, bound by a chat link: it keeps its binding.
    other = b.debtor(session, _portfolio(seed, session))
    b.account(session, _portfolio(seed, session), agent=seed.agent, owner=other)
    link = client.post(
        f"{API}/debtors/{other.id}/chat-link", headers=b.headers(seed.agent), json={}
    )
    bound = client.post(
        f"{chat('2002')}/identify/token", headers=seed.headers, json={"token": link.json()["token"]}
    )
    assert bound.json()["status"] == "verified"
    changed = client.patch(
        f"{API}/debtors/{seed.debtor.id}",
        json={"phones": ["912 000 999"]},
        headers=b.headers(seed.agent),
    )
    assert changed.status_code == 200
    assert not _verified(client, seed) and _verified(client, seed, "2002")
    refused = client.get(f"{chat()}/accounts", headers=seed.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "verification_required")
    [event] = _events(session, "debtor.updated")
    assert event.before == {"phones": ["+51*********"]}
    assert event.after == {"phones": ["+51*********"], "verification_reset": 1}
    assert PHONE not in str(event.before) and "912000999" not in str(event.after)
    [unbound] = _events(session, "conversation.unbound")
    assert unbound.actor_id == seed.agent.id
    assert unbound.after == {"channel": "telegram", "reason": "verification_factors_changed"}
    # The old factor no longer verifies; the new one does.
    old = client.post(
        f"{chat()}/identify",
        headers=seed.headers,
        json={"id_number": seed.debtor.id_number, "phone_last4": PHONE[-4:]},
    )
    assert old.json()["status"] == "failed"
    new = client.post(
        f"{chat()}/identify",
        headers=seed.headers,
        json={"id_number": seed.debtor.id_number, "phone_last4": "0999"},
    )
    assert new.json()["status"] == "verified"


def test_a_new_birth_date_from_staff_makes_the_chat_verify_again(
    client: Any, session: Session, seed: Seed
) -> None:
    verify(client, seed)
    supervisor = b.headers(_supervisor_of(session, seed))
    changed = client.patch(
        f"{API}/debtors/{seed.debtor.id}", json={"birth_date": "1986-04-02"}, headers=supervisor
    )
    assert changed.status_code == 200 and not _verified(client, seed)
    [event] = _events(session, "debtor.updated")
    assert event.before == {"birth_date": "****-**-**"}
    assert event.after == {"birth_date": "****-**-**", "verification_reset": 1}


def test_other_changes_keep_the_chat_verified(client: Any, session: Session, seed: Seed) -> None:
    verify(client, seed)
    same = client.patch(
        f"{API}/debtors/{seed.debtor.id}",
        json={
            "phones": [PHONE],
            "birth_date": BORN.isoformat(),
            "preferred_channel": "whatsapp",
            "emails": ["rosa@example.pe"],
        },
        headers=b.headers(seed.agent),
    )
    assert same.status_code == 200 and _verified(client, seed)
    assert _events(session, "conversation.unbound") == []


def test_an_import_that_adds_a_phone_makes_the_chat_verify_again(
    client: Any, session: Session, seed: Seed
) -> None:
    verify(client, seed)
    admin = b.user(session, Role.admin)
    data = csv_bytes(
        [
            row(
                id_number=seed.debtor.id_number,
                first_name="Rosa",
                last_name="Quispe",
                phones="912 000 999",
                external_ref=seed.account.external_ref,
                principal="1200.00",
                interest="",
                fees="",
                paid="",
            )
        ]
    )
    portfolio = _portfolio(seed, session)
    imports.import_file(
        session, Actor("user", admin.id), admin, portfolio.id, io.BytesIO(data), "f.csv"
    )
    assert not _verified(client, seed)
    [event] = [e for e in _events(session, "debtor.updated") if e.entity_id == str(seed.debtor.id)]
    assert event.after is not None and event.after["phones"] == ["+51*********"] * 2
    assert len(_events(session, "conversation.unbound")) == 1


def _portfolio(seed: Seed, session: Session) -> Portfolio:
    found = session.get(Portfolio, seed.account.portfolio_id)
    assert found is not None
    return found
