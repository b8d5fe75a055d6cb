"""The dues screens beside the dues list: “按月生成会费” (a POST) and the arrears list “欠缴会费” with its export.

Thin: the month comes from the form, ``portal.records.dues_month`` does the work in the user's scope
(through the register service, as one batch), and the pages show its figures. Generating needs the
page ``dues_generate`` (FAB ``can_generate`` on ``dues``) and ``create`` on dues; the arrears list needs
``read`` and its export ``export``, with the same row scope and masking as the list.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from portal.domain.china_time import china_datetime
from portal.domain.dues_month import parse_month
from portal.domain.messages import DomainValidationError
from portal.errors import error_response
from portal.extensions import db
from portal.io.dues_export import write_arrears_xlsx
from portal.records.dues_month import (ARREARS_HEADERS, DUES, MEMBERS, arrears, arrears_cells, arrears_count, generate,
                                       policy_from_config)
from portal.security import audit
from portal.security.audit import acting_as
from portal.security.current import current_access
from portal.state import portal_state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def this_month() -> str:
    """The current month in China (``2026-11``)."""
    return china_datetime(datetime.now(UTC).replace(tzinfo=None)).strftime("%Y-%m")


class DuesViewMixin:
    """Adds ``/dues/generate/``, ``/dues/arrears/`` and ``/dues/arrears/export`` to the dues ModelView."""

    def _month(self, raw: str | None, label: str) -> str:
        return parse_month(raw or this_month(), label)

    @expose("/generate/", methods=["POST"])
    @has_access
    @permission_name("generate")
    def generate(self) -> Any:
        access = current_access()
        if not access.can(DUES, "create"):
            return error_response(403, gettext("Creating the month’s dues also needs the right to add dues; ask the "
                                              "administrator."))
        try:
            month = self._month(request.form.get("month"), gettext("Dues month"))
        except DomainValidationError as error:
            return self.render_template("portal/dues_generated.html", report=None, error=str(error),  # type: ignore[attr-defined]
                                        title=gettext("Create the month’s dues")), 400
        state = portal_state()
        dry_run = request.form.get("dry_run") == "1"
        try:
            with acting_as(access.username or ""):
                report = generate(state.service(DUES), state.service(MEMBERS), month,
                                  policy_from_config(current_app.config), dry_run=dry_run)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        view = type(self).__name__
        batch_url = (url_for(f"{view}.import_page") + f"#batch-{report.batch_id}"
                     if report.batch_id is not None and access.can(DUES, "import") else None)
        return self.render_template("portal/dues_generated.html", report=report, error=None, batch_url=batch_url,  # type: ignore[attr-defined]
                                    list_url=url_for(f"{view}.list") + f"?_flt_0_month={month}",
                                    arrears_url=url_for(f"{view}.arrears_page", month=month),
                                    title=gettext("Create the month’s dues %(month)s", month=month))

    def _arrears_args(self) -> tuple[str, int]:
        month = self._month(request.args.get("month"), gettext("Arrears up to month"))
        raw = (request.args.get("min_months") or "1").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 600:
            raise ValueError(gettext("The months unpaid in a row should be a whole number from 1 to 600; it is"
                                     " “%(value)s”", value=raw[:20]))
        return month, int(raw)

    @expose("/arrears/")
    @has_access
    @permission_name("list")
    def arrears_page(self) -> Any:
        try:
            month, min_months = self._arrears_args()
        except ValueError as error:
            return error_response(400, str(error))
        page_text = request.args.get("page", "1")
        page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1
        state, access = portal_state(), current_access()
        policy = policy_from_config(current_app.config)
        spec = state.registry.get(DUES)
        total, prompted = arrears_count(db.session, spec, state.models, access, month, policy, min_months)
        found = arrears(db.session, spec, state.models, access, month, policy, min_months,
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        rows = [(row, arrears_cells(row, state.registry, access)) for row in found]
        view = type(self).__name__
        return self.render_template(  # type: ignore[attr-defined]
            "portal/dues_arrears.html", title=gettext("Dues in arrears"), month=month, min_months=min_months, total=total,
            prompted=prompted, rows=rows, headers=ARREARS_HEADERS, page=page, pages=max(1, -(-total // PAGE_SIZE)),
            lapse_months=policy.lapse_months, can_export=access.can(DUES, "export"),
            export_url=url_for(f"{view}.arrears_export", month=month, min_months=min_months),
            member_url=lambda member_id: url_for(f"{state.views[MEMBERS].__name__}.show", pk=member_id),
            list_url=url_for(f"{view}.list"))

    @expose("/arrears/export")
    @has_access
    @permission_name("export")
    def arrears_export(self) -> Any:
        try:
            month, min_months = self._arrears_args()
        except ValueError as error:
            return error_response(400, str(error))
        state, access = portal_state(), current_access()
        policy = policy_from_config(current_app.config)
        found = arrears(db.session, state.registry.get(DUES), state.models, access, month, policy, min_months)
        buffer = io.BytesIO()
        title = gettext("Dues in arrears (up to %(month)s, %(months)s or more months unpaid in a row)", month=month,
                        months=min_months)
        count = write_arrears_xlsx(ARREARS_HEADERS, (arrears_cells(row, state.registry, access) for row in found),
                                   buffer, title)
        audit.record(db.session, "export", register=DUES, org_unit_id=access.org_id, record_key="xlsx",
                     detail=f"导出欠缴会费 {count} 行（截至 {month}，连续未交 {min_months} 个月及以上）",  # i18n: data
                     commit=True)
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=gettext("Dues in arrears-%(month)s.xlsx", month=month))
