"""Hand-written pages: the home page with a count per register (of the rows the user may see)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g
from flask_appbuilder import IndexView, expose

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
