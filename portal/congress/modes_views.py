"""The screens of the token-card and paper modes: the staff's 选票发放 page (make and print cards, print
paper ballots, count what is handed out), the card's own ballot on any phone (no login), and the
tellers' keying of paper ballots and their count.

A mixin of ``CongressView``; thin like the other screens. The card routes carry no ``has_access``: the
card's token is the only credential, and the route writes nothing but the ballot (``tokens.cast_card``).
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_babel import gettext, pgettext

from portal.congress import paper, roster, service, tokens, voting
from portal.congress.errors import CongressError, InvalidInput
from portal.congress.models import POLL_KINDS, Congress
from portal.congress.modes import BEFORE_CLOSE, counters, token_reconcile
from portal.congress.rules import ITEM_CHOICES
from portal.congress.selfcheckin import code_qr
from portal.congress.setup_views import done, not_a_number
from portal.errors import error_response
from portal.extensions import db

TEMPLATES = "portal/congress/"
#: Route -> the FAB permission it needs (merged into ``CongressView.method_permission_name``); the card
#: routes (``card``, ``card_confirm``, ``card_cast``) need none.
MODES_PERMISSIONS = {"ballots": "staff", "make_cards": "staff", "issue": "staff", "paper_ballots": "staff",
                     "key_paper": "teller", "count_paper": "teller"}
ISSUERS = {"token": tokens.issue, "paper": paper.issue}


def _number(name: str, label: str, default: int | None = None) -> int:
    text = (request.values.get(name) or "").strip()
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(not_a_number(label=label, text=text[:20])) from None


def form_choices(poll: Any) -> dict[str, Any]:
    """A ballot form's fields (the phone's and the tellers' forms name them alike)."""
    if poll.kind == "item":
        return {"items": [request.form.get(f"item-{index}", "") for index in range(len(poll.option_list()))]}
    return {"marks": request.form.getlist("mark"), "write_ins": request.form.getlist("write_in")}


