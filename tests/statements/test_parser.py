"""Reading statement files: Spanish headers, separators, decimal commas, BOM, every problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from backend.statements import parser
from backend.statements.errors import StatementInvalid
from tests.statements.helpers import csv_bytes


def errors(data: bytes, currency: str = "PEN", lang: str = "en") -> list[dict]:
    with pytest.raises(StatementInvalid) as caught:
        parser.parse(data, currency, lang)
    return caught.value.params["details"]["errors"]


def test_spanish_headers_semicolons_decimal_commas_and_bom() -> None:
    data = csv_bytes(
        [
            ("15/01/2025", "1.234,50", "PE-001", "Pago  cuota", "9.999,00"),
            ("2025-01-16", "-80,00", "", "Comisión", "9.919,00"),
            ("", "", "", "", ""),  # a blank row is skipped
            ("2025-01-17 10:22:00", "S/ 150", "Nro 9", "", "10.069,00"),
        ],
        header=("FECHA", "Importe", "Nro. Operación", "Glosa", "Saldo"),
        bom=True,
    )
    lines = parser.parse(data, "PEN", "es")
    assert [(x.line_no, x.value_date, x.amount_minor) for x in lines] == [
        (2, date(2025, 1, 15), 123_450),
        (3, date(2025, 1, 16), -8_000),
        (5, date(2025, 1, 17), 15_000),
    ]
    assert lines[0].reference == "PE-001" and lines[0].description == "Pago cuota"


def test_commas_with_quoted_decimal_commas_and_optional_description() -> None:
    data = b'date,amount,ref\n2025-02-01,"1.500,25",ABC\n01/02/2025,99.5,XYZ\n'
    lines = parser.parse(data, "PEN", "en")
    assert [(x.amount_minor, x.reference, x.description) for x in lines] == [
        (150_025, "ABC", ""),
        (9_950, "XYZ", ""),
    ]


def test_aliases_monto_concepto_referencia() -> None:
    data = csv_bytes(
        [("31/12/2024", "10", "R1", "x")], header=("fecha", "monto", "ref", "concepto")
    )
    assert parser.parse(data, "CLP", "es")[0].amount_minor == 10


def test_every_row_problem_is_reported_with_row_and_column() -> None:
    data = csv_bytes(
        [
            ("32/01/2025", "10,00", "A", ""),
            ("2025-01-02", "diez", "B", ""),
            ("", "1,00", "C", ""),
            ("2025-01-03", "1,005", "D", "x" * 1001),
            ("2025-01-04", "10,12", "E", ""),
            ("2025-01-05", "1", "F"),
        ]
    )
    found = [(e["row"], e["column"], e["code"]) for e in errors(data)]
    assert found == [
        (2, "Fecha", "invalid_date"),
        (3, "Monto", "invalid_amount"),
        (4, "Fecha", "required"),
        (5, "Descripción", "too_long"),
        (7, "", "field_count"),
    ]
    (grouped,) = parser.parse(csv_bytes([("2025-01-01", "1,234", "A", "")]), "PEN", "en")
    assert grouped.amount_minor == 123_400  # one mark before three digits groups thousands


def test_too_many_decimals_for_the_currency() -> None:
    found = errors(csv_bytes([("2025-01-01", "1,50", "A", "")]), currency="CLP")
    assert found[0]["code"] == "amount_precision"
    assert found[0]["reason"] == "'1,50' has more decimals than CLP allows."


def test_header_problems_stop_before_the_rows() -> None:
    data = csv_bytes([("nope", "nope", "", "")], header=("Fecha", "Importe", "Monto", "Glosa"))
    found = errors(data, lang="es")
    assert [(e["row"], e["column"], e["code"]) for e in found] == [
        (1, "Monto", "duplicate_column"),
        (1, "reference", "missing_column"),
    ]
    assert found[0]["reason"] == "Columna repetida: ya está como «Importe»."


@pytest.mark.parametrize(
    ("data", "code", "row"),
    [
        (b"", "empty", 1),
        (b"fecha;monto;referencia\r\n", "empty", 1),
        ("fecha;monto;ref".encode("utf-16"), "utf16", 1),
        (b"fecha;monto;ref\n2025-01-01;1;caf\xe9\n", "encoding", 2),
        (b"fecha;monto;ref\n\x00\x01", "not_text", 2),
        (b'fecha;monto;ref\n2025-01-01;1;"abc\n', "bad_csv", 2),
    ],
)
def test_file_level_problems(data: bytes, code: str, row: int) -> None:
    (found,) = errors(data)
    assert (found["code"], found["row"]) == (code, row)


def test_fingerprints_tell_repeated_lines_apart_and_ignore_spacing() -> None:
    once = parser.parse(csv_bytes([("2025-01-01", "10", "A  B", "x")]), "PEN", "en")
    twice = parser.parse(
        csv_bytes([("2025-01-01", "10", "A B", "x"), ("01/01/2025", "10,00", "A B", "x")]),
        "PEN",
        "en",
    )
    first, second = parser.fingerprints(twice)
    assert first != second
    assert parser.fingerprints(once) == [first]


def test_the_documented_example_reads() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bank-statement.csv"
    lines = parser.parse(example.read_bytes(), "PEN", "es")
    assert len(lines) == 6 and sum(line.amount_minor < 0 for line in lines) == 1
