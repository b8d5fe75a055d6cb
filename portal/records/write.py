"""Phase two of an import: write a checked plan in one transaction, record it as a batch, undo it.

Rows go in with batched ``INSERT``/``UPDATE`` statements (not one ORM object per row), all inside the
caller's transaction: if anything fails, or the process is killed, nothing is written. Every row
written carries the batch time as ``updated_at``; undo is allowed while that is still true of all of
them, so it never overwrites a later change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any, Iterable, Protocol

import sqlalchemy as sa

from portal.models import link_column
from portal.records.audit_sql import insert_created, sql_ready
from portal.records.batch_audit import BatchAudit
from portal.records.bulk_load import indexes_rebuilt_after
from portal.records.driver_values import driver_rows
from portal.records.batches import ImportBatch, ImportItem, expand_ranges, id_ranges
from portal.records.lookups import chunks
from portal.records.plan_types import ImportContext, ImportOptions, ImportPlan, Progress, no_progress
from portal.registry.derivations import derive, is_stored
from portal.registry.fieldtypes import field_type
from portal.security import audit
from portal.texts import DEFAULT_LOCALE, gettext, in_locale

#: Rows per INSERT/UPDATE round trip.
WRITE_CHUNK = 2000


class UndoRefused(Exception):
    """The batch cannot be undone; ``message`` says why in Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str


class CreatedAlready(Protocol):
    """New records written while their plan was made (``write_stream.CreateStream``)."""

    def finish(self, creates: int) -> tuple[ImportBatch, list[int]]:
        """Wait until all ``creates`` records are written (with their audit entries); their batch (its counts
        not yet set) and their ids, in order."""


def write_rows(ctx: ImportContext, plan: ImportPlan, at: datetime, progress: Progress = no_progress) -> list[int]:
    """Insert the plan's new records and update its changed ones (the caller commits); the new ids, in order."""
    table = ctx.model.__table__
    connection = ctx.session.connection()
    total = len(plan.creates) + len(plan.updates)
    done = 0
    progress("write", 0, total)
    if len(plan.creates) == 1 and not plan.creates[0].deferred:
        created_ids = [connection.execute(table.insert().values(
            {**plan.creates[0].values, "created_at": at, "updated_at": at}).returning(table.c.id)).scalar_one()]
        done = 1
    else:
        sqlite = connection.dialect.name == "sqlite"
        last_id = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0 if sqlite else 0
        parts = iter(chunks(plan.creates, WRITE_CHUNK))
        first = next(parts, [])  # written first: it opens the transaction the indexes are rebuilt in
        stamps = {"created_at": at, "updated_at": at}
        bulk_insert(connection, table, [row.values for row in first], stamps)
        done = len(first)
        progress("write", done, total)
        with indexes_rebuilt_after(connection, table, len(plan.creates) - done, last_id):
            for part in parts:
                bulk_insert(connection, table, [row.values for row in part], stamps)
                done += len(part)
                progress("write", done, total)
        if sqlite and not any(row.deferred for row in plan.creates):
            # SQLite holds the write lock for the whole transaction: the new ids are the next ones, in order.
            created_ids = list(range(last_id + 1, last_id + 1 + len(plan.creates)))
        else:
            created = _created_ids(ctx, at) if plan.creates else {}
            _link_in_file(ctx, plan, created, at)
            created_ids = [created[row.values[ctx.spec.key]] for row in plan.creates]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in plan.updates:
        columns = tuple(sorted(row.values))
        groups.setdefault(columns, []).append({**{f"v_{name}": value for name, value in row.values.items()},
                                               "v_id": row.record_id})
    for columns, params in groups.items():
        statement = table.update().where(table.c.id == sa.bindparam("v_id")).values(
            {**{name: sa.bindparam(f"v_{name}") for name in columns}, "updated_at": at})
        for part in chunks(params, WRITE_CHUNK):
            connection.execute(statement, list(part))
            done += len(part)
            progress("write", done, total)
    return created_ids