class ModesRoutes:
    """Routes of the token-card and paper modes; ``render_template`` comes from ``CongressView``."""

    render_template: Any
    _teller_screen: Any

    # --- staff: 选票发放 ----------------------------------------------------------------------------

    def _ballots_screen(self, session_id: int, error: str | None = None, status: int = 200) -> Any:
        try:
            sitting = service.get_session(db.session, session_id)
            polls = [{"poll": poll, "kind": POLL_KINDS[poll.kind], "state": str(voting.STATE_NAMES[poll.state]),
                      "counters": counters(db.session, poll.id), "cards": token_reconcile(db.session, poll.id),
                      "open": poll.state in BEFORE_CLOSE}
                     for poll in roster.polls(db.session, session_id)]
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        page = self.render_template(TEMPLATES + "ballots.html", sitting=sitting, polls=polls, error=error)
        return page, status

    @expose("/<int:session_id>/ballots")
    @has_access
    def ballots(self, session_id: int) -> Any:
        return self._ballots_screen(session_id)

    def _session_of(self, poll_id: int) -> int | Any:
        try:
            return voting.get_poll(db.session, poll_id).session_id
        except CongressError as refused:
            return error_response(refused.status, refused.message)

    @expose("/poll/<int:poll_id>/cards", methods=["POST"])
    @has_access
    def make_cards(self, poll_id: int) -> Any:
        """New cards, shown once as a printable page (only their digests are kept)."""
        session_id = self._session_of(poll_id)
        if not isinstance(session_id, int):
            return session_id
        try:
            made = tokens.make_cards(db.session, poll_id, _number("count", pgettext("congress field", "Cards to make")), str(current_user.username))
            poll = voting.get_poll(db.session, poll_id)
        except CongressError as refused:
            return self._ballots_screen(session_id, refused.message, refused.status)
        cards = [(token, code_qr(url_for("CongressView.card", token=token, _external=True))) for token in made]
        return self.render_template(TEMPLATES + "token_cards.html", poll=poll, cards=cards, session_id=session_id)

    @expose("/poll/<int:poll_id>/issue", methods=["POST"])
    @has_access
    def issue(self, poll_id: int) -> Any:
        """发出: a count of cards or paper ballots handed out, never to whom."""
        session_id = self._session_of(poll_id)
        if not isinstance(session_id, int):
            return session_id
        kind = request.form.get("kind", "")
        if kind not in ISSUERS:
            return self._ballots_screen(session_id, gettext("Use the “Hand out” button of the voting cards or the paper ballots."), 422)
        try:
            total = ISSUERS[kind](db.session, poll_id, _number("count", pgettext("congress field", "Number handed out"), 1), str(current_user.username))
        except CongressError as refused:
            return self._ballots_screen(session_id, refused.message, refused.status)
        text = (gettext("Voting cards handed out recorded; %(total)s handed out in all.", total=total)
                if kind == "token" else
                gettext("Paper ballots handed out recorded; %(total)s handed out in all.", total=total))
        return done(text, "ballots", session_id=session_id)

    @expose("/poll/<int:poll_id>/paper-ballots")
    @has_access
    def paper_ballots(self, poll_id: int) -> Any:
        """Printable paper ballots with serial numbers (A5, one per sheet)."""
        try:
            poll = voting.get_poll(db.session, poll_id)
            serials = paper.check_print(poll, _number("first", pgettext("congress field", "First serial number"), 1),
                                        _number("count", pgettext("congress field", "Sheets to print"), 1))
            sitting = service.get_session(db.session, poll.session_id)
        except CongressError as refused:
            return error_response(refused.status, refused.message)
        congress = db.session.get(Congress, sitting.congress_id)
        return self.render_template(TEMPLATES + "paper_ballots.html", poll=poll, serials=serials, sitting=sitting,
                                    congress=congress, choices=ITEM_CHOICES)

    # --- the card's ballot, on any phone, without a login --------------------------------------------

    def _card_screen(self, token: str, error: str | None = None, status: int = 200, sent: bool = False) -> Any:
        try:
            poll = tokens.check_unused(db.session, token)
        except CongressError as refused:
            return self.render_template(TEMPLATES + "card_vote.html", poll=None, token=token,
                                        phone_user=pgettext("phone user", "Voting card"),
                                        error=refused.message), refused.status
        page = self.render_template(TEMPLATES + "card_vote.html", poll=poll, token=token, choices=ITEM_CHOICES,
                                    phone_user=pgettext("phone user", "Voting card"), error=error, mine=request.form if sent else None)
        return page, status

    @expose("/t/<token>")
    def card(self, token: str) -> Any:
        return self._card_screen(token)

    @expose("/t/<token>/confirm", methods=["POST"])
    def card_confirm(self, token: str) -> Any:
        try:
            poll = tokens.check_unused(db.session, token)
            if poll.state != "open":
                raise InvalidInput(gettext("“%(title)s” is not open for voting now; wait for the presidium to open the "
                                           "vote, then scan the card again.", title=poll.title))
            choices = voting.ballot_choices(poll, form_choices(poll))
        except CongressError as refused:
            return self._card_screen(token, refused.message, refused.status, sent=True)
        if request.form.get("edit"):
            return self._card_screen(token, sent=True)
        return self.render_template(TEMPLATES + "card_confirm.html", poll=poll, choices=choices, token=token,
                                    phone_user=pgettext("phone user", "Voting card"))

    @expose("/t/<token>/cast", methods=["POST"])
    def card_cast(self, token: str) -> Any:
        try:
            poll = tokens.card_poll(db.session, token)
            title = poll.title
            receipt = tokens.cast_card(db.session, token, form_choices(poll))
        except CongressError as refused:
            return self._card_screen(token, refused.message, refused.status, sent=True)
        return self.render_template(TEMPLATES + "receipt.html", poll_title=title, phone_user=pgettext("phone user", "Voting card"),
                                    receipt=receipt, card=True)

    # --- tellers: paper ballots --------------------------------------------------------------------

    @expose("/poll/<int:poll_id>/paper", methods=["POST"])
    @has_access
    def key_paper(self, poll_id: int) -> Any:
        """One teller keys one paper ballot by its serial (the other teller keys it independently)."""
        session_id = self._session_of(poll_id)
        if not isinstance(session_id, int):
            return session_id
        try:
            poll = voting.get_poll(db.session, poll_id)
            serial = _number("serial", pgettext("congress field", "Ballot serial number"))
            paper.key_in(db.session, poll_id, serial, form_choices(poll), str(current_user.username))
        except CongressError as refused:
            return self._teller_screen(session_id, refused.message, refused.status)
        return done(gettext("Paper ballot %(serial)s keyed in.", serial=f"{serial:04d}"), "teller", session_id=session_id)

    @expose("/poll/<int:poll_id>/count", methods=["POST"])
    @has_access
    def count_paper(self, poll_id: int) -> Any:
        """核对并计票: refused, naming the serials, while two entries of a serial differ."""
        session_id = self._session_of(poll_id)
        if not isinstance(session_id, int):
            return session_id
        try:
            voting.tally(db.session, poll_id, str(current_user.username))
        except CongressError as refused:
            return self._teller_screen(session_id, refused.message, refused.status)
        return done(gettext("The paper ballots agree and are counted together with the phone and voting-card "
                            "ballots; check the result, then publish it."), "teller",
                    session_id=session_id)
