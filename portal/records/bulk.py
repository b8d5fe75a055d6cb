"""Bulk actions on chosen records: set one field (or move to another unit) and delete, each as one batch.

A bulk change is a plan of many rows matched by id, checked like a single save (rights per field,
scope, org links, uniqueness) and written as a batch: rows that pass are written, each refused row
keeps its message, every written record gets its audit entry, and the batch can be undone like an
import (``undo``), deleted records included: they come back with their ids while nothing took
their place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Protocol, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.records.batch_audit import BatchAudit
from portal.records.batches import ImportBatch, ImportItem
from portal.records.plan import Planner
from portal.records.plan_types import ImportContext, ImportOptions, ImportPlan, ParsedRow, RowPlan
from portal.records.write import SourceFile, UndoRefused, undo_batch, write_entries, write_plan
from portal.registry.fieldtypes import field_type
from portal.registry.spec import RegisterSpec
from portal.security import audit
from portal.texts import gettext


class RegisterService(Protocol):
    """What a bulk action needs of the register service (``portal.records.service``, which calls in here)."""

    spec: RegisterSpec
    model: Any

    @property
    def session(self) -> Session: ...

    def context(self) -> ImportContext: ...

    def linked_elsewhere(self, record_id: int) -> str | None: ...

#: One record from a screen or the API each, matched by id; the valid ones are written.
BULK = ImportOptions(mode="record", partial=True)
#: The batch modes of bulk actions (an import's are insert and upsert).
BULK_SET, BULK_DELETE = "bulk_set", "bulk_del"
#: The most records one bulk action takes.
BULK_LIMIT = 10_000


@dataclass
class RowOutcome:
    record_id: int
    key: str
    done: bool
    message: str = ""
    #: The record's title (a member's name), as the list shows it.
    title: str = ""


@dataclass
class BulkResult:
    batch: ImportBatch | None
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.done)


def _keys(service: RegisterService, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Id -> (natural key, title) of the chosen records."""
    table = service.model.__table__
    key, title = table.c[service.spec.key], table.c[service.spec.title]
    return {record_id: (str(value), str(name or "")) for record_id, value, name in
            service.session.execute(sa.select(table.c.id, key, title).where(table.c.id.in_(list(ids))))}


def _source(action: str, ids: Sequence[int], detail: str) -> SourceFile:
    digest = hashlib.sha256(json.dumps([action, sorted(ids), detail], ensure_ascii=False).encode()).hexdigest()
    return SourceFile(f"批量{action}：{detail}"[:255], digest)  # i18n: data (the batch's stored name)


def bulk_set(service: RegisterService, ids: Sequence[int], values: Mapping[str, Any], detail: str) -> BulkResult:
    """Give every record of ``ids`` (already inside the user's scope) the same ``values``; the caller commits."""
    ids = list(dict.fromkeys(ids))[:BULK_LIMIT]
    typed = {name: value.id if service.spec.field(name).is_link and value is not None else value
             for name, value in values.items()}
    rows = [ParsedRow(index + 1, dict(typed), {}, record_id=record_id) for index, record_id in enumerate(ids)]
    ctx = service.context()
    fields = [service.spec.field(name) for name in typed]
    plan = Planner(ctx, BULK).plan_rows(rows, fields, ImportPlan(rows=len(rows)))
    problems: dict[int, list[str]] = {}
    for error in plan.errors:
        problems.setdefault(error.row, []).append(error.message)
    keys = _keys(service, ids)
    outcome = [RowOutcome(record_id, keys.get(record_id, (str(record_id), ""))[0], row.row not in problems,
                          gettext("; ").join(problems.get(row.row, [])) or (gettext("Changed") if any(
                              update.row == row.row for update in plan.updates)
                              else gettext("Already had this value, not changed")),
                          keys.get(record_id, ("", ""))[1])
               for row, record_id in zip(rows, ids)]
    batch = None
    if plan.updates:
        batch = write_plan(ctx, plan, ImportOptions(mode=BULK_SET, partial=True), _source("修改", ids, detail))  # i18n: data
    return BulkResult(batch, outcome)


