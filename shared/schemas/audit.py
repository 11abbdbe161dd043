from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventRead(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_kind: str
    action: str
    entity_type: str
    entity_id: str
    account_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
