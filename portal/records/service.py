"""The register service: the one code path that checks and writes a register's rows.

Every channel calls it: the screens and the REST API with one record (``create``/``update``/``save``,
a plan of one row), the import with a sheet's rows (``plan``/``apply``), and ``delete``. All of them
go through the same planner (``portal.records.plan``: required, choices already parsed, links,
uniqueness, row scope, org links, tree cycles, derived columns, rights per column) and the same
writer (``portal.records.write``: Core statements, one audit entry per changed record). It needs a
SQLAlchemy session, the user's ``Access`` and the locale, passed in; it reads no Flask request.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from portal.domain.messages import Problem
from portal.models import BuiltModels, link_column
from portal.records import bulk
from portal.records.batch_audit import BatchAudit
from portal.records.batches import ImportBatch
from portal.records.bulk import BulkResult
from portal.records.lookups import resolve_links
from portal.records.plan import Planner
from portal.records.plan_types import ImportContext, ImportOptions, ImportPlan, ParsedRow, Progress, no_progress
from portal.records.row_schema import LocaleGetter, build_row_schema
from portal.records.selection import Selection, select_rows
from portal.records.write import SourceFile, write_entries, write_noted, write_plan, write_record
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security import audit
from portal.security.access import SYSTEM_ACCESS, Access, row_condition
from portal.texts import gettext

Errors = dict[str, list[str]]


class RecordErrors(Exception):
    """Field-level validation errors: ``{field: [Chinese message, ...]}`` (``_schema``: the whole record)."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))


