"""Self check-in by phone: the venue-code screen for the projector, the staff's toggle, the delegate's form.

A mixin of ``CongressView`` (each route needs its ``congress_*`` page); thin like the other screens: the
code, the limit and the check-in itself are in ``venue``.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext
from markupsafe import Markup

from portal.congress import venue
from portal.congress.errors import CongressError
from portal.congress.setup_views import done
from portal.errors import error_response
from portal.extensions import db
from portal.security.audit import now_utc

TEMPLATES = "portal/congress/"
#: Route -> the FAB permission it needs (merged into ``CongressView.method_permission_name``).
SELF_CHECKIN_PERMISSIONS = {"venue_code": "staff", "self_checkin_toggle": "staff", "self_checkin": "vote"}
#: The projector reloads this long after the window ends, so the new code is already current.
RELOAD_AFTER_MS = 300


def code_qr(link: str) -> Markup:
    """The link as an inline SVG QR code (drawn here: the page loads nothing from outside)."""
    return Markup(segno.make(link, error="m").svg_inline(scale=8, border=2, title=gettext("Check-in QR code")))


class SelfCheckinRoutes:
    """Routes of self check-in; ``render_template`` and ``_vote_screen`` come from ``CongressView``."""

    render_template: Any
    _vote_screen: Any

    @expose("/<int:session_id>/venue-code")
    @has_access
    def venue_code(self, session_id: int) -> Any:
        """The hall screen's code, big, with its QR; reloads itself when the 30-second window turns."""
        now = now_utc()
        try:
            sitting, code = venue.current_code(db.session, session_id, now)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        link = url_for("CongressView.vote", code=code, _external=True)
        reload_ms = int(venue.seconds_left(now) * 1000) + RELOAD_AFTER_MS
        return self.render_template(TEMPLATES + "venue_code.html", sitting=sitting, code=code, qr=code_qr(link),
                                    reload_ms=reload_ms, seconds=venue.WINDOW_SECONDS)

    @expose("/<int:session_id>/self-checkin/toggle", methods=["POST"])
    @has_access
    def self_checkin_toggle(self, session_id: int) -> Any:
        allowed = request.form.get("allowed") == "1"
        try:
            venue.set_self_checkin(db.session, session_id, allowed, str(current_user.username))
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        message = (gettext("Self check-in by phone is on: show the check-in code page on the hall screen.") if allowed
                   else gettext("Self check-in by phone is off; delegates check in at the desk."))
        return done(message, "checkin", session_id=session_id)

    @expose("/<int:session_id>/self-checkin", methods=["POST"])
    @has_access
    def self_checkin(self, session_id: int) -> Any:
        """The delegate types the code from the hall screen; the delegate is the account's own."""
        try:
            event = venue.self_check_in(db.session, session_id, current_user.email, request.form.get("code", ""),
                                        str(current_user.username), now_utc())
        except CongressError as refused:
            return self._vote_screen(refused.message, refused.status)
        return done(gettext("Checked in. Welcome to the congress.") if event
                    else gettext("You are already checked in; no need to check in again."), "vote")
