"""The staff's setup screens (大会秘书处): a congress and its sessions, seating delegates, freezing the roster.

A mixin of ``CongressView`` (the routes need the ``congress_staff`` page); thin like the other screens:
each route reads the form and calls ``service``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user

from portal.congress import roster, service
from portal.congress.cards import card_code
from portal.congress.errors import CongressError, InvalidInput
from portal.congress.import_views import IMPORT_PERMISSIONS, DelegateImportRoutes
from portal.congress.models import ROLES
from portal.errors import error_response
from portal.extensions import db
from portal.security.access import row_condition
from portal.security.current import current_access
from portal.state import portal_state

TEMPLATES = "portal/congress/"
#: Route -> the FAB permission it needs (merged into ``CongressView.method_permission_name``).
SETUP_PERMISSIONS = {"new_congress": "staff", "new_session": "staff", "delegates": "staff", "seat": "staff",
                     "freeze": "staff", **IMPORT_PERMISSIONS}


def done(message: str, endpoint: str, **values: Any) -> Any:
    """After a step: back to a screen (303), with the message flashed."""
    flash(message, "success")
    return redirect(url_for(f"CongressView.{endpoint}", **values), code=303)


def form_date(name: str, label: str) -> date:
    text = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{label}“{text[:20]}”不是日期，请按 2026-03-20 的格式填写。") from None


def form_int(name: str, label: str) -> int:
    text = request.form.get(name, "").strip()
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{label}“{text[:20]}”不是整数，请填写数字。") from None


class SetupRoutes(DelegateImportRoutes):
    """Routes of the setup screens (the delegates' import among them); ``render_template`` and ``index`` come
    from ``CongressView``."""

    render_template: Any
    _index_screen: Any
    @expose("/new", methods=["POST"])
    @has_access
    def new_congress(self) -> Any:
        try:
            congress = service.create_congress(
                db.session, request.form.get("name", ""), form_int("term_no", "届次"),
                form_date("term_start", "任期开始日期"), form_date("term_end", "任期结束日期"), current_user.username)
        except CongressError as refused:
            return self._index_screen(refused.message, refused.status)
        return done(f"已新建“{congress.name}”，请为它新建会次。", "index")

    @expose("/sessions", methods=["POST"])
    @has_access
    def new_session(self) -> Any:
        try:
            sitting = service.create_session(
                db.session, form_int("congress_id", "大会"), form_int("number", "会次"),
                form_date("held_on", "会议日期"), request.form.get("place", ""), request.form.get("session_type", ""),
                current_user.username)
        except CongressError as refused:
            return self._index_screen(refused.message, refused.status)
        return done(f"已新建第 {sitting.number} 次会议，请登记代表并冻结名单。", "delegates",
                          session_id=sitting.id)

    def _delegates_screen(self, session_id: int, error: str | None = None, status: int = 200) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        text = request.args.get("q", "")
        state = portal_state()
        model = state.models["members"]
        scope = row_condition(state.registry.get("members"), model, current_access())
        secret = current_app.config["SECRET_KEY"]
        rows = [(row, card_code(secret, row.delegate_id)) for row in roster.roster(db.session, sitting)]
        page = self.render_template(TEMPLATES + "delegates.html", sitting=sitting, rows=rows, query=text,
                                    found=roster.find_members(db.session, model, text, scope), roles=ROLES,
                                    error=error)
        return page, status

    @expose("/<int:session_id>/delegates")
    @has_access
    def delegates(self, session_id: int) -> Any:
        """The congress's delegates with their card codes; seat members found by name; freeze the roster."""
        return self._delegates_screen(session_id)

    @expose("/<int:session_id>/seat", methods=["POST"])
    @has_access
    def seat(self, session_id: int) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
            delegate = service.add_delegate(db.session, sitting.congress_id, form_int("member_id", "会员"),
                                            current_user.username, role=request.form.get("role", ""),
                                            delegation=request.form.get("delegation", "").strip(),
                                            constituency=request.form.get("constituency", "").strip())
            name = service.delegate_name(db.session, delegate)
        except CongressError as refused:
            return self._delegates_screen(session_id, refused.message, refused.status)
        return done(f"已将 {name} 登记为{delegate.role}。", "delegates", session_id=session_id)

    @expose("/<int:session_id>/freeze", methods=["POST"])
    @has_access
    def freeze(self, session_id: int) -> Any:
        try:
            total = service.freeze_roster(db.session, session_id, current_user.username)
        except CongressError as refused:
            return self._delegates_screen(session_id, refused.message, refused.status)
        return done(f"代表名单已冻结：应到 {total} 人。现在可以签到。", "checkin", session_id=session_id)

