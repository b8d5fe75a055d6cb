"""A selection of a register's rows as data: conditions, quick search and order, kept as JSON.

A list screen's filters become a ``Selection`` when the user exports; a background export stores it
in its job and runs it later with the user's rights, without replaying the web request. The
operators mean what the list screen's filters mean (Flask-AppBuilder's ``sw``, ``ct``, ``eq`` …
and the subtree filter), and the values are kept as the audit trail keeps values (dates as
``2020-01-05``), turned back by the field type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import ModelLookup, link_column
from portal.records.collation import sort_expression
from portal.records.org_subtree import SUBTREE_OPERATOR, anchor_column, anchor_name, subtree_in_scope
from portal.records.search import search_condition
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security import audit
from portal.security.access import ORG_REGISTER, Access, row_condition
from portal.texts import current_locale, gettext

#: Pattern operators: (pattern of the value, negated).
_PATTERNS: dict[str, tuple[Callable[[str], str], bool]] = {
    "sw": (lambda value: value + "%", False), "nsw": (lambda value: value + "%", True),
    "ew": (lambda value: "%" + value, False), "new": (lambda value: "%" + value, True),
    "ct": (lambda value: "%" + value + "%", False), "nct": (lambda value: "%" + value + "%", True),
}
#: Comparison operators on the field's own column (links: on the linked record's id).
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda column, value: column == value, "neq": lambda column, value: column != value,
    "gt": lambda column, value: column > value, "lt": lambda column, value: column < value,
    "ge": lambda column, value: column >= value, "le": lambda column, value: column <= value,
    "rel_o_m": lambda column, value: column == value, "nrel_o_m": lambda column, value: column != value,
    "in": lambda column, value: column.in_(value), "not_in": lambda column, value: ~column.in_(value),
}
OPERATORS = frozenset({*_PATTERNS, *_COMPARISONS, SUBTREE_OPERATOR})
#: Columns every register has besides its fields.
SYSTEM_COLUMNS = frozenset({"id", "created_at", "updated_at"})


class SelectionRefused(ValueError):
    """A condition this register cannot run; ``message`` says what to change, in Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    #: The typed value (a date, a Decimal, a record id for links; a list for ``in``).
    value: Any


@dataclass(frozen=True)
class Selection:
    """Which rows, in which order: what a list page shows, as data."""

    conditions: tuple[Condition, ...] = ()
    search: str | None = None
    #: (field name, "asc" or "desc"); the record id always breaks ties.
    order: tuple[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"conditions": [[c.field, c.operator, _plain(c.value)] for c in self.conditions],
                "search": self.search, "order": list(self.order) if self.order else None}

    @classmethod
    def from_json(cls, spec: RegisterSpec, data: dict[str, Any]) -> Selection:
        conditions = tuple(Condition(name, operator, _typed(spec, name, operator, value))
                           for name, operator, value in data.get("conditions", ()))
        order = data.get("order")
        return cls(conditions, data.get("search"), (order[0], order[1]) if order else None)


def _plain(value: Any) -> Any:
    return [audit.plain(item) for item in value] if isinstance(value, list) else audit.plain(value)


def _typed(spec: RegisterSpec, name: str, operator: str, value: Any) -> Any:
    if not spec.has_field(name) or operator in _PATTERNS or spec.field(name).is_link or operator == SUBTREE_OPERATOR:
        return value
    restore = field_type(spec.field(name).type).restore
    return [restore(item) for item in value] if isinstance(value, list) else restore(value)


def select_rows(spec: RegisterSpec, registry: Registry, models: ModelLookup, session: Session, access: Access,
                selection: Selection) -> sa.Select[Any]:
    """The rows ``selection`` picks inside the user's row scope, in its order (then by id)."""
    model = models[spec.slug]
    query = sa.select(model).where(*where_clauses(spec, registry, models, session, access, selection))
    if selection.order:
        name, direction = selection.order
        column = getattr(model, name)
        if spec.has_field(name):  # names in pinyin order where the database can, as the list sorts them
            column = sort_expression(column, spec.field(name).type, session)
        query = query.order_by(column.desc() if direction == "desc" else column.asc())
    return query.order_by(model.id)


def where_clauses(spec: RegisterSpec, registry: Registry, models: ModelLookup, session: Session, access: Access,
                  selection: Selection) -> list[Any]:
    """The row scope, each condition and the quick search as SQL conditions (the list screens and the REST
    list add them to Flask-AppBuilder's query; exports select with them)."""
    model = models[spec.slug]
    clauses: list[Any] = []
    scope = row_condition(spec, model, access)
    if scope is not None:
        clauses.append(scope)
    clauses += [_condition(spec, registry, models, session, access, condition) for condition in selection.conditions]
    if selection.search:
        clauses.append(search_condition(spec, model, models, registry, selection.search, access, session))
    return clauses


def count_rows(session: Session, query: sa.Select[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


def _condition(spec: RegisterSpec, registry: Registry, models: ModelLookup, session: Session, access: Access,
               condition: Condition) -> Any:
    model = models[spec.slug]
    if condition.operator == SUBTREE_OPERATOR and condition.field == anchor_name(spec):
        tree = registry.get(ORG_REGISTER).tree or "parent"
        return anchor_column(spec, model).in_(subtree_in_scope(session, models[ORG_REGISTER], tree,
                                                               int(condition.value), access))
    if condition.operator not in OPERATORS or not (spec.has_field(condition.field)
                                                   or condition.field in SYSTEM_COLUMNS):
        raise SelectionRefused(gettext("%(register)s cannot be filtered by “%(field)s %(operator)s”.",
                                       register=spec.label.get(current_locale()), field=condition.field,
                                       operator=condition.operator))
    if condition.field in SYSTEM_COLUMNS:  # a record by id (show, edit, the API), or by its timestamps
        return _COMPARISONS[condition.operator](getattr(model, condition.field), condition.value)
    field = spec.field(condition.field)
    if access.hidden(spec, field):
        raise SelectionRefused(gettext("The “%(field)s” you see is masked and cannot be filtered by; please remove "
                                       "this filter.", field=field.label.get(current_locale())))
    column = _column(model, field)
    if condition.operator in _PATTERNS:
        pattern, negated = _PATTERNS[condition.operator]
        matched = column.ilike(pattern(str(condition.value)))
        return ~matched if negated else matched
    return _COMPARISONS[condition.operator](column, condition.value)


def _column(model: Any, field: FieldSpec) -> Any:
    return getattr(model, link_column(field) if field.is_link else field.name)
