"""Import errors: file-level ones answer at once; row errors are collected into one report.

File-level problems (wrong type, not UTF-8, unreadable, empty) are ``DomainError``s with their
own code. Row problems are ``RowError``s gathered by a ``Report`` while the whole file is
validated; any row error at all rejects the file with ``ImportInvalid`` (422 ``import_invalid``)
whose details list the first ``MAX_REPORTED`` errors and the total count. Warnings (an invalid
optional contact, left out of the row) never reject a file.

A report keeps up to ``MAX_KEPT`` errors and as many warnings (with every one counted): that
is what a rejected or accepted batch stores for its downloadable report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.core.errors import DomainError
from shared.i18n import t

MAX_REPORTED = 1000
MAX_KEPT = 100_000


class ImportInvalid(DomainError):
    """Raised after the rejected batch and its report were added: the unit of work keeps them."""

    status = 422
    code = "import_invalid"
    commits = True


class InvalidImportMapping(DomainError):
    status = 422
    code = "invalid_import_mapping"


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
        rendered = {"row": self.row, "column": self.column, "reason": self.reason(lang)}
        rendered["code"] = self.code
        if "suggestion" in self.params:
            rendered["suggestion"] = self.params["suggestion"]
        return rendered

    def reason(self, lang: str) -> str:
        # A suggestion has its own wording ("did you mean ...?").
        variant = "_suggestion" if "suggestion" in self.params else ""
        return t(f"import.row.{self.code}{variant}", lang, **self.params)

    def stored(self) -> list[Any]:
        return [self.row, self.column, self.code, self.params]

    @classmethod
    def from_stored(cls, data: list[Any]) -> RowError:
        row, column, code, params = data
        return cls(row, column, code, params)


@dataclass(slots=True)
class Issues:
    """Problems of one severity: the first ``MAX_KEPT`` kept, all of them counted."""

    kept: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, error: RowError) -> None:
        self.total += 1
        if len(self.kept) < MAX_KEPT:
            self.kept.append(error)

    def by_row(self) -> list[RowError]:
        return sorted(self.kept, key=lambda e: e.row)


@dataclass(slots=True)
class Report:
    """Every problem of a file: errors reject it, warnings do not."""

    errors: Issues = field(default_factory=Issues)
    warnings: Issues = field(default_factory=Issues)

    @property
    def total(self) -> int:
        return self.errors.total

    def add(self, row: int, column: str, code: str, **params: Any) -> None:
        self.errors.add(RowError(row, column, code, params))

    def add_field(self, row: int, column: str, error: FieldError) -> None:
        self.add(row, column, error.code, **error.params)

    def warn(self, row: int, column: str, code: str, **params: Any) -> None:
        self.warnings.add(RowError(row, column, code, params))

    def __bool__(self) -> bool:
        return self.errors.total > 0

    def rendered(self, lang: str) -> list[dict[str, Any]]:
        return [e.render(lang) for e in self.errors.by_row()[:MAX_REPORTED]]

    def details(self, lang: str) -> dict[str, Any]:
        """The ``details`` of a 422 ``import_invalid`` answer."""
        errors = self.rendered(lang)
        return {
            "errors": errors,
            "total": self.errors.total,
            "truncated": self.errors.total > len(errors),
            "warnings": self.warnings.total,
        }

    def stored(self) -> dict[str, Any]:
        """What a batch keeps: language-neutral codes and parameters, rendered on download."""
        return {
            "errors": [e.stored() for e in self.errors.by_row()],
            "warnings": [w.stored() for w in self.warnings.by_row()],
            "error_total": self.errors.total,
            "warning_total": self.warnings.total,
        }