def write_noted(ctx: ImportContext, plan: ImportPlan, note: str | None = None,
                progress: Progress = no_progress) -> list[int]:
    """Write ``plan`` with one audit entry per written record, ``note`` as their detail, and no batch
    (a screen, the API, the demo data); the caller commits. The new ids, in the order of ``plan.creates``."""
    at = audit.now_utc()
    created_ids = write_rows(ctx, plan, at, progress)
    notes = BatchAudit(ctx, None, at, ctx.access.username or audit.actor_name(), note)
    write_audit(ctx.session.connection(), notes, plan, created_ids)
    return created_ids


def write_record(ctx: ImportContext, plan: ImportPlan) -> int | None:
    """Write a screen's or the API's plan of one record with its audit entry (the caller commits); its id."""
    created_ids = write_noted(ctx, plan)
    if created_ids:
        return created_ids[0]
    return plan.updates[0].record_id if plan.updates else None


def new_batch(ctx: ImportContext, options: ImportOptions, source: SourceFile, at: datetime) -> ImportBatch:
    """The batch record of an import being written (added to the session and given its id; its counts are
    set by ``write_plan``)."""
    batch = ImportBatch(register=ctx.spec.slug, username=ctx.access.username or audit.actor_name(),
                        org_unit_id=ctx.access.org_id, file_name=source.name[:255], file_hash=source.sha256,
                        mode=options.mode, partial=options.partial, at=at, status="committed")
    ctx.session.add(batch)
    ctx.session.flush()
    return batch


def batch_notes(ctx: ImportContext, batch: ImportBatch) -> BatchAudit:
    """How the per-record audit entries of ``batch`` are written: its time, its user, a note naming it."""
    return BatchAudit(ctx, batch.id, batch.at, batch.username, f"导入批次 #{batch.id}")  # i18n: data


def write_plan(ctx: ImportContext, plan: ImportPlan, options: ImportOptions, source: SourceFile,
               progress: Progress = no_progress, streamed: CreatedAlready | None = None) -> ImportBatch:
    """Write ``plan`` (the caller commits) and return its batch record. ``streamed``: the plan's new records
    were written while it was made (``write_stream``), with their batch and audit entries."""
    if streamed is None:
        at = audit.now_utc()
        created_ids = write_rows(ctx, plan, at, progress)
        batch = new_batch(ctx, options, source, at)
    else:
        batch, created_ids = streamed.finish(len(plan.creates))
        progress("write", len(created_ids), len(created_ids) + len(plan.updates))
        write_rows(ctx, replace(plan, creates=[]), batch.at, progress)
    batch.rows, batch.created, batch.updated = plan.rows, len(plan.creates), len(plan.updates)
    batch.unchanged, batch.errors = plan.unchanged, len(plan.error_rows)
    batch.created_ids = json.dumps(id_ranges(created_ids))
    ctx.session.flush()
    connection = ctx.session.connection()
    items = [{"batch_id": batch.id, "record_id": row.record_id, "before": json.dumps(_plain(row.before))}
             for row in plan.updates]
    for part in chunks(items, WRITE_CHUNK):
        connection.execute(sa.insert(ImportItem), list(part))
    notes = batch_notes(ctx, batch)
    if streamed is None:
        write_audit(connection, notes, plan, created_ids)
    else:
        write_entries(connection, notes.updated(plan.updates))
    with in_locale(DEFAULT_LOCALE):  # the audit trail is kept in Chinese
        detail = batch_text(batch)
    audit.record(ctx.session, "import", register=ctx.spec.slug, record_key=source.name[:200],
                 org_unit_id=ctx.access.org_id, detail=detail, batch_id=batch.id)
    return batch


