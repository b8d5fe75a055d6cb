"""The 待办 page (``/todo/``) and the small box on the home page: what waits for the signed-in user."""

from __future__ import annotations

from typing import Any

from flask import redirect
from flask_babel import gettext
from flask_appbuilder import BaseView, expose
from flask_login import current_user

from portal.extensions import db
from portal.records.todo import TodoGroup, todo_groups
from portal.records.workflow import today
from portal.security.current import current_access
from portal.state import portal_state


def current_todo() -> list[TodoGroup]:
    """The signed-in user's to-do groups (empty when nobody is signed in)."""
    if not current_user.is_authenticated:
        return []
    state = portal_state()
    return todo_groups(list(state.registry), state.models.classes, db.session, current_access(), today())


class TodoView(BaseView):
    route_base = "/todo"
    default_view = "todo"

    @expose("/")
    def todo(self) -> Any:
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("portal/todo.html", groups=current_todo(), day=today(), title=gettext("To do"))
