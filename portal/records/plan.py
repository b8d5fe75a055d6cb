"""Phase one of every write: check parsed rows and decide what would be written, set-based.

One planner serves every channel: an import's thousands of rows (matched to stored records by
natural key), and a screen's or the API's single record (a plan of one row, matched by id, where a
blank value clears the field). Nothing is written here. The plan lists the records to create, the
changed columns of the records to update (with their old values, for undo and audit), how many rows
are unchanged, and every problem as (row number, column header, field, Chinese message).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from portal.domain.messages import Problem
from portal.models import link_column
from portal.records.lookups import CHUNK, chunks, existing_rows, rows_by_id, taken_values
from portal.records.plan_ahead import ReadAhead
from portal.records.plan_caps import CapCheck
from portal.records.plan_compare import unchanged_test
from portal.records.plan_links import FileLinks, InFile
from portal.records.plan_org import OrgLinkCheck
from portal.records.plan_tree import check_tree
from portal.records.plan_unique import in_file_duplicates, maybe_taken, unique_problem
from portal.records.plan_types import (
    CellError,
    CreateSink,
    ImportContext,
    ImportOptions,
    ImportPlan,
    ParsedRow,
    Progress,
    RowPlan,
    no_progress,
)
from portal.records.plan_workflow import WorkflowGuard
from portal.registry.derivations import compute, is_stored, source_value
from portal.registry.spec import FieldSpec
from portal.security.access import ORG_REGISTER, scope_anchor
from portal.texts import gettext, in_locale

#: Rows decided together: their stored records are read with ``IN`` queries of ``CHUNK`` keys.
DECIDE_ROWS = 10 * CHUNK


class Planner:
    """Builds an ``ImportPlan`` from parsed rows (``plan_rows``); ``portal.io.plan`` feeds it a sheet."""

    def __init__(self, ctx: ImportContext, options: ImportOptions, progress: Progress = no_progress) -> None:
        self.ctx = ctx
        self.spec = ctx.spec
        self.options = options
        self.progress = progress
        self.errors: list[CellError] = []
        self.by_row: dict[int, list[CellError]] = {}
        self.columns: dict[str, tuple[int | None, str]] = {}
        self._required = tuple(f for f in self.spec.editable_fields if f.required_on_create)
        #: One record from a screen or the API: matched by id, a blank clears, a taken key is "not unique".
        self.single = options.mode == "record"
        stored = [f for f in self.spec.fields if is_stored(f)]
        #: (database column, field name, default) of the stored fields a row sets; (column, derivation,
        #: source fields) of the stored derived ones; the columns of links to this same register.
        self._plain_columns = tuple((link_column(f) if f.is_link else f.name, f.name, None if f.is_link else f.default)
                                    for f in stored if not f.is_derived)
        self._derived_columns = tuple((f.name, f.derive_function or "", f.derive_sources)
                                      for f in stored if f.is_derived)
        #: A new record starts from the defaults and takes the row's values; links go to their columns.
        self._defaults = {column: default for column, _, default in self._plain_columns}
        self._settable = frozenset(name for _, name, _ in self._plain_columns)
        self._link_columns = tuple((column, name) for column, name, _ in self._plain_columns if column != name)
        self._self_links = tuple(link_column(f) for f in self.spec.links if f.target == self.spec.slug)
        #: A register's workflow: states change by transitions only (``plan_workflow``).
        self._guard = WorkflowGuard.for_plan(ctx)
        #: One "today" for every derivation of the write (ages, years of membership).
        self._today = date.today()
        #: Stored records read while the file was still being read (``read_ahead``).
        self._ahead: ReadAhead | None = None
        #: Where the new records of each decided slice go while no row is refused (``write_stream``).
        self.sink: CreateSink | None = None
        #: The links of the rows (``plan_links``), from ``_begin`` on.
        self._links: FileLinks | None = None
        self._derived: dict[str, dict[Any, Any]] = {
            f.name: {} for f in self.spec.fields
            if f.is_derived and all(self.spec.has_field(source) and not self.spec.field(source).unique
                                    for source in f.derive_sources)}

    # -- messages ----------------------------------------------------------------------------
    def message(self, spec_field: FieldSpec, code: str, **params: Any) -> str:
        target = self.ctx.registry.get(spec_field.target) if spec_field.target and spec_field.target in self.ctx.registry else None
        extra = {"target": target.label.zh, "target_en": target.label.en} if target else {}
        return Problem(code, {"label": spec_field.label.zh, "label_en": spec_field.label.en, **extra,
                              **params}).message(self.ctx.locale)

    def label(self, item: Any) -> str:
        """The label of a field or register in the reader's language."""
        return str(item.label.get(self.ctx.locale))

    def error(self, row: int, spec_field: FieldSpec | None, message: str) -> None:
        index, header = self.columns.get(spec_field.name, (None, spec_field.label.zh)) if spec_field else (None, "")
        self._add(CellError(row, header, message, index, spec_field.name if spec_field else None))

    def _add(self, error: CellError) -> None:
        self.errors.append(error)
        self.by_row.setdefault(error.row, []).append(error)

    # -- the phases ----------------------------------------------------------------------------
    def read_ahead(self) -> ReadAhead | None:
        """For an upsert, before the file's rows are in: the stored records to read meanwhile (``step()`` by
        step), with every column a file of this register could compare (``plan_ahead``)."""
        if self.single or self.options.mode != "upsert":
            return None
        self._org = OrgLinkCheck.for_import(self.ctx)
        self._prepare_updates(self.spec.editable_fields, scope_anchor(self.spec))
        self._ahead = ReadAhead(self.ctx.session, self.ctx.model, self.spec.key, self._fetch)
        return self._ahead

    def plan_rows(self, parsed: list[ParsedRow], fields: Sequence[FieldSpec], plan: ImportPlan) -> ImportPlan:
        """Check ``parsed`` (rows carrying ``fields``) and fill ``plan``; the errors are sorted by row, in the
        context's language (a background job has no request to ask)."""
        with in_locale(self.ctx.locale):
            return self._plan_rows(parsed, fields, plan)

    def _plan_rows(self, parsed: list[ParsedRow], fields: Sequence[FieldSpec], plan: ImportPlan) -> ImportPlan:
        self._begin(parsed, fields)
        self.progress("check", 0, len(parsed))
        self._check(parsed, plan)
        self.progress("check", len(parsed), len(parsed))
        check_tree(self, plan)
        caps = CapCheck.for_plan(self.ctx)
        if caps is not None and caps.check(plan, self.error):  # yearly caps per relief type (a file's rows add up)
            plan.creates = [row for row in plan.creates if row.row not in self.by_row]
            plan.updates = [row for row in plan.updates if row.row not in self.by_row]
        plan.errors = sorted(self.errors, key=lambda error: (error.row, error.col_index or 0))
        return plan

    def _begin(self, parsed: list[ParsedRow], fields: Sequence[FieldSpec]) -> None:
        """Before the rows are checked: the fields they carry, and what checking them needs."""
        self._fields = tuple(fields)
        for spec_field in self._fields:
            self.columns.setdefault(spec_field.name, (None, spec_field.label.get(self.ctx.locale)))
        spec = self.spec
        self._links = FileLinks(self)
        self._anchor = scope_anchor(spec)
        self._org = OrgLinkCheck.for_import(self.ctx)
        self._prepare_updates(self._fields, self._anchor)
        if self._ahead is not None:
            self._ahead.finish_for(len(parsed))
        elif not self.single:
            self._ahead = ReadAhead.whole_if_small(self.ctx.session, self.ctx.model, spec.key, self._fetch, len(parsed))
        self._unique = [f.name for f in spec.fields if (f.unique or (self.single and f.name == spec.key))
                        and (self.single or f.name != spec.key) and not f.is_link and f.name in self.columns]

    def _check(self, rows: list[ParsedRow], plan: ImportPlan) -> None:
        """Check ``rows`` and decide what each does, a slice at a time (the stored records of one slice are read,
        compared and dropped before the next, so an unchanged re-import holds little); the new records of each
        slice go to the sink while no row has been refused."""
        assert self._links is not None
        in_file_duplicates(self, rows)
        self._links.find(rows)
        for part in chunks(rows, DECIDE_ROWS):
            done = len(plan.creates)
            self._links.resolve(part)
            self._decide_part(part, plan, self._anchor, self._unique)
            if self.sink is not None:
                if self.errors:
                    self.sink.stop()
                else:
                    self.sink.take(plan.creates[done:], len(rows))

    def _decide_part(self, rows: Sequence[ParsedRow], plan: ImportPlan, anchor: FieldSpec | None,
                     unique: list[str]) -> None:
        ctx, spec = self.ctx, self.spec
        if self.single:
            by_id = rows_by_id(ctx.session, ctx.model, [row.record_id for row in rows if row.record_id is not None],
                               self._fetch)
            existing: dict[Any, tuple[Any, ...]] = {}
        else:
            by_id = {}
            keys = [row.values[spec.key] for row in rows if spec.key in row.values]

            def read(wanted: Sequence[Any]) -> dict[Any, tuple[Any, ...]]:
                return existing_rows(ctx.session, ctx.model, spec.key, wanted, self._fetch)

            existing = read(keys) if self._ahead is None else self._ahead.existing(keys, read)
        if self._org is not None:
            stored = by_id.values() if self.single else existing.values()
            self._org.prepare((row.values for row in rows), map(self._stored_links, stored))
        taken: dict[str, dict[Any, int]] = {}
        for name in unique:  # read whole ahead, or looked up for this slice
            held = self._ahead.holders(name) if self._ahead is not None else None
            taken[name] = held if held is not None else taken_values(
                ctx.session, ctx.model, name, maybe_taken(rows, existing, spec.key, name, self._position.get(name)))
        for row in rows:
            if self.single and row.record_id is not None:
                current = by_id.get(row.record_id)
                if current is None:
                    self.error(row.row, None, gettext("This %(register)s record no longer exists or is outside "
                                                      "your scope, please reload and try again",
                                                      register=self.label(spec)))
                    continue
                self._plan_update(row, current, plan, anchor, taken)
                continue
            key = row.values.get(spec.key)
            current = existing.get(key) if key is not None else None
            if current is None:
                self._plan_create(row, plan, anchor, taken)
            else:
                self._plan_update(row, current, plan, anchor, taken)

    def _prepare_updates(self, carried: Sequence[FieldSpec], anchor: FieldSpec | None) -> None:
        """Which stored columns an update compares, recomputes and must be allowed to write; fetched once."""
        spec, access = self.spec, self.ctx.access
        fields = list(carried)
        if self._org is not None and self._org.rules.source and anchor is not None and anchor not in fields:
            fields.append(anchor)  # an org unit taken from a changed link is written without its column
        self._compare = [(f, link_column(f) if f.is_link else f.name) for f in fields
                         if is_stored(f) and not access.hidden(spec, f)]
        compared = {f.name for f, _ in self._compare}
        self._recompute = [(f.name, f.derive_function or "", f.derive_sources) for f in spec.fields
                           if f.is_derived and is_stored(f) and compared.intersection(f.derive_sources)]
        self._refused = {column: self.label(f) for f, column in self._compare if not access.may_write(spec, f, False)}
        self._anchor_column = None if anchor is None else (
            "id" if spec.slug == ORG_REGISTER else link_column(anchor))
        # a role reaching the rows through other links (``scope_by``: a department's tasks) may change those rows
        self._scope_columns: list[str] = [] if self._anchor_column is None else (
            [self._anchor_column] if self._anchor_column == "id" else
            [link_column(spec.field(name)) for name in access.anchors(spec)])
        fetch = list(dict.fromkeys(["id", *(c for _, c in self._compare), *(n for n, _, _ in self._recompute),
                                    *(source for _, _, sources in self._recompute for source in sources),
                                    *self._scope_columns, *(self._org.columns.values() if self._org is not None else []),
                                    *([self._guard.column] if self._guard is not None else [])]))
        if self._ahead is not None and not set(fetch) <= set(self._ahead.columns):
            self._ahead = None  # cannot happen (it read every column a file can carry); read as usual
        self._fetch = list(self._ahead.columns) if self._ahead is not None else fetch
        self._position = {name: index for index, name in enumerate(self._fetch)}
        #: (field name, column, its place in a fetched row, field) of each compared field: the hot loop of a re-import.
        self._compare_at = tuple((f.name, column, self._position[column], f) for f, column in self._compare)
        self._unchanged = None if self.single or self._org is not None else unchanged_test(self._compare_at)

    def _plan_create(self, row: ParsedRow, plan: ImportPlan, anchor: FieldSpec | None,
                     taken: dict[str, dict[Any, int]]) -> None:
        spec, access = self.spec, self.ctx.access
        if not access.can(spec.slug, "create"):
            self.error(row.row, spec.key_field, gettext("“%(key)s” is a new record and you may not add %(register)s "
                                                        "records", key=row.values.get(spec.key),
                                                        register=self.label(spec)))
            return
        values = row.values
        if self._org is not None:
            self._settle_org(row, None)
        for spec_field in self._required:
            if values.get(spec_field.name) is None and not self._has_error(row, spec_field):
                self.error(row.row, spec_field, self.message(spec_field, "required"))
        if (anchor is not None and access.scoped and values.get(anchor.name) is None
                and not self._has_error(row, anchor)):
            self.error(row.row, anchor, self.message(anchor, "scope_required"))
        if taken:
            unique_problem(self, row, taken, None)
        if self._guard is not None:
            for guarded, message in self._guard.create_problems(values):
                self.error(row.row, guarded, message)
        if row.row in self.by_row:
            return
        get = values.get
        if values.keys() <= self._settable:  # a dictionary merge at C speed: the hot loop of a big insert
            record = {**self._defaults, **values}
            for column, name in self._link_columns:
                record[column] = record.pop(name, None)
        else:
            record = {column: get(name, default) for column, name, default in self._plain_columns}
        for column, function, sources in self._derived_columns:
            record[column] = self._derive(column, function, source_value(sources, get))
        deferred: dict[str, str] = {}
        for column in self._self_links:
            value = record[column]
            if value.__class__ is InFile:
                deferred[column], record[column] = value.key, None
        plan.creates.append(RowPlan(row.row, record, deferred=deferred))

    def _derive(self, column: str, function: str, source: Any) -> Any:
        """A stored derivation, remembered per source value (wages repeat; ID numbers do not, so they are not kept)."""
        cache = self._derived.get(column)
        if cache is None:
            return compute(function, source, self._today)
        if source not in cache:
            cache[source] = compute(function, source, self._today)
        return cache[source]

    def _plan_update(self, row: ParsedRow, current: tuple[Any, ...], plan: ImportPlan, anchor: FieldSpec | None,
                     taken: dict[str, dict[Any, int]]) -> None:
        spec, access, position = self.spec, self.ctx.access, self._position
        key = row.values.get(spec.key)
        if self.options.mode == "insert":
            self.error(row.row, spec.key_field, gettext(
                "%(field)s “%(key)s” already exists; to update existing records, import with “add or update”",
                field=self.label(spec.key_field), key=key))
            return
        if self._anchor_column and access.scoped and not any(
                current[position[column]] in (access.org_ids or ()) for column in self._scope_columns):
            self.error(row.row, spec.key_field, gettext(
                "%(field)s “%(key)s” is registered in a unit outside your scope and cannot be changed here",
                field=self.label(spec.key_field), key=key))
            return
        if self._unchanged is not None and row.row not in self.by_row and self._unchanged(row.values, current):
            plan.unchanged += 1  # its unique values are its own, its links and states as they were
            return
        record_id = current[0]
        if taken:
            unique_problem(self, row, taken, record_id)
        if self._org is not None:
            self._settle_org(row, self._stored_links(current))
        if row.row in self.by_row:
            return
        values = row.values
        for spec_field in self._required:  # a screen or the API clearing it (a blank cell keeps the value)
            if spec_field.name in values and values[spec_field.name] is None and not self._has_error(row, spec_field):
                self.error(row.row, spec_field, self.message(spec_field, "required"))
        if row.row in self.by_row:
            return
        changes: dict[str, Any] = {}
        before: dict[str, Any] = {}
        for name, column, at, spec_field in self._compare_at:
            if name not in values:
                continue
            value = values[name]
            if value.__class__ is InFile:
                self.error(row.row, spec_field, gettext(
                    "%(field)s “%(key)s” is a record created in this file; import the new records first, then "
                    "update the %(field)s of the existing ones", field=self.label(spec_field), key=value.key))
                return
            old = current[at]
            if old != value:
                changes[column], before[column] = value, old
        for name, function, sources in self._recompute if changes else ():  # derived from what changed
            if changes.keys() & sources:
                source = source_value(sources, lambda field: changes.get(field, current[position[field]]))
                value, old = self._derive(name, function, source), current[position[name]]
                if old != value:
                    changes[name], before[name] = value, old
        if not changes:
            plan.unchanged += 1
            return
        if self._guard is not None:
            for guarded, message in self._guard.update_problems(changes, current[position[self._guard.column]]):
                self.error(row.row, guarded, message)
            if row.row in self.by_row:
                return
        if not access.can(spec.slug, "edit") and not changes.keys() <= set(spec.approval):  # approving needs approve
            self.error(row.row, spec.key_field, gettext("“%(key)s” exists and has changes, and you may not edit "
                                                        "%(register)s records", key=key, register=self.label(spec)))
            return
        refused = [label for column, label in self._refused.items() if column in changes]
        if refused:
            self.error(row.row, spec.key_field, gettext("You may not change: %(fields)s",
                                                        fields=gettext(", ").join(refused)))
            return
        plan.updates.append(RowPlan(row.row, changes, record_id=record_id, before=before))

    def _stored_links(self, current: tuple[Any, ...]) -> dict[str, Any]:
        """The org unit and watched links of a stored record, from its fetched columns."""
        position = self._position
        return {name: current[position[column]] for name, column in (self._org.columns.items() if self._org else ())}

    def _settle_org(self, row: ParsedRow, current: dict[str, Any] | None) -> None:
        """``org_from``/``within_org``: fill a blank org unit from the linked row, or say what disagrees."""
        check, spec = self._org, self.spec
        if check is None or any(self._has_error(row, spec.field(name)) for name in check.rules.fields):
            return
        org, problems = check.settle(row.values, current)
        for problem in problems:
            self.error(row.row, spec.field(problem.field), problem.message(self.ctx.locale))
        org_field = spec.field(check.rules.org_field or "")
        if org is not None and not problems:
            row.values[org_field.name] = org
        elif current is None and org_field.required and org is None:
            self.error(row.row, org_field, self.message(org_field, "required"))

    def _has_error(self, row: ParsedRow, spec_field: FieldSpec) -> bool:
        header = self.columns.get(spec_field.name, (None, spec_field.label.zh))[1]
        return any(error.column == header for error in self.by_row.get(row.row, ()))

