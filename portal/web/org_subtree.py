"""The subtree filter ``org_unit_subtree``: rows of an org unit and of every unit below it.

Offered on the field that places a register's rows in the org tree (``org_field``, or ``parent`` of
the org units themselves), next to FAB's exact "关联" filter, so one filter class serves the list
screens (``_flt_<n>_org_unit``), the REST API (``(col:org_unit,opr:org_unit_subtree,value:ID)``)
and both exports. The tree walk is ``portal.security.access.subtree_ids``; the result is cut to the
user's row scope, and a unit outside that scope is refused by ``portal.web.list_args``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter

from flask_babel import LazyString, gettext, lazy_gettext
from portal.registry.spec import RegisterSpec
from portal.records.org_subtree import SUBTREE_OPERATOR, anchor_column, anchor_name, subtree_in_scope
from portal.security.access import ORG_REGISTER
from portal.security.current import current_access
from portal.state import current_locale


def openapi_list_doc(spec: RegisterSpec) -> dict[str, Any]:
    """The list endpoint's OpenAPI description, naming the subtree filter of this register."""
    name = anchor_name(spec)
    if not name:
        return {}
    text = LazyString(lambda: gettext(
        "List of %(register)s in your row scope; `opr:%(operator)s` on `%(column)s` selects the rows of a unit and"
        " of every unit below it: `q=(filters:!((col:%(column)s,opr:%(operator)s,value:<unit record id>)))`"
        " (a unit outside your scope is a 400).",
        register=spec.label.get(current_locale()), operator=SUBTREE_OPERATOR, column=name))
    return {"get_list": {"get": {"description": text}}}


class FilterOrgSubtree(BaseFilter):
    """所属工会（含下级）: the unit chosen and every unit below it, inside the user's scope."""

    name = lazy_gettext("incl. sub-units")
    arg_name = SUBTREE_OPERATOR

    def apply(self, query: Any, value: Any) -> Any:
        interface = self.datamodel
        spec: RegisterSpec = interface.register
        try:
            root = int(str(value).strip())
        except ValueError:
            return query.filter(sa.false())
        tree_field = interface.registry.get(ORG_REGISTER).tree or "parent"
        ids = subtree_in_scope(interface.session, interface.models[ORG_REGISTER], tree_field, root, current_access())
        return query.filter(anchor_column(spec, self.model).in_(ids))


def add_subtree_filter(spec: RegisterSpec, filters: Any, datamodel: Any) -> Any:
    """``filters`` (FAB ``Filters``) with the subtree filter after the anchor field's own filters."""
    name = anchor_name(spec)
    search_filters = filters.get_search_filters()
    if name and name in search_filters and not any(flt.arg_name == SUBTREE_OPERATOR for flt in search_filters[name]):
        subtree = FilterOrgSubtree(name, datamodel)
        search_filters[name] = [*search_filters[name], subtree]
        filters._all_filters[name] = [*filters._all_filters.get(name, []), subtree]  # FAB reads indexes here
    return filters
