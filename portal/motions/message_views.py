"""The signed-in user's in-portal messages: the home page list, the menu-bar count and marking read.

A message belongs to a member; the account reads the messages of the member whose register e-mail is
the account's. Marking read is a POST with the CSRF token and touches only the user's own messages
(another user's message id is answered 404, never marked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, redirect, request
from flask_appbuilder import BaseView, expose
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from portal.congress.errors import CongressError
from portal.congress.roster import member_for_email
from portal.errors import error_response
from portal.extensions import db
from portal.texts import gettext
from portal.motions.messages import PortalMessage, inbox, mark_read, unread


@dataclass
class Inbox:
    """The user's messages (unread first) and the unread count."""

    member_id: int
    messages: list[PortalMessage] = field(default_factory=list)
    unread: int = 0


def _member() -> int | None:
    if not current_user.is_authenticated:
        return None
    try:
        return member_for_email(db.session, getattr(current_user, "email", None))
    except CongressError:
        return None


def current_inbox() -> Inbox | None:
    """The signed-in user's inbox, once per request; ``None`` for an account that is no member (or when the
    database cannot answer, e.g. on an error page after a failed statement: the page still renders)."""
    if "portal_inbox" not in g:
        try:
            member_id = _member()
            g.portal_inbox = None if member_id is None else Inbox(member_id, inbox(db.session, member_id),
                                                                   unread(db.session, member_id))
        except SQLAlchemyError:
            g.portal_inbox = None
    return g.portal_inbox


class MessagesView(BaseView):
    """``POST /messages/<id>/read`` and ``POST /messages/read``: mark one or all of one's messages read."""

    route_base = "/messages"
    default_view = "read_all"

    def _done(self) -> Any:
        return redirect("/#portal-messages", 303)

    @expose("/<int:message_id>/read", methods=["POST"])
    def read_one(self, message_id: int) -> Any:
        member_id = _member()
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        message = db.session.get(PortalMessage, message_id)
        if member_id is None or message is None or message.member_id != member_id:
            return error_response(404, gettext("Message not found: you can only mark messages sent to you"))
        mark_read(db.session, member_id, message_id)
        db.session.commit()
        return self._done()

    @expose("/read", methods=["POST"])
    def read_all(self) -> Any:
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        member_id = _member()
        if member_id is not None:
            mark_read(db.session, member_id)
            db.session.commit()
        return self._done() if request.form.get("back") != "mine" else redirect("/motions/mine", 303)
