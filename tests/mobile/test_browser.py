"""The app in headless Chromium at 360x640 and 412x915, served as `make run` serves it.

The server is the real one: ``cobro migrate``, ``cobro demo-data`` and ``cobro serve`` on a free
port with a temporary SQLite file, the web app mounted at ``/app``. Chromium is Debian's
(``/usr/bin/chromium``, installed by ``make chromium``), driven by Playwright for Python;
nothing is downloaded.

Finding things on a Flet page: Flet draws on a canvas (CanvasKit), so there is no DOM to query
until Flutter's semantics tree is switched on. Clicking the hidden ``flt-semantics-placeholder``
("Enable accessibility") does that; from then on texts, buttons (by their label), text fields
(by their ``label``) and the bottom navigation (``tab`` roles) are elements that
``get_by_text``, ``get_by_role`` and ``get_by_label`` find, and clicks on them reach the Python
handlers. Typing needs a real focus: click the field, then ``keyboard.type`` (``fill`` sets the
DOM value without Flutter seeing it). After a redraw, wait a moment before the next click: the
semantics nodes move only with the next frame.

Screenshots of every screen are left in ``test-artifacts/screenshots/<width>x<height>/``
(git-ignored), and the connection-lost banner in ``test-artifacts/screenshots/offline/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = Path("/usr/bin/chromium")
COBRO = Path(sys.executable).parent / "cobro"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AGENT, SUPERVISOR, PASSWORD = "agent1@demo.cobro", "supervisor@demo.cobro", "demo"
TILES_ORIGIN = "https://tile.openstreetmap.org/"  # the default COBRO_MAP_TILES_URL
#: What a text field holds when it has the focus (null when it has not). A field Flutter
#: focused on its own (``autofocus``) before the semantics tree was switched on is edited in
#: Flutter's hidden editing input over it, not in the labelled input the tree shows.
FOCUSED_VALUE = """element => {
    const focused = document.activeElement;
    if (focused === element) return element.value;
    if (!focused || focused.value === undefined) return null;
    const box = element.getBoundingClientRect();
    const at = focused.getBoundingClientRect();
    const y = at.top + at.height / 2;
    return box.top <= y && y <= box.bottom ? focused.value : null;
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(served: tuple[str, subprocess.Popen[bytes]]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """What `make run` does, in a temporary directory: migrate, demo data, serve."""
    workdir = tmp_path_factory.mktemp("make_run")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'cobro.db'}",
        "COBRO_SECRET_KEY": "browser-test-secret-key-0123456789-abcdef",
        "COBRO_ENV": "development",
        "COBRO_API_URL": base,
        "COBRO_MOBILE_DATA_DIR": str(workdir / "devices"),
        "COBRO_MAP_TILES_URL": TILES_ORIGIN + "{z}/{x}/{y}.png",
    }
    for command in (["migrate"], ["demo-data"]):
        done = subprocess.run(
            [str(COBRO), *command],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    log = workdir / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(COBRO), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert f"App     {base}/app/" in log.read_text()  # the banner tells where the app is
        shell = httpx.get(f"{base}/app/", timeout=10)
        assert shell.status_code == 200, "no app at /app/"
        assert "frame-ancestors 'none'" in shell.headers["Content-Security-Policy"]
        yield base, process
    finally:
        _stop(process)


def nth_stop(base: str, index: int) -> tuple[str, str]:
    """The debtor and account of the agent's stop ``index``, as the app will list it."""
    with httpx.Client(base_url=base, timeout=20) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        stop = http.get("/api/v1/field/worklist").json()["stops"][index]
    return stop["debtor_name"], stop["account_id"]


class App:
    """The page, with the few moves the test needs."""

    def __init__(self, page: object, shots: Path) -> None:
        self.page = page
        self.shots = shots

    def settle(self, ms: int = 700) -> None:
        self.page.wait_for_timeout(ms)  # type: ignore[attr-defined]

    def shot(self, name: str) -> None:
        self.page.mouse.move(350, 250)  # type: ignore[attr-defined]  (no tooltip in the picture)
        self.settle()
        self.page.screenshot(path=str(self.shots / f"{name}.png"))  # type: ignore[attr-defined]

    def text(self, text: str, timeout: float = 60_000) -> None:
        """Wait for ``text`` on screen: a text, or the label of a node that reads as one (a
        card's texts are its label). On a timeout the screen is kept as a picture."""
        page = self.page
        shown = page.get_by_text(text).or_(page.get_by_label(text))  # type: ignore[attr-defined]
        try:
            shown.first.wait_for(timeout=timeout)
        except PlaywrightTimeout:
            self.shot("never_shown_" + re.sub(r"\W+", "_", text)[:40])
            raise

    def stop_card(self, debtor: str) -> Any:
        """The card of ``debtor``'s stop in today's list: a group named by what it says (the
        next-stop button above the list names the first debtor too, but opens the maps)."""
        card = re.compile(rf"^(?!Siguiente parada).*{re.escape(debtor)}", re.DOTALL)
        page = self.page
        # A card with buttons of its own (skip, move) is a group; one without is a button.
        return page.get_by_role("group", name=card).or_(page.get_by_role("button", name=card)).first  # type: ignore[attr-defined]

    def list_shows(self, debtor: str) -> None:
        """The first sync after login downloads every account of the day; on a loaded machine
        the list may still be empty when the heading shows: pull again once, as a person
        would, keeping a picture of what was on screen."""
        try:
            self.stop_card(debtor).wait_for(timeout=60_000)
        except PlaywrightTimeout:
            self.shot("02_today_before_refresh")
            self.click("Actualizar")
            self.stop_card(debtor).wait_for(timeout=60_000)

    def open_stop(self, debtor: str) -> None:
        """Open the account of ``debtor``'s stop from today's list."""
        self.list_shows(debtor)
        self.settle()
        self.stop_card(debtor).click()
        self.text("Registrar visita")

    def back(self) -> None:
        """The app bar's arrow."""
        self.settle(400)
        self.page.get_by_role("button", name="Volver", exact=True).first.click()  # type: ignore[attr-defined]
        self.settle(400)

    def click(self, name: str, nth: int = 0) -> None:
        """Click a button (the ``nth`` of that name), scrolling the screen down to it first:
        Flutter builds the rows of a long list (and their semantics nodes) only near the
        screen."""
        self.settle(400)  # let the last redraw move the semantics nodes first
        button = self.page.get_by_role("button", name=name).nth(nth)  # type: ignore[attr-defined]
        for _ in range(12):
            if self.on_screen(button):
                break
            self.scroll(300)
        button.click()
        self.settle(400)

    def on_screen(self, locator: Any) -> bool:
        """Whether the element is inside the window (a node Flutter keeps for a row just
        below the screen exists but cannot be tapped)."""
        if not locator.count():
            return False
        box = locator.bounding_box()
        height = self.page.viewport_size["height"]  # type: ignore[attr-defined]
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height

    def scroll(self, pixels: int) -> None:
        """Turn the mouse wheel over the middle of the screen (negative: up)."""
        size = self.page.viewport_size  # type: ignore[attr-defined]
        self.page.mouse.move(size["width"] // 2, size["height"] // 2)  # type: ignore[attr-defined]
        self.page.mouse.wheel(0, pixels)  # type: ignore[attr-defined]
        self.settle(300)

    def type(self, label: str, text: str) -> None:
        """Type into a field, checking what arrived (keys sent before Flutter has focused the
        field are lost): up to five tries, waiting longer each time (the machine may be busy).
        A field below the screen is scrolled to first."""
        field = self.page.get_by_label(label)  # type: ignore[attr-defined]
        for _ in range(12):
            if self.on_screen(field):
                break
            self.scroll(250)
        for attempt in range(5):
            field.click()
            # Keys sent before Flutter has focused the field are lost: wait for the focus (if
            # it is not seen, try anyway: the value is checked below).
            with contextlib.suppress(PlaywrightError):
                field.evaluate(
                    f"""element => new Promise((done, fail) => {{
                        const end = Date.now() + 8000;
                        (function wait() {{
                            if (({FOCUSED_VALUE})(element) !== null) return done(true);
                            if (Date.now() > end) return fail(new Error("not focused"));
                            setTimeout(wait, 50);
                        }})();
                    }})"""
                )
            self.settle(200 + 300 * attempt)
            self.page.keyboard.press("Control+A")  # type: ignore[attr-defined]
            self.page.keyboard.type(text, delay=15)  # type: ignore[attr-defined]
            self.settle(200)
            if field.evaluate(FOCUSED_VALUE) == text:
                return
        self.shot(f"type_failed_{label}")
        raise AssertionError(f"could not type into {label}: {field.input_value()!r}")

    def open(self, base: str) -> None:
        page = self.page
        page.goto(f"{base}/app/")  # type: ignore[attr-defined]
        placeholder = page.locator("flt-semantics-placeholder")  # type: ignore[attr-defined]
        placeholder.wait_for(state="attached", timeout=30_000)
        placeholder.evaluate("element => element.click()")  # turn the semantics tree on

    def login(self, email: str) -> None:
        self.page.get_by_label("Correo").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        self.settle(1500)  # the first frames of a fresh page may still be on their way
        self.type("Correo", email)
        self.type("Contraseña", PASSWORD)
        self.click("Ingresar")


#: The phones the app is checked on: a small Android (360x640) and a large one (412x915).
VIEWPORTS = [(360, 640), (412, 915)]


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["360x640", "412x915"])
def test_agent_records_a_paid_visit_accepts_a_plan_and_the_supervisor_sees_it(
    server: str, chromium: Path, width: int, height: int
) -> None:
    """Every screen at both sizes, with its screenshot in ``SHOTS/<width>x<height>/``: login,
    today, account, visit (with a date from the calendar), the payment confirmation, the
    account with its pending payment, the plan offers and their confirmation, sync, the
    supervisor's team and an agent's route. No request may leave the page's origin."""
    started = time.monotonic()
    shots = SHOTS / f"{width}x{height}"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    stop = VIEWPORTS.index((width, height))  # each size works on its own stop
    debtor, account_id = nth_stop(server, stop)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            refused: list[str] = []
            page.on(
                "console",
                lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
            )
            app = App(page, shots)
            _agent_day(app, server, debtor, account_id, receipt=f"R-{1001 + stop}")
            _supervisor(app, debtor)
        finally:
            browser.close()
    # The page's Content-Security-Policy lets the whole app run, and nothing is asked of
    # another origin (no CDN: mobile/webclient.py keeps Rive's optional runtime away) but
    # the map tiles of the configured tile server (COBRO_MAP_TILES_URL).
    assert refused == []
    local = (server + "/", "data:", "blob:", TILES_ORIGIN)
    assert [url for url in requests if not url.startswith(local)] == []
    assert any(url.startswith(TILES_ORIGIN) for url in requests)  # the map asked for tiles
    assert time.monotonic() - started < 240  # both sizes on a busy 2-core machine


def _agent_day(app: App, server: str, debtor: str, account_id: str, receipt: str) -> None:
    """The agent's journey; ``receipt`` is the number of the cash receipt, unique per agent
    (a number used twice is refused, as the app shows)."""
    app.open(server)
    app.text("Cobro en campo")
    app.shot("01_login")
    app.login(AGENT)
    app.text("Visitas de hoy")
    app.list_shows(debtor)
    app.shot("02_today")

    app.page.get_by_role("tab", name="Mapa").click()  # type: ignore[attr-defined]
    app.text("Mapa del día")
    app.shot("03_map")
    app.page.get_by_role("tab", name="Hoy").click()  # type: ignore[attr-defined]
    app.open_stop(debtor)
    app.text("Ninguna promesa")  # each empty section in its own words
    app.shot("04_account")

    app.click("Registrar visita")
    app.text("Marcar llegada (GPS)")
    app.shot("05_visit")
    app.click("Marcar llegada (GPS)")
    app.text("Llegada ")
    app.click("Pagó")
    app.type("Monto (PEN)", "50")
    app.type("N.º de recibo", receipt)  # cash, the method selected at first
    app.type("Nota", "Pagó una parte en la puerta")
    # The next action's date comes from the calendar (Flet's DatePicker), not typed.
    app.click("Próxima acción: elegir fecha")
    app.text("Confirmar")
    app.shot("06_date_picker")
    app.click("Confirmar")
    app.text("Próxima acción: ")
    app.scroll(2000)  # the payment's fields, under the outcomes
    app.shot("07_visit_filled")
    app.click("Guardar visita")
    app.text("¿Guardar este pago?")
    app.text("Saldo restante")
    app.text(f"recibo {receipt}")
    app.shot("08_payment_confirmation")
    app.click("Confirmar")
    # The receipt follows the payment: its code and QR for the debtor to scan, once synced.
    app.text("Código de recibo: ")
    app.shot("09_receipt")
    app.back()
    app.text("Registrar visita")
    app.shot("09_account_after_payment")

    app.click("Plan")
    app.click("Ver ofertas")
    app.text("Aceptar con el cliente")
    app.shot("10_plan_offers")
    app.click("Aceptar con el cliente", nth=1)  # the first plan in instalments
    app.text("¿Aceptar este plan?")
    app.text("Inicial")
    app.text("Cuota 1")
    app.text("Total")
    app.shot("11_plan_confirmation")
    app.click("Confirmar")
    app.text("Plan aceptado")
    app.text("Plan de pagos")
    app.shot("12_account_with_plan")

    badge = re.compile("por enviar|Todo enviado")  # the sync badge in the app bar opens Sync
    app.page.get_by_role("button", name=badge).first.click()  # type: ignore[attr-defined]
    app.text("Registros de hoy")
    app.click("Sincronizar ahora")
    app.text("Todo enviado")
    app.text("Enviado")
    app.shot("13_sync")

    with httpx.Client(base_url=server, timeout=20) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": PASSWORD}
        ).json()["access_token"]
        bundle = http.get(
            f"/api/v1/field/accounts/{account_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    visit = bundle["visits"][0]
    assert (visit["outcome"], visit["note"]) == ("paid", "Pagó una parte en la puerta")
    assert visit["next_action_date"] is not None
    assert bundle["plan"] is not None
    app.click("Cerrar sesión")
    app.page.get_by_role("button", name="Cerrar sesión").last.click()  # type: ignore[attr-defined]


def _supervisor(app: App, debtor: str) -> None:
    app.login(SUPERVISOR)
    app.text("Rutas del equipo")
    app.text("Carlos Mendoza Quispe")
    app.shot("14_team")
    app.page.get_by_text("Carlos Mendoza Quispe").first.click()  # type: ignore[attr-defined]
    app.text("Ruta de Carlos Mendoza Quispe")
    app.text(debtor)  # the visit just recorded, on the route's timeline
    app.shot("15_route")
    # Tomorrow's plan for the whole team: the day from the calendar (tomorrow by default).
    app.click("Planificar mañana")
    app.text("Confirmar")
    app.click("Confirmar")
    # the first size plans, the second reads the stored plan: both end with a replan button
    again = app.page.get_by_role("button", name="Volver a planificar")  # type: ignore[attr-defined]
    again.first.wait_for(timeout=120_000)
    app.shot("16_team_plan")


def agent_day(base: str) -> dict:
    """The agent's day as the API answers it now."""
    with httpx.Client(base_url=base, timeout=20) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        return http.get("/api/v1/field/worklist").json()


def test_agent_opens_the_next_stop_skips_one_and_moves_one(server: str, chromium: Path) -> None:
    """The next stop opens the maps site's directions; a skip and a move, each with its reason,
    reach the server's day. Screenshots in ``SHOTS/field_day/``."""
    shots = SHOTS / "field_day"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 360, "height": 640})
            name, moved, day = _skip_and_move(App(page, shots), page, server)
            watching = browser.new_page(viewport={"width": 360, "height": 640})
            _supervisor_sees_the_skip(App(watching, shots), server, name)
        finally:
            browser.close()
    order = [s["debtor_name"] for s in day["stops"]]
    assert [s["debtor_name"] for s in day["stops"] if s["skipped"] == "danger"] == [name]
    assert moved in order and moved != name


