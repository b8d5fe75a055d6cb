"""Print pages of every register with ``print:`` forms, under ``/<slug>/print/``.

Printing is reading: one record's form needs the right to open the record (``show``, from ``read``)
and follows its row scope (a record outside it is 404) and masking. Printing a selection of the
list takes ``export``, as it carries many records out of the system at once, and is logged in the
audit trail; it runs in the background with a progress bar (``portal.printing.jobs``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from portal.extensions import db
from portal.io.job_table import Job
from portal.io.jobs import create_job, job_folder, job_state, start
from portal.printing.jobs import PrintRefused, download_name, selection_ids
from portal.printing.render import render_pdf
from portal.printing.templates import record_html
from portal.registry.spec import PrintForm
from portal.security import audit
from portal.security.current import current_access
from portal.state import current_locale


def pdf_response(data_or_path: Any, name: str, inline: bool = True) -> Any:
    """A PDF the browser opens in its viewer (``inline``), named for saving."""
    from io import BytesIO

    source = BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return send_file(source, mimetype="application/pdf", as_attachment=not inline, download_name=name)


class PrintViewMixin:
    """The 打印 buttons of the record page and 打印所选 of the list page."""

    print_job_template = "portal/print_job.html"

    def _form(self, name: str, kind: str | None = None) -> PrintForm:
        form = self.register.print_form(name)  # type: ignore[attr-defined]
        if form is None or (kind is not None and form.kind != kind):
            abort(404)
        return form

    def _get_show_widget(self, pk: Any, item: Any, **kwargs: Any) -> Any:
        """The record page, with one 打印 button per ``record`` form."""
        widgets = super()._get_show_widget(pk, item, **kwargs)  # type: ignore[misc]
        name = type(self).__name__
        widgets["show"].template_args["print_links"] = [
            (form.label.get(current_locale()), url_for(f"{name}.print_record", form_name=form.name, pk=pk))
            for form in self.register.prints if form.kind == "record"]  # type: ignore[attr-defined]
        return widgets

    @expose("/print/<form_name>/<pk>")
    @has_access
    @permission_name("show")
    def print_record(self, form_name: str, pk: str) -> Any:
        """One record's form as a PDF (GET: printing changes nothing)."""
        form = self._form(form_name, "record")
        record = self.datamodel.get(pk)  # type: ignore[attr-defined]  # row scope: outside it, None
        if record is None:
            abort(404)
        access = current_access()
        now = audit.now_utc()
        html = record_html(str(current_app.config["PORTAL_SCHEMAS_DIR"]), self.register,  # type: ignore[attr-defined]
                           form, record, access, access.username or "", now)
        printed = render_pdf([html], 1, title=form.label.zh)
        return pdf_response(printed.pdf, download_name(self.register, form, now, record))  # type: ignore[attr-defined]

    @expose("/print/selected", methods=["POST"])
    @has_access
    @permission_name("export")
    def print_selected(self) -> Any:
        """打印所选: the ticked rows as one PDF, made in the background."""
        form = self._form(request.form.get("form", ""))
        back = url_for(f"{type(self).__name__}.list")
        try:
            ids = selection_ids(request.form.getlist("rowid"))
        except PrintRefused as refused:
            flash(refused.message, "warning")
            return redirect(back)
        access = current_access()
        job = create_job("print", self.register.slug, access.username or "",  # type: ignore[attr-defined]
                         {"form": form.name, "ids": ids, "count": len(ids)})
        start(current_app._get_current_object(), job)  # type: ignore[attr-defined]
        return redirect(url_for(f"{type(self).__name__}.print_job", job_id=job.id))

    def _my_print(self, job_id: str) -> Job:
        job = db.session.get(Job, job_id)
        if (job is None or job.kind != "print" or job.register != self.register.slug  # type: ignore[attr-defined]
                or job.username != current_access().username):
            abort(404)
        return job

    @expose("/print/job/<job_id>")
    @has_access
    @permission_name("export")
    def print_job(self, job_id: str) -> Any:
        job = self._my_print(job_id)
        form = self._form(job.params_dict().get("form", ""))
        return self.render_template(self.print_job_template, spec=self.register, job=job,  # type: ignore[attr-defined]
                                    state=job_state(job), title=gettext("Print %(form)s", form=form.label.get(current_locale())))

    @expose("/print/job/<job_id>/status")
    @has_access
    @permission_name("export")
    def print_status(self, job_id: str) -> Any:
        state = job_state(self._my_print(job_id))
        state.pop("result", None)
        return jsonify(state)

    @expose("/print/job/<job_id>/file")
    @has_access
    @permission_name("export")
    def print_file(self, job_id: str) -> Any:
        job = self._my_print(job_id)
        result = job.result_dict()
        path = job_folder(current_app, job.id) / result.get("file", "")
        if job.status != "done" or not result.get("file") or not path.is_file():
            abort(404)
        return pdf_response(path, result["download_name"])
