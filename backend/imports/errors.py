"""Import errors: file-level ones answer at once; row errors are collected into one report.

File-level problems (wrong type, not UTF-8, unreadable, empty) are ``DomainError``s with their
own code. Row problems are ``RowError``s gathered by a ``Report`` while the whole file is
validated; any row error at all rejects the file with ``ImportInvalid`` (422 ``import_invalid``)
whose details list the first ``MAX_REPORTED`` errors and the total count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.core.errors import DomainError
from shared.i18n import t

MAX_REPORTED = 1000


class ImportInvalid(DomainError):
    status = 422
    code = "import_invalid"


class ImportEmpty(DomainError):
    status = 422
    code = "import_empty"


class ImportEncoding(DomainError):
    status = 422
    code = "import_encoding"


class ImportMalformed(DomainError):
    status = 422
    code = "import_malformed"


class ImportTooManyRows(DomainError):
    status = 422
    code = "import_too_many_rows"


class UnsupportedFileType(DomainError):
    status = 415
    code = "unsupported_file_type"


class FileRequired(DomainError):
    status = 422
    code = "file_required"


class ImportConflict(DomainError):
    """The portfolio changed under a concurrent import; retrying gives a consistent answer."""

    status = 409
    code = "import_conflict"


class FieldError(ValueError):
    """One cell's problem: a machine-readable code plus the parameters of its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # the header as written in the file (or the expected name when missing)
    code: str
    params: dict[str, Any]

    def render(self, lang: str) -> dict[str, Any]:
        reason = t(f"import.row.{self.code}", lang, **self.params)
        return {"row": self.row, "column": self.column, "reason": reason, "code": self.code}


@dataclass(slots=True)
class Report:
    """Every row error of a file: the first ``MAX_REPORTED`` kept, all of them counted."""

    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, row: int, column: str, code: str, **params: Any) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowError(row, column, code, params))

    def add_field(self, row: int, column: str, error: FieldError) -> None:
        self.add(row, column, error.code, **error.params)

    def __bool__(self) -> bool:
        return self.total > 0

    def rendered(self, lang: str) -> list[dict[str, Any]]:
        return [e.render(lang) for e in sorted(self.errors, key=lambda e: e.row)]

    def raise_if_any(self, lang: str) -> None:
        if self.total:
            errors = self.rendered(lang)
            raise ImportInvalid(
                total=self.total,
                details={
                    "errors": errors,
                    "total": self.total,
                    "truncated": self.total > len(errors),
                },
            )
