"""The values a write passes around: its options, its context, the rows, the plan it makes and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

if TYPE_CHECKING:  # annotations only: the CLI reads ``MODES`` without loading the database layer
    from sqlalchemy.orm import Session

    from portal.models import BuiltModels
    from portal.registry.spec import FieldSpec, RegisterSpec, Registry
    from portal.security.access import Access

#: phase ("read", "validate", "write"), rows done, rows in all.
Progress = Callable[[str, int, int], None]
#: The modes an import offers; ``record`` is one record from a screen or the API (see ``ImportOptions``).
MODES = ("insert", "upsert")


def no_progress(phase: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True)
class ImportOptions:
    #: insert: new records only; upsert: new records, and update existing ones by natural key;
    #: record: one record from a screen or the API, updated by id, where a blank value clears the field.
    mode: str = "insert"
    #: Write the valid rows even when others have errors (default: all or nothing).
    partial: bool = False
    #: The org unit (code, name or ``名称 (编号)``) every row belongs to when the file has no column for it.
    org_unit: str | None = None


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
    #: The field it concerns (``None``: the whole row), for a form or the API to show it under the field.
    field: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    """One row to check: its values already parsed by the field types (links as text until resolved)."""

    row: int
    #: Field name -> parsed value (a link as its text until resolved, or its id when chosen by id).
    #: A name absent means "not given"; a name holding ``None`` means "clear it" (screens and API).
    values: dict[str, Any]
    #: Link field name -> the text as written, for resolving.
    texts: dict[str, str]
    #: The stored record a screen or the API updates (``record`` mode).
    record_id: int | None = None


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
    #: 0-based row of the sheet's header (rows of a screen or the API have none).
    header_row: int = 0
    rows: int = 0
    creates: list[RowPlan] = field(default_factory=list)
    updates: list[RowPlan] = field(default_factory=list)
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> set[int]:
        return {error.row for error in self.errors}


class RowChecks(Protocol):
    """What a check of the planner's rows uses of it (``plan_tree``, ``plan_unique``): the register, the file's
    columns, the errors so far by row, and how to add one in the reader's language."""

    ctx: ImportContext
    spec: RegisterSpec
    columns: dict[str, tuple[int | None, str]]
    by_row: dict[int, list[CellError]]

    def error(self, row: int, spec_field: FieldSpec | None, message: str) -> None: ...

    def label(self, item: Any) -> str: ...

    def message(self, spec_field: FieldSpec, code: str, **params: Any) -> str: ...


class CreateSink(Protocol):
    """Takes the new records of each decided slice of a file while the rest is being decided (``write_stream``)."""

    def take(self, creates: Sequence[RowPlan], planned: int) -> None: ...

    def stop(self) -> None: ...
