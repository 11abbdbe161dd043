"""Outbound messages: templates and their previews."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from shared.schemas.enums import Language

TEMPLATE_NAME = r"^[a-z0-9][a-z0-9_-]{0,59}$"


class TemplateWrite(BaseModel):
    body: str = Field(
        min_length=1,
        max_length=2000,
        description="Jinja2 text, e.g. "
        "'Hola {{ first_name }}, su saldo es {{ balance }}: {{ payment_link }}'",
    )
    subject: str | None = Field(default=None, max_length=200, description="e-mail subject")
    whatsapp_name: str | None = Field(
        default=None, max_length=120, description="the approved WhatsApp template's name"
    )
    whatsapp_params: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="the variables the WhatsApp template's body parameters take, in order",
    )


class TemplateRead(TemplateWrite):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    language: Language
    version: int
    updated_at: datetime


class PreviewRequest(BaseModel):
    account_id: uuid.UUID | None = Field(
        default=None, description="render with this account's facts (else sample facts)"
    )


class PreviewRead(BaseModel):
    subject: str | None
    text: str
    whatsapp_parameters: list[str]
    variables: dict[str, str]
