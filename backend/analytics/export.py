"""A KPI table as CSV or XLSX: the rows of one report (a section of the portfolio KPIs, the
agents, the channels, or the accounts behind a figure), one column per field."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A spreadsheet cell: numbers stay numbers; a nested list (a cohort's curve, an agent's
    amounts by currency) is written as ``key=value`` pairs."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value  # text a spreadsheet would run as a formula stays text
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list):
        return "; ".join(
            " ".join(f"{k}={v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
            for item in value
        )
    return str(value)


def table(rows: Sequence[BaseModel], model: type[BaseModel]) -> tuple[list[str], list[list[Any]]]:
    header = list(model.model_fields)
    return header, [[_cell(row.model_dump(mode="json")[k]) for k in header] for row in rows]


def render(fmt: ExportFormat, title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    if fmt == ExportFormat.csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode()  # the BOM: spreadsheets read UTF-8 right
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()
