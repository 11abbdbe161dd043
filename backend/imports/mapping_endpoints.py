"""A portfolio's saved import column mapping: read and replace it (admins and supervisors)."""

from __future__ import annotations

from backend.auth.deps import SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from backend.imports import mapping
from shared.schemas.common import ErrorBody
from shared.schemas.imports import ImportMappingBody

router = DomainRouter(prefix="/portfolios/{portfolio_id}/import-mapping", tags=["imports"])


@router.get("", response_model=ImportMappingBody)
def get_mapping(session: SessionDep, _: Staff, portfolio: KnownPortfolio) -> ImportMappingBody:
    """The saved mapping (empty until one is saved)."""
    return ImportMappingBody(columns=mapping.saved(session, portfolio.id))


@router.put(
    "",
    response_model=ImportMappingBody,
    responses={422: {"model": ErrorBody, "description": "invalid_import_mapping"}},
)
def put_mapping(
    session: SessionDep, user: Staff, portfolio: KnownPortfolio, body: ImportMappingBody
) -> ImportMappingBody:
    """Replace the mapping: ``{"columns": {"Saldo deudor": "principal", "Obs": "-"}}``; an
    unknown target column answers 422 ``invalid_import_mapping``."""
    saved = mapping.replace(session, actor_of(user), portfolio.id, body.columns)
    return ImportMappingBody(columns=saved)
