"""The congress screens: staff check-in, the chair's page and the delegate's phone page (setup in
``setup_views``; tellers, hall screen and announcement in ``publication_views``).

Thin: each route reads the form, calls ``service``/``voting`` (which write and audit) or ``roster``
(which reads), and renders. A refused step (``CongressError``) is shown as its Chinese sentence on
the same screen with the error's status; a success redirects back (303) with a flashed message.
Every state change is a POST carrying the CSRF token; a GET on it is answered 405 by Flask.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import current_app, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext

from portal.security.permissions import CONGRESS_VIEW
from portal.congress import roster, service, venue, voting
from portal.congress.cards import delegate_from_card
from portal.congress.errors import CongressError
from portal.congress.models import DIRECTION_NAMES, POLL_KINDS
from portal.congress.modes import counters
from portal.congress.modes_views import MODES_PERMISSIONS, ModesRoutes
from portal.congress.named import check_allowed, make_named
from portal.congress.publication_views import PUBLICATION_PERMISSIONS, PublicationRoutes
from portal.congress.resolution_views import RESOLUTION_PERMISSIONS, ResolutionRoutes
from portal.congress.resolutions import RESOLUTIONS, passed_items
from portal.congress.results import result_lines
from portal.congress.rules import ITEM_CHOICES, SESSION_TYPES, quorum
from portal.congress.selfcheckin import SELF_CHECKIN_PERMISSIONS, SelfCheckinRoutes
from portal.congress.setup_views import SETUP_PERMISSIONS, SetupRoutes, done, not_a_number
from portal.errors import error_response
from portal.extensions import db
from portal.security.current import current_access
from portal.state import portal_state

TEMPLATES = "portal/congress/"
#: The staff's per-delegate buttons: action -> (step, check-in method).
MARK_ACTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "search": (service.check_in, "search"),
    "manual": (service.check_in, "manual"),
    "out": (service.check_out, "search"),
    "leave": (service.mark_leave, "manual"),
}


def _actor() -> str:
    return str(current_user.username)


def _figures(session_id: int) -> dict[str, Any]:
    sitting = service.get_session(db.session, session_id)
    now = service.attendance(db.session, session_id)
    gate = quorum(now.present, now.total, service.session_rules(sitting))
    return {"total": now.total, "present": now.present, "on_leave": now.on_leave,
            "absent": max(now.total - now.present - now.on_leave, 0), "quorum_met": gate.met,
            "quorum": gate.message()}


class CongressView(SetupRoutes, SelfCheckinRoutes, PublicationRoutes, ModesRoutes, ResolutionRoutes, BaseView):
    """``/congress/``: one view; each screen needs its page in ``roles.yaml`` (``congress_*``)."""

    route_base = "/congress"
    class_permission_name = CONGRESS_VIEW
    default_view = "index"
    method_permission_name = {
        "index": "list", "attendance": "list",
        "checkin": "staff", "scan": "staff", "mark": "staff",
        "chair": "chair", "create_poll": "chair", "open_poll": "chair", "close_poll": "chair",
        "vote": "vote", "confirm": "vote", "edit": "vote", "cast": "vote",
        **SETUP_PERMISSIONS, **SELF_CHECKIN_PERMISSIONS, **PUBLICATION_PERMISSIONS, **MODES_PERMISSIONS,
        **RESOLUTION_PERMISSIONS,
    }

    # --- the list of sessions ----------------------------------------------------------------------

    def _index_screen(self, error: str | None = None, status: int = 200) -> Any:
        access = current_access()
        page = self.render_template(TEMPLATES + "index.html", sittings=roster.sessions(db.session),
                                    congresses=roster.congresses(db.session), session_types=SESSION_TYPES,
                                    staff=access.has_page("congress_staff"), chair=access.has_page("congress_chair"),
                                    teller=access.has_page("congress_teller"),
                                    voter=access.has_page("congress_vote"), error=error, form=request.form,
                                    resolutions=access.can(RESOLUTIONS, "read"))
        return page, status

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self._index_screen()

    @expose("/<int:session_id>/attendance")
    @has_access
    def attendance(self, session_id: int) -> Any:
        """应到 / 实到 / 请假 as JSON, for the figures that refresh themselves (``congress.js``)."""
        try:
            return jsonify(_figures(session_id))
        except CongressError as error:
            return error_response(error.status, error.message)

    # --- staff: check-in ---------------------------------------------------------------------------

    def _checkin_screen(self, session_id: int, error: str | None = None, status: int = 200) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
            text = request.args.get("q", "")
            rows = roster.roster(db.session, sitting, text)
            figures = _figures(session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        page = self.render_template(TEMPLATES + "checkin.html", sitting=sitting, rows=rows, query=text,
                                    figures=figures, error=error)
        return page, status

    @expose("/<int:session_id>/checkin")
    @has_access
    def checkin(self, session_id: int) -> Any:
        return self._checkin_screen(session_id)

    @expose("/<int:session_id>/scan", methods=["POST"])
    @has_access
    def scan(self, session_id: int) -> Any:
        """The USB scanner types the card code and Enter into the focused field."""
        try:
            delegate_id = delegate_from_card(current_app.config["SECRET_KEY"], request.form.get("code", ""))
            service.check_in(db.session, session_id, delegate_id, _actor(), method="scan")
            name = service.delegate_name(db.session, service.get_delegate(db.session, delegate_id))
        except CongressError as refused:
            return self._checkin_screen(session_id, refused.message, refused.status)
        return done(gettext("%(name)s checked in.", name=name), "checkin", session_id=session_id)

    @expose("/<int:session_id>/mark", methods=["POST"])
    @has_access
    def mark(self, session_id: int) -> Any:
        """A button on a roster row: 签到 (found by search), 补签 or 请假 (with a reason), 离场."""
        action = request.form.get("action", "")
        if action not in MARK_ACTIONS:
            return self._checkin_screen(session_id, gettext("Use the buttons on the roster (check in, check in by hand, leave or absence)."), 422)
        step, method = MARK_ACTIONS[action]
        try:
            delegate_id = int(request.form.get("delegate_id", ""))
            event = step(db.session, session_id, delegate_id, _actor(), method=method,
                         reason=request.form.get("reason"))
            name = service.delegate_name(db.session, service.get_delegate(db.session, event.delegate_id))
        except ValueError:
            return self._checkin_screen(session_id, gettext("Choose a delegate on the roster first."), 422)
        except CongressError as refused:
            return self._checkin_screen(session_id, refused.message, refused.status)
        return done(gettext("Recorded %(what)s for %(name)s.", name=name, what=DIRECTION_NAMES[event.direction]), "checkin",
                     session_id=session_id, q=request.args.get("q", ""))

    # --- chair: attendance and polls ---------------------------------------------------------------

    def _chair_screen(self, session_id: int, error: str | None = None, status: int = 200) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
            figures = _figures(session_id)
            models = portal_state().models
            polls = [{"poll": poll, "state": voting.STATE_NAMES[poll.state], "kind": POLL_KINDS[poll.kind],
                      "turnout": roster.turnout(db.session, poll.id) if poll.state == "open" else None,
                      "result": result_lines(poll.result_dict()) if poll.result else None,
                      "passed": {item.item_no: item for item in passed_items(db.session, models, poll)}}
                     for poll in roster.polls(db.session, session_id)]
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        access = current_access()
        page = self.render_template(TEMPLATES + "chair.html", sitting=sitting, figures=figures, polls=polls,
                                    kinds=POLL_KINDS, error=error, form=request.form,
                                    make_resolutions=access.can(RESOLUTIONS, "create"),
                                    read_resolutions=access.can(RESOLUTIONS, "read"))
        return page, status

    @expose("/<int:session_id>/chair")
    @has_access
    def chair(self, session_id: int) -> Any:
        return self._chair_screen(session_id)

    @expose("/<int:session_id>/polls", methods=["POST"])
    @has_access
    def create_poll(self, session_id: int) -> Any:
        form = request.form
        seats_text = form.get("seats", "").strip()
        try:
            seats = int(seats_text) if seats_text else None
        except ValueError:
            return self._chair_screen(session_id, not_a_number(label=gettext("Number of seats"), text=seats_text[:10]), 422)
        try:
            if form.get("named"):
                check_allowed(service.get_session(db.session, session_id))
            poll = voting.create_poll(db.session, session_id, form.get("kind", ""), form.get("title", "").strip(),
                                      form.get("options", "").splitlines(), _actor(), seats=seats)
            if form.get("named"):
                make_named(db.session, poll, _actor())
                db.session.commit()
        except CongressError as refused:
            return self._chair_screen(session_id, refused.message, refused.status)
        return done(gettext("Created “%(title)s”; it can open once check-in reaches the quorum.", title=poll.title), "chair",
                    session_id=session_id)

    def _poll_step(self, poll_id: int, step: Callable[[], Any], message: str) -> Any:
        try:
            poll = voting.get_poll(db.session, poll_id)
            session_id = poll.session_id
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        try:
            step()
        except CongressError as refused:
            return self._chair_screen(session_id, refused.message, refused.status)
        return done(message, "chair", session_id=session_id)

    @expose("/poll/<int:poll_id>/open", methods=["POST"])
    @has_access
    def open_poll(self, poll_id: int) -> Any:
        return self._poll_step(poll_id, lambda: voting.open_poll(db.session, poll_id, _actor()),
                               gettext("The vote is open; delegates can now vote on their phones."))

    @expose("/poll/<int:poll_id>/close", methods=["POST"])
    @has_access
    def close_poll(self, poll_id: int) -> Any:
        """Close, seal and count in one press: the result is stored once and shown from then on. With paper
        ballots out, the tellers count after keying them in (``modes_views.count_paper``)."""
        paper_out = counters(db.session, poll_id).paper_issued > 0

        def close_and_count() -> None:
            voting.close_poll(db.session, poll_id, _actor())
            if not paper_out:
                voting.tally(db.session, poll_id, _actor())

        return self._poll_step(poll_id, close_and_count, gettext("The vote is closed and the ballots sealed; the paper ballots are counted once two "
                                       "tellers have keyed them in separately and they agree.")
                               if paper_out else gettext("The vote is closed, the ballots sealed and counted."))

    # --- delegate: the phone page ------------------------------------------------------------------

    def _vote_screen(self, error: str | None = None, status: int = 200, poll_id: int | None = None) -> Any:
        """The open ballots; the one of ``poll_id`` keeps the choices just sent (after a refusal or 返回修改)."""
        try:
            ballots = roster.open_ballots(db.session, current_user.email)
            checkins = venue.pending(db.session, current_user.email)
        except CongressError as refused:
            ballots, checkins, error, status = [], [], error or refused.message, refused.status
        page = self.render_template(TEMPLATES + "vote.html", ballots=ballots, choices=ITEM_CHOICES, error=error,
                                    sent=request.form if poll_id else None, sent_poll=poll_id, checkins=checkins,
                                    venue_digits=venue.DIGITS)
        return page, status

    @expose("/vote")
    @has_access
    def vote(self) -> Any:
        return self._vote_screen()

    def _ballot_from_form(self, poll_id: int, for_cast: bool = False) -> tuple[Any, dict[str, Any]]:
        ballot = roster.open_ballot(db.session, current_user.email, poll_id, for_cast)
        poll = ballot.poll
        if poll.kind == "item":
            raw = {"items": [request.form.get(f"item-{index}", "") for index in range(len(poll.option_list()))]}
        else:
            raw = {"marks": request.form.getlist("mark"), "write_ins": request.form.getlist("write_in")}
        return ballot, voting.ballot_choices(poll, raw)

    @expose("/vote/<int:poll_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, poll_id: int) -> Any:
        """Show the choices once more before they are cast (nothing is written)."""
        try:
            ballot, choices = self._ballot_from_form(poll_id)
        except CongressError as refused:
            return self._vote_screen(refused.message, refused.status, poll_id)
        return self.render_template(TEMPLATES + "confirm.html", poll=ballot.poll, choices=choices)

    @expose("/vote/<int:poll_id>/edit", methods=["POST"])
    @has_access
    def edit(self, poll_id: int) -> Any:
        """返回修改: the ballot again, with the choices being confirmed (nothing is written)."""
        return self._vote_screen(poll_id=poll_id)

    @expose("/vote/<int:poll_id>/cast", methods=["POST"])
    @has_access
    def cast(self, poll_id: int) -> Any:
        """The delegate is the account's own (never a form field); the receipt is shown once."""
        try:
            # the poll under FOR KEY SHARE, the seat, the vote so far and the latest check-in: one query
            ballot, choices = self._ballot_from_form(poll_id, for_cast=True)
            # read before the cast commits: afterwards each would be loaded again, one query apiece
            title, username = ballot.poll.title, _actor()
            if ballot.voted:  # a retry: refused without touching the tables
                raise voting.already_voted(title)
            receipt = voting.cast_locked(db.session, ballot.poll, ballot.delegate_id, ballot.direction, choices)
        except CongressError as refused:
            return self._vote_screen(refused.message, refused.status, poll_id)
        return self.render_template(TEMPLATES + "receipt.html", poll_title=title, phone_user=username,
                                    receipt=receipt)
