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
from flask_babel import gettext, pgettext

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


def not_a_number(label: str, text: str) -> str:
    """The refusal of a number field that is not a number (the field's label, what was typed)."""
    return gettext("%(label)s “%(text)s” is not a whole number; enter digits.", label=label, text=text)


def form_date(name: str, label: str) -> date:
    text = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(gettext("%(label)s “%(text)s” is not a date; use the format 2026-03-20.", label=label,
                                   text=text[:20])) from None


def form_int(name: str, label: str) -> int:
    text = request.form.get(name, "").strip()
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(not_a_number(label=label, text=text[:20])) from None


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
                db.session, request.form.get("name", ""), form_int("term_no", pgettext("congress field", "Term number")),
                form_date("term_start", pgettext("congress field", "Term start date")),
                form_date("term_end", pgettext("congress field", "Term end date")), current_user.username)
        except CongressError as refused:
            return self._index_screen(refused.message, refused.status)
        return done(gettext("Created “%(name)s”; now create its sessions.", name=congress.name), "index")

    @expose("/sessions", methods=["POST"])
    @has_access
    def new_session(self) -> Any:
        try:
            sitting = service.create_session(
                db.session, form_int("congress_id", pgettext("congress field", "Congress")),
                form_int("number", pgettext("congress field", "Session number")),
                form_date("held_on", pgettext("congress field", "Meeting date")), request.form.get("place", ""), request.form.get("session_type", ""),
                current_user.username)
        except CongressError as refused:
            return self._index_screen(refused.message, refused.status)
        return done(gettext("Created session %(number)s; register the delegates and freeze the roster.",
                             number=sitting.number), "delegates",
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
            delegate = service.add_delegate(db.session, sitting.congress_id, form_int("member_id", pgettext("congress field", "Member")),
                                            current_user.username, role=request.form.get("role", ""),
                                            delegation=request.form.get("delegation", "").strip(),
                                            constituency=request.form.get("constituency", "").strip())
            name = service.delegate_name(db.session, delegate)
        except CongressError as refused:
            return self._delegates_screen(session_id, refused.message, refused.status)
        return done(gettext("Registered %(name)s as %(role)s.", name=name, role=delegate.role), "delegates",
                    session_id=session_id)

    @expose("/<int:session_id>/freeze", methods=["POST"])
    @has_access
    def freeze(self, session_id: int) -> Any:
        try:
            total = service.freeze_roster(db.session, session_id, current_user.username)
        except CongressError as refused:
            return self._delegates_screen(session_id, refused.message, refused.status)
        return done(gettext("The roster is frozen: %(total)s delegates due. Check-in can start.", total=total), "checkin",
                    session_id=session_id)

