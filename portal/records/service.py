"""The one write path for a register's records: validate raw values, resolve links, check uniqueness.

The REST API uses it for POST/PUT; the forms use its link and uniqueness checks; the import will
use it row by row. It needs a SQLAlchemy session but no Flask request.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from portal.models import BuiltModels, apply_derivations
from portal.records.org_checks import settle_org_links
from portal.records.row_schema import LocaleGetter, build_row_schema
from portal.domain.messages import Problem
from portal.records.lookups import resolve_links
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.access import SYSTEM_ACCESS, Access, row_condition, scope_anchor

Errors = dict[str, list[str]]


class RecordErrors(Exception):
    """Field-level validation errors: ``{field: [Chinese message, ...]}``."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))


class RecordForbidden(Exception):
    """The user may not write these fields (approval fields, masked fields, or no edit right)."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels
        super().__init__(f"您没有权限填写或修改：{'、'.join(labels)}")


AccessGetter = Callable[[], Access]


class RecordService:
    """Validate and write records of one register."""

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

    def problem(self, field: FieldSpec, code: str, **params: Any) -> str:
        target = self.registry.get(field.target) if field.target and field.target in self.registry else None
        extra = {"target": target.label.zh, "target_en": target.label.en} if target else {}
        return Problem(code, {"label": field.label.zh, "label_en": field.label.en, **extra, **params}).message(
            self.locale())

    def load(self, raw: Mapping[str, Any], instance: Any = None) -> dict[str, Any]:
        """Raw values -> Python values with links resolved; raises ``RecordErrors`` listing every problem.

        Raises ``RecordForbidden`` first when ``raw`` sets a field the user may not write.
        """
        self.check_writable(raw, creating=instance is None)
        errors: Errors = {}
        try:
            values: dict[str, Any] = self.schema.load(dict(raw), partial=instance is not None)
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
        errors.update(settle_org_links(self, values, instance, failed=errors))
        anchor = scope_anchor(self.spec)
        if anchor and self.access().scoped and anchor.name not in errors:
            missing = values.get(anchor.name) is None if (instance is None or anchor.name in values) else False
            if missing:
                errors[anchor.name] = [self.problem(anchor, "scope_required")]
        for field in self.spec.fields:
            if field.unique and values.get(field.name) is not None and field.name not in errors:
                message = self.unique_problem(field, values[field.name], instance)
                if message:
                    errors[field.name] = [message]
        if errors:
            raise RecordErrors(errors)
        return values

    def check_writable(self, raw: Mapping[str, Any], creating: bool) -> None:
        access = self.access()
        refused = [field.label.get(self.locale()) for field in self.spec.editable_fields
                   if field.name in raw and not access.may_write(self.spec, field, creating)]
        if refused:
            raise RecordForbidden(refused)

    def resolve_link(self, field: FieldSpec, raw: Any, instance: Any = None) -> Any:
        """Find the linked record by id (JSON integer), natural key, title or ``title (key)`` (the import's
        rule, ``resolve_links``); ``ValueError`` if not exactly one."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        target_spec = self.registry.get(field.target or "")
        target = self.models[target_spec.slug]
        if isinstance(raw, int) and not isinstance(raw, bool):
            candidates = self._find(target, "id", raw, row_condition(target_spec, target, self.access()))
        else:
            text = str(raw).strip()
            ids = resolve_links(self.session, self.registry, self.models, field, [text], self.access())[text].ids
            candidates = [self.session.get(target, record_id) for record_id in ids]
        if not candidates:
            raise ValueError(self.problem(field, "link_not_found", value=raw))
        if len(candidates) > 1:
            raise ValueError(self.problem(field, "link_ambiguous", value=raw))
        found = candidates[0]
        if self.spec.tree == field.name and instance is not None and self._is_descendant(found, instance):
            raise ValueError(self.problem(field, "tree_cycle"))
        return found

    def _find(self, model: Any, column: str, value: Any, scope: sa.ColumnElement[bool] | None = None) -> list[Any]:
        """Rows whose ``column`` equals ``value`` inside the user's scope (rows outside it do not exist)."""
        query = sa.select(model).where(getattr(model, column) == value)
        if scope is not None:
            query = query.where(scope)
        query = query.limit(2)
        return list(self.session.scalars(query).unique())

    def _is_descendant(self, candidate: Any, instance: Any) -> bool:
        node, seen = candidate, set()
        while node is not None and id(node) not in seen:
            if node is instance:
                return True
            seen.add(id(node))
            node = getattr(node, self.spec.tree or "", None)
        return False

    def unique_problem(self, field: FieldSpec, value: Any, instance: Any = None) -> str | None:
        """The Chinese message if another record already uses ``value`` for a unique field."""
        column = getattr(self.model, f"{field.name}_id" if field.is_link else field.name)
        key = value.id if field.is_link and value is not None else value
        query = sa.select(self.model.id).where(column == key)
        if instance is not None and getattr(instance, "id", None) is not None:
            query = query.where(self.model.id != instance.id)
        if self.session.scalar(query.limit(1)) is not None:
            return self.problem(field, "not_unique", value=value)
        return None

    def apply(self, instance: Any, values: Mapping[str, Any]) -> Any:
        for name, value in values.items():
            if not self.spec.field(name).is_derived:
                setattr(instance, name, value)
        apply_derivations(instance, self.spec)
        return instance

    def create(self, raw: Mapping[str, Any]) -> Any:
        instance = self.apply(self.model(), self.load(raw))
        self.session.add(instance)
        return instance

    def update(self, instance: Any, raw: Mapping[str, Any]) -> Any:
        return self.apply(instance, self.load(raw, instance=instance))

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
