"""The setup screen's 代表名单导入 (大会秘书处): template, upload and preview, then seat them all in one step.

Upload → every row checked (``delegate_import.plan``; nothing written) → a preview listing either each
problem with its row, column and fix, or the delegates to seat with a 确认导入 button. The button sends
the checked list back, signed (it cannot be altered in the browser) and valid for an hour, to the same
account; ``service.import_delegates`` seats it in one transaction after checking the scope again.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.congress import delegate_import, service
from portal.congress.delegate_import import FileProblem, ImportPlan
from portal.congress.delegate_template import template_xlsx
from portal.congress.errors import CongressError, InvalidInput, WrongState
from portal.congress.models import ROLES
from portal.errors import error_response
from portal.extensions import db
from portal.io.sheet_limits import ReadLimits
from portal.security.current import current_access
from portal.state import portal_state

TEMPLATES = "portal/congress/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How long a preview may wait for its 确认导入 (seconds).
PLAN_MAX_AGE = 3600
IMPORT_PERMISSIONS = {"delegates_template": "staff", "import_delegates": "staff", "import_commit": "staff"}


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="congress-delegate-import")


def sign_plan(session_id: int, congress_id: int, username: str, filename: str, plan: ImportPlan) -> str:
    rows = [[row.member_id, row.role, row.delegation, row.constituency] for row in plan.rows]
    return _signer().dumps({"s": session_id, "c": congress_id, "u": username, "f": filename, "d": rows})


def read_plan(token: str, session_id: int, username: str) -> dict[str, Any]:
    """The signed list of a preview, if it is this account's, for this session, and not too old."""
    try:
        data = _signer().loads(token, max_age=PLAN_MAX_AGE)
    except SignatureExpired:
        raise WrongState(gettext("The preview is more than 1 hour old; upload the file again.")) from None
    except BadSignature:
        raise InvalidInput(gettext("The import is not recognised (it may have been changed); upload the file "
                                   "again.")) from None
    if data.get("s") != session_id or data.get("u") != username:
        raise InvalidInput(gettext("This preview was not made for you on this page; upload the file again."))
    return dict(data)


class DelegateImportRoutes:
    """Routes of the import; a mixin of ``SetupRoutes`` (``render_template`` and the delegates screen come with it)."""

    render_template: Any
    _delegates_screen: Any

    @expose("/<int:session_id>/delegates/template.xlsx")
    @has_access
    def delegates_template(self, session_id: int) -> Any:
        return send_file(io.BytesIO(template_xlsx()), mimetype=XLSX, as_attachment=True,
                         download_name="代表名单模板.xlsx")  # i18n: data (the Chinese template's name)

    @expose("/<int:session_id>/delegates/import", methods=["POST"])
    @has_access
    def import_delegates(self, session_id: int) -> Any:
        """Read and check the uploaded file; show every problem, or the delegates to seat."""
        try:
            sitting = service.get_session(db.session, session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._delegates_screen(session_id, gettext("Choose the delegate list file to import (.xlsx, .xls or .csv)."), 422)
        state = portal_state()
        with tempfile.TemporaryDirectory(prefix="congress-import-") as folder:
            path = Path(folder) / "upload"
            upload.save(path)
            try:
                workbook = delegate_import.read(path, upload.filename, ReadLimits.from_config(current_app.config))
                plan = delegate_import.plan(db.session, state.registry, state.models, current_access(),
                                            sitting.congress_id, workbook)
            except FileProblem as problem:
                return self._delegates_screen(session_id, gettext("The file “%(name)s” cannot be imported: %(problem)s", name=upload.filename,
                                                                      problem=problem.message), 422)
        token = sign_plan(session_id, sitting.congress_id, str(current_user.username), upload.filename, plan) \
            if plan.ok else ""
        roles = {role: sum(1 for row in plan.rows if row.role == role) for role in ROLES}
        page = self.render_template(TEMPLATES + "delegates_import.html", sitting=sitting, plan=plan, token=token,
                                    filename=upload.filename, roles=roles)
        return page, 200 if plan.ok else 422

    @expose("/<int:session_id>/delegates/import/commit", methods=["POST"])
    @has_access
    def import_commit(self, session_id: int) -> Any:
        """Seat the previewed list, all or nothing."""
        try:
            sitting = service.get_session(db.session, session_id)
            data = read_plan(request.form.get("plan", ""), session_id, str(current_user.username))
            if data.get("c") != sitting.congress_id:
                raise InvalidInput(gettext("This preview belongs to another congress; upload the file again."))
            state = portal_state()
            delegates = [service.NewDelegate(int(member_id), str(role), str(delegation), str(constituency))
                         for member_id, role, delegation, constituency in data.get("d") or []]
            outside = delegate_import.outside_scope(db.session, state.registry, state.models, current_access(),
                                                    [d.member_id for d in delegates])
            if outside:
                raise WrongState(gettext("%(count)s members are no longer within your scope, so no delegate was "
                                         "imported; upload the file again and check it.", count=len(outside)))
            count = service.import_delegates(db.session, sitting.congress_id, delegates, str(current_user.username),
                                             str(data.get("f") or ""))
        except CongressError as refused:
            return self._delegates_screen(session_id, refused.message, refused.status)
        flash(gettext("Imported %(count)s delegates from the file.", count=count), "success")
        return redirect(url_for("CongressView.delegates", session_id=session_id), code=303)