def write_audit(connection: sa.Connection, notes: BatchAudit, plan: ImportPlan, created_ids: list[int]) -> None:
    """One audit entry per record the plan created (built by SQLite itself when their ids run on without a
    gap) and per record it changed, in that order."""
    if (created_ids and created_ids == list(range(created_ids[0], created_ids[0] + len(created_ids)))
            and sql_ready(notes.ctx.spec, connection)):
        insert_created(notes, connection, created_ids[0], created_ids[-1])
        write_entries(connection, notes.updated(plan.updates))
        return
    write_entries(connection, chain(notes.created(plan.creates, created_ids), notes.updated(plan.updates)))


def write_entries(connection: sa.Connection, entries: Iterable[dict[str, Any]]) -> None:
    """Insert per-record audit entries, ``WRITE_CHUNK`` rows per statement."""
    part: list[dict[str, Any]] = []
    for entry in entries:
        part.append(entry)
        if len(part) == WRITE_CHUNK:
            bulk_insert(connection, audit.AuditEntry.__table__, part)
            part = []
    bulk_insert(connection, audit.AuditEntry.__table__, part)


def bulk_insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]],
                constants: dict[str, Any] | None = None) -> None:
    """One ``executemany`` of rows that all have the same keys, plus ``constants`` (columns with one value on
    every row: the batch time). Values are converted by the column types a column at a time and the rows
    put together by ``zip``, rather than through the statement machinery per row (big files write twice as
    fast)."""
    if not rows:
        return
    constants = constants or {}
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(connection, table, [{**row, **constants} for row in rows] if constants else rows)
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=[*rows[0], *constants])
    names = list(compiled.positiontup or ()) if dialect.positional else [*rows[0], *constants]
    params: list[Any] = driver_rows(table, dialect, rows, constants, names)
    if not dialect.positional:
        params = [dict(zip(names, row)) for row in params]
    connection.exec_driver_sql(compiled.string, params)


