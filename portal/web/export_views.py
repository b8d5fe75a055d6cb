"""The export buttons of every register's list page, under ``/<slug>/export/``; all need ``export``."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from flask import abort, after_this_request, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import get_list_schema, rison, safe
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext

from portal.errors import error_response
from portal.extensions import db
from portal.io.export import ExportRefused, ExportRequest, job_params, selected_rows, send_export, stream, write_export
from portal.records.selection import Selection, count_rows
from portal.web.list_args import ListArgsRefused, selection_of
from portal.io.jobs import create_job, job_folder, job_state, start
from portal.io.job_table import Job
from portal.registry.spec import RegisterSpec
from portal.security.current import current_access
from portal.state import current_locale


def export_request(args: Any) -> ExportRequest:
    return ExportRequest(fmt=args.get("fmt", "xlsx"), all_fields=args.get("cols") == "all",
                         encoding=args.get("encoding", "utf-8")).check()


def list_selection(view: Any, args: Any) -> tuple[Selection, str]:
    """The list page's selection for ``args`` (FAB filters, sort and ``q``), and how it reads in the audit trail.

    Raises ``ListArgsRefused`` for a filter or sort the user may not use, as the list page does."""
    from flask_appbuilder.urltools import get_filter_args, get_order_args

    view.check_list_args(args)
    filters = view.datamodel.get_filters(view.search_columns)
    get_filter_args(filters)
    order = get_order_args().get(view.__class__.__name__, ("", ""))
    if not order[0] and view.base_order:
        order = view.base_order
    search = args.get("q", "").strip()[:100] or None
    shown = [f"{key}={value}" for key, value in args.items(multi=True)
             if key not in ("fmt", "cols", "encoding") and not key.startswith(("page_", "psize_"))]
    return selection_of(view.register, filters, order, search, current_access()), gettext("; ").join(shown)


def download_now(spec: RegisterSpec, query: Any, wanted: ExportRequest) -> Any:
    """Write the selection for the current user and send it; the file is removed once sent."""
    folder = job_folder(current_app, f"export-{uuid.uuid4().hex}")
    result = write_export(spec, stream(db.session, query), current_access(), wanted, folder, locale=current_locale())

    @after_this_request
    def _remove(response: Any) -> Any:
        result.path.unlink(missing_ok=True)
        folder.rmdir()
        return response

    return send_export(result.path, wanted.fmt, wanted.encoding, result.file_name)


class ExportViewMixin:
    """Adds ``/export/`` (the list's current selection as xlsx or csv) to a register's ModelView."""

    export_job_template = "portal/export_job.html"

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self) -> Any:
        try:
            wanted = export_request(request.args)
        except ExportRefused as refused:
            flash(refused.message, "danger")
            return redirect(url_for(f"{type(self).__name__}.list"))
        access = current_access()
        try:
            selection, filters_text = list_selection(self, request.args)
            query = selected_rows(self.register, access, selection)  # type: ignore[attr-defined]
        except (ListArgsRefused, ExportRefused) as refused:
            return error_response(400, refused.message)
        wanted = replace(wanted, filters_text=filters_text)
        if count_rows(db.session, query) > current_app.config["PORTAL_EXPORT_BACKGROUND_ROWS"]:
            job = create_job("export", self.register.slug, access.username or "",  # type: ignore[attr-defined]
                             job_params(wanted, selection, current_locale()))
            start(current_app._get_current_object(), job)  # type: ignore[attr-defined]
            return redirect(url_for(f"{type(self).__name__}.export_job", job_id=job.id))
        return download_now(self.register, query, wanted)  # type: ignore[attr-defined]

    def _my_export(self, job_id: str) -> Job:
        job = db.session.get(Job, job_id)
        if (job is None or job.kind != "export" or job.register != self.register.slug  # type: ignore[attr-defined]
                or job.username != current_access().username):
            abort(404)
        return job

    @expose("/export/job/<job_id>")
    @has_access
    @permission_name("export")
    def export_job(self, job_id: str) -> Any:
        job = self._my_export(job_id)
        return self.render_template(self.export_job_template, spec=self.register, job=job,  # type: ignore[attr-defined]
                                    state=job_state(job), title=gettext("Export %(register)s", register=self.register.label.get(current_locale())))  # type: ignore[attr-defined]

    @expose("/export/job/<job_id>/status")
    @has_access
    @permission_name("export")
    def export_status(self, job_id: str) -> Any:
        state = job_state(self._my_export(job_id))
        state.pop("result", None)
        return jsonify(state)

    @expose("/export/job/<job_id>/file")
    @has_access
    @permission_name("export")
    def export_file(self, job_id: str) -> Any:
        job = self._my_export(job_id)
        result = job.result_dict()
        path = job_folder(current_app, job.id) / result.get("file", "")
        if job.status != "done" or not result.get("file") or not path.exists():
            abort(404)
        return send_export(path, result["fmt"], result.get("encoding", "utf-8"), result["download_name"])


class ExportApiMixin:
    """``GET /api/v1/<slug>/export?fmt=xlsx|csv&cols=all&encoding=gb18030&q=(rison filters and order)``."""

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    @rison(get_list_schema)
    def export(self, **kwargs: Any) -> Any:
        """Export the selection (same ``q`` filters and order as the list endpoint) as a file.
        ---
        get:
          parameters:
          - in: query
            name: fmt
            schema: {type: string, enum: [xlsx, csv]}
          - in: query
            name: cols
            schema: {type: string, enum: [export, all]}
          - in: query
            name: encoding
            schema: {type: string, enum: [utf-8, gb18030]}
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_list_schema'
          responses:
            200:
              description: 导出的文件（按角色打码，行范围与列表一致）
            400:
              description: 参数有误
        """
        try:
            wanted = export_request(request.args)
        except ExportRefused as refused:
            return self.response_400(message=refused.message)  # type: ignore[attr-defined]
        args = kwargs.get("rison", {})
        access = current_access()
        try:
            joined = self._handle_filters_args(args)  # type: ignore[attr-defined]
            order = self._handle_order_args(args)  # type: ignore[attr-defined]
            selection = selection_of(self.register, joined, order, None, access)  # type: ignore[attr-defined]
            query = selected_rows(self.register, access, selection)  # type: ignore[attr-defined]
        except FABException as error:
            return self.response_400(message=str(error))  # type: ignore[attr-defined]
        except ExportRefused as refused:
            return self.response_400(message=refused.message)  # type: ignore[attr-defined]
        text = request.args.get("q", "")
        wanted = replace(wanted, filters_text=f"q={text}" if text else "")
        return download_now(self.register, query, wanted)  # type: ignore[attr-defined]
