"""Reading import files: recognise the type, hash, check the encoding, then stream the rows.

Rules:
- The type comes from the content: a ZIP holding ``xl/workbook.xml`` is XLSX (read with openpyxl
  in read-only mode, first worksheet); anything else must be text with a ``.csv``/``.txt`` name
  (or none). Legacy ``.xls``, PDFs, other ZIPs and binary files are ``unsupported_file_type``.
- CSV must be UTF-8 (a BOM is allowed and dropped); the first invalid byte is reported by line.
  The delimiter is ``;`` when the header line holds more ``;`` than ``,``, else ``,``.
- The header is the first row. Row numbers are what a spreadsheet shows (header = row 1).
- Cells come out as ``str`` (CSV, XLSX text), ``Decimal`` (XLSX numbers, at Excel's 15
  significant digits, so they are never re-read as text with thousands separators) or ``date``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

import openpyxl

from backend.imports.errors import ImportEmpty, ImportEncoding, ImportMalformed, UnsupportedFileType

Cell = str | Decimal | date
Row = tuple[int, list[Cell]]

CSV_SUFFIXES = frozenset({".csv", ".txt", ""})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_CHUNK = 1 << 20
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)


@dataclass(frozen=True, slots=True)
class FileInfo:
    kind: Literal["csv", "xlsx"]
    sha256: str
    size: int
    lines: int  # text lines of a CSV (a progress estimate); 0 for XLSX


@dataclass(slots=True)
class Sheet:
    header: list[str]
    rows: Iterator[Row]
    estimated_rows: int | None
    close: Callable[[], None]


def inspect(stream: BinaryIO, filename: str) -> FileInfo:
    """One pass over the bytes: type, SHA-256, size and (CSV) UTF-8 validity and line count."""
    stream.seek(0)
    chunk = stream.read(_CHUNK)
    if not chunk:
        raise ImportEmpty()
    kind = _kind(chunk, filename, stream)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if kind == "csv" else None
    size = lines = 0
    last = b""
    while chunk:
        digest.update(chunk)
        if decoder is not None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise ImportEncoding(line=lines + chunk.count(b"\n", 0, exc.start) + 1) from None
            lines += chunk.count(b"\n")
        size += len(chunk)
        last = chunk[-1:]
        chunk = stream.read(_CHUNK)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportEncoding(line=lines + 1) from None
        lines += last != b"\n"
    stream.seek(0)
    return FileInfo(kind, digest.hexdigest(), size, lines)


def _kind(first: bytes, filename: str, stream: BinaryIO) -> Literal["csv", "xlsx"]:
    suffix = Path(filename).suffix.lower()
    if first.startswith(b"PK\x03\x04"):
        _check_workbook(stream)
        return "xlsx"
    if first.startswith(_OLE2):
        raise UnsupportedFileType("error.import_legacy_xls")
    if suffix in XLSX_SUFFIXES:
        raise ImportMalformed("error.import_not_xlsx")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportEncoding("error.import_utf16")
    if suffix not in CSV_SUFFIXES or b"\x00" in first:
        raise UnsupportedFileType()
    return "csv"


def _check_workbook(stream: BinaryIO) -> None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportMalformed("error.import_bad_xlsx") from None
    if "xl/workbook.xml" not in names:
        raise UnsupportedFileType()


def open_sheet(stream: BinaryIO, info: FileInfo) -> Sheet:
    stream.seek(0)
    sheet = _csv_sheet(stream, info) if info.kind == "csv" else _xlsx_sheet(stream)
    if not any(str(cell).strip() for cell in sheet.header):
        sheet.close()
        raise ImportEmpty()
    return sheet


def _csv_sheet(stream: BinaryIO, info: FileInfo) -> Sheet:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    first_line = text.readline()
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    lines = itertools.chain([first_line], text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header = _next_record(reader, 1)
    if header is None:
        text.detach()
        raise ImportEmpty()

    def rows() -> Iterator[Row]:
        number = 1
        while (record := _next_record(reader, number + 1)) is not None:
            number += 1
            yield number, list(record)

    def close() -> None:
        with contextlib.suppress(ValueError):  # already detached
            text.detach()  # detaching, not closing, leaves the caller's stream open

    return Sheet(header, rows(), max(info.lines - 1, 0), close)


def _next_record(reader: Any, number: int) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise ImportMalformed("error.import_bad_csv", row=number, reason=str(exc)) from None


def _xlsx_sheet(stream: BinaryIO) -> Sheet:
    # openpyxl raises many exception types on damaged files (zip, XML, KeyError, ValueError...);
    # each of them means the same thing to the user: the workbook cannot be read.
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        worksheet = workbook.worksheets[0]
        values = worksheet.iter_rows(values_only=True)
        first = next(values, None)
        max_row = worksheet.max_row
    except Exception:
        raise ImportMalformed("error.import_bad_xlsx") from None
    if first is None:
        workbook.close()
        raise ImportEmpty()

    def rows() -> Iterator[Row]:
        number = 1
        while True:
            try:
                record = next(values)
            except StopIteration:
                return
            except Exception:
                raise ImportMalformed("error.import_bad_xlsx") from None
            number += 1
            yield number, _fit([_cell(v) for v in record], len(header))

    header = ["" if v is None else str(v) for v in first]
    return Sheet(header, rows(), max_row - 1 if max_row else None, workbook.close)


def is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def _fit(cells: list[Cell], width: int) -> list[Cell]:
    """Workbook rows vary in length: pad short ones, drop blank cells past the header."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if len(cells) > width and all(is_blank(cell) for cell in cells[width:]):
        return cells[:width]
    return cells


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(f"{value:.15g}")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return str(value)
