"""The KPI dashboard in headless Chromium at 360x640 and 1280x800, served by ``cobro serve``
over a database holding the synthetic history of ``history.py`` (with a segment rule and an
experiment): it logs in, draws, drills down, filters a segment, promotes an experiment's
winner, refuses an agent, and never asks anything of another origin.

Screenshots are left in ``test-artifacts/screenshots/analytics_*.png`` (git-ignored).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.analytics import snapshots
from backend.core.db import make_engine, session_scope
from backend.experiments.models import Experiment, ExperimentAssignment
from backend.segments import service as segments
from backend.segments.models import SegmentRule
from tests.analytics.history import build, d
from tests.live import free_port

CHROMIUM = Path("/usr/bin/chromium")
COBRO = Path(sys.executable).parent / "cobro"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "password123"  # the builders' users

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Site:
    base: str
    admin: str
    supervisor: str
    agent: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    workdir = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{workdir / 'cobro.db'}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "COBRO_SECRET_KEY": "dashboard-test-secret-key-0123456789-abcdef",
        "COBRO_ENV": "development",
        "COBRO_EMBEDDED_JOBS": "false",
    }
    done = subprocess.run(
        [str(COBRO), "migrate"], cwd=workdir, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    engine = make_engine(url)
    with session_scope(engine) as session:
        h = build(session)
        emails = Site("", h.admin.email, h.s.email, h.a1.email)
        portfolio_id = h.portfolio.id
        _segment_and_experiment(session, h)
    day = d(1, 3)
    while day <= d(4, 30):  # a weekly aging history and the month ends' rolls
        with session_scope(engine) as session:
            snapshots.write_aging(session, portfolio_id, day)
            if day.day == 1:
                snapshots.write_rolls(session, portfolio_id, day)
        day = _next(day)
    engine.dispose()
    log = workdir / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(COBRO), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        emails.base = base
        yield emails
    finally:
        process.terminate()
        process.wait(timeout=15)


def _segment_and_experiment(session: Any, h: Any) -> None:
    """Accounts owing 25,000 or more are "grandes" (acc4 and acc5 today); an experiment on a
    reminder step split acc1..acc4 between two templates."""
    session.add(
        SegmentRule(
            portfolio_id=h.portfolio.id,
            segment="grandes",
            position=10,
            conditions={"min_balance_minor": 25_000},
        )
    )
    experiment = Experiment(
        portfolio_id=h.portfolio.id,
        strategy="cobranza",
        step="mora7",
        variants=[{"key": "a", "template": "saldo"}, {"key": "b", "template": "saldo-corto"}],
        min_outcomes=30,
    )
    session.add(experiment)
    session.flush()
    for number, variant, day in (
        (1, "a", d(3, 5)),
        (2, "a", d(2, 10)),
        (3, "b", d(3, 1)),
        (4, "b", d(3, 15)),
    ):
        session.add(
            ExperimentAssignment(
                experiment_id=experiment.id,
                account_id=h.acc[number].id,
                variant=variant,
                method="random",
                assigned_on=day,
                matures_on=day + timedelta(days=7),
            )
        )
    session.flush()
    segments.evaluate(session, h.portfolio)


def _next(day: Any) -> Any:
    """Every Saturday, and the first of each month (for its roll)."""
    following = day + timedelta(days=1)
    while following.weekday() != 5 and following.day != 1:
        following += timedelta(days=1)
    return following


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, site: Site, width: int, height: int, lang: str) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{site.base}/analytics?lang={lang}")
    return page, asked


def _login(page: Any, email: str) -> None:
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")


def _show_window(page: Any) -> None:
    page.wait_for_selector("#board:not([hidden])", timeout=30_000)
    page.fill("#f-from", "2026-01-01")
    page.fill("#f-to", "2026-04-30")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#table-rolls td.link", timeout=30_000)
    page.wait_for_timeout(500)


def _same_origin(site: Site, asked: list[str]) -> None:
    assert asked, "nothing was requested"
    strangers = [u for u in asked if not (u.startswith(site.base) or u.startswith("blob:"))]
    assert strangers == []


def test_desktop_admin_sees_every_figure_and_drills_down(browser: Any, site: Site) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, asked = _open(browser, site, 1280, 800, "es")
    assert page.text_content("h1") == "Indicadores de cobranza"
    _login(page, site.admin)
    _show_window(page)
    assert page.text_content("#card-kept") == "33.3 %"
    # Amounts as Peru writes them, by the shared formatter's rules (not the browser's own).
    assert page.text_content("#card-balance") == "S/\xa01,150.00"
    assert page.locator("#table-agents tr").count() == 4  # header and three agents
    page.screenshot(path=str(SHOTS / "analytics_desktop.png"), full_page=True)
    page.click("#table-rolls td.link >> nth=0")
    page.wait_for_selector("#drill:not([hidden]) #table-drill td", timeout=30_000)
    assert page.text_content("#drill-figure", timeout=5_000).startswith("roll:2026-04")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "analytics_desktop_drill.png"), full_page=False)
    with page.expect_download() as download:
        page.click("#drill button.export[data-format=xlsx]")
    assert download.value.suggested_filename == "accounts.xlsx"
    _same_origin(site, asked)
    headers = httpx.get(f"{site.base}/analytics").headers
    assert "connect-src 'self'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]


def test_phone_supervisor_sees_their_team(browser: Any, site: Site) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, asked = _open(browser, site, 360, 640, "en")
    assert page.text_content("h1") == "Collections KPIs"
    _login(page, site.supervisor)
    _show_window(page)
    assert page.is_visible("#team-note")
    names = page.locator("#table-agents td:first-child").all_text_contents()
    assert names == ["Ana Uno", "Beto Dos"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways page
    page.screenshot(path=str(SHOTS / "analytics_phone.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "analytics_phone_top.png"))
    _same_origin(site, asked)


def test_an_agent_is_told_the_dashboard_is_not_for_them(browser: Any, site: Site) -> None:
    page, asked = _open(browser, site, 360, 640, "es")
    _login(page, site.agent)
    page.wait_for_selector("#denied:not([hidden])", timeout=30_000)
    assert page.is_hidden("#board")
    page.screenshot(path=str(SHOTS / "analytics_agent.png"))
    _same_origin(site, asked)


def test_admin_filters_a_segment_and_promotes_an_experiments_winner(
    browser: Any, site: Site
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, asked = _open(browser, site, 1280, 800, "es")
    _login(page, site.admin)
    page.wait_for_selector("#board:not([hidden])", timeout=30_000)
    page.select_option("#f-portfolio", index=1)
    page.wait_for_selector("#f-segment option[value=grandes]", state="attached", timeout=30_000)
    page.select_option("#f-segment", "grandes")
    page.fill("#f-from", "2026-01-01")
    page.fill("#f-to", "2026-04-30")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#experiments .experiment table td", timeout=30_000)
    # April's rolls of acc4 (1-30) and acc5 (61-90) only: acc1 and acc3 are not "grandes".
    assert page.locator("#table-rolls tr").count() == 3
    rows = page.locator("#experiments .experiment tr").all_inner_texts()
    assert rows[1].startswith("a\tsaldo\t2\t2\t") and rows[2].startswith("b\tsaldo-corto\t2\t2\t")
    page.click("#table-rolls td.link >> nth=0")
    page.wait_for_selector("#drill:not([hidden]) #table-drill td", timeout=30_000)
    shown = set(page.locator("#table-drill tr td:nth-child(6)").all_text_contents())
    assert shown == {"grandes"}, shown  # the drill-down keeps to the segment
    page.locator("#experiments-panel").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "analytics_experiments.png"), full_page=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#experiments button.promote[data-variant=b]")
    page.wait_for_selector("#experiments .winner", timeout=30_000)
    assert page.text_content("#experiments .winner") == "Ganadora: b"
    assert page.locator("#experiments button.promote").count() == 0
    page.locator("#experiments-panel").screenshot(path=str(SHOTS / "analytics_promoted.png"))
    _same_origin(site, asked)
