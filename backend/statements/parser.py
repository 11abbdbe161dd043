"""Reading a bank statement CSV, all or nothing (docs/bank-statements.md).

Rules:
- UTF-8, with or without a BOM. UTF-16, NUL bytes and invalid UTF-8 are refused (with the line).
- The delimiter is ``;`` when the header line holds more ``;`` than ``,``, else ``,``.
- Row 1 is the header. Columns are recognised by name or alias (``ALIASES``) ignoring case,
  accents and punctuation ("Nro. Operación" is ``nro_operacion``); other columns are ignored.
  ``date``, ``amount`` and ``reference`` are required, ``description`` is optional.
- Dates: ``YYYY-MM-DD`` (a trailing time is ignored) or ``DD/MM/YYYY``.
- Amounts: ``shared.money.parse_amount`` in the portfolio's currency ("1.234,50", "1,234.50",
  "S/ 150"); a leading minus is a debit. Debits and zero amounts are kept (reported as ignored).
- Blank rows are skipped. Every problem of every row is collected; any problem rejects the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from backend.statements.errors import Problem, invalid
from shared.money import MoneyError, parse_amount
from shared.text import fold

MAX_LINES = 200_000
MAX_REFERENCE = 255
MAX_DESCRIPTION = 1000
REQUIRED = ("date", "amount", "reference")

ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("fecha", "fecha_operacion", "fecha_de_operacion", "fecha_movimiento"),
    "amount": ("monto", "importe", "valor"),
    "reference": (
        "ref",
        "referencia",
        "nro_operacion",
        "nro_de_operacion",
        "numero_operacion",
        "numero_de_operacion",
        "n_operacion",
        "no_operacion",
        "num_operacion",
    ),
    "description": ("descripcion", "glosa", "concepto", "detalle"),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in (name, *aliases)}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: .*)?$")


@dataclass(frozen=True, slots=True)
class ParsedLine:
    line_no: int
    value_date: date
    amount_minor: int  # credits positive, debits negative
    reference: str
    description: str


def header_key(label: str) -> str:
    """``"Nro. Operación "`` -> ``"nro_operacion"``."""
    return re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")


def parse(data: bytes, currency: str, lang: str) -> list[ParsedLine]:
    """Every data line of the file, or ``StatementInvalid`` listing every problem."""
    problems: list[Problem] = []
    text = _decode(data, problems)
    lines = [] if text is None else _lines(text, currency, problems)
    if not problems and not lines:
        problems.append(Problem(1, "", "empty"))
    if problems:
        raise invalid(problems, lang)
    return lines


def _decode(data: bytes, problems: list[Problem]) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(1, "", "utf16"))
        return None
    if b"\x00" in data:
        problems.append(Problem(data.count(b"\n", 0, data.index(b"\x00")) + 1, "", "not_text"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(data.count(b"\n", 0, exc.start) + 1, "", "encoding"))
        return None


def _lines(text: str, currency: str, problems: list[Problem]) -> list[ParsedLine]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(records, None)
        if header is None:
            return []
        positions, labels = _header(header, problems)
        if problems:
            return []
        lines: list[ParsedLine] = []
        for row, cells in enumerate(records, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) >= MAX_LINES:
                problems.append(Problem(row, "", "too_many_lines", {"limit": MAX_LINES}))
                break
            line = _line(row, cells, positions, labels, len(header), currency, problems)
            if line is not None:
                lines.append(line)
        return lines
    except csv.Error as exc:
        problems.append(Problem(records.line_num, "", "bad_csv", {"reason": str(exc)}))
        return []


def _header(cells: list[str], problems: list[Problem]) -> tuple[dict[str, int], dict[str, str]]:
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, raw in enumerate(cells):
        name = _LOOKUP.get(header_key(raw))
        if name is None:
            continue  # banks add balance, branch, channel...: not ours to read
        if name in positions:
            problems.append(Problem(1, raw.strip(), "duplicate_column", {"other": labels[name]}))
            continue
        positions[name], labels[name] = index, raw.strip()
    for name in REQUIRED:
        if name not in positions:
            aliases = ", ".join(ALIASES[name][:3])
            problems.append(Problem(1, name, "missing_column", {"aliases": aliases}))
    return positions, labels


def _line(
    row: int,
    cells: list[str],
    positions: dict[str, int],
    labels: dict[str, str],
    width: int,
    currency: str,
    problems: list[Problem],
) -> ParsedLine | None:
    if len(cells) < width or any(cell.strip() for cell in cells[width:]):
        problems.append(Problem(row, "", "field_count", {"found": len(cells), "expected": width}))
        return None
    before = len(problems)

    def cell(name: str) -> str:
        return " ".join(cells[positions[name]].split()) if name in positions else ""

    value_date = _date(cell("date"), row, labels["date"], problems)
    amount = _amount(cell("amount"), currency, row, labels["amount"], problems)
    reference, description = cell("reference"), cell("description")
    for name, value, limit in (
        ("reference", reference, MAX_REFERENCE),
        ("description", description, MAX_DESCRIPTION),
    ):
        if len(value) > limit:
            problems.append(Problem(row, labels[name], "too_long", {"max": limit}))
    if len(problems) > before or value_date is None or amount is None:
        return None
    return ParsedLine(row, value_date, amount, reference, description)


def _date(raw: str, row: int, column: str, problems: list[Problem]) -> date | None:
    if not raw:
        problems.append(Problem(row, column, "required"))
        return None
    if match := _ISO.match(raw):
        year, month, day = match.groups()
    elif match := _DMY.match(raw):
        day, month, year = match.groups()
    else:
        problems.append(Problem(row, column, "invalid_date", {"value": raw}))
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        problems.append(Problem(row, column, "invalid_date", {"value": raw}))
        return None


def _amount(raw: str, currency: str, row: int, column: str, problems: list[Problem]) -> int | None:
    if not raw:
        problems.append(Problem(row, column, "required"))
        return None
    try:
        return parse_amount(raw, currency)
    except MoneyError as exc:
        code = "amount_precision" if exc.code == "amount_precision" else "invalid_amount"
        problems.append(Problem(row, column, code, {"value": raw, "currency": currency}))
        return None


def fingerprints(lines: list[ParsedLine]) -> list[str]:
    """A line's identity across files: SHA-256 of its date, amount, reference, description
    (spaces collapsed) and occurrence index (0 for the first such line of the file, 1 for an
    identical second one...). Overlapping statements share the fingerprints of their common
    lines; two identical payments on one statement stay two."""
    seen: Counter[tuple[str, int, str, str]] = Counter()
    result = []
    for line in lines:
        key = (line.value_date.isoformat(), line.amount_minor, line.reference, line.description)
        occurrence = seen[key]
        seen[key] += 1
        raw = "\x1f".join((*key[:1], str(key[1]), *key[2:], str(occurrence)))
        result.append(hashlib.sha256(raw.encode()).hexdigest())
    return result
