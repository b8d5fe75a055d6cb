"""``/motions/``: the delegate's phone page (我的提案) and the session report (提案办理情况报告).

Thin: the phone page's POSTs call ``Desk`` (which writes through the register service and the workflow
engine, with the user's rights) and redirect back with a flashed message; a refused step is shown on
the page with status 422. The report reads through the register service, so a reader sees the motions
of their scope only. Every state change is a POST carrying the CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, pgettext
from flask_login import current_user

from portal.congress.errors import CongressError
from portal.congress.models import Delegate
from portal.congress.resolution_views import services as resolution_services
from portal.congress.roster import member_for_email
from portal.errors import error_response
from portal.extensions import db
from portal.motions.desk import COSIGNERS, FEEDBACK, MOTIONS, Desk, DeskRefused, notices
from portal.motions.report import session_report, sessions
from portal.motions.similar import similar
from portal.motions.report_xlsx import report_xlsx
from portal.records.service import RecordErrors, RecordForbidden, RegisterService
from portal.security.audit import acting_as
from portal.security.permissions import MOTIONS_VIEW
from portal.state import current_locale, portal_state

TEMPLATES = "portal/motions/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRAFT_FIELDS = ("session", "subject", "category", "reasons", "measures")


def _system_motions() -> RegisterService:
    state = portal_state()
    return RegisterService(state.registry.get(MOTIONS), state.registry, state.models, lambda: db.session,
                           lambda: "zh")


def _desk() -> Desk:
    member_id = member_for_email(db.session, getattr(current_user, "email", None))
    state = portal_state()
    return Desk(state.service(MOTIONS), state.service(COSIGNERS), _system_motions(), member_id)


def _errors_text(errors: dict[str, list[str]]) -> str:
    spec = portal_state().registry.get(MOTIONS)
    return gettext("; ").join(gettext("%(field)s: %(errors)s", field=spec.field(name).label.get(current_locale()),
                                      errors=" ".join(texts))
                              if spec.has_field(name) else " ".join(texts) for name, texts in errors.items())


class MotionDeskView(BaseView):
    """One view; the phone page needs the page ``motions_mine``, the report ``motions_report``."""

    route_base = "/motions"
    class_permission_name = MOTIONS_VIEW
    default_view = "mine"
    method_permission_name = {"mine": "mine", "draft": "mine", "invite": "mine", "submit": "mine",
                              "cosign": "mine", "feedback": "mine", "report": "report", "report_xlsx": "report"}

    # --- the delegate's phone page ----------------------------------------------------------------

    def _mine_screen(self, error: str | None = None, status: int = 200) -> Any:
        try:
            desk = _desk()
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        state = portal_state()
        others = sorted({seat.member_id for seat in db.session.query(Delegate)} - {desk.member_id})
        members = state.models["members"]
        names = {row.id: row.name for row in db.session.query(members).filter(members.id.in_(others))}
        categories = state.registry.get(MOTIONS).field("category").choice_values
        mine = desk.mine()
        check = (request.args.get("check") or "").strip()[:100]
        page = self.render_template(
            TEMPLATES + "mine.html", me=desk.member(), motions=mine, signers=desk.signers(mine),
            invitations=desk.invitations(),
            notices=notices(db.session, state.models, desk.member_id), delegates=sorted(names.items()),
            categories=categories, feedback=list(FEEDBACK), error=error, form=request.form,
            sessions=sessions(state.service(MOTIONS)), check=check,
            similar=similar(state.service(MOTIONS), check) if check else [], reasons=desk.decline_reasons(mine))
        return page, status

    def _step(self, step: Any, done: str) -> Any:
        try:
            with acting_as(str(current_user.username)):
                step(_desk())
            db.session.commit()
        except CongressError as refused:
            db.session.rollback()
            return error_response(refused.status, refused.message)
        except DeskRefused as refused:
            db.session.rollback()
            return self._mine_screen(str(refused), 422)
        except RecordErrors as refused:
            db.session.rollback()
            return self._mine_screen(_errors_text(refused.errors), 422)
        except RecordForbidden as refused:
            db.session.rollback()
            return self._mine_screen(str(refused), 403)
        flash(done)
        return redirect(url_for("MotionDeskView.mine"), 303)

    @expose("/mine")
    @has_access
    def mine(self) -> Any:
        return self._mine_screen()

    @expose("/mine/draft", methods=["POST"])
    @has_access
    def draft(self) -> Any:
        values = {name: (request.form.get(name) or "").strip() or None for name in DRAFT_FIELDS}
        missing = [label for name, label in (("session", pgettext("motion field", "Session")),
                                             ("subject", pgettext("motion field", "Subject")),
                                             ("reasons", pgettext("motion field", "Grounds")),
                                             ("measures", pgettext("motion field", "Proposed measures")))
                   if not values[name]]
        if missing:
            return self._mine_screen(gettext("Please fill in: %(fields)s", fields=gettext(", ").join(missing)), 422)
        values["category"] = values["category"] or "其他"  # i18n: data
        return self._step(lambda desk: desk.draft(values),
                          gettext("Motion saved as a draft: invite co-signers, then start collecting"))

    def _motion_id(self) -> int:
        return int(request.form.get("motion") or 0) if (request.form.get("motion") or "").isdigit() else 0

    @expose("/mine/invite", methods=["POST"])
    @has_access
    def invite(self) -> Any:
        member = request.form.get("member") or ""
        if not member.isdigit():
            return self._mine_screen(gettext("Choose the delegates to invite to co-sign"), 422)
        return self._step(lambda desk: desk.invite(desk.motion(self._motion_id()), int(member)),
                          gettext("Invited to co-sign"))

    @expose("/mine/submit", methods=["POST"])
    @has_access
    def submit(self) -> Any:
        return self._step(lambda desk: desk.submit(desk.motion(self._motion_id())), pgettext("motion step", "Submitted"))

    @expose("/mine/cosign", methods=["POST"])
    @has_access
    def cosign(self) -> Any:
        row = request.form.get("cosign") or ""
        agree = request.form.get("answer") == "yes"
        if not row.isdigit():
            return self._mine_screen(gettext("Co-sign invitation not found"), 422)
        return self._step(lambda desk: desk.answer(int(row), agree),
                          pgettext("motion step", "Co-signed") if agree else gettext("Co-signing declined"))

    @expose("/mine/feedback", methods=["POST"])
    @has_access
    def feedback(self) -> Any:
        opinion = request.form.get("opinion") or ""
        notes = request.form.get("notes") or ""
        return self._step(lambda desk: desk.feedback(desk.motion(self._motion_id()), opinion, notes),
                          gettext("Feedback given: %(opinion)s", opinion=opinion))

    # --- 查重 (the add/edit form links here) ---------------------------------------------------------

    @expose("/similar")
    def similar(self) -> Any:
        """Motions like a subject, for whoever may list motions (their scope only)."""
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        if not self.appbuilder.sm.has_access("can_list", MOTIONS):
            return error_response(403, gettext("You may not view motions"))
        subject = (request.args.get("subject") or "").strip()[:100]
        exclude = request.args.get("exclude") or ""
        found = similar(portal_state().service(MOTIONS), subject,
                        int(exclude) if exclude.isdigit() else None) if subject else []
        return self.render_template(TEMPLATES + "similar.html", subject=subject, found=found, exclude=exclude,
                                    title=gettext("Similar motions"))

    # --- the session report -----------------------------------------------------------------------

    @expose("/report")
    @has_access
    def report(self) -> Any:
        service = portal_state().service(MOTIONS)
        known = sessions(service)
        chosen = request.args.get("session") or (known[0] if known else "")
        report = session_report(service, chosen, resolution_services()) if chosen else None
        return self.render_template(TEMPLATES + "report.html", report=report, sessions=known, chosen=chosen)

    @expose("/report.xlsx")
    @has_access
    def report_xlsx(self) -> Any:
        chosen = request.args.get("session") or ""
        if not chosen:
            return error_response(400, gettext("Choose a session (session)"))
        data = report_xlsx(session_report(portal_state().service(MOTIONS), chosen, resolution_services()))
        return Response(data, mimetype=XLSX, headers={
            "Content-Disposition": "attachment; filename=motions-report.xlsx"})
