"""The portal's sign-out (the backend binding ends with it), its paid accounts and the
proposal's frequency and amount-per-instalment terms, on both databases."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.plans.models import Offer
from bots.portal.session import COOKIE
from tests.portal.conftest import Seeded, csrf, login


def test_sign_out_ends_the_binding_so_the_old_cookie_verifies_nobody(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    assert login(browser).status_code == 303
    home = browser.get("/portal/")
    old = browser.cookies[COOKIE]
    out = browser.post("/portal/logout", data={"csrf": csrf(home.text)})
    assert out.status_code == 200 and 'action="/portal/verify"' in out.text
    browser.cookies.clear()
    browser.cookies.set(COOKIE, old, path="/portal")  # the old session id, replayed
    replayed = browser.get(f"/portal/accounts/{seeded.account.id}")
    assert replayed.status_code == 401 and 'action="/portal/verify"' in replayed.text
    again = browser.post("/portal/logout", data={"csrf": csrf(replayed.text)})
    assert again.status_code == 200  # already unbound: the same answer, nothing recorded
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "conversation.unbound")
    ).all()
    assert [e.after["reason"] for e in events] == ["signed_out"]


def test_propose_by_amount_per_instalment_and_frequency(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    login(browser)
    url = f"/portal/accounts/{seeded.account.id}/propose"
    form = browser.get(url)
    assert 'value="biweekly"' in form.text and 'name="instalment"' in form.text
    base = {"csrf": csrf(form.text), "first": "", "down": "120.00", "kind": "amount"}
    monthly = browser.post(url, data={**base, "instalment": "180.00", "frequency": "monthly"})
    assert monthly.status_code == 200, monthly.text
    assert "Su propuesta está dentro de lo permitido" in monthly.text
    offer_id = re.search(r'name="offer_id" value="([^"]+)"', monthly.text).group(1)
    offer = session.get(Offer, uuid.UUID(offer_id))
    assert offer is not None and offer.frequency == "monthly"
    assert [line["amount_minor"] for line in offer.schedule] == [12_000] + [18_000] * 6
    weekly = browser.post(url, data={**base, "instalment": "180.00", "frequency": "weekly"})
    assert "Le proponemos otra forma" in weekly.text  # the policy allows monthly plans only
    assert "esa frecuencia de pago no está disponible" in weekly.text
    for bad in ({"instalment": "0"}, {"instalment": "x"}, {"frequency": "daily"}):
        refused = browser.post(url, data={**base, "instalment": "50", **bad})
        assert refused.status_code == 422, bad
