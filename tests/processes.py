"""Real Cobro processes on a test's committed database: ``cobro serve`` on a free port and
``cobro worker``, as operators start them, for tests that kill them (SIGKILL) or cut them off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 180  # a loaded CI machine imports the app slowly


def environment(engine: Engine, **extra: str) -> dict[str, str]:
    """This process's environment (so the same secret key signs tokens) on ``engine``'s
    database."""
    return {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(False),
        "PYTHONPATH": str(ROOT),
        "COBRO_LOG_LEVEL": "warning",
        **extra,
    }


def cobro(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "backend.cli", *args], env=env, cwd=ROOT)


@dataclass
class Api:
    """One ``cobro serve`` process (a single uvicorn process: its pid is the server's)."""

    process: subprocess.Popen[bytes]
    base: str

    def kill(self) -> None:
        """SIGKILL: no shutdown, no answer to what is in flight."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def api_processes(engine: Engine, count: int = 1, **env: str) -> Iterator[list[Api]]:
    """``count`` ``cobro serve`` processes on the database, started together; yields once each
    answers ``/healthz``; those still running are stopped after."""
    environ = environment(engine, **env)
    apis = []
    for _ in range(count):
        port = free_port()
        process = cobro(["serve", "--host", "127.0.0.1", "--port", str(port)], environ)
        apis.append(Api(process, f"http://127.0.0.1:{port}"))
    try:
        for api in apis:
            _wait_healthy(api)
        yield apis
    finally:
        stop([api.process for api in apis])


def _wait_healthy(api: Api) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{api.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if api.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"cobro serve at {api.base} did not start")
        time.sleep(0.1)


@contextmanager
def workers(
    engine: Engine, count: int, numbered_from: int = 0, **env: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``cobro worker --concurrency 2`` processes (named ``test-worker-<n>`` from
    ``numbered_from``) with a heartbeat every 0.5 s, taking over the jobs of a worker silent
    for 2 s."""
    environ = environment(
        engine,
        COBRO_JOB_HEARTBEAT_SECONDS="0.5",
        COBRO_JOB_STALLED_SECONDS="2",
        COBRO_LOG_LEVEL="WARNING",
        **env,
    )
    procs = [
        cobro(["worker", "--concurrency", "2", "--name", f"test-worker-{n}"], environ)
        for n in range(numbered_from, numbered_from + count)
    ]
    try:
        yield procs
    finally:
        stop(procs)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to those still running, SIGKILL to those still running 20 s later."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
