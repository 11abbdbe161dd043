"""Limits on the portal's ID form beyond the session's lockout, on both databases: wrong
answers for one document from many browser sessions pause ID sign-in for it on the portal
(not in the chats, not by link), and one client address is slowed down (growing delays kept
in the database, shared by every API process)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.auth.models import LoginThrottle
from backend.auth.throttle import portal_address_key
from backend.conversations import lockout
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.tasks.models import Task
from shared.schemas.enums import TaskKind
from tests import builders as b
from tests.portal.conftest import ID_NUMBER, PHONE, Seeded, login, portal_api


def fresh_session_login(browser: TestClient, last4: str) -> int:
    """An ID attempt from a new browser session (cookies cleared: the lockout bypass)."""
    browser.cookies.clear()
    return login(browser, last4).status_code


def test_wrong_answers_from_many_sessions_pause_the_document_on_the_portal_only(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    statuses = [fresh_session_login(browser, "0000") for _ in range(lockout.DOCUMENT_ALERT)]
    assert statuses == [401] * (lockout.DOCUMENT_ALERT - 1) + [429]
    browser.cookies.clear()
    right = login(browser)  # the right details, from yet another session: paused
    assert right.status_code == 429 and "en pausa" in right.text
    assert 'action="/portal/verify"' not in right.text and "asesor" in right.text
    tasks = session.exec(select(Task).where(Task.account_id == seeded.account.id)).all()
    assert TaskKind.verification_alert in {t.kind for t in tasks}
    # The owner is not locked out: by ID in their chat, and by a link on the portal.
    chat = portal_api(browser.app).get().chat("telegram", "owner-77")
    verified = asyncio.run(chat.identify(ID_NUMBER, phone_last4=PHONE[-4:]))
    assert verified.status == "verified"
    made = browser.post(
        f"/api/v1/debtors/{seeded.debtor.id}/chat-link",
        headers=b.headers(seeded.agent),
        json={"valid_hours": 2},
    )
    browser.cookies.clear()
    assert browser.get(f"/portal/start/{made.json()['token']}").status_code == 200


def test_a_client_address_is_slowed_down_after_its_free_attempts(
    browser: TestClient, session: Session, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "portal_free_attempts_address", 2)
    now = utcnow()  # one instant: the 1-second delay cannot run out between the requests
    monkeypatch.setattr("backend.conversations.verification.utcnow", lambda: now)
    first = fresh_session_login(browser, "0000")
    assert first == 401  # counted, still free
    assert fresh_session_login(browser, "0000") == 401  # the second: a delay starts
    browser.cookies.clear()
    slowed = login(browser)  # the right details, but the address must wait
    assert slowed.status_code == 429 and "en pausa" in slowed.text
    row = session.get(LoginThrottle, portal_address_key("testclient"))
    assert row is not None and row.failures == 2 and row.blocked_until is not None


def test_a_success_gives_the_address_its_attempt_back(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    assert login(browser).status_code == 303
    row = session.get(LoginThrottle, portal_address_key("testclient"))
    assert row is not None and row.failures == 0
