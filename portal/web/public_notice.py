"""The public notice list (公示名单) of a register whose workflow declares ``public:``.

``/public/<slug>`` needs no sign-in: it lists the records now in the public state with the declared
fields only. Sensitive fields are masked; a link to a person (a register keyed by an ID number)
shows the person's name with all but the first character starred and the ID number masked, so the
list can be posted for members to check without showing anyone's details.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext
from flask_appbuilder import BaseView, expose

from portal.extensions import db
from portal.models import link_column
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.masking import mask_text, mask_value
from portal.state import current_locale, portal_state


def _person(target: RegisterSpec) -> bool:
    return target.key_field.type == "id_card"


class PublicNoticeView(BaseView):
    """``/public/<slug>``: the 公示 list, open to everyone."""

    route_base = "/public"
    default_view = "notice"

    @expose("/<slug>")
    def notice(self, slug: str) -> Any:
        state = portal_state()
        spec = state.registry.get(slug) if slug in state.registry else None
        flow = spec.workflow if spec is not None else None
        if spec is None or flow is None or flow.public is None:
            abort(404)
        public = flow.public
        model = state.models[slug]
        query = sa.select(model).where(getattr(model, flow.field) == public.state)
        deadline = next((item.deadline for item in flow.states if item.value == public.state and item.deadline), None)
        query = query.order_by(getattr(model, deadline or spec.key), getattr(model, spec.key))
        fields = [spec.field(name) for name in public.fields]
        rows = [[self._cell(state, field, record) for field in fields] for record in db.session.scalars(query)]
        status = flow.state(public.state)
        return self.render_template("portal/public_notice.html", spec=spec, fields=fields, rows=rows,
                                    state_label=status.label.get(current_locale()) if status else public.state,
                                    title=gettext("%(register)s public notice", register=spec.label.get(current_locale())),
                                    today=date.today())

    @staticmethod
    def _cell(state: Any, field: FieldSpec, record: Any) -> str:
        value = getattr(record, field.name)
        if field.is_link:
            target_id = getattr(record, link_column(field))
            target = state.registry.get(field.target or "")
            linked = db.session.get(state.models[target.slug], target_id) if target_id is not None else None
            if linked is None:
                return ""
            title = str(getattr(linked, target.title) or "")
            if _person(target):
                return gettext("%(name)s (%(key)s)", name=mask_text(title),
                               key=mask_value(target.key_field, getattr(linked, target.key)))
            return title
        if value is None:
            return ""
        if field.sensitive:
            return str(mask_value(field, value))
        if field.type == "choice":
            return field.choice_label(str(value), "zh")
        return value.isoformat() if isinstance(value, date) else str(value)
