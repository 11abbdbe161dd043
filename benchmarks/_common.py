"""Helpers shared by the benchmark scripts: scratch databases, a uvicorn subprocess (or
``cobro serve`` / ``cobro worker``) on a free local port, the environment record, percentiles,
and the bodies several load generators send (field sync actions, Stripe signatures).

``server`` takes the tree whose code the subprocess runs (its ``PYTHONPATH``), so a benchmark can
measure an older checkout of the code with the same load generator.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_PG = os.environ.get("COBRO_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(
    app: str,
    url: str,
    *,
    tree: Path = ROOT,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
    workers: int = 1,
) -> Iterator[str]:
    """A uvicorn subprocess serving ``app`` from ``tree`` on a free port, with
    ``DATABASE_URL=url`` and ``env`` on top of this process's environment; its output goes to
    ``output`` (default: inherited). Yields the base URL; stopped on exit."""
    with server_process(app, url, tree=tree, env=env, output=output, workers=workers) as running:
        yield running.base


@dataclass(frozen=True, slots=True)
class Running:
    base: str
    pid: int  # uvicorn's own process; with several workers, theirs are its children


@contextmanager
def server_process(
    app: str,
    url: str,
    *,
    tree: Path = ROOT,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
    workers: int = 1,
) -> Iterator[Running]:
    """``server`` that also gives uvicorn's process id (to read its CPU time)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    with spawned(command, url, tree=tree, env=env, output=output) as process:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process, 60 + 60 * workers)  # workers import the app at once
        yield Running(base, process.pid)


@contextmanager
def cobro_serve(
    url: str,
    *,
    workers: int = 1,
    tree: Path = ROOT,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
) -> Iterator[Running]:
    """``cobro serve --workers N`` (the API with the chat webhooks and the field app, as
    operators run it) on a free port; yields once ``/healthz`` answers."""
    port = free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    quiet = {"COBRO_LOG_LEVEL": "warning", **(env or {})}  # no access log
    with cobro(args, url, tree=tree, env=quiet, output=output) as process:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process, 60 + 60 * workers)
        yield Running(base, process.pid)


