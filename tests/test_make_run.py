"""`make run` end to end: migrate, load the demo and serve a fresh SQLite file, then log in.

The commands are the venv's own ``cobro`` script (beside ``sys.executable``), run from a
temporary directory with DATABASE_URL pointing into it, so the checkout's var/ is never touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

COBRO = Path(sys.executable).parent / "cobro"
STARTUP_SECONDS = 60


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Where the commands run: a fresh directory, so any var/ they made would land here."""
    return tmp_path


@pytest.fixture
def env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'cobro.db'}",
        "COBRO_SECRET_KEY": "make-run-smoke-test-secret-key-0123456789",
        "COBRO_ENV": "development",
    }


def cobro(workdir: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(COBRO), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"cobro {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def prepared(workdir: Path, env: dict[str, str]) -> None:
    """What `make run` does before serving: migrate, then load the demo (only once)."""
    assert "up to date" in cobro(workdir, env, "migrate")
    loaded = cobro(workdir, env, "demo-data")
    assert "Demo data loaded" in loaded and "agent1@demo.cobro" in loaded
    assert "already loaded" in cobro(workdir, env, "demo-data")
    assert (workdir / "cobro.db").exists()


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    log: Path


@pytest.fixture
def server(workdir: Path, env: dict[str, str], prepared: None) -> Iterator[Server]:
    """``cobro serve`` on a free port once the database is prepared, answering /healthz."""
    port = free_port()
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
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(base):
            assert process.poll() is None, f"the server exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no /healthz in time:\n{log.read_text()}"
            time.sleep(0.2)
        yield Server(base, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_make_run_serves_health_and_a_demo_login(server: Server) -> None:
    assert f"Uvicorn running on {server.url}" in server.log.read_text()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        login = http.post(
            "/api/v1/auth/token", data={"username": "agent1@demo.cobro", "password": "demo"}
        )
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        me = http.get("/api/v1/users/me").json()
        items: list[dict[str, object]] = []
        params: dict[str, str | int] = {"limit": 100}
        while True:
            page = http.get("/api/v1/accounts", params=params)
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            if not (cursor := page.json()["next_cursor"]):
                break
            params["cursor"] = cursor
    assert items
    assert {item["assigned_agent_id"] for item in items} == {me["id"]}
    assert {item["currency"] for item in items} == {"PEN"}  # agent1 works Lima
