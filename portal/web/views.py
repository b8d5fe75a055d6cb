"""Spec -> Flask-AppBuilder ModelView (list/show/add/edit/delete, quick search, filters).

Everything a screen shows comes from the register spec: columns, labels, help texts, the form,
the default order. ``PortalInterface`` adds the quick search (``?q=``) to FAB's query so the count,
the pagination and the rows agree.
"""

from __future__ import annotations

import builtins
from typing import Any, Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g, has_request_context, redirect, request, url_for
from flask_babel import LazyString, gettext, lazy_gettext
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.widgets import ShowWidget

from portal.web.bounds import BoundedInterfaceMixin, UnusedRoutesMixin
from portal.web.cells import cell_formatter, local_time
from portal.web.counting import list_count
from portal.web.forms import LinkField, build_form
from portal.web.field_filters import PortalSearchWidget, fit_filters
from portal.web.org_subtree import add_subtree_filter
from portal.records.selection import Selection, SelectionRefused, where_clauses
from portal.web.list_args import ListArgsRefused, check_screen_args, selection_of, unmasked
from portal.records.collation import sort_expression
from portal.records.service import RegisterService
from portal.web.related import related_lists
from portal.records.row_schema import LocaleGetter
from portal.web.saving import ServiceSavingMixin
from portal.errors import error_response
from portal.labels import lazy_label
from portal.registry.derivations import is_stored
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.access import Access
from portal.security.current import current_access
from portal.state import current_locale

PAGE_SIZE = 25
#: Field types shown right-aligned in lists (amounts line up on the decimal point).
NUMBER_TYPES = frozenset({"money", "decimal", "integer"})


class PortalInterface(BoundedInterfaceMixin, SQLAInterface):
    """SQLAInterface limited to the user's row scope, plus the quick search of the current list request.

    Every FAB query goes through ``apply_filters``: list, count, show/edit/delete by id (``get``),
    the REST endpoints and the related-field queries, so the scope holds on all of them. The filters
    become a ``Selection`` whose SQL comes from ``portal.records.selection`` (the exports use the same).
    """

    register: RegisterSpec
    registry: Registry
    models: dict[str, Any]

    def apply_filters(self, query: Any, filters: Any) -> Any:
        access = current_access()
        if filters is not None and any(self._hides(access, item.column_name) for item in filters.filters):
            # Filtering on a value the user sees masked would reveal it: such a filter matches nothing
            # (the screens, the API and the exports refuse it before they get here).
            return query.filter(sa.false())
        text = g.get("portal_search") if has_request_context() else None
        try:
            selection = selection_of(self.register, filters, ("", ""), text, access) if filters is not None \
                else Selection(search=text)
            clauses = where_clauses(self.register, self.registry, self.models, self.session, access, selection)
        except (ListArgsRefused, SelectionRefused):
            return query.filter(sa.false())  # never the whole scope for a value that does not parse
        return query.filter(*clauses)

    def query_count(self, query: Any, filters: Any = None, select_columns: Any = None) -> int:
        """FAB's count of the list, or the planner's estimate of a very long one (``portal.web.counting``)."""
        inner = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        return list_count(self.session, inner)

    def get_filters(self, search_columns: Any = None, search_filters: Any = None) -> Any:
        """FAB's filters fitted to each field's type (``portal.web.field_filters``), plus ``org_unit_subtree``
        on the field that places rows in the org tree."""
        filters = fit_filters(self.register, super().get_filters(search_columns, search_filters), self)
        return add_subtree_filter(self.register, filters, self)

    def apply_order_by(self, query: Any, order_column: str, order_direction: str, aliases_mapping: Any = None,
                       bypass_many_to_many: bool = False, add_pk: bool = False) -> Any:
        """Words (names, titles, options) in pinyin order where the database can (``portal.records.collation``)."""
        field = self.register.field(order_column) if self.register.has_field(order_column) else None
        if field is None or field.is_link or not is_stored(field):
            return super().apply_order_by(query, order_column, order_direction, aliases_mapping,
                                          bypass_many_to_many, add_pk)
        column = sort_expression(getattr(self.obj, order_column), field.type, self.session)
        direction = sa.asc if order_direction == "asc" else sa.desc
        columns = [direction(column)] + ([direction(self.obj.id)] if add_pk else [])
        return query.order_by(*columns)

    def _hides(self, access: Access, name: str) -> bool:
        return self.register.has_field(name) and access.hidden(self.register, self.register.field(name))

    def get_related_interface(self, col_name: str) -> SQLAInterface:
        """A link's target gets its own scoped interface (drop-downs and filters list only rows in scope)."""
        field = self.register.field(col_name) if self.register.has_field(col_name) else None
        if field is not None and field.is_link:
            return make_interface(self.registry.get(field.target or ""), self.registry, self.models)
        return super().get_related_interface(col_name)


