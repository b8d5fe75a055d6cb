"""Per-record audit entries of an import batch and of its undo, built set-based.

Each record a batch creates, changes or (on undo) deletes or restores gets the same entry a screen
edit gets (``changes`` as ``{field: [old, new]}``, a new record's as ``{field: value}``; links by the target's natural key, so the audit
screens mask them by the reader's rights on the target register), plus the batch id and a note
naming the batch. Link ids are turned into keys with one chunked query per link field, not one
per row; the caller inserts the entries in bulk.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import sqlalchemy as sa

from portal.models import link_column
from portal.records.lookups import chunks
from portal.records.plan_types import ImportContext, RowPlan
from portal.registry.derivations import is_stored
from portal.security import audit
from portal.security.access import ORG_REGISTER

#: One encoder for every entry (``json.dumps`` with options builds a new one per call).
_to_json = json.JSONEncoder(ensure_ascii=False).encode
#: ``audit.plain`` of dates (most of a member's non-text values) without its chain of checks.
_PLAIN: dict[type, Callable[[Any], Any]] = {date: date.isoformat}


class BatchAudit:
    """Builds the entries of one batch (or its undo) for ``ctx``'s register."""

    def __init__(self, ctx: ImportContext, batch_id: int | None, at: datetime, username: str, note: str | None
                 ) -> None:
        self.ctx = ctx
        spec = ctx.spec
        #: (field name, database column) of every stored field, in the schema's order (as screens record them).
        self.columns = tuple((f.name, link_column(f) if f.is_link else f.name) for f in spec.fields if is_stored(f))
        self.link_targets = {link_column(f): f.target or "" for f in spec.links if is_stored(f)}
        self.org_column = ("id" if spec.slug == ORG_REGISTER else
                           link_column(spec.field(spec.org_field)) if spec.org_field else None)
        self.base = audit.entry("create", at=at, username=username, register=spec.slug, batch_id=batch_id,
                                detail=note)
        self.keys: dict[str, dict[int, str]] = {column: {} for column in self.link_targets}

    # -- links -------------------------------------------------------------------------------
    def learn_links(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Fetch the natural keys of the linked records these rows name (a chunked query per link)."""
        rows = list(rows)
        for column, target in self.link_targets.items():
            known = self.keys[column]
            wanted = sorted({value for row in rows if isinstance(value := row.get(column), int)} - known.keys())
            if not wanted:
                continue
            table = self.ctx.models[target].__table__
            key = table.c[self.ctx.registry.get(target).key]
            for part in chunks(wanted):
                known.update((record_id, str(value)) for record_id, value in
                             self.ctx.session.connection().execute(sa.select(table.c.id, key).where(
                                 table.c.id.in_(part))))

    def _plain(self, column: str, value: Any) -> Any:
        if column in self.keys and isinstance(value, int):
            return self.keys[column].get(value, str(value))
        return audit.plain(value)

    # -- entries -------------------------------------------------------------------------------
    def _entry(self, action: str, record_id: int, record: Mapping[str, Any], changes: dict[str, Any]
               ) -> dict[str, Any]:
        org = record_id if self.org_column == "id" else record.get(self.org_column) if self.org_column else None
        return {**self.base, "action": action, "record_id": record_id,
                "record_key": audit.plain(record.get(self.ctx.spec.key)), "org_unit_id": org,
                "changes": _to_json(changes)}

    def _whole(self, record: Mapping[str, Any], deferred: Mapping[str, str], created: bool) -> dict[str, Any]:
        """Every non-blank value of a new record (``{field: value}``, as a ``create`` entry keeps it) or of a
        deleted one (``{field: [value, None]}``); the hot loop of a big insert, kept lean."""
        changes: dict[str, Any] = {}
        get, keys, plain = record.get, self.keys, audit.plain
        for name, column in self.columns:
            value = get(column)
            if value is None or value == "":
                if column not in deferred:
                    continue
                value = deferred[column]
            elif column in keys:
                value = keys[column].get(value, str(value))
            elif value.__class__ is not str:
                value = _PLAIN.get(value.__class__, plain)(value)
            changes[name] = value if created else [value, None]
        return changes

    def created(self, rows: Sequence[RowPlan], ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """One ``create`` entry per new record (``ids`` in the order of ``rows``)."""
        self.learn_links(row.values for row in rows)
        for row, record_id in zip(rows, ids):
            yield self._entry("create", record_id, row.values, self._whole(row.values, row.deferred, True))

    def updated(self, rows: Sequence[RowPlan]) -> Iterator[dict[str, Any]]:
        """One ``update`` entry per changed record: the changed fields, old → new."""
        self.learn_links([*(row.values for row in rows), *(row.before for row in rows)])
        current = self.fetch([row.record_id for row in rows if row.record_id is not None])
        for row in rows:
            if row.record_id is None:
                continue
            yield self._entry("update", row.record_id, current.get(row.record_id, {}),
                              self._diff(row.before, row.values))

    def deleted(self, records: Mapping[int, Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
        """One ``delete`` entry per record (as fetched before it is deleted)."""
        self.learn_links(records.values())
        for record_id, record in records.items():
            yield self._entry("delete", record_id, record, self._whole(record, {}, False))

    def restored(self, records: Mapping[int, Mapping[str, Any]], restores: Mapping[int, Mapping[str, Any]]
                 ) -> Iterator[dict[str, Any]]:
        """One ``update`` entry per restored record: its values as they were (``records``) → as restored."""
        self.learn_links([*records.values(), *restores.values()])
        for record_id, values in restores.items():
            record = records.get(record_id, {})
            before = {column: record.get(column) for column in values}
            changes = self._diff(before, values)
            if changes:
                yield self._entry("update", record_id, {**record, **values}, changes)

    def _diff(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
        changes: dict[str, list[Any]] = {}
        for name, column in self.columns:
            if column in new:
                before, after = self._plain(column, old.get(column)), self._plain(column, new[column])
                if before != after:
                    changes[name] = [before, after]
        return changes

    def fetch(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored columns, key and org unit of these records (chunked ``IN`` queries)."""
        table = self.ctx.model.__table__
        names = list(dict.fromkeys(["id", self.ctx.spec.key, *(column for _, column in self.columns)]))
        found: dict[int, dict[str, Any]] = {}
        for part in chunks(list(ids)):
            for row in self.ctx.session.connection().execute(
                    sa.select(*(table.c[name] for name in names)).where(table.c.id.in_(part))):
                found[row[0]] = dict(zip(names, row))
        return found
