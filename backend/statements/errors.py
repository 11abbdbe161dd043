"""Statement errors. A file with any problem is refused whole (422 ``statement_invalid``) with
``details.errors: [{row, column, code, reason}]`` (the first ``MAX_REPORTED``) and the total."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.core.errors import DomainError
from shared.i18n import t

MAX_REPORTED = 1000


class StatementInvalid(DomainError):
    status = 422
    code = "statement_invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # the header as written in the file (or the expected name when missing)
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> dict[str, Any]:
        reason = t(f"statement.row.{self.code}", lang, **self.params)
        return {"row": self.row, "column": self.column, "code": self.code, "reason": reason}


def invalid(problems: list[Problem], lang: str) -> StatementInvalid:
    shown = [p.render(lang) for p in sorted(problems, key=lambda p: p.row)[:MAX_REPORTED]]
    return StatementInvalid(
        total=len(problems),
        details={"errors": shown, "total": len(problems), "truncated": len(problems) > len(shown)},
    )
