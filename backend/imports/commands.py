"""``cobro import FILE --portfolio ID``: the import in one transaction, progress on stderr.

Exit codes: 0 imported (or already imported), 1 the file was refused (the report is printed:
the first ``SHOWN`` row errors and the total), 2 bad arguments (portfolio id, missing file).
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine

from backend.audit.service import Actor
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.errors import DomainError, NotFound
from backend.imports import service
from backend.imports.errors import ImportInvalid
from shared.i18n import t

SHOWN = 50


class TerminalProgress:
    """One line per stage, rewritten in place on a terminal (and printed sparsely when not)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.interval = 0.2 if self.tty else 5.0
        self.stage = ""
        self.started = self.shown = 0.0
        self.last: tuple[str, int] = ("", -1)

    def update(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage != self.stage:
            self.finish()
            self.stage, self.started, self.shown = stage, now, 0.0
        complete = total is not None and done >= total
        if now - self.shown < self.interval and not complete:
            return
        if (stage, done) == self.last:
            return
        self.shown, self.last = now, (stage, done)
        if done == 0:
            line = f"{stage}..."
        else:
            rate = done / max(now - self.started, 1e-6)
            count = f"{done:,}/{total:,}" if total else f"{done:,}"
            line = f"{stage}: {count} ({rate:,.0f}/s)"
        self.out.write(f"\r{line:<60}" if self.tty else f"{line}\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty and self.stage:
            self.out.write("\n")
            self.out.flush()


def run_import(path: Path, portfolio_id_str: str, *, engine: Engine | None = None) -> int:
    lang = get_settings().default_language
    try:
        portfolio_id = uuid.UUID(portfolio_id_str)
    except ValueError:
        print(f"error: {portfolio_id_str!r} is not a portfolio id", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 2
    progress = TerminalProgress(sys.stderr)
    started = time.monotonic()
    try:
        with session_scope(engine) as session, path.open("rb") as stream:
            result = service.import_file(
                session,
                Actor.system(),
                None,
                portfolio_id,
                stream,
                path.name,
                lang=lang,
                progress=progress,
            )
    except NotFound:
        progress.finish()
        print(f"error: no portfolio {portfolio_id}", file=sys.stderr)
        return 2
    except ImportInvalid as exc:
        progress.finish()
        _print_report(exc, lang)
        return 1
    except DomainError as exc:
        progress.finish()
        params = {k: v for k, v in exc.params.items() if k != "details"}
        print(f"error ({exc.code}): {t(exc.message_key, lang, **params)}", file=sys.stderr)
        return 1
    progress.finish()
    _print_summary(result, time.monotonic() - started)
    return 0


def _print_report(exc: ImportInvalid, lang: str) -> None:
    details: dict[str, Any] = exc.params["details"]
    for error in details["errors"][:SHOWN]:
        print(f"row {error['row']}, {error['column']}: {error['reason']} [{error['code']}]")
    total = details["total"]
    if total > SHOWN:
        print(f"... and {total - SHOWN:,} more")
    print(t(exc.message_key, lang, total=total))


def _print_summary(result: service.ImportResult, seconds: float) -> None:
    s = result.summary
    if result.replayed:
        print(f"This file was already imported (batch {s['batch_id']}); nothing changed.")
        return
    print(
        f"Imported batch {s['batch_id']}: {s['rows']:,} rows in {seconds:.1f} s; "
        f"debtors {s['debtors_created']:,} created, {s['debtors_updated']:,} updated; "
        f"accounts {s['accounts_created']:,} created, {s['accounts_updated']:,} updated, "
        f"{s['unchanged']:,} unchanged; {s['ledger_entries']:,} ledger entries."
    )
