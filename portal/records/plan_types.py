"""The values an import passes around: its options, its context, the plan it makes and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy.orm import Session

from portal.models import BuiltModels
from portal.registry.spec import RegisterSpec, Registry
from portal.security.access import Access

if TYPE_CHECKING:
    from portal.io.headers import HeaderMap

#: phase ("read", "validate", "write"), rows done, rows in all.
Progress = Callable[[str, int, int], None]
MODES = ("insert", "upsert")


def no_progress(phase: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True)
class ImportOptions:
    #: insert: new records only; upsert: new records, and update existing ones by natural key.
    mode: str = "insert"
    #: Write the valid rows even when others have errors (default: all or nothing).
    partial: bool = False


@dataclass(frozen=True)
class ImportContext:
    """What an import needs, without a Flask request: the register, the database and the user's rights."""

    spec: RegisterSpec
    registry: Registry
    models: BuiltModels
    session: Session
    access: Access
    locale: str = "zh"

    @property
    def model(self) -> Any:
        return self.models[self.spec.slug]


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str
    #: 0-based column in the clerk's sheet, to highlight the cell in the error file.
    col_index: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class RowPlan:
    row: int
    #: Database column -> value: every column for a new record, the changed ones for an update.
    values: dict[str, Any]
    record_id: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    #: Self-links (an org unit's parent) to a record created by this same file: column -> its key.
    deferred: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPlan:
    header: HeaderMap
    rows: int = 0
    creates: list[RowPlan] = field(default_factory=list)
    updates: list[RowPlan] = field(default_factory=list)
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> set[int]:
        return {error.row for error in self.errors}
