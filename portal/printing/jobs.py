"""Printing a selection: the chosen records, in the reader's scope, as one PDF, in the background
(``portal.io.jobs``) with progress per form; logged in the audit trail like an export."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.io.job_table import Job
from portal.io.jobs import HANDLERS, JobProgress, job_folder
from portal.printing.render import Printed, render_pdf
from portal.printing.templates import list_html, record_html
from portal.registry.spec import PrintForm, RegisterSpec
from portal.security import audit
from portal.security.access import Access, row_condition
from portal.security.current import access_for_username
from portal.state import portal_state
from portal.texts import current_locale, gettext

#: The most records one print job takes (a list page shows at most 500).
MAX_SELECTION = 1000


class PrintRefused(ValueError):
    """A selection that cannot be printed; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PrintResult:
    path: Path
    forms: int
    pages: int
    missing: str
    download_name: str


def selection_ids(raw: Sequence[str]) -> list[int]:
    """The ticked rows' ids, in the order given, each once; refuses an empty or oversized selection."""
    ids = list(dict.fromkeys(int(value) for value in raw if value.isascii() and value.isdigit() and len(value) < 19))
    if not ids:
        raise PrintRefused(gettext("Please tick the records to print in the list first."))
    if len(ids) > MAX_SELECTION:
        raise PrintRefused(gettext("At most %(max)s records can be printed at once (%(count)s are ticked), please "
                                   "print them in parts.", max=MAX_SELECTION, count=len(ids)))
    return ids


def scoped_records(spec: RegisterSpec, access: Access, ids: list[int]) -> list[Any]:
    """The records among ``ids`` that lie in the reader's scope, in the order of ``ids``."""
    model = portal_state().models[spec.slug]
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        query = sa.select(model).where(model.id.in_(ids[start:start + 500]))
        scope = row_condition(spec, model, access)
        if scope is not None:
            query = query.where(scope)
        found.update((record.id, record) for record in db.session.scalars(query))
    return [found[pk] for pk in ids if pk in found]


def html_parts(spec: RegisterSpec, form: PrintForm, records: list[Any], access: Access, now: datetime) -> Iterator[str]:
    """One HTML document per form (``record``), or one sheet for them all (``list``)."""
    schemas_dir = str(current_app.config["PORTAL_SCHEMAS_DIR"])
    printed_by = access.username or ""
    if form.kind == "list":
        yield list_html(schemas_dir, spec, form, records, access, printed_by, now)
        return
    for record in records:
        yield record_html(schemas_dir, spec, form, record, access, printed_by, now)


def download_name(spec: RegisterSpec, form: PrintForm, now: datetime, record: Any = None) -> str:
    which = f"-{record}" if record is not None else ""
    return f"{form.label.zh}{which}-{now:%Y%m%d-%H%M}.pdf"


def print_selection(spec: RegisterSpec, form: PrintForm, ids: list[int], access: Access, folder: Path,
                    progress: JobProgress | None = None) -> PrintResult:
    """Write the selection's PDF into ``folder`` and log the print (records outside the scope are left out)."""
    records = scoped_records(spec, access, ids)
    if not records:
        raise PrintRefused(gettext("None of the ticked records is inside your scope, or they have been deleted."))
    now = audit.now_utc()
    parts = 1 if form.kind == "list" else len(records)
    if progress:
        progress("forms", 0, parts)
    printed: Printed = render_pdf(html_parts(spec, form, records, access, now), parts,
                                  (lambda done, total: progress("forms", done, total)) if progress else None,
                                  title=form.label.zh)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"print-{uuid.uuid4().hex[:8]}.pdf"
    path.write_bytes(printed.pdf)
    audit.record(db.session, "print", register=spec.slug, org_unit_id=access.org_id, record_key=form.name,
                 detail=f"打印{form.label.zh} {len(records)} 条记录（{printed.pages} 页）", commit=True)  # i18n: data
    return PrintResult(path, len(records), printed.pages, printed.missing, download_name(spec, form, now))


def background_print(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The job behind 打印所选: the saved selection, printed for the user who asked."""
    params = job.params_dict()
    spec = portal_state().registry.get(job.register)
    form = spec.print_form(params["form"])
    if form is None:
        raise PrintRefused(gettext("%(register)s has no print form “%(form)s”.",
                                   register=spec.label.get(current_locale()), form=params["form"]))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = print_selection(spec, form, [int(pk) for pk in params["ids"]], access_for_username(job.username),
                             job_folder(app, job.id), progress)
    return {"file": result.path.name, "forms": result.forms, "pages": result.pages, "download_name": result.download_name,
            "form": form.name}


HANDLERS["print"] = background_print
