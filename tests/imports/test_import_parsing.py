"""Headers, delimiters and cells, without a database."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.imports import fields, plan, reader
from backend.imports.columns import header_key, match_header
from backend.imports.errors import FieldError, Report
from shared.schemas.enums import Language, NationalIdType
from shared.text import fold


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Número de Documento", "id_number"),
        (" TIPO_DOCUMENTO ", "id_type"),
        ("Razón Social", "company_name"),
        ("Teléfono(s)", "phones"),
        ("fecha-vencimiento", "due_date"),
        ("Gestor", "agent_email"),
        ("external_ref", "external_ref"),
    ],
)
def test_headers_match_aliases_ignoring_case_accents_and_punctuation(label, name) -> None:
    header = match_header([label], Report())
    assert header.positions == {name: 0} and header.label(name) == label.strip()
    assert header_key("Número  de  Documento") == "numero_de_documento"


def _sheet(data: bytes) -> reader.Sheet:
    stream = io.BytesIO(data)
    return reader.open_sheet(stream, reader.inspect(stream, "x.csv"))


def test_csv_delimiter_bom_and_row_numbers() -> None:
    sheet = _sheet('\ufeffa;b,c;d\r\n1;"2;3";x\r\n\r\n4;5;6\r\n'.encode())
    assert sheet.header == ["a", "b,c", "d"]
    assert list(sheet.rows) == [(2, ["1", "2;3", "x"]), (3, []), (4, ["4", "5", "6"])]
    assert _sheet(b"a,b\n1,2\n").header == ["a", "b"]


def test_not_utf8_is_reported_with_its_line() -> None:
    data = b"a,b\n1,2\n3,\xe9\n"
    with pytest.raises(reader.ImportEncoding) as exc:
        reader.inspect(io.BytesIO(data), "x.csv")
    assert exc.value.params == {"line": 3}


def test_closing_the_sheet_leaves_the_stream_open() -> None:
    stream = io.BytesIO(b"a,b\n1,2\n")
    sheet = reader.open_sheet(stream, reader.inspect(stream, "x.csv"))
    next(sheet.rows)
    sheet.close()
    assert not stream.closed


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1.234,50", 123_450),
        ("1,234.50", 123_450),
        ("S/ 150", 15_000),
        ("12,5", 1_250),
        (Decimal("10.1"), 1_010),
        ("0", 0),
        ("", None),
    ],
)
def test_amounts(text, minor) -> None:
    assert fields.amount(text, "PEN") == minor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12,345.678", "amount_precision"),
        ("-5", "negative_amount"),
        ("abc", "invalid_amount"),
        (Decimal("1e14"), "amount_too_large"),
        (date(2024, 1, 1), "invalid_amount"),
    ],
)
def test_bad_amounts(text, code) -> None:
    with pytest.raises(FieldError) as exc:
        fields.amount(text, "PEN")
    assert exc.value.code == code


def test_dates_ids_phones_emails_languages() -> None:
    assert fields.a_date("2024-06-15") == date(2024, 6, 15)
    assert fields.a_date("2024-06-15 00:00:00") == date(2024, 6, 15)
    assert fields.a_date("5/6/2024") == date(2024, 6, 5)
    with pytest.raises(FieldError):
        fields.a_date("06/15/2024")
    assert fields.id_type("d.n.i.") == NationalIdType.DNI
    assert fields.id_type("Pasaporte") == NationalIdType.PASSPORT
    assert fields.national_id("20551234569", NationalIdType.RUC) == "20551234569"
    with pytest.raises(FieldError) as exc:
        fields.national_id("20551234560", NationalIdType.RUC)
    assert exc.value.code == "invalid_check_digit"
    assert fields.phones("987654321 | +51 912 345 678 / 987654321 / 12", "PE") == (
        fields.Contacts(valid=["+51987654321", "+51912345678"], invalid=["12"])
    )
    assert fields.emails("Rosa@Example.PE; ñandú@correo.pe rosa@localhost") == fields.Contacts(
        valid=["rosa@example.pe", "ñandú@correo.pe"], invalid=["rosa@localhost"]
    )
    assert fields.language("Inglés") == Language.en
    assert fields.coordinate("-12,0464", 90) == pytest.approx(-12.0464)
    assert fields.text(Decimal("100200"), 64) == "100200"


@given(st.text(max_size=700))
def test_search_text_folds_the_name_as_the_debtors_service_does(name: str) -> None:
    assert plan.search_text(name) == fold(name)[:600]
