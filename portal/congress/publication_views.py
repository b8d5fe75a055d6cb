"""The tellers' page (监票人), the hall screen (大屏) and the result announcement (决议/选举结果公告).

A mixin of ``CongressView``; thin like the other screens. The hall screen's JSON carries an ETag, so
the screen polls it every second and gets an empty 304 while nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext

from portal.congress import publication, service, voting
from portal.congress.announcement_xlsx import announcement_xlsx
from portal.congress.errors import CongressError
from portal.congress.paper_state import paper_state
from portal.congress.results import result_lines
from portal.congress.rules import ITEM_CHOICES
from portal.congress.setup_views import done
from portal.errors import error_response
from portal.extensions import db
from portal.security.current import current_access

TEMPLATES = "portal/congress/"
#: Route -> the FAB permission it needs (merged into ``CongressView.method_permission_name``). The hall
#: screen and the announcement need only ``list``; they check the pages themselves (below).
PUBLICATION_PERMISSIONS = {"teller": "teller", "publish": "teller", "hall": "list", "hall_figures": "list",
                           "announcement": "list", "announcement_xlsx": "list"}
#: Pages that may watch the hall screen.
HALL_PAGES = ("congress_staff", "congress_chair")
#: Pages that may read an announcement before it is published (after the seal).
EARLY_READERS = ("congress_teller", "congress_chair")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _has_any_page(pages: tuple[str, ...]) -> bool:
    access = current_access()
    return any(access.has_page(page) for page in pages)


class PublicationRoutes:
    """Routes of the tellers' page, the hall screen and the announcement."""

    render_template: Any

    # --- tellers -----------------------------------------------------------------------------------

    def _teller_screen(self, session_id: int, error: str | None = None, status: int = 200) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
            polls = [{"poll": poll, "state": voting.STATE_NAMES[poll.state],
                      "result": result_lines(poll.result_dict()) if poll.result else None,
                      "paper": paper_state(db.session, poll.id)}
                     for poll in publication.closed_polls(db.session, session_id)]
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        page = self.render_template(TEMPLATES + "teller.html", sitting=sitting, polls=polls, error=error,
                                    form=request.form, choices=ITEM_CHOICES, me=str(current_user.username))
        return page, status

    @expose("/<int:session_id>/teller")
    @has_access
    def teller(self, session_id: int) -> Any:
        return self._teller_screen(session_id)

    @expose("/poll/<int:poll_id>/publish", methods=["POST"])
    @has_access
    def publish(self, poll_id: int) -> Any:
        try:
            poll = voting.get_poll(db.session, poll_id)
            session_id = poll.session_id
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        try:
            publication.publish(db.session, poll_id, str(current_user.username), request.form.get("tellers", ""))
        except CongressError as refused:
            return self._teller_screen(session_id, refused.message, refused.status)
        return done(gettext("The result of “%(title)s” is published; the announcement can be printed.", title=poll.title),
                    "teller", session_id=session_id)

    # --- the hall screen ---------------------------------------------------------------------------

    @expose("/<int:session_id>/hall")
    @has_access
    def hall(self, session_id: int) -> Any:
        if not _has_any_page(HALL_PAGES):
            return error_response(403, gettext("The hall screen is open to the congress secretariat and the presidium only."))
        try:
            figures = publication.hall_figures(db.session, session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        return self.render_template(TEMPLATES + "hall.html", session_id=session_id, figures=figures)

    @expose("/<int:session_id>/hall.json")
    @has_access
    def hall_figures(self, session_id: int) -> Any:
        """Attendance, turnout counts and sealed counts; 304 when the screen already has them (ETag)."""
        if not _has_any_page(HALL_PAGES):
            return error_response(403, gettext("The hall screen is open to the congress secretariat and the presidium only."))
        try:
            figures = publication.hall_figures(db.session, session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        response = Response(json.dumps(figures, ensure_ascii=False, sort_keys=True), mimetype="application/json")
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        return response.make_conditional(request)

    # --- the announcement --------------------------------------------------------------------------

    def _notice(self, poll_id: int) -> dict[str, Any] | Response:
        """The announcement, or the refusal: published for every congress page, sealed for tellers and chair."""
        try:
            poll = voting.get_poll(db.session, poll_id)
            if poll.state != "published" and not _has_any_page(EARLY_READERS):
                return error_response(403, gettext("The result of “%(title)s” is not published yet; the "
                                                   "announcement can be seen once it is.", title=poll.title))
            return publication.announcement(db.session, poll)
        except CongressError as refused:
            return error_response(refused.status, refused.message)

    @expose("/poll/<int:poll_id>/announcement")
    @has_access
    def announcement(self, poll_id: int) -> Any:
        notice = self._notice(poll_id)
        if isinstance(notice, Response):
            return notice
        return self.render_template(TEMPLATES + "announcement.html", notice=notice, poll_id=poll_id)

    @expose("/poll/<int:poll_id>/announcement.xlsx")
    @has_access
    def announcement_xlsx(self, poll_id: int) -> Any:
        notice = self._notice(poll_id)
        if isinstance(notice, Response):
            return notice
        response = Response(announcement_xlsx(notice), mimetype=XLSX)
        response.headers["Content-Disposition"] = f"attachment; filename=announcement-{poll_id}.xlsx"
        return response
