"""Exports of a register: the list's current selection (screens), rison filters (API) or FIELD=VALUE
filters (CLI), always inside the user's row scope and masked as on screen, and always logged.

Small selections are written at once; above ``PORTAL_EXPORT_BACKGROUND_ROWS`` rows the screen
hands the work to a background job and shows a progress bar, then a download link.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.domain.messages import DomainValidationError
from portal.extensions import db
from portal.io.jobs import HANDLERS, JobProgress, job_folder
from portal.io.job_table import Job
from portal.records.org_subtree import SUBTREE_OPERATOR, anchor_name
from portal.records.selection import Condition, Selection, SelectionRefused, count_rows
from portal.records.service import RegisterService
from portal.models import link_column
from portal.io.xlsx_export import CSV_ENCODINGS, FORMATS, columns_for, export_fields, row_layout, write_csv, write_xlsx
from portal.registry.fieldtypes import field_type
from portal.registry.spec import RegisterSpec
from portal.security import audit
from portal.security.access import ORG_REGISTER, Access, scope_anchor
from portal.security.current import access_for_username
from portal.state import portal_state
from portal.texts import gettext

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


def send_export(path: Path, fmt: str, encoding: str, download_name: str) -> Any:
    """The file as a download; a CSV names the charset it was written in."""
    from flask import send_file

    response = send_file(path, mimetype=MIME[fmt], as_attachment=True, download_name=download_name)
    if fmt == "csv":
        response.content_type = f"text/csv; charset={encoding}"
    return response
#: Records fetched per round trip while streaming.
FETCH_ROWS = 2000


class ExportRefused(ValueError):
    """A bad format, encoding or filter; ``message`` says what to change, in Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ExportRequest:
    fmt: str = "xlsx"
    all_fields: bool = False
    encoding: str = "utf-8"
    #: How the selection was made, for the audit trail (``q=张;status=在籍``).
    filters_text: str = ""

    def check(self) -> ExportRequest:
        if self.fmt not in FORMATS:
            raise ExportRefused(gettext("Export format \"%(format)s\" is not supported; choose xlsx or csv.",
                                        format=self.fmt))
        if self.encoding not in CSV_ENCODINGS:
            raise ExportRefused(gettext("Encoding \"%(encoding)s\" is not supported; choose utf-8 or gb18030.",
                                        encoding=self.encoding))
        return self


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    sha256: str
    file_name: str


def stream(session: Session, query: Any) -> Iterator[Any]:
    """The rows of ``query`` (a legacy Query or a select of the register's model, with its filters and
    order) as plain column rows, links carrying their title and key: no ORM objects, a few thousand
    rows per round trip."""
    statement = query.statement if hasattr(query, "statement") else query
    model = statement.column_descriptions[0]["entity"]
    spec: RegisterSpec = model.__register__
    state = portal_state()
    columns: list[Any] = []
    joins = []
    for name in row_layout(spec):
        field = spec.field(name.split("__")[0]) if name != "id" else None
        if field is not None and field.is_link:
            target_spec = state.registry.get(field.target or "")
            if name.endswith("__title"):
                target = sa.orm.aliased(state.models[target_spec.slug])
                joins.append((target, getattr(model, link_column(field)) == target.id))
                columns.append(getattr(target, target_spec.title).label(name))
            elif name.endswith("__org"):
                columns.append(_org_column(target_spec, joins[-1][0]).label(name))
            else:
                columns.append(getattr(joins[-1][0], target_spec.key).label(name))
        else:
            columns.append(model.__table__.c[name])
    rows = statement.with_only_columns(*columns, maintain_column_froms=True)
    for target, condition in joins:
        rows = rows.outerjoin(target, condition)
    yield from session.execute(rows, execution_options={"yield_per": FETCH_ROWS})


def _org_column(spec: RegisterSpec, target: Any) -> Any:
    """The org unit a linked row lies in (``NULL`` for a register without row scope: always shown)."""
    anchor = scope_anchor(spec)
    if anchor is None:
        return sa.null()
    return target.id if spec.slug == ORG_REGISTER else getattr(target, link_column(anchor))


def download_name(spec: RegisterSpec, fmt: str) -> str:
    return f"{spec.label.zh}-{audit.now_utc():%Y%m%d-%H%M}.{fmt}"


