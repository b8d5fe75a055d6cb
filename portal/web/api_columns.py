"""What the generated REST API lets a reader ask for: columns, filters and sort order, per user.

FAB builds a fresh schema straight from the model when a request names ``columns`` or
``select_columns``, which would send clear values and whole linked rows. Here any selection is a
subset of the register's own dump schema, so it is masked like the default response and links stay
``{id, key, title}``. Filters and the sort order go through ``portal.web.list_args`` (a Chinese
400 for anything the portal will not run), and the metadata the API returns offers no masked field
for sorting or filtering.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.exceptions import InvalidColumnArgsFABException
from flask_babel import gettext
from marshmallow import Schema

from portal.web.list_args import check_order, check_rest_filters, unmasked
from portal.registry.spec import RegisterSpec
from portal.security.current import current_access


class MaskedDumpConverter:
    """Stands in for FAB's ``Model2SchemaConverter``: a column selection is the dump schema cut down."""

    dump_schema: type[Schema]

    def __init__(self, datamodel: Any, validators_columns: Any) -> None:
        """FAB passes the model interface and validators; the dump schema needs neither."""

    def convert(self, columns: list[str], **kwargs: Any) -> Schema:
        return self.dump_schema(only=tuple(columns))


def masked_converter(dump_schema: type[Schema]) -> type[MaskedDumpConverter]:
    return type(f"{dump_schema.__name__}Converter", (MaskedDumpConverter,), {"dump_schema": dump_schema})


class MaskedQueryApiMixin:
    """Column selection, filters and sort order of a register API, checked for the current user."""

    register: RegisterSpec
    sortable_columns: list[str] = []
    search_columns: list[str]
    _filters: Any

    @property
    def order_columns(self) -> list[str]:
        """The sortable columns, less those the user sees masked (their order would give them away)."""
        return unmasked(self.register, self.sortable_columns, current_access())

    @order_columns.setter
    def order_columns(self, value: Any) -> None:
        """The columns come from ``sortable_columns`` and the user's rights."""

    def _handle_columns_args(self, args: dict[str, Any], default_select_columns: list[str],
                             default_response_columns: list[str]) -> tuple[list[str], list[str]]:
        if args.get("select_columns") and args.get("columns"):
            raise InvalidColumnArgsFABException(
                gettext("Use either columns or select_columns, not both: remove one."))
        return super()._handle_columns_args(args, default_select_columns,  # type: ignore[misc]
                                            default_response_columns)

    def _handle_filters_args(self, rison_args: dict[str, Any]) -> Any:
        checked = check_rest_filters(self.register, rison_args.get("filters"), self._filters.get_search_filters(),
                                     current_access())
        return super()._handle_filters_args({**rison_args, "filters": checked})  # type: ignore[misc]

    def _handle_order_args(self, rison_args: dict[str, Any]) -> tuple[str, str]:
        column = rison_args.get("order_column", "")
        check_order(self.register, column, self.sortable_columns, current_access())
        return super()._handle_order_args(rison_args)  # type: ignore[misc]

    def info_headless(self, **kwargs: Any) -> Any:
        """``_info`` as FAB builds it, its filters cut to the fields the user may filter on."""
        payload: dict[str, Any] = {}
        rison_args = kwargs.get("rison", {})
        self.set_response_key_mappings(payload, self.info, rison_args, **rison_args)  # type: ignore[attr-defined]
        if "filters" in payload:
            offered = unmasked(self.register, payload["filters"], current_access())
            payload["filters"] = {name: payload["filters"][name] for name in offered}
        return self.response(200, **payload)  # type: ignore[attr-defined]
