"""The portal in headless Chromium at 360x640, served as `make run` serves it.

``cobro migrate``, ``cobro demo-data`` and ``cobro serve`` on a free port with a temporary
SQLite file (the fixtures of ``tests/mobile/test_browser.py``); an agent makes a chat link for
their first stop's debtor, and the debtor opens it in the browser and goes through the portal.
Every request the browser makes must stay on the portal's origin. Screenshots of every page are
left in ``test-artifacts/screenshots/portal_*.png`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.mobile.test_browser import (  # noqa: F401 (fixtures)
    AGENT,
    CHROMIUM_ARGS,
    PASSWORD,
    SHOTS,
    chromium,
    served,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def chat_link(base: str) -> tuple[str, str]:
    """A chat link for the agent's first stop's debtor, and that account's id."""
    with httpx.Client(base_url=base, timeout=20) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        account_id = http.get("/api/v1/field/worklist").json()["stops"][0]["account_id"]
        debtor_id = http.get(f"/api/v1/accounts/{account_id}").json()["debtor_id"]
        link = http.post(f"/api/v1/debtors/{debtor_id}/chat-link", json={"valid_hours": 1})
        assert link.status_code == 201, link.text
    return link.json()["token"], account_id


@pytest.fixture
def page(chromium: Path) -> Iterator[object]:  # noqa: F811
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 360, "height": 640}, locale="es-PE")
        finally:
            browser.close()


def test_a_debtor_goes_through_the_portal_on_a_phone(server: str, page) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    token, account_id = chat_link(server)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"portal_{name}.png"), full_page=True)

    page.goto(f"{server}/portal/")
    page.get_by_label("Número de documento").wait_for()
    shot("01_verify")
    page.goto(f"{server}/portal/start/{token}")
    page.get_by_role("heading", level=1).wait_for()
    assert "Hola," in page.inner_text("h1")
    shot("02_accounts")
    page.locator(f'a.button[href="/portal/accounts/{account_id}"]').click()
    page.get_by_text("Sus opciones").wait_for()
    shot("03_account")
    # Every target a finger presses is at least 48 px tall.
    for target in page.locator("main button, main a, header button").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 48, target.inner_text()

    page.get_by_role("link", name="Proponer un plan").click()
    page.get_by_label("Número de cuotas", exact=True).fill("3")
    shot("04_propose")
    page.get_by_role("button", name="Enviar propuesta").click()
    page.get_by_role("heading", level=1).wait_for()
    shot("05_proposal")
    page.go_back()
    page.go_back()

    page.get_by_role("link", name="Prometer un pago").click()
    page.get_by_label("Monto (COP)").or_(page.get_by_label("Monto (PEN)")).or_(
        page.get_by_label("Monto (MXN)")
    ).fill("100")
    day = page.get_by_label("¿Cuándo pagará?")
    minimum = day.get_attribute("min")
    assert minimum
    from datetime import date

    day.fill((date.fromisoformat(minimum) + timedelta(days=2)).isoformat())
    shot("06_promise")
    page.get_by_role("button", name="Registrar promesa").click()
    page.get_by_role("status").wait_for()
    assert "Registramos su promesa" in page.get_by_role("status").inner_text()
    shot("07_promised")

    page.goto(f"{server}/portal/preferences")
    page.get_by_label("SMS").check()
    page.get_by_role("button", name="Guardar").click()
    page.get_by_role("status").wait_for()
    shot("08_preferences")

    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="How to contact me").wait_for()
    assert page.get_by_label("Text message (SMS)").is_checked()
    page.goto(f"{server}/portal/accounts/{account_id}/documents")
    page.get_by_role("heading", name="My documents").wait_for()
    shot("09_documents_en")
    page.goto(f"{server}/portal/accounts/{account_id}/dispute")
    shot("10_dispute_en")

    # Paid in full (the built-in provider's sandbox): the account moves to "Pagadas", with
    # its certificate and receipt a tap away.
    page.goto(f"{server}/portal/accounts/{account_id}")
    pay_form = page.locator('form:has(button[name="purpose"][value="balance"])')
    made = page.request.post(  # the browser's own cookie; the link's URL names the public
        f"{server}/portal/accounts/{account_id}/pay",  # origin (COBRO_PUBLIC_URL), not ours
        form={
            "csrf": pay_form.locator("input[name=csrf]").input_value(),
            "nonce": pay_form.locator("input[name=nonce]").input_value(),
            "purpose": "balance",
        },
        max_redirects=0,
    )
    assert made.status == 303, made.text()
    page.goto(server + httpx.URL(made.headers["location"]).path)
    with page.expect_navigation():  # the sandbox completes it as a provider's webhook would
        page.locator('form[action$="/sandbox"] button').click()
    page.goto(f"{server}/portal/")
    page.get_by_role("button", name="Español").click()
    page.get_by_role("heading", name="Pagadas").wait_for()
    paid = page.locator("section[aria-labelledby=paid-title]")
    assert paid.get_by_role("link", name="Constancia de no adeudo (PDF)").count() == 1
    assert paid.get_by_role("link", name=re.compile(r"^Recibo de ")).count() >= 1
    for target in paid.locator("a").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 48, target.inner_text()
    paid.scroll_into_view_if_needed()
    shot("11_paid")

    assert requested, "the browser made no request"
    foreign = [url for url in requested if not url.startswith(f"{server}/")]
    assert foreign == [], foreign