def write_export(spec: RegisterSpec, records: Iterable[Any], access: Access, request: ExportRequest, folder: Path,
                 progress: JobProgress | None = None, total: int = 0, locale: str = "zh") -> ExportResult:
    """Write the file, log the export in the audit trail (same transaction) and return where it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"export-{uuid.uuid4().hex[:8]}.{request.fmt}"
    columns = columns_for(spec, export_fields(spec, request.all_fields), access, locale, portal_state().registry,
                          row_layout(spec))
    if request.fmt == "xlsx":
        rows = write_xlsx(spec, columns, records, path, progress, total)
    else:
        rows = write_csv(columns, records, path, request.encoding, progress, total)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    columns_text = "全部可见字段" if request.all_fields else "导出列"  # i18n: data (audit trail, stored in Chinese)
    encoding = f"，{request.encoding}" if request.fmt == "csv" else ""  # i18n: data
    audit.record(db.session, "export", register=spec.slug, org_unit_id=access.org_id, record_key=request.fmt,
                 detail=f"导出 {rows} 行（{request.fmt}{encoding}，{columns_text}）；"  # i18n: data
                        f"筛选：{request.filters_text or '无'}；SHA-256 {digest}", commit=True)  # i18n: data
    return ExportResult(path, rows, digest, download_name(spec, request.fmt))


def cli_selection(spec: RegisterSpec, access: Access, pairs: list[tuple[str, str]]) -> Selection:
    """The CLI's selection: ``FIELD=VALUE`` equalities (links by natural key or title), in list order."""
    state = portal_state()
    conditions: list[Condition] = []
    for name, raw in pairs:
        if name == subtree_argument(spec):
            conditions.append(Condition(anchor_name(spec) or "", SUBTREE_OPERATOR, _subtree_root(spec, access, raw)))
            continue
        if not spec.has_field(name):
            raise ExportRefused(gettext("%(register)s has no field \"%(name)s\"; there are: %(names)s",
                                        register=spec.label.zh, name=name,
                                        names=gettext(", ").join(f.name for f in spec.fields)))
        field = spec.field(name)
        if access.hidden(spec, field):
            raise ExportRefused(gettext("You see \"%(field)s\" masked, so you cannot filter by it; remove that "
                                        "filter.", field=field.label.zh))
        if field.is_link:
            try:
                target = state.service(spec.slug).resolve_link(field, raw)
            except ValueError as problem:
                raise ExportRefused(str(problem)) from None
            conditions.append(Condition(name, "rel_o_m", target.id))
            continue
        try:
            conditions.append(Condition(name, "eq", field_type(field.type).parse(raw, field)))
        except DomainValidationError as error:
            raise ExportRefused(error.message("zh")) from None
    order = spec.screens.order
    return Selection(tuple(conditions), None, (order.lstrip("-"), "desc" if order.startswith("-") else "asc")
                     if order else None)


def selected_rows(spec: RegisterSpec, access: Access, selection: Selection) -> Any:
    """The query for ``selection`` inside ``access``'s row scope; ``ExportRefused`` for a condition it cannot run."""
    state = portal_state()
    service = RegisterService(spec, state.registry, state.models, lambda: db.session, lambda: "zh", lambda: access)
    try:
        return service.query(selection)
    except SelectionRefused as refused:
        raise ExportRefused(refused.message) from None


def subtree_argument(spec: RegisterSpec) -> str | None:
    """The CLI's subtree filter: ``org_unit_subtree=第一机械厂工会`` (``parent_subtree`` for the org units)."""
    name = anchor_name(spec)
    return f"{name}_subtree" if name else None


def _subtree_root(spec: RegisterSpec, access: Access, raw: str) -> int:
    """The unit ``raw`` (code or name) a subtree selection starts at; it must lie in the user's scope."""
    try:
        unit = portal_state().service(spec.slug).resolve_link(spec.field(anchor_name(spec) or ""), raw)
    except ValueError as problem:
        raise ExportRefused(str(problem)) from None
    if access.org_ids is not None and unit.id not in access.org_ids:
        raise ExportRefused(gettext("The union \"%(unit)s\" you chose is outside your scope; choose your own unit "
                                    "or one below it.", unit=raw))
    return int(unit.id)


def background_export(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The job behind a big export from a list page: its stored selection, run with the user's rights now."""
    params = job.params_dict()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    spec = portal_state().registry.get(job.register)
    request = ExportRequest(params["fmt"], params["all_fields"], params["encoding"], params["filters_text"])
    access = access_for_username(job.username)
    query = selected_rows(spec, access, Selection.from_json(spec, params["selection"]))
    count = count_rows(db.session, query)
    progress("rows", 0, count)
    result = write_export(spec, stream(db.session, query), access, request, job_folder(app, job.id),
                          progress, count, params.get("locale", "zh"))
    progress("rows", result.rows, result.rows)
    return {"file": result.path.name, "rows": result.rows, "sha256": result.sha256, "download_name": result.file_name,
            "fmt": request.fmt, "encoding": request.encoding}


HANDLERS["export"] = background_export


def job_params(request: ExportRequest, selection: Selection, locale: str) -> dict[str, Any]:
    """What a background export keeps: the file wanted and the selection as data (not the web request)."""
    return {"fmt": request.fmt, "all_fields": request.all_fields, "encoding": request.encoding,
            "filters_text": request.filters_text, "selection": selection.as_json(), "locale": locale}