@contextmanager
def cobro(
    args: Sequence[str],
    url: str,
    *,
    tree: Path = ROOT,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``cobro <args>`` (e.g. ``worker --concurrency 4``) from ``tree`` on ``url``; stopped
    on exit."""
    command = [sys.executable, "-m", "backend.cli", *args]
    with spawned(command, url, tree=tree, env=env, output=output) as process:
        yield process


@contextmanager
def spawned(
    command: list[str],
    url: str,
    *,
    tree: Path = ROOT,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` run from ``tree`` (its ``PYTHONPATH``) with ``DATABASE_URL=url`` and ``env``
    on top of this process's environment, its output to ``output`` (default: inherited);
    terminated on exit (killed if it does not stop within 15 s)."""
    environment = {**os.environ, **(env or {}), "DATABASE_URL": url, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(
        command, cwd=tree, env=environment, stdout=output, stderr=output or None
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Until ``base/healthz`` answers 200; fails if ``process`` ends or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{' '.join(process.args)} did not start")  # type: ignore[arg-type]
        time.sleep(0.2)


def cpu_seconds(pids: Iterable[int], *, children: bool = False) -> float:
    """User plus system CPU time of processes (and, with ``children``, of their descendants
    still running), from ``/proc``; processes gone meanwhile count nothing."""
    tick = os.sysconf("SC_CLK_TCK")
    wanted = set(pids)
    if children:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (fields := _stat(int(entry.name))):
                parents[int(entry.name)] = int(fields[1])
        grew = True
        while grew:
            found = {pid for pid, parent in parents.items() if parent in wanted} - wanted
            grew = bool(found)
            wanted |= found
    return sum(int(f[11]) + int(f[12]) for pid in wanted if (f := _stat(pid))) / tick


def _stat(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` after the command name: state, ppid, ... (utime is [11])."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A SQLite file in a temporary folder, removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="cobro_bench_"))
    try:
        yield f"sqlite:///{folder / 'bench.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database(admin_url: str, name: str | None = None) -> Iterator[str]:
    """A fresh database ``name`` (default ``cobro_bench_<pid>``) next to ``admin_url``'s,
    dropped at the end."""
    name = name or f"cobro_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on ``admin_url``'s server."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """A fresh database ``name`` (a copy of ``template`` if given); returns its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        admin.dispose()
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def source_tree(commit: str) -> Iterator[Path]:
    """The repository's files at ``commit`` (``git archive``) in a temporary folder, so a
    benchmark can run the code as it was (with ``PYTHONPATH`` set to it) beside today's."""
    folder = Path(tempfile.mkdtemp(prefix="cobro_tree_"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def environment(pg_url: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }
    if pg_url:
        engine = create_engine(pg_url)
        try:
            with engine.connect() as conn:
                info["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one()
        finally:
            engine.dispose()
    return info


def percentile_ms(ordered: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of sorted seconds, in milliseconds."""
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


@contextmanager
def default_database(url: str) -> Iterator[None]:
    """Code that opens its own sessions (jobs, ``session_scope()`` without an engine) talks to
    ``url`` inside the block: ``DATABASE_URL`` is set and the cached settings and engine are
    dropped on the way in and out."""
    from backend.core.config import get_settings
    from backend.core.db import get_engine

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        yield
    finally:
        get_engine().dispose()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
        get_engine.cache_clear()


def post_concurrently(
    base: str,
    path: str,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    timeout: float,
) -> tuple[list[float], list[tuple[int, bytes]], bool]:
    """POST every ``(body, headers)`` to ``base + path`` over ``concurrency`` keep-alive
    HTTP/1.1 connections from one asyncio thread: a load generator light enough (a few
    microseconds a request) that the server, not the client, is what is measured. Returns the
    latencies (s), ``(status, body)`` per request in order, and whether a request went
    unanswered for ``timeout`` seconds (the rest are then not sent)."""
    import asyncio
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(requests)
    latencies: list[float] = []
    stalled = False

    async def one_connection(queue: asyncio.Queue[int]) -> None:
        nonlocal stalled
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not stalled:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                body, headers = requests[index]
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
                    f"{head}\r\n".encode()
                    + body
                )
                started = time.perf_counter()
                try:
                    status_line = await asyncio.wait_for(reader.readline(), timeout)
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode().partition(":")
                        if name.lower() == "content-length":
                            length = int(value)
                    payload = await reader.readexactly(length)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    stalled = True
                    return
                latencies.append(time.perf_counter() - started)
                answers[index] = (int(status_line.split()[1]), payload)
        finally:
            writer.close()

    async def main() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(requests)):
            queue.put_nowait(index)
        await asyncio.gather(*(one_connection(queue) for _ in range(concurrency)))

    asyncio.run(main())
    return latencies, answers, stalled


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends with ``payload`` for ``secret``."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


def field_sync_actions(
    account: str,
    *,
    visit_id: str,
    payment_id: str,
    amount: str,
    receipt: str,
    day: str,
    recorded_at: str,
) -> list[dict[str, Any]]:
    """What a field agent's device pushes after a paid visit: the visit and the cash payment
    (``amount`` in major units, PEN), each with its own client id."""
    return [
        {
            "client_id": visit_id,
            "type": "visit",
            "account_id": account,
            "recorded_at": recorded_at,
            "payload": {"outcome": "paid", "latitude": -12.05, "longitude": -77.03},
        },
        {
            "client_id": payment_id,
            "type": "payment",
            "account_id": account,
            "recorded_at": recorded_at,
            "payload": {
                "amount": amount,
                "currency": "PEN",
                "method": "cash",
                "receipt_number": receipt,
                "paid_on": day,
            },
        },
    ]
