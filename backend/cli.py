"""The ``cobro`` command line: serve, migrate, demo-data, import, create-user, ..."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Cobro: debt collections platform.")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from backend.core.migrate import upgrade

    upgrade()
    typer.echo("Database schema is up to date.")


def local_api_url(host: str, port: int) -> str:
    """How a process on this machine reaches a server listening on ``host:port``."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 (a comparison, not a bind)
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="API processes sharing the port (uvicorn workers)")
    ] = 1,
) -> None:
    """Start the API (with the channel webhooks and the web app mounted beside it). On SQLite
    the background jobs run here too, once, in this parent process whatever --workers says; on
    PostgreSQL start them with `cobro worker`."""
    metrics_dir = _multiprocess_metrics(workers)  # before anything imports prometheus_client
    import uvicorn

    from backend.core.config import get_settings
    from backend.demo.commands import banner
    from backend.jobs.local import EmbeddedRunner
    from shared.observability import logs

    logs.configure()  # this process's own lines (the job runner's) too, not only uvicorn's
    # The field app mounted at /app runs its Python here and calls the API over HTTP, and the
    # links the server hands out (payment pages, receipts' QR codes, the portal) point back to
    # it: this server, on the port it was given, unless COBRO_API_URL / COBRO_PUBLIC_URL say
    # otherwise (a proxy's public address). Set before the settings are first read.
    here = local_api_url(host, port)
    os.environ.setdefault("COBRO_API_URL", here)
    os.environ.setdefault("COBRO_PUBLIC_URL", here)
    get_settings.cache_clear()
    typer.echo(banner(host, port))
    settings = get_settings()
    runner = EmbeddedRunner() if settings.is_sqlite and settings.embedded_jobs else None
    if runner:
        runner.start()
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: exit through the
    # `finally` below (the job runner finishes its job) rather than be killed by it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        uvicorn.run(
            "backend.main:app",
            host=host,
            port=port,
            reload=reload,
            workers=workers,
            log_config=logs.logging_config(),
            access_log=False,  # the request middleware logs each request, without its query
            log_level=os.environ.get("COBRO_LOG_LEVEL", "info"),
        )
    finally:
        if runner:
            runner.stop()
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _multiprocess_metrics(workers: int) -> Path | None:
    """Processes of one server add their metrics up through files in PROMETHEUS_MULTIPROC_DIR:
    the given directory, emptied (an earlier run's values must not count), or with several
    workers a fresh one of ours, returned to be removed at exit."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return None
    if workers < 2:
        return None
    made = Path(tempfile.mkdtemp(prefix="cobro-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(made)
    return made


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="jobs run at once")] = 4,
    queue: Annotated[list[str] | None, typer.Option(help="only these queues")] = None,
    name: Annotated[str | None, typer.Option(help="this worker's name in the job tables")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="serve /livez and /metrics (COBRO_METRICS_TOKEN) on this port"),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="the address of --metrics-port")] = "127.0.0.1",
) -> None:
    """Run background jobs (daily checks, clean-ups, imports, statements) until stopped. Start
    as many as you like, on several machines: each job runs once, and each periodic job is
    deferred once per period whichever worker gets there first (no separate scheduler). On
    SQLite this is the embedded runner `cobro serve` already starts."""
    from backend.core.config import get_settings
    from shared.observability import logs
    from shared.observability.probes import ProbeServer

    logs.configure()
    settings = get_settings()
    if settings.is_sqlite:
        from backend.jobs.local import EmbeddedRunner

        runner = EmbeddedRunner()
        alive: Callable[[], bool] = lambda: True  # noqa: E731 (the loop is this thread)
        serve_jobs: Callable[[], None] = runner.serve_forever
    else:
        from backend.jobs import worker as pg_worker

        alive = liveness = pg_worker.Liveness()

        def serve_jobs() -> None:
            pg_worker.run(concurrency=concurrency, queues=queue, name=name, liveness=liveness)

    probes = None
    if metrics_port is not None:
        probes = ProbeServer(
            metrics_host, metrics_port, alive=alive, scrape_token=settings.metrics_token
        ).start()
    try:
        serve_jobs()
    finally:
        if probes:
            probes.stop()


@app.command()
def bots(host: str = "127.0.0.1", port: int = 8001) -> None:
    """The chat webhooks (/webhooks/telegram, /webhooks/whatsapp) on their own, reaching the
    API at COBRO_API_URL with COBRO_BOT_TOKEN (needs the "bots" extra; see docs/bots.md)."""
    import uvicorn

    from shared.observability.logs import logging_config

    uvicorn.run(
        "bots.server:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=logging_config(),
        access_log=False,
        log_level=os.environ.get("COBRO_LOG_LEVEL", "info"),
    )


@app.command("field-app")
def field_app(host: str = "127.0.0.1", port: int = 8550) -> None:
    """The field agent app for browsers on its own, at /app/, calling the API at COBRO_API_URL
    (needs the "mobile" extra; `cobro serve` mounts the same app at /app)."""
    import uvicorn

    from shared.observability.logs import logging_config

    uvicorn.run(
        "mobile.web:create_server",
        factory=True,
        host=host,
        port=port,
        log_config=logging_config(),
        access_log=False,
        log_level=os.environ.get("COBRO_LOG_LEVEL", "info"),
    )


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(prompt=True)],
    full_name: Annotated[str, typer.Option(prompt=True)],
    role: Annotated[
        str, typer.Option(help="admin, supervisor, agent, creditor or creditor_admin")
    ] = "admin",
    supervisor: Annotated[str | None, typer.Option(help="supervisor's email (agents)")] = None,
    creditor: Annotated[
        str | None, typer.Option(help="the creditor's id (creditor, creditor_admin)")
    ] = None,
    can_write: Annotated[
        bool, typer.Option(help="a creditor's user may change accounts, not only read")
    ] = False,
    password: Annotated[str | None, typer.Option(help="omit to be asked")] = None,
) -> None:
    """Create a user (real users; the demo logins exist only in demo data)."""
    from backend.audit.service import Actor
    from backend.core.db import session_scope
    from backend.core.errors import DomainError
    from backend.users import repository, service
    from shared.schemas.auth import UserCreate
    from shared.schemas.enums import Role

    try:
        creditor_id = uuid.UUID(creditor) if creditor else None
    except ValueError:
        raise typer.BadParameter(f"not a creditor id: {creditor}") from None
    secret = password or getpass.getpass("Password: ")
    with session_scope() as session:
        supervisor_id = None
        if supervisor:
            boss = repository.by_email(session, supervisor)
            if boss is None:
                raise typer.BadParameter(f"no user {supervisor}")
            supervisor_id = boss.id
        try:
            user = service.create(
                session,
                Actor("system"),
                UserCreate(
                    email=email,
                    full_name=full_name,
                    password=secret,
                    role=Role(role),
                    supervisor_id=supervisor_id,
                    creditor_id=creditor_id,
                    can_write=can_write,
                ),
            )
        except DomainError as exc:
            typer.echo(f"error: {exc.code}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Created {user.role.value} {user.email} ({user.id})")


@app.command("demo-data")
def demo_data(
    debtors: int = 300,
    seed: int = 7,
    force: bool = typer.Option(False, help="load even if demo data exists"),
) -> None:
    """Load the demo portfolio (Lima, Bogotá, Ciudad de México) once."""
    from backend.demo.commands import load_demo

    load_demo(debtors=debtors, seed=seed, force=force)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    portfolio: Annotated[str, typer.Option("--portfolio", help="portfolio id")],
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help='"Header=column" for a header no alias knows ("-" ignores it); repeatable, '
            "added to the portfolio's saved mapping",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="es or en: the report's language")] = "es",
) -> None:
    """Import debtors and accounts from CSV or XLSX (all or nothing; re-import is idempotent)."""
    from backend.imports.commands import run_import

    if lang not in ("es", "en"):
        raise typer.BadParameter("es or en", param_hint="--lang")
    raise typer.Exit(run_import(file, portfolio, lang=lang, maps=maps or []))


@app.command("statement")
def statement(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    portfolio: Annotated[str, typer.Option("--portfolio", help="portfolio id")],
    lang: Annotated[str, typer.Option("--lang", help="es or en")] = "es",
) -> None:
    """Match and book a bank statement file (CSV) as the background job does: in committed
    chunks, with progress; run again after an interruption, it carries on where it stopped."""
    from backend.statements.commands import run_statement

    raise typer.Exit(run_statement(file, portfolio, lang=lang))


@app.command("rotate-data-key")
def rotate_data_key() -> None:
    """Queue the job that re-seals personal data still under an older key of COBRO_DATA_KEYS
    (idempotent; docs/privacy.md, "Encryption at rest")."""
    from backend.core.crypto import keyring
    from backend.core.db import session_scope
    from backend.jobs.queue import enqueue
    from backend.privacy.rotation import stale_count

    with session_scope() as session:
        stale = stale_count(session)
        if stale:
            enqueue(session, "privacy.rotate_data_key", lock="privacy.rotate_data_key")
    current = keyring().current
    if stale:
        typer.echo(f"{stale} rows under an older key: queued their re-sealing under key {current}")
    else:
        typer.echo(f"every value is sealed under key {current}: older keys may be removed")


@app.command("bot-token")
def bot_token(
    days: Annotated[int, typer.Option(min=1, max=365)] = 90,
    rotate: Annotated[
        bool, typer.Option(help="revoke every earlier bot token first (a leaked credential)")
    ] = False,
) -> None:
    """Print a token for the bots' service user (created if missing): set it as
    COBRO_BOT_TOKEN where the bots run. --rotate makes every earlier one stop working (the
    backend's own in-process bots renew theirs); so does deactivating bots@system.cobro."""
    from backend.audit.service import Actor
    from backend.conversations.service import bot_credential
    from backend.core.db import session_scope

    with session_scope() as session:
        typer.echo(bot_credential(session, Actor.system(), days, rotate=rotate))


@app.command()
def chat(
    phone: Annotated[
        str | None, typer.Option(help="chat as this phone number (you still verify who you are)")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="a chat-link token (POST /debtors/{id}/chat-link)")
    ] = None,
    demo: Annotated[bool, typer.Option(help="chat as a demo debtor (not in production)")] = False,
    url: Annotated[str, typer.Option(help="the running backend")] = "http://127.0.0.1:8000",
    lang: Annotated[str | None, typer.Option(help="es or en")] = None,
) -> None:
    """Talk to the debtor bot from the terminal, against the running backend. The bot token is
    COBRO_BOT_TOKEN, or minted from the local database (the one `cobro serve` uses)."""
    import asyncio
    import sys

    from backend.conversations import service
    from backend.core.config import get_settings
    from backend.core.db import session_scope
    from bots import simulator

    with session_scope() as session:
        secret = os.environ.get("COBRO_BOT_TOKEN") or service.ensure_bot_identity(session)
        sample = service.sample_chat(session) if demo else None
    if demo and (get_settings().is_production or sample is None):
        typer.echo("No demo debtor here (run `cobro demo-data`; never in production).", err=True)
        raise typer.Exit(1)
    if sample is not None:
        debtor, last4, token = sample
        typer.echo(
            f"Demo debtor: {debtor.display_name}, {debtor.id_type.value} {debtor.id_number}, "
            f"phone ending {last4}. Opening their chat link; /salir ends the chat.\n"
        )
    asyncio.run(
        simulator.run(
            url,
            secret,
            user_id=phone.replace(" ", "") if phone else None,
            deep_link=token,
            language=lang,
            stdin=sys.stdin,
            stdout=sys.stdout,
        )
    )


