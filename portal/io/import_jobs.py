"""The import's background work: a preview (check everything, write nothing) and a commit."""

from __future__ import annotations

from typing import Any

from flask import current_app

from portal.extensions import db
from portal.io.jobs import HANDLERS, JobProgress, job_folder
from portal.io.plan import ImportContext, ImportOptions
from portal.io.job_table import Job
from portal.io.sheet_limits import ReadLimits
from portal.io.xlsx_import import FileUnreadable, run_import
from portal.security.current import access_for_username
from portal.state import portal_state

ERROR_FILE = "errors.xlsx"


def _run(job: Job, progress: JobProgress, dry_run: bool) -> dict[str, Any]:
    params = job.params_dict()
    state = portal_state()
    spec = state.registry.get(job.register)
    ctx = ImportContext(spec, state.registry, state.models, db.session, access_for_username(job.username))
    folder = job_folder(current_app, params.get("file_job", job.id))
    errors_out = job_folder(current_app, job.id) / ERROR_FILE
    errors_out.parent.mkdir(parents=True, exist_ok=True)
    options = ImportOptions(mode=params["mode"], partial=bool(params.get("partial")),
                            org_unit=params.get("org_unit") or None)
    try:
        report = run_import(ctx, folder / params["stored_name"], params["file_name"], options, dry_run=dry_run,
                            progress=progress, errors_out=errors_out,
                            limits=ReadLimits.from_config(current_app.config))
    except FileUnreadable as error:
        return {"unreadable": error.message}
    return {"report": report.as_json(), "error_file": errors_out.exists(), "dry_run": dry_run}


def preview(job: Job, progress: JobProgress) -> dict[str, Any]:
    return _run(job, progress, dry_run=True)


def commit(job: Job, progress: JobProgress) -> dict[str, Any]:
    return _run(job, progress, dry_run=False)


HANDLERS["import_preview"] = preview
HANDLERS["import_commit"] = commit
