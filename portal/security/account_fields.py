"""The account screens the Chinese way: one 姓名, an optional e-mail, roles by their Chinese labels.

FAB's account has 名 (``first_name``) and 姓 (``last_name``); the portal keeps the whole name in
``first_name`` and leaves ``last_name`` empty. An account saved before that shows 姓 + 名 until it is
edited. FAB's e-mail column is required and unique: an account without an e-mail keeps the
placeholder ``<用户名>@portal.local`` (as ``portal user create`` does), shown as empty.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2ManyWidget
from flask_appbuilder.security.forms import DynamicForm
from markupsafe import Markup, escape
from wtforms import Field, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError

from flask_babel import gettext, lazy_gettext
from portal.state import current_locale

#: The domain of the placeholder address of an account without an e-mail.
PLACEHOLDER_DOMAIN = "@portal.local"


def placeholder_email(username: str) -> str:
    return f"{username}{PLACEHOLDER_DOMAIN}"


def shown_email(email: str | None) -> str:
    """The e-mail as the screens show it: empty for the placeholder."""
    return "" if not email or email.endswith(PLACEHOLDER_DOMAIN) else email


def full_name(first_name: str | None, last_name: str | None) -> str:
    """姓名: an account saved with 姓 and 名 apart reads 姓 + 名 (张 + 三 = 张三)."""
    return f"{last_name or ''}{first_name or ''}".strip()


def role_label(name: str) -> str:
    """The role's label from roles.yaml in the page's language (its key when it has none)."""
    spec = current_app.extensions["portal"].roles.get(name)
    return spec.label.get(current_locale()) if spec is not None else name


def role_labels(roles: Any) -> Markup:
    """Roles by label, in the user list and the account page."""
    return Markup(gettext(", ").join(str(escape(role_label(role.name))) for role in roles or []))


def yes_no(value: Any) -> str:
    return gettext("Yes") if value else gettext("No")


class EmailText(StringField):
    """E-mail, optional: the placeholder of an account without one shows as an empty box."""

    def process_data(self, value: Any) -> None:
        self.data = shown_email(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.data = shown_email((self.data or "").strip())  # the placeholder typed back means "none"


def no_email_is_fine(form: Any, field: Field) -> None:
    """An empty e-mail (or the placeholder typed back) needs no further checks."""
    if not field.data:
        field.errors = []
        raise StopValidation()


class UniqueEmail:
    """No other account may use the same e-mail (FAB's column is unique)."""

    def __call__(self, form: Any, field: Field) -> None:
        if not field.data:
            return
        sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
        other = sm.find_user(email=field.data)
        if other is not None and str(other.id) != str(getattr(form, "_id", None) or ""):
            raise ValidationError(gettext("Another account uses this e-mail; choose another or leave it empty"))


def email_field() -> EmailText:
    return EmailText(lazy_gettext("Email"), widget=BS3TextFieldWidget(),
                     validators=[no_email_is_fine, Email(message=lazy_gettext("Not an e-mail address, e.g. zhang@example.cn")), Length(max=254),
                                 UniqueEmail()],
                     description=lazy_gettext("Optional. A delegate's must match the e-mail on the member roll."))


def name_field() -> StringField:
    return StringField(lazy_gettext("Full name"), widget=BS3TextFieldWidget(),
                       validators=[DataRequired(message=lazy_gettext("Please enter the name")),
                                   Length(max=64, message=lazy_gettext("A name has at most 64 characters"))])


class RoleField(SelectMultipleField):
    """Roles picked by their Chinese labels; FAB's ``Public`` role (no rights) is not offered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=self._role_choices, widget=Select2ManyWidget(), validate_choice=False,
                         coerce=str, **kwargs)

    @staticmethod
    def _roles() -> list[Any]:
        sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
        public = current_app.config.get("AUTH_ROLE_PUBLIC", "Public")
        return [role for role in sm.get_all_roles() if role.name != public]

    @classmethod
    def _role_choices(cls) -> list[tuple[str, str]]:
        return [(str(role.id), role_label(role.name)) for role in cls._roles()]

    def process_data(self, value: Any) -> None:
        self.data = [str(role.id) for role in value or []]

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(item) for item in valuelist]

    def pre_validate(self, form: Any) -> None:
        offered = {key for key, _ in self._role_choices()}
        if not self.data:
            raise ValidationError(gettext("Choose at least one role"))
        if any(item not in offered for item in self.data):
            raise ValidationError(gettext("The role chosen does not exist; choose again"))

    def populate_obj(self, obj: Any, name: str) -> None:
        chosen = set(self.data or [])
        setattr(obj, name, [role for role in self._roles() if str(role.id) in chosen])


def role_field() -> RoleField:
    return RoleField(lazy_gettext("Roles"),
                     description=lazy_gettext("Roles say what the user may do; the org unit, whose rows."))


class OwnInfoForm(DynamicForm):
    """个人信息 → 编辑: the user's own name (and nothing FAB would split into 名 and 姓)."""

    first_name = StringField(lazy_gettext("Full name"), widget=BS3TextFieldWidget(),
                             validators=[DataRequired(message=lazy_gettext("Please enter the name")), Length(max=64)])
