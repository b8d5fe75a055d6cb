"""The user's list arguments (filters and sort order) checked against the register and the user's rights.

One set of rules for the list screens (``_flt_<n>_<field>``, ``_oc_<View>``), the REST API
(``q=(filters:!(...),order_column:...)``) and both exports: a filter on a field that cannot be
filtered, an unknown operator or a value that does not parse is refused with a message in the reader's language
(never silently dropped, which would return the whole scope), and a field the user sees masked can
be neither filtered nor sorted on (the order of the rows would give its values away).
Filter values are parsed with the field type's parser, so ``2024年1月5日`` works where ``2024-01-05`` does.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from flask_appbuilder.exceptions import FABException, InvalidOrderByColumnFABException
from flask_appbuilder.models.filters import Filters

from portal.records.org_subtree import SUBTREE_OPERATOR
from portal.domain.messages import DomainValidationError
from portal.registry.fieldtypes import field_type
from portal.registry.parsers import is_blank
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.records.selection import Condition, Selection
from portal.security.access import Access
from portal.state import current_locale
from portal.texts import gettext

#: Operators that compare text with a pattern: any text is a valid value.
PATTERN_OPERATORS = frozenset({"sw", "ew", "ct", "nsw", "new", "nct"})
#: Operators whose value is a list of values.
LIST_OPERATORS = frozenset({"in", "not_in"})
SCREEN_FILTER = re.compile(r"_flt_(\d)_(.*)")


class ListArgsRefused(FABException):
    """A filter or sort the portal will not run; ``message`` says what to change, in the reader's language."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class OrderRefused(ListArgsRefused, InvalidOrderByColumnFABException):
    """A sort order the portal will not use (the kind FAB's list endpoint turns into a 400)."""


def _label(spec: RegisterSpec, name: str) -> str:
    return spec.field(name).label.get(current_locale()) if spec.has_field(name) else name


def _names(spec: RegisterSpec, names: Iterable[str]) -> str:
    return gettext(", ").join(_label(spec, name) for name in names) or gettext("none")


def unmasked(spec: RegisterSpec, names: Iterable[str], access: Access) -> list[str]:
    """``names`` less the fields the user sees masked (what a list may offer to sort or filter on)."""
    return [name for name in names if not (spec.has_field(name) and access.hidden(spec, spec.field(name)))]


def refuse_masked(spec: RegisterSpec, name: str, access: Access, action: str) -> None:
    """``action`` is ``filter`` or ``sort``; a field the user sees masked allows neither."""
    if spec.has_field(name) and access.hidden(spec, spec.field(name)):
        label = _label(spec, name)
        if action == "sort":
            raise OrderRefused(gettext("“%(field)s” is masked for you, so you cannot sort by it; remove this sort"
                                       " order.", field=label))
        raise ListArgsRefused(gettext("“%(field)s” is masked for you, so you cannot filter on it; remove this filter.",
                                      field=label))


def check_order(spec: RegisterSpec, column: str, allowed: Iterable[str], access: Access) -> None:
    """A sort column must be sortable and not masked for the user (blank: the default order)."""
    if not column:
        return
    refuse_masked(spec, column, access, "sort")
    allowed = list(allowed)
    if column not in allowed:
        raise OrderRefused(gettext("Cannot sort by “%(field)s”; the fields you can sort by are: %(fields)s.",
                                   field=_label(spec, column), fields=_names(spec, allowed)))


def filter_value(spec: RegisterSpec, name: str, operator: str, value: Any, access: Access) -> Any:
    """The filter value parsed for the field (lists element by element); ``ListArgsRefused`` if it is invalid."""
    if not spec.has_field(name):
        return value
    refuse_masked(spec, name, access, "filter")
    field = spec.field(name)
    if operator in LIST_OPERATORS and not isinstance(value, list):
        raise ListArgsRefused(gettext("The value of the filter “%(field)s %(operator)s” should be a list, e.g."
                                      " !(value1,value2).", field=_label(spec, name), operator=operator))
    if isinstance(value, list):
        return [_in_scope(field, operator, _one_value(field, operator, item), access) for item in value]
    return _in_scope(field, operator, _one_value(field, operator, value), access)


def _in_scope(field: FieldSpec, operator: str, value: Any, access: Access) -> Any:
    """A subtree filter must start at a unit in the user's row scope (else the page is a 400, not empty)."""
    if operator == SUBTREE_OPERATOR and access.org_ids is not None and value not in access.org_ids:
        raise ListArgsRefused(gettext("The unit chosen in the filter “%(field)s (incl. sub-units)” (No. %(id)s) is"
                                      " outside your scope; choose your own unit or a unit below it.",
                                      field=field.label.get(current_locale()), id=value))
    return value