def _supervisor_sees_the_skip(app: App, server: str, name: str) -> None:
    """The supervisor's route of the agent lists the skipped stop with its reason."""
    app.open(server)
    app.login(SUPERVISOR)
    app.text("Carlos Mendoza Quispe")
    app.page.get_by_text("Carlos Mendoza Quispe").first.click()  # type: ignore[attr-defined]
    app.text("Ruta de Carlos Mendoza Quispe")
    heading = app.page.get_by_text("Paradas saltadas: 1")  # type: ignore[attr-defined]
    for _ in range(15):  # below the map and the timeline
        if app.on_screen(heading.first):
            break
        app.scroll(350)
    app.text("Paradas saltadas: 1")
    app.text(name)
    app.page.get_by_text(re.compile(r" · Peligro en la zona$")).first.wait_for()  # type: ignore[attr-defined]
    app.page.mouse.move(180, 530)  # type: ignore[attr-defined]  (below the map: it would zoom)
    app.page.mouse.wheel(0, 300)  # type: ignore[attr-defined]  (the skipped stop in the picture)
    app.shot("06_supervisor_skipped")


def _skip_and_move(app: App, page: Any, server: str) -> tuple[str, str, dict]:
    opened: list[str] = []
    # The maps site is not reached from the test: its tab gets a blank page.
    page.context.route(  # type: ignore[attr-defined]
        "https://www.google.com/**",
        lambda route: (opened.append(route.request.url), route.fulfill(body="maps")),
    )
    app.open(server)
    app.login(AGENT)
    app.text("Visitas de hoy")
    next_button = page.get_by_role("button", name=re.compile("^Siguiente parada: ")).first  # type: ignore[attr-defined]
    next_button.wait_for(timeout=60_000)
    app.shot("01_today_next_stop")

    label = next_button.get_attribute("aria-label") or next_button.inner_text()
    name = label.removeprefix("Siguiente parada: ").strip()
    stops = {s["debtor_name"]: s for s in agent_day(server)["stops"]}
    address = stops[name]["address"]
    with page.context.expect_page() as new_tab:  # type: ignore[attr-defined]
        next_button.click()
    tab = new_tab.value
    tab.wait_for_load_state()
    query = parse_qs(urlsplit(tab.url).query)
    assert tab.url.startswith("https://www.google.com/maps/dir/?")
    assert query["destination"] == [f"{address['latitude']},{address['longitude']}"]
    assert query["travelmode"] == ["walking"]
    assert opened == [tab.url]
    tab.close()

    app.click("Saltar")  # the first stop still to do: the next stop
    app.text(f"¿Por qué salta la visita a {name}?")
    app.shot("02_skip_reasons")
    app.click("Peligro en la zona")
    app.text("Saltada: Peligro en la zona")
    app.shot("03_today_skipped")

    app.click("Bajar")  # the next stop to do now goes one place down
    question = page.get_by_text(re.compile("^¿Por qué cambia de lugar la visita a ")).first  # type: ignore[attr-defined]
    question.wait_for()
    title = question.get_attribute("aria-label") or question.inner_text()
    moved = title.removeprefix("¿Por qué cambia de lugar la visita a ").rstrip("?")
    app.shot("04_move_reasons")
    app.click("Cita a otra hora")
    app.text("Todo enviado")
    page.mouse.move(180, 420)  # type: ignore[attr-defined]
    page.mouse.wheel(0, -4000)  # type: ignore[attr-defined]  (back to the top of the list)
    app.shot("05_today_reordered")

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the app sends both changes in the background
        day = agent_day(server)
        if len(day["applied_events"]) == 2:
            break
        time.sleep(0.5)
    assert len(day["applied_events"]) == 2
    return name, moved, day


def test_the_page_says_when_the_connection_is_lost(
    served: tuple[str, subprocess.Popen[bytes]], chromium: Path
) -> None:
    """The app's Python runs on the server: when the websocket drops, the page itself shows
    the banner. Runs last: it stops the module's server."""
    base, process = served
    shots = SHOTS / "offline"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 360, "height": 640})
            app = App(page, shots)
            app.open(base)
            app.text("Cobro en campo")
            banner = page.locator("#cobro-offline")
            assert not banner.is_visible()
            app.login(AGENT)
            app.text("Visitas de hoy")
            assert not banner.is_visible()
            _stop(process)
            banner.wait_for(state="visible", timeout=15_000)
            assert "Sin conexión: no se puede registrar hasta reconectar" in banner.inner_text()
            app.shot("01_connection_lost")
        finally:
            browser.close()
