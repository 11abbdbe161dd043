"""The import columns: English names, Spanish (and a few English) aliases, header matching.

Headers match ignoring case, accents, punctuation, spaces and the filler words ``de``/``del``/
``of`` (``"N° de operación"``, ``"Nro. Operacion"`` and ``"NUM OPERACIÓN"`` are one key);
the abbreviations of "number" (``N°``, ``Nº``, ``No``, ``Nro``, ``Num``, ``Número``) read alike.
A header naming a document type (``DNI``, ``RUC``, ``Cédula``, ``CURP``, ``RUT``...) is the
document number column and gives the type to rows of a file without an ``id_type`` column.

A column mapping (``--map "Mi Col=phones"`` or the portfolio's saved mapping) names the field
of any other header, or ``-`` to ignore the column; it is matched by the same key and is
consulted before the aliases. A header that names no column (the error suggests the closest
known spelling), or a column named twice, is an error of row 1; blank headers are ignored
(spreadsheets often carry empty trailing columns).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from backend.imports.errors import Report
from shared.schemas.enums import NationalIdType
from shared.text import fold

IGNORE = "-"  # mapping target that skips a column

REQUIRED: tuple[str, ...] = (
    "id_type",
    "id_number",
    "external_ref",
    "product",
    "principal",
    "currency",
    "due_date",
)

ALIASES: dict[str, tuple[str, ...]] = {
    "id_type": ("tipo_documento", "tipo_doc", "Tipo de identificación", "document_type"),
    "id_number": (
        "numero_documento",
        "nro_documento",
        "documento",
        "Documento de identidad",
        "Nro. identificación",
        "Identificación",
        "document_number",
    ),
    "first_name": ("nombres", "nombre"),
    "last_name": ("apellidos", "apellido"),
    "company_name": ("razon_social", "empresa", "company"),
    "birth_date": ("fecha_nacimiento",),
    "phones": (
        "phone",
        "phone_number",
        "telefono",
        "telefonos",
        "Teléfono(s)",
        "Teléfono celular",
        "Teléfono móvil",
        "celular",
        "celulares",
        "Móvil",
        "WhatsApp",
    ),
    "email": ("emails", "e-mail", "mail", "correo", "correos", "Correo electrónico"),
    "address": ("address_line", "line1", "direccion", "Domicilio"),
    "district": ("distrito", "Distrito/Ciudad", "Comuna", "Municipio", "Colonia"),
    "city": ("ciudad", "Localidad"),
    "region": ("departamento", "estado", "provincia", "Región"),
    "latitude": ("latitud", "lat"),
    "longitude": ("longitud", "lng", "lon"),
    "external_ref": (
        "reference",
        "account_number",
        "referencia",
        "numero_cuenta",
        "nro_cuenta",
        "cuenta",
        "Nro Operación",
        "Operación",
        "Nro. Crédito",
        "Nro. Préstamo",
        "Nro. Contrato",
        "Contrato",
        "Nro. Tarjeta",
    ),
    "product": ("producto", "Tipo de producto", "Tipo de crédito"),
    "principal": ("capital", "Saldo", "Saldo capital", "Monto", "Deuda", "Monto adeudado"),
    "interest": ("intereses", "interes", "Interés moratorio", "Intereses moratorios"),
    "fees": ("gastos", "comisiones", "cargos", "Gastos de cobranza"),
    "paid": ("pagado", "pagos", "abonado", "Monto pagado", "Total pagado"),
    "currency": ("moneda", "Divisa"),
    "origination_date": ("fecha_desembolso", "fecha_origen", "Fecha de otorgamiento"),
    "due_date": ("fecha_vencimiento", "Vencimiento", "Fecha de mora"),
    "agent_email": (
        "agent",
        "agente",
        "gestor",
        "Asesor",
        "correo_agente",
        "correo_gestor",
    ),
    "language": ("idioma",),
}

# Headers that are the document number of one type ("DNI": 45871236).
DOCUMENT_HEADERS: dict[str, NationalIdType] = {
    "DNI": NationalIdType.DNI,
    "RUC": NationalIdType.RUC,
    "CE": NationalIdType.CE,
    "Carné de extranjería": NationalIdType.CE,
    "CC": NationalIdType.CC,
    "Cédula": NationalIdType.CC,
    "Cédula de ciudadanía": NationalIdType.CC,
    "NIT": NationalIdType.NIT,
    "CURP": NationalIdType.CURP,
    "RFC": NationalIdType.RFC,
    "RUT": NationalIdType.RUT,
    "SSN": NationalIdType.SSN,
    "Pasaporte": NationalIdType.PASSPORT,
    "Passport": NationalIdType.PASSPORT,
}

COLUMNS: tuple[str, ...] = tuple(ALIASES)

_FILLERS = frozenset({"de", "del", "la", "el", "of", "the"})
_NUMBER_WORDS = frozenset({"n", "no", "nr", "nro", "num", "numero", "number", "nbr", "nu"})


def header_key(label: str) -> str:
    """``"Número de Documento "`` -> ``"numero_de_documento"`` (how the file's label reads)."""
    return re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")


def match_key(label: str) -> str:
    """The key two spellings of one header share: ``"N° de Operación"`` and ``"nro_operacion"``
    are both ``"nrooperacion"``."""
    words = [w for w in header_key(label).split("_") if w and w not in _FILLERS]
    return "".join("nro" if w in _NUMBER_WORDS else w for w in words)


def _spellings() -> dict[str, tuple[str, str]]:
    """match key -> (column name, the spelling shown in suggestions)."""
    found: dict[str, tuple[str, str]] = {}
    for name, aliases in ALIASES.items():
        for alias in (name, *aliases):
            found.setdefault(match_key(alias), (name, alias))
    for label in DOCUMENT_HEADERS:
        found.setdefault(match_key(label), ("id_number", label))
    return found


_LOOKUP = _spellings()
_DOCUMENT_TYPES = {match_key(label): kind for label, kind in DOCUMENT_HEADERS.items()}


def suggestion(label: str) -> str | None:
    """The known spelling closest to an unknown header, if any is close."""
    close = difflib.get_close_matches(match_key(label), list(_LOOKUP), n=1, cutoff=0.7)
    return _LOOKUP[close[0]][1] if close else None


@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column sits in a row, how the file spells it (for reports), and the
    values of columns the header itself gives (the document type of a ``DNI`` column)."""

    positions: dict[str, int]
    labels: dict[str, str]
    width: int
    implied: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name, name)


def match_header(
    cells: list[str], report: Report, mapping: Mapping[str, str] | None = None
) -> Header:
    """``mapping`` is by match key (``mapping.merged``)."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    implied: dict[str, str] = {}
    for index, raw in enumerate(cells):
        label = raw.strip()
        if not label:
            continue
        key = match_key(label)
        name = (mapping or {}).get(key) or _LOOKUP.get(key, (None, ""))[0]
        if name == IGNORE:
            continue
        if name is None:
            report.add(1, label, "unknown_column", **_suggest(label))
        elif name in positions:
            report.add(1, label, "duplicate_column", other=labels[name])
        else:
            positions[name] = index
            labels[name] = label
            if name == "id_number" and key in _DOCUMENT_TYPES:
                implied["id_type"] = _DOCUMENT_TYPES[key].value
    for name in REQUIRED:
        if name not in positions and name not in implied:
            report.add(1, name, "missing_column", aliases=", ".join(ALIASES[name][:3]))
    return Header(positions, labels, len(cells), implied)


def _suggest(label: str) -> dict[str, str]:
    close = suggestion(label)
    return {"suggestion": close} if close else {}
