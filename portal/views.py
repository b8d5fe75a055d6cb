"""Hand-written pages: the home page with a count per register (of the rows the user may see), and the
language switch."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, redirect, session
from flask_appbuilder import BaseView, IndexView, expose
from flask_babel import refresh

from portal.extensions import db
from portal.security.access import row_condition
from portal.security.current import current_access
from portal.state import current_locale, portal_state


class PortalIndexView(IndexView):
    index_template = "portal/index.html"

    @expose("/")
    def index(self) -> Any:
        self.update_redirect()
        cards = []
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            state = portal_state()
            locale = current_locale()
            access = current_access()
            for spec in sorted(state.registry, key=lambda spec: (spec.menu.order if spec.menu else 100, spec.slug)):
                if not self.appbuilder.sm.has_access("can_list", spec.slug):
                    continue
                model = state.models[spec.slug]
                query = sa.select(sa.func.count()).select_from(model)
                scope = row_condition(spec, model, access)
                if scope is not None:
                    query = query.where(scope)
                count = db.session.scalar(query)
                cards.append({"slug": spec.slug, "label": spec.label.get(locale), "count": count,
                              "icon": spec.menu.icon if spec.menu else "fa-table"})
        return self.render_template(self.index_template, appbuilder=self.appbuilder, cards=cards)


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
