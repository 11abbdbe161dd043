"""Column mappings: the file's own header -> an import column, for headers no alias knows.

A mapping is ``{"Saldo": "principal", "Mi Col": "phones", "Observaciones": "-"}`` (``-``
ignores the column). It is validated whole: every target is a known column or ``-``, every
header is non-blank, at most ``MAX_ENTRIES`` entries, no two headers that read alike
(``"Saldo"`` and ``"SALDO"``). A portfolio's saved mapping applies to its API and command line
imports; the command line's ``--map`` adds to it and wins for the same header.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.creditors.service import get_portfolio
from backend.imports.columns import COLUMNS, IGNORE, match_key
from backend.imports.errors import InvalidImportMapping
from backend.imports.models import ImportMapping

MAX_ENTRIES = 200
MAX_LABEL = 200


def validated(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping with labels and targets stripped; ``InvalidImportMapping`` names the first
    bad entry."""
    if len(mapping) > MAX_ENTRIES:
        raise InvalidImportMapping("error.import_mapping_too_large", max=MAX_ENTRIES)
    clean: dict[str, str] = {}
    seen: dict[str, str] = {}
    for raw_label, raw_target in mapping.items():
        label, target = raw_label.strip(), raw_target.strip()
        key = match_key(label)
        if not key or len(label) > MAX_LABEL:
            raise InvalidImportMapping("error.import_mapping_label", column=label)
        if target not in COLUMNS and target != IGNORE:
            raise InvalidImportMapping(
                column=label, field=target, choices=", ".join((*COLUMNS, IGNORE))
            )
        if key in seen:
            raise InvalidImportMapping(
                "error.import_mapping_repeated", column=label, other=seen[key]
            )
        seen[key] = label
        clean[label] = target
    return clean


def parse_options(options: list[str]) -> dict[str, str]:
    """``["Saldo=principal", "Mi Col=phones"]`` (the command line's ``--map``), validated."""
    mapping: dict[str, str] = {}
    for option in options:
        label, sep, target = option.rpartition("=")
        if not sep:
            raise InvalidImportMapping("error.import_mapping_option", option=option)
        mapping[label] = target
    return validated(mapping)


def saved(session: Session, portfolio_id: uuid.UUID) -> dict[str, str]:
    found = session.get(ImportMapping, portfolio_id)
    return dict(found.columns) if found is not None else {}


def replace(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, mapping: Mapping[str, str]
) -> dict[str, str]:
    portfolio = get_portfolio(session, portfolio_id)
    clean = validated(mapping)
    found = session.get(ImportMapping, portfolio.id)
    before = dict(found.columns) if found is not None else {}
    if found is None:
        found = ImportMapping(portfolio_id=portfolio.id)
    found.columns = clean
    found.updated_by_id = actor.id if actor.kind == "user" else None
    found.updated_at = utcnow()
    session.add(found)
    session.flush()
    audit.record(
        session,
        actor,
        "import_mapping.updated",
        "portfolio",
        portfolio.id,
        before={"columns": before},
        after={"columns": clean},
    )
    return clean


def merged(saved_mapping: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """By match key: ``extra`` (the command line's) wins over the saved mapping."""
    keyed = {match_key(label): target for label, target in saved_mapping.items()}
    keyed.update({match_key(label): target for label, target in extra.items()})
    return keyed
