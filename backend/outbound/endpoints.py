from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.outbound import service
from backend.outbound.models import MessageTemplate
from shared.schemas.enums import Language
from shared.schemas.outbound import (
    TEMPLATE_NAME,
    PreviewRead,
    PreviewRequest,
    TemplateRead,
    TemplateWrite,
)

router = DomainRouter(prefix="/portfolios/{portfolio_id}/templates", tags=["outbound"])
Name = Annotated[str, Path(pattern=TEMPLATE_NAME, description="lower-case letters, digits, _ -")]


@router.get("", response_model=list[TemplateRead])
def list_templates(session: SessionDep, _: Staff, portfolio_id: uuid.UUID) -> list[MessageTemplate]:
    """The portfolio's message templates, by name and language."""
    return service.list_templates(session, portfolio_id)


@router.get("/{name}/{language}", response_model=TemplateRead)
def get_template(
    session: SessionDep, _: Staff, portfolio_id: uuid.UUID, name: Name, language: Language
) -> MessageTemplate:
    return service.get_template(session, portfolio_id, name, language)


@router.put("/{name}/{language}", response_model=TemplateRead)
def put_template(
    session: SessionDep,
    user: Admin,
    portfolio_id: uuid.UUID,
    name: Name,
    language: Language,
    data: TemplateWrite,
) -> MessageTemplate:
    """Create or replace a template (admins). A template that would not render (syntax, an
    unknown variable) answers 422 ``invalid_template`` with the reason."""
    return service.put_template(session, actor_of(user), portfolio_id, name, language, data)


@router.post("/{name}/{language}/preview", response_model=PreviewRead)
def preview_template(
    session: SessionDep,
    user: Staff,
    portfolio_id: uuid.UUID,
    name: Name,
    language: Language,
    data: PreviewRequest,
) -> PreviewRead:
    """The message as a debtor would read it: for an account you can see, or a sample one."""
    return service.preview(session, user, portfolio_id, name, language, data.account_id)
