"""`cobro statement FILE --portfolio ID`: the background upload's chunked booking, from a shell."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import typer

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.core.errors import DomainError
from backend.imports.commands import TerminalProgress
from backend.statements import service
from shared.i18n import t


def run_statement(path: Path, portfolio_id: str, *, lang: str = "es") -> int:
    try:
        portfolio = uuid.UUID(portfolio_id)
    except ValueError:
        typer.echo(t("import.report.not_an_id", lang, value=portfolio_id), err=True)
        return 2
    progress = TerminalProgress(sys.stdout, lang)
    try:
        statement_id = service.upload_in_chunks(
            Actor.system(), portfolio, path.read_bytes(), path.name, lang=lang, progress=progress
        )
    except DomainError as error:
        progress.finish()
        typer.echo(f"{error.code}: {t(error.message_key, lang)}", err=True)
        for problem in error.params.get("details", {}).get("errors", [])[:20]:
            typer.echo(f"  {problem}", err=True)
        return 1
    progress.finish()
    with session_scope() as session:
        read = service.to_read(session, service.get_statement(session, statement_id))
    counts = ", ".join(f"{status}: {total.count}" for status, total in read.totals.items())
    typer.echo(f"{read.id} · {read.line_count} · {counts}")
    return 0
