"""SQLite: the ``create`` audit entries of freshly inserted records, built by the database in one statement.

A big import writes one entry per new record. Built in Python, each entry costs a dictionary walk and
a JSON encoding per record (a third of a 100,000-row import); here one ``INSERT … SELECT`` reads the
rows just written and writes their entries with ``json_object``: ``{"field": value, …}`` in the schema's
order, a blank field null (``BatchAudit.created`` leaves it out; ``AuditEntry.changes_dict`` reads both
the same), links by their target's natural key, values as ``audit.plain`` gives them (each type's SQL in
the field-type table). A register with a field whose stored value SQL cannot write that way (a type
without ``audit_sql``, a number default that is not a decimal) keeps the Python entries, as PostgreSQL
does (it copies them in).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.models import link_column
from portal.records.batch_audit import BatchAudit
from portal.records.driver_values import driver_value
from portal.registry.derivations import is_stored
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security import audit

#: A number field's default is written as the parsed values are only when it is a ``Decimal``.
_NUMBER_TYPES = frozenset({"money", "decimal"})


def sql_ready(spec: RegisterSpec, connection: sa.Connection) -> bool:
    """Whether this register's create entries may be built by the database (SQLite, every field covered)."""
    if connection.dialect.name != "sqlite":
        return False
    return all(_covered(f) for f in spec.fields if is_stored(f))


def _covered(spec_field: FieldSpec) -> bool:
    if spec_field.is_link:
        return True
    if field_type(spec_field.type).audit_sql is None:
        return False
    return not (spec_field.type in _NUMBER_TYPES and spec_field.default is not None
                and not isinstance(spec_field.default, Decimal))


def insert_created(notes: BatchAudit, connection: sa.Connection, first_id: int, last_id: int) -> None:
    """Write the ``create`` entry of every record with an id in ``first_id … last_id`` (all written by this
    plan, in one transaction), in id order; the caller checked ``sql_ready``."""
    entries = CreatedEntries(notes, connection.dialect)
    connection.exec_driver_sql(entries.sql, entries.params(first_id, last_id))


class CreatedEntries:
    """The ``INSERT … SELECT`` of the create entries of the records in an id range, compiled once for the driver:
    ``sql`` and ``params(first_id, last_id)`` (``write_stream`` runs it on a thread that has no SQLAlchemy).
    ``blank``: columns known to be empty in every record of the ranges, left out of their entries."""

    def __init__(self, notes: BatchAudit, dialect: sa.Dialect, blank: frozenset[str] = frozenset()) -> None:
        self._compiled = _statement(notes, dialect, blank).compile(dialect=dialect)
        self.sql = self._compiled.string

    def params(self, first_id: int, last_id: int) -> tuple[Any, ...]:
        values = self._compiled.construct_params({"first_id": first_id, "last_id": last_id})
        return tuple(values[name] for name in self._compiled.positiontup or ())


def _statement(notes: BatchAudit, dialect: sa.Dialect, blank: frozenset[str]) -> Any:
    """The statement, with the entries' common values as the driver takes them (no conversion left to do)."""
    ctx = notes.ctx
    spec, table = ctx.spec, ctx.model.__table__
    source: Any = table
    pieces: list[Any] = []
    for index, spec_field in enumerate(f for f in spec.fields if is_stored(f)):
        column = table.c[link_column(spec_field) if spec_field.is_link else spec_field.name]
        if column.name in blank:
            continue
        if spec_field.is_link:
            target_spec = ctx.registry.get(spec_field.target or "")
            target = ctx.models[target_spec.slug].__table__.alias(f"link_{index}")
            source = source.outerjoin(target, target.c.id == column)
            value = sa.func.coalesce(sa.cast(target.c[target_spec.key], sa.Text), sa.cast(column, sa.Text))
        else:
            make = field_type(spec_field.type).audit_sql
            assert make is not None  # sql_ready
            value = make(column)
        pieces += [sa.literal(spec_field.name, sa.Text), value]
    changes = sa.func.json_object(*pieces, type_=sa.Text)
    org = (table.c.id if notes.org_column == "id" else
           table.c[notes.org_column] if notes.org_column else sa.null())
    entry_table = audit.AuditEntry.__table__
    base = {name: driver_value(entry_table, name, dialect, value) for name, value in notes.base.items()
            if name not in ("action", "changes", "record_id", "record_key", "org_unit_id")}
    selected = {**{name: sa.literal(value, sa.Integer if isinstance(value, int) else sa.Text)
                   for name, value in base.items()},
                "action": sa.literal("create", sa.String), "record_id": table.c.id,
                "record_key": sa.cast(table.c[spec.key], sa.Text), "org_unit_id": org, "changes": changes}
    names = list(selected)
    query = (sa.select(*(selected[name] for name in names)).select_from(source)
             .where(table.c.id.between(sa.bindparam("first_id", type_=sa.Integer),
                                       sa.bindparam("last_id", type_=sa.Integer))).order_by(table.c.id))
    return entry_table.insert().from_select(names, query)

