"""Hands the built views and APIs to the AppBuilder; the only module that touches FAB menus."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access

from portal.records.collation import sort_expression
from portal.web.api import build_api
from portal.web.forms import link_text
from portal.records.search import search_condition
from portal.web.views import build_view
from portal.extensions import db
from portal.io import export, import_jobs  # noqa: F401  (register the background job handlers)
from portal.web.bulk_views import BulkViewMixin
from portal.web.export_views import ExportApiMixin, ExportViewMixin
from portal.web.dues_views import DuesViewMixin
from portal.web.import_views import ImportViewMixin
from portal.web.print_views import PrintViewMixin
from portal.web.workflow_api import WorkflowApiMixin
from portal.web.workflow_views import WorkflowViewMixin
from portal.web.form_links import form_links
from portal.web.org_tree_page import OrgTreeView
from portal.web.public_notice import PublicNoticeView
from portal.web.todo_views import TodoView, current_todo
from portal.security.permissions import (CONGRESS_MENU, DUES_VIEW, MOTIONS_CATEGORY, REGISTER_PAGE_MENUS, REPORTS_MENU,
                                        SYSTEM_CATEGORY, category_name, menu_name)
from portal.congress.views import CongressView
from portal.motions.hooks import install as install_motion_hooks
from portal.motions.message_views import MessagesView, current_inbox
from portal.congress.resolution_views import ResolutionPageView
from portal.motions.views import MotionDeskView
from flask_babel import lazy_gettext
from portal.labels import lazy_label
from portal.web.audit_views import AuditView, RoleMatrixView
from portal.web.report_views import ReportsApi, ReportsView
from portal.security.access import row_condition
from portal.security.current import current_access
from portal.state import PortalState, current_locale
from portal.views import LocaleSwitchView

LOOKUP_LIMIT = 20


class LookupView(BaseView):
    """``/lookup/<slug>?q=``: search-as-you-type options for link fields (select2 format)."""

    route_base = "/lookup"
    class_permission_name = "lookup"
    default_view = "lookup"
    state: PortalState

    @expose("/<slug>")
    @has_access
    def lookup(self, slug: str) -> Any:
        if slug not in self.state.registry:
            abort(404)
        if not self.appbuilder.sm.has_access("can_list", slug):
            abort(403)
        spec = self.state.registry.get(slug)
        model = self.state.models[slug]
        text = request.args.get("q", "").strip()[:100]
        access = current_access()
        query = sa.select(model)
        scope = row_condition(spec, model, access)
        if scope is not None:
            query = query.where(scope)
        if text:
            key = sa.false() if access.hidden(spec, spec.key_field) else getattr(model, spec.key) == text
            title_or_key = sa.or_(getattr(model, spec.title).contains(text), key)
            query = query.where(sa.or_(title_or_key,
                                       search_condition(spec, model, self.state.models.classes, self.state.registry,
                                                        text, access)))
        title = spec.field(spec.title) if spec.has_field(spec.title) else None
        order = getattr(model, spec.title)
        query = query.order_by(sort_expression(order, title.type, db.session) if title else order).limit(LOOKUP_LIMIT)
        rows = db.session.scalars(query).unique().all()
        return jsonify(results=[{"id": row.id, "text": link_text(row, access)} for row in rows])


def page_of_register(appbuilder: AppBuilder, page: type[BaseView]) -> type[BaseView]:
    """``page``, a hand-written page whose rights are a register's (its ``class_permission_name``), declaring
    all of that register view's permissions: FAB keeps one permission list per name, and on each start drops
    from it (from every role, were it not refused) what the last view registered under that name lacks."""
    name = page.class_permission_name
    register = next(view for view in appbuilder.baseviews
                    if view.class_permission_name == name and view.__class__ is not page)
    return type(page.__name__, (page,), {"base_permissions": list(register.base_permissions)})


def register_all(app: Flask, appbuilder: AppBuilder, state: PortalState) -> None:
    """Build one view and one API per register and add them to the menu, grouped as the schemas say."""
    models = state.models.classes
    ordered = sorted(state.registry, key=lambda spec: (spec.menu.order if spec.menu else 100, spec.slug))
    for spec in ordered:
        service = _service_getter(state, spec.slug)
        mixins: tuple[type, ...] = ((PrintViewMixin,) if spec.prints else ()) + (
            (WorkflowViewMixin,) if spec.workflow else ())
        if spec.slug == DUES_VIEW:
            mixins += (DuesViewMixin,)
        view = build_view(spec, state.registry, models, service, current_locale,
                          mixins=(*mixins, BulkViewMixin, ImportViewMixin, ExportViewMixin))
        group = spec.menu.group if spec.menu else None
        appbuilder.add_view(
            view,
            menu_name(spec),  # menu_access lives apart from the view's own permissions
            label=lazy_label(spec.label),
            icon=spec.menu.icon if spec.menu else "fa-table",
            category=category_name(spec),
            category_label=lazy_label(group) if group else category_name(spec),
        )
        state.views[spec.slug] = view
        appbuilder.add_api(build_api(spec, state.registry, models, service, current_locale, current_access,
                                     mixins=(ExportApiMixin, *((WorkflowApiMixin,) if spec.workflow else ()))))
    lookup = type("PortalLookupView", (LookupView,), {"state": state})
    appbuilder.add_view_no_menu(lookup)
    appbuilder.add_view_no_menu(LocaleSwitchView)
    appbuilder.add_view_no_menu(page_of_register(appbuilder, OrgTreeView))
    appbuilder.add_view_no_menu(PublicNoticeView)
    appbuilder.add_view_no_menu(TodoView)
    app.jinja_env.globals["portal_todo"] = current_todo
    system = {"category": SYSTEM_CATEGORY, "category_label": lazy_gettext("System"),
              "category_icon": "fa-shield"}
    appbuilder.add_view(AuditView, "menu_audit", label=lazy_gettext("Audit trail"), icon="fa-history",
                        **system)
    appbuilder.add_view(RoleMatrixView, "menu_role_matrix", label=lazy_gettext("Role matrix"),
                        icon="fa-th", **system)
    appbuilder.add_view(ReportsView, REPORTS_MENU, label=lazy_gettext("Reports"), icon="fa-bar-chart")
    appbuilder.add_api(ReportsApi)
    appbuilder.add_view(CongressView, CONGRESS_MENU, label=lazy_gettext("Congress sittings"), icon="fa-gavel")
    appbuilder.add_view_no_menu(MotionDeskView)
    install_motion_hooks()
    appbuilder.add_view_no_menu(MessagesView)
    app.jinja_env.globals["portal_inbox"] = current_inbox
    app.jinja_env.globals["portal_form_links"] = form_links
    appbuilder.add_view_no_menu(page_of_register(appbuilder, ResolutionPageView))
    resolutions = state.registry.get("resolutions")  # its progress page sits beside its list, for its readers
    appbuilder.add_link(REGISTER_PAGE_MENUS["resolutions"], href="/resolutions/page/",
                        label=lazy_gettext("Resolution implementation"), icon="fa-clipboard-check",
                        category=category_name(resolutions),
                        category_label=lazy_label(resolutions.menu.group) if resolutions.menu else "")
    motions = {"category": MOTIONS_CATEGORY, "category_label": lazy_gettext("Workers' congress")}
    appbuilder.add_link("menu_motions_mine", href="/motions/mine", label=lazy_gettext("My motions"),
                        icon="fa-mobile", **motions)
    appbuilder.add_link("menu_motions_report", href="/motions/report",
                        label=lazy_gettext("Motions report"), icon="fa-file-text", **motions)


def _service_getter(state: PortalState, slug: str) -> Any:
    return lambda: state.service(slug)