def _copy_rows(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows through ``COPY … FROM STDIN`` on the session's own connection (same transaction);
    several times faster than an ``INSERT`` per row for a big import and its audit entries."""
    names = list(rows[0])
    columns = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    statement = f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    raw: Any = connection.connection.dbapi_connection  # a psycopg connection (checked by the caller)
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(pick(row))


def _created_ids(ctx: ImportContext, at: datetime) -> dict[Any, int]:
    """Natural key -> id of every record this batch inserted (they alone carry its timestamp)."""
    table = ctx.model.__table__
    key = table.c[ctx.spec.key]
    return dict(ctx.session.connection().execute(sa.select(key, table.c.id).where(table.c.created_at == at)).all())


def _link_in_file(ctx: ImportContext, plan: ImportPlan, created: dict[Any, int], at: datetime) -> None:
    """Fill self-links (a new unit's new parent) now that the parents have ids."""
    table = ctx.model.__table__
    for row in plan.creates:
        if row.deferred:
            values = {column: created[key] for column, key in row.deferred.items()}
            record_id = created[row.values[ctx.spec.key]]
            ctx.session.connection().execute(table.update().where(table.c.id == record_id).values(
                {**values, "updated_at": at}))


def batch_text(batch: ImportBatch) -> str:
    """What an import batch did, in the current language (the import page; the audit entry in Chinese)."""
    mode = gettext("add or update") if batch.mode == "upsert" else gettext("add only")
    return gettext("File “%(file)s” (SHA-256 %(hash)s…), %(mode)s: %(rows)s rows, %(created)s added, %(updated)s "
                   "updated, %(unchanged)s unchanged, %(errors)s with errors; batch #%(batch)s",
                   file=batch.file_name, hash=batch.file_hash[:12], mode=mode, rows=batch.rows,
                   created=batch.created, updated=batch.updated, unchanged=batch.unchanged, errors=batch.errors,
                   batch=batch.id)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {name: audit.plain(value) for name, value in values.items()}


def undo_batch(ctx: ImportContext, batch: ImportBatch) -> dict[str, int]:
    """Remove the records ``batch`` created and restore those it updated (the caller commits).

    Raises ``UndoRefused`` when it was undone already, when any of its records has changed since,
    or when other records now link to records it created.
    """
    if batch.status != "committed":
        raise UndoRefused(gettext("Batch #%(batch)s has already been undone.", batch=batch.id))
    table = ctx.model.__table__
    created = expand_ranges(json.loads(batch.created_ids or "[]"))
    items = list(ctx.session.scalars(sa.select(ImportItem).where(ImportItem.batch_id == batch.id)))
    updated = [item.record_id for item in items]
    intact = _count(ctx, created + updated, batch.at)
    if intact != len(created) + len(updated):
        touched = len(created) + len(updated) - intact
        raise UndoRefused(gettext("Batch #%(batch)s cannot be undone: %(count)s of the records it imported have been "
                                  "changed or deleted since; please handle them one by one in the list.",
                                  batch=batch.id, count=touched))
    _refuse_if_linked(ctx, batch, created)
    now, username = audit.now_utc(), ctx.access.username or audit.actor_name()
    notes = BatchAudit(ctx, batch.id, now, username, f"撤销导入批次 #{batch.id}")  # i18n: data
    removed, changed = notes.fetch(created), notes.fetch(updated)
    restores = {item.record_id: _restore(ctx, json.loads(item.before)) for item in items}
    connection = ctx.session.connection()
    for part in chunks(created, 5000):
        connection.execute(table.delete().where(table.c.id.in_(part)))
    for record_id, values in restores.items():
        connection.execute(table.update().where(table.c.id == record_id).values({**values, "updated_at": now}))
    write_entries(connection, chain(notes.deleted(removed), notes.restored(changed, restores)))
    batch.status, batch.undone_at, batch.undone_by = "undone", now, username
    audit.record(ctx.session, "import_undo", register=ctx.spec.slug,
                 record_key=batch.file_name[:200], org_unit_id=ctx.access.org_id, batch_id=batch.id,
                 detail=f"撤销批次 #{batch.id}：删除新增的 {len(created)} 条，恢复更新的 {len(updated)} 条")  # i18n: data
    return {"deleted": len(created), "restored": len(updated)}


def _count(ctx: ImportContext, ids: list[int], at: datetime) -> int:
    table = ctx.model.__table__
    total = 0
    for part in chunks(ids, 5000):
        total += ctx.session.scalar(sa.select(sa.func.count()).select_from(table).where(
            table.c.id.in_(part), table.c.updated_at == at)) or 0
    return total


def _refuse_if_linked(ctx: ImportContext, batch: ImportBatch, created: list[int]) -> None:
    for other in ctx.registry:
        for spec_field in other.links:
            if spec_field.target != ctx.spec.slug:
                continue
            other_table = ctx.models[other.slug].__table__
            column = other_table.c[link_column(spec_field)]
            for part in chunks(created, 5000):
                query = sa.select(sa.func.count()).select_from(other_table).where(column.in_(part))
                if other.slug == ctx.spec.slug:
                    query = query.where(other_table.c.id.not_in(created))
                count = ctx.session.scalar(query) or 0
                if count:
                    raise UndoRefused(gettext(
                        "Batch #%(batch)s cannot be undone: the %(register)s records it added are referred to by "
                        "%(count)s %(other)s records (%(field)s); please handle those records first.",
                        batch=batch.id, register=ctx.spec.label.get(ctx.locale), count=count,
                        other=other.label.get(ctx.locale), field=spec_field.label.get(ctx.locale)))


def _restore(ctx: ImportContext, before: dict[str, Any]) -> dict[str, Any]:
    """Old values from their JSON form, with the derived columns recomputed where all their sources are restored."""
    values: dict[str, Any] = {}
    for spec_field in ctx.spec.fields:
        column = link_column(spec_field) if spec_field.is_link else spec_field.name
        if column in before:
            values[column] = field_type(spec_field.type).restore(before[column])
    for spec_field in ctx.spec.fields:
        sources = spec_field.derive_sources
        if spec_field.is_derived and is_stored(spec_field) and sources and all(name in values for name in sources):
            values[spec_field.name] = derive(spec_field, values.__getitem__)
    return values


