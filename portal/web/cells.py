"""How values read on the list and show pages (FAB ``formatters_columns``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import url_for
from markupsafe import Markup

from portal.records.row_schema import LocaleGetter
from portal.domain.china_time import china_datetime
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.access import Access
from portal.security.current import current_access
from portal.security.masking import mask_value


def cell_formatter(spec: RegisterSpec, field: FieldSpec, locale: LocaleGetter, registry: Registry,
               models: dict[str, Any]) -> Callable[[Any], str]:
    """How a value reads on the list and show pages: blanks empty, choices by label, money with two
    decimals, sensitive values masked for users whose roles do not unmask them, and a link as the
    linked record's title, leading to its page when the reader may open it."""
    target = registry.get(field.target or "") if field.is_link else None
    show_endpoint = f"{models[target.slug].__name__}View.show" if target is not None else ""
    display = field_type(field.type).display

    def format_value(value: Any) -> str:
        if value is None or value == "":
            return ""
        access = current_access()
        if access.hidden(spec, field):
            return str(mask_value(field, value))
        if target is not None:
            return _record_link(value, target, show_endpoint, access)
        return display(value, field, locale())

    return format_value


def _record_link(record: Any, target: RegisterSpec, show_endpoint: str, access: Access) -> str:
    """The linked record's title, as a link to its page when the reader may read that register and the
    record lies in their scope (out of scope: the title only, never the key)."""
    title = str(record)
    if not (access.can(target.slug, "read") and access.reaches(target, record)):
        return title
    return Markup('<a href="{}">{}</a>').format(url_for(show_endpoint, pk=record.id), title)


def local_time(value: datetime | None) -> str:
    """Timestamps are stored in UTC and shown in China Standard Time, to the minute."""
    if value is None:
        return ""
    return china_datetime(value).strftime("%Y-%m-%d %H:%M")
