"""Ids, pages and routes that name nothing: not found (404) or a Chinese 400, never a 500.

SQLite refuses integers beyond 64 bits with ``OverflowError`` and PostgreSQL with a ``DataError``;
ids come from the address (``/members/show/<pk>``, ``/api/v1/members/<pk>``) and pages from the
query string, so both are checked before a query is built.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from portal.errors import RequestRejected
from portal.texts import gettext

#: The largest integer a database column or OFFSET holds (64-bit signed).
INT64_MAX = 2**63 - 1


def storable_id(value: Any) -> int | None:
    """``value`` as a record id the database can look up, or ``None`` (no such record)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and value.isascii():
        number = int(value)
    else:
        return None
    return number if -INT64_MAX <= number <= INT64_MAX else None


def check_page(page: int | None, page_size: int | None) -> None:
    """A page before the first or so far on that its offset overflows is refused (a 400 saying why)."""
    if page is None:
        return
    if page < 0:
        raise RequestRejected(400, gettext("The page number cannot be negative (it is %(page)s); the first page is 0.",
                                           page=page))
    if page * max(page_size or 1, 1) > INT64_MAX:
        raise RequestRejected(400, gettext("Page %(page)s is too far on; go back to the first page or use a smaller"
                                           " page number.", page=page))


#: Rows skipped from which a list page reads its ids first (a deferred join) instead of OFFSET on whole rows.
DEFERRED_FROM = 1_000


class BoundedInterfaceMixin:
    """Mixed into the FAB data interface: out-of-range ids find nothing, out-of-range pages are refused."""

    def get(self, id: Any, filters: Any = None, select_columns: Any = None,
            outer_default_load: bool = False) -> Any:
        pk = storable_id(id)
        if pk is None:
            return None
        return super().get(pk, filters, select_columns, outer_default_load)  # type: ignore[misc]

    def apply_pagination(self, query: Any, page: int | None, page_size: int | None) -> Any:
        """A page far down a list reads its ids first (``DEFERRED_FROM``): the rows skipped are walked in the
        sort order's index alone, and only the page's own rows are read from the table."""
        if page and page_size and page * page_size >= DEFERRED_FROM:
            model_id = self.obj.id  # type: ignore[attr-defined]
            ids = query.with_entities(model_id.label("page_id")).offset(page * page_size).limit(page_size)
            chosen = ids.subquery("page_ids")
            return query.join(chosen, chosen.c.page_id == model_id)
        return super().apply_pagination(query, page, page_size)  # type: ignore[misc]

    def query(self, filters: Any = None, order_column: str = "", order_direction: str = "",
              page: int | None = None, page_size: int | None = None, select_columns: Any = None,
              outer_default_load: bool = False) -> Any:
        check_page(page, page_size)
        return super().query(filters, order_column, order_direction, page, page_size,  # type: ignore[misc]
                             select_columns, outer_default_load)


class UnusedRoutesMixin:
    """FAB routes the portal has no use for answer 404: no register has file columns or list actions.

    The routes stay registered (``/download/<file>`` keeps its ``can_download`` permission, which
    roles grant with ``read``, and GET on ``/action/...`` keeps its 405 from ``portal.csrf``) but
    name nothing.
    """

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename: str) -> Any:
        abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: str) -> Any:
        abort(404)

    @expose("/action_post", methods=["POST"])
    def action_post(self) -> Any:
        abort(404)