def make_interface(spec: RegisterSpec, registry: Registry, models: dict[str, Any]) -> PortalInterface:
    """The FAB data interface of one register (row scope and quick search included)."""
    model = models[spec.slug]
    interface = type(f"{model.__name__}Interface", (PortalInterface,),
                     {"register": spec, "registry": registry, "models": models})
    return interface(model)


class PortalShowWidget(ShowWidget):
    """A record's page with a delete button (a POST form with the CSRF token)."""

    template = "portal/show_widget.html"


class PortalModelView(ServiceSavingMixin, UnusedRoutesMixin, ModelView):
    """Base of every generated register view.

    The add and edit forms are cut per user: approval fields need ``approve``, and a field the user
    sees masked is not offered for editing (it keeps its value). Sensitive values are masked on the
    list and show pages for users whose roles do not unmask them.
    """

    list_template = "portal/list.html"
    show_template = "portal/show.html"
    show_widget = PortalShowWidget
    search_widget = PortalSearchWidget
    page_size = PAGE_SIZE
    register: RegisterSpec
    base_form: Any = None
    sortable_columns: list[str] = []

    def render_template(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("view", self)
        return super().render_template(template, **kwargs)

    @expose("/list/")
    @has_access
    def list(self) -> Any:
        """The list page; a filter or sort the user may not use is a Chinese 400 page, not the whole list."""
        try:
            self.check_list_args(request.args)
        except ListArgsRefused as refused:
            return error_response(400, refused.message)
        return super().list()

    def check_list_args(self, args: Any) -> None:
        """Raise ``ListArgsRefused`` for a ``_flt_``/``_oc_`` argument this user may not use (list and export)."""
        check_screen_args(self.register, args, self._filters.get_search_filters(), self.order_columns,
                          type(self).__name__, current_access())

    @property
    def order_columns(self) -> builtins.list[str]:  # ``list`` is the list page's endpoint in this class
        """The sortable columns, less those the user sees masked (their order would give them away)."""
        return unmasked(self.register, self.sortable_columns, current_access())

    @order_columns.setter
    def order_columns(self, value: Any) -> None:
        """The columns come from ``sortable_columns`` and the user's rights."""

    def _list(self, **kwargs: Any) -> Any:
        g.portal_search = request.args.get("q", "").strip()[:100] or None
        try:
            return super()._list(**kwargs)
        finally:
            g.portal_search = None

    def post_delete_redirect(self) -> Any:
        """Back to the page the delete came from, or to the list when that was the record's own page."""
        target = self.get_redirect()
        if urlsplit(target).path.startswith((f"{self.route_base}/show/", f"{self.route_base}/edit/")):
            target = url_for(f"{type(self).__name__}.list")
        return redirect(target)

    def _get_list_widget(self, *args: Any, **kwargs: Any) -> Any:
        """FAB's list widget, told which columns hold amounts and numbers (right-aligned)."""
        widgets = super()._get_list_widget(*args, **kwargs)
        template_args = widgets["list"].template_args
        template_args["number_columns"] = [field.name for field in self.register.fields if field.type in NUMBER_TYPES]
        # each cell carries its column's name (data-label, the phone's card view): translated once per page
        labels = template_args.get("label_columns") or {}
        template_args["column_labels"] = {name: str(labels.get(name, name))
                                          for name in template_args.get("include_columns") or ()}
        return widgets

    def _get_search_widget(self, form: Any = None, exclude_cols: Any = None, widgets: Any = None) -> Any:
        widgets = super()._get_search_widget(form=form, exclude_cols=exclude_cols, widgets=widgets)
        widgets["search"].template_args["view"] = self  # the panel reads the register and the user's rights
        return widgets

    def _get_show_widget(self, pk: Any, item: Any, **kwargs: Any) -> Any:
        """FAB's show widget (with the 审批 button for a user who may approve) plus the records listed
        under this one (``portal/show.html``)."""
        widgets = super()._get_show_widget(pk, item, **kwargs)
        if hasattr(self, "approve") and self.appbuilder.sm.has_access("can_approve", self.class_permission_name):
            widgets["show"].template_args["approve_path"] = url_for(f"{type(self).__name__}.approve", pk=pk)
        datamodel = self.datamodel
        widgets["portal_related"] = related_lists(
            datamodel.registry, datamodel.models, self.register, item, current_access(), datamodel.session,
            current_locale(), url_for(f"{type(self).__name__}.show", pk=pk))
        return widgets

    def _get_add_widget(self, form: Any, exclude_cols: Any = None, widgets: Any = None) -> Any:
        """On a first visit, links named in the address (``/dues/add?member=12``) are filled in."""
        if request.method == "GET":
            for name, value in request.args.items():
                field = getattr(form, name, None)
                if isinstance(field, LinkField) and value.isdigit():
                    try:
                        field.process_formdata([value])
                    except ValueError:
                        field.data = None  # a record outside the scope or gone: the box stays empty
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def post_add(self, item: Any) -> None:
        """Remember the new record so the redirect can open it (a failed add leaves no id)."""
        g.portal_saved_pk = getattr(item, "id", None)

    def post_add_redirect(self) -> Any:
        """After a save: the ``next`` page given, else the new record's page; a failed save goes back
        to the ``next`` page or the list, never the home page."""
        return redirect(self._after_save(g.get("portal_saved_pk")))

    def post_edit_redirect(self) -> Any:
        """After an edit (or approval): the ``next`` page given, else the record's page."""
        return redirect(self._after_save((request.view_args or {}).get("pk")))

    def _after_save(self, pk: Any) -> str:
        target = local_path(request.args.get("next"))
        if target:
            return target
        if pk is not None:
            return url_for(f"{type(self).__name__}.show", pk=pk)
        return url_for(f"{type(self).__name__}.list")

    def searchable_fields(self) -> builtins.list[FieldSpec]:
        """What the quick search box searches for this user (never a field they see masked)."""
        access = current_access()
        return [field for field in map(self.register.field, self.register.screens.search)
                if not access.hidden(self.register, field)]

    def _mode(self) -> str:
        return g.get("portal_form_mode", "edit") if has_request_context() else "edit"

    def _allowed(self, mode: str) -> tuple[str, ...]:
        access = current_access()
        if mode == "approve":
            return tuple(name for name in self.register.approval if access.can(self.register.slug, "approve"))
        return access.writable(self.register, creating=mode == "add")

    def _form_for(self, mode: str) -> Any:
        allowed = self._allowed(mode)
        cache = self.__dict__.setdefault("_forms", {})
        if (mode, allowed) not in cache:
            removed = {field.name: None for field in self.register.editable_fields if field.name not in allowed}
            cache[(mode, allowed)] = type(f"{self.base_form.__name__}{mode.title()}", (self.base_form,), removed)
        return cache[(mode, allowed)]

    @property
    def add_form(self) -> Any:
        return self._form_for("add")

    @add_form.setter
    def add_form(self, value: Any) -> None:
        """FAB assigns a generated form at start-up; the form built from the spec is kept instead."""

    @property
    def edit_form(self) -> Any:
        return self._form_for(self._mode())

    @edit_form.setter
    def edit_form(self, value: Any) -> None:
        """See ``add_form``."""

    @property
    def add_columns(self) -> builtins.list[str]:
        return list(self._allowed("add"))

    @add_columns.setter
    def add_columns(self, value: Any) -> None:
        """The columns follow the user's writable fields."""

    @property
    def edit_columns(self) -> builtins.list[str]:
        return list(self._allowed(self._mode()))

    @edit_columns.setter
    def edit_columns(self, value: Any) -> None:
        """See ``add_columns``."""


class ApprovalViewMixin:
    """``/<slug>/approve/<pk>``: a form with only the approval fields, for roles with ``approve``."""

    @expose("/approve/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("approve")
    def approve(self, pk: Any) -> Any:
        g.portal_form_mode = "approve"
        try:
            widgets = self._edit(pk)  # type: ignore[attr-defined]
        finally:
            g.portal_form_mode = "edit"
        if not widgets:
            return self.post_edit_redirect()  # type: ignore[attr-defined]
        return self.render_template(self.edit_template, title=self.approve_title,  # type: ignore[attr-defined]
                                    widgets=widgets, related_views=self._related_views)  # type: ignore[attr-defined]


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/members/list/?page=2``), else ``None``: an absolute
    or protocol-relative URL, a backslash or a control character would let a link send users elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _columns(spec: RegisterSpec, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if spec.has_field(name)]


def filter_columns(spec: RegisterSpec, registry: Registry) -> list[str]:
    """Filters a list page offers; a link filter lists every target row, so only small targets qualify."""
    allowed = []
    for name in spec.screens.filters:
        field = spec.field(name)
        if not is_stored(field) or field.sensitive:
            continue
        if field.is_link and registry.get(field.target or "").org_field is not None:
            continue
        allowed.append(name)
    return allowed


def _order(spec: RegisterSpec) -> tuple[str, str] | None:
    order = spec.screens.order
    if not order:
        return None
    return (order.lstrip("-"), "desc" if order.startswith("-") else "asc")


def build_view(spec: RegisterSpec, registry: Registry, models: dict[str, Any], service: Callable[[], RegisterService],
               locale: LocaleGetter, mixins: tuple[type, ...] = ()) -> type[PortalModelView]:
    """The register's ModelView; ``mixins`` add pages of their own (the import screens)."""
    model = models[spec.slug]
    form = build_form(spec, service, locale, lambda target: f"/lookup/{target}")
    label = spec.label
    labels = {field.name: lazy_label(field.label) for field in spec.fields}
    labels.update({"created_at": lazy_gettext("Created"), "updated_at": lazy_gettext("Last updated")})
    stored = [field.name for field in spec.fields if is_stored(field)]
    attrs: dict[str, Any] = {
        "register": spec,
        "datamodel": make_interface(spec, registry, models),
        "route_base": f"/{spec.slug}",
        "class_permission_name": spec.slug,
        "list_title": LazyString(lambda: gettext("%(register)s list", register=label.get(current_locale()))),
        "show_title": LazyString(lambda: gettext("%(register)s record", register=label.get(current_locale()))),
        "add_title": LazyString(lambda: gettext("Add %(register)s", register=label.get(current_locale()))),
        "edit_title": LazyString(lambda: gettext("Edit %(register)s", register=label.get(current_locale()))),
        "approve_title": LazyString(lambda: gettext("Approve %(register)s", register=label.get(current_locale()))),
        "label_columns": labels,
        "description_columns": {f.name: lazy_label(f.help) for f in spec.fields if f.help},
        "list_columns": _columns(spec, spec.screens.list),
        "show_columns": [field.name for field in spec.fields] + ["created_at", "updated_at"],
        "search_columns": filter_columns(spec, registry),
        "sortable_columns": [name for name in _columns(spec, spec.screens.list) if name in stored],
        "formatters_columns": {**{field.name: cell_formatter(spec, field, locale, registry, models)
                                  for field in spec.fields},
                               "created_at": local_time, "updated_at": local_time},
        "base_form": form,
        "service_getter": staticmethod(service),
    }
    order = _order(spec)
    if order:
        attrs["base_order"] = order
    bases = (*mixins, ApprovalViewMixin, PortalModelView) if spec.approval else (*mixins, PortalModelView)
    return type(f"{model.__name__}View", bases, attrs)
