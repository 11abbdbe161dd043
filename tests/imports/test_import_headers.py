"""Headers as agencies write them, column mappings and Mexican mobiles, without a database."""

from __future__ import annotations

import pytest

from backend.imports import mapping
from backend.imports.columns import ALIASES, DOCUMENT_HEADERS, match_header, match_key
from backend.imports.errors import InvalidImportMapping, Report
from shared.identity import normalize_phone


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Nro Operación", "external_ref"),
        ("N° de operación", "external_ref"),
        ("Nº Operacion", "external_ref"),
        ("Num. operación", "external_ref"),
        ("NÚMERO DE OPERACIÓN", "external_ref"),
        ("Saldo", "principal"),
        ("Saldo capital", "principal"),
        ("Monto", "principal"),
        ("Deuda", "principal"),
        ("Distrito/Ciudad", "district"),
        ("Distrito", "district"),
        ("Ciudad", "city"),
        ("Celular", "phones"),
        ("Teléfono", "phones"),
        ("Correo", "email"),
        ("correo-electrónico", "email"),
        ("Tipo de Documento", "id_type"),
        ("Nro. de Documento", "id_number"),
        ("Fecha de Vencimiento", "due_date"),
    ],
)
def test_latin_american_headers_match_whatever_the_spelling(label: str, name: str) -> None:
    header = match_header([label], Report())
    assert header.positions == {name: 0} and header.label(name) == label


@pytest.mark.parametrize(
    ("label", "id_type"),
    [("DNI", "DNI"), ("RUC", "RUC"), ("Cédula", "CC"), ("CURP", "CURP"), ("R.U.T.", "RUT")],
)
def test_a_document_type_header_is_the_number_and_gives_the_type(label, id_type) -> None:
    report = Report()
    header = match_header([label, "Nro Operación", "Producto", "Saldo", "Moneda", "Vence"], report)
    assert header.positions["id_number"] == 0
    assert header.implied == {"id_type": id_type}
    assert [(e.column, e.code) for e in report.errors.kept] == [
        ("Vence", "unknown_column"),
        ("due_date", "missing_column"),
    ]


def test_every_spelling_names_one_column() -> None:
    seen: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in (name, *aliases):
            assert seen.setdefault(match_key(alias), name) == name, alias
    for label in DOCUMENT_HEADERS:
        assert seen.setdefault(match_key(label), "id_number") == "id_number", label


def test_unknown_column_names_the_closest_known_one() -> None:
    report = Report()
    match_header(["Saldp", "Xyzzy"], report)
    saldp, xyzzy = report.errors.kept[:2]
    assert saldp.render("en") | {"reason": None} == {
        "row": 1,
        "column": "Saldp",
        "code": "unknown_column",
        "suggestion": "Saldo",
        "reason": None,
    }
    assert saldp.reason("es").startswith("Columna desconocida: ¿quiso decir «Saldo»?")
    assert saldp.reason("en").startswith("Unknown column: did you mean 'Saldo'?")
    assert "suggestion" not in xyzzy.render("es")


def test_mapping_names_columns_no_alias_knows_and_ignores_others() -> None:
    columns = mapping.merged(
        {"Mi Col": "phones", "Observaciones": "-", "Saldo": "interest"},
        mapping.parse_options(["SALDO=principal"]),
    )
    report = Report()
    header = match_header(["mi col", "Observaciones", "saldo"], report, columns)
    assert header.positions == {"phones": 0, "principal": 2}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Saldo": "balance"}, "error.invalid_import_mapping"),
        ({" ": "principal"}, "error.import_mapping_label"),
        ({"Saldo": "principal", "SALDO ": "interest"}, "error.import_mapping_repeated"),
    ],
)
def test_invalid_mappings_are_refused(given: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidImportMapping) as exc:
        mapping.validated(given)
    assert exc.value.message_key == message
    with pytest.raises(InvalidImportMapping):
        mapping.parse_options(["no equals sign"])


@pytest.mark.parametrize(
    "raw", ["+52 1 55 1234 5678", "521551234567 8", "+5215512345678", "1 55 1234 5678"]
)
def test_mexican_legacy_mobile_one_is_dropped(raw: str) -> None:
    assert normalize_phone(raw, "MX") == "+525512345678"
    assert normalize_phone("+52 55 1234 5678", "MX") == "+525512345678"
