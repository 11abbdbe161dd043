"""``cobro import FILE --portfolio ID [--map "Header=column"]... [--lang es|en]``: the import
in one transaction, progress on stderr, everything in one language (Spanish by default).

Exit codes: 0 imported (or already imported), 1 the file was refused (the report is printed:
the first ``SHOWN`` row errors, the total and where to download the full report), 2 bad
arguments (portfolio id, missing file, a malformed or invalid ``--map``).
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.core.errors import DomainError, NotFound
from backend.imports import service
from backend.imports.errors import ImportInvalid, InvalidImportMapping
from backend.imports.mapping import parse_options
from shared.i18n import DEFAULT_LANGUAGE, t

SHOWN = 50


class TerminalProgress:
    """One line per stage, rewritten in place on a terminal (and printed sparsely when not)."""

    def __init__(self, out: TextIO, lang: str = DEFAULT_LANGUAGE) -> None:
        self.out = out
        self.lang = lang
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
        shown = t(f"import.report.stage.{stage}", self.lang)
        if done == 0:
            line = f"{shown}..."
        else:
            rate = done / max(now - self.started, 1e-6)
            count = f"{done:,}/{total:,}" if total else f"{done:,}"
            line = f"{shown}: {count} ({rate:,.0f}/s)"
        self.out.write(f"\r{line:<60}" if self.tty else f"{line}\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty and self.stage:
            self.out.write("\n")
            self.out.flush()


def run_import(
    path: Path,
    portfolio_id_str: str,
    *,
    engine: Engine | None = None,
    lang: str = DEFAULT_LANGUAGE,
    maps: list[str] | None = None,
) -> int:
    """``maps`` are ``--map "Header=column"`` options, added to the portfolio's saved mapping.
    Everything printed is in ``lang``."""
    try:
        portfolio_id = uuid.UUID(portfolio_id_str)
    except ValueError:
        _fail(t("import.report.not_an_id", lang, value=portfolio_id_str), lang)
        return 2
    if not path.is_file():
        _fail(t("import.report.no_file", lang, path=path), lang)
        return 2
    try:
        mapping = parse_options(maps or [])
    except InvalidImportMapping as exc:
        _fail(t(exc.message_key, lang, **exc.params), lang)
        return 2
    progress = TerminalProgress(sys.stderr, lang)
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
                mapping=mapping,
            )
    except NotFound:
        progress.finish()
        _fail(t("import.report.no_portfolio", lang, id=portfolio_id), lang)
        return 2
    except ImportInvalid as exc:
        progress.finish()
        _print_report(exc, lang)
        return 1
    except DomainError as exc:
        progress.finish()
        params = {k: v for k, v in exc.params.items() if k != "details"}
        _fail(f"({exc.code}) {t(exc.message_key, lang, **params)}", lang)
        return 1
    progress.finish()
    _print_summary(result, time.monotonic() - started, lang)
    return 0


def _fail(message: str, lang: str) -> None:
    print(f"{t('import.report.error_prefix', lang)}: {message}", file=sys.stderr)


def _print_report(exc: ImportInvalid, lang: str) -> None:
    details: dict[str, Any] = exc.params["details"]
    label = t("import.report.error", lang)
    for error in details["errors"][:SHOWN]:
        print(t("import.report.line", lang, severity=label, **error))
    total = details["total"]
    if total > SHOWN:
        print(t("import.report.more", lang, count=f"{total - SHOWN:,}"))
    print(t(exc.message_key, lang, total=total))
    links = details["report"]
    print(t("import.report.download", lang, batch_id=details["batch_id"], **links))


def _print_summary(result: service.ImportResult, seconds: float, lang: str) -> None:
    s = result.summary
    if result.replayed:
        print(t("import.report.replayed", lang, batch_id=s["batch_id"]))
        return
    counts = {k: f"{v:,}" for k, v in s.items() if isinstance(v, int)}
    print(
        t(
            "import.report.summary",
            lang,
            **{"warnings": "0", **counts},
            batch_id=s["batch_id"],
            seconds=f"{seconds:.1f}",
        )
    )
    if s.get("warnings"):
        print(t("import.report.download", lang, batch_id=s["batch_id"], **_links(s)))


def _links(summary: dict[str, Any]) -> dict[str, str]:
    return service.report_links(uuid.UUID(summary["batch_id"]))["report"]
