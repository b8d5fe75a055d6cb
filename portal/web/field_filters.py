"""Filters that fit the field: which operators each field type has, and the filter panel's data.

One set of operators per field serves the list screens (``_flt_<n>_<field>``), the REST API
(``q=(filters:!((col:..., opr:..., value:...)))``) and both exports, because all of them read the
view's ``Filters``:

- a choice compares whole values (等于, 不等于, 属于, 不属于): "开头是" and the other text patterns
  make no sense on a closed list, so a choice does not offer them;
- dates, months and numbers add ``ge`` / ``le`` (从 … 到 …, both ends included): the panel shows
  them as one range row;
- a boolean is 是/否, a link is a search box fed by ``/lookup/<slug>``.

``filter_panel`` describes, for the current user, what the panel offers (masked fields are left
out: they cannot be filtered) and the filters now applied, with the linked records' titles.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.widgets import RenderTemplateWidget, SearchWidget

from flask_babel import gettext, lazy_gettext
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.access import Access, row_condition
from portal.security.current import current_access
from portal.state import current_locale
from portal.web.forms import link_text
from portal.web.org_subtree import SUBTREE_OPERATOR

#: Text patterns: meaningless on a choice.
PATTERNS = frozenset({"sw", "ew", "ct", "nsw", "new", "nct"})
#: Field types filtered by a range (from / to).
RANGE_TYPES = frozenset({"date", "month", "integer", "decimal", "money"})
#: The operators the panel offers per kind of field (the API accepts every operator of the field).
PANEL_OPERATORS = {
    "choice": ("eq", "neq"),
    "boolean": ("eq",),
    "range": ("ge", "le"),
    "link": ("rel_o_m", "nrel_o_m", SUBTREE_OPERATOR),
}


class FilterFrom(BaseFilter):
    """从: the value or later / larger (the range's lower end, included)."""

    name = lazy_gettext("from (incl.)")
    arg_name = "ge"

    def apply(self, query: Any, value: Any) -> Any:
        return query.filter(getattr(self.model, self.column_name) >= value)


class FilterTo(BaseFilter):
    """到: the value or earlier / smaller (the range's upper end, included)."""

    name = lazy_gettext("to (incl.)")
    arg_name = "le"

    def apply(self, query: Any, value: Any) -> Any:
        return query.filter(getattr(self.model, self.column_name) <= value)


def panel_kind(field: FieldSpec | None) -> str:
    """choice, boolean, range, link or text: how the panel asks for the field's value."""
    if field is None:
        return "text"
    if field.type in ("choice", "boolean", "link"):
        return field.type
    return "range" if field.type in RANGE_TYPES else "text"


def fit_filters(spec: RegisterSpec, filters: Any, datamodel: Any) -> Any:
    """``filters`` (FAB ``Filters``) with the operators of each search field fitted to its type.

    The list screens address an operator by its index in ``_all_filters`` and check it against
    ``get_search_filters()``, so both get the same list.
    """
    search_filters = filters.get_search_filters()
    for name, current in list(search_filters.items()):
        if not spec.has_field(name):
            continue
        field = spec.field(name)
        fitted = list(current)
        if field.type == "choice":
            fitted = [flt for flt in fitted if flt.arg_name not in PATTERNS]
        if field.type in RANGE_TYPES and not any(flt.arg_name == "ge" for flt in fitted):
            fitted += [FilterFrom(name, datamodel), FilterTo(name, datamodel)]
        search_filters[name] = fitted
        filters._all_filters[name] = fitted  # FAB reads the screens' operator indexes here
    return filters


def _operators(search_filters: dict[str, list[Any]], name: str) -> list[list[Any]]:
    return [[index, str(flt.name), flt.arg_name] for index, flt in enumerate(search_filters.get(name, []))]


def _column(spec: RegisterSpec, name: str, label: Any, search_filters: dict[str, list[Any]],
            locale: str) -> dict[str, Any]:
    field = spec.field(name) if spec.has_field(name) else None
    kind = panel_kind(field)
    column: dict[str, Any] = {"name": name, "label": str(label), "kind": kind, "type": field.type if field else "",
                              "operators": _operators(search_filters, name),
                              "panel": list(PANEL_OPERATORS.get(kind, ()))}
    if field is not None and kind == "choice":
        column["choices"] = [[choice.value, choice.label.get(locale)] for choice in field.choices]
    if field is not None and kind == "boolean":
        column["choices"] = [["是", gettext("Yes")], ["否", gettext("No")]]  # i18n: data (the stored values)
    if field is not None and kind == "link":
        column["lookup"] = f"/lookup/{field.target}"
    return column


def _link_titles(datamodel: Any, field: FieldSpec, ids: set[int], access: Access) -> dict[int, str]:
    """The titles of the linked records the user may see (an id outside the scope has none)."""
    if not ids:
        return {}
    target = datamodel.registry.get(field.target or "")
    model = datamodel.models[target.slug]
    query = sa.select(model).where(model.id.in_(ids))
    scope = row_condition(target, model, access)
    if scope is not None:
        query = query.where(scope)
    return {row.id: link_text(row, access) for row in datamodel.session.scalars(query).unique().all()}


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _active(spec: RegisterSpec, filters: Any, search_filters: dict[str, list[Any]], datamodel: Any,
            access: Access) -> list[dict[str, Any]]:
    active = []
    for flt, value in zip(filters.filters, filters.values):
        name = flt.column_name
        if flt.is_related_view or name not in search_filters or flt not in search_filters[name]:
            continue
        index = search_filters[name].index(flt)
        for item in _values(value):
            active.append({"name": name, "index": index, "arg": flt.arg_name, "value": "" if item is None else str(item)})
    for name in {entry["name"] for entry in active}:
        field = spec.field(name) if spec.has_field(name) else None
        if field is None or not field.is_link:
            continue
        ids = {int(entry["value"]) for entry in active if entry["name"] == name and entry["value"].isdigit()}
        titles = _link_titles(datamodel, field, ids, access)
        for entry in active:
            if entry["name"] == name:
                number = int(entry["value"]) if entry["value"].isdigit() else None
                entry["text"] = titles.get(number, gettext("No. %(id)s", id=entry["value"])) if number is not None else entry["value"]
    return active


def filter_panel(spec: RegisterSpec, include_cols: list[str], labels: dict[str, Any], filters: Any,
                 datamodel: Any, access: Access, locale: str) -> dict[str, Any]:
    """What the filter panel offers this user and the filters applied now (JSON for ``filters.js``)."""
    search_filters = filters.get_search_filters()
    names = [name for name in include_cols
             if name in search_filters and not (spec.has_field(name) and access.hidden(spec, spec.field(name)))]
    return {
        "columns": [_column(spec, name, labels.get(name, name), search_filters, locale) for name in names],
        "active": _active(spec, filters, search_filters, datamodel, access),
        "text": {"from": gettext("from"), "to": gettext("up to"), "choose": gettext("Choose…"),
                 "search": gettext("Type to search…"), "remove": gettext("Remove this filter")},
    }


class PortalSearchWidget(SearchWidget):
    """The list's filter panel: a data block read by ``static/filters.js`` (no inline script)."""

    template = "portal/search_widget.html"

    def __call__(self, **kwargs: Any) -> Any:
        args = self.template_args
        view = args["view"]
        labels = {name: view.label_columns.get(name, name) for name in args["include_cols"]}
        kwargs["panel"] = filter_panel(view.register, args["include_cols"], labels, self.filters, view.datamodel,
                                       current_access(), current_locale())
        return RenderTemplateWidget.__call__(self, **kwargs)
