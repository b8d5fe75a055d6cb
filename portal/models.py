"""Spec -> SQLAlchemy model classes, one per register, on their own declarative base.

Each build gets a fresh ``MetaData`` so several apps (tests, the low-code proof) can be built in one
process. Columns: ``id`` primary key, one column per stored field (a link ``org_unit`` becomes the
foreign key ``org_unit_id`` plus the relationship ``org_unit``), ``created_at``/``updated_at``.
Stored derivations are computed on every insert and update; virtual ones are read-only properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapper, relationship

from portal.records.collation import PINYIN_COLLATION, WORD_TYPES
from portal.registry.derivations import derive, is_stored
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec, RegisterSpec, Registry


@dataclass(frozen=True)
class BuiltModels:
    metadata: sa.MetaData
    classes: dict[str, type[Any]]

    def __getitem__(self, slug: str) -> type[Any]:
        return self.classes[slug]


#: The model classes by register slug: the built set itself or its ``classes`` dict.
ModelLookup = BuiltModels | Mapping[str, type[Any]]


def class_name(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("_"))


def link_column(field: FieldSpec) -> str:
    """Name of the foreign-key column behind a link field."""
    return f"{field.name}_id"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def build_models(registry: Registry) -> BuiltModels:
    metadata = sa.MetaData()
    base = type("RegisterBase", (DeclarativeBase,), {"metadata": metadata, "__abstract__": True})
    classes = {spec.slug: _build_class(spec, base) for spec in registry}
    for spec in registry:
        _listen_derivations(classes[spec.slug], spec)
    return BuiltModels(metadata=metadata, classes=classes)


def _indexed(spec: RegisterSpec, field: FieldSpec) -> bool:
    return field.index or field.is_link or field.name in spec.screens.search or field.name in spec.screens.filters


def _build_class(spec: RegisterSpec, base: type[Any]) -> type[Any]:
    table = spec.slug
    attrs: dict[str, Any] = {
        "__tablename__": table,
        "__register__": spec,
        "id": sa.Column(sa.Integer, primary_key=True),
        "created_at": sa.Column(sa.DateTime, nullable=False, default=_utcnow),
        "updated_at": sa.Column(sa.DateTime, nullable=False, default=_utcnow, onupdate=_utcnow),
    }
    table_args: list[Any] = []
    for field in spec.fields:
        if not is_stored(field):
            attrs[field.name] = property(_virtual_getter(field))
            continue
        if field.is_link:
            column_name = link_column(field)
            attrs[column_name] = sa.Column(
                sa.Integer, sa.ForeignKey(f"{field.target}.id", name=f"fk_{table}_{column_name}"), nullable=True)
            target = class_name(field.target or "")
            options: dict[str, Any] = {"foreign_keys": f"[{class_name(table)}.{column_name}]", "lazy": "joined"}
            if field.target == spec.slug:
                options["remote_side"] = f"[{class_name(table)}.id]"
            attrs[field.name] = relationship(target, **options)
        else:
            column_name = field.name
            attrs[column_name] = sa.Column(field_type(field.type).sql_type(field), nullable=True)
        if field.unique:
            table_args.append(sa.Index(f"uq_{table}_{column_name}", column_name, unique=True))
        elif _indexed(spec, field):
            table_args.append(sa.Index(f"ix_{table}_{column_name}", column_name))
    pinyin = pinyin_order_index(spec)
    if pinyin is not None:
        table_args.append(pinyin)
    attrs["__table_args__"] = tuple(table_args)
    attrs["__str__"] = lambda self: str(getattr(self, spec.title, "") or "")
    attrs["__repr__"] = lambda self: f"<{spec.slug} {getattr(self, 'id', None)}>"
    return type(class_name(table), (base,), attrs)


def pinyin_order_index(spec: RegisterSpec) -> sa.Index | None:
    """On PostgreSQL with the ICU collation, an index in the list's default order when it sorts words in pinyin
    order (``screens.order: name``): the first page and page 500 of a million members read 25 index entries
    instead of sorting the table. Made only where the collation exists (``portal.records.collation``)."""
    name = (spec.screens.order or "").lstrip("-")
    field = spec.field(name) if name and spec.has_field(name) else None
    if field is None or field.is_link or not is_stored(field) or field.type not in WORD_TYPES:
        return None
    index = sa.Index(f"ix_{spec.slug}_{name}_pinyin", sa.text(f'{name} COLLATE "{PINYIN_COLLATION}"'), "id")
    return index.ddl_if(dialect="postgresql", callable_=_has_pinyin_collation)


def compared_by_alembic(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object``: leave the pinyin order indexes out of autogenerate, which reads an expression
    index back as plain columns and would drop and re-create it each time (their migration makes them)."""
    return not (type_ == "index" and (name or "").endswith("_pinyin"))


def _has_pinyin_collation(ddl: Any, target: Any, bind: Any, tables: Any = None, state: Any = None, *,
                          dialect: Any, compiler: Any = None, checkfirst: bool = False) -> bool:
    """``ddl_if``'s test (its signature is SQLAlchemy's ``DDLIfCallable``): the server has the collation."""
    return bind is not None and bind.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :name"),
                                             {"name": PINYIN_COLLATION}).first() is not None


def _virtual_getter(field: FieldSpec) -> Any:
    def getter(self: Any) -> Any:
        return derive(field, lambda name: getattr(self, name, None), date.today())

    getter.__name__ = field.name
    return getter


def apply_derivations(obj: Any, spec: RegisterSpec) -> None:
    """Recompute the stored derived fields of ``obj`` from their sources."""
    for field in spec.fields:
        if field.derive and is_stored(field):
            setattr(obj, field.name, derive(field, lambda name: getattr(obj, name)))


def _listen_derivations(cls: type[Any], spec: RegisterSpec) -> None:
    if not any(field.derive and is_stored(field) for field in spec.fields):
        return

    def handler(mapper: Mapper[Any], connection: Any, target: Any) -> None:
        apply_derivations(target, spec)

    event.listen(cls, "before_insert", handler)
    event.listen(cls, "before_update", handler)
