"""Verification that protects without locking people out (``backend.conversations.lockout``).

Lockouts are per chat identity with growing delays; wrong answers for one ID from many chats
never lock that ID (its owner verifies from their own phone) but alert a supervisor; a
registered phone writing on WhatsApp needs the ID alone; opt-outs from it count at once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.conversations.models import VerificationFailure
from backend.tasks.models import Task
from shared.schemas.enums import TaskKind
from tests.conversations.conftest import PHONE, Seed, chat

WA_CHAT = PHONE.lstrip("+")


def attempt(client, seed: Seed, user_id: str, id_number: str, **factor: str):
    return client.post(
        f"{chat(user_id)}/identify", headers=seed.headers, json={"id_number": id_number, **factor}
    )


def age_failures(session: Session, delta: timedelta) -> None:
    for failure in session.exec(select(VerificationFailure)).all():
        failure.at -= delta
        session.add(failure)
    session.flush()


def test_failures_are_generic_and_lock_the_chat_with_growing_delays(
    client, session: Session, seed: Seed
) -> None:
    unknown_id = attempt(client, seed, "1001", "99999999", phone_last4="4321").json()
    wrong_factor = attempt(client, seed, "2002", seed.debtor.id_number, phone_last4="0000").json()
    assert unknown_id == wrong_factor == {**unknown_id, "status": "failed", "attempts_left": 2}
    left = attempt(client, seed, "1001", "88888888", phone_last4="4321").json()
    assert left["attempts_left"] == 1
    third = attempt(client, seed, "1001", "77777777", phone_last4="4321").json()
    assert third["status"] == "locked" and 240 < third["retry_after_seconds"] <= 300
    state = client.get(f"{chat('1001')}/state", headers=seed.headers).json()
    assert state["locked_until"] is not None  # the bot knows before asking anything
    right = attempt(client, seed, "1001", seed.debtor.id_number, phone_last4=PHONE[-4:])
    assert right.status_code == 429 and right.json()["code"] == "verification_locked"

    age_failures(session, timedelta(minutes=6))  # the first lock is over...
    assert client.get(f"{chat('1001')}/state", headers=seed.headers).json()["locked_until"] is None
    fourth = attempt(client, seed, "1001", "66666666", phone_last4="4321").json()
    assert fourth["status"] == "locked" and 840 < fourth["retry_after_seconds"] <= 900  # 15 min
    age_failures(session, timedelta(minutes=16))
    fifth = attempt(client, seed, "1001", "55555555", phone_last4="4321").json()
    assert fifth["status"] == "locked" and fifth["retry_after_seconds"] > 3000  # an hour
    age_failures(session, timedelta(minutes=61))
    ok = attempt(client, seed, "1001", seed.debtor.id_number, phone_last4=PHONE[-4:])
    assert ok.json()["status"] == "verified"
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "conversation.verification_failed")
    ).all()
    assert len(events) == 6 and all(seed.debtor.id_number not in str(e.after) for e in events)
    assert (
        session.exec(select(VerificationFailure).where(VerificationFailure.user_id == "1001")).all()
        == []
    )


def test_wrong_answers_for_an_id_never_lock_its_owner_but_alert_a_supervisor(
    client, session: Session, seed: Seed
) -> None:
    for n in range(5):  # five strangers' chats try the debtor's ID
        answer = attempt(client, seed, f"90{n}", seed.debtor.id_number, phone_last4="0000")
        assert answer.json()["status"] == "failed"
    [alert] = session.exec(select(Task).where(Task.kind == TaskKind.verification_alert)).all()
    assert alert.account_id == seed.account.id
    assert alert.assignee_id == seed.agent.supervisor_id  # a supervisor, not the agent
    attempt(client, seed, "906", seed.debtor.id_number, phone_last4="0000")
    assert (
        len(session.exec(select(Task).where(Task.kind == TaskKind.verification_alert)).all()) == 1
    )
    owner = attempt(client, seed, "1001", seed.debtor.id_number, phone_last4=PHONE[-4:])
    assert owner.json()["status"] == "verified"  # the owner is never locked out by others
    # An unknown ID alerts nobody (and answers the same).
    for n in range(5):
        assert (
            attempt(client, seed, f"80{n}", "12121212", phone_last4="0000").json()["status"]
            == "failed"
        )
    assert (
        len(session.exec(select(Task).where(Task.kind == TaskKind.verification_alert)).all()) == 1
    )


def test_a_registered_phone_on_whatsapp_needs_the_id_alone(
    client, session: Session, seed: Seed
) -> None:
    def by_id(channel: str, user_id: str, id_number: str) -> dict:
        return client.post(
            f"{chat(user_id, channel)}/identify",
            headers=seed.headers,
            json={"id_number": id_number},
        ).json()

    assert by_id("whatsapp", WA_CHAT, seed.debtor.id_number)["status"] == "verified"
    # Another phone, another channel or another ID: the second factor is asked, nothing counted.
    assert by_id("whatsapp", "51900000001", seed.debtor.id_number)["status"] == "factor_required"
    assert by_id("telegram", WA_CHAT, seed.debtor.id_number)["status"] == "factor_required"
    assert by_id("whatsapp", "51900000002", "99999999")["status"] == "factor_required"
    assert session.exec(select(VerificationFailure)).all() == []
    both = client.post(
        f"{chat('1001')}/identify",
        headers=seed.headers,
        json={"id_number": "1", "phone_last4": "1234", "birth_date": "1985-03-15"},
    )
    assert both.status_code == 422


def test_stop_from_a_registered_number_opts_the_debtor_out_before_verifying(
    client, session: Session, seed: Seed
) -> None:
    url = chat(WA_CHAT, "whatsapp")
    assert not client.get(f"{url}/state", headers=seed.headers).json()["verified"]
    out = client.post(f"{url}/opt-out", headers=seed.headers).json()
    assert out == {"opted_out": True, "debtors": 1}
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == ["whatsapp"]
    # A number nobody has on file opts only its chat out.
    stranger = client.post(f"{chat('51900000009', 'whatsapp')}/opt-out", headers=seed.headers)
    assert stranger.json() == {"opted_out": True, "debtors": 0}
    back = client.post(f"{url}/opt-in", headers=seed.headers).json()
    assert back == {"opted_out": False, "debtors": 1}
    session.refresh(seed.debtor)
    assert seed.debtor.opt_outs == []


def test_a_locked_chat_can_ask_for_a_person_without_learning_anything(
    client, session: Session, seed: Seed
) -> None:
    def handoff(message_id: str, id_number: str) -> dict:
        body = {"message_id": message_id, "id_number": id_number, "reason": "verification_locked"}
        answer = client.post(f"{chat('7007')}/handoff", headers=seed.headers, json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    assert handoff("m-1", seed.debtor.id_number) == {"task_ids": []}
    assert handoff("m-2", "31313131") == {"task_ids": []}  # the same answer for an unknown ID
    [task] = session.exec(select(Task).where(Task.kind == TaskKind.callback_request)).all()
    assert task.account_id == seed.account.id and task.assignee_id == seed.agent.id
    assert task.payload == {
        "channel": "telegram",
        "contact": "7007",
        "reason": "verification_locked",
    }
    # Without an ID an unverified chat is asked to verify.
    refused = client.post(
        f"{chat('7007')}/handoff", headers=seed.headers, json={"message_id": "m-3"}
    )
    assert refused.status_code == 403
