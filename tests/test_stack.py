"""The compose stack's processes without Docker, against PostgreSQL: `cobro serve` with two
processes, `cobro worker` and `cobro bots`, each on a free port, in production mode.

Each answers its health endpoint; then one thing goes through each: a login, an import done by
the worker and the accounts it made listed through the API; a signed WhatsApp webhook answered
by the bots through the API (the reply reaches the WhatsApp stand-in). Their metrics show it,
added up over both API processes; the API's log is JSON, one line per request, and the
national ID searched for is nowhere in it. Each process stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.channels.conftest import WA_USER, sign, wa_text
from tests.conftest import PG_URL
from tests.live import free_port
from tests.outbound.standins import WA_PHONE_ID, WA_TOKEN, StandIns, serve_apis

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90
SCRAPE = "stack-scrape-token"
PASSWORD = "stack-admin-password"
NATIONAL_ID = "45871236"  # a debtor of docs/examples/portfolio.csv
WA_SECRET, WA_VERIFY = "stack-wa-app-secret", "stack-wa-verify"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_URL}")
        pytest.skip("PostgreSQL unreachable")
    name = f"cobro_stack_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database,
        "COBRO_ENV": "production",
        "COBRO_SECRET_KEY": "stack-test-secret-key-0123456789-abcdefghij",
        "COBRO_METRICS_TOKEN": SCRAPE,
        "COBRO_LOG_LEVEL": "info",
        "COBRO_WORKER_THREADS": "8",
    }


def cobro(workdir: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"cobro {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def standins() -> Iterator[StandIns]:
    with serve_apis() as apis:
        yield apis


@pytest.fixture
def stack(tmp_path: Path, env: dict[str, str], standins: StandIns) -> Iterator[dict[str, Process]]:
    cobro(tmp_path, env, "migrate")
    cobro(
        tmp_path, env, "create-user", "--email", "admin@stack.example.com", "--full-name", "Admin",
        "--role", "admin", "--password", PASSWORD,
    )  # fmt: skip
    bot_token = cobro(tmp_path, env, "bot-token").strip().splitlines()[-1]
    api, worker, bots = free_port(), free_port(), free_port()
    bots_env = {
        **{k: v for k, v in env.items() if k not in ("DATABASE_URL", "COBRO_SECRET_KEY")},
        "COBRO_API_URL": f"http://127.0.0.1:{api}",
        "COBRO_BOT_TOKEN": bot_token,
        "WHATSAPP_TOKEN": WA_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": WA_PHONE_ID,
        "WHATSAPP_APP_SECRET": WA_SECRET,
        "WHATSAPP_VERIFY_TOKEN": WA_VERIFY,
        "WHATSAPP_API_BASE_URL": standins.url,
    }
    commands = {
        "api": (["serve", "--port", str(api), "--workers", "2"], env, api, "/readyz"),
        "worker": (
            ["worker", "--concurrency", "2", "--metrics-port", str(worker)],
            env,
            worker,
            "/livez",
        ),
        "bots": (["bots", "--port", str(bots)], bots_env, bots, "/readyz"),
    }
    processes: dict[str, Process] = {}
    try:
        for name, (args, process_env, port, _) in commands.items():
            processes[name] = _start(tmp_path, name, args, process_env, port)
        for name, (*_, probe) in commands.items():
            _wait_healthy(processes[name], probe)
        _wait_started(processes["api"], 2)
        yield processes
    finally:
        _stop(processes.values())


def _start(workdir: Path, name: str, args: list[str], env: dict[str, str], port: int) -> Process:
    log = workdir / f"{name}.log"
    with log.open("w") as output:
        popen = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", *args],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Process(name, popen, log, f"http://127.0.0.1:{port}")


def _wait_started(server: Process, processes: int) -> None:
    """Every process of ``server``, not just the first to answer its probe."""
    _until(
        lambda: server.text().count("Application startup complete.") == processes,
        f"{processes} processes of {server.name}",
        STARTUP_SECONDS,
    )


def _stop(processes: Iterable[Process]) -> None:
    for process in processes:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


def _wait_healthy(process: Process, probe: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.popen.poll() is None, f"{process.name} exited:\n{process.text()}"
        try:
            if httpx.get(f"{process.url}{probe}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"no {probe} from {process.name}:\n{process.text()}"
        time.sleep(0.3)


def _until(check: Callable[[], object], what: str, seconds: float = 60) -> object:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return found


def metric(page: str, name: str, **labels: str) -> float:
    """A sample's value on a /metrics page (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in page.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def scrape(process: Process) -> str:
    answer = httpx.get(
        f"{process.url}/metrics", headers={"Authorization": f"Bearer {SCRAPE}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def _import_in_background(http: httpx.Client) -> int:
    """Log in as the admin, import the example portfolio as a background job and wait for it;
    returns the file's rows."""
    login = http.post(
        "/api/v1/auth/token", data={"username": "admin@stack.example.com", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    creditor = http.post("/api/v1/creditors", json={"name": "Banco Andino", "country": "PE"})
    assert creditor.status_code == 201, creditor.text
    portfolio = http.post(
        "/api/v1/portfolios",
        json={
            "creditor_id": creditor.json()["id"],
            "name": "Tarjetas",
            "currency": "PEN",
            "country": "PE",
            "timezone": "America/Lima",
        },
    )
    assert portfolio.status_code == 201, portfolio.text
    sample = (ROOT / "docs" / "examples" / "portfolio.csv").read_bytes()
    queued = http.post(
        "/api/v1/imports",
        params={"portfolio_id": portfolio.json()["id"]},
        files={"file": ("portfolio.csv", sample, "text/csv")},
        headers={"Prefer": "respond-async"},
    )
    assert queued.status_code == 202, queued.text

    def finished() -> dict[str, object] | None:
        upload = http.get(f"/api/v1/uploads/{queued.json()['id']}").json()
        return upload if upload["status"] in ("succeeded", "failed") else None

    upload = _until(finished, "the job to import the file")
    assert upload["status"] == "succeeded", upload  # type: ignore[index]
    return len(sample.decode().strip().splitlines()) - 1


def _client(url: str) -> httpx.Client:
    """No keep-alive: each request a new connection, for any of the server's processes."""
    return httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))


def _api_round(api: Process) -> int:
    """Import the example portfolio in the background and list what it made; returns how many
    times the account list was read."""
    with _client(api.url) as http:
        expected_rows = _import_in_background(http)

        def read_accounts() -> None:
            accounts = http.get("/api/v1/accounts", params={"limit": 100})
            assert accounts.status_code == 200, accounts.text
            assert len(accounts.json()["items"]) == expected_rows

        # Read at once from several threads until both API processes have answered some.
        reads = 0
        with ThreadPoolExecutor(8) as pool:
            while len(_processes_serving(api, "/api/v1/accounts")) < 2:
                assert reads < 400, "one API process answers everything"
                list(pool.map(lambda _: read_accounts(), range(16)))
                reads += 16
        search = http.get(
            "/api/v1/debtors", params={"q": NATIONAL_ID}, headers={"X-Request-ID": "stack-q-1"}
        )
        assert search.status_code == 200 and len(search.json()["items"]) == 1
        assert search.headers["X-Request-ID"] == "stack-q-1"
    return reads


def _log_lines(process: Process) -> list[dict[str, Any]]:
    return [json.loads(line) for line in process.text().splitlines() if line.startswith("{")]


def _processes_serving(api: Process, route: str) -> set[int]:
    """The ids of the API processes whose log has a request to ``route``."""
    return {
        line["process"]
        for line in _log_lines(api)
        if line.get("logger") == "cobro.access" and line.get("route") == route
    }


@pytest.mark.postgres_only
def test_the_stack_serves_works_is_watched_and_stops_cleanly(
    stack: dict[str, Process], standins: StandIns
) -> None:
    api, worker, bots = stack["api"], stack["worker"], stack["bots"]
    reads = _api_round(api)

    # A signed WhatsApp message: the bots ask the API (over HTTP, with their token) what to
    # answer, and the answer goes out to the WhatsApp stand-in.
    body = wa_text("hola")
    update = httpx.post(
        f"{bots.url}/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, WA_SECRET)},
        timeout=30,
    )
    assert update.status_code == 200, update.text
    assert [r.body["to"].lstrip("+") for r in standins.whatsapp.received] == [WA_USER]

    # Metrics: the worker ran the import; the API's two processes add their counts up (both
    # answered reads, and every scrape, whichever process answers it, shows every read); the
    # bots counted the update.
    jobs = scrape(worker)
    assert metric(jobs, "cobro_jobs_total", job="imports.process_upload", outcome="succeeded") == 1
    for _ in range(3):
        page = scrape(api)
        labels = {"method": "GET", "route": "/api/v1/accounts", "status": "2xx"}
        assert metric(page, "cobro_http_request_duration_seconds_count", **labels) == reads
        assert 'cobro_jobs_waiting{queue="default"}' in page
    assert metric(scrape(bots), "cobro_webhooks_total", channel="whatsapp", outcome="accepted") == 1
    assert httpx.get(f"{api.url}/metrics", timeout=10).status_code == 401

    # Stopping: each process ends on SIGTERM, cleanly: the servers finish their requests and
    # shut their applications down (then uvicorn ends by the signal it got, as it does), the
    # worker finishes its jobs and exits 0.
    for process in (bots, worker, api):
        process.popen.send_signal(signal.SIGTERM)
    assert worker.popen.wait(timeout=30) == 0, worker.text()
    for server, processes in ((bots, 1), (api, 2)):
        assert server.popen.wait(timeout=30) in (0, -signal.SIGTERM), server.text()
        assert server.text().count("Application shutdown complete.") == processes, server.text()

    # The API's log: JSON lines; one per request, by route; the ID searched for nowhere.
    log = api.text()
    lines = _log_lines(api)
    requests = [line for line in lines if line.get("logger") == "cobro.access"]
    assert [line["request_id"] for line in requests if line["route"] == "/api/v1/debtors"] == [
        "stack-q-1"
    ]
    reads_logged = [line for line in requests if line["route"] == "/api/v1/accounts"]
    assert len(reads_logged) == reads and {line["status"] for line in reads_logged} == {200}
    assert NATIONAL_ID not in log and "q=" not in log
    workers = {line["logger"] for line in lines if "Started server process" in line["event"]}
    assert workers == {"uvicorn.error"} and log.count("Started server process") == 2
    assert any(
        line.get("event") == "job succeeded" and line.get("job") == "imports.process_upload"
        for line in _log_lines(worker)
    )


def test_several_api_processes_on_sqlite_run_the_embedded_jobs_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """`make run`'s database with `cobro serve --workers 2`: the embedded job runner lives in
    the parent process, once; its jobs' metrics add up with the two servers' own."""
    sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'cobro.db'}"}
    cobro(tmp_path, sqlite_env, "migrate")
    cobro(
        tmp_path, sqlite_env, "create-user", "--email", "admin@stack.example.com",
        "--full-name", "Admin", "--role", "admin", "--password", PASSWORD,
    )  # fmt: skip
    port = free_port()
    api = _start(
        tmp_path, "api", ["serve", "--port", str(port), "--workers", "2"], sqlite_env, port
    )
    try:
        _wait_healthy(api, "/readyz")
        _wait_started(api, 2)
        with _client(api.url) as http:
            _import_in_background(http)
        job = {"job": "imports.process_upload", "outcome": "succeeded"}
        assert [metric(scrape(api), "cobro_jobs_total", **job) for _ in range(3)] == [1, 1, 1]
        api.popen.send_signal(signal.SIGTERM)
        assert api.popen.wait(timeout=60) == 0, api.text()
    finally:
        _stop([api])
    log = api.text()
    assert log.count("embedded job runner started") == 1
    assert log.count("Application shutdown complete.") == 2
