"""Who does something: a user, or the system, a bot or a provider acting on its own. Core, so
request dependencies and every domain can name the actor without importing a domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a user, or the system, a bot or a provider acting on its own, or a
    debtor through a signed link (an e-mail's unsubscribe link)."""

    kind: str
    id: uuid.UUID | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")
