"""Spec -> WTForms form class for the add and edit screens.

Every field parses its text through the field type's parser (the same one the REST API and the
import use), so the form shows the same Chinese message under the field. Links are
search-as-you-type selects fed by ``/lookup/<slug>``; uniqueness is checked before writing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Callable

from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    DatePickerWidget,
    Select2Widget,
)
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from portal.records.service import RegisterService
from portal.domain.messages import DomainValidationError
from portal.registry.fieldtypes import field_type
from portal.registry.parsers import is_blank
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.records.row_schema import LocaleGetter, required_message
from portal.labels import lazy_label
from portal.security.access import SYSTEM_ACCESS, Access
from portal.security.masking import mask_value

ServiceGetter = Callable[[], RegisterService]


class ParsedField(StringField):
    """A text input whose value goes through the field type's parser."""

    def __init__(self, *args: Any, spec: FieldSpec, locale: LocaleGetter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.locale = locale

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = None
        if is_blank(raw):
            return
        try:
            self.data = field_type(self.spec.type).parse(raw, self.spec)
        except DomainValidationError as error:
            raise ValueError(error.message(self.locale())) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f") if self.spec.type == "decimal" else f"{self.data:.2f}"
        if isinstance(self.data, date):
            return self.data.isoformat()
        return str(self.data)


class ParsedTextAreaField(ParsedField, TextAreaField):
    pass


class DateTextWidget(DatePickerWidget):
    """Flask-AppBuilder's date picker box showing the field's text, not its parsed date: a date the
    server refused stays in the box, next to its message, for the clerk to correct."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        return Markup(self.data_template % {"text": html_params(type="text", value=field._value(), **kwargs)})


def link_text(record: Any, access: Access = SYSTEM_ACCESS) -> str:
    """How a linked record reads in a drop-down: its title and natural key (masked if the key is sensitive);
    a record outside the reader's scope (an old link) reads as its title only."""
    spec = record.__register__
    if not access.reaches(spec, record):
        return str(record)
    key = getattr(record, spec.key)
    if access.hidden(spec, spec.key_field):
        key = mask_value(spec.key_field, key)
    return f"{record} ({key})"


class LinkSelectWidget:
    """A ``<select>`` holding only the current record; select2 searches ``/lookup/<slug>`` as you type."""

    def __call__(self, field: LinkField, **kwargs: Any) -> Markup:
        current = field.data
        text = link_text(current, field.service().access()) if current is not None else ""
        option = (f'<option value="{escape(current.id)}" selected>{escape(text)}</option>'
                  if current is not None else "")
        return Markup(
            f'<select id="{escape(field.id)}" name="{escape(field.name)}" class="form-control portal-link" '
            f'data-lookup="{escape(field.lookup_url)}" data-placeholder="{escape(field.placeholder)}">'
            f'<option value=""></option>{option}</select>'
        )


class LinkField(Field):
    """Holds the linked record; the browser posts its id."""

    widget = LinkSelectWidget()

    def __init__(self, *args: Any, spec: FieldSpec, service: ServiceGetter, lookup_url: str,
                 placeholder: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.service = service
        self.lookup_url = lookup_url
        self.placeholder = placeholder

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = None
        if is_blank(raw):
            return
        value: Any = int(raw) if str(raw).isdigit() else raw
        self.data = self.service().resolve_link(self.spec, value)

    def _value(self) -> str:
        return str(self.data.id) if self.data is not None else ""


class RequiredText:
    """Required, judged on what the clerk typed (a value that failed to parse already has its message)."""

    def __init__(self, spec: FieldSpec, locale: LocaleGetter) -> None:
        self.spec = spec
        self.locale = locale
        self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        typed = field.raw_data[0] if field.raw_data else None
        source = self.spec.org_from
        if source and source in form and form[source].data is not None:
            return  # taken from the linked row when left blank (``RegisterForm.validate``)
        if is_blank(typed) and field.data in (None, ""):
            raise StopValidation(required_message(self.spec, self.locale()))


class ChoiceField(SelectField):
    """A select whose empty option means "no value" (stored as NULL, not as an empty string).

    The posted text goes through the choice type's parser, like the API's and the import's: an
    alias (``本科``) is stored as its option (``大学本科``), anything else is refused with the field's
    Chinese message.
    """

    def __init__(self, *args: Any, spec: FieldSpec, locale: LocaleGetter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.locale = locale

    #: The same parsing (and the same message) as a text field's.
    process_formdata = ParsedField.process_formdata


def _choices(spec: FieldSpec, locale: LocaleGetter) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [("", "")] + [(choice.value, choice.label.get(locale())) for choice in spec.choices]


def make_form_field(spec: FieldSpec, service: ServiceGetter, locale: LocaleGetter, lookup_url: str) -> Field:
    validators: list[Any] = []
    if spec.required:
        validators.append(RequiredText(spec, locale))
    common: dict[str, Any] = {
        "label": lazy_label(spec.label),
        "validators": validators,
        "description": lazy_label(spec.help) if spec.help else "",
        "default": spec.default,
    }
    widget = field_type(spec.type).widget
    if widget == "checkbox":
        return BooleanField(**common)
    if widget == "select":
        return ChoiceField(spec=spec, locale=locale, choices=_choices(spec, locale), widget=Select2Widget(),
                           validate_choice=False, **common)
    if widget == "link":
        return LinkField(spec=spec, service=service, lookup_url=lookup_url, placeholder=lazy_gettext("Type to search…"), **common)
    if widget == "textarea":
        return ParsedTextAreaField(spec=spec, locale=locale, widget=BS3TextAreaFieldWidget(), **common)
    if widget == "date":
        return ParsedField(spec=spec, locale=locale, widget=DateTextWidget(), **common)
    return ParsedField(spec=spec, locale=locale, widget=BS3TextFieldWidget(), **common)


class RegisterForm(DynamicForm):
    """Base of the generated forms: widgets that parse what the clerk typed. The record as a whole
    (links, uniqueness, scope, org links) is checked by the register service when it is saved."""

    _register_spec: RegisterSpec


def build_form(spec: RegisterSpec, service: ServiceGetter, locale: LocaleGetter,
               lookup_url: Callable[[str], str]) -> type[DynamicForm]:
    attrs: dict[str, Any] = {
        field.name: make_form_field(field, service, locale, lookup_url(field.target or ""))
        for field in spec.editable_fields
    }
    attrs.update(_register_spec=spec)
    return type(f"{spec.slug.title().replace('_', '')}Form", (RegisterForm,), attrs)
