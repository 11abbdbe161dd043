"""A batch's stored report as a download: one line per error, then per warning, by row.

Columns: row, column, severity, code, reason; headers, severities and reasons in one language.
CSV is UTF-8 with a BOM (Excel then reads the accents); XLSX has one worksheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

from backend.imports.errors import RowError
from shared.i18n import t

_COLUMNS = ("row", "column", "severity", "code", "reason")


def lines(report: dict[str, Any], lang: str) -> Iterator[list[Any]]:
    """The header line, then errors and warnings (each already sorted by row)."""
    yield [t(f"import.report.{name}", lang) for name in _COLUMNS]
    for severity in ("error", "warning"):
        shown = t(f"import.report.{severity}", lang)
        for stored in report.get(f"{severity}s", []):
            issue = RowError.from_stored(stored)
            yield [issue.row, issue.column, shown, issue.code, issue.reason(lang)]


def as_csv(report: dict[str, Any], lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(lines(report, lang))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def as_xlsx(report: dict[str, Any], lang: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t("import.report.sheet", lang))
    for line in lines(report, lang):
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