def bulk_delete(service: RegisterService, ids: Sequence[int], detail: str) -> BulkResult:
    """Delete every record of ``ids`` that no other record links to, as one batch; the caller commits."""
    ids = list(dict.fromkeys(ids))[:BULK_LIMIT]
    keys = _keys(service, ids)
    outcome: list[RowOutcome] = []
    doomed: list[int] = []
    for record_id in ids:
        reason = service.linked_elsewhere(record_id)
        key, title = keys.get(record_id, (str(record_id), ""))
        outcome.append(RowOutcome(record_id, key, reason is None, reason or gettext("Record deleted"), title))
        if reason is None:
            doomed.append(record_id)
    if not doomed:
        return BulkResult(None, outcome)
    ctx = service.context()
    at = audit.now_utc()
    source = _source("删除", doomed, detail)  # i18n: data
    batch = ImportBatch(register=service.spec.slug, username=ctx.access.username or audit.actor_name(),
                        org_unit_id=ctx.access.org_id, file_name=source.name, file_hash=source.sha256,
                        mode=BULK_DELETE, partial=True, rows=len(ids), created=0, updated=len(doomed), unchanged=0,
                        errors=len(ids) - len(doomed), at=at, created_ids="[]", status="committed")
    service.session.add(batch)
    service.session.flush()
    notes = BatchAudit(ctx, batch.id, at, batch.username, f"批量删除批次 #{batch.id}")  # i18n: data
    table = service.model.__table__
    connection = service.session.connection()
    records = {row["id"]: dict(row) for row in connection.execute(
        sa.select(table).where(table.c.id.in_(doomed))).mappings()}
    connection.execute(sa.insert(ImportItem), [
        {"batch_id": batch.id, "record_id": record_id,
         "before": json.dumps({name: audit.plain(value) for name, value in records[record_id].items()})}
        for record_id in doomed])
    service.session.expire_all()
    connection.execute(table.delete().where(table.c.id.in_(doomed)))
    write_entries(connection, notes.deleted(records))
    audit.record(service.session, "bulk_delete", register=service.spec.slug, record_key=source.name[:200],
                 org_unit_id=ctx.access.org_id, batch_id=batch.id, detail=f"删除 {len(doomed)} 条；批次 #{batch.id}")  # i18n: data
    return BulkResult(batch, outcome)


def undo(service: RegisterService, batch: ImportBatch) -> dict[str, int]:
    """Undo an import batch or a bulk action (the caller commits); ``UndoRefused`` says why not."""
    if batch.mode != BULK_DELETE:
        return undo_batch(service.context(), batch)
    if batch.status != "committed":
        raise UndoRefused(gettext("Batch #%(batch)s has already been undone.", batch=batch.id))
    table = service.model.__table__
    items = list(service.session.scalars(sa.select(ImportItem).where(ImportItem.batch_id == batch.id)))
    ids = [item.record_id for item in items]
    taken = service.session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.id.in_(ids))) or 0
    if taken:
        raise UndoRefused(gettext("Batch #%(batch)s cannot be undone: the keys of %(count)s of the records it "
                                  "deleted are now used by new records.", batch=batch.id, count=taken))
    rows = [_typed(service, json.loads(item.before)) for item in items]
    connection = service.session.connection()
    connection.execute(table.insert(), rows)
    ctx = service.context()
    now, username = audit.now_utc(), ctx.access.username or audit.actor_name()
    notes = BatchAudit(ctx, batch.id, now, username, f"撤销批量删除批次 #{batch.id}")  # i18n: data
    write_entries(connection, notes.created([RowPlan(0, row) for row in rows], [row["id"] for row in rows]))
    batch.status, batch.undone_at, batch.undone_by = "undone", now, username
    audit.record(service.session, "import_undo", register=service.spec.slug, record_key=batch.file_name[:200],
                 org_unit_id=ctx.access.org_id, batch_id=batch.id, detail=f"撤销批次 #{batch.id}：恢复删除的 {len(rows)} 条")  # i18n: data
    return {"deleted": 0, "restored": len(rows)}


def _typed(service: RegisterService, values: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row from its JSON form: dates, amounts and timestamps back to their types (links stay ids)."""
    typed: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("created_at", "updated_at") and isinstance(value, str):
            typed[name] = datetime.fromisoformat(value)
        elif service.spec.has_field(name) and not service.spec.field(name).is_link:
            typed[name] = field_type(service.spec.field(name).type).restore(value)
        else:
            typed[name] = value
    return typed
