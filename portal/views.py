"""Hand-written pages: the home dashboard (to-dos, a count per register of the rows the user may see, and
the charts of the reports the user's roles may read: ``portal.web.dashboard``), and the language switch."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, session
from flask_appbuilder import BaseView, IndexView, expose
from flask_babel import refresh

from portal.security.current import current_access
from portal.state import current_locale, portal_state


class PortalIndexView(IndexView):
    index_template = "portal/index.html"

    @expose("/")
    def index(self) -> Any:
        self.update_redirect()
        board = None
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            from portal.web.dashboard import build_dashboard

            board = build_dashboard(portal_state(), current_access(), current_locale(),
                                    lambda slug: self.appbuilder.sm.has_access("can_list", slug))
        return self.render_template(self.index_template, appbuilder=self.appbuilder, board=board,
                                    cards=board.cards if board else [])


class LocaleSwitchView(BaseView):
    """``POST /lang/<locale>`` (a navbar form with the CSRF token) keeps the chosen language in the session.

    FAB's own switch is a GET link; ``portal.csrf`` refuses GET on it, so another site cannot switch it.
    """

    route_base = "/lang"

    @expose("/<string:locale>", methods=["POST"])
    def switch(self, locale: str) -> Any:
        if locale not in self.appbuilder.bm.languages:
            abort(404)
        session["locale"] = locale
        refresh()
        self.update_redirect()
        return redirect(self.get_redirect())