class RecordForbidden(Exception):
    """The user may not write these fields (approval fields, masked fields, or no edit right)."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels
        super().__init__(gettext("You may not fill in or change: %(fields)s", fields=gettext(", ").join(labels)))


AccessGetter = Callable[[], Access]
#: One record, as a screen or the API gives it: ``create``, ``update`` (the plan of one row).
RECORD = ImportOptions(mode="record")
#: Every row in the user's scope, in id order.
EVERYTHING = Selection()
#: A new file's rows: insert only, all or nothing.
INSERT = ImportOptions(mode="insert")


class RegisterService:
    """Check and write the records of one register for one user."""

    def __init__(self, spec: RegisterSpec, registry: Registry, models: BuiltModels,
                 session: Callable[[], Session], locale: LocaleGetter,
                 access: AccessGetter = lambda: SYSTEM_ACCESS) -> None:
        self.spec = spec
        self.registry = registry
        self.models = models
        self.model = models[spec.slug]
        self._session = session
        self.locale = locale
        self.access = access
        self.schema = build_row_schema(spec, locale)()

    @property
    def session(self) -> Session:
        return self._session()

    def context(self) -> ImportContext:
        """What the planner and the writer need: this register, the session, the user's rights, the locale."""
        return ImportContext(self.spec, self.registry, self.models, self.session, self.access(), self.locale())

    def problem(self, field: FieldSpec, code: str, **params: Any) -> str:
        target = self.registry.get(field.target) if field.target and field.target in self.registry else None
        extra = {"target": target.label.zh, "target_en": target.label.en} if target else {}
        return Problem(code, {"label": field.label.zh, "label_en": field.label.en, **extra, **params}).message(
            self.locale())

    # -- reading ---------------------------------------------------------------------------------
    def query(self, selection: Selection = EVERYTHING) -> sa.Select[Any]:
        """The user's rows that ``selection`` picks (conditions, quick search, order), inside the row scope.

        Raises ``SelectionRefused`` for a condition it cannot run (an unknown field, a masked one).
        """
        return select_rows(self.spec, self.registry, self.models, self.session, self.access(), selection)

    # -- many rows (an import) ---------------------------------------------------------------------
    def plan(self, rows: list[ParsedRow], fields: Sequence[FieldSpec], options: ImportOptions,
             progress: Progress = no_progress) -> ImportPlan:
        """Check parsed rows carrying ``fields``; nothing is written."""
        return Planner(self.context(), options, progress).plan_rows(rows, fields, ImportPlan(rows=len(rows)))

    def apply(self, plan: ImportPlan, source: SourceFile | str, options: ImportOptions = INSERT,
              progress: Progress = no_progress) -> ImportBatch | list[int]:
        """Write a checked plan in the caller's transaction, with one audit entry per written record.

        From a file (``SourceFile``) it is an import batch that can be undone (returned); from anything
        else ``source`` is the note the audit entries carry (``"演示数据"``), and the new ids are returned.
        """
        if isinstance(source, SourceFile):
            return write_plan(self.context(), plan, options, source, progress)
        return write_noted(self.context(), plan, source, progress)

    # -- one record (screens, API) -----------------------------------------------------------------
    def load(self, raw: Mapping[str, Any], instance: Any = None, partial: bool | None = None) -> dict[str, Any]:
        """Raw JSON values -> parsed values with links resolved; raises ``RecordErrors`` listing every problem.

        Only the fields given are checked for an update (``instance``) or when ``partial``. Raises
        ``RecordForbidden`` first when ``raw`` sets a field the user may not write.
        """
        updating = instance is not None or bool(partial)
        self.check_writable(raw, creating=not updating)
        errors: Errors = {}
        try:
            values: dict[str, Any] = self.schema.load(dict(raw), partial=updating)
        except ValidationError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
            errors.update({key: list(value) if isinstance(value, list) else [str(value)]
                           for key, value in messages.items()})
            values = dict(error.valid_data or {})
        for field in self.spec.links:
            if field.name in values and field.name not in errors:
                try:
                    values[field.name] = self.resolve_link(field, raw.get(field.name), instance)
                except ValueError as problem:
                    errors[field.name] = [str(problem)]
        if errors:
            raise RecordErrors(errors)
        return values

    def create(self, raw: Mapping[str, Any]) -> Any:
        """A new record from raw JSON values (the REST API)."""
        return self.save(self.load(raw))

    def update(self, instance: Any, raw: Mapping[str, Any]) -> Any:
        """Change ``instance`` by raw JSON values (only the fields given)."""
        return self.save(self.load(raw, instance=instance), instance)

    def save(self, values: Mapping[str, Any], instance: Any = None) -> Any:
        """Write parsed values (links as records) as a plan of one row; the caller commits.

        Raises ``RecordErrors`` with every problem the planner finds, by field. Returns the record
        (``instance`` itself, refreshed, for an update).
        """
        row = ParsedRow(1, {name: value.id if self.spec.field(name).is_link and value is not None else value
                            for name, value in values.items() if not self.spec.field(name).is_derived}, {},
                        record_id=None if instance is None else instance.id)
        ctx = self.context()
        fields = [self.spec.field(name) for name in row.values]
        plan = Planner(ctx, RECORD).plan_rows([row], fields, ImportPlan(rows=1))
        if plan.errors:
            errors: Errors = {}
            for error in plan.errors:
                errors.setdefault(error.field or "_schema", []).append(error.message)
            raise RecordErrors(errors)
        record_id = write_record(ctx, plan)
        if instance is not None:
            self.session.expire(instance)
            return instance
        return self.session.get(self.model, record_id)

    def delete(self, instance: Any) -> None:
        """Delete one record with its audit entry; refused while other records link to it. The caller commits."""
        linked = self.linked_elsewhere(instance.id)
        if linked:
            raise RecordErrors({"_schema": [linked]})
        ctx = self.context()
        notes = BatchAudit(ctx, None, audit.now_utc(), ctx.access.username or audit.actor_name(), None)
        records = notes.fetch([instance.id])
        table = self.model.__table__
        self.session.expunge(instance)
        connection = self.session.connection()
        connection.execute(table.delete().where(table.c.id == instance.id))
        write_entries(connection, notes.deleted(records))

    # -- many chosen records (bulk actions on a list) ----------------------------------------------
    def bulk_set(self, ids: Sequence[int], values: Mapping[str, Any], detail: str) -> BulkResult:
        """Set the same parsed ``values`` on the records ``ids`` as one undoable batch; the caller commits."""
        return bulk.bulk_set(self, ids, values, detail)

    def bulk_delete(self, ids: Sequence[int], detail: str) -> BulkResult:
        """Delete the records ``ids`` that nothing links to, as one undoable batch; the caller commits."""
        return bulk.bulk_delete(self, ids, detail)

    def undo(self, batch: ImportBatch) -> dict[str, int]:
        """Undo an import batch or a bulk action; ``UndoRefused`` says why it cannot be."""
        return bulk.undo(self, batch)

    def linked_elsewhere(self, record_id: int) -> str | None:
        """The reason (in the reader's language) this record cannot be deleted (other records link to it), or ``None``."""
        for other in self.registry:
            for field in other.links:
                if field.target != self.spec.slug:
                    continue
                table = self.models[other.slug].__table__
                count = self.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                    table.c[link_column(field)] == record_id)) or 0
                if count:
                    locale = self.locale()
                    return gettext("This %(register)s record is still referred to by %(count)s %(other)s records "
                                   "(%(field)s); change or delete those records first, then delete it.",
                                   register=self.spec.label.get(locale), count=count,
                                   other=other.label.get(locale), field=field.label.get(locale))
        return None

    def check_writable(self, raw: Mapping[str, Any], creating: bool) -> None:
        access = self.access()
        managed = self.spec.workflow.managed if self.spec.workflow is not None else ()
        # A workflow's state and locked fields are the planner's to judge: the same value passes, a change is
        # refused with the transitions to use (``portal.records.plan_workflow``), as on the screens and the import.
        refused = [field.label.get(self.locale()) for field in self.spec.editable_fields
                   if field.name in raw and field.name not in managed and not access.may_write(self.spec, field, creating)]
        if refused:
            raise RecordForbidden(refused)

    def resolve_link(self, field: FieldSpec, raw: Any, instance: Any = None) -> Any:
        """Find the linked record by id (JSON integer), natural key, title or ``title (key)`` (the import's
        rule, ``resolve_links``), inside the user's scope; ``ValueError`` if not exactly one."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        target_spec = self.registry.get(field.target or "")
        target = self.models[target_spec.slug]
        if isinstance(raw, int) and not isinstance(raw, bool):
            query = sa.select(target).where(target.id == raw)
            scope = row_condition(target_spec, target, self.access())
            candidates = list(self.session.scalars(query if scope is None else query.where(scope)).unique())
        else:
            text = str(raw).strip()
            ids = resolve_links(self.session, self.registry, self.models, field, [text], self.access())[text].ids
            candidates = [self.session.get(target, record_id) for record_id in ids]
        if not candidates:
            raise ValueError(self.problem(field, "link_not_found", value=raw))
        if len(candidates) > 1:
            raise ValueError(self.problem(field, "link_ambiguous", value=raw))
        return candidates[0]

    def dump_for_edit(self, instance: Any) -> dict[str, Any]:
        """Current values as the API accepts them (links by natural key)."""
        data: dict[str, Any] = {}
        for field in self.spec.editable_fields:
            value = getattr(instance, field.name)
            if field.is_link:
                target_spec = self.registry.get(field.target or "")
                data[field.name] = getattr(value, target_spec.key) if value is not None else None
            else:
                data[field.name] = value
        return data
