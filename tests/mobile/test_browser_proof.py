"""Proof at the door in headless Chromium at 360x640, on the server `make run` starts: the
agent takes a photo at a visit where the debtor pays (the browser's file picker), saves, and
the receipt's code and QR code are on screen for the debtor to scan; the QR decodes to the
receipt's public page, which answers for that code; the day's cash counts the payment.
Screenshots in ``test-artifacts/screenshots/proof_*.png``."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.mobile.test_browser import (  # noqa: F401  (fixtures)
    AGENT,
    CHROMIUM_ARGS,
    PASSWORD,
    SHOTS,
    App,
    chromium,
    nth_stop,
    served,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_page(chromium: Path) -> Iterator[object]:  # noqa: F811
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 360, "height": 640})
        finally:
            browser.close()


def door_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "#b5651d").save(out, format="JPEG")
    return out.getvalue()


def reveal(app: App, locator: object) -> None:
    """Scroll the form down until ``locator`` is built: a Flutter list builds (and exposes to
    the semantics tree) only what is near the screen, and a click must land on the screen."""
    for _ in range(10):
        box = locator.first.bounding_box() if locator.count() else None  # type: ignore[attr-defined]
        if box and box["y"] > 60 and box["y"] + box["height"] <= 640:  # on screen, under the bar
            return
        app.page.mouse.move(180, 420)  # type: ignore[attr-defined]
        app.page.mouse.wheel(0, 220)  # type: ignore[attr-defined]
        app.settle(500)
    app.shot("proof_never_shown")
    raise AssertionError(f"never shown: {locator}")


def test_photo_at_a_visit_and_the_receipt_qr_after_the_payment(
    server: str,  # noqa: F811
    browser_page: object,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    debtor, account_id = nth_stop(server, 0)
    app = App(browser_page, SHOTS)
    page = app.page
    app.open(server)
    app.login(AGENT)
    app.open_stop(debtor)
    app.click("Registrar visita")
    app.click("Marcar llegada (GPS)")
    app.text("Llegada ")
    app.click("Pagó")
    app.shot("proof_0_paid")
    reveal(app, page.get_by_label("Monto (PEN)"))  # type: ignore[attr-defined]
    app.type("Monto (PEN)", "120.50")
    reveal(app, page.get_by_label("N.º de recibo"))  # type: ignore[attr-defined]
    app.type("N.º de recibo", "B-901")

    reveal(app, page.get_by_role("button", name="Tomar foto"))  # type: ignore[attr-defined]
    with page.expect_file_chooser() as chooser:  # type: ignore[attr-defined]
        app.click("Tomar foto")
    chooser.value.set_files(
        files=[{"name": "puerta.jpg", "mimeType": "image/jpeg", "buffer": door_photo()}]
    )
    reveal(app, page.get_by_text("Foto adjunta: se envía con la visita."))  # type: ignore[attr-defined]
    app.shot("proof_1_photo_attached")

    reveal(app, page.get_by_role("button", name="Guardar visita"))  # type: ignore[attr-defined]
    app.click("Guardar visita")
    app.text("¿Guardar este pago?")  # confirmed with the debtor first
    app.click("Confirmar")
    app.text("Código de recibo: ", timeout=60_000)
    page.get_by_role("img", name="Código QR para verificar el recibo").wait_for(  # type: ignore[attr-defined]
        timeout=30_000
    )
    app.shot("proof_2_receipt_qr")
    shown = page.get_by_text(re.compile("Código de recibo: ")).first.inner_text()  # type: ignore[attr-defined]
    code = shown.split(": ", 1)[1].strip()

    # What the debtor's phone reads off the agent's screen.
    screen = Image.open(io.BytesIO(page.screenshot()))  # type: ignore[attr-defined]
    [decoded] = zxingcpp.read_barcodes(screen)
    assert decoded.text.endswith(f"/receipts/{code}")
    with httpx.Client(base_url=server, timeout=20) as http:
        assert code in http.get(f"/receipts/{code}").text
        token = http.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 30  # the photo follows its visit in the same sync
        while True:
            bundle = http.get(f"/api/v1/field/accounts/{account_id}", headers=headers).json()
            visit = bundle["visits"][0]
            if visit["photo_ids"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert visit["outcome"] == "paid" and len(visit["photo_ids"]) == 1
        photo = http.get(f"/api/v1/field/photos/{visit['photo_ids'][0]}", headers=headers)
        assert photo.content == door_photo()
        me = http.get("/api/v1/users/me", headers=headers).json()
        cash = http.get(f"/api/v1/field/agents/{me['id']}/cash-summary", headers=headers).json()
    assert any(p["verification_code"] == code for p in cash["payments"])

    for _ in range(2):  # back from the receipt, then from the account
        app.back()
    app.list_shows(debtor)
    app.click("Efectivo del día")
    app.text("B-901", timeout=30_000)
    app.shot("proof_3_cash_of_the_day")
