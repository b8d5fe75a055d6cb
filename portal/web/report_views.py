"""The report screens and API: ``/reports/`` (the reports the user may open), ``/reports/<name>/`` (the
chart, its table and an xlsx of the same numbers) and ``GET /api/v1/reports/<name>`` (the same data as JSON).

Thin: ``portal.records.reports`` runs the report in the user's scope and refuses it when a field it uses
is masked for them; here the user's right to the report (``reports`` in roles.yaml) is checked and the
result drawn. FAB's own permissions (``can_list``/``can_show``/``can_export`` on ``reports``,
``can_get`` on ``reports_api``) open the screens to roles that have any report.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from flask import current_app, jsonify, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext

from portal.domain.china_time import china_datetime
from portal.errors import error_response
from portal.extensions import db
from portal.io.report_export import write_report_xlsx
from portal.records.dues_month import policy_from_config
from portal.records.reports import ReportParams, ReportRefused, ReportResult, refusal, run_report
from portal.registry.report_spec import ReportSpec
from portal.security import audit
from portal.security.access import Access
from portal.security.current import current_access
from portal.security.permissions import REPORTS_API, REPORTS_VIEW
from portal.state import current_locale, portal_state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_TYPES = {"bar": lazy_gettext("Bar chart"), "line": lazy_gettext("Line chart"), "pie": lazy_gettext("Pie chart"),
               "table": lazy_gettext("Table")}


def report_params() -> ReportParams:
    """Today in China and the dues policy from the settings."""
    today = china_datetime(datetime.now(UTC).replace(tzinfo=None)).date()
    return ReportParams(today=today, policy=policy_from_config(current_app.config))


def scope_text(access: Access) -> str:
    """Whose numbers these are, for the page and the xlsx."""
    if access.org_ids is None:
        return gettext("Scope: all units")
    spec = portal_state().registry.get("org_units")
    model = portal_state().models["org_units"]
    unit = db.session.get(model, access.org_id) if access.org_id is not None else None
    name = getattr(unit, spec.title, None) if unit is not None else None
    if name:
        return gettext("Scope: %(unit)s and the units below it", unit=name)
    return gettext("Scope: your unit and those below it (empty while your account has no unit)")


def readable_reports(access: Access) -> list[tuple[ReportSpec, str | None]]:
    """The reports the user may read, each with the reason it is refused (a masked field) or ``None``."""
    state = portal_state()
    return [(report, refusal(report, state.registry, access)) for report in state.reports
            if access.can_report(report.name, "read")]


def result_for(report: ReportSpec, access: Access) -> ReportResult:
    state = portal_state()
    return run_report(db.session, report, state.registry, state.models, access, report_params(), current_locale())


def _report_or_error(name: str, verb: str) -> tuple[ReportSpec | None, Any]:
    state, access = portal_state(), current_access()
    if name not in state.reports:
        return None, error_response(404, gettext("There is no report “%(name)s”.", name=name[:40]))
    report = state.reports.get(name)
    if not access.can_report(name, verb):
        label = report.label.get(current_locale())
        message = (gettext("You may not export the report “%(name)s”; ask the administrator.", name=label)
                   if verb == "export" else
                   gettext("You may not see the report “%(name)s”; ask the administrator.", name=label))
        return None, error_response(403, message)
    return report, None


class ReportsView(BaseView):
    route_base = "/reports"
    class_permission_name = REPORTS_VIEW
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self) -> Any:
        access = current_access()
        locale = current_locale()
        entries = [{"name": report.name, "label": report.label.get(locale),
                    "description": report.description.get(locale) if report.description else "",
                    "refused": reason, "chart": CHART_TYPES[report.chart.type]}
                   for report, reason in readable_reports(access)]
        return self.render_template("portal/reports_index.html", title=gettext("Reports"), entries=entries)

    @expose("/<string:name>/")
    @has_access
    @permission_name("show")
    def show(self, name: str) -> Any:
        report, error = _report_or_error(name, "read")
        if report is None:
            return error
        access, locale = current_access(), current_locale()
        try:
            result = result_for(report, access)
        except ReportRefused as refused:
            return error_response(403, str(refused))
        return self.render_template(
            "portal/report.html", title=result.title, report=report, result=result, scope=scope_text(access),
            description=report.description.get(locale) if report.description else "",
            note=report.note.get(locale) if report.note else "", can_export=access.can_report(name, "export"),
            today=report_params().today.isoformat())

    @expose("/<string:name>/export")
    @has_access
    @permission_name("export")
    def export(self, name: str) -> Any:
        report, error = _report_or_error(name, "export")
        if report is None:
            return error
        access = current_access()
        try:
            result = result_for(report, access)
        except ReportRefused as refused:
            return error_response(403, str(refused))
        buffer = io.BytesIO()
        today = report_params().today.isoformat()
        count = write_report_xlsx(result, buffer, gettext("%(scope)s; as of %(day)s", scope=scope_text(access), day=today))
        audit.record(db.session, "export", register=report.register, org_unit_id=access.org_id,
                     record_key="xlsx", detail=f"导出报表“{result.title}”{count} 行", commit=True)  # i18n: data
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=f"{result.title}-{today}.xlsx")


class ReportsApi(BaseApi):
    """``GET /api/v1/reports/<name>``: a report's columns, rows and chart data, as on its page."""

    resource_name = "reports"
    class_permission_name = REPORTS_API
    openapi_spec_tag = "Reports"
    allow_browser_login = True

    @expose("/<string:name>", methods=["GET"])
    @protect()
    @permission_name("get")
    def get_report(self, name: str) -> Any:
        """Read one report.
        ---
        get:
          summary: 报表的数字（与报表页的表格、图表和 xlsx 相同）
          parameters:
          - in: path
            name: name
            required: true
            schema: {type: string}
            description: 报表标识（schemas/reports/<标识>.yaml）
          responses:
            200:
              description: columns（name、label、kind=group/measure、unit）、rows（金额为字符串）、chart（图表数据，table 类型为 null）
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      report: {type: string}
                      title: {type: string}
                      columns: {type: array, items: {type: object}}
                      rows: {type: array, items: {type: array, items: {}}}
                      chart: {type: object, nullable: true}
            403:
              description: 没有该报表的查看权限，或报表用到的字段对您打码
            404:
              description: 没有这个报表
        """
        state, access = portal_state(), current_access()
        if name not in state.reports:
            return self.response(404, message=gettext("There is no report “%(name)s”.", name=name[:40]))
        report = state.reports.get(name)
        if not access.can_report(name, "read"):
            return self.response(403, message=gettext("You may not see the report “%(name)s”.",
                                                         name=report.label.get(current_locale())))
        try:
            result = result_for(report, access)
        except ReportRefused as refused:
            return self.response(403, message=str(refused))
        body = result.as_json()
        body["as_of"] = report_params().today.isoformat()
        return jsonify(body)