@app.command("rasa-actions")
def rasa_actions(port: Annotated[int, typer.Option("--port", "-p")] = 5055) -> None:
    """The Rasa action server with Cobro's actions (needs the "rasa" extra)."""
    from bots.rasa.__main__ import main

    main(["-p", str(port)])


jobs = typer.Typer(no_args_is_help=True, help="Scheduled jobs (idempotent: safe to re-run).")
app.add_typer(jobs, name="jobs")


@jobs.command("run-daily")
def run_daily() -> None:
    """Judge promises and plans (broken ones get follow-up tasks) and expire old offers."""
    from backend.plans.tasks import run_plan_check
    from backend.promises.tasks import run_promise_check

    promises = run_promise_check()
    typer.echo(
        f"promises: {promises.kept} kept, {promises.partially_kept} partially kept, "
        f"{promises.broken} broken, {promises.still_open} open"
    )
    plans = run_plan_check()
    typer.echo(
        f"plans: {plans.broken} broken, {plans.still_active} active; "
        f"offers expired: {plans.offers_expired}"
    )


reminders = typer.Typer(no_args_is_help=True, help="Outbound reminders.")
app.add_typer(reminders, name="reminders")


@reminders.command("plan")
def reminders_plan(
    day: Annotated[str, typer.Option("--date", help="the local day, YYYY-MM-DD")],
    portfolio: Annotated[str | None, typer.Option(help="one portfolio's id (default: all)")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="plan and count, keep nothing (always)")
    ] = True,
) -> None:
    """Who would be contacted on a day, on which channel, and who is held back by which rule:
    counts per step, channel, outcome and rule. Nothing is kept."""
    import uuid
    from datetime import date

    from backend.outbound.commands import plan_dry_run, print_plan

    try:
        chosen = date.fromisoformat(day)
        portfolio_id = uuid.UUID(portfolio) if portfolio else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    print_plan(plan_dry_run(chosen, portfolio_id))


@reminders.command("outbox")
def reminders_outbox(
    portfolio: Annotated[str | None, typer.Option(help="one portfolio's id (default: all)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """What would have been sent, and to whom, on channels with no provider configured."""
    import uuid

    from backend.outbound.commands import print_outbox

    try:
        portfolio_id = uuid.UUID(portfolio) if portfolio else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    print_outbox(portfolio_id, limit)


if __name__ == "__main__":
    app()