def _one_value(field: FieldSpec, operator: str, value: Any) -> Any:
    if isinstance(value, (dict, list)) or (isinstance(value, float) and value != value):
        raise ListArgsRefused(gettext("The value “%(value)s” of the filter “%(field)s” is not a single value; enter"
                                      " a text, a number or a date.", field=field.label.get(current_locale()),
                                      value=value))
    if field.is_link:
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ListArgsRefused(gettext("The value “%(value)s” of the filter “%(field)s” is not a record number;"
                                          " choose from the drop-down list.", field=field.label.get(current_locale()),
                                          value=value))
        return int(str(value).strip())
    if operator in PATTERN_OPERATORS or field_type(field.type).free_text:
        return str(value)
    if is_blank(value):
        raise ListArgsRefused(gettext("Enter a value for the filter “%(field)s”, or remove the filter.",
                                      field=field.label.get(current_locale())))
    try:
        return field_type(field.type).parse(value, field)
    except DomainValidationError as error:
        raise ListArgsRefused(gettext("The value of the filter “%(field)s” is not valid: %(reason)s",
                                      field=field.label.get(current_locale()),
                                      reason=error.message(current_locale()))) from None


def typed_filters(spec: RegisterSpec, filters: Filters, access: Access) -> Filters:
    """A copy of ``filters`` whose values are parsed for their fields (FAB then compares typed values)."""
    typed = filters.copy()
    typed.values = [filter_value(spec, flt.column_name, flt.arg_name or "", value, access)
                    if not flt.is_related_view else value
                    for flt, value in zip(filters.filters, filters.values)]
    return typed


def _operators(search_filters: Mapping[str, list[Any]], name: str) -> list[str]:
    return [flt.arg_name for flt in search_filters.get(name, [])]


def _refuse_column(spec: RegisterSpec, name: str, search_filters: Mapping[str, list[Any]], access: Access) -> None:
    refuse_masked(spec, name, access, "filter")
    if name not in search_filters:
        raise ListArgsRefused(gettext("Cannot filter on “%(field)s”; the fields you can filter on are: %(fields)s.",
                                      field=_label(spec, name), fields=_names(spec, search_filters)))


def check_rest_filters(spec: RegisterSpec, raw: Any, search_filters: Mapping[str, list[Any]],
                       access: Access) -> list[dict[str, Any]]:
    """The API's ``filters`` list checked and with parsed values: ``[{col, opr, value}, ...]``."""
    checked = []
    for item in raw or []:
        if not isinstance(item, dict) or not {"col", "opr", "value"} <= set(item):
            raise ListArgsRefused(gettext("Each filter needs col (the field), opr (the operator) and value, e.g."
                                          " (col:status,opr:eq,value:在籍)."))
        name, operator = str(item["col"]), str(item["opr"])
        _refuse_column(spec, name, search_filters, access)
        if operator not in _operators(search_filters, name):
            raise ListArgsRefused(gettext("“%(field)s” has no filter operator “%(operator)s”; those it has are:"
                                          " %(operators)s.", field=_label(spec, name), operator=operator,
                                          operators=gettext(", ").join(_operators(search_filters, name))))
        checked.append({"col": name, "opr": operator,
                        "value": filter_value(spec, name, operator, item["value"], access)})
    return checked


def check_screen_args(spec: RegisterSpec, args: Any, search_filters: Mapping[str, list[Any]],
                      order_columns: Iterable[str], view_name: str, access: Access) -> None:
    """A list page's ``_flt_<n>_<field>`` and ``_oc_<View>`` arguments, as FAB will read them."""
    for arg in args:
        match = SCREEN_FILTER.search(arg)
        if match:
            index, name = int(match.group(1)), match.group(2)
            _refuse_column(spec, name, search_filters, access)
            if index >= len(search_filters[name]):
                raise ListArgsRefused(gettext("“%(field)s” has no filter number %(number)s; choose again in the filter"
                                              " bar.", field=_label(spec, name), number=index + 1))
            operator = search_filters[name][index].arg_name or ""
            filter_value(spec, name, operator, args.getlist(arg), access)  # FAB passes the list of values
    column = args.get(f"_oc_{view_name}", "")
    if column and args.get(f"_od_{view_name}") in ("asc", "desc"):
        check_order(spec, column, order_columns, access)


def selection_of(spec: RegisterSpec, filters: Any, order: tuple[str, str], search: str | None,
                 access: Access) -> Selection:
    """A list's FAB filters, sort and quick search as a ``Selection`` (values parsed for their fields)."""
    typed = typed_filters(spec, filters, access)
    conditions: list[Condition] = []
    for flt, value in zip(typed.filters, typed.values):
        if flt.is_related_view:
            continue
        operator = flt.arg_name or ""
        # As FAB applies them: a list of values means one condition each, except for ``in``/``not_in``.
        values = value if isinstance(value, list) and operator not in ("in", "not_in") else [value]
        conditions += [Condition(flt.column_name, operator, item) for item in values]
    column, direction = order
    return Selection(tuple(conditions), search, (column, direction or "asc") if column else None)
