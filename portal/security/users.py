"""Accounts carry an org unit: the root of the user's row scope. Admins set it on the user screens."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, g
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import UserDBModelView, UserInfoEditView
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import SelectField

from portal.extensions import db
from flask_babel import gettext, lazy_gettext
from portal.security.account_fields import (OwnInfoForm, email_field, full_name, name_field, placeholder_email,
                                            role_field, role_labels, shown_email, yes_no)
from portal.security.sessions import end_sessions_on_credential_change, session_id


class PortalUser(User):
    """FAB's user with ``org_unit_id`` (the org unit whose subtree the user's roles act on) and a session version.

    ``session_version`` goes up on sign-out, password change and deactivation; a browser session or
    API token made under an older version is refused (``portal.security.sessions``).
    """

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}
    org_unit_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    session_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")

    @property
    def display_name(self) -> str:
        """姓名 as the screens show it (an account saved with 姓 and 名 apart reads 姓 + 名)."""
        return f"{self.last_name or ''}{self.first_name or ''}".strip()

    def get_id(self) -> str:
        """What the session cookie keeps: the account and the version it was signed in under."""
        return session_id(self)


event.listen(PortalUser, "before_update", end_sessions_on_credential_change)


def org_unit_names() -> dict[int, str]:
    """Org unit id -> "name (code)", for the account screens (the org table is small)."""
    model = current_app.extensions["portal"].models["org_units"]
    rows = db.session.execute(sa.select(model.id, model.name, model.code).order_by(model.code)).all()
    return {row.id: f"{row.name} ({row.code})" for row in rows}


class OrgUnitField(SelectField):
    """Pick the user's org unit; empty means no unit (a subtree role then sees no rows)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=self._org_choices, widget=Select2Widget(), validate_choice=False, **kwargs)

    @staticmethod
    def _org_choices() -> list[tuple[str, str]]:
        return [("", "")] + [(str(key), name) for key, name in org_unit_names().items()]

    def process_data(self, value: Any) -> None:
        self.data = value

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = int(raw) if str(raw).isdigit() else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def iter_choices(self) -> Any:
        for value, label in self._org_choices():
            yield (value, label, value == self._value(), {})

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in org_unit_names():
            raise ValueError(gettext("The org unit chosen does not exist; choose again"))


def org_unit_label(org_unit_id: int | None) -> str:
    if org_unit_id is None:
        return ""
    return org_unit_names().get(org_unit_id, gettext("(deleted org unit #%(id)s)", id=org_unit_id))


ORG_LABEL = lazy_gettext("Org unit")
ORG_HELP = lazy_gettext("The user's rows: this unit and everything below it (unless a role's scope is all).")


class PortalUserDBModelView(UserDBModelView):
    """FAB's account screens the Chinese way (``portal.security.account_fields``) plus the org unit;
    the user's groups are not used by the portal."""

    class_permission_name = "UserDBModelView"  # FAB's own name, as in ``OWN_ACCOUNT``

    list_columns = ["username", "display_name", "email", "active", "roles", "org_unit_id"]
    add_columns = ["username", "first_name", "email", "active", "roles", "org_unit_id", "password", "conf_password"]
    edit_columns = ["username", "first_name", "email", "active", "roles", "org_unit_id"]
    search_columns = ["username", "first_name", "email", "active", "roles"]
    order_columns = ["username", "email", "active", "org_unit_id"]  # 姓名 is read from two columns
    show_fieldsets = [
        (lazy_gettext("Account"), {"fields": ["username", "display_name", "email", "active", "roles", "org_unit_id",
                                              "login_count"]}),
        (lazy_gettext("Sign-ins"), {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"],
                                    "expanded": False}),
    ]
    user_show_fieldsets = [
        (lazy_gettext("Your account"), {"fields": ["username", "display_name", "email", "active", "roles",
                                                   "org_unit_id", "login_count"]}),
    ]
    formatters_columns = {"org_unit_id": org_unit_label, "active": yes_no, "roles": role_labels, "email": shown_email}
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields,
                             "first_name": name_field(), "email": email_field(), "roles": role_field(),
                             "org_unit_id": OrgUnitField(ORG_LABEL, description=ORG_HELP)}
    edit_form_extra_fields = {"first_name": name_field(), "email": email_field(), "roles": role_field(),
                              "org_unit_id": OrgUnitField(ORG_LABEL, description=ORG_HELP)}
    label_columns = {**UserDBModelView.label_columns, "org_unit_id": ORG_LABEL, "first_name": lazy_gettext("Full name"),
                     "display_name": lazy_gettext("Full name"),
                     "active": lazy_gettext("Active"), "roles": lazy_gettext("Roles"),
                     "email": lazy_gettext("Email")}
    description_columns = {**UserDBModelView.description_columns,
                           "username": lazy_gettext("The name typed to sign in."),
                           "active": lazy_gettext("A deactivated account cannot sign in; its open sessions end at once.")}

    def prefill_form(self, form: Any, pk: Any) -> None:
        """An account saved with 名 and 姓 apart shows its whole name in the one 姓名 box."""
        item = self.datamodel.get(pk)
        if item is not None and item.last_name:
            form.first_name.data = full_name(item.first_name, item.last_name)

    def pre_add(self, item: Any) -> None:
        super().pre_add(item)
        self._settle(item)

    def pre_update(self, item: Any) -> None:
        super().pre_update(item)
        self._settle(item)

    @staticmethod
    def _settle(item: Any) -> None:
        """The whole name in ``first_name``; an account without e-mail keeps the placeholder address."""
        item.last_name = ""
        item.first_name = (item.first_name or "").strip()
        if not item.email:
            item.email = placeholder_email(item.username)


class PortalUserInfoEditView(UserInfoEditView):
    """个人信息 → 编辑: one 姓名 box (FAB asks for 名 and 姓)."""

    form = OwnInfoForm
    form_title = lazy_gettext("Edit my details")

    def form_get(self, form: Any) -> None:
        item = self.appbuilder.sm.get_user_by_id(g.user.id)
        form.first_name.data = full_name(item.first_name, item.last_name)

    def form_post(self, form: Any) -> None:
        item = self.appbuilder.sm.get_user_by_id(g.user.id)
        item.first_name = (form.first_name.data or "").strip()
        item.last_name = ""
        self.appbuilder.sm.update_user(item)
        flash(str(lazy_gettext("Your details were saved")), "info")
