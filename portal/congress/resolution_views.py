"""Resolution screens: 生成决议 on the presidium's page (a POST per passed 议题) and the resolution page
(``/resolutions/page/<id>``: tasks with their progress, inspections, timeline).

Thin: the POST calls ``resolutions.make_resolution`` with the user's register rights, commits and
redirects to the new resolution's page; a refusal is shown on the presidium's page with its status.
The resolution page needs the right to list resolutions (the register's own permission) and shows only
the rows the reader's scope reaches.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext

from portal.congress import attachments

from portal.congress.attachments import AttachmentRefused, InspectionAttachment, Store
from portal.congress.errors import CongressError
from portal.congress.resolution_page import Services, find, gather
from portal.congress.resolutions import INSPECTIONS, RESOLUTIONS, TASKS, make_resolution
from portal.errors import error_response
from portal.extensions import db
from portal.records.service import RecordErrors, RecordForbidden, RegisterService
from portal.security.current import current_access
from portal.state import current_locale, portal_state

TEMPLATES = "portal/congress/"
RESOLUTION_PERMISSIONS = {"make_resolution": "chair"}
INDEX_LIMIT = 200


def services() -> Services:
    state = portal_state()
    return Services(state.service(RESOLUTIONS), state.service(TASKS), state.service(INSPECTIONS))


def system_resolutions() -> RegisterService:
    state = portal_state()
    return RegisterService(state.registry.get(RESOLUTIONS), state.registry, state.models, lambda: db.session,
                           lambda: "zh")


def errors_text(spec: Any, errors: dict[str, list[str]]) -> str:
    return gettext("; ").join(gettext("%(field)s: %(errors)s", field=spec.field(name).label.get(current_locale()),
                                      errors=" ".join(texts))
                              if spec.has_field(name) else " ".join(texts) for name, texts in errors.items())


class ResolutionRoutes:
    """生成决议, mixed into ``CongressView`` (the presidium's page shows the buttons)."""

    _chair_screen: Any

    @expose("/poll/<int:poll_id>/resolution", methods=["POST"])
    @has_access
    def make_resolution(self, poll_id: int) -> Any:
        from portal.congress.voting import get_poll

        try:
            session_id = get_poll(db.session, poll_id).session_id
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        text = (request.form.get("item") or "").strip()
        if not text.isdigit():
            return self._chair_screen(session_id, gettext("Press “Make resolution” beside a passed item in the vote results."), 422)
        state = portal_state()
        if not current_access().can(RESOLUTIONS, "create"):
            return self._chair_screen(session_id, gettext("You may not create resolutions; ask the congress secretariat."), 403)
        try:
            record = make_resolution(state.service(RESOLUTIONS), system_resolutions(), poll_id, int(text),
                                     current_access().org_id)
            number, record_id = record.resolution_no, record.id
            db.session.commit()
        except CongressError as refused:
            db.session.rollback()
            return self._chair_screen(session_id, refused.message, refused.status)
        except RecordForbidden:
            db.session.rollback()
            return self._chair_screen(session_id, gettext("You may not create resolutions; ask the congress secretariat."), 403)
        except RecordErrors as refused:
            db.session.rollback()
            return self._chair_screen(session_id, errors_text(state.registry.get(RESOLUTIONS), refused.errors), 422)
        flash(gettext("Resolution %(number)s made; break it down into tasks on the resolution page.", number=number),
              "success")
        return redirect(url_for("ResolutionPageView.page", resolution_id=record_id), code=303)


class ResolutionPageView(BaseView):
    """The resolution page and the list of resolutions with their progress; the right to list resolutions
    is the right to see them."""

    route_base = "/resolutions/page"
    class_permission_name = RESOLUTIONS
    method_permission_name = {"index": "list", "page": "list", "attach": "list", "attachment": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        found = services()
        model = found.resolutions.model
        records = list(db.session.scalars(found.resolutions.query().order_by(None).order_by(
            model.adopted_on.desc(), model.resolution_no).limit(INDEX_LIMIT)).unique())
        return self.render_template(TEMPLATES + "resolutions.html", views=gather(found, records),
                                    limit=INDEX_LIMIT)

    def _page(self, resolution_id: int, error: str | None = None, status: int = 200) -> Any:
        found = services()
        view = find(found, resolution_id)
        if view is None:
            return error_response(404, gettext("No resolution numbered %(id)s, or it is outside your scope.",
                                               id=resolution_id))
        access = found.resolutions.access()
        page = self.render_template(TEMPLATES + "resolution.html", view=view, error=error,
                                    can_edit=access.can(RESOLUTIONS, "edit"),
                                    can_add_task=access.can(TASKS, "create"),
                                    can_add_inspection=access.can(INSPECTIONS, "create"),
                                    can_attach=access.can(INSPECTIONS, "edit"),
                                    max_mb=_store().max_bytes // 1024 // 1024)
        return page, status

    @expose("/<int:resolution_id>")
    @has_access
    def page(self, resolution_id: int) -> Any:
        return self._page(resolution_id)

    @expose("/inspection/<int:inspection_id>/attachments", methods=["POST"])
    @has_access
    def attach(self, inspection_id: int) -> Any:
        """A photo or file for an inspection the user may edit; refused files are named with the fix."""
        found = services()
        inspection = _inspection(found, inspection_id)
        if inspection is None:
            return error_response(404, gettext("Inspection not found, or it is outside your scope."))
        if not found.inspections.access().can(INSPECTIONS, "edit"):
            return self._page(inspection.resolution_id, gettext("You may not upload attachments to inspections."), 403)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(inspection.resolution_id, gettext("Choose the photo or file to upload first."), 422)
        store = _store()
        data = upload.stream.read(store.max_bytes + 1)
        try:
            added = attachments.add(db.session, store, inspection, upload.filename, data, str(current_user.username))
            db.session.commit()
        except AttachmentRefused as refused:
            db.session.rollback()
            return self._page(inspection.resolution_id, refused.message, refused.status)
        flash(gettext("Attachment “%(name)s” uploaded.", name=added.filename), "success")
        return redirect(url_for("ResolutionPageView.page", resolution_id=inspection.resolution_id), code=303)

    @expose("/attachment/<int:attachment_id>")
    @has_access
    def attachment(self, attachment_id: int) -> Any:
        """The file, to a user who may read its inspection (else 404, as if there were none); audited."""
        found = services()
        row = db.session.get(InspectionAttachment, attachment_id)
        inspection = _inspection(found, row.inspection_id) if row is not None else None
        if row is None or inspection is None:
            return error_response(404, gettext("Attachment not found, or it is outside your scope."))
        path = _store().path(row)
        if not path.is_file():
            return error_response(404, gettext("The file of attachment “%(name)s” is no longer on the server; upload it "
                                               "again.", name=row.filename))
        attachments.downloaded(db.session, inspection, row, str(current_user.username))
        db.session.commit()
        response = send_file(path, mimetype=row.content_type, as_attachment=row.content_type not in attachments.INLINE,
                             download_name=row.filename)
        response.headers["Cache-Control"] = "private, no-store"
        return response


def _store() -> Store:
    return Store.of(current_app.instance_path, current_app.config.get("PORTAL_ATTACHMENT_MAX_MB"))


def _inspection(found: Services, inspection_id: int) -> Any:
    """The inspection if the user may read it and reaches it, else ``None``."""
    if not found.readable(found.inspections):
        return None
    model = found.inspections.model
    return db.session.scalars(found.inspections.query().where(model.id == inspection_id)).unique().first()
