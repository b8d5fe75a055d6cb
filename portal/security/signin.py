"""The sign-in screen, the API sign-in and the change-my-password form, on top of FAB's.

A refused sign-in answers with one generic sentence, whatever the reason, unless the password was right:
only then does it say that the account is locked or deactivated (``PortalSecurityManager.auth_user_db``
leaves that sentence in ``g.portal_login_refusal``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, g
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.api import safe
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.utils import is_null_password
from flask_appbuilder.security.views import AuthDBView, ResetMyPasswordView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.views import expose
from flask_login import login_user
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from flask_babel import lazy_gettext

#: The answer to every refused sign-in whose password was wrong (or whose account does not exist).
INVALID_LOGIN = lazy_gettext("Invalid login. Please try again.")


def refusal_message() -> str:
    """What to tell a refused sign-in: the specific reason when the password was right, else the generic one."""
    return str(g.get("portal_login_refusal") or INVALID_LOGIN)


class PortalAuthDBView(AuthDBView):
    """FAB's sign-in screen; its refusal says why only after a correct password."""

    @property
    def invalid_login_message(self) -> str:
        return refusal_message()


    @expose("/logout/", methods=["POST"])
    def logout(self) -> Any:
        """Sign out by POST only (a link on another site cannot sign anyone out); the navbar's form carries the token."""
        return super().logout()


class PortalSecurityApi(SecurityApi):
    """``POST /api/v1/security/login``: FAB's token sign-in, refusing with the same sentences as the screen."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self) -> Any:
        response = super().login()
        if response.status_code == 401:
            return self.response(401, message=refusal_message())
        return response


class ChangeOwnPasswordForm(DynamicForm):
    """The current password, then the new one twice; the new one obeys the password policy."""

    current_password = PasswordField(lazy_gettext("Current password"), validators=[DataRequired()],
                                     widget=BS3PasswordFieldWidget())
    password = PasswordField(lazy_gettext("New password"),
                             description=lazy_gettext("At least 10 characters, not only digits."),
                             validators=[DataRequired(), PasswordComplexityValidator()],
                             widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(lazy_gettext("Confirm new password"),
                                  validators=[EqualTo("password", message=lazy_gettext("The two new passwords differ."))],
                                  widget=BS3PasswordFieldWidget())

    def validate_current_password(self, field: PasswordField) -> None:
        if is_null_password(field.data) or not check_password_hash(g.user.password, field.data):
            raise ValidationError(str(lazy_gettext("The current password is wrong; enter the password you use now.")))


class ChangeOwnPasswordView(ResetMyPasswordView):
    """``/resetmypassword/form``: asks for the current password. Other sessions of the account end;
    this browser stays signed in under the new session version."""

    class_permission_name = "ResetMyPasswordView"  # FAB's own name, as in ``OWN_ACCOUNT``
    form = ChangeOwnPasswordForm

    def form_post(self, form: DynamicForm) -> None:
        sm = self.appbuilder.sm
        sm.reset_password(g.user.id, form.password.data)
        login_user(sm.get_user_by_id(g.user.id), remember=False)
        flash(as_unicode(self.message), "info")
