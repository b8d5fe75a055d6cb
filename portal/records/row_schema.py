"""Spec -> the marshmallow row schema: one schema for REST payloads and spreadsheet rows.

``load`` turns raw values (JSON values or cells) into Python values through the field-type parsers,
so the REST API and the import report the same Chinese messages as the forms. Links come out as
the raw natural key (or title) text: resolving them needs the database (``portal.web.links``).
"""

from __future__ import annotations

from typing import Any, Callable

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields

from portal.domain.messages import DomainValidationError, Problem
from portal.registry.derivations import is_stored
from portal.registry.fieldtypes import field_type
from portal.registry.parsers import is_blank
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.texts import lazy_gettext

LocaleGetter = Callable[[], str]


def required_message(field: FieldSpec, locale: str) -> str:
    return Problem("required", {"label": field.label.zh, "label_en": field.label.en}).message(locale)


class _ParsedMixin:
    """Deserialises through the field type's parser; messages in the caller's locale."""

    spec: FieldSpec
    locale: LocaleGetter

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        """A required field left out, or sent as ``null``, gets the same Chinese message as a blank one."""
        if key in ("required", "null"):
            return ValidationError(required_message(self.spec, self.locale()))
        error: ValidationError = super().make_error(key, **kwargs)  # type: ignore[misc]
        return error

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        # An org unit taken from a link (``org_from``) may be blank here; ``planner fills it in (``portal.records.plan``).
        if is_blank(value):
            if self.spec.required and not self.spec.org_from:
                raise ValidationError(required_message(self.spec, self.locale()))
            return None
        try:
            return field_type(self.spec.type).parse(value, self.spec)
        except DomainValidationError as error:
            raise ValidationError(error.message(self.locale())) from None


_FIELD_CLASSES: dict[type[fields.Field], type[fields.Field]] = {}


def _parsed_class(base: type[fields.Field]) -> type[fields.Field]:
    """A subclass of the API field class, so OpenAPI still sees string/integer/date/..."""
    if base not in _FIELD_CLASSES:
        _FIELD_CLASSES[base] = type(f"Parsed{base.__name__}", (_ParsedMixin, base), {})
    return _FIELD_CLASSES[base]


def is_required(field: FieldSpec) -> bool:
    """Whether a new record must carry this field (a default fills it in otherwise)."""
    return field.required and field.default is None and not field.is_derived and not field.org_from


def make_field(field: FieldSpec, locale: LocaleGetter, *, loading: bool = False) -> fields.Field:
    """The marshmallow field for one spec field: ``loading`` for request bodies, else for responses.

    Its OpenAPI description is what the API really takes and gives: required fields are required
    and never null, amounts are strings (``"1200.50"``), links are written as the linked record's key
    or title, and a sensitive choice may come back masked (so its response lists no enum).
    """
    base = field_type(field.type).api_field
    required = loading and is_required(field)
    # The OpenAPI document is built once, in the default language of the labels it repeats.
    description = field.label.zh + (f"。{field.help.zh}" if field.help else "")  # i18n: data
    if field.is_link and loading:
        description += "（写所链接记录的编号或名称）"  # i18n: data
    options: dict[str, Any] = {"allow_none": not required, "required": required,
                               "metadata": {"description": description}}
    if base is fields.Decimal:
        options["as_string"] = True
        options["metadata"].update(type="string", format="decimal")
    if field.is_derived:
        options["dump_only"] = True
    if field.type == "choice" and (loading or not field.sensitive):
        options["metadata"]["enum"] = list(field.choice_values)
    if field.default is not None and not field.is_link:
        options["load_default"] = field.default
    instance = _parsed_class(base)(**options)
    instance.spec = field  # type: ignore[attr-defined]
    instance.locale = locale  # type: ignore[attr-defined]
    return instance


class RowSchemaBase(Schema):
    """Base of every generated row schema."""

    register: RegisterSpec
    locale: LocaleGetter

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": lazy_gettext("No such field (or the field is computed by the system, read-only), please remove it"),
        "type": lazy_gettext("Wrong data format: a JSON object is expected"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = _Shown(self.error_messages)


class _Shown(dict[str, Any]):
    """Error messages read as text in the reader's language when marshmallow reports them."""

    def __getitem__(self, key: str) -> Any:
        return str(super().__getitem__(key))


def build_row_schema(spec: RegisterSpec, locale: LocaleGetter, *, lenient: bool = False) -> type[RowSchemaBase]:
    """The row schema class of a register; ``lenient`` ignores unknown keys (spreadsheet rows)."""
    attrs: dict[str, Any] = {
        field.name: make_field(field, locale, loading=True) for field in spec.fields
        if is_stored(field) or field.is_derived
    }
    attrs["register"] = spec
    attrs["locale"] = staticmethod(locale)
    attrs["Meta"] = type("Meta", (), {"unknown": EXCLUDE if lenient else RAISE, "ordered": True})
    name = "".join(part.capitalize() for part in spec.slug.split("_")) + "Row"
    return type(name, (RowSchemaBase,), attrs)
