"""The import columns: English names, Spanish (and a few English) aliases, header matching.

Headers match case- and accent-insensitively, with spaces, dots and hyphens read as ``_``
("Número de documento" is ``numero_de_documento``, an alias of ``id_number``). A header that
names no column, or a column named twice, is an error of row 1; blank headers are ignored
(spreadsheets often carry empty trailing columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.imports.errors import Report
from shared.text import fold

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
    "id_type": ("tipo_documento", "tipo_de_documento", "tipo_doc", "document_type"),
    "id_number": (
        "numero_documento",
        "numero_de_documento",
        "nro_documento",
        "num_documento",
        "documento",
        "document_number",
    ),
    "first_name": ("nombres", "nombre"),
    "last_name": ("apellidos", "apellido"),
    "company_name": ("razon_social", "empresa", "company"),
    "birth_date": ("fecha_nacimiento", "fecha_de_nacimiento"),
    "phones": ("phone", "telefono", "telefonos", "telefono_s", "celular", "celulares"),
    "email": ("emails", "correo", "correos", "correo_electronico"),
    "address": ("address_line", "line1", "direccion"),
    "district": ("distrito",),
    "city": ("ciudad",),
    "region": ("departamento", "estado", "provincia"),
    "latitude": ("latitud", "lat"),
    "longitude": ("longitud", "lng", "lon"),
    "external_ref": (
        "reference",
        "account_number",
        "referencia",
        "numero_cuenta",
        "numero_de_cuenta",
        "nro_cuenta",
        "cuenta",
    ),
    "product": ("producto",),
    "principal": ("capital",),
    "interest": ("intereses", "interes"),
    "fees": ("gastos", "comisiones", "cargos"),
    "paid": ("pagado", "pagos", "abonado"),
    "currency": ("moneda",),
    "origination_date": ("fecha_desembolso", "fecha_origen", "fecha_de_desembolso"),
    "due_date": ("fecha_vencimiento", "fecha_de_vencimiento"),
    "agent_email": ("agent", "agente", "gestor", "correo_agente", "correo_gestor"),
    "language": ("idioma",),
}

COLUMNS: tuple[str, ...] = tuple(ALIASES)

_LOOKUP: dict[str, str] = {
    alias: name for name, aliases in ALIASES.items() for alias in (name, *aliases)
}


def header_key(label: str) -> str:
    """``"Número de Documento "`` -> ``"numero_de_documento"``."""
    return re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")


@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column sits in a row, and how the file spells it (for reports)."""

    positions: dict[str, int]
    labels: dict[str, str]
    width: int

    def label(self, name: str) -> str:
        return self.labels.get(name, name)


def match_header(cells: list[str], report: Report) -> Header:
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, raw in enumerate(cells):
        label = raw.strip()
        if not label:
            continue
        name = _LOOKUP.get(header_key(label))
        if name is None:
            report.add(1, label, "unknown_column")
        elif name in positions:
            report.add(1, label, "duplicate_column", other=labels[name])
        else:
            positions[name] = index
            labels[name] = label
    for name in REQUIRED:
        if name not in positions:
            report.add(1, name, "missing_column", aliases=", ".join(ALIASES[name][:3]))
    return Header(positions, labels, len(cells))
