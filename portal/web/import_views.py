"""The import screens of every register, under ``/<slug>/import/``; all need the ``import`` verb.

Upload → background preview (progress bar) → counts, warnings and every error with its row and
column, plus the clerk's file back with an error column → commit (all or only the valid rows) →
batch listed with an undo button. The web request never waits for the work.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from werkzeug.utils import secure_filename

from portal.extensions import db
from portal.io import import_jobs
from portal.io.columns import import_fields
from portal.io.jobs import create_job, job_folder, job_state, start
from portal.io.plan import MODES, ImportContext
from portal.records.batches import ImportBatch
from portal.io.job_table import Job
from portal.records import bulk
from portal.records.write import UndoRefused, batch_text
from portal.io.xlsx_template import write_template
from portal.security.audit import acting_as
from portal.security.current import current_access
from portal.security.access import ORG_REGISTER
from portal.state import current_locale, portal_state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_BATCHES = 20
SHOWN_ERRORS = 500


class ImportViewMixin:
    """Adds the import pages to a register's ModelView (``self.register`` is its spec)."""

    import_template = "portal/import.html"
    job_template = "portal/import_job.html"

    def _ctx(self) -> ImportContext:
        state = portal_state()
        return ImportContext(self.register, state.registry, state.models, db.session, current_access())  # type: ignore[attr-defined]

    def _batches(self) -> list[ImportBatch]:
        access = current_access()
        query = sa.select(ImportBatch).where(ImportBatch.register == self.register.slug)  # type: ignore[attr-defined]
        if access.scoped:
            query = query.where(ImportBatch.org_unit_id.in_(sorted(access.org_ids or ())))
        return list(db.session.scalars(query.order_by(ImportBatch.id.desc()).limit(RECENT_BATCHES)))

    def _my_job(self, job_id: str) -> Job:
        job = db.session.get(Job, job_id)
        if job is None or job.register != self.register.slug or job.username != current_access().username:  # type: ignore[attr-defined]
            abort(404)
        return job

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def import_page(self) -> Any:
        if request.method == "POST":
            return self._upload()
        return self.render_template(self.import_template, spec=self.register, batches=self._batches(),  # type: ignore[attr-defined]
                                    batch_text=batch_text, limit_mb=current_app.config["PORTAL_UPLOAD_MAX_MB"],
                                    own_unit=self._own_unit(),
                                    fields=import_fields(self.register), title=self._title())  # type: ignore[attr-defined]

    def _own_unit(self) -> str:
        """The importer's own unit as a file would name it (the default for "all rows belong to")."""
        access = current_access()
        if access.org_id is None:
            return ""
        state = portal_state()
        org_spec = state.registry.get(ORG_REGISTER)
        unit = db.session.get(state.models[ORG_REGISTER], access.org_id)
        return "" if unit is None else f"{getattr(unit, org_spec.title)} ({getattr(unit, org_spec.key)})"

    def _title(self) -> str:
        register = self.register.label.get(current_locale())  # type: ignore[attr-defined]
        return gettext("Import %(register)s", register=register)

    def _upload(self) -> Any:
        upload = request.files.get("file")
        mode = request.form.get("mode", "insert")
        if upload is None or not upload.filename:
            flash(gettext("Choose the file to import (.xlsx, .xls or .csv)."), "danger")
            return redirect(url_for(f"{type(self).__name__}.import_page"))
        if mode not in MODES:
            abort(400)
        job_id = uuid.uuid4().hex
        folder = job_folder(current_app, job_id)
        folder.mkdir(parents=True, exist_ok=True)
        stored = "upload" + Path(secure_filename(upload.filename) or "file").suffix.lower()[:8]
        upload.save(folder / stored)
        size = (folder / stored).stat().st_size
        limit = current_app.config["PORTAL_UPLOAD_MAX_MB"] * 1024 * 1024
        if size > limit:
            (folder / stored).unlink()
            flash(gettext("The file “%(name)s” is %(size).1f MB, over the %(limit)s MB upload limit; split it into several "
                          "files and import them one by one.", name=upload.filename, size=size / 1048576,
                          limit=current_app.config["PORTAL_UPLOAD_MAX_MB"]), "danger")
            return redirect(url_for(f"{type(self).__name__}.import_page"))
        params = {"file_name": upload.filename, "stored_name": stored, "mode": mode,
                  "partial": request.form.get("partial") == "1",
                  "org_unit": request.form.get("org_unit", "").strip()[:200] or None}
        created = create_job("import_preview", self.register.slug, current_access().username or "", params,  # type: ignore[attr-defined]
                             job_id=job_id)
        start(current_app._get_current_object(), created)  # type: ignore[attr-defined]
        return redirect(url_for(f"{type(self).__name__}.import_job", job_id=job_id))

    @expose("/import/job/<job_id>")
    @has_access
    @permission_name("import")
    def import_job(self, job_id: str) -> Any:
        job = self._my_job(job_id)
        state = job_state(job)
        result = state.get("result") or {}
        report = result.get("report") or {}
        return self.render_template(self.job_template, spec=self.register, job=job, state=state, result=result,  # type: ignore[attr-defined]
                                    report=report, params=job.params_dict(), shown=SHOWN_ERRORS,
                                    title=self._title())

    @expose("/import/job/<job_id>/status")
    @has_access
    @permission_name("import")
    def import_status(self, job_id: str) -> Any:
        state = job_state(self._my_job(job_id))
        state.pop("result", None)
        return jsonify(state)

    @expose("/import/job/<job_id>/errors")
    @has_access
    @permission_name("import")
    def import_errors(self, job_id: str) -> Any:
        job = self._my_job(job_id)
        path = job_folder(current_app, job.id) / import_jobs.ERROR_FILE
        if not path.exists():
            abort(404)
        stem = Path(job.params_dict().get("file_name", "import")).stem
        return send_file(path, mimetype=XLSX, as_attachment=True, download_name=gettext("%(name)s-errors.xlsx", name=stem))

    @expose("/import/job/<job_id>/commit", methods=["POST"])
    @has_access
    @permission_name("import")
    def import_commit(self, job_id: str) -> Any:
        preview = self._my_job(job_id)
        if preview.kind != "import_preview" or preview.status != "done":
            abort(400)
        params = preview.params_dict()
        params.update(file_job=params.get("file_job", preview.id), partial=request.form.get("partial") == "1")
        if not (job_folder(current_app, params["file_job"]) / params["stored_name"]).exists():
            flash(gettext("The uploaded file “%(name)s” was deleted after the %(days)s days it is kept; upload it again "
                          "to import it.", name=params["file_name"], days=current_app.config["PORTAL_JOB_RETENTION_DAYS"]),
                  "danger")
            return redirect(url_for(f"{type(self).__name__}.import_page"))
        job = create_job("import_commit", preview.register, preview.username, params)
        start(current_app._get_current_object(), job)  # type: ignore[attr-defined]
        return redirect(url_for(f"{type(self).__name__}.import_job", job_id=job.id))

    @expose("/import/template")
    @has_access
    @permission_name("import")
    def import_template_file(self) -> Any:
        buffer = io.BytesIO()
        spec = self.register  # type: ignore[attr-defined]
        write_template(spec, import_fields(spec), portal_state().registry, buffer, locale=current_locale())
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True,
                         download_name=gettext("%(register)s import template-v%(version)s.xlsx",
                                               register=spec.label.get(current_locale()), version=spec.version))

    @expose("/import/batch/<int:batch_id>/undo", methods=["POST"])
    @has_access
    @permission_name("import")
    def import_undo(self, batch_id: int) -> Any:
        batch = next((b for b in self._batches() if b.id == batch_id), None) or self._scoped_batch(batch_id)
        ctx = self._ctx()
        try:
            with acting_as(ctx.access.username or ""):
                outcome = bulk.undo(self.service_getter(), batch)  # type: ignore[attr-defined]
            db.session.commit()
        except UndoRefused as refused:
            db.session.rollback()
            flash(refused.message, "danger")
        else:
            flash(gettext("Batch #%(batch)s undone: %(deleted)s added records deleted, %(restored)s updated records "
                          "restored.", batch=batch_id, deleted=outcome["deleted"], restored=outcome["restored"]), "success")
        return redirect(url_for(f"{type(self).__name__}.import_page"))

    def _scoped_batch(self, batch_id: int) -> ImportBatch:
        access = current_access()
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None or batch.register != self.register.slug or (  # type: ignore[attr-defined]
                access.scoped and batch.org_unit_id not in (access.org_ids or ())):
            abort(404)
        return batch
